//! Broker-side range assignment of the KIP-848 consumer group protocol, mirroring
//! `org.apache.kafka.coordinator.group.assignor.RangeAssignor` (`group.remote.assignor=range`).
//!
//! Stateless per topic: members sorted (static members by `group.instance.id` first, then by
//! member id), each topic split into contiguous ranges, the first `P % C` subscribers getting one
//! extra. Owned partitions and racks play no part (as in Kafka at the vectors' commit). Topics
//! missing from metadata are skipped (Kafka rejects such subscriptions broker-side).

use super::group::Group;
use super::range::ranges_by_formula;
use super::types::{MemberSpec, TopicSpec};

/// Assigns partitions as the KIP-848 `RangeAssignor` does; per input member, sorted (topic, partition).
pub fn assign(topics: &[TopicSpec], members: &[MemberSpec]) -> Vec<Vec<(u32, u32)>> {
    let g = Group::new(topics, members);
    let order = g.member_info_order();
    let mut subscribers = vec![0u32; g.partitions.len()];
    for m in &g.members {
        for &t in m.topics.iter() {
            subscribers[t as usize] += 1;
        }
    }
    let owner = ranges_by_formula(&g, &order, &subscribers);
    g.output_from_owner(&owner)
}
