//! The partition leader's check of an idempotent producer's batch: Kafka's
//! `ProducerStateEntry.findDuplicateBatch` followed by `ProducerAppendInfo.checkProducerEpoch` /
//! `checkSequence`, in the order `UnifiedLog.analyzeAndValidateProducerState` applies them to a
//! client append. A pure function, so that the conformance vectors
//! (`tests/data/idempotence.json`, produced by those Kafka classes) test the code the model runs.

use std::collections::VecDeque;

/// Batches a leader remembers per idempotent producer for duplicate detection
/// (`ProducerStateEntry.NUM_BATCHES_TO_RETAIN`).
pub const DEDUP_BATCHES: usize = 5;

/// What the broker makes of an idempotent batch (`ProducerStateManager` / `checkSequence`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqCheck {
    /// Next in sequence (or a new epoch at sequence 0, or no state at all): append.
    Append,
    /// One of the last five batches again: answer with its offset, append nothing.
    Duplicate(u64),
    /// A gap: `OUT_OF_ORDER_SEQUENCE_NUMBER`.
    OutOfOrder,
}

/// One producer's state on the leader: its epoch and its newest batches as
/// (first sequence, last sequence, base offset), oldest first.
#[derive(Clone, Copy, Debug)]
pub struct ProducerEntry<'a> {
    /// The producer epoch of the remembered batches.
    pub epoch: u32,
    /// The newest batches, oldest first (only the last [`DEDUP_BATCHES`] count for duplicates).
    pub recent: &'a VecDeque<(u32, u32, u64)>,
}

/// The leader's verdict on a batch of `count` records from sequence `first` at `epoch`, given
/// the producer's entry (`None`: the leader has no state for this producer).
pub fn check_sequence(
    entry: Option<ProducerEntry<'_>>,
    epoch: u32,
    first: u32,
    count: u32,
) -> SeqCheck {
    // No state for the producer (new, or its state expired or was deleted with its records):
    // any sequence is taken (`ProducerAppendInfo.checkSequence` accepts every sequence number
    // while the entry's epoch is `NO_PRODUCER_EPOCH`; KIP-360 dropped `UNKNOWN_PRODUCER_ID`).
    let Some(st) = entry else {
        return SeqCheck::Append;
    };
    // A new epoch starts at sequence 0; an older one is fenced
    // (`InvalidProducerEpochException`, which cannot arise here: a partition moves to a new
    // epoch only once none of its old-epoch batches is unanswered).
    if epoch != st.epoch {
        return if epoch > st.epoch && first == 0 {
            SeqCheck::Append
        } else {
            SeqCheck::OutOfOrder
        };
    }
    let last = seq_add(first, count - 1);
    if let Some(&(_, _, base)) = st
        .recent
        .iter()
        .rev()
        .take(DEDUP_BATCHES)
        .find(|&&(f, l, _)| f == first && l == last)
    {
        return SeqCheck::Duplicate(base);
    }
    match st.recent.back() {
        // Every remembered batch was truncated away: the state is unknown here, so the
        // batch is taken (Kafka would rebuild the state from older log segments).
        None => SeqCheck::Append,
        Some(&(_, l, _)) if first == seq_add(l, 1) => SeqCheck::Append,
        Some(_) => SeqCheck::OutOfOrder,
    }
}

/// Sequence numbers run from 0 to `i32::MAX` and then wrap to 0
/// (`DefaultRecordBatch.incrementSequence`, `ProducerAppendInfo.inSequence`).
pub fn seq_add(seq: u32, n: u32) -> u32 {
    ((u64::from(seq) + u64::from(n)) % (1u64 << 31)) as u32
}
