//! Producers: records created at a steady rate, partitioned, batched and sent to the leader.
//!
//! A producer wakes on a tick, creates every record due since its last tick (rate × time,
//! exact in integer arithmetic so no record is lost to rounding), partitions each one, and
//! sends one batch per partition (Kafka's `RecordAccumulator` drains one batch per partition
//! per request). `linger.ms` spaces the ticks. Batches reach the leader one network hop later.

use crate::ledger::ProducerLedger;
use crate::partitioner::{partition_for_key, StickyPartitioner};
use crate::rng::Rng;
use crate::scenario::{Acks, KeyMode, ProducerConfig};

use super::batch::{Batch, InFlight, ProducerBatch};
use super::Sim;
use super::Timer;

/// One producer's state.
#[derive(Clone)]
pub(crate) struct Producer {
    pub topic: u32,
    pub rate_per_sec: f64,
    pub keys: KeyMode,
    pub max_records: u64,
    pub linger_ms: u64,
    /// Records produced so far.
    pub produced: u64,
    /// Rate changes restart the schedule: the time and count it restarted at.
    rate_since_ms: u64,
    produced_at_rate_since: u64,
    epoch: u32,
    rng: Rng,
    sticky: StickyPartitioner,
    /// Partition of each entity's key at the current partition count (murmur2 once per key).
    /// Shared, not copied, by checkpoints: it changes only when partitions are added.
    key_partition: std::sync::Arc<[u32]>,
    /// Keyed producers: the keys of each partition's records waiting in the accumulator.
    pub scratch: Vec<Vec<u32>>,
    /// Unkeyed producers: how many records of each partition wait in the accumulator.
    unkeyed: Vec<u64>,
    /// Since when each partition's accumulated records wait (`u64::MAX`: none wait).
    pub accum_since: Vec<u64>,
    /// Partitions whose records wait (entries of `accum_since` set).
    pub waiting: u32,
    /// Partitions that received records since the last drain (what a drain looks at when
    /// nothing else waits, instead of every partition).
    pub dirty: Vec<u32>,
    // The Sender's configuration (see `sender.rs`).
    pub acks: Acks,
    pub idempotent: bool,
    pub retries: u32,
    pub delivery_timeout_ms: u64,
    pub request_timeout_ms: u64,
    pub max_in_flight: u32,
    pub retry_backoff_ms: u64,
    /// The idempotent producer's epoch (bumped on an unfillable sequence gap, KIP-360).
    pub producer_epoch: u32,
    /// The epoch each partition's sequence numbers belong to (Kafka's
    /// `TxnPartitionEntry.producerIdAndEpoch`): after a bump a partition keeps the old one
    /// until its unanswered batches are done, then starts over at sequence 0.
    pub seq_epoch: Vec<u32>,
    /// Next sequence number per partition.
    pub next_seq: Vec<u32>,
    /// God's view: one past the highest (epoch, sequence) in each partition's log, as
    /// [`super::producer_state::seq_key`] (reorder detection).
    pub log_next_seq: Vec<u64>,
    pub in_flight: Vec<InFlight>,
    /// Unanswered batches per partition.
    pub part_in_flight: Vec<u32>,
    /// One past the highest acknowledged sequence per partition.
    pub acked_seq_end: Vec<u32>,
    /// Batches waiting to be retried.
    pub retry: Vec<ProducerBatch>,
    pub next_request: u64,
    pub timeout_armed: bool,
    /// The pending wake-up's time (0: none).
    pub wake_at_ms: u64,
    /// Emptied batch lists, reused by the next requests.
    pub batch_pool: Vec<Vec<ProducerBatch>>,
    /// What became of its records.
    pub ledger: ProducerLedger,
}

impl Producer {
    pub fn new(cfg: &ProducerConfig, topic: u32, mut rng: Rng) -> Producer {
        let sticky_rng = Rng::new(rng.next_u64());
        Producer {
            topic,
            rate_per_sec: cfg.rate_per_sec,
            keys: cfg.keys.clone(),
            max_records: cfg.max_records,
            linger_ms: cfg.linger_ms,
            produced: 0,
            rate_since_ms: 0,
            produced_at_rate_since: 0,
            epoch: 0,
            rng,
            sticky: StickyPartitioner::new(cfg.sticky_batch_records, sticky_rng),
            key_partition: std::sync::Arc::from(Vec::new()),
            scratch: Vec::new(),
            unkeyed: Vec::new(),
            accum_since: Vec::new(),
            waiting: 0,
            dirty: Vec::new(),
            acks: cfg.acks,
            idempotent: cfg.idempotent(),
            retries: cfg.retries,
            delivery_timeout_ms: cfg.delivery_timeout_ms,
            request_timeout_ms: cfg.request_timeout_ms,
            max_in_flight: cfg.max_in_flight,
            retry_backoff_ms: cfg.retry_backoff_ms,
            producer_epoch: 0,
            seq_epoch: Vec::new(),
            next_seq: Vec::new(),
            log_next_seq: Vec::new(),
            in_flight: Vec::new(),
            part_in_flight: Vec::new(),
            acked_seq_end: Vec::new(),
            retry: Vec::new(),
            next_request: 0,
            timeout_armed: false,
            wake_at_ms: 0,
            batch_pool: Vec::new(),
            ledger: ProducerLedger::default(),
        }
    }

    /// Takes partition `part`'s accumulated records as one batch (an emptied key buffer from
    /// `pool` takes their place, so ticks allocate nothing).
    pub(crate) fn take_accumulated(
        &mut self,
        part: u32,
        pool: &mut Vec<Vec<u32>>,
    ) -> Option<Batch> {
        let part = part as usize;
        if matches!(self.keys, KeyMode::None) {
            return match std::mem::take(&mut self.unkeyed[part]) {
                0 => None,
                n => Some(Batch::Unkeyed(n)),
            };
        }
        let keys = &mut self.scratch[part];
        if keys.is_empty() {
            return None;
        }
        let empty = pool.pop().unwrap_or_default();
        Some(Batch::Keyed(std::mem::replace(keys, empty)))
    }

    /// Partition `part`'s records no longer wait; returns since when they did (`u64::MAX`: they
    /// had just been produced).
    pub(crate) fn stop_waiting(&mut self, part: usize) -> u64 {
        let since = std::mem::replace(&mut self.accum_since[part], u64::MAX);
        if since != u64::MAX {
            self.waiting -= 1;
        }
        since
    }

    /// Whether anything waits to be sent (records held back or batches to retry).
    pub(crate) fn has_waiting(&self) -> bool {
        self.waiting > 0 || !self.retry.is_empty()
    }

    /// Whether records of `part` wait in the accumulator.
    pub(crate) fn has_accumulated(&self, part: u32) -> bool {
        let part = part as usize;
        self.unkeyed.get(part).is_some_and(|&n| n > 0)
            || self.scratch.get(part).is_some_and(|k| !k.is_empty())
    }

    /// Returns a settled batch's key buffer to `pool`.
    pub(crate) fn recycle_batch(&mut self, b: ProducerBatch, pool: &mut Vec<Vec<u32>>) {
        if let Batch::Keyed(mut keys) = b.records {
            keys.clear();
            pool.push(keys);
        }
    }

    /// The key prefix (`user` for keys `user-0`, …), `None` for an unkeyed producer.
    pub fn key_prefix(&self) -> Option<String> {
        match &self.keys {
            KeyMode::Entity { prefix, .. } => Some(prefix.clone()),
            KeyMode::None => None,
        }
    }

    /// Bytes a clone of this producer allocates (its key table is shared, not copied).
    pub fn approx_bytes(&self) -> usize {
        use ProducerBatch;
        let batch = |b: &ProducerBatch| {
            std::mem::size_of::<ProducerBatch>()
                + match &b.records {
                    Batch::Keyed(k) => 4 * k.capacity(),
                    Batch::Unkeyed(_) => 0,
                }
        };
        std::mem::size_of::<Producer>()
            + self.scratch.len() * std::mem::size_of::<Vec<u32>>()
            + self.scratch.iter().map(|v| v.capacity() * 4).sum::<usize>()
            + self.unkeyed.len() * 8
            + self.accum_since.len() * 8
            + self.dirty.capacity() * 4
            + self.next_seq.len() * 24
            + self
                .in_flight
                .iter()
                .map(|r| {
                    std::mem::size_of::<InFlight>() + r.batches.iter().map(batch).sum::<usize>()
                })
                .sum::<usize>()
            + self.retry.iter().map(batch).sum::<usize>()
    }

    /// Recomputes key → partition after the topic grew (this is why per-key order can break
    /// when partitions are added: keys remap).
    pub fn partitions_changed(&mut self, partitions: u32) {
        if let KeyMode::Entity { prefix, count, .. } = &self.keys {
            self.key_partition = (0..*count)
                .map(|n| partition_for_key(entity_key(prefix, n).as_bytes(), partitions))
                .collect();
        }
        self.scratch.resize_with(partitions as usize, Vec::new);
        self.unkeyed.resize(partitions as usize, 0);
        self.accum_since.resize(partitions as usize, u64::MAX);
        self.next_seq.resize(partitions as usize, 0);
        self.seq_epoch
            .resize(partitions as usize, self.producer_epoch);
        self.part_in_flight.resize(partitions as usize, 0);
        self.acked_seq_end.resize(partitions as usize, 0);
        self.log_next_seq.resize(partitions as usize, 0);
    }

    /// The partition the sticky partitioner is filling (unkeyed producers).
    pub fn sticky_partition(&self) -> Option<u32> {
        matches!(self.keys, KeyMode::None)
            .then(|| self.sticky.current())
            .flatten()
    }

    /// Records due by `now_ms` under the current rate.
    fn due_by(&self, now_ms: u64) -> u64 {
        let elapsed = now_ms.saturating_sub(self.rate_since_ms) as f64;
        let n = self.produced_at_rate_since + (elapsed * self.rate_per_sec / 1000.0).floor() as u64;
        if self.max_records > 0 {
            n.min(self.max_records)
        } else {
            n
        }
    }

    /// When the next record falls due after `now_ms` (None if the producer is done or idle).
    fn next_due_ms(&self, now_ms: u64) -> Option<u64> {
        if self.rate_per_sec <= 0.0 || (self.max_records > 0 && self.produced >= self.max_records) {
            return None;
        }
        let next_index = (self.produced + 1 - self.produced_at_rate_since) as f64;
        let wait_ms = (next_index * 1000.0 / self.rate_per_sec).ceil();
        // A vanishing rate (1e-300/s) means the next record is due after the end of time.
        if !wait_ms.is_finite()
            || wait_ms > crate::scenario::limits::DURATION_MS_MAX as f64 * 1000.0
        {
            return None;
        }
        let at = self.rate_since_ms.saturating_add(wait_ms as u64);
        Some(at.max(now_ms + self.linger_ms.max(1)))
    }
}

/// The key string of entity `n`: `user-17`.
pub fn entity_key(prefix: &str, n: u32) -> String {
    format!("{prefix}-{n}")
}

impl Sim {
    pub(super) fn schedule_first_produce(&mut self, p: u32) {
        let partitions = self.topics[self.producers[p as usize].topic as usize]
            .logs
            .len() as u32;
        self.producers[p as usize].partitions_changed(partitions);
        self.schedule_produce(p);
    }

    fn schedule_produce(&mut self, p: u32) {
        let prod = &self.producers[p as usize];
        if let Some(at) = prod.next_due_ms(self.now_ms) {
            let epoch = prod.epoch;
            self.timers.at(at, Timer::Produce { producer: p, epoch });
        }
    }

    pub(super) fn set_rate(&mut self, p: u32, rate_per_sec: f64) {
        let now = self.now_ms;
        let prod = &mut self.producers[p as usize];
        prod.rate_since_ms = now;
        prod.produced_at_rate_since = prod.produced;
        prod.rate_per_sec = rate_per_sec;
        // A new epoch makes the already scheduled tick a no-op.
        prod.epoch += 1;
        self.schedule_produce(p);
    }

    /// Kafka's `RecordAccumulator`: every record due is partitioned into its partition's
    /// batch; then the `Sender` drains what it can (`sender.rs`).
    pub(super) fn produce_tick(&mut self, p: u32, epoch: u32) {
        let now = self.now_ms;
        let prod = &mut self.producers[p as usize];
        if prod.epoch != epoch {
            return;
        }
        let due = prod.due_by(now);
        let n = due.saturating_sub(prod.produced);
        let partitions = prod.scratch.len() as u32;
        match &prod.keys {
            KeyMode::None => {
                let mut left = n;
                while left > 0 {
                    let (part, run) = prod.sticky.next_run(partitions, left);
                    if prod.unkeyed[part as usize] == 0 {
                        prod.dirty.push(part);
                    }
                    prod.unkeyed[part as usize] += run;
                    left -= run;
                }
            }
            KeyMode::Entity { count, skew, .. } => {
                for _ in 0..n {
                    let entity = if *skew > 0.0 && prod.rng.unit() < *skew {
                        0
                    } else {
                        prod.rng.below(*count)
                    };
                    let part = prod.key_partition[entity as usize];
                    let keys = &mut prod.scratch[part as usize];
                    if keys.is_empty() {
                        prod.dirty.push(part);
                    }
                    keys.push(entity);
                }
            }
        }
        prod.produced = due;
        prod.ledger.sent += n;
        self.drain(p);
        self.schedule_produce(p);
    }
}
