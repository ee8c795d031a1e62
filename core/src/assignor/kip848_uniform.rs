//! Broker-side uniform assignment of the KIP-848 consumer group protocol, mirroring
//! `org.apache.kafka.coordinator.group.assignor.UniformAssignor` (`group.remote.assignor=uniform`,
//! the default) with its `UniformHomogeneousAssignmentBuilder` and
//! `UniformHeterogeneousAssignmentBuilder`.
//!
//! Homogeneous (everyone subscribes to the same topics): members keep owned partitions up to
//! their quota (`P / C`, the first `P % C` members in iteration order may keep one more), and
//! the rest fill the members still under quota. Heterogeneous: members keep every owned
//! partition they still subscribe to, unassigned partitions go to the least-loaded subscriber
//! topic by topic, then partitions move from the most- to the least-loaded subscribers until
//! each topic's subscribers differ by at most one.
//!
//! Kafka iterates `HashMap`s keyed by member id and topic id here, so most answers depend on
//! hash order; members follow Java's order for their ids, topics their index (topic ids are
//! random UUIDs). Conflicting owners cannot occur broker-side; the first claimer keeps it.

use super::group::{Group, NONE};
use super::types::{MemberSpec, TopicSpec};

/// Assigns partitions as the KIP-848 `UniformAssignor` does; per input member, sorted (topic, partition).
pub fn assign(topics: &[TopicSpec], members: &[MemberSpec]) -> Vec<Vec<(u32, u32)>> {
    let g = Group::new(topics, members);
    if g.members.is_empty() {
        return g.output_from_owner(&vec![NONE; g.total_partitions()]);
    }
    let order = g.java_iteration_order();
    // Current owner of each partition (the first claimer, in iteration order), and each member's
    // claims on topics it still subscribes to.
    let mut claimed = vec![NONE; g.total_partitions()];
    for &m in &order {
        for p in g.owned(m as usize) {
            if claimed[p as usize] == NONE {
                claimed[p as usize] = m;
            }
        }
    }
    let first = &g.members[order[0] as usize].topics_raw;
    let homogeneous = order
        .iter()
        .all(|&m| g.members[m as usize].topics_raw == *first);
    let owner = if homogeneous {
        homogeneous_assign(&g, &order, &claimed)
    } else {
        Heterogeneous::new(&g, &order, &claimed).build()
    };
    g.output_from_owner(&owner)
}

/// Partitions member `m` holds and still subscribes to, by topic index then partition.
fn kept_claims(g: &Group, m: u32, claimed: &[u32]) -> Vec<u32> {
    let mut ps: Vec<u32> = g
        .owned(m as usize)
        .filter(|&p| {
            claimed[p as usize] == m && g.members[m as usize].subscribes(g.topic_of[p as usize])
        })
        .collect();
    crate::sort::unstable(&mut ps);
    ps.dedup();
    ps
}

/// Kafka's `UniformHomogeneousAssignmentBuilder`.
fn homogeneous_assign(g: &Group, order: &[u32], claimed: &[u32]) -> Vec<u32> {
    let mut owner = vec![NONE; g.total_partitions()];
    let topics = &g.members[order[0] as usize].topics;
    let mut unassigned: Vec<u32> = Vec::new();
    let mut total = 0usize;
    for &t in topics.iter() {
        let base = g.offset[t as usize];
        let n = g.partitions[t as usize];
        unassigned.extend((base..base + n).filter(|&p| claimed[p as usize] == NONE));
        total += n as usize;
    }
    if topics.is_empty() {
        return owner;
    }
    let min_quota = total / order.len();
    let mut extra = total % order.len();
    let mut unfilled: Vec<(u32, usize)> = Vec::new();
    for &m in order {
        let mut quota = min_quota;
        if extra > 0 {
            quota += 1;
            extra -= 1;
        }
        let kept = kept_claims(g, m, claimed);
        // Kafka walks the old assignment topic by topic: a topic fitting in the remaining quota
        // is kept whole, otherwise its first partitions fill the quota and the rest are freed.
        let mut i = 0;
        while i < kept.len() {
            let t = g.topic_of[kept[i] as usize];
            let j = i + kept[i..]
                .iter()
                .take_while(|&&p| g.topic_of[p as usize] == t)
                .count();
            let n = j - i;
            let keep = n.min(quota);
            for &p in &kept[i..i + keep] {
                owner[p as usize] = m;
            }
            unassigned.extend_from_slice(&kept[i + keep..j]);
            quota -= keep;
            i = j;
        }
        if quota > 0 {
            unfilled.push((m, quota));
        }
    }
    let mut next = unassigned.iter();
    for (m, quota) in unfilled {
        for &p in next.by_ref().take(quota) {
            owner[p as usize] = m;
        }
    }
    owner
}

/// Kafka's `UniformHeterogeneousAssignmentBuilder`; member indices are positions in `order`.
struct Heterogeneous<'g, 'a> {
    g: &'g Group<'a>,
    order: Vec<u32>,
    /// Subscribers of each topic, as member indices.
    subscribers: Vec<Vec<u32>>,
    topics: Vec<u32>,
    sizes: Vec<i64>,
    owner: Vec<u32>,
    topic_rank: Vec<u32>,
}

impl<'g, 'a> Heterogeneous<'g, 'a> {
    fn new(g: &'g Group<'a>, order: &[u32], claimed: &[u32]) -> Self {
        let mut subscribers = vec![Vec::new(); g.partitions.len()];
        let mut sizes = vec![0i64; order.len()];
        let mut owner = vec![NONE; g.total_partitions()];
        for (mi, &m) in order.iter().enumerate() {
            for &t in g.members[m as usize].topics.iter() {
                subscribers[t as usize].push(mi as u32);
            }
            for p in kept_claims(g, m, claimed) {
                owner[p as usize] = mi as u32;
                sizes[mi] += 1;
            }
        }
        let topics = (0..g.partitions.len() as u32)
            .filter(|&t| !subscribers[t as usize].is_empty())
            .collect();
        Heterogeneous {
            g,
            order: order.to_vec(),
            subscribers,
            topics,
            sizes,
            owner,
            topic_rank: g.topic_name_rank(),
        }
    }

    /// Kafka's topic order: most partitions per subscriber first, then fewer subscribers, then id.
    fn sort_topics(&self, topics: &mut [u32]) {
        let g = self.g;
        crate::sort::stable_by(topics, &mut |a, b| {
            let (pa, sa) = (
                g.partitions[a as usize] as u64,
                self.subscribers[a as usize].len() as u64,
            );
            let (pb, sb) = (
                g.partitions[b as usize] as u64,
                self.subscribers[b as usize].len() as u64,
            );
            // pb/sb vs pa/sa, compared exactly by cross-multiplying.
            (pb * sa)
                .cmp(&(pa * sb))
                .then(sa.cmp(&sb))
                .then(self.topic_rank[a as usize].cmp(&self.topic_rank[b as usize]))
        });
    }

    fn build(mut self) -> Vec<u32> {
        let g = self.g;
        // Unassigned partitions go to the least-loaded subscribers, topic by topic.
        let mut with_unassigned: Vec<u32> = self
            .topics
            .iter()
            .copied()
            .filter(|&t| {
                let base = g.offset[t as usize];
                (base..base + g.partitions[t as usize]).any(|p| self.owner[p as usize] == NONE)
            })
            .collect();
        self.sort_topics(&mut with_unassigned);
        let mut bal = Balancer::default();
        for &t in &with_unassigned {
            bal.initialize(&self.subscribers[t as usize], &self.sizes);
            let base = g.offset[t as usize];
            for p in base..base + g.partitions[t as usize] {
                if self.owner[p as usize] == NONE {
                    let m = bal.next_least_loaded(&self.sizes);
                    self.give(p, m);
                }
            }
        }
        let mut movable: Vec<u32> = self
            .topics
            .iter()
            .copied()
            .filter(|&t| self.subscribers[t as usize].len() >= 2)
            .collect();
        if !movable.is_empty() {
            self.sort_topics(&mut movable);
            self.balance_topics(&movable);
        }
        self.owner
            .iter()
            .map(|&mi| {
                if mi == NONE {
                    NONE
                } else {
                    self.order[mi as usize]
                }
            })
            .collect()
    }

    fn give(&mut self, p: u32, m: u32) {
        let old = self.owner[p as usize];
        if old != NONE {
            self.sizes[old as usize] -= 1;
        }
        self.owner[p as usize] = m;
        self.sizes[m as usize] += 1;
    }

    /// Kafka's `balanceTopics`: sweep the topics (at most 16 times) until a full sweep since the
    /// last topic that moved anything moves nothing.
    fn balance_topics(&mut self, topics: &[u32]) {
        let mut last: Option<usize> = None;
        let mut bal = Balancer::default();
        for _ in 0..16 {
            for (i, &t) in topics.iter().enumerate() {
                if last == Some(i) {
                    return;
                }
                let moved = self.balance_topic(t, &mut bal);
                if moved > 0 || last.is_none() {
                    last = Some(i);
                }
            }
        }
    }

    fn balance_topic(&mut self, t: u32, bal: &mut Balancer) -> usize {
        let g = self.g;
        if bal.initialize(&self.subscribers[t as usize], &self.sizes) <= 1 {
            return 0;
        }
        let base = g.offset[t as usize];
        let mut parts: Vec<u32> = (base..base + g.partitions[t as usize]).collect();
        crate::sort::stable_by_key(&mut parts, |p| (self.owner[p as usize], p));
        // Per owner, the slice of `parts` it still holds: [start, end).
        let mut range: std::collections::HashMap<u32, (usize, usize)> =
            std::collections::HashMap::new();
        for (i, &p) in parts.iter().enumerate() {
            let e = range.entry(self.owner[p as usize]).or_insert((i, i + 1));
            e.1 = i + 1;
        }
        let mut moved = 0;
        while !bal.is_balanced() {
            let most = loop {
                match bal.next_most_loaded(&self.sizes) {
                    None => break None,
                    Some(m) if range.get(&m).is_none_or(|&(s, e)| e <= s) => {
                        bal.exclude_most_loaded()
                    }
                    Some(m) => break Some(m),
                }
            };
            let Some(most) = most else { break };
            let Some(r) = range.get_mut(&most) else { break };
            r.1 -= 1;
            let p = parts[r.1];
            let least = bal.next_least_loaded(&self.sizes);
            if bal.is_balanced() {
                break;
            }
            self.give(p, least);
            moved += 1;
        }
        moved
    }
}

/// Kafka's `MemberAssignmentBalancer`: walks the subscribers of one topic from the least-loaded
/// and most-loaded ends of a list sorted once by assignment size, widening each end as the
/// members in it gain or lose a partition, so no re-sorting is needed.
#[derive(Default)]
struct Balancer {
    sorted: Vec<u32>,
    ll_end: usize,
    ll_count: i64,
    next_ll: usize,
    ml_start: usize,
    ml_end: usize,
    ml_count: i64,
    next_ml: i64,
}

impl Balancer {
    /// Sorts `members` by (size, index); returns the spread between the ends.
    fn initialize(&mut self, members: &[u32], sizes: &[i64]) -> i64 {
        self.sorted.clear();
        self.sorted.extend_from_slice(members);
        crate::sort::stable_by_key(&mut self.sorted, |m| (sizes[m as usize], m));
        if self.sorted.is_empty() {
            return 0;
        }
        let n = self.sorted.len();
        let (lo, hi) = (
            sizes[self.sorted[0] as usize],
            sizes[self.sorted[n - 1] as usize],
        );
        self.ll_end = 0;
        self.ll_count = lo - 1;
        self.next_ll = 0;
        self.ml_start = n;
        self.ml_end = n;
        self.ml_count = hi + 1;
        self.next_ml = n as i64 - 1;
        hi - lo
    }

    fn next_least_loaded(&mut self, sizes: &[i64]) -> u32 {
        if self.next_ll >= self.ll_end {
            self.ll_count += 1;
            while self.ll_end < self.sorted.len()
                && sizes[self.sorted[self.ll_end] as usize] == self.ll_count
            {
                self.ll_end += 1;
            }
            self.next_ll = 0;
        }
        let m = self.sorted[self.next_ll.min(self.sorted.len() - 1)];
        self.next_ll += 1;
        m
    }

    fn next_most_loaded(&mut self, sizes: &[i64]) -> Option<u32> {
        if self.next_ml < self.ml_start as i64 {
            if self.ml_end <= self.ml_start && self.ml_start > 0 {
                self.ml_count = sizes[self.sorted[self.ml_start - 1] as usize];
            } else {
                self.ml_count -= 1;
            }
            while self.ml_start > 0
                && sizes[self.sorted[self.ml_start - 1] as usize] == self.ml_count
            {
                self.ml_start -= 1;
            }
            self.next_ml = self.ml_end as i64 - 1;
        }
        if self.next_ml < 0 {
            return None;
        }
        let m = self.sorted[self.next_ml as usize];
        self.next_ml -= 1;
        Some(m)
    }

    fn exclude_most_loaded(&mut self) {
        let i = (self.next_ml + 1) as usize;
        self.sorted.swap(i, self.ml_end - 1);
        self.ml_end -= 1;
    }

    fn is_balanced(&self) -> bool {
        self.ml_count - self.ll_count <= 1
    }
}
