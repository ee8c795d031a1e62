//! Read-only views of the simulation: the [`Snapshot`] the page draws and per-group totals.

use serde::Serialize;

use crate::assignor::Strategy;
use crate::event::{ConsumerState, Tp};
use crate::figures::GroupFigures;
use crate::frame::{self, *};
use crate::log::NO_KEY;
use crate::scenario::CommitMode;
use crate::snapshot::{
    BrokerView, GroupPartitionView, GroupView, MemberView, OffsetsRow, PartitionView, ProducerView,
    ReplicaView, Snapshot, TopicView,
};

use super::consumer::Loop;
use super::Sim;

/// How many of a partition's newest records a snapshot carries for drawing.
const RECENT_MAX: usize = 64;

/// One group's delivery totals, as the native runner prints them.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct GroupStats {
    /// `group.id`.
    pub group: String,
    /// Records produced to the group's topics that it can see.
    pub produced: u64,
    /// Processings, repeats included.
    pub processed: u64,
    /// Repeats.
    pub duplicates: u64,
    /// Records skipped for good.
    pub lost: u64,
    /// Rebalances.
    pub rebalances: u64,
    /// Largest lag seen.
    pub max_lag: u64,
    /// Total ms the group's partitions had no owner able to process them (printed when the
    /// scenario has a `group.protocol` "consumer" group, to compare protocols).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downtime_ms: Option<u64>,
    /// Times a live member stopped processing all its partitions for a rebalance (printed
    /// with `downtime_ms`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paused_members: Option<u64>,
}

/// One producer's delivery totals, as the native runner prints them.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ProducerStats {
    /// `client.id`.
    pub producer: String,
    /// Records handed to `send()`.
    pub sent: u64,
    /// Records acknowledged (`acks=0`: when sent).
    pub acked: u64,
    /// Records that failed for good.
    pub failed: u64,
    /// Records written to the log a second time.
    pub log_duplicates: u64,
    /// Acknowledged records not in the log.
    pub acked_lost: u64,
    /// Records appended after a later record of the same producer and partition.
    pub reordered: u64,
}

impl Sim {
    /// Per-producer delivery totals.
    pub fn producer_stats(&self) -> Vec<ProducerStats> {
        self.producers
            .iter()
            .zip(&self.scenario.producers)
            .map(|(p, cfg)| ProducerStats {
                producer: cfg.id.clone(),
                sent: p.ledger.sent,
                acked: p.ledger.acked,
                failed: p.ledger.failed,
                log_duplicates: p.ledger.log_duplicates,
                acked_lost: p.ledger.acked_lost,
                reordered: p.ledger.reordered,
            })
            .collect()
    }

    /// The leader of a partition (`None` while it is offline).
    pub fn partition_leader(&self, tp: Tp) -> Option<u32> {
        self.topics
            .get(tp.0 as usize)?
            .meta
            .get(tp.1 as usize)?
            .rep
            .leader
    }

    /// The replicas of a partition (broker ids, preferred leader first).
    pub fn partition_replicas(&self, tp: Tp) -> Vec<u32> {
        self.topics
            .get(tp.0 as usize)
            .and_then(|t| t.meta.get(tp.1 as usize))
            .map_or(Vec::new(), |m| {
                m.rep.replicas.iter().map(|r| r.broker).collect()
            })
    }

    /// The in-sync replicas of a partition (broker ids, ascending).
    pub fn isr(&self, tp: Tp) -> Vec<u32> {
        self.topics
            .get(tp.0 as usize)
            .and_then(|t| t.meta.get(tp.1 as usize))
            .map_or(Vec::new(), |m| m.rep.isr_list())
    }

    /// A partition's high watermark: consumers read below it.
    pub fn high_watermark(&self, tp: Tp) -> Option<u64> {
        Some(
            self.topics
                .get(tp.0 as usize)?
                .meta
                .get(tp.1 as usize)?
                .rep
                .hw,
        )
    }

    /// The broker hosting group `g`'s coordinator (`None`: none is elected).
    pub fn coordinator_broker(&self, g: u32) -> Option<u32> {
        self.groups.get(g as usize)?.coord_rep.leader
    }

    /// What broker `b` is doing.
    pub fn broker_state(&self, b: u32) -> Option<crate::BrokerState> {
        self.brokers.get(b as usize).map(|x| x.state)
    }

    /// Per-group delivery totals.
    pub fn stats(&self) -> Vec<GroupStats> {
        let compare = self.groups.iter().any(|g| g.kip848.is_some());
        let now = self.now_ms;
        self.groups
            .iter()
            .map(|grp| {
                let mut st = GroupStats {
                    group: grp.cfg.group_id.clone(),
                    produced: grp
                        .topics
                        .iter()
                        .map(|&t| self.topics[t as usize].produced)
                        .sum(),
                    processed: 0,
                    duplicates: 0,
                    lost: 0,
                    rebalances: grp.rebalances,
                    max_lag: grp.max_lag,
                    downtime_ms: compare.then(|| {
                        grp.parts
                            .iter()
                            .flatten()
                            .map(|gp| gp.downtime_ms + gp.down_since_ms.map_or(0, |s| now - s))
                            .sum()
                    }),
                    paused_members: compare.then_some(grp.paused_members),
                };
                for gp in grp.parts.iter().flatten() {
                    st.processed += gp.ledger.processed;
                    st.duplicates += gp.ledger.duplicates;
                    st.lost += gp.ledger.lost;
                }
                st
            })
            .collect()
    }

    /// The run's delivery totals as `simulate` prints them: `groups` (each group's
    /// [`GroupStats`] with its [`GroupFigures`] merged in, the same value where both have a
    /// key), `producers`, and `share_groups` when the scenario has any. One builder, so the
    /// `mailroom simulate --json` object and the core's `simulate` example cannot drift apart.
    pub fn totals_json(&self) -> serde_json::Value {
        let groups: Vec<serde_json::Value> = self
            .stats()
            .iter()
            .zip(self.figures())
            .map(|(st, fig)| {
                let mut g = serde_json::to_value(st).unwrap_or_default();
                if let (Some(g), Ok(serde_json::Value::Object(fig))) =
                    (g.as_object_mut(), serde_json::to_value(fig))
                {
                    for (k, v) in fig {
                        g.entry(k).or_insert(v);
                    }
                }
                g
            })
            .collect();
        let mut out = serde_json::json!({
            "groups": groups,
            "producers": self.producer_stats(),
        });
        let share = self.share_stats();
        if !share.is_empty() {
            // Share groups (KIP-932): processed, redeliveries, archived, lost (must be 0).
            out["share_groups"] = serde_json::json!(share);
        }
        out
    }

    /// Per-group figures now (see [`crate::figures`] for their definitions). `p99_lag` and the
    /// latencies are `None` unless [`Sim::set_track_figures`] was on from the start.
    pub fn figures(&self) -> Vec<GroupFigures> {
        let now = self.now_ms;
        self.stats()
            .into_iter()
            .zip(&self.groups)
            .enumerate()
            .map(|(g, (st, grp))| {
                let track = self.figures.as_ref().map(|f| &f.groups[g]);
                GroupFigures {
                    group: st.group,
                    produced: st.produced,
                    processed: st.processed,
                    max_lag: st.max_lag,
                    worst_lag_at_ms: grp.max_lag_at_ms,
                    p99_lag: track.and_then(|t| t.lag.percentile(99)),
                    latency_p50_ms: track.and_then(|t| t.latency.percentile(50)),
                    latency_p99_ms: track.and_then(|t| t.latency.percentile(99)),
                    latency_exact: self
                        .figures
                        .as_ref()
                        .is_some_and(|f| !f.coarsened(&grp.topics)),
                    duplicates: st.duplicates,
                    lost: st.lost,
                    rebalances: st.rebalances,
                    downtime_ms: grp
                        .parts
                        .iter()
                        .flatten()
                        .map(|gp| gp.downtime_ms + gp.down_since_ms.map_or(0, |s| now - s))
                        .sum(),
                }
            })
            .collect()
    }

    /// The owner (slot) of each partition a group subscribes to, among live members of the
    /// current generation: the invariant "one owner per partition" is checked on this.
    pub fn owners(&self, group: u32) -> Vec<(Tp, Vec<u32>)> {
        let grp = &self.groups[group as usize];
        self.subscribed_partitions(group)
            .into_iter()
            .map(|tp| {
                if grp.kip848.is_some() {
                    return (tp, self.k848_owners(group, tp));
                }
                let owners = grp
                    .slots
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| {
                        c.alive
                            && c.generation >= 0
                            && c.generation == grp.coord.generation
                            && c.assigned.contains(&tp)
                    })
                    .map(|(i, _)| i as u32)
                    .collect();
                (tp, owners)
            })
            .collect()
    }

    /// The committed offset of a group's partition, if any.
    pub fn committed(&self, group: u32, tp: Tp) -> Option<u64> {
        self.groups
            .get(group as usize)?
            .parts
            .get(tp.0 as usize)?
            .get(tp.1 as usize)?
            .committed
            .map(|c| c.0)
    }

    /// A partition's log-end offset.
    pub fn log_end_offset(&self, tp: Tp) -> Option<u64> {
        Some(
            self.topics
                .get(tp.0 as usize)?
                .logs
                .get(tp.1 as usize)?
                .log_end_offset(),
        )
    }

    /// The key (entity number) of the record at `offset` in `tp`, if stored and keyed.
    pub fn record_key(&self, tp: Tp, offset: u64) -> Option<u32> {
        let k = self
            .topics
            .get(tp.0 as usize)?
            .logs
            .get(tp.1 as usize)?
            .key(offset);
        (k != crate::log::NO_KEY).then_some(k)
    }

    /// Everything the stage draws, now.
    pub fn snapshot(&self) -> Snapshot {
        let now = self.now_ms;
        let topics = self
            .topics
            .iter()
            .map(|t| TopicView {
                name: t.name.clone(),
                partitions: t
                    .logs
                    .iter()
                    .zip(&t.meta)
                    .map(|(log, meta)| {
                        let (recent_base_offset, recent_keys, recent_txn) = log.tail(RECENT_MAX);
                        PartitionView {
                            log_start_offset: log.log_start_offset(),
                            log_end_offset: log.log_end_offset(),
                            last_stable_offset: log.last_stable_offset().min(meta.rep.hw),
                            high_watermark: meta.rep.hw,
                            leader: meta.rep.leader,
                            leader_epoch: meta.rep.leader_epoch,
                            replicas: meta
                                .rep
                                .replicas
                                .iter()
                                .map(|r| ReplicaView {
                                    broker: r.broker,
                                    log_end_offset: r.leo,
                                    in_isr: meta.rep.in_isr(r.broker),
                                })
                                .collect(),
                            recent_base_offset,
                            recent_keys,
                            recent_txn,
                        }
                    })
                    .collect(),
            })
            .collect();
        let producers = self
            .producers
            .iter()
            .zip(&self.scenario.producers)
            .map(|(p, cfg)| ProducerView {
                id: cfg.id.clone(),
                topic: p.topic,
                rate_per_sec: p.rate_per_sec,
                key_prefix: p.key_prefix(),
                produced: p.produced,
                sticky_partition: p.sticky_partition(),
                ledger: p.ledger.clone(),
            })
            .collect();
        let stats = self.stats();
        let mut consumer_offsets = Vec::new();
        let groups = self
            .groups
            .iter()
            .enumerate()
            .map(|(gi, grp)| {
                let members = grp
                    .slots
                    .iter()
                    .map(|c| {
                        let (pending, processing) = member_progress(c);
                        MemberView {
                            name: c.name.clone(),
                            member_id: c.member_id.clone(),
                            instance_id: c.instance_id.clone(),
                            state: if c.alive {
                                c.state
                            } else if c.left {
                                ConsumerState::Left
                            } else {
                                ConsumerState::Crashed
                            },
                            assigned: c.assigned.clone(),
                            processing,
                            pending: pending as u32,
                            processed: c.processed,
                            generation: c.generation,
                        }
                    })
                    .collect();
                let owners = self.owners(gi as u32);
                let partitions = owners
                    .into_iter()
                    .map(|(tp, who)| {
                        let gp = &grp.parts[tp.0 as usize][tp.1 as usize];
                        let owner = who.first().copied().or_else(|| {
                            grp.slots
                                .iter()
                                .position(|c| c.alive && c.assigned.contains(&tp))
                                .map(|i| i as u32)
                        });
                        let position = owner.and_then(|o| {
                            let c = &grp.slots[o as usize];
                            c.assigned
                                .iter()
                                .position(|x| *x == tp)
                                .map(|i| c.positions[i])
                        });
                        if let Some((offset, at)) = gp.committed {
                            consumer_offsets.push(OffsetsRow {
                                group: gi as u32,
                                topic: tp.0,
                                partition: tp.1,
                                offset,
                                committed_at_ms: at,
                                offsets_partition: grp.offsets_partition,
                            });
                        }
                        GroupPartitionView {
                            topic: tp.0,
                            partition: tp.1,
                            owner,
                            committed: gp.committed.map(|c| c.0),
                            position,
                            lag: self.lag(gi as u32, tp).unwrap_or(0),
                            downtime_ms: gp.downtime_ms
                                + gp.down_since_ms.map(|s| now - s).unwrap_or(0),
                        }
                    })
                    .collect();
                let st = &stats[gi];
                GroupView {
                    id: grp.cfg.group_id.clone(),
                    state: grp.coord.state,
                    generation: grp.coord.generation,
                    strategy: grp.coord.protocol,
                    cooperative: grp.cfg.cooperative(),
                    leader: grp.coord.leader_slot(),
                    members,
                    partitions,
                    processed: st.processed,
                    duplicates: st.duplicates,
                    lost: st.lost,
                    rebalances: st.rebalances,
                    max_lag: st.max_lag,
                    paused_members: grp.paused_members,
                }
            })
            .collect();
        let brokers = self
            .brokers
            .iter()
            .enumerate()
            .map(|(b, br)| BrokerView {
                id: b as u32,
                state: br.state,
                fenced: br.fenced,
                slow_ms: br.slow_ms,
                coordinator_of: (0..self.groups.len() as u32)
                    .filter(|&g| self.groups[g as usize].coord_rep.leader == Some(b as u32))
                    .collect(),
            })
            .collect();
        Snapshot {
            now_ms: now,
            topics,
            producers,
            groups,
            consumer_offsets,
            kip848: (0..self.groups.len() as u32)
                .map(|g| self.kip848_view(g))
                .collect(),
            share_groups: self.share_group_views(),
            brokers,
        }
    }
}

impl Sim {
    /// Replica slots per partition in the frame: the largest replication factor.
    fn replica_slots(&self) -> usize {
        self.topics.iter().map(|t| t.rf as usize).max().unwrap_or(1)
    }

    /// The frame's shape: names and where each entity's rows start.
    pub fn layout(&self) -> Layout {
        let mut base = 0;
        let topics = self
            .topics
            .iter()
            .map(|t| {
                let tl = TopicLayout {
                    name: t.name.clone(),
                    partitions: t.logs.len() as u32,
                    base,
                };
                base += tl.partitions;
                tl
            })
            .collect();
        let mut member_base = 0;
        let groups = self
            .groups
            .iter()
            .map(|grp| {
                let gl = GroupLayout {
                    id: grp.cfg.group_id.clone(),
                    member_base,
                    members: grp.slots.iter().map(|c| c.name.clone()).collect(),
                    topics: grp.topics.clone(),
                    transactional: grp.cfg.commit == CommitMode::Transactional,
                    cooperative: grp.cfg.cooperative(),
                    static_membership: grp.cfg.static_membership,
                    commit: grp.cfg.commit,
                };
                member_base += grp.slots.len() as u32;
                gl
            })
            .collect();
        let producers = self
            .producers
            .iter()
            .zip(&self.scenario.producers)
            .map(|(p, cfg)| ProducerLayout {
                id: cfg.id.clone(),
                topic: p.topic,
                key_prefix: p.key_prefix(),
            })
            .collect();
        Layout {
            topics,
            total_partitions: base,
            groups,
            total_members: member_base,
            producers,
            group_protocols: self.groups.iter().map(|g| g.cfg.group_protocol).collect(),
            share_groups: self.share_group_layouts(),
            total_share_members: self
                .share_groups
                .iter()
                .map(|g| g.members.len() as u32)
                .sum(),
            brokers: self.brokers.len() as u32,
            replica_slots: self.replica_slots() as u32,
        }
    }

    /// Fills `frame` with the state of now (see [`crate::frame`]); the tails of the newest
    /// records only for global partition indices in `tails`. O(partitions × groups + members),
    /// no allocation once the buffers have their size.
    pub fn write_frame(&self, frame: &mut Frame, tails: std::ops::Range<usize>) {
        let now = self.now_ms;
        let bases = self.topic_bases();
        let total: usize = self.topics.iter().map(|t| t.logs.len()).sum();
        frame::reset(&mut frame.partitions, total * PART_STRIDE);
        for (ti, t) in self.topics.iter().enumerate() {
            for (p, log) in t.logs.iter().enumerate() {
                let row = &mut frame.partitions[(bases[ti] + p) * PART_STRIDE..];
                row[PART_LOG_START] = log.log_start_offset() as f64;
                row[PART_LOG_END] = log.log_end_offset() as f64;
                row[PART_LSO] = log.last_stable_offset() as f64;
                row[PART_TOPIC] = ti as f64;
                let rep = &t.meta[p].rep;
                row[PART_HW] = rep.hw as f64;
                row[PART_LEADER] = rep.leader.map_or(-1.0, f64::from);
                row[PART_EPOCH] = f64::from(rep.leader_epoch);
                row[PART_ISR] = f64::from(rep.isr_len());
            }
        }
        // Replicas and brokers.
        let slots = self.replica_slots();
        frame::reset(&mut frame.replicas, total * slots * REP_STRIDE);
        frame::reset(&mut frame.brokers, self.brokers.len() * BROKER_STRIDE);
        for (b, br) in self.brokers.iter().enumerate() {
            let row = &mut frame.brokers[b * BROKER_STRIDE..];
            row[BR_STATE] = f64::from(br.state as u8);
            row[BR_FENCED] = f64::from(u8::from(br.fenced));
            row[BR_LEADERS] = 0.0;
            row[BR_COORDINATORS] = 0.0;
            row[BR_SLOW_MS] = br.slow_ms as f64;
            row[BR_REPLICAS] = 0.0;
        }
        for (ti, t) in self.topics.iter().enumerate() {
            for (p, m) in t.meta.iter().enumerate() {
                let gi = bases[ti] + p;
                for (k, r) in m.rep.replicas.iter().enumerate() {
                    let row = &mut frame.replicas[(gi * slots + k) * REP_STRIDE..];
                    let leads = m.rep.leader == Some(r.broker);
                    row[REP_BROKER] = f64::from(r.broker);
                    row[REP_LEADER] = f64::from(u8::from(leads));
                    row[REP_IN_ISR] = f64::from(u8::from(m.rep.in_isr(r.broker)));
                    row[REP_LEO] = r.leo as f64;
                    let br = &mut frame.brokers[r.broker as usize * BROKER_STRIDE..];
                    br[BR_REPLICAS] += 1.0;
                    if leads {
                        br[BR_LEADERS] += 1.0;
                    }
                }
            }
        }
        for g in &self.groups {
            if let Some(b) = g.coord_rep.leader {
                frame.brokers[b as usize * BROKER_STRIDE + BR_COORDINATORS] += 1.0;
            }
        }
        // Tails, for the requested partitions only.
        frame::reset(&mut frame.tails, total * TAIL_STRIDE);
        let (keys, kinds) = (&mut frame.tail_keys, &mut frame.tail_kinds);
        for (ti, t) in self.topics.iter().enumerate() {
            for (p, log) in t.logs.iter().enumerate() {
                let gi = bases[ti] + p;
                if !tails.contains(&gi) {
                    continue;
                }
                let base = log.tail_into(TAIL_KEYS, keys, kinds);
                let row = &mut frame.tails[gi * TAIL_STRIDE..(gi + 1) * TAIL_STRIDE];
                row[0] = base as f64;
                row[1] = keys.len() as f64;
                for (i, (&k, &kind)) in keys.iter().zip(kinds.iter()).enumerate() {
                    row[2 + i] = if k == NO_KEY { -1.0 } else { f64::from(k) };
                    row[2 + TAIL_KEYS + i] = f64::from(kind);
                }
            }
        }
        let members: usize = self.groups.iter().map(|g| g.slots.len()).sum();
        frame::reset(
            &mut frame.group_parts,
            self.groups.len() * total * GP_STRIDE,
        );
        frame::reset(&mut frame.members, members * MEMBER_STRIDE);
        frame::reset(&mut frame.groups, self.groups.len() * GROUP_STRIDE);
        let mut member_base = 0;
        for (gi, grp) in self.groups.iter().enumerate() {
            let gp_row = |tp: Tp| (gi * total + bases[tp.0 as usize] + tp.1 as usize) * GP_STRIDE;
            let (mut processed, mut duplicates, mut lost, mut lag_now) = (0u64, 0u64, 0u64, 0u64);
            for &t in &grp.topics {
                for (p, gp) in grp.parts[t as usize].iter().enumerate() {
                    let tp = (t, p as u32);
                    let lag = self.lag(gi as u32, tp).unwrap_or(0);
                    let row = &mut frame.group_parts[gp_row(tp)..];
                    row[GP_SUBSCRIBED] = 1.0;
                    row[GP_COMMITTED] = gp.committed.map_or(-1.0, |c| c.0 as f64);
                    row[GP_LAG] = lag as f64;
                    row[GP_DOWNTIME_MS] =
                        (gp.downtime_ms + gp.down_since_ms.map_or(0, |s| now - s)) as f64;
                    row[GP_PROCESSED] = gp.ledger.processed as f64;
                    row[GP_PROCESSED_END] = gp.ledger.processed_end.map_or(-1.0, |e| e as f64);
                    processed += gp.ledger.processed;
                    duplicates += gp.ledger.duplicates;
                    lost += gp.ledger.lost;
                    lag_now += lag;
                }
            }
            // Owners: members of the current generation first (the invariant's view), then any
            // live member still holding the partition (a member between generations).
            let leader = grp.coord.leader_slot();
            for pass in 0..2 {
                for (s, c) in grp.slots.iter().enumerate() {
                    let current = c.generation >= 0 && c.generation == grp.coord.generation;
                    if !c.alive || (pass == 0) != current {
                        continue;
                    }
                    for (i, &tp) in c.assigned.iter().enumerate() {
                        let row = &mut frame.group_parts[gp_row(tp)..];
                        if row[GP_OWNER] < 0.0 {
                            row[GP_OWNER] = s as f64;
                            row[GP_POSITION] = c.positions[i] as f64;
                        }
                    }
                }
            }
            for (s, c) in grp.slots.iter().enumerate() {
                let row = &mut frame.members[(member_base + s) * MEMBER_STRIDE..];
                let state = if c.alive {
                    c.state
                } else if c.left {
                    ConsumerState::Left
                } else {
                    ConsumerState::Crashed
                };
                row[M_STATE] = f64::from(state as u8);
                row[M_GENERATION] = f64::from(c.generation);
                row[M_ASSIGNED] = c.assigned.len() as f64;
                row[M_PROCESSED] = c.processed as f64;
                let (pending, at) = member_progress(c);
                row[M_PENDING] = pending as f64;
                if let Some((t, p, off)) = at {
                    row[M_PROC_PARTITION] = (bases[t as usize] + p as usize) as f64;
                    row[M_PROC_OFFSET] = off as f64;
                }
                row[M_LEADER] = if leader == Some(s as u32) { 1.0 } else { 0.0 };
            }
            member_base += grp.slots.len();
            let row = &mut frame.groups[gi * GROUP_STRIDE..];
            row[G_STATE] = f64::from(grp.coord.state as u8);
            row[G_GENERATION] = f64::from(grp.coord.generation);
            row[G_STRATEGY] = grp.coord.protocol.map_or(-1.0, |p| {
                Strategy::ALL.iter().position(|s| *s == p).unwrap_or(0) as f64
            });
            row[G_PROCESSED] = processed as f64;
            row[G_DUPLICATES] = duplicates as f64;
            row[G_LOST] = lost as f64;
            row[G_REBALANCES] = grp.rebalances as f64;
            row[G_MAX_LAG] = grp.max_lag as f64;
            row[G_LAG_NOW] = lag_now as f64;
        }
        frame::reset(&mut frame.producers, self.producers.len() * PRODUCER_STRIDE);
        for (i, p) in self.producers.iter().enumerate() {
            let row = &mut frame.producers[i * PRODUCER_STRIDE..];
            row[PR_RATE] = p.rate_per_sec;
            row[PR_PRODUCED] = p.produced as f64;
            row[PR_STICKY] = p.sticky_partition().map_or(-1.0, f64::from);
            row[PR_ACKED] = p.ledger.acked as f64;
            row[PR_FAILED] = p.ledger.failed as f64;
            row[PR_LOG_DUPLICATES] = p.ledger.log_duplicates as f64;
            row[PR_ACKED_LOST] = p.ledger.acked_lost as f64;
            row[PR_IN_FLIGHT] = p.in_flight.len() as f64;
            row[PR_REORDERED] = p.ledger.reordered as f64;
        }
        self.write_group_frames(frame, tails);
    }
}

/// A member's records left in its batch and the record it is on, as (topic, partition, offset).
fn member_progress(c: &super::consumer::Consumer) -> (u64, Option<(u32, u32, u64)>) {
    if c.lp != Loop::Processing {
        return (0, None);
    }
    let done_in_current = c
        .batch
        .get(c.cursor.0)
        .map_or(0, |seg| c.cursor.1.saturating_sub(seg.from));
    let pending = c
        .batch
        .iter()
        .skip(c.cursor.0)
        .map(|seg| seg.to.saturating_sub(seg.from))
        .sum::<u64>()
        - done_in_current;
    let at = c
        .alive
        .then(|| {
            c.batch
                .get(c.cursor.0)
                .map(|seg| (seg.tp.0, seg.tp.1, c.cursor.1))
        })
        .flatten();
    (pending, at)
}

/// Cause chains are worded with the scenario's names and settings.
impl crate::causes::Names for Sim {
    fn topic(&self, t: u32) -> String {
        self.topics
            .get(t as usize)
            .map_or_else(|| format!("topic {t}"), |x| x.name.clone())
    }

    fn group(&self, g: u32) -> Option<&crate::scenario::GroupConfig> {
        self.groups.get(g as usize).map(|x| &x.cfg)
    }

    fn member(&self, g: u32, s: u32) -> String {
        self.groups
            .get(g as usize)
            .and_then(|x| x.slots.get(s as usize))
            .map_or_else(|| format!("consumer {s}"), |c| c.name.clone())
    }

    fn producer(&self, p: u32) -> Option<&crate::scenario::ProducerConfig> {
        self.scenario.producers.get(p as usize)
    }

    fn share_group(&self, sg: u32) -> (String, u32, u64) {
        self.share_groups.get(sg as usize).map_or_else(
            || (format!("share group {sg}"), 0, 0),
            |x| {
                (
                    x.cfg.group_id.clone(),
                    x.cfg.delivery_count_limit,
                    x.cfg.lock_duration_ms,
                )
            },
        )
    }

    fn share_member(&self, sg: u32, s: u32) -> String {
        self.share_groups
            .get(sg as usize)
            .and_then(|x| x.members.get(s as usize))
            .map_or_else(|| format!("share consumer {s}"), |m| m.name.clone())
    }
}
