//! The group coordinator on the broker, classic protocol: Kafka's `GroupCoordinator` /
//! `ClassicGroup` (states Empty → PreparingRebalance → CompletingRebalance → Stable),
//! generations, session expiry, rebalance timeout, `group.initial.rebalance.delay.ms`,
//! static membership (KIP-345) and the offset store (`__consumer_offsets`).
//!
//! Simplifications, each a deliberate one: a single always-available coordinator; member ids
//! are chosen by the client at start (Kafka ≥ 2.2 hands one out with a first
//! `MEMBER_ID_REQUIRED` round trip, which changes no outcome); the initial rebalance delay is
//! not extended by later joins.

use crate::assignor::Strategy;
use crate::event::{Event, GroupState, RebalanceReason, Tp};

use super::protocol::Endpoint;
use super::protocol::{JoinOk, ProtoError, Request, Response, Subscription};
use super::Sim;
use super::Timer;

/// A member as the coordinator knows it (Kafka's `ClassicGroupMember`).
#[derive(Clone, Debug)]
pub(crate) struct CoordMember {
    pub serial: u64,
    pub member_id: String,
    pub instance_id: Option<String>,
    pub endpoint: Endpoint,
    pub protocols: Vec<Strategy>,
    pub owned: Vec<Tp>,
    pub owned_generation: i32,
    pub eager: bool,
    /// The client's latest join attempt, echoed in the JoinGroup answer.
    pub join_seq: u64,
    pub session_deadline_ms: u64,
    pub awaiting_join: bool,
    pub awaiting_sync: bool,
    pub assignment: Vec<Tp>,
}

/// One group's coordinator state.
#[derive(Clone, Debug)]
pub(crate) struct Coordinator {
    pub state: GroupState,
    pub generation: i32,
    pub protocol: Option<Strategy>,
    pub leader: Option<String>,
    pub members: Vec<CoordMember>,
    pub epoch: u64,
    pub in_initial_delay: bool,
    /// The last assignment withheld partitions (cooperative): a follow-up rebalance is due.
    pub follow_up_due: bool,
    /// Subscribed topics gained partitions since the last assignment (the leader will rejoin).
    pub metadata_changed: bool,
    next_serial: u64,
}

impl Default for Coordinator {
    fn default() -> Self {
        Coordinator {
            state: GroupState::Empty,
            generation: 0,
            protocol: None,
            leader: None,
            members: Vec::new(),
            epoch: 0,
            in_initial_delay: false,
            follow_up_due: false,
            metadata_changed: false,
            next_serial: 0,
        }
    }
}

impl Coordinator {
    fn find(&self, member_id: &str) -> Option<usize> {
        self.members.iter().position(|m| m.member_id == member_id)
    }

    /// The slot of the current leader, if any.
    /// Bytes a clone of this coordinator allocates (for bounding checkpoint memory).
    pub fn approx_bytes(&self) -> usize {
        self.members
            .iter()
            .map(|m| {
                std::mem::size_of::<CoordMember>()
                    + m.member_id.len()
                    + 64
                    + 8 * m.protocols.len()
                    + 8 * (m.owned.len() + m.assignment.len())
            })
            .sum::<usize>()
            + std::mem::size_of::<Coordinator>()
    }

    pub fn leader_slot(&self) -> Option<u32> {
        let leader = self.leader.as_deref()?;
        self.members
            .iter()
            .find(|m| m.member_id == leader)
            .map(|m| m.endpoint.slot)
    }

    /// Kafka's `ClassicGroup.selectProtocol`: among the strategies every member supports, each
    /// member votes for the first one in its own preference list; the most votes wins.
    fn select_protocol(&self) -> Option<Strategy> {
        let first = self.members.first()?;
        let candidates: Vec<Strategy> = first
            .protocols
            .iter()
            .copied()
            .filter(|s| self.members.iter().all(|m| m.protocols.contains(s)))
            .collect();
        let mut best: Option<(Strategy, usize)> = None;
        for &c in &candidates {
            let votes = self
                .members
                .iter()
                .filter(|m| m.protocols.iter().find(|s| candidates.contains(s)) == Some(&c))
                .count();
            if best.is_none_or(|(_, v)| votes > v) {
                best = Some((c, votes));
            }
        }
        best.map(|(s, _)| s)
    }
}

impl Sim {
    fn respond(&mut self, to: Endpoint, resp: Response) {
        let at = self.now_ms + self.latency_ms();
        self.timers.at(at, Timer::ToClient { to, resp });
    }

    fn set_group_state(&mut self, g: u32, state: GroupState) {
        let c = &mut self.groups[g as usize].coord;
        if c.state != state {
            c.state = state;
            let generation = c.generation;
            self.emit(Event::GroupStateChanged {
                group: g,
                state,
                generation,
            });
        }
    }

    fn session_timeout_ms(&self, g: u32) -> u64 {
        self.groups[g as usize].cfg.session_timeout_ms
    }

    pub(super) fn coordinator_receive(&mut self, from: Endpoint, req: Request) {
        if !self.coordinator_available(from.group) {
            return self.hold_request(from, req);
        }
        match req {
            Request::Join {
                member_id,
                fresh,
                instance_id,
                protocols,
                owned,
                generation,
                eager,
                seq,
            } => self.handle_join(
                from,
                (member_id, fresh),
                instance_id,
                protocols,
                (owned, generation, eager, seq),
            ),
            Request::Sync {
                member_id,
                generation,
                assignment,
                seq,
            } => self.handle_sync(from, member_id, generation, assignment, seq),
            Request::Heartbeat {
                member_id,
                generation,
            } => {
                let result = self.handle_heartbeat(from.group, &member_id, generation);
                self.respond(from, Response::Heartbeat { generation, result });
            }
            Request::Leave { member_id } => self.handle_leave(from.group, &member_id),
            Request::Commit {
                member_id,
                generation,
                offsets,
                purpose,
            } => {
                let result = self.validate_commit(from.group, &member_id, generation, false);
                if result.is_ok() {
                    self.store_offsets(from, &offsets);
                }
                self.respond(
                    from,
                    Response::Commit {
                        purpose,
                        generation,
                        result,
                    },
                );
            }
            Request::EndTxn {
                member_id,
                generation,
                txn,
                offsets,
            } => {
                let mut r = self.validate_commit(from.group, &member_id, generation, true);
                if !self.end_transaction(txn, r.is_ok(), &offsets, from) && r.is_ok() {
                    r = Err(ProtoError::ProducerFenced);
                }
                self.respond(from, Response::EndTxn(r));
            }
        }
    }

    fn handle_join(
        &mut self,
        from: Endpoint,
        (member_id, fresh): (String, bool),
        instance_id: Option<String>,
        protocols: Vec<Strategy>,
        (owned, generation, eager, seq): (Vec<Tp>, i32, bool, u64),
    ) {
        let g = from.group;
        let now = self.now_ms;
        let session = self.session_timeout_ms(g);
        // KIP-345: a static member coming back under a new member id replaces its old self.
        if let Some(iid) = &instance_id {
            let c = &mut self.groups[g as usize].coord;
            if let Some(i) = c
                .members
                .iter()
                .position(|m| m.instance_id.as_ref() == Some(iid))
            {
                if c.members[i].member_id != member_id {
                    let old_id = std::mem::replace(&mut c.members[i].member_id, member_id.clone());
                    c.members[i].endpoint = from;
                    c.members[i].join_seq = seq;
                    c.members[i].session_deadline_ms = now + session;
                    if c.leader.as_deref() == Some(old_id.as_str()) {
                        c.leader = Some(member_id.clone());
                    }
                    // KIP-814: a returning static leader still checks metadata; if the topics grew
                    // since the last assignment, the group must rebalance after all.
                    if c.state == GroupState::Stable
                        && c.members[i].protocols == protocols
                        && !c.metadata_changed
                    {
                        let ok = JoinOk {
                            generation: c.generation,
                            protocol: c.protocol.expect("a stable group has a protocol"),
                            members: None,
                        };
                        self.emit(Event::StaticMemberRejoined {
                            group: g,
                            member: from.slot,
                            member_id,
                        });
                        self.respond(
                            from,
                            Response::Join {
                                seq,
                                result: Ok(ok),
                            },
                        );
                        return;
                    }
                }
            }
        }
        let c = &mut self.groups[g as usize].coord;
        if c.find(&member_id).is_none() && instance_id.is_none() && !fresh {
            // A dynamic member rejoining under an id the coordinator dropped (it was removed
            // while paused or cut off, before a heartbeat could tell it): Kafka's
            // `ClassicGroup` answers UNKNOWN_MEMBER_ID, so the client gives its partitions up
            // as lost and joins afresh, never as the old owner (found by the soak, seed 26474).
            return self.respond(
                from,
                Response::Join {
                    seq,
                    result: Err(ProtoError::UnknownMember),
                },
            );
        }
        match c.find(&member_id) {
            None => {
                c.next_serial += 1;
                let serial = c.next_serial;
                c.members.push(CoordMember {
                    serial,
                    member_id,
                    instance_id,
                    endpoint: from,
                    protocols,
                    owned,
                    owned_generation: generation,
                    eager,
                    join_seq: seq,
                    session_deadline_ms: now + session,
                    awaiting_join: true,
                    awaiting_sync: false,
                    assignment: Vec::new(),
                });
                self.timers
                    .at(now + session, Timer::SessionCheck { group: g, serial });
                if c.state != GroupState::PreparingRebalance {
                    self.prepare_rebalance(g, RebalanceReason::MemberJoined, Some(from.slot));
                }
            }
            Some(i) => {
                let m = &mut c.members[i];
                let reason = if m.protocols != protocols {
                    RebalanceReason::ProtocolChanged
                } else if std::mem::take(&mut c.metadata_changed) {
                    RebalanceReason::MetadataChanged
                } else if c.follow_up_due && c.state == GroupState::Stable {
                    RebalanceReason::CooperativeFollowUp
                } else {
                    RebalanceReason::MemberJoined
                };
                m.protocols = protocols;
                m.owned = owned;
                m.owned_generation = generation;
                m.eager = eager;
                m.join_seq = seq;
                m.endpoint = from;
                m.awaiting_join = true;
                m.session_deadline_ms = now + session;
                if c.state != GroupState::PreparingRebalance {
                    self.prepare_rebalance(g, reason, Some(from.slot));
                }
            }
        }
        self.maybe_complete_join(g);
    }

    /// Kafka's `prepareRebalance`: pending syncs fail with REBALANCE_IN_PROGRESS, the group
    /// waits for every member to rejoin (or the rebalance timeout).
    fn prepare_rebalance(&mut self, g: u32, reason: RebalanceReason, member: Option<u32>) {
        let grp = &mut self.groups[g as usize];
        let was_empty = grp.coord.state == GroupState::Empty;
        let mut failed_syncs = Vec::new();
        if grp.coord.state == GroupState::CompletingRebalance {
            for m in grp.coord.members.iter_mut().filter(|m| m.awaiting_sync) {
                m.awaiting_sync = false;
                failed_syncs.push((m.endpoint, m.join_seq));
            }
        }
        grp.coord.epoch += 1;
        grp.rebalances += 1;
        let epoch = grp.coord.epoch;
        let delay = grp.cfg.initial_rebalance_delay_ms;
        let timeout = grp.cfg.max_poll_interval_ms;
        let generation = grp.coord.generation;
        for (to, seq) in failed_syncs {
            self.respond(
                to,
                Response::Sync {
                    seq,
                    generation,
                    result: Err(ProtoError::RebalanceInProgress),
                },
            );
        }
        self.set_group_state(g, GroupState::PreparingRebalance);
        self.emit(Event::RebalanceStarted {
            group: g,
            reason,
            member,
        });
        if was_empty && delay > 0 {
            self.groups[g as usize].coord.in_initial_delay = true;
            self.timers.at(
                self.now_ms + delay,
                Timer::RebalanceDeadline {
                    group: g,
                    epoch,
                    initial_delay: true,
                },
            );
        } else {
            self.timers.at(
                self.now_ms + timeout,
                Timer::RebalanceDeadline {
                    group: g,
                    epoch,
                    initial_delay: false,
                },
            );
        }
        self.refresh_downtime(g);
    }

    pub(super) fn rebalance_deadline(&mut self, g: u32, epoch: u64, initial_delay: bool) {
        if !self.coordinator_available(g) {
            // The coordinator is down: its rebalance waits for the next one.
            let at = self.now_ms + self.session_timeout_ms(g);
            self.timers.at(
                at,
                Timer::RebalanceDeadline {
                    group: g,
                    epoch,
                    initial_delay,
                },
            );
            return;
        }
        let grp = &mut self.groups[g as usize];
        if grp.coord.epoch != epoch || grp.coord.state != GroupState::PreparingRebalance {
            return;
        }
        if initial_delay {
            grp.coord.in_initial_delay = false;
            let at = self.now_ms + grp.cfg.max_poll_interval_ms;
            self.timers.at(
                at,
                Timer::RebalanceDeadline {
                    group: g,
                    epoch,
                    initial_delay: false,
                },
            );
            self.maybe_complete_join(g);
            return;
        }
        // Members that did not rejoin within the rebalance timeout are dropped.
        self.complete_join(g);
    }

    fn maybe_complete_join(&mut self, g: u32) {
        let c = &self.groups[g as usize].coord;
        if c.state == GroupState::PreparingRebalance
            && !c.in_initial_delay
            && c.members.iter().all(|m| m.awaiting_join)
        {
            self.complete_join(g);
        }
    }

    fn complete_join(&mut self, g: u32) {
        let now = self.now_ms;
        let session = self.session_timeout_ms(g);
        let c = &mut self.groups[g as usize].coord;
        let dropped: Vec<u32> = c
            .members
            .iter()
            .filter(|m| !m.awaiting_join)
            .map(|m| m.endpoint.slot)
            .collect();
        c.members.retain(|m| m.awaiting_join);
        c.generation += 1;
        c.epoch += 1;
        for slot in dropped {
            self.emit(Event::PollIntervalExceeded {
                group: g,
                member: slot,
            });
        }
        let c = &mut self.groups[g as usize].coord;
        let Some(protocol) = c.select_protocol() else {
            // Empty group, or members with no strategy in common (INCONSISTENT_GROUP_PROTOCOL).
            let rejected: Vec<(Endpoint, u64)> = c
                .members
                .drain(..)
                .map(|m| (m.endpoint, m.join_seq))
                .collect();
            c.protocol = None;
            c.leader = None;
            for (to, seq) in rejected {
                self.respond(
                    to,
                    Response::Join {
                        seq,
                        result: Err(ProtoError::InconsistentProtocol),
                    },
                );
            }
            self.set_group_state(g, GroupState::Empty);
            self.refresh_downtime(g);
            return;
        };
        c.protocol = Some(protocol);
        if c.leader.as_ref().is_none_or(|l| c.find(l).is_none()) {
            c.leader = Some(c.members[0].member_id.clone());
        }
        let leader_id = c.leader.clone().expect("set above");
        let generation = c.generation;
        let subs: Vec<Subscription> = c
            .members
            .iter()
            .map(|m| Subscription {
                member_id: m.member_id.clone(),
                instance_id: m.instance_id.clone(),
                slot: m.endpoint.slot,
                owned: m.owned.clone(),
                generation: m.owned_generation,
                eager: m.eager,
            })
            .collect();
        let mut replies = Vec::new();
        for m in c.members.iter_mut() {
            m.awaiting_join = false;
            m.session_deadline_ms = now + session;
            let members = (m.member_id == leader_id).then(|| subs.clone());
            replies.push((
                m.endpoint,
                m.join_seq,
                JoinOk {
                    generation,
                    protocol,
                    members,
                },
            ));
        }
        self.set_group_state(g, GroupState::CompletingRebalance);
        for (to, seq, ok) in replies {
            self.respond(
                to,
                Response::Join {
                    seq,
                    result: Ok(ok),
                },
            );
        }
    }

    fn handle_sync(
        &mut self,
        from: Endpoint,
        member_id: String,
        generation: i32,
        assignment: Option<Vec<(String, Vec<Tp>)>>,
        seq: u64,
    ) {
        let g = from.group;
        let now = self.now_ms;
        let session = self.session_timeout_ms(g);
        let total = self.subscribed_partitions(g).len();
        let c = &mut self.groups[g as usize].coord;
        let gen_now = c.generation;
        let fail = |e| Response::Sync {
            seq,
            generation,
            result: Err(e),
        };
        let Some(i) = c.find(&member_id) else {
            return self.respond(from, fail(ProtoError::UnknownMember));
        };
        if generation != c.generation {
            return self.respond(from, fail(ProtoError::IllegalGeneration));
        }
        c.members[i].session_deadline_ms = now + session;
        match c.state {
            GroupState::Empty => self.respond(from, fail(ProtoError::UnknownMember)),
            GroupState::PreparingRebalance => {
                self.respond(from, fail(ProtoError::RebalanceInProgress))
            }
            GroupState::Stable => {
                let a = c.members[i].assignment.clone();
                self.respond(
                    from,
                    Response::Sync {
                        seq,
                        generation: gen_now,
                        result: Ok(a),
                    },
                );
            }
            GroupState::CompletingRebalance => {
                c.members[i].awaiting_sync = true;
                c.members[i].join_seq = seq;
                let is_leader = c.leader.as_deref() == Some(member_id.as_str());
                if let (true, Some(assignment)) = (is_leader, assignment) {
                    c.follow_up_due =
                        assignment.iter().map(|(_, a)| a.len()).sum::<usize>() < total;
                    for m in c.members.iter_mut() {
                        m.assignment = assignment
                            .iter()
                            .find(|(id, _)| *id == m.member_id)
                            .map(|(_, a)| a.clone())
                            .unwrap_or_default();
                    }
                    let replies: Vec<(Endpoint, u64, Vec<Tp>)> = c
                        .members
                        .iter_mut()
                        .filter(|m| m.awaiting_sync)
                        .map(|m| {
                            m.awaiting_sync = false;
                            (m.endpoint, m.join_seq, m.assignment.clone())
                        })
                        .collect();
                    self.set_group_state(g, GroupState::Stable);
                    for (to, seq, a) in replies {
                        self.respond(
                            to,
                            Response::Sync {
                                seq,
                                generation: gen_now,
                                result: Ok(a),
                            },
                        );
                    }
                }
            }
        }
    }

    fn handle_heartbeat(
        &mut self,
        g: u32,
        member_id: &str,
        generation: i32,
    ) -> Result<(), ProtoError> {
        let now = self.now_ms;
        let session = self.session_timeout_ms(g);
        let c = &mut self.groups[g as usize].coord;
        let i = c.find(member_id).ok_or(ProtoError::UnknownMember)?;
        c.members[i].session_deadline_ms = now + session;
        if generation != c.generation {
            return Err(ProtoError::IllegalGeneration);
        }
        match c.state {
            GroupState::PreparingRebalance => Err(ProtoError::RebalanceInProgress),
            GroupState::Empty => Err(ProtoError::UnknownMember),
            _ => Ok(()),
        }
    }

    fn handle_leave(&mut self, g: u32, member_id: &str) {
        let c = &mut self.groups[g as usize].coord;
        let Some(i) = c.find(member_id) else { return };
        let slot = c.members[i].endpoint.slot;
        c.members.remove(i);
        self.member_removed(g, RebalanceReason::MemberLeft, slot);
    }

    fn member_removed(&mut self, g: u32, reason: RebalanceReason, slot: u32) {
        match self.groups[g as usize].coord.state {
            GroupState::Stable | GroupState::CompletingRebalance => {
                self.prepare_rebalance(g, reason, Some(slot))
            }
            GroupState::PreparingRebalance | GroupState::Empty => {}
        }
        self.maybe_complete_join(g);
    }

    /// Kafka's `DefaultHeartbeat` expiry: a member that neither heartbeated nor is waiting in a
    /// join or sync for `session.timeout.ms` is removed.
    pub(super) fn session_check(&mut self, g: u32, serial: u64) {
        let now = self.now_ms;
        let session = self.session_timeout_ms(g);
        if !self.coordinator_available(g) {
            // No coordinator runs to expire anyone; the next one starts every session afresh.
            self.timers
                .at(now + session, Timer::SessionCheck { group: g, serial });
            return;
        }
        let c = &mut self.groups[g as usize].coord;
        let Some(i) = c.members.iter().position(|m| m.serial == serial) else {
            return;
        };
        let m = &mut c.members[i];
        if m.awaiting_join || m.awaiting_sync {
            m.session_deadline_ms = now + session;
        }
        if m.session_deadline_ms > now {
            let at = m.session_deadline_ms;
            self.timers.at(at, Timer::SessionCheck { group: g, serial });
            return;
        }
        let slot = m.endpoint.slot;
        c.members.remove(i);
        self.emit(Event::SessionExpired {
            group: g,
            member: slot,
        });
        self.member_removed(g, RebalanceReason::SessionTimeout, slot);
    }

    /// A new coordinator loaded the group from `__consumer_offsets`
    /// (`GroupMetadataManager.loadGroup`): every member's session starts afresh, and a
    /// rebalance that was waiting for SyncGroup fails (its members rejoin).
    pub(super) fn coordinator_loaded(&mut self, g: u32) {
        let now = self.now_ms;
        let session = self.session_timeout_ms(g);
        for m in &mut self.groups[g as usize].coord.members {
            m.session_deadline_ms = now + session;
        }
        if self.groups[g as usize].coord.state == GroupState::CompletingRebalance {
            self.prepare_rebalance(g, RebalanceReason::CoordinatorMoved, None);
        }
    }

    /// Kafka's offset-commit validation for the classic protocol (`ClassicGroup.validateOffsetCommit`).
    ///
    /// A `TxnOffsetCommit` (`transactional`) is not refused while the group completes a
    /// rebalance: Kafka enforces the group state only for plain commits, so a transactional
    /// member whose generation is still current commits its transaction and then rejoins.
    fn validate_commit(
        &mut self,
        g: u32,
        member_id: &str,
        generation: i32,
        transactional: bool,
    ) -> Result<(), ProtoError> {
        if self.is_kip848(g) {
            return self.k848_validate_commit(g, member_id);
        }
        let now = self.now_ms;
        let session = self.session_timeout_ms(g);
        let c = &mut self.groups[g as usize].coord;
        let i = c.find(member_id).ok_or(ProtoError::UnknownMember)?;
        if generation != c.generation {
            return Err(ProtoError::IllegalGeneration);
        }
        if !transactional && c.state == GroupState::CompletingRebalance {
            return Err(ProtoError::RebalanceInProgress);
        }
        c.members[i].session_deadline_ms = now + session;
        Ok(())
    }

    /// Writes committed offsets to the modelled `__consumer_offsets` (compacted: last wins).
    pub(super) fn store_offsets(&mut self, from: Endpoint, offsets: &[(Tp, u64)]) {
        let g = from.group;
        let now = self.now_ms;
        let offsets_partition = self.groups[g as usize].offsets_partition;
        for &((topic, partition), offset) in offsets {
            let grp = &mut self.groups[g as usize];
            let Some(gp) = grp
                .parts
                .get_mut(topic as usize)
                .and_then(|v| v.get_mut(partition as usize))
            else {
                continue;
            };
            gp.committed = Some((offset, now));
            if let Some(c) = self.causes.as_deref_mut() {
                c.committed(now, g, from.slot, (topic, partition), offset);
            }
            self.emit_traffic(|| Event::OffsetCommitted {
                group: g,
                member: from.slot,
                topic,
                partition,
                offset,
                offsets_partition,
            });
            self.update_lag_tp(g, (topic, partition));
        }
    }

    /// The leader noticed new partitions: it rejoins, which rebalances the group.
    pub(super) fn metadata_changed(&mut self, g: u32) {
        if self.is_kip848(g) {
            return self.k848_metadata_changed(g);
        }
        self.groups[g as usize].coord.metadata_changed = true;
        if let Some(slot) = self.groups[g as usize].coord.leader_slot() {
            self.request_rejoin(g, slot);
        }
    }
}
