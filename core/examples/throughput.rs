//! Simulated records per wall-clock second, natively.
//!
//! `cargo run --release -p mailroom-core --example throughput -- [--partitions P] [--consumers C]
//! [--rate R] [--seconds S] [--keyed]` prints `records=N wall_ms=W records_per_sec=X`.

use mailroom_core::Sim;
use serde_json::json;

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let partitions = arg(&args, "--partitions", 256);
    let consumers = arg(&args, "--consumers", 64);
    let rate = arg(&args, "--rate", 20_000_000);
    let seconds = arg(&args, "--seconds", 5);
    let keys = if args.iter().any(|a| a == "--keyed") {
        json!({"mode": "entity", "prefix": "user", "count": 100000})
    } else {
        json!({"mode": "none"})
    };
    let scenario = json!({
        "seed": 1,
        "duration_ms": seconds * 1000,
        "topics": [{"name": "events", "partitions": partitions, "retention.records": 100000}],
        "producers": [{"id": "p", "topic": "events", "rate_per_sec": rate, "keys": keys, "linger.ms": 5, "sticky.batch.records": 1000}],
        "groups": [{"group.id": "g", "topics": ["events"], "consumers": consumers, "processing_ms": 0,
                    "max.poll.records": 100000, "group.initial.rebalance.delay.ms": 0,
                    "partition.assignment.strategy": ["range"]}]
    });
    let mut sim = Sim::from_json(&scenario.to_string()).expect("valid bench scenario");
    let start = std::time::Instant::now();
    let mut events = Vec::new();
    let mut t = 0;
    while t < seconds * 1000 {
        t += 16;
        sim.advance(t);
        sim.drain_events_into(&mut events);
        events.clear();
    }
    let wall = start.elapsed();
    let st = &sim.stats()[0];
    let rps = st.produced as f64 / wall.as_secs_f64();
    println!(
        "records={} processed={} wall_ms={:.1} records_per_sec={:.0}",
        st.produced,
        st.processed,
        wall.as_secs_f64() * 1000.0,
        rps
    );
}
