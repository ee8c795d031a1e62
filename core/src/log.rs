//! A partition's offset log (Kafka's `UnifiedLog`, reduced to what the lesson needs).
//!
//! Offsets start at 0 and grow by one per appended entry; records stay after they are read.
//! Storage is columnar (one `u32` key and one `u8` flag per entry) so that appending a batch
//! is a couple of `extend`s and no per-record allocation. Retention deletes from the head and
//! advances the log-start offset, which bounds memory. Transaction markers (control records)
//! take an offset, as in Kafka, and are never handed to the application.

use std::collections::VecDeque;

/// Key slot value meaning "no key".
pub const NO_KEY: u32 = u32::MAX;

/// What an entry of the log is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum EntryKind {
    /// An ordinary record.
    Plain = 0,
    /// A record of a transaction that is still open.
    Open = 1,
    /// A record of a committed transaction.
    Committed = 2,
    /// A record of an aborted transaction (read_committed readers skip it).
    Aborted = 3,
    /// A commit or abort marker.
    Marker = 4,
}

impl EntryKind {
    fn from_u8(v: u8) -> EntryKind {
        match v {
            0 => EntryKind::Plain,
            1 => EntryKind::Open,
            2 => EntryKind::Committed,
            3 => EntryKind::Aborted,
            _ => EntryKind::Marker,
        }
    }

    /// Whether the application sees this entry under the given isolation.
    pub fn visible(self, read_committed: bool) -> bool {
        match self {
            EntryKind::Plain | EntryKind::Committed => true,
            EntryKind::Open | EntryKind::Aborted => !read_committed,
            EntryKind::Marker => false,
        }
    }
}

/// One partition's log.
#[derive(Clone, Debug, Default)]
pub struct PartitionLog {
    log_start_offset: u64,
    keys: VecDeque<u32>,
    kinds: VecDeque<u8>,
    /// First offset of each open transaction's first record here, oldest first.
    open_txn_starts: Vec<(u64, u64)>,
}

impl PartitionLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// First offset still stored.
    pub fn log_start_offset(&self) -> u64 {
        self.log_start_offset
    }

    /// Offset the next entry will get.
    pub fn log_end_offset(&self) -> u64 {
        self.log_start_offset + self.keys.len() as u64
    }

    /// Last stable offset: the first offset of the oldest open transaction, or the log end.
    pub fn last_stable_offset(&self) -> u64 {
        self.open_txn_starts
            .first()
            .map(|&(_, o)| o)
            .unwrap_or_else(|| self.log_end_offset())
    }

    /// Appends plain records with the given keys; returns the base offset.
    pub fn append(&mut self, keys: impl IntoIterator<Item = u32>) -> u64 {
        let base = self.log_end_offset();
        self.keys.extend(keys);
        let n = self.keys.len() - self.kinds.len();
        self.kinds
            .extend(std::iter::repeat_n(EntryKind::Plain as u8, n));
        base
    }

    /// Appends `n` unkeyed plain records without materialising their keys one by one.
    pub fn append_unkeyed(&mut self, n: usize) -> u64 {
        let base = self.log_end_offset();
        self.keys.extend(std::iter::repeat_n(NO_KEY, n));
        self.kinds
            .extend(std::iter::repeat_n(EntryKind::Plain as u8, n));
        base
    }

    /// Appends one record of the open transaction `txn`; returns its offset.
    pub fn append_transactional(&mut self, txn: u64, key: u32) -> u64 {
        let off = self.log_end_offset();
        if !self.open_txn_starts.iter().any(|&(t, _)| t == txn) {
            self.open_txn_starts.push((txn, off));
        }
        self.keys.push_back(key);
        self.kinds.push_back(EntryKind::Open as u8);
        off
    }

    /// Ends transaction `txn` here: its records become committed or aborted and a marker is
    /// appended. Returns the number of its records, or `None` if it wrote nothing here.
    pub fn end_transaction(&mut self, txn: u64, commit: bool, records: &[u64]) -> Option<u32> {
        let i = self.open_txn_starts.iter().position(|&(t, _)| t == txn)?;
        self.open_txn_starts.remove(i);
        let kind = if commit {
            EntryKind::Committed
        } else {
            EntryKind::Aborted
        };
        let mut n = 0;
        for &off in records {
            if let Some(k) = self.slot(off) {
                self.kinds[k] = kind as u8;
                n += 1;
            }
        }
        self.keys.push_back(NO_KEY);
        self.kinds.push_back(EntryKind::Marker as u8);
        Some(n)
    }

    fn slot(&self, offset: u64) -> Option<usize> {
        if offset < self.log_start_offset {
            return None;
        }
        let i = (offset - self.log_start_offset) as usize;
        (i < self.keys.len()).then_some(i)
    }

    /// The key at `offset` (`NO_KEY` for none or for an offset no longer stored).
    pub fn key(&self, offset: u64) -> u32 {
        self.slot(offset).map(|i| self.keys[i]).unwrap_or(NO_KEY)
    }

    /// The entry kind at `offset` (`Plain` for an offset no longer stored).
    pub fn kind(&self, offset: u64) -> EntryKind {
        self.slot(offset)
            .map(|i| EntryKind::from_u8(self.kinds[i]))
            .unwrap_or(EntryKind::Plain)
    }

    /// How many application-visible records lie in `[from, to)`.
    pub fn visible_in(&self, from: u64, to: u64, read_committed: bool) -> u64 {
        let from = from.max(self.log_start_offset);
        let to = to.min(self.log_end_offset());
        if from >= to {
            return 0;
        }
        let (a, b) = (
            (from - self.log_start_offset) as usize,
            (to - self.log_start_offset) as usize,
        );
        // Fast path: most logs never see a transaction.
        if self.open_txn_starts.is_empty() && !self.has_control_or_txn(a, b) {
            return (b - a) as u64;
        }
        self.kinds
            .range(a..b)
            .filter(|&&k| EntryKind::from_u8(k).visible(read_committed))
            .count() as u64
    }

    fn has_control_or_txn(&self, a: usize, b: usize) -> bool {
        self.kinds.range(a..b).any(|&k| k != EntryKind::Plain as u8)
    }

    /// Deletes entries from the head until at most `keep` remain; returns the new log-start
    /// offset if it moved.
    pub fn enforce_retention(&mut self, keep: u64) -> Option<u64> {
        if keep == 0 || (self.keys.len() as u64) <= keep {
            return None;
        }
        let drop = self.keys.len() - keep as usize;
        self.keys.drain(..drop);
        self.kinds.drain(..drop);
        self.log_start_offset += drop as u64;
        Some(self.log_start_offset)
    }

    /// The newest `n` entries as (base offset, keys, kinds).
    pub fn tail(&self, n: usize) -> (u64, Vec<Option<u32>>, Vec<u8>) {
        let len = self.keys.len();
        let from = len.saturating_sub(n);
        let keys = self
            .keys
            .range(from..)
            .map(|&k| (k != NO_KEY).then_some(k))
            .collect();
        let kinds = self.kinds.range(from..).copied().collect();
        (self.log_start_offset + from as u64, keys, kinds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_dense_from_zero() {
        let mut log = PartitionLog::new();
        assert_eq!(log.append([1, 2, 3]), 0);
        assert_eq!(log.append_unkeyed(2), 3);
        assert_eq!(log.log_end_offset(), 5);
        assert_eq!(log.key(1), 2);
        assert_eq!(log.key(4), NO_KEY);
    }

    #[test]
    fn retention_moves_log_start_but_keeps_offsets() {
        let mut log = PartitionLog::new();
        log.append_unkeyed(10);
        assert_eq!(log.enforce_retention(4), Some(6));
        assert_eq!(log.log_start_offset(), 6);
        assert_eq!(log.log_end_offset(), 10);
        assert_eq!(log.append([9]), 10);
    }

    #[test]
    fn open_transaction_holds_back_the_last_stable_offset_until_its_marker() {
        let mut log = PartitionLog::new();
        log.append([1]);
        let a = log.append_transactional(7, 2);
        let b = log.append_transactional(7, 3);
        assert_eq!(log.last_stable_offset(), 1);
        assert_eq!(log.visible_in(0, 3, true), 1);
        assert_eq!(log.end_transaction(7, false, &[a, b]), Some(2));
        assert_eq!(log.last_stable_offset(), 4);
        assert_eq!(log.kind(3), EntryKind::Marker);
        assert_eq!(log.visible_in(0, 4, true), 1);
        // read_uncommitted readers do see aborted records; nobody sees the marker.
        assert_eq!(log.visible_in(0, 4, false), 3);
    }
}
