//! `mailroom soak` run as a user would.

use std::process::Command;

fn mailroom(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mailroom"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("CI", "1")
        .output()
        .expect("the binary runs")
}

#[test]
fn twenty_seeds_pass_and_print_coverage() {
    let o = mailroom(&["soak", "--seeds", "20"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for needle in [
        "20 schedules",
        "invariant",
        "one-owner-classic",
        "no-acked-loss",
        "fault CrashBroker",
        "0 violations",
    ] {
        assert!(out.contains(needle), "{needle:?} missing:\n{out}");
    }
}

#[test]
fn json_summary_and_bad_arguments() {
    let o = mailroom(&["soak", "--seeds", "5", "--json", "--jobs", "1"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    assert_eq!(v["coverage"]["schedules"], 5);
    assert_eq!(v["violations"], serde_json::json!([]));
    assert_eq!(mailroom(&["soak", "--seeds", "0"]).status.code(), Some(2));
    assert_eq!(mailroom(&["soak", "--jobs", "0"]).status.code(), Some(2));
    assert_eq!(mailroom(&["soak", "--seeds", "x"]).status.code(), Some(2));
}

#[test]
fn replay_checks_a_scenario_file() {
    let o = mailroom(&[
        "soak",
        "--replay",
        "scenarios/acks-all-min-insync-survives-crash.json",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("no violation"), "{out}");
}
