//! Kafka's own answers for the leader's idempotent-produce check (`tests/data/idempotence.json`,
//! produced by Kafka's `ProducerStateEntry.findDuplicateBatch` and
//! `ProducerAppendInfo.appendDataBatch` with origin `CLIENT`, in the order of
//! `UnifiedLog.analyzeAndValidateProducerState`; see `tests/data/README.md`) replayed against
//! [`mailroom_core::idempotence::check_sequence`], the function the model's leader calls.

use mailroom_core::idempotence::{check_sequence, ProducerEntry, SeqCheck};
use serde::Deserialize;
use std::collections::VecDeque;

#[derive(Deserialize)]
struct File {
    kafka_commit: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    /// `None`: the leader has no entry for the producer.
    state: Option<State>,
    batch: Batch,
    expected: Expected,
}

#[derive(Deserialize)]
struct State {
    epoch: u32,
    /// The retained batches (at most five), oldest first: (first seq, last seq, base offset).
    batches: Vec<(u32, u32, u64)>,
}

#[derive(Deserialize)]
struct Batch {
    epoch: u32,
    first_seq: u32,
    count: u32,
}

#[derive(Deserialize)]
struct Expected {
    /// `append`, `duplicate`, `out_of_order` or `invalid_epoch`.
    result: String,
    base_offset: Option<u64>,
}

fn load() -> File {
    let path = format!("{}/tests/data/idempotence.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("conformance vectors are checked in");
    serde_json::from_str(&text).expect("idempotence.json parses")
}

fn model(c: &Case) -> SeqCheck {
    let recent: Option<VecDeque<(u32, u32, u64)>> = c
        .state
        .as_ref()
        .map(|s| s.batches.iter().copied().collect());
    let entry = c
        .state
        .as_ref()
        .zip(recent.as_ref())
        .map(|(s, r)| ProducerEntry {
            epoch: s.epoch,
            recent: r,
        });
    check_sequence(entry, c.batch.epoch, c.batch.first_seq, c.batch.count)
}

fn kafka(c: &Case) -> SeqCheck {
    match c.expected.result.as_str() {
        "append" => SeqCheck::Append,
        "duplicate" => {
            SeqCheck::Duplicate(c.expected.base_offset.expect("duplicate has an offset"))
        }
        // Mailroom has no `INVALID_PRODUCER_EPOCH` answer: its leader refuses a fenced epoch as
        // out of order (documented at `check_sequence`; the model's producer never sends one).
        "invalid_epoch" => SeqCheck::OutOfOrder,
        "out_of_order" => SeqCheck::OutOfOrder,
        other => panic!("{}: unknown expected result {other}", c.name),
    }
}

/// A documented simplification, not a gap: in the model an entry with an epoch but no batches
/// means every remembered batch was truncated away, and the leader then takes the batch (see
/// `check_sequence`: Kafka would have rebuilt the state from older log segments). Kafka's entry
/// without batches (after a transaction marker) accepts only sequence 0
/// (`ProducerAppendInfo.checkSequence`, `inSequence(NO_SEQUENCE, seq)`).
fn truncated_state(c: &Case) -> bool {
    c.state
        .as_ref()
        .is_some_and(|s| s.batches.is_empty() && s.epoch == c.batch.epoch && c.batch.first_seq != 0)
}

#[test]
fn leader_sequence_check_matches_kafka() {
    let f = load();
    assert_eq!(
        f.kafka_commit.len(),
        40,
        "the file records the Kafka commit"
    );
    assert!(
        f.cases.len() >= 500,
        "at least 500 cases, got {}",
        f.cases.len()
    );
    let mut failures = Vec::new();
    let mut simplified = 0;
    for c in &f.cases {
        let (got, want) = (model(c), kafka(c));
        if truncated_state(c) {
            simplified += 1;
            assert_eq!(want, SeqCheck::OutOfOrder, "{}: Kafka refuses it", c.name);
            assert_eq!(
                got,
                SeqCheck::Append,
                "{}: the model takes it (simplification)",
                c.name
            );
            continue;
        }
        if got != want {
            failures.push(format!(
                "{}: state {:?} batch epoch {} seq {}+{}: Kafka {} {:?}, model {got:?}",
                c.name,
                c.state.as_ref().map(|s| (s.epoch, &s.batches)),
                c.batch.epoch,
                c.batch.first_seq,
                c.batch.count,
                c.expected.result,
                c.expected.base_offset
            ));
        }
    }
    let fenced = f
        .cases
        .iter()
        .filter(|c| c.expected.result == "invalid_epoch")
        .count();
    eprintln!(
        "idempotence.json: {} of {} cases match Kafka exactly, {fenced} fenced epochs refused as out of order, {simplified} under the truncated-state simplification",
        f.cases.len() - simplified - fenced - failures.len(),
        f.cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Kafka:\n{}",
        failures.len(),
        f.cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_outcome_is_covered_by_the_vectors() {
    let f = load();
    for result in ["append", "duplicate", "out_of_order", "invalid_epoch"] {
        let n = f
            .cases
            .iter()
            .filter(|c| c.expected.result == result)
            .count();
        assert!(n >= 20, "only {n} cases with Kafka's answer {result}");
    }
    assert!(
        f.cases.iter().any(|c| c
            .batch
            .first_seq
            .checked_add(c.batch.count)
            .is_some_and(|e| e > i32::MAX as u32 + 1)),
        "a batch crosses the sequence wrap"
    );
    assert!(
        f.cases
            .iter()
            .any(|c| c.state.is_none() && c.batch.first_seq != 0),
        "a first batch with a sequence other than 0"
    );
}
