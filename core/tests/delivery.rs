//! Delivery semantics and the group protocol under failures: every duplicate and every loss
//! accounted for, in virtual time.

mod common;

use common::*;
use mailroom_core::event::{ConsumerState, Event, RebalanceReason};
use mailroom_core::{CrashPoint, Input};
use serde_json::json;

/// One partition, one record every 100 ms, records processed one at a time, so each fault
/// touches exactly one record.
fn single_partition(commit: &str) -> serde_json::Value {
    with(
        base_scenario(),
        json!({
            "topics": [{"partitions": 1}],
            "producers": [{"rate_per_sec": 10}],
            "groups": [{"consumers": 2, "commit": commit, "processing_ms": 5}]
        }),
    )
}

fn owner_of_partition0(run: &Run) -> u32 {
    run.sim.snapshot().groups[0].partitions[0]
        .owner
        .expect("partition 0 owned")
}

#[test]
fn at_least_once_crash_after_processing_before_commit_gives_exactly_one_duplicate() {
    let mut run = Run::new(single_partition("after_processing"));
    run.until(3_000);
    let owner = owner_of_partition0(&run);
    run.apply(Input::CrashConsumer {
        group: 0,
        member: owner,
        at: CrashPoint::AfterProcessing,
    });
    run.until(15_000);
    let st = run.stats(0);
    assert_eq!(st.duplicates, 1, "{st:?}");
    assert_eq!(st.lost, 0, "{st:?}");
    assert!(
        st.processed >= st.produced,
        "everything produced was processed: {st:?}"
    );
}

#[test]
fn at_most_once_crash_after_commit_before_processing_loses_one_record_and_duplicates_none() {
    let mut run = Run::new(single_partition("before_processing"));
    run.until(3_000);
    let owner = owner_of_partition0(&run);
    run.apply(Input::CrashConsumer {
        group: 0,
        member: owner,
        at: CrashPoint::AfterCommit,
    });
    run.until(15_000);
    let st = run.stats(0);
    assert_eq!(st.lost, 1, "{st:?}");
    assert_eq!(st.duplicates, 0, "{st:?}");
    assert_eq!(
        run.count(|e| matches!(e, Event::RecordsLost { count: 1, .. })),
        1
    );
}

#[test]
fn at_least_once_crash_before_processing_neither_loses_nor_duplicates() {
    let mut run = Run::new(single_partition("after_processing"));
    run.until(3_000);
    let owner = owner_of_partition0(&run);
    run.apply(Input::CrashConsumer {
        group: 0,
        member: owner,
        at: CrashPoint::BeforeProcessing,
    });
    run.until(15_000);
    let st = run.stats(0);
    assert_eq!((st.duplicates, st.lost), (0, 0), "{st:?}");
}

fn exactly_once() -> serde_json::Value {
    json!({
        "seed": 3,
        "duration_ms": 30000,
        "topics": [{"name": "payments", "partitions": 2}, {"name": "ledger", "partitions": 2}],
        "producers": [{"id": "api", "topic": "payments", "rate_per_sec": 20,
                        "keys": {"mode": "entity", "prefix": "account", "count": 10}}],
        "groups": [
            {"group.id": "transformer", "topics": ["payments"], "consumers": 2, "commit": "transactional",
             "output_topic": "ledger", "isolation.level": "read_committed",
             "partition.assignment.strategy": ["range"], "group.initial.rebalance.delay.ms": 0,
             "session.timeout.ms": 3000, "heartbeat.interval.ms": 500, "transaction.timeout.ms": 4000,
             "max.poll.records": 3, "processing_ms": 10},
            {"group.id": "auditor", "topics": ["ledger"], "consumers": 1, "isolation.level": "read_committed",
             "group.initial.rebalance.delay.ms": 0, "session.timeout.ms": 3000, "heartbeat.interval.ms": 500}
        ]
    })
}

#[test]
fn exactly_once_crash_inside_a_transaction_neither_duplicates_nor_loses() {
    let mut run = Run::new(exactly_once());
    run.until(3_000);
    run.apply(Input::CrashConsumer {
        group: 0,
        member: 0,
        at: CrashPoint::InTransaction,
    });
    run.until(20_000);
    run.apply(Input::SetProducerRate {
        producer: 0,
        rate_per_sec: 0.0,
    });
    run.until(30_000);
    assert!(
        run.count(|e| matches!(e, Event::TransactionAborted { .. })) >= 1,
        "the crashed transaction was aborted"
    );
    let st = run.sim.stats();
    let (t, a) = (&st[0], &st[1]);
    assert_eq!((t.duplicates, t.lost), (0, 0), "transformer: {t:?}");
    assert_eq!(
        t.processed, t.produced,
        "transformer processed every input once: {t:?}"
    );
    // The downstream read_committed reader sees exactly one output per input.
    assert_eq!((a.duplicates, a.lost), (0, 0), "auditor: {a:?}");
    assert_eq!(
        a.processed, t.produced,
        "auditor saw each transformed record once: {a:?}"
    );
}

#[test]
fn read_committed_never_reads_past_the_last_stable_offset() {
    let mut run = Run::new(exactly_once());
    run.stepping(10_000, 7, |sim| {
        let snap = sim.snapshot();
        for p in &snap.groups[1].partitions {
            if let Some(pos) = p.position {
                let lso = snap.topics[1].partitions[p.partition as usize].last_stable_offset;
                assert!(
                    pos <= lso,
                    "auditor position {pos} beyond LSO {lso} at {}",
                    snap.now_ms
                );
            }
        }
    });
}

fn rebalance_scenario(strategy: &str) -> serde_json::Value {
    with(
        base_scenario(),
        json!({
            "topics": [{"partitions": 6}],
            "producers": [{"rate_per_sec": 200}],
            "groups": [{"consumers": 3, "partition.assignment.strategy": [strategy],
                        "max.poll.records": 5, "processing_ms": 2,
                        "session.timeout.ms": 3000, "heartbeat.interval.ms": 500}]
        }),
    )
}

/// Partitions processed by member `m` in the window `(from, to)`.
fn processed_in(run: &Run, from: u64, to: u64) -> Vec<(u32, u32)> {
    let mut v: Vec<(u32, u32)> = run
        .events()
        .filter(|e| e.at_ms > from && e.at_ms < to)
        .filter_map(|e| match e.event {
            Event::RecordsProcessed {
                topic, partition, ..
            } => Some((topic, partition)),
            _ => None,
        })
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The window between a rebalance caused by a joining member and the group's next Stable.
fn rebalance_window(run: &Run, after: u64) -> (u64, u64) {
    let start = run
        .events()
        .find(|e| {
            e.at_ms >= after
                && matches!(
                    e.event,
                    Event::RebalanceStarted {
                        reason: RebalanceReason::MemberJoined,
                        ..
                    }
                )
        })
        .expect("rebalance started")
        .at_ms;
    let end = run
        .events()
        .filter(|e| e.at_ms > start)
        .filter(|e| matches!(e.event, Event::PartitionsAssigned { .. }))
        .map(|e| e.at_ms)
        .last()
        .expect("assigned");
    (start, end)
}

#[test]
fn eager_rebalance_stops_all_processing_until_the_new_assignment() {
    let mut run = Run::new(rebalance_scenario("range"));
    run.until(5_000).apply(Input::AddConsumer { group: 0 });
    run.until(8_000);
    // From the moment every member has revoked (eager) until assignments arrive, nothing is
    // processed by anyone.
    let (start, _) = rebalance_window(&run, 5_000);
    let last_revoke = run
        .events()
        .filter(|e| e.at_ms >= start && matches!(e.event, Event::PartitionsRevoked { .. }))
        .map(|e| e.at_ms)
        .max()
        .expect("eager members revoke");
    let first_assign = run
        .events()
        .filter(|e| e.at_ms >= last_revoke && matches!(e.event, Event::PartitionsAssigned { .. }))
        .map(|e| e.at_ms)
        .min()
        .expect("assigned again");
    assert!(first_assign > last_revoke);
    assert!(
        processed_in(&run, last_revoke, first_assign).is_empty(),
        "processing during an eager rebalance"
    );
    // Every partition saw downtime.
    let snap = run.sim.snapshot();
    assert!(snap.groups[0].partitions.iter().all(|p| p.downtime_ms > 0));
    assert!(
        run.count(|e| matches!(e, Event::PartitionsRevoked { .. })) >= 3,
        "every member revoked"
    );
}

#[test]
fn cooperative_rebalance_keeps_unmoved_partitions_flowing() {
    let mut run = Run::new(rebalance_scenario("cooperative-sticky"));
    run.until(5_000);
    let before = run.sim.snapshot();
    run.apply(Input::AddConsumer { group: 0 });
    run.until(8_000);
    let after = run.sim.snapshot();
    let (start, end) = rebalance_window(&run, 5_000);
    // Two rounds: the first revokes only what moves, a follow-up hands it over.
    assert!(
        run.count(|e| matches!(
            e,
            Event::RebalanceStarted {
                reason: RebalanceReason::CooperativeFollowUp,
                ..
            }
        )) >= 1
    );
    let moved: Vec<(u32, u32)> = after.groups[0]
        .partitions
        .iter()
        .filter(|p| before.groups[0].partitions[p.partition as usize].owner != p.owner)
        .map(|p| (p.topic, p.partition))
        .collect();
    assert!(
        !moved.is_empty() && moved.len() <= 2,
        "cooperative-sticky moves few partitions: {moved:?}"
    );
    let flowing = processed_in(&run, start, end);
    for p in &after.groups[0].partitions {
        let tp = (p.topic, p.partition);
        if !moved.contains(&tp) {
            assert!(
                flowing.contains(&tp),
                "unmoved partition {tp:?} stopped during the cooperative rebalance"
            );
            assert_eq!(
                p.downtime_ms,
                before.groups[0].partitions[p.partition as usize].downtime_ms
            );
        }
    }
}

#[test]
fn default_strategy_list_rebalances_eagerly_with_range() {
    let s = with(
        base_scenario(),
        json!({"groups": [{"partition.assignment.strategy": ["range", "cooperative-sticky"]}]}),
    );
    let mut run = Run::new(s);
    run.until(3_000);
    let snap = run.sim.snapshot();
    assert_eq!(
        snap.groups[0].strategy,
        Some(mailroom_core::assignor::Strategy::Range)
    );
    assert!(!snap.groups[0].cooperative);
    // Reconfigured to cooperative-sticky only, the group switches strategy.
    run.apply(Input::SetStrategy {
        group: 0,
        strategies: vec![mailroom_core::assignor::Strategy::CooperativeSticky],
    });
    run.until(6_000);
    let snap = run.sim.snapshot();
    assert_eq!(
        snap.groups[0].strategy,
        Some(mailroom_core::assignor::Strategy::CooperativeSticky)
    );
    assert!(snap.groups[0].cooperative);
}

#[test]
fn static_member_restarting_within_the_session_timeout_gets_its_partitions_back_without_a_rebalance(
) {
    let s = with(
        base_scenario(),
        json!({"groups": [{"static_membership": true, "session.timeout.ms": 5000}]}),
    );
    let mut run = Run::new(s);
    run.until(3_000);
    let before = run.sim.snapshot().groups[0].members[1].assigned.clone();
    let rebalances = run.stats(0).rebalances;
    run.apply(Input::CrashConsumer {
        group: 0,
        member: 1,
        at: CrashPoint::Now,
    });
    run.until(4_000).apply(Input::RestartConsumer {
        group: 0,
        member: 1,
    });
    run.until(12_000);
    assert_eq!(
        run.stats(0).rebalances,
        rebalances,
        "no rebalance for a static member back in time"
    );
    assert_eq!(
        run.count(|e| matches!(e, Event::StaticMemberRejoined { member: 1, .. })),
        1
    );
    assert_eq!(run.sim.snapshot().groups[0].members[1].assigned, before);
    assert_eq!(run.stats(0).lost, 0);
}

#[test]
fn static_member_back_too_late_is_replaced_by_a_rebalance() {
    let s = with(
        base_scenario(),
        json!({"groups": [{"static_membership": true, "session.timeout.ms": 2000, "heartbeat.interval.ms": 500}]}),
    );
    let mut run = Run::new(s);
    run.until(3_000);
    let rebalances = run.stats(0).rebalances;
    run.apply(Input::CrashConsumer {
        group: 0,
        member: 1,
        at: CrashPoint::Now,
    });
    run.until(7_000).apply(Input::RestartConsumer {
        group: 0,
        member: 1,
    });
    run.until(12_000);
    assert!(
        run.stats(0).rebalances >= rebalances + 2,
        "expiry and rejoin each rebalance"
    );
}

#[test]
fn slow_consumer_is_expelled_after_max_poll_interval_and_its_late_commit_fails() {
    let s = with(
        base_scenario(),
        json!({"groups": [{"max.poll.interval.ms": 2000, "session.timeout.ms": 10000, "heartbeat.interval.ms": 500}]}),
    );
    let mut run = Run::new(s);
    run.until(3_000);
    run.apply(Input::PauseConsumer {
        group: 0,
        member: 0,
    });
    run.until(7_000);
    assert_eq!(
        run.count(|e| matches!(e, Event::PollIntervalExceeded { member: 0, .. })),
        1
    );
    // The other member took over everything meanwhile.
    let snap = run.sim.snapshot();
    assert!(
        snap.groups[0].partitions.iter().all(|p| p.owner == Some(1)),
        "{:?}",
        snap.groups[0].partitions
    );
    run.apply(Input::ResumeConsumer {
        group: 0,
        member: 0,
    });
    run.until(12_000);
    assert!(
        run.count(|e| matches!(e, Event::CommitFailed { member: 0, .. })) >= 1,
        "the zombie's commit is refused"
    );
    assert!(run.count(|e| matches!(e, Event::PartitionsLost { member: 0, .. })) >= 1);
    assert_eq!(run.stats(0).lost, 0);
    assert_assert_rejoined(&run);
}

fn assert_assert_rejoined(run: &Run) {
    let snap = run.sim.snapshot();
    assert_ne!(snap.groups[0].members[0].state, ConsumerState::Paused);
    assert!(
        snap.groups[0].members[0].generation >= 0,
        "the expelled member rejoined"
    );
}

#[test]
fn auto_commit_crash_redelivers_what_was_processed_since_the_last_auto_commit() {
    let s = with(
        base_scenario(),
        json!({"topics": [{"partitions": 1}], "producers": [{"rate_per_sec": 10}],
               "groups": [{"commit": "auto", "auto.commit.interval.ms": 5000, "processing_ms": 5}]}),
    );
    let mut run = Run::new(s);
    run.until(9_000);
    let owner = owner_of_partition0(&run);
    run.apply(Input::CrashConsumer {
        group: 0,
        member: owner,
        at: CrashPoint::Now,
    });
    run.until(20_000);
    let st = run.stats(0);
    assert_eq!(st.lost, 0);
    assert!(
        st.duplicates >= 5 && st.duplicates <= 51,
        "up to an interval's worth of duplicates, got {}",
        st.duplicates
    );
}

#[test]
fn graceful_leave_rebalances_at_once_without_waiting_for_the_session_timeout() {
    let s = with(
        base_scenario(),
        json!({"groups": [{"session.timeout.ms": 10000, "heartbeat.interval.ms": 1000}]}),
    );
    let mut run = Run::new(s);
    run.until(3_000).apply(Input::LeaveGroup {
        group: 0,
        member: 1,
    });
    run.until(4_000);
    let left = run
        .first_at(|e| matches!(e, Event::ConsumerLeft { member: 1, .. }))
        .expect("left");
    let reb = run
        .first_at(|e| {
            matches!(
                e,
                Event::RebalanceStarted {
                    reason: RebalanceReason::MemberLeft,
                    ..
                }
            )
        })
        .expect("rebalanced on leave");
    assert!(reb - left < 100);
    assert_eq!(run.stats(0).duplicates, 0);
}

#[test]
fn committed_offsets_never_move_backwards() {
    let s = with(
        base_scenario(),
        json!({"inputs": [
            {"at_ms": 2000, "input": {"type": "CrashConsumer", "group": 0, "member": 0, "at": "after_processing"}},
            {"at_ms": 6000, "input": {"type": "RestartConsumer", "group": 0, "member": 0}},
            {"at_ms": 8000, "input": {"type": "AddConsumer", "group": 0}}
        ]}),
    );
    let mut run = Run::new(s);
    run.until(15_000);
    let mut last = std::collections::BTreeMap::new();
    for e in run.events() {
        if let Event::OffsetCommitted {
            topic,
            partition,
            offset,
            ..
        } = e.event
        {
            let prev = last.insert((topic, partition), offset).unwrap_or(0);
            assert!(
                offset >= prev,
                "commit for {topic}/{partition} went back from {prev} to {offset} at {}",
                e.at_ms
            );
        }
    }
}

#[test]
fn adding_partitions_remaps_keys_and_rebalances() {
    let mut run = Run::new(base_scenario());
    run.until(3_000).apply(Input::AddPartitions {
        topic: 0,
        partitions: 6,
    });
    run.until(6_000);
    assert_eq!(
        run.count(|e| matches!(
            e,
            Event::RebalanceStarted {
                reason: RebalanceReason::MetadataChanged,
                ..
            }
        )),
        1
    );
    let snap = run.sim.snapshot();
    assert_eq!(snap.groups[0].partitions.len(), 6);
    assert!(snap.groups[0].partitions.iter().all(|p| p.owner.is_some()));
    assert!(
        snap.topics[0].partitions[5].log_end_offset > 0,
        "new partitions receive remapped keys"
    );
}

#[test]
fn static_leader_returning_after_partitions_were_added_triggers_the_rebalance_it_missed() {
    // The leader is the one that notices metadata changes; while it is down, a static
    // restart would otherwise resume the old assignment and leave the new partitions unowned.
    let s = with(
        base_scenario(),
        json!({"groups": [{"static_membership": true, "consumers": 1, "session.timeout.ms": 6000}]}),
    );
    let mut run = Run::new(s);
    run.until(3_000).apply(Input::LeaveGroup {
        group: 0,
        member: 0,
    });
    run.until(3_500).apply(Input::AddPartitions {
        topic: 0,
        partitions: 6,
    });
    run.until(4_000).apply(Input::RestartConsumer {
        group: 0,
        member: 0,
    });
    run.until(8_000);
    let snap = run.sim.snapshot();
    assert!(
        snap.groups[0].partitions.iter().all(|p| p.owner == Some(0)),
        "{:?}",
        snap.groups[0].partitions
    );
}

#[test]
fn at_most_once_loss_at_a_partition_end_is_counted_when_the_new_owner_starts() {
    // No later record arrives to reveal the gap: the loss is known when the successor starts.
    let s = with(
        single_partition("before_processing"),
        json!({"producers": [{"max_records": 25}]}),
    );
    let mut run = Run::new(s);
    run.until(2_450);
    let owner = owner_of_partition0(&run);
    run.apply(Input::CrashConsumer {
        group: 0,
        member: owner,
        at: CrashPoint::AfterCommit,
    });
    run.until(10_000);
    let st = run.stats(0);
    assert_eq!((st.produced, st.lost, st.duplicates), (25, 1, 0), "{st:?}");
}

#[test]
fn strategy_change_during_a_join_still_takes_effect() {
    // The members' JoinGroup is in flight when the strategy changes: they must join again.
    let s = with(
        base_scenario(),
        json!({"groups": [{"group.initial.rebalance.delay.ms": 3000}]}),
    );
    let mut run = Run::new(s);
    run.until(1_000).apply(Input::SetStrategy {
        group: 0,
        strategies: vec![mailroom_core::assignor::Strategy::RoundRobin],
    });
    run.until(5_000);
    let snap = run.sim.snapshot();
    assert_eq!(
        snap.groups[0].strategy,
        Some(mailroom_core::assignor::Strategy::RoundRobin)
    );
    assert_eq!(
        snap.groups[0].state,
        mailroom_core::event::GroupState::Stable
    );
}
