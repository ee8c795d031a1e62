//! Inputs and strategy names shared by every assignor.
//!
//! The shapes mirror what Kafka's group leader sees in `ConsumerPartitionAssignor.GroupSubscription`
//! (`org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription`): a topic list, the
//! partitions the member owned (KIP-429), its generation and its rack (KIP-881). Topics and
//! partitions are indices, so the hot paths never hash or clone strings.

use serde::{Deserialize, Serialize};

/// Which client-side (classic protocol) assignor, by Kafka's `partition.assignment.strategy` name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Strategy {
    /// `org.apache.kafka.clients.consumer.RangeAssignor`.
    #[serde(rename = "range")]
    Range,
    /// `org.apache.kafka.clients.consumer.RoundRobinAssignor`.
    #[serde(rename = "roundrobin")]
    RoundRobin,
    /// `org.apache.kafka.clients.consumer.StickyAssignor` (eager, KIP-54).
    #[serde(rename = "sticky")]
    Sticky,
    /// `org.apache.kafka.clients.consumer.CooperativeStickyAssignor` (KIP-429).
    #[serde(rename = "cooperative-sticky")]
    CooperativeSticky,
}

impl Strategy {
    /// Every strategy, in the order Kafka's documentation lists them.
    pub const ALL: [Strategy; 4] = [
        Strategy::Range,
        Strategy::RoundRobin,
        Strategy::Sticky,
        Strategy::CooperativeSticky,
    ];

    /// Kafka's name for the strategy, as returned by `ConsumerPartitionAssignor.name()`.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Range => "range",
            Strategy::RoundRobin => "roundrobin",
            Strategy::Sticky => "sticky",
            Strategy::CooperativeSticky => "cooperative-sticky",
        }
    }

    /// Parses Kafka's strategy name (`range`, `roundrobin`, `sticky`, `cooperative-sticky`).
    pub fn from_name(s: &str) -> Option<Self> {
        Strategy::ALL.into_iter().find(|st| st.name() == s)
    }

    /// True for cooperative-sticky (KIP-429): members keep partitions across the rebalance, so
    /// a partition changing owner is first revoked and only handed over in a follow-up rebalance.
    pub fn is_cooperative(self) -> bool {
        matches!(self, Strategy::CooperativeSticky)
    }
}

/// A topic as the group leader's metadata shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicSpec {
    /// Topic name; it decides ordering, as Java's `String.compareTo` does.
    pub name: String,
    /// Partition count; 0 behaves like a topic missing from metadata.
    pub partitions: u32,
    /// Replica racks per partition (KIP-881); empty = unknown. A missing entry means no rack info.
    pub partition_racks: Vec<Vec<String>>,
}

/// One member's subscription, as the leader received it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSpec {
    /// `member.id` assigned by the coordinator.
    pub member_id: String,
    /// `group.instance.id` (KIP-345 static membership), if any.
    pub group_instance_id: Option<String>,
    /// Indices into the topics slice; indices past its end are topics missing from metadata.
    pub topics: Vec<u32>,
    /// Owned partitions as (topic index, partition).
    pub owned: Vec<(u32, u32)>,
    /// None = new member (generation -1).
    pub generation: Option<i32>,
    /// `client.rack` (KIP-881); None or empty = unknown.
    pub rack: Option<String>,
}
