//! `mailroom explain`: why each duplicate, loss, acknowledged loss, log duplicate, redelivery
//! and archived record of a run happened, as cause chains (see `mailroom_core::causes`).

use clap::{Args, ValueEnum};
use mailroom_core::causes::{secs, CaseKind, Explanation};
use mailroom_core::{EventLevel, Sim};

use crate::common::{bad_input, interrupted, Progress, FOUND, OK};
use crate::run::{report_interrupt, RunArgs, INTERRUPTED, SLICE_STEPS};

/// A case kind, as `--kind` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// Records a group processed again.
    Duplicate,
    /// Records a group never processed.
    Lost,
    /// Acknowledged records that are not in the log.
    AckedLost,
    /// Second copies of records in the log (retries without idempotence).
    LogDuplicate,
    /// Share-group records delivered again.
    Redelivery,
    /// Share-group records archived.
    Archived,
}

impl Kind {
    fn core(self) -> CaseKind {
        match self {
            Kind::Duplicate => CaseKind::Duplicate,
            Kind::Lost => CaseKind::Lost,
            Kind::AckedLost => CaseKind::AckedLost,
            Kind::LogDuplicate => CaseKind::LogDuplicate,
            Kind::Redelivery => CaseKind::Redelivery,
            Kind::Archived => CaseKind::Archived,
        }
    }
}

/// `mailroom explain` arguments.
#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Only cases of these kinds (repeat or comma-separate; default: every kind).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub kind: Vec<Kind>,
    /// Print only the first N cases (the run still goes to its end for the totals).
    #[arg(long, value_name = "N")]
    pub first: Option<u64>,
    /// One JSON object per line per case: kind, group/producer/share_group, topic, partition,
    /// offset, records, at_ms, summary, steps [{at_ms, text}].
    #[arg(long)]
    pub json: bool,
}

/// Per kind: cases and the records they cover.
#[derive(Default)]
struct Tally {
    cases: [u64; 6],
    records: [u64; 6],
}

fn print_case(e: &Explanation, json: bool) {
    if json {
        println!("{}", serde_json::to_string(e).expect("serializable"));
        return;
    }
    println!("{} at {}: {}", e.kind.name(), secs(e.at_ms), e.summary);
    for s in &e.steps {
        println!("  {:>10}  {}", secs(s.at_ms), s.text);
    }
    println!();
}

/// `mailroom explain`.
pub fn run(args: &ExplainArgs) -> u8 {
    let (scenario, until) = match args.run.load() {
        Ok(x) => x,
        Err(e) => return bad_input(e),
    };
    let mut sim = match Sim::new(scenario) {
        Ok(sim) => sim,
        Err(e) => return bad_input(format!("{}: {e}", args.run.scenario.display())),
    };
    // The chains do not need the event stream: causes are recorded at any level.
    sim.set_event_level(EventLevel::Off);
    sim.set_record_causes(true);
    let wanted: Vec<CaseKind> = args.kind.iter().map(|k| k.core()).collect();
    let mut tally = Tally::default();
    let mut printed = 0u64;
    let mut take = |sim: &mut Sim, finished: bool, tally: &mut Tally| {
        for e in sim.take_explanations(finished) {
            if !wanted.is_empty() && !wanted.contains(&e.kind) {
                continue;
            }
            let k = CaseKind::ALL
                .iter()
                .position(|&x| x == e.kind)
                .expect("a kind");
            tally.cases[k] += 1;
            tally.records[k] += e.records;
            if args.first.is_none_or(|n| printed < n) {
                print_case(&e, args.json);
                printed += 1;
            }
        }
    };
    let mut progress = Progress::new(until, "sim");
    let mut stopped = false;
    loop {
        let reached = sim.advance_bounded(until, SLICE_STEPS);
        take(&mut sim, false, &mut tally);
        progress.set(sim.now_ms(), sim.now_ms());
        if reached {
            break;
        }
        if interrupted() {
            stopped = true;
            break;
        }
    }
    progress.finish();
    take(&mut sim, true, &mut tally);
    if sim.explanations_dropped() > 0 {
        eprintln!(
            "note: {} cases were found but not kept (too many in one slice)",
            sim.explanations_dropped()
        );
    }
    if !args.json {
        let mut parts = Vec::new();
        for (k, kind) in CaseKind::ALL.iter().enumerate() {
            if tally.cases[k] > 0 {
                parts.push(format!(
                    "{} in {} case{}",
                    kind.count(tally.records[k]),
                    tally.cases[k],
                    if tally.cases[k] == 1 { "" } else { "s" }
                ));
            }
        }
        let shown = match args.first {
            Some(n) if n < tally.cases.iter().sum::<u64>() => format!(" (first {n} shown)"),
            _ => String::new(),
        };
        if parts.is_empty() {
            println!("nothing to explain: no duplicates, losses, acknowledged losses, log duplicates, redeliveries or archived records");
        } else {
            println!("{}{shown}", parts.join("; "));
        }
        if tally.cases[1] > 0 {
            println!("(lost cases come last: a loss is final only when the run ends)");
        }
    }
    if stopped {
        report_interrupt(sim.now_ms(), until);
        return INTERRUPTED;
    }
    if tally.cases.iter().any(|&n| n > 0) {
        FOUND
    } else {
        OK
    }
}
