//! `mailroom explain`: why each duplicate, loss, acknowledged loss, log duplicate, redelivery
//! and archived record of a run happened, as cause chains (see `mailroom_core::causes`).

use clap::Args;
use mailroom_core::causes::{secs, CaseKind, Explanation};
use mailroom_core::{EventHasher, EventLevel, Sim};

use crate::common::{bad_input, FOUND, OK};
use crate::run::{drive, report_interrupt, RunArgs, INTERRUPTED};

/// `--kind NAME`: one of the core's case kind names (`CaseKind::name`).
fn parse_kind(name: &str) -> Result<CaseKind, String> {
    CaseKind::parse(name).ok_or_else(|| {
        let names: Vec<&str> = CaseKind::ALL.iter().map(|k| k.name()).collect();
        format!("\"{name}\" is not a case kind: one of {}", names.join(", "))
    })
}

/// `mailroom explain` arguments.
#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Only cases of these kinds: duplicate, lost, acked-lost, log-duplicate, redelivery,
    /// archived (repeat or comma-separate; default: every kind).
    #[arg(long, value_name = "KIND", value_delimiter = ',', value_parser = parse_kind)]
    pub kind: Vec<CaseKind>,
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
    let (mut sim, until) = match args.run.sim() {
        Ok(x) => x,
        Err(e) => return bad_input(e),
    };
    // The chains do not need the event stream: causes are recorded at any level.
    sim.set_event_level(EventLevel::Off);
    sim.set_record_causes(true);
    let wanted = &args.kind;
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
    // Events are off, so the hasher sees nothing: drive is used for its slices and Ctrl-C.
    let stopped = drive(&mut sim, until, &mut EventHasher::default(), |sim, _| {
        take(sim, false, &mut tally)
    }) < until;
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
