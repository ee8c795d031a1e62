//! The KRaft controller's decisions, as pure functions: where replicas go and who leads.
//!
//! - Placement: Kafka's rack-unaware assignment (`AdminUtils.assignReplicasToBrokersRackUnaware`,
//!   what `kafka-topics --create` used before KRaft's `StripedReplicaPlacer`, which without
//!   racks spreads replicas the same round-robin way): a random start broker and a random
//!   shift for the second replica, both from the scenario's seed, so leaders and followers are
//!   spread evenly and deterministically.
//! - Election: `PartitionChangeBuilder.electLeader`: the first replica in assignment order that
//!   is in the ISR and not fenced; with `unclean.leader.election.enable`, failing that, the
//!   first unfenced replica at all (an unclean election: the ISR becomes just it). KIP-966's
//!   eligible leader replicas are not modelled (the pre-KIP-966 rule is what most clusters run).

use crate::rng::Rng;

use super::replica::{bit, PartitionReplicas};

/// Replica lists (preferred leader first) for `partitions` partitions with `rf` replicas on
/// brokers `0..brokers`, starting at partition `first` (so that added partitions continue the
/// same pattern). `start` and `shift` are the two random draws Kafka makes once per topic.
pub(crate) fn place_replicas(
    brokers: u32,
    first: u32,
    partitions: u32,
    rf: u32,
    start: u32,
    shift: u32,
) -> Vec<Vec<u32>> {
    let n = brokers.max(1);
    (first..first + partitions)
        .map(|i| {
            // AdminUtils: nextReplicaShift grows by one each time the partitions wrap around.
            let shift = shift + i / n;
            let first_replica = (i + start) % n;
            let mut r = vec![first_replica];
            for j in 0..rf.saturating_sub(1) {
                let s = 1 + (shift + j) % (n - 1).max(1);
                r.push((first_replica + s) % n);
            }
            r
        })
        .collect()
}

/// The topic's two random draws (start broker, replica shift), from its own seed stream.
pub(crate) fn placement_draws(seed: u64, topic: &str, brokers: u32) -> (u32, u32) {
    let mut rng = Rng::derive(seed, &format!("placement/{topic}"));
    let n = u64::from(brokers.max(1));
    ((rng.next_u64() % n) as u32, (rng.next_u64() % n) as u32)
}

/// The outcome of an election.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Election {
    /// An ISR member leads.
    Clean(u32),
    /// An out-of-sync replica leads (`unclean.leader.election.enable`).
    Unclean(u32),
    /// Nobody can: the partition is offline until an ISR member returns.
    Offline,
}

/// `PartitionChangeBuilder.electLeader` over the replicas whose brokers are `usable`
/// (registered and unfenced).
pub(crate) fn elect(
    p: &PartitionReplicas,
    usable: impl Fn(u32) -> bool,
    unclean: bool,
) -> Election {
    if let Some(r) = p
        .replicas
        .iter()
        .find(|r| p.in_isr(r.broker) && usable(r.broker))
    {
        return Election::Clean(r.broker);
    }
    if unclean {
        if let Some(r) = p.replicas.iter().find(|r| usable(r.broker)) {
            return Election::Unclean(r.broker);
        }
    }
    Election::Offline
}

/// `ReplicationControlManager.handleBrokerFenced`: the broker leaves the ISR, unless it is
/// the last member (Kafka keeps the last ISR member so that a clean leader can come back).
pub(crate) fn fence_from_isr(p: &mut PartitionReplicas, b: u32) -> bool {
    if p.in_isr(b) && p.isr != bit(b) {
        p.isr &= !bit(b);
        true
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::super::replica::PartitionReplicas;
    use super::*;

    #[test]
    fn placement_spreads_leaders_and_never_repeats_a_broker_in_a_partition() {
        let placed = place_replicas(3, 0, 6, 3, 1, 0);
        let leaders: Vec<u32> = placed.iter().map(|r| r[0]).collect();
        assert_eq!(leaders, vec![1, 2, 0, 1, 2, 0]);
        for r in &placed {
            let mut s = r.clone();
            s.sort_unstable();
            s.dedup();
            assert_eq!(s.len(), 3, "{r:?}");
        }
        // AdminUtils' example shape: the follower shift changes after a full round.
        assert_ne!(
            placed[0][1] as i64 - placed[0][0] as i64,
            placed[3][1] as i64 - placed[3][0] as i64
        );
        assert_eq!(place_replicas(1, 0, 4, 1, 0, 0), vec![vec![0]; 4]);
    }

    #[test]
    fn placement_is_deterministic_from_the_seed() {
        assert_eq!(placement_draws(7, "t", 5), placement_draws(7, "t", 5));
        assert!(placement_draws(7, "t", 5).0 < 5);
    }

    #[test]
    fn election_prefers_the_assignment_order_within_the_isr() {
        let mut p = PartitionReplicas::new(&[2, 0, 1], 1);
        assert_eq!(elect(&p, |_| true, false), Election::Clean(2));
        assert_eq!(elect(&p, |b| b != 2, false), Election::Clean(0));
        p.isr = bit(2);
        assert_eq!(elect(&p, |b| b != 2, false), Election::Offline);
        assert_eq!(elect(&p, |b| b != 2, true), Election::Unclean(0));
    }

    #[test]
    fn fencing_keeps_the_last_isr_member() {
        let mut p = PartitionReplicas::new(&[0, 1], 1);
        assert!(fence_from_isr(&mut p, 0));
        assert!(!fence_from_isr(&mut p, 1));
        assert_eq!(p.isr, bit(1));
    }
}
