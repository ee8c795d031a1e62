//! `mailroom simulate`, `trace` and `play`: one scenario run, natively.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use mailroom_core::{EventHasher, EventLevel, Player, Scenario, Sim};
use serde_json::{json, Value};

use crate::common::{bad_input, interrupted, read_text, table, Progress, FOUND, OK};

/// Which events the model records (and the event hash covers).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Events {
    /// Every event: the determinism fingerprint the tests and the wasm build compare.
    All,
    /// What a person watching the page is shown (the default).
    Story,
    /// None: the figures only, fastest.
    Off,
}

impl Events {
    fn level(self) -> EventLevel {
        match self {
            Events::All => EventLevel::All,
            Events::Story => EventLevel::Story,
            Events::Off => EventLevel::Off,
        }
    }
}

/// Where a scenario comes from and how far it runs: shared by simulate, trace and play.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The scenario (JSON, see docs/scenario.md), or `-` for stdin.
    pub scenario: PathBuf,
    /// Stop at this simulated time in ms (default: the scenario's duration_ms).
    #[arg(long, value_name = "MS")]
    pub until: Option<u64>,
    /// Run with this seed instead of the scenario's own.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

impl RunArgs {
    /// The scenario, with `--seed` applied, and where the run ends.
    pub(crate) fn load(&self) -> Result<(Scenario, u64), String> {
        let text = read_text(&self.scenario)?;
        let name = self.scenario.display();
        let mut scenario = Scenario::from_json(&text).map_err(|e| format!("{name}: {e}"))?;
        if let Some(seed) = self.seed {
            scenario.seed = seed;
        }
        let until = match (self.until, scenario.duration_ms) {
            (Some(u), _) => u,
            (None, 0) => {
                return Err(format!(
                    "{name}: duration_ms is 0 (open-ended): give --until MS to say where to stop"
                ))
            }
            (None, d) => d,
        };
        Ok((scenario, until))
    }

    /// The simulation of [`RunArgs::load`]'s scenario, and where the run ends; the error names
    /// the file and the field.
    pub(crate) fn sim(&self) -> Result<(Sim, u64), String> {
        let (scenario, until) = self.load()?;
        let sim = Sim::new(scenario).map_err(|e| format!("{}: {e}", self.scenario.display()))?;
        Ok((sim, until))
    }
}

/// `mailroom simulate` arguments.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// What the model records: the story (default), every event, or nothing.
    #[arg(long, value_enum, default_value_t = Events::Story)]
    pub events: Events,
    /// One JSON object: groups, producers, share_groups, events, event_hash, end_ms, wall_ms.
    #[arg(long)]
    pub json: bool,
}

/// Model steps per slice between drains, progress updates and Ctrl-C checks: keeps the event
/// buffer small whatever the load (at 100 M rec/s one simulated second is ~10^8 events).
const SLICE_STEPS: u64 = 20_000;

/// Runs `sim` to `until`, hashing every event it records; `on_slice` sees the simulation and
/// each drained batch (to take cause chains between slices, say). Returns where it stopped
/// (before `until` only on Ctrl-C).
pub(crate) fn drive(
    sim: &mut Sim,
    until: u64,
    hasher: &mut EventHasher,
    mut on_slice: impl FnMut(&mut Sim, &[mailroom_core::TimedEvent]),
) -> u64 {
    let mut progress = Progress::new(until, "sim");
    let stopped = sim.advance_draining(until, SLICE_STEPS, |sim, events| {
        let now = sim.now_ms();
        events.iter().for_each(|e| hasher.add(e));
        on_slice(sim, events);
        progress.set(now, now);
        !interrupted()
    });
    progress.finish();
    stopped
}

/// Says on stderr how far an interrupted run got.
pub(crate) fn report_interrupt(stopped: u64, until: u64) {
    eprintln!(
        "interrupted at {:.3} s of {:.3} s simulated: the figures cover 0–{:.3} s",
        stopped as f64 / 1000.0,
        until as f64 / 1000.0,
        stopped as f64 / 1000.0
    );
}

/// The exit status for interrupted runs (128 + SIGINT, as shells report it).
pub(crate) const INTERRUPTED: u8 = 130;

/// `mailroom simulate`.
pub fn simulate(args: &SimulateArgs) -> u8 {
    let (mut sim, until) = match args.run.sim() {
        Ok(x) => x,
        Err(e) => return bad_input(e),
    };
    let name = match args.run.scenario.file_stem() {
        Some(stem) if args.run.scenario.as_os_str() != "-" => stem.to_string_lossy().into_owned(),
        _ => "stdin".to_string(),
    };
    sim.set_event_level(args.events.level());
    // Figures (lag percentiles, latencies) only read the model: the event stream is unchanged.
    sim.set_track_figures(true);
    let started = std::time::Instant::now();
    let mut hasher = EventHasher::default();
    let stopped = drive(&mut sim, until, &mut hasher, |_, _| {});
    let wall_ms = started.elapsed().as_millis() as u64;
    let out = totals(&sim, &hasher, stopped, wall_ms);
    if args.json {
        println!("{out}");
    } else {
        print!("{}", human_totals(&name, &out, args.events));
    }
    if stopped < until {
        report_interrupt(stopped, until);
        return INTERRUPTED;
    }
    if found_trouble(&out) {
        FOUND
    } else {
        OK
    }
}

/// The run's totals as `simulate --json` prints them: [`Sim::totals_json`] (the same object as
/// the core's `simulate` example, so scripts can move from one to the other) and the events.
fn totals(sim: &Sim, hasher: &EventHasher, end_ms: u64, wall_ms: u64) -> Value {
    let mut out = sim.totals_json();
    out["events"] = hasher.count().into();
    out["event_hash"] = hasher.hex().into();
    out["end_ms"] = end_ms.into();
    out["wall_ms"] = wall_ms.into();
    out
}

/// True when the run lost, duplicated or reordered records (exit status 1).
fn found_trouble(out: &Value) -> bool {
    let any = |list: &str, keys: &[&str]| {
        out[list].as_array().is_some_and(|rows| {
            rows.iter()
                .any(|r| keys.iter().any(|k| r[*k].as_u64().unwrap_or(0) > 0))
        })
    };
    any("groups", &["duplicates", "lost"])
        || any("producers", &["log_duplicates", "acked_lost", "reordered"])
        || any("share_groups", &["lost"])
}

fn cell(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Tables for people: one per kind of client, the columns named as in `--json`.
fn human_totals(name: &str, out: &Value, events: Events) -> String {
    let mut s = format!(
        "{name}: {:.1} s simulated in {:.2} s; {} events ({events:?} level), hash {}\n",
        out["end_ms"].as_u64().unwrap_or(0) as f64 / 1000.0,
        out["wall_ms"].as_u64().unwrap_or(0) as f64 / 1000.0,
        out["events"],
        cell(out, "event_hash"),
    );
    let level = format!("{events:?}").to_lowercase();
    s = s.replace(&format!("({events:?} level)"), &format!("({level} level)"));
    let section = |s: &mut String, list: &str, cols: &[(&str, &str)]| {
        let Some(rows) = out[list].as_array().filter(|r| !r.is_empty()) else {
            return;
        };
        let header: Vec<&str> = cols.iter().map(|c| c.1).collect();
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| cols.iter().map(|c| cell(r, c.0)).collect())
            .collect();
        s.push('\n');
        s.push_str(&table(&header, &rows, 1));
    };
    section(
        &mut s,
        "producers",
        &[
            ("producer", "producer"),
            ("sent", "sent"),
            ("acked", "acked"),
            ("failed", "failed"),
            ("log_duplicates", "log_duplicates"),
            ("acked_lost", "acked_lost"),
            ("reordered", "reordered"),
        ],
    );
    section(
        &mut s,
        "groups",
        &[
            ("group", "group"),
            ("produced", "produced"),
            ("processed", "processed"),
            ("duplicates", "duplicates"),
            ("lost", "lost"),
            ("rebalances", "rebalances"),
            ("max_lag", "max_lag"),
            ("p99_lag", "p99_lag"),
            ("latency_p50_ms", "p50_ms"),
            ("latency_p99_ms", "p99_ms"),
            ("downtime_ms", "downtime_ms"),
        ],
    );
    section(
        &mut s,
        "share_groups",
        &[
            ("group", "share group"),
            ("produced", "produced"),
            ("processed", "processed"),
            ("acknowledged", "acknowledged"),
            ("redeliveries", "redeliveries"),
            ("archived", "archived"),
            ("lost", "lost"),
        ],
    );
    s
}

/// `mailroom trace` arguments.
#[derive(Args, Debug)]
pub struct TraceArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Also print the chattiest kinds (requests sent, appends, fetches, consumer state changes).
    #[arg(long)]
    pub all: bool,
}

/// `mailroom trace`: the event stream as JSON lines, streamed (memory stays bounded).
pub fn trace(args: &TraceArgs) -> u8 {
    let (mut sim, until) = match args.run.sim() {
        Ok(x) => x,
        Err(e) => return bad_input(e),
    };
    let mut hasher = EventHasher::default();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut broken_pipe = false;
    let stopped = drive(&mut sim, until, &mut hasher, |_, events| {
        use std::io::Write;
        for e in events {
            if (args.all || !e.event.is_chatty()) && !broken_pipe {
                let line = serde_json::to_string(e).unwrap_or_default();
                // `mailroom trace … | head` closes the pipe: stop writing, quietly.
                broken_pipe = writeln!(out, "{line}").is_err();
            }
        }
    });
    drop(out);
    if stopped < until {
        report_interrupt(stopped, until);
        return INTERRUPTED;
    }
    OK
}

/// `mailroom play` arguments.
#[derive(Args, Debug)]
pub struct PlayArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Simulated ms per frame, as a page would advance (default 1000).
    #[arg(long, value_name = "MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub frame: u64,
    /// One JSON object instead of a sentence.
    #[arg(long)]
    pub json: bool,
}

/// `mailroom play`: the run as the page's player drives it (frames, story, checkpoints).
pub fn play(args: &PlayArgs) -> u8 {
    let (scenario, until) = match args.run.load() {
        Ok(x) => x,
        Err(e) => return bad_input(e),
    };
    let started = std::time::Instant::now();
    let mut player = match Player::new(scenario, Vec::new()) {
        Ok(p) => p,
        Err(e) => return bad_input(format!("{}: {e}", args.run.scenario.display())),
    };
    let mut progress = Progress::new(until, "sim");
    let (mut story, mut t) = (0, 0);
    while player.now_ms() < until && !interrupted() {
        t = (t + args.frame).min(until);
        player.run(t, u64::MAX);
        story += player.take_story().len();
        player.refresh(0..0);
        progress.set(player.now_ms(), player.now_ms());
    }
    progress.finish();
    let out = json!({
        "end_ms": player.now_ms(),
        "wall_ms": started.elapsed().as_secs_f64() * 1000.0,
        "steps": player.sim().steps(),
        "story_events": story,
        "checkpoint_bytes": player.checkpoint_bytes(),
        "checkpoints": player.checkpoint_times().len(),
    });
    if args.json {
        println!("{out}");
    } else {
        println!(
            "played {:.1} s in {:.2} s ({} frames of {} ms): {} model steps, {} story events, {} checkpoints ({} KB)",
            player.now_ms() as f64 / 1000.0,
            started.elapsed().as_secs_f64(),
            until.div_ceil(args.frame),
            args.frame,
            player.sim().steps(),
            story,
            player.checkpoint_times().len(),
            player.checkpoint_bytes() / 1024,
        );
    }
    if player.now_ms() < until {
        report_interrupt(player.now_ms(), until);
        return INTERRUPTED;
    }
    OK
}
