//! What every subcommand shares: reading a file or stdin, aligned tables, the progress bar and
//! Ctrl-C.

use std::io::{IsTerminal, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Exit status: the run found nothing to warn about.
pub const OK: u8 = 0;
/// Exit status: the run found loss, duplicates or reordering (what `check` warns about).
pub const FOUND: u8 = 1;
/// Exit status: bad input (a file, an argument or a scenario field).
pub const BAD_INPUT: u8 = 2;

/// Reads `path`, or stdin when it is `-`; the error names the file.
pub fn read_text(path: &Path) -> Result<String, String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("-: reading stdin: {e}"))?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Prints `msg` on stderr and returns the bad-input status.
pub fn bad_input(msg: impl std::fmt::Display) -> u8 {
    eprintln!("error: {msg}");
    BAD_INPUT
}

/// Rows as aligned columns: the first `left` columns left-aligned (names), the rest
/// right-aligned (numbers), two spaces between.
pub fn table(header: &[&str], rows: &[Vec<String>], left: usize) -> String {
    table_aligned(header, rows, |i| i < left)
}

/// Rows as aligned columns, column `i` left-aligned when `is_left(i)`.
pub fn table_aligned(
    header: &[&str],
    rows: &[Vec<String>],
    is_left: impl Fn(usize) -> bool,
) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let s = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, &w))| {
                if is_left(i) {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ");
        s.trim_end().to_string()
    };
    let mut out = line(header.to_vec());
    out.push('\n');
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

/// Set once Ctrl-C was pressed: long runs stop at their next slice and say how far they got.
pub fn interrupted() -> bool {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        // If a handler cannot be installed, Ctrl-C simply ends the process as usual.
        let _ = ctrlc::set_handler(move || f.store(true, Ordering::SeqCst));
        flag
    })
    .load(Ordering::SeqCst)
}

/// A progress bar on stderr for runs longer than a second, only when stderr is a terminal
/// (never on pipes or in CI logs). Shows simulated time and the speed against real time.
pub struct Progress {
    started: Instant,
    bar: Option<ProgressBar>,
    total: u64,
    unit: &'static str,
    enabled: bool,
}

impl Progress {
    /// A progress for `total` units of work: simulated ms (`unit` "sim") or runs ("runs").
    pub fn new(total: u64, unit: &'static str) -> Progress {
        // Arm Ctrl-C handling with the first long-running call.
        interrupted();
        Progress {
            started: Instant::now(),
            bar: None,
            total,
            unit,
            enabled: std::io::stderr().is_terminal() && std::env::var_os("CI").is_none(),
        }
    }

    /// Reports `done` units (and, for runs, the simulated ms of the current one).
    pub fn set(&mut self, done: u64, sim_ms: u64) {
        if !self.enabled {
            return;
        }
        let elapsed = self.started.elapsed();
        if self.bar.is_none() {
            if elapsed < Duration::from_secs(1) {
                return;
            }
            let bar = ProgressBar::new(self.total.max(1));
            let template = if self.unit == "sim" {
                "{bar:30} {msg}"
            } else {
                "{bar:30} {pos}/{len} runs {msg}"
            };
            bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
            self.bar = Some(bar);
        }
        let bar = self.bar.as_ref().expect("just set");
        bar.set_position(done.min(self.total));
        let secs = elapsed.as_secs_f64().max(1e-3);
        let speed = sim_ms as f64 / 1000.0 / secs;
        bar.set_message(if self.unit == "sim" {
            format!(
                "{:.1} s of {:.1} s simulated, {speed:.0}× real time",
                done as f64 / 1000.0,
                self.total as f64 / 1000.0
            )
        } else {
            format!("(run at {:.1} s simulated)", sim_ms as f64 / 1000.0)
        });
    }

    /// Takes the bar off the terminal.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
