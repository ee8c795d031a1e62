//! Exactly-once consume-transform-produce (KIP-98 transactions, KIP-447 fencing by group
//! generation): each fetched batch is processed inside a transaction that writes output
//! records and the consumed offsets; `commitTransaction` makes both visible at once, and an
//! abort (a crash, a fenced zombie, a timeout) makes neither visible. read_committed readers
//! stop at the last stable offset and skip aborted records.
//!
//! The transaction coordinator is folded into the group coordinator: `EndTxn` carries the
//! offsets (Kafka sends `TxnOffsetCommit` then `EndTxn`), and is validated like an offset commit
//! — a member of an old generation is a zombie and its transaction is aborted.

use crate::event::{ConsumerState, Event, Tp};
use crate::log::NO_KEY;
use crate::partitioner::partition_for_key;
use crate::scenario::KeyMode;

use super::consumer::Segment;
use super::protocol::Endpoint;
use super::protocol::Request;
use super::Sim;
use super::Timer;

/// An open transaction.
#[derive(Clone, Debug)]
pub(crate) struct Txn {
    pub id: u64,
    pub group: u32,
    pub slot: u32,
    /// Output records written, as (topic, partition, offset).
    pub outputs: Vec<(u32, u32, u64)>,
    /// Input ranges consumed inside it.
    pub consumed: Vec<Segment>,
}

/// All open transactions.
#[derive(Clone, Debug, Default)]
pub(crate) struct Transactions {
    next_id: u64,
    pub open: Vec<Txn>,
}

impl Sim {
    pub(super) fn begin_transaction(&mut self, g: u32, s: u32) {
        self.txns.next_id += 1;
        let id = self.txns.next_id;
        self.txns.open.push(Txn {
            id,
            group: g,
            slot: s,
            outputs: Vec::new(),
            consumed: Vec::new(),
        });
        self.groups[g as usize].slots[s as usize].txn = Some(id);
        let timeout = self.groups[g as usize].cfg.transaction_timeout_ms;
        self.timers
            .at(self.now_ms + timeout, Timer::TxnTimeout { txn: id });
        self.emit(Event::TransactionBegun {
            group: g,
            member: s,
            txn: id,
        });
    }

    fn txn_mut(&mut self, id: u64) -> Option<&mut Txn> {
        self.txns.open.iter_mut().find(|t| t.id == id)
    }

    /// The output partition of a transformed record: the input key keeps its key, so it is
    /// partitioned by murmur2 like any keyed record; unkeyed records keep their partition number.
    fn output_partition(
        &self,
        input_topic: u32,
        input_partition: u32,
        key: u32,
        partitions: u32,
    ) -> u32 {
        if key == NO_KEY {
            return input_partition % partitions;
        }
        let prefix = self.producers.iter().find_map(|p| match &p.keys {
            KeyMode::Entity { prefix, .. } if p.topic == input_topic => Some(prefix.as_str()),
            _ => None,
        });
        match prefix {
            Some(prefix) => partition_for_key(
                super::producer::entity_key(prefix, key).as_bytes(),
                partitions,
            ),
            None => input_partition % partitions,
        }
    }

    /// Writes one output record per processed input record, inside the member's transaction.
    pub(super) fn transactional_output(&mut self, g: u32, s: u32, tp: Tp, from: u64, to: u64) {
        let Some(txn) = self.groups[g as usize].slots[s as usize].txn else {
            return;
        };
        let Some(out_topic) = self.groups[g as usize].output_topic else {
            return;
        };
        let read_committed = self.read_committed(g);
        if let Some(t) = self.txn_mut(txn) {
            match t.consumed.last_mut() {
                Some(last) if last.tp == tp && last.to == from => last.to = to,
                _ => t.consumed.push(Segment { tp, from, to }),
            }
        }
        for off in from..to {
            let log = &self.topics[tp.0 as usize].logs[tp.1 as usize];
            if !log.kind(off).visible(read_committed) {
                continue;
            }
            let key = log.key(off);
            let partitions = self.topics[out_topic as usize].logs.len() as u32;
            let partition = self.output_partition(tp.0, tp.1, key, partitions);
            let offset = self.topics[out_topic as usize].logs[partition as usize]
                .append_transactional(txn, key);
            self.figures_appended((out_topic, partition));
            if let Some(t) = self.txn_mut(txn) {
                t.outputs.push((out_topic, partition, offset));
            }
            let now = self.now_ms;
            self.envelopes.push(
                crate::frame::EnvelopeKind::Output,
                g,
                Some(s),
                (out_topic, partition),
                offset,
                (key != NO_KEY).then_some(key),
                1,
                now,
            );
            self.emit_traffic(|| Event::OutputRecordAppended {
                group: g,
                member: s,
                topic: out_topic,
                partition,
                offset,
                key: (key != NO_KEY).then_some(key),
                txn,
            });
            // Read-uncommitted readers may see it once the high watermark passes it.
            // (Transactional writes are not refused by min.insync.replicas or broker failures:
            // the consume-transform-produce loop is modelled on an available cluster.)
            if !self.leader_appended(out_topic, partition) {
                self.data_arrived(out_topic, partition);
            }
        }
    }

    /// `sendOffsetsToTransaction` + `commitTransaction`.
    pub(super) fn commit_transaction(&mut self, g: u32, s: u32) {
        let c = &mut self.groups[g as usize].slots[s as usize];
        let Some(txn) = c.txn else { return };
        c.lp = super::consumer::Loop::Committing;
        let req = Request::EndTxn {
            member_id: c.member_id.clone(),
            generation: c.generation,
            txn,
            offsets: c.consumed_positions(),
        };
        self.send(g, s, req);
        self.set_state(g, s, ConsumerState::Committing);
    }

    /// The coordinator completes transaction `id`: commit (markers, offsets, ledger) or abort.
    /// Returns whether it committed (false also when it was already aborted: fenced).
    pub(super) fn end_transaction(
        &mut self,
        id: u64,
        commit: bool,
        offsets: &[(Tp, u64)],
        from: Endpoint,
    ) -> bool {
        if !commit {
            self.abort_transaction(id);
            return false;
        }
        let Some(i) = self.txns.open.iter().position(|t| t.id == id) else {
            return false;
        };
        let t = self.txns.open.remove(i);
        self.write_markers(&t, true);
        self.store_offsets(from, offsets);
        let g = t.group;
        for seg in &t.consumed {
            let duplicates = self.account_processed(g, seg.tp, seg.from, seg.to);
            self.emit_duplicates(g, seg.tp, seg.from, duplicates);
        }
        self.emit(Event::TransactionCommitted {
            group: g,
            member: t.slot,
            txn: id,
        });
        true
    }

    /// Aborts transaction `id` if it is still open.
    pub(super) fn abort_transaction(&mut self, id: u64) {
        let Some(i) = self.txns.open.iter().position(|t| t.id == id) else {
            return;
        };
        let t = self.txns.open.remove(i);
        self.write_markers(&t, false);
        self.emit(Event::TransactionAborted {
            group: t.group,
            member: t.slot,
            txn: id,
            records: t.outputs.len() as u32,
        });
    }

    pub(super) fn txn_timeout(&mut self, id: u64) {
        self.abort_transaction(id);
    }

    fn write_markers(&mut self, t: &Txn, commit: bool) {
        let mut touched: Vec<(u32, u32)> = t.outputs.iter().map(|&(tt, p, _)| (tt, p)).collect();
        touched.sort_unstable();
        touched.dedup();
        for (topic, partition) in touched {
            let offs: Vec<u64> = t
                .outputs
                .iter()
                .filter(|o| (o.0, o.1) == (topic, partition))
                .map(|o| o.2)
                .collect();
            let tp_log = &mut self.topics[topic as usize];
            if let Some(n) = tp_log.logs[partition as usize].end_transaction(t.id, commit, &offs) {
                if commit {
                    tp_log.produced += u64::from(n);
                }
            }
            // The last stable offset moved: read_committed readers may fetch now.
            if !self.leader_appended(topic, partition) {
                self.data_arrived(topic, partition);
            }
        }
    }
}
