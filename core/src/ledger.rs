//! The delivery ledger: for every group and partition, which records the group has processed,
//! so that every duplicate and every loss is counted the moment it becomes a fact.
//!
//! Within one group a partition is read in offset order by whoever owns it, so "processed" is
//! a prefix: `processed_end` is one past the highest offset processed. Processing below it is a
//! repeat (a duplicate); starting to process above it skips the records in between for good
//! (a loss: the group's position has moved past them). This keeps accounting O(1) per batch and
//! free of per-record memory. The very first position a group starts a partition at (from
//! `auto.offset.reset`) is its baseline, not a loss.

/// One producer's accounting: what happened to every record it sent (Kafka's producer side of
/// the delivery story). Every count is also an event when it changes for a reason a person
/// should see (a failure, a duplicate in the log, an acknowledged record lost, a reordering).
///
/// `sent = acked + failed + in flight`; `acks=0` records count as acknowledged when sent, as
/// Kafka completes their futures then. `log_duplicates` and `acked_lost` are god's-eye facts
/// about the partition logs, which the producer itself never learns.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ProducerLedger {
    /// Records the application handed to `send()`.
    pub sent: u64,
    /// Records whose send completed successfully.
    pub acked: u64,
    /// Records whose send failed for good (retries or `delivery.timeout.ms` exhausted, or a
    /// non-retriable error).
    pub failed: u64,
    /// Records appended to a partition log a second time (a retry after a lost answer, by a
    /// producer without idempotence) while the first copy was still there.
    pub log_duplicates: u64,
    /// Acknowledged records that are not in the log: truncated away after a leader change, or
    /// (`acks=0`) never written at all.
    pub acked_lost: u64,
    /// Records appended after a later record of the same producer and partition (a retried
    /// batch overtaken by the next one): per-key order broken in the log.
    pub reordered: u64,
    /// Batches sent again after a retriable error.
    pub retries: u64,
}

/// One group's accounting of one partition.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartitionLedger {
    /// One past the highest offset processed (or the baseline start), `None` before the group
    /// first positioned itself on the partition.
    pub processed_end: Option<u64>,
    /// Records processed, repeats included.
    pub processed: u64,
    /// Repeats.
    pub duplicates: u64,
    /// Records skipped for good.
    pub lost: u64,
    /// The skipped ranges below `processed_end`, oldest first. A zombie that still holds a
    /// committed batch may process them late: that is their first processing, not a repeat.
    lost_ranges: Vec<(u64, u64)>,
}

/// What processing a range did to the ledger.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Visible records in the range processed before (repeats).
    pub duplicates: u64,
    /// Visible records skipped between the previous end and the range's start: `(first, count)`.
    pub lost: Option<(u64, u64)>,
}

impl PartitionLedger {
    /// Records the group's first start position on the partition (no loss before it).
    pub fn set_baseline(&mut self, offset: u64) {
        if self.processed_end.is_none() {
            self.processed_end = Some(offset);
        }
    }

    /// The group's position on the partition jumps to `offset` (a new owner starting from a
    /// committed offset, or an offset reset): anything unprocessed before it is lost now.
    pub fn skip_to(
        &mut self,
        offset: u64,
        visible: impl Fn(u64, u64) -> u64,
    ) -> Option<(u64, u64)> {
        let end = *self.processed_end.get_or_insert(offset);
        if offset <= end {
            return None;
        }
        self.processed_end = Some(offset);
        let n = visible(end, offset);
        if n == 0 {
            return None;
        }
        self.lost += n;
        self.lost_ranges.push((end, offset));
        Some((end, n))
    }

    /// The partition's log was truncated to `offset` (an unclean leader election): what the
    /// group processed above it is gone, and the offsets will be reused by other records, so the
    /// ledger forgets them (as the consumer does when it detects the truncation, KIP-320).
    pub fn truncate(&mut self, offset: u64) {
        if let Some(end) = self.processed_end.as_mut() {
            *end = (*end).min(offset);
        }
        self.lost_ranges.retain_mut(|r| {
            r.1 = r.1.min(offset);
            r.0 < r.1
        });
    }

    /// Records that `[from, to)` was processed; `visible(a, b)` counts the application-visible
    /// records in `[a, b)` (markers and, for read_committed, aborted records do not count).
    pub fn process(&mut self, from: u64, to: u64, visible: impl Fn(u64, u64) -> u64) -> Outcome {
        let mut out = Outcome::default();
        let end = *self.processed_end.get_or_insert(from);
        if from > end {
            let n = visible(end, from);
            if n > 0 {
                out.lost = Some((end, n));
                self.lost += n;
                self.lost_ranges.push((end, from));
            }
        }
        if from < end {
            let repeat_to = to.min(end);
            let mut repeats = visible(from, repeat_to);
            // Records in a lost range are processed for the first time: no longer lost.
            let mut kept = Vec::with_capacity(self.lost_ranges.len());
            for &(a, b) in &self.lost_ranges {
                let (x, y) = (a.max(from), b.min(repeat_to));
                if x >= y {
                    kept.push((a, b));
                    continue;
                }
                let found = visible(x, y);
                repeats -= found.min(repeats);
                self.lost -= found.min(self.lost);
                if a < x {
                    kept.push((a, x));
                }
                if y < b {
                    kept.push((y, b));
                }
            }
            self.lost_ranges = kept;
            out.duplicates = repeats;
            self.duplicates += repeats;
        }
        self.processed += visible(from, to);
        self.processed_end = Some(end.max(to));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dense(a: u64, b: u64) -> u64 {
        b.saturating_sub(a)
    }

    #[test]
    fn repeat_processing_counts_duplicates() {
        let mut l = PartitionLedger::default();
        l.set_baseline(0);
        assert_eq!(l.process(0, 10, dense), Outcome::default());
        let o = l.process(7, 12, dense);
        assert_eq!(o.duplicates, 3);
        assert_eq!((l.processed, l.duplicates, l.lost), (15, 3, 0));
    }

    #[test]
    fn skipping_ahead_counts_losses() {
        let mut l = PartitionLedger::default();
        l.set_baseline(0);
        l.process(0, 5, dense);
        let o = l.process(8, 9, dense);
        assert_eq!(o.lost, Some((5, 3)));
        assert_eq!(l.lost, 3);
    }

    #[test]
    fn late_processing_of_a_lost_range_is_a_first_processing_not_a_duplicate() {
        let mut l = PartitionLedger::default();
        l.set_baseline(0);
        l.process(0, 5, dense);
        l.process(8, 10, dense);
        assert_eq!(l.lost, 3);
        let o = l.process(5, 9, dense);
        assert_eq!(o.duplicates, 1, "only offset 8 was processed before");
        assert_eq!((l.lost, l.duplicates), (0, 1));
    }

    #[test]
    fn baseline_is_not_a_loss() {
        let mut l = PartitionLedger::default();
        l.set_baseline(100);
        assert_eq!(l.process(100, 101, dense).lost, None);
    }
}
