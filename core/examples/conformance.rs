//! Replays Kafka's conformance vectors (core/tests/data/*.json) against Mailroom.
//!
//! ```text
//! cargo run --release -p mailroom-core --example conformance -- FILE...
//! cargo run --release -p mailroom-core --example conformance -- --emit FILE...
//! ```
//! Prints `FILE: N passed, M failed` per file, the first differing case of each file, and a final
//! `N passed, M failed`; exits 1 on any failure. Cases marked `order_sensitive` (Kafka's own answer
//! depends on Java HashMap order) pass when the README's invariants hold. With `--emit`, prints
//! one JSON object per case instead and checks nothing.

#[path = "../tests/support/partitioner_vectors.rs"]
mod partitioner_vectors;
#[path = "../tests/support/vectors.rs"]
mod vectors;

use serde_json::{json, Value};
use std::process::ExitCode;
use vectors::Assignment;

fn main() -> ExitCode {
    let mut emit = false;
    let mut files = Vec::new();
    for a in std::env::args().skip(1) {
        if a == "--emit" {
            emit = true;
        } else {
            files.push(a);
        }
    }
    if files.is_empty() {
        eprintln!("usage: conformance [--emit] FILE...");
        return ExitCode::from(2);
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    for path in &files {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{path}: {e}");
                failed += 1;
                continue;
            }
        };
        let name = std::path::Path::new(path)
            .file_name()
            .map_or(path.clone(), |n| n.to_string_lossy().into_owned());
        let result = if name.starts_with("partitioner") {
            partitioner_file(&text, emit)
        } else {
            assign_file(&text, emit)
        };
        match result {
            Ok((p, f, first)) => {
                if !emit {
                    println!("{name}: {p} passed, {f} failed");
                    if let Some(first) = first {
                        println!("  first difference: {first}");
                    }
                }
                passed += p;
                failed += f;
            }
            Err(e) => {
                eprintln!("{name}: {e}");
                failed += 1;
            }
        }
    }
    if emit {
        return ExitCode::SUCCESS;
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

type FileResult = Result<(usize, usize, Option<String>), String>;

fn partitioner_file(text: &str, emit: bool) -> FileResult {
    let f: partitioner_vectors::PartitionerFile =
        serde_json::from_str(text).map_err(|e| e.to_string())?;
    let (mut p, mut fl, mut first) = (0, 0, None);
    for (i, c) in f.cases.iter().enumerate() {
        let key = c.key().map_err(|e| format!("case {i}: {e}"))?;
        let got = mailroom_core::partitioner::partition_for_key(&key, c.partitions);
        if emit {
            println!("{}", json!({"index": i, "partition": got}));
        } else if Some(got) == c.expected {
            p += 1;
        } else {
            fl += 1;
            first.get_or_insert_with(|| {
                let key = c
                    .key_utf8
                    .clone()
                    .or_else(|| c.key_hex.clone())
                    .unwrap_or_default();
                format!(
                    "case {i} (key {key:?}, {} partitions): expected {:?}, got {got}",
                    c.partitions, c.expected
                )
            });
        }
    }
    Ok((p, fl, first))
}

fn assign_file(text: &str, emit: bool) -> FileResult {
    let f = vectors::parse(text, false)?;
    let (mut p, mut fl, mut first) = (0, 0, None);
    for c in &f.cases {
        let got = vectors::run(&f.strategy, c)?;
        if emit {
            let assignment: serde_json::Map<String, Value> = got
                .iter()
                .map(|(m, v)| {
                    (
                        m.clone(),
                        json!(v.iter().map(|(t, p)| json!([t, p])).collect::<Vec<_>>()),
                    )
                })
                .collect();
            println!("{}", json!({"name": c.name, "assignment": assignment}));
            continue;
        }
        let want = vectors::expected(c);
        match vectors::verdict(&f.strategy, c, &got, &want) {
            Ok(()) => p += 1,
            Err(why) => {
                fl += 1;
                first.get_or_insert_with(|| {
                    format!(
                        "{}: {why}\n    expected {}\n    got      {}",
                        c.name,
                        show(&want),
                        show(&got)
                    )
                });
            }
        }
    }
    Ok((p, fl, first))
}

fn show(a: &Assignment) -> String {
    let parts: Vec<String> = a
        .iter()
        .map(|(m, v)| {
            format!(
                "{m}: [{}]",
                v.iter()
                    .map(|(t, p)| format!("{t}-{p}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    format!("{{{}}}", parts.join("; "))
}
