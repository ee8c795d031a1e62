//! The broker cluster inside the simulation: brokers failing and returning, the controller
//! fencing them and electing leaders, followers fetching from leaders, the ISR shrinking and
//! growing, the high watermark, truncation, and the coordinators moving with their
//! `__consumer_offsets` partition. The state machines are [`super::broker`],
//! [`super::replica`] and [`super::controller`]; this routes messages and timers between them.
//!
//! With one broker and replication factor 1 (the defaults) none of the follower machinery
//! runs: the high watermark is the log end, moved at every append.

use std::collections::VecDeque;

use crate::event::{Event, Tp};

use super::batch::Run;
use super::broker::BrokerState;
use super::controller::{self, Election};
use super::producer_state::{seq_key, ProducerStateManager};
use super::protocol::Endpoint;
use super::protocol::{CommitPurpose, Request};
use super::replica::{bit, PartitionReplicas};
use super::Sim;
use super::Timer;

/// Held requests to an unavailable coordinator, at most (heartbeats are not held).
const HELD_MAX: usize = 4096;

/// Everything per partition besides its log.
#[derive(Clone, Debug)]
pub(crate) struct PartitionMeta {
    pub rep: PartitionReplicas,
    /// Batches above the truncation floor, oldest first (only with replication factor > 1:
    /// a single replica never truncates).
    pub runs: VecDeque<Run>,
    /// Every truncation's target offset, in order; a batch appended after `k` truncations
    /// survives while every later one stayed at or above its end.
    pub trunc_points: Vec<u64>,
    /// Idempotent producers' state.
    pub producer_state: ProducerStateManager,
}

impl PartitionMeta {
    pub fn new(rep: PartitionReplicas) -> PartitionMeta {
        PartitionMeta {
            rep,
            runs: VecDeque::new(),
            trunc_points: Vec::new(),
            producer_state: ProducerStateManager::default(),
        }
    }

    /// Truncations so far (stamped on appended batches).
    pub fn gen(&self) -> u32 {
        self.trunc_points.len() as u32
    }

    /// Whether records ending at `end`, appended after `gen` truncations, are still there.
    pub fn survived(&self, end: u64, gen: u32) -> bool {
        self.trunc_points
            .get(gen as usize..)
            .is_none_or(|later| later.iter().all(|&t| t >= end))
    }

    /// Bytes a clone allocates.
    pub fn approx_bytes(&self) -> usize {
        std::mem::size_of::<super::replica::Replica>() * self.rep.replicas.len()
            + 16 * self.rep.epochs.len()
            + std::mem::size_of::<Run>() * self.runs.len()
            + 8 * self.trunc_points.len()
            + self.producer_state.approx_bytes()
    }
}

/// A follower broker's fetch session with one leader broker (`ReplicaFetcherThread`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Fetcher {
    /// Bumped to cancel the loop's timers.
    pub epoch: u64,
    /// A fetch or its answer is on its way, or the fetch waits at the leader.
    pub active: bool,
    /// The fetch waits at the leader for new data (`replica.fetch.wait.max.ms`).
    pub parked: bool,
    /// The answer in flight: (topic, partition, leader log end when answered).
    pub upto: Vec<(u32, u32, u64)>,
}

impl Sim {
    /// After records were appended to a partition's leader log: the leader's LEO moves, the HW
    /// with it when the ISR is just the leader; parked follower fetches are answered. Returns
    /// whether the HW moved (consumers were told).
    pub(crate) fn leader_appended(&mut self, topic: u32, partition: u32) -> bool {
        let t = &mut self.topics[topic as usize];
        let leo = t.logs[partition as usize].log_end_offset();
        let m = &mut t.meta[partition as usize];
        let moved = m.rep.leader_appended(leo).is_some();
        if self.replicated && m.rep.rf() > 1 {
            let leader = m.rep.leader;
            let followers: u16 =
                m.rep.replicas.iter().fold(0, |s, r| s | bit(r.broker)) & !leader.map_or(0, bit);
            if let Some(l) = leader {
                for f in 0..self.brokers.len() as u32 {
                    if followers & bit(f) != 0 {
                        let k = self.fetcher_index(f, l);
                        if self.fetchers[k].parked {
                            self.answer_follower_fetch(f, l);
                        }
                    }
                }
            }
        }
        if moved {
            self.hw_advanced(topic, partition);
        }
        moved
    }

    /// The HW of a partition moved up: consumers may read further, waiting `acks=all`
    /// requests may complete, and the batch runs below every replica's reach are forgotten.
    pub(crate) fn hw_advanced(&mut self, topic: u32, partition: u32) {
        self.data_arrived(topic, partition);
        if !self.purgatory.is_empty() {
            self.complete_delayed_produce();
        }
        let unclean = self.scenario.unclean_leader_election_enable;
        let m = &mut self.topics[topic as usize].meta[partition as usize];
        if !m.runs.is_empty() {
            // A clean election never truncates below the HW; an unclean one can go down to the
            // smallest log end of any replica.
            let floor = if unclean {
                m.rep.replicas.iter().map(|r| r.leo).min().unwrap_or(0)
            } else {
                m.rep.hw
            };
            while m
                .runs
                .front()
                .is_some_and(|r| r.base + u64::from(r.count) <= floor)
            {
                m.runs.pop_front();
            }
        }
    }

    fn fetcher_index(&self, follower: u32, leader: u32) -> usize {
        (follower as usize) * self.brokers.len() + leader as usize
    }

    /// Starts every follower→leader fetch loop that should run and does not.
    pub(crate) fn ensure_fetchers(&mut self) {
        if !self.replicated {
            return;
        }
        let n = self.brokers.len() as u32;
        let mut wanted = vec![0u16; n as usize];
        for t in &self.topics {
            for m in &t.meta {
                let Some(l) = m.rep.leader else { continue };
                for r in &m.rep.replicas {
                    if r.broker != l {
                        wanted[r.broker as usize] |= bit(l);
                    }
                }
            }
        }
        for f in 0..n {
            for l in 0..n {
                let k = self.fetcher_index(f, l);
                let up =
                    self.brokers[f as usize].reachable() && self.brokers[l as usize].reachable();
                if wanted[f as usize] & bit(l) != 0 && up && !self.fetchers[k].active {
                    self.fetchers[k].active = true;
                    self.fetchers[k].parked = false;
                    self.fetchers[k].epoch += 1;
                    self.send_follower_fetch(f, l);
                }
            }
        }
    }

    /// Stops every fetch loop from or to broker `b`.
    fn stop_fetchers(&mut self, b: u32) {
        let n = self.brokers.len() as u32;
        for x in 0..n {
            for k in [self.fetcher_index(b, x), self.fetcher_index(x, b)] {
                let f = &mut self.fetchers[k];
                f.active = false;
                f.parked = false;
                f.epoch += 1;
            }
        }
    }

    fn send_follower_fetch(&mut self, follower: u32, leader: u32) {
        let k = self.fetcher_index(follower, leader);
        let epoch = self.fetchers[k].epoch;
        let at = self.now_ms + self.latency_ms() + self.brokers[follower as usize].slow_ms;
        self.timers.at(
            at,
            Timer::ReplicaFetch {
                follower,
                leader,
                epoch,
            },
        );
    }

    /// A follower's fetch reaches the leader: Kafka's `Partition.updateFollowerFetchState`
    /// for each partition it follows there (the caught-up clock, ISR expansion, the HW), then
    /// an answer with whatever it lacks, or the fetch waits for data.
    pub(crate) fn follower_fetch_arrives(&mut self, follower: u32, leader: u32, epoch: u64) {
        let k = self.fetcher_index(follower, leader);
        if self.fetchers[k].epoch != epoch || !self.fetchers[k].active {
            return;
        }
        if !self.brokers[follower as usize].reachable()
            || !self.brokers[leader as usize].reachable()
        {
            self.fetchers[k].active = false;
            return;
        }
        let now = self.now_ms;
        let mut moved = Vec::new();
        for t in 0..self.topics.len() {
            for p in 0..self.topics[t].meta.len() {
                let topic = &mut self.topics[t];
                let m = &mut topic.meta[p];
                if m.rep.leader != Some(leader) {
                    continue;
                }
                let Some(r) = m.rep.replica(follower) else {
                    continue;
                };
                let fetch_offset = r.leo;
                let leo = topic.logs[p].log_end_offset();
                let (expanded, hw) = m.rep.follower_fetched(follower, fetch_offset, leo, now);
                if expanded {
                    let isr_size = m.rep.isr_len();
                    self.emit(Event::IsrExpanded {
                        topic: t as u32,
                        partition: p as u32,
                        broker: follower,
                        isr_size,
                    });
                }
                if hw.is_some() {
                    moved.push((t as u32, p as u32));
                }
            }
        }
        for (t, p) in moved {
            self.hw_advanced(t, p);
        }
        self.answer_follower_fetch(follower, leader);
    }

    /// The leader answers a follower's fetch if it has data the follower lacks; else the fetch
    /// waits (`DelayedFetch`) until an append.
    fn answer_follower_fetch(&mut self, follower: u32, leader: u32) {
        let k = self.fetcher_index(follower, leader);
        let mut upto = std::mem::take(&mut self.fetchers[k].upto);
        upto.clear();
        for (t, topic) in self.topics.iter().enumerate() {
            for (p, m) in topic.meta.iter().enumerate() {
                if m.rep.leader != Some(leader) {
                    continue;
                }
                let Some(r) = m.rep.replica(follower) else {
                    continue;
                };
                let leo = topic.logs[p].log_end_offset();
                if r.leo < leo {
                    upto.push((t as u32, p as u32, leo));
                }
            }
        }
        let f = &mut self.fetchers[k];
        if upto.is_empty() {
            f.parked = true;
            f.upto = upto;
            return;
        }
        f.parked = false;
        f.upto = upto;
        let epoch = f.epoch;
        let at = self.now_ms + self.latency_ms();
        self.timers.at(
            at,
            Timer::ReplicaFetchResponse {
                follower,
                leader,
                epoch,
            },
        );
    }

    /// The answer reaches the follower: it copies the records, then fetches again.
    pub(crate) fn follower_fetch_response(&mut self, follower: u32, leader: u32, epoch: u64) {
        let k = self.fetcher_index(follower, leader);
        if self.fetchers[k].epoch != epoch || !self.fetchers[k].active {
            return;
        }
        let upto = std::mem::take(&mut self.fetchers[k].upto);
        for &(t, p, leo) in &upto {
            let topic = &mut self.topics[t as usize];
            let end = topic.logs[p as usize].log_end_offset();
            let m = &mut topic.meta[p as usize];
            if m.rep.leader == Some(leader) {
                m.rep.follower_copied(follower, leo.min(end));
            }
        }
        self.fetchers[k].upto = upto;
        self.send_follower_fetch(follower, leader);
    }

    /// Kafka's `isr-expiration` task (every `replica.lag.time.max.ms / 2`).
    pub(crate) fn isr_check(&mut self) {
        let now = self.now_ms;
        let lag = self.scenario.replica_lag_time_max_ms;
        let mut moved = Vec::new();
        for t in 0..self.topics.len() {
            for p in 0..self.topics[t].meta.len() {
                let leo = self.topics[t].logs[p].log_end_offset();
                let m = &mut self.topics[t].meta[p];
                let Some(l) = m.rep.leader else { continue };
                // A leader cut off from the controller cannot change the ISR (AlterPartition).
                if m.rep.rf() < 2 || !self.brokers[l as usize].reachable() {
                    continue;
                }
                let (out, hw) = m.rep.shrink_isr(leo, now, lag);
                let isr_size = m.rep.isr_len();
                for b in 0..16u32 {
                    if out & bit(b) != 0 {
                        self.emit(Event::IsrShrunk {
                            topic: t as u32,
                            partition: p as u32,
                            broker: b,
                            isr_size,
                        });
                    }
                }
                if hw.is_some() {
                    moved.push((t as u32, p as u32));
                }
            }
        }
        for (t, p) in moved {
            self.hw_advanced(t, p);
        }
        self.timers.at(now + (lag / 2).max(1), Timer::IsrCheck);
    }

    pub(super) fn crash_broker(&mut self, b: u32) {
        if self.brokers[b as usize].crash().is_err() {
            return;
        }
        self.emit(Event::BrokerCrashed { broker: b });
        self.broker_lost(b);
    }

    pub(super) fn isolate_broker(&mut self, b: u32) {
        if self.brokers[b as usize].isolate().is_err() {
            return;
        }
        self.emit(Event::BrokerIsolated { broker: b });
        self.broker_lost(b);
    }

    /// A broker stopped answering: its fetch sessions stop, a dead process's waiting produce
    /// requests are gone, and the controller will fence it after `broker.session.timeout.ms`.
    fn broker_lost(&mut self, b: u32) {
        self.stop_fetchers(b);
        if self.brokers[b as usize].state == BrokerState::Crashed {
            self.purgatory.retain(|d| d.broker != b);
            // The dead process's sockets close: every client with a request to it sees the
            // disconnect one hop later (`NetworkClient` fails the in-flight requests).
            for p in 0..self.producers.len() as u32 {
                self.disconnect_producer(p, b);
            }
        }
        let incarnation = self.brokers[b as usize].incarnation;
        self.timers.at(
            self.now_ms + self.scenario.broker_session_timeout_ms,
            Timer::BrokerSessionExpired {
                broker: b,
                incarnation,
            },
        );
        // Consumers fetching from it get nothing more: their parked fetches expire as usual.
    }

    pub(super) fn restart_broker(&mut self, b: u32) {
        if self.brokers[b as usize].restart().is_err() {
            return;
        }
        self.emit(Event::BrokerRestarted { broker: b });
        self.broker_rejoined(b);
    }

    pub(super) fn heal_broker(&mut self, b: u32) {
        if self.brokers[b as usize].heal().is_err() {
            return;
        }
        self.emit(Event::BrokerHealed { broker: b });
        self.broker_rejoined(b);
    }

    pub(super) fn slow_follower(&mut self, b: u32, delay_ms: u64) {
        self.brokers[b as usize].slow_ms = delay_ms;
        self.emit(Event::FollowerSlowed {
            broker: b,
            delay_ms,
        });
    }

    /// The controller's session for broker `b` expired: fence it (out of every ISR, its
    /// leaderships elected elsewhere).
    pub(crate) fn broker_session_expired(&mut self, b: u32, incarnation: u32) {
        let br = &mut self.brokers[b as usize];
        if br.incarnation != incarnation || br.reachable() || br.fenced {
            return;
        }
        br.fenced = true;
        self.emit(Event::BrokerFenced { broker: b });
        for t in 0..self.topics.len() as u32 {
            for p in 0..self.topics[t as usize].meta.len() as u32 {
                let m = &mut self.topics[t as usize].meta[p as usize];
                let was_leader = m.rep.leader == Some(b);
                if controller::fence_from_isr(&mut m.rep, b) {
                    let isr_size = m.rep.isr_len();
                    self.emit(Event::IsrShrunk {
                        topic: t,
                        partition: p,
                        broker: b,
                        isr_size,
                    });
                    // A smaller ISR may let the HW move.
                    if self.topics[t as usize].meta[p as usize]
                        .rep
                        .maybe_increment_hw()
                        .is_some()
                    {
                        self.hw_advanced(t, p);
                    }
                }
                if was_leader {
                    self.elect_leader(t, p);
                }
            }
        }
        for g in 0..self.groups.len() as u32 {
            let rep = &mut self.groups[g as usize].coord_rep;
            controller::fence_from_isr(rep, b);
            if rep.leader == Some(b) {
                self.elect_coordinator(g);
            }
        }
        self.ensure_fetchers();
        self.wake_producers();
    }

    /// A broker came back (restart or heal) and registered: its replicas truncate what only
    /// they had and follow; offline partitions it can lead get a leader again.
    fn broker_rejoined(&mut self, b: u32) {
        for t in 0..self.topics.len() as u32 {
            for p in 0..self.topics[t as usize].meta.len() as u32 {
                let m = &self.topics[t as usize].meta[p as usize];
                if m.rep.replica(b).is_none() {
                    continue;
                }
                match m.rep.leader {
                    None => self.elect_leader(t, p),
                    Some(l) if l != b => self.truncate_replica(t, p, b),
                    Some(_) => {}
                }
            }
        }
        for g in 0..self.groups.len() as u32 {
            let rep = &mut self.groups[g as usize].coord_rep;
            // Internal topics are modelled as always in sync: a returning replica rejoins the ISR.
            if rep.replica(b).is_some() {
                rep.isr |= bit(b);
            }
            if rep.leader.is_none() {
                self.elect_coordinator(g);
            }
        }
        self.ensure_fetchers();
        self.wake_producers();
        for g in 0..self.groups.len() as u32 {
            self.release_held(g);
        }
    }

    /// Leader-epoch truncation of broker `b`'s replica against the current leader.
    fn truncate_replica(&mut self, t: u32, p: u32, b: u32) {
        let topic = &mut self.topics[t as usize];
        let leo = topic.logs[p as usize].log_end_offset();
        if let Some((to, from)) = topic.meta[p as usize].rep.truncate_follower(b, leo) {
            self.emit(Event::ReplicaTruncated {
                topic: t,
                partition: p,
                broker: b,
                from_offset: to,
                to_offset: from,
            });
        }
    }

    fn usable(&self, b: u32) -> bool {
        !self.brokers[b as usize].fenced
    }

    /// The controller elects a leader for a partition whose leader was fenced (or that is
    /// offline): `PartitionChangeBuilder`. The new leader's log becomes the partition's log:
    /// whatever the old one held above it is gone.
    pub(crate) fn elect_leader(&mut self, t: u32, p: u32) {
        let unclean_ok = self.scenario.unclean_leader_election_enable;
        let now = self.now_ms;
        let election = {
            let m = &self.topics[t as usize].meta[p as usize];
            controller::elect(&m.rep, |b| self.usable(b), unclean_ok)
        };
        let (b, unclean) = match election {
            Election::Clean(b) => (b, false),
            Election::Unclean(b) => (b, true),
            Election::Offline => {
                let m = &mut self.topics[t as usize].meta[p as usize];
                if m.rep.leader.take().is_some() {
                    let leader_epoch = m.rep.leader_epoch;
                    let log_end_offset = self.topics[t as usize].logs[p as usize].log_end_offset();
                    self.emit(Event::LeaderElected {
                        topic: t,
                        partition: p,
                        leader: None,
                        leader_epoch,
                        unclean: false,
                        log_end_offset,
                        truncated: 0,
                    });
                }
                return;
            }
        };
        let topic = &mut self.topics[t as usize];
        let old_leo = topic.logs[p as usize].log_end_offset();
        let m = &mut topic.meta[p as usize];
        let was = m.rep.leader.map(|l| (l, m.rep.leader_epoch));
        let epoch = m.rep.leader_epoch + 1;
        let new_leo = m.rep.make_leader(b, epoch, now);
        if unclean {
            m.rep.isr = bit(b);
        }
        if new_leo < m.rep.hw {
            // Only an unclean election goes below the HW: the acknowledged-and-visible
            // records above the new leader's log end are gone.
            m.rep.hw = new_leo;
        }
        if let Some(c) = self.causes.as_deref_mut() {
            c.leader_changed(now, (t, p), was, b, epoch, unclean, new_leo, old_leo);
        }
        self.truncate_partition(t, p, new_leo, old_leo);
        self.emit(Event::LeaderElected {
            topic: t,
            partition: p,
            leader: Some(b),
            leader_epoch: epoch,
            unclean,
            log_end_offset: new_leo,
            truncated: old_leo.saturating_sub(new_leo),
        });
        // Reachable followers learn of the new epoch and truncate at once.
        let followers: Vec<u32> = self.topics[t as usize].meta[p as usize]
            .rep
            .replicas
            .iter()
            .map(|r| r.broker)
            .filter(|&x| x != b && self.brokers[x as usize].reachable())
            .collect();
        for f in followers {
            self.truncate_replica(t, p, f);
        }
        if self.topics[t as usize].meta[p as usize]
            .rep
            .maybe_increment_hw()
            .is_some()
        {
            self.hw_advanced(t, p);
        } else {
            // Parked consumers look at the new leader.
            self.data_arrived(t, p);
        }
    }

    /// The partition's log now ends at `new_leo` (it ended at `old_leo`): account for every
    /// record that went.
    fn truncate_partition(&mut self, t: u32, p: u32, new_leo: u64, old_leo: u64) {
        if new_leo >= old_leo {
            return;
        }
        self.figures_truncated((t, p), new_leo);
        let topic = &mut self.topics[t as usize];
        let log = &mut topic.logs[p as usize];
        let visible = log.visible_in(new_leo, old_leo, true);
        topic.produced = topic.produced.saturating_sub(visible);
        log.truncate_to(new_leo);
        let m = &mut topic.meta[p as usize];
        m.trunc_points.push(new_leo);
        m.producer_state.truncate_to(new_leo);
        let mut lost = Vec::new();
        while m.runs.back().is_some_and(|r| r.base >= new_leo) {
            let r = m.runs.pop_back().expect("checked");
            let prod = &mut self.producers[r.producer as usize];
            if let Some(next) = prod.log_next_seq.get_mut(p as usize) {
                *next = (*next).min(seq_key(r.epoch, r.first_seq));
            }
            if r.acked {
                lost.push(r);
            }
        }
        // One event per producer: its acknowledged records this truncation took.
        lost.sort_by_key(|r| (r.producer, r.base));
        let mut i = 0;
        while i < lost.len() {
            let producer = lost[i].producer;
            let first = lost[i].base;
            let mut count = 0u64;
            while i < lost.len() && lost[i].producer == producer {
                count += u64::from(lost[i].count);
                i += 1;
            }
            self.acked_lost(producer, (t, p), Some(first), count);
        }
        for g in &mut self.groups {
            if let Some(gp) = g
                .parts
                .get_mut(t as usize)
                .and_then(|v| v.get_mut(p as usize))
            {
                gp.ledger.truncate(new_leo);
                if let Some(c) = self.causes.as_deref_mut() {
                    c.truncated((t, p), new_leo);
                }
                // KIP-320: a consumer (and a committed offset) past the new log end detects
                // the truncation and continues from where the logs diverged.
                if let Some(c) = gp.committed.as_mut() {
                    c.0 = c.0.min(new_leo);
                }
            }
            for c in &mut g.slots {
                for (i, &tp) in c.assigned.iter().enumerate() {
                    if tp == (t, p) {
                        c.positions[i] = c.positions[i].min(new_leo);
                    }
                }
            }
        }
    }

    /// Counts acknowledged records that are not in the log, and says so.
    pub(crate) fn acked_lost(
        &mut self,
        producer: u32,
        tp: Tp,
        first_offset: Option<u64>,
        count: u64,
    ) {
        self.producers[producer as usize].ledger.acked_lost += count;
        self.emit(Event::AckedRecordsLost {
            producer,
            topic: tp.0,
            partition: tp.1,
            first_offset,
            count,
        });
    }

    /// Whether group `g`'s coordinator is reachable (its `__consumer_offsets` partition has a
    /// leader that clients reach).
    pub(crate) fn coordinator_available(&self, g: u32) -> bool {
        self.groups[g as usize]
            .coord_rep
            .leader
            .is_some_and(|b| self.brokers[b as usize].reachable())
    }

    /// A request for an unavailable coordinator: Kafka's client fails it with
    /// `NOT_COORDINATOR` / a timeout, finds the new coordinator and sends it again; here it is
    /// held and delivered once a coordinator is reachable. Heartbeats are simply lost, and so
    /// are auto-commits: `commitAsync` fails with a retriable error that nobody retries (the
    /// next auto-commit interval sends the positions of then), which is also why Kafka never
    /// lets an older auto-commit land after a newer one (found by the soak, seed 8432).
    pub(crate) fn hold_request(&mut self, from: Endpoint, req: Request) {
        if matches!(
            req,
            Request::Heartbeat { .. }
                | Request::Commit {
                    purpose: CommitPurpose::Auto,
                    ..
                }
        ) {
            return;
        }
        let held = &mut self.groups[from.group as usize].held;
        if held.len() >= HELD_MAX {
            held.remove(0);
        }
        held.push((from, req));
    }

    fn release_held(&mut self, g: u32) {
        if !self.coordinator_available(g) {
            return;
        }
        let held = std::mem::take(&mut self.groups[g as usize].held);
        let at = self.now_ms + self.latency_ms();
        for (from, req) in held {
            self.timers.at(at, Timer::ToCoordinator { from, req });
        }
    }

    /// Elects a new leader for group `g`'s `__consumer_offsets` partition: the coordinator
    /// moves there and reloads the group (`GroupMetadataManager.loadGroupsForPartition`).
    fn elect_coordinator(&mut self, g: u32) {
        let unclean = self.scenario.unclean_leader_election_enable;
        let election = controller::elect(
            &self.groups[g as usize].coord_rep,
            |b| self.usable(b),
            unclean,
        );
        let grp = &mut self.groups[g as usize];
        let from = grp.coord_rep.leader;
        let to = match election {
            Election::Clean(b) | Election::Unclean(b) => Some(b),
            Election::Offline => None,
        };
        if let Some(b) = to {
            let epoch = grp.coord_rep.leader_epoch + 1;
            grp.coord_rep.make_leader(b, epoch, self.now_ms);
        } else {
            grp.coord_rep.leader = None;
        }
        if from == to {
            return;
        }
        self.emit(Event::CoordinatorMoved { group: g, from, to });
        if to.is_some() {
            self.coordinator_reloaded(g);
        }
    }

    /// The new coordinator loaded the group: every member gets a fresh session (Kafka schedules
    /// each member's heartbeat expiry on load), and a rebalance that was completing fails:
    /// the members rejoin.
    fn coordinator_reloaded(&mut self, g: u32) {
        self.coordinator_loaded(g);
        self.release_held(g);
    }
}
