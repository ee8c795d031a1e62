//! Scenario fields of Kafka 4.x's two newer group types: the consumer group protocol of KIP-848
//! (`group.protocol=consumer`, a field of [`crate::scenario::GroupConfig`]) and share groups of
//! KIP-932 ([`ShareGroupConfig`], the scenario's `share_groups` list). Field names are Kafka's
//! configuration names; validation errors name the JSON path.

use serde::{Deserialize, Serialize};

/// `group.protocol`: which group protocol a consumer speaks (Kafka 4.x `ConsumerConfig`).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GroupProtocol {
    /// JoinGroup/SyncGroup with a client-side assignor (the default).
    #[default]
    Classic,
    /// KIP-848: heartbeats only; the broker computes the target assignment and members
    /// reconcile towards it partition by partition.
    Consumer,
}

/// `group.remote.assignor`: the server-side assignor a KIP-848 group uses (one of the broker's
/// `group.consumer.assignors`, whose default list is `uniform, range`).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RemoteAssignor {
    /// `UniformAssignor` (the broker's first, default one).
    #[default]
    Uniform,
    /// `RangeAssignor` (co-partitioning).
    Range,
}

/// `share.acknowledgement.mode` (KIP-932 `ShareConsumerConfig`).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AckMode {
    /// Every record a `poll()` returned is ACCEPTed by the next `poll()` (or close).
    #[default]
    Implicit,
    /// The application acknowledges each record (`acknowledge(record, type)`); the
    /// acknowledgements travel with the next `poll()`.
    Explicit,
}

/// `share.auto.offset.reset`: where a share-partition starts (Kafka's default is `latest`).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ShareOffsetReset {
    /// The log-start offset.
    Earliest,
    /// The log-end offset when the share-partition is first fetched.
    #[default]
    Latest,
}

/// How the application answers a poison record it cannot process (explicit mode).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PoisonAck {
    /// `AcknowledgeType.RELEASE`: deliver it again; the delivery count climbs to the limit.
    #[default]
    Release,
    /// `AcknowledgeType.REJECT`: archive it at once.
    Reject,
}

/// A record whose processing always fails.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PoisonRecord {
    /// Topic name (one of the share group's topics).
    pub topic: String,
    /// Partition.
    pub partition: u32,
    /// Offset.
    pub offset: u64,
}

/// A share group (KIP-932, "queues for Kafka"): many members may read one partition; records
/// are acquired under a lock and acknowledged one by one.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ShareGroupConfig {
    /// `group.id` (one namespace with the consumer groups, as in Kafka).
    #[serde(rename = "group.id")]
    pub group_id: String,
    /// Subscribed topics.
    pub topics: Vec<String>,
    /// Members started at time 0.
    pub consumers: u32,
    /// `share.acknowledgement.mode`.
    #[serde(default, rename = "share.acknowledgement.mode")]
    pub ack_mode: AckMode,
    /// `group.share.record.lock.duration.ms`: how long an acquired record stays locked.
    #[serde(
        default = "defaults::lock_duration_ms",
        rename = "group.share.record.lock.duration.ms"
    )]
    pub lock_duration_ms: u64,
    /// `group.share.delivery.count.limit`: deliveries before a failing record is archived.
    #[serde(
        default = "defaults::delivery_count_limit",
        rename = "group.share.delivery.count.limit"
    )]
    pub delivery_count_limit: u32,
    /// `group.share.partition.max.record.locks`: most in-flight records per share-partition.
    #[serde(
        default = "defaults::max_record_locks",
        rename = "group.share.partition.max.record.locks"
    )]
    pub max_record_locks: u32,
    /// `group.share.heartbeat.interval.ms`.
    #[serde(
        default = "defaults::share_heartbeat_interval_ms",
        rename = "group.share.heartbeat.interval.ms"
    )]
    pub heartbeat_interval_ms: u64,
    /// `group.share.session.timeout.ms`.
    #[serde(
        default = "defaults::share_session_timeout_ms",
        rename = "group.share.session.timeout.ms"
    )]
    pub session_timeout_ms: u64,
    /// `share.auto.offset.reset`.
    #[serde(default, rename = "share.auto.offset.reset")]
    pub offset_reset: ShareOffsetReset,
    /// `max.poll.records`: most records one share fetch acquires.
    #[serde(default = "defaults::max_poll_records", rename = "max.poll.records")]
    pub max_poll_records: u32,
    /// Simulated processing time per record.
    #[serde(default)]
    pub processing_ms: u64,
    /// Records whose processing always fails (needs explicit acknowledgement).
    #[serde(default)]
    pub poison: Vec<PoisonRecord>,
    /// What the application does with a failed record.
    #[serde(default)]
    pub poison_ack: PoisonAck,
}

/// Broker-side defaults of the KIP-848 and KIP-932 group configurations, each confirmed against
/// the newest Kafka 4.x source available here (see `core/tests/data/README.md`, "Defaults").
pub(crate) mod defaults {
    /// `group.consumer.heartbeat.interval.ms`:
    /// `GroupCoordinatorConfig.CONSUMER_GROUP_HEARTBEAT_INTERVAL_MS_DEFAULT = 5000`.
    pub fn consumer_heartbeat_interval_ms() -> u64 {
        5_000
    }
    /// `group.consumer.session.timeout.ms`:
    /// `GroupCoordinatorConfig.CONSUMER_GROUP_SESSION_TIMEOUT_MS_DEFAULT = 45000`.
    pub fn consumer_session_timeout_ms() -> u64 {
        45_000
    }
    /// `group.share.record.lock.duration.ms`:
    /// `ShareGroupConfig.SHARE_GROUP_RECORD_LOCK_DURATION_MS_DEFAULT = 30000`.
    pub fn lock_duration_ms() -> u64 {
        30_000
    }
    /// `group.share.delivery.count.limit`:
    /// `ShareGroupConfig.SHARE_GROUP_DELIVERY_COUNT_LIMIT_DEFAULT = 5`.
    pub fn delivery_count_limit() -> u32 {
        5
    }
    /// `group.share.partition.max.record.locks`:
    /// `ShareGroupConfig.SHARE_GROUP_PARTITION_MAX_RECORD_LOCKS_DEFAULT = 2000` in the newest
    /// source read here (the early 4.0 trunk copy, commit `818d1c6`, had 200; the later copy that
    /// also defines `group.share.max.share.sessions` and the share-group DLQ configs has 2000).
    pub fn max_record_locks() -> u32 {
        2_000
    }
    /// `group.share.heartbeat.interval.ms`:
    /// `GroupCoordinatorConfig.SHARE_GROUP_HEARTBEAT_INTERVAL_MS_DEFAULT = 5000`.
    pub fn share_heartbeat_interval_ms() -> u64 {
        5_000
    }
    /// `group.share.session.timeout.ms`:
    /// `GroupCoordinatorConfig.SHARE_GROUP_SESSION_TIMEOUT_MS_DEFAULT = 45000`.
    pub fn share_session_timeout_ms() -> u64 {
        45_000
    }
    pub fn max_poll_records() -> u32 {
        500
    }
}
