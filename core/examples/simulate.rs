//! Runs a scenario to its end and prints one JSON object of delivery totals.
//!
//! `cargo run --release -p mailroom-core --example simulate -- SCENARIO.json [--until MS]
//! [--events all|story|off]`
//! Prints `{"groups": [{group, produced, processed, duplicates, lost, rebalances, max_lag,
//! worst_lag_at_ms, p99_lag, latency_p50_ms, latency_p99_ms, latency_exact, downtime_ms}],
//! "producers": [{producer, sent, acked, failed, log_duplicates, acked_lost, reordered}],
//! "events": N, "event_hash": "…", "end_ms": T, "wall_ms": W}` (the figures are defined in
//! `mailroom_core::figures`; a sweep computes the same ones); a bad scenario exits 2 with
//! `path: reason`. `--events` picks what the model records (and the hash covers): `all` (the
//! default, the determinism fingerprint), `story` (what a page is shown) or `off` (fast-forward:
//! the totals only). `--causes` also records cause chains (`mailroom_core::causes`) and adds
//! `"cases"` (how many) to the output: the benchmark's measure of what recording them costs.

use mailroom_core::{EventHasher, EventLevel, Sim};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: simulate SCENARIO.json [--until MS]");
        std::process::exit(2);
    };
    let json = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let mut sim = match Sim::from_json(&json) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let until = match args.iter().position(|a| a == "--until") {
        Some(i) => match args.get(i + 1).and_then(|v| v.parse::<u64>().ok()) {
            Some(v) => v,
            None => {
                eprintln!("--until needs a number of milliseconds");
                std::process::exit(2);
            }
        },
        None => sim.scenario().duration_ms,
    };
    let level = match args.iter().position(|a| a == "--events") {
        None => EventLevel::All,
        Some(i) => match args.get(i + 1).map(String::as_str) {
            Some("all") => EventLevel::All,
            Some("story") => EventLevel::Story,
            Some("off") => EventLevel::Off,
            _ => {
                eprintln!("--events takes all, story or off");
                std::process::exit(2);
            }
        },
    };
    sim.set_event_level(level);
    let causes = args.iter().any(|a| a == "--causes");
    sim.set_record_causes(causes);
    // Figures (lag percentiles, latencies) only read the model: the event stream is unchanged.
    sim.set_track_figures(true);
    let started = std::time::Instant::now();
    let mut hasher = EventHasher::default();
    // Drained in slices of simulated time and of model steps: memory stays bounded at any load.
    let mut cases = 0;
    sim.advance_draining(until, 20_000, |sim, events| {
        events.iter().for_each(|e| hasher.add(e));
        cases += sim.take_explanations(false).len();
        true
    });
    cases += sim.take_explanations(true).len();
    let mut out = sim.totals_json();
    if causes {
        out["cases"] = cases.into();
    }
    out["events"] = hasher.count().into();
    out["event_hash"] = hasher.hex().into();
    out["end_ms"] = until.into();
    out["wall_ms"] = (started.elapsed().as_millis() as u64).into();
    println!("{out}");
}
