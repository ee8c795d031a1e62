//! `mailroom soak`: seeded random scenarios with random faults over the whole model, Kafka's
//! guarantees checked on every schedule (the `mailroom-soak` crate), plus a decoder fuzz pass.

use std::path::PathBuf;
use std::sync::Mutex;

use clap::Args;
use mailroom_soak::{Coverage, Invariant, Options};
use serde_json::json;

use crate::common::{self, Progress, FOUND, OK};

/// Arguments of `mailroom soak`.
#[derive(Args)]
pub struct SoakArgs {
    /// How many seeds (schedules) to run.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 1, value_name = "S")]
    from: u64,
    /// Worker threads (default: the machine's cores).
    #[arg(long, value_name = "J")]
    jobs: Option<usize>,
    /// Print the summary (coverage, failures) as one JSON object.
    #[arg(long)]
    json: bool,
    /// Where shrunk failures are written (`soak-failure-SEED.json`).
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
    /// Fuzz mutants per seed fed to the decoders (0: no fuzz pass).
    #[arg(long, default_value_t = mailroom_soak::FUZZ_CASES, value_name = "N")]
    fuzz: u32,
    /// Check one scenario file (a written failure) instead: prints its violation (exit 1) or none.
    #[arg(long, value_name = "FILE")]
    replay: Option<PathBuf>,
}

/// Most checker runs spent shrinking one failure.
const SHRINK_RUNS: usize = 400;

/// Runs `mailroom soak`.
pub fn run(args: &SoakArgs) -> u8 {
    let opts = Options {
        determinism: true,
        wrong_acked_rule: false,
        instant_steps_max: 0,
    };
    if let Some(file) = &args.replay {
        return replay(file, opts, args.json);
    }
    if args.seeds == 0 {
        return common::bad_input("--seeds: must be at least 1");
    }
    if args.jobs == Some(0) {
        return common::bad_input("--jobs: must be at least 1");
    }
    if args.from.checked_add(args.seeds).is_none() {
        return common::bad_input("--from + --seeds: past the last seed");
    }
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let started = std::time::Instant::now();
    let progress = Mutex::new(Progress::new(args.seeds, "runs"));
    let (coverage, failures) = mailroom_soak::run_many(
        args.from,
        args.seeds,
        jobs,
        opts,
        args.fuzz,
        &|done, sim_ms| progress.lock().expect("no poison").set(done, sim_ms),
        &common::interrupted,
    );
    progress.lock().expect("no poison").finish();
    let wall = started.elapsed().as_secs_f64();
    let interrupted = coverage.schedules < args.seeds;
    // Shrink and write the first failure of each invariant.
    let mut written = Vec::new();
    let mut shrunk_kinds = Vec::new();
    for f in &failures {
        if shrunk_kinds.contains(&f.violation.invariant) {
            continue;
        }
        shrunk_kinds.push(f.violation.invariant);
        match mailroom_soak::write_failure(f, &args.out, opts, SHRINK_RUNS) {
            Ok(w) => written.push((f, Some(w))),
            Err(e) => {
                eprintln!("error: writing the failure of seed {}: {e}", f.seed);
                written.push((f, None));
            }
        }
    }
    if args.json {
        let out = json!({
            "seeds": {"from": args.from, "count": args.seeds, "run": coverage.schedules},
            "jobs": jobs,
            "wall_s": (wall * 10.0).round() / 10.0,
            "coverage": coverage.to_json(),
            "violations": failures.iter().map(|f| json!({
                "seed": f.seed, "invariant": f.violation.invariant.name(),
                "at_ms": f.violation.at_ms, "detail": f.violation.detail,
                "known_gap": mailroom_soak::known_gap(f.violation.invariant),
            })).collect::<Vec<_>>(),
            "written": written.iter().filter_map(|(f, w)| w.as_ref().map(|w| json!({
                "seed": f.seed, "invariant": f.violation.invariant.name(),
                "file": w.path.display().to_string(),
                "inputs_before": w.inputs.0, "inputs_after": w.inputs.1,
                "reproduce": reproduce(&w.path),
            }))).collect::<Vec<_>>(),
        });
        println!("{out}");
    } else {
        print!("{}", human(&coverage, wall, jobs));
        if failures.is_empty() {
            println!(
                "0 violations in {} schedules (seeds {}..={}).",
                coverage.schedules,
                args.from,
                args.from + coverage.schedules.max(1) - 1
            );
        } else {
            println!("{} violations:", failures.len());
            for f in &failures {
                println!("  seed {}: {}", f.seed, f.violation);
            }
            let mut gaps: Vec<Invariant> = failures
                .iter()
                .map(|f| f.violation.invariant)
                .filter(|i| mailroom_soak::known_gap(*i).is_some())
                .collect();
            gaps.sort();
            gaps.dedup();
            for i in gaps {
                println!(
                    "  ({i} is a listed known model gap: {})",
                    mailroom_soak::known_gap(i).unwrap_or_default()
                );
            }
            for (f, w) in &written {
                if let Some(w) = w {
                    println!(
                        "\nseed {} ({}) shrunk from {} to {} inputs: {}\n  reproduce: {}",
                        f.seed,
                        f.violation.invariant,
                        w.inputs.0,
                        w.inputs.1,
                        w.path.display(),
                        reproduce(&w.path)
                    );
                }
            }
        }
    }
    if interrupted {
        eprintln!(
            "interrupted after {} of {} seeds",
            coverage.schedules, args.seeds
        );
    }
    if !failures.is_empty() {
        FOUND
    } else if interrupted {
        130
    } else {
        OK
    }
}

/// The one command that reproduces a written failure.
fn reproduce(path: &std::path::Path) -> String {
    if path.extension().is_some_and(|e| e == "txt") {
        format!(
            "mailroom simulate {} (a decoder input that panicked)",
            path.display()
        )
    } else {
        format!("mailroom soak --replay {}", path.display())
    }
}

/// `--replay FILE`: checks one scenario, prints its violation.
fn replay(file: &std::path::Path, opts: Options, as_json: bool) -> u8 {
    let text = match common::read_text(file) {
        Ok(t) => t,
        Err(e) => return common::bad_input(e),
    };
    let report = match mailroom_soak::check(&text, opts) {
        Ok(r) => r,
        Err(e) => return common::bad_input(format!("{}: {e}", file.display())),
    };
    let exercised: Vec<&str> = report.exercised.iter().map(|i| i.name()).collect();
    if as_json {
        println!(
            "{}",
            json!({
                "violation": report.violation.as_ref().map(|v| json!({
                    "invariant": v.invariant.name(), "at_ms": v.at_ms, "detail": v.detail})),
                "exercised": exercised,
                "events": report.events, "event_hash": report.hash,
            })
        );
    } else {
        match &report.violation {
            Some(v) => println!("{}: violation: {v}", file.display()),
            None => println!(
                "{}: no violation ({} events; checked: {})",
                file.display(),
                report.events,
                exercised.join(", ")
            ),
        }
    }
    if report.violation.is_some() {
        FOUND
    } else {
        OK
    }
}

/// The coverage tables.
fn human(c: &Coverage, wall: f64, jobs: usize) -> String {
    let mut out = format!(
        "{} schedules, {:.0} s simulated, {} events checked, {wall:.1} s on {jobs} threads\n\
         fuzz: {} mutants, {} scenarios loaded and ran, {} inputs decoded and handled, the rest refused cleanly\n\n",
        c.schedules,
        c.sim_ms as f64 / 1000.0,
        c.events,
        c.fuzz_cases,
        c.fuzz_accepted.0,
        c.fuzz_accepted.1
    );
    let rows: Vec<Vec<String>> = Invariant::ALL
        .iter()
        .map(|i| {
            vec![
                i.name().to_string(),
                c.exercised.get(i).copied().unwrap_or(0).to_string(),
            ]
        })
        .collect();
    out.push_str(&common::table(
        &["invariant", "schedules exercising it"],
        &rows,
        1,
    ));
    out.push('\n');
    let rows: Vec<Vec<String>> = c
        .features
        .iter()
        .map(|(k, v)| vec![k.clone(), v.to_string()])
        .collect();
    out.push_str(&common::table(
        &["feature / scheduled fault", "schedules"],
        &rows,
        1,
    ));
    out.push('\n');
    let rows: Vec<Vec<String>> = c
        .happened
        .iter()
        .map(|(k, v)| vec![k.clone(), v.to_string()])
        .collect();
    out.push_str(&common::table(
        &["happened in the model", "schedules"],
        &rows,
        1,
    ));
    out.push('\n');
    out
}
