//! The group as the assignors see it: members deduplicated, topics checked against metadata,
//! partitions numbered densely, racks interned.
//!
//! Kafka's `AbstractPartitionAssignor.assign(Cluster, GroupSubscription)` drops topics without
//! metadata (or without partitions) before any strategy runs; this does the same once, so every
//! strategy works on plain integers and never panics on odd input.

use super::order::{java_cmp, java_hash, java_hashmap_order};
use super::types::{MemberSpec, TopicSpec};
use std::borrow::Cow;
use std::collections::HashMap;

/// Marks "no member" in owner arrays.
pub(crate) const NONE: u32 = u32::MAX;

/// One member after normalisation.
pub(crate) struct Member<'a> {
    pub id: &'a str,
    pub instance: Option<&'a str>,
    /// Subscribed topic indices as given (sorted, deduplicated), unknown topics included:
    /// Kafka compares raw subscriptions when deciding whether all are equal.
    pub topics_raw: Cow<'a, [u32]>,
    /// Subscribed topics that exist with at least one partition (sorted, deduplicated).
    pub topics: Cow<'a, [u32]>,
    /// Owned partitions as given; see [`Group::owned`].
    owned_raw: &'a [(u32, u32)],
    pub generation: Option<i32>,
    /// Interned non-empty `client.rack`.
    pub rack: Option<u32>,
}

impl Member<'_> {
    /// Whether the member subscribes to existing topic `t`.
    pub fn subscribes(&self, t: u32) -> bool {
        self.topics.binary_search(&t).is_ok()
    }

    /// Generation, with Kafka's default of -1 for a new member.
    pub fn generation_or_default(&self) -> i32 {
        self.generation.unwrap_or(-1)
    }
}

/// A normalised group.
pub(crate) struct Group<'a> {
    pub topic_names: Vec<&'a str>,
    /// Partition count per topic index.
    pub partitions: Vec<u32>,
    /// First dense partition id of each topic; `offset[t] + p` is partition `p` of `t`.
    pub offset: Vec<u32>,
    /// Dense id → topic index.
    pub topic_of: Vec<u32>,
    /// Topics subscribed by some member and present with partitions (Kafka's
    /// `partitionsPerTopic` key set), by index.
    pub subscribed: Vec<bool>,
    pub members: Vec<Member<'a>>,
    /// Input index → member index (None for a repeated member id: the first one wins).
    pub member_of_input: Vec<Option<u32>>,
    /// Member indices sorted by member id (Java `String.compareTo`).
    pub by_id: Vec<u32>,
    /// Replica racks per dense partition, as CSR: `rack_ids[rack_start[p]..rack_start[p + 1]]`
    /// (interned, sorted, deduplicated). Empty when no topic has rack information.
    rack_start: Vec<u32>,
    rack_ids: Vec<u32>,
    /// Number of distinct interned racks.
    pub n_racks: usize,
}

/// Sorted, deduplicated copy of `v` unless it already is; borrowed when nothing changes.
fn sorted_set(v: &[u32]) -> Cow<'_, [u32]> {
    if v.windows(2).all(|w| w[0] < w[1]) {
        Cow::Borrowed(v)
    } else {
        let mut o = v.to_vec();
        o.sort_unstable();
        o.dedup();
        Cow::Owned(o)
    }
}

/// Indices of `ids` sorted by Java `String.compareTo`, ties by index. ASCII ids (the usual
/// case) are compared past their common prefix through an 8-byte key, which keeps sorting large
/// groups of `consumer-<n>` ids cheap.
pub(crate) fn sort_by_java_string(ids: &[&str]) -> Vec<u32> {
    let mut idx: Vec<u32> = (0..ids.len() as u32).collect();
    if !ids.iter().all(|s| s.is_ascii()) {
        idx.sort_by(|&a, &b| java_cmp(ids[a as usize], ids[b as usize]).then(a.cmp(&b)));
        return idx;
    }
    let lcp = ids.first().map_or(0, |first| {
        ids.iter().fold(first.len(), |l, s| {
            first.as_bytes()[..l]
                .iter()
                .zip(s.as_bytes())
                .take_while(|(a, b)| a == b)
                .count()
        })
    });
    let key = |s: &str| -> u64 {
        let b = &s.as_bytes()[lcp..];
        let mut k = [0u8; 8];
        let n = b.len().min(8);
        k[..n].copy_from_slice(&b[..n]);
        u64::from_be_bytes(k)
    };
    let keys: Vec<u64> = ids.iter().map(|s| key(s)).collect();
    idx.sort_unstable_by(|&a, &b| {
        keys[a as usize]
            .cmp(&keys[b as usize])
            .then_with(|| ids[a as usize].as_bytes()[lcp..].cmp(&ids[b as usize].as_bytes()[lcp..]))
            .then(a.cmp(&b))
    });
    idx
}

impl<'a> Group<'a> {
    /// Normalises the leader's view of the group.
    pub fn new(topics: &'a [TopicSpec], members: &'a [MemberSpec]) -> Self {
        let n_topics = topics.len();
        let mut offset = Vec::with_capacity(n_topics);
        let mut partitions = Vec::with_capacity(n_topics);
        let mut total: u32 = 0;
        for t in topics {
            offset.push(total);
            // Saturate rather than overflow: a group this large cannot be simulated anyway.
            let n = t.partitions.min(u32::MAX - 1 - total);
            partitions.push(n);
            total += n;
        }
        let mut topic_of = Vec::with_capacity(total as usize);
        for (t, &n) in partitions.iter().enumerate() {
            topic_of.extend(std::iter::repeat_n(t as u32, n as usize));
        }

        // Repeated member ids: sort once by id, keep the first occurrence of each.
        let ids: Vec<&str> = members.iter().map(|m| m.member_id.as_str()).collect();
        let input_by_id = sort_by_java_string(&ids);
        let mut keep = vec![true; members.len()];
        for w in input_by_id.windows(2) {
            if ids[w[0] as usize] == ids[w[1] as usize] {
                keep[w[1] as usize] = false;
            }
        }

        let mut racks: HashMap<&'a str, u32> = HashMap::new();
        let mut intern = |r: &'a str| -> u32 {
            let n = racks.len() as u32;
            *racks.entry(r).or_insert(n)
        };

        let mut out: Vec<Member<'a>> = Vec::with_capacity(members.len());
        let mut member_of_input = Vec::with_capacity(members.len());
        let mut subscribed = vec![false; n_topics];
        for (i, m) in members.iter().enumerate() {
            if !keep[i] {
                member_of_input.push(None);
                continue;
            }
            member_of_input.push(Some(out.len() as u32));
            let topics_raw = sorted_set(&m.topics);
            let valid = |t: u32| (t as usize) < n_topics && partitions[t as usize] > 0;
            let topics_valid = if topics_raw.iter().all(|&t| valid(t)) {
                topics_raw.clone()
            } else {
                Cow::Owned(topics_raw.iter().copied().filter(|&t| valid(t)).collect())
            };
            for &t in topics_valid.iter() {
                subscribed[t as usize] = true;
            }
            out.push(Member {
                id: &m.member_id,
                instance: m.group_instance_id.as_deref(),
                topics_raw,
                topics: topics_valid,
                owned_raw: &m.owned,
                generation: m.generation,
                rack: m.rack.as_deref().filter(|r| !r.is_empty()).map(&mut intern),
            });
        }
        let mut new_index = vec![NONE; members.len()];
        for (i, mi) in member_of_input.iter().enumerate() {
            if let Some(mi) = mi {
                new_index[i] = *mi;
            }
        }
        let by_id: Vec<u32> = input_by_id
            .iter()
            .filter(|&&i| keep[i as usize])
            .map(|&i| new_index[i as usize])
            .collect();

        let (mut rack_start, mut rack_ids) = (Vec::new(), Vec::new());
        if topics.iter().any(|t| !t.partition_racks.is_empty()) {
            rack_start.reserve(total as usize + 1);
            rack_start.push(0);
            for (t, spec) in topics.iter().enumerate() {
                for p in 0..partitions[t] as usize {
                    let from = rack_ids.len();
                    if let Some(rs) = spec.partition_racks.get(p) {
                        rack_ids.extend(rs.iter().map(|r| intern(r.as_str())));
                        rack_ids[from..].sort_unstable();
                        let mut w = from;
                        for r in from..rack_ids.len() {
                            if w == from || rack_ids[w - 1] != rack_ids[r] {
                                rack_ids[w] = rack_ids[r];
                                w += 1;
                            }
                        }
                        rack_ids.truncate(w);
                    }
                    rack_start.push(rack_ids.len() as u32);
                }
            }
        }

        Group {
            topic_names: topics.iter().map(|t| t.name.as_str()).collect(),
            partitions,
            offset,
            topic_of,
            subscribed,
            members: out,
            member_of_input,
            by_id,
            rack_start,
            rack_ids,
            n_racks: racks.len(),
        }
    }

    /// Owned partitions of member `m` that exist, as dense ids, in the order given (duplicates
    /// kept: Kafka treats a duplicate claim as a conflict).
    pub fn owned(&self, m: usize) -> impl Iterator<Item = u32> + '_ {
        self.members[m].owned_raw.iter().filter_map(|&(t, p)| {
            let n = *self.partitions.get(t as usize)?;
            (p < n).then(|| self.offset[t as usize] + p)
        })
    }

    /// Whether member `m` reported any owned partition.
    pub fn has_owned(&self, m: usize) -> bool {
        !self.members[m].owned_raw.is_empty()
    }

    /// Total number of dense partition ids (all topics, subscribed or not).
    pub fn total_partitions(&self) -> usize {
        self.topic_of.len()
    }

    /// Replica racks of dense partition `p` (sorted); empty when unknown.
    pub fn racks_of(&self, p: u32) -> &[u32] {
        match (
            self.rack_start.get(p as usize),
            self.rack_start.get(p as usize + 1),
        ) {
            (Some(&a), Some(&b)) => &self.rack_ids[a as usize..b as usize],
            _ => &[],
        }
    }

    /// Whether partition `p` has a replica on rack `r`.
    pub fn rack_holds(&self, p: u32, r: u32) -> bool {
        self.racks_of(p).binary_search(&r).is_ok()
    }

    /// Subscribed topics sorted by name (Java `String.compareTo`), ties by index.
    pub fn subscribed_topics_by_name(&self) -> Vec<u32> {
        let ts: Vec<u32> = (0..self.partitions.len() as u32)
            .filter(|&t| self.subscribed[t as usize])
            .collect();
        let names: Vec<&str> = ts.iter().map(|&t| self.topic_names[t as usize]).collect();
        sort_by_java_string(&names)
            .into_iter()
            .map(|i| ts[i as usize])
            .collect()
    }

    /// Rank of every topic by name (Java `String.compareTo`), ties by index.
    pub fn topic_name_rank(&self) -> Vec<u32> {
        let mut rank = vec![0u32; self.partitions.len()];
        for (r, t) in sort_by_java_string(&self.topic_names)
            .into_iter()
            .enumerate()
        {
            rank[t as usize] = r as u32;
        }
        rank
    }

    /// Member indices in the order Java iterates the leader's subscription `HashMap`.
    pub fn java_iteration_order(&self) -> Vec<u32> {
        let hashes: Vec<i32> = self.members.iter().map(|m| java_hash(m.id)).collect();
        java_hashmap_order(&hashes)
            .into_iter()
            .map(|i| i as u32)
            .collect()
    }

    /// Member indices in `AbstractPartitionAssignor.MemberInfo` order: static members by
    /// `group.instance.id`, then the rest by member id. Equal instance ids (invalid) keep Java's
    /// HashMap order, as Kafka's stable sort would.
    pub fn member_info_order(&self) -> Vec<u32> {
        if self.members.iter().all(|m| m.instance.is_none()) {
            return self.by_id.clone();
        }
        let mut order = self.java_iteration_order();
        order.sort_by(|&a, &b| {
            let (ma, mb) = (&self.members[a as usize], &self.members[b as usize]);
            super::order::member_info_cmp(ma.id, ma.instance, mb.id, mb.instance)
        });
        order
    }

    /// Partition `(topic, partition)` of a dense id.
    pub fn tp(&self, id: u32) -> (u32, u32) {
        let t = self.topic_of[id as usize];
        (t, id - self.offset[t as usize])
    }

    /// The public shape from an owner per dense partition (NONE = unassigned): per input member,
    /// sorted (topic index, partition); repeated member ids get nothing.
    pub fn output_from_owner(&self, owner: &[u32]) -> Vec<Vec<(u32, u32)>> {
        let mut counts = vec![0u32; self.members.len()];
        for &m in owner {
            if let Some(c) = counts.get_mut(m as usize) {
                *c += 1;
            }
        }
        let mut lists: Vec<Vec<(u32, u32)>> = counts
            .iter()
            .map(|&c| Vec::with_capacity(c as usize))
            .collect();
        // Dense ids follow (topic index, partition) order, so one pass yields sorted lists.
        for (t, (&base, &n)) in self.offset.iter().zip(&self.partitions).enumerate() {
            for p in 0..n {
                if let Some(l) = lists.get_mut(owner[(base + p) as usize] as usize) {
                    l.push((t as u32, p));
                }
            }
        }
        let mut lists = lists.into_iter();
        let mut by_member: Vec<Option<Vec<(u32, u32)>>> = Vec::with_capacity(self.members.len());
        by_member.extend(lists.by_ref().map(Some));
        self.member_of_input
            .iter()
            .map(|m| {
                m.and_then(|m| by_member[m as usize].take())
                    .unwrap_or_default()
            })
            .collect()
    }

    /// The public shape from per-member lists of dense ids.
    pub fn output_from_lists(&self, lists: &[Vec<u32>]) -> Vec<Vec<(u32, u32)>> {
        let mut owner = vec![NONE; self.total_partitions()];
        for (m, l) in lists.iter().enumerate() {
            for &p in l {
                owner[p as usize] = m as u32;
            }
        }
        self.output_from_owner(&owner)
    }
}
