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
