//! Seeded schedules of single-broker faults against Kafka's replication guarantees (the
//! group protocol's `invariants.rs`, for the broker side).
//!
//! - `MAILROOM_SEEDS=n` runs seeds `1..=n` (default [`DEFAULT_SEEDS`]); `MAILROOM_SEED=n` one.
//!
//! For `acks=all`, `min.insync.replicas` ≥ 2, replication factor ≥ 3, no unclean election,
//! idempotent producers, and at most one broker down (crashed or cut off) at a time:
//! - no acknowledged record is ever lost (`acked_lost == 0`);
//! - per-key order holds (`reordered == 0`);
//! - the log never holds a record twice (`log_duplicates == 0`) when the producer sends at most
//!   one request per connection; with more, only after a KIP-360 epoch bump (see
//!   [`duplicates_allowed`]);
//! - every partition's high watermark never moves back;
//! - no consumer ever receives a record at or above the high watermark;
//! - the same seed replays to the same event stream.

use mailroom_core::event::{Event, ProduceError};
use mailroom_core::rng::Rng;
use mailroom_core::{event_hash, Input, Sim, TimedEvent};
use serde_json::json;

const DEFAULT_SEEDS: u64 = 12;

fn scenario(seed: u64) -> String {
    let mut r = Rng::new(seed);
    let brokers = 3 + r.below(3);
    let rf = 3;
    json!({
        "seed": seed,
        "brokers": brokers,
        "broker.session.timeout.ms": 1000 + r.below(8000) as u64,
        "replica.lag.time.max.ms": 2000 + r.below(20000) as u64,
        "topics": [{"name": "orders", "partitions": 1 + r.below(4), "replication.factor": rf,
                    "min.insync.replicas": 2}],
        "producers": [
            {"id": "a", "topic": "orders", "rate_per_sec": 20 + r.below(300), "linger.ms": r.below(10),
             "request.timeout.ms": 500 + r.below(5000) as u64,
             "keys": {"mode": "entity", "prefix": "k", "count": 1 + r.below(30)}},
            {"id": "b", "topic": "orders", "rate_per_sec": 10 + r.below(100),
             "max.in.flight.requests.per.connection": 1 + r.below(5),
             "keys": {"mode": "none"}}
        ],
        "groups": [{"group.id": "g", "topics": ["orders"], "consumers": 1 + r.below(3),
                    "group.initial.rebalance.delay.ms": 0, "session.timeout.ms": 3000,
                    "heartbeat.interval.ms": 500}]
    })
    .to_string()
}

/// Whether Kafka itself may write an idempotent producer's records twice in this run.
///
/// The leader recognizes a retry only among the last five batches of each producer and
/// partition (`ProducerStateEntry.NUM_BATCHES_TO_RETAIN`); `max.in.flight.requests.per.connection`
/// ≤ 5 keeps that many unanswered *per connection*, not per partition
/// (`RecordAccumulator.drainBatchesForOneNode` has no per-partition limit). Requests stuck at
/// a cut-off leader stay unanswered until `request.timeout.ms` while the new leader takes the
/// next batches, so more than five batches of one partition can be unanswered. A retry of the
/// oldest then gets `OUT_OF_ORDER_SEQUENCE_NUMBER`; it is the next sequence after the last
/// acknowledged one, so the producer bumps its epoch and renumbers the partition's batches
/// from 0 (`TransactionManager.canRetry` → `requestEpochBumpForPartition`), and the leader
/// appends them again. With one request per connection and at most five brokers, at most five
/// batches of a partition are ever unanswered, so this cannot happen; with more, it can only
/// follow an `OUT_OF_ORDER_SEQUENCE_NUMBER` retry.
fn duplicates_allowed(max_in_flight: u64, out_of_order_retries: usize) -> bool {
    max_in_flight > 1 && out_of_order_retries > 0
}

/// Runs one seed; returns its event hash.
fn run(seed: u64) -> String {
    let json = scenario(seed);
    let mut sim = Sim::from_json(&json).expect("valid");
    let brokers = sim.scenario().brokers;
    assert!(brokers <= 5, "duplicates_allowed counts on it");
    let max_in_flight: Vec<u64> = sim
        .scenario()
        .producers
        .iter()
        .map(|p| u64::from(p.max_in_flight))
        .collect();
    let mut out_of_order = vec![0usize; max_in_flight.len()];
    let partitions = sim.scenario().topics[0].partitions;
    let mut r = Rng::derive(seed, "faults");
    let mut down: Option<(u32, bool)> = None;
    let mut hw = vec![0u64; partitions as usize];
    let mut events: Vec<TimedEvent> = Vec::new();
    let mut t = 0u64;
    let end = 40_000u64;
    let ctx = |msg: String| format!("seed {seed}: {msg}\nscenario: {json}");
    while t < end {
        t += 1 + r.below(400) as u64;
        if r.below(10) == 0 {
            let input = match down {
                Some((b, crashed)) => {
                    down = None;
                    if crashed {
                        Input::RestartBroker { broker: b }
                    } else {
                        Input::HealBroker { broker: b }
                    }
                }
                None => {
                    let b = r.below(brokers);
                    match r.below(3) {
                        0 => {
                            down = Some((b, true));
                            Input::CrashBroker { broker: b }
                        }
                        1 => {
                            down = Some((b, false));
                            Input::IsolateBroker { broker: b }
                        }
                        _ => Input::SlowFollower {
                            broker: b,
                            delay_ms: [0, 50, 500, 5_000][r.below(4) as usize],
                        },
                    }
                }
            };
            sim.handle(t, input)
                .unwrap_or_else(|e| panic!("{}", ctx(e.to_string())));
        } else {
            sim.advance(t);
        }
        for (p, h) in hw.iter_mut().enumerate() {
            let now = sim.high_watermark((0, p as u32)).expect("partition");
            assert!(
                now >= *h,
                "{}",
                ctx(format!("HW of {p} moved back {h} → {now} at {t}"))
            );
            *h = now;
        }
        for e in sim.drain_events() {
            if std::env::var("MAILROOM_TRACE").is_ok() && !e.event.is_traffic() {
                eprintln!("{}", serde_json::to_string(&e).expect("events serialize"));
            }
            if let Event::RecordsFetched {
                partition,
                first_offset,
                count,
                ..
            } = e.event
            {
                assert!(
                    first_offset + u64::from(count) <= hw[partition as usize],
                    "{}",
                    ctx(format!(
                        "a consumer read above the HW of {partition} at {}",
                        e.at_ms
                    ))
                );
            }
            if let Event::ProduceRetried {
                producer,
                error: ProduceError::OutOfOrderSequence,
                ..
            } = e.event
            {
                out_of_order[producer as usize] += 1;
            }
            events.push(e);
        }
    }
    for (i, p) in sim.producer_stats().into_iter().enumerate() {
        assert_eq!(p.acked_lost, 0, "{}", ctx(format!("{p:?}")));
        if !duplicates_allowed(max_in_flight[i], out_of_order[i]) {
            assert_eq!(p.log_duplicates, 0, "{}", ctx(format!("{p:?}")));
        }
        assert_eq!(p.reordered, 0, "{}", ctx(format!("{p:?}")));
        assert!(p.acked + p.failed <= p.sent, "{}", ctx(format!("{p:?}")));
    }
    event_hash(&events)
}

#[test]
fn single_broker_faults_never_lose_acknowledged_records_nor_duplicate_nor_reorder() {
    let seeds: Vec<u64> = match std::env::var("MAILROOM_SEED") {
        Ok(s) => vec![s.parse().expect("MAILROOM_SEED is a number")],
        Err(_) => {
            let n = std::env::var("MAILROOM_SEEDS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(DEFAULT_SEEDS);
            (1..=n).collect()
        }
    };
    for seed in seeds {
        let first = run(seed);
        if seed <= 3 {
            assert_eq!(first, run(seed), "seed {seed} does not replay identically");
        }
    }
}
