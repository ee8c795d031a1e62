//! Kafka's own answers (tests/data/assign-*.json, produced by Kafka's Java classes) replayed
//! against Mailroom's assignors. Cases marked `order_sensitive` depend on Java HashMap order in
//! Kafka itself; for those the README's invariants are checked instead of an exact match.

use mailroom_core::assignor::{
    self, kip848_range, kip848_uniform, MemberSpec, Strategy, TopicSpec,
};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Deserialize)]
struct File {
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
    expected: HashMap<String, Vec<(String, u32)>>,
    #[serde(default)]
    order_sensitive: bool,
}

#[derive(Deserialize)]
struct CaseMember {
    id: String,
    #[serde(default)]
    group_instance_id: Option<String>,
    topics: Vec<String>,
    owned: Vec<(String, u32)>,
    generation: Option<i32>,
    rack: Option<String>,
}

type Assignment = BTreeMap<String, Vec<(String, u32)>>;

/// Converts a case to the library's index-based input; unknown topic names get indices past the
/// topic list (topics missing from metadata).
fn to_specs(c: &Case) -> (Vec<TopicSpec>, Vec<MemberSpec>, Vec<String>) {
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
    let index = |n: &str, names: &mut Vec<String>| -> u32 {
        match names.iter().position(|x| x == n) {
            Some(i) => i as u32,
            None => {
                names.push(n.to_string());
                (names.len() - 1) as u32
            }
        }
    };
    let members = c
        .members
        .iter()
        .map(|m| MemberSpec {
            member_id: m.id.clone(),
            group_instance_id: m.group_instance_id.clone(),
            topics: m.topics.iter().map(|t| index(t, &mut names)).collect(),
            owned: m
                .owned
                .iter()
                .map(|(t, p)| (index(t, &mut names), *p))
                .collect(),
            generation: m.generation,
            rack: m.rack.clone(),
        })
        .collect();
    (topics, members, names)
}

fn run(strategy: &str, c: &Case) -> Assignment {
    let (topics, members, names) = to_specs(c);
    let out = match strategy {
        "kip848-range" => kip848_range::assign(&topics, &members),
        "kip848-uniform" => kip848_uniform::assign(&topics, &members),
        s => assignor::assign(
            Strategy::from_name(s).expect("known strategy"),
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
    got
}

fn expected(c: &Case) -> Assignment {
    let mut e = Assignment::new();
    for m in &c.members {
        let mut v = c.expected.get(&m.id).cloned().unwrap_or_default();
        v.sort();
        e.insert(m.id.clone(), v);
    }
    e
}

/// README invariants for order-sensitive cases. Returns a reason on failure.
fn check_invariants(
    strategy: &str,
    c: &Case,
    got: &Assignment,
    want: &Assignment,
) -> Result<(), String> {
    let mut owner: HashMap<(String, u32), &str> = HashMap::new();
    for (m, parts) in got {
        for tp in parts {
            if let Some(o) = owner.insert(tp.clone(), m) {
                return Err(format!("{tp:?} assigned to both {o} and {m}"));
            }
        }
    }
    let cooperative = strategy == "cooperative-sticky";
    let owned_by: HashMap<&str, HashSet<(String, u32)>> = c
        .members
        .iter()
        .map(|m| (m.id.as_str(), m.owned.iter().cloned().collect()))
        .collect();
    let mut subscribed: HashSet<&str> = HashSet::new();
    for m in &c.members {
        subscribed.extend(m.topics.iter().map(String::as_str));
    }
    for (t, &n) in &c.topics {
        if !subscribed.contains(t.as_str()) {
            continue;
        }
        for p in 0..n {
            let tp = (t.clone(), p);
            if owner.contains_key(&tp) {
                continue;
            }
            // Cooperative-sticky may withhold a partition that a current member owned and lost.
            let withheld = cooperative
                && c.members
                    .iter()
                    .any(|m| owned_by[m.id.as_str()].contains(&tp));
            if !withheld {
                return Err(format!("{tp:?} is not assigned"));
            }
        }
    }
    let spread = |a: &Assignment| {
        let counts: Vec<usize> = a.values().map(Vec::len).collect();
        counts.iter().max().unwrap_or(&0) - counts.iter().min().unwrap_or(&0)
    };
    if !cooperative && spread(got) > spread(want) {
        return Err(format!(
            "less balanced than Kafka: spread {} > {}",
            spread(got),
            spread(want)
        ));
    }
    let kept = |a: &Assignment| -> usize {
        a.iter()
            .map(|(m, ps)| {
                ps.iter()
                    .filter(|tp| owned_by[m.as_str()].contains(*tp))
                    .count()
            })
            .sum()
    };
    if kept(got) < kept(want) {
        return Err(format!(
            "keeps fewer owned partitions than Kafka: {} < {}",
            kept(got),
            kept(want)
        ));
    }
    Ok(())
}

fn check_file(file: &str) {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("conformance vectors are checked in");
    let f: File = serde_json::from_str(&text).expect("vector file parses");
    let mut failures = Vec::new();
    for c in &f.cases {
        let got = run(&f.strategy, c);
        let want = expected(c);
        if c.order_sensitive {
            if let Err(why) = check_invariants(&f.strategy, c, &got, &want) {
                failures.push(format!(
                    "{} (order-sensitive): {why}\n  expected {want:?}\n  got      {got:?}",
                    c.name
                ));
            }
        } else if got != want {
            failures.push(format!(
                "{}:\n  expected {want:?}\n  got      {got:?}",
                c.name
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{file}: {} of {} cases differ:\n{}",
        failures.len(),
        f.cases.len(),
        failures.join("\n")
    );
}

#[test]
fn range_matches_kafka() {
    check_file("assign-range.json");
}

#[test]
fn roundrobin_matches_kafka() {
    check_file("assign-roundrobin.json");
}

#[test]
fn sticky_matches_kafka() {
    check_file("assign-sticky.json");
}

#[test]
fn cooperative_sticky_matches_kafka() {
    check_file("assign-cooperative-sticky.json");
}

#[test]
fn kip848_range_matches_kafka() {
    check_file("assign-kip848-range.json");
}

#[test]
fn kip848_uniform_matches_kafka() {
    check_file("assign-kip848-uniform.json");
}
