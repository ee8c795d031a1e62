//! `mailroom sweep`: one scenario many times, one field varied (see docs/sweep.md).

use std::path::PathBuf;

use clap::Args;
use mailroom_core::sweep::{summarize, Sweep};

use crate::common::{bad_input, interrupted, read_text, table, Progress, OK};

/// `mailroom sweep` arguments.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// The scenario (JSON), or `-` for stdin.
    pub scenario: PathBuf,
    /// The field and its values: `PATH=A..B`, `PATH=A..B/STEP` or `PATH=a,b,c`
    /// (e.g. `groups[0].consumers=1..16`, `producers[0].acks=0,1,all`).
    #[arg(long, value_name = "PATH=VALUES")]
    pub vary: String,
    /// Seeds per value: each cell shows the median with [min–max] after it.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub seeds: u32,
    /// One JSON object per run (value × seed) per line, the figures as `simulate` names them.
    #[arg(long)]
    pub json: bool,
}

/// Model steps between progress updates and Ctrl-C checks.
const SLICE_STEPS: u64 = 200_000;

/// `mailroom sweep`.
pub fn run(args: &SweepArgs) -> u8 {
    let text = match read_text(&args.scenario) {
        Ok(t) => t,
        Err(e) => return bad_input(e),
    };
    let name = args.scenario.display();
    let mut sweep = match Sweep::new(&text, &args.vary, args.seeds) {
        Ok(s) => s,
        Err(e) => return bad_input(format!("{name}: {e}")),
    };
    let started = std::time::Instant::now();
    let mut progress = Progress::new(sweep.runs_total() as u64, "runs");
    let mut stopped = false;
    loop {
        let p = sweep.step(SLICE_STEPS);
        progress.set(p.runs_done as u64, p.run_now_ms);
        if p.done {
            break;
        }
        if interrupted() {
            stopped = true;
            break;
        }
    }
    progress.finish();
    let results = sweep.results().to_vec();
    if args.json {
        for r in &results {
            println!("{}", serde_json::to_string(r).unwrap_or_default());
        }
    } else {
        let several_groups = results.first().is_some_and(|r| r.groups.len() > 1);
        let mut header = vec![sweep.path()];
        if several_groups {
            header.push("group");
        }
        header.extend([
            "max lag", "p99 lag", "p50 ms", "p99 ms", "dups", "lost", "rebal", "down ms",
        ]);
        let mut rows = Vec::new();
        for v in summarize(&results) {
            for (group, spreads) in &v.groups {
                let mut row = vec![v.value.clone()];
                if several_groups {
                    row.push(group.clone());
                }
                let f = |x: Option<u64>| x.map_or("-".to_string(), |x| x.to_string());
                row.extend(spreads.iter().map(|s| {
                    if v.seeds > 1 {
                        format!("{} [{}–{}]", f(s.median), f(s.min), f(s.max))
                    } else {
                        f(s.median)
                    }
                }));
                rows.push(row);
            }
        }
        print!(
            "{}",
            table(&header, &rows, if several_groups { 2 } else { 1 })
        );
        eprintln!(
            "{} runs ({} values × {} seeds) in {:.2} s",
            results.len(),
            sweep.values().len(),
            args.seeds,
            started.elapsed().as_secs_f64()
        );
    }
    if stopped {
        eprintln!(
            "interrupted after {} of {} runs: the table shows the finished runs only",
            results.len(),
            sweep.runs_total()
        );
        return 130;
    }
    OK
}
