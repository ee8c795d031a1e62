//! Inputs: what a user (or a scenario's schedule) does to the running simulation.
//!
//! Faults are ordinary inputs named as verbs, as in turmoil's `crash`/`bounce`.
//! Consumers are named by their group and their slot (`member`, 0-based; the page shows
//! slot 0 as `consumer-1`). A slot keeps its name across crashes and restarts, like a process.

use serde::{Deserialize, Serialize};

use crate::assignor::Strategy;

/// Where in its poll loop a crash should strike.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CrashPoint {
    /// At once, wherever the consumer is.
    Now,
    /// When the next fetched batch arrives, before any of it is processed.
    BeforeProcessing,
    /// After the current batch is processed, before its offsets are committed.
    AfterProcessing,
    /// After the next commit is acknowledged, before the committed batch is processed.
    AfterCommit,
    /// Inside an open transaction, after its records were produced, before it commits.
    InTransaction,
}

/// Something done to the simulation at a moment in simulated time.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum Input {
    /// Start a new consumer in `group` (a new slot).
    AddConsumer {
        /// Group index.
        group: u32,
    },
    /// Kill a consumer process: no leave request, no commit; the coordinator notices after
    /// `session.timeout.ms`.
    CrashConsumer {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// When the crash strikes.
        #[serde(default = "crash_now")]
        at: CrashPoint,
    },
    /// Stop a consumer's poll loop (a long GC pause or a stuck handler); its heartbeat thread
    /// keeps running, so only `max.poll.interval.ms` can expel it.
    PauseConsumer {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
    },
    /// Resume a paused consumer's poll loop.
    ResumeConsumer {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
    },
    /// Start a crashed or departed consumer again (a new process in the same slot; with static
    /// membership it rejoins under the same `group.instance.id`).
    RestartConsumer {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
    },
    /// Close a consumer gracefully: commit (if it commits) and send LeaveGroup.
    LeaveGroup {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
    },
    /// Change a producer's rate.
    SetProducerRate {
        /// Producer index.
        producer: u32,
        /// New rate, records per simulated second.
        rate_per_sec: f64,
    },
    /// Grow a topic to `partitions` partitions (Kafka can only add partitions).
    AddPartitions {
        /// Topic index.
        topic: u32,
        /// New total partition count.
        partitions: u32,
    },
    /// Reconfigure every member's `partition.assignment.strategy` (a rolling restart in Kafka;
    /// here the members rejoin with the new list).
    SetStrategy {
        /// Group index.
        group: u32,
        /// New preference list.
        strategies: Vec<Strategy>,
    },
    /// Change one member's subscription (KIP-848 groups only): `topics` are topic indices,
    /// each one of the group's `topics`. The member's next heartbeat carries it; the group
    /// epoch is bumped and the target assignment recomputed.
    ChangeSubscription {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// Topic indices the member subscribes to from now on (at least one).
        topics: Vec<u32>,
    },
    /// Start a new share consumer (a new slot) in a share group (KIP-932).
    AddShareConsumer {
        /// Index into `share_groups`.
        share_group: u32,
    },
    /// Kill a share consumer: its record locks run out after
    /// `group.share.record.lock.duration.ms` and the records are delivered again.
    CrashShareConsumer {
        /// Index into `share_groups`.
        share_group: u32,
        /// Share consumer slot.
        member: u32,
    },
    /// Start a crashed or departed share consumer again in its slot.
    RestartShareConsumer {
        /// Index into `share_groups`.
        share_group: u32,
        /// Share consumer slot.
        member: u32,
    },
    /// Close a share consumer: its pending acknowledgements are sent, its other locks
    /// released, and it leaves the share group.
    LeaveShareGroup {
        /// Index into `share_groups`.
        share_group: u32,
        /// Share consumer slot.
        member: u32,
    },
    /// Stop a share consumer's poll loop (heartbeats go on): its locks run out.
    PauseShareConsumer {
        /// Index into `share_groups`.
        share_group: u32,
        /// Share consumer slot.
        member: u32,
    },
    /// Resume a paused share consumer.
    ResumeShareConsumer {
        /// Index into `share_groups`.
        share_group: u32,
        /// Share consumer slot.
        member: u32,
    },
    /// Kill a broker process: its replicas stop, requests to it fail (the connection is
    /// refused), and the controller fences it after `broker.session.timeout.ms` and moves its
    /// leaderships (and the coordinators it hosts).
    CrashBroker {
        /// Broker id (0-based).
        broker: u32,
    },
    /// Start a crashed broker again: it recovers its log, truncates what diverged from the
    /// current leaders (leader-epoch rule, KIP-101/KIP-279) and catches up as a follower.
    RestartBroker {
        /// Broker id.
        broker: u32,
    },
    /// Cut a broker off from everyone (clients, other brokers, the controller): requests to it
    /// time out (`request.timeout.ms`), its followers stop fetching, and the controller fences
    /// it after `broker.session.timeout.ms`. The process keeps running.
    IsolateBroker {
        /// Broker id.
        broker: u32,
    },
    /// Reconnect an isolated broker: like a restart, it truncates what diverged and catches up.
    HealBroker {
        /// Broker id.
        broker: u32,
    },
    /// Make a broker's follower fetches slow (a lagging replica: a slow disk, a saturated
    /// link): every fetch round trip it makes takes `delay_ms` longer. 0 makes it normal again.
    SlowFollower {
        /// Broker id.
        broker: u32,
        /// Extra time per fetch round trip, 0 – 1 day.
        delay_ms: u64,
    },
}

impl Input {
    /// Parses one input from JSON text; errors name the path under `input`.
    pub fn from_json(json: &str) -> Result<Input, crate::scenario::ScenarioError> {
        crate::scenario::parse_json(json, "input")
    }
}

fn crash_now() -> CrashPoint {
    CrashPoint::Now
}

/// An input scheduled at a simulated time (in a scenario or a recorded input log).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TimedInput {
    /// When it is applied.
    pub at_ms: u64,
    /// What is applied.
    pub input: Input,
}

/// Parses a recorded input log (`[{at_ms, input}]`) from JSON text; errors name the path under
/// `inputs`, and every input is checked for its shape (whether it fits the model's state is
/// decided when it is replayed).
pub fn inputs_from_json(json: &str) -> Result<Vec<TimedInput>, crate::scenario::ScenarioError> {
    crate::scenario::parse_json(json, "inputs")
}
