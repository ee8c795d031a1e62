//! Kafka's own answers for one KIP-848 member's reconciliation step
//! (`tests/data/kip848-reconciliation.json`, produced by Kafka's `CurrentAssignmentBuilder.build`;
//! see `tests/data/README.md`) replayed against
//! [`mailroom_core::reconciliation::current_assignment`], the function the model's coordinator
//! calls on every heartbeat.
//!
//! `held_by_others` in a case is what the model's coordinator asks (`Kip848::holder`: another
//! member lists the partition as assigned or pending revocation). Kafka's `currentPartitionEpoch`
//! also counts the member's *own* current record (see the known gap below).

use mailroom_core::event::{ReconcileState, Tp};
use mailroom_core::reconciliation::{current_assignment, epoch_is_fenced, MemberView, Reconciled};
use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    kafka_commit: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    member: Member,
    target: Vec<(String, u32)>,
    target_epoch: i32,
    held_by_others: Vec<(String, u32)>,
    /// `None`: the heartbeat carried no owned-partitions list.
    owned: Option<Vec<(String, u32)>>,
    expected: Member,
}

#[derive(Deserialize)]
struct Member {
    state: String,
    epoch: i32,
    previous_epoch: i32,
    assigned: Vec<(String, u32)>,
    pending_revocation: Vec<(String, u32)>,
}

fn tps(v: &[(String, u32)]) -> Vec<Tp> {
    let mut out: Vec<Tp> = v
        .iter()
        .map(|(t, p)| match t.as_str() {
            "orders" => (0, *p),
            "payments" => (1, *p),
            other => panic!("unknown topic {other}"),
        })
        .collect();
    out.sort_unstable();
    out
}

fn state(s: &str) -> ReconcileState {
    match s {
        "STABLE" => ReconcileState::Stable,
        "UNREVOKED_PARTITIONS" => ReconcileState::UnrevokedPartitions,
        "UNRELEASED_PARTITIONS" => ReconcileState::UnreleasedPartitions,
        other => panic!("unknown member state {other}"),
    }
}

fn load() -> File {
    let path = format!(
        "{}/tests/data/kip848-reconciliation.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("conformance vectors are checked in");
    serde_json::from_str(&text).expect("kip848-reconciliation.json parses")
}

/// The model's answer, sorted for comparison (Kafka's are sets).
fn model(c: &Case) -> Reconciled {
    let (assigned, pending) = (tps(&c.member.assigned), tps(&c.member.pending_revocation));
    let view = MemberView {
        state: state(&c.member.state),
        epoch: c.member.epoch,
        previous_epoch: c.member.previous_epoch,
        assigned: &assigned,
        pending_revocation: &pending,
    };
    let (target, others) = (tps(&c.target), tps(&c.held_by_others));
    let owned = c.owned.as_deref().map(tps);
    let mut next = current_assignment(view, &target, c.target_epoch, owned.as_deref(), |tp| {
        others.contains(&tp)
    })
    .unwrap_or(Reconciled {
        state: view.state,
        epoch: view.epoch,
        previous_epoch: view.previous_epoch,
        assigned: assigned.clone(),
        pending_revocation: pending.clone(),
    });
    next.assigned.sort_unstable();
    next.pending_revocation.sort_unstable();
    next
}

fn kafka(c: &Case) -> Reconciled {
    Reconciled {
        state: state(&c.expected.state),
        epoch: c.expected.epoch,
        previous_epoch: c.expected.previous_epoch,
        assigned: tps(&c.expected.assigned),
        pending_revocation: tps(&c.expected.pending_revocation),
    }
}

#[test]
fn member_reconciliation_matches_kafka() {
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
    for c in &f.cases {
        let (got, want) = (model(c), kafka(c));
        if got != want {
            failures.push(format!("{}:\n  Kafka {want:?}\n  model {got:?}", c.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Kafka:\n{}",
        failures.len(),
        f.cases.len(),
        failures.join("\n")
    );
}

/// `GroupMetadataManagerTest.testConsumerGroupMemberEpochValidation` (Kafka commit `1eb7644`): a
/// member at epoch 100 (previous 99) owning foo-1, foo-2, foo-3.
#[test]
fn member_epoch_validation_matches_kafkas_test() {
    let assigned: Vec<Tp> = vec![(0, 1), (0, 2), (0, 3)];
    let fenced =
        |received, owned: Option<&[Tp]>| epoch_is_fenced(received, 100, 99, owned, &assigned);
    assert!(fenced(200, Some(&[])), "a greater epoch is fenced");
    assert!(
        fenced(50, Some(&[])),
        "an older epoch than the previous one is fenced"
    );
    assert!(
        fenced(99, None),
        "the previous epoch without owned partitions is fenced"
    );
    assert!(
        !fenced(99, Some(&[(0, 1), (0, 2)])),
        "the previous epoch owning a subset is accepted (the bumped response may have been lost)"
    );
    assert!(!fenced(100, None), "the current epoch is accepted");
    assert!(
        fenced(99, Some(&[(0, 1), (0, 4)])),
        "the previous epoch owning a partition it no longer has is fenced (isSubset)"
    );
}
