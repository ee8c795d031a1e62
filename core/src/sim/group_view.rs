//! What the page draws of KIP-848 groups and share groups: extra frame rows (see the `KM_`,
//! `KG_`, `SP_`, `SM_`, `SG_`, `SR_` constants in [`crate::frame`]), layout entries and
//! snapshot views. Written without allocating once the frame's buffers have grown.

use serde::Serialize;

use crate::event::{ReconcileState, Tp};
use crate::frame::{self, *};
use crate::share::RecordState;

use super::share_group::ShareLoop;
use super::Sim;

/// A KIP-848 group as the snapshot shows it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Kip848View {
    /// Group epoch.
    pub group_epoch: i32,
    /// Epoch of the current target assignment.
    pub target_epoch: i32,
    /// Members the coordinator knows, by slot.
    pub members: Vec<Kip848MemberView>,
}

/// One KIP-848 member as the coordinator sees it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Kip848MemberView {
    /// Consumer slot.
    pub slot: u32,
    /// Member epoch (-2: a static member away).
    pub member_epoch: i32,
    /// Reconciliation state.
    pub state: ReconcileState,
    /// Partitions it may own now.
    pub assigned: Vec<Tp>,
    /// Partitions it must revoke first.
    pub pending_revocation: Vec<Tp>,
    /// Its target partitions.
    pub target: Vec<Tp>,
}

/// A share group as the snapshot shows it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ShareGroupView {
    /// `group.id`.
    pub id: String,
    /// Group epoch.
    pub group_epoch: i32,
    /// Share consumers by slot.
    pub members: Vec<ShareMemberView>,
    /// Share-partitions of the subscribed topics.
    pub partitions: Vec<SharePartitionView>,
    /// Totals.
    pub stats: super::ShareGroupStats,
}

/// One share consumer.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ShareMemberView {
    /// Display name.
    pub name: String,
    /// `idle`, `fetching`, `processing`, `paused`, `crashed` or `left`.
    pub state: &'static str,
    /// Member epoch.
    pub epoch: i32,
    /// Partitions it reads.
    pub assigned: Vec<Tp>,
    /// The record it is processing: (topic, partition, offset, delivery count).
    pub processing: Option<(u32, u32, u64, u16)>,
    /// Records it processed in its lifetime.
    pub processed: u64,
}

/// One share-partition.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SharePartitionView {
    /// Topic index.
    pub topic: u32,
    /// Partition.
    pub partition: u32,
    /// SPSO.
    pub start_offset: u64,
    /// SPEO.
    pub end_offset: u64,
    /// Acquired now.
    pub acquired: u32,
    /// Available for redelivery now.
    pub available: u32,
    /// Highest delivery count in flight.
    pub max_delivery_count: u16,
    /// The first in-flight records (at most `SR_RECORDS`): offset, state, delivery count,
    /// holder slot, lock deadline.
    pub records: Vec<(u64, RecordState, u16, Option<u32>, u64)>,
    /// Accounting.
    pub ledger: crate::share::ShareLedger,
}

fn member_state(m: &super::share_group::ShareMember) -> (&'static str, f64) {
    if !m.alive {
        return if m.left {
            ("left", 5.0)
        } else {
            ("crashed", 4.0)
        };
    }
    if m.paused {
        return ("paused", 3.0);
    }
    match m.lp {
        ShareLoop::Processing => ("processing", 2.0),
        ShareLoop::Fetching => ("fetching", 1.0),
        _ => ("idle", 0.0),
    }
}

fn state_index(s: RecordState) -> f64 {
    match s {
        RecordState::Available => 0.0,
        RecordState::Acquired => 1.0,
        RecordState::Acknowledged => 2.0,
        RecordState::Archived => 3.0,
    }
}

impl Sim {
    /// Fills the KIP-848 and share-group rows of `frame` (share record samples only for the
    /// global partition indices in `tails`).
    pub(super) fn write_group_frames(&self, frame: &mut Frame, tails: std::ops::Range<usize>) {
        let bases = self.topic_bases();
        let total: usize = self.topics.iter().map(|t| t.logs.len()).sum();
        let members: usize = self.groups.iter().map(|g| g.slots.len()).sum();
        frame::reset(&mut frame.kip848_members, members * KM_STRIDE);
        frame::reset(&mut frame.kip848_groups, self.groups.len() * KG_STRIDE);
        frame::reset(
            &mut frame.kip848_parts,
            self.groups.len() * total * KP_STRIDE,
        );
        let mut base = 0;
        for (gi, grp) in self.groups.iter().enumerate() {
            let row = &mut frame.kip848_groups[gi * KG_STRIDE..];
            row[KG_PROTOCOL] = if grp.kip848.is_some() { 1.0 } else { 0.0 };
            row[KG_PAUSED_MEMBERS] = grp.paused_members as f64;
            for s in 0..grp.slots.len() {
                frame.kip848_members[(base + s) * KM_STRIDE + KM_PROTOCOL] = row[KG_PROTOCOL];
            }
            if let Some(k) = &grp.kip848 {
                let row = &mut frame.kip848_groups[gi * KG_STRIDE..];
                row[KG_GROUP_EPOCH] = f64::from(k.group_epoch);
                row[KG_TARGET_EPOCH] = f64::from(k.target_epoch);
                for m in &k.members {
                    let row = &mut frame.kip848_members[(base + m.slot as usize) * KM_STRIDE..];
                    row[KM_EPOCH] = f64::from(m.epoch);
                    row[KM_STATE] = match m.state {
                        ReconcileState::Stable => 0.0,
                        ReconcileState::UnrevokedPartitions => 1.0,
                        ReconcileState::UnreleasedPartitions => 2.0,
                    };
                    let slot = f64::from(m.slot);
                    let part_row =
                        |tp: &Tp| (gi * total + bases[tp.0 as usize] + tp.1 as usize) * KP_STRIDE;
                    for tp in &m.target {
                        frame.kip848_parts[part_row(tp) + KP_TARGET] = slot;
                    }
                    for tp in &m.pending_revocation {
                        frame.kip848_parts[part_row(tp) + KP_REVOKING] = slot;
                    }
                    row[KM_PENDING_REVOKE] = m.pending_revocation.len() as f64;
                    row[KM_UNRELEASED] = m
                        .target
                        .iter()
                        .filter(|tp| !m.assigned.contains(tp))
                        .count() as f64;
                }
            }
            base += grp.slots.len();
        }
        let n = self.share_groups.len();
        let share_members: usize = self.share_groups.iter().map(|g| g.members.len()).sum();
        frame::reset(&mut frame.share_parts, n * total * SP_STRIDE);
        frame::reset(&mut frame.share_members, share_members * SM_STRIDE);
        frame::reset(&mut frame.share_groups, n * SG_STRIDE);
        frame::reset(&mut frame.share_records, n * total * SR_STRIDE);
        let mut base = 0;
        for (gi, grp) in self.share_groups.iter().enumerate() {
            let (mut processed, mut redeliveries, mut archived, mut lost, mut acked) =
                (0u64, 0u64, 0u64, 0u64, 0u64);
            for &t in &grp.topics {
                for (p, part) in grp.parts[t as usize].iter().enumerate() {
                    let global = bases[t as usize] + p;
                    let sp = &part.sp;
                    let row = &mut frame.share_parts[(gi * total + global) * SP_STRIDE..];
                    row[SP_SUBSCRIBED] = 1.0;
                    row[SP_START] = sp.spso() as f64;
                    row[SP_END] = sp.speo() as f64;
                    row[SP_ACQUIRED] = f64::from(sp.acquired_count());
                    row[SP_AVAILABLE] = f64::from(sp.available_count());
                    row[SP_ARCHIVED] = sp.ledger.archived as f64;
                    row[SP_MAX_DELIVERY] = f64::from(sp.max_delivery_count());
                    row[SP_ACKNOWLEDGED] = sp.ledger.acknowledged as f64;
                    row[SP_REDELIVERIES] = sp.ledger.redeliveries as f64;
                    processed += sp.ledger.processed;
                    redeliveries += sp.ledger.redeliveries;
                    archived += sp.ledger.archived;
                    lost += sp.ledger.lost;
                    acked += sp.ledger.acknowledged;
                    if tails.contains(&global) {
                        let row = &mut frame.share_records[(gi * total + global) * SR_STRIDE..];
                        let k = sp.in_flight().min(SR_RECORDS);
                        row[0] = sp.spso() as f64;
                        row[1] = k as f64;
                        for i in 0..k {
                            let o = sp.spso() + i as u64;
                            if let Some((st, dc, holder, until)) = sp.record(o) {
                                let r = &mut row[2 + 4 * i..];
                                r[0] = state_index(st);
                                r[1] = f64::from(dc);
                                r[2] = holder.map_or(-1.0, f64::from);
                                r[3] = if holder.is_some() { until as f64 } else { -1.0 };
                            }
                        }
                    }
                }
            }
            for (s, m) in grp.members.iter().enumerate() {
                let row = &mut frame.share_members[(base + s) * SM_STRIDE..];
                row[SM_STATE] = member_state(m).1;
                row[SM_EPOCH] = f64::from(m.epoch);
                row[SM_ASSIGNED] = m.assigned.len() as f64;
                row[SM_PROCESSED] = m.processed as f64;
                if m.lp == ShareLoop::Processing && m.cursor < m.batch.len() {
                    let (tp, off, dc) = m.batch[m.cursor];
                    row[SM_PENDING] = (m.batch.len() - m.cursor) as f64;
                    row[SM_PROC_PARTITION] = (bases[tp.0 as usize] + tp.1 as usize) as f64;
                    row[SM_PROC_OFFSET] = off as f64;
                    row[SM_PROC_DELIVERY] = f64::from(dc);
                } else {
                    row[SM_PENDING] = 0.0;
                }
            }
            base += grp.members.len();
            let row = &mut frame.share_groups[gi * SG_STRIDE..];
            row[SG_EPOCH] = f64::from(grp.group_epoch);
            row[SG_PROCESSED] = processed as f64;
            row[SG_REDELIVERIES] = redeliveries as f64;
            row[SG_ARCHIVED] = archived as f64;
            row[SG_LOST] = lost as f64;
            row[SG_ACKNOWLEDGED] = acked as f64;
        }
    }

    pub(super) fn share_group_layouts(&self) -> Vec<ShareGroupLayout> {
        let mut base = 0;
        self.share_groups
            .iter()
            .map(|g| {
                let l = ShareGroupLayout {
                    id: g.cfg.group_id.clone(),
                    member_base: base,
                    members: g.members.iter().map(|m| m.name.clone()).collect(),
                    topics: g.topics.clone(),
                    ack_mode: g.cfg.ack_mode,
                    delivery_count_limit: g.cfg.delivery_count_limit,
                    lock_duration_ms: g.cfg.lock_duration_ms,
                };
                base += g.members.len() as u32;
                l
            })
            .collect()
    }

    /// The KIP-848 state of group `g` (`None` for classic groups).
    pub fn kip848_view(&self, g: u32) -> Option<Kip848View> {
        let k = self.groups.get(g as usize)?.kip848.as_ref()?;
        Some(Kip848View {
            group_epoch: k.group_epoch,
            target_epoch: k.target_epoch,
            members: k
                .members
                .iter()
                .map(|m| Kip848MemberView {
                    slot: m.slot,
                    member_epoch: m.epoch,
                    state: m.state,
                    assigned: m.assigned.clone(),
                    pending_revocation: m.pending_revocation.clone(),
                    target: m.target.clone(),
                })
                .collect(),
        })
    }

    /// Times a live member of group `g` stopped processing all its partitions for a rebalance.
    pub fn paused_members(&self, g: u32) -> u64 {
        self.groups
            .get(g as usize)
            .map_or(0, |grp| grp.paused_members)
    }

    /// Every share group as the page draws it.
    pub fn share_group_views(&self) -> Vec<ShareGroupView> {
        let stats = self.share_stats();
        self.share_groups
            .iter()
            .zip(stats)
            .map(|(g, stats)| ShareGroupView {
                id: g.cfg.group_id.clone(),
                group_epoch: g.group_epoch,
                members: g
                    .members
                    .iter()
                    .map(|m| ShareMemberView {
                        name: m.name.clone(),
                        state: member_state(m).0,
                        epoch: m.epoch,
                        assigned: m.assigned.clone(),
                        processing: (m.lp == ShareLoop::Processing && m.cursor < m.batch.len())
                            .then(|| {
                                let (tp, o, d) = m.batch[m.cursor];
                                (tp.0, tp.1, o, d)
                            }),
                        processed: m.processed,
                    })
                    .collect(),
                partitions: g
                    .topics
                    .iter()
                    .flat_map(|&t| {
                        g.parts[t as usize]
                            .iter()
                            .enumerate()
                            .map(move |(p, part)| {
                                let sp = &part.sp;
                                SharePartitionView {
                                    topic: t,
                                    partition: p as u32,
                                    start_offset: sp.spso(),
                                    end_offset: sp.speo(),
                                    acquired: sp.acquired_count(),
                                    available: sp.available_count(),
                                    max_delivery_count: sp.max_delivery_count(),
                                    records: (0..sp.in_flight().min(SR_RECORDS) as u64)
                                        .filter_map(|i| {
                                            let o = sp.spso() + i;
                                            sp.record(o).map(|(s, d, h, u)| (o, s, d, h, u))
                                        })
                                        .collect(),
                                    ledger: sp.ledger,
                                }
                            })
                    })
                    .collect(),
                stats,
            })
            .collect()
    }
}
