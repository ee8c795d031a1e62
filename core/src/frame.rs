//! The frame: the numbers a view draws for *now*, as flat `f64` arrays with fixed strides.
//!
//! A page reads these through typed-array views over wasm memory once per animation frame,
//! so the cost of crossing the boundary is independent of how many records the model moved.
//! [`crate::Sim::write_frame`] fills a [`Frame`] in O(partitions × groups + members) without
//! allocating once the buffers have grown to size. Missing values (no owner, nothing
//! committed, no key) are `-1`. Field offsets are the `*_` constants below; [`layout_constants`]
//! lists them all so a binding can hand them to JS instead of JS hard-coding them.
//!
//! Record-level traffic reaches the view as counts (log ends, processed totals) plus an
//! [`EnvelopeRing`]: a bounded sample of appends, fetches, losses and outputs to animate.

use serde::Serialize;

/// Per partition (global index over topics in scenario order).
pub const PART_STRIDE: usize = 8;
/// First offset still stored.
pub const PART_LOG_START: usize = 0;
/// Log-end offset of the leader's log.
pub const PART_LOG_END: usize = 1;
/// Last stable offset (never above the high watermark).
pub const PART_LSO: usize = 2;
/// Topic index of the partition.
pub const PART_TOPIC: usize = 3;
/// High watermark: consumers read below it.
pub const PART_HW: usize = 4;
/// Leader broker id, or -1 while the partition is offline.
pub const PART_LEADER: usize = 5;
/// Leader epoch.
pub const PART_EPOCH: usize = 6;
/// ISR size.
pub const PART_ISR: usize = 7;

/// Per partition × replica slot, at `(partition_index * layout.replica_slots + slot) *
/// REP_STRIDE` (slot 0 is the preferred leader; unused slots are -1).
pub const REP_STRIDE: usize = 4;
/// Broker id of the replica.
pub const REP_BROKER: usize = 0;
/// 1 if it leads the partition.
pub const REP_LEADER: usize = 1;
/// 1 if it is in the ISR.
pub const REP_IN_ISR: usize = 2;
/// Its log-end offset.
pub const REP_LEO: usize = 3;

/// Per broker.
pub const BROKER_STRIDE: usize = 6;
/// [`crate::BrokerState`] as its declaration index (Up = 0, Crashed = 1, Isolated = 2).
pub const BR_STATE: usize = 0;
/// 1 if the controller has fenced it.
pub const BR_FENCED: usize = 1;
/// Partitions it leads.
pub const BR_LEADERS: usize = 2;
/// Groups whose coordinator it hosts.
pub const BR_COORDINATORS: usize = 3;
/// Extra ms per follower fetch round trip (`SlowFollower`).
pub const BR_SLOW_MS: usize = 4;
/// Replicas it holds.
pub const BR_REPLICAS: usize = 5;

/// Per group × partition, at `(group * total_partitions + partition_index) * GP_STRIDE`.
pub const GP_STRIDE: usize = 8;
/// 1 if the group subscribes to the partition, else 0 (the other fields are then -1).
pub const GP_SUBSCRIBED: usize = 0;
/// Slot of the owning member (alive, current generation), or -1.
pub const GP_OWNER: usize = 1;
/// The owner's fetch position, or -1.
pub const GP_POSITION: usize = 2;
/// Committed offset in `__consumer_offsets`, or -1.
pub const GP_COMMITTED: usize = 3;
/// Consumer lag (log end or LSO minus committed).
pub const GP_LAG: usize = 4;
/// Total simulated ms the partition had no owner able to process it.
pub const GP_DOWNTIME_MS: usize = 5;
/// Records of the partition this group processed (repeats included).
pub const GP_PROCESSED: usize = 6;
/// One past the highest offset the group processed (-1 before it started the partition).
pub const GP_PROCESSED_END: usize = 7;

/// Per member, at `(member_base(group) + slot) * MEMBER_STRIDE`.
pub const MEMBER_STRIDE: usize = 8;
/// [`crate::event::ConsumerState`] as its declaration index (Joining = 0 … Left = 7).
pub const M_STATE: usize = 0;
/// Generation the member believes it is in.
pub const M_GENERATION: usize = 1;
/// Partitions it owns now.
pub const M_ASSIGNED: usize = 2;
/// Records it processed in its lifetime.
pub const M_PROCESSED: usize = 3;
/// Records left in its current batch.
pub const M_PENDING: usize = 4;
/// Global partition index of the record it is processing, or -1.
pub const M_PROC_PARTITION: usize = 5;
/// Offset of the record it is processing, or -1.
pub const M_PROC_OFFSET: usize = 6;
/// 1 if it leads the group.
pub const M_LEADER: usize = 7;

/// Per group.
pub const GROUP_STRIDE: usize = 9;
/// [`crate::event::GroupState`] as its declaration index (Empty = 0 … Stable = 3).
pub const G_STATE: usize = 0;
/// Generation.
pub const G_GENERATION: usize = 1;
/// Chosen assignor as an index into `Strategy::ALL`, or -1.
pub const G_STRATEGY: usize = 2;
/// Processed records (repeats included).
pub const G_PROCESSED: usize = 3;
/// Duplicates.
pub const G_DUPLICATES: usize = 4;
/// Lost records.
pub const G_LOST: usize = 5;
/// Rebalances.
pub const G_REBALANCES: usize = 6;
/// Largest lag seen on any partition.
pub const G_MAX_LAG: usize = 7;
/// Lag summed over the group's partitions now.
pub const G_LAG_NOW: usize = 8;

/// Per producer.
pub const PRODUCER_STRIDE: usize = 9;
/// Records per second now.
pub const PR_RATE: usize = 0;
/// Records produced so far.
pub const PR_PRODUCED: usize = 1;
/// The partition (within its topic) the sticky partitioner is filling, or -1.
pub const PR_STICKY: usize = 2;
/// Records acknowledged.
pub const PR_ACKED: usize = 3;
/// Records failed for good.
pub const PR_FAILED: usize = 4;
/// Records written to the log twice.
pub const PR_LOG_DUPLICATES: usize = 5;
/// Acknowledged records not in the log.
pub const PR_ACKED_LOST: usize = 6;
/// Unanswered produce requests.
pub const PR_IN_FLIGHT: usize = 7;
/// Records reordered in the log.
pub const PR_REORDERED: usize = 8;

/// KIP-848 view per member (same rows as `members`): `frame.kip848_members`.
pub const KM_STRIDE: usize = 5;
/// 1 if its group speaks `group.protocol=consumer`, else 0 (the other fields are then -1).
pub const KM_PROTOCOL: usize = 0;
/// Member epoch as the coordinator knows it (-1 not a member, -2 static member away).
pub const KM_EPOCH: usize = 1;
/// [`crate::event::ReconcileState`] index (Stable = 0, UnrevokedPartitions = 1,
/// UnreleasedPartitions = 2), or -1.
pub const KM_STATE: usize = 2;
/// Partitions it must revoke before it gets more.
pub const KM_PENDING_REVOKE: usize = 3;
/// Partitions of its target another member still holds.
pub const KM_UNRELEASED: usize = 4;

/// KIP-848 view per group: `frame.kip848_groups`.
pub const KG_STRIDE: usize = 4;
/// 1 for `group.protocol=consumer`, else 0.
pub const KG_PROTOCOL: usize = 0;
/// Group epoch (-1 for classic groups).
pub const KG_GROUP_EPOCH: usize = 1;
/// Target assignment epoch (-1 for classic groups).
pub const KG_TARGET_EPOCH: usize = 2;
/// Times a live member stopped processing all its partitions for a rebalance (any protocol).
pub const KG_PAUSED_MEMBERS: usize = 3;

/// KIP-848 view per group × partition (same index as `group_parts`): `frame.kip848_parts`.
pub const KP_STRIDE: usize = 2;
/// Slot whose target assignment holds the partition, or -1 (classic groups: -1).
pub const KP_TARGET: usize = 0;
/// Slot that must revoke the partition before its target member may have it, or -1.
pub const KP_REVOKING: usize = 1;

/// Per share group × partition, at `(share_group * total_partitions + partition_index) *
/// SP_STRIDE`: `frame.share_parts` (KIP-932 share-partitions).
pub const SP_STRIDE: usize = 9;
/// 1 if the share group subscribes to the partition (the other fields are then ≥ 0).
pub const SP_SUBSCRIBED: usize = 0;
/// Share-partition start offset (SPSO).
pub const SP_START: usize = 1;
/// Share-partition end offset (SPEO).
pub const SP_END: usize = 2;
/// Records acquired (locked) now.
pub const SP_ACQUIRED: usize = 3;
/// In-flight records available for redelivery now.
pub const SP_AVAILABLE: usize = 4;
/// Records archived so far.
pub const SP_ARCHIVED: usize = 5;
/// Highest delivery count among in-flight records.
pub const SP_MAX_DELIVERY: usize = 6;
/// Records accepted so far.
pub const SP_ACKNOWLEDGED: usize = 7;
/// Deliveries beyond a record's first so far.
pub const SP_REDELIVERIES: usize = 8;

/// Per share consumer, at `(share_member_base(share_group) + slot) * SM_STRIDE`:
/// `frame.share_members`.
pub const SM_STRIDE: usize = 8;
/// 0 idle, 1 fetching, 2 processing, 3 paused, 4 crashed, 5 left.
pub const SM_STATE: usize = 0;
/// Member epoch.
pub const SM_EPOCH: usize = 1;
/// Partitions it reads (shared with others).
pub const SM_ASSIGNED: usize = 2;
/// Records it processed in its lifetime.
pub const SM_PROCESSED: usize = 3;
/// Records left in its batch.
pub const SM_PENDING: usize = 4;
/// Global partition index of the record it is processing, or -1.
pub const SM_PROC_PARTITION: usize = 5;
/// Offset of that record, or -1.
pub const SM_PROC_OFFSET: usize = 6;
/// Delivery count of that record, or -1.
pub const SM_PROC_DELIVERY: usize = 7;

/// Per share group: `frame.share_groups`.
pub const SG_STRIDE: usize = 6;
/// Group epoch.
pub const SG_EPOCH: usize = 0;
/// Successful processings.
pub const SG_PROCESSED: usize = 1;
/// Redeliveries.
pub const SG_REDELIVERIES: usize = 2;
/// Archived records.
pub const SG_ARCHIVED: usize = 3;
/// Lost records (0).
pub const SG_LOST: usize = 4;
/// Accepted records.
pub const SG_ACKNOWLEDGED: usize = 5;

/// In-flight records sampled per share-partition, from the SPSO on.
pub const SR_RECORDS: usize = 32;
/// One share-partition's sample, at `(share_group * total_partitions + partition_index) *
/// SR_STRIDE` in `frame.share_records`, for the requested partitions only: `[spso, count,
/// then per record: state (RecordState index: Available 0, Acquired 1, Acknowledged 2,
/// Archived 3), delivery count, holder slot or -1, lock deadline ms or -1]`.
pub const SR_STRIDE: usize = 2 + 4 * SR_RECORDS;

/// Newest records per partition: `[base_offset, count, key_0 … key_63, kind_0 … kind_63]`.
pub const TAIL_KEYS: usize = crate::log::RECENT_KEYS;
/// Stride of one partition's tail.
pub const TAIL_STRIDE: usize = 2 + 2 * TAIL_KEYS;

/// One sampled envelope: `[seq, kind, who, member, topic, partition, offset, key, count, at_ms]`.
pub const ENVELOPE_STRIDE: usize = 10;
/// Envelopes the ring keeps; a view that falls further behind skips the oldest.
pub const ENVELOPE_RING: usize = 256;

/// What a sampled envelope shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum EnvelopeKind {
    /// A producer's batch was appended (`who` = producer; offset/key = its last record).
    Append = 0,
    /// A consumer fetched records (`who` = group, `member` = slot; offset = first).
    Fetch = 1,
    /// A group skipped records for good (`who` = group; offset = first).
    Lost = 2,
    /// A transactional member wrote an output record (`who` = group, `member` = slot).
    Output = 3,
}

/// A bounded ring of sampled envelopes, numbered by a sequence that never resets, so a view
/// can ask for everything after the last one it drew.
#[derive(Clone, Debug)]
pub struct EnvelopeRing {
    data: Vec<f64>,
    seq: u64,
}

impl Default for EnvelopeRing {
    fn default() -> Self {
        EnvelopeRing {
            data: vec![-1.0; ENVELOPE_RING * ENVELOPE_STRIDE],
            seq: 0,
        }
    }
}

impl EnvelopeRing {
    /// Records one envelope.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        kind: EnvelopeKind,
        who: u32,
        member: Option<u32>,
        tp: (u32, u32),
        offset: u64,
        key: Option<u32>,
        count: u64,
        at_ms: u64,
    ) {
        self.seq += 1;
        let i = (self.seq as usize % ENVELOPE_RING) * ENVELOPE_STRIDE;
        let row = &mut self.data[i..i + ENVELOPE_STRIDE];
        row[0] = self.seq as f64;
        row[1] = f64::from(kind as u8);
        row[2] = f64::from(who);
        row[3] = member.map_or(-1.0, f64::from);
        row[4] = f64::from(tp.0);
        row[5] = f64::from(tp.1);
        row[6] = offset as f64;
        row[7] = key.map_or(-1.0, f64::from);
        row[8] = count as f64;
        row[9] = at_ms as f64;
    }

    /// Sequence number of the newest envelope (0 = none yet).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The ring's storage (`ENVELOPE_RING` rows; a row's slot is `seq % ENVELOPE_RING`).
    pub fn data(&self) -> &[f64] {
        &self.data
    }
}

/// The frame buffers, grown on demand and reused frame after frame.
#[derive(Clone, Debug, Default)]
pub struct Frame {
    /// `PART_STRIDE` per partition.
    pub partitions: Vec<f64>,
    /// `GP_STRIDE` per group × partition.
    pub group_parts: Vec<f64>,
    /// `MEMBER_STRIDE` per member.
    pub members: Vec<f64>,
    /// `GROUP_STRIDE` per group.
    pub groups: Vec<f64>,
    /// `PRODUCER_STRIDE` per producer.
    pub producers: Vec<f64>,
    /// `BROKER_STRIDE` per broker.
    pub brokers: Vec<f64>,
    /// `REP_STRIDE` per partition × replica slot.
    pub replicas: Vec<f64>,
    /// `TAIL_STRIDE` per partition; only the requested range is filled.
    pub tails: Vec<f64>,
    /// Scratch for reading a log's tail.
    pub(crate) tail_keys: Vec<u32>,
    pub(crate) tail_kinds: Vec<u8>,
    /// `KM_STRIDE` per member (KIP-848 view).
    pub kip848_members: Vec<f64>,
    /// `KG_STRIDE` per group (KIP-848 view).
    pub kip848_groups: Vec<f64>,
    /// `KP_STRIDE` per group × partition (KIP-848 view).
    pub kip848_parts: Vec<f64>,
    /// `SP_STRIDE` per share group × partition.
    pub share_parts: Vec<f64>,
    /// `SM_STRIDE` per share consumer.
    pub share_members: Vec<f64>,
    /// `SG_STRIDE` per share group.
    pub share_groups: Vec<f64>,
    /// `SR_STRIDE` per share group × partition; only the requested range is filled.
    pub share_records: Vec<f64>,
}

/// One topic in a [`Layout`].
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TopicLayout {
    /// Name.
    pub name: String,
    /// Partition count.
    pub partitions: u32,
    /// Global index of its partition 0.
    pub base: u32,
}

/// One group in a [`Layout`].
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct GroupLayout {
    /// `group.id`.
    pub id: String,
    /// Index of its slot 0 among all members.
    pub member_base: u32,
    /// Member names by slot.
    pub members: Vec<String>,
    /// Subscribed topic indices.
    pub topics: Vec<u32>,
    /// Whether its members commit in transactions.
    pub transactional: bool,
    /// Whether every strategy its members list is cooperative (KIP-429).
    pub cooperative: bool,
    /// Static members (`group.instance.id`).
    pub static_membership: bool,
    /// Its commit mode, as in the scenario (`after_processing`, …).
    pub commit: crate::scenario::CommitMode,
}

/// One producer in a [`Layout`].
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProducerLayout {
    /// Name.
    pub id: String,
    /// Topic index.
    pub topic: u32,
    /// Key prefix (`None` for unkeyed producers).
    pub key_prefix: Option<String>,
}

/// The shape of the frame: names and where each entity's rows start. Changes only when
/// partitions or members are added (see `Sim::layout_version`).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Layout {
    /// Topics in scenario order.
    pub topics: Vec<TopicLayout>,
    /// Partitions over all topics.
    pub total_partitions: u32,
    /// Groups in scenario order.
    pub groups: Vec<GroupLayout>,
    /// Members over all groups.
    pub total_members: u32,
    /// Producers in scenario order.
    pub producers: Vec<ProducerLayout>,
    /// `group.protocol` of each group, in scenario order.
    pub group_protocols: Vec<crate::group_protocols::GroupProtocol>,
    /// Share groups in scenario order.
    pub share_groups: Vec<ShareGroupLayout>,
    /// Share consumers over all share groups.
    pub total_share_members: u32,
    /// Brokers in the cluster.
    pub brokers: u32,
    /// Replica slots per partition in the `replicas` rows (the largest replication factor).
    pub replica_slots: u32,
}

/// One share group in a [`Layout`].
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ShareGroupLayout {
    /// `group.id`.
    pub id: String,
    /// Index of its slot 0 among all share consumers.
    pub member_base: u32,
    /// Member names by slot.
    pub members: Vec<String>,
    /// Subscribed topic indices.
    pub topics: Vec<u32>,
    /// `share.acknowledgement.mode`.
    pub ack_mode: crate::group_protocols::AckMode,
    /// `group.share.delivery.count.limit`.
    pub delivery_count_limit: u32,
    /// `group.share.record.lock.duration.ms`.
    pub lock_duration_ms: u64,
}

/// Every stride and field offset, by name, for a binding to hand to JS.
pub fn layout_constants() -> Vec<(&'static str, usize)> {
    vec![
        ("PART_STRIDE", PART_STRIDE),
        ("PART_LOG_START", PART_LOG_START),
        ("PART_LOG_END", PART_LOG_END),
        ("PART_LSO", PART_LSO),
        ("PART_TOPIC", PART_TOPIC),
        ("PART_HW", PART_HW),
        ("PART_LEADER", PART_LEADER),
        ("PART_EPOCH", PART_EPOCH),
        ("PART_ISR", PART_ISR),
        ("REP_STRIDE", REP_STRIDE),
        ("REP_BROKER", REP_BROKER),
        ("REP_LEADER", REP_LEADER),
        ("REP_IN_ISR", REP_IN_ISR),
        ("REP_LEO", REP_LEO),
        ("BROKER_STRIDE", BROKER_STRIDE),
        ("BR_STATE", BR_STATE),
        ("BR_FENCED", BR_FENCED),
        ("BR_LEADERS", BR_LEADERS),
        ("BR_COORDINATORS", BR_COORDINATORS),
        ("BR_SLOW_MS", BR_SLOW_MS),
        ("BR_REPLICAS", BR_REPLICAS),
        ("GP_STRIDE", GP_STRIDE),
        ("GP_SUBSCRIBED", GP_SUBSCRIBED),
        ("GP_OWNER", GP_OWNER),
        ("GP_POSITION", GP_POSITION),
        ("GP_COMMITTED", GP_COMMITTED),
        ("GP_LAG", GP_LAG),
        ("GP_DOWNTIME_MS", GP_DOWNTIME_MS),
        ("GP_PROCESSED", GP_PROCESSED),
        ("GP_PROCESSED_END", GP_PROCESSED_END),
        ("MEMBER_STRIDE", MEMBER_STRIDE),
        ("M_STATE", M_STATE),
        ("M_GENERATION", M_GENERATION),
        ("M_ASSIGNED", M_ASSIGNED),
        ("M_PROCESSED", M_PROCESSED),
        ("M_PENDING", M_PENDING),
        ("M_PROC_PARTITION", M_PROC_PARTITION),
        ("M_PROC_OFFSET", M_PROC_OFFSET),
        ("M_LEADER", M_LEADER),
        ("GROUP_STRIDE", GROUP_STRIDE),
        ("G_STATE", G_STATE),
        ("G_GENERATION", G_GENERATION),
        ("G_STRATEGY", G_STRATEGY),
        ("G_PROCESSED", G_PROCESSED),
        ("G_DUPLICATES", G_DUPLICATES),
        ("G_LOST", G_LOST),
        ("G_REBALANCES", G_REBALANCES),
        ("G_MAX_LAG", G_MAX_LAG),
        ("G_LAG_NOW", G_LAG_NOW),
        ("PRODUCER_STRIDE", PRODUCER_STRIDE),
        ("PR_RATE", PR_RATE),
        ("PR_PRODUCED", PR_PRODUCED),
        ("PR_STICKY", PR_STICKY),
        ("PR_ACKED", PR_ACKED),
        ("PR_FAILED", PR_FAILED),
        ("PR_LOG_DUPLICATES", PR_LOG_DUPLICATES),
        ("PR_ACKED_LOST", PR_ACKED_LOST),
        ("PR_IN_FLIGHT", PR_IN_FLIGHT),
        ("PR_REORDERED", PR_REORDERED),
        ("TAIL_KEYS", TAIL_KEYS),
        ("TAIL_STRIDE", TAIL_STRIDE),
        ("ENVELOPE_STRIDE", ENVELOPE_STRIDE),
        ("ENVELOPE_RING", ENVELOPE_RING),
        ("KM_STRIDE", KM_STRIDE),
        ("KM_PROTOCOL", KM_PROTOCOL),
        ("KM_EPOCH", KM_EPOCH),
        ("KM_STATE", KM_STATE),
        ("KM_PENDING_REVOKE", KM_PENDING_REVOKE),
        ("KM_UNRELEASED", KM_UNRELEASED),
        ("KG_STRIDE", KG_STRIDE),
        ("KG_PROTOCOL", KG_PROTOCOL),
        ("KG_GROUP_EPOCH", KG_GROUP_EPOCH),
        ("KG_TARGET_EPOCH", KG_TARGET_EPOCH),
        ("KG_PAUSED_MEMBERS", KG_PAUSED_MEMBERS),
        ("KP_STRIDE", KP_STRIDE),
        ("KP_TARGET", KP_TARGET),
        ("KP_REVOKING", KP_REVOKING),
        ("SP_STRIDE", SP_STRIDE),
        ("SP_SUBSCRIBED", SP_SUBSCRIBED),
        ("SP_START", SP_START),
        ("SP_END", SP_END),
        ("SP_ACQUIRED", SP_ACQUIRED),
        ("SP_AVAILABLE", SP_AVAILABLE),
        ("SP_ARCHIVED", SP_ARCHIVED),
        ("SP_MAX_DELIVERY", SP_MAX_DELIVERY),
        ("SP_ACKNOWLEDGED", SP_ACKNOWLEDGED),
        ("SP_REDELIVERIES", SP_REDELIVERIES),
        ("SM_STRIDE", SM_STRIDE),
        ("SM_STATE", SM_STATE),
        ("SM_EPOCH", SM_EPOCH),
        ("SM_ASSIGNED", SM_ASSIGNED),
        ("SM_PROCESSED", SM_PROCESSED),
        ("SM_PENDING", SM_PENDING),
        ("SM_PROC_PARTITION", SM_PROC_PARTITION),
        ("SM_PROC_OFFSET", SM_PROC_OFFSET),
        ("SM_PROC_DELIVERY", SM_PROC_DELIVERY),
        ("SG_STRIDE", SG_STRIDE),
        ("SG_EPOCH", SG_EPOCH),
        ("SG_PROCESSED", SG_PROCESSED),
        ("SG_REDELIVERIES", SG_REDELIVERIES),
        ("SG_ARCHIVED", SG_ARCHIVED),
        ("SG_LOST", SG_LOST),
        ("SG_ACKNOWLEDGED", SG_ACKNOWLEDGED),
        ("SR_RECORDS", SR_RECORDS),
        ("SR_STRIDE", SR_STRIDE),
    ]
}

/// Sets `v` to `len` entries of -1 (reusing its allocation).
pub(crate) fn reset(v: &mut Vec<f64>, len: usize) {
    v.clear();
    v.resize(len, -1.0);
}
