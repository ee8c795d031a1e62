//! Contradictory scenarios are refused before the simulation runs, with an error that names the
//! field and the reason: one test per contradiction among the fields the brokers, producer
//! delivery, KIP-848 and share-group work added (issue 22, "Bad input, once more").

use mailroom_core::{Scenario, ScenarioError};
use serde_json::{json, Value};

/// A valid scenario with everything the new parts added: three brokers, a replicated topic, a
/// producer with delivery settings, a classic group, a consumer-protocol group and a share group.
fn base() -> Value {
    json!({
        "seed": 3,
        "duration_ms": 20000,
        "brokers": 3,
        "topics": [{"name": "orders", "partitions": 3, "replication.factor": 3,
                    "min.insync.replicas": 2}],
        "producers": [{"id": "shop", "topic": "orders", "rate_per_sec": 50, "acks": "all",
                       "keys": {"mode": "entity", "prefix": "order", "count": 10}}],
        "groups": [
            {"group.id": "billing", "topics": ["orders"], "consumers": 2},
            {"group.id": "audit", "topics": ["orders"], "consumers": 2,
             "group.protocol": "consumer"}
        ],
        "share_groups": [{"group.id": "jobs", "topics": ["orders"], "consumers": 2}]
    })
}

/// The error for `base()` edited by `edit`; panics if the scenario is accepted.
fn refused(edit: impl FnOnce(&mut Value)) -> ScenarioError {
    let mut s = base();
    edit(&mut s);
    match Scenario::from_json(&s.to_string()) {
        Ok(_) => panic!("accepted a contradictory scenario: {s}"),
        Err(e) => e,
    }
}

/// `refused` with a single scheduled input at `at_ms`.
fn refused_input(at_ms: u64, input: Value) -> ScenarioError {
    refused(|s| s["inputs"] = json!([{"at_ms": at_ms, "input": input}]))
}

fn assert_names(e: &ScenarioError, path: &str, reason_has: &str) {
    assert_eq!(e.path, path, "{e}");
    assert!(
        e.reason.contains(reason_has),
        "reason of {path} should say {reason_has:?}: {e}"
    );
}

#[test]
fn the_base_scenario_is_valid() {
    Scenario::from_json(&base().to_string()).expect("valid");
}

#[test]
fn min_insync_replicas_above_the_replication_factor_is_refused() {
    let e = refused(|s| s["topics"][0]["min.insync.replicas"] = json!(4));
    assert_names(
        &e,
        "topics[0].min.insync.replicas",
        "replication.factor (3)",
    );
}

#[test]
fn replication_factor_above_the_broker_count_is_refused() {
    let e = refused(|s| s["topics"][0]["replication.factor"] = json!(5));
    assert_names(&e, "topics[0].replication.factor", "number of brokers (3)");
}

#[test]
fn idempotence_with_acks_0_is_refused_as_kafka_does() {
    let e = refused(|s| {
        s["producers"][0]["acks"] = json!("0");
        s["producers"][0]["enable.idempotence"] = json!(true);
    });
    assert_names(&e, "producers[0].acks", "all");
}

#[test]
fn idempotence_with_retries_0_is_refused_as_kafka_does() {
    let e = refused(|s| {
        s["producers"][0]["enable.idempotence"] = json!(true);
        s["producers"][0]["retries"] = json!(0);
    });
    assert_names(&e, "producers[0].retries", "greater than 0");
}

#[test]
fn a_fault_on_a_broker_that_does_not_exist_is_refused() {
    for kind in [
        "CrashBroker",
        "RestartBroker",
        "IsolateBroker",
        "HealBroker",
    ] {
        let e = refused_input(1000, json!({"type": kind, "broker": 3}));
        assert_names(&e, "inputs[0].input.broker", "no broker 3");
    }
    let e = refused_input(
        1000,
        json!({"type": "SlowFollower", "broker": 9, "delay_ms": 100}),
    );
    assert_names(&e, "inputs[0].input.broker", "no broker 9");
}

#[test]
fn a_fault_on_a_consumer_that_does_not_exist_is_refused() {
    let e = refused_input(
        1000,
        json!({"type": "CrashConsumer", "group": 0, "member": 7}),
    );
    assert_names(&e, "inputs[0].input.member", "no consumer slot 7");
    // The consumer-protocol group: the same rule.
    let e = refused_input(
        1000,
        json!({"type": "PauseConsumer", "group": 1, "member": 5}),
    );
    assert_names(&e, "inputs[0].input.member", "no consumer slot 5");
    let e = refused_input(
        1000,
        json!({"type": "CrashConsumer", "group": 2, "member": 0}),
    );
    assert_names(&e, "inputs[0].input.group", "no group 2");
}

#[test]
fn a_fault_on_a_share_consumer_that_does_not_exist_is_refused() {
    let e = refused_input(
        1000,
        json!({"type": "CrashShareConsumer", "share_group": 0, "member": 4}),
    );
    assert_names(&e, "inputs[0].input.member", "no share consumer slot 4");
    let e = refused_input(
        1000,
        json!({"type": "RestartShareConsumer", "share_group": 1, "member": 0}),
    );
    assert_names(&e, "inputs[0].input.share_group", "no share group 1");
}

#[test]
fn a_share_group_on_a_missing_topic_is_refused() {
    let e = refused(|s| s["share_groups"][0]["topics"] = json!(["invoices"]));
    assert_names(
        &e,
        "share_groups[0].topics[0]",
        "no topic named \"invoices\"",
    );
}

#[test]
fn a_fault_scheduled_after_the_end_of_the_run_is_refused() {
    let e = refused_input(20001, json!({"type": "CrashBroker", "broker": 0}));
    assert_names(&e, "inputs[0].at_ms", "after the end of the run");
    // At the last millisecond it still applies, so it is accepted.
    let mut s = base();
    s["inputs"] = json!([{"at_ms": 20000, "input": {"type": "CrashBroker", "broker": 0}}]);
    Scenario::from_json(&s.to_string()).expect("a fault at the end is valid");
    // duration_ms 0 is an open-ended run (the page's default): any time fits.
    s["duration_ms"] = json!(0);
    s["inputs"][0]["at_ms"] = json!(3_600_000);
    Scenario::from_json(&s.to_string()).expect("an open-ended run takes any time");
}

#[test]
fn consumer_protocol_heartbeat_at_or_above_the_session_timeout_is_refused() {
    let e = refused(|s| {
        s["groups"][1]["group.consumer.heartbeat.interval.ms"] = json!(45000);
        s["groups"][1]["group.consumer.session.timeout.ms"] = json!(45000);
    });
    assert!(
        e.path.starts_with("groups[1].group.consumer."),
        "names a consumer-protocol timing field: {e}"
    );
}

#[test]
fn classic_only_settings_on_a_consumer_protocol_group_are_refused() {
    let e = refused(|s| {
        s["groups"][1]["partition.assignment.strategy"] = json!(["range"]);
    });
    assert_eq!(e.path, "groups[1].partition.assignment.strategy", "{e}");
}

#[test]
fn share_group_limits_out_of_range_are_refused() {
    let e = refused(|s| s["share_groups"][0]["group.share.delivery.count.limit"] = json!(0));
    assert_eq!(
        e.path, "share_groups[0].group.share.delivery.count.limit",
        "{e}"
    );
    let e = refused(|s| s["share_groups"][0]["group.share.record.lock.duration.ms"] = json!(0));
    assert_eq!(
        e.path, "share_groups[0].group.share.record.lock.duration.ms",
        "{e}"
    );
}

#[test]
fn a_share_group_named_like_a_consumer_group_is_refused() {
    let e = refused(|s| s["share_groups"][0]["group.id"] = json!("billing"));
    assert_eq!(e.path, "share_groups[0].group.id", "{e}");
}
