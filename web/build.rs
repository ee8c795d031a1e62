//! Computes, with the *native* build of mailroom-core, the event-stream fingerprint of every
//! example scenario, so that the wasm tests can check the browser build produces the
//! identical stream (determinism across targets).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = String::from(
        "/// (file, scenario JSON, until_ms, native event hash, native event count,\n\
         /// hash of the story events a native Player collects in 1-second frames, frame state)\n",
    );
    out.push_str("pub const NATIVE: &[(&str, &str, u64, &str, usize, &str, &str)] = &[\n");
    for path in files {
        println!("cargo:rerun-if-changed={}", path.display());
        let json = std::fs::read_to_string(&path).expect("readable scenario");
        let Ok(mut sim) = mailroom_core::Sim::from_json(&json) else {
            continue;
        };
        // Long enough to cover faults and rebalances, short enough to keep builds quick.
        let until = sim.scenario().duration_ms.min(60_000);
        sim.advance(until);
        let events = sim.drain_events();
        let hash = mailroom_core::event_hash(&events);
        let (story, frame) = player_fingerprint(&json, until);
        let name = path
            .file_name()
            .expect("file")
            .to_string_lossy()
            .to_string();
        writeln!(
            out,
            "    ({name:?}, {json:?}, {until}, {hash:?}, {}, {story:?}, {frame:?}),",
            events.len()
        )
        .expect("string");
    }
    out.push_str("];\n");
    out.push_str(&native_sweeps(&dir));
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("native_hashes.rs");
    std::fs::write(dest, out).expect("writable OUT_DIR");
}

/// What a Player shows a page over a run in 250 ms frames: the hash of the story events it
/// collected, and the final frame's group rows (as text), for the wasm tests to reproduce.
fn player_fingerprint(json: &str, until: u64) -> (String, String) {
    let scenario = mailroom_core::Scenario::from_json(json).expect("valid");
    let mut player = mailroom_core::Player::new(scenario, Vec::new()).expect("valid");
    let mut story = Vec::new();
    let mut t = 0;
    while t < until {
        t = (t + 250).min(until);
        player.run(t, u64::MAX);
        story.extend(player.take_story());
    }
    assert_eq!(
        player.story_dropped(),
        0,
        "story events dropped: drain more often"
    );
    let frame = player.refresh(0..0);
    (
        mailroom_core::event_hash(&story),
        format!("{:?}", frame.groups),
    )
}

/// What-if sweeps run natively: (scenario JSON, vary spec, seeds, the results as JSON), for the
/// wasm tests to check the browser build's `Sweep` gives identical figures.
fn native_sweeps(dir: &Path) -> String {
    let sweeps = [
        ("user-activity.json", "groups[0].consumers=2..4", 2),
        (
            "eager-vs-cooperative.json",
            "groups[0].partition.assignment.strategy=range,roundrobin,cooperative-sticky",
            1,
        ),
    ];
    let mut out = String::from(
        "/// (scenario JSON, vary, seeds, native sweep results as JSON)\n\
         pub const NATIVE_SWEEPS: &[(&str, &str, u32, &str)] = &[\n",
    );
    for (file, vary, seeds) in sweeps {
        let json = std::fs::read_to_string(dir.join(file)).expect("readable scenario");
        let mut sweep = mailroom_core::Sweep::new(&json, vary, seeds).expect("valid sweep");
        let results = serde_json::to_string(sweep.run_to_end()).expect("results serialize");
        writeln!(out, "    ({json:?}, {vary:?}, {seeds}, {results:?}),").expect("string");
    }
    out.push_str("];\n");
    out
}
