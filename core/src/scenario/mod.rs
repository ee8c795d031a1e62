//! The scenario: everything a simulation starts from, as a serde-described JSON document.
//!
//! Field names follow Kafka's own configuration names where Kafka has one
//! (`session.timeout.ms`, `partition.assignment.strategy`, `enable.auto.commit`, …).
//! [`Scenario::from_json`] parses and validates; every error names the JSON path of the
//! offending field and the reason. Nothing is silently clamped.

use serde::{Deserialize, Serialize};

use crate::assignor::Strategy;
use crate::input::TimedInput;

mod error;
pub(crate) mod groups;

pub(crate) use error::parse_json;
pub use error::ScenarioError;

/// Upper bounds that keep a scenario simulable in a browser tab.
pub mod limits {
    /// Most topics in one scenario.
    pub const TOPICS_MAX: usize = 64;
    /// Most partitions in one topic.
    pub const PARTITIONS_MAX: u32 = 4096;
    /// Most producers.
    pub const PRODUCERS_MAX: usize = 64;
    /// Most consumer groups.
    pub const GROUPS_MAX: usize = 16;
    /// Most consumers a group may start with (more can be added up to this many live members).
    pub const CONSUMERS_MAX: u32 = 1024;
    /// Highest producer rate, records per simulated second.
    pub const RATE_PER_SEC_MAX: f64 = 100_000_000.0;
    /// Most distinct keys a keyed producer draws from.
    pub const KEY_COUNT_MAX: u32 = 1_000_000;
    /// Longest any configured duration may be (one simulated day).
    pub const DURATION_MS_MAX: u64 = 86_400_000;
    /// Most scheduled inputs.
    pub const INPUTS_MAX: usize = 10_000;
    /// Longest name (topic, producer, group, key prefix).
    pub const NAME_LEN_MAX: usize = 64;
    /// Largest `max.poll.records`.
    pub const MAX_POLL_RECORDS_MAX: u32 = 100_000;
    /// Most brokers in the cluster.
    pub const BROKERS_MAX: u32 = 16;
    /// Largest `max.in.flight.requests.per.connection` Mailroom accepts.
    pub const MAX_IN_FLIGHT_MAX: u32 = 1_000;
}

/// A whole simulation setup.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Root seed: the same scenario and seed replay to the identical event stream.
    #[serde(default)]
    pub seed: u64,
    /// When the scenario ends (simulated ms); runners stop here. 0 = no end.
    #[serde(default = "defaults::duration_ms")]
    pub duration_ms: u64,
    /// One-way latency of every client↔broker request, in simulated ms.
    #[serde(default = "defaults::network_latency_ms")]
    pub network_latency_ms: u64,
    /// Brokers in the cluster (ids 0 … n-1). 1 = today's single broker that never fails
    /// unless an input says so.
    #[serde(default = "defaults::brokers")]
    pub brokers: u32,
    /// `broker.session.timeout.ms` (KRaft): the controller fences a broker whose heartbeats
    /// stop for this long (crashed or cut off) and moves its leaderships.
    #[serde(
        default = "defaults::broker_session_timeout_ms",
        rename = "broker.session.timeout.ms"
    )]
    pub broker_session_timeout_ms: u64,
    /// `replica.lag.time.max.ms`: a follower that has not caught up with the leader's log end
    /// for this long leaves the ISR (`Partition.maybeShrinkIsr`).
    #[serde(
        default = "defaults::replica_lag_time_max_ms",
        rename = "replica.lag.time.max.ms"
    )]
    pub replica_lag_time_max_ms: u64,
    /// `unclean.leader.election.enable`: when no ISR member is alive, elect an out-of-sync
    /// replica (acknowledged records above its log end are lost) instead of waiting.
    #[serde(default, rename = "unclean.leader.election.enable")]
    pub unclean_leader_election_enable: bool,
    /// The topics.
    pub topics: Vec<TopicConfig>,
    /// The producers.
    #[serde(default)]
    pub producers: Vec<ProducerConfig>,
    /// The consumer groups.
    #[serde(default)]
    pub groups: Vec<GroupConfig>,
    /// Inputs applied at fixed simulated times (faults, added consumers, …).
    #[serde(default)]
    pub inputs: Vec<TimedInput>,
    /// The share groups (KIP-932); see [`crate::group_protocols::ShareGroupConfig`].
    #[serde(default)]
    pub share_groups: Vec<crate::group_protocols::ShareGroupConfig>,
}

/// A topic and its partition count.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TopicConfig {
    /// Topic name.
    pub name: String,
    /// Number of partitions (Kafka's `num.partitions`).
    pub partitions: u32,
    /// `retention.records`: a partition's log keeps at most this many records; older ones are
    /// deleted from the head (log-start offset advances), like size-based retention. 0 = keep all.
    #[serde(default, rename = "retention.records")]
    pub retention_records: u64,
    /// `replication.factor`: replicas per partition, placed on distinct brokers.
    #[serde(default = "defaults::one", rename = "replication.factor")]
    pub replication_factor: u32,
    /// `min.insync.replicas`: an `acks=all` write is refused (`NOT_ENOUGH_REPLICAS`) while the
    /// ISR is smaller than this.
    #[serde(default = "defaults::one", rename = "min.insync.replicas")]
    pub min_insync_replicas: u32,
}

/// The producer's `acks`: how many replicas must have a record before the leader answers.
/// Accepts Kafka's spellings: `"all"`, `"-1"`, `-1`, `"1"`, `1`, `"0"`, `0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acks {
    /// `acks=0`: fire and forget; the producer counts a record as sent and done at once.
    Zero,
    /// `acks=1`: the leader answers once it appended the record.
    One,
    /// `acks=all` (`-1`): the leader answers once every ISR member has it (the high watermark
    /// passed it), and refuses the write while the ISR is below `min.insync.replicas`.
    All,
}

impl Serialize for Acks {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match self {
            Acks::Zero => "0",
            Acks::One => "1",
            Acks::All => "all",
        })
    }
}

impl<'de> Deserialize<'de> for Acks {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Acks;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"all\", \"-1\", \"1\", \"0\" or -1, 1, 0")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Acks, E> {
                match v {
                    "all" | "-1" => Ok(Acks::All),
                    "1" => Ok(Acks::One),
                    "0" => Ok(Acks::Zero),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Acks, E> {
                match v {
                    -1 => Ok(Acks::All),
                    1 => Ok(Acks::One),
                    0 => Ok(Acks::Zero),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Signed(v), &self)),
                }
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Acks, E> {
                match v {
                    1 => Ok(Acks::One),
                    0 => Ok(Acks::Zero),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Unsigned(v), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// How a producer picks record keys.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum KeyMode {
    /// No key: Kafka's uniform sticky partitioner spreads the records (KIP-794).
    None,
    /// Keyed by entity: keys `"{prefix}-{n}"` for n in `0..count`.
    Entity {
        /// Key prefix, e.g. `user` gives keys `user-0`, `user-1`, …
        prefix: String,
        /// Number of distinct entities.
        count: u32,
        /// Hot-key skew in `[0, 1)`: the fraction of records that go to entity 0.
        #[serde(default)]
        skew: f64,
    },
}

/// A producer writing to one topic at a steady rate.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProducerConfig {
    /// Producer name (Kafka's `client.id`).
    pub id: String,
    /// The topic it writes to.
    pub topic: String,
    /// Records per simulated second.
    pub rate_per_sec: f64,
    /// How keys are chosen.
    pub keys: KeyMode,
    /// Stop producing after this many records (0 = unlimited).
    #[serde(default)]
    pub max_records: u64,
    /// `linger.ms`: records wait this long to form a batch before being sent.
    #[serde(default, rename = "linger.ms")]
    pub linger_ms: u64,
    /// Records per batch for the sticky partitioner: an unkeyed producer sticks to one
    /// partition until this many records were sent to it (Kafka counts `batch.size` bytes).
    #[serde(
        default = "defaults::sticky_batch_records",
        rename = "sticky.batch.records"
    )]
    pub sticky_batch_records: u32,
    /// `acks` (Kafka 3.0+ default `all`).
    #[serde(default = "defaults::acks")]
    pub acks: Acks,
    /// `retries`: how often a failed batch is sent again (bounded by `delivery.timeout.ms`).
    #[serde(default = "defaults::retries")]
    pub retries: u32,
    /// `delivery.timeout.ms`: a record not acknowledged this long after it was produced fails.
    #[serde(
        default = "defaults::delivery_timeout_ms",
        rename = "delivery.timeout.ms"
    )]
    pub delivery_timeout_ms: u64,
    /// `request.timeout.ms`: a produce request without an answer this long fails (retriable).
    #[serde(
        default = "defaults::request_timeout_ms",
        rename = "request.timeout.ms"
    )]
    pub request_timeout_ms: u64,
    /// `max.in.flight.requests.per.connection`: unanswered requests per broker.
    #[serde(
        default = "defaults::max_in_flight",
        rename = "max.in.flight.requests.per.connection"
    )]
    pub max_in_flight: u32,
    /// `enable.idempotence`: producer id + sequence numbers, so the leader drops a retried
    /// duplicate and keeps order. Unset = Kafka 3.x's default (on, unless `acks` is not `all`,
    /// in which case it is silently off — KIP-679); `true` with `acks` ≠ `all` is an error.
    #[serde(
        default,
        rename = "enable.idempotence",
        skip_serializing_if = "Option::is_none"
    )]
    pub enable_idempotence: Option<bool>,
    /// `retry.backoff.ms`: wait before a failed batch is sent again.
    #[serde(default = "defaults::retry_backoff_ms", rename = "retry.backoff.ms")]
    pub retry_backoff_ms: u64,
}

impl ProducerConfig {
    /// Whether the producer is idempotent, by Kafka 3.x's rule (`ProducerConfig
    /// .postProcessAndValidateIdempotenceConfigs`): explicit `true` is on; unset is on only
    /// when `acks=all` (and the retries / in-flight limits allow it).
    pub fn idempotent(&self) -> bool {
        match self.enable_idempotence {
            Some(v) => v,
            None => self.acks == Acks::All && self.retries > 0 && self.max_in_flight <= 5,
        }
    }
}

/// When a consumer commits relative to processing.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CommitMode {
    /// Process the batch, then commit (at-least-once).
    AfterProcessing,
    /// Commit the batch's end offset, then process (at-most-once).
    BeforeProcessing,
    /// Auto-commit inside `poll()` every `auto.commit.interval.ms` (Kafka's default): the
    /// positions of everything the previous polls returned. With processing finished before
    /// the next poll (as modelled) this is at-least-once with up to an interval of duplicates
    /// after a crash; it loses records only when processing is handed off asynchronously,
    /// which the model does not do.
    Auto,
    /// Consume-transform-produce in a transaction (exactly-once, KIP-98/KIP-447).
    Transactional,
}

/// `auto.offset.reset`: where to start when the group has no committed offset.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OffsetReset {
    /// From the log-start offset.
    Earliest,
    /// From the log-end offset.
    Latest,
}

/// `isolation.level`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IsolationLevel {
    /// Read up to the high watermark, including records of open or aborted transactions.
    ReadUncommitted,
    /// Read only up to the last stable offset and skip aborted records.
    ReadCommitted,
}

/// A consumer group and the configuration its members share.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GroupConfig {
    /// `group.id`.
    #[serde(rename = "group.id")]
    pub group_id: String,
    /// Subscribed topics.
    pub topics: Vec<String>,
    /// Number of members started at time 0.
    pub consumers: u32,
    /// `partition.assignment.strategy`: the list members support, in preference order
    /// (Kafka's default is `["range", "cooperative-sticky"]`).
    #[serde(
        default = "defaults::strategies",
        rename = "partition.assignment.strategy"
    )]
    pub strategies: Vec<Strategy>,
    /// Give members a `group.instance.id` (static membership, KIP-345).
    #[serde(default)]
    pub static_membership: bool,
    /// `session.timeout.ms`.
    #[serde(
        default = "defaults::session_timeout_ms",
        rename = "session.timeout.ms"
    )]
    pub session_timeout_ms: u64,
    /// `heartbeat.interval.ms`.
    #[serde(
        default = "defaults::heartbeat_interval_ms",
        rename = "heartbeat.interval.ms"
    )]
    pub heartbeat_interval_ms: u64,
    /// `max.poll.interval.ms` (also the rebalance timeout).
    #[serde(
        default = "defaults::max_poll_interval_ms",
        rename = "max.poll.interval.ms"
    )]
    pub max_poll_interval_ms: u64,
    /// `group.initial.rebalance.delay.ms` (a broker setting, per group here; Kafka's default
    /// 3000 ms lets a starting group gather its members before the first rebalance).
    #[serde(
        default = "defaults::initial_rebalance_delay_ms",
        rename = "group.initial.rebalance.delay.ms"
    )]
    pub initial_rebalance_delay_ms: u64,
    /// `max.poll.records`.
    #[serde(default = "defaults::max_poll_records", rename = "max.poll.records")]
    pub max_poll_records: u32,
    /// Simulated processing time per record.
    #[serde(default = "defaults::processing_ms")]
    pub processing_ms: u64,
    /// When offsets are committed; see [`CommitMode`].
    #[serde(default = "defaults::commit")]
    pub commit: CommitMode,
    /// `auto.commit.interval.ms` (used when `commit` is `auto`).
    #[serde(
        default = "defaults::auto_commit_interval_ms",
        rename = "auto.commit.interval.ms"
    )]
    pub auto_commit_interval_ms: u64,
    /// `auto.offset.reset`.
    #[serde(default = "defaults::offset_reset", rename = "auto.offset.reset")]
    pub offset_reset: OffsetReset,
    /// `isolation.level`.
    #[serde(default = "defaults::isolation", rename = "isolation.level")]
    pub isolation_level: IsolationLevel,
    /// `transaction.timeout.ms`: an open transaction older than this is aborted by the
    /// transaction coordinator (what cleans up after a crashed transactional member).
    #[serde(
        default = "defaults::transaction_timeout_ms",
        rename = "transaction.timeout.ms"
    )]
    pub transaction_timeout_ms: u64,
    /// Output topic of the consume-transform-produce loop (needed when `commit` is `transactional`).
    #[serde(default)]
    pub output_topic: Option<String>,
    /// `group.protocol`: `classic` (JoinGroup/SyncGroup) or `consumer` (KIP-848).
    #[serde(default, rename = "group.protocol")]
    pub group_protocol: crate::group_protocols::GroupProtocol,
    /// `group.remote.assignor`: the broker-side assignor of a KIP-848 group.
    #[serde(default, rename = "group.remote.assignor")]
    pub remote_assignor: crate::group_protocols::RemoteAssignor,
    /// `group.consumer.heartbeat.interval.ms` (KIP-848; the broker tells members).
    #[serde(
        default = "crate::group_protocols::defaults::consumer_heartbeat_interval_ms",
        rename = "group.consumer.heartbeat.interval.ms"
    )]
    pub consumer_heartbeat_interval_ms: u64,
    /// `group.consumer.session.timeout.ms` (KIP-848).
    #[serde(
        default = "crate::group_protocols::defaults::consumer_session_timeout_ms",
        rename = "group.consumer.session.timeout.ms"
    )]
    pub consumer_session_timeout_ms: u64,
}

impl GroupConfig {
    /// Whether the group rebalances cooperatively (KIP-429): only if every strategy its members
    /// list is cooperative, as Kafka's `ConsumerCoordinator` decides.
    pub fn cooperative(&self) -> bool {
        !self.strategies.is_empty() && self.strategies.iter().all(|s| s.is_cooperative())
    }
}

pub(crate) mod defaults {
    use super::*;
    pub fn brokers() -> u32 {
        1
    }
    pub fn one() -> u32 {
        1
    }
    pub fn broker_session_timeout_ms() -> u64 {
        9_000
    }
    pub fn replica_lag_time_max_ms() -> u64 {
        30_000
    }
    pub fn acks() -> Acks {
        Acks::All
    }
    pub fn retries() -> u32 {
        i32::MAX as u32
    }
    pub fn delivery_timeout_ms() -> u64 {
        120_000
    }
    pub fn request_timeout_ms() -> u64 {
        30_000
    }
    pub fn max_in_flight() -> u32 {
        5
    }
    pub fn retry_backoff_ms() -> u64 {
        100
    }
    pub fn duration_ms() -> u64 {
        60_000
    }
    pub fn network_latency_ms() -> u64 {
        2
    }
    pub fn sticky_batch_records() -> u32 {
        16
    }
    pub fn strategies() -> Vec<Strategy> {
        vec![Strategy::Range, Strategy::CooperativeSticky]
    }
    pub fn initial_rebalance_delay_ms() -> u64 {
        3_000
    }
    pub fn session_timeout_ms() -> u64 {
        45_000
    }
    pub fn heartbeat_interval_ms() -> u64 {
        3_000
    }
    pub fn max_poll_interval_ms() -> u64 {
        300_000
    }
    pub fn max_poll_records() -> u32 {
        500
    }
    pub fn processing_ms() -> u64 {
        0
    }
    pub fn commit() -> CommitMode {
        CommitMode::AfterProcessing
    }
    pub fn auto_commit_interval_ms() -> u64 {
        5_000
    }
    pub fn transaction_timeout_ms() -> u64 {
        60_000
    }
    pub fn offset_reset() -> OffsetReset {
        OffsetReset::Earliest
    }
    pub fn isolation() -> IsolationLevel {
        IsolationLevel::ReadUncommitted
    }
}

/// Checks a producer rate (finite, not negative, within the limit).
pub fn check_rate(rate: f64, path: &str) -> Result<(), ScenarioError> {
    if !rate.is_finite() || rate < 0.0 {
        return Err(ScenarioError::new(
            path,
            format!("must be a finite number ≥ 0, got {rate}"),
        ));
    }
    if rate > limits::RATE_PER_SEC_MAX {
        return Err(ScenarioError::new(
            path,
            format!("must be at most {} records/s", limits::RATE_PER_SEC_MAX),
        ));
    }
    Ok(())
}

pub(crate) fn check_name_pub(name: &str, path: &str) -> Result<(), ScenarioError> {
    check_name(name, path)
}

fn check_name(name: &str, path: &str) -> Result<(), ScenarioError> {
    if name.is_empty() {
        return Err(ScenarioError::new(path, "must not be empty"));
    }
    if name.chars().count() > limits::NAME_LEN_MAX {
        return Err(ScenarioError::new(
            path,
            format!("must be at most {} characters", limits::NAME_LEN_MAX),
        ));
    }
    // Kafka's legal topic characters; used for every name so that names are safe to show.
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(ScenarioError::new(
            path,
            format!("may only contain ASCII letters, digits, '.', '_' and '-' (found {c:?})"),
        ));
    }
    Ok(())
}

fn check_range(v: u64, lo: u64, hi: u64, path: &str) -> Result<(), ScenarioError> {
    if v < lo || v > hi {
        return Err(ScenarioError::new(
            path,
            format!("must be between {lo} and {hi}, got {v}"),
        ));
    }
    Ok(())
}

/// Checks a broker id against the cluster size.
pub(crate) fn check_broker(broker: u32, brokers: u32, path: &str) -> Result<(), ScenarioError> {
    if broker >= brokers {
        return Err(ScenarioError::new(
            format!("{path}.broker"),
            format!("no broker {broker} (there are {brokers})"),
        ));
    }
    Ok(())
}

impl Scenario {
    /// Parses scenario JSON and validates it; errors name the JSON path.
    pub fn from_json(json: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = parse_json(json, "")?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Checks every field against Kafka's rules and Mailroom's limits.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        use limits::*;
        check_range(self.duration_ms, 0, DURATION_MS_MAX, "duration_ms")?;
        check_range(self.network_latency_ms, 0, 10_000, "network_latency_ms")?;
        check_range(
            u64::from(self.brokers),
            1,
            u64::from(BROKERS_MAX),
            "brokers",
        )?;
        check_range(
            self.broker_session_timeout_ms,
            1,
            DURATION_MS_MAX,
            "broker.session.timeout.ms",
        )?;
        check_range(
            self.replica_lag_time_max_ms,
            1,
            DURATION_MS_MAX,
            "replica.lag.time.max.ms",
        )?;
        if self.topics.is_empty() || self.topics.len() > TOPICS_MAX {
            return Err(ScenarioError::new(
                "topics",
                format!("must list 1 to {TOPICS_MAX} topics"),
            ));
        }
        for (i, t) in self.topics.iter().enumerate() {
            let p = format!("topics[{i}]");
            check_name(&t.name, &format!("{p}.name"))?;
            if t.name.starts_with("__") {
                return Err(ScenarioError::new(
                    format!("{p}.name"),
                    "names starting with \"__\" are Kafka's internal topics",
                ));
            }
            if self.topics[..i].iter().any(|o| o.name == t.name) {
                return Err(ScenarioError::new(
                    format!("{p}.name"),
                    format!("duplicate topic {:?}", t.name),
                ));
            }
            check_range(
                u64::from(t.partitions),
                1,
                u64::from(PARTITIONS_MAX),
                &format!("{p}.partitions"),
            )?;
            check_range(
                t.retention_records,
                0,
                u64::MAX >> 1,
                &format!("{p}.retention.records"),
            )?;
            if t.replication_factor < 1 || t.replication_factor > self.brokers {
                return Err(ScenarioError::new(
                    format!("{p}.replication.factor"),
                    format!(
                        "must be between 1 and the number of brokers ({}), got {}",
                        self.brokers, t.replication_factor
                    ),
                ));
            }
            if t.min_insync_replicas < 1 || t.min_insync_replicas > t.replication_factor {
                return Err(ScenarioError::new(
                    format!("{p}.min.insync.replicas"),
                    format!(
                        "must be between 1 and replication.factor ({}), got {}",
                        t.replication_factor, t.min_insync_replicas
                    ),
                ));
            }
        }
        let topic_exists = |name: &str| self.topics.iter().any(|t| t.name == name);
        if self.producers.len() > PRODUCERS_MAX {
            return Err(ScenarioError::new(
                "producers",
                format!("at most {PRODUCERS_MAX} producers"),
            ));
        }
        for (i, pr) in self.producers.iter().enumerate() {
            let p = format!("producers[{i}]");
            check_name(&pr.id, &format!("{p}.id"))?;
            if self.producers[..i].iter().any(|o| o.id == pr.id) {
                return Err(ScenarioError::new(
                    format!("{p}.id"),
                    format!("duplicate producer {:?}", pr.id),
                ));
            }
            if !topic_exists(&pr.topic) {
                return Err(ScenarioError::new(
                    format!("{p}.topic"),
                    format!("no topic named {:?}", pr.topic),
                ));
            }
            check_rate(pr.rate_per_sec, &format!("{p}.rate_per_sec"))?;
            check_range(pr.linger_ms, 0, DURATION_MS_MAX, &format!("{p}.linger.ms"))?;
            check_range(
                u64::from(pr.sticky_batch_records),
                1,
                1_000_000,
                &format!("{p}.sticky.batch.records"),
            )?;
            check_range(
                pr.delivery_timeout_ms,
                1,
                DURATION_MS_MAX,
                &format!("{p}.delivery.timeout.ms"),
            )?;
            check_range(
                pr.request_timeout_ms,
                1,
                DURATION_MS_MAX,
                &format!("{p}.request.timeout.ms"),
            )?;
            check_range(
                pr.retry_backoff_ms,
                0,
                DURATION_MS_MAX,
                &format!("{p}.retry.backoff.ms"),
            )?;
            check_range(
                u64::from(pr.max_in_flight),
                1,
                u64::from(MAX_IN_FLIGHT_MAX),
                &format!("{p}.max.in.flight.requests.per.connection"),
            )?;
            // ProducerConfig: "delivery.timeout.ms should be equal to or larger than
            // linger.ms + request.timeout.ms".
            if pr.delivery_timeout_ms < pr.linger_ms.saturating_add(pr.request_timeout_ms) {
                return Err(ScenarioError::new(
                    format!("{p}.delivery.timeout.ms"),
                    format!(
                        "must be at least linger.ms + request.timeout.ms ({}), as Kafka requires",
                        pr.linger_ms + pr.request_timeout_ms
                    ),
                ));
            }
            // Explicit enable.idempotence=true with settings it cannot honour is a
            // ConfigException in Kafka (KIP-679); unset silently turns it off instead.
            if pr.enable_idempotence == Some(true) {
                if pr.acks != Acks::All {
                    return Err(ScenarioError::new(
                        format!("{p}.acks"),
                        "must be \"all\" when enable.idempotence is true, as Kafka requires",
                    ));
                }
                if pr.retries == 0 {
                    return Err(ScenarioError::new(
                        format!("{p}.retries"),
                        "must be greater than 0 when enable.idempotence is true, as Kafka requires",
                    ));
                }
                if pr.max_in_flight > 5 {
                    return Err(ScenarioError::new(
                        format!("{p}.max.in.flight.requests.per.connection"),
                        "must be at most 5 when enable.idempotence is true, as Kafka requires",
                    ));
                }
            }
            if let KeyMode::Entity {
                prefix,
                count,
                skew,
            } = &pr.keys
            {
                check_name(prefix, &format!("{p}.keys.prefix"))?;
                check_range(
                    u64::from(*count),
                    1,
                    u64::from(KEY_COUNT_MAX),
                    &format!("{p}.keys.count"),
                )?;
                if !skew.is_finite() || !(0.0..1.0).contains(skew) {
                    return Err(ScenarioError::new(
                        format!("{p}.keys.skew"),
                        format!("must be in [0, 1), got {skew}"),
                    ));
                }
            }
        }
        if self.groups.len() > GROUPS_MAX {
            return Err(ScenarioError::new(
                "groups",
                format!("at most {GROUPS_MAX} groups"),
            ));
        }
        for (i, g) in self.groups.iter().enumerate() {
            let p = format!("groups[{i}]");
            check_name(&g.group_id, &format!("{p}.group.id"))?;
            if self.groups[..i].iter().any(|o| o.group_id == g.group_id) {
                return Err(ScenarioError::new(
                    format!("{p}.group.id"),
                    format!("duplicate group {:?}", g.group_id),
                ));
            }
            if g.topics.is_empty() {
                return Err(ScenarioError::new(
                    format!("{p}.topics"),
                    "must subscribe to at least one topic",
                ));
            }
            for (j, t) in g.topics.iter().enumerate() {
                if !topic_exists(t) {
                    return Err(ScenarioError::new(
                        format!("{p}.topics[{j}]"),
                        format!("no topic named {t:?}"),
                    ));
                }
            }
            check_range(
                u64::from(g.consumers),
                0,
                u64::from(CONSUMERS_MAX),
                &format!("{p}.consumers"),
            )?;
            if g.strategies.is_empty() {
                return Err(ScenarioError::new(
                    format!("{p}.partition.assignment.strategy"),
                    "must name at least one strategy",
                ));
            }
            for (j, s) in g.strategies.iter().enumerate() {
                if g.strategies[..j].contains(s) {
                    return Err(ScenarioError::new(
                        format!("{p}.partition.assignment.strategy[{j}]"),
                        format!("{} is listed twice", s.name()),
                    ));
                }
            }
            check_range(
                g.session_timeout_ms,
                1,
                DURATION_MS_MAX,
                &format!("{p}.session.timeout.ms"),
            )?;
            check_range(
                g.heartbeat_interval_ms,
                1,
                DURATION_MS_MAX,
                &format!("{p}.heartbeat.interval.ms"),
            )?;
            if g.heartbeat_interval_ms >= g.session_timeout_ms {
                return Err(ScenarioError::new(
                    format!("{p}.heartbeat.interval.ms"),
                    format!(
                        "must be lower than session.timeout.ms ({}), as Kafka requires",
                        g.session_timeout_ms
                    ),
                ));
            }
            check_range(
                g.max_poll_interval_ms,
                1,
                DURATION_MS_MAX,
                &format!("{p}.max.poll.interval.ms"),
            )?;
            check_range(
                g.initial_rebalance_delay_ms,
                0,
                DURATION_MS_MAX,
                &format!("{p}.group.initial.rebalance.delay.ms"),
            )?;
            check_range(
                u64::from(g.max_poll_records),
                1,
                u64::from(MAX_POLL_RECORDS_MAX),
                &format!("{p}.max.poll.records"),
            )?;
            check_range(
                g.processing_ms,
                0,
                DURATION_MS_MAX,
                &format!("{p}.processing_ms"),
            )?;
            check_range(
                g.auto_commit_interval_ms,
                1,
                DURATION_MS_MAX,
                &format!("{p}.auto.commit.interval.ms"),
            )?;
            check_range(
                g.transaction_timeout_ms,
                1,
                DURATION_MS_MAX,
                &format!("{p}.transaction.timeout.ms"),
            )?;
            match (&g.output_topic, g.commit) {
                (None, CommitMode::Transactional) => {
                    return Err(ScenarioError::new(
                        format!("{p}.output_topic"),
                        "is required when commit is \"transactional\"",
                    ));
                }
                (Some(_), c) if c != CommitMode::Transactional => {
                    return Err(ScenarioError::new(
                        format!("{p}.output_topic"),
                        "is only used when commit is \"transactional\"",
                    ));
                }
                (Some(t), _) => {
                    if !topic_exists(t) {
                        return Err(ScenarioError::new(
                            format!("{p}.output_topic"),
                            format!("no topic named {t:?}"),
                        ));
                    }
                    if g.topics.contains(t) {
                        return Err(ScenarioError::new(
                            format!("{p}.output_topic"),
                            "must not be one of the group's input topics",
                        ));
                    }
                }
                (None, _) => {}
            }
            groups::validate_group_protocol(g, &p)?;
        }
        groups::validate_share_groups(self)?;
        if self.inputs.len() > INPUTS_MAX {
            return Err(ScenarioError::new(
                "inputs",
                format!("at most {INPUTS_MAX} inputs"),
            ));
        }
        for (i, ti) in self.inputs.iter().enumerate() {
            let p = format!("inputs[{i}]");
            check_range(ti.at_ms, 0, DURATION_MS_MAX, &format!("{p}.at_ms"))?;
            // A scheduled input after the end would never apply: say so rather than drop it.
            if self.duration_ms > 0 && ti.at_ms > self.duration_ms {
                return Err(ScenarioError::new(
                    format!("{p}.at_ms"),
                    format!(
                        "{} is after the end of the run (duration_ms = {}), so it would never apply",
                        ti.at_ms, self.duration_ms
                    ),
                ));
            }
            self.check_static_input(&ti.input, &format!("{p}.input"))?;
        }
        Ok(())
    }

    /// Index checks an input can get before the simulation runs.
    fn check_static_input(
        &self,
        input: &crate::input::Input,
        path: &str,
    ) -> Result<(), ScenarioError> {
        use crate::input::{CrashPoint, Input};
        let group = |g: u32| {
            self.groups.get(g as usize).ok_or_else(|| {
                ScenarioError::new(
                    format!("{path}.group"),
                    format!("no group {g} (there are {})", self.groups.len()),
                )
            })
        };
        let member = |g: u32, m: u32| -> Result<(), ScenarioError> {
            let grp = group(g)?;
            let added = self
                .inputs
                .iter()
                .filter(|t| matches!(t.input, Input::AddConsumer { group } if group == g))
                .count() as u32;
            let most = grp.consumers + added;
            if m >= most {
                return Err(ScenarioError::new(
                    format!("{path}.member"),
                    format!("no consumer slot {m}: group {g} has at most {most}"),
                ));
            }
            Ok(())
        };
        match input {
            Input::AddConsumer { group: g } => group(*g).map(|_| ()),
            Input::CrashConsumer {
                group: g,
                member: m,
                at,
            } => {
                member(*g, *m)?;
                if *at == CrashPoint::InTransaction
                    && self.groups[*g as usize].commit != CommitMode::Transactional
                {
                    return Err(ScenarioError::new(
                        format!("{path}.at"),
                        "in_transaction needs a group whose commit is \"transactional\"",
                    ));
                }
                Ok(())
            }
            Input::PauseConsumer {
                group: g,
                member: m,
            }
            | Input::ResumeConsumer {
                group: g,
                member: m,
            }
            | Input::RestartConsumer {
                group: g,
                member: m,
            }
            | Input::LeaveGroup {
                group: g,
                member: m,
            } => member(*g, *m),
            Input::SetProducerRate {
                producer,
                rate_per_sec,
            } => {
                if *producer as usize >= self.producers.len() {
                    return Err(ScenarioError::new(
                        format!("{path}.producer"),
                        format!("no producer {producer}"),
                    ));
                }
                check_rate(*rate_per_sec, &format!("{path}.rate_per_sec"))
            }
            Input::AddPartitions { topic, partitions } => {
                if *topic as usize >= self.topics.len() {
                    return Err(ScenarioError::new(
                        format!("{path}.topic"),
                        format!("no topic {topic}"),
                    ));
                }
                check_range(
                    u64::from(*partitions),
                    1,
                    u64::from(limits::PARTITIONS_MAX),
                    &format!("{path}.partitions"),
                )
            }
            Input::SetStrategy {
                group: g,
                strategies,
            } => {
                group(*g)?;
                if strategies.is_empty() {
                    return Err(ScenarioError::new(
                        format!("{path}.strategies"),
                        "must name at least one strategy",
                    ));
                }
                groups::check_static_input(self, input, path)
            }
            Input::CrashBroker { broker }
            | Input::RestartBroker { broker }
            | Input::IsolateBroker { broker }
            | Input::HealBroker { broker }
            | Input::SlowFollower { broker, .. } => {
                check_broker(*broker, self.brokers, path)?;
                if let Input::SlowFollower { delay_ms, .. } = input {
                    check_range(
                        *delay_ms,
                        0,
                        limits::DURATION_MS_MAX,
                        &format!("{path}.delay_ms"),
                    )?;
                }
                Ok(())
            }
            other => groups::check_static_input(self, other, path),
        }
    }
}
