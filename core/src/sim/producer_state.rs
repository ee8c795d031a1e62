//! The idempotent producers' state on a partition leader: Kafka's `ProducerStateManager`, one
//! `ProducerStateEntry` per producer id (its epoch and its newest batches' sequence ranges), and
//! the check `ProducerAppendInfo` makes of every idempotent batch before the leader appends it
//! (KIP-98): the next sequence is appended, a repeat of one of the last five batches is answered
//! with its original offset, a gap is `OUT_OF_ORDER_SEQUENCE_NUMBER`, and a new epoch (KIP-360)
//! is taken only from sequence 0. A standalone type: it knows nothing of the simulation.

use std::collections::VecDeque;

pub(crate) use crate::idempotence::{SeqCheck, DEDUP_BATCHES};

/// Batches kept per producer so that the state survives a truncation of the newest ones.
const PRODUCER_STATE_KEEP: usize = 2 * DEDUP_BATCHES;

/// An (epoch, sequence) pair as one ordered number: a later epoch sorts after every
/// sequence of an earlier one.
#[inline]
pub(crate) fn seq_key(epoch: u32, seq: u32) -> u64 {
    (u64::from(epoch) << 32) | u64::from(seq)
}

/// An idempotent producer's state on a partition leader (Kafka's `ProducerStateEntry`):
/// its epoch and its newest batches as (first seq, last seq, base offset).
#[derive(Clone, Debug)]
pub(crate) struct ProducerState {
    pub producer: u32,
    pub epoch: u32,
    pub recent: VecDeque<(u32, u32, u64)>,
}

/// Every idempotent producer's state on one partition (Kafka's `ProducerStateManager`).
#[derive(Clone, Debug, Default)]
pub(crate) struct ProducerStateManager {
    /// One entry per producer id, in the order the leader first saw them.
    pub entries: Vec<ProducerState>,
}

impl ProducerStateManager {
    /// `ProducerStateManager`'s sequence check for a batch `[first, first + count)`.
    pub fn check_sequence(&self, producer: u32, epoch: u32, first: u32, count: u32) -> SeqCheck {
        // The decision itself is the pure function the conformance vectors test
        // (`tests/data/idempotence.json`, from Kafka's `ProducerAppendInfo`).
        let entry = self
            .entries
            .iter()
            .find(|s| s.producer == producer)
            .map(|s| crate::idempotence::ProducerEntry {
                epoch: s.epoch,
                recent: &s.recent,
            });
        crate::idempotence::check_sequence(entry, epoch, first, count)
    }

    /// Records an appended idempotent batch.
    pub fn record_sequence(
        &mut self,
        producer: u32,
        epoch: u32,
        first: u32,
        count: u32,
        base: u64,
    ) {
        let i = match self.entries.iter().position(|s| s.producer == producer) {
            Some(i) => i,
            None => {
                self.entries.push(ProducerState {
                    producer,
                    epoch,
                    recent: VecDeque::new(),
                });
                self.entries.len() - 1
            }
        };
        let st = &mut self.entries[i];
        if epoch > st.epoch {
            st.epoch = epoch;
            st.recent.clear();
        }
        if st.recent.len() == PRODUCER_STATE_KEEP {
            st.recent.pop_front();
        }
        st.recent
            .push_back((first, crate::idempotence::seq_add(first, count - 1), base));
    }

    /// Forgets the batches a log truncation to `offset` removed (their sequences may be sent
    /// again and must not be answered as duplicates).
    pub fn truncate_to(&mut self, offset: u64) {
        for st in &mut self.entries {
            st.recent.retain(|&(_, _, base)| base < offset);
        }
    }

    /// Bytes a clone allocates.
    pub fn approx_bytes(&self) -> usize {
        self.entries
            .iter()
            .map(|s| std::mem::size_of::<ProducerState>() + 16 * s.recent.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A leader's state after appending `batches` of producer 7 at epoch 0, as
    /// `(first seq, count, base offset)`.
    fn leader_with(batches: &[(u32, u32, u64)]) -> ProducerStateManager {
        let mut m = ProducerStateManager::default();
        for &(first, count, base) in batches {
            assert_eq!(m.check_sequence(7, 0, first, count), SeqCheck::Append);
            m.record_sequence(7, 0, first, count, base);
        }
        m
    }

    #[test]
    fn a_producer_the_leader_has_no_state_for_may_start_at_any_sequence() {
        // Kafka takes any sequence while the entry has `NO_PRODUCER_EPOCH`
        // (`ProducerAppendInfo.checkSequence`; tests/data/idempotence.json).
        let m = ProducerStateManager::default();
        assert_eq!(m.check_sequence(7, 0, 3, 1), SeqCheck::Append);
        assert_eq!(m.check_sequence(7, 0, 0, 4), SeqCheck::Append);
    }

    #[test]
    fn leader_appends_the_next_sequence_and_rejects_a_gap_as_out_of_order() {
        let m = leader_with(&[(0, 2, 0), (2, 2, 2)]);
        assert_eq!(m.check_sequence(7, 0, 4, 3), SeqCheck::Append);
        assert_eq!(m.check_sequence(7, 0, 5, 3), SeqCheck::OutOfOrder);
        // Another producer's sequences are its own.
        assert_eq!(m.check_sequence(8, 0, 0, 1), SeqCheck::Append);
    }

    #[test]
    fn a_retried_batch_among_the_last_five_is_answered_with_its_original_offset() {
        // Six batches of two records each at offsets 0, 10, …, 50.
        let batches: Vec<(u32, u32, u64)> = (0..6).map(|k| (2 * k, 2, 10 * k as u64)).collect();
        let m = leader_with(&batches);
        assert_eq!(m.check_sequence(7, 0, 10, 2), SeqCheck::Duplicate(50));
        assert_eq!(m.check_sequence(7, 0, 2, 2), SeqCheck::Duplicate(10));
        // The sixth-newest is beyond `NUM_BATCHES_TO_RETAIN`: a gap, not a duplicate.
        assert_eq!(m.check_sequence(7, 0, 0, 2), SeqCheck::OutOfOrder);
        // Same first sequence, other length: not the same batch.
        assert_eq!(m.check_sequence(7, 0, 10, 1), SeqCheck::OutOfOrder);
    }

    #[test]
    fn a_new_producer_epoch_is_taken_only_from_sequence_zero() {
        let mut m = leader_with(&[(0, 2, 0), (2, 2, 10), (4, 2, 20)]);
        assert_eq!(m.check_sequence(7, 0, 2, 2), SeqCheck::Duplicate(10));
        // A bumped epoch (KIP-360) must start over at 0: a batch the leader already has,
        // still numbered as before, is not taken as new.
        assert_eq!(m.check_sequence(7, 1, 2, 2), SeqCheck::OutOfOrder);
        assert_eq!(m.check_sequence(7, 1, 6, 2), SeqCheck::OutOfOrder);
        assert_eq!(m.check_sequence(7, 1, 0, 2), SeqCheck::Append);
        m.record_sequence(7, 1, 0, 2, 40);
        // The old epoch is fenced now.
        assert_eq!(m.check_sequence(7, 0, 6, 2), SeqCheck::OutOfOrder);
        assert_eq!(m.check_sequence(7, 1, 2, 1), SeqCheck::Append);
    }

    #[test]
    fn a_truncated_batch_sent_again_is_appended_not_answered_as_duplicate() {
        let mut m = leader_with(&[(0, 2, 0), (2, 2, 10)]);
        // A new leader's log ends at 10: the second batch is gone from it.
        m.truncate_to(10);
        assert_eq!(m.check_sequence(7, 0, 2, 2), SeqCheck::Append);
        assert_eq!(m.check_sequence(7, 0, 0, 2), SeqCheck::Duplicate(0));
    }

    #[test]
    fn with_every_remembered_batch_truncated_the_next_batch_is_taken() {
        let mut m = leader_with(&[(0, 2, 5)]);
        m.truncate_to(0);
        // The state is unknown (Kafka would rebuild it from older segments): no gap is claimed.
        assert_eq!(m.check_sequence(7, 0, 9, 1), SeqCheck::Append);
    }

    #[test]
    fn seq_key_orders_every_sequence_of_an_epoch_before_the_next_epoch() {
        assert!(seq_key(0, u32::MAX) < seq_key(1, 0));
        assert!(seq_key(1, 3) < seq_key(1, 4));
    }
}
