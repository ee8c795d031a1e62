//! Share groups (KIP-932, "queues for Kafka"): the group coordinator's side (Kafka's
//! `ShareGroup`, `ShareGroupHeartbeat`, the `SimpleAssignor`), the partition leader's
//! share-partitions ([`crate::share::SharePartition`]) and the share consumer
//! (`KafkaShareConsumer` / `ShareConsumeRequestManager`): poll → acquire → process →
//! acknowledge, the acknowledgements travelling with the next share fetch.
//!
//! Unlike a consumer group, several members may read one partition at once: the broker hands
//! each record to one member at a time under a lock, so there is no per-partition (or per-key)
//! order. Simplifications: the share-partition lives with the group (one broker, as for the
//! rest of the model); the share session, `ShareAcknowledge` and `ShareFetch` are one request;
//! share consumers have no `max.poll.interval.ms` (a stuck member loses its locks instead).

use crate::event::{Event, ReleaseCause, ShareMemberChange, Tp};
use crate::group_protocols::{AckMode, PoisonAck, ShareGroupConfig, ShareOffsetReset};
use crate::rng::Rng;
use crate::share::{AckType, Acquired, Outcome, ShareLimits, SharePartition};

use super::protocol::Endpoint;
use super::Sim;
use super::Timer;

/// Kafka's `fetch.max.wait.ms` default: how long the broker holds an empty share fetch.
const FETCH_MAX_WAIT_MS: u64 = 500;

/// One acquired record in a member's batch: partition, offset, delivery count.
pub(crate) type Rec = (Tp, u64, u16);

/// Future actions of share groups (one [`Timer::Share`] variant carries them all).
#[derive(Clone, Debug)]
pub(crate) enum ShareTimer {
    /// A member's heartbeat thread wakes up.
    Heartbeat { to: Endpoint },
    /// `ShareGroupHeartbeat` reaches the coordinator (`epoch` -1 = leave).
    HeartbeatArrives { from: Endpoint, epoch: i32 },
    /// The heartbeat answer: group epoch and the member's partitions, or `None` if the
    /// coordinator does not know the member (`UNKNOWN_MEMBER_ID`: rejoin with epoch 0).
    HeartbeatResponse {
        to: Endpoint,
        answer: Option<(i32, Vec<Tp>)>,
    },
    /// The coordinator checks a member's session.
    SessionCheck { share_group: u32, serial: u64 },
    /// A `ShareFetch` (with piggy-backed acknowledgements) reaches the partition leader;
    /// `close` ends the share session, releasing the member's other locks.
    FetchArrives {
        from: Endpoint,
        fetch_epoch: u64,
        acks: Vec<(Tp, u64, AckType)>,
        close: bool,
    },
    /// A parked share fetch stops waiting.
    FetchExpires { from: Endpoint, fetch_epoch: u64 },
    /// Acquired records reach the member.
    FetchResponse {
        to: Endpoint,
        fetch_epoch: u64,
        records: Vec<Rec>,
    },
    /// The member finished processing the record it is on.
    ProcessDone { to: Endpoint, step: u64 },
    /// The acquisition-lock timer of one share-partition.
    LockCheck {
        share_group: u32,
        topic: u32,
        partition: u32,
    },
}

/// Where a share consumer's poll loop is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ShareLoop {
    /// In `poll()` with no partitions.
    Idle,
    /// In `poll()`, a share fetch in flight.
    Fetching,
    /// Processing the batch.
    Processing,
    /// Process gone.
    Stopped,
}

/// What a paused member was about to do.
#[derive(Clone, Debug)]
enum Stall {
    Poll,
    ProcessDone(u64),
    Fetched(u64, Vec<Rec>),
}

/// One share consumer slot (a process that can crash and be restarted).
#[derive(Clone, Debug)]
pub(crate) struct ShareMember {
    pub name: String,
    pub inc: u32,
    pub alive: bool,
    pub paused: bool,
    pub left: bool,
    closing: bool,
    pub member_id: String,
    /// Member epoch (0 = joining; a share member takes the group epoch of its assignment).
    pub epoch: i32,
    pub assigned: Vec<Tp>,
    pub lp: ShareLoop,
    pub batch: Vec<Rec>,
    pub cursor: usize,
    /// Acknowledgements waiting for the next share fetch.
    acks: Vec<(Tp, u64, AckType)>,
    fetch_epoch: u64,
    parked: bool,
    step: u64,
    stalled: Option<Stall>,
    pub processed: u64,
    hb_in_flight: bool,
    rr: usize,
}

/// A member as the share group coordinator knows it.
#[derive(Clone, Debug)]
struct CoordMember {
    serial: u64,
    slot: u32,
    inc: u32,
    session_deadline_ms: u64,
    assignment: Vec<Tp>,
}

/// One share-partition plus the simulation's bookkeeping for it.
#[derive(Clone, Debug)]
pub(crate) struct SharePart {
    pub sp: SharePartition,
    /// When its lock timer is due, if one is pending.
    lock_check_at: Option<u64>,
}

/// A share group: coordinator state, share-partitions and member processes.
#[derive(Clone)]
pub(crate) struct ShareGroup {
    pub cfg: ShareGroupConfig,
    /// Subscribed topic indices, sorted by name.
    pub topics: Vec<u32>,
    /// `parts[topic][partition]`, empty for unsubscribed topics.
    pub parts: Vec<Vec<SharePart>>,
    /// Poison records, sorted.
    poison: Vec<(Tp, u64)>,
    pub members: Vec<ShareMember>,
    coord: Vec<CoordMember>,
    pub group_epoch: i32,
    next_serial: u64,
    rng: Rng,
}

/// One share group's totals, as the native runner prints them.
#[derive(Clone, Debug, serde::Serialize, PartialEq, Eq)]
pub struct ShareGroupStats {
    /// `group.id`.
    pub group: String,
    /// Records produced to its topics.
    pub produced: u64,
    /// Successful processings (a record processed again after its lock ran out counts twice).
    pub processed: u64,
    /// Deliveries beyond a record's first.
    pub redeliveries: u64,
    /// Records archived (rejected, or out of deliveries).
    pub archived: u64,
    /// Records that left a share-partition unfinished: must be 0.
    pub lost: u64,
    /// Records accepted.
    pub acknowledged: u64,
}

impl ShareGroup {
    pub(crate) fn new(cfg: &ShareGroupConfig, topic_names: &[String], seed: u64, i: usize) -> Self {
        let index = |name: &str| {
            topic_names
                .iter()
                .position(|t| t == name)
                .expect("validated") as u32
        };
        let mut topics: Vec<u32> = cfg.topics.iter().map(|t| index(t)).collect();
        topics.sort_by(|a, b| topic_names[*a as usize].cmp(&topic_names[*b as usize]));
        topics.dedup();
        let mut poison: Vec<(Tp, u64)> = cfg
            .poison
            .iter()
            .map(|p| ((index(&p.topic), p.partition), p.offset))
            .collect();
        poison.sort_unstable();
        poison.dedup();
        ShareGroup {
            cfg: cfg.clone(),
            topics,
            parts: vec![Vec::new(); topic_names.len()],
            poison,
            members: Vec::new(),
            coord: Vec::new(),
            group_epoch: 0,
            next_serial: 0,
            rng: Rng::derive(seed, &format!("share_group/{i}")),
        }
    }

    fn limits(&self) -> ShareLimits {
        ShareLimits {
            lock_ms: self.cfg.lock_duration_ms,
            delivery_limit: self.cfg.delivery_count_limit as u16,
            max_in_flight: self.cfg.max_record_locks,
        }
    }

    /// Makes `parts[t]` as long as the topic (at start and after `AddPartitions`).
    pub(crate) fn resize(&mut self, topic: u32, partitions: usize) {
        if self.topics.contains(&topic) {
            let limits = self.limits();
            self.parts[topic as usize].resize_with(partitions, || SharePart {
                sp: SharePartition::new(limits),
                lock_check_at: None,
            });
        }
    }

    /// Kafka's `SimpleAssignor` for a homogeneous subscription, as of Kafka 4.x: with at
    /// least as many members as partitions, member `i` (in join order) reads partition
    /// `i mod P`, so every member works and partitions are shared; with fewer members, each
    /// partition goes to one member, round robin.
    fn assign(&mut self, partitions: &[Tp]) {
        let m = self.coord.len();
        for c in &mut self.coord {
            c.assignment.clear();
        }
        if m == 0 || partitions.is_empty() {
            return;
        }
        if m >= partitions.len() {
            for (i, c) in self.coord.iter_mut().enumerate() {
                c.assignment.push(partitions[i % partitions.len()]);
            }
        } else {
            for (j, &tp) in partitions.iter().enumerate() {
                self.coord[j % m].assignment.push(tp);
            }
        }
    }

    /// Bytes a clone allocates.
    pub(crate) fn approx_bytes(&self) -> usize {
        use std::mem::size_of;
        let parts: usize = self
            .parts
            .iter()
            .map(|v| {
                size_of::<Vec<SharePart>>()
                    + v.iter()
                        .map(|p| p.sp.approx_bytes() + size_of::<SharePart>())
                        .sum::<usize>()
            })
            .sum();
        let members: usize = self
            .members
            .iter()
            .map(|m| {
                size_of::<ShareMember>()
                    + m.name.len()
                    + m.member_id.len()
                    + 8 * m.assigned.capacity()
                    // The batch, and as much again for a share fetch's records or
                    // acknowledgements in flight in a timer.
                    + 2 * size_of::<Rec>() * m.batch.capacity()
                    + 2 * 24 * m.acks.capacity()
                    + 64
            })
            .sum();
        let coord: usize = self
            .coord
            .iter()
            .map(|c| size_of::<CoordMember>() + 8 * c.assignment.capacity())
            .sum();
        size_of::<ShareGroup>() + parts + members + coord + 24 * self.poison.len() + 256
    }
}

impl Sim {
    fn sg(&mut self, g: u32) -> &mut ShareGroup {
        &mut self.share_groups[g as usize]
    }

    fn sm(&mut self, g: u32, s: u32) -> &mut ShareMember {
        &mut self.share_groups[g as usize].members[s as usize]
    }

    fn share_live(&self, e: Endpoint) -> bool {
        let m = &self.share_groups[e.group as usize].members[e.slot as usize];
        m.alive && m.inc == e.inc
    }

    fn share_endpoint(&self, g: u32, s: u32) -> Endpoint {
        Endpoint {
            group: g,
            slot: s,
            inc: self.share_groups[g as usize].members[s as usize].inc,
        }
    }

    fn share_at(&mut self, at: u64, t: ShareTimer) {
        self.timers.at(at, Timer::Share(t));
    }

    /// The share groups' partitions of `topic` in (topic name, partition) order.
    fn share_partitions(&self, g: u32) -> Vec<Tp> {
        self.share_groups[g as usize]
            .topics
            .iter()
            .flat_map(|&t| (0..self.topics[t as usize].logs.len() as u32).map(move |p| (t, p)))
            .collect()
    }

    /// Builds the share groups at start.
    pub(super) fn init_share_groups(&mut self) {
        let names: Vec<String> = self.topics.iter().map(|t| t.name.clone()).collect();
        let seed = self.scenario.seed;
        self.share_groups = self
            .scenario
            .share_groups
            .iter()
            .enumerate()
            .map(|(i, c)| ShareGroup::new(c, &names, seed, i))
            .collect();
        for g in 0..self.share_groups.len() {
            for t in 0..self.topics.len() {
                let n = self.topics[t].logs.len();
                self.share_groups[g].resize(t as u32, n);
            }
            for _ in 0..self.share_groups[g].cfg.consumers {
                self.add_share_consumer(g as u32);
            }
        }
    }

    /// Partitions were added to `topic`: share-partitions for them, and a new assignment.
    pub(super) fn share_partitions_added(&mut self, topic: u32, partitions: u32) {
        for g in 0..self.share_groups.len() as u32 {
            if self.sg(g).topics.contains(&topic) {
                self.sg(g).resize(topic, partitions as usize);
                self.share_group_changed(g);
            }
        }
    }

    pub(super) fn add_share_consumer(&mut self, g: u32) {
        let grp = self.sg(g);
        let s = grp.members.len() as u32;
        grp.members.push(ShareMember {
            name: format!("share-consumer-{}", s + 1),
            inc: 0,
            alive: false,
            paused: false,
            left: false,
            closing: false,
            member_id: String::new(),
            epoch: 0,
            assigned: Vec::new(),
            lp: ShareLoop::Stopped,
            batch: Vec::new(),
            cursor: 0,
            acks: Vec::new(),
            fetch_epoch: 0,
            parked: false,
            step: 0,
            stalled: None,
            processed: 0,
            hb_in_flight: false,
            rr: 0,
        });
        self.layout_version += 1;
        self.start_share_consumer(g, s);
    }

    /// A new process in the slot: a fresh member id, epoch 0, nothing acquired.
    pub(super) fn start_share_consumer(&mut self, g: u32, s: u32) {
        let now = self.now_ms;
        let suffix = self.sg(g).rng.next_u64() as u32;
        let hb = self.sg(g).cfg.heartbeat_interval_ms;
        let m = self.sm(g, s);
        m.inc += 1;
        m.alive = true;
        m.paused = false;
        m.left = false;
        m.closing = false;
        m.member_id = format!("{}-{suffix:08x}", m.name);
        m.epoch = 0;
        m.assigned.clear();
        m.lp = ShareLoop::Idle;
        m.batch.clear();
        m.cursor = 0;
        m.acks.clear();
        m.stalled = None;
        m.hb_in_flight = false;
        m.parked = false;
        let to = self.share_endpoint(g, s);
        self.emit(Event::ShareMemberChanged {
            share_group: g,
            member: s,
            change: ShareMemberChange::Started,
        });
        // The first heartbeat (epoch 0) goes out at once; then every heartbeat interval.
        self.share_send_heartbeat(g, s, 0);
        self.share_at(now + hb, ShareTimer::Heartbeat { to });
    }

    fn share_send_heartbeat(&mut self, g: u32, s: u32, epoch: i32) {
        let from = self.share_endpoint(g, s);
        self.sm(g, s).hb_in_flight = epoch >= 0;
        let at = self.now_ms + self.latency_ms();
        self.share_at(at, ShareTimer::HeartbeatArrives { from, epoch });
    }

    pub(super) fn share_fire(&mut self, t: ShareTimer) {
        match t {
            ShareTimer::Heartbeat { to } => self.share_heartbeat_tick(to),
            ShareTimer::HeartbeatArrives { from, epoch } => {
                self.share_heartbeat_arrives(from, epoch)
            }
            ShareTimer::HeartbeatResponse { to, answer } => {
                self.share_heartbeat_response(to, answer)
            }
            ShareTimer::SessionCheck {
                share_group,
                serial,
            } => self.share_session_check(share_group, serial),
            ShareTimer::FetchArrives {
                from,
                fetch_epoch,
                acks,
                close,
            } => self.share_fetch_arrives(from, fetch_epoch, acks, close),
            ShareTimer::FetchExpires { from, fetch_epoch } => {
                self.share_fetch_expires(from, fetch_epoch)
            }
            ShareTimer::FetchResponse {
                to,
                fetch_epoch,
                records,
            } => self.share_fetch_response(to, fetch_epoch, records),
            ShareTimer::ProcessDone { to, step } => self.share_process_done(to, step),
            ShareTimer::LockCheck {
                share_group,
                topic,
                partition,
            } => self.share_lock_check(share_group, (topic, partition)),
        }
    }

    fn share_heartbeat_tick(&mut self, to: Endpoint) {
        if !self.share_live(to) {
            return;
        }
        let (g, s) = (to.group, to.slot);
        let hb = self.sg(g).cfg.heartbeat_interval_ms;
        self.share_at(self.now_ms + hb, ShareTimer::Heartbeat { to });
        let m = self.sm(g, s);
        if !m.hb_in_flight {
            let epoch = m.epoch;
            self.share_send_heartbeat(g, s, epoch);
        }
    }

    /// The coordinator's `shareGroupHeartbeat`: join (epoch 0), leave (-1) or keep alive.
    fn share_heartbeat_arrives(&mut self, from: Endpoint, epoch: i32) {
        let g = from.group;
        let now = self.now_ms;
        let session = self.sg(g).cfg.session_timeout_ms;
        let known = self
            .sg(g)
            .coord
            .iter()
            .position(|c| c.slot == from.slot && c.inc == from.inc);
        match (epoch, known) {
            (-1, Some(i)) => {
                self.sg(g).coord.remove(i);
                self.share_group_changed(g);
                return;
            }
            (-1, None) => return,
            (0, None) => {
                let grp = self.sg(g);
                grp.next_serial += 1;
                let serial = grp.next_serial;
                grp.coord.push(CoordMember {
                    serial,
                    slot: from.slot,
                    inc: from.inc,
                    session_deadline_ms: now + session,
                    assignment: Vec::new(),
                });
                self.share_at(
                    now + session,
                    ShareTimer::SessionCheck {
                        share_group: g,
                        serial,
                    },
                );
                self.share_group_changed(g);
            }
            (_, None) => {
                let at = now + self.latency_ms();
                self.share_at(
                    at,
                    ShareTimer::HeartbeatResponse {
                        to: from,
                        answer: None,
                    },
                );
                return;
            }
            (_, Some(_)) => {}
        }
        let grp = self.sg(g);
        let Some(c) = grp
            .coord
            .iter_mut()
            .find(|c| c.slot == from.slot && c.inc == from.inc)
        else {
            return;
        };
        c.session_deadline_ms = now + session;
        let answer = Some((grp.group_epoch, c.assignment.clone()));
        let at = now + self.latency_ms();
        self.share_at(at, ShareTimer::HeartbeatResponse { to: from, answer });
    }

    /// Membership or metadata changed: bump the group epoch and run the assignor. Members
    /// learn their new partitions from their next heartbeat; share groups need no revocation
    /// round (KIP-932: a partition may have several readers).
    fn share_group_changed(&mut self, g: u32) {
        let parts = self.share_partitions(g);
        let grp = self.sg(g);
        grp.group_epoch += 1;
        grp.assign(&parts);
        let group_epoch = grp.group_epoch;
        let assignment: Vec<(u32, Vec<Tp>)> = grp
            .coord
            .iter()
            .map(|c| (c.slot, c.assignment.clone()))
            .collect();
        self.emit(Event::ShareAssignmentComputed {
            share_group: g,
            group_epoch,
            assignment,
        });
    }

    fn share_heartbeat_response(&mut self, to: Endpoint, answer: Option<(i32, Vec<Tp>)>) {
        if !self.share_live(to) {
            return;
        }
        let (g, s) = (to.group, to.slot);
        let m = self.sm(g, s);
        m.hb_in_flight = false;
        match answer {
            None => {
                // UNKNOWN_MEMBER_ID (fenced after a session timeout): rejoin with epoch 0.
                m.epoch = 0;
                m.assigned.clear();
                self.share_send_heartbeat(g, s, 0);
            }
            Some((epoch, assignment)) => {
                let changed = m.assigned != assignment;
                m.epoch = epoch;
                m.assigned = assignment;
                if changed && m.lp == ShareLoop::Idle && !m.paused {
                    self.share_poll(g, s);
                }
            }
        }
    }

    fn share_session_check(&mut self, g: u32, serial: u64) {
        let now = self.now_ms;
        let grp = self.sg(g);
        let Some(i) = grp.coord.iter().position(|c| c.serial == serial) else {
            return;
        };
        let c = &grp.coord[i];
        if c.session_deadline_ms > now {
            let at = c.session_deadline_ms;
            self.share_at(
                at,
                ShareTimer::SessionCheck {
                    share_group: g,
                    serial,
                },
            );
            return;
        }
        let (slot, inc) = (c.slot, c.inc);
        self.sg(g).coord.remove(i);
        self.emit(Event::ShareMemberChanged {
            share_group: g,
            member: slot,
            change: ShareMemberChange::SessionExpired,
        });
        self.share_release_holder(g, (slot, inc));
        self.share_group_changed(g);
    }

    /// Releases every lock of `holder` in every share-partition of the group.
    fn share_release_holder(&mut self, g: u32, holder: (u32, u32)) {
        let topics = self.sg(g).topics.clone();
        for t in topics {
            for p in 0..self.sg(g).parts[t as usize].len() as u32 {
                let mut freed: Vec<(u64, u16, Outcome)> = Vec::new();
                self.sg(g).parts[t as usize][p as usize]
                    .sp
                    .release_holder(holder, |o, d, x| freed.push((o, d, x)));
                if !freed.is_empty() {
                    self.share_report_releases(
                        g,
                        holder.0,
                        (t, p),
                        &freed,
                        ReleaseCause::MemberGone,
                    );
                    self.share_wake_parked(g, (t, p));
                }
            }
        }
    }

    fn share_report_releases(
        &mut self,
        g: u32,
        member: u32,
        tp: Tp,
        freed: &[(u64, u16, Outcome)],
        cause: ReleaseCause,
    ) {
        for &(offset, delivery_count, o) in freed {
            if o == Outcome::Archived {
                self.emit(Event::ShareRecordArchived {
                    share_group: g,
                    member,
                    topic: tp.0,
                    partition: tp.1,
                    offset,
                    delivery_count,
                    cause,
                });
            } else {
                self.emit_observed(|| Event::ShareRecordReleased {
                    share_group: g,
                    member,
                    topic: tp.0,
                    partition: tp.1,
                    offset,
                    delivery_count,
                    cause,
                });
            }
        }
    }

    /// One call of `KafkaShareConsumer.poll()`: send the acknowledgements gathered since the
    /// last one with a share fetch for more records.
    fn share_poll(&mut self, g: u32, s: u32) {
        let m = self.sm(g, s);
        if !m.alive {
            return;
        }
        if m.paused {
            m.stalled = Some(Stall::Poll);
            return;
        }
        if m.closing {
            return self.share_close(g, s);
        }
        if m.assigned.is_empty() && m.acks.is_empty() {
            m.lp = ShareLoop::Idle;
            return;
        }
        m.fetch_epoch += 1;
        m.lp = ShareLoop::Fetching;
        let acks = std::mem::take(&mut m.acks);
        let (from, fetch_epoch) = (self.share_endpoint(g, s), self.sm(g, s).fetch_epoch);
        let at = self.now_ms + self.latency_ms();
        self.share_at(
            at,
            ShareTimer::FetchArrives {
                from,
                fetch_epoch,
                acks,
                close: false,
            },
        );
    }

    /// `close()`: the pending acknowledgements go out with the end of the share session (which
    /// releases the member's other locks), then a leave heartbeat (epoch -1).
    fn share_close(&mut self, g: u32, s: u32) {
        let from = self.share_endpoint(g, s);
        let m = self.sm(g, s);
        let acks = std::mem::take(&mut m.acks);
        m.fetch_epoch += 1;
        let fetch_epoch = m.fetch_epoch;
        let at = self.now_ms + self.latency_ms();
        self.share_at(
            at,
            ShareTimer::FetchArrives {
                from,
                fetch_epoch,
                acks,
                close: true,
            },
        );
        self.share_send_heartbeat(g, s, -1);
        self.share_stop(g, s);
        let m = self.sm(g, s);
        m.left = true;
        self.emit(Event::ShareMemberChanged {
            share_group: g,
            member: s,
            change: ShareMemberChange::Left,
        });
    }

    fn share_stop(&mut self, g: u32, s: u32) {
        let m = self.sm(g, s);
        m.alive = false;
        m.closing = false;
        m.inc += 1;
        m.lp = ShareLoop::Stopped;
        m.batch.clear();
        m.acks.clear();
        m.stalled = None;
        m.parked = false;
        m.hb_in_flight = false;
    }

    /// The partition leader handles a share fetch: acknowledgements first, then acquisition
    /// across the member's partitions (rotating the start so none starves).
    fn share_fetch_arrives(
        &mut self,
        from: Endpoint,
        fetch_epoch: u64,
        acks: Vec<(Tp, u64, AckType)>,
        close: bool,
    ) {
        let g = from.group;
        let holder = (from.slot, from.inc);
        for (tp, offset, ack) in acks {
            let sp = &mut self.sg(g).parts[tp.0 as usize][tp.1 as usize].sp;
            let dc = sp.record(offset).map_or(0, |r| r.1);
            let r = sp.acknowledge(holder, offset, ack);
            match r {
                Ok(o) => {
                    self.emit_observed(|| Event::ShareRecordAcknowledged {
                        share_group: g,
                        member: from.slot,
                        topic: tp.0,
                        partition: tp.1,
                        offset,
                        ack,
                    });
                    if o != Outcome::Acknowledged {
                        let cause = if ack == AckType::Reject {
                            ReleaseCause::Rejected
                        } else {
                            ReleaseCause::Released
                        };
                        self.share_report_releases(g, from.slot, tp, &[(offset, dc, o)], cause);
                        if o == Outcome::Available {
                            self.share_wake_parked(g, tp);
                        }
                    }
                }
                Err(_) => self.emit_traffic(|| Event::ShareAckRefused {
                    share_group: g,
                    member: from.slot,
                    topic: tp.0,
                    partition: tp.1,
                    offset,
                }),
            }
        }
        if close {
            self.share_release_holder(g, holder);
            return;
        }
        if !self.share_live(from) || self.sm(g, from.slot).fetch_epoch != fetch_epoch {
            return;
        }
        let records = self.share_acquire(g, from.slot);
        if records.is_empty() {
            self.sm(g, from.slot).parked = true;
            self.share_at(
                self.now_ms + FETCH_MAX_WAIT_MS,
                ShareTimer::FetchExpires { from, fetch_epoch },
            );
        } else {
            let at = self.now_ms + self.latency_ms();
            self.share_at(
                at,
                ShareTimer::FetchResponse {
                    to: from,
                    fetch_epoch,
                    records,
                },
            );
        }
    }

    /// Acquires up to `max.poll.records` for member `s` across its partitions.
    fn share_acquire(&mut self, g: u32, s: u32) -> Vec<Rec> {
        let now = self.now_ms;
        let inc = self.sm(g, s).inc;
        let max = self.sg(g).cfg.max_poll_records;
        let reset = self.sg(g).cfg.offset_reset;
        let assigned = self.sm(g, s).assigned.clone();
        let n = assigned.len();
        let rr = self.sm(g, s).rr;
        let mut out: Vec<Rec> = Vec::new();
        let mut got: Vec<Acquired> = Vec::new();
        for k in 0..n {
            let left = max - out.len() as u32;
            if left == 0 {
                break;
            }
            let tp = assigned[(rr + k) % n];
            let log = &self.topics[tp.0 as usize].logs[tp.1 as usize];
            let (start, end) = (log.log_start_offset(), log.log_end_offset());
            let part = &mut self.share_groups[g as usize].parts[tp.0 as usize][tp.1 as usize];
            part.sp.initialize(match reset {
                ShareOffsetReset::Earliest => start,
                ShareOffsetReset::Latest => end,
            });
            let lost = part.sp.truncate_to(start);
            got.clear();
            part.sp.acquire((s, inc), now, left, end, &mut got);
            let need_timer = !got.is_empty() && part.lock_check_at.is_none();
            let lock_at = part.sp.next_lock_deadline();
            if lost > 0 {
                self.emit(Event::ShareRecordsLost {
                    share_group: g,
                    topic: tp.0,
                    partition: tp.1,
                    count: lost,
                });
            }
            if need_timer {
                if let Some(at) = lock_at {
                    self.share_groups[g as usize].parts[tp.0 as usize][tp.1 as usize]
                        .lock_check_at = Some(at);
                    self.share_at(
                        at,
                        ShareTimer::LockCheck {
                            share_group: g,
                            topic: tp.0,
                            partition: tp.1,
                        },
                    );
                }
            }
            let lock_until_ms = now + self.sg(g).cfg.lock_duration_ms;
            for a in &got {
                out.push((tp, a.offset, a.delivery_count));
                self.emit_observed(|| Event::ShareRecordAcquired {
                    share_group: g,
                    member: s,
                    topic: tp.0,
                    partition: tp.1,
                    offset: a.offset,
                    delivery_count: a.delivery_count,
                    lock_until_ms,
                });
            }
        }
        if n > 0 {
            let m = self.sm(g, s);
            m.rr = (m.rr + 1) % n;
        }
        out
    }

    /// Lock timer of one share-partition: expired locks make records AVAILABLE (or ARCHIVED).
    fn share_lock_check(&mut self, g: u32, tp: Tp) {
        let now = self.now_ms;
        let part = &mut self.share_groups[g as usize].parts[tp.0 as usize][tp.1 as usize];
        part.lock_check_at = None;
        let mut freed: Vec<(u32, u64, u16, Outcome)> = Vec::new();
        part.sp
            .expire_locks(now, |o, h, d, x| freed.push((h, o, d, x)));
        if let Some(at) = part.sp.next_lock_deadline() {
            part.lock_check_at = Some(at);
            self.share_at(
                at,
                ShareTimer::LockCheck {
                    share_group: g,
                    topic: tp.0,
                    partition: tp.1,
                },
            );
        }
        for (h, o, d, x) in &freed {
            self.share_report_releases(g, *h, tp, &[(*o, *d, *x)], ReleaseCause::LockExpired);
        }
        if !freed.is_empty() {
            self.share_wake_parked(g, tp);
        }
    }

    /// Records of `tp` can be acquired: answer the parked share fetches of members reading it.
    fn share_wake_parked(&mut self, g: u32, tp: Tp) {
        for s in 0..self.sg(g).members.len() as u32 {
            let m = &self.share_groups[g as usize].members[s as usize];
            if !(m.alive && m.parked && m.assigned.contains(&tp)) {
                continue;
            }
            let records = self.share_acquire(g, s);
            if records.is_empty() {
                continue;
            }
            let to = self.share_endpoint(g, s);
            let m = self.sm(g, s);
            m.parked = false;
            let fetch_epoch = m.fetch_epoch;
            let at = self.now_ms + self.latency_ms();
            self.share_at(
                at,
                ShareTimer::FetchResponse {
                    to,
                    fetch_epoch,
                    records,
                },
            );
        }
    }

    /// New records were appended to `topic`/`partition`.
    pub(super) fn share_data_arrived(&mut self, topic: u32, partition: u32) {
        for g in 0..self.share_groups.len() as u32 {
            if self.sg(g).topics.contains(&topic) {
                self.share_wake_parked(g, (topic, partition));
            }
        }
    }

    fn share_fetch_expires(&mut self, from: Endpoint, fetch_epoch: u64) {
        if !self.share_live(from) {
            return;
        }
        let m = self.sm(from.group, from.slot);
        if m.fetch_epoch != fetch_epoch || !m.parked {
            return;
        }
        m.parked = false;
        let at = self.now_ms + self.latency_ms();
        self.share_at(
            at,
            ShareTimer::FetchResponse {
                to: from,
                fetch_epoch,
                records: Vec::new(),
            },
        );
    }

    fn share_fetch_response(&mut self, to: Endpoint, fetch_epoch: u64, records: Vec<Rec>) {
        let (g, s) = (to.group, to.slot);
        if !self.share_live(to) || self.sm(g, s).fetch_epoch != fetch_epoch {
            // The records stay locked until their locks run out, as when a client discards
            // an answer.
            return;
        }
        let m = self.sm(g, s);
        if m.paused {
            m.stalled = Some(Stall::Fetched(fetch_epoch, records));
            return;
        }
        if records.is_empty() {
            m.lp = ShareLoop::Idle;
            return self.share_poll(g, s);
        }
        m.batch = records;
        m.cursor = 0;
        m.lp = ShareLoop::Processing;
        if self.sg(g).cfg.processing_ms == 0 {
            while self.sm(g, s).cursor < self.sm(g, s).batch.len() {
                self.share_process_one(g, s);
            }
            self.sm(g, s).batch.clear();
            return self.share_poll(g, s);
        }
        self.share_schedule_step(g, s);
    }

    fn share_schedule_step(&mut self, g: u32, s: u32) {
        let ms = self.sg(g).cfg.processing_ms;
        let to = self.share_endpoint(g, s);
        let m = self.sm(g, s);
        m.step += 1;
        let step = m.step;
        self.share_at(self.now_ms + ms, ShareTimer::ProcessDone { to, step });
    }

    fn share_process_done(&mut self, to: Endpoint, step: u64) {
        let (g, s) = (to.group, to.slot);
        if !self.share_live(to) {
            return;
        }
        let m = self.sm(g, s);
        if m.step != step || m.lp != ShareLoop::Processing {
            return;
        }
        if m.paused {
            m.stalled = Some(Stall::ProcessDone(step));
            return;
        }
        self.share_process_one(g, s);
        if self.sm(g, s).cursor < self.sm(g, s).batch.len() {
            self.share_schedule_step(g, s);
        } else {
            self.sm(g, s).batch.clear();
            self.share_poll(g, s);
        }
    }

    /// The application handles the record under the cursor: a poison record fails (explicit
    /// mode answers it with `poison_ack`), any other is processed and ACCEPTed. In implicit
    /// mode the ACCEPT is what the next poll sends for every delivered record.
    fn share_process_one(&mut self, g: u32, s: u32) {
        let grp = &self.share_groups[g as usize];
        let m = &grp.members[s as usize];
        let (tp, offset, _) = m.batch[m.cursor];
        let poison = grp.poison.binary_search(&(tp, offset)).is_ok();
        let ack = match (poison, grp.cfg.ack_mode, grp.cfg.poison_ack) {
            (false, _, _) | (true, AckMode::Implicit, _) => AckType::Accept,
            (true, AckMode::Explicit, PoisonAck::Release) => AckType::Release,
            (true, AckMode::Explicit, PoisonAck::Reject) => AckType::Reject,
        };
        let grp = &mut self.share_groups[g as usize];
        if ack == AckType::Accept {
            grp.parts[tp.0 as usize][tp.1 as usize].sp.ledger.processed += 1;
            grp.members[s as usize].processed += 1;
        }
        let m = &mut grp.members[s as usize];
        m.acks.push((tp, offset, ack));
        m.cursor += 1;
    }

    pub(super) fn crash_share_consumer(&mut self, g: u32, s: u32) {
        self.share_stop(g, s);
        self.emit(Event::ShareMemberChanged {
            share_group: g,
            member: s,
            change: ShareMemberChange::Crashed,
        });
    }

    pub(super) fn leave_share_group(&mut self, g: u32, s: u32) {
        let m = self.sm(g, s);
        m.closing = true;
        if matches!(m.lp, ShareLoop::Idle | ShareLoop::Fetching) && !m.paused {
            m.fetch_epoch += 1;
            m.parked = false;
            self.share_close(g, s);
        }
    }

    pub(super) fn pause_share_consumer(&mut self, g: u32, s: u32) {
        self.sm(g, s).paused = true;
        self.emit(Event::ShareMemberChanged {
            share_group: g,
            member: s,
            change: ShareMemberChange::Paused,
        });
    }

    pub(super) fn resume_share_consumer(&mut self, g: u32, s: u32) {
        let m = self.sm(g, s);
        m.paused = false;
        let stalled = m.stalled.take();
        let lp = m.lp;
        self.emit(Event::ShareMemberChanged {
            share_group: g,
            member: s,
            change: ShareMemberChange::Resumed,
        });
        let to = self.share_endpoint(g, s);
        match stalled {
            Some(Stall::Poll) => self.share_poll(g, s),
            Some(Stall::ProcessDone(step)) => self.share_process_done(to, step),
            Some(Stall::Fetched(e, r)) => self.share_fetch_response(to, e, r),
            None if lp == ShareLoop::Idle || self.sm(g, s).closing => self.share_poll(g, s),
            None => {}
        }
    }

    /// Per-share-group totals.
    pub fn share_stats(&self) -> Vec<ShareGroupStats> {
        self.share_groups
            .iter()
            .map(|grp| {
                let mut st = ShareGroupStats {
                    group: grp.cfg.group_id.clone(),
                    produced: grp
                        .topics
                        .iter()
                        .map(|&t| self.topics[t as usize].produced)
                        .sum(),
                    processed: 0,
                    redeliveries: 0,
                    archived: 0,
                    lost: 0,
                    acknowledged: 0,
                };
                for p in grp.parts.iter().flatten() {
                    let l = &p.sp.ledger;
                    st.processed += l.processed;
                    st.redeliveries += l.redeliveries;
                    st.archived += l.archived;
                    st.lost += l.lost;
                    st.acknowledged += l.acknowledged;
                }
                st
            })
            .collect()
    }

    fn share_part(&self, share_group: u32, tp: Tp) -> Option<&SharePart> {
        self.share_groups
            .get(share_group as usize)?
            .parts
            .get(tp.0 as usize)?
            .get(tp.1 as usize)
    }

    /// A record of a share-partition: state, delivery count, holder slot, lock deadline.
    pub fn share_record(
        &self,
        share_group: u32,
        tp: Tp,
        offset: u64,
    ) -> Option<(crate::share::RecordState, u16, Option<u32>, u64)> {
        self.share_part(share_group, tp)?.sp.record(offset)
    }

    /// A share-partition's SPSO and SPEO (`None` if not subscribed).
    pub fn share_offsets(&self, share_group: u32, tp: Tp) -> Option<(u64, u64)> {
        let p = self.share_part(share_group, tp)?;
        Some((p.sp.spso(), p.sp.speo()))
    }

    /// The partitions each share consumer slot is assigned now (its own view).
    pub fn share_assignment(&self, share_group: u32) -> Vec<Vec<Tp>> {
        self.share_groups
            .get(share_group as usize)
            .map(|g| g.members.iter().map(|m| m.assigned.clone()).collect())
            .unwrap_or_default()
    }

    /// Records each share consumer slot processed in its lifetime.
    pub fn share_member_processed(&self, share_group: u32) -> Vec<u64> {
        self.share_groups
            .get(share_group as usize)
            .map(|g| g.members.iter().map(|m| m.processed).collect())
            .unwrap_or_default()
    }
}
