//! A record batch's life on the produce path: the records a producer's accumulator gathers for
//! one partition ([`Batch`]), the batch as sent with its producer epoch and first sequence
//! ([`ProducerBatch`], Kafka's `ProducerBatch`) inside an unanswered produce request
//! ([`InFlight`]), what the leader made of it ([`BatchResult`]), and the appended batch a
//! partition remembers for loss accounting ([`Run`]). Plain data shared by the producer, the
//! sender and the cluster; it depends on none of them.

use crate::event::ProduceError;

/// Most batch runs a partition remembers for loss accounting (see [`super::cluster::PartitionMeta::runs`]).
pub(crate) const RUNS_MAX: usize = 8192;

/// The records of one produced batch. Unkeyed records are only counted: nothing per record
/// needs to travel with them.
#[derive(Clone, Debug)]
pub(crate) enum Batch {
    /// `n` records without a key.
    Unkeyed(u64),
    /// One entity key per record, in send order (never empty).
    Keyed(Vec<u32>),
}

impl Batch {
    pub(crate) fn len(&self) -> usize {
        match self {
            Batch::Unkeyed(n) => *n as usize,
            Batch::Keyed(keys) => keys.len(),
        }
    }

    /// The last record's key, if it has one.
    pub(crate) fn last_key(&self) -> Option<u32> {
        match self {
            Batch::Unkeyed(_) => None,
            Batch::Keyed(keys) => keys.last().copied(),
        }
    }
}

/// One batch: the records of one partition in one request.
#[derive(Clone, Debug)]
pub(crate) struct ProducerBatch {
    pub partition: u32,
    pub records: Batch,
    pub first_seq: u32,
    /// The producer epoch its sequence numbers belong to.
    pub epoch: u32,
    /// When its first record was produced (for `delivery.timeout.ms`).
    pub created_ms: u64,
    pub attempts: u32,
    /// God's view, never read by the producer's logic: where the leader last appended it, as
    /// (base, end, truncations of the partition then).
    pub appended: Option<(u64, u64, u32)>,
    pub result: BatchResult,
    /// A retried batch may leave again at this time.
    pub ready_at_ms: u64,
}

impl ProducerBatch {
    pub fn len(&self) -> u32 {
        self.records.len() as u32
    }
}

/// What became of a batch at the leader (carried back in the response).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BatchResult {
    /// Not answered yet.
    Pending,
    /// Appended at this base offset.
    Appended(u64),
    /// A repeat of a batch the leader already has, at this base offset.
    Duplicate(u64),
    /// Refused.
    Error(ProduceError),
}

/// An unanswered produce request.
#[derive(Clone, Debug)]
pub(crate) struct InFlight {
    pub id: u64,
    pub broker: u32,
    pub sent_at_ms: u64,
    pub batches: Vec<ProducerBatch>,
}

/// One appended batch, remembered above the truncation floor so that a truncation knows
/// whose records, acknowledged or not, it removes.
#[derive(Clone, Debug)]
pub(crate) struct Run {
    pub producer: u32,
    pub base: u64,
    pub count: u32,
    pub first_seq: u32,
    pub epoch: u32,
    pub acked: bool,
}
