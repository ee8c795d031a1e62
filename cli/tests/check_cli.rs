//! `mailroom check` as a user runs it: exit codes 0 / 1 / 2, every error printed, `--json` shape.

use std::io::Write;
use std::process::{Command, Stdio};

fn mailroom(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailroom"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("mailroom-check-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn exit_1_when_a_drill_warns() {
    let p = file("p1.properties", "acks=1\n");
    let t = file("t1.properties", "replication.factor=3\n");
    let (code, out, _) = mailroom(&["check", "--producer", &p, "--topic", &t], None);
    assert_eq!(code, 1);
    assert!(
        out.contains("leader-crash") && out.contains("acks=1"),
        "{out}"
    );
    assert!(out.contains("#z="), "each drill has a share link");
}

#[test]
fn exit_0_when_no_chosen_drill_warns() {
    // Kafka's defaults on three replicas with min.insync.replicas=2 survive broker faults.
    let t = file(
        "t0.properties",
        "replication.factor=3\nmin.insync.replicas=2\n",
    );
    let (code, out, err) = mailroom(
        &[
            "check",
            "--topic",
            &t,
            "--drill",
            "leader-crash",
            "--drill",
            "broker-isolated",
            "--drill",
            "coordinator-crash",
        ],
        None,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 of 3 drills warn"), "{out}");
}

#[test]
fn at_least_once_always_repeats_something_so_the_full_battery_exits_1() {
    let t = file(
        "t0b.properties",
        "replication.factor=3\nmin.insync.replicas=2\n",
    );
    let c = file(
        "c0b.properties",
        "enable.auto.commit=false\nmax.poll.records=1\n",
    );
    let (code, out, _) = mailroom(&["check", "--topic", &t, "--consumer", &c], None);
    assert_eq!(code, 1);
    assert!(out.contains("! consumer-crash-before-commit"), "{out}");
}

#[test]
fn an_unknown_drill_is_bad_input() {
    let (code, _, err) = mailroom(&["check", "--drill", "leader-crsh"], None);
    assert_eq!(code, 2);
    assert!(
        err.contains("drill: --drill=leader-crsh: one of leader-crash"),
        "{err}"
    );
}

#[test]
fn exit_2_with_every_bad_value_printed_and_nothing_run() {
    let (code, out, err) = mailroom(
        &["check", "--producer", "-", "--rate=-1"],
        Some("acks=2\nretries=-1\nenable.idempotence=maybe\n"),
    );
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    for needle in [
        "rate: --rate=-1",
        "producer: acks=2",
        "producer: retries=-1",
        "producer: enable.idempotence=maybe",
    ] {
        assert!(err.contains(needle), "{needle} missing in {err}");
    }
}

#[test]
fn exit_2_for_a_missing_file() {
    let (code, _, err) = mailroom(
        &["check", "--producer", "/nonexistent/producer.properties"],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/producer.properties"), "{err}");
}

#[test]
fn json_is_one_object_per_drill_with_the_engine_fields_and_a_link() {
    let (code, out, _) = mailroom(&["check", "--json"], None);
    assert!(code == 0 || code == 1);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), mailroom_check_ids().len());
    for v in &lines {
        for k in [
            "id",
            "title",
            "acked_lost",
            "log_duplicates",
            "duplicates",
            "lost",
            "reordered",
            "producer_unavailable_s",
            "consumer_unavailable_s",
            "advice",
            "warn",
            "scenario",
            "at_ms",
            "link",
        ] {
            assert!(v.get(k).is_some(), "{k} missing in {v}");
        }
        assert!(v["link"].as_str().unwrap().starts_with("#z="));
    }
}

fn mailroom_check_ids() -> Vec<&'static str> {
    mailroom_check::drills::IDS.to_vec()
}
