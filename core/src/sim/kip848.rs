//! The consumer group protocol of KIP-848 (`group.protocol=consumer`, GA in Kafka 4.0).
//!
//! Broker side, after Kafka's `GroupMetadataManager.consumerGroupHeartbeat`, `ConsumerGroup`
//! and `CurrentAssignmentBuilder`: members join, stay and leave with `ConsumerGroupHeartbeat`
//! alone. A membership or subscription change (or new partitions) bumps the *group epoch*; the
//! coordinator then computes a *target assignment* with the group's server-side assignor
//! (`group.remote.assignor`: the exact `uniform`/`range` of [`crate::assignor`]) and stamps it
//! with the group epoch. Each member is reconciled towards its target on its own, partition by
//! partition: partitions it must give up are revoked first (`UNREVOKED_PARTITIONS`, the member
//! stays at its epoch until a heartbeat no longer lists them as owned), then it moves to the
//! target epoch and gets the partitions that are free; those another member still holds come
//! later (`UNRELEASED_PARTITIONS`). No member ever waits for the whole group: there is no
//! stop-the-world barrier.
//!
//! Client side, after `ConsumerMembershipManager`/`AbstractMembershipManager`: the member
//! heartbeats every `group.consumer.heartbeat.interval.ms` (and at once after reconciling, to
//! acknowledge), applies a new assignment inside `poll()` (where the rebalance callbacks run:
//! commit and revoke, then assign), leaves with member epoch -1 (-2 for a static member, which
//! keeps its assignment for `group.consumer.session.timeout.ms`), and after
//! `max.poll.interval.ms` without a poll leaves and rejoins with epoch 0.
//!
//! The poll loop, fetching, processing and committing are the classic consumer's
//! (`consumer.rs`), so both protocols are measured with the same ledger.
//!
//! Simplifications: an offset commit is accepted from any current member whatever the member
//! epoch it carries (the client retries `STALE_MEMBER_EPOCH` with its new epoch, so the
//! outcome is the same); the target is recomputed at once on every group-epoch bump (Kafka
//! computes it in the next heartbeat); a static member that crashed and restarts before its
//! session ended gets `UNRELEASED_INSTANCE_ID` and retries each heartbeat interval.

use crate::assignor::{MemberSpec, TopicSpec};
use crate::event::{ConsumerState, Event, ReconcileState, Tp};
use crate::group_protocols::RemoteAssignor;

use super::protocol::Endpoint;
use super::protocol::{CommitPurpose, ProtoError, Request};
use super::Sim;
use super::Timer;

/// `LEAVE_GROUP_MEMBER_EPOCH`.
const LEAVE: i32 = -1;
/// `LEAVE_GROUP_STATIC_MEMBER_EPOCH`.
const LEAVE_STATIC: i32 = -2;

/// KIP-848 messages and timers.
#[derive(Clone, Debug)]
pub(crate) enum K848Timer {
    /// `ConsumerGroupHeartbeat` reaches the coordinator.
    HeartbeatArrives {
        from: Endpoint,
        member_id: String,
        instance_id: Option<String>,
        epoch: i32,
        owned: Vec<Tp>,
        subscription: Vec<u32>,
    },
    /// Its answer: the member epoch and the partitions the member should own now.
    HeartbeatResponse {
        to: Endpoint,
        result: Result<(i32, Vec<Tp>), HbError>,
    },
    /// The coordinator checks a member's session.
    SessionCheck { group: u32, serial: u64 },
}

/// Heartbeat errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HbError {
    /// `UNKNOWN_MEMBER_ID` / `FENCED_MEMBER_EPOCH`: drop everything, rejoin with epoch 0.
    Fenced,
    /// `UNRELEASED_INSTANCE_ID`: the static member's previous instance has not left.
    UnreleasedInstanceId,
}

/// A member as the coordinator knows it (Kafka's `ConsumerGroupMember`).
#[derive(Clone, Debug)]
pub(crate) struct Member {
    serial: u64,
    pub member_id: String,
    pub instance_id: Option<String>,
    pub slot: u32,
    inc: u32,
    /// Member epoch (-2: a static member that left and may come back).
    pub epoch: i32,
    /// The epoch before the last reconciliation step (-1 for a new member).
    pub previous_epoch: i32,
    pub state: ReconcileState,
    /// What the member may own now.
    pub assigned: Vec<Tp>,
    /// What it must give up before it may get more.
    pub pending_revocation: Vec<Tp>,
    /// Its share of the target assignment.
    pub target: Vec<Tp>,
    pub subscription: Vec<u32>,
    session_deadline_ms: u64,
}

/// The client side of one slot.
#[derive(Clone, Debug, Default)]
pub(crate) struct Client {
    /// Member epoch as last heard (0 = joining).
    pub epoch: i32,
    pub subscription: Vec<u32>,
    hb_in_flight: bool,
    /// The assignment from the last answer, to be applied at the next `poll()`.
    pending: Option<Vec<Tp>>,
    /// A heartbeat must go out at once (after reconciling or to rejoin).
    ack_needed: bool,
    /// Fenced or timed out: rejoin with epoch 0 once the lost partitions were dropped.
    rejoin: bool,
}

/// One KIP-848 group: coordinator state and per-slot client state.
#[derive(Clone, Debug, Default)]
pub(crate) struct Kip848 {
    pub group_epoch: i32,
    pub target_epoch: i32,
    pub members: Vec<Member>,
    pub clients: Vec<Client>,
    next_serial: u64,
}

impl Kip848 {
    /// Bytes a clone allocates.
    pub fn approx_bytes(&self) -> usize {
        use std::mem::size_of;
        size_of::<Kip848>()
            + self
                .members
                .iter()
                .map(|m| {
                    size_of::<Member>()
                        + m.member_id.len()
                        + 32
                        + 8 * (m.assigned.capacity()
                            + m.pending_revocation.capacity()
                            + m.target.capacity())
                        + 4 * m.subscription.capacity()
                })
                .sum::<usize>()
            + self
                .clients
                .iter()
                .map(|c| {
                    size_of::<Client>()
                        + 4 * c.subscription.capacity()
                        + 8 * c.pending.as_ref().map_or(0, |p| p.capacity())
                })
                .sum::<usize>()
    }

    /// The member (other than `except`) holding `tp` as assigned or pending revocation.
    fn holder(&self, tp: Tp, except: usize) -> bool {
        self.members.iter().enumerate().any(|(i, m)| {
            i != except && (m.assigned.contains(&tp) || m.pending_revocation.contains(&tp))
        })
    }

    /// Kafka's `CurrentAssignmentBuilder.build` for member `i`, given the partitions it
    /// reports as owned (`None` when the request carried no list): see
    /// [`crate::reconciliation::current_assignment`].
    fn reconcile(&mut self, i: usize, owned: Option<&[Tp]>) {
        let m = &self.members[i];
        let view = crate::reconciliation::MemberView {
            state: m.state,
            epoch: m.epoch,
            previous_epoch: m.previous_epoch,
            assigned: &m.assigned,
            pending_revocation: &m.pending_revocation,
        };
        let next = crate::reconciliation::current_assignment(
            view,
            &m.target,
            self.target_epoch,
            owned,
            |tp| self.holder(tp, i),
        );
        if let Some(n) = next {
            let m = &mut self.members[i];
            m.state = n.state;
            m.epoch = n.epoch;
            m.previous_epoch = n.previous_epoch;
            m.assigned = n.assigned;
            m.pending_revocation = n.pending_revocation;
        }
    }
}

impl Sim {
    /// Whether group `g` speaks KIP-848.
    pub(super) fn is_kip848(&self, g: u32) -> bool {
        self.groups[g as usize].kip848.is_some()
    }

    fn k(&mut self, g: u32) -> &mut Kip848 {
        self.groups[g as usize]
            .kip848
            .as_mut()
            .expect("a KIP-848 group")
    }

    fn client(&mut self, g: u32, s: u32) -> &mut Client {
        let k = self.k(g);
        if k.clients.len() <= s as usize {
            k.clients.resize_with(s as usize + 1, Client::default);
        }
        &mut k.clients[s as usize]
    }

    pub(super) fn k848_fire(&mut self, t: K848Timer) {
        match t {
            K848Timer::HeartbeatArrives {
                from,
                member_id,
                instance_id,
                epoch,
                owned,
                subscription,
            } => self.k848_heartbeat(from, member_id, instance_id, epoch, owned, subscription),
            K848Timer::HeartbeatResponse { to, result } => self.k848_response(to, result),
            K848Timer::SessionCheck { group, serial } => self.k848_session_check(group, serial),
        }
    }

    /// A process started in slot `s` (from `start_process`): no JoinGroup; the first
    /// heartbeat (epoch 0) goes out now, then one every heartbeat interval.
    pub(super) fn k848_start(&mut self, g: u32, s: u32) {
        let topics = self.groups[g as usize].topics.clone();
        let c = self.client(g, s);
        let subscription = if c.subscription.is_empty() {
            topics
        } else {
            std::mem::take(&mut c.subscription)
        };
        *c = Client {
            subscription,
            ..Client::default()
        };
        let slot = &mut self.groups[g as usize].slots[s as usize];
        slot.rejoin_needed = false;
        slot.generation = -1;
        let to = Endpoint {
            group: g,
            slot: s,
            inc: slot.inc,
        };
        self.k848_send(g, s, 0);
        let hb = self.groups[g as usize].cfg.consumer_heartbeat_interval_ms;
        self.timers.at(self.now_ms + hb, Timer::Heartbeat { to });
    }

    fn k848_send(&mut self, g: u32, s: u32, epoch: i32) {
        let c = &self.groups[g as usize].slots[s as usize];
        let from = Endpoint {
            group: g,
            slot: s,
            inc: c.inc,
        };
        let (member_id, instance_id, owned) = (
            c.member_id.clone(),
            c.instance_id.clone(),
            c.assigned.clone(),
        );
        let cl = self.client(g, s);
        cl.hb_in_flight = epoch >= 0;
        cl.ack_needed = false;
        let subscription = cl.subscription.clone();
        let now = self.now_ms;
        let at = now + self.latency_ms();
        self.emit_traffic(|| Event::RequestSent {
            group: g,
            member: s,
            kind: if epoch < 0 {
                crate::event::RequestKind::Leave
            } else {
                crate::event::RequestKind::Heartbeat
            },
            sent_at_ms: now,
            arrives_at_ms: at,
        });
        self.timers.at(
            at,
            Timer::Kip848(K848Timer::HeartbeatArrives {
                from,
                member_id,
                instance_id,
                epoch,
                owned,
                subscription,
            }),
        );
    }

    /// The heartbeat thread (instead of the classic one): keeps the session and enforces
    /// `max.poll.interval.ms` (KIP-62 carried over: the member leaves with epoch -1, its
    /// partitions are lost at the next poll, and it rejoins with epoch 0).
    pub(super) fn k848_heartbeat_tick(&mut self, to: Endpoint) {
        let (g, s) = (to.group, to.slot);
        let now = self.now_ms;
        let cfg = &self.groups[g as usize].cfg;
        let (hb, max_poll) = (cfg.consumer_heartbeat_interval_ms, cfg.max_poll_interval_ms);
        self.timers.at(now + hb, Timer::Heartbeat { to });
        let c = &mut self.groups[g as usize].slots[s as usize];
        let in_poll = !c.paused
            && matches!(
                c.lp,
                super::consumer::Loop::Idle
                    | super::consumer::Loop::WaitingJoin
                    | super::consumer::Loop::Fetching
            );
        if in_poll {
            c.last_poll_ms = now;
        }
        let stuck = now.saturating_sub(c.last_poll_ms) > max_poll;
        let epoch = self.client(g, s).epoch;
        if epoch > 0 && stuck {
            self.emit(Event::PollIntervalExceeded {
                group: g,
                member: s,
            });
            self.k848_send(g, s, LEAVE);
            self.k848_lose(g, s);
            return;
        }
        if !self.client(g, s).hb_in_flight && !self.client(g, s).rejoin {
            self.k848_send(g, s, epoch);
        }
    }

    /// Out of the group: partitions are dropped as lost at the next poll, then the member
    /// rejoins with epoch 0.
    fn k848_lose(&mut self, g: u32, s: u32) {
        let c = &mut self.groups[g as usize].slots[s as usize];
        c.lost_on_poll = true;
        c.generation = -1;
        let cl = self.client(g, s);
        cl.epoch = 0;
        cl.pending = None;
        cl.rejoin = true;
        cl.hb_in_flight = false;
        self.wake(g, s);
    }

    /// Inside `poll()`, before fetching: rejoin if needed, then apply the latest assignment
    /// (the rebalance callbacks run here, on the application thread): revoked partitions are
    /// committed (as auto-commit and an at-least-once app's `onPartitionsRevoked` do) and
    /// dropped, new ones start at their committed offsets; then the member acknowledges with
    /// a heartbeat at once.
    pub(super) fn k848_poll(&mut self, g: u32, s: u32) {
        let c = &mut self.groups[g as usize].slots[s as usize];
        if std::mem::take(&mut c.rejoin_needed) {
            // The shared loop asks for a rejoin after a failed commit (UNKNOWN_MEMBER_ID) or
            // a fenced transaction: in KIP-848 that is a rejoin with epoch 0.
            c.generation = -1;
            let cl = self.client(g, s);
            cl.rejoin = true;
            cl.epoch = 0;
            cl.pending = None;
        }
        if self.groups[g as usize].slots[s as usize].lost_on_poll {
            return;
        }
        if self.client(g, s).rejoin {
            self.client(g, s).rejoin = false;
            self.k848_send(g, s, 0);
            return;
        }
        let Some(target) = self.client(g, s).pending.take() else {
            if self.client(g, s).ack_needed && !self.client(g, s).hb_in_flight {
                let e = self.client(g, s).epoch;
                self.k848_send(g, s, e);
            }
            return;
        };
        let c = &self.groups[g as usize].slots[s as usize];
        let (revoked, added) = super::consumer::assignment_change(&c.assigned, &target);
        let had = !c.assigned.is_empty();
        if !revoked.is_empty() {
            let commit: Vec<(Tp, u64)> = c
                .assigned
                .iter()
                .copied()
                .zip(c.positions.iter().copied())
                .filter(|(tp, _)| revoked.contains(tp))
                .collect();
            let (member_id, generation) = (c.member_id.clone(), c.generation);
            if self.commits_on_revoke(g) && !commit.is_empty() {
                self.send(
                    g,
                    s,
                    Request::Commit {
                        member_id,
                        generation,
                        offsets: commit,
                        purpose: CommitPurpose::Auto,
                    },
                );
            }
            let c = &mut self.groups[g as usize].slots[s as usize];
            let keep: Vec<(Tp, u64)> = c
                .assigned
                .iter()
                .copied()
                .zip(c.positions.iter().copied())
                .filter(|(tp, _)| !revoked.contains(tp))
                .collect();
            c.assigned = keep.iter().map(|x| x.0).collect();
            c.positions = keep.iter().map(|x| x.1).collect();
            self.emit(Event::PartitionsRevoked {
                group: g,
                member: s,
                partitions: revoked,
            });
        }
        if had
            && self.groups[g as usize].slots[s as usize]
                .assigned
                .is_empty()
        {
            self.groups[g as usize].paused_members += 1;
        }
        for &tp in &added {
            let pos = self.initial_position(g, s, tp);
            let c = &mut self.groups[g as usize].slots[s as usize];
            c.assigned.push(tp);
            c.positions.push(pos);
        }
        if !added.is_empty() {
            let generation = self.client(g, s).epoch;
            self.emit(Event::PartitionsAssigned {
                group: g,
                member: s,
                generation,
                partitions: added,
            });
        }
        self.refresh_downtime(g);
        if self.client(g, s).hb_in_flight {
            self.client(g, s).ack_needed = true;
        } else {
            let e = self.client(g, s).epoch;
            self.k848_send(g, s, e);
        }
    }

    fn k848_respond(&mut self, to: Endpoint, result: Result<(i32, Vec<Tp>), HbError>) {
        let at = self.now_ms + self.latency_ms();
        self.timers.at(
            at,
            Timer::Kip848(K848Timer::HeartbeatResponse { to, result }),
        );
    }

    /// Kafka's `consumerGroupHeartbeat`.
    fn k848_heartbeat(
        &mut self,
        from: Endpoint,
        member_id: String,
        instance_id: Option<String>,
        epoch: i32,
        owned: Vec<Tp>,
        subscription: Vec<u32>,
    ) {
        let g = from.group;
        let now = self.now_ms;
        let session = self.groups[g as usize].cfg.consumer_session_timeout_ms;
        let find = |k: &Kip848| k.members.iter().position(|m| m.member_id == member_id);
        let mut bump = false;
        let i = match epoch {
            LEAVE | LEAVE_STATIC => {
                let Some(i) = find(self.k(g)) else { return };
                if epoch == LEAVE_STATIC && self.k(g).members[i].instance_id.is_some() {
                    // KIP-848 static leave: the member keeps its assignment until its session
                    // ends, so a restart within it gets the same partitions back.
                    self.k(g).members[i].epoch = LEAVE_STATIC;
                } else {
                    self.k(g).members.remove(i);
                    self.k848_bump(g);
                }
                return;
            }
            0 => {
                let stat = instance_id.as_ref().and_then(|iid| {
                    self.k(g)
                        .members
                        .iter()
                        .position(|m| m.instance_id.as_ref() == Some(iid))
                });
                match stat {
                    Some(i) if self.k(g).members[i].epoch != LEAVE_STATIC => {
                        return self.k848_respond(from, Err(HbError::UnreleasedInstanceId));
                    }
                    Some(i) => {
                        // The returning static member takes its predecessor's place and
                        // partitions (Kafka's replaceMember), without a new group epoch.
                        let m = &mut self.k(g).members[i];
                        m.member_id = member_id;
                        m.slot = from.slot;
                        m.inc = from.inc;
                        m.epoch = 0;
                        m.previous_epoch = -1;
                        m.state = ReconcileState::Stable;
                        m.session_deadline_ms = now + session;
                        i
                    }
                    None => {
                        if let Some(i) = find(self.k(g)) {
                            // A repeated join of a member already in: treat as a rejoin.
                            self.k(g).members.remove(i);
                        }
                        let k = self.k(g);
                        k.next_serial += 1;
                        let serial = k.next_serial;
                        k.members.push(Member {
                            serial,
                            member_id,
                            instance_id,
                            slot: from.slot,
                            inc: from.inc,
                            epoch: 0,
                            previous_epoch: -1,
                            state: ReconcileState::Stable,
                            assigned: Vec::new(),
                            pending_revocation: Vec::new(),
                            target: Vec::new(),
                            subscription: subscription.clone(),
                            session_deadline_ms: now + session,
                        });
                        self.timers.at(
                            now + session,
                            Timer::Kip848(K848Timer::SessionCheck { group: g, serial }),
                        );
                        bump = true;
                        self.k(g).members.len() - 1
                    }
                }
            }
            _ => {
                let Some(i) = find(self.k(g)) else {
                    return self.k848_respond(from, Err(HbError::Fenced));
                };
                let m = &self.k(g).members[i];
                if crate::reconciliation::epoch_is_fenced(
                    epoch,
                    m.epoch,
                    m.previous_epoch,
                    Some(&owned),
                    &m.assigned,
                ) {
                    return self.k848_respond(from, Err(HbError::Fenced));
                }
                i
            }
        };
        let m = &mut self.k(g).members[i];
        m.session_deadline_ms = now + session;
        if m.subscription != subscription {
            m.subscription = subscription;
            bump = true;
        }
        if bump {
            self.k848_bump(g);
        }
        let before = {
            let m = &self.k(g).members[i];
            (m.epoch, m.state)
        };
        self.k(g).reconcile(i, Some(&owned));
        let m = &self.k(g).members[i];
        let (slot, epoch, state) = (m.slot, m.epoch, m.state);
        let pending_revocation = m.pending_revocation.len() as u32;
        let unreleased = m
            .target
            .iter()
            .filter(|tp| !m.assigned.contains(tp))
            .count() as u32;
        let assigned = m.assigned.clone();
        if before != (epoch, state) {
            self.emit(Event::MemberReconciled {
                group: g,
                member: slot,
                member_epoch: epoch,
                state,
                pending_revocation,
                unreleased,
            });
        }
        self.k848_respond(from, Ok((epoch, assigned)));
    }

    /// The group epoch moves on and the target assignment is recomputed with
    /// `group.remote.assignor` (the previous target is the uniform assignor's stickiness).
    fn k848_bump(&mut self, g: u32) {
        let grp = &self.groups[g as usize];
        let topics: Vec<TopicSpec> = grp
            .topics
            .iter()
            .map(|&t| TopicSpec {
                name: self.topics[t as usize].name.clone(),
                partitions: self.topics[t as usize].logs.len() as u32,
                partition_racks: Vec::new(),
            })
            .collect();
        let local = |t: u32| grp.topics.iter().position(|&x| x == t).map(|i| i as u32);
        let k = grp.kip848.as_ref().expect("a KIP-848 group");
        let specs: Vec<MemberSpec> = k
            .members
            .iter()
            .map(|m| MemberSpec {
                member_id: m.member_id.clone(),
                group_instance_id: m.instance_id.clone(),
                topics: m.subscription.iter().filter_map(|&t| local(t)).collect(),
                owned: m
                    .target
                    .iter()
                    .filter_map(|&(t, p)| local(t).map(|t| (t, p)))
                    .collect(),
                generation: None,
                rack: None,
            })
            .collect();
        let result = match grp.cfg.remote_assignor {
            RemoteAssignor::Uniform => crate::assignor::kip848_uniform::assign(&topics, &specs),
            RemoteAssignor::Range => crate::assignor::kip848_range::assign(&topics, &specs),
        };
        let global: Vec<Vec<Tp>> = result
            .into_iter()
            .map(|ps| {
                ps.into_iter()
                    .map(|(t, p)| (grp.topics[t as usize], p))
                    .collect()
            })
            .collect();
        let k = self.k(g);
        k.group_epoch += 1;
        k.target_epoch = k.group_epoch;
        for (m, t) in k.members.iter_mut().zip(global) {
            m.target = t;
        }
        let group_epoch = k.group_epoch;
        let assignment = k
            .members
            .iter()
            .map(|m| (m.slot, m.target.clone()))
            .collect();
        self.groups[g as usize].rebalances += 1;
        self.emit(Event::TargetAssignmentComputed {
            group: g,
            group_epoch,
            assignment,
        });
    }

    fn k848_response(&mut self, to: Endpoint, result: Result<(i32, Vec<Tp>), HbError>) {
        let c = &self.groups[to.group as usize].slots[to.slot as usize];
        if !(c.alive && c.inc == to.inc) {
            return;
        }
        let (g, s) = (to.group, to.slot);
        self.client(g, s).hb_in_flight = false;
        match result {
            Err(HbError::Fenced) => self.k848_lose(g, s),
            Err(HbError::UnreleasedInstanceId) => {}
            Ok((epoch, assigned)) => {
                if self.client(g, s).rejoin {
                    return;
                }
                self.client(g, s).epoch = epoch;
                self.groups[g as usize].slots[s as usize].generation = epoch;
                let c = &self.groups[g as usize].slots[s as usize];
                let changed = {
                    let mut a = c.assigned.clone();
                    a.sort_unstable();
                    a != assigned
                };
                // The latest answer replaces any assignment not applied yet (a paused member
                // may have heard several).
                if changed {
                    self.client(g, s).pending = Some(assigned);
                    self.wake(g, s);
                } else if self.client(g, s).pending.take().is_some() || self.client(g, s).ack_needed
                {
                    self.k848_send(g, s, epoch);
                }
                let c = &self.groups[g as usize].slots[s as usize];
                if c.assigned.is_empty() && c.state == ConsumerState::Joining {
                    self.set_state(g, s, ConsumerState::Idle);
                }
            }
        }
    }

    /// `group.consumer.session.timeout.ms` without a heartbeat: the member is fenced and its
    /// partitions (owned or pending revocation) become free.
    fn k848_session_check(&mut self, g: u32, serial: u64) {
        let now = self.now_ms;
        let Some(i) = self.k(g).members.iter().position(|m| m.serial == serial) else {
            return;
        };
        let m = &self.k(g).members[i];
        if m.session_deadline_ms > now {
            let at = m.session_deadline_ms;
            self.timers.at(
                at,
                Timer::Kip848(K848Timer::SessionCheck { group: g, serial }),
            );
            return;
        }
        let slot = m.slot;
        self.k(g).members.remove(i);
        self.emit(Event::SessionExpired {
            group: g,
            member: slot,
        });
        self.k848_bump(g);
    }

    /// `close()`: leave with epoch -1, or -2 for a static member (KIP-848 keeps its
    /// assignment for the session timeout).
    pub(super) fn k848_leave(&mut self, g: u32, s: u32) {
        let stat = self.groups[g as usize].slots[s as usize]
            .instance_id
            .is_some();
        self.k848_send(g, s, if stat { LEAVE_STATIC } else { LEAVE });
    }

    /// Partitions were added to a subscribed topic: the group epoch moves on.
    pub(super) fn k848_metadata_changed(&mut self, g: u32) {
        self.k848_bump(g);
    }

    /// The `ChangeSubscription` input: the member's next heartbeat carries it.
    pub(super) fn k848_change_subscription(&mut self, g: u32, s: u32, mut topics: Vec<u32>) {
        topics.sort_by(|a, b| {
            self.topics[*a as usize]
                .name
                .cmp(&self.topics[*b as usize].name)
        });
        let alive = self.groups[g as usize].slots[s as usize].alive;
        let c = self.client(g, s);
        c.subscription = topics;
        if alive && !c.hb_in_flight && !c.rejoin {
            let e = c.epoch;
            self.k848_send(g, s, e);
        }
    }

    /// Offset commits in a KIP-848 group: any current member may commit.
    pub(super) fn k848_validate_commit(
        &mut self,
        g: u32,
        member_id: &str,
    ) -> Result<(), ProtoError> {
        if self
            .k(g)
            .members
            .iter()
            .any(|m| m.member_id == member_id && m.epoch >= 0)
        {
            Ok(())
        } else {
            Err(ProtoError::UnknownMember)
        }
    }

    /// One owner per partition: the live members of a KIP-848 group that own `tp` now.
    pub(super) fn k848_owners(&self, g: u32, tp: Tp) -> Vec<u32> {
        self.groups[g as usize]
            .slots
            .iter()
            .enumerate()
            .filter(|(_, c)| c.alive && c.generation > 0 && c.assigned.contains(&tp))
            .map(|(i, _)| i as u32)
            .collect()
    }
}
