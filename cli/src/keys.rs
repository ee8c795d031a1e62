//! `mailroom partition` (which partition a key goes to) and `mailroom assign` (a group's
//! assignment for a strategy): Kafka's pure functions, on the command line.

use std::io::BufRead;

use clap::{Args, ValueEnum};
use mailroom_core::assignor::{
    self, kip848_range, kip848_uniform, MemberSpec, Strategy, TopicSpec,
};
use mailroom_core::partitioner::{murmur2, partition_for_key};
use serde_json::json;

use crate::common::{bad_input, table, table_aligned, OK};

/// `mailroom partition` arguments.
#[derive(Args, Debug)]
pub struct PartitionArgs {
    /// The topic's partition count.
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub partitions: u32,
    /// Keys (UTF-8, as a String key serializer writes them). None, or `-`: one key per stdin line.
    pub keys: Vec<String>,
    /// Read each key as hexadecimal bytes (e.g. `00ff10`).
    #[arg(long)]
    pub hex: bool,
    /// One JSON object per key: key, partition, murmur2.
    #[arg(long)]
    pub json: bool,
}

/// `mailroom partition`: Kafka's `BuiltInPartitioner.partitionForKey`
/// (`Utils.toPositive(Utils.murmur2(key)) % numPartitions`), bit-exact.
pub fn partition(args: &PartitionArgs) -> u8 {
    let mut keys = args.keys.clone();
    if keys.is_empty() || keys == ["-"] {
        keys.clear();
        for (n, line) in std::io::stdin().lock().lines().enumerate() {
            match line {
                Ok(l) => keys.push(l.strip_suffix('\r').unwrap_or(&l).to_string()),
                Err(e) => return bad_input(format!("stdin line {}: {e}", n + 1)),
            }
        }
    }
    let mut rows = Vec::new();
    for key in &keys {
        let bytes = if args.hex {
            match crate::conformance::partitioner_vectors::hex_bytes(key) {
                Some(b) => b,
                None => {
                    return bad_input(format!(
                        "key {key:?}: --hex needs an even number of hexadecimal digits"
                    ))
                }
            }
        } else {
            key.as_bytes().to_vec()
        };
        let p = partition_for_key(&bytes, args.partitions);
        if args.json {
            println!(
                "{}",
                json!({"key": key, "partition": p, "murmur2": murmur2(&bytes)})
            );
        } else {
            rows.push(vec![key.clone(), p.to_string()]);
        }
    }
    if !args.json {
        if args.keys.len() == 1 && args.keys[0] != "-" {
            println!("{}", rows[0][1]);
        } else {
            print!("{}", table(&["key", "partition"], &rows, 1));
        }
    }
    OK
}

/// An assignor: the four classic ones (`partition.assignment.strategy`) and KIP-848's two
/// server-side ones (`group.consumer.assignors`).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AssignStrategy {
    /// `RangeAssignor` (classic).
    Range,
    /// `RoundRobinAssignor` (classic).
    Roundrobin,
    /// `StickyAssignor` (classic, eager).
    Sticky,
    /// `CooperativeStickyAssignor` (classic, KIP-429).
    CooperativeSticky,
    /// KIP-848's `UniformAssignor` (the consumer protocol's default).
    Uniform,
    /// KIP-848's `RangeAssignor` (server side).
    ServerRange,
}

/// `mailroom assign` arguments.
#[derive(Args, Debug)]
pub struct AssignArgs {
    /// The assignor.
    #[arg(long, short, value_enum, default_value_t = AssignStrategy::Range)]
    pub strategy: AssignStrategy,
    /// A topic and its partition count, `NAME=PARTITIONS` (repeatable).
    #[arg(long = "topic", short, value_name = "NAME=N", required = true)]
    pub topics: Vec<String>,
    /// This many members named consumer-1 … consumer-N, each subscribed to every topic.
    #[arg(long, value_name = "N", conflicts_with = "member", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub members: Option<u32>,
    /// A member, in the order the leader receives it: `NAME` (every topic) or
    /// `NAME:TOPIC,TOPIC` (repeatable).
    #[arg(long, value_name = "NAME[:TOPICS]")]
    pub member: Vec<String>,
    /// Partitions a member owned before this rebalance, `NAME=TOPIC-P,TOPIC-P` (repeatable;
    /// what the sticky assignors keep).
    #[arg(long, value_name = "NAME=TOPIC-P,…")]
    pub owned: Vec<String>,
    /// One JSON object: member to its partitions as [topic, partition].
    #[arg(long)]
    pub json: bool,
}

/// Bounds that keep a call quick whatever the arguments.
const TOPICS_MAX: usize = 1_000;
const PARTITIONS_MAX: u32 = 100_000;

fn parse_topics(args: &AssignArgs) -> Result<Vec<TopicSpec>, String> {
    if args.topics.len() > TOPICS_MAX {
        return Err(format!("--topic: at most {TOPICS_MAX} topics"));
    }
    let mut topics: Vec<TopicSpec> = Vec::new();
    for t in &args.topics {
        let (name, n) = t
            .split_once('=')
            .ok_or_else(|| format!("--topic {t:?}: write NAME=PARTITIONS, e.g. orders=6"))?;
        let n: u32 = n
            .parse()
            .ok()
            .filter(|n| (1..=PARTITIONS_MAX).contains(n))
            .ok_or_else(|| {
                format!("--topic {t:?}: the partition count must be 1 to {PARTITIONS_MAX}")
            })?;
        if name.is_empty() || topics.iter().any(|x| x.name == name) {
            return Err(format!(
                "--topic {t:?}: each topic needs a distinct, non-empty name"
            ));
        }
        topics.push(TopicSpec {
            name: name.to_string(),
            partitions: n,
            partition_racks: Vec::new(),
        });
    }
    Ok(topics)
}

fn parse_members(args: &AssignArgs, topics: &[TopicSpec]) -> Result<Vec<MemberSpec>, String> {
    let all: Vec<u32> = (0..topics.len() as u32).collect();
    let topic_index = |name: &str, flag: &str| {
        topics
            .iter()
            .position(|t| t.name == name)
            .map(|i| i as u32)
            .ok_or_else(|| format!("{flag}: topic {name:?} is not one of the --topic list"))
    };
    let mut members: Vec<MemberSpec> = match (args.members, args.member.is_empty()) {
        (Some(n), _) => (1..=n)
            .map(|i| MemberSpec {
                member_id: format!("consumer-{i}"),
                topics: all.clone(),
                ..MemberSpec::default()
            })
            .collect(),
        (None, true) => return Err("give --members N or one --member NAME per member".into()),
        (None, false) => {
            let mut out = Vec::new();
            for m in &args.member {
                let (name, subs) = match m.split_once(':') {
                    Some((name, list)) => {
                        let subs = list
                            .split(',')
                            .map(|t| topic_index(t, &format!("--member {m:?}")))
                            .collect::<Result<Vec<_>, _>>()?;
                        (name, subs)
                    }
                    None => (m.as_str(), all.clone()),
                };
                if name.is_empty() || out.iter().any(|x: &MemberSpec| x.member_id == name) {
                    return Err(format!(
                        "--member {m:?}: each member needs a distinct, non-empty name"
                    ));
                }
                out.push(MemberSpec {
                    member_id: name.to_string(),
                    topics: subs,
                    ..MemberSpec::default()
                });
            }
            out
        }
    };
    if members.len() > 10_000 {
        return Err("--member: at most 10000 members".into());
    }
    for o in &args.owned {
        let flag = format!("--owned {o:?}");
        let (name, list) = o
            .split_once('=')
            .ok_or_else(|| format!("{flag}: write NAME=TOPIC-P,TOPIC-P"))?;
        let m = members
            .iter_mut()
            .find(|m| m.member_id == name)
            .ok_or_else(|| format!("{flag}: {name:?} is not a member"))?;
        for tp in list.split(',').filter(|s| !s.is_empty()) {
            let (t, p) = tp
                .rsplit_once('-')
                .ok_or_else(|| format!("{flag}: {tp:?} is not TOPIC-PARTITION"))?;
            let ti = topic_index(t, &flag)?;
            let p: u32 = p
                .parse()
                .ok()
                .filter(|&p| p < topics[ti as usize].partitions)
                .ok_or_else(|| format!("{flag}: {tp:?}: {t} has no partition {p}"))?;
            m.owned.push((ti, p));
        }
        // An owner took part in the previous generation.
        m.generation = Some(1);
    }
    Ok(members)
}

/// `mailroom assign`: what each member of a group gets.
pub fn assign(args: &AssignArgs) -> u8 {
    let topics = match parse_topics(args) {
        Ok(t) => t,
        Err(e) => return bad_input(e),
    };
    let members = match parse_members(args, &topics) {
        Ok(m) => m,
        Err(e) => return bad_input(e),
    };
    let result = match args.strategy {
        AssignStrategy::Range => assignor::assign(Strategy::Range, &topics, &members),
        AssignStrategy::Roundrobin => assignor::assign(Strategy::RoundRobin, &topics, &members),
        AssignStrategy::Sticky => assignor::assign(Strategy::Sticky, &topics, &members),
        AssignStrategy::CooperativeSticky => {
            assignor::assign(Strategy::CooperativeSticky, &topics, &members)
        }
        AssignStrategy::Uniform => kip848_uniform::assign(&topics, &members),
        AssignStrategy::ServerRange => kip848_range::assign(&topics, &members),
    };
    let name = |&(t, p): &(u32, u32)| format!("{}-{p}", topics[t as usize].name);
    if args.json {
        let map: serde_json::Map<String, serde_json::Value> = members
            .iter()
            .zip(&result)
            .map(|(m, parts)| {
                let list: Vec<_> = parts
                    .iter()
                    .map(|&(t, p)| json!([topics[t as usize].name, p]))
                    .collect();
                (m.member_id.clone(), json!(list))
            })
            .collect();
        println!("{}", serde_json::Value::Object(map));
    } else {
        let rows: Vec<Vec<String>> = members
            .iter()
            .zip(&result)
            .map(|(m, parts)| {
                let list = parts.iter().map(name).collect::<Vec<_>>().join(", ");
                vec![
                    m.member_id.clone(),
                    parts.len().to_string(),
                    if list.is_empty() {
                        "(idle)".into()
                    } else {
                        list
                    },
                ]
            })
            .collect();
        let header = ["member", "count", "partitions"];
        print!("{}", table_aligned(&header, &rows, |i| i != 1));
    }
    OK
}
