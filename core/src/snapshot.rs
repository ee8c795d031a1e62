//! A read-only view of the whole simulation at one instant, for drawing.
//!
//! Built on demand by [`crate::Sim::snapshot`]; nothing here is needed to advance the model.

use serde::Serialize;

use crate::assignor::Strategy;
use crate::event::{ConsumerState, GroupState, Tp};

/// Everything the stage draws.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Snapshot {
    /// Simulated time of the view.
    pub now_ms: u64,
    /// Topics in scenario order (an exactly-once group's output topic included).
    pub topics: Vec<TopicView>,
    /// Producers in scenario order.
    pub producers: Vec<ProducerView>,
    /// Groups in scenario order.
    pub groups: Vec<GroupView>,
    /// The live rows of the compacted `__consumer_offsets` topic: the latest commit per key.
    pub consumer_offsets: Vec<OffsetsRow>,
    /// Per group (scenario order): its KIP-848 state, `None` for classic groups.
    pub kip848: Vec<Option<crate::Kip848View>>,
    /// Share groups (KIP-932) in scenario order.
    pub share_groups: Vec<crate::ShareGroupView>,
    /// The brokers.
    pub brokers: Vec<BrokerView>,
}

/// One broker.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BrokerView {
    /// Broker id.
    pub id: u32,
    /// Up, crashed or isolated.
    pub state: crate::BrokerState,
    /// Fenced by the controller.
    pub fenced: bool,
    /// Extra ms per follower fetch round trip.
    pub slow_ms: u64,
    /// Groups whose coordinator it hosts.
    pub coordinator_of: Vec<u32>,
}

/// One replica of a partition.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ReplicaView {
    /// Broker id.
    pub broker: u32,
    /// Its log-end offset.
    pub log_end_offset: u64,
    /// In the ISR.
    pub in_isr: bool,
}

/// One topic.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TopicView {
    /// Name.
    pub name: String,
    /// Its partitions, by number.
    pub partitions: Vec<PartitionView>,
}

/// One partition's offset log.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PartitionView {
    /// First offset still in the log (advances with retention).
    pub log_start_offset: u64,
    /// Offset the next record will get in the leader's log.
    pub log_end_offset: u64,
    /// Last stable offset: below the first open transaction's first record (and the HW).
    pub last_stable_offset: u64,
    /// High watermark: consumers read below it.
    pub high_watermark: u64,
    /// Leader broker, `None` while offline.
    pub leader: Option<u32>,
    /// Leader epoch.
    pub leader_epoch: u32,
    /// Replicas, preferred leader first.
    pub replicas: Vec<ReplicaView>,
    /// Offset of the first entry of `recent`.
    pub recent_base_offset: u64,
    /// The keys (entity numbers, `None` = no key) of the newest records, at most 64.
    pub recent_keys: Vec<Option<u32>>,
    /// For each entry of `recent`: 0 plain, 1 in an open transaction, 2 committed transactional,
    /// 3 aborted, 4 a transaction marker.
    pub recent_txn: Vec<u8>,
}

/// One producer.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProducerView {
    /// Name.
    pub id: String,
    /// Topic index.
    pub topic: u32,
    /// Current rate.
    pub rate_per_sec: f64,
    /// Key prefix (`None` for unkeyed producers).
    pub key_prefix: Option<String>,
    /// Records produced so far.
    pub produced: u64,
    /// The partition the sticky partitioner is filling now (unkeyed producers).
    pub sticky_partition: Option<u32>,
    /// What became of its records (sent, acked, failed, duplicates, losses).
    pub ledger: crate::ledger::ProducerLedger,
}

/// One consumer group.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct GroupView {
    /// `group.id`.
    pub id: String,
    /// Coordinator state.
    pub state: GroupState,
    /// Current generation (-1 before the first rebalance… Kafka starts at 0 and bumps on
    /// every rebalance).
    pub generation: i32,
    /// The assignor chosen for the current generation.
    pub strategy: Option<Strategy>,
    /// Whether the chosen assignor is cooperative (KIP-429).
    pub cooperative: bool,
    /// Slot of the leader.
    pub leader: Option<u32>,
    /// Consumer slots (crashed and departed ones stay, greyed out).
    pub members: Vec<MemberView>,
    /// Per subscribed partition: owner, committed offset, lag.
    pub partitions: Vec<GroupPartitionView>,
    /// Records this group has processed (counting repeats).
    pub processed: u64,
    /// Repeats among them.
    pub duplicates: u64,
    /// Records skipped for good.
    pub lost: u64,
    /// Rebalances so far.
    pub rebalances: u64,
    /// Largest lag seen on any partition.
    pub max_lag: u64,
    /// Times a live member stopped processing all its partitions for a rebalance.
    pub paused_members: u64,
}

/// One consumer slot.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct MemberView {
    /// Display name (`consumer-1`, …).
    pub name: String,
    /// Current protocol member id (empty before its first join).
    pub member_id: String,
    /// `group.instance.id` for static members.
    pub instance_id: Option<String>,
    /// What it is doing.
    pub state: ConsumerState,
    /// Partitions it owns now.
    pub assigned: Vec<Tp>,
    /// The record it is working on, as (topic, partition, offset).
    pub processing: Option<(u32, u32, u64)>,
    /// Records it still has to process from its current batch.
    pub pending: u32,
    /// Records it processed in its lifetime.
    pub processed: u64,
    /// Generation it believes it is in.
    pub generation: i32,
}

/// One partition as a group sees it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct GroupPartitionView {
    /// Topic index.
    pub topic: u32,
    /// Partition.
    pub partition: u32,
    /// Owning slot, if any.
    pub owner: Option<u32>,
    /// Committed offset in `__consumer_offsets`.
    pub committed: Option<u64>,
    /// The owner's fetch position.
    pub position: Option<u64>,
    /// Log end (or last stable offset for read_committed) minus committed (minus the log
    /// start while nothing is committed).
    pub lag: u64,
    /// Total simulated ms this partition had no owner able to process it.
    pub downtime_ms: u64,
}

/// A live row of `__consumer_offsets`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct OffsetsRow {
    /// Group index.
    pub group: u32,
    /// Topic index.
    pub topic: u32,
    /// Partition.
    pub partition: u32,
    /// Committed offset.
    pub offset: u64,
    /// When it was written.
    pub committed_at_ms: u64,
    /// The `__consumer_offsets` partition (Kafka: `abs(groupId.hashCode()) % 50`).
    pub offsets_partition: u32,
}
