//! Fuzzing the two doors into the model: scenario JSON and input sequences.
//!
//! - Mutated scenarios (a fully populated valid skeleton with fields replaced by random JSON,
//!   deleted, made huge, negative, non-finite-looking, deeply nested, or joined by unknown
//!   fields) never make [`Sim::from_json`] panic; every refusal has a reason and a path that
//!   names a real field (one the format defines, or one present in the document).
//! - Arbitrary input sequences, indices out of range included, never make [`Sim::handle`]
//!   panic, whatever state the simulation is in; refusals name the input's field.
//!
//! Case counts are kept small for `cargo test`; `PROPTEST_CASES=n` runs more.

use std::collections::BTreeSet;

use mailroom_core::assignor::Strategy as Assignor;
use mailroom_core::{CrashPoint, Input, Sim};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Map, Value};

/// A valid scenario in which every field of the format appears at least once.
fn skeleton() -> Value {
    json!({
        "seed": 9,
        "duration_ms": 20000,
        "network_latency_ms": 2,
        "topics": [
            {"name": "orders", "partitions": 3, "retention.records": 0},
            {"name": "ledger", "partitions": 2, "retention.records": 0}
        ],
        "producers": [
            {"id": "shop", "topic": "orders", "rate_per_sec": 30,
             "keys": {"mode": "entity", "prefix": "order", "count": 20, "skew": 0.1},
             "max_records": 0, "linger.ms": 5, "sticky.batch.records": 16},
            {"id": "logs", "topic": "orders", "rate_per_sec": 10, "keys": {"mode": "none"}}
        ],
        "groups": [
            {"group.id": "billing", "topics": ["orders"], "consumers": 2,
             "partition.assignment.strategy": ["range", "cooperative-sticky"], "static_membership": false,
             "session.timeout.ms": 3000, "heartbeat.interval.ms": 500, "max.poll.interval.ms": 5000,
             "group.initial.rebalance.delay.ms": 0, "max.poll.records": 5, "processing_ms": 5,
             "commit": "after_processing", "auto.commit.interval.ms": 1000, "auto.offset.reset": "earliest",
             "isolation.level": "read_uncommitted", "transaction.timeout.ms": 60000},
            {"group.id": "transformer", "topics": ["orders"], "consumers": 1, "commit": "transactional",
             "output_topic": "ledger", "isolation.level": "read_committed", "static_membership": true},
            {"group.id": "kip848", "topics": ["orders"], "consumers": 2, "group.protocol": "consumer",
             "group.remote.assignor": "range", "group.consumer.heartbeat.interval.ms": 500,
             "group.consumer.session.timeout.ms": 3000}
        ],
        "share_groups": [
            {"group.id": "workers", "topics": ["orders"], "consumers": 3, "share.acknowledgement.mode": "explicit",
             "group.share.record.lock.duration.ms": 2000, "group.share.delivery.count.limit": 3,
             "group.share.partition.max.record.locks": 200, "group.share.heartbeat.interval.ms": 500,
             "group.share.session.timeout.ms": 3000, "share.auto.offset.reset": "earliest",
             "max.poll.records": 4, "processing_ms": 10,
             "poison": [{"topic": "orders", "partition": 0, "offset": 3}], "poison_ack": "release"}
        ],
        "inputs": [
            {"at_ms": 600, "input": {"type": "ChangeSubscription", "group": 2, "member": 0, "topics": [0]}},
            {"at_ms": 700, "input": {"type": "CrashShareConsumer", "share_group": 0, "member": 1}},
            {"at_ms": 800, "input": {"type": "AddShareConsumer", "share_group": 0}},
            {"at_ms": 1000, "input": {"type": "CrashConsumer", "group": 0, "member": 0, "at": "after_processing"}},
            {"at_ms": 1500, "input": {"type": "CrashConsumer", "group": 1, "member": 0, "at": "in_transaction"}},
            {"at_ms": 2000, "input": {"type": "RestartConsumer", "group": 0, "member": 0}},
            {"at_ms": 2500, "input": {"type": "AddPartitions", "topic": 0, "partitions": 4}},
            {"at_ms": 3000, "input": {"type": "SetStrategy", "group": 0, "strategies": ["sticky"]}},
            {"at_ms": 3500, "input": {"type": "SetProducerRate", "producer": 0, "rate_per_sec": 5}},
            {"at_ms": 4000, "input": {"type": "PauseConsumer", "group": 0, "member": 1}},
            {"at_ms": 4500, "input": {"type": "ResumeConsumer", "group": 0, "member": 1}},
            {"at_ms": 5000, "input": {"type": "LeaveGroup", "group": 0, "member": 1}},
            {"at_ms": 5500, "input": {"type": "AddConsumer", "group": 0}}
        ]
    })
}

/// One step into a JSON document.
#[derive(Clone, Debug, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Every node of `v` with its path (the root included).
fn nodes(v: &Value, at: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                at.push(Seg::Key(k.clone()));
                nodes(x, at, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                at.push(Seg::Index(i));
                nodes(x, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

/// The path as the model prints it (`groups[0].session.timeout.ms`), with indices kept or
/// erased to `[]`.
fn render(path: &[Seg], erase_indices: bool) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) if erase_indices => s.push_str("[]"),
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Replaces every `[n]` by `[]`.
fn erase_indices(path: &str) -> String {
    let mut out = String::new();
    let mut in_brackets = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_brackets = true;
                out.push_str("[]");
            }
            ']' => in_brackets = false,
            _ if in_brackets => {}
            _ => out.push(c),
        }
    }
    out
}

/// Every field path the format defines (indices erased).
fn known_paths() -> BTreeSet<String> {
    let mut all = Vec::new();
    nodes(&skeleton(), &mut Vec::new(), &mut all);
    all.iter().map(|p| render(p, true)).collect()
}

/// Whether `path` (as the model prints it; field names may contain dots) leads somewhere in `v`.
fn resolves(v: &Value, path: &str) -> bool {
    // Inside raw text too deep for serde_json to hold: the path points into it.
    if path.is_empty() || v.as_str() == Some(RAW) {
        return true;
    }
    if let Some(rest) = path.strip_prefix('[') {
        let Some((n, rest)) = rest.split_once(']') else {
            return false;
        };
        let Ok(i) = n.parse::<usize>() else {
            return false;
        };
        return v
            .as_array()
            .and_then(|a| a.get(i))
            .is_some_and(|x| resolves(x, rest.strip_prefix('.').unwrap_or(rest)));
    }
    let Some(m) = v.as_object() else { return false };
    // Keys may contain dots: try every key that the path starts with.
    m.iter().any(|(k, x)| match path.strip_prefix(k.as_str()) {
        Some("") => true,
        Some(rest) if rest.starts_with('.') => resolves(x, &rest[1..]),
        Some(rest) if rest.starts_with('[') => resolves(x, rest),
        _ => false,
    })
}

fn get_mut<'a>(v: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    let mut cur = v;
    for seg in path {
        cur = match seg {
            Seg::Key(k) => cur.as_object_mut()?.get_mut(k)?,
            Seg::Index(i) => cur.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(cur)
}

/// A JSON value that cannot be written with `serde_json::Value` (spliced in as text).
const RAW: &str = "\u{1}RAW\u{1}";

#[derive(Clone, Debug)]
enum Mutation {
    Replace(Value),
    /// Replace with raw JSON text (numbers `Value` cannot hold, or nesting past serde's limit).
    ReplaceRaw(String),
    Delete,
    /// Add a field the format does not have (on an object) or an element (on an array).
    Add(String, Value),
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop_oneof![
            Just(0u64),
            Just(1),
            Just(u64::from(u32::MAX)),
            Just(u64::from(u32::MAX) + 1),
            Just(86_400_001)
        ]
        .prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        prop_oneof![
            Just("NaN"),
            Just("Infinity"),
            Just("-inf"),
            Just(""),
            Just("__consumer_offsets"),
            Just("range"),
            Just("cooperative-sticky"),
            Just("transactional"),
            Just("read_committed"),
            Just("entity"),
            Just("CrashConsumer"),
            Just("in_transaction"),
            Just("orders"),
            Just("ledger"),
            Just("naïve name"),
        ]
        .prop_map(Value::from),
        "[a-zA-Z0-9._ -]{0,70}".prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z._]{1,12}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn raw_token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1e309".to_string()),
        Just("-1e309".to_string()),
        Just("18446744073709551616".to_string()),
        Just("-0".to_string()),
        Just("0.5".to_string()),
        Just("1e2".to_string()),
        Just("-1".to_string()),
        (1usize..300).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth))),
        (1usize..300).prop_map(|depth| format!(
            "{}1{}",
            "{\"a\":".repeat(depth),
            "}".repeat(depth)
        )),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => json_value().prop_map(Mutation::Replace),
        2 => raw_token().prop_map(Mutation::ReplaceRaw),
        2 => Just(Mutation::Delete),
        1 => ("[a-z._]{1,16}", json_value()).prop_map(|(k, v)| Mutation::Add(k, v)),
    ]
}

/// Applies the mutations in turn; returns the document and its text.
fn mutate(mut doc: Value, muts: &[(Index, Mutation)]) -> (Value, String) {
    let mut raws = Vec::new();
    for (at, m) in muts {
        let mut all = Vec::new();
        nodes(&doc, &mut Vec::new(), &mut all);
        let path = at.get(&all).clone();
        match m {
            Mutation::Replace(v) => {
                if let Some(x) = get_mut(&mut doc, &path) {
                    *x = v.clone();
                }
            }
            Mutation::ReplaceRaw(t) => {
                if let Some(x) = get_mut(&mut doc, &path) {
                    *x = Value::from(RAW);
                    raws.push(t.clone());
                }
            }
            Mutation::Delete => {
                if let Some((last, parent)) = path.split_last() {
                    match (get_mut(&mut doc, parent), last) {
                        (Some(Value::Object(m)), Seg::Key(k)) => {
                            m.remove(k);
                        }
                        (Some(Value::Array(a)), Seg::Index(i)) if *i < a.len() => {
                            a.remove(*i);
                        }
                        _ => {}
                    }
                }
            }
            Mutation::Add(k, v) => match get_mut(&mut doc, &path) {
                Some(Value::Object(m)) => {
                    m.insert(k.clone(), v.clone());
                }
                Some(Value::Array(a)) => a.push(v.clone()),
                _ => {}
            },
        }
    }
    let mut text = doc.to_string();
    let placeholder = serde_json::to_string(RAW).expect("string");
    for t in &raws {
        text = text.replacen(&placeholder, t, 1);
    }
    // The document as the parser sees it, where serde_json can hold it.
    let doc = if raws.is_empty() {
        doc
    } else {
        serde_json::from_str(&text).unwrap_or(doc)
    };
    (doc, text)
}

/// Runs a scenario the parser accepted for a little simulated time, if it is small enough to
/// simulate quickly (the limits allow scenarios far too big for a unit test).
fn run_briefly(sim: &mut Sim) {
    let sc = sim.scenario();
    let cheap = sc.producers.iter().map(|p| p.rate_per_sec).sum::<f64>() <= 2_000.0
        && sc
            .topics
            .iter()
            .map(|t| u64::from(t.partitions))
            .sum::<u64>()
            <= 200
        && sc
            .groups
            .iter()
            .map(|g| u64::from(g.consumers))
            .sum::<u64>()
            <= 50;
    if cheap {
        sim.advance(1_500);
        sim.drain_events();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_scenarios_are_refused_with_a_path_and_a_reason_never_a_panic(
        muts in prop::collection::vec((any::<Index>(), mutation()), 1..5)
    ) {
        let (doc, text) = mutate(skeleton(), &muts);
        match Sim::from_json(&text) {
            Ok(mut sim) => run_briefly(&mut sim),
            Err(e) => {
                prop_assert!(!e.reason.trim().is_empty(), "empty reason for {text}");
                let known = known_paths();
                // A syntax error in spliced raw text (e.g. nesting past serde's limit) may
                // name no path; a field error names a field the format defines, or one
                // present in the document (an unknown field, an element of a bad array).
                let ok = known.contains(&erase_indices(&e.path)) || resolves(&doc, &e.path) || e.path.is_empty();
                prop_assert!(ok, "error path {:?} names no field ({}) in {text}", e.path, e.reason);
                if e.path.is_empty() {
                    // Only whole-document problems may go without a path.
                    prop_assert!(
                        e.reason.contains("line") || e.reason.contains("recursion") || e.reason.contains("number"),
                        "pathless error {:?} for {text}", e.reason
                    );
                }
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_parser(text in ".{0,200}") {
        if let Err(e) = Sim::from_json(&text) {
            prop_assert!(!e.reason.is_empty());
        }
    }
}

fn assignor() -> impl Strategy<Value = Assignor> {
    prop::sample::select(Assignor::ALL.to_vec())
}

fn crash_point() -> impl Strategy<Value = CrashPoint> {
    prop::sample::select(vec![
        CrashPoint::Now,
        CrashPoint::BeforeProcessing,
        CrashPoint::AfterProcessing,
        CrashPoint::AfterCommit,
        CrashPoint::InTransaction,
    ])
}

/// Rates at the edges, vanishing ones included (see
/// `a_tiny_producer_rate_is_refused_or_idles_without_overflow`).
fn edge_rates() -> Vec<f64> {
    vec![
        -1.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e9,
        1e8 + 1.0,
        -0.0,
        0.001,
        f64::MIN_POSITIVE,
        1e-300,
    ]
}

fn rate() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 0.0f64..200.0,
        1 => prop::sample::select(edge_rates()),
    ]
}

/// Inputs with indices a little past what exists (3 groups, 2 producers, 2 topics).
fn input() -> impl Strategy<Value = Input> {
    let g = 0u32..6;
    let m = 0u32..8;
    prop_oneof![
        g.clone().prop_map(|group| Input::AddConsumer { group }),
        (g.clone(), m.clone(), crash_point())
            .prop_map(|(group, member, at)| Input::CrashConsumer { group, member, at }),
        (g.clone(), m.clone()).prop_map(|(group, member)| Input::PauseConsumer { group, member }),
        (g.clone(), m.clone()).prop_map(|(group, member)| Input::ResumeConsumer { group, member }),
        (g.clone(), m.clone()).prop_map(|(group, member)| Input::RestartConsumer { group, member }),
        (g.clone(), m.clone()).prop_map(|(group, member)| Input::LeaveGroup { group, member }),
        (0u32..4, rate()).prop_map(|(producer, rate_per_sec)| Input::SetProducerRate {
            producer,
            rate_per_sec
        }),
        (
            0u32..4,
            prop_oneof![0u32..12, Just(4096), Just(4097), Just(u32::MAX)]
        )
            .prop_map(|(topic, partitions)| Input::AddPartitions { topic, partitions }),
        (g.clone(), prop::collection::vec(assignor(), 0..5))
            .prop_map(|(group, strategies)| Input::SetStrategy { group, strategies }),
        (g, m.clone(), prop::collection::vec(0u32..3, 0..3)).prop_map(|(group, member, topics)| {
            Input::ChangeSubscription {
                group,
                member,
                topics,
            }
        }),
        (0u32..2).prop_map(|share_group| Input::AddShareConsumer { share_group }),
        (0u32..2, m.clone()).prop_map(|(share_group, member)| Input::CrashShareConsumer {
            share_group,
            member
        }),
        (0u32..2, m.clone()).prop_map(|(share_group, member)| Input::RestartShareConsumer {
            share_group,
            member
        }),
        (0u32..2, m.clone()).prop_map(|(share_group, member)| Input::LeaveShareGroup {
            share_group,
            member
        }),
        (0u32..2, m.clone()).prop_map(|(share_group, member)| Input::PauseShareConsumer {
            share_group,
            member
        }),
        (0u32..2, m).prop_map(|(share_group, member)| Input::ResumeShareConsumer {
            share_group,
            member
        }),
        (0u32..5).prop_map(|broker| Input::CrashBroker { broker }),
        (0u32..5).prop_map(|broker| Input::RestartBroker { broker }),
        (0u32..5).prop_map(|broker| Input::IsolateBroker { broker }),
        (0u32..5).prop_map(|broker| Input::HealBroker { broker }),
        (
            0u32..5,
            prop_oneof![0u64..50_000, Just(86_400_001), Just(u64::MAX)]
        )
            .prop_map(|(broker, delay_ms)| Input::SlowFollower { broker, delay_ms }),
    ]
}

fn small_sim_json() -> Value {
    json!({
        "seed": 4,
        "brokers": 3, "broker.session.timeout.ms": 500, "replica.lag.time.max.ms": 1000,
        "unclean.leader.election.enable": true,
        "topics": [{"name": "orders", "partitions": 2, "replication.factor": 3, "min.insync.replicas": 2},
                   {"name": "ledger", "partitions": 1, "replication.factor": 2}],
        "producers": [
            {"id": "shop", "topic": "orders", "rate_per_sec": 40, "keys": {"mode": "entity", "prefix": "order", "count": 8},
             "request.timeout.ms": 300, "delivery.timeout.ms": 2000},
            {"id": "logs", "topic": "orders", "rate_per_sec": 10, "keys": {"mode": "none"}, "acks": "1",
             "max.in.flight.requests.per.connection": 3, "retries": 2}
        ],
        "groups": [
            {"group.id": "billing", "topics": ["orders"], "consumers": 2, "commit": "before_processing",
             "partition.assignment.strategy": ["cooperative-sticky"], "group.initial.rebalance.delay.ms": 0,
             "session.timeout.ms": 1000, "heartbeat.interval.ms": 200, "max.poll.interval.ms": 1000,
             "max.poll.records": 3, "processing_ms": 20},
            {"group.id": "transformer", "topics": ["orders"], "consumers": 1, "commit": "transactional",
             "output_topic": "ledger", "static_membership": true, "group.initial.rebalance.delay.ms": 0,
             "session.timeout.ms": 1000, "heartbeat.interval.ms": 200, "max.poll.interval.ms": 1000,
             "transaction.timeout.ms": 1500, "max.poll.records": 3, "processing_ms": 20},
            {"group.id": "audit", "topics": ["ledger", "orders"], "consumers": 1, "commit": "auto",
             "auto.commit.interval.ms": 300, "isolation.level": "read_committed", "group.initial.rebalance.delay.ms": 0,
             "session.timeout.ms": 1000, "heartbeat.interval.ms": 200},
            {"group.id": "kip848", "topics": ["ledger", "orders"], "consumers": 2, "group.protocol": "consumer",
             "group.consumer.heartbeat.interval.ms": 200, "group.consumer.session.timeout.ms": 1000,
             "static_membership": true, "max.poll.interval.ms": 1000, "max.poll.records": 3, "processing_ms": 20}
        ],
        "share_groups": [
            {"group.id": "workers", "topics": ["orders"], "consumers": 2, "share.acknowledgement.mode": "explicit",
             "share.auto.offset.reset": "earliest", "group.share.record.lock.duration.ms": 1000,
             "group.share.heartbeat.interval.ms": 200, "group.share.session.timeout.ms": 1000,
             "max.poll.records": 3, "processing_ms": 20, "poison": [{"topic": "orders", "partition": 1, "offset": 2}]}
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_input_sequences_never_panic_and_refusals_name_the_field(
        steps in prop::collection::vec((0u64..700, input()), 0..40)
    ) {
        let mut sim = Sim::from_json(&small_sim_json().to_string()).expect("valid");
        let mut now = 0;
        for (dt, input) in steps {
            now += dt;
            if let Err(e) = sim.handle(now, input.clone()) {
                prop_assert!(!e.reason.is_empty(), "empty reason for {input:?}");
                prop_assert!(e.path.starts_with("input."), "path {:?} for {input:?}", e.path);
            }
            for g in 0..4 {
                for (tp, owners) in sim.owners(g) {
                    prop_assert!(owners.len() <= 1, "t={now}: group {g} partition {tp:?} owned by {owners:?}");
                }
            }
        }
        sim.advance(now + 3_000);
        sim.drain_events();
    }

    #[test]
    fn arbitrary_scheduled_inputs_are_validated_or_run_never_panic(
        steps in prop::collection::vec((0u64..20_000, input()), 0..20)
    ) {
        let mut s = small_sim_json();
        s["inputs"] = steps.iter().map(|(at, i)| json!({"at_ms": at, "input": i})).collect();
        // NaN and infinities do not survive JSON (they serialize as null): refused too.
        match Sim::from_json(&s.to_string()) {
            Ok(mut sim) => {
                sim.advance(21_000);
                sim.drain_events();
            }
            Err(e) => {
                prop_assert!(!e.reason.is_empty());
                prop_assert!(e.path.starts_with("inputs["), "path {:?}", e.path);
            }
        }
    }
}

/// Kafka's producer has no rate; ours must keep any accepted rate simulable. A tiny positive
/// rate (accepted: finite and ≥ 0) puts the next record past `u64::MAX` ms:
/// `Producer::next_due_ms` adds `(index × 1000 / rate).ceil() as u64` (saturated to
/// `u64::MAX`) to `rate_since_ms`, which overflows — a panic in debug builds (at `Sim::new`
/// for a scenario, at `handle` for `SetProducerRate`) and a producer ticking every
/// millisecond for nothing in release. Found by `arbitrary_input_sequences_…` above.
#[test]

fn a_tiny_producer_rate_is_refused_or_idles_without_overflow() {
    let mut s = small_sim_json();
    s["producers"][0]["rate_per_sec"] = json!(1e-300);
    if let Ok(mut sim) = Sim::from_json(&s.to_string()) {
        sim.advance(2_000);
    }
    let mut sim = Sim::from_json(&small_sim_json().to_string()).expect("valid");
    if sim
        .handle(
            100,
            Input::SetProducerRate {
                producer: 0,
                rate_per_sec: f64::MIN_POSITIVE,
            },
        )
        .is_ok()
    {
        sim.advance(2_000);
        assert!(
            sim.pending_timers() < 1_000,
            "a producer that never produces keeps {} timers",
            sim.pending_timers()
        );
    }
}
