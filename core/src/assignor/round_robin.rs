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
    let n_subscribed = g.subscribed.iter().filter(|&&s| s).count();
    if g.members.iter().all(|m| m.topics.len() == n_subscribed) {
        // Everyone subscribes to every subscribed topic (a member's topics are a deduplicated
        // subset of them), so the iterator never skips: partition i goes to member i mod C.
        return g.output_dealt(&g.member_info_order(), &g.subscribed_topics_by_name());
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Groups where everyone subscribes to the same known topics (some with no partitions), with
    /// repeated, non-ASCII and static member ids; sometimes one member subscribes differently.
    fn group() -> impl Strategy<Value = (Vec<TopicSpec>, Vec<MemberSpec>)> {
        let member = (
            0u32..30,
            prop::sample::select(vec!["consumer-", "Consumer-", "\u{FFFD}", "\u{1F600}"]),
            prop::option::weighted(0.3, 0u32..5),
            prop::collection::vec(0u32..6, 0..3),
        );
        (
            prop::collection::vec((0u32..30, 0u32..10), 0..6),
            prop::collection::vec(member, 0..20),
            0usize..20,
        )
            .prop_map(|(topics, members, odd)| {
                let topics: Vec<TopicSpec> = topics
                    .into_iter()
                    .map(|(partitions, name)| TopicSpec {
                        name: format!("topic-{name}"),
                        partitions,
                        partition_racks: Vec::new(),
                    })
                    .collect();
                let all: Vec<u32> = (0..topics.len() as u32).collect();
                let members = members
                    .into_iter()
                    .enumerate()
                    .map(|(i, (id, prefix, instance, own))| MemberSpec {
                        member_id: format!("{prefix}{id}"),
                        group_instance_id: instance.map(|i| format!("i-{i}")),
                        topics: if i == odd { own } else { all.clone() },
                        ..MemberSpec::default()
                    })
                    .collect();
                (topics, members)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// `assign` (which deals directly when nobody is skipped) equals the circular iterator.
        #[test]
        fn deal_matches_iterator((topics, members) in group()) {
            let g = Group::new(&topics, &members);
            prop_assert_eq!(assign(&topics, &members), g.output_from_owner(&assign_group(&g)));
        }
    }
}
