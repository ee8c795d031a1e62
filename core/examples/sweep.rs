//! Runs a what-if sweep: one scenario many times, one field varied, each run to the end in
//! fast-forward; prints a table of each value's figures (or JSON lines).
//!
//! `cargo run --release -p mailroom-core --example sweep -- SCENARIO.json
//! --vary 'groups[0].consumers=1..16' [--seeds N] [--json]`
//!
//! The table has one row per value (and group, when there are several): max and p99 lag
//! (records), p50 and p99 latency (append → processed, simulated ms), duplicates, lost,
//! rebalances and total partition downtime (ms). With `--seeds N` each cell is the median over
//! the seeds with [min–max] after it. `--json` prints one object per run (value × seed) per line:
//! `{"value", "value_index", "seed", "end_ms", "groups": [{figures…}]}`, the figures exactly as
//! `simulate` prints them. Bad arguments or a bad value exit 2 with `path: reason`.
//! The vary syntax is documented in `mailroom_core::sweep` and docs/sweep.md.

use mailroom_core::figures::FIGURE_NAMES;
use mailroom_core::sweep::{summarize, Sweep};

fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("{msg}");
    eprintln!("usage: sweep SCENARIO.json --vary 'PATH=VALUES' [--seeds N] [--json]");
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut path, mut vary, mut seeds, mut json) = (None, None, 1u32, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--vary" => {
                vary = Some(
                    it.next()
                        .unwrap_or_else(|| fail("--vary needs PATH=VALUES")),
                )
            }
            "--seeds" => {
                seeds = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| fail("--seeds needs a whole number"))
            }
            "--json" => json = true,
            s if s.starts_with("--") => fail(format!("unknown option {s}")),
            s if path.is_none() => path = Some(s.to_string()),
            s => fail(format!("unexpected argument {s:?}")),
        }
    }
    let path = path.unwrap_or_else(|| fail("no scenario file given"));
    let vary = vary.unwrap_or_else(|| fail("no --vary given"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| fail(format!("{path}: {e}")));
    let mut sweep = Sweep::new(&text, vary, seeds).unwrap_or_else(|e| fail(format!("{path}: {e}")));
    let started = std::time::Instant::now();
    let results = sweep.run_to_end().to_vec();
    let wall_ms = started.elapsed().as_millis();
    if json {
        for r in &results {
            println!("{}", serde_json::to_string(r).expect("results serialize"));
        }
        return;
    }
    let several_groups = results.first().is_some_and(|r| r.groups.len() > 1);
    let heads = [
        "max lag", "p99 lag", "p50 ms", "p99 ms", "dups", "lost", "rebal", "down ms",
    ];
    let vw = sweep
        .values()
        .iter()
        .map(|v| v.len())
        .max()
        .unwrap_or(0)
        .max(sweep.path().len());
    let mut rows: Vec<Vec<String>> = Vec::new();
    for v in summarize(&results) {
        for (group, spreads) in &v.groups {
            let mut row = vec![v.value.clone()];
            if several_groups {
                row.push(group.clone());
            }
            for s in spreads {
                let f = |x: Option<u64>| x.map_or("-".to_string(), |x| x.to_string());
                row.push(if v.seeds > 1 {
                    format!("{} [{}–{}]", f(s.median), f(s.min), f(s.max))
                } else {
                    f(s.median)
                });
            }
            rows.push(row);
        }
    }
    let mut header = vec![sweep.path().to_string()];
    if several_groups {
        header.push("group".into());
    }
    header.extend(heads.iter().map(|h| h.to_string()));
    debug_assert_eq!(heads.len(), FIGURE_NAMES.len());
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].chars().count(), if i == 0 { vw } else { 0 }])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 0 || (several_groups && i == 1) {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    println!("{}", line(&header));
    for r in &rows {
        println!("{}", line(r));
    }
    eprintln!(
        "{} runs ({} values × {} seeds) in {:.2} s",
        results.len(),
        sweep.values().len(),
        seeds,
        wall_ms as f64 / 1000.0
    );
}
