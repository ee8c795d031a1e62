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

/// How many of a partition's newest keys a light log remembers (what the stage draws).
pub const RECENT_KEYS: usize = 64;

/// One partition's log.
///
/// A log stores every entry's key and kind only when something needs them later
/// ([`PartitionLog::new_full`]: a topic written or read by a transactional group, whose records'
/// keys and transaction kinds the model consults). Every other log is *light*: it counts offsets
/// and keeps the newest [`RECENT_KEYS`] keys for drawing, so its memory is constant however many
/// records pass through, and cloning it for a checkpoint costs nothing per record.
#[derive(Clone, Debug, Default)]
pub struct PartitionLog {
    log_start_offset: u64,
    log_end_offset: u64,
    /// Keys and kinds of every stored entry (full logs only), from `log_start_offset`.
    keys: VecDeque<u32>,
    kinds: VecDeque<u8>,
    full: bool,
    /// Light logs: the keys of the newest entries (at most `RECENT_KEYS`), ending at the log end.
    recent: VecDeque<u32>,
    /// First offset of each open transaction's first record here, oldest first.
    open_txn_starts: Vec<(u64, u64)>,
}

impl PartitionLog {
    /// An empty light log (offsets and the newest keys only).
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty full log (every entry's key and kind, for transactions).
    pub fn new_full() -> Self {
        PartitionLog {
            full: true,
            ..Self::default()
        }
    }

    /// First offset still stored.
    #[inline]
    pub fn log_start_offset(&self) -> u64 {
        self.log_start_offset
    }

    /// Offset the next entry will get.
    #[inline]
    pub fn log_end_offset(&self) -> u64 {
        self.log_end_offset
    }

    /// Entries stored per record (keys and kinds), for memory accounting: 0 for a light log.
    pub fn stored_entries(&self) -> usize {
        self.keys.len()
    }

    /// Last stable offset: the first offset of the oldest open transaction, or the log end.
    #[inline]
    pub fn last_stable_offset(&self) -> u64 {
        self.open_txn_starts
            .first()
            .map(|&(_, o)| o)
            .unwrap_or(self.log_end_offset)
    }

    fn remember_recent(&mut self, keys: impl ExactSizeIterator<Item = u32>) {
        let n = keys.len();
        if n >= RECENT_KEYS {
            self.recent.clear();
            self.recent.extend(keys.skip(n - RECENT_KEYS));
        } else {
            // Batches are mostly a record or a few: slide the window one key at a time
            // (no `Drain` to build and drop on every append).
            for key in keys {
                if self.recent.len() == RECENT_KEYS {
                    self.recent.pop_front();
                }
                self.recent.push_back(key);
            }
        }
    }

    /// Appends plain records with the given keys; returns the base offset.
    pub fn append(&mut self, keys: &[u32]) -> u64 {
        let base = self.log_end_offset;
        self.log_end_offset += keys.len() as u64;
        if self.full {
            self.keys.extend(keys.iter().copied());
            self.kinds
                .extend(std::iter::repeat_n(EntryKind::Plain as u8, keys.len()));
        } else {
            self.remember_recent(keys.iter().copied());
        }
        base
    }

    /// Appends `n` unkeyed plain records without materialising their keys one by one.
    pub fn append_unkeyed(&mut self, n: usize) -> u64 {
        let base = self.log_end_offset;
        self.log_end_offset += n as u64;
        if self.full {
            self.keys.extend(std::iter::repeat_n(NO_KEY, n));
            self.kinds
                .extend(std::iter::repeat_n(EntryKind::Plain as u8, n));
        } else {
            self.remember_recent(std::iter::repeat_n(NO_KEY, n.min(RECENT_KEYS)));
        }
        base
    }

    /// Appends one record of the open transaction `txn`; returns its offset. The log becomes
    /// full from here on if it was light (transactions need every entry's kind).
    pub fn append_transactional(&mut self, txn: u64, key: u32) -> u64 {
        self.make_full();
        let off = self.log_end_offset;
        if !self.open_txn_starts.iter().any(|&(t, _)| t == txn) {
            self.open_txn_starts.push((txn, off));
        }
        self.push_full(key, EntryKind::Open);
        off
    }

    fn push_full(&mut self, key: u32, kind: EntryKind) {
        self.keys.push_back(key);
        self.kinds.push_back(kind as u8);
        self.log_end_offset += 1;
    }

    /// Switches a light log to full storage: entries before now are plain and their keys
    /// unknown, so the stored range starts at the log end.
    fn make_full(&mut self) {
        if !self.full {
            self.full = true;
            self.log_start_offset = self.log_start_offset.max(self.log_end_offset);
            self.recent.clear();
        }
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
        self.push_full(NO_KEY, EntryKind::Marker);
        Some(n)
    }

    fn slot(&self, offset: u64) -> Option<usize> {
        if offset < self.log_start_offset {
            return None;
        }
        let i = (offset - self.log_start_offset) as usize;
        (i < self.keys.len()).then_some(i)
    }

    /// The key at `offset` (`NO_KEY` for none, or for an offset whose key is not stored: older
    /// than retention, or older than the newest `RECENT_KEYS` of a light log).
    pub fn key(&self, offset: u64) -> u32 {
        if self.full {
            return self.slot(offset).map(|i| self.keys[i]).unwrap_or(NO_KEY);
        }
        let first_recent =
            (self.log_end_offset - self.recent.len() as u64).max(self.log_start_offset);
        if offset >= first_recent && offset < self.log_end_offset {
            self.recent[self.recent.len() - (self.log_end_offset - offset) as usize]
        } else {
            NO_KEY
        }
    }

    /// The entry kind at `offset` (`Plain` for an offset no longer stored, and always in a
    /// light log).
    pub fn kind(&self, offset: u64) -> EntryKind {
        self.slot(offset)
            .map(|i| EntryKind::from_u8(self.kinds[i]))
            .unwrap_or(EntryKind::Plain)
    }

    /// How many application-visible records lie in `[from, to)`. Inlined: it runs several
    /// times per fetched range, and for a light log it is a clamp and a subtraction.
    #[inline]
    pub fn visible_in(&self, from: u64, to: u64, read_committed: bool) -> u64 {
        let from = from.max(self.log_start_offset);
        let to = to.min(self.log_end_offset);
        if from >= to {
            return 0;
        }
        // Light logs hold plain records only.
        if !self.full {
            return to - from;
        }
        self.visible_in_stored(from, to, read_committed)
    }

    /// [`PartitionLog::visible_in`] over stored entries (full logs), `[from, to)` in range.
    fn visible_in_stored(&self, from: u64, to: u64, read_committed: bool) -> u64 {
        // Most full logs hold plain records only too.
        let (a, b) = (
            (from - self.log_start_offset) as usize,
            (to - self.log_start_offset) as usize,
        );
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
        let len = self.log_end_offset - self.log_start_offset;
        if keep == 0 || len <= keep {
            return None;
        }
        let drop = len - keep;
        if self.full {
            let d = (drop as usize).min(self.keys.len());
            self.keys.drain(..d);
            self.kinds.drain(..d);
        }
        self.log_start_offset += drop;
        Some(self.log_start_offset)
    }

    /// Removes every entry at or above `offset` (a replica whose log diverged from the new
    /// leader's, Kafka's `UnifiedLog.truncateTo`); returns how many entries went. A light log
    /// keeps the newest keys that remain; transactions that had started above `offset` vanish.
    pub fn truncate_to(&mut self, offset: u64) -> u64 {
        if offset >= self.log_end_offset {
            return 0;
        }
        let offset = offset.max(self.log_start_offset);
        let gone = self.log_end_offset - offset;
        if self.full {
            let keep = (offset - self.log_start_offset) as usize;
            self.keys.truncate(keep);
            self.kinds.truncate(keep);
        } else {
            let drop = (gone as usize).min(self.recent.len());
            self.recent.truncate(self.recent.len() - drop);
        }
        self.open_txn_starts.retain(|&(_, o)| o < offset);
        self.log_end_offset = offset;
        gone
    }

    /// The newest entries, at most `n` (and at most [`RECENT_KEYS`] for a light log), as
    /// (base offset, keys, kinds), written into `keys`/`kinds` (cleared first).
    pub fn tail_into(&self, n: usize, keys: &mut Vec<u32>, kinds: &mut Vec<u8>) -> u64 {
        keys.clear();
        kinds.clear();
        if self.full {
            let from = self.keys.len().saturating_sub(n);
            keys.extend(self.keys.range(from..));
            kinds.extend(self.kinds.range(from..));
            self.log_start_offset + from as u64
        } else {
            let stored = (self.log_end_offset - self.log_start_offset) as usize;
            let take = n.min(self.recent.len()).min(stored);
            keys.extend(self.recent.range(self.recent.len() - take..));
            kinds.extend(std::iter::repeat_n(EntryKind::Plain as u8, take));
            self.log_end_offset - take as u64
        }
    }

    /// The newest `n` entries as (base offset, keys, kinds).
    pub fn tail(&self, n: usize) -> (u64, Vec<Option<u32>>, Vec<u8>) {
        let (mut keys, mut kinds) = (Vec::new(), Vec::new());
        let base = self.tail_into(n, &mut keys, &mut kinds);
        let keys = keys
            .into_iter()
            .map(|k| (k != NO_KEY).then_some(k))
            .collect();
        (base, keys, kinds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_dense_from_zero() {
        let mut log = PartitionLog::new_full();
        assert_eq!(log.append(&[1, 2, 3]), 0);
        assert_eq!(log.append_unkeyed(2), 3);
        assert_eq!(log.log_end_offset(), 5);
        assert_eq!(log.key(1), 2);
        assert_eq!(log.key(4), NO_KEY);
    }

    #[test]
    fn retention_moves_log_start_but_keeps_offsets() {
        let mut log = PartitionLog::new_full();
        log.append_unkeyed(10);
        assert_eq!(log.enforce_retention(4), Some(6));
        assert_eq!(log.log_start_offset(), 6);
        assert_eq!(log.log_end_offset(), 10);
        assert_eq!(log.append(&[9]), 10);
    }

    #[test]
    fn open_transaction_holds_back_the_last_stable_offset_until_its_marker() {
        let mut log = PartitionLog::new_full();
        log.append(&[1]);
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

    #[test]
    fn truncation_removes_the_tail_and_offsets_are_reused() {
        for mut log in [PartitionLog::new(), PartitionLog::new_full()] {
            log.append(&[1, 2, 3, 4]);
            assert_eq!(log.truncate_to(2), 2);
            assert_eq!(log.log_end_offset(), 2);
            assert_eq!(log.key(1), 2);
            assert_eq!(log.key(2), NO_KEY);
            assert_eq!(log.append(&[9]), 2);
            assert_eq!(log.key(2), 9);
            assert_eq!(log.truncate_to(7), 0);
        }
    }

    #[test]
    fn a_light_log_counts_offsets_and_keeps_only_the_newest_keys() {
        let mut light = PartitionLog::new();
        let mut full = PartitionLog::new_full();
        for batch in [vec![1u32, 2, 3], (0..100).collect(), vec![7, 8]] {
            assert_eq!(light.append(&batch), full.append(&batch));
        }
        light.append_unkeyed(5);
        full.append_unkeyed(5);
        assert_eq!(light.log_end_offset(), full.log_end_offset());
        assert_eq!(light.enforce_retention(50), full.enforce_retention(50));
        assert_eq!(light.log_start_offset(), full.log_start_offset());
        // The newest RECENT_KEYS keys agree; older ones are unknown to the light log.
        let (lb, lk, _) = light.tail(RECENT_KEYS);
        let (fb, fk, _) = full.tail(RECENT_KEYS);
        assert_eq!((lb, &lk), (fb, &fk));
        assert_eq!(light.key(lb), full.key(lb));
        assert_eq!(light.key(lb - 1), NO_KEY);
        assert_eq!(
            light.visible_in(0, 1000, true),
            full.visible_in(0, 1000, true)
        );
        assert_eq!(light.stored_entries(), 0);
    }
}
