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

use mailroom_core::assignor::{
    self, kip848_range, kip848_uniform, MemberSpec, Strategy, TopicSpec,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::ExitCode;

#[derive(Deserialize)]
struct AssignFile {
    strategy: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    topics: BTreeMap<String, u32>,
    #[serde(default)]
    partition_racks: HashMap<String, Vec<Vec<Option<String>>>>,
    members: Vec<CaseMember>,
    #[serde(default)]
    expected: HashMap<String, Vec<(String, u32)>>,
    #[serde(default)]
    order_sensitive: bool,
}

#[derive(Deserialize)]
struct CaseMember {
    id: String,
    #[serde(default)]
    group_instance_id: Option<String>,
    #[serde(default)]
    topics: Vec<String>,
    #[serde(default)]
    owned: Vec<(String, u32)>,
    #[serde(default)]
    generation: Option<i32>,
    #[serde(default)]
    rack: Option<String>,
}

#[derive(Deserialize)]
struct PartitionerFile {
    cases: Vec<KeyCase>,
}

#[derive(Deserialize)]
struct KeyCase {
    #[serde(default)]
    key_utf8: Option<String>,
    #[serde(default)]
    key_hex: Option<String>,
    partitions: u32,
    #[serde(default)]
    expected: Option<u32>,
}

type Assignment = BTreeMap<String, Vec<(String, u32)>>;

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
    let f: PartitionerFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let (mut p, mut fl, mut first) = (0, 0, None);
    for (i, c) in f.cases.iter().enumerate() {
        let key = match (&c.key_utf8, &c.key_hex) {
            (Some(s), _) => s.as_bytes().to_vec(),
            (None, Some(h)) => hex(h).ok_or_else(|| format!("case {i}: bad key_hex"))?,
            (None, None) => return Err(format!("case {i}: no key")),
        };
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

fn hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn assign_file(text: &str, emit: bool) -> FileResult {
    let f: AssignFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let (mut p, mut fl, mut first) = (0, 0, None);
    for c in &f.cases {
        let got = run(&f.strategy, c)?;
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
        let want = expected(c);
        let verdict = if c.order_sensitive {
            check_invariants(&f.strategy, c, &got, &want)
        } else if got == want {
            Ok(())
        } else {
            Err("assignment differs".to_string())
        };
        match verdict {
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

fn run(strategy: &str, c: &Case) -> Result<Assignment, String> {
    let mut names: Vec<String> = c.topics.keys().cloned().collect();
    let topics: Vec<TopicSpec> = c
        .topics
        .iter()
        .map(|(name, &partitions)| TopicSpec {
            name: name.clone(),
            partitions,
            partition_racks: c
                .partition_racks
                .get(name)
                .map(|ps| {
                    ps.iter()
                        .map(|rs| rs.iter().flatten().cloned().collect())
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    // Topics missing from metadata get indices past the topic list.
    let mut index = |n: &str| -> u32 {
        match names.iter().position(|x| x == n) {
            Some(i) => i as u32,
            None => {
                names.push(n.to_string());
                (names.len() - 1) as u32
            }
        }
    };
    let members: Vec<MemberSpec> = c
        .members
        .iter()
        .map(|m| MemberSpec {
            member_id: m.id.clone(),
            group_instance_id: m.group_instance_id.clone(),
            topics: m.topics.iter().map(|t| index(t)).collect(),
            owned: m.owned.iter().map(|(t, p)| (index(t), *p)).collect(),
            generation: m.generation,
            rack: m.rack.clone(),
        })
        .collect();
    let out = match strategy {
        "kip848-range" => kip848_range::assign(&topics, &members),
        "kip848-uniform" => kip848_uniform::assign(&topics, &members),
        s => assignor::assign(
            Strategy::from_name(s).ok_or_else(|| format!("unknown strategy {s}"))?,
            &topics,
            &members,
        ),
    };
    let mut got = Assignment::new();
    for (m, parts) in c.members.iter().zip(out) {
        let mut v: Vec<(String, u32)> = parts
            .into_iter()
            .map(|(t, p)| (names[t as usize].clone(), p))
            .collect();
        v.sort();
        got.insert(m.id.clone(), v);
    }
    Ok(got)
}

fn expected(c: &Case) -> Assignment {
    c.members
        .iter()
        .map(|m| {
            let mut v = c.expected.get(&m.id).cloned().unwrap_or_default();
            v.sort();
            (m.id.clone(), v)
        })
        .collect()
}

/// The README's invariants for order-sensitive cases.
fn check_invariants(
    strategy: &str,
    c: &Case,
    got: &Assignment,
    want: &Assignment,
) -> Result<(), String> {
    let mut owner: HashMap<&(String, u32), &str> = HashMap::new();
    for (m, parts) in got {
        for tp in parts {
            if let Some(o) = owner.insert(tp, m) {
                return Err(format!("{}-{} assigned to both {o} and {m}", tp.0, tp.1));
            }
        }
    }
    let cooperative = strategy == "cooperative-sticky";
    let owned_by: HashMap<&str, HashSet<(String, u32)>> = c
        .members
        .iter()
        .map(|m| (m.id.as_str(), m.owned.iter().cloned().collect()))
        .collect();
    let subscribed: HashSet<&str> = c
        .members
        .iter()
        .flat_map(|m| m.topics.iter().map(String::as_str))
        .collect();
    for (t, &n) in &c.topics {
        if !subscribed.contains(t.as_str()) {
            continue;
        }
        for p in 0..n {
            let tp = (t.clone(), p);
            let withheld = cooperative && owned_by.values().any(|o| o.contains(&tp));
            if !owner.contains_key(&tp) && !withheld {
                return Err(format!("{t}-{p} is not assigned"));
            }
        }
    }
    let spread = |a: &Assignment| {
        let counts: Vec<usize> = a.values().map(Vec::len).collect();
        counts.iter().max().unwrap_or(&0) - counts.iter().min().unwrap_or(&0)
    };
    if !cooperative && spread(got) > spread(want) {
        return Err(format!(
            "less balanced than Kafka (spread {} > {})",
            spread(got),
            spread(want)
        ));
    }
    let kept = |a: &Assignment| -> usize {
        a.iter()
            .map(|(m, ps)| {
                ps.iter()
                    .filter(|tp| owned_by.get(m.as_str()).is_some_and(|o| o.contains(*tp)))
                    .count()
            })
            .sum()
    };
    if kept(got) < kept(want) {
        return Err(format!(
            "keeps fewer owned partitions than Kafka ({} < {})",
            kept(got),
            kept(want)
        ));
    }
    Ok(())
}
