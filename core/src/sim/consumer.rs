//! The consumer process: Kafka's `KafkaConsumer` poll loop with its `ConsumerCoordinator`
//! (client side of the classic group protocol) and the application code around it.
//!
//! The loop is `poll → process the batch → commit`, in the order the group's [`CommitMode`]
//! says. As in Kafka, rebalance callbacks (`onPartitionsRevoked/Assigned/Lost`) run inside
//! `poll()`: a member busy processing notices a rebalance only at its next poll, which is why
//! a slow member delays everyone in an eager rebalance. The heartbeat thread runs on its own
//! (KIP-62) and is what enforces `max.poll.interval.ms`.
//!
//! Eager vs cooperative follows `ConsumerCoordinator`: the rebalance protocol is cooperative
//! only if every configured assignor supports it (so Kafka's default
//! `[range, cooperative-sticky]` rebalances eagerly, with Range).

use crate::assignor::{self, MemberSpec, Strategy, TopicSpec};
use crate::causes::Start;
use crate::event::{ConsumerState, Event, Tp};
use crate::frame::EnvelopeKind;
use crate::input::CrashPoint;
use crate::scenario::{CommitMode, OffsetReset};

use super::protocol::Endpoint;
use super::protocol::{CommitPurpose, JoinOk, ProtoError, Request, Response};
use super::Sim;
use super::Timer;

/// Kafka's `fetch.max.wait.ms` default: how long the broker holds an empty fetch.
const FETCH_MAX_WAIT_MS: u64 = 500;
/// Kafka's `retry.backoff.ms` default.
const RETRY_BACKOFF_MS: u64 = 100;

/// A contiguous range `[from, to)` of one partition returned by a fetch (may span markers or
/// aborted records, which the application never sees).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    pub tp: Tp,
    pub from: u64,
    pub to: u64,
}

/// Where the poll loop is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Loop {
    /// Inside `poll()` with nothing to fetch (no partitions yet, or all idle).
    Idle,
    /// Inside `poll()`, blocked on an eager rebalance.
    WaitingJoin,
    /// Inside `poll()`, a fetch in flight.
    Fetching,
    /// Application code working through the batch.
    Processing,
    /// Application code waiting on `commitSync()` or `commitTransaction()`.
    Committing,
    /// Process gone.
    Stopped,
}

/// What a paused consumer was about to do when it froze.
#[derive(Clone, Debug)]
pub(crate) enum Stall {
    Poll,
    ProcessDone(u64),
    Fetched(u64, Vec<Segment>),
    Committed(CommitPurpose, Result<(), ProtoError>, bool),
    TxnEnded(Result<(), ProtoError>),
}

/// One consumer slot (a process that can crash and be restarted).
#[derive(Clone, Debug)]
pub(crate) struct Consumer {
    pub name: String,
    pub instance_id: Option<String>,
    pub inc: u32,
    pub alive: bool,
    pub paused: bool,
    pub left: bool,
    pub closing: bool,
    pub state: ConsumerState,
    pub member_id: String,
    /// Whether the coordinator has accepted `member_id` in a JoinGroup answer. A member id it
    /// never saw stands for Kafka's empty member id (a fresh join, KIP-394); an accepted one it
    /// no longer knows is answered UNKNOWN_MEMBER_ID.
    pub member_id_accepted: bool,
    pub generation: i32,
    pub protocols: Vec<Strategy>,
    /// A JoinGroup or SyncGroup is in flight.
    pub joining: bool,
    pub rejoin_needed: bool,
    /// Partitions must be dropped as lost at the next poll (generation was reset).
    pub lost_on_poll: bool,
    pub assigned: Vec<Tp>,
    pub positions: Vec<u64>,
    /// What the member owned at its last assignment (sticky user data for eager rejoins).
    pub last_owned: Vec<Tp>,
    pub last_owned_generation: i32,
    pub lp: Loop,
    pub batch: Vec<Segment>,
    /// Index into `batch` and next offset within it (per-record processing).
    pub cursor: (usize, u64),
    pub crash_at: Option<CrashPoint>,
    pub last_poll_ms: u64,
    pub next_auto_commit_ms: u64,
    pub fetch_epoch: u64,
    /// Its fetch waits at the broker for data (long polling). Change it only through
    /// [`Sim::set_parked`], which keeps the group's index of parked members in step.
    pub parked_fetch: bool,
    pub step: u64,
    pub stalled: Option<Stall>,
    pub deferred: Vec<Response>,
    pub txn: Option<u64>,
    pub processed: u64,
    pub rr: usize,
    /// Join attempt number; answers to older attempts are dropped.
    pub join_seq: u64,
}

impl Consumer {
    fn new(name: String, instance_id: Option<String>, protocols: Vec<Strategy>) -> Consumer {
        Consumer {
            name,
            instance_id,
            inc: 0,
            alive: false,
            paused: false,
            left: false,
            closing: false,
            state: ConsumerState::Joining,
            member_id: String::new(),
            member_id_accepted: false,
            generation: -1,
            protocols,
            joining: false,
            rejoin_needed: false,
            lost_on_poll: false,
            assigned: Vec::new(),
            positions: Vec::new(),
            last_owned: Vec::new(),
            last_owned_generation: -1,
            lp: Loop::Stopped,
            batch: Vec::new(),
            cursor: (0, 0),
            crash_at: None,
            last_poll_ms: 0,
            next_auto_commit_ms: 0,
            fetch_epoch: 0,
            parked_fetch: false,
            step: 0,
            stalled: None,
            deferred: Vec::new(),
            txn: None,
            processed: 0,
            rr: 0,
            join_seq: 0,
        }
    }

    /// Forgets an in-flight join attempt (Kafka's `resetJoinGroupFuture` on a generation
    /// reset): its answers, already arrived or still to come, are dropped.
    fn abandon_join(&mut self) {
        self.join_seq += 1;
        self.joining = false;
        self.deferred.clear();
    }

    /// Kafka's `resetGenerationOnResponseError`: out of the generation, partitions to be
    /// dropped as lost at the next poll, and a fresh join.
    fn lose_generation(&mut self) {
        self.abandon_join();
        self.generation = -1;
        self.lost_on_poll = true;
        self.rejoin_needed = true;
    }

    /// Every assigned partition's position: what `commitSync()` without arguments commits
    /// (Kafka's `subscriptions.allConsumed()`).
    pub fn consumed_positions(&self) -> Vec<(Tp, u64)> {
        self.assigned
            .iter()
            .copied()
            .zip(self.positions.iter().copied())
            .collect()
    }

    /// KIP-429: cooperative only if every configured assignor is.
    pub fn cooperative(&self) -> bool {
        !self.protocols.is_empty() && self.protocols.iter().all(|s| s.is_cooperative())
    }

    /// Waiting inside `poll()` (so the poll timer is satisfied and wake-ups act at once).
    fn in_poll(&self) -> bool {
        !self.paused && matches!(self.lp, Loop::Idle | Loop::WaitingJoin | Loop::Fetching)
    }
}

impl Sim {
    fn slot(&mut self, g: u32, s: u32) -> &mut Consumer {
        &mut self.groups[g as usize].slots[s as usize]
    }

    fn endpoint(&self, g: u32, s: u32) -> Endpoint {
        Endpoint {
            group: g,
            slot: s,
            inc: self.groups[g as usize].slots[s as usize].inc,
        }
    }

    /// The consumer at `to`, if that process incarnation is still alive.
    fn live(&self, to: Endpoint) -> bool {
        let c = &self.groups[to.group as usize].slots[to.slot as usize];
        c.alive && c.inc == to.inc
    }

    pub(super) fn set_state(&mut self, g: u32, s: u32, state: ConsumerState) {
        let c = self.slot(g, s);
        if c.state != state {
            c.state = state;
            self.emit_traffic(|| Event::ConsumerStateChanged {
                group: g,
                member: s,
                state,
            });
        }
    }

    pub(super) fn send(&mut self, g: u32, s: u32, req: Request) {
        let from = self.endpoint(g, s);
        let sent_at_ms = self.now_ms;
        let arrives_at_ms = sent_at_ms + self.latency_ms();
        self.emit_traffic(|| Event::RequestSent {
            group: g,
            member: s,
            kind: req.kind(),
            sent_at_ms,
            arrives_at_ms,
        });
        self.timers
            .at(arrives_at_ms, Timer::ToCoordinator { from, req });
    }

    fn mode(&self, g: u32) -> CommitMode {
        self.groups[g as usize].cfg.commit
    }

    /// Whether the member commits what it processed before giving partitions up: Kafka's
    /// auto-commit does, and so does an at-least-once app in `onPartitionsRevoked`.
    pub(super) fn commits_on_revoke(&self, g: u32) -> bool {
        matches!(self.mode(g), CommitMode::Auto | CommitMode::AfterProcessing)
    }

    pub(super) fn add_consumer(&mut self, g: u32) {
        let grp = &mut self.groups[g as usize];
        let s = grp.slots.len() as u32;
        let name = format!("consumer-{}", s + 1);
        let instance_id = grp.cfg.static_membership.then(|| name.clone());
        grp.slots
            .push(Consumer::new(name, instance_id, grp.cfg.strategies.clone()));
        self.layout_version += 1;
        self.start_process(g, s);
    }

    pub(super) fn restart_consumer(&mut self, g: u32, s: u32) {
        self.start_process(g, s);
    }

    /// A new process in the slot: fresh member id (Kafka: client id + UUID), no memory of
    /// what the old one owned, and — for transactional members — `initTransactions()`, which
    /// fences and aborts whatever the previous incarnation left open.
    fn start_process(&mut self, g: u32, s: u32) {
        let now = self.now_ms;
        let grp = &mut self.groups[g as usize];
        let suffix = grp.rng.next_u64() as u32;
        let auto_ms = grp.cfg.auto_commit_interval_ms;
        let hb = grp.cfg.heartbeat_interval_ms;
        let protocols = grp.cfg.strategies.clone();
        let c = &mut grp.slots[s as usize];
        let stale_txn = c.txn.take();
        c.inc += 1;
        c.alive = true;
        c.paused = false;
        c.left = false;
        c.closing = false;
        c.member_id = format!("{}-{suffix:08x}", c.name);
        c.member_id_accepted = false;
        c.generation = -1;
        c.protocols = protocols;
        c.joining = false;
        c.rejoin_needed = true;
        c.lost_on_poll = false;
        c.assigned.clear();
        c.positions.clear();
        c.last_owned.clear();
        c.last_owned_generation = -1;
        c.lp = Loop::Idle;
        c.batch.clear();
        c.crash_at = None;
        c.last_poll_ms = now;
        c.next_auto_commit_ms = now + auto_ms;
        c.stalled = None;
        c.deferred.clear();
        let member_id = c.member_id.clone();
        let to = Endpoint {
            group: g,
            slot: s,
            inc: c.inc,
        };
        self.set_parked(g, s, false);
        self.emit(Event::ConsumerStarted {
            group: g,
            member: s,
            member_id,
        });
        self.set_state(g, s, ConsumerState::Joining);
        if let Some(txn) = stale_txn {
            self.abort_transaction(txn);
        }
        if self.is_kip848(g) {
            self.k848_start(g, s);
        } else {
            self.timers.at(now + hb, Timer::Heartbeat { to });
        }
        self.poll(g, s);
    }

    /// One call of `KafkaConsumer.poll()`.
    fn poll(&mut self, g: u32, s: u32) {
        let now = self.now_ms;
        let c = self.slot(g, s);
        if !c.alive {
            return;
        }
        if c.paused {
            c.stalled = Some(Stall::Poll);
            return;
        }
        c.last_poll_ms = now;
        if c.closing {
            return self.close(g, s);
        }
        // Rebalance callbacks run here, inside poll.
        for resp in std::mem::take(&mut c.deferred) {
            self.protocol_response(g, s, resp);
        }
        let c = self.slot(g, s);
        if c.lost_on_poll {
            c.lost_on_poll = false;
            let lost = std::mem::take(&mut c.assigned);
            c.positions.clear();
            c.last_owned.clear();
            c.last_owned_generation = -1;
            if !lost.is_empty() {
                self.emit(Event::PartitionsLost {
                    group: g,
                    member: s,
                    partitions: lost,
                });
                self.refresh_downtime(g);
            }
        }
        if self.is_kip848(g) {
            self.k848_poll(g, s);
        }
        let c = self.slot(g, s);
        if c.rejoin_needed && !c.joining {
            if !c.cooperative() && !c.assigned.is_empty() {
                // Eager `onJoinPrepare`: commit synchronously (auto-commit does; an
                // at-least-once app does it in `onPartitionsRevoked`), then revoke everything.
                if self.commits_on_revoke(g) {
                    self.commit_positions(g, s, CommitPurpose::Revoke);
                    return;
                }
                self.revoke_all(g, s);
            }
            self.send_join(g, s);
        }
        let c = self.slot(g, s);
        if c.joining && !c.cooperative() {
            c.lp = Loop::WaitingJoin;
            return self.set_state(g, s, ConsumerState::Joining);
        }
        if self.mode(g) == CommitMode::Auto && now >= self.slot(g, s).next_auto_commit_ms {
            let interval = self.groups[g as usize].cfg.auto_commit_interval_ms;
            self.slot(g, s).next_auto_commit_ms = now + interval;
            if !self.slot(g, s).assigned.is_empty() && self.slot(g, s).generation >= 0 {
                self.commit_positions(g, s, CommitPurpose::Auto);
            }
        }
        let c = self.slot(g, s);
        if c.assigned.is_empty() {
            c.lp = Loop::Idle;
            let st = if c.generation < 0 || c.joining {
                ConsumerState::Joining
            } else {
                ConsumerState::Idle
            };
            return self.set_state(g, s, st);
        }
        c.fetch_epoch += 1;
        c.lp = Loop::Fetching;
        let (from, fetch_epoch) = (self.endpoint(g, s), self.slot(g, s).fetch_epoch);
        let arrives_at_ms = now + self.latency_ms();
        self.emit_traffic(|| Event::RequestSent {
            group: g,
            member: s,
            kind: crate::event::RequestKind::Fetch,
            sent_at_ms: now,
            arrives_at_ms,
        });
        self.timers
            .at(arrives_at_ms, Timer::FetchArrives { from, fetch_epoch });
        self.set_state(g, s, ConsumerState::Fetching);
    }

    /// Something needs the loop's attention: act now if it is waiting inside poll.
    pub(super) fn wake(&mut self, g: u32, s: u32) {
        let c = self.slot(g, s);
        if c.alive && c.in_poll() {
            // An in-flight fetch is abandoned (its answer will be stale); poll afresh.
            c.fetch_epoch += 1;
            self.set_parked(g, s, false);
            self.poll(g, s);
        }
    }

    pub(super) fn request_rejoin(&mut self, g: u32, s: u32) {
        let c = self.slot(g, s);
        if c.alive {
            c.rejoin_needed = true;
            self.wake(g, s);
        }
    }

    fn send_join(&mut self, g: u32, s: u32) {
        let c = self.slot(g, s);
        c.joining = true;
        c.rejoin_needed = false;
        c.join_seq += 1;
        let (owned, generation) = if c.cooperative() {
            (c.assigned.clone(), c.generation)
        } else {
            (c.last_owned.clone(), c.last_owned_generation)
        };
        let req = Request::Join {
            member_id: c.member_id.clone(),
            fresh: !c.member_id_accepted,
            instance_id: c.instance_id.clone(),
            protocols: c.protocols.clone(),
            owned,
            generation,
            eager: !c.cooperative(),
            seq: c.join_seq,
        };
        self.send(g, s, req);
    }

    fn revoke_all(&mut self, g: u32, s: u32) {
        let c = self.slot(g, s);
        let revoked = std::mem::take(&mut c.assigned);
        c.positions.clear();
        if !revoked.is_empty() && !c.closing {
            // An eager rebalance: the member stops processing everything (a paused member).
            self.groups[g as usize].paused_members += 1;
        }
        if !revoked.is_empty() {
            self.emit(Event::PartitionsRevoked {
                group: g,
                member: s,
                partitions: revoked,
            });
            self.refresh_downtime(g);
        }
    }

    /// `commitSync()`/`commitAsync()` of every assigned partition's position.
    ///
    /// While the member is itself (re)joining, Kafka's `ConsumerCoordinator` has no stable
    /// generation to commit with and fails the commit locally with a
    /// `RebalanceInProgressException` — nothing is sent (KIP-429 era clients).
    fn commit_positions(&mut self, g: u32, s: u32, purpose: CommitPurpose) {
        let c = self.slot(g, s);
        if (c.joining || c.generation < 0)
            && !matches!(purpose, CommitPurpose::Revoke | CommitPurpose::Close)
        {
            if purpose == CommitPurpose::Auto {
                return;
            }
            self.emit(Event::CommitFailed {
                group: g,
                member: s,
                error: crate::event::CommitError::RebalanceInProgress,
            });
            return self.after_commit(g, s, purpose, false);
        }
        let c = self.slot(g, s);
        let offsets = c.consumed_positions();
        if purpose != CommitPurpose::Auto {
            c.lp = Loop::Committing;
        }
        let req = Request::Commit {
            member_id: c.member_id.clone(),
            generation: c.generation,
            offsets,
            purpose,
        };
        self.send(g, s, req);
        if purpose != CommitPurpose::Auto {
            self.set_state(g, s, ConsumerState::Committing);
        }
    }

    pub(super) fn client_receive(&mut self, to: Endpoint, resp: Response) {
        if !self.live(to) {
            return;
        }
        let (g, s) = (to.group, to.slot);
        match resp {
            Response::Heartbeat { generation, result } => {
                // ConsumerCoordinator ignores errors about a generation it has already left.
                if generation == self.slot(g, s).generation {
                    self.heartbeat_response(g, s, result)
                }
            }
            Response::Commit {
                purpose,
                generation,
                result,
            } => {
                let stale = generation != self.slot(g, s).generation;
                self.commit_response(g, s, purpose, result, stale)
            }
            Response::EndTxn(r) => self.txn_ended(g, s, r),
            Response::Join { seq, .. } | Response::Sync { seq, .. }
                if seq != self.slot(g, s).join_seq => {}
            resp @ (Response::Join { .. } | Response::Sync { .. }) => {
                if self.slot(g, s).in_poll() {
                    self.protocol_response(g, s, resp);
                    self.wake(g, s);
                } else {
                    // Handled at the next poll(), like Kafka's coordinator callbacks.
                    self.slot(g, s).deferred.push(resp);
                }
            }
        }
    }

    fn protocol_response(&mut self, g: u32, s: u32, resp: Response) {
        match resp {
            // An answer to an attempt abandoned since (generation reset) is dropped.
            Response::Join { seq, .. } | Response::Sync { seq, .. }
                if seq != self.slot(g, s).join_seq => {}
            Response::Join { result: Ok(ok), .. } => self.join_ok(g, s, ok),
            Response::Join { result: Err(e), .. } => {
                let c = self.slot(g, s);
                c.joining = false;
                if e == ProtoError::UnknownMember && c.member_id_accepted && c.instance_id.is_none()
                {
                    // `AbstractCoordinator.resetGenerationOnResponseError`: a fresh member id and
                    // no generation, so the next poll calls onPartitionsLost before joining.
                    self.reset_generation(g, s);
                } else if e == ProtoError::UnknownMember || e == ProtoError::InconsistentProtocol {
                    c.generation = -1;
                }
                self.rejoin_after_backoff(g, s);
            }
            Response::Sync {
                generation,
                result: Ok(a),
                ..
            } => self.sync_ok(g, s, generation, a),
            Response::Sync { result: Err(e), .. } => {
                self.slot(g, s).joining = false;
                match e {
                    ProtoError::RebalanceInProgress => self.slot(g, s).rejoin_needed = true,
                    _ => self.reset_generation(g, s),
                }
            }
            _ => {}
        }
    }

    fn rejoin_after_backoff(&mut self, g: u32, s: u32) {
        self.slot(g, s).rejoin_needed = true;
        let to = self.endpoint(g, s);
        self.timers
            .at(self.now_ms + RETRY_BACKOFF_MS, Timer::Wake { to });
    }

    pub(super) fn wake_timer(&mut self, to: Endpoint) {
        if self.live(to) {
            self.wake(to.group, to.slot);
        }
    }

    /// JoinGroup succeeded: the leader runs the assignor (client side, classic protocol) and
    /// everyone sends SyncGroup.
    fn join_ok(&mut self, g: u32, s: u32, ok: JoinOk) {
        self.slot(g, s).generation = ok.generation;
        self.slot(g, s).member_id_accepted = true;
        let assignment = ok.members.map(|members| {
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
            let local = |tp: &Tp| {
                grp.topics
                    .iter()
                    .position(|&t| t == tp.0)
                    .map(|i| (i as u32, tp.1))
            };
            let specs: Vec<MemberSpec> = members
                .iter()
                .map(|m| MemberSpec {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.instance_id.clone(),
                    topics: (0..topics.len() as u32).collect(),
                    // Only StickyAssignor reads the previous assignment from user data; every
                    // other assignor sees the `ownedPartitions` field, empty for an eager member
                    // that revoked everything (`ConsumerCoordinator.onJoinPrepare`).
                    owned: if m.eager && ok.protocol != Strategy::Sticky {
                        Vec::new()
                    } else {
                        m.owned.iter().filter_map(local).collect()
                    },
                    generation: (m.generation >= 0).then_some(m.generation),
                    rack: None,
                })
                .collect();
            let result = assignor::assign(ok.protocol, &topics, &specs);
            let global: Vec<Vec<Tp>> = result
                .into_iter()
                .map(|ps| {
                    ps.into_iter()
                        .map(|(t, p)| (grp.topics[t as usize], p))
                        .collect()
                })
                .collect();
            let mut withheld = self.subscribed_partitions(g);
            withheld.retain(|tp| !global.iter().any(|a| a.contains(tp)));
            let per_slot: Vec<(u32, Vec<Tp>)> = members
                .iter()
                .zip(&global)
                .map(|(m, a)| (m.slot, a.clone()))
                .collect();
            self.emit(Event::AssignmentComputed {
                group: g,
                generation: ok.generation,
                strategy: ok.protocol,
                leader: s,
                assignment: per_slot,
                withheld,
            });
            members
                .iter()
                .map(|m| m.member_id.clone())
                .zip(global)
                .collect::<Vec<_>>()
        });
        let c = self.slot(g, s);
        let req = Request::Sync {
            member_id: c.member_id.clone(),
            generation: ok.generation,
            assignment,
            seq: c.join_seq,
        };
        self.send(g, s, req);
    }

    /// SyncGroup brought the assignment: eager members take it whole; cooperative members
    /// revoke what they lose (and rejoin at once: KIP-429's second round) and add what is new.
    fn sync_ok(&mut self, g: u32, s: u32, generation: i32, assignment: Vec<Tp>) {
        let c = self.slot(g, s);
        c.joining = false;
        if generation != c.generation {
            return;
        }
        // `rejoin_needed` is kept: anything that set it while this join was in flight (a
        // strategy change, new partitions) happened after the join was sent and still needs a
        // rejoin. Nothing sets it for reasons the join itself settles (a broker
        // REBALANCE_IN_PROGRESS on a commit does not request a rejoin).
        let (revoked, added) = assignment_change(&c.assigned, &assignment);
        if !revoked.is_empty() {
            let commit: Vec<(Tp, u64)> = c
                .assigned
                .iter()
                .copied()
                .zip(c.positions.iter().copied())
                .filter(|(tp, _)| revoked.contains(tp))
                .collect();
            let (member_id, generation) = (c.member_id.clone(), c.generation);
            if self.commits_on_revoke(g) {
                // onPartitionsRevoked commits the revoked partitions' positions in the new
                // generation, before round two can hand them to someone else.
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
            let c = self.slot(g, s);
            let keep: Vec<(Tp, u64)> = c
                .assigned
                .iter()
                .copied()
                .zip(c.positions.iter().copied())
                .filter(|(tp, _)| !revoked.contains(tp))
                .collect();
            c.assigned = keep.iter().map(|x| x.0).collect();
            c.positions = keep.iter().map(|x| x.1).collect();
            c.rejoin_needed = true;
            if keep.is_empty() {
                // A cooperative member that lost every partition stops processing too.
                self.groups[g as usize].paused_members += 1;
            }
            self.emit(Event::PartitionsRevoked {
                group: g,
                member: s,
                partitions: revoked,
            });
        }
        for &tp in &added {
            let pos = self.initial_position(g, s, tp);
            let c = self.slot(g, s);
            c.assigned.push(tp);
            c.positions.push(pos);
        }
        let c = self.slot(g, s);
        c.last_owned = c.assigned.clone();
        c.last_owned_generation = generation;
        if !added.is_empty() {
            self.emit(Event::PartitionsAssigned {
                group: g,
                member: s,
                generation,
                partitions: added,
            });
        }
        self.refresh_downtime(g);
    }

    /// Where a new owner starts: the committed offset, else `auto.offset.reset`; a committed
    /// offset that retention deleted is out of range and reset too.
    pub(super) fn initial_position(&mut self, g: u32, s: u32, tp: Tp) -> u64 {
        let read_committed = self.read_committed(g);
        let log = &self.topics[tp.0 as usize].logs[tp.1 as usize];
        let (start, limit) = (log.log_start_offset(), self.fetch_limit(g, tp));
        let grp = &mut self.groups[g as usize];
        let reset = match grp.cfg.offset_reset {
            OffsetReset::Earliest => start,
            OffsetReset::Latest => limit,
        };
        let gp = &mut grp.parts[tp.0 as usize][tp.1 as usize];
        let (pos, from) = match gp.committed {
            Some((o, _)) if o >= start => (o, Start::Committed),
            Some((o, _)) => (reset, Start::OutOfRange { committed: o }),
            None => (reset, Start::NoCommit),
        };
        gp.ledger.set_baseline(pos);
        if let Some(c) = self.causes.as_deref_mut() {
            c.positioned(self.now_ms, g, s, tp, pos, from);
        }
        // Starting past records nobody in the group processed (a commit made before processing,
        // then a crash) loses them now, even if no later record ever arrives.
        let lost = gp
            .ledger
            .skip_to(pos, |a, b| log.visible_in(a, b, read_committed));
        if let Some((first_offset, count)) = lost {
            self.lost_records(g, tp, (first_offset, pos), count);
        }
        pos
    }

    fn reset_generation(&mut self, g: u32, s: u32) {
        let suffix = self.groups[g as usize].rng.next_u64() as u32;
        let c = self.slot(g, s);
        c.lose_generation();
        // A fresh member id, as after UNKNOWN_MEMBER_ID (static members keep their instance id).
        c.member_id = format!("{}-{suffix:08x}", c.name);
        c.member_id_accepted = false;
        self.wake(g, s);
    }

    pub(super) fn heartbeat_tick(&mut self, to: Endpoint) {
        if !self.live(to) {
            return;
        }
        if self.is_kip848(to.group) {
            return self.k848_heartbeat_tick(to);
        }
        let (g, s) = (to.group, to.slot);
        let now = self.now_ms;
        let cfg = &self.groups[g as usize].cfg;
        let (hb, max_poll) = (cfg.heartbeat_interval_ms, cfg.max_poll_interval_ms);
        self.timers.at(now + hb, Timer::Heartbeat { to });
        let c = self.slot(g, s);
        if c.in_poll() {
            c.last_poll_ms = now;
        }
        if c.generation >= 0 && now.saturating_sub(c.last_poll_ms) > max_poll {
            // KIP-62: the heartbeat thread leaves the group on the stuck poll loop's behalf.
            let member_id = c.member_id.clone();
            self.emit(Event::PollIntervalExceeded {
                group: g,
                member: s,
            });
            self.send(g, s, Request::Leave { member_id });
            self.reset_generation(g, s);
            return;
        }
        if c.generation >= 0 && !c.joining {
            let req = Request::Heartbeat {
                member_id: c.member_id.clone(),
                generation: c.generation,
            };
            self.send(g, s, req);
        }
    }

    fn heartbeat_response(&mut self, g: u32, s: u32, r: Result<(), ProtoError>) {
        match r {
            Ok(()) => {}
            Err(ProtoError::RebalanceInProgress) => self.request_rejoin(g, s),
            Err(_) => self.reset_generation(g, s),
        }
    }

    pub(super) fn fetch_arrives(&mut self, from: Endpoint, fetch_epoch: u64) {
        if !self.live(from) || self.slot(from.group, from.slot).fetch_epoch != fetch_epoch {
            return;
        }
        let (g, s) = (from.group, from.slot);
        let segments = self.read_for_fetch(g, s);
        if segments.is_empty() {
            self.recycle_segments(segments);
            self.set_parked(g, s, true);
            self.timers.at(
                self.now_ms + FETCH_MAX_WAIT_MS,
                Timer::FetchExpires { from, fetch_epoch },
            );
        } else {
            self.timers.at(
                self.now_ms + self.latency_ms(),
                Timer::FetchResponse {
                    to: from,
                    fetch_epoch,
                    segments,
                },
            );
        }
    }

    /// The broker side of a fetch: up to `max.poll.records` visible records across the member's
    /// partitions, starting from a rotating partition so none starves. The answer is written
    /// into a recycled buffer (see [`Sim::recycle_segments`]).
    fn read_for_fetch(&mut self, g: u32, s: u32) -> Vec<Segment> {
        let read_committed = self.read_committed(g);
        let max = self.groups[g as usize].cfg.max_poll_records as u64;
        let mut out = self.segment_buffers.pop().unwrap_or_default();
        let c = &self.groups[g as usize].slots[s as usize];
        let n = c.assigned.len();
        let mut left = max;
        for k in 0..n {
            if left == 0 {
                break;
            }
            let i = (c.rr + k) % n;
            let tp = c.assigned[i];
            let log = &self.topics[tp.0 as usize].logs[tp.1 as usize];
            // Only the leader serves fetches, and only below the high watermark.
            let leader = self.topics[tp.0 as usize].meta[tp.1 as usize].rep.leader;
            if leader.is_none_or(|b| !self.brokers[b as usize].reachable()) {
                continue;
            }
            let limit = self.read_limit(tp, read_committed);
            let pos = c.positions[i].max(log.log_start_offset());
            if pos >= limit {
                continue;
            }
            // Walk forward until `left` visible records or the limit (fast when all are plain).
            let mut to = (pos + left).min(limit);
            let mut vis = log.visible_in(pos, to, read_committed);
            while vis < left && to < limit {
                to += 1;
                vis = log.visible_in(pos, to, read_committed);
            }
            out.push(Segment { tp, from: pos, to });
            left -= vis.min(left);
        }
        let c = &mut self.groups[g as usize].slots[s as usize];
        if n > 0 {
            c.rr = (c.rr + 1) % n;
        }
        out
    }

    pub(super) fn fetch_expires(&mut self, from: Endpoint, fetch_epoch: u64) {
        let (g, s) = (from.group, from.slot);
        if !self.live(from)
            || self.slot(g, s).fetch_epoch != fetch_epoch
            || !self.slot(g, s).parked_fetch
        {
            return;
        }
        self.set_parked(g, s, false);
        self.timers.at(
            self.now_ms + self.latency_ms(),
            Timer::FetchResponse {
                to: from,
                fetch_epoch,
                segments: Vec::new(),
            },
        );
    }

    /// Marks whether member `s` of group `g` has a fetch parked at the broker, keeping the
    /// group's `parked` index (ascending slots) in step with the members' flags.
    fn set_parked(&mut self, g: u32, s: u32, parked: bool) {
        let grp = &mut self.groups[g as usize];
        let c = &mut grp.slots[s as usize];
        if c.parked_fetch == parked {
            return;
        }
        c.parked_fetch = parked;
        match (grp.parked.binary_search(&s), parked) {
            (Err(i), true) => grp.parked.insert(i, s),
            (Ok(i), false) => {
                grp.parked.remove(i);
            }
            _ => unreachable!("the parked index follows the flags"),
        }
    }

    /// New data on a partition: answer the parked fetches of its owners (long polling: the
    /// broker completes a delayed fetch as soon as it can return data). Only members with a
    /// parked fetch are looked at, in slot order, through the group's `parked` index.
    pub(super) fn data_arrived(&mut self, topic: u32, partition: u32) {
        self.share_data_arrived(topic, partition);
        let tp = (topic, partition);
        for g in 0..self.groups.len() as u32 {
            if !self.groups[g as usize].topics.contains(&topic) {
                continue;
            }
            self.update_lag_tp(g, tp);
            let mut k = 0;
            while let Some(&s) = self.groups[g as usize].parked.get(k) {
                // Answering a fetch unparks it (removes it from the index); nothing else here
                // parks or unparks a member.
                k += 1;
                let c = &self.groups[g as usize].slots[s as usize];
                if !(c.alive && c.assigned.contains(&tp)) {
                    continue;
                }
                let segments = self.read_for_fetch(g, s);
                if segments.is_empty() {
                    self.recycle_segments(segments);
                    continue;
                }
                self.set_parked(g, s, false);
                k -= 1;
                let c = self.slot(g, s);
                let (to, fetch_epoch) = (
                    Endpoint {
                        group: g,
                        slot: s,
                        inc: c.inc,
                    },
                    c.fetch_epoch,
                );
                self.timers.at(
                    self.now_ms + self.latency_ms(),
                    Timer::FetchResponse {
                        to,
                        fetch_epoch,
                        segments,
                    },
                );
            }
        }
    }

    /// Keeps an emptied segment list for the next fetch: a fetch's answer and a member's batch
    /// then cost no allocation once every member has had one.
    fn recycle_segments(&mut self, mut segments: Vec<Segment>) {
        segments.clear();
        if segments.capacity() > 0 {
            self.segment_buffers.push(segments);
        }
    }

    pub(super) fn fetch_response(
        &mut self,
        to: Endpoint,
        fetch_epoch: u64,
        mut segments: Vec<Segment>,
    ) {
        let (g, s) = (to.group, to.slot);
        if !self.live(to) || self.slot(g, s).fetch_epoch != fetch_epoch {
            return;
        }
        let now = self.now_ms;
        let c = self.slot(g, s);
        if c.paused {
            c.stalled = Some(Stall::Fetched(fetch_epoch, segments));
            return;
        }
        // Data for partitions revoked meanwhile, or behind a reset position, is discarded; the
        // rest becomes the batch (filtered in place, in fetch order).
        segments.retain(|seg| match c.assigned.iter().position(|&tp| tp == seg.tp) {
            Some(i) if c.positions[i] <= seg.from => {
                c.positions[i] = seg.to;
                true
            }
            _ => false,
        });
        let batch = segments;
        if batch.is_empty() {
            self.recycle_segments(batch);
            return self.poll(g, s);
        }
        c.last_poll_ms = now;
        for seg in &batch {
            let count = self.visible(g, seg) as u32;
            let key = self.topics[seg.tp.0 as usize].logs[seg.tp.1 as usize].key(seg.from);
            self.envelopes.push(
                EnvelopeKind::Fetch,
                g,
                Some(s),
                seg.tp,
                seg.from,
                (key != crate::log::NO_KEY).then_some(key),
                u64::from(count),
                now,
            );
            self.emit_traffic(|| Event::RecordsFetched {
                group: g,
                member: s,
                topic: seg.tp.0,
                partition: seg.tp.1,
                first_offset: seg.from,
                count,
            });
        }
        let c = self.slot(g, s);
        let previous = std::mem::replace(&mut c.batch, batch);
        c.cursor = (0, c.batch[0].from);
        self.recycle_segments(previous);
        let c = self.slot(g, s);
        c.lp = Loop::Processing;
        if self.take_crash(g, s, CrashPoint::BeforeProcessing) {
            return;
        }
        match self.mode(g) {
            CommitMode::BeforeProcessing => self.commit_positions(g, s, CommitPurpose::BeforeBatch),
            CommitMode::Transactional => {
                self.begin_transaction(g, s);
                self.start_processing(g, s);
            }
            CommitMode::AfterProcessing | CommitMode::Auto => self.start_processing(g, s),
        }
    }

    fn visible(&self, g: u32, seg: &Segment) -> u64 {
        self.topics[seg.tp.0 as usize].logs[seg.tp.1 as usize].visible_in(
            seg.from,
            seg.to,
            self.read_committed(g),
        )
    }

    /// Crashes the member if a crash was armed for `point`.
    fn take_crash(&mut self, g: u32, s: u32, point: CrashPoint) -> bool {
        if self.slot(g, s).crash_at == Some(point) {
            self.crash(g, s, point);
            true
        } else {
            false
        }
    }

    fn start_processing(&mut self, g: u32, s: u32) {
        self.set_state(g, s, ConsumerState::Processing);
        let c = self.slot(g, s);
        c.lp = Loop::Processing;
        if self.groups[g as usize].cfg.processing_ms == 0 {
            // Instant processing: the whole batch at once, one event per partition range.
            let mut batch = std::mem::take(&mut self.slot(g, s).batch);
            for seg in &batch {
                if !self.record_processed(g, s, seg.tp, seg.from, seg.to) {
                    self.recycle_segments(batch);
                    return self.fenced(g, s);
                }
            }
            // Done with it: the (emptied) buffer goes back for the next batch.
            batch.clear();
            self.slot(g, s).batch = batch;
            return self.finish_batch(g, s);
        }
        self.skip_invisible(g, s);
        self.schedule_process_step(g, s);
    }

    /// Moves the cursor past entries the application never sees (markers, aborted records).
    fn skip_invisible(&mut self, g: u32, s: u32) {
        let read_committed = self.read_committed(g);
        loop {
            let c = &self.groups[g as usize].slots[s as usize];
            let Some(seg) = c.batch.get(c.cursor.0) else {
                return;
            };
            let (tp, off) = (seg.tp, c.cursor.1);
            if off >= seg.to {
                let next = c.cursor.0 + 1;
                let from = c.batch.get(next).map(|x| x.from).unwrap_or(0);
                self.slot(g, s).cursor = (next, from);
                continue;
            }
            if self.topics[tp.0 as usize].logs[tp.1 as usize]
                .kind(off)
                .visible(read_committed)
            {
                return;
            }
            self.slot(g, s).cursor.1 += 1;
        }
    }

    fn schedule_process_step(&mut self, g: u32, s: u32) {
        let c = &self.groups[g as usize].slots[s as usize];
        if c.cursor.0 >= c.batch.len() {
            return self.finish_batch(g, s);
        }
        let ms = self.groups[g as usize].cfg.processing_ms;
        let c = self.slot(g, s);
        c.step += 1;
        let (to, step) = (
            Endpoint {
                group: g,
                slot: s,
                inc: c.inc,
            },
            c.step,
        );
        self.timers
            .at(self.now_ms + ms, Timer::ProcessDone { to, step });
    }

    pub(super) fn process_done(&mut self, to: Endpoint, step: u64) {
        let (g, s) = (to.group, to.slot);
        if !self.live(to) {
            return;
        }
        let c = self.slot(g, s);
        if c.step != step || c.lp != Loop::Processing {
            return;
        }
        if c.paused {
            c.stalled = Some(Stall::ProcessDone(step));
            return;
        }
        let (i, off) = c.cursor;
        let tp = c.batch[i].tp;
        c.cursor.1 += 1;
        if !self.record_processed(g, s, tp, off, off + 1) {
            return self.fenced(g, s);
        }
        self.skip_invisible(g, s);
        self.schedule_process_step(g, s);
    }

    /// The application processed `[from, to)` of `tp`: account for it (at once, or at the
    /// transaction's commit for exactly-once) and tell the page.
    /// Returns false if the member's transaction was aborted under it (it is fenced).
    #[must_use]
    fn record_processed(&mut self, g: u32, s: u32, tp: Tp, from: u64, to: u64) -> bool {
        let read_committed = self.read_committed(g);
        let transactional = self.mode(g) == CommitMode::Transactional;
        if transactional
            && !self
                .slot(g, s)
                .txn
                .is_some_and(|t| self.txns.open.iter().any(|x| x.id == t))
        {
            return false;
        }
        let log = &self.topics[tp.0 as usize].logs[tp.1 as usize];
        let count = log.visible_in(from, to, read_committed);
        if count == 0 {
            return true;
        }
        let duplicates = if transactional {
            // Counted in the ledger only when the transaction commits (txn.rs).
            let ledger = &self.groups[g as usize].parts[tp.0 as usize][tp.1 as usize].ledger;
            let end = ledger.processed_end.unwrap_or(from);
            log.visible_in(from, to.min(end), read_committed)
        } else {
            self.account_processed(g, tp, from, to)
        };
        self.slot(g, s).processed += count;
        if let Some(c) = self.causes.as_deref_mut() {
            c.processed(self.now_ms, g, s, tp, from, count);
        }
        self.emit_traffic(|| Event::RecordsProcessed {
            group: g,
            member: s,
            topic: tp.0,
            partition: tp.1,
            first_offset: from,
            count: count as u32,
            duplicates: duplicates as u32,
        });
        if !transactional {
            self.emit_duplicates(g, tp, from, duplicates);
        }
        if transactional {
            self.transactional_output(g, s, tp, from, to);
        }
        true
    }

    /// Enters processed `[from, to)` into the group's ledger, reporting any records it reveals
    /// as lost; returns how many were repeats.
    pub(super) fn account_processed(&mut self, g: u32, tp: Tp, from: u64, to: u64) -> u64 {
        let read_committed = self.read_committed(g);
        let log = &self.topics[tp.0 as usize].logs[tp.1 as usize];
        let ledger = &mut self.groups[g as usize].parts[tp.0 as usize][tp.1 as usize].ledger;
        let old_end = ledger.processed_end.unwrap_or(from);
        let lost_before = ledger.lost;
        let out = ledger.process(from, to, |a, b| log.visible_in(a, b, read_committed));
        if let Some(c) = self.causes.as_deref_mut() {
            // Only when a zombie processed records already written off (rare).
            if ledger.lost < lost_before + out.lost.map_or(0, |l| l.1) {
                c.recovered(g, tp, from, to, |a, b| log.visible_in(a, b, read_committed));
            }
        }
        self.figures_processed(g, tp, from, to, old_end);
        if let Some((first_offset, count)) = out.lost {
            self.lost_records(g, tp, (first_offset, from), count);
        }
        out.duplicates
    }

    /// Reports `count` records of `[first_offset, end)` as lost for group `g`.
    fn lost_records(&mut self, g: u32, tp: Tp, (first_offset, end): (u64, u64), count: u64) {
        let now = self.now_ms;
        if let Some(c) = self.causes.as_deref_mut() {
            c.lost(now, g, tp, first_offset, end, count);
        }
        self.envelopes.push(
            EnvelopeKind::Lost,
            g,
            None,
            tp,
            first_offset,
            None,
            count,
            now,
        );
        self.emit(Event::RecordsLost {
            group: g,
            topic: tp.0,
            partition: tp.1,
            first_offset,
            count,
        });
    }

    /// Reports `n` repeats starting at `first_offset` (nothing if `n` is 0).
    pub(super) fn emit_duplicates(&mut self, g: u32, tp: Tp, first_offset: u64, n: u64) {
        if n > 0 {
            self.emit(Event::DuplicatesProcessed {
                group: g,
                topic: tp.0,
                partition: tp.1,
                first_offset,
                count: n as u32,
            });
        }
    }

    fn finish_batch(&mut self, g: u32, s: u32) {
        self.slot(g, s).batch.clear();
        match self.mode(g) {
            CommitMode::AfterProcessing => {
                if self.take_crash(g, s, CrashPoint::AfterProcessing) {
                    return;
                }
                self.commit_positions(g, s, CommitPurpose::AfterBatch)
            }
            CommitMode::Transactional => {
                if self.take_crash(g, s, CrashPoint::InTransaction)
                    || self.take_crash(g, s, CrashPoint::AfterProcessing)
                {
                    return;
                }
                self.commit_transaction(g, s);
            }
            CommitMode::BeforeProcessing | CommitMode::Auto => {
                if self.take_crash(g, s, CrashPoint::AfterProcessing) {
                    return;
                }
                self.poll(g, s)
            }
        }
    }

    /// `stale`: the member has moved to another generation since it sent the commit; Kafka's
    /// `OffsetCommitResponseHandler` then fails the commit without resetting the member.
    fn commit_response(
        &mut self,
        g: u32,
        s: u32,
        purpose: CommitPurpose,
        result: Result<(), ProtoError>,
        stale: bool,
    ) {
        if purpose != CommitPurpose::Auto && self.slot(g, s).paused {
            self.slot(g, s).stalled = Some(Stall::Committed(purpose, result, stale));
            return;
        }
        let ok = result.is_ok();
        if let Err(e) = result {
            self.emit(Event::CommitFailed {
                group: g,
                member: s,
                error: e.into(),
            });
            match e {
                // A retriable failure: the member learns of the rebalance from its heartbeat.
                ProtoError::RebalanceInProgress => {}
                _ if stale => {}
                _ => self.slot(g, s).lose_generation(),
            }
        } else if self.take_crash(g, s, CrashPoint::AfterCommit) {
            return;
        }
        self.after_commit(g, s, purpose, ok);
    }

    /// Where the loop goes once a commit is answered (or failed locally).
    fn after_commit(&mut self, g: u32, s: u32, purpose: CommitPurpose, ok: bool) {
        match purpose {
            CommitPurpose::Auto => {}
            CommitPurpose::AfterBatch => self.poll(g, s),
            // At-most-once: process only what is committed. A failed `commitSync()` throws
            // before the processing code runs, so the batch is dropped (at-most-once may lose).
            CommitPurpose::BeforeBatch if ok => self.start_processing(g, s),
            CommitPurpose::BeforeBatch => {
                self.slot(g, s).batch.clear();
                self.poll(g, s)
            }
            CommitPurpose::Revoke => {
                self.revoke_all(g, s);
                self.poll(g, s);
            }
            CommitPurpose::Close => self.finish_close(g, s),
        }
    }

    pub(super) fn txn_ended(&mut self, g: u32, s: u32, r: Result<(), ProtoError>) {
        let c = self.slot(g, s);
        if c.paused {
            c.stalled = Some(Stall::TxnEnded(r));
            return;
        }
        c.txn = None;
        if let Err(e) = r {
            self.emit(Event::CommitFailed {
                group: g,
                member: s,
                error: e.into(),
            });
            // The transaction aborted: its consumed offsets were not committed, so the member
            // seeks back to the committed offsets (the standard exactly-once loop's
            // `resetToLastCommittedPositions`) and, if it was fenced, rejoins.
            self.rewind_to_committed(g, s);
            if e != ProtoError::RebalanceInProgress {
                self.slot(g, s).lose_generation();
            }
        } else if self.take_crash(g, s, CrashPoint::AfterCommit) {
            return;
        }
        self.poll(g, s);
    }

    fn rewind_to_committed(&mut self, g: u32, s: u32) {
        let assigned = self.slot(g, s).assigned.clone();
        for (i, tp) in assigned.into_iter().enumerate() {
            let pos = self.initial_position(g, s, tp);
            self.slot(g, s).positions[i] = pos;
        }
    }

    /// A transactional write found its transaction already aborted (timed out while the
    /// member stalled): the producer is fenced, the batch is abandoned, the member rejoins.
    fn fenced(&mut self, g: u32, s: u32) {
        self.emit(Event::CommitFailed {
            group: g,
            member: s,
            error: crate::event::CommitError::ProducerFenced,
        });
        let c = self.slot(g, s);
        c.txn = None;
        c.batch.clear();
        c.lose_generation();
        self.poll(g, s);
    }

    pub(super) fn request_crash(&mut self, g: u32, s: u32, at: CrashPoint) {
        if at == CrashPoint::Now {
            self.crash(g, s, at);
        } else {
            self.slot(g, s).crash_at = Some(at);
        }
    }

    /// The process dies: no commit, no LeaveGroup; in-flight answers go nowhere. The
    /// coordinator finds out only when the session times out.
    fn crash(&mut self, g: u32, s: u32, at: CrashPoint) {
        let c = self.slot(g, s);
        c.alive = false;
        c.inc += 1;
        c.lp = Loop::Stopped;
        c.crash_at = None;
        c.batch.clear();
        c.joining = false;
        // The process's memory is gone; the coordinator still counts it until its session ends.
        c.assigned.clear();
        c.positions.clear();
        self.set_parked(g, s, false);
        self.emit(Event::ConsumerCrashed {
            group: g,
            member: s,
            at,
        });
        self.set_state(g, s, ConsumerState::Crashed);
        self.refresh_downtime(g);
    }

    pub(super) fn pause_consumer(&mut self, g: u32, s: u32) {
        self.slot(g, s).paused = true;
        self.emit(Event::ConsumerPaused {
            group: g,
            member: s,
        });
        self.set_state(g, s, ConsumerState::Paused);
        self.refresh_downtime(g);
    }

    pub(super) fn resume_consumer(&mut self, g: u32, s: u32) {
        let c = self.slot(g, s);
        c.paused = false;
        let stalled = c.stalled.take();
        let lp = c.lp;
        self.emit(Event::ConsumerResumed {
            group: g,
            member: s,
        });
        let st = match lp {
            Loop::Processing => ConsumerState::Processing,
            Loop::Committing => ConsumerState::Committing,
            Loop::Fetching => ConsumerState::Fetching,
            _ => ConsumerState::Idle,
        };
        self.set_state(g, s, st);
        self.refresh_downtime(g);
        let to = self.endpoint(g, s);
        match stalled {
            None => {
                if self.slot(g, s).in_poll() {
                    self.poll(g, s);
                }
            }
            Some(Stall::Poll) => self.poll(g, s),
            Some(Stall::ProcessDone(step)) => self.process_done(to, step),
            Some(Stall::Fetched(epoch, segs)) => self.fetch_response(to, epoch, segs),
            Some(Stall::Committed(p, r, stale)) => self.commit_response(g, s, p, r, stale),
            Some(Stall::TxnEnded(r)) => self.txn_ended(g, s, r),
        }
    }

    pub(super) fn request_leave(&mut self, g: u32, s: u32) {
        self.slot(g, s).closing = true;
        if self.slot(g, s).in_poll() {
            self.slot(g, s).fetch_epoch += 1;
            self.poll(g, s);
        }
    }

    /// `KafkaConsumer.close()`: auto-commit synchronously if enabled, revoke, and send
    /// LeaveGroup — except static members, who stay until their session times out (KIP-345).
    fn close(&mut self, g: u32, s: u32) {
        if self.mode(g) == CommitMode::Auto
            && !self.slot(g, s).assigned.is_empty()
            && self.slot(g, s).generation >= 0
        {
            return self.commit_positions(g, s, CommitPurpose::Close);
        }
        self.finish_close(g, s);
    }

    fn finish_close(&mut self, g: u32, s: u32) {
        self.revoke_all(g, s);
        if self.is_kip848(g) {
            self.k848_leave(g, s);
        } else if self.slot(g, s).instance_id.is_none() {
            let c = self.slot(g, s);
            let member_id = c.member_id.clone();
            self.send(g, s, Request::Leave { member_id });
        }
        let c = self.slot(g, s);
        c.alive = false;
        c.left = true;
        c.closing = false;
        c.inc += 1;
        c.lp = Loop::Stopped;
        self.emit(Event::ConsumerLeft {
            group: g,
            member: s,
        });
        self.set_state(g, s, ConsumerState::Left);
        self.refresh_downtime(g);
    }

    pub(super) fn set_strategy(&mut self, g: u32, strategies: Vec<Strategy>) {
        self.groups[g as usize].cfg.strategies = strategies.clone();
        for s in 0..self.groups[g as usize].slots.len() as u32 {
            if self.slot(g, s).alive {
                self.slot(g, s).protocols = strategies.clone();
                self.request_rejoin(g, s);
            }
        }
    }

    /// Recomputes which partitions have an active owner and accrues downtime for the others.
    pub(super) fn refresh_downtime(&mut self, g: u32) {
        let now = self.now_ms;
        let grp = &mut self.groups[g as usize];
        let mut up: Vec<Vec<bool>> = grp.parts.iter().map(|v| vec![false; v.len()]).collect();
        for c in grp.slots.iter().filter(|c| c.alive && !c.paused) {
            for &(t, p) in &c.assigned {
                if let Some(x) = up.get_mut(t as usize).and_then(|v| v.get_mut(p as usize)) {
                    *x = true;
                }
            }
        }
        for (t, parts) in grp.parts.iter_mut().enumerate() {
            for (p, gp) in parts.iter_mut().enumerate() {
                if up[t][p] {
                    if let Some(since) = gp.down_since_ms.take() {
                        gp.downtime_ms += now - since;
                    }
                } else if gp.down_since_ms.is_none() {
                    gp.down_since_ms = Some(now);
                }
            }
        }
    }

    /// Lag of one partition for group `g`, folded into the group's maximum.
    pub(super) fn update_lag_tp(&mut self, g: u32, tp: Tp) {
        let Some(lag) = self.lag(g, tp) else { return };
        let now = self.now_ms;
        let grp = &mut self.groups[g as usize];
        if lag > grp.max_lag {
            grp.max_lag = lag;
            grp.max_lag_at_ms = now;
        }
    }
}

/// What moving from `owned` to `target` revokes and adds, each in its list's order (shared by
/// the classic SyncGroup answer and KIP-848 reconciliation).
pub(super) fn assignment_change(owned: &[Tp], target: &[Tp]) -> (Vec<Tp>, Vec<Tp>) {
    let revoked = owned
        .iter()
        .copied()
        .filter(|tp| !target.contains(tp))
        .collect();
    let added = target
        .iter()
        .copied()
        .filter(|tp| !owned.contains(tp))
        .collect();
    (revoked, added)
}
