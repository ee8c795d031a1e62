//! Range assignment, mirroring `org.apache.kafka.clients.consumer.RangeAssignor` (classic
//! protocol), including rack-aware assignment (KIP-881).
//!
//! Each topic is assigned on its own: `n = P / C`, and the first `P % C` subscribers (in
//! `MemberInfo` order) get one extra, as contiguous ranges, so the same members get the extras on
//! every topic. With racks, partitions whose replicas share a rack with a member are placed first
//! (co-partitioned topics together), then the rest fill up by plain ranges.

use super::group::Group;
use super::group::NONE;
use super::types::{MemberSpec, TopicSpec};

/// Assigns partitions as Kafka's `RangeAssignor` does; per input member, sorted (topic, partition).
pub fn assign(topics: &[TopicSpec], members: &[MemberSpec]) -> Vec<Vec<(u32, u32)>> {
    let g = Group::new(topics, members);
    let order = g.member_info_order();
    if let Some(owner) = assign_plain(&g, &order) {
        return g.output_from_owner(&owner);
    }
    let out = assign_group(&g, &order);
    g.output_from_lists(&out)
}

/// The common case, no rack matching needed: subscriber `k` of `C` (in member order) gets
/// `P / C` partitions starting at `k * (P / C) + min(k, P % C)`, plus one if `k < P % C`.
/// Returns None when some topic needs rack-aware assignment.
fn assign_plain(g: &Group, order: &[u32]) -> Option<Vec<u32>> {
    let nt = g.partitions.len();
    let mut subscribers = vec![0u32; nt];
    let mut any_rack = false;
    for m in &g.members {
        any_rack |= m.rack.is_some();
        for &t in m.topics.iter() {
            subscribers[t as usize] += 1;
        }
    }
    if any_rack
        && (0..nt as u32).any(|t| {
            g.subscribed[t as usize] && needs_rack_aware(g, t, &racks_of_subscribers(g, t))
        })
    {
        return None;
    }
    Some(ranges_by_formula(g, order, &subscribers))
}

/// Range formula per topic over `order`; `subscribers[t]` counts the members subscribed to `t`.
pub(crate) fn ranges_by_formula(g: &Group, order: &[u32], subscribers: &[u32]) -> Vec<u32> {
    let nt = g.partitions.len();
    let mut owner = vec![NONE; g.total_partitions()];
    let mut seen = vec![0u32; nt];
    for &m in order {
        for &t in g.members[m as usize].topics.iter() {
            let (n, c) = (g.partitions[t as usize], subscribers[t as usize]);
            let k = seen[t as usize];
            seen[t as usize] += 1;
            let (per, extra) = (n / c, n % c);
            let start = k * per + k.min(extra);
            let len = per + u32::from(k < extra);
            let base = g.offset[t as usize];
            owner[(base + start) as usize..(base + start + len) as usize].fill(m);
        }
    }
    owner
}

fn racks_of_subscribers(g: &Group, t: u32) -> Vec<Option<u32>> {
    g.members
        .iter()
        .filter(|m| m.subscribes(t))
        .map(|m| m.rack)
        .collect()
}

/// Per-topic bookkeeping, Kafka's `RangeAssignor.TopicAssignmentState`.
struct TopicState {
    topic: u32,
    /// Dense id of partition 0.
    base: u32,
    /// Subscribers in `MemberInfo` order.
    consumers: Vec<u32>,
    /// Rack of each consumer (parallel to `consumers`), when it has one.
    consumer_racks: Vec<Option<u32>>,
    /// Whether racks were collected for this topic (some subscriber has a rack).
    has_partition_racks: bool,
    needs_rack_aware: bool,
    assigned: Vec<bool>,
    /// Every partition below this is assigned (a cursor for prefix takes).
    first_unassigned: u32,
    n_unassigned: u32,
    num_assigned: Vec<u32>,
    per_consumer: u32,
    with_extra: i64,
}

impl TopicState {
    fn max_assignable(&self, ci: usize) -> u32 {
        let max = self.per_consumer as i64 + i64::from(self.with_extra > 0)
            - self.num_assigned[ci] as i64;
        max.max(0) as u32
    }

    fn on_assigned(&mut self, ci: usize, parts: &[u32]) {
        self.num_assigned[ci] += parts.len() as u32;
        if self.num_assigned[ci] > self.per_consumer {
            self.with_extra -= 1;
        }
        for &p in parts {
            if !self.assigned[p as usize] {
                self.assigned[p as usize] = true;
                self.n_unassigned -= 1;
            }
        }
        while (self.first_unassigned as usize) < self.assigned.len()
            && self.assigned[self.first_unassigned as usize]
        {
            self.first_unassigned += 1;
        }
    }

    /// Kafka's `racksMatch`: a member without a rack matches every partition.
    fn racks_match(&self, g: &Group, ci: usize, p: u32) -> bool {
        match self.consumer_racks[ci] {
            None => true,
            Some(r) => {
                self.has_partition_racks && g.rack_holds(g.offset[self.topic as usize] + p, r)
            }
        }
    }
}

/// Kafka's full algorithm, rack matching included.
fn assign_group(g: &Group, order: &[u32]) -> Vec<Vec<u32>> {
    let n_members = g.members.len();
    let mut out: Vec<Vec<u32>> = vec![Vec::new(); n_members];
    // Kafka sorts each topic's subscriber list with MemberInfo.compareTo; sorting all members once
    // gives the same relative order per topic.
    let mut consumers_of: Vec<Vec<u32>> = vec![Vec::new(); g.partitions.len()];
    for &m in order {
        for &t in g.members[m as usize].topics.iter() {
            consumers_of[t as usize].push(m);
        }
    }

    let mut states: Vec<TopicState> = Vec::new();
    for (t, consumers) in consumers_of.into_iter().enumerate() {
        let n_parts = g.partitions[t];
        if !g.subscribed[t] || n_parts == 0 {
            continue;
        }
        let consumer_racks: Vec<Option<u32>> = consumers
            .iter()
            .map(|&m| g.members[m as usize].rack)
            .collect();
        let has_partition_racks = consumer_racks.iter().any(Option::is_some);
        let needs_rack_aware =
            has_partition_racks && needs_rack_aware(g, t as u32, &consumer_racks);
        let c = consumers.len() as u32;
        states.push(TopicState {
            topic: t as u32,
            base: g.offset[t],
            num_assigned: vec![0; consumers.len()],
            consumers,
            consumer_racks,
            has_partition_racks,
            needs_rack_aware,
            assigned: vec![false; n_parts as usize],
            first_unassigned: 0,
            n_unassigned: n_parts,
            per_consumer: n_parts.checked_div(c).unwrap_or(0),
            with_extra: n_parts.checked_rem(c).unwrap_or(0) as i64,
        });
    }

    if states.iter().any(|s| s.needs_rack_aware) {
        assign_with_rack_matching(g, &mut states, &mut out);
    }
    for s in &mut states {
        assign_ranges(s, &mut out, |_, _, _| true);
    }
    out
}

/// `AbstractPartitionAssignor.useRackAwareAssignment` for one topic: some subscriber rack is a
/// replica rack, and not every partition has replicas on every rack.
fn needs_rack_aware(g: &Group, t: u32, consumer_racks: &[Option<u32>]) -> bool {
    let mut partition_racks = vec![false; g.n_racks];
    let base = g.offset[t as usize];
    let parts = || (base..base + g.partitions[t as usize]).map(|p| g.racks_of(p));
    for rs in parts() {
        for &r in rs {
            partition_racks[r as usize] = true;
        }
    }
    if !consumer_racks
        .iter()
        .flatten()
        .any(|&r| partition_racks[r as usize])
    {
        return false;
    }
    let all: usize = partition_racks.iter().filter(|&&b| b).count();
    !parts().all(|rs| rs.len() == all)
}

/// Kafka's `assignRanges(state, predicate)`: each member in turn takes the lowest unassigned
/// partitions it `accept`s, up to its remaining quota (no constraint, or `state::racksMatch`).
fn assign_ranges(
    s: &mut TopicState,
    out: &mut [Vec<u32>],
    accept: impl Fn(&TopicState, usize, u32) -> bool,
) {
    let mut buf = Vec::new();
    for ci in 0..s.consumers.len() {
        if s.n_unassigned == 0 {
            break;
        }
        let limit = s.max_assignable(ci);
        buf.clear();
        let mut p = s.first_unassigned;
        while (buf.len() as u32) < limit && (p as usize) < s.assigned.len() {
            if !s.assigned[p as usize] && accept(s, ci, p) {
                buf.push(p);
            }
            p += 1;
        }
        if buf.is_empty() {
            continue;
        }
        give(s, ci, &buf, out);
    }
}

fn give(s: &mut TopicState, ci: usize, parts: &[u32], out: &mut [Vec<u32>]) {
    let m = s.consumers[ci] as usize;
    s.on_assigned(ci, parts);
    out[m].extend(parts.iter().map(|&p| p + s.base));
}

/// Kafka's `assignWithRackMatching`: topics with the same subscribers and partition count are
/// co-partitioned and placed together (partition `p` of each on one rack-matching member);
/// any other topic needing rack awareness takes rack-matching ranges on its own.
fn assign_with_rack_matching(g: &Group, states: &mut [TopicState], out: &mut [Vec<u32>]) {
    // Group key: (subscriber list, number of partitions with collected racks). Groups touch
    // disjoint topics, so the order Java's HashMap visits them in does not matter.
    let mut order: Vec<u32> = (0..states.len() as u32).collect();
    let rack_parts = |s: &TopicState| {
        if s.has_partition_racks {
            s.assigned.len()
        } else {
            0
        }
    };
    crate::sort::stable_by(&mut order, &mut |a, b| {
        let (a, b) = (a as usize, b as usize);
        (&states[a].consumers, rack_parts(&states[a]), a).cmp(&(
            &states[b].consumers,
            rack_parts(&states[b]),
            b,
        ))
    });
    let keyed: Vec<usize> = order.into_iter().map(|k| k as usize).collect();
    let mut i = 0;
    while i < keyed.len() {
        let mut j = i + 1;
        while j < keyed.len()
            && states[keyed[j]].consumers == states[keyed[i]].consumers
            && rack_parts(&states[keyed[j]]) == rack_parts(&states[keyed[i]])
        {
            j += 1;
        }
        let group: Vec<usize> = keyed[i..j].to_vec();
        if group.len() > 1 {
            let n = rack_parts(&states[group[0]]) as u32;
            assign_co_partitioned(g, states, &group, n, out);
        } else if states[group[0]].needs_rack_aware {
            assign_ranges(&mut states[group[0]], out, |s, ci, p| {
                s.racks_match(g, ci, p)
            });
        }
        i = j;
    }
}

fn assign_co_partitioned(
    g: &Group,
    states: &mut [TopicState],
    group: &[usize],
    n: u32,
    out: &mut [Vec<u32>],
) {
    let n_consumers = states[group[0]].consumers.len();
    let mut remaining: Vec<usize> = (0..n_consumers).collect();
    for p in 0..n {
        let found = remaining.iter().position(|&ci| {
            group
                .iter()
                .all(|&s| states[s].racks_match(g, ci, p) && states[s].max_assignable(ci) > 0)
        });
        let Some(pos) = found else { continue };
        let ci = remaining[pos];
        for &s in group {
            give(&mut states[s], ci, &[p], out);
        }
        if group.iter().all(|&s| states[s].max_assignable(ci) == 0) {
            remaining.remove(pos);
            if remaining.is_empty() {
                break;
            }
        }
    }
}
