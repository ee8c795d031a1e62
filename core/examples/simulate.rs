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
//! the totals only).

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
    // Figures (lag percentiles, latencies) only read the model: the event stream is unchanged.
    sim.set_track_figures(true);
    let started = std::time::Instant::now();
    let mut hasher = EventHasher::default();
    let mut buf = Vec::new();
    // Advance in slices of simulated time and of model steps, so the event buffer stays small
    // whatever the load: at the limits (100 M rec/s, `--events all`) one simulated second is
    // about 10^8 events, so a time slice alone held a gigabyte. The result equals one advance.
    let mut t = 0;
    loop {
        t = (t + 1000).min(until);
        loop {
            let reached = sim.advance_bounded(t, 20_000);
            sim.drain_events_into(&mut buf);
            buf.iter().for_each(|e| hasher.add(e));
            buf.clear();
            if reached {
                break;
            }
        }
        if t >= until {
            break;
        }
    }
    // Each group's delivery totals, with its figures added (same values where both have a key).
    let groups: Vec<serde_json::Value> = sim
        .stats()
        .iter()
        .zip(sim.figures())
        .map(|(st, fig)| {
            let mut g = serde_json::to_value(st).expect("stats serialize");
            let fig = serde_json::to_value(fig).expect("figures serialize");
            if let (Some(g), serde_json::Value::Object(fig)) = (g.as_object_mut(), fig) {
                for (k, v) in fig {
                    g.entry(k).or_insert(v);
                }
            }
            g
        })
        .collect();
    let mut out = serde_json::json!({
        "groups": groups,
        "producers": sim.producer_stats(),
        "events": hasher.count(),
        "event_hash": hasher.hex(),
        "end_ms": until,
        "wall_ms": started.elapsed().as_millis() as u64,
    });
    if !sim.share_stats().is_empty() {
        // Share groups (KIP-932): processed, redeliveries, archived, lost (must be 0).
        out["share_groups"] = serde_json::json!(sim.share_stats());
    }
    println!("{out}");
}
