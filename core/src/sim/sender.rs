//! The producer's network side: Kafka's `Sender` and the retry half of `RecordAccumulator`,
//! and the leader's produce path (`ReplicaManager.appendRecords`, `Partition
//! .appendRecordsToLeader`, `ProducerStateManager`, `DelayedProduce`).
//!
//! - A drain sends one request per broker holding one batch per partition it leads (the
//!   producer's metadata is the controller's, always fresh — a simplification: Kafka learns
//!   of a new leader through a metadata refresh after an error). A broker with
//!   `max.in.flight.requests.per.connection` unanswered requests gets nothing more; records
//!   wait in the accumulator and leave in a bigger batch later.
//! - `acks=0`: nothing comes back; the records count as acknowledged when sent. `acks=1`: the
//!   leader answers after appending. `acks=all`: after the high watermark passed every batch
//!   (the request waits in purgatory), or at once with `NOT_ENOUGH_REPLICAS` if the ISR is
//!   below `min.insync.replicas`.
//! - A request unanswered after `request.timeout.ms` fails (only the oldest one's deadline is
//!   a timer: requests are sent in order with the same timeout). A failed batch is retried
//!   after `retry.backoff.ms` while `retries` and `delivery.timeout.ms` allow, else it fails.
//!   A retry heads its partition's queue (`RecordAccumulator.reenqueue`; without idempotence
//!   each one goes first, so two failed together leave in reverse), and the partition's new
//!   records wait behind it while it backs off. With `max.in.flight.requests.per.connection=1`
//!   a partition with a batch in flight sends nothing more (`Sender.guaranteeMessageOrder`,
//!   muted partitions) even to a new leader: retries may duplicate but never reorder.
//!   Simplified: the backoff is a fixed `retry.backoff.ms` (Kafka 4 grows it up to
//!   `retry.backoff.max.ms`, KIP-580, and skips it when the leader changed, KIP-951).
//! - Idempotence (KIP-98, default since 3.0, KIP-679): batches carry the producer id, epoch and
//!   per-partition sequence numbers; the leader answers a repeat of one of its last five
//!   batches with the original offset instead of appending it again, and refuses a gap
//!   (`OUT_OF_ORDER_SEQUENCE_NUMBER`). While a partition has a batch to retry, only the
//!   lowest-sequence one is sent (`RecordAccumulator.shouldStopDrainBatchesForPartition`), so
//!   order holds. A gap that no earlier batch will fill (acknowledged records were truncated)
//!   bumps the producer epoch (KIP-360, simplified: in place, without an `InitProducerId`
//!   round trip). As in Kafka's `TransactionManager`, only that partition's unanswered batches
//!   are renumbered from sequence 0 under the new epoch (`startSequencesAtBeginning`); every
//!   other partition keeps its old epoch and sequences for the batches it already numbered and
//!   starts over at 0 once none of them is unanswered (`maybeUpdateProducerIdAndEpoch`; new
//!   batches wait until then: `shouldStopDrainBatchesForPartition`). The broker takes a new
//!   epoch only at sequence 0 (`ProducerAppendInfo.checkSequence`), so a bump never makes it
//!   accept a batch it already has.

use crate::event::{Event, ProduceError};
use crate::frame::EnvelopeKind;
use crate::scenario::Acks;

use super::batch::{Batch, BatchResult, InFlight, ProducerBatch, Run, RUNS_MAX};
use super::producer_state::{seq_key, SeqCheck};
use super::Sim;
use super::Timer;

/// A request waiting at the leader for the high watermark (`DelayedProduce`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Delayed {
    pub producer: u32,
    pub request: u64,
    pub broker: u32,
}

impl Sim {
    /// Sends what can be sent: retries that are due, then the accumulated records, one request
    /// per broker with a free connection slot.
    pub(crate) fn drain(&mut self, p: u32) {
        let now = self.now_ms;
        self.expire_batches(p);
        let prod = &self.producers[p as usize];
        let topic = prod.topic;
        let partitions = prod.scratch.len();
        let max_in_flight = prod.max_in_flight as usize;
        let idempotent = prod.idempotent;
        // One request per broker at most: (broker, batches).
        let mut building: Vec<(u32, Vec<ProducerBatch>)> = Vec::new();
        // Usually only the partitions that just received records need a look (in partition
        // order, as the accumulator drains them); with anything held back, all of them.
        let mut dirty = std::mem::take(&mut self.producers[p as usize].dirty);
        let full_scan = self.producers[p as usize].has_waiting();
        if !full_scan {
            dirty.sort_unstable();
        }
        let count = if full_scan { partitions } else { dirty.len() };
        #[allow(clippy::needless_range_loop)] // `dirty` is read, the producer is mutated
        for k in 0..count {
            let part = if full_scan { k } else { dirty[k] as usize };
            'send: {
                let Some(leader) = self.topics[topic as usize].meta[part].rep.leader else {
                    break 'send;
                };
                let prod = &mut self.producers[p as usize];
                if max_in_flight == 1 && prod.part_in_flight[part] > 0 {
                    // `Sender.guaranteeMessageOrder` (max.in.flight.requests.per.connection=1):
                    // a partition with a batch in flight is muted
                    // (`RecordAccumulator.mutePartition`) until that batch's answer is handled,
                    // wherever its leader now is, so a retry may duplicate but never reorder.
                    break 'send;
                }
                let slot = match building.iter().position(|(b, _)| *b == leader) {
                    Some(i) => i,
                    None => {
                        let in_flight =
                            prod.in_flight.iter().filter(|r| r.broker == leader).count();
                        if in_flight >= max_in_flight {
                            break 'send;
                        }
                        building.push((leader, prod.batch_pool.pop().unwrap_or_default()));
                        building.len() - 1
                    }
                };
                let part = part as u32;
                let has_retry =
                    !prod.retry.is_empty() && prod.retry.iter().any(|b| b.partition == part);
                if has_retry {
                    // A retry heads its partition's deque, and `drainBatchesForOneNode` takes
                    // one batch per partition per request from the front, skipping the
                    // partition while that batch backs off: new records wait behind it.
                    let front = if idempotent {
                        // `insertInSequenceOrder`: the lowest sequence leads, and it leaves
                        // only when nothing of the partition is in flight
                        // (`shouldStopDrainBatchesForPartition`).
                        let busy = prod.part_in_flight[part as usize] > 0;
                        prod.retry
                            .iter()
                            .enumerate()
                            .filter(|(_, b)| b.partition == part)
                            .min_by_key(|(_, b)| b.first_seq)
                            .map(|(i, _)| i)
                            .filter(|_| !busy)
                    } else {
                        // `reenqueue`'s `addFirst`: the batch that failed last leads, so two
                        // batches that failed together leave in reverse order.
                        prod.retry.iter().rposition(|b| b.partition == part)
                    };
                    if let Some(i) = front.filter(|&i| prod.retry[i].ready_at_ms <= now) {
                        let b = prod.retry.remove(i);
                        prod.part_in_flight[part as usize] += 1;
                        building[slot].1.push(b);
                    }
                    break 'send;
                }
                if idempotent && prod.seq_epoch[part as usize] != prod.producer_epoch {
                    if prod.part_in_flight[part as usize] > 0 {
                        // `shouldStopDrainBatchesForPartition`: no new-epoch batch while
                        // batches numbered under the old epoch are unanswered.
                        break 'send;
                    }
                    // `maybeUpdateProducerIdAndEpoch`: the partition starts over at 0.
                    prod.seq_epoch[part as usize] = prod.producer_epoch;
                    prod.next_seq[part as usize] = 0;
                    prod.acked_seq_end[part as usize] = 0;
                }
                if let Some(records) = prod.take_accumulated(part, &mut self.key_buffers) {
                    let n = records.len() as u32;
                    let first_seq = prod.next_seq[part as usize];
                    let epoch = prod.seq_epoch[part as usize];
                    prod.next_seq[part as usize] = first_seq.wrapping_add(n);
                    let created_ms = prod.stop_waiting(part as usize).min(now);
                    prod.part_in_flight[part as usize] += 1;
                    building[slot].1.push(ProducerBatch {
                        partition: part,
                        records,
                        first_seq,
                        epoch,
                        created_ms,
                        attempts: 0,
                        appended: None,
                        result: BatchResult::Pending,
                        ready_at_ms: now,
                    });
                }
            }
            // Records that could not leave wait in the accumulator; note since when.
            let prod = &mut self.producers[p as usize];
            if prod.accum_since[part] == u64::MAX && prod.has_accumulated(part as u32) {
                prod.accum_since[part] = now;
                prod.waiting += 1;
            }
        }
        dirty.clear();
        self.producers[p as usize].dirty = dirty;
        let latency = self.latency_ms();
        for (broker, batches) in building {
            let prod = &mut self.producers[p as usize];
            if batches.is_empty() {
                prod.batch_pool.push(batches);
                continue;
            }
            prod.next_request += 1;
            let id = prod.next_request;
            if prod.acks == Acks::Zero {
                // Fire and forget: done as soon as it is written to the socket.
                let n: u64 = batches.iter().map(|b| u64::from(b.len())).sum();
                prod.ledger.acked += n;
            }
            prod.in_flight.push(super::sender::InFlight {
                id,
                broker,
                sent_at_ms: now,
                batches,
            });
            self.timers.at(
                now + latency,
                Timer::ProduceArrives {
                    producer: p,
                    request: id,
                    broker,
                },
            );
            self.arm_request_timeout(p);
        }
        self.schedule_producer_wake(p);
    }

    /// Fails batches and accumulated records older than `delivery.timeout.ms` that are still
    /// waiting to leave (`RecordAccumulator.expiredBatches`).
    fn expire_batches(&mut self, p: u32) {
        let now = self.now_ms;
        let prod = &mut self.producers[p as usize];
        if prod.waiting == 0 && prod.retry.is_empty() {
            return;
        }
        let timeout = prod.delivery_timeout_ms;
        let topic = prod.topic;
        let mut failed: Vec<(u32, u32)> = Vec::new();
        if prod
            .retry
            .iter()
            .any(|b| now >= b.created_ms.saturating_add(timeout))
        {
            // One pass, order kept (see `drain`).
            let mut kept = Vec::with_capacity(prod.retry.len());
            for b in std::mem::take(&mut prod.retry) {
                if now >= b.created_ms.saturating_add(timeout) {
                    failed.push((b.partition, b.len()));
                    prod.recycle_batch(b, &mut self.key_buffers);
                } else {
                    kept.push(b);
                }
            }
            prod.retry = kept;
        }
        for part in 0..prod.accum_since.len() {
            if prod.waiting == 0 {
                break;
            }
            let since = prod.accum_since[part];
            if since != u64::MAX && now >= since.saturating_add(timeout) {
                if let Some(b) = prod.take_accumulated(part as u32, &mut self.key_buffers) {
                    failed.push((part as u32, b.len() as u32));
                    if let Batch::Keyed(mut keys) = b {
                        keys.clear();
                        self.key_buffers.push(keys);
                    }
                }
                prod.stop_waiting(part);
            }
        }
        for (partition, count) in failed {
            self.producers[p as usize].ledger.failed += u64::from(count);
            self.emit(Event::ProduceFailed {
                producer: p,
                topic,
                partition,
                count,
                error: ProduceError::DeliveryTimeout,
            });
        }
    }

    /// Arms the request timeout of the oldest unanswered request, if none is armed.
    fn arm_request_timeout(&mut self, p: u32) {
        let prod = &mut self.producers[p as usize];
        if prod.timeout_armed || prod.acks == Acks::Zero {
            return;
        }
        let Some(oldest) = prod.in_flight.first() else {
            return;
        };
        let at = oldest.sent_at_ms + prod.request_timeout_ms;
        prod.timeout_armed = true;
        self.timers.at(at, Timer::ProduceTimeout { producer: p });
    }

    /// Wakes the producer when a retry falls due or waiting records expire.
    fn schedule_producer_wake(&mut self, p: u32) {
        let now = self.now_ms;
        let prod = &mut self.producers[p as usize];
        if prod.waiting == 0 && prod.retry.is_empty() {
            return;
        }
        let timeout = prod.delivery_timeout_ms;
        let mut at = u64::MAX;
        for b in &prod.retry {
            // A due retry that could not leave (no leader, connection full) looks again after
            // the backoff, as a metadata refresh would.
            let ready = if b.ready_at_ms <= now {
                now + prod.retry_backoff_ms.max(1)
            } else {
                b.ready_at_ms
            };
            at = at.min(ready).min(b.created_ms.saturating_add(timeout));
        }
        if prod.waiting > 0 {
            for &since in &prod.accum_since {
                if since != u64::MAX {
                    at = at.min(since.saturating_add(timeout));
                }
            }
        }
        if at == u64::MAX || at >= prod.wake_at_ms && prod.wake_at_ms > now {
            return;
        }
        prod.wake_at_ms = at;
        self.timers.at(
            at,
            Timer::ProducerWake {
                producer: p,
                at_ms: at,
            },
        );
    }

    pub(crate) fn producer_wake(&mut self, p: u32, at_ms: u64) {
        if self.producers[p as usize].wake_at_ms != at_ms {
            return;
        }
        self.producers[p as usize].wake_at_ms = 0;
        self.drain(p);
    }

    /// Every producer looks at its waiting batches again (leaders changed).
    pub(crate) fn wake_producers(&mut self) {
        for p in 0..self.producers.len() as u32 {
            if self.producers[p as usize].has_waiting() {
                self.drain(p);
            }
        }
    }

    /// A produce request reaches broker `broker`.
    pub(crate) fn produce_arrives(&mut self, p: u32, request: u64, broker: u32) {
        let prod = &mut self.producers[p as usize];
        let Some(i) = prod.in_flight.iter().position(|r| r.id == request) else {
            return;
        };
        let acks = prod.acks;
        let mut batches = std::mem::take(&mut prod.in_flight[i].batches);
        let state = self.brokers[broker as usize].state;
        use super::broker::BrokerState;
        match state {
            BrokerState::Up => {
                let sent_at_ms = self.producers[p as usize].in_flight[i].sent_at_ms;
                for b in batches.iter_mut() {
                    b.result = self.append_or_refuse(p, b, broker, sent_at_ms);
                }
            }
            // A dead process refuses the connection: the client hears at once.
            BrokerState::Crashed if acks != Acks::Zero => {
                for b in batches.iter_mut() {
                    b.result = BatchResult::Error(ProduceError::NetworkException);
                }
            }
            // Cut off: nothing arrives, nothing comes back (the request times out).
            _ => {}
        }
        let prod = &mut self.producers[p as usize];
        let i = prod
            .in_flight
            .iter()
            .position(|r| r.id == request)
            .expect("still in flight");
        if acks == Acks::Zero {
            prod.in_flight.remove(i);
            let topic = prod.topic;
            let mut lost = Vec::new();
            for b in batches.drain(..) {
                let prod = &mut self.producers[p as usize];
                prod.part_in_flight[b.partition as usize] -= 1;
                match b.result {
                    BatchResult::Appended(_) | BatchResult::Duplicate(_) => {}
                    _ => lost.push((b.partition, u64::from(b.len()))),
                }
                self.producers[p as usize].recycle_batch(b, &mut self.key_buffers);
            }
            self.producers[p as usize].batch_pool.push(batches);
            for (part, n) in lost {
                self.acked_lost(p, (topic, part), None, n);
            }
            return;
        }
        prod.in_flight[i].batches = batches;
        if state == BrokerState::Isolated {
            return;
        }
        if state == BrokerState::Up
            && acks == Acks::All
            && !self.request_satisfied(p, request, broker)
        {
            self.purgatory.push(Delayed {
                producer: p,
                request,
                broker,
            });
            return;
        }
        self.respond_produce(p, request);
    }

    /// Broker `b` dropped its connections: the producer's requests to it fail with a network
    /// error (retriable), heard one hop later.
    pub(crate) fn disconnect_producer(&mut self, p: u32, b: u32) {
        let prod = &mut self.producers[p as usize];
        if prod.acks == Acks::Zero {
            return;
        }
        let mut ids = Vec::new();
        for r in prod.in_flight.iter_mut().filter(|r| r.broker == b) {
            for x in r.batches.iter_mut() {
                x.result = BatchResult::Error(ProduceError::NetworkException);
            }
            ids.push(r.id);
        }
        for id in ids {
            self.respond_produce(p, id);
        }
    }

    fn respond_produce(&mut self, p: u32, request: u64) {
        self.timers.at(
            self.now_ms + self.latency_ms(),
            Timer::ProduceResponse {
                producer: p,
                request,
            },
        );
    }

    /// `DelayedProduce.tryComplete`: every appended batch is below the HW (or the broker no
    /// longer leads its partition: `NOT_LEADER_OR_FOLLOWER`). A duplicate waits like an
    /// append: `UnifiedLog.append` answers it with the original batch's offsets and
    /// `ReplicaManager` requires the HW to pass its `lastOffset + 1` — answering at once would
    /// acknowledge records only the leader may have (a retry after a lost answer).
    fn request_satisfied(&mut self, p: u32, request: u64, broker: u32) -> bool {
        let prod = &mut self.producers[p as usize];
        let topic = prod.topic as usize;
        let Some(r) = prod.in_flight.iter_mut().find(|r| r.id == request) else {
            return true;
        };
        let mut done = true;
        for b in r.batches.iter_mut() {
            if let BatchResult::Appended(base) | BatchResult::Duplicate(base) = b.result {
                let m = &self.topics[topic].meta[b.partition as usize];
                if m.rep.leader != Some(broker) {
                    b.result = BatchResult::Error(ProduceError::NotLeaderOrFollower);
                } else if m.rep.hw < base + u64::from(b.len()) {
                    done = false;
                }
            }
        }
        done
    }

    /// Completes waiting `acks=all` requests whose batches the HW has passed.
    pub(crate) fn complete_delayed_produce(&mut self) {
        let mut k = 0;
        while k < self.purgatory.len() {
            let d = self.purgatory[k];
            // A broker cut off from everyone answers nobody; its client times out.
            if !self.brokers[d.broker as usize].reachable() {
                k += 1;
                continue;
            }
            let exists = self.producers[d.producer as usize]
                .in_flight
                .iter()
                .any(|r| r.id == d.request);
            if !exists {
                self.purgatory.swap_remove(k);
                continue;
            }
            if self.request_satisfied(d.producer, d.request, d.broker) {
                self.purgatory.swap_remove(k);
                self.respond_produce(d.producer, d.request);
                continue;
            }
            k += 1;
        }
    }

    /// The leader's checks and append for one batch.
    fn append_or_refuse(
        &mut self,
        p: u32,
        batch: &mut ProducerBatch,
        broker: u32,
        sent_at_ms: u64,
    ) -> BatchResult {
        // One batch is one unit of model work (before the Sender, each batch arrived on a
        // timer of its own): a request carrying thousands of batches must use up a step budget
        // (and space checkpoints) like thousands of steps, or the page's frames stall.
        self.steps += 1;
        let prod = &self.producers[p as usize];
        let (topic, part) = (prod.topic, batch.partition);
        let (acks, idempotent, epoch) = (prod.acks, prod.idempotent, batch.epoch);
        let t = &mut self.topics[topic as usize];
        let Some(meta) = t.meta.get_mut(part as usize) else {
            return BatchResult::Error(ProduceError::NotLeaderOrFollower);
        };
        if meta.rep.leader != Some(broker) {
            return BatchResult::Error(ProduceError::NotLeaderOrFollower);
        }
        if acks == Acks::All && !meta.rep.enough_replicas() {
            return BatchResult::Error(ProduceError::NotEnoughReplicas);
        }
        let n = batch.len();
        if idempotent {
            match meta
                .producer_state
                .check_sequence(p, epoch, batch.first_seq, n)
            {
                SeqCheck::Duplicate(base) => return BatchResult::Duplicate(base),
                SeqCheck::OutOfOrder => {
                    return BatchResult::Error(ProduceError::OutOfOrderSequence)
                }
                SeqCheck::Append => {}
            }
        }
        let log = &mut t.logs[part as usize];
        let base_offset = match &batch.records {
            Batch::Unkeyed(n) => log.append_unkeyed(*n as usize),
            Batch::Keyed(keys) => log.append(keys),
        };
        t.produced += u64::from(n);
        let truncated = log.enforce_retention(t.retention_records);
        let end = base_offset + u64::from(n);
        if idempotent {
            meta.producer_state
                .record_sequence(p, epoch, batch.first_seq, n, base_offset);
        }
        let previous = batch
            .appended
            .filter(|&(_, pend, gen)| meta.survived(pend, gen));
        batch.appended = Some((base_offset, end, meta.gen()));
        if meta.rep.rf() > 1 {
            if meta.runs.len() >= RUNS_MAX {
                meta.runs.pop_front();
            }
            meta.runs.push_back(Run {
                producer: p,
                base: base_offset,
                count: n,
                first_seq: batch.first_seq,
                epoch,
                acked: acks == Acks::Zero,
            });
        }
        self.envelopes.push(
            EnvelopeKind::Append,
            p,
            None,
            (topic, part),
            end - 1,
            batch.records.last_key(),
            u64::from(n),
            self.now_ms,
        );
        self.emit_traffic(|| Event::RecordsAppended {
            producer: p,
            topic,
            partition: part,
            base_offset,
            keys: match &batch.records {
                Batch::Unkeyed(n) => vec![None; *n as usize],
                Batch::Keyed(keys) => keys.iter().map(|&k| Some(k)).collect(),
            },
            sent_at_ms,
            transactional: false,
        });
        let prod = &mut self.producers[p as usize];
        let next = &mut prod.log_next_seq[part as usize];
        let key = seq_key(epoch, batch.first_seq);
        if previous.is_some() {
            prod.ledger.log_duplicates += u64::from(n);
            self.emit(Event::RecordsWrittenTwice {
                producer: p,
                topic,
                partition: part,
                base_offset,
                count: n,
            });
        } else if key < *next {
            prod.ledger.reordered += u64::from(n);
            *next = (*next).max(key + u64::from(n));
            // One per batch, so traffic: a recovery can reorder hundreds at once.
            self.emit_traffic(|| Event::RecordsReordered {
                producer: p,
                topic,
                partition: part,
                base_offset,
                count: n,
            });
        } else {
            *next = key + u64::from(n);
        }
        if let Some(log_start_offset) = truncated {
            self.emit_traffic(|| Event::LogTruncated {
                topic,
                partition: part,
                log_start_offset,
            });
        }
        self.figures_appended((topic, part));
        self.leader_appended(topic, part);
        BatchResult::Appended(base_offset)
    }

    /// The answer to a produce request reaches the producer.
    pub(crate) fn produce_response(&mut self, p: u32, request: u64) {
        let prod = &mut self.producers[p as usize];
        let Some(i) = prod.in_flight.iter().position(|r| r.id == request) else {
            return;
        };
        let r = prod.in_flight.remove(i);
        self.purgatory
            .retain(|d| !(d.producer == p && d.request == request));
        self.settle(p, r, None);
        self.drain(p);
    }

    /// The producer settles every batch of an answered (or timed-out: `timeout` is the error)
    /// request: acknowledged, retried or failed.
    fn settle(&mut self, p: u32, mut r: InFlight, timeout: Option<ProduceError>) {
        let topic = self.producers[p as usize].topic;
        for b in r.batches.drain(..) {
            self.producers[p as usize].part_in_flight[b.partition as usize] -= 1;
            let result = match timeout {
                Some(e) => BatchResult::Error(e),
                None => b.result,
            };
            match result {
                BatchResult::Appended(base) | BatchResult::Duplicate(base) => {
                    let prod = &mut self.producers[p as usize];
                    if b.epoch == prod.seq_epoch[b.partition as usize] {
                        let end = &mut prod.acked_seq_end[b.partition as usize];
                        *end = (*end).max(b.first_seq.wrapping_add(b.len()));
                    }
                    self.acknowledge(p, topic, &b, base);
                    self.producers[p as usize].recycle_batch(b, &mut self.key_buffers);
                }
                BatchResult::Error(ProduceError::OutOfOrderSequence)
                    if self.producers[p as usize].idempotent
                        && b.epoch
                            == self.producers[p as usize].seq_epoch[b.partition as usize]
                        && b.first_seq.wrapping_add(b.len())
                            <= self.producers[p as usize].acked_seq_end[b.partition as usize] =>
                {
                    // A later sequence was acknowledged and the leader appends only in
                    // sequence order, so this batch is in the log already (it fell out of the
                    // leader's five-batch memory while its answer was lost): done.
                    let base = b.appended.map_or(0, |a| a.0);
                    self.acknowledge(p, topic, &b, base);
                    self.producers[p as usize].recycle_batch(b, &mut self.key_buffers);
                }
                BatchResult::Error(e) => self.retry_or_fail(p, b, e),
                BatchResult::Pending => self.retry_or_fail(p, b, ProduceError::RequestTimedOut),
            }
        }
        self.producers[p as usize].batch_pool.push(r.batches);
    }

    fn acknowledge(&mut self, p: u32, topic: u32, b: &ProducerBatch, base: u64) {
        let n = u64::from(b.len());
        self.producers[p as usize].ledger.acked += n;
        let m = &mut self.topics[topic as usize].meta[b.partition as usize];
        let survived = b.appended.is_none_or(|(_, end, gen)| m.survived(end, gen));
        if !survived {
            // The answer came after a truncation took the records away.
            return self.acked_lost(p, (topic, b.partition), Some(base), n);
        }
        if !m.runs.is_empty() {
            if let Ok(k) = m.runs.binary_search_by_key(&base, |r| r.base) {
                if m.runs[k].producer == p {
                    m.runs[k].acked = true;
                }
            }
        }
    }

    fn retry_or_fail(&mut self, p: u32, mut b: ProducerBatch, error: ProduceError) {
        let now = self.now_ms;
        let prod = &mut self.producers[p as usize];
        let topic = prod.topic;
        b.attempts += 1;
        let expired = now >= b.created_ms.saturating_add(prod.delivery_timeout_ms);
        if b.attempts > prod.retries || expired {
            let count = b.len();
            prod.ledger.failed += u64::from(count);
            let partition = b.partition;
            prod.recycle_batch(b, &mut self.key_buffers);
            self.emit(Event::ProduceFailed {
                producer: p,
                topic,
                partition,
                count,
                error: if expired {
                    ProduceError::DeliveryTimeout
                } else {
                    error
                },
            });
            return;
        }
        if error == ProduceError::OutOfOrderSequence && prod.idempotent {
            let earlier = prod
                .retry
                .iter()
                .chain(prod.in_flight.iter().flat_map(|r| r.batches.iter()))
                .any(|x| x.partition == b.partition && x.first_seq < b.first_seq);
            if !earlier {
                // KIP-360: nothing will fill the gap. `requestEpochBumpForPartition` then
                // `bumpIdempotentProducerEpoch`: a new epoch, and this partition's unanswered
                // batches renumbered from 0 in sequence order (`startSequencesAtBeginning`).
                prod.producer_epoch += 1;
                let (epoch, part) = (prod.producer_epoch, b.partition);
                let mut batches: Vec<&mut ProducerBatch> = std::iter::once(&mut b)
                    .chain(prod.retry.iter_mut())
                    .chain(prod.in_flight.iter_mut().flat_map(|r| r.batches.iter_mut()))
                    .filter(|x| x.partition == part)
                    .collect();
                batches.sort_by_key(|x| seq_key(x.epoch, x.first_seq));
                let mut seq = 0u32;
                for x in batches {
                    x.epoch = epoch;
                    x.first_seq = seq;
                    seq = seq.wrapping_add(x.len());
                }
                prod.next_seq[part as usize] = seq;
                prod.seq_epoch[part as usize] = epoch;
                prod.acked_seq_end[part as usize] = 0;
            }
        }
        prod.ledger.retries += 1;
        b.result = BatchResult::Pending;
        b.ready_at_ms = now + prod.retry_backoff_ms;
        let (partition, count) = (b.partition, b.len());
        prod.retry.push(b);
        self.emit_observed(|| Event::ProduceRetried {
            producer: p,
            topic,
            partition,
            count,
            error,
        });
    }

    /// The oldest request's `request.timeout.ms` passed: every request that old fails.
    pub(crate) fn produce_timeout(&mut self, p: u32) {
        let now = self.now_ms;
        let prod = &mut self.producers[p as usize];
        prod.timeout_armed = false;
        let rt = prod.request_timeout_ms;
        while self.producers[p as usize]
            .in_flight
            .first()
            .is_some_and(|r| r.sent_at_ms + rt <= now)
        {
            let r = self.producers[p as usize].in_flight.remove(0);
            let id = r.id;
            self.purgatory
                .retain(|d| !(d.producer == p && d.request == id));
            self.settle(p, r, Some(ProduceError::RequestTimedOut));
        }
        self.arm_request_timeout(p);
        self.drain(p);
    }
}
