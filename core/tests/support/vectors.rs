//! Kafka's assignor conformance vectors (`core/tests/data/assign-*.json`, described in that
//! folder's README): the file model, a runner that replays one case against Mailroom's assignors,
//! and the verdict — an exact match, or for `order_sensitive` cases the README's invariants.
//!
//! Shared by `tests/assignor_conformance.rs` and `examples/conformance.rs`, each of which includes
//! it with `#[path = "..."] mod vectors;`. Everything here is used by both, so neither sees dead
//! code.

use mailroom_core::assignor::{
    self, kip848_range, kip848_uniform, MemberSpec, Strategy, TopicSpec,
};
use serde::{Deserialize, Deserializer};
use std::collections::{BTreeMap, HashMap, HashSet};

/// An `assign-<strategy>.json` file: the strategy name and its cases.
#[derive(Deserialize)]
pub struct AssignFile {
    /// `range`, `roundrobin`, `sticky`, `cooperative-sticky` ([`Strategy::from_name`]) or one of
    /// the broker-side `kip848-range`, `kip848-uniform`.
    pub strategy: String,
    /// The cases, in file order.
    pub cases: Vec<Case>,
}

/// One case: the group's input and Kafka's answer.
#[derive(Deserialize)]
pub struct Case {
    /// The case's name, used in reports.
    pub name: String,
    /// Topic name to partition count (the cluster metadata the leader sees).
    pub topics: BTreeMap<String, u32>,
    /// Optional replica racks per partition of a topic (`null` entries are skipped).
    #[serde(default)]
    pub partition_racks: HashMap<String, Vec<Vec<Option<String>>>>,
    /// The members, in the order the group leader received their subscriptions.
    pub members: Vec<CaseMember>,
    /// Kafka's answer: member id to its `(topic, partition)`s. `None` when the file leaves it
    /// out (only [`parse`] with `require_all` rejects that); a member missing from the map was
    /// assigned nothing.
    #[serde(default, deserialize_with = "present")]
    pub expected: Option<HashMap<String, Vec<(String, u32)>>>,
    /// Kafka's own answer depends on Java `HashMap` order: judge by [`check_invariants`].
    #[serde(default)]
    pub order_sensitive: bool,
}

/// One member's subscription as the leader received it.
#[derive(Deserialize)]
pub struct CaseMember {
    /// The member id.
    pub id: String,
    /// The static membership id (`group.instance.id`), if any.
    #[serde(default)]
    pub group_instance_id: Option<String>,
    /// Subscribed topic names; `None` when left out of the file (see [`CaseMember::topics`]).
    #[serde(default, deserialize_with = "present")]
    pub topics: Option<Vec<String>>,
    /// Partitions the member owned before this rebalance; `None` when left out of the file (see
    /// [`CaseMember::owned`]).
    #[serde(default, deserialize_with = "present")]
    pub owned: Option<Vec<(String, u32)>>,
    /// The generation of `owned`; `None` for a new member.
    #[serde(default)]
    pub generation: Option<i32>,
    /// The member's rack, if any.
    #[serde(default)]
    pub rack: Option<String>,
}

impl CaseMember {
    /// Subscribed topic names (none when the file leaves them out).
    pub fn topics(&self) -> &[String] {
        self.topics.as_deref().unwrap_or_default()
    }

    /// Owned `(topic, partition)`s (none when the file leaves them out).
    pub fn owned(&self) -> &[(String, u32)] {
        self.owned.as_deref().unwrap_or_default()
    }
}

/// An assignment by names: member id to its `(topic, partition)`s, each list sorted.
pub type Assignment = BTreeMap<String, Vec<(String, u32)>>;

/// For an `Option` field with `#[serde(default)]`: a missing field is `None`, a given one must
/// parse as `T` (so an explicit `null` is an error, as for a plain `T` field).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Parses an `assign-*.json` file. Without `require_all`, a case may leave out `expected` and a
/// member `topics` and `owned` (read as empty); with it, each must be present, and the error
/// names the first case (and member) that leaves one out.
pub fn parse(text: &str, require_all: bool) -> Result<AssignFile, String> {
    let f: AssignFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if require_all {
        for c in &f.cases {
            if c.expected.is_none() {
                return Err(format!("case {}: missing field `expected`", c.name));
            }
            for m in &c.members {
                for (field, given) in [("topics", m.topics.is_some()), ("owned", m.owned.is_some())]
                {
                    if !given {
                        return Err(format!(
                            "case {}, member {}: missing field `{field}`",
                            c.name, m.id
                        ));
                    }
                }
            }
        }
    }
    Ok(f)
}

/// Converts a case to the library's index-based input, returning the topic specs, the member
/// specs and the topic name of each index. Unknown topic names (topics missing from metadata) get
/// indices past the topic list, in order of first mention.
pub fn to_specs(c: &Case) -> (Vec<TopicSpec>, Vec<MemberSpec>, Vec<String>) {
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
            topics: m.topics().iter().map(|t| index(t, &mut names)).collect(),
            owned: m
                .owned()
                .iter()
                .map(|(t, p)| (index(t, &mut names), *p))
                .collect(),
            generation: m.generation,
            rack: m.rack.clone(),
        })
        .collect();
    (topics, members, names)
}

/// Runs `strategy` on the case and returns Mailroom's assignment by names, one entry per member
/// (lists sorted). Errors on a strategy name Mailroom does not know.
pub fn run(strategy: &str, c: &Case) -> Result<Assignment, String> {
    let (topics, members, names) = to_specs(c);
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

/// Kafka's answer for the case, one entry per member (empty when the case gives it nothing),
/// lists sorted.
pub fn expected(c: &Case) -> Assignment {
    c.members
        .iter()
        .map(|m| {
            let mut v = c
                .expected
                .as_ref()
                .and_then(|e| e.get(&m.id))
                .cloned()
                .unwrap_or_default();
            v.sort();
            (m.id.clone(), v)
        })
        .collect()
}

/// Judges Mailroom's answer `got` against Kafka's `want`: for an order-sensitive case,
/// [`check_invariants`]; otherwise they must be equal (`Err("assignment differs")`).
pub fn verdict(
    strategy: &str,
    c: &Case,
    got: &Assignment,
    want: &Assignment,
) -> Result<(), String> {
    if c.order_sensitive {
        check_invariants(strategy, c, got, want)
    } else if got == want {
        Ok(())
    } else {
        Err("assignment differs".to_string())
    }
}

/// The README's invariants for order-sensitive cases: no partition has two owners; every
/// partition of a subscribed topic is assigned, except that cooperative-sticky may withhold one
/// that a member owned; unless cooperative, the spread of partition counts is no larger than
/// Kafka's; members keep at least as many owned partitions as in Kafka's answer. Returns the first
/// broken one.
pub fn check_invariants(
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
        .map(|m| (m.id.as_str(), m.owned().iter().cloned().collect()))
        .collect();
    let subscribed: HashSet<&str> = c
        .members
        .iter()
        .flat_map(|m| m.topics().iter().map(String::as_str))
        .collect();
    for (t, &n) in &c.topics {
        if !subscribed.contains(t.as_str()) {
            continue;
        }
        for p in 0..n {
            let tp = (t.clone(), p);
            // Cooperative-sticky may withhold a partition that a current member owned and lost.
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
    // Every member of `got` and `want` is a case member, so the lookup cannot miss.
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
            "keeps fewer owned partitions than Kafka ({} < {})",
            kept(got),
            kept(want)
        ));
    }
    Ok(())
}
