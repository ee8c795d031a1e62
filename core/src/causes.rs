//! Cause chains: why each duplicate, loss, acknowledged loss, log duplicate, share redelivery
//! and archived record happened, as a short list of facts with their simulated times.
//!
//! [`Causes`] is a recorder the simulation feeds when [`crate::Sim::set_record_causes`] is on.
//! It watches the same facts the event stream carries (at any event level: the simulation
//! builds the few record-level facts it needs only for it) plus five moments the events do not
//! spell out: a group's ledger writing records off as lost (with the range's end), taking a
//! lost range back when a zombie processes it after all, forgetting offsets a truncation
//! removed, a new owner's start position (from a commit or `auto.offset.reset`) and a leader
//! change before the partition log is cut. It only reads, so the model runs identically with it
//! on or off (a test compares the event hashes).
//!
//! Memory is bounded by what the model itself holds: per group partition a ring of recent
//! processing runs and its last commit, per member and broker a ring of recent faults, per share record
//! its deliveries while it is in flight, and the finished cases until the caller takes them
//! ([`crate::Sim::take_explanations`]). Lost cases stay open until the end of the run (or until
//! taken with `finished`), because a zombie may still process some of their records; that is
//! when the ledger's own figure stops moving too.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use crate::event::{
    CommitError, Event, ProduceError, RebalanceReason, ReleaseCause, ShareMemberChange, Tp,
};
use crate::input::CrashPoint;
use crate::scenario::{Acks, CommitMode, GroupConfig, OffsetReset, ProducerConfig};
use crate::share::AckType;

/// Processing runs kept per group partition (oldest dropped first).
const RUNS_KEPT: usize = 64;
/// Finished cases held between two [`Causes::take`] calls; beyond it the newest are counted
/// in [`Causes::dropped`] and not kept (the CLI and the player take them every slice).
pub const CASES_HELD_MAX: usize = 100_000;
/// Faults kept per member, rebalances per group, facts per partition and per broker.
const FACTS_KEPT: usize = 16;

/// What kind of case a chain explains (the `--kind` names of `mailroom explain`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseKind {
    /// Records a group processed a second (or later) time.
    Duplicate,
    /// Records a group skipped for good.
    Lost,
    /// Acknowledged records that are not in the log.
    AckedLost,
    /// A retried batch appended a second copy of records already in the log.
    LogDuplicate,
    /// A share-group record delivered again.
    Redelivery,
    /// A share-group record archived (rejected, or out of deliveries).
    Archived,
}

impl CaseKind {
    /// Every kind, in the order `explain` prints them.
    pub const ALL: [CaseKind; 6] = [
        CaseKind::Duplicate,
        CaseKind::Lost,
        CaseKind::AckedLost,
        CaseKind::LogDuplicate,
        CaseKind::Redelivery,
        CaseKind::Archived,
    ];

    /// How a count of this kind's records reads: `3 duplicates`.
    pub fn count(self, n: u64) -> String {
        let (one, many) = match self {
            CaseKind::Duplicate => ("duplicate", "duplicates"),
            CaseKind::Lost => ("record lost", "records lost"),
            CaseKind::AckedLost => ("acknowledged record lost", "acknowledged records lost"),
            CaseKind::LogDuplicate => ("log duplicate", "log duplicates"),
            CaseKind::Redelivery => ("redelivery", "redeliveries"),
            CaseKind::Archived => ("record archived", "records archived"),
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }

    /// The kebab-case name (`acked-lost`).
    pub fn name(self) -> &'static str {
        match self {
            CaseKind::Duplicate => "duplicate",
            CaseKind::Lost => "lost",
            CaseKind::AckedLost => "acked-lost",
            CaseKind::LogDuplicate => "log-duplicate",
            CaseKind::Redelivery => "redelivery",
            CaseKind::Archived => "archived",
        }
    }

    /// The kind named `name`, if any.
    pub fn parse(name: &str) -> Option<CaseKind> {
        CaseKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Whose case it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A consumer group (index).
    Group(u32),
    /// A producer (index).
    Producer(u32),
    /// A share group (index).
    ShareGroup(u32),
}

/// How a member's fault reads in a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The process died.
    Crashed(CrashPoint),
    /// Its poll loop stopped.
    Paused,
    /// Its poll loop went on.
    Resumed,
    /// `max.poll.interval.ms` passed without a poll.
    PollIntervalExceeded,
    /// The coordinator expired it after `session.timeout.ms`.
    SessionExpired,
    /// It closed and sent LeaveGroup.
    Left,
    /// It lost its partitions without a chance to commit.
    PartitionsLost,
    /// It gave partitions up in a rebalance.
    PartitionsRevoked,
    /// A commit was refused.
    CommitRefused(CommitError),
    /// A process (re)started.
    Started,
}

/// Where a new owner started reading a partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// From the committed offset.
    Committed,
    /// No committed offset: `auto.offset.reset`.
    NoCommit,
    /// The committed offset was below the log start (retention deleted it): `auto.offset.reset`.
    OutOfRange {
        /// The committed offset.
        committed: u64,
    },
}

/// A broker-side fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokerFault {
    /// The process died.
    Crashed,
    /// Started again.
    Restarted,
    /// Cut off from the network.
    Isolated,
    /// Reconnected.
    Healed,
    /// Fenced by the controller after `broker.session.timeout.ms`.
    Fenced,
}

/// One fact of a chain (indices; [`render`] names them). Members are slots of the case's
/// group (or share group), brokers are broker ids, offsets are the partition's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // the fields are named for what they hold; each variant says the rest
pub enum What {
    /// Offsets `[first, end)` processed by a member (first from `at_ms` to `until_ms`).
    Processed {
        member: u32,
        first: u64,
        end: u64,
        until_ms: u64,
    },
    /// A member's fault.
    Member { member: u32, fault: Fault },
    /// A rebalance began.
    Rebalance {
        reason: RebalanceReason,
        member: Option<u32>,
    },
    /// A commit stored for the partition.
    Committed { member: u32, offset: u64 },
    /// No commit was stored for the partition before the handover.
    NeverCommitted,
    /// A rebalance (generation or member epoch) gave the partition to a member.
    Assigned { member: u32, generation: i32 },
    /// The owner started reading at `offset`.
    Resumed {
        member: Option<u32>,
        offset: u64,
        start: Start,
    },
    /// The case's records processed again.
    ProcessedAgain {
        member: Option<u32>,
        first: u64,
        records: u64,
    },
    /// The case's records skipped.
    Skipped { first: u64, end: u64, records: u64 },
    /// The producer's delivery settings.
    ProducerSettings { acks: Acks, idempotent: bool },
    /// The partition's leader before the change.
    LeaderWas { broker: u32, epoch: u32 },
    /// A broker's fault.
    Broker { broker: u32, fault: BrokerFault },
    /// A follower left the ISR.
    IsrShrunk { broker: u32, isr_size: u32 },
    /// A new leader (or none) was elected.
    LeaderElected {
        broker: Option<u32>,
        epoch: u32,
        unclean: bool,
        log_end: u64,
        truncated: u64,
    },
    /// A replica cut its log back to the leader's.
    ReplicaTruncated { broker: u32, from: u64, to: u64 },
    /// The case's acknowledged records are gone.
    AckedGone {
        first: Option<u64>,
        records: u64,
        late: bool,
    },
    /// A batch failed with a retriable error.
    Retried { error: ProduceError },
    /// The retry appended a second copy.
    WrittenTwice { base: u64, records: u64 },
    /// A share fetch acquired the record.
    Acquired {
        member: u32,
        delivery: u16,
        lock_until_ms: u64,
    },
    /// The record became available again.
    Released { member: u32, cause: ReleaseCause },
    /// A share member changed.
    ShareMember {
        member: u32,
        change: ShareMemberChange,
    },
    /// The record was archived.
    ArchivedRecord { cause: ReleaseCause, delivery: u16 },
}

/// A fact and when it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fact {
    /// Simulated time.
    pub at_ms: u64,
    /// What.
    pub what: What,
}

/// One explained case, before naming.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// Kind.
    pub kind: CaseKind,
    /// Whose.
    pub owner: Owner,
    /// Partition.
    pub tp: Tp,
    /// First offset (`None`: `acks=0` records never written).
    pub offset: Option<u64>,
    /// Records the case covers; per kind, these add up to the figure `simulate` prints.
    pub records: u64,
    /// When it became a fact.
    pub at_ms: u64,
    /// The chain, oldest first.
    pub facts: Vec<Fact>,
}

#[derive(Clone, Copy, Debug)]
struct Run {
    member: u32,
    first: u64,
    end: u64,
    at_ms: u64,
    until_ms: u64,
}

#[derive(Clone, Debug, Default)]
struct GroupPart {
    /// The run being extended (kept inline: the hot path touches nothing else)…
    current: Option<Run>,
    /// …and the finished ones before it, oldest first.
    runs: VecDeque<Run>,
    /// The last commit stored: (time, member, offset).
    commit: Option<(u64, u32, u64)>,
    assigned: Option<Fact>,
    resumed: Option<Fact>,
    /// The commit the last start position came from.
    resumed_commit: Option<Fact>,
}

#[derive(Clone, Debug, Default)]
struct GroupMemory {
    members: Vec<VecDeque<Fact>>,
    rebalances: VecDeque<Fact>,
    /// By topic index, then partition (grown as partitions show up).
    parts: Vec<Vec<GroupPart>>,
}

impl GroupMemory {
    fn part(&self, tp: Tp) -> Option<&GroupPart> {
        self.parts.get(tp.0 as usize)?.get(tp.1 as usize)
    }
}

#[derive(Clone, Debug)]
struct OpenLost {
    case: Case,
    /// Offsets of the case no one in the group has processed yet.
    remaining: Vec<(u64, u64)>,
}

/// The recorder (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct Causes {
    groups: Vec<GroupMemory>,
    parts: BTreeMap<Tp, VecDeque<Fact>>,
    brokers: VecDeque<Fact>,
    retries: BTreeMap<(u32, Tp), Fact>,
    shares: BTreeMap<(u32, Tp, u64), Vec<Fact>>,
    share_members: BTreeMap<(u32, u32), VecDeque<Fact>>,
    open_lost: BTreeMap<(u32, Tp), Vec<OpenLost>>,
    done: Vec<Case>,
    /// Finished cases dropped because nobody took them in time (see [`CASES_HELD_MAX`]).
    dropped: u64,
    /// The last leader change per partition this millisecond (acknowledged losses it caused
    /// are reported while the log is cut, before the election's event).
    leader_change: BTreeMap<Tp, (Fact, Option<Fact>)>,
    /// Per producer: acks and idempotence.
    producers: Vec<(Acks, bool)>,
}

fn push<T>(ring: &mut VecDeque<T>, x: T, cap: usize) {
    if ring.len() == cap {
        ring.pop_front();
    }
    ring.push_back(x);
}

impl Causes {
    /// A recorder for producers with these delivery settings (acks, idempotence).
    pub fn new(producers: Vec<(Acks, bool)>) -> Causes {
        Causes {
            producers,
            ..Causes::default()
        }
    }

    fn group(&mut self, g: u32) -> &mut GroupMemory {
        let g = g as usize;
        if self.groups.len() <= g {
            self.groups.resize_with(g + 1, GroupMemory::default);
        }
        &mut self.groups[g]
    }

    fn part(&mut self, g: u32, tp: Tp) -> &mut GroupPart {
        let parts = &mut self.group(g).parts;
        let (t, p) = (tp.0 as usize, tp.1 as usize);
        if parts.len() <= t {
            parts.resize_with(t + 1, Vec::new);
        }
        if parts[t].len() <= p {
            parts[t].resize_with(p + 1, GroupPart::default);
        }
        &mut parts[t][p]
    }

    /// Group `g`'s member `member` processed `count` records of `tp` from `first` (the
    /// simulation calls this directly: it is the hottest fact, one per batch or record).
    pub fn processed(&mut self, now: u64, g: u32, member: u32, tp: Tp, first: u64, count: u64) {
        let end = first + count;
        let gp = self.part(g, tp);
        match gp.current.as_mut() {
            Some(r) if r.member == member && r.end == first => {
                r.end = end;
                r.until_ms = now;
            }
            _ => {
                let run = Run {
                    member,
                    first,
                    end,
                    at_ms: now,
                    until_ms: now,
                };
                if let Some(done) = gp.current.replace(run) {
                    push(&mut gp.runs, done, RUNS_KEPT);
                }
            }
        }
    }

    /// The coordinator stored group `g`'s commit of `offset` for `tp` (called directly, as
    /// [`Causes::processed`]).
    pub fn committed(&mut self, now: u64, g: u32, member: u32, tp: Tp, offset: u64) {
        let gp = self.part(g, tp);
        if gp.commit.is_some_and(|c| c.2 == offset && c.1 == member) {
            return;
        }
        gp.commit = Some((now, member, offset));
    }

    fn member_fact(&mut self, g: u32, member: u32, at_ms: u64, fault: Fault) {
        let grp = self.group(g);
        let m = member as usize;
        if grp.members.len() <= m {
            grp.members.resize_with(m + 1, VecDeque::new);
        }
        push(
            &mut grp.members[m],
            Fact {
                at_ms,
                what: What::Member { member, fault },
            },
            FACTS_KEPT,
        );
    }

    fn part_fact(&mut self, tp: Tp, fact: Fact) {
        push(self.parts.entry(tp).or_default(), fact, FACTS_KEPT);
    }

    fn finish(&mut self, case: Case) {
        if self.done.len() < CASES_HELD_MAX {
            self.done.push(case);
        } else {
            self.dropped += 1;
        }
    }

    /// Finished cases not kept because [`CASES_HELD_MAX`] were waiting to be taken.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Takes the finished cases; with `finished`, the open lost cases too (the run is over).
    pub fn take(&mut self, finished: bool) -> Vec<Case> {
        if finished {
            for (_, open) in std::mem::take(&mut self.open_lost) {
                for o in open {
                    if o.case.records > 0 {
                        self.finish(o.case);
                    }
                }
            }
        }
        let mut out = std::mem::take(&mut self.done);
        out.sort_by_key(|c| c.at_ms);
        out
    }

    /// Watches one event the simulation emitted at `now`.
    pub fn observe(&mut self, now: u64, event: &Event) {
        match *event {
            Event::CommitFailed {
                group,
                member,
                error,
            } => self.member_fact(group, member, now, Fault::CommitRefused(error)),
            Event::ConsumerCrashed { group, member, at } => {
                self.member_fact(group, member, now, Fault::Crashed(at))
            }
            Event::ConsumerPaused { group, member } => {
                self.member_fact(group, member, now, Fault::Paused)
            }
            Event::ConsumerResumed { group, member } => {
                self.member_fact(group, member, now, Fault::Resumed)
            }
            Event::ConsumerLeft { group, member } => {
                self.member_fact(group, member, now, Fault::Left)
            }
            Event::ConsumerStarted { group, member, .. } => {
                self.member_fact(group, member, now, Fault::Started)
            }
            Event::SessionExpired { group, member } => {
                self.member_fact(group, member, now, Fault::SessionExpired)
            }
            Event::PollIntervalExceeded { group, member } => {
                self.member_fact(group, member, now, Fault::PollIntervalExceeded)
            }
            Event::PartitionsLost { group, member, .. } => {
                self.member_fact(group, member, now, Fault::PartitionsLost)
            }
            Event::PartitionsRevoked { group, member, .. } => {
                self.member_fact(group, member, now, Fault::PartitionsRevoked)
            }
            Event::RebalanceStarted {
                group,
                ref reason,
                member,
            } => {
                let fact = Fact {
                    at_ms: now,
                    what: What::Rebalance {
                        reason: *reason,
                        member,
                    },
                };
                push(&mut self.group(group).rebalances, fact, FACTS_KEPT);
            }
            Event::PartitionsAssigned {
                group,
                member,
                generation,
                ref partitions,
            } => {
                for &tp in partitions {
                    let fact = Fact {
                        at_ms: now,
                        what: What::Assigned { member, generation },
                    };
                    self.part(group, tp).assigned = Some(fact);
                    // A loss found while positioning the new owner (just before this event):
                    // the assignment belongs in its chain, before the start position.
                    for o in self.open_lost.get_mut(&(group, tp)).into_iter().flatten() {
                        let facts = &mut o.case.facts;
                        if o.case.at_ms != now || facts.contains(&fact) {
                            continue;
                        }
                        let at = facts
                            .iter()
                            .position(|f| {
                                f.at_ms == now
                                    && matches!(f.what, What::Resumed { .. } | What::Skipped { .. })
                            })
                            .unwrap_or(facts.len());
                        facts.insert(at, fact);
                    }
                }
            }
            Event::DuplicatesProcessed {
                group,
                topic,
                partition,
                first_offset,
                count,
            } => self.duplicate(now, group, (topic, partition), first_offset, count.into()),
            Event::BrokerCrashed { broker } => self.broker(now, broker, BrokerFault::Crashed),
            Event::BrokerRestarted { broker } => self.broker(now, broker, BrokerFault::Restarted),
            Event::BrokerIsolated { broker } => self.broker(now, broker, BrokerFault::Isolated),
            Event::BrokerHealed { broker } => self.broker(now, broker, BrokerFault::Healed),
            Event::BrokerFenced { broker } => self.broker(now, broker, BrokerFault::Fenced),
            Event::IsrShrunk {
                topic,
                partition,
                broker,
                isr_size,
            } => self.part_fact(
                (topic, partition),
                Fact {
                    at_ms: now,
                    what: What::IsrShrunk { broker, isr_size },
                },
            ),
            Event::LeaderElected {
                topic,
                partition,
                leader: None,
                leader_epoch,
                log_end_offset,
                ..
            } => self.part_fact(
                (topic, partition),
                Fact {
                    at_ms: now,
                    what: What::LeaderElected {
                        broker: None,
                        epoch: leader_epoch,
                        unclean: false,
                        log_end: log_end_offset,
                        truncated: 0,
                    },
                },
            ),
            Event::ReplicaTruncated {
                topic,
                partition,
                broker,
                from_offset,
                to_offset,
            } => self.part_fact(
                (topic, partition),
                Fact {
                    at_ms: now,
                    what: What::ReplicaTruncated {
                        broker,
                        from: to_offset,
                        to: from_offset,
                    },
                },
            ),
            Event::AckedRecordsLost {
                producer,
                topic,
                partition,
                first_offset,
                count,
            } => self.acked_lost(now, producer, (topic, partition), first_offset, count),
            Event::ProduceRetried {
                producer,
                topic,
                partition,
                error,
                ..
            } => {
                self.retries.insert(
                    (producer, (topic, partition)),
                    Fact {
                        at_ms: now,
                        what: What::Retried { error },
                    },
                );
            }
            Event::RecordsWrittenTwice {
                producer,
                topic,
                partition,
                base_offset,
                count,
            } => self.written_twice(now, producer, (topic, partition), base_offset, count),
            Event::ShareRecordAcquired {
                share_group,
                member,
                topic,
                partition,
                offset,
                delivery_count,
                lock_until_ms,
            } => {
                let key = (share_group, (topic, partition), offset);
                let fact = Fact {
                    at_ms: now,
                    what: What::Acquired {
                        member,
                        delivery: delivery_count,
                        lock_until_ms,
                    },
                };
                let history = self.shares.entry(key).or_default();
                history.push(fact);
                if delivery_count > 1 {
                    let facts = self.share_chain(share_group, key);
                    self.finish(Case {
                        kind: CaseKind::Redelivery,
                        owner: Owner::ShareGroup(share_group),
                        tp: key.1,
                        offset: Some(offset),
                        records: 1,
                        at_ms: now,
                        facts,
                    });
                }
            }
            Event::ShareRecordReleased {
                share_group,
                member,
                topic,
                partition,
                offset,
                cause,
                ..
            } => {
                if let Some(h) = self
                    .shares
                    .get_mut(&(share_group, (topic, partition), offset))
                {
                    h.push(Fact {
                        at_ms: now,
                        what: What::Released { member, cause },
                    });
                }
            }
            Event::ShareRecordAcknowledged {
                share_group,
                topic,
                partition,
                offset,
                ack: AckType::Accept,
                ..
            } => {
                self.shares
                    .remove(&(share_group, (topic, partition), offset));
            }
            Event::ShareRecordArchived {
                share_group,
                topic,
                partition,
                offset,
                delivery_count,
                cause,
                ..
            } => {
                let key = (share_group, (topic, partition), offset);
                let mut facts = self.share_chain(share_group, key);
                self.shares.remove(&key);
                facts.push(Fact {
                    at_ms: now,
                    what: What::ArchivedRecord {
                        cause,
                        delivery: delivery_count,
                    },
                });
                self.finish(Case {
                    kind: CaseKind::Archived,
                    owner: Owner::ShareGroup(share_group),
                    tp: key.1,
                    offset: Some(offset),
                    records: 1,
                    at_ms: now,
                    facts,
                });
            }
            Event::ShareMemberChanged {
                share_group,
                member,
                change,
            } => push(
                self.share_members.entry((share_group, member)).or_default(),
                Fact {
                    at_ms: now,
                    what: What::ShareMember { member, change },
                },
                FACTS_KEPT,
            ),
            _ => {}
        }
    }

    fn broker(&mut self, now: u64, broker: u32, fault: BrokerFault) {
        push(
            &mut self.brokers,
            Fact {
                at_ms: now,
                what: What::Broker { broker, fault },
            },
            FACTS_KEPT,
        );
    }

    /// A share record's deliveries so far, with the faults of the members that held it.
    fn share_chain(&self, sg: u32, key: (u32, Tp, u64)) -> Vec<Fact> {
        let history = self.shares.get(&key).cloned().unwrap_or_default();
        let mut facts = history.clone();
        for (i, f) in history.iter().enumerate() {
            if let What::Acquired { member, .. } = f.what {
                let until = history.get(i + 1).map_or(u64::MAX, |n| n.at_ms);
                if let Some(ring) = self.share_members.get(&(sg, member)) {
                    facts.extend(
                        ring.iter()
                            .filter(|m| m.at_ms >= f.at_ms && m.at_ms <= until)
                            .copied(),
                    );
                }
            }
        }
        facts.sort_by_key(|f| f.at_ms);
        facts
    }

    /// Faults of `member` and the group's rebalances within `[from, to]`.
    fn between(&self, g: u32, member: Option<u32>, from: u64, to: u64) -> Vec<Fact> {
        let Some(grp) = self.groups.get(g as usize) else {
            return Vec::new();
        };
        let mut out: Vec<Fact> = Vec::new();
        if let Some(ring) = member.and_then(|m| grp.members.get(m as usize)) {
            out.extend(
                ring.iter()
                    .filter(|f| f.at_ms >= from && f.at_ms <= to)
                    .copied(),
            );
        }
        // The rebalance that handed the partition over: the last one that began in the window.
        if let Some(r) = grp
            .rebalances
            .iter()
            .rev()
            .find(|f| f.at_ms >= from && f.at_ms <= to)
        {
            out.push(*r);
        }
        out
    }

    fn duplicate(&mut self, now: u64, g: u32, tp: Tp, first: u64, records: u64) {
        let Some(gp) = self.groups.get(g as usize).and_then(|m| m.part(tp)) else {
            return;
        };
        // The run that repeated the records is the current one; the first processing is the
        // oldest run before it that holds the first of them.
        let again = gp.current;
        let earlier = gp
            .runs
            .iter()
            .find(|r| r.first <= first && first < r.end)
            .copied();
        let (assigned, resumed, resumed_commit) = (gp.assigned, gp.resumed, gp.resumed_commit);
        let mut facts = Vec::new();
        let from = earlier.map_or(0, |r| r.at_ms);
        if let Some(r) = earlier {
            // Runs are merged while contiguous, so only the run's span is known: the case's
            // records within it were processed by its last moment.
            facts.push(Fact {
                at_ms: r.until_ms,
                what: What::Processed {
                    member: r.member,
                    first,
                    end: r.end.min(first + records),
                    until_ms: r.until_ms,
                },
            });
        }
        facts.extend(self.between(g, earlier.map(|r| r.member), from, now));
        let handed_over = resumed.filter(|f| f.at_ms >= from);
        match (handed_over, resumed_commit) {
            (Some(_), Some(c)) => facts.push(c),
            (Some(_), None) => facts.push(Fact {
                at_ms: handed_over.map_or(now, |f| f.at_ms),
                what: What::NeverCommitted,
            }),
            _ => {}
        }
        facts.extend(assigned.filter(|f| f.at_ms >= from));
        facts.extend(handed_over);
        facts.push(Fact {
            at_ms: now,
            what: What::ProcessedAgain {
                member: again.map(|r| r.member),
                first,
                records,
            },
        });
        facts.sort_by_key(|f| f.at_ms);
        facts.dedup();
        self.finish(Case {
            kind: CaseKind::Duplicate,
            owner: Owner::Group(g),
            tp,
            offset: Some(first),
            records,
            at_ms: now,
            facts,
        });
    }

    /// A new owner of `tp` in group `g` starts at `offset`, from a commit or a reset.
    pub fn positioned(&mut self, now: u64, g: u32, member: u32, tp: Tp, offset: u64, start: Start) {
        let member = Some(member);
        let gp = self.part(g, tp);
        gp.resumed_commit = match start {
            Start::Committed => {
                gp.commit
                    .filter(|c| c.2 == offset)
                    .map(|(at_ms, member, offset)| Fact {
                        at_ms,
                        what: What::Committed { member, offset },
                    })
            }
            _ => None,
        };
        gp.resumed = Some(Fact {
            at_ms: now,
            what: What::Resumed {
                member,
                offset,
                start,
            },
        });
    }

    /// Group `g` wrote off `[first, end)` of `tp` (`records` visible ones) as lost.
    pub fn lost(&mut self, now: u64, g: u32, tp: Tp, first: u64, end: u64, records: u64) {
        let Some(gp) = self.groups.get(g as usize).and_then(|m| m.part(tp)) else {
            return;
        };
        let mut facts = Vec::new();
        // What the group processed just before the gap, and who.
        let before = gp
            .current
            .iter()
            .chain(gp.runs.iter().rev())
            .find(|r| r.end <= first + 1)
            .copied();
        // The commit that moved past the gap (commit first, or an auto-commit of fetched
        // positions), if the group committed one.
        let commit = gp.commit.filter(|c| c.2 >= end);
        let (assigned, resumed) = (gp.assigned, gp.resumed);
        let from = commit.map_or(before.map_or(0, |r| r.until_ms), |c| c.0);
        if let Some(r) = before {
            facts.push(Fact {
                at_ms: r.at_ms,
                what: What::Processed {
                    member: r.member,
                    first: r.first,
                    end: r.end,
                    until_ms: r.until_ms,
                },
            });
        }
        if let Some((at_ms, member, offset)) = commit {
            facts.push(Fact {
                at_ms,
                what: What::Committed { member, offset },
            });
        }
        let suspect = commit.map(|c| c.1).or(before.map(|r| r.member));
        facts.extend(self.between(g, suspect, from, now));
        facts.extend(assigned.filter(|f| f.at_ms >= from));
        facts.extend(resumed.filter(|f| f.at_ms == now));
        facts.push(Fact {
            at_ms: now,
            what: What::Skipped {
                first,
                end,
                records,
            },
        });
        facts.sort_by_key(|f| f.at_ms);
        facts.dedup();
        self.open_lost.entry((g, tp)).or_default().push(OpenLost {
            case: Case {
                kind: CaseKind::Lost,
                owner: Owner::Group(g),
                tp,
                offset: Some(first),
                records,
                at_ms: now,
                facts,
            },
            remaining: vec![(first, end)],
        });
    }

    /// Group `g` processed `[from, to)` of `tp` and the ledger took lost records back (a zombie
    /// processing them late): the open cases shrink by the same records, counted by `visible`.
    pub fn recovered(
        &mut self,
        g: u32,
        tp: Tp,
        from: u64,
        to: u64,
        visible: impl Fn(u64, u64) -> u64,
    ) {
        let Some(open) = self.open_lost.get_mut(&(g, tp)) else {
            return;
        };
        for o in open.iter_mut() {
            let mut kept = Vec::with_capacity(o.remaining.len());
            for &(a, b) in &o.remaining {
                let (x, y) = (a.max(from), b.min(to));
                if x >= y {
                    kept.push((a, b));
                    continue;
                }
                o.case.records = o.case.records.saturating_sub(visible(x, y));
                if a < x {
                    kept.push((a, x));
                }
                if y < b {
                    kept.push((y, b));
                }
            }
            o.remaining = kept;
        }
        open.retain(|o| o.case.records > 0);
    }

    /// The partition log of `tp` was cut to `offset`: the open lost ranges above it are gone
    /// from the ledger too (their count stays, as the ledger's does).
    pub fn truncated(&mut self, tp: Tp, offset: u64) {
        for ((_, t), open) in self.open_lost.iter_mut() {
            if *t != tp {
                continue;
            }
            for o in open.iter_mut() {
                o.remaining.retain_mut(|r| {
                    r.1 = r.1.min(offset);
                    r.0 < r.1
                });
            }
        }
    }

    /// The controller elected `broker` for `tp` (the old leader was `was`); the log is about to
    /// be cut from `old_end` to `new_end`.
    #[allow(clippy::too_many_arguments)]
    pub fn leader_changed(
        &mut self,
        now: u64,
        tp: Tp,
        was: Option<(u32, u32)>,
        broker: u32,
        epoch: u32,
        unclean: bool,
        new_end: u64,
        old_end: u64,
    ) {
        let elected = Fact {
            at_ms: now,
            what: What::LeaderElected {
                broker: Some(broker),
                epoch,
                unclean,
                log_end: new_end,
                truncated: old_end.saturating_sub(new_end),
            },
        };
        let was = was.map(|(broker, epoch)| Fact {
            at_ms: now,
            what: What::LeaderWas { broker, epoch },
        });
        self.leader_change.insert(tp, (elected, was));
        self.part_fact(tp, elected);
    }

    fn acked_lost(&mut self, now: u64, p: u32, tp: Tp, first: Option<u64>, records: u64) {
        let (acks, idempotent) = self
            .producers
            .get(p as usize)
            .copied()
            .unwrap_or((Acks::One, false));
        let mut facts = vec![Fact {
            at_ms: now,
            what: What::ProducerSettings { acks, idempotent },
        }];
        let change = self.leader_change.get(&tp).copied();
        let this_instant = change.is_some_and(|c| c.0.at_ms == now);
        // The partition's and the brokers' recent history, up to now.
        let window_start = self
            .parts
            .get(&tp)
            .and_then(|r| {
                r.iter()
                    .rev()
                    .filter(|f| matches!(f.what, What::LeaderElected { .. }))
                    .nth(usize::from(this_instant))
            })
            .map_or(0, |f| f.at_ms);
        if let Some((_, Some(mut was))) = change.filter(|_| this_instant) {
            // It led since the election before this one (or the start).
            was.at_ms = window_start;
            facts.push(was);
        }
        // Broker faults first: within one millisecond they caused the partition's changes.
        facts.extend(
            self.brokers
                .iter()
                .filter(|f| f.at_ms >= window_start && f.at_ms <= now)
                .copied(),
        );
        if let Some(ring) = self.parts.get(&tp) {
            facts.extend(
                ring.iter()
                    .filter(|f| f.at_ms >= window_start && f.at_ms <= now)
                    .copied(),
            );
        }
        facts.push(Fact {
            at_ms: now,
            what: What::AckedGone {
                first,
                records,
                late: first.is_some() && !this_instant,
            },
        });
        for f in &mut facts {
            // The settings are a standing fact: show them first.
            if matches!(f.what, What::ProducerSettings { .. }) {
                f.at_ms = window_start.min(now);
            }
        }
        facts.sort_by_key(|f| f.at_ms);
        facts.dedup();
        self.finish(Case {
            kind: CaseKind::AckedLost,
            owner: Owner::Producer(p),
            tp,
            offset: first,
            records,
            at_ms: now,
            facts,
        });
    }

    fn written_twice(&mut self, now: u64, p: u32, tp: Tp, base: u64, records: u32) {
        let (acks, idempotent) = self
            .producers
            .get(p as usize)
            .copied()
            .unwrap_or((Acks::One, false));
        let retry = self.retries.get(&(p, tp)).copied();
        let mut facts = vec![Fact {
            at_ms: retry.map_or(now, |r| r.at_ms),
            what: What::ProducerSettings { acks, idempotent },
        }];
        facts.extend(retry);
        let start = retry.map_or(now, |r| r.at_ms.saturating_sub(60_000));
        facts.extend(
            self.brokers
                .iter()
                .filter(|f| f.at_ms >= start && f.at_ms <= now)
                .copied(),
        );
        facts.push(Fact {
            at_ms: now,
            what: What::WrittenTwice {
                base,
                records: records.into(),
            },
        });
        facts.sort_by_key(|f| f.at_ms);
        self.finish(Case {
            kind: CaseKind::LogDuplicate,
            owner: Owner::Producer(p),
            tp,
            offset: Some(base),
            records: records.into(),
            at_ms: now,
            facts,
        });
    }
}

/// What [`render`] needs to name things: the scenario's names and settings.
pub trait Names {
    /// A topic's name.
    fn topic(&self, t: u32) -> String;
    /// A group's configuration.
    fn group(&self, g: u32) -> Option<&GroupConfig>;
    /// A consumer's name.
    fn member(&self, g: u32, s: u32) -> String;
    /// A producer's configuration.
    fn producer(&self, p: u32) -> Option<&ProducerConfig>;
    /// A share group's id, delivery count limit and lock duration.
    fn share_group(&self, sg: u32) -> (String, u32, u64);
    /// A share consumer's name.
    fn share_member(&self, sg: u32, s: u32) -> String;
}

/// A chain's step as people read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Simulated time.
    pub at_ms: u64,
    /// One sentence.
    pub text: String,
}

/// A case as `mailroom explain --json` and the page's "Why?" panel show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The case kind.
    pub kind: CaseKind,
    /// The consumer group, for duplicates and losses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The producer, for acknowledged losses and log duplicates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub producer: Option<String>,
    /// The share group, for redeliveries and archived records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_group: Option<String>,
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: u32,
    /// First offset (absent for `acks=0` records never written).
    pub offset: Option<u64>,
    /// Records the case covers.
    pub records: u64,
    /// When it became a fact.
    pub at_ms: u64,
    /// One line: the case.
    pub summary: String,
    /// The chain.
    pub steps: Vec<Step>,
}

/// Seconds as the page shows them: `12.40 s`.
pub fn secs(ms: u64) -> String {
    format!("{}.{:02} s", ms / 1000, (ms % 1000) / 10)
}

fn range(first: u64, end: u64) -> String {
    if end <= first + 1 {
        format!("offset {first}")
    } else {
        format!("offsets {first}–{}", end - 1)
    }
}

fn plural(n: u64, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

fn crash_point(p: CrashPoint) -> &'static str {
    match p {
        CrashPoint::Now => "",
        CrashPoint::BeforeProcessing => ", as a fetched batch arrived and before processing it",
        CrashPoint::AfterProcessing => ", after processing its batch and before committing it",
        CrashPoint::AfterCommit => ", after committing its batch and before processing it",
        CrashPoint::InTransaction => ", inside its open transaction and before committing it",
    }
}

fn acks_name(a: Acks) -> &'static str {
    match a {
        Acks::Zero => "0",
        Acks::One => "1",
        Acks::All => "all",
    }
}

fn produce_error(e: ProduceError) -> &'static str {
    match e {
        ProduceError::NotEnoughReplicas => "NOT_ENOUGH_REPLICAS",
        ProduceError::NotLeaderOrFollower => "NOT_LEADER_OR_FOLLOWER",
        ProduceError::RequestTimedOut => "REQUEST_TIMED_OUT (no answer within request.timeout.ms)",
        ProduceError::NetworkException => "NETWORK_EXCEPTION",
        ProduceError::OutOfOrderSequence => "OUT_OF_ORDER_SEQUENCE_NUMBER",
        ProduceError::DeliveryTimeout => "delivery.timeout.ms",
        ProduceError::LeaderNotAvailable => "LEADER_NOT_AVAILABLE",
    }
}

fn commit_error(e: CommitError) -> &'static str {
    match e {
        CommitError::IllegalGeneration => "ILLEGAL_GENERATION",
        CommitError::UnknownMember => "UNKNOWN_MEMBER_ID",
        CommitError::RebalanceInProgress => "REBALANCE_IN_PROGRESS",
        CommitError::ProducerFenced => "PRODUCER_FENCED",
    }
}

fn reason(r: &RebalanceReason) -> &'static str {
    match r {
        RebalanceReason::MemberJoined => "a member joined",
        RebalanceReason::MemberLeft => "a member left",
        RebalanceReason::SessionTimeout => "a member's session timed out",
        RebalanceReason::PollTimeout => "a member exceeded max.poll.interval.ms",
        RebalanceReason::CooperativeFollowUp => "the cooperative second round (KIP-429)",
        RebalanceReason::MetadataChanged => "partitions were added",
        RebalanceReason::ProtocolChanged => "a member changed its assignment strategies",
        RebalanceReason::CoordinatorMoved => "the group coordinator moved",
    }
}

fn release(c: ReleaseCause, lock_ms: u64) -> String {
    match c {
        ReleaseCause::Released => "acknowledged RELEASE (not processed, deliver it again)".into(),
        ReleaseCause::Rejected => "acknowledged REJECT (unprocessable)".into(),
        ReleaseCause::LockExpired => format!(
            "held it past its lock (group.share.record.lock.duration.ms={lock_ms}) without acknowledging"
        ),
        ReleaseCause::MemberGone => "left or was fenced, so its locks were released".into(),
    }
}

/// Names and words a case's facts.
pub fn render(case: &Case, names: &dyn Names) -> Explanation {
    let topic = names.topic(case.tp.0);
    let tp_name = format!("{topic}-{}", case.tp.1);
    let (group, producer, share_group) = match case.owner {
        Owner::Group(g) => (names.group(g).map(|c| c.group_id.clone()), None, None),
        Owner::Producer(p) => (None, names.producer(p).map(|c| c.id.clone()), None),
        Owner::ShareGroup(sg) => (None, None, Some(names.share_group(sg).0)),
    };
    let g = match case.owner {
        Owner::Group(g) => Some(g),
        _ => None,
    };
    let cfg = g.and_then(|g| names.group(g));
    let member = |s: u32| g.map_or_else(|| format!("consumer {s}"), |g| names.member(g, s));
    let (sg_name, limit, lock_ms) = match case.owner {
        Owner::ShareGroup(sg) => names.share_group(sg),
        _ => (String::new(), 0, 0),
    };
    let share_member = |s: u32| match case.owner {
        Owner::ShareGroup(sg) => names.share_member(sg, s),
        _ => format!("share consumer {s}"),
    };
    let offsets = case
        .offset
        .map_or_else(|| "records".to_string(), |o| range(o, o + case.records));
    let summary = match case.kind {
        CaseKind::Duplicate => format!(
            "{tp_name} {offsets}: processed again by {} ({})",
            group.as_deref().unwrap_or("?"),
            plural(case.records, "duplicate")
        ),
        CaseKind::Lost => format!(
            "{tp_name}: {} never processed by {}",
            plural(case.records, "record"),
            group.as_deref().unwrap_or("?")
        ),
        CaseKind::AckedLost => format!(
            "{tp_name}: {} acknowledged to {} and lost",
            plural(case.records, "record"),
            producer.as_deref().unwrap_or("?")
        ),
        CaseKind::LogDuplicate => format!(
            "{tp_name} {offsets}: a second copy of {}'s records in the log",
            producer.as_deref().unwrap_or("?")
        ),
        CaseKind::Redelivery => format!("{tp_name} {offsets}: delivered again by {sg_name}"),
        CaseKind::Archived => format!("{tp_name} {offsets}: archived by {sg_name}"),
    };
    let mut steps = Vec::with_capacity(case.facts.len());
    for f in &case.facts {
        let text = match f.what {
            What::Processed {
                member: m,
                first,
                end,
                until_ms,
            } => format!(
                "{} processed {tp_name} {} by {}.",
                member(m),
                range(first, end),
                secs(until_ms)
            ),
            What::Member { member: m, fault } => {
                let who = member(m);
                match fault {
                    Fault::Crashed(p) => {
                        format!("{who} crashed at {}{}.", secs(f.at_ms), crash_point(p))
                    }
                    Fault::Paused => format!("{who}'s poll loop stopped at {}.", secs(f.at_ms)),
                    Fault::Resumed => format!("{who}'s poll loop went on at {}.", secs(f.at_ms)),
                    Fault::PollIntervalExceeded => format!(
                        "{who} did not poll for max.poll.interval.ms={}: its heartbeat thread left the group at {}.",
                        cfg.map_or(0, |c| c.max_poll_interval_ms),
                        secs(f.at_ms)
                    ),
                    Fault::SessionExpired => format!(
                        "session.timeout.ms={} ran out at {}: the coordinator removed {who}.",
                        cfg.map_or(0, |c| c.session_timeout_ms),
                        secs(f.at_ms)
                    ),
                    Fault::Left => {
                        format!("{who} closed and sent LeaveGroup at {}.", secs(f.at_ms))
                    }
                    Fault::PartitionsLost => format!(
                        "{who} lost its partitions at {} without a chance to commit (onPartitionsLost).",
                        secs(f.at_ms)
                    ),
                    Fault::PartitionsRevoked => format!(
                        "{who} gave its partitions up at {} (onPartitionsRevoked).",
                        secs(f.at_ms)
                    ),
                    Fault::CommitRefused(e) => format!(
                        "{who}'s OffsetCommit was refused with {} at {}.",
                        commit_error(e),
                        secs(f.at_ms)
                    ),
                    Fault::Started => format!("{who} started again at {}.", secs(f.at_ms)),
                }
            }
            What::Rebalance {
                ref reason,
                member: m,
            } => format!(
                "A rebalance began at {} because {}{}.",
                secs(f.at_ms),
                self::reason(reason),
                m.map_or_else(String::new, |m| format!(" ({})", member(m)))
            ),
            What::Committed { member: m, offset } => {
                let how = match cfg.map(|c| c.commit) {
                    Some(CommitMode::BeforeProcessing) => " (commit first: before processing)",
                    Some(CommitMode::Auto) => " (enable.auto.commit: the positions it had fetched)",
                    _ => "",
                };
                format!(
                    "{} committed offset {offset} for {tp_name} at {}{how}.",
                    member(m),
                    secs(f.at_ms)
                )
            }
            What::NeverCommitted => format!("No offset had been committed for {tp_name}."),
            What::Assigned {
                member: m,
                generation,
            } => format!(
                "The rebalance at generation {generation} gave {tp_name} to {} at {}.",
                member(m),
                secs(f.at_ms)
            ),
            What::Resumed {
                member: m,
                offset,
                start,
            } => {
                let who = m.map_or_else(|| "The new owner".to_string(), member);
                let reset = cfg.map_or("latest", |c| match c.offset_reset {
                    OffsetReset::Earliest => "earliest",
                    OffsetReset::Latest => "latest",
                });
                match start {
                    Start::Committed => {
                        format!("{who} resumed {tp_name} from the committed offset {offset}.")
                    }
                    Start::NoCommit => format!(
                        "{who} found no committed offset for {tp_name}: auto.offset.reset={reset} started it at {offset}."
                    ),
                    Start::OutOfRange { committed } => format!(
                        "Retention had deleted the committed offset {committed} of {tp_name}: auto.offset.reset={reset} moved {who} to {offset}."
                    ),
                }
            }
            What::ProcessedAgain {
                member: m,
                first,
                records,
            } => format!(
                "{} processed {} again at {} ({}).",
                m.map_or_else(|| "The group".to_string(), member),
                range(first, first + records),
                secs(f.at_ms),
                plural(records, "duplicate")
            ),
            What::Skipped {
                first,
                end,
                records,
            } => format!(
                "{tp_name} {} ({}) will never be processed by {}: its position moved past them at {}.",
                range(first, end),
                plural(records, "record"),
                group.as_deref().unwrap_or("the group"),
                secs(f.at_ms)
            ),
            What::ProducerSettings { acks, idempotent } => {
                let p = producer.as_deref().unwrap_or("the producer");
                let what = match acks {
                    Acks::Zero => "counts a record as done when it leaves, with no answer",
                    Acks::One => "waits for the leader's append only, not for the followers",
                    Acks::All => "waits until every in-sync replica has the records",
                };
                let idem = if idempotent {
                    "enable.idempotence=true"
                } else {
                    "enable.idempotence=false: a retried batch carries nothing the broker can recognise"
                };
                format!("{p} runs with acks={}: it {what}; {idem}.", acks_name(acks))
            }
            What::LeaderWas { broker, epoch } => format!(
                "broker {broker} led {tp_name} (leader epoch {epoch}) and acknowledged the records."
            ),
            What::Broker { broker, fault } => {
                let what = match fault {
                    BrokerFault::Crashed => "crashed",
                    BrokerFault::Restarted => "restarted",
                    BrokerFault::Isolated => "was cut off from the network",
                    BrokerFault::Healed => "was reconnected",
                    BrokerFault::Fenced => {
                        "was fenced by the controller (no heartbeat for broker.session.timeout.ms)"
                    }
                };
                format!("broker {broker} {what} at {}.", secs(f.at_ms))
            }
            What::IsrShrunk { broker, isr_size } => {
                let fenced = case.facts.iter().any(|x| {
                    x.at_ms == f.at_ms
                        && x.what
                            == What::Broker {
                                broker,
                                fault: BrokerFault::Fenced,
                            }
                });
                let why = if fenced {
                    "was fenced"
                } else {
                    "fell behind for replica.lag.time.max.ms"
                };
                format!(
                    "broker {broker} {why} and left {tp_name}'s ISR at {} ({isr_size} in sync).",
                    secs(f.at_ms)
                )
            }
            What::LeaderElected {
                broker,
                epoch,
                unclean,
                log_end,
                truncated,
            } => match broker {
                None => format!(
                    "{tp_name} went offline at {}: no in-sync replica was left to lead it.",
                    secs(f.at_ms)
                ),
                Some(b) => {
                    let how = if unclean {
                        "an out-of-sync replica (unclean.leader.election.enable=true)"
                    } else {
                        "an in-sync replica"
                    };
                    let cut = if truncated > 0 {
                        format!("; the {} above it are gone", plural(truncated, "record"))
                    } else {
                        String::new()
                    };
                    format!(
                        "The controller elected broker {b}, {how}, to lead {tp_name} at {} (epoch {epoch}) with log end {log_end}{cut}.",
                        secs(f.at_ms)
                    )
                }
            },
            What::ReplicaTruncated { broker, from, to } => format!(
                "broker {broker} rejoined as a follower and truncated its {tp_name} log from {from} to {to} at {}.",
                secs(f.at_ms)
            ),
            What::AckedGone {
                first,
                records,
                late,
            } => match first {
                None => format!(
                    "{} sent with acks=0 were never written: no leader received them ({}).",
                    plural(records, "record"),
                    secs(f.at_ms)
                ),
                Some(o) if late => format!(
                    "The acknowledgement for {tp_name} {} arrived at {} after a leader change had already cut them from the log.",
                    range(o, o + records),
                    secs(f.at_ms)
                ),
                Some(o) => format!(
                    "{tp_name} {} were acknowledged and are not in the new leader's log: {} lost.",
                    range(o, o + records),
                    plural(records, "acknowledged record")
                ),
            },
            What::Retried { error } => format!(
                "A batch for {tp_name} failed at {} with {} and was sent again, though the broker had already appended it.",
                secs(f.at_ms),
                produce_error(error)
            ),
            What::WrittenTwice { base, records } => format!(
                "The retry was appended again as {} at {}: the records are in the log twice.",
                range(base, base + records),
                secs(f.at_ms)
            ),
            What::Acquired {
                member: m,
                delivery,
                lock_until_ms,
            } => format!(
                "{} acquired {tp_name} {} at {} (delivery {delivery} of at most {limit}, locked until {}).",
                share_member(m),
                offsets,
                secs(f.at_ms),
                secs(lock_until_ms)
            ),
            What::Released { member: m, cause } => format!(
                "At {} {} {}; the record became AVAILABLE again.",
                secs(f.at_ms),
                share_member(m),
                release(cause, lock_ms)
            ),
            What::ShareMember { member: m, change } => {
                let what = match change {
                    ShareMemberChange::Started => "started",
                    ShareMemberChange::Crashed => "crashed",
                    ShareMemberChange::Paused => "stopped polling",
                    ShareMemberChange::Resumed => "polled again",
                    ShareMemberChange::Left => "left the group",
                    ShareMemberChange::SessionExpired => {
                        "was removed after group.share.session.timeout.ms without heartbeats"
                    }
                };
                format!("{} {what} at {}.", share_member(m), secs(f.at_ms))
            }
            What::ArchivedRecord { cause, delivery } => match cause {
                ReleaseCause::Rejected => format!(
                    "It was archived at {}: a REJECT acknowledgement means never deliver it again.",
                    secs(f.at_ms)
                ),
                _ => format!(
                    "It was archived at {}: delivery {delivery} was its last (group.share.delivery.count.limit={limit}).",
                    secs(f.at_ms)
                ),
            },
        };
        steps.push(Step {
            at_ms: f.at_ms,
            text,
        });
    }
    Explanation {
        kind: case.kind,
        group,
        producer,
        share_group,
        topic,
        partition: case.tp.1,
        offset: case.offset,
        records: case.records,
        at_ms: case.at_ms,
        summary,
        steps,
    }
}
