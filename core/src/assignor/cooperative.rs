//! Cooperative sticky assignment, mirroring `org.apache.kafka.clients.consumer.CooperativeStickyAssignor`
//! (KIP-429 incremental cooperative rebalancing).
//!
//! The assignment is the sticky one; then every partition that would move from one live member
//! to another is withheld from its new owner for this round. The old owner revokes it on seeing
//! its new assignment and rejoins, and the follow-up rebalance hands it over. Partitions nobody
//! still owns (their owner left) are handed out at once.

use super::group::{Group, NONE};
use super::sticky;
use super::types::{MemberSpec, TopicSpec};

/// Assigns partitions as Kafka's `CooperativeStickyAssignor` does; per input member, sorted
/// (topic, partition), without the partitions withheld this round.
pub fn assign(topics: &[TopicSpec], members: &[MemberSpec]) -> Vec<Vec<(u32, u32)>> {
    let g = Group::new(topics, members);
    // A fresh group moves nothing, so there is nothing to withhold: the sticky deal it is.
    if let Some(out) = sticky::fresh_deal(&g) {
        return out;
    }
    let owner = assign_group(&g);
    g.output_from_owner(&owner)
}

pub(crate) fn assign_group(g: &Group) -> Vec<u32> {
    let outcome = sticky::assign_group(g);
    let mut owner = outcome.owner;
    match outcome.transferring {
        // The constrained path tracked moves itself (Kafka's partitionsTransferringOwnership).
        Some(t) => withhold(&mut owner, &t),
        None => withhold_transfers_from_owned(g, &mut owner),
    }
    owner
}

/// Kafka's `computePartitionsTransferringOwnership` plus `adjustAssignment`: a partition newly
/// assigned to one member that another member owned and does not keep is withheld this round.
fn withhold_transfers_from_owned(g: &Group, owner: &mut [u32]) {
    let total = owner.len();
    let mut revoked = vec![false; total];
    let mut kept = vec![false; total];
    for m in 0..g.members.len() {
        for p in g.owned(m) {
            if owner[p as usize] == m as u32 {
                kept[p as usize] = true;
            } else {
                revoked[p as usize] = true;
            }
        }
    }
    for p in 0..total {
        if revoked[p] && !kept[p] && owner[p] != NONE {
            owner[p] = NONE;
        }
    }
}

/// Withholds each (partition, new owner) transfer (Kafka's `adjustAssignment`).
fn withhold(owner: &mut [u32], transferring: &[(u32, u32)]) {
    for &(p, m) in transferring {
        if owner.get(p as usize) == Some(&m) {
            owner[p as usize] = NONE;
        }
    }
}
