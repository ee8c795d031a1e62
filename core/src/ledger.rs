//! The delivery ledger: for every group and partition, which records the group has processed,
//! so that every duplicate and every loss is counted the moment it becomes a fact.
//!
//! Within one group a partition is read in offset order by whoever owns it, so "processed" is
//! a prefix: `processed_end` is one past the highest offset processed. Processing below it is a
//! repeat (a duplicate); starting to process above it skips the records in between for good
//! (a loss: the group's position has moved past them). This keeps accounting O(1) per batch and
//! free of per-record memory. The very first position a group starts a partition at (from
//! `auto.offset.reset`) is its baseline, not a loss.

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
