//! The `.properties` reader: Kafka 4.x defaults, every kind of error (all at once),
//! ignored keys with did-you-mean, and Java's format handled by the crate.

use mailroom_check::config::{read, Acks};

fn setting<'a>(r: &'a mailroom_check::config::Read, file: &str, key: &str) -> (&'a str, &'a str) {
    let s = r
        .settings
        .iter()
        .find(|s| s.file == file && s.key == key)
        .unwrap_or_else(|| panic!("{file}: {key} not reported"));
    (s.value.as_str(), s.source.as_str())
}

#[test]
fn unset_keys_take_kafka_4_defaults() {
    let r = read(None, None, None, None);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let c = &r.resolved;
    assert_eq!(c.acks, Acks::All);
    assert_eq!(
        c.enable_idempotence, None,
        "unset: on unless it conflicts (KIP-679)"
    );
    assert_eq!(c.max_in_flight, 5);
    assert_eq!(c.retries, i32::MAX as u32);
    assert_eq!(c.linger_ms, 5, "KIP-1030 made 5 ms the default in 4.0");
    assert_eq!(c.delivery_timeout_ms, 120_000);
    assert!(c.auto_commit);
    assert_eq!(c.auto_commit_interval_ms, 5_000);
    assert!(!c.reset_earliest, "auto.offset.reset=latest");
    assert!(!c.consumer_protocol, "group.protocol=classic");
    assert_eq!(c.session_timeout_ms, 45_000);
    assert_eq!(c.max_poll_interval_ms, 300_000);
    assert_eq!(c.strategies, vec!["range", "cooperative-sticky"]);
    assert_eq!(c.min_insync_replicas, 1);
    assert!(!c.unclean);
    assert_eq!((c.partitions, c.replication_factor, c.brokers), (1, 1, 3));
    assert_eq!(setting(&r, "producer", "acks"), ("all", "default"));
    assert_eq!(
        setting(&r, "topic", "min.insync.replicas"),
        ("1", "default")
    );
}

#[test]
fn values_from_a_file_are_marked_file() {
    let r = read(
        Some("acks=1\n"),
        Some("enable.auto.commit=false\n"),
        Some("replication.factor=3\nmin.insync.replicas=2\n"),
        None,
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.resolved.acks, Acks::One);
    assert!(!r.resolved.auto_commit);
    assert_eq!(setting(&r, "producer", "acks"), ("1", "file"));
    assert_eq!(setting(&r, "topic", "replication.factor"), ("3", "file"));
    assert_eq!(r.resolved.min_insync_replicas, 2);
}

#[test]
fn java_syntax_escapes_continuations_separators_and_comments_are_read() {
    let text = "# a comment\n! another\nacks : 1\nlinger.ms   20\nclient.id=check\\\n    out\nretries=\\u0033\n";
    let r = read(Some(text), None, None, None);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.resolved.acks, Acks::One);
    assert_eq!(r.resolved.linger_ms, 20);
    assert_eq!(
        r.resolved.client_id, "checkout",
        "a backslash continues the line"
    );
    assert_eq!(r.resolved.retries, 3, "\\u0033 is '3'");
}

#[test]
fn each_bad_value_names_key_value_and_what_is_allowed() {
    let cases = [
        ("producer", "acks=2", "acks", "must be one of all, -1, 0, 1"),
        (
            "producer",
            "enable.idempotence=maybe",
            "enable.idempotence",
            "must be true or false",
        ),
        ("producer", "retries=-1", "retries", "must be at least 0"),
        ("producer", "linger.ms=soon", "linger.ms", "whole number"),
        (
            "producer",
            "enable.idempotence=true\nacks=1",
            "acks",
            "when enable.idempotence=true",
        ),
        (
            "producer",
            "enable.idempotence=true\nmax.in.flight.requests.per.connection=6",
            "max.in.flight.requests.per.connection",
            "at most 5",
        ),
        (
            "producer",
            "enable.idempotence=true\nretries=0",
            "retries",
            "greater than 0",
        ),
        (
            "producer",
            "delivery.timeout.ms=1000",
            "delivery.timeout.ms",
            "linger.ms + request.timeout.ms",
        ),
        (
            "consumer",
            "auto.offset.reset=sometimes",
            "auto.offset.reset",
            "earliest, latest",
        ),
        (
            "consumer",
            "session.timeout.ms=10000\nheartbeat.interval.ms=10000",
            "heartbeat.interval.ms",
            "lower than session.timeout.ms",
        ),
        (
            "consumer",
            "group.protocol=consumer\nsession.timeout.ms=10000",
            "session.timeout.ms",
            "group.protocol=consumer",
        ),
        (
            "consumer",
            "partition.assignment.strategy=fancy",
            "partition.assignment.strategy",
            "RangeAssignor",
        ),
        (
            "consumer",
            "max.poll.interval.ms=3600000",
            "max.poll.interval.ms",
            "at most 300000",
        ),
        (
            "topic",
            "replication.factor=4",
            "replication.factor",
            "number of brokers (3",
        ),
        (
            "topic",
            "replication.factor=2\nmin.insync.replicas=3",
            "min.insync.replicas",
            "NOT_ENOUGH_REPLICAS",
        ),
        (
            "topic",
            "unclean.leader.election.enable=yes",
            "unclean.leader.election.enable",
            "true or false",
        ),
    ];
    for (file, text, key, reason) in cases {
        let r = match file {
            "producer" => read(Some(text), None, None, None),
            "consumer" => read(None, Some(text), None, None),
            _ => read(None, None, Some(text), None),
        };
        assert_eq!(r.errors.len(), 1, "{text}: {:?}", r.errors);
        let e = &r.errors[0];
        assert_eq!((e.file.as_str(), e.key.as_str()), (file, key), "{text}");
        assert!(e.reason.contains(reason), "{text}: {}", e.reason);
        assert!(e.to_string().starts_with(&format!("{file}: {key}=")), "{e}");
    }
}

#[test]
fn idempotence_left_unset_with_acks_1_is_silently_off_not_an_error() {
    let r = read(Some("acks=1\n"), None, None, None);
    assert!(r.errors.is_empty());
    assert!(!mailroom_check::advice::idempotent(&r.resolved));
    let (value, source) = setting(&r, "producer", "enable.idempotence");
    assert!(value.starts_with("false"), "{value}");
    assert_eq!(source, "default");
}

#[test]
fn every_bad_key_is_reported_at_once() {
    let r = read(
        Some("acks=2\nretries=-3\n"),
        Some("enable.auto.commit=perhaps\n"),
        Some("min.insync.replicas=0\n"),
        Some(-5.0),
    );
    let keys: Vec<(&str, &str)> = r
        .errors
        .iter()
        .map(|e| (e.file.as_str(), e.key.as_str()))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("rate", "--rate"),
            ("producer", "acks"),
            ("producer", "retries"),
            ("consumer", "enable.auto.commit"),
            ("topic", "min.insync.replicas")
        ]
    );
}

#[test]
fn a_misspelt_key_gets_did_you_mean_and_a_known_unused_key_a_reason() {
    let r = read(
        Some("ack=1\nbatch.size=32768\ncompresion.type=lz4\n"),
        Some("max.poll.record=10\nacks=all\n"),
        None,
        None,
    );
    assert!(r.errors.is_empty());
    let find = |k: &str| {
        r.ignored
            .iter()
            .find(|i| i.key == k)
            .unwrap_or_else(|| panic!("{k} not ignored"))
    };
    assert_eq!(find("ack").did_you_mean.as_deref(), Some("acks"));
    assert_eq!(
        find("compresion.type").did_you_mean.as_deref(),
        Some("compression.type")
    );
    assert_eq!(
        find("max.poll.record").did_you_mean.as_deref(),
        Some("max.poll.records")
    );
    assert_eq!(find("batch.size").did_you_mean, None);
    assert!(find("batch.size").reason.contains("not bytes"));
    assert!(
        find("acks").reason.contains("producer setting"),
        "{}",
        find("acks").reason
    );
    assert_eq!(r.resolved.acks, Acks::All, "a misspelt key changes nothing");
}

#[test]
fn a_key_far_from_every_kafka_name_gets_no_suggestion() {
    let r = read(Some("zebra.count=3\n"), None, None, None);
    assert_eq!(r.ignored[0].did_you_mean, None);
}

#[test]
fn a_rate_outside_its_range_is_an_error() {
    for rate in [0.0, f64::NAN, f64::INFINITY, 1e9] {
        let r = read(None, None, None, Some(rate));
        assert_eq!(r.errors.len(), 1, "{rate}");
        assert_eq!(r.errors[0].file, "rate");
    }
}

#[test]
fn an_oversized_file_is_refused_without_parsing() {
    let big = "a=b\n".repeat(100_000);
    let r = read(Some(&big), None, None, None);
    assert_eq!(r.errors.len(), 1);
    assert!(r.errors[0].reason.contains("at most"));
}
