//! The checker: runs one scenario step by step (every instant the model acts) and checks
//! Kafka's guarantees on the event stream `Sim` drains and on its state accessors.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use mailroom_core::event::{Event, ProduceError, RequestKind};
use mailroom_core::scenario::Acks;
use mailroom_core::{EventHasher, Sim};

/// The guarantees the soak checks, each after the Kafka guarantee it stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Invariant {
    /// Classic group protocol: among the live members of a group's current generation, a
    /// partition has at most one owner (the group coordinator hands each partition to one
    /// member per generation; a fenced generation's commits are refused).
    OneOwnerClassic,
    /// Consumer group protocol (KIP-848): at most one member owns a partition at any moment —
    /// a partition is given to its new owner only after its previous owner revoked it
    /// (`CurrentAssignmentBuilder`, "unreleased partitions").
    OneOwnerConsumerProtocol,
    /// Share groups (KIP-932): a record is acquired by at most one share consumer at a time;
    /// nobody acquires a record while another member's lock on it holds.
    ShareLockExclusive,
    /// Share groups (KIP-932): a record is delivered at most
    /// `group.share.delivery.count.limit` times; then it is archived.
    ShareDeliveryLimit,
    /// Durability: with `acks=all`, `min.insync.replicas` ≥ 2 and no unclean leader election,
    /// no acknowledged record is lost (no `AckedRecordsLost`), whatever brokers crash, are cut
    /// off or lag.
    NoAckedLoss,
    /// Idempotent producer (KIP-98): the log never holds a record of it twice (no
    /// `RecordsWrittenTwice`) — except where Kafka's own client can: more than one request in
    /// flight and an `OUT_OF_ORDER_SEQUENCE_NUMBER` retry that bumped the epoch (KIP-360; see
    /// `core/tests/replication_invariants.rs` `duplicates_allowed`).
    IdempotentNoDuplicates,
    /// Idempotent producer (KIP-98): records of one partition are appended in the order they
    /// were sent (no `RecordsReordered`).
    IdempotentNoReordering,
    /// Committed offsets of a group's partition never move backwards (`OffsetCommit` stores
    /// the next position; no input of the model resets offsets) — unless an unclean leader
    /// election truncated records away, where Kafka itself makes no promise.
    CommittedNeverBackwards,
    /// Determinism: the same scenario (seed and scheduled inputs) replays to the identical
    /// event stream (`EventHasher`).
    Deterministic,
    /// The model never panics on a valid scenario ("a panic is a bug", the core's contract).
    NoPanic,
    /// The decoders (`Scenario` parse, `Sim::new`, input decoding) answer any text with `Ok`
    /// or a clean `Err`, never a panic (the fuzz pass).
    DecodersNeverPanic,
    /// Simulated time advances: no instant takes more than [`INSTANT_STEPS_MAX`] model steps.
    /// In Kafka every request takes time, so a client that retries on each answer cannot spin
    /// without the clock moving; a model that does (soak seed 92311's transactional member,
    /// refused with REBALANCE_IN_PROGRESS and retrying within one millisecond) never finishes
    /// and grows until memory runs out. Checked with a step budget, so it is reported and
    /// shrunk like any other violation instead of stalling the soak.
    TimeAdvances,
}

/// Model steps one simulated instant may take before [`Invariant::TimeAdvances`] fails. The
/// soak's heaviest schedules take a few thousand steps in their busiest millisecond.
pub const INSTANT_STEPS_MAX: u64 = 2_000_000;

impl Invariant {
    /// Every invariant, in report order.
    pub const ALL: [Invariant; 12] = [
        Invariant::OneOwnerClassic,
        Invariant::OneOwnerConsumerProtocol,
        Invariant::ShareLockExclusive,
        Invariant::ShareDeliveryLimit,
        Invariant::NoAckedLoss,
        Invariant::IdempotentNoDuplicates,
        Invariant::IdempotentNoReordering,
        Invariant::CommittedNeverBackwards,
        Invariant::Deterministic,
        Invariant::NoPanic,
        Invariant::DecodersNeverPanic,
        Invariant::TimeAdvances,
    ];

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Invariant::OneOwnerClassic => "one-owner-classic",
            Invariant::OneOwnerConsumerProtocol => "one-owner-consumer-protocol",
            Invariant::ShareLockExclusive => "share-lock-exclusive",
            Invariant::ShareDeliveryLimit => "share-delivery-limit",
            Invariant::NoAckedLoss => "no-acked-loss",
            Invariant::IdempotentNoDuplicates => "idempotent-no-duplicates",
            Invariant::IdempotentNoReordering => "idempotent-no-reordering",
            Invariant::CommittedNeverBackwards => "committed-never-backwards",
            Invariant::Deterministic => "deterministic",
            Invariant::NoPanic => "no-panic",
            Invariant::DecodersNeverPanic => "decoders-never-panic",
            Invariant::TimeAdvances => "time-advances",
        }
    }

    /// The invariant named `name`.
    pub fn from_name(name: &str) -> Option<Invariant> {
        Invariant::ALL.into_iter().find(|i| i.name() == name)
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A broken guarantee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Which.
    pub invariant: Invariant,
    /// Simulated time it was seen.
    pub at_ms: u64,
    /// What exactly.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at {} ms: {}",
            self.invariant, self.at_ms, self.detail
        )
    }
}

/// How the checker is run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Run the scenario a second time and compare the event hash.
    pub determinism: bool,
    /// Apply [`Invariant::NoAckedLoss`] to *every* producer (acks 0/1, unclean election and
    /// min.insync 1 included): a rule known to be false, to prove the soak detects and shrinks
    /// a violation. Tests only.
    pub wrong_acked_rule: bool,
    /// Overrides [`INSTANT_STEPS_MAX`] when non-zero (tests: a tiny budget makes any busy
    /// instant a [`Invariant::TimeAdvances`] violation, to prove it is caught and shrunk).
    pub instant_steps_max: u64,
}

/// What one schedule showed.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The first broken guarantee, if any.
    pub violation: Option<Violation>,
    /// Invariants that had something to check in this schedule.
    pub exercised: BTreeSet<Invariant>,
    /// Things that happened (fault kinds from the events, elections, …), for coverage.
    pub happened: BTreeSet<String>,
    /// The event stream's hash.
    pub hash: String,
    /// Events.
    pub events: u64,
    /// Simulated ms run.
    pub sim_ms: u64,
}

/// Per-producer facts from the scenario.
struct ProducerRule {
    /// [`Invariant::NoAckedLoss`] applies.
    durable: bool,
    idempotent: bool,
    max_in_flight: u32,
}

/// Runs `json` to its `duration_ms`, checking every invariant; a panic of the model is a
/// [`Invariant::NoPanic`] violation. `Err` when the scenario does not load.
pub fn check(json: &str, opts: Options) -> Result<Report, String> {
    let sim = Sim::from_json(json).map_err(|e| e.to_string())?;
    let first = catch_unwind(AssertUnwindSafe(|| run(sim, opts)));
    let mut report = match first {
        Ok(r) => r,
        Err(p) => {
            return Ok(Report {
                violation: Some(Violation {
                    invariant: Invariant::NoPanic,
                    at_ms: 0,
                    detail: panic_message(&p),
                }),
                ..Report::default()
            })
        }
    };
    if opts.determinism && report.violation.is_none() {
        let again = catch_unwind(AssertUnwindSafe(|| {
            let mut sim = Sim::from_json(json).expect("loaded once");
            let end = sim.scenario().duration_ms;
            let mut h = EventHasher::default();
            sim.advance(end);
            sim.drain_events().iter().for_each(|e| h.add(e));
            h.hex()
        }));
        report.exercised.insert(Invariant::Deterministic);
        match again {
            Ok(h) if h == report.hash => {}
            Ok(h) => {
                report.violation = Some(Violation {
                    invariant: Invariant::Deterministic,
                    at_ms: report.sim_ms,
                    detail: format!("event hash {} then {h}", report.hash),
                })
            }
            Err(p) => {
                report.violation = Some(Violation {
                    invariant: Invariant::NoPanic,
                    at_ms: 0,
                    detail: format!("on replay: {}", panic_message(&p)),
                })
            }
        }
    }
    Ok(report)
}

/// A panic payload as text.
pub fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into())
}

fn run(mut sim: Sim, opts: Options) -> Report {
    let sc = sim.scenario().clone();
    let end = sc.duration_ms;
    let rules: Vec<ProducerRule> = sc
        .producers
        .iter()
        .map(|p| {
            let t = sc.topics.iter().find(|t| t.name == p.topic);
            let min_isr = t.map_or(1, |t| t.min_insync_replicas);
            ProducerRule {
                durable: opts.wrong_acked_rule
                    || (p.acks == Acks::All && min_isr >= 2 && !sc.unclean_leader_election_enable),
                idempotent: p.idempotent(),
                max_in_flight: p.max_in_flight,
            }
        })
        .collect();
    let limits: Vec<u16> = sc
        .share_groups
        .iter()
        .map(|g| g.delivery_count_limit as u16)
        .collect();
    let consumer_protocol: Vec<bool> = sc
        .groups
        .iter()
        .map(|g| g.group_protocol == mailroom_core::group_protocols::GroupProtocol::Consumer)
        .collect();
    let mut report = Report::default();
    let mut hasher = EventHasher::default();
    let mut committed: BTreeMap<(u32, u32, u32), u64> = BTreeMap::new();
    // (share group, topic, partition, offset) → holding member.
    let mut holder: BTreeMap<(u32, u32, u32, u64), u32> = BTreeMap::new();
    let mut out_of_order = vec![0u32; rules.len()];
    let mut unclean_truncated: BTreeSet<(u32, u32)> = BTreeSet::new();
    let mut broker_fault = false;
    let mut retried = vec![false; rules.len()];
    let fail = |report: &mut Report, invariant, at_ms, detail: String| {
        if report.violation.is_none() {
            report.violation = Some(Violation {
                invariant,
                at_ms,
                detail,
            });
        }
    };
    let instant_budget = match opts.instant_steps_max {
        0 => INSTANT_STEPS_MAX,
        n => n,
    };
    // Every run is bounded per instant, whatever else it exercises.
    report.exercised.insert(Invariant::TimeAdvances);
    let mut events = Vec::new();
    loop {
        let t = match sim.next_deadline_ms() {
            Some(d) if d <= end => d,
            _ => end,
        };
        // `t` is the next instant anything is due (or the end), so every step of this call is
        // taken at `t`: running out of budget means time stopped.
        if !sim.advance_bounded(t, instant_budget) {
            fail(
                &mut report,
                Invariant::TimeAdvances,
                t,
                format!(
                    "simulated time stopped at {t} ms: {instant_budget} model steps in one instant"
                ),
            );
        }
        sim.drain_events_into(&mut events);
        let mut group_change = false;
        for e in &events {
            hasher.add(e);
            let at = e.at_ms;
            match &e.event {
                Event::OffsetCommitted {
                    group,
                    topic,
                    partition,
                    offset,
                    ..
                } => {
                    report.exercised.insert(Invariant::CommittedNeverBackwards);
                    let prev = committed.insert((*group, *topic, *partition), *offset);
                    if let Some(prev) = prev.filter(|&p| p > *offset) {
                        if !unclean_truncated.contains(&(*topic, *partition)) {
                            fail(
                                &mut report,
                                Invariant::CommittedNeverBackwards,
                                at,
                                format!("group {group} committed offset of topic {topic} partition {partition} moved back from {prev} to {offset}"),
                            );
                        }
                    }
                }
                Event::ShareRecordAcquired {
                    share_group,
                    member,
                    topic,
                    partition,
                    offset,
                    delivery_count,
                    ..
                } => {
                    report.exercised.insert(Invariant::ShareLockExclusive);
                    if let Some(h) =
                        holder.insert((*share_group, *topic, *partition, *offset), *member)
                    {
                        fail(
                            &mut report,
                            Invariant::ShareLockExclusive,
                            at,
                            format!("share group {share_group}: topic {topic} partition {partition} offset {offset} acquired by member {member} while member {h} holds its lock"),
                        );
                    }
                    if *delivery_count >= 2 {
                        report.exercised.insert(Invariant::ShareDeliveryLimit);
                        report.happened.insert("share redelivery".into());
                    }
                    let limit = limits[*share_group as usize];
                    if *delivery_count > limit {
                        fail(
                            &mut report,
                            Invariant::ShareDeliveryLimit,
                            at,
                            format!("share group {share_group}: topic {topic} partition {partition} offset {offset} delivered {delivery_count} times, limit {limit}"),
                        );
                    }
                }
                Event::ShareRecordAcknowledged {
                    share_group,
                    topic,
                    partition,
                    offset,
                    ..
                }
                | Event::ShareRecordReleased {
                    share_group,
                    topic,
                    partition,
                    offset,
                    ..
                } => {
                    holder.remove(&(*share_group, *topic, *partition, *offset));
                }
                Event::ShareRecordArchived {
                    share_group,
                    topic,
                    partition,
                    offset,
                    ..
                } => {
                    report.happened.insert("share record archived".into());
                    holder.remove(&(*share_group, *topic, *partition, *offset));
                }
                Event::AckedRecordsLost {
                    producer,
                    topic,
                    partition,
                    count,
                    ..
                } => {
                    report.happened.insert("acked records lost".into());
                    if rules[*producer as usize].durable {
                        fail(
                            &mut report,
                            Invariant::NoAckedLoss,
                            at,
                            format!("producer {producer}: {count} acknowledged records of topic {topic} partition {partition} lost"),
                        );
                    }
                }
                Event::RecordsWrittenTwice {
                    producer,
                    topic,
                    partition,
                    base_offset,
                    count,
                } => {
                    report.happened.insert("records written twice".into());
                    let r = &rules[*producer as usize];
                    let allowed = r.max_in_flight > 1 && out_of_order[*producer as usize] > 0;
                    if r.idempotent && !allowed {
                        fail(
                            &mut report,
                            Invariant::IdempotentNoDuplicates,
                            at,
                            format!("idempotent producer {producer}: {count} records of topic {topic} partition {partition} written twice at {base_offset}"),
                        );
                    }
                }
                Event::RecordsReordered {
                    producer,
                    topic,
                    partition,
                    base_offset,
                    count,
                } => {
                    report.happened.insert("records reordered".into());
                    if rules[*producer as usize].idempotent {
                        fail(
                            &mut report,
                            Invariant::IdempotentNoReordering,
                            at,
                            format!("idempotent producer {producer}: {count} records of topic {topic} partition {partition} appended out of order at {base_offset}"),
                        );
                    }
                }
                Event::ProduceRetried {
                    producer, error, ..
                } => {
                    retried[*producer as usize] = true;
                    if *error == ProduceError::OutOfOrderSequence {
                        out_of_order[*producer as usize] += 1;
                        report.happened.insert("OUT_OF_ORDER_SEQUENCE retry".into());
                    }
                }
                Event::LeaderElected {
                    topic,
                    partition,
                    unclean,
                    truncated,
                    ..
                } => {
                    group_change = true;
                    report.happened.insert("leader elected".into());
                    if *unclean {
                        report.happened.insert("unclean leader election".into());
                        if *truncated > 0 {
                            unclean_truncated.insert((*topic, *partition));
                        }
                    }
                }
                Event::BrokerCrashed { .. } | Event::BrokerIsolated { .. } => {
                    broker_fault = true;
                    group_change = true;
                }
                Event::InputRejected { .. } => {
                    report.happened.insert("input rejected".into());
                }
                // Group-protocol traffic that comes with a change of a member's generation (a
                // JoinGroup answer is followed by a SyncGroup, a failed one by a new JoinGroup):
                // the owners are looked at after it too.
                Event::RequestSent {
                    kind: RequestKind::Join | RequestKind::Sync | RequestKind::Leave,
                    ..
                } => group_change = true,
                other => {
                    if !other.is_traffic() {
                        group_change = true;
                        if let Some(name) = story_name(other) {
                            report.happened.insert(name.into());
                        }
                    }
                }
            }
        }
        events.clear();
        // One owner per partition, at every instant the group state may have changed (any
        // story event: joins, syncs, revocations, reconciliations, crashes, …).
        if group_change || t == end {
            for (g, &kip848) in consumer_protocol.iter().enumerate() {
                let inv = if kip848 {
                    Invariant::OneOwnerConsumerProtocol
                } else {
                    Invariant::OneOwnerClassic
                };
                for (tp, owners) in sim.owners(g as u32) {
                    if !owners.is_empty() {
                        report.exercised.insert(inv);
                    }
                    if owners.len() > 1 {
                        fail(
                            &mut report,
                            inv,
                            t,
                            format!(
                                "group {g}: topic {} partition {} owned by members {owners:?}",
                                tp.0, tp.1
                            ),
                        );
                    }
                }
            }
        }
        if report.violation.is_some() || t >= end {
            break;
        }
    }
    for (i, r) in rules.iter().enumerate() {
        if r.durable && broker_fault {
            report.exercised.insert(Invariant::NoAckedLoss);
        }
        if r.idempotent && retried[i] {
            report.exercised.insert(Invariant::IdempotentNoDuplicates);
            report.exercised.insert(Invariant::IdempotentNoReordering);
        }
    }
    report.hash = hasher.hex();
    report.events = hasher.count();
    report.sim_ms = sim.now_ms();
    report
}

/// A coverage label for the story events worth counting.
fn story_name(e: &Event) -> Option<&'static str> {
    Some(match e {
        Event::BrokerFenced { .. } => "broker fenced",
        Event::IsrShrunk { .. } => "ISR shrunk",
        Event::IsrExpanded { .. } => "ISR expanded",
        Event::ReplicaTruncated { .. } => "replica truncated",
        Event::CoordinatorMoved { .. } => "coordinator moved",
        Event::SessionExpired { .. } => "session expired",
        Event::PollIntervalExceeded { .. } => "poll interval exceeded",
        Event::StaticMemberRejoined { .. } => "static member rejoined",
        Event::TransactionAborted { .. } => "transaction aborted",
        Event::TransactionCommitted { .. } => "transaction committed",
        Event::CommitFailed { .. } => "commit failed",
        Event::PartitionsLost { .. } => "partitions lost",
        Event::RecordsLost { .. } => "group records lost",
        Event::DuplicatesProcessed { .. } => "duplicates processed",
        Event::ProduceFailed { .. } => "produce failed",
        Event::MemberReconciled { .. } => "KIP-848 reconciliation",
        Event::ShareAckRefused { .. } => "share ack refused",
        Event::ShareRecordsLost { .. } => "share records lost",
        _ => return None,
    })
}
