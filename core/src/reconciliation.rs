//! One KIP-848 member's reconciliation step: Kafka's `CurrentAssignmentBuilder.build` (group
//! coordinator, `modern/consumer/CurrentAssignmentBuilder.java`). A pure function, so that the
//! conformance vectors (`tests/data/kip848-reconciliation.json`, produced by that Kafka class)
//! test the code the model's coordinator runs.

use crate::event::{ReconcileState, Tp};

/// A member's reconciliation fields as the coordinator holds them (`ConsumerGroupMember`).
#[derive(Clone, Copy, Debug)]
pub struct MemberView<'a> {
    /// `MemberState`.
    pub state: ReconcileState,
    /// Member epoch.
    pub epoch: i32,
    /// The epoch before the last step (-1 for a new member).
    pub previous_epoch: i32,
    /// Partitions the member may own now.
    pub assigned: &'a [Tp],
    /// Partitions it must give up before it may get more.
    pub pending_revocation: &'a [Tp],
}

/// The member's next reconciliation fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reconciled {
    /// The next `MemberState`.
    pub state: ReconcileState,
    /// The next member epoch.
    pub epoch: i32,
    /// The epoch it had before this step (`ConsumerGroupMember.Builder.updateMemberEpoch`
    /// records it even when the epoch stays the same).
    pub previous_epoch: i32,
    /// The next assigned partitions.
    pub assigned: Vec<Tp>,
    /// The next partitions pending revocation.
    pub pending_revocation: Vec<Tp>,
}

/// `CurrentAssignmentBuilder.build`: the member's next state towards `target` (stamped with
/// `target_epoch`), given the partitions the heartbeat reports as owned (`None`: the request
/// carried no list, which counts as still owning everything) and whether a partition is still
/// held by another member (`currentPartitionEpoch` ≠ -1; the member's own pending revocations
/// count too, as in Kafka). `None` when the member stays as it is.
pub fn current_assignment(
    m: MemberView<'_>,
    target: &[Tp],
    target_epoch: i32,
    owned: Option<&[Tp]>,
    held_elsewhere: impl Fn(Tp) -> bool,
) -> Option<Reconciled> {
    let owns_any = |revoke: &[Tp]| owned.is_none_or(|o| o.iter().any(|tp| revoke.contains(tp)));
    let next_epoch = match m.state {
        ReconcileState::Stable if m.epoch == target_epoch => return None,
        ReconcileState::Stable | ReconcileState::UnreleasedPartitions => m.epoch,
        ReconcileState::UnrevokedPartitions => {
            if owns_any(m.pending_revocation) {
                return None;
            }
            m.epoch + 1
        }
    };
    Some(compute_next(
        m,
        next_epoch,
        target,
        target_epoch,
        owns_any,
        held_elsewhere,
    ))
}

/// `CurrentAssignmentBuilder.computeNextAssignment`.
fn compute_next(
    m: MemberView<'_>,
    epoch: i32,
    target: &[Tp],
    target_epoch: i32,
    owns_any: impl Fn(&[Tp]) -> bool,
    held_elsewhere: impl Fn(Tp) -> bool,
) -> Reconciled {
    let keep: Vec<Tp> = m
        .assigned
        .iter()
        .copied()
        .filter(|tp| target.contains(tp))
        .collect();
    let revoke: Vec<Tp> = m
        .assigned
        .iter()
        .copied()
        .filter(|tp| !target.contains(tp))
        .collect();
    let mut unreleased = false;
    let mut add = Vec::new();
    for &tp in target {
        if keep.contains(&tp) {
            continue;
        }
        // Kafka asks `ConsumerGroup.currentPartitionEpoch`, which still holds this member's own
        // current record: a partition it is revoking is unreleased even when the new target
        // hands it back (it comes back on the next heartbeat, once the record is replaced).
        if held_elsewhere(tp) || m.pending_revocation.contains(&tp) {
            unreleased = true;
        } else {
            add.push(tp);
        }
    }
    if !revoke.is_empty() && owns_any(&revoke) {
        // Revoke first: stay at this epoch, keep only what stays, get nothing new.
        Reconciled {
            state: ReconcileState::UnrevokedPartitions,
            epoch,
            previous_epoch: m.epoch,
            assigned: keep,
            pending_revocation: revoke,
        }
    } else {
        let mut assigned = keep;
        assigned.extend(add);
        assigned.sort_unstable();
        Reconciled {
            state: if unreleased {
                ReconcileState::UnreleasedPartitions
            } else {
                ReconcileState::Stable
            },
            epoch: target_epoch,
            previous_epoch: m.epoch,
            assigned,
            pending_revocation: Vec::new(),
        }
    }
}

/// `GroupMetadataManager.throwIfConsumerGroupMemberEpochIsInvalid`: whether a heartbeat carrying
/// `received` (a member already in the group, epoch > 0) is answered `FENCED_MEMBER_EPOCH`. A
/// greater epoch is fenced; a smaller one too, unless it is the member's previous epoch and
/// every partition it reports as owned is still assigned to it (the response with the bumped
/// epoch may have been lost; `GroupMetadataManagerTest.testConsumerGroupMemberEpochValidation`).
pub fn epoch_is_fenced(
    received: i32,
    member_epoch: i32,
    previous_epoch: i32,
    owned: Option<&[Tp]>,
    assigned: &[Tp],
) -> bool {
    if received > member_epoch {
        return true;
    }
    received < member_epoch
        && (received != previous_epoch
            || !owned.is_some_and(|o| o.iter().all(|tp| assigned.contains(tp))))
}
