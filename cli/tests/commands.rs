//! The `mailroom` binary's subcommands, run as a user would: output, --json and exit codes.

use std::process::{Command, Output};

fn mailroom(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailroom"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("CI", "1")
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn every_subcommand_has_help_with_examples() {
    for sub in [
        "simulate",
        "sweep",
        "trace",
        "play",
        "assign",
        "partition",
        "conformance",
        "check",
        "explain",
        "soak",
        "completions",
        "man",
    ] {
        let o = mailroom(&[sub, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{sub} --help");
        assert!(
            stdout(&o).contains("Example"),
            "{sub} --help has no example"
        );
    }
}

#[test]
fn partition_prints_kafkas_murmur2_partition() {
    let o = mailroom(&["partition", "--partitions", "12", "user-42"]);
    let want = mailroom_core::partitioner::partition_for_key(b"user-42", 12);
    assert_eq!(stdout(&o).trim(), want.to_string());
    // Several keys: one aligned row each.
    let o = mailroom(&["partition", "-p", "12", "a", "b", "--json"]);
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[1]["partition"],
        mailroom_core::partitioner::partition_for_key(b"b", 12)
    );
    assert_eq!(
        mailroom(&["partition", "-p", "0", "x"]).status.code(),
        Some(2)
    );
    assert_eq!(
        mailroom(&["partition", "-p", "3", "--hex", "abc"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn assign_range_gives_the_first_members_the_extra_partitions() {
    let o = mailroom(&[
        "assign",
        "-s",
        "range",
        "-t",
        "orders=6",
        "--members",
        "4",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(
        v["consumer-1"],
        serde_json::json!([["orders", 0], ["orders", 1]])
    );
    assert_eq!(v["consumer-4"], serde_json::json!([["orders", 5]]));
    // A typo in a member's topic is an error naming it.
    let o = mailroom(&["assign", "-t", "orders=6", "--member", "a:ordres"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("\"ordres\""));
}

#[test]
fn simulate_exit_status_says_whether_records_were_lost_or_duplicated() {
    let dup = mailroom(&[
        "simulate",
        "scenarios/at-least-once-crash-before-commit.json",
        "--json",
    ]);
    assert_eq!(dup.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(stdout(&dup).trim()).unwrap();
    assert!(v["groups"][0]["duplicates"].as_u64().unwrap() > 0);
    let safe = mailroom(&[
        "simulate",
        "scenarios/acks-all-min-insync-survives-crash.json",
    ]);
    assert_eq!(safe.status.code(), Some(0), "{}", stdout(&safe));
    assert!(stdout(&safe).contains("acked_lost"));
    let missing = mailroom(&["simulate", "no-such-scenario.json"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn simulate_event_levels_hash_what_they_record_and_all_matches_the_core_example() {
    // `--events all` is the determinism fingerprint: the same hash twice.
    let run = || {
        let o = mailroom(&[
            "simulate",
            "scenarios/eager-vs-cooperative.json",
            "--events",
            "all",
            "--json",
        ]);
        let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        (v["event_hash"].clone(), v["events"].as_u64().unwrap())
    };
    let (h1, n_all) = run();
    assert_eq!(run().0, h1);
    let o = mailroom(&["simulate", "scenarios/eager-vs-cooperative.json", "--json"]);
    let story: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert!(
        story["events"].as_u64().unwrap() < n_all,
        "story records fewer events"
    );
}

#[test]
fn trace_prints_one_json_event_per_line() {
    let o = mailroom(&[
        "trace",
        "scenarios/static-membership-restart.json",
        "--until",
        "3000",
    ]);
    let out = stdout(&o);
    assert!(out.lines().count() > 0);
    for l in out.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert!(v["at_ms"].as_u64().unwrap() <= 3000);
    }
}

#[test]
fn conformance_matches_every_built_in_kafka_answer() {
    let o = mailroom(&["conformance"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains(" 0 differ"));
}

#[test]
fn man_pages_and_completions_are_generated() {
    let dir = std::env::temp_dir().join(format!("mailroom-man-{}", std::process::id()));
    let o = mailroom(&["man", "--out", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let page = std::fs::read_to_string(dir.join("mailroom-simulate.1")).unwrap();
    assert!(page.contains(".TH"));
    let _ = std::fs::remove_dir_all(&dir);
    let o = mailroom(&["completions", "bash"]);
    assert!(stdout(&o).contains("mailroom"));
}

#[test]
fn explain_prints_a_chain_for_every_case_simulate_counts() {
    for (file, kind, figure) in [
        (
            "scenarios/auto-commit-surprise.json",
            "duplicate",
            "duplicates",
        ),
        (
            "scenarios/acks-1-leader-crash-loses-acked.json",
            "acked-lost",
            "acked_lost",
        ),
        (
            "scenarios/poison-message-delivery-limit.json",
            "redelivery",
            "redeliveries",
        ),
    ] {
        let sim = mailroom(&["simulate", file, "--json"]);
        let totals: serde_json::Value = serde_json::from_slice(&sim.stdout).expect("json");
        let want: u64 = ["groups", "producers", "share_groups"]
            .iter()
            .flat_map(|k| totals[k].as_array().cloned().unwrap_or_default())
            .filter_map(|o| o[figure].as_u64())
            .sum();
        assert!(want > 0, "{file}: the lesson has {figure}");
        let o = mailroom(&["explain", file, "--kind", kind, "--json"]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{file}: found something to explain"
        );
        let cases: Vec<serde_json::Value> = stdout(&o)
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect();
        assert!(cases.iter().all(|c| c["kind"] == kind));
        let got: u64 = cases.iter().map(|c| c["records"].as_u64().unwrap()).sum();
        assert_eq!(
            got, want,
            "{file}: records in chains vs simulate's {figure}"
        );
        for c in &cases {
            let steps = c["steps"].as_array().expect("steps");
            assert!(steps.len() >= 2, "{c}");
            assert!(steps
                .iter()
                .all(|s| s["at_ms"].is_u64() && s["text"].is_string()));
            assert!(c["topic"].is_string() && c["partition"].is_u64());
        }
    }
    // People get the chain as sentences, and --first cuts the listing, not the totals.
    let o = mailroom(&[
        "explain",
        "scenarios/auto-commit-surprise.json",
        "--first",
        "1",
    ]);
    let out = stdout(&o);
    assert_eq!(out.matches("duplicate at ").count(), 1, "{out}");
    assert!(
        out.contains("119 duplicates in 119 cases (first 1 shown)"),
        "{out}"
    );
    // Nothing to explain: exit 0.
    let o = mailroom(&["explain", "scenarios/eager-vs-cooperative.json"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("nothing to explain"));
    // A bad kind is bad input.
    let o = mailroom(&[
        "explain",
        "scenarios/eager-vs-cooperative.json",
        "--kind",
        "nope",
    ]);
    assert_eq!(o.status.code(), Some(2));
}
