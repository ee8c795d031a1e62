//! Events: past-tense facts the simulation reports, each carrying what the page animates.
//!
//! Topics, groups, producers and consumer slots are named by index (their names are in the
//! scenario and the snapshot); this keeps events allocation-light on the hot path.
//! Things in flight carry `sent_at_ms`/`arrives_at_ms` so a view can interpolate.

use serde::Serialize;

use crate::assignor::Strategy;
use crate::input::CrashPoint;

/// A (topic index, partition) pair.
pub type Tp = (u32, u32);

/// A classic-protocol group state (Kafka's `ClassicGroupState`).
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub enum GroupState {
    /// No members.
    Empty,
    /// Waiting for members to (re)join.
    PreparingRebalance,
    /// Joined; waiting for the leader's SyncGroup with the assignment.
    CompletingRebalance,
    /// Everyone has an assignment.
    Stable,
}

/// A group-protocol request kind, for drawing requests in flight.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub enum RequestKind {
    /// JoinGroup.
    Join,
    /// SyncGroup.
    Sync,
    /// Heartbeat.
    Heartbeat,
    /// LeaveGroup.
    Leave,
    /// OffsetCommit (or TxnOffsetCommit).
    Commit,
    /// Fetch.
    Fetch,
}

/// Why a commit was refused (Kafka's error names).
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub enum CommitError {
    /// The member's generation is no longer the group's (`ILLEGAL_GENERATION`): it was expelled
    /// or a rebalance completed without it.
    IllegalGeneration,
    /// The coordinator no longer knows the member (`UNKNOWN_MEMBER_ID`).
    UnknownMember,
    /// The group is completing a rebalance (`REBALANCE_IN_PROGRESS`).
    RebalanceInProgress,
    /// The member's transaction was already aborted (timed out or fenced), so its producer
    /// is fenced (`PRODUCER_FENCED`).
    ProducerFenced,
}

/// What a consumer is doing, as the page draws it.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub enum ConsumerState {
    /// Waiting for the group to give it partitions.
    Joining,
    /// In the group with no partitions (more members than partitions).
    Idle,
    /// Waiting for records.
    Fetching,
    /// Working through a fetched batch.
    Processing,
    /// Waiting for a commit to be acknowledged.
    Committing,
    /// Poll loop stopped.
    Paused,
    /// Process dead.
    Crashed,
    /// Left the group gracefully.
    Left,
}

/// Why a rebalance started.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub enum RebalanceReason {
    /// A new member joined (or the group formed).
    MemberJoined,
    /// A member sent LeaveGroup.
    MemberLeft,
    /// A member missed heartbeats for `session.timeout.ms`.
    SessionTimeout,
    /// A member did not poll within `max.poll.interval.ms`.
    PollTimeout,
    /// A cooperative member revoked partitions and rejoined (KIP-429's second round).
    CooperativeFollowUp,
    /// Subscribed topic metadata changed (partitions added).
    MetadataChanged,
    /// A member rejoined with different protocols (strategy reconfigured).
    ProtocolChanged,
    /// The group's coordinator moved to another broker mid-rebalance; the members rejoin.
    CoordinatorMoved,
}

/// Why a produce request (or one of its batches) failed, by Kafka's error names.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub enum ProduceError {
    /// `NOT_ENOUGH_REPLICAS`: `acks=all` and the ISR is below `min.insync.replicas`.
    NotEnoughReplicas,
    /// `NOT_LEADER_OR_FOLLOWER`: the broker no longer leads the partition.
    NotLeaderOrFollower,
    /// No answer within `request.timeout.ms` (the broker is cut off, or the answer was lost).
    RequestTimedOut,
    /// The connection was refused or dropped (the broker process is dead).
    NetworkException,
    /// `OUT_OF_ORDER_SEQUENCE_NUMBER`: an idempotent batch arrived before an earlier one.
    OutOfOrderSequence,
    /// `delivery.timeout.ms` passed since the record was produced.
    DeliveryTimeout,
    /// The partition has no leader (all its in-sync replicas are down).
    LeaderNotAvailable,
}

/// A fact about the simulation, stamped with its simulated time by [`TimedEvent`].
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "type")]
pub enum Event {
    /// A producer's batch reached the partition leader and was appended.
    RecordsAppended {
        /// Producer index.
        producer: u32,
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// Offset of the first record.
        base_offset: u64,
        /// Entity number of each record's key (`None` = no key).
        keys: Vec<Option<u32>>,
        /// When the batch left the producer.
        sent_at_ms: u64,
        /// Whether the records belong to an open transaction.
        transactional: bool,
    },
    /// A transactional consume-transform-produce member wrote an output record.
    OutputRecordAppended {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// Output topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// Offset.
        offset: u64,
        /// Entity number of the key (`None` = no key).
        key: Option<u32>,
        /// Transaction number.
        txn: u64,
    },
    /// A partition's log-start offset advanced because of retention.
    LogTruncated {
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// New log-start offset.
        log_start_offset: u64,
    },
    /// A topic gained partitions.
    PartitionsAdded {
        /// Topic index.
        topic: u32,
        /// New partition count.
        partitions: u32,
    },
    /// A consumer process started (first start or restart).
    ConsumerStarted {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// Its protocol member id (Kafka: client id + UUID).
        member_id: String,
    },
    /// A group-protocol or fetch request was sent.
    RequestSent {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// Which request.
        kind: RequestKind,
        /// Send time.
        sent_at_ms: u64,
        /// Arrival time at the broker.
        arrives_at_ms: u64,
    },
    /// The group coordinator changed the group's state.
    GroupStateChanged {
        /// Group index.
        group: u32,
        /// New state.
        state: GroupState,
        /// The group's generation after the change.
        generation: i32,
    },
    /// A rebalance began.
    RebalanceStarted {
        /// Group index.
        group: u32,
        /// Why.
        reason: RebalanceReason,
        /// The member whose action caused it, if any.
        member: Option<u32>,
    },
    /// The leader computed an assignment (the group now moves to Stable on SyncGroup).
    AssignmentComputed {
        /// Group index.
        group: u32,
        /// The new generation.
        generation: i32,
        /// The assignor the group's members agreed on.
        strategy: Strategy,
        /// Slot of the elected leader.
        leader: u32,
        /// Per member slot in the generation, its partitions.
        assignment: Vec<(u32, Vec<Tp>)>,
        /// Partitions withheld this round because they move (cooperative, KIP-429).
        withheld: Vec<Tp>,
    },
    /// A consumer received partitions (`onPartitionsAssigned`).
    PartitionsAssigned {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// Generation.
        generation: i32,
        /// The partitions newly added to the member.
        partitions: Vec<Tp>,
    },
    /// A consumer gave partitions up (`onPartitionsRevoked`), committing first if it commits.
    PartitionsRevoked {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// The partitions taken away.
        partitions: Vec<Tp>,
    },
    /// A consumer lost its partitions without a chance to commit (`onPartitionsLost`).
    PartitionsLost {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// The partitions lost.
        partitions: Vec<Tp>,
    },
    /// A fetch returned records to a consumer.
    RecordsFetched {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// First offset returned.
        first_offset: u64,
        /// Number of records.
        count: u32,
    },
    /// A consumer finished processing records (one event per record when processing takes
    /// time, one per batch when it is instantaneous).
    RecordsProcessed {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// First offset processed.
        first_offset: u64,
        /// Number of records.
        count: u32,
        /// How many of them had been processed by this group before.
        duplicates: u32,
    },
    /// The coordinator stored a committed offset in `__consumer_offsets`.
    OffsetCommitted {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// The committed offset: the next record to read.
        offset: u64,
        /// The `__consumer_offsets` partition holding the group (Kafka: hash of group id).
        offsets_partition: u32,
    },
    /// The coordinator refused a commit.
    CommitFailed {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// Why.
        error: CommitError,
    },
    /// Records were processed by this group a second (or later) time.
    DuplicatesProcessed {
        /// Group index.
        group: u32,
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// First duplicated offset.
        first_offset: u64,
        /// How many.
        count: u32,
    },
    /// Records were skipped by this group for good: nobody in it will ever process them.
    RecordsLost {
        /// Group index.
        group: u32,
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// First lost offset.
        first_offset: u64,
        /// How many.
        count: u64,
    },
    /// A consumer's process died.
    ConsumerCrashed {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// Where in the poll loop it was.
        at: CrashPoint,
    },
    /// A consumer's poll loop stopped.
    ConsumerPaused {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
    },
    /// A consumer's poll loop resumed.
    ConsumerResumed {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
    },
    /// A consumer closed and left the group gracefully.
    ConsumerLeft {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
    },
    /// The coordinator expired a member that missed heartbeats for `session.timeout.ms`.
    SessionExpired {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
    },
    /// A member exceeded `max.poll.interval.ms`; its heartbeat thread left the group for it.
    PollIntervalExceeded {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
    },
    /// A static member rejoined within its session and got its assignment back, no rebalance.
    StaticMemberRejoined {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// New member id replacing the old one.
        member_id: String,
    },
    /// A consumer changed what it is doing (for the page's badges).
    ConsumerStateChanged {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// New state.
        state: ConsumerState,
    },
    /// A transactional consume-transform-produce member opened a transaction.
    TransactionBegun {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// Transaction number (per group, increasing).
        txn: u64,
    },
    /// A transaction committed: its output records and consumed offsets became visible at once.
    TransactionCommitted {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// Transaction number.
        txn: u64,
    },
    /// A transaction aborted: its output records are skipped by read_committed readers and its
    /// offsets were never committed.
    TransactionAborted {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// Transaction number.
        txn: u64,
        /// Output records it had written.
        records: u32,
    },
    /// A broker process died (`CrashBroker`).
    BrokerCrashed {
        /// Broker id.
        broker: u32,
    },
    /// A crashed broker started again (`RestartBroker`).
    BrokerRestarted {
        /// Broker id.
        broker: u32,
    },
    /// A broker was cut off from the network (`IsolateBroker`).
    BrokerIsolated {
        /// Broker id.
        broker: u32,
    },
    /// An isolated broker was reconnected (`HealBroker`).
    BrokerHealed {
        /// Broker id.
        broker: u32,
    },
    /// The controller fenced a broker that stopped heartbeating for
    /// `broker.session.timeout.ms`: it leaves every ISR and its leaderships move.
    BrokerFenced {
        /// Broker id.
        broker: u32,
    },
    /// A broker's follower fetches became slower (or normal again at 0).
    FollowerSlowed {
        /// Broker id.
        broker: u32,
        /// Extra time per fetch round trip.
        delay_ms: u64,
    },
    /// The controller chose a partition leader (or found none: `leader` is `None` and the
    /// partition is offline).
    LeaderElected {
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// The new leader's broker id.
        leader: Option<u32>,
        /// The new leader epoch.
        leader_epoch: u32,
        /// Whether an out-of-sync replica was chosen (`unclean.leader.election.enable`).
        unclean: bool,
        /// Where the new leader's log ends: the partition's log from now on.
        log_end_offset: u64,
        /// Records the previous leader's log held above that, gone with this election.
        truncated: u64,
    },
    /// A follower fell more than `replica.lag.time.max.ms` behind and left the ISR.
    IsrShrunk {
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// The broker that left.
        broker: u32,
        /// ISR size after.
        isr_size: u32,
    },
    /// A follower caught up to the high watermark and rejoined the ISR.
    IsrExpanded {
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// The broker that rejoined.
        broker: u32,
        /// ISR size after.
        isr_size: u32,
    },
    /// A replica rejoining as a follower cut the records of its log that the leader does not
    /// have (leader-epoch truncation, KIP-101/KIP-279).
    ReplicaTruncated {
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// The broker whose replica truncated.
        broker: u32,
        /// Its log now ends here…
        from_offset: u64,
        /// …and ended here before.
        to_offset: u64,
    },
    /// A group's coordinator moved to another broker (the leader of its `__consumer_offsets`
    /// partition changed): members rediscover it and the group goes on from what the offsets
    /// log holds.
    CoordinatorMoved {
        /// Group index.
        group: u32,
        /// The broker that hosted it, if any.
        from: Option<u32>,
        /// The broker that hosts it now (`None`: no coordinator until one returns).
        to: Option<u32>,
    },
    /// A batch failed with a retriable error and will be sent again.
    ProduceRetried {
        /// Producer index.
        producer: u32,
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// Records.
        count: u32,
        /// Why.
        error: ProduceError,
    },
    /// A batch failed for good: its records are not delivered.
    ProduceFailed {
        /// Producer index.
        producer: u32,
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// Records.
        count: u32,
        /// Why (the last error).
        error: ProduceError,
    },
    /// A retried batch was appended although its first copy is still in the log.
    RecordsWrittenTwice {
        /// Producer index.
        producer: u32,
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// Offset of the second copy's first record.
        base_offset: u64,
        /// Records.
        count: u32,
    },
    /// A batch was appended after a later batch of the same producer and partition.
    RecordsReordered {
        /// Producer index.
        producer: u32,
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// Offset of its first record.
        base_offset: u64,
        /// Records.
        count: u32,
    },
    /// Acknowledged records are not in the log: truncated away by a leader change, or
    /// (`acks=0`) never written because no leader received them.
    AckedRecordsLost {
        /// Producer index.
        producer: u32,
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// Offset of the first record, if it was ever written.
        first_offset: Option<u64>,
        /// Records.
        count: u64,
    },
    /// A user or scheduled input was refused (bad index, wrong state); the simulation goes on.
    InputRejected {
        /// Why, naming the field.
        reason: String,
    },
    /// KIP-848: the group coordinator computed a new target assignment for `group_epoch`
    /// (with `group.remote.assignor`), after a member joined, left, was fenced or changed its
    /// subscription, or partitions were added.
    TargetAssignmentComputed {
        /// Group index.
        group: u32,
        /// The group epoch (= the target assignment epoch).
        group_epoch: i32,
        /// Target partitions per member slot.
        assignment: Vec<(u32, Vec<Tp>)>,
    },
    /// KIP-848: the coordinator moved a member on (Kafka's `CurrentAssignmentBuilder`): its
    /// member epoch and reconciliation state now.
    MemberReconciled {
        /// Group index.
        group: u32,
        /// Consumer slot.
        member: u32,
        /// Member epoch.
        member_epoch: i32,
        /// Stable, or what it waits for.
        state: ReconcileState,
        /// Partitions the member must revoke before it may have new ones.
        pending_revocation: u32,
        /// Partitions in its target that another member has not released yet.
        unreleased: u32,
    },
    /// KIP-932: a share group's member set changed and the `SimpleAssignor` ran.
    ShareAssignmentComputed {
        /// Share group index.
        share_group: u32,
        /// Group epoch.
        group_epoch: i32,
        /// Partitions per share consumer slot (a partition may be listed for several).
        assignment: Vec<(u32, Vec<Tp>)>,
    },
    /// A share consumer started, crashed, paused, resumed, left or was fenced.
    ShareMemberChanged {
        /// Share group index.
        share_group: u32,
        /// Share consumer slot.
        member: u32,
        /// What happened.
        change: ShareMemberChange,
    },
    /// KIP-932: a share fetch acquired a record for a member (locked until `lock_until_ms`).
    ShareRecordAcquired {
        /// Share group index.
        share_group: u32,
        /// Share consumer slot.
        member: u32,
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// Offset.
        offset: u64,
        /// Deliveries so far, this one included.
        delivery_count: u16,
        /// When the lock runs out.
        lock_until_ms: u64,
    },
    /// A member acknowledged a record it held.
    ShareRecordAcknowledged {
        /// Share group index.
        share_group: u32,
        /// Share consumer slot.
        member: u32,
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// Offset.
        offset: u64,
        /// ACCEPT, RELEASE or REJECT.
        ack: crate::share::AckType,
    },
    /// A record became AVAILABLE again and will be delivered again.
    ShareRecordReleased {
        /// Share group index.
        share_group: u32,
        /// Slot of the member that held it.
        member: u32,
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// Offset.
        offset: u64,
        /// Deliveries so far.
        delivery_count: u16,
        /// Why.
        cause: ReleaseCause,
    },
    /// A record was archived: rejected, or its last allowed delivery failed.
    ShareRecordArchived {
        /// Share group index.
        share_group: u32,
        /// Slot of the member that held it last.
        member: u32,
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// Offset.
        offset: u64,
        /// Deliveries it had.
        delivery_count: u16,
        /// Why.
        cause: ReleaseCause,
    },
    /// A share acknowledgement was refused (`INVALID_RECORD_STATE`): the member's lock had run
    /// out, so the record is someone else's (or finished) now.
    ShareAckRefused {
        /// Share group index.
        share_group: u32,
        /// Share consumer slot.
        member: u32,
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// Offset.
        offset: u64,
    },
    /// Retention deleted records of a share-partition before they were finished: lost.
    ShareRecordsLost {
        /// Share group index.
        share_group: u32,
        /// Topic index.
        topic: u32,
        /// Partition.
        partition: u32,
        /// How many.
        count: u64,
    },
}

/// A KIP-848 member's reconciliation state (Kafka's `MemberState` in the group coordinator).
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub enum ReconcileState {
    /// Has its target assignment at the group's epoch.
    Stable,
    /// Must revoke partitions first (`UNREVOKED_PARTITIONS`).
    UnrevokedPartitions,
    /// Waits for partitions other members have not released yet (`UNRELEASED_PARTITIONS`).
    UnreleasedPartitions,
}

/// What happened to a share consumer.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub enum ShareMemberChange {
    /// Process started (joins with member epoch 0).
    Started,
    /// Process killed.
    Crashed,
    /// Poll loop paused.
    Paused,
    /// Poll loop resumed.
    Resumed,
    /// Closed and left the group.
    Left,
    /// Removed by the coordinator after `group.share.session.timeout.ms` without heartbeats.
    SessionExpired,
}

/// Why a share record stopped being acquired without being accepted.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub enum ReleaseCause {
    /// The member acknowledged RELEASE.
    Released,
    /// The member acknowledged REJECT.
    Rejected,
    /// The lock ran out (`group.share.record.lock.duration.ms`).
    LockExpired,
    /// The member left or was fenced, releasing its locks.
    MemberGone,
}

impl Event {
    /// The four kinds that make up most of an every-event trace (requests sent, appends,
    /// fetches, consumer state changes); `trace` leaves them out unless asked for them all.
    pub fn is_chatty(&self) -> bool {
        matches!(
            self,
            Event::RequestSent { .. }
                | Event::RecordsAppended { .. }
                | Event::RecordsFetched { .. }
                | Event::ConsumerStateChanged { .. }
        )
    }

    /// Whether this is record-level traffic (appends, fetches, processing, commits, requests,
    /// per-member state flips): high-volume facts that a view reads as counts and samples
    /// rather than one by one. Everything else is a *story* event, human-scale by nature.
    pub fn is_traffic(&self) -> bool {
        matches!(
            self,
            Event::RecordsAppended { .. }
                | Event::OutputRecordAppended { .. }
                | Event::LogTruncated { .. }
                | Event::RequestSent { .. }
                | Event::RecordsFetched { .. }
                | Event::RecordsProcessed { .. }
                | Event::OffsetCommitted { .. }
                | Event::ConsumerStateChanged { .. }
                | Event::ShareRecordAcquired { .. }
                | Event::ShareRecordAcknowledged { .. }
                | Event::ShareRecordReleased { .. }
                | Event::ShareAckRefused { .. }
                | Event::ProduceRetried { .. }
                | Event::RecordsReordered { .. }
        )
    }
}

/// How much of the event stream a [`crate::Sim`] records. Events are observations: the level
/// never changes what the model does, only what [`crate::Sim::drain_events`] returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum EventLevel {
    /// Every event (the determinism fingerprint and the tests use this).
    #[default]
    All,
    /// Story events only ([`Event::is_traffic`] is false): what a person watching should see.
    Story,
    /// None: fast-forward and checkpoint replay.
    Off,
}

/// An [`Event`] with the simulated time it happened.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TimedEvent {
    /// Simulated time.
    pub at_ms: u64,
    /// The fact.
    #[serde(flatten)]
    pub event: Event,
}
