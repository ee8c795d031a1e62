//! A share-partition (KIP-932, Kafka's `SharePartition` in `core/.../server/share`): the
//! broker-side state one share group keeps for one topic-partition.
//!
//! Records between the share-partition start offset (SPSO) and end offset (SPEO) are *in
//! flight*: each is AVAILABLE, ACQUIRED (locked by one member until a deadline),
//! ACKNOWLEDGED or ARCHIVED, with a delivery count. Members acquire records with a share fetch;
//! each acquisition counts one delivery and locks the record for
//! `group.share.record.lock.duration.ms`. An acknowledgement ACCEPTs (→ ACKNOWLEDGED), RELEASEs
//! (→ AVAILABLE again, for anyone) or REJECTs (→ ARCHIVED). A lock that runs out makes the
//! record AVAILABLE again. A record released or expired after its
//! `group.share.delivery.count.limit`-th delivery is ARCHIVED instead: the poison-message guard.
//! The SPSO moves past the leading run of ACKNOWLEDGED/ARCHIVED records, which are then
//! forgotten; at most `group.share.partition.max.record.locks` records are in flight, so the
//! state is bounded no matter how far the log runs ahead.
//!
//! Pure state machine: no clock (times are passed in), no events (results are returned); the
//! simulation drives it from `sim/share_group.rs`.

use std::collections::VecDeque;

use serde::Serialize;

/// A record's state in the share-partition (Kafka's `RecordState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RecordState {
    /// May be acquired by any member.
    Available,
    /// Locked by one member until its lock deadline.
    Acquired,
    /// Accepted: processed for good.
    Acknowledged,
    /// Given up: rejected, or out of deliveries.
    Archived,
}

/// How a member acknowledges a record (Kafka's `AcknowledgeType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum AckType {
    /// Processed successfully.
    Accept,
    /// Not processed; deliver it again (to anyone).
    Release,
    /// Unprocessable; never deliver it again.
    Reject,
}

/// A member holding locks, with the process incarnation (a restarted process is a new holder).
pub type Holder = (u32, u32);

#[derive(Clone, Copy, Debug)]
struct InFlight {
    state: RecordState,
    delivery_count: u16,
    holder: Holder,
    lock_until_ms: u64,
}

/// One acquired record handed to a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acquired {
    /// Its offset.
    pub offset: u64,
    /// Deliveries so far, this one included (1 = first delivery).
    pub delivery_count: u16,
}

/// What an acknowledgement, a lock expiry or a release did to one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// ACCEPTed.
    Acknowledged,
    /// AVAILABLE again: it will be delivered again.
    Available,
    /// ARCHIVED: rejected, or its last allowed delivery failed.
    Archived,
}

/// Why an acknowledgement was refused (Kafka answers `INVALID_RECORD_STATE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckError {
    /// The record is not acquired by this member (its lock expired, maybe someone else has it
    /// now, or it was already acknowledged).
    NotHeld,
}

/// The accounting one share group keeps per share-partition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ShareLedger {
    /// Acquisitions (deliveries) in all.
    pub deliveries: u64,
    /// Deliveries beyond a record's first.
    pub redeliveries: u64,
    /// Successful processings by the application (repeats after a lost lock included).
    pub processed: u64,
    /// Records ACCEPTed.
    pub acknowledged: u64,
    /// Records archived (rejected or out of deliveries).
    pub archived: u64,
    /// Records that left the share-partition's window neither acknowledged nor archived
    /// (only retention deleting them before delivery can do that): must stay 0.
    pub lost: u64,
}

/// The share-partition's configuration (Kafka's broker/group configs of the same names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShareLimits {
    /// `group.share.record.lock.duration.ms`.
    pub lock_ms: u64,
    /// `group.share.delivery.count.limit`.
    pub delivery_limit: u16,
    /// `group.share.partition.max.record.locks`: most records in flight (SPEO − SPSO).
    pub max_in_flight: u32,
}

/// One share group's state for one topic-partition.
#[derive(Clone, Debug)]
pub struct SharePartition {
    limits: ShareLimits,
    /// SPSO; `None` until the first share fetch initializes it (`share.auto.offset.reset`).
    spso: Option<u64>,
    /// States of offsets `spso .. spso + len` (so SPEO = spso + len).
    window: VecDeque<InFlight>,
    acquired: u32,
    available: u32,
    /// Accounting.
    pub ledger: ShareLedger,
}

impl SharePartition {
    /// An uninitialized share-partition.
    pub fn new(limits: ShareLimits) -> SharePartition {
        SharePartition {
            limits,
            spso: None,
            window: VecDeque::new(),
            acquired: 0,
            available: 0,
            ledger: ShareLedger::default(),
        }
    }

    /// Sets the SPSO on first use (Kafka initializes from `share.auto.offset.reset`: the log
    /// start for `earliest`, the log end for `latest`).
    pub fn initialize(&mut self, start: u64) {
        if self.spso.is_none() {
            self.spso = Some(start);
        }
    }

    /// Whether the SPSO is set.
    pub fn initialized(&self) -> bool {
        self.spso.is_some()
    }

    /// Share-partition start offset (0 before initialization).
    pub fn spso(&self) -> u64 {
        self.spso.unwrap_or(0)
    }

    /// Share-partition end offset: one past the last record ever acquired.
    pub fn speo(&self) -> u64 {
        self.spso() + self.window.len() as u64
    }

    /// Records acquired now.
    pub fn acquired_count(&self) -> u32 {
        self.acquired
    }

    /// In-flight records AVAILABLE for redelivery now.
    pub fn available_count(&self) -> u32 {
        self.available
    }

    /// Records in the in-flight window (SPEO − SPSO).
    pub fn in_flight(&self) -> usize {
        self.window.len()
    }

    /// Highest delivery count among records still in flight (0 if none).
    pub fn max_delivery_count(&self) -> u16 {
        self.window
            .iter()
            .filter(|r| matches!(r.state, RecordState::Acquired | RecordState::Available))
            .map(|r| r.delivery_count)
            .max()
            .unwrap_or(0)
    }

    /// State, delivery count, holder slot and lock deadline of an in-flight record.
    pub fn record(&self, offset: u64) -> Option<(RecordState, u16, Option<u32>, u64)> {
        let r = self.window.get(offset.checked_sub(self.spso?)? as usize)?;
        let acquired = r.state == RecordState::Acquired;
        Some((
            r.state,
            r.delivery_count,
            acquired.then_some(r.holder.0),
            if acquired { r.lock_until_ms } else { 0 },
        ))
    }

    /// The earliest lock deadline among acquired records.
    pub fn next_lock_deadline(&self) -> Option<u64> {
        // Locks are taken with one fixed duration, so deadlines grow with acquisition time, but
        // a redelivered low offset can carry a later deadline than a higher one: scan.
        (self.acquired > 0).then(|| {
            self.window
                .iter()
                .filter(|r| r.state == RecordState::Acquired)
                .map(|r| r.lock_until_ms)
                .min()
                .unwrap_or(u64::MAX)
        })
    }

    /// Whether a share fetch could acquire anything now with the log ending at `log_end`.
    pub fn can_acquire(&self, log_end: u64) -> bool {
        self.spso.is_some()
            && (self.available > 0
                || (self.speo() < log_end
                    && self.window.len() < self.limits.max_in_flight as usize))
    }

    /// Kafka's `SharePartition.acquire`: AVAILABLE in-flight records first (lowest offsets),
    /// then new records from SPEO up to `log_end`, at most `max` in all and never more than
    /// `max_in_flight` records in the window. Each acquisition counts a delivery and locks the
    /// record for `holder` until `now + lock_ms`. Appends to `out`; returns how many.
    pub fn acquire(
        &mut self,
        holder: Holder,
        now: u64,
        max: u32,
        log_end: u64,
        out: &mut Vec<Acquired>,
    ) -> u32 {
        let Some(spso) = self.spso else { return 0 };
        let lock_until_ms = now + self.limits.lock_ms;
        let mut n = 0u32;
        if self.available > 0 {
            for (i, r) in self.window.iter_mut().enumerate() {
                if n == max {
                    break;
                }
                if r.state == RecordState::Available {
                    r.state = RecordState::Acquired;
                    r.delivery_count += 1;
                    r.holder = holder;
                    r.lock_until_ms = lock_until_ms;
                    self.available -= 1;
                    self.acquired += 1;
                    self.ledger.deliveries += 1;
                    self.ledger.redeliveries += 1;
                    n += 1;
                    out.push(Acquired {
                        offset: spso + i as u64,
                        delivery_count: r.delivery_count,
                    });
                }
            }
        }
        while n < max
            && self.speo() < log_end
            && self.window.len() < self.limits.max_in_flight as usize
        {
            let offset = self.speo();
            self.window.push_back(InFlight {
                state: RecordState::Acquired,
                delivery_count: 1,
                holder,
                lock_until_ms,
            });
            self.acquired += 1;
            self.ledger.deliveries += 1;
            n += 1;
            out.push(Acquired {
                offset,
                delivery_count: 1,
            });
        }
        n
    }

    /// A delivery ended without acceptance (RELEASE, lock expiry, member gone): AVAILABLE
    /// again, or ARCHIVED once the record used its last allowed delivery.
    fn end_delivery(&mut self, i: usize) -> Outcome {
        let limit = self.limits.delivery_limit;
        let r = &mut self.window[i];
        self.acquired -= 1;
        if r.delivery_count >= limit {
            r.state = RecordState::Archived;
            self.ledger.archived += 1;
            Outcome::Archived
        } else {
            r.state = RecordState::Available;
            self.available += 1;
            Outcome::Available
        }
    }

    fn index_held(&self, holder: Holder, offset: u64) -> Result<usize, AckError> {
        let spso = self.spso.ok_or(AckError::NotHeld)?;
        let i = offset.checked_sub(spso).ok_or(AckError::NotHeld)? as usize;
        match self.window.get(i) {
            Some(r) if r.state == RecordState::Acquired && r.holder == holder => Ok(i),
            _ => Err(AckError::NotHeld),
        }
    }

    /// Kafka's `SharePartition.acknowledge` for one record: only the member holding the lock
    /// may acknowledge it.
    pub fn acknowledge(
        &mut self,
        holder: Holder,
        offset: u64,
        ack: AckType,
    ) -> Result<Outcome, AckError> {
        let i = self.index_held(holder, offset)?;
        let out = match ack {
            AckType::Accept => {
                self.window[i].state = RecordState::Acknowledged;
                self.acquired -= 1;
                self.ledger.acknowledged += 1;
                Outcome::Acknowledged
            }
            AckType::Release => self.end_delivery(i),
            AckType::Reject => {
                self.window[i].state = RecordState::Archived;
                self.acquired -= 1;
                self.ledger.archived += 1;
                Outcome::Archived
            }
        };
        self.advance_start();
        Ok(out)
    }

    /// Locks whose deadline is at or before `now` run out (Kafka's acquisition lock timer
    /// task): each record is AVAILABLE again or ARCHIVED. Calls `f(offset, holder slot,
    /// delivery count, outcome)` for each.
    pub fn expire_locks(&mut self, now: u64, mut f: impl FnMut(u64, u32, u16, Outcome)) {
        if self.acquired == 0 {
            return;
        }
        let spso = self.spso();
        for i in 0..self.window.len() {
            let r = self.window[i];
            if r.state == RecordState::Acquired && r.lock_until_ms <= now {
                let o = self.end_delivery(i);
                f(spso + i as u64, r.holder.0, r.delivery_count, o);
            }
        }
        self.advance_start();
    }

    /// Releases every lock `holder` has (a member that left or was fenced; Kafka's
    /// `releaseAcquiredRecords`). Calls `f(offset, delivery count, outcome)` for each.
    pub fn release_holder(&mut self, holder: Holder, mut f: impl FnMut(u64, u16, Outcome)) {
        if self.acquired == 0 {
            return;
        }
        let spso = self.spso();
        for i in 0..self.window.len() {
            let r = self.window[i];
            if r.state == RecordState::Acquired && r.holder == holder {
                let o = self.end_delivery(i);
                f(spso + i as u64, r.delivery_count, o);
            }
        }
        self.advance_start();
    }

    /// Moves the SPSO past the leading run of finished records, forgetting them.
    fn advance_start(&mut self) {
        let Some(spso) = self.spso.as_mut() else {
            return;
        };
        while let Some(r) = self.window.front() {
            match r.state {
                RecordState::Acknowledged | RecordState::Archived => {
                    self.window.pop_front();
                    *spso += 1;
                }
                _ => break,
            }
        }
    }

    /// Retention deleted records below `log_start`: the SPSO moves up to it. Records dropped
    /// unfinished (never delivered, or in flight) are lost; returns how many.
    pub fn truncate_to(&mut self, log_start: u64) -> u64 {
        let Some(spso) = self.spso else { return 0 };
        if log_start <= spso {
            return 0;
        }
        let mut lost = 0;
        let mut cur = spso;
        while cur < log_start {
            match self.window.pop_front() {
                Some(r) => {
                    match r.state {
                        RecordState::Acquired => {
                            self.acquired -= 1;
                            lost += 1;
                        }
                        RecordState::Available => {
                            self.available -= 1;
                            lost += 1;
                        }
                        RecordState::Acknowledged | RecordState::Archived => {}
                    }
                    cur += 1;
                }
                None => {
                    lost += log_start - cur;
                    cur = log_start;
                }
            }
        }
        self.spso = Some(log_start);
        self.ledger.lost += lost;
        lost
    }

    /// Bytes a clone allocates.
    pub fn approx_bytes(&self) -> usize {
        std::mem::size_of::<SharePartition>()
            + self.window.capacity() * std::mem::size_of::<InFlight>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Holder = (0, 1);
    const B: Holder = (1, 1);

    fn sp(limit: u16, max: u32) -> SharePartition {
        let mut sp = SharePartition::new(ShareLimits {
            lock_ms: 1000,
            delivery_limit: limit,
            max_in_flight: max,
        });
        sp.initialize(0);
        sp
    }

    fn offsets(v: &[Acquired]) -> Vec<u64> {
        v.iter().map(|a| a.offset).collect()
    }

    #[test]
    fn acquire_locks_new_records_up_to_max_and_log_end() {
        let mut p = sp(5, 100);
        let mut out = Vec::new();
        assert_eq!(p.acquire(A, 0, 3, 10, &mut out), 3);
        assert_eq!(offsets(&out), [0, 1, 2]);
        out.clear();
        assert_eq!(p.acquire(B, 0, 100, 5, &mut out), 2);
        assert_eq!(offsets(&out), [3, 4]);
        assert_eq!((p.spso(), p.speo(), p.acquired_count()), (0, 5, 5));
        assert_eq!(p.record(3), Some((RecordState::Acquired, 1, Some(1), 1000)));
    }

    #[test]
    fn a_record_is_never_acquired_twice_at_once() {
        let mut p = sp(5, 100);
        let mut out = Vec::new();
        p.acquire(A, 0, 2, 2, &mut out);
        out.clear();
        assert_eq!(p.acquire(B, 0, 10, 2, &mut out), 0);
        assert!(!p.can_acquire(2));
    }

    #[test]
    fn accept_advances_the_start_over_the_finished_prefix_only() {
        let mut p = sp(5, 100);
        let mut out = Vec::new();
        p.acquire(A, 0, 3, 3, &mut out);
        assert_eq!(
            p.acknowledge(A, 1, AckType::Accept),
            Ok(Outcome::Acknowledged)
        );
        assert_eq!(p.spso(), 0, "offset 0 is still in flight");
        assert_eq!(
            p.acknowledge(A, 0, AckType::Accept),
            Ok(Outcome::Acknowledged)
        );
        assert_eq!((p.spso(), p.speo()), (2, 3));
        assert_eq!(p.in_flight(), 1);
    }

    #[test]
    fn only_the_lock_holder_may_acknowledge() {
        let mut p = sp(5, 100);
        let mut out = Vec::new();
        p.acquire(A, 0, 1, 1, &mut out);
        assert_eq!(p.acknowledge(B, 0, AckType::Accept), Err(AckError::NotHeld));
        assert_eq!(
            p.acknowledge((0, 2), 0, AckType::Accept),
            Err(AckError::NotHeld)
        );
        assert_eq!(
            p.acknowledge(A, 0, AckType::Accept),
            Ok(Outcome::Acknowledged)
        );
        assert_eq!(p.acknowledge(A, 0, AckType::Accept), Err(AckError::NotHeld));
    }

    #[test]
    fn release_makes_it_available_to_anyone_with_a_higher_delivery_count() {
        let mut p = sp(5, 100);
        let mut out = Vec::new();
        p.acquire(A, 0, 1, 1, &mut out);
        assert_eq!(
            p.acknowledge(A, 0, AckType::Release),
            Ok(Outcome::Available)
        );
        assert_eq!(p.available_count(), 1);
        out.clear();
        assert_eq!(p.acquire(B, 5, 10, 1, &mut out), 1);
        assert_eq!(
            out[0],
            Acquired {
                offset: 0,
                delivery_count: 2
            }
        );
        assert_eq!(p.ledger.redeliveries, 1);
    }

    #[test]
    fn reject_archives_at_once() {
        let mut p = sp(5, 100);
        let mut out = Vec::new();
        p.acquire(A, 0, 1, 1, &mut out);
        assert_eq!(p.acknowledge(A, 0, AckType::Reject), Ok(Outcome::Archived));
        assert_eq!((p.spso(), p.ledger.archived), (1, 1));
    }

    #[test]
    fn an_expired_lock_makes_the_record_available_again() {
        let mut p = sp(5, 100);
        let mut out = Vec::new();
        p.acquire(A, 0, 2, 2, &mut out);
        assert_eq!(p.next_lock_deadline(), Some(1000));
        let mut seen = Vec::new();
        p.expire_locks(999, |o, h, _, x| seen.push((o, h, x)));
        assert!(seen.is_empty());
        p.expire_locks(1000, |o, h, _, x| seen.push((o, h, x)));
        assert_eq!(
            seen,
            [(0, 0, Outcome::Available), (1, 0, Outcome::Available)]
        );
        assert_eq!(p.acknowledge(A, 0, AckType::Accept), Err(AckError::NotHeld));
        assert_eq!(p.next_lock_deadline(), None);
    }

    #[test]
    fn the_delivery_limit_archives_a_record_that_keeps_failing() {
        let mut p = sp(3, 100);
        let mut out = Vec::new();
        for attempt in 1..=3u16 {
            out.clear();
            assert_eq!(p.acquire(A, 0, 1, 1, &mut out), 1);
            assert_eq!(out[0].delivery_count, attempt);
            let o = p.acknowledge(A, 0, AckType::Release).unwrap();
            let want = if attempt < 3 {
                Outcome::Available
            } else {
                Outcome::Archived
            };
            assert_eq!(o, want);
        }
        out.clear();
        assert_eq!(p.acquire(A, 0, 1, 1, &mut out), 0);
        assert_eq!(
            (p.spso(), p.ledger.archived, p.ledger.redeliveries),
            (1, 1, 2)
        );
    }

    #[test]
    fn in_flight_records_are_bounded_by_max_record_locks() {
        let mut p = sp(5, 4);
        let mut out = Vec::new();
        assert_eq!(p.acquire(A, 0, 100, 100, &mut out), 4);
        assert!(!p.can_acquire(100));
        p.acknowledge(A, 0, AckType::Accept).unwrap();
        assert!(p.can_acquire(100));
        out.clear();
        assert_eq!(p.acquire(A, 0, 100, 100, &mut out), 1);
        assert_eq!(offsets(&out), [4]);
    }

    #[test]
    fn releasing_a_holder_frees_only_its_locks() {
        let mut p = sp(5, 100);
        let mut out = Vec::new();
        p.acquire(A, 0, 2, 2, &mut out);
        p.acquire(B, 0, 2, 4, &mut out);
        let mut n = 0;
        p.release_holder(A, |_, _, _| n += 1);
        assert_eq!((n, p.available_count(), p.acquired_count()), (2, 2, 2));
    }

    #[test]
    fn retention_past_undelivered_records_counts_them_lost() {
        let mut p = sp(5, 100);
        let mut out = Vec::new();
        p.acquire(A, 0, 1, 1, &mut out);
        p.acknowledge(A, 0, AckType::Accept).unwrap();
        assert_eq!(p.truncate_to(1), 0);
        assert_eq!(p.truncate_to(4), 3);
        assert_eq!((p.spso(), p.ledger.lost), (4, 3));
    }
}
