//! Kafka's own `SharePartitionTest` (Kafka commit `1eb7644`, `core/src/test/java/kafka/server/
//! share/SharePartitionTest.java`) replayed against Mailroom's [`SharePartition`]. Kafka's
//! `SharePartition` is bound to the broker (persister, replica manager, timer), so instead of
//! generated vectors these are its unit tests transcribed: each test names the Kafka test it
//! comes from. Kafka's `endOffset()` is the last in-flight offset; Mailroom's [`SharePartition::speo`]
//! is one past it. Acknowledge type bytes in Kafka's tests: 1 = ACCEPT, 2 = RELEASE, 3 = REJECT.
//! The test builder's defaults: 5 deliveries, 200 records in flight, 30 s locks.

use mailroom_core::share::{AckType, Acquired, RecordState, ShareLimits, SharePartition};

const MEMBER: (u32, u32) = (0, 0);

fn partition(lock_ms: u64, delivery_limit: u16) -> SharePartition {
    SharePartition::new(ShareLimits {
        lock_ms,
        delivery_limit,
        max_in_flight: 200,
    })
}

fn acquire(sp: &mut SharePartition, now: u64, max: u32, log_end: u64) -> Vec<Acquired> {
    let mut out = Vec::new();
    sp.acquire(MEMBER, now, max, log_end, &mut out);
    out
}

fn ack(sp: &mut SharePartition, from: u64, to_inclusive: u64, t: AckType) {
    for o in from..=to_inclusive {
        sp.acknowledge(MEMBER, o, t)
            .unwrap_or_else(|e| panic!("offset {o}: {e:?}"));
    }
}

/// `testMaxDeliveryCountLimitExceededForRecordBatch`: with a limit of 2, a batch released twice
/// is archived, and the start offset moves past it with nothing left in flight.
#[test]
fn a_batch_released_on_its_last_delivery_is_archived_and_the_window_empties() {
    let mut sp = partition(30_000, 2);
    sp.initialize(5);
    assert_eq!(acquire(&mut sp, 0, u32::MAX, 15).len(), 10);
    ack(&mut sp, 5, 14, AckType::Release);
    assert_eq!(acquire(&mut sp, 1, u32::MAX, 15).len(), 10);
    ack(&mut sp, 5, 14, AckType::Release);
    assert_eq!((sp.spso(), sp.speo(), sp.in_flight()), (15, 15, 0));
}

/// `testMaxDeliveryCountLimitExceededForRecordsSubset`: 10..12 and 17..19 accepted, 13..16
/// released twice with a limit of 2 → archived; everything is finished, nothing is cached.
#[test]
fn a_released_subset_is_archived_on_its_last_delivery() {
    let mut sp = partition(30_000, 2);
    sp.initialize(10);
    assert_eq!(acquire(&mut sp, 0, u32::MAX, 20).len(), 10);
    ack(&mut sp, 10, 12, AckType::Accept);
    ack(&mut sp, 13, 16, AckType::Release);
    ack(&mut sp, 17, 19, AckType::Accept);
    let again = acquire(&mut sp, 1, u32::MAX, 20);
    assert_eq!(
        again
            .iter()
            .map(|a| (a.offset, a.delivery_count))
            .collect::<Vec<_>>(),
        vec![(13, 2), (14, 2), (15, 2), (16, 2)],
        "only the released records are acquired again"
    );
    ack(&mut sp, 13, 16, AckType::Release);
    assert_eq!((sp.spso(), sp.in_flight()), (20, 0));
}

/// `testAcquisitionLockTimeoutCauseSPSOMoveForward`: locks run out (delivery 1 → AVAILABLE),
/// 0..4 are acquired again and their locks run out too (delivery 2 = the limit → ARCHIVED);
/// the start offset moves to 5, and 5..9 stay AVAILABLE with one delivery.
#[test]
fn a_lock_running_out_on_the_last_delivery_archives_and_moves_the_start_offset() {
    let mut sp = partition(100, 2);
    sp.initialize(0);
    assert_eq!(acquire(&mut sp, 0, u32::MAX, 10).len(), 10);
    let mut expired = Vec::new();
    sp.expire_locks(100, |o, _, d, out| expired.push((o, d, out)));
    assert_eq!(expired.len(), 10);
    assert_eq!(
        sp.record(0).map(|r| (r.0, r.1)),
        Some((RecordState::Available, 1))
    );
    assert_eq!(acquire(&mut sp, 200, 5, 10).len(), 5);
    sp.expire_locks(300, |_, _, _, _| {});
    assert_eq!(sp.spso(), 5);
    for o in 5..10 {
        assert_eq!(
            sp.record(o).map(|r| (r.0, r.1)),
            Some((RecordState::Available, 1)),
            "offset {o}"
        );
    }
}

/// `testReleaseSingleRecordBatch`: `releaseAcquiredRecords` for the member makes its record
/// AVAILABLE again with its delivery count kept; the next fetch starts from it.
#[test]
fn releasing_a_members_locks_makes_its_records_available_again() {
    let mut sp = partition(30_000, 5);
    sp.initialize(0);
    assert_eq!(acquire(&mut sp, 0, u32::MAX, 1).len(), 1);
    sp.release_holder(MEMBER, |_, _, _| {});
    assert_eq!(
        sp.record(0).map(|r| (r.0, r.1)),
        Some((RecordState::Available, 1))
    );
    assert_eq!((sp.spso(), sp.in_flight()), (0, 1));
}

/// `testCanAcquireRecordsAfterArchiveAcknowledgement` (the part both agree on): rejecting the
/// leading 90 records archives them and the start offset moves to 90; records can be acquired.
#[test]
fn rejecting_the_leading_records_moves_the_start_offset() {
    let mut sp = partition(30_000, 5);
    sp.initialize(0);
    assert_eq!(acquire(&mut sp, 0, u32::MAX, 150).len(), 150);
    assert!(sp.can_acquire(250));
    acquire(&mut sp, 0, u32::MAX, 250);
    assert!(!sp.can_acquire(250), "the in-flight limit is reached");
    ack(&mut sp, 0, 89, AckType::Reject);
    assert_eq!(sp.spso(), 90);
    assert!(sp.can_acquire(250));
}

/// Known gap, reported, not asserted: `testCanAcquireRecordsAfterArchiveAcknowledgement`. Kafka
/// checks `group.share.partition.max.record.locks` before a fetch and then acquires the whole
/// fetched batch (150 in flight + a 100-record batch → 250 in flight, `endOffset` 249); Mailroom
/// stops at exactly 200 records in flight.
#[test]
#[ignore = "known gap: Kafka's in-flight limit is checked per fetch, not per record"]
fn the_in_flight_limit_admits_a_whole_batch_as_in_kafka() {
    let mut sp = partition(30_000, 5);
    sp.initialize(0);
    acquire(&mut sp, 0, u32::MAX, 150);
    acquire(&mut sp, 0, u32::MAX, 250);
    assert_eq!(sp.speo(), 250);
}
