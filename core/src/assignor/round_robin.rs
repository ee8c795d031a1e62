//! Round-robin assignment, mirroring `org.apache.kafka.clients.consumer.RoundRobinAssignor`
//! (classic protocol).
//!
//! All subscribed topics sorted by name, partitions ascending, are dealt by one circular iterator
//! over the members in `MemberInfo` order. The iterator is not reset between topics and skips
//! members not subscribed to the partition's topic, so uneven subscriptions shift who comes next.

use super::group::Group;
use super::group::NONE;
use super::types::{MemberSpec, TopicSpec};

/// Assigns partitions as Kafka's `RoundRobinAssignor` does; per input member, sorted (topic, partition).
pub fn assign(topics: &[TopicSpec], members: &[MemberSpec]) -> Vec<Vec<(u32, u32)>> {
    let g = Group::new(topics, members);
    let owner = assign_group(&g);
    g.output_from_owner(&owner)
}

fn assign_group(g: &Group) -> Vec<u32> {
    let mut owner = vec![NONE; g.total_partitions()];
    let order = g.member_info_order();
    if order.is_empty() {
        return owner;
    }
    let mut cursor = 0usize;
    for t in g.subscribed_topics_by_name() {
        let base = g.offset[t as usize];
        for p in 0..g.partitions[t as usize] {
            // Some member subscribes to `t` (that is how it got here), so this stops within one lap.
            let mut steps = 0;
            while !g.members[order[cursor] as usize].subscribes(t) && steps < order.len() {
                cursor = (cursor + 1) % order.len();
                steps += 1;
            }
            owner[(base + p) as usize] = order[cursor];
            cursor = (cursor + 1) % order.len();
        }
    }
    owner
}
