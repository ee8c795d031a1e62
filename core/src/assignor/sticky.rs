//! Sticky assignment, mirroring `org.apache.kafka.clients.consumer.internals.AbstractStickyAssignor`
//! as used by `org.apache.kafka.clients.consumer.StickyAssignor` (eager, KIP-54) and
//! `CooperativeStickyAssignor` (KIP-429), rack-aware per KIP-881.
//!
//! Two paths, as in Kafka:
//! - **Constrained** (all subscriptions equal): members keep owned partitions up to the quota
//!   (`floor(P/C)`, at most `P % C` members may hold `ceil(P/C)`), then the rest are dealt
//!   round-robin to members under quota, sorted by member id.
//! - **General** (uneven subscriptions): keep what is still valid, give each unassigned partition
//!   to the least-loaded eligible member, then move partitions until no move improves balance.
//!   Kafka's `isBalanced()` rescans every member's topics on every step (seconds on large
//!   groups); here it is kept incrementally per topic, which gives the same answers in
//!   milliseconds.
//!
//! Ownership claims are resolved as Kafka does: the highest generation wins; two claims at the
//! same generation leave the partition with nobody.

use super::group::{Group, NONE};
use super::order::{java_hash, java_spread, java_table_size};
use super::types::{MemberSpec, TopicSpec};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// Assigns partitions as Kafka's eager `StickyAssignor` does; per input member, sorted (topic, partition).
pub fn assign(topics: &[TopicSpec], members: &[MemberSpec]) -> Vec<Vec<(u32, u32)>> {
    let g = Group::new(topics, members);
    if let Some(out) = fresh_deal(&g) {
        return out;
    }
    let r = assign_group(&g);
    g.output_from_owner(&r.owner)
}

/// The answer for a fresh group with equal subscriptions, or None when the full algorithm is
/// needed. Nobody owns anything, so Kafka's constrained path keeps nothing, every member starts
/// under quota (or, with fewer partitions than members, at it), and its round-robin hands the
/// partitions (topics by name, partitions ascending) to the members sorted by id, one each in
/// turn, the first `P % C` taking the extra one. Nothing moves, so the cooperative assignor
/// withholds nothing either. Rack-aware dealing (KIP-881) reorders that, so it stays on the full
/// path. `tests::fresh_deal_matches_constrained` checks the two agree.
pub(crate) fn fresh_deal(g: &Group) -> Option<Vec<Vec<(u32, u32)>>> {
    if g.members.is_empty() || (0..g.members.len()).any(|m| g.has_owned(m)) {
        return None;
    }
    // Without rack awareness Kafka still sorts partitions by rack consumers, but then every
    // subscribed partition has the same count, and the sort is stable.
    if g.members.iter().any(|m| m.rack.is_some()) && RackInfo::new(g).aware {
        return None;
    }
    // Which member is seen first only matters when some subscription is empty (Kafka's quirk,
    // see `all_subscriptions_equal`); skip hashing every member id otherwise.
    let equal = if g.members.iter().all(|m| !m.topics_raw.is_empty()) {
        let first = &g.members[0].topics_raw;
        g.members.iter().all(|m| m.topics_raw == *first)
    } else {
        all_subscriptions_equal(g, &g.java_iteration_order())
    };
    if !equal {
        return None;
    }
    Some(g.output_dealt(&g.by_id, &g.subscribed_topics_by_name()))
}

/// What the shared sticky algorithm produced.
pub(crate) struct StickyOutcome {
    /// Owner (normalised member index) per dense partition; NONE = unassigned.
    pub owner: Vec<u32>,
    /// Kafka's `partitionsTransferringOwnership` from the constrained path, as (partition,
    /// member); `None` after the general path, where the cooperative assignor computes it from
    /// the owned partitions instead.
    pub transferring: Option<Vec<(u32, u32)>>,
}

/// Resolved ownership and rack facts shared by both paths.
struct Prepared {
    /// Java iteration order of the leader's subscription map.
    order: Vec<u32>,
    all_equal: bool,
    /// Per member: owned partitions it keeps a claim on, in claim order.
    owned: Vec<Vec<u32>>,
    /// Partitions two members claimed at the same generation (Kafka's
    /// `partitionsWithMultiplePreviousOwners`).
    multi: Vec<bool>,
    max_generation: i32,
    racks: RackInfo,
}

/// Kafka's `AbstractStickyAssignor.RackInfo`.
struct RackInfo {
    /// Rack-aware assignment is on (`useRackAwareAssignment`).
    aware: bool,
    /// Per partition: members whose rack holds a replica (`numConsumersByPartition`); empty when
    /// no member has a rack.
    num_consumers: Vec<u32>,
}

impl RackInfo {
    fn new(g: &Group) -> Self {
        let mut consumers_by_rack = vec![0u32; g.n_racks];
        for m in &g.members {
            if let Some(r) = m.rack {
                consumers_by_rack[r as usize] += 1;
            }
        }
        if consumers_by_rack.iter().all(|&n| n == 0) {
            return RackInfo {
                aware: false,
                num_consumers: Vec::new(),
            };
        }
        let mut partition_rack = vec![false; g.n_racks];
        let mut num_consumers = vec![0u32; g.total_partitions()];
        let subscribed_ids = || {
            (0..g.partitions.len())
                .filter(|&t| g.subscribed[t])
                .flat_map(|t| {
                    let base = g.offset[t];
                    base..base + g.partitions[t]
                })
        };
        for p in subscribed_ids() {
            for &r in g.racks_of(p) {
                partition_rack[r as usize] = true;
                num_consumers[p as usize] += consumers_by_rack[r as usize];
            }
        }
        let overlap = (0..g.n_racks).any(|r| consumers_by_rack[r] > 0 && partition_rack[r]);
        let all = partition_rack.iter().filter(|&&b| b).count();
        let aware = overlap && !subscribed_ids().all(|p| g.racks_of(p).len() == all);
        RackInfo {
            aware,
            num_consumers,
        }
    }
}

/// Kafka's `racksMismatch`: the member has a rack and no replica of the partition lives there.
fn racks_mismatch(g: &Group, racks: &RackInfo, m: u32, p: u32) -> bool {
    if !racks.aware {
        return false;
    }
    match g.members[m as usize].rack {
        Some(r) => !g.rack_holds(p, r),
        None => false,
    }
}

/// Kafka's `allSubscriptionsEqual` over members in `order`, including its quirk: while the
/// reference set is empty, the next member's topics become the reference, so an empty
/// subscription seen first is ignored.
fn all_subscriptions_equal(g: &Group, order: &[u32]) -> bool {
    let mut reference: &[u32] = &[];
    for &m in order {
        let topics = &g.members[m as usize].topics_raw;
        if reference.is_empty() {
            reference = topics;
        } else if **topics != *reference {
            return false;
        }
    }
    true
}

fn prepare(g: &Group) -> Prepared {
    let order = g.java_iteration_order();
    let all_equal = all_subscriptions_equal(g, &order);
    let max_generation = g
        .members
        .iter()
        .map(|m| m.generation_or_default())
        .fold(-1, i32::max);
    let mut owned: Vec<Vec<u32>> = vec![Vec::new(); g.members.len()];
    let mut multi = Vec::new();
    if (0..g.members.len()).any(|m| g.has_owned(m)) {
        // Claims in Java iteration order: a higher generation takes the partition; a claim at
        // the same generation as the current claimant leaves it with nobody (and marks it).
        let total = g.total_partitions();
        let mut claimant = vec![NONE; total];
        let mut claim_gen = vec![0i32; total];
        let mut owner = vec![NONE; total];
        multi = vec![false; total];
        for &m in &order {
            let gen = g.members[m as usize].generation_or_default();
            for p in g.owned(m as usize) {
                let pi = p as usize;
                if !g.subscribed[g.topic_of[pi] as usize] {
                    continue;
                }
                if claimant[pi] == NONE || gen > claim_gen[pi] {
                    owner[pi] = m;
                    claimant[pi] = m;
                    claim_gen[pi] = gen;
                } else if gen == claim_gen[pi] {
                    multi[pi] = true;
                    owner[pi] = NONE;
                    claimant[pi] = m;
                }
            }
        }
        for (m, list) in owned.iter_mut().enumerate() {
            list.reserve_exact(g.members[m].owned_count());
            list.extend(g.owned(m).filter(|&p| owner[p as usize] == m as u32));
        }
    }
    Prepared {
        order,
        all_equal,
        owned,
        multi,
        max_generation,
        racks: RackInfo::new(g),
    }
}

impl Prepared {
    fn is_multi(&self, p: u32) -> bool {
        self.multi.get(p as usize).copied().unwrap_or(false)
    }
}

/// Runs Kafka's sticky algorithm on a normalised group.
pub(crate) fn assign_group(g: &Group) -> StickyOutcome {
    if g.members.is_empty() {
        return StickyOutcome {
            owner: vec![NONE; g.total_partitions()],
            transferring: Some(Vec::new()),
        };
    }
    let prep = prepare(g);
    if prep.all_equal {
        constrained(g, prep)
    } else {
        General::new(g, prep).run()
    }
}

// ---------------------------------------------------------------------------------------------
// Constrained path: Kafka's ConstrainedAssignmentBuilder.

fn constrained(g: &Group, prep: Prepared) -> StickyOutcome {
    let n = g.members.len();
    let total: usize = (0..g.partitions.len())
        .filter(|&t| g.subscribed[t])
        .map(|t| g.partitions[t] as usize)
        .sum();
    let min_quota = total / n;
    let max_quota = total.div_ceil(n);
    let expected_over = total % n;
    let mut current_over = 0usize;

    let mut count = vec![0usize; n];
    let mut owner = vec![NONE; g.total_partitions()];
    // Partitions an owner gave up (over quota or off-rack), by that owner; only allocated when
    // someone owned anything.
    let mut maybe_revoked: Vec<u32> = if prep.owned.iter().any(|o| !o.is_empty()) {
        vec![NONE; g.total_partitions()]
    } else {
        Vec::new()
    };
    let mut under_min: Vec<u32> = Vec::new();
    let mut exactly_min: VecDeque<u32> = VecDeque::new();
    let racks = &prep.racks;
    let topic_rank = g.topic_name_rank();

    // One buffer for every member's kept claims.
    let mut owned: Vec<u32> = Vec::new();
    for &m in &prep.order {
        owned.clear();
        for &p in &prep.owned[m as usize] {
            if racks_mismatch(g, racks, m, p) {
                maybe_revoked[p as usize] = m;
            } else if !prep.is_multi(p) {
                owned.push(p);
            }
        }

        let keep = if owned.len() < min_quota {
            under_min.push(m);
            owned.len()
        } else if owned.len() >= max_quota && current_over < expected_over {
            current_over += 1;
            if current_over == expected_over {
                exactly_min.clear();
            }
            max_quota
        } else {
            if current_over < expected_over {
                exactly_min.push_back(m);
            }
            min_quota
        };
        if keep < owned.len() {
            // Kafka keeps the lowest partition numbers first, across topics (then by topic
            // name). Which ones are kept is all the order decides, so members within quota
            // (the usual case) skip the sort.
            crate::sort::unstable_by_key(&mut owned, |p| {
                let (t, part) = g.tp(p);
                (u64::from(part) << 32) | u64::from(topic_rank[t as usize])
            });
        }
        for &p in &owned[..keep] {
            owner[p as usize] = m;
        }
        for &p in &owned[keep..] {
            maybe_revoked[p as usize] = m;
        }
        count[m as usize] = keep;
    }

    // Unassigned partitions: topics by name, partitions ascending. Only materialised when racks
    // reorder or filter them; otherwise the round-robin below walks them in place.
    let topics_by_name = g.subscribed_topics_by_name();
    let unassigned_in_order = |owner: &[u32]| -> Vec<u32> {
        let mut v = Vec::new();
        for &t in &topics_by_name {
            let base = g.offset[t as usize];
            v.extend(
                (base..base + g.partitions[t as usize]).filter(|&p| owner[p as usize] == NONE),
            );
        }
        v
    };
    let mut unassigned: Option<Vec<u32>> = None;
    // Both lists sorted by member id; g.by_id is that order.
    let mut id_rank = vec![0u32; n];
    for (r, &m) in g.by_id.iter().enumerate() {
        id_rank[m as usize] = r as u32;
    }
    crate::sort::unstable_by_key(&mut under_min, |m| id_rank[m as usize]);
    crate::sort::unstable_by_key(exactly_min.make_contiguous(), |m| id_rank[m as usize]);
    if !racks.num_consumers.is_empty() {
        // Kafka's sortPartitionsByRackConsumers: scarce-rack partitions first (stable).
        let mut list = unassigned_in_order(&owner);
        crate::sort::stable_by_key(&mut list, |p| racks.num_consumers[p as usize]);
        unassigned = Some(list);
    }

    let mut transferring: Vec<(u32, u32)> = Vec::new();
    let mut assign_new = |owner: &mut Vec<u32>, count: &mut Vec<usize>, p: u32, m: u32| -> usize {
        owner[p as usize] = m;
        count[m as usize] += 1;
        let prev = maybe_revoked.get(p as usize).copied().unwrap_or(NONE);
        if (prev != NONE && prev != m) || prep.is_multi(p) {
            transferring.push((p, m));
        }
        count[m as usize]
    };

    if racks.aware {
        // Kafka's assignRackAwareRoundRobin.
        let rack_match = |p: u32, m: u32| -> bool {
            match g.members[m as usize].rack {
                Some(r) => g.rack_holds(p, r),
                None => false,
            }
        };
        let mut next_index = 0usize;
        let list = unassigned
            .take()
            .unwrap_or_else(|| unassigned_in_order(&owner));
        let mut left: Vec<u32> = Vec::with_capacity(list.len());
        for &p in &list {
            let mut consumer = NONE;
            let found = if g.racks_of(p).is_empty() || under_min.is_empty() {
                None
            } else {
                (0..under_min.len())
                    .map(|i| (next_index + i) % under_min.len())
                    .find(|&i| rack_match(p, under_min[i]))
            };
            if let Some(idx) = found {
                let c = under_min[idx];
                let next_count = count[c as usize] + 1;
                let mut ni = idx;
                if next_count >= min_quota {
                    under_min.remove(idx);
                    if next_count < max_quota && current_over < expected_over {
                        exactly_min.push_back(c);
                    }
                } else {
                    ni += 1;
                }
                next_index = if under_min.is_empty() {
                    0
                } else {
                    ni % under_min.len()
                };
                consumer = c;
            } else if !exactly_min.is_empty() && !g.racks_of(p).is_empty() {
                if let Some(fi) = exactly_min.iter().position(|&c| rack_match(p, c)) {
                    let c = exactly_min[fi];
                    if count[c as usize] + 1 == max_quota {
                        exactly_min.remove(fi);
                        current_over += 1;
                        if current_over == expected_over {
                            exactly_min.clear();
                        }
                    }
                    consumer = c;
                }
            }
            if consumer != NONE {
                assign_new(&mut owner, &mut count, p, consumer);
            } else {
                left.push(p);
            }
        }
        unassigned = Some(left);
    }

    // Kafka's assignRoundRobin walks a LinkedList iterator over the under-quota members,
    // restarting it when exhausted; members reaching minQuota are removed through the iterator
    // and queue up as exactly-minQuota. Here one pass compacts the list in place: `read` is the
    // iterator, survivors are written back at `write`.
    let (mut read, mut write) = (0usize, 0usize);
    // Deals one partition; false once nobody can take more (Kafka would throw).
    let mut deal = |owner: &mut Vec<u32>, count: &mut Vec<usize>, p: u32| -> bool {
        let (c, from_iter) = if read < under_min.len() {
            read += 1;
            (under_min[read - 1], true)
        } else {
            // The iterator is exhausted: the list is now its survivors.
            under_min.truncate(write);
            if under_min.is_empty() {
                match exactly_min.pop_front() {
                    Some(c) => (c, false),
                    // Kafka throws IllegalStateException here; quotas make it unreachable.
                    None => return false,
                }
            } else {
                (read, write) = (1, 0);
                (under_min[0], true)
            }
        };
        // (Kafka also counts members reaching maxQuota here; nothing reads that count after.)
        let reached_min = assign_new(owner, count, p, c) == min_quota;
        if reached_min {
            exactly_min.push_back(c);
        }
        if from_iter && !reached_min {
            under_min[write] = c;
            write += 1;
        }
        true
    };
    match unassigned {
        Some(list) => {
            for p in list {
                if !deal(&mut owner, &mut count, p) {
                    break;
                }
            }
        }
        None => {
            'all: for &t in &topics_by_name {
                let base = g.offset[t as usize];
                for p in base..base + g.partitions[t as usize] {
                    if owner[p as usize] == NONE && !deal(&mut owner, &mut count, p) {
                        break 'all;
                    }
                }
            }
        }
    }

    StickyOutcome {
        owner,
        transferring: Some(transferring),
    }
}

// ---------------------------------------------------------------------------------------------
// General path: Kafka's GeneralAssignmentBuilder.

/// Kafka's `PartitionMovements`, kept so a move can be redirected exactly as Kafka redirects it.
struct Movements {
    /// Per partition: (original owner, current owner) of its recorded move, or NONE.
    record: Vec<(u32, u32)>,
    /// (topic, src, dst) → partitions moved src→dst, in Java `HashSet` iteration terms.
    by_pair: HashMap<(u32, u32, u32), JavaSet>,
    /// Per topic: number of (src, dst) sets recorded.
    pairs_per_topic: Vec<u32>,
    seq: u64,
}

/// Enough of a `java.util.HashSet<TopicPartition>` to know what `iterator().next()` returns:
/// the lowest bucket, then the earliest insertion.
struct JavaSet {
    items: Vec<(u32, u32, u64)>, // (dense id, java hash, insertion sequence)
    max_len: usize,
}

impl JavaSet {
    fn first(&self) -> Option<u32> {
        let mask = (java_table_size(self.max_len) - 1) as u32;
        self.items
            .iter()
            .min_by_key(|&&(_, h, s)| (java_spread(h as i32) & mask, s))
            .map(|&(p, _, _)| p)
    }
}

impl Movements {
    fn new(total: usize, topics: usize) -> Self {
        Movements {
            record: vec![(NONE, NONE); total],
            by_pair: HashMap::new(),
            pairs_per_topic: vec![0; topics],
            seq: 0,
        }
    }

    fn remove_record(&mut self, g: &Group, p: u32) -> (u32, u32) {
        let (src, dst) = std::mem::replace(&mut self.record[p as usize], (NONE, NONE));
        let t = g.topic_of[p as usize];
        if let Some(set) = self.by_pair.get_mut(&(t, src, dst)) {
            set.items.retain(|&(q, _, _)| q != p);
            if set.items.is_empty() {
                self.by_pair.remove(&(t, src, dst));
                self.pairs_per_topic[t as usize] -= 1;
            }
        }
        (src, dst)
    }

    fn add_record(&mut self, g: &Group, topic_hash: &[i32], p: u32, src: u32, dst: u32) {
        self.record[p as usize] = (src, dst);
        let t = g.topic_of[p as usize];
        let set = self.by_pair.entry((t, src, dst)).or_insert_with(|| {
            self.pairs_per_topic[t as usize] += 1;
            JavaSet {
                items: Vec::new(),
                max_len: 0,
            }
        });
        // TopicPartition.hashCode: 31 * (31 + partition) + topic.hashCode().
        let part = p - g.offset[t as usize];
        let h = 31i32
            .wrapping_mul(31i32.wrapping_add(part as i32))
            .wrapping_add(topic_hash[t as usize]);
        self.seq += 1;
        set.items.push((p, h as u32, self.seq));
        set.max_len = set.max_len.max(set.items.len());
    }

    fn move_partition(&mut self, g: &Group, topic_hash: &[i32], p: u32, old: u32, new: u32) {
        if self.record[p as usize].0 != NONE {
            let (src, _) = self.remove_record(g, p);
            if src != new {
                self.add_record(g, topic_hash, p, src, new);
            }
        } else {
            self.add_record(g, topic_hash, p, old, new);
        }
    }

    /// Kafka's `getTheActualPartitionToBeMoved`: if some partition of the same topic earlier moved
    /// the opposite way, move that one back instead (stickiness over churn).
    fn actual_partition_to_move(&self, g: &Group, p: u32, old: u32, new: u32) -> u32 {
        let t = g.topic_of[p as usize];
        if self.pairs_per_topic[t as usize] == 0 {
            return p;
        }
        let mut old = old;
        if self.record[p as usize].0 != NONE {
            old = self.record[p as usize].0;
        }
        match self.by_pair.get(&(t, new, old)) {
            Some(set) => set.first().unwrap_or(p),
            None => p,
        }
    }
}

/// Min/max of a multiset of counts.
#[derive(Default)]
struct Hist(BTreeMap<u32, u32>);

impl Hist {
    fn add(&mut self, k: u32, n: u32) {
        if n > 0 {
            *self.0.entry(k).or_insert(0) += n;
        }
    }
    fn sub(&mut self, k: u32, n: u32) {
        if n == 0 {
            return;
        }
        if let Some(v) = self.0.get_mut(&k) {
            *v = v.saturating_sub(n);
            if *v == 0 {
                self.0.remove(&k);
            }
        }
    }
    fn min(&self) -> Option<u32> {
        self.0.keys().next().copied()
    }
    fn max(&self) -> Option<u32> {
        self.0.keys().next_back().copied()
    }
}

/// Incremental replacement for Kafka's `isBalanced()` scan. Kafka reports imbalance when some
/// member could take a partition of one of its topics from an owner holding at least two more
/// partitions; per topic that is `min(subscriber count) + 1 < max(owner count)`.
struct BalanceIndex {
    sub: Vec<Hist>,
    own: Vec<Hist>,
    violating: Vec<bool>,
    n_violating: usize,
    /// Per member, parallel to its topic list: partitions it holds of that topic.
    held: Vec<Vec<u32>>,
}

struct General<'g, 'a> {
    g: &'g Group<'a>,
    prep: Prepared,
    topic_hash: Vec<i32>,
    consumers_of: Vec<Vec<u32>>,
    owner: Vec<u32>,
    pos: Vec<u32>,
    assignment: Vec<Vec<u32>>,
    rank: Vec<u32>,
    by_rank: Vec<u32>,
    sorted: BTreeSet<(u32, u32)>,
    participating: Vec<bool>,
    prev: Vec<(u32, i32)>,
    movements: Movements,
    index: Option<BalanceIndex>,
    revocation_required: bool,
}

impl<'g, 'a> General<'g, 'a> {
    fn new(g: &'g Group<'a>, prep: Prepared) -> Self {
        let n = g.members.len();
        let total = g.total_partitions();
        let mut consumers_of: Vec<Vec<u32>> = vec![Vec::new(); g.partitions.len()];
        for &m in &prep.order {
            for &t in g.members[m as usize].topics.iter() {
                consumers_of[t as usize].push(m);
            }
        }
        let by_rank = g.by_id.clone();
        let mut rank = vec![0u32; n];
        for (r, &m) in by_rank.iter().enumerate() {
            rank[m as usize] = r as u32;
        }
        let topic_hash = g.topic_names.iter().map(|s| java_hash(s)).collect();
        General {
            g,
            topic_hash,
            consumers_of,
            owner: vec![NONE; total],
            pos: vec![0; total],
            assignment: vec![Vec::new(); n],
            rank,
            by_rank,
            sorted: BTreeSet::new(),
            participating: vec![true; n],
            prev: vec![(NONE, 0); total],
            movements: Movements::new(total, g.partitions.len()),
            index: None,
            revocation_required: false,
            prep,
        }
    }

    fn count(&self, m: u32) -> u32 {
        self.assignment[m as usize].len() as u32
    }

    fn max_assignment_size(&self, m: u32) -> usize {
        self.g.members[m as usize]
            .topics
            .iter()
            .map(|&t| self.g.partitions[t as usize] as usize)
            .sum()
    }

    fn push(&mut self, m: u32, p: u32) {
        self.pos[p as usize] = self.assignment[m as usize].len() as u32;
        self.assignment[m as usize].push(p);
        self.owner[p as usize] = m;
    }

    fn pull(&mut self, m: u32, p: u32) {
        let i = self.pos[p as usize] as usize;
        let list = &mut self.assignment[m as usize];
        list.swap_remove(i);
        if i < list.len() {
            let q = list[i];
            self.pos[q as usize] = i as u32;
        }
        self.owner[p as usize] = NONE;
    }

    fn run(mut self) -> StickyOutcome {
        let g = self.g;
        // prepopulateCurrentAssignments: who held each partition at an older generation.
        let max_gen = self.prep.max_generation;
        for &m in &self.prep.order {
            let gen = match g.members[m as usize].generation {
                Some(gen) if gen < max_gen => gen,
                None if max_gen > -1 => -1,
                _ => continue,
            };
            for p in g.owned(m as usize) {
                let slot = &mut self.prev[p as usize];
                if slot.0 == NONE || gen > slot.1 {
                    *slot = (m, gen);
                }
            }
        }

        // assignOwnedPartitions: keep what is still subscribed (and rack-aligned).
        for m in 0..g.members.len() as u32 {
            let owned = std::mem::take(&mut self.prep.owned[m as usize]);
            for &p in &owned {
                let t = g.topic_of[p as usize];
                if !g.members[m as usize].subscribes(t) || racks_mismatch(g, &self.prep.racks, m, p)
                {
                    self.revocation_required = true;
                } else {
                    self.push(m, p);
                }
            }
        }

        // Partitions sorted by (potential consumers of the topic, topic name, partition).
        let mut topics = g.subscribed_topics_by_name();
        crate::sort::stable_by_key(&mut topics, |t| self.consumers_of[t as usize].len());
        let mut sorted_all: Vec<u32> = Vec::new();
        for &t in &topics {
            let base = g.offset[t as usize];
            sorted_all.extend(base..base + g.partitions[t as usize]);
        }
        let unassigned: Vec<u32> = sorted_all
            .iter()
            .copied()
            .filter(|&p| self.owner[p as usize] == NONE)
            .collect();

        for m in 0..g.members.len() as u32 {
            self.sorted.insert((self.count(m), self.rank[m as usize]));
        }
        self.balance(sorted_all, unassigned);
        StickyOutcome {
            owner: self.owner,
            transferring: None,
        }
    }

    /// First member in (count, member id) order that subscribes to `t` and, with `racks`, has
    /// no rack mismatch (Kafka iterates its `sortedCurrentSubscriptions` TreeSet).
    fn least_loaded(&self, p: u32, racks: bool) -> Option<u32> {
        let t = self.g.topic_of[p as usize];
        self.sorted
            .iter()
            .map(|&(_, r)| self.by_rank[r as usize])
            .find(|&m| {
                self.g.members[m as usize].subscribes(t)
                    && (!racks || !racks_mismatch(self.g, &self.prep.racks, m, p))
            })
    }

    fn maybe_assign(&mut self, partitions: &[u32], racks: bool) -> Vec<u32> {
        let mut left = Vec::new();
        for &p in partitions {
            if self.consumers_of[self.g.topic_of[p as usize] as usize].is_empty() {
                continue;
            }
            match self.least_loaded(p, racks) {
                Some(m) => {
                    let c = self.count(m);
                    self.sorted.remove(&(c, self.rank[m as usize]));
                    self.push(m, p);
                    self.sorted.insert((c + 1, self.rank[m as usize]));
                }
                None => left.push(p),
            }
        }
        left
    }

    fn balance(&mut self, mut sorted_all: Vec<u32>, mut unassigned: Vec<u32>) {
        let g = self.g;
        let initializing = self.sorted.iter().next_back().is_none_or(|&(c, _)| c == 0);

        if self.prep.racks.aware {
            let left = self.maybe_assign(&unassigned.clone(), true);
            self.maybe_assign(&left, false);
        } else {
            self.maybe_assign(&unassigned.clone(), false);
        }

        // Only topics with two or more potential consumers can move.
        let movable_topic: Vec<bool> = self.consumers_of.iter().map(|c| c.len() >= 2).collect();
        sorted_all.retain(|&p| movable_topic[g.topic_of[p as usize] as usize]);
        unassigned.retain(|&p| movable_topic[g.topic_of[p as usize] as usize]);

        for m in 0..g.members.len() as u32 {
            let can = (self.count(m) as usize) < self.max_assignment_size(m)
                || self.assignment[m as usize]
                    .iter()
                    .any(|&p| movable_topic[g.topic_of[p as usize] as usize]);
            if !can {
                self.participating[m as usize] = false;
                self.sorted.remove(&(self.count(m), self.rank[m as usize]));
            }
        }

        let pre_owner = if initializing {
            Vec::new()
        } else {
            self.owner.clone()
        };
        let pre_score = if initializing {
            0
        } else {
            self.balance_score()
        };
        self.build_index();

        if !self.revocation_required {
            self.perform_reassignments(&unassigned);
        }
        let performed = self.perform_reassignments(&sorted_all);

        if !initializing && performed && self.balance_score() >= pre_score {
            // Kafka keeps the pre-balance assignment unless moving made it strictly better.
            self.owner = pre_owner;
            for list in &mut self.assignment {
                list.clear();
            }
            for p in 0..self.owner.len() {
                let m = self.owner[p];
                if m != NONE {
                    self.assignment[m as usize].push(p as u32);
                }
            }
        }
    }

    /// Kafka's `getBalanceScore`: sum of |a - b| over all pairs of participating members.
    fn balance_score(&self) -> i64 {
        let mut counts: Vec<u32> = (0..self.assignment.len())
            .filter(|&m| self.participating[m])
            .map(|m| self.assignment[m].len() as u32)
            .collect();
        crate::sort::unstable(&mut counts);
        let n = counts.len() as i64;
        counts
            .iter()
            .enumerate()
            .map(|(i, &c)| i64::from(c) * (2 * i as i64 - (n - 1)))
            .sum()
    }

    fn build_index(&mut self) {
        let g = self.g;
        let nt = g.partitions.len();
        let mut idx = BalanceIndex {
            sub: (0..nt).map(|_| Hist::default()).collect(),
            own: (0..nt).map(|_| Hist::default()).collect(),
            violating: vec![false; nt],
            n_violating: 0,
            held: g.members.iter().map(|m| vec![0; m.topics.len()]).collect(),
        };
        for m in 0..g.members.len() {
            if !self.participating[m] {
                continue;
            }
            let c = self.assignment[m].len() as u32;
            let topics = &g.members[m].topics;
            for &p in &self.assignment[m] {
                if let Ok(i) = topics.binary_search(&g.topic_of[p as usize]) {
                    idx.held[m][i] += 1;
                }
            }
            for (i, &t) in topics.iter().enumerate() {
                idx.sub[t as usize].add(c, 1);
                idx.own[t as usize].add(c, idx.held[m][i]);
            }
        }
        for t in 0..nt {
            Self::refresh(&mut idx, t);
        }
        self.index = Some(idx);
    }

    fn refresh(idx: &mut BalanceIndex, t: usize) {
        let v = match (idx.sub[t].min(), idx.own[t].max()) {
            (Some(s), Some(o)) => s + 1 < o,
            _ => false,
        };
        if v != idx.violating[t] {
            idx.violating[t] = v;
            if v {
                idx.n_violating += 1;
            } else {
                idx.n_violating -= 1;
            }
        }
    }

    /// Kafka's `isBalanced()`.
    fn is_balanced(&self) -> bool {
        let (Some(&(min, _)), Some(&(max, _))) =
            (self.sorted.iter().next(), self.sorted.iter().next_back())
        else {
            return true;
        };
        if min + 1 >= max {
            return true;
        }
        self.index.as_ref().is_none_or(|i| i.n_violating == 0)
    }

    /// Moves `p` from its owner to `new`, keeping every index in step.
    fn move_to(&mut self, p: u32, new: u32) {
        let g = self.g;
        let old = self.owner[p as usize];
        if old == NONE || old == new {
            return;
        }
        let t = g.topic_of[p as usize];
        let (co, cn) = (self.count(old), self.count(new));
        self.sorted.remove(&(co, self.rank[old as usize]));
        self.sorted.remove(&(cn, self.rank[new as usize]));
        self.pull(old, p);
        self.push(new, p);
        self.sorted.insert((co - 1, self.rank[old as usize]));
        self.sorted.insert((cn + 1, self.rank[new as usize]));
        let Some(idx) = self.index.as_mut() else {
            return;
        };
        let topics_old = &g.members[old as usize].topics;
        if let Ok(i) = topics_old.binary_search(&t) {
            idx.own[t as usize].sub(co, 1);
            idx.held[old as usize][i] -= 1;
        }
        Self::recount(g, idx, old, co, co - 1);
        Self::recount(g, idx, new, cn, cn + 1);
        let topics_new = &g.members[new as usize].topics;
        if let Ok(i) = topics_new.binary_search(&t) {
            idx.own[t as usize].add(cn + 1, 1);
            idx.held[new as usize][i] += 1;
        }
        Self::refresh(idx, t as usize);
    }

    fn recount(g: &Group, idx: &mut BalanceIndex, m: u32, from: u32, to: u32) {
        for (i, &t) in g.members[m as usize].topics.iter().enumerate() {
            let t = t as usize;
            idx.sub[t].sub(from, 1);
            idx.sub[t].add(to, 1);
            let h = idx.held[m as usize][i];
            idx.own[t].sub(from, h);
            idx.own[t].add(to, h);
            Self::refresh(idx, t);
        }
    }

    fn reassign(&mut self, p: u32, new: u32) {
        let old = self.owner[p as usize];
        let q = self.movements.actual_partition_to_move(self.g, p, old, new);
        let from = self.owner[q as usize];
        if from == NONE || from == new {
            return;
        }
        self.movements
            .move_partition(self.g, &self.topic_hash, q, from, new);
        self.move_to(q, new);
    }

    fn perform_reassignments(&mut self, partitions: &[u32]) -> bool {
        let g = self.g;
        let mut performed = false;
        loop {
            let mut modified = false;
            for &p in partitions {
                if self.is_balanced() {
                    break;
                }
                let owner = self.owner[p as usize];
                if owner == NONE || !self.participating[owner as usize] {
                    continue;
                }
                let t = g.topic_of[p as usize];
                let (prev, _) = self.prev[p as usize];
                // Kafka would also hand the partition back to a previous owner that no longer
                // subscribes to its topic (or crash on one that cannot move); both are skipped.
                if prev != NONE
                    && self.participating[prev as usize]
                    && g.members[prev as usize].subscribes(t)
                    && self.count(owner) > self.count(prev) + 1
                {
                    self.reassign(p, prev);
                    performed = true;
                    modified = true;
                    continue;
                }
                let min_sub = self.index.as_ref().and_then(|i| i.sub[t as usize].min());
                if min_sub.is_some_and(|s| self.count(owner) > s + 1) {
                    if let Some(new) = self.least_loaded(p, false) {
                        self.reassign(p, new);
                        performed = true;
                        modified = true;
                    }
                }
            }
            if !modified {
                break;
            }
        }
        performed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RACKS: [&str; 3] = ["rack-a", "rack-b", "rack-c"];

    /// Fresh groups (nothing owned) whose subscriptions are mostly equal: member ids with
    /// repeats, mixed case and non-ASCII, static members, unknown and empty topics, some empty
    /// subscriptions (Kafka's `allSubscriptionsEqual` quirk), racks on members and partitions.
    fn fresh_group() -> impl Strategy<Value = (Vec<TopicSpec>, Vec<MemberSpec>)> {
        let topic = (
            0u32..40,
            prop::sample::select(vec!["t", "T", "topic-1", "topic-10", "é", "\u{1F600}"]),
            prop::option::of(prop::collection::vec(
                prop::collection::vec(0usize..3, 0..3),
                0..40,
            )),
        );
        let member = (
            0u32..30,
            prop::sample::select(vec!["consumer-", "Consumer-", "c", "\u{FFFD}", "\u{1F600}"]),
            prop::option::weighted(0.2, 0u32..5),
            prop::option::weighted(0.2, 0usize..3),
            0u8..10,
            prop::collection::vec(0u32..6, 0..4),
            prop::option::of(-1i32..3),
        );
        (
            prop::collection::vec(topic, 0..5),
            prop::collection::vec(0u32..6, 0..5),
            prop::collection::vec(member, 1..25),
        )
            .prop_map(|(topics, shared, members)| {
                let topics: Vec<TopicSpec> = topics
                    .into_iter()
                    .enumerate()
                    .map(|(i, (partitions, prefix, racks))| TopicSpec {
                        name: format!("{prefix}{}", i * 7 % 5),
                        partitions,
                        partition_racks: racks
                            .unwrap_or_default()
                            .into_iter()
                            .map(|rs| rs.into_iter().map(|r| RACKS[r].to_string()).collect())
                            .collect(),
                    })
                    .collect();
                let members = members
                    .into_iter()
                    .map(
                        |(id, prefix, instance, rack, kind, own, generation)| MemberSpec {
                            member_id: format!("{prefix}{id}"),
                            group_instance_id: instance.map(|i| format!("i-{i}")),
                            // Mostly the shared subscription; sometimes empty or different.
                            topics: match kind {
                                0 => Vec::new(),
                                1 => own,
                                _ => shared.clone(),
                            },
                            owned: Vec::new(),
                            generation,
                            rack: rack.map(|r| RACKS[r].to_string()),
                        },
                    )
                    .collect();
                (topics, members)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The fresh-group shortcut gives exactly what Kafka's constrained path gives, for the
        /// eager and the cooperative assignor, whenever it applies.
        #[test]
        fn fresh_deal_matches_constrained((topics, members) in fresh_group()) {
            let g = Group::new(&topics, &members);
            if let Some(fast) = fresh_deal(&g) {
                let full = g.output_from_owner(&assign_group(&g).owner);
                prop_assert_eq!(&fast, &full);
                let coop = g.output_from_owner(&crate::assignor::cooperative::assign_group(&g));
                prop_assert_eq!(&fast, &coop);
            }
        }
    }

    /// The shortcut does apply to the plain fresh groups it exists for.
    #[test]
    fn fresh_deal_applies_to_plain_fresh_groups() {
        let topics: Vec<TopicSpec> = (0..12)
            .map(|j| TopicSpec {
                name: format!("topic-{j}"),
                partitions: 7,
                partition_racks: Vec::new(),
            })
            .collect();
        for n in [1u32, 5, 84, 85, 200] {
            let members: Vec<MemberSpec> = (0..n)
                .map(|i| MemberSpec {
                    member_id: format!("consumer-{i}"),
                    topics: (0..12).collect(),
                    ..MemberSpec::default()
                })
                .collect();
            let g = Group::new(&topics, &members);
            let fast = fresh_deal(&g).expect("fresh equal group takes the shortcut");
            assert_eq!(fast, g.output_from_owner(&assign_group(&g).owner));
        }
    }
}
