//! Kafka's `SharePartitionTest` (Kafka commit `1eb7644`, `core/src/test/java/kafka/server/share/
//! SharePartitionTest.java`) as a table: each [`Case`] is one Kafka test's operation sequence,
//! named after its test method, and every [`Op::Check`] in it is one of that test's assertions
//! (next fetch offset, start offset, per-offset state and delivery count) replayed against
//! Mailroom's [`SharePartition`]. Kafka's `SharePartition` is bound to the broker (persister,
//! replica manager, timer) and was not run; these are its unit tests transcribed.
//!
//! How Kafka's calls map onto Mailroom's:
//! - `acquire(member, maxFetchRecords, FetchPartitionData(records a..b))` → [`Op::Acq`] with
//!   `log_end = b + 1`. A fresh partition whose first fetched batch starts at `s` is
//!   `initialize(s)`. Kafka acquires AVAILABLE records only inside the fetched batch; Mailroom's
//!   fetch always starts at the next fetch offset, so where a Kafka test re-fetches a batch that
//!   holds only part of the AVAILABLE records, the case bounds the acquisition with `max`.
//! - `acknowledge(member, [ShareAcknowledgementBatch(a, b, [type])])` → [`Op::Ack`] per record
//!   (type bytes 1 = ACCEPT, 2 = RELEASE, 3 = REJECT).
//! - The acquisition-lock timer task firing → [`Op::Expire`]; `releaseAcquiredRecords(member)` →
//!   [`Op::Release`].
//! - `canAcquireRecords()` → [`Op::CanAcq`]. Kafka checks the limit before a fetch and then takes
//!   the whole batch, so several of its tests overshoot `maxInFlightMessages` (a known gap, see
//!   `share_partition_kafka_tests.rs`); cases named "(the in-flight limit met exactly)" shrink
//!   that fetch so the window meets the limit, and check the test's assertions on that input.
//!   Cases named "(up to …)" stop before a step Mailroom cannot express.
//! - `nextFetchOffset()` → the lowest AVAILABLE in-flight offset, else [`SharePartition::speo`]
//!   (Kafka's `endOffset() + 1`); `startOffset()` → [`SharePartition::spso`].
//!
//! Tests that need offset gaps in a batch (compacted or transactional logs), the persister's
//! write failures, initialisation from a persisted state, or the group config manager are not
//! transcribed: Mailroom's log has no gaps and its share state has no persister.

use mailroom_core::share::{AckType, Acquired, RecordState, ShareLimits, SharePartition};

use AckType::{Accept, Reject, Release};
use RecordState::{Acknowledged as Acked, Acquired as Acq, Archived as Arch, Available as Avail};

/// `MEMBER_ID` of Kafka's test; `M2` is its `"member-2"`.
const M1: u32 = 1;
const M2: u32 = 2;
/// The test's `ACQUISITION_LOCK_TIMEOUT_MS`.
const LOCK: u64 = 100;

#[derive(Debug)]
enum Op {
    /// `acquire` by a member at a time, at most `max` records, the fetched records ending before
    /// `log_end`; the acquired ranges `(first, last, delivery count)`.
    Acq(u32, u64, u32, u64, &'static [(u64, u64, u16)]),
    /// `acknowledge` of `first..=last` by a member; `Some(ok)`: every record's answer is `ok`.
    Ack(u32, u64, u64, AckType, Option<bool>),
    /// The acquisition-lock timer at a time.
    Expire(u64),
    /// `releaseAcquiredRecords(member)`.
    Release(u32),
    /// `updateCacheAndOffsets(logStartOffset)`: the log start offset moved (retention).
    Lso(u64),
    /// `canAcquireRecords()` with the log ending at the given offset (Kafka's answer does not
    /// depend on the log; the cases pass a log end past every fetched record).
    CanAcq(u64, bool),
    /// Kafka's assertions: next fetch offset, start offset (if asserted), and per-offset
    /// `(first, last, state, delivery count)`.
    Check(u64, Option<u64>, &'static [(u64, u64, RecordState, u16)]),
}

struct Case {
    /// The Kafka test method.
    kafka_test: &'static str,
    delivery_limit: u16,
    max_in_flight: u32,
    start: u64,
    ops: &'static [Op],
}

const fn case(kafka_test: &'static str, start: u64, ops: &'static [Op]) -> Case {
    Case {
        kafka_test,
        delivery_limit: 5,
        max_in_flight: 200,
        start,
        ops,
    }
}

const fn in_flight(kafka_test: &'static str, max_in_flight: u32, ops: &'static [Op]) -> Case {
    Case {
        kafka_test,
        delivery_limit: 5,
        max_in_flight,
        start: 0,
        ops,
    }
}

const fn limited(kafka_test: &'static str, limit: u16, start: u64, ops: &'static [Op]) -> Case {
    Case {
        kafka_test,
        delivery_limit: limit,
        max_in_flight: 200,
        start,
        ops,
    }
}

use Op::{Ack as K, Acq as A, CanAcq as Q, Check as C, Expire as E, Lso as L, Release as R};
const ALL: u32 = u32::MAX;

/// The transcribed tests, in `SharePartitionTest`'s order.
#[rustfmt::skip]
static CASES: &[Case] = &[
    case("testAcquireSingleRecord", 0, &[
        A(M1, 0, ALL, 1, &[(0, 0, 1)]),
        C(1, Some(0), &[(0, 0, Acq, 1)]),
    ]),
    case("testAcquireMultipleRecords", 10, &[
        A(M1, 0, ALL, 15, &[(10, 14, 1)]),
        C(15, Some(10), &[(10, 14, Acq, 1)]),
    ]),
    case("testAcquireMultipleRecordsWithOverlapAndNewBatch", 0, &[
        A(M1, 0, ALL, 5, &[(0, 4, 1)]),
        C(5, None, &[]),
        A(M1, 0, ALL, 10, &[(5, 9, 1)]),
        C(10, None, &[(0, 9, Acq, 1)]),
    ]),
    case("testAcquireSameBatchAgain", 10, &[
        A(M1, 0, ALL, 15, &[(10, 14, 1)]),
        C(15, None, &[]),
        A(M1, 0, ALL, 15, &[]),
        C(15, None, &[]),
        A(M1, 0, ALL, 12, &[]),
        C(15, None, &[(10, 14, Acq, 1)]),
    ]),
    case("testAcquireWithEmptyFetchRecords", 0, &[
        A(M1, 0, ALL, 0, &[]),
        C(0, None, &[]),
    ]),
    case("testNextFetchOffsetInitialState", 0, &[C(0, None, &[])]),
    case("testNextFetchOffsetWithCachedStateAcquired", 0, &[
        A(M1, 0, ALL, 5, &[(0, 4, 1)]),
        C(5, None, &[]),
    ]),
    case("testAcknowledgeSingleRecordBatch", 0, &[
        A(M1, 0, ALL, 1, &[(0, 0, 1)]),
        A(M1, 0, ALL, 2, &[(1, 1, 1)]),
        K(M1, 1, 1, Accept, Some(true)),
        C(2, Some(0), &[(0, 0, Acq, 1), (1, 1, Acked, 1)]),
    ]),
    case("testAcknowledgeMultipleRecordBatch", 5, &[
        A(M1, 0, ALL, 15, &[(5, 14, 1)]),
        K(M1, 5, 14, Accept, Some(true)),
        C(15, Some(15), &[]),
    ]),
    case("testAcknowledgeOutOfRangeCachedData", 5, &[
        K(M1, 0, 15, Reject, Some(false)),
        A(M1, 0, ALL, 10, &[(5, 9, 1)]),
        K(M1, 20, 25, Reject, Some(false)),
        C(10, Some(5), &[(5, 9, Acq, 1)]),
    ]),
    case("testAcknowledgeWithAnotherMember", 5, &[
        A(M1, 0, ALL, 10, &[(5, 9, 1)]),
        K(M2, 5, 9, Reject, Some(false)),
        C(10, Some(5), &[(5, 9, Acq, 1)]),
    ]),
    case("testAcknowledgeWhenOffsetNotAcquired", 5, &[
        A(M1, 0, ALL, 10, &[(5, 9, 1)]),
        K(M1, 5, 9, Release, Some(true)),
        K(M1, 5, 9, Accept, Some(false)),
        C(5, Some(5), &[(5, 9, Avail, 1)]),
        A(M1, 0, ALL, 10, &[(5, 9, 2)]),
        K(M1, 6, 8, Reject, Some(true)),
        K(M1, 6, 8, Reject, Some(false)),
        C(10, Some(5), &[(5, 5, Acq, 2), (6, 8, Arch, 2), (9, 9, Acq, 2)]),
    ]),
    case("testAcquireReleasedRecord", 10, &[
        A(M1, 0, ALL, 15, &[(10, 14, 1)]),
        C(15, None, &[]),
        K(M1, 12, 13, Release, Some(true)),
        C(12, Some(10), &[(10, 11, Acq, 1), (12, 13, Avail, 1), (14, 14, Acq, 1)]),
        A(M1, 0, ALL, 15, &[(12, 13, 2)]),
        C(15, Some(10), &[(10, 11, Acq, 1), (12, 13, Acq, 2), (14, 14, Acq, 1)]),
    ]),
    case("testAcquisitionLockForAcquiringSingleRecord", 0, &[
        A(M1, 0, ALL, 1, &[(0, 0, 1)]),
        E(LOCK),
        C(0, Some(0), &[(0, 0, Avail, 1)]),
    ]),
    case("testAcquisitionLockForAcquiringMultipleRecords", 10, &[
        A(M1, 0, ALL, 15, &[(10, 14, 1)]),
        E(LOCK),
        C(10, Some(10), &[(10, 14, Avail, 1)]),
    ]),
    case("testAcquisitionLockForAcquiringMultipleRecordsWithOverlapAndNewBatch", 0, &[
        A(M1, 0, ALL, 5, &[(0, 4, 1)]),
        A(M1, 0, ALL, 10, &[(5, 9, 1)]),
        E(LOCK),
        C(0, Some(0), &[(0, 9, Avail, 1)]),
    ]),
    case("testAcquisitionLockForAcquiringSameBatchAgain", 10, &[
        A(M1, 0, ALL, 15, &[(10, 14, 1)]),
        E(LOCK),
        C(10, None, &[(10, 14, Avail, 1)]),
        A(M1, LOCK, ALL, 15, &[(10, 14, 2)]),
        C(15, None, &[(10, 14, Acq, 2)]),
    ]),
    case("testAcquisitionLockOnAcknowledgingSingleRecordBatch", 0, &[
        A(M1, 0, ALL, 1, &[(0, 0, 1)]),
        K(M1, 0, 0, Release, Some(true)),
        C(0, Some(0), &[(0, 0, Avail, 1)]),
        E(LOCK),
        C(0, Some(0), &[(0, 0, Avail, 1)]),
    ]),
    case("testAcquisitionLockOnAcknowledgingMultipleRecordBatch", 5, &[
        A(M1, 0, ALL, 15, &[(5, 14, 1)]),
        K(M1, 5, 14, Release, Some(true)),
        C(5, Some(5), &[(5, 14, Avail, 1)]),
        E(LOCK),
        C(5, Some(5), &[(5, 14, Avail, 1)]),
    ]),
    limited("testAcquisitionLockTimeoutCauseSPSOMoveForward", 2, 0, &[
        A(M1, 0, ALL, 10, &[(0, 9, 1)]),
        E(LOCK),
        C(0, None, &[(0, 9, Avail, 1)]),
        A(M1, LOCK, 5, 5, &[(0, 4, 2)]),
        E(2 * LOCK),
        C(5, Some(5), &[(5, 9, Avail, 1)]),
    ]),
    limited("testAcquisitionLockTimeoutCauseSPSOMoveForwardAndClearCachedState", 2, 0, &[
        A(M1, 0, ALL, 10, &[(0, 9, 1)]),
        E(LOCK),
        C(0, None, &[(0, 9, Avail, 1)]),
        A(M1, LOCK, ALL, 10, &[(0, 9, 2)]),
        E(2 * LOCK),
        C(10, Some(10), &[]),
    ]),
    case("testAcknowledgeAfterAcquisitionLockTimeout", 5, &[
        A(M1, 0, ALL, 10, &[(5, 9, 1)]),
        E(LOCK),
        C(5, None, &[(5, 9, Avail, 1)]),
        K(M1, 5, 9, Accept, Some(false)),
        K(M1, 5, 9, Reject, Some(false)),
        C(5, Some(5), &[(5, 9, Avail, 1)]),
    ]),
    case("testAcquisitionLockAfterDifferentAcknowledges", 5, &[
        A(M1, 0, ALL, 10, &[(5, 9, 1)]),
        K(M1, 5, 6, Release, Some(true)),
        K(M1, 8, 9, Accept, Some(true)),
        E(LOCK),
        C(5, Some(5), &[(5, 7, Avail, 1), (8, 9, Acked, 1)]),
    ]),
    case("testReleaseSingleRecordBatch", 0, &[
        A(M1, 0, ALL, 1, &[(0, 0, 1)]),
        R(M1),
        C(0, Some(0), &[(0, 0, Avail, 1)]),
    ]),
    case("testReleaseMultipleRecordBatch", 5, &[
        A(M1, 0, ALL, 15, &[(5, 14, 1)]),
        R(M1),
        C(5, Some(5), &[(5, 14, Avail, 1)]),
    ]),
    case("testReleaseAcquiredRecordsForEmptyCachedData", 0, &[
        R(M1),
        C(0, Some(0), &[]),
    ]),
    case("testReleaseAcquiredRecordsAfterDifferentAcknowledges", 5, &[
        A(M1, 0, ALL, 10, &[(5, 9, 1)]),
        K(M1, 5, 6, Release, Some(true)),
        K(M1, 8, 9, Accept, Some(true)),
        R(M1),
        C(5, Some(5), &[(5, 7, Avail, 1), (8, 9, Acked, 1)]),
    ]),
    limited("testMaxDeliveryCountLimitExceededForRecordsSubsetAfterReleaseAcquiredRecords", 2, 0, &[
        A(M1, 0, ALL, 10, &[(0, 9, 1)]),
        A(M1, 0, ALL, 15, &[(10, 14, 1)]),
        K(M1, 10, 14, Release, Some(true)),
        A(M1, 0, ALL, 15, &[(10, 14, 2)]),
        R(M1),
        C(0, Some(0), &[(0, 9, Avail, 1), (10, 14, Arch, 2)]),
    ]),
    limited("testMaxDeliveryCountLimitExceededForRecordsSubsetAfterReleaseAcquiredRecordsSubset", 2, 10, &[
        A(M1, 0, ALL, 15, &[(10, 14, 1)]),
        A(M1, 0, ALL, 20, &[(15, 19, 1)]),
        A(M1, 0, ALL, 25, &[(20, 24, 1)]),
        K(M1, 13, 16, Release, Some(true)),
        K(M1, 17, 19, Reject, Some(true)),
        K(M1, 20, 24, Release, Some(true)),
        A(M1, 0, 2, 25, &[(13, 14, 2)]),
        A(M1, 0, 2, 25, &[(15, 16, 2)]),
        A(M1, 0, 5, 25, &[(20, 24, 2)]),
        R(M1),
        C(10, Some(10), &[(10, 12, Avail, 1), (13, 16, Arch, 2), (17, 19, Arch, 1), (20, 24, Arch, 2)]),
    ]),
    limited("testMaxDeliveryCountLimitExceededForRecordsSubsetCacheCleared", 2, 10, &[
        A(M1, 0, ALL, 15, &[(10, 14, 1)]),
        A(M1, 0, ALL, 20, &[(15, 19, 1)]),
        A(M1, 0, ALL, 25, &[(20, 24, 1)]),
        K(M1, 10, 12, Accept, Some(true)),
        K(M1, 13, 16, Release, Some(true)),
        K(M1, 17, 19, Reject, Some(true)),
        K(M1, 20, 24, Release, Some(true)),
        A(M1, 0, 2, 25, &[(13, 14, 2)]),
        A(M1, 0, 2, 25, &[(15, 16, 2)]),
        A(M1, 0, 5, 25, &[(20, 24, 2)]),
        R(M1),
        C(25, Some(25), &[]),
    ]),
    case("testReleaseAcquiredRecordsSubsetWithAnotherMember", 5, &[
        A(M1, 0, ALL, 12, &[(5, 11, 1)]),
        K(M1, 5, 7, Accept, Some(true)),
        R(M2),
        C(12, Some(8), &[(8, 11, Acq, 1)]),
    ]),
    limited("testMaxDeliveryCountLimitExceededForRecordBatch", 2, 5, &[
        A(M1, 0, ALL, 15, &[(5, 14, 1)]),
        K(M1, 5, 14, Release, Some(true)),
        A(M1, 0, ALL, 15, &[(5, 14, 2)]),
        K(M1, 5, 14, Release, Some(true)),
        C(15, Some(15), &[]),
    ]),
    limited("testMaxDeliveryCountLimitExceededForRecordsSubset", 2, 10, &[
        A(M1, 0, ALL, 15, &[(10, 14, 1)]),
        A(M1, 0, ALL, 20, &[(15, 19, 1)]),
        K(M1, 10, 12, Accept, Some(true)),
        K(M1, 13, 16, Release, Some(true)),
        K(M1, 17, 19, Accept, Some(true)),
        A(M1, 0, 2, 20, &[(13, 14, 2)]),
        A(M1, 0, 2, 20, &[(15, 16, 2)]),
        K(M1, 13, 16, Release, Some(true)),
        C(20, Some(20), &[]),
    ]),
    limited("testMaxDeliveryCountLimitExceededForRecordsSubsetAndCachedStateNotCleared", 2, 0, &[
        A(M1, 0, ALL, 5, &[(0, 4, 1)]),
        K(M1, 0, 1, Release, Some(true)),
        A(M1, 0, 2, 2, &[(0, 1, 2)]),
        K(M1, 0, 4, Release, None),
        C(2, Some(2), &[(2, 4, Avail, 1)]),
    ]),
    case("testNextFetchOffsetPostAcquireAndAcknowledgeFunctionality", 0, &[
        A(M1, 0, ALL, 10, &[(0, 9, 1)]),
        C(10, None, &[]),
        A(M2, 0, ALL, 20, &[(10, 19, 1)]),
        C(20, None, &[]),
        K(M1, 5, 9, Release, Some(true)),
        C(5, None, &[]),
        A(M1, 0, ALL, 20, &[(5, 9, 2)]),
        C(20, None, &[]),
    ]),
    case("testLsoMovementOnInitializationSharePartition", 0, &[
        L(0),
        C(0, Some(0), &[]),
        L(5),
        C(5, Some(5), &[]),
    ]),
    case("testLsoMovementForArchivingBatches", 2, &[
        A(M1, 0, ALL, 7, &[(2, 6, 1)]),
        A(M1, 0, ALL, 12, &[(7, 11, 1)]),
        A(M1, 0, ALL, 37, &[(12, 36, 1)]),
        K(M1, 2, 6, Accept, Some(true)),
        K(M1, 12, 16, Release, Some(true)),
        K(M1, 22, 26, Release, Some(true)),
        K(M1, 27, 31, Reject, Some(true)),
        L(20),
        C(22, Some(20), &[(20, 21, Acq, 1), (22, 26, Avail, 1), (27, 31, Arch, 1), (32, 36, Acq, 1)]),
    ]),
    case("testLsoMovementForArchivingOffsets", 2, &[
        A(M1, 0, ALL, 7, &[(2, 6, 1)]),
        A(M1, 0, ALL, 12, &[(7, 11, 1)]),
        K(M1, 4, 8, Accept, Some(true)),
        L(5),
        C(12, Some(5), &[(5, 8, Acked, 1), (9, 11, Acq, 1)]),
    ]),
    case("testLsoMovementForArchivingOffsetsWithStartAndEndBatchesNotFullMatches", 2, &[
        A(M1, 0, ALL, 7, &[(2, 6, 1)]),
        A(M1, 0, ALL, 12, &[(7, 11, 1)]),
        L(4),
        C(12, Some(4), &[(4, 11, Acq, 1)]),
        L(8),
        C(12, Some(8), &[(8, 11, Acq, 1)]),
    ]),
    case("testLsoMovementForArchivingOffsetsWithStartOffsetNotFullMatches", 2, &[
        A(M1, 0, ALL, 7, &[(2, 6, 1)]),
        A(M1, 0, ALL, 12, &[(7, 11, 1)]),
        L(4),
        C(12, Some(4), &[(4, 11, Acq, 1)]),
        L(7),
        C(12, Some(7), &[(7, 11, Acq, 1)]),
    ]),
    case("testLsoMovementForArchivingOffsetsWithStartOffsetNotFullMatchesPostAcceptAcknowledgement", 2, &[
        A(M1, 0, ALL, 7, &[(2, 6, 1)]),
        A(M1, 0, ALL, 12, &[(7, 11, 1)]),
        L(4),
        C(12, Some(4), &[(4, 11, Acq, 1)]),
        K(M1, 7, 8, Accept, Some(true)),
        L(7),
        C(12, Some(7), &[(7, 8, Acked, 1), (9, 11, Acq, 1)]),
    ]),
    case("testLsoMovementForArchivingOffsetsWithStartOffsetNotFullMatchesPostReleaseAcknowledgement", 2, &[
        A(M1, 0, ALL, 7, &[(2, 6, 1)]),
        A(M1, 0, ALL, 12, &[(7, 11, 1)]),
        L(4),
        C(12, Some(4), &[(4, 11, Acq, 1)]),
        K(M1, 7, 8, Release, Some(true)),
        L(7),
        C(7, Some(7), &[(7, 8, Avail, 1), (9, 11, Acq, 1)]),
    ]),
    case("testLsoMovementToEndOffset", 2, &[
        A(M1, 0, ALL, 7, &[(2, 6, 1)]),
        A(M1, 0, ALL, 12, &[(7, 11, 1)]),
        K(M1, 7, 8, Release, Some(true)),
        L(11),
        C(12, Some(11), &[(11, 11, Acq, 1)]),
    ]),
    case("testLsoMovementToEndOffsetWhereEndOffsetIsAvailable", 2, &[
        A(M1, 0, ALL, 7, &[(2, 6, 1)]),
        A(M1, 0, ALL, 12, &[(7, 11, 1)]),
        K(M1, 7, 8, Release, Some(true)),
        K(M1, 11, 11, Release, Some(true)),
        L(11),
        C(11, Some(11), &[(11, 11, Avail, 1)]),
    ]),
    case("testLsoMovementAheadOfEndOffsetPostAcknowledgment", 2, &[
        A(M1, 0, ALL, 7, &[(2, 6, 1)]),
        A(M1, 0, ALL, 12, &[(7, 11, 1)]),
        K(M1, 7, 8, Release, Some(true)),
        L(12),
        C(12, Some(12), &[]),
    ]),
    case("testLsoMovementAheadOfEndOffset", 2, &[
        A(M1, 0, ALL, 7, &[(2, 6, 1)]),
        A(M1, 0, ALL, 12, &[(7, 11, 1)]),
        L(14),
        C(14, Some(14), &[]),
    ]),
    case("testAcquisitionLockForAcquiringSubsetBatchAgain (up to the subset re-fetch)", 10, &[
        A(M1, 0, ALL, 18, &[(10, 17, 1)]),
        E(LOCK),
        C(10, Some(10), &[(10, 17, Avail, 1)]),
    ]),
    case("testAcquisitionLockOnReleasingMultipleRecordBatch", 5, &[
        A(M1, 0, ALL, 15, &[(5, 14, 1)]),
        R(M1),
        C(5, Some(5), &[(5, 14, Avail, 1)]),
        E(LOCK),
        C(5, Some(5), &[(5, 14, Avail, 1)]),
    ]),
    case("testReleaseAcquiredRecordsBatchesPostStartOffsetMovement", 5, &[
        A(M1, 0, ALL, 15, &[(5, 14, 1)]),
        A(M2, 0, ALL, 20, &[(15, 19, 1)]),
        A(M1, 0, ALL, 40, &[(20, 39, 1)]),
        K(M1, 6, 7, Accept, Some(true)),
        K(M1, 8, 8, Release, Some(true)),
        K(M1, 25, 29, Release, Some(true)),
        K(M1, 35, 37, Release, Some(true)),
        L(24),
        C(25, Some(24), &[(24, 24, Acq, 1), (25, 29, Avail, 1), (30, 34, Acq, 1), (35, 37, Avail, 1), (38, 39, Acq, 1)]),
        R(M1),
        C(24, Some(24), &[(24, 39, Avail, 1)]),
    ]),
    case("testReleaseAcquiredRecordsBatchesPostStartOffsetMovementToStartOfBatch", 5, &[
        A(M1, 0, ALL, 10, &[(5, 9, 1)]),
        A(M1, 0, ALL, 15, &[(10, 14, 1)]),
        L(10),
        C(15, Some(10), &[(10, 14, Acq, 1)]),
        R(M1),
        C(10, Some(10), &[(10, 14, Avail, 1)]),
    ]),
    case("testReleaseAcquiredRecordsBatchesPostStartOffsetMovementToMiddleOfBatch", 5, &[
        A(M1, 0, ALL, 10, &[(5, 9, 1)]),
        A(M1, 0, ALL, 15, &[(10, 14, 1)]),
        L(11),
        C(15, Some(11), &[(11, 14, Acq, 1)]),
        R(M1),
        C(11, Some(11), &[(11, 14, Avail, 1)]),
    ]),
    case("testAcquisitionLockTimeoutForBatchesPostStartOffsetMovement", 5, &[
        A(M1, 0, ALL, 15, &[(5, 14, 1)]),
        A(M2, 0, ALL, 20, &[(15, 19, 1)]),
        A(M1, 0, ALL, 40, &[(20, 39, 1)]),
        K(M1, 6, 7, Accept, Some(true)),
        K(M1, 8, 8, Release, Some(true)),
        K(M1, 25, 29, Release, Some(true)),
        K(M1, 35, 37, Release, Some(true)),
        L(24),
        C(25, Some(24), &[(24, 24, Acq, 1), (25, 29, Avail, 1), (30, 34, Acq, 1), (35, 37, Avail, 1), (38, 39, Acq, 1)]),
        E(LOCK),
        C(24, Some(24), &[(24, 39, Avail, 1)]),
    ]),
    case("testAcquisitionLockTimeoutForBatchesPostStartOffsetMovementToStartOfBatch", 5, &[
        A(M1, 0, ALL, 10, &[(5, 9, 1)]),
        A(M1, 0, ALL, 15, &[(10, 14, 1)]),
        L(10),
        C(15, Some(10), &[(10, 14, Acq, 1)]),
        E(LOCK),
        C(10, Some(10), &[(10, 14, Avail, 1)]),
    ]),
    case("testAcquisitionLockTimeoutForBatchesPostStartOffsetMovementToMiddleOfBatch", 5, &[
        A(M1, 0, ALL, 10, &[(5, 9, 1)]),
        A(M1, 0, ALL, 15, &[(10, 14, 1)]),
        L(11),
        C(15, Some(11), &[(11, 14, Acq, 1)]),
        E(LOCK),
        C(11, Some(11), &[(11, 14, Avail, 1)]),
    ]),
    case("testLsoMovementThenAcquisitionLockTimeoutThenAcknowledge (up to the fetch after the gap)", 2, &[
        A(M1, 0, ALL, 7, &[(2, 6, 1)]),
        L(7),
        C(7, Some(7), &[]),
        E(LOCK),
        C(7, Some(7), &[]),
    ]),
    in_flight("testMaybeUpdateCachedStateMultipleAcquisitionsAndAcknowledgements (up to the overshooting fetch)", 100, &[
        A(M1, 0, ALL, 20, &[(0, 19, 1)]),
        Q(1000, true),
        A(M1, 0, ALL, 40, &[(20, 39, 1)]),
        Q(1000, true),
        A(M1, 0, ALL, 60, &[(40, 59, 1)]),
        Q(1000, true),
        K(M1, 0, 19, Accept, Some(true)),
        Q(1000, true),
        C(60, Some(20), &[(20, 59, Acq, 1)]),
        A(M1, 0, ALL, 80, &[(60, 79, 1)]),
        Q(1000, true),
        K(M1, 20, 49, Accept, Some(true)),
        Q(1000, true),
        C(80, Some(50), &[(50, 79, Acq, 1)]),
    ]),
    in_flight("testCanAcquireRecordsReturnsTrue", 200, &[
        C(0, Some(0), &[]),
        A(M1, 0, ALL, 150, &[(0, 149, 1)]),
        Q(1000, true),
        C(150, Some(0), &[(0, 149, Acq, 1)]),
    ]),
    in_flight("testCanAcquireRecordsAfterReleaseAcknowledgement (the in-flight limit met exactly)", 200, &[
        A(M1, 0, ALL, 150, &[(0, 149, 1)]),
        Q(1000, true),
        A(M1, 0, ALL, 200, &[(150, 199, 1)]),
        Q(1000, false),
        K(M1, 0, 89, Release, Some(true)),
        C(0, Some(0), &[(0, 89, Avail, 1), (90, 199, Acq, 1)]),
        Q(1000, true),
    ]),
    in_flight("testCanAcquireRecordsAfterAcceptAcknowledgement (the in-flight limit met exactly)", 200, &[
        A(M1, 0, ALL, 150, &[(0, 149, 1)]),
        Q(1000, true),
        A(M1, 0, ALL, 200, &[(150, 199, 1)]),
        Q(1000, false),
        K(M1, 0, 89, Accept, Some(true)),
        C(200, Some(90), &[(90, 199, Acq, 1)]),
        Q(1000, true),
    ]),
    in_flight("testCanAcquireRecordsChangeResponsePostAcknowledgement (the in-flight limit met exactly)", 200, &[
        A(M1, 0, ALL, 150, &[(0, 149, 1)]),
        Q(1000, true),
        A(M1, 0, ALL, 200, &[(150, 199, 1)]),
        Q(1000, false),
        K(M1, 0, 199, Accept, Some(true)),
        Q(1000, true),
        C(200, Some(200), &[]),
    ]),
    in_flight("testMaybeUpdateCachedStateWhenAcknowledgementsInBetween (the in-flight limit met exactly)", 20, &[
        A(M1, 0, ALL, 15, &[(0, 14, 1)]),
        Q(1000, true),
        A(M1, 0, ALL, 20, &[(15, 19, 1)]),
        Q(1000, false),
        K(M1, 10, 14, Reject, Some(true)),
        C(20, Some(0), &[(0, 9, Acq, 1), (10, 14, Arch, 1), (15, 19, Acq, 1)]),
        Q(1000, false),
    ]),
    in_flight("testMaybeUpdateCachedStateWhenAllRecordsInCachedStateAreAcknowledged (the in-flight limit met exactly)", 20, &[
        A(M1, 0, ALL, 15, &[(0, 14, 1)]),
        Q(1000, true),
        A(M1, 0, ALL, 20, &[(15, 19, 1)]),
        Q(1000, false),
        K(M1, 0, 19, Accept, Some(true)),
        Q(1000, true),
        C(20, Some(20), &[]),
    ]),
];

/// Kafka's `nextFetchOffset()`: the lowest AVAILABLE in-flight offset, else one past the end.
fn next_fetch_offset(sp: &SharePartition) -> u64 {
    (sp.spso()..sp.speo())
        .find(|&o| matches!(sp.record(o), Some((RecordState::Available, ..))))
        .unwrap_or(sp.speo())
}

/// Runs one case; returns how many checkpoints it passed, or the first disagreement.
fn run(c: &Case) -> Result<usize, String> {
    let mut sp = SharePartition::new(ShareLimits {
        lock_ms: LOCK,
        delivery_limit: c.delivery_limit,
        max_in_flight: c.max_in_flight,
    });
    sp.initialize(c.start);
    let mut checks = 0;
    for (step, op) in c.ops.iter().enumerate() {
        let at = |what: String| format!("{} step {step} {op:?}: {what}", c.kafka_test);
        match *op {
            Op::Acq(m, now, max, log_end, want) => {
                let mut got: Vec<Acquired> = Vec::new();
                sp.acquire((m, 0), now, max, log_end, &mut got);
                let want: Vec<Acquired> = want
                    .iter()
                    .flat_map(|&(a, b, d)| {
                        (a..=b).map(move |offset| Acquired {
                            offset,
                            delivery_count: d,
                        })
                    })
                    .collect();
                if got != want {
                    return Err(at(format!("acquired {got:?}, Kafka {want:?}")));
                }
            }
            Op::Ack(m, a, b, t, want) => {
                for o in a..=b {
                    let ok = sp.acknowledge((m, 0), o, t).is_ok();
                    if want.is_some_and(|w| w != ok) {
                        return Err(at(format!("offset {o} accepted: {ok}, Kafka {want:?}")));
                    }
                }
            }
            Op::Expire(now) => sp.expire_locks(now, |_, _, _, _| {}),
            Op::Release(m) => sp.release_holder((m, 0), |_, _, _| {}),
            Op::CanAcq(log_end, want) => {
                if sp.can_acquire(log_end) != want {
                    return Err(at(format!("can acquire: {}", !want)));
                }
                checks += 1;
            }
            Op::Lso(start) => {
                sp.truncate_to(start);
            }
            Op::Check(nfo, spso, states) => {
                if next_fetch_offset(&sp) != nfo {
                    return Err(at(format!("next fetch offset {}", next_fetch_offset(&sp))));
                }
                if spso.is_some_and(|s| s != sp.spso()) {
                    return Err(at(format!("start offset {}", sp.spso())));
                }
                for &(a, b, state, d) in states {
                    for o in a..=b {
                        let got = sp.record(o).map(|r| (r.0, r.1));
                        if got != Some((state, d)) {
                            return Err(at(format!("offset {o}: {got:?}, Kafka {state:?}/{d}")));
                        }
                    }
                }
                checks += 1;
            }
        }
    }
    Ok(checks)
}

#[test]
fn every_transcribed_share_partition_test_agrees_with_kafka() {
    let mut checks = 0;
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|c| run(c).map(|n| checks += n).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("{} cases, {checks} checkpoints", CASES.len());
    assert_eq!(
        (CASES.len(), checks),
        (62, 114),
        "cases and checkpoints run"
    );
}

/// The runner can fail: a case with Kafka's answer altered is caught.
#[test]
fn a_wrong_expectation_is_reported() {
    let wrong = case(
        "testAcquireSingleRecord (altered)",
        0,
        &[
            A(M1, 0, ALL, 1, &[(0, 0, 1)]),
            C(1, Some(0), &[(0, 0, Avail, 1)]),
        ],
    );
    assert!(run(&wrong).is_err());
    let wrong = case(
        "testAcquireSingleRecord (altered)",
        0,
        &[A(M1, 0, ALL, 1, &[(0, 0, 2)])],
    );
    assert!(run(&wrong).is_err());
}

// Known differences: Kafka's answer asserted, ignored, listed in the README's "Simplifications".

/// `testAcknowledgeRollbackWithFullBatchError`: Kafka validates a whole acknowledge request
/// before applying it, so a request whose last batch repeats 15..19 is refused and every record
/// stays ACQUIRED. Mailroom acknowledges record by record (its members acknowledge only what
/// they hold, once): the earlier batches of the request are applied.
#[test]
#[ignore = "known difference: Kafka's acknowledge request is all-or-nothing; Mailroom's is per record"]
fn an_acknowledge_request_with_one_invalid_batch_changes_nothing_as_in_kafka() {
    let c = case(
        "testAcknowledgeRollbackWithFullBatchError",
        5,
        &[
            A(M1, 0, ALL, 20, &[(5, 19, 1)]),
            K(M1, 5, 9, Release, None),
            K(M1, 10, 19, Accept, None),
            K(M1, 15, 19, Accept, Some(false)),
            C(20, Some(5), &[(5, 19, Acq, 1)]),
        ],
    );
    run(&c).unwrap();
}

/// `testAcquireWithMaxFetchRecords`: Kafka's `maxFetchRecords` is met batch by batch, so with a
/// limit of 10 a fetch of one 25-record batch from offset 5 acquires 5..24 (20 records).
/// Mailroom stops at exactly `max` records (its log has no record batches).
#[test]
#[ignore = "known difference: Kafka acquires whole fetched batches past maxFetchRecords"]
fn max_fetch_records_admits_a_whole_batch_as_in_kafka() {
    let c = case(
        "testAcquireWithMaxFetchRecords",
        0,
        &[
            A(M1, 0, 10, 5, &[(0, 4, 1)]),
            A(M1, 0, 10, 25, &[(5, 24, 1)]),
        ],
    );
    run(&c).unwrap();
}

/// `testAcknowledgeBatchPostLsoMovement`: after the log start offset moved to 14, Kafka accepts
/// an acknowledgement of 2..14, skipping the offsets below the start offset, and acknowledges
/// 14. Mailroom forgets records below a moved start offset (counted lost) and refuses their
/// acknowledgement as not held.
#[test]
#[ignore = "known difference: Kafka ignores acknowledgements below the start offset; Mailroom refuses them"]
fn acknowledging_below_a_moved_start_offset_succeeds_as_in_kafka() {
    let c = case(
        "testAcknowledgeBatchPostLsoMovement",
        2,
        &[
            A(M1, 0, ALL, 25, &[(2, 24, 1)]),
            L(14),
            C(25, Some(14), &[(14, 24, Acq, 1)]),
            K(M1, 2, 14, Accept, Some(true)),
            C(25, Some(14), &[(14, 14, Acked, 1), (15, 24, Acq, 1)]),
        ],
    );
    run(&c).unwrap();
}

/// The known differences are real: Mailroom's answers differ from the Kafka answers above.
#[test]
fn the_known_differences_still_differ() {
    let rollback = case(
        "testAcknowledgeRollbackWithFullBatchError",
        5,
        &[
            A(M1, 0, ALL, 20, &[(5, 19, 1)]),
            K(M1, 5, 9, Release, None),
            K(M1, 10, 19, Accept, None),
            K(M1, 15, 19, Accept, Some(false)),
            C(20, Some(5), &[(5, 19, Acq, 1)]),
        ],
    );
    assert!(run(&rollback).is_err());
    let batch = case(
        "testAcquireWithMaxFetchRecords",
        0,
        &[
            A(M1, 0, 10, 5, &[(0, 4, 1)]),
            A(M1, 0, 10, 25, &[(5, 24, 1)]),
        ],
    );
    assert!(run(&batch).is_err());
    let below = case(
        "testAcknowledgeBatchPostLsoMovement",
        2,
        &[
            A(M1, 0, ALL, 25, &[(2, 24, 1)]),
            L(14),
            K(M1, 2, 14, Accept, Some(true)),
        ],
    );
    assert!(run(&below).is_err());
}
