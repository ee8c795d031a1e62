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

    /// Number of owned partitions as given (an upper bound on [`Group::owned`]'s count).
    pub fn owned_count(&self) -> usize {
        self.owned_raw.len()
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
        crate::sort::unstable(&mut o);
        o.dedup();
        Cow::Owned(o)
    }
}

/// Indices of `ids` sorted by Java `String.compareTo`, ties by index. ASCII ids (the usual
/// case) are compared past their common prefix through an 8-byte key, which keeps sorting large
/// groups of `consumer-<n>` ids cheap.
pub(crate) fn sort_by_java_string(ids: &[&str]) -> Vec<u32> {
    if !ids.iter().all(|s| s.is_ascii()) {
        let mut idx: Vec<u32> = (0..ids.len() as u32).collect();
        crate::sort::stable_by(&mut idx, &mut |a, b| {
            java_cmp(ids[a as usize], ids[b as usize]).then(a.cmp(&b))
        });
        return idx;
    }
    let lcp = ids.first().map_or(0, |first| {
        let first = first.as_bytes();
        ids.iter().fold(first.len(), |l, s| {
            // Usually the prefix still matches: one memcmp instead of a byte loop.
            if s.as_bytes().starts_with(&first[..l]) {
                return l;
            }
            first[..l]
                .iter()
                .zip(s.as_bytes())
                .take_while(|(a, b)| a == b)
                .count()
        })
    });
    let key = |s: &str| -> u64 {
        let b = &s.as_bytes()[lcp..];
        if let Some(head) = b.first_chunk::<8>() {
            return u64::from_be_bytes(*head);
        }
        b.iter()
            .enumerate()
            .fold(0u64, |k, (i, &c)| k | u64::from(c) << (56 - 8 * i))
    };
    // Sort plain (key, index) pairs, which compare as two integers; the key orders like the
    // bytes it is cut from, so only runs of equal keys need the full comparison afterwards.
    let mut keyed: Vec<(u64, u32)> = ids.iter().zip(0u32..).map(|(s, i)| (key(s), i)).collect();
    sort_keyed(&mut keyed);
    let mut run = 0;
    while run < keyed.len() {
        let mut end = run + 1;
        while end < keyed.len() && keyed[end].0 == keyed[run].0 {
            end += 1;
        }
        if end - run > 1 {
            // Equal keys: only the indices move (sorted as u32s, see crate::sort).
            let mut idx: Vec<u32> = keyed[run..end].iter().map(|&(_, i)| i).collect();
            crate::sort::stable_by(&mut idx, &mut |a, b| {
                ids[a as usize].as_bytes()[lcp..].cmp(&ids[b as usize].as_bytes()[lcp..])
            });
            for (slot, i) in keyed[run..end].iter_mut().zip(idx) {
                slot.1 = i;
            }
        }
        run = end;
    }
    // (Indices within a run start ascending and the sort is stable, so ties stay by index.)
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// Sorts (key, index) pairs, given in index order, by key then index. Large inputs take a
/// stable LSD radix sort over the key bytes that vary (ids sharing a prefix leave most bytes
/// constant), which is linear; small ones a comparison sort.
fn sort_keyed(keyed: &mut Vec<(u64, u32)>) {
    let n = keyed.len();
    if n < 256 {
        // Indices are unique and start ascending: a stable sort of them by key is the same
        // order as sorting the pairs (done on u32s, see crate::sort).
        let mut idx: Vec<u32> = (0..n as u32).collect();
        crate::sort::stable_by_key(&mut idx, |i| keyed[i as usize].0);
        *keyed = idx.into_iter().map(|i| keyed[i as usize]).collect();
        return;
    }
    // Only bytes that differ between keys need a pass.
    let k0 = keyed[0].0;
    let varying = keyed.iter().fold(0u64, |v, &(k, _)| v | (k ^ k0));
    let mut buf = vec![(0u64, 0u32); n];
    for b in (0..8).filter(|b| (varying >> (8 * b)) & 0xff != 0) {
        let mut h = [0usize; 256];
        for &(k, _) in keyed.iter() {
            h[((k >> (8 * b)) & 0xff) as usize] += 1;
        }
        let mut sum = 0;
        for c in h.iter_mut() {
            (*c, sum) = (sum, sum + *c);
        }
        for &e in keyed.iter() {
            let slot = &mut h[((e.0 >> (8 * b)) & 0xff) as usize];
            buf[*slot] = e;
            *slot += 1;
        }
        std::mem::swap(keyed, &mut buf);
    }
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
        // The last subscription found sorted and valid as given: members usually share one, and
        // a memcmp against it replaces the per-topic checks.
        let mut clean: Option<&'a [u32]> = None;
        for (i, m) in members.iter().enumerate() {
            if !keep[i] {
                member_of_input.push(None);
                continue;
            }
            member_of_input.push(Some(out.len() as u32));
            let (topics_raw, topics_valid) = if clean == Some(m.topics.as_slice()) {
                (
                    Cow::Borrowed(m.topics.as_slice()),
                    Cow::Borrowed(m.topics.as_slice()),
                )
            } else {
                let topics_raw = sorted_set(&m.topics);
                let valid = |t: u32| (t as usize) < n_topics && partitions[t as usize] > 0;
                let topics_valid = if topics_raw.iter().all(|&t| valid(t)) {
                    if let Cow::Borrowed(raw) = topics_raw {
                        clean = Some(raw);
                    }
                    topics_raw.clone()
                } else {
                    Cow::Owned(topics_raw.iter().copied().filter(|&t| valid(t)).collect())
                };
                for &t in topics_valid.iter() {
                    subscribed[t as usize] = true;
                }
                (topics_raw, topics_valid)
            };
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
                        crate::sort::unstable(&mut rack_ids[from..]);
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
        crate::sort::stable_by(&mut order, &mut |a, b| {
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
        let n = self.members.len();
        // The last slot counts unassigned (NONE) partitions, so the loop has no branch.
        let mut counts = vec![0u32; n + 1];
        for &m in owner {
            counts[(m as usize).min(n)] += 1;
        }
        let mut lists: Vec<Vec<(u32, u32)>> = counts[..n]
            .iter()
            .map(|&c| Vec::with_capacity(c as usize))
            .collect();
        // Dense ids follow (topic index, partition) order, so one pass yields sorted lists.
        for (t, (&base, &len)) in self.offset.iter().zip(&self.partitions).enumerate() {
            let of_topic = &owner[base as usize..(base + len) as usize];
            for (p, &m) in of_topic.iter().enumerate() {
                if let Some(l) = lists.get_mut(m as usize) {
                    l.push((t as u32, p as u32));
                }
            }
        }
        self.by_input(lists)
    }

    /// The public shape of a plain deal: the partitions of `topics` (in that order, each topic's
    /// partitions ascending) handed out one at a time over `order`, the `i`-th to
    /// `order[i % order.len()]`. This is what RoundRobin does when everyone subscribes to
    /// everything, and what the sticky assignors do for a fresh group with equal subscriptions.
    ///
    /// Built straight into exactly-sized lists, one per deal rank: no owner array, no counting
    /// pass. Walking topics by index keeps each list sorted.
    pub fn output_dealt(&self, order: &[u32], topics: &[u32]) -> Vec<Vec<(u32, u32)>> {
        let n = order.len();
        let mut by_member: Vec<Vec<(u32, u32)>> = Vec::new();
        by_member.resize_with(self.members.len(), Vec::new);
        if n > 0 {
            // Deal rank of each topic's partition 0.
            let mut start = vec![NONE; self.partitions.len()];
            let mut total = 0usize;
            for &t in topics {
                start[t as usize] = (total % n) as u32;
                total += self.partitions[t as usize] as usize;
            }
            // (topic, partitions, rank of partition 0), by topic index.
            let walk: Vec<(u32, u32, usize)> = start
                .iter()
                .zip(0u32..)
                .filter(|&(&s, _)| s != NONE)
                .map(|(&s, t)| (t, self.partitions[t as usize], s as usize))
                .collect();
            let (per, extra) = (total / n, total % n);
            let mut lists: Vec<Vec<(u32, u32)>> = (0..n)
                .map(|k| Vec::with_capacity(per + usize::from(k < extra)))
                .collect();
            if walk.len().saturating_mul(n) <= total {
                // Few topics, many partitions each: fill one list at a time. Rank k takes, of a
                // topic starting at rank s, partitions k - s (mod n), k - s + n, ...
                let mut first: Vec<usize> = walk.iter().map(|&(_, _, s)| (n - s) % n).collect();
                for list in &mut lists {
                    for (&(t, parts, _), f) in walk.iter().zip(&mut first) {
                        list.extend((*f..parts as usize).step_by(n).map(|p| (t, p as u32)));
                        *f = if *f + 1 == n { 0 } else { *f + 1 };
                    }
                }
            } else {
                // Many small topics: walking every (rank, topic) pair would cost more than the
                // partitions themselves, so deal each topic across the ranks in runs.
                for &(t, parts, s) in &walk {
                    let (mut p, mut k) = (0u32, s);
                    while p < parts {
                        let len = (n - k).min((parts - p) as usize);
                        for (list, q) in lists[k..k + len].iter_mut().zip(p..) {
                            list.push((t, q));
                        }
                        p += len as u32;
                        k = 0;
                    }
                }
            }
            for (list, &m) in lists.into_iter().zip(order) {
                by_member[m as usize] = list;
            }
        }
        self.by_input(by_member)
    }

    /// Per input member, its list from `by_member` (normalised member index); repeated member
    /// ids get nothing.
    fn by_input(&self, by_member: Vec<Vec<(u32, u32)>>) -> Vec<Vec<(u32, u32)>> {
        let mut by_member: Vec<Option<Vec<(u32, u32)>>> = by_member.into_iter().map(Some).collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The radix path (large groups) and the comparison path agree with a plain sort by Java
    /// `String.compareTo`, ties by index.
    #[test]
    fn sort_by_java_string_matches_java_order() {
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        for n in [0usize, 1, 2, 10, 255, 256, 300, 2999, 3000] {
            let ids: Vec<String> = (0..n)
                .map(|i| match next() % 5 {
                    _ if n == 3000 => format!("consumer-{}", next() % (i + 1)),
                    0 => format!("consumer-{}", next() % 500),
                    1 => format!("consumer-{}-{}", next() % 3, "x".repeat(next() % 12)),
                    2 => format!("consumer-{}\0", next() % 50),
                    3 => format!("Consumer-{}", next() % 50),
                    _ => "consumer-".to_string(),
                })
                .collect();
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let mut expected: Vec<u32> = (0..n as u32).collect();
            expected.sort_by(|&a, &b| java_cmp(refs[a as usize], refs[b as usize]).then(a.cmp(&b)));
            assert_eq!(sort_by_java_string(&refs), expected, "n = {n}");
        }
    }
}
