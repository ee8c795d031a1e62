//! Read-only views of the simulation: the [`Snapshot`] the page draws and per-group totals.

use serde::Serialize;

use crate::event::{ConsumerState, Tp};
use crate::scenario::KeyMode;
use crate::snapshot::{
    GroupPartitionView, GroupView, MemberView, OffsetsRow, PartitionView, ProducerView, Snapshot,
    TopicView,
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
}

impl Sim {
    /// Per-group delivery totals.
    pub fn stats(&self) -> Vec<GroupStats> {
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

    /// The owner (slot) of each partition a group subscribes to, among live members of the
    /// current generation: the invariant "one owner per partition" is checked on this.
    pub fn owners(&self, group: u32) -> Vec<(Tp, Vec<u32>)> {
        let grp = &self.groups[group as usize];
        self.subscribed_partitions(group)
            .into_iter()
            .map(|tp| {
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
                    .map(|log| {
                        let (recent_base_offset, recent_keys, recent_txn) = log.tail(RECENT_MAX);
                        PartitionView {
                            log_start_offset: log.log_start_offset(),
                            log_end_offset: log.log_end_offset(),
                            last_stable_offset: log.last_stable_offset(),
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
                key_prefix: match &p.keys {
                    KeyMode::Entity { prefix, .. } => Some(prefix.clone()),
                    KeyMode::None => None,
                },
                produced: p.produced,
                sticky_partition: p.sticky_partition(),
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
                        let processing = (c.lp == Loop::Processing && c.alive)
                            .then(|| {
                                c.batch
                                    .get(c.cursor.0)
                                    .map(|seg| (seg.tp.0, seg.tp.1, c.cursor.1))
                            })
                            .flatten();
                        let pending = if c.lp == Loop::Processing {
                            c.batch
                                .iter()
                                .skip(c.cursor.0)
                                .map(|seg| seg.to.saturating_sub(seg.from))
                                .sum::<u64>()
                                - c.batch
                                    .get(c.cursor.0)
                                    .map(|seg| c.cursor.1.saturating_sub(seg.from))
                                    .unwrap_or(0)
                        } else {
                            0
                        };
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
                    cooperative: !grp.cfg.strategies.is_empty()
                        && grp.cfg.strategies.iter().all(|s| s.is_cooperative()),
                    leader: grp.coord.leader_slot(),
                    members,
                    partitions,
                    processed: st.processed,
                    duplicates: st.duplicates,
                    lost: st.lost,
                    rebalances: st.rebalances,
                    max_lag: st.max_lag,
                }
            })
            .collect();
        Snapshot {
            now_ms: now,
            topics,
            producers,
            groups,
            consumer_offsets,
        }
    }
}
