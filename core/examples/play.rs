//! Runs a scenario through the [`Player`] exactly as a page drives it (frames of simulated time,
//! story events drained, the frame refreshed), natively; the wasm side of `npm run bench` does
//! the same in V8, so the two times compare the same work.
//!
//! `cargo run --release -p mailroom-core --example play -- SCENARIO.json [--until MS] [--frame MS]`
//! prints `{"end_ms", "wall_ms", "steps", "story_events", "checkpoint_bytes", "checkpoints"}`.

use mailroom_core::{Player, Scenario};

fn arg(args: &[String], name: &str) -> Option<u64> {
    let i = args.iter().position(|a| a == name)?;
    match args.get(i + 1).and_then(|v| v.parse().ok()) {
        Some(v) => Some(v),
        None => {
            eprintln!("{name} needs a whole number of milliseconds");
            std::process::exit(2);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: play SCENARIO.json [--until MS] [--frame MS]");
        std::process::exit(2);
    };
    let scenario = std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|json| Scenario::from_json(&json).map_err(|e| e.to_string()))
        .unwrap_or_else(|e| {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        });
    let until = arg(&args, "--until").unwrap_or(scenario.duration_ms);
    let frame_ms = arg(&args, "--frame").unwrap_or(1000).max(1);
    let started = std::time::Instant::now();
    let mut player = Player::new(scenario, Vec::new()).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2);
    });
    let mut story = 0;
    let mut t = 0;
    while player.now_ms() < until {
        t = (t + frame_ms).min(until);
        player.run(t, u64::MAX);
        story += player.take_story().len();
        player.refresh(0..0);
    }
    let out = serde_json::json!({
        "end_ms": player.now_ms(),
        "wall_ms": started.elapsed().as_secs_f64() * 1000.0,
        "steps": player.sim().steps(),
        "story_events": story,
        "checkpoint_bytes": player.checkpoint_bytes(),
        "checkpoints": player.checkpoint_times().len(),
    });
    println!("{out}");
}
