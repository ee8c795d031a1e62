//! Prints a scenario's event stream as JSON lines, skipping the chattiest kinds unless `--all`.
//!
//! `cargo run -p mailroom-core --example trace -- SCENARIO.json [--until MS] [--all]`

use mailroom_core::Sim;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .expect("usage: trace SCENARIO.json [--until MS] [--all]");
    let json = std::fs::read_to_string(path).expect("readable scenario");
    let mut sim = match Sim::from_json(&json) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let until = args
        .iter()
        .position(|a| a == "--until")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(sim.scenario().duration_ms);
    let all = args.iter().any(|a| a == "--all");
    sim.advance(until);
    for e in sim.drain_events() {
        if all || !e.event.is_chatty() {
            println!("{}", serde_json::to_string(&e).expect("serializable"));
        }
    }
}
