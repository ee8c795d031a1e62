//! The figures a capacity question is answered with, per consumer group: lag (max, p99 and when
//! the worst was first reached), end-to-end latency (append → processed, p50 and p99),
//! duplicates, losses, rebalances and partition downtime.
//!
//! A [`crate::Sim`] keeps them only when asked ([`crate::Sim::set_track_figures`]): tracking
//! reads the model and never changes what it does (the event stream, and so `event_hash`, is the
//! same with and without). Every path (the `simulate` example, a [`crate::sweep::Sweep`], the wasm
//! binding) computes them with this code, so the same scenario and seed give identical figures.
//!
//! ## Definitions
//! - **Lag** of a partition is Kafka's consumer lag: the log-end offset (the last stable offset
//!   for `isolation.level=read_committed`) minus the group's committed offset (with nothing
//!   committed, every record still in the log). `max_lag` is the largest lag of any one partition
//!   seen at any moment (every append and commit updates it); `worst_lag_at_ms` is the first
//!   simulated time it reached that value.
//! - **p99 lag**: every [`LAG_SAMPLE_MS`] of simulated time (at t = 1000, 2000, … ms, never at 0)
//!   the lag of each partition the group subscribes to is sampled, in the state after every model
//!   step due at or before that time; `p99_lag` is the 99th percentile of all those samples
//!   (partition × time). `None` when the run is shorter than one interval.
//! - **Latency** of a record is the simulated time from its append to the partition log (the
//!   produce request reaching the leader) to the moment the group first processed it: the
//!   application finished it (`processing_ms` after it started), or, for
//!   `commit: "transactional"` (exactly-once), its transaction committed. Only first processings
//!   count (a duplicate is not a second latency); a record a zombie processes late after it was
//!   counted lost is not timed. Percentiles are over records.
//! - **Downtime** is the sum over the group's partitions of the time each had no active owner
//!   (see the page's per-partition downtime), an interval still open at the end included.
//!
//! ## Precision
//! Percentiles are nearest-rank (the smallest value with at least p % of the samples at or
//! below it) over a [`Histogram`] that is exact below 2048 and keeps 10 significant bits above
//! (a reported value is at most 0.1 % below the true one). Record append times are kept per
//! appended batch, so latencies are exact to the millisecond; a partition whose unprocessed
//! backlog spans more than [`APPEND_TIMES_MAX`] batches merges neighbouring batches (each keeps
//! the earlier append time, so latencies are then upper bounds) and `latency_exact` turns false.

use std::collections::VecDeque;

use serde::Serialize;

/// Simulated ms between lag samples for `p99_lag`.
pub const LAG_SAMPLE_MS: u64 = 1000;
/// Batches whose append time one partition remembers before it merges neighbours (bounds memory
/// when a group falls far behind: 16 bytes each).
pub const APPEND_TIMES_MAX: usize = 1 << 16;

/// Values below this are counted exactly.
const EXACT_BELOW: u64 = 2048;
/// Sub-buckets per power of two above [`EXACT_BELOW`] (10 significant bits).
const SUB_BUCKETS: u64 = 1024;

/// A deterministic histogram of non-negative integers (ms or records): exact below 2048, and
/// within 0.1 % above (HdrHistogram's layout with 10 significant bits). At most ~56 k counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
}

impl Histogram {
    fn index(v: u64) -> usize {
        if v < EXACT_BELOW {
            return v as usize;
        }
        let e = 63 - u64::from(v.leading_zeros()); // ≥ 11
        let shift = e - 10;
        let top = v >> shift; // in [1024, 2048)
        (EXACT_BELOW + (e - 11) * SUB_BUCKETS + (top - SUB_BUCKETS)) as usize
    }

    fn value(i: usize) -> u64 {
        let i = i as u64;
        if i < EXACT_BELOW {
            return i;
        }
        let k = i - EXACT_BELOW;
        let (e, top) = (k / SUB_BUCKETS + 11, k % SUB_BUCKETS + SUB_BUCKETS);
        top << (e - 10)
    }

    /// Counts `n` occurrences of `v`.
    pub fn add(&mut self, v: u64, n: u64) {
        if n == 0 {
            return;
        }
        let i = Histogram::index(v);
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += n;
        self.total += n;
    }

    /// Values counted.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The nearest-rank `percent` percentile (0 < percent ≤ 100): the smallest value with at
    /// least `percent` % of the counts at or below it; `None` when empty.
    pub fn percentile(&self, percent: u64) -> Option<u64> {
        if self.total == 0 {
            return None;
        }
        let rank = (self.total * percent).div_ceil(100).max(1);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(Histogram::value(i));
            }
        }
        unreachable!("rank ≤ total")
    }

    fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Histogram>() + 8 * self.counts.capacity()
    }
}

/// Append times of one partition's records: `(end_offset, append_ms)` per appended batch, the
/// batch covering `[previous end, end_offset)`. Trimmed from the front once every subscribed
/// group has processed (or skipped) past an entry, so it holds the backlog, not the history.
#[derive(Clone, Debug, Default)]
pub(crate) struct AppendTimes {
    /// First offset the queue covers (records below were appended before tracking, or trimmed).
    start: u64,
    entries: VecDeque<(u64, u64)>,
    /// Whether neighbouring batches were merged (latencies then upper bounds).
    coarsened: bool,
}

impl AppendTimes {
    fn starting_at(offset: u64) -> AppendTimes {
        AppendTimes {
            start: offset,
            ..AppendTimes::default()
        }
    }

    /// Records that the log now ends at `end_offset`, the records since the last entry appended
    /// at `now_ms`.
    fn push(&mut self, end_offset: u64, now_ms: u64) {
        match self.entries.back_mut() {
            Some(last) if last.1 == now_ms => last.0 = end_offset,
            Some(last) if last.0 >= end_offset => {}
            _ => self.entries.push_back((end_offset, now_ms)),
        }
        if self.entries.len() > APPEND_TIMES_MAX {
            // Merge neighbours pairwise; each merged entry keeps the earlier append time.
            let old = std::mem::take(&mut self.entries);
            let mut it = old.into_iter();
            while let Some((end, t)) = it.next() {
                let end = it.next().map_or(end, |(next_end, _)| next_end);
                self.entries.push_back((end, t));
            }
            self.coarsened = true;
        }
    }

    /// Drops entries wholly below `offset`.
    fn trim_below(&mut self, offset: u64) {
        while let Some(&(end, _)) = self.entries.front() {
            if end > offset {
                break;
            }
            self.start = end;
            self.entries.pop_front();
        }
    }

    /// The log was cut back to end at `end` (a replica truncated after a leader change): the
    /// records above it are gone, and offsets from `end` on will be appended again, later.
    fn truncate_to(&mut self, end: u64) {
        let mut cut = None;
        while let Some(&(e, t)) = self.entries.back() {
            if e <= end {
                break;
            }
            cut = Some(t);
            self.entries.pop_back();
        }
        let last_end = self.entries.back().map_or(self.start, |&(e, _)| e);
        if let Some(t) = cut.filter(|_| last_end < end) {
            self.entries.push_back((end, t));
        }
        self.start = self.start.min(end);
    }

    /// Calls `f(from, to, append_ms)` for each part of `[from, to)` whose append time is known.
    fn each(&self, from: u64, to: u64, mut f: impl FnMut(u64, u64, u64)) {
        let from = from.max(self.start);
        if from >= to {
            return;
        }
        let first = self.entries.partition_point(|&(end, _)| end <= from);
        let mut lo = from;
        for &(end, t) in self.entries.range(first..) {
            let hi = end.min(to);
            if hi > lo {
                f(lo, hi, t);
            }
            lo = end;
            if lo >= to {
                break;
            }
        }
    }
}

/// One group's running figures.
#[derive(Clone, Debug, Default)]
pub(crate) struct GroupTrack {
    pub lag: Histogram,
    pub latency: Histogram,
}

/// What a [`crate::Sim`] keeps while it tracks figures.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tracker {
    /// The next lag sample's time.
    pub next_sample_ms: u64,
    pub groups: Vec<GroupTrack>,
    /// `appends[topic][partition]`.
    pub appends: Vec<Vec<AppendTimes>>,
}

impl Tracker {
    /// A tracker starting at `now_ms` for logs that end at `log_ends[topic][partition]`.
    pub fn new(now_ms: u64, groups: usize, log_ends: Vec<Vec<u64>>) -> Tracker {
        Tracker {
            next_sample_ms: (now_ms / LAG_SAMPLE_MS + 1) * LAG_SAMPLE_MS,
            groups: vec![GroupTrack::default(); groups],
            appends: log_ends
                .into_iter()
                .map(|t| t.into_iter().map(AppendTimes::starting_at).collect())
                .collect(),
        }
    }

    /// Records appended to `(topic, partition)` up to `end_offset` at `now_ms`.
    pub fn appended(&mut self, topic: u32, partition: u32, end_offset: u64, now_ms: u64) {
        let t = &mut self.appends[topic as usize];
        while t.len() <= partition as usize {
            // A partition added by AddPartitions starts empty.
            t.push(AppendTimes::default());
        }
        t[partition as usize].push(end_offset, now_ms);
    }

    /// Group `g` processed `[from, to)` of `(topic, partition)` for the first time at `now_ms`;
    /// `visible(a, b)` counts the application-visible records in `[a, b)`.
    pub fn first_processed(
        &mut self,
        g: u32,
        tp: (u32, u32),
        (from, to): (u64, u64),
        now_ms: u64,
        visible: impl Fn(u64, u64) -> u64,
    ) {
        let Some(q) = self
            .appends
            .get(tp.0 as usize)
            .and_then(|t| t.get(tp.1 as usize))
        else {
            return;
        };
        let hist = &mut self.groups[g as usize].latency;
        q.each(from, to, |a, b, t| {
            hist.add(now_ms.saturating_sub(t), visible(a, b));
        });
    }

    /// The log of `(topic, partition)` now ends at `end` after a truncation (see
    /// `AppendTimes::truncate_to`).
    pub fn truncated(&mut self, tp: (u32, u32), end: u64) {
        if let Some(q) = self
            .appends
            .get_mut(tp.0 as usize)
            .and_then(|t| t.get_mut(tp.1 as usize))
        {
            q.truncate_to(end);
        }
    }

    /// Drops append times every reader of `(topic, partition)` is past.
    pub fn trim(&mut self, tp: (u32, u32), below: u64) {
        if let Some(q) = self
            .appends
            .get_mut(tp.0 as usize)
            .and_then(|t| t.get_mut(tp.1 as usize))
        {
            q.trim_below(below);
        }
    }

    /// Whether any partition of `topics` merged append times.
    pub fn coarsened(&self, topics: &[u32]) -> bool {
        topics
            .iter()
            .filter_map(|&t| self.appends.get(t as usize))
            .flatten()
            .any(|q| q.coarsened)
    }

    /// Bytes held (for [`crate::Sim::approx_bytes`]).
    pub fn approx_bytes(&self) -> usize {
        let queues: usize = self
            .appends
            .iter()
            .flatten()
            .map(|q| std::mem::size_of::<AppendTimes>() + 16 * q.entries.capacity())
            .sum();
        let hists: usize = self
            .groups
            .iter()
            .map(|g| g.lag.approx_bytes() + g.latency.approx_bytes())
            .sum();
        std::mem::size_of::<Tracker>() + queues + hists
    }
}

/// One group's figures at the end of a run (see the module docs for the definitions).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct GroupFigures {
    /// `group.id`.
    pub group: String,
    /// Records produced to the group's topics that it can see.
    pub produced: u64,
    /// Processings, repeats included.
    pub processed: u64,
    /// Largest lag of one partition seen at any moment, in records.
    pub max_lag: u64,
    /// First simulated time `max_lag` was reached.
    pub worst_lag_at_ms: u64,
    /// 99th percentile of the per-partition lag sampled every [`LAG_SAMPLE_MS`].
    pub p99_lag: Option<u64>,
    /// Median append → first processing, in simulated ms (`None`: nothing processed).
    pub latency_p50_ms: Option<u64>,
    /// 99th percentile append → first processing, in simulated ms.
    pub latency_p99_ms: Option<u64>,
    /// False when a backlog grew past [`APPEND_TIMES_MAX`] batches on a partition (latencies
    /// are then upper bounds).
    pub latency_exact: bool,
    /// Records processed more than once (at-least-once redelivery).
    pub duplicates: u64,
    /// Records skipped for good (at-most-once, retention).
    pub lost: u64,
    /// Rebalances (generations) the group went through.
    pub rebalances: u64,
    /// Total time the group's partitions had no active owner, in simulated ms.
    pub downtime_ms: u64,
}

/// The figures a sweep charts, by name, in the order tables and charts show them.
pub const FIGURE_NAMES: [&str; 8] = [
    "max_lag",
    "p99_lag",
    "latency_p50_ms",
    "latency_p99_ms",
    "duplicates",
    "lost",
    "rebalances",
    "downtime_ms",
];

impl GroupFigures {
    /// The figure called `name` (one of [`FIGURE_NAMES`]); `None` if it has no value.
    pub fn get(&self, name: &str) -> Option<u64> {
        match name {
            "max_lag" => Some(self.max_lag),
            "p99_lag" => self.p99_lag,
            "latency_p50_ms" => self.latency_p50_ms,
            "latency_p99_ms" => self.latency_p99_ms,
            "duplicates" => Some(self.duplicates),
            "lost" => Some(self.lost),
            "rebalances" => Some(self.rebalances),
            "downtime_ms" => Some(self.downtime_ms),
            "worst_lag_at_ms" => Some(self.worst_lag_at_ms),
            "processed" => Some(self.processed),
            "produced" => Some(self.produced),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_exact_below_2048_and_within_a_thousandth_above() {
        for v in [
            0,
            1,
            2047,
            2048,
            2049,
            4095,
            4096,
            123_456,
            86_400_000,
            u64::MAX / 3,
        ] {
            let back = Histogram::value(Histogram::index(v));
            assert!(back <= v, "{v} → {back}");
            if v < 2048 {
                assert_eq!(back, v);
            } else {
                assert!((v - back) as f64 / v as f64 <= 1.0 / 1024.0, "{v} → {back}");
            }
            // The bucket's lower bound maps to itself.
            assert_eq!(Histogram::value(Histogram::index(back)), back);
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut h = Histogram::default();
        assert_eq!(h.percentile(50), None);
        for v in 1..=100 {
            h.add(v, 1);
        }
        assert_eq!(h.percentile(50), Some(50));
        assert_eq!(h.percentile(99), Some(99));
        assert_eq!(h.percentile(100), Some(100));
        let mut h = Histogram::default();
        h.add(7, 99);
        h.add(1000, 1);
        assert_eq!(h.percentile(99), Some(7));
        assert_eq!(h.percentile(100), Some(1000));
    }

    #[test]
    fn append_times_split_a_range_by_batch_and_trim_from_the_front() {
        let mut q = AppendTimes::default();
        q.push(3, 10); // offsets 0..3 at 10 ms
        q.push(5, 12); // 3..5 at 12
        q.push(9, 12); // same ms: merged, 3..9 at 12
        q.push(10, 20);
        let mut parts = Vec::new();
        q.each(2, 10, |a, b, t| parts.push((a, b, t)));
        assert_eq!(parts, vec![(2, 3, 10), (3, 9, 12), (9, 10, 20)]);
        q.trim_below(9);
        let mut parts = Vec::new();
        q.each(0, 10, |a, b, t| parts.push((a, b, t)));
        assert_eq!(
            parts,
            vec![(9, 10, 20)],
            "records below the trimmed start are not timed"
        );
    }

    #[test]
    fn a_long_backlog_merges_neighbours_keeping_the_earlier_time() {
        let mut q = AppendTimes::default();
        for i in 1..=(APPEND_TIMES_MAX as u64 + 1) {
            q.push(i, i);
        }
        assert!(q.coarsened);
        assert!(q.entries.len() <= APPEND_TIMES_MAX / 2 + 1);
        let mut total = 0;
        q.each(0, APPEND_TIMES_MAX as u64 + 1, |a, b, t| {
            assert!(t <= a + 1, "merged entries keep the earlier append time");
            total += b - a;
        });
        assert_eq!(
            total,
            APPEND_TIMES_MAX as u64 + 1,
            "every record still covered"
        );
    }
}
