//! `mailroom conformance`: replays Kafka's own answers (the vectors in core/tests/data, made by
//! Kafka's Java, see that folder's README) against Mailroom's partitioner and assignors.

use std::path::PathBuf;

use crate::common::{bad_input, table, FOUND, OK};
use clap::Args;

#[path = "../../core/tests/support/partitioner_vectors.rs"]
pub mod partitioner_vectors;
#[path = "../../core/tests/support/vectors.rs"]
mod vectors;

/// The vectors built into the binary: (file name, text).
const BUILT_IN: &[(&str, &str)] = &[
    (
        "partitioner.json",
        include_str!("../../core/tests/data/partitioner.json"),
    ),
    (
        "assign-range.json",
        include_str!("../../core/tests/data/assign-range.json"),
    ),
    (
        "assign-roundrobin.json",
        include_str!("../../core/tests/data/assign-roundrobin.json"),
    ),
    (
        "assign-sticky.json",
        include_str!("../../core/tests/data/assign-sticky.json"),
    ),
    (
        "assign-cooperative-sticky.json",
        include_str!("../../core/tests/data/assign-cooperative-sticky.json"),
    ),
    (
        "assign-kip848-range.json",
        include_str!("../../core/tests/data/assign-kip848-range.json"),
    ),
    (
        "assign-kip848-uniform.json",
        include_str!("../../core/tests/data/assign-kip848-uniform.json"),
    ),
];

/// `mailroom conformance` arguments.
#[derive(Args, Debug)]
pub struct ConformanceArgs {
    /// Vector files (`partitioner*.json` or `assign-*.json`); none: the ones built in.
    pub files: Vec<PathBuf>,
    /// Print each failing case, not only each file's first.
    #[arg(long)]
    pub verbose: bool,
}

/// One file's outcome: passed, failed, and the failing cases described.
type Outcome = Result<(usize, usize, Vec<String>), String>;

fn partitioner_file(text: &str) -> Outcome {
    let f: partitioner_vectors::PartitionerFile =
        serde_json::from_str(text).map_err(|e| e.to_string())?;
    let (mut passed, mut failures) = (0, Vec::new());
    for (i, c) in f.cases.iter().enumerate() {
        let key = c.key().map_err(|e| format!("case {i}: {e}"))?;
        let expected = c
            .expected
            .ok_or_else(|| format!("case {i}: no expected partition"))?;
        if c.partitions == 0 {
            return Err(format!("case {i}: partitions must be at least 1"));
        }
        let got = mailroom_core::partitioner::partition_for_key(&key, c.partitions);
        if got == expected {
            passed += 1;
        } else {
            failures.push(format!(
                "case {i} ({} partitions): Kafka says {}, Mailroom {got}",
                c.partitions, expected
            ));
        }
    }
    Ok((passed, failures.len(), failures))
}

fn show(a: &vectors::Assignment) -> String {
    a.iter()
        .map(|(m, v)| {
            let parts: Vec<String> = v.iter().map(|(t, p)| format!("{t}-{p}")).collect();
            format!("{m}: [{}]", parts.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn assign_file(text: &str) -> Outcome {
    let f = vectors::parse(text, true)?;
    let (mut passed, mut failures) = (0, Vec::new());
    for c in &f.cases {
        let got = vectors::run(&f.strategy, c)?;
        let want = vectors::expected(c);
        match vectors::verdict(&f.strategy, c, &got, &want) {
            Ok(()) => passed += 1,
            Err(why) => failures.push(format!(
                "{}: {why}\n    Kafka    {}\n    Mailroom {}",
                c.name,
                show(&want),
                show(&got)
            )),
        }
    }
    Ok((passed, failures.len(), failures))
}

/// `mailroom conformance`.
pub fn run(args: &ConformanceArgs) -> u8 {
    let mut inputs: Vec<(String, String)> = Vec::new();
    if args.files.is_empty() {
        inputs.extend(BUILT_IN.iter().map(|(n, t)| (n.to_string(), t.to_string())));
    }
    for path in &args.files {
        match std::fs::read_to_string(path) {
            Ok(t) => inputs.push((path.display().to_string(), t)),
            Err(e) => return bad_input(format!("{}: {e}", path.display())),
        }
    }
    let (mut rows, mut total_pass, mut total_fail, mut details) = (vec![], 0, 0, vec![]);
    for (name, text) in &inputs {
        let base = name.rsplit('/').next().unwrap_or(name);
        let outcome = if base.starts_with("partitioner") {
            partitioner_file(text)
        } else if base.starts_with("assign-") {
            assign_file(text)
        } else {
            return bad_input(format!(
                "{name}: not a vector file (partitioner*.json or assign-*.json)"
            ));
        };
        match outcome {
            Ok((p, f, failures)) => {
                total_pass += p;
                total_fail += f;
                rows.push(vec![name.clone(), p.to_string(), f.to_string()]);
                let shown = if args.verbose { failures.len() } else { 1 };
                details.extend(
                    failures
                        .into_iter()
                        .take(shown)
                        .map(|d| format!("{name}: {d}")),
                );
            }
            Err(e) => return bad_input(format!("{name}: {e}")),
        }
    }
    print!("{}", table(&["vectors", "passed", "failed"], &rows, 1));
    for d in &details {
        println!("{d}");
    }
    println!("{total_pass} of Kafka's answers matched, {total_fail} differ");
    if total_fail > 0 {
        FOUND
    } else {
        OK
    }
}
