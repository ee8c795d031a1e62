// Turns the core's events (event.rs) into plain sentences for the event log.
// Names come from the scenario: consumer slot 0 is "consumer-1" (as the core's MemberView does),
// keys are "{prefix}-{n}". The Namer also remembers recent keys per partition, so a sentence can say
// "order-17" for an offset the reader sees on the shelf.

const KEYS_KEPT_PER_PARTITION = 4096;

/** CrashPoint (input.rs, snake_case in JSON) → words. */
const CRASH_POINT = {
  now: "",
  before_processing: "after fetching, before processing",
  after_processing: "after processing but before committing",
  after_commit: "after committing but before processing",
  in_transaction: "inside an open transaction",
};

const STATE_WORDS = {
  Empty: "empty",
  PreparingRebalance: "preparing a rebalance",
  CompletingRebalance: "completing a rebalance",
  Stable: "stable",
};

const REASONS = {
  MemberJoined: "a member joined",
  MemberLeft: "a member left",
  SessionTimeout: "a member's session timed out",
  PollTimeout: "a member exceeded max.poll.interval.ms",
  CooperativeFollowUp: "cooperative follow-up round (KIP-429)",
  MetadataChanged: "the topic gained partitions",
  ProtocolChanged: "the assignment strategy changed",
};

const COMMIT_ERRORS = {
  IllegalGeneration: "ILLEGAL_GENERATION: its generation is stale",
  UnknownMember: "UNKNOWN_MEMBER_ID: the coordinator no longer knows it",
  RebalanceInProgress: "REBALANCE_IN_PROGRESS",
};

/** Event types worth a line in the log by default (the rest are shown in verbose mode). */
export const NOTABLE = new Set([
  "PartitionsAdded", "ConsumerStarted", "GroupStateChanged", "RebalanceStarted", "AssignmentComputed",
  "PartitionsAssigned", "PartitionsRevoked", "PartitionsLost", "CommitFailed", "DuplicatesProcessed",
  "RecordsLost", "ConsumerCrashed", "ConsumerPaused", "ConsumerResumed", "ConsumerLeft", "SessionExpired",
  "PollIntervalExceeded", "StaticMemberRejoined", "TransactionCommitted", "TransactionAborted",
  "InputRejected", "LogTruncated",
  "TargetAssignmentComputed", "MemberReconciled", "ShareAssignmentComputed", "ShareMemberChanged",
  "ShareRecordArchived", "ShareRecordsLost",
  "BrokerCrashed", "BrokerRestarted", "BrokerIsolated", "BrokerHealed", "BrokerFenced", "FollowerSlowed",
  "LeaderElected", "IsrShrunk", "IsrExpanded", "ReplicaTruncated", "CoordinatorMoved", "ProduceFailed",
  "RecordsWrittenTwice", "AckedRecordsLost",
]);

/** ProduceError (event.rs) → Kafka's error name and what it means. */
const PRODUCE_ERRORS = {
  NotEnoughReplicas: "NOT_ENOUGH_REPLICAS (fewer in-sync replicas than min.insync.replicas)",
  NotLeaderOrFollower: "NOT_LEADER_OR_FOLLOWER (that broker no longer leads the partition)",
  RequestTimedOut: "REQUEST_TIMED_OUT (no answer within request.timeout.ms)",
  NetworkException: "NETWORK_EXCEPTION (the broker is down)",
  OutOfOrderSequence: "OUT_OF_ORDER_SEQUENCE_NUMBER",
  DeliveryTimeout: "delivery.timeout.ms ran out",
  LeaderNotAvailable: "LEADER_NOT_AVAILABLE (no in-sync replica is up)",
};

/** ReconcileState (event.rs) → words. */
const RECONCILE_WORDS = {
  Stable: "stable: it has its whole target",
  UnrevokedPartitions: "must first release",
  UnreleasedPartitions: "waits for partitions their previous owner has not released",
};

/** ShareMemberChange → words. */
const SHARE_CHANGES = {
  Started: "started and joined", Crashed: "crashed (its record locks run out later)", Paused: "paused its poll loop",
  Resumed: "resumed polling", Left: "left", SessionExpired: "was removed after its session timed out from",
};

/** ReleaseCause → words. */
const RELEASE_CAUSES = { Released: "released by the application", Rejected: "rejected by the application", LockExpired: "its lock ran out", MemberGone: "its member went away" };

/** Names things in a scenario and remembers record keys and what each consumer last did. */
export class Namer {
  constructor(scenario) {
    this.scenario = scenario;
    this.keys = new Map(); // "t:p" → { base, keys: (string|null)[] }
    this.lastProcessed = new Map(); // "g:m" → { t, p, offset }
    this.lastCommitted = new Map(); // "g:m" → offset
    this.ackedLost = new Map(); // "t:p" → {producer, first, count}: the latest acknowledged records lost there
  }

  topic(t) { return this.scenario.topics?.[t]?.name ?? `topic-${t}`; }
  group(g) { return this.scenario.groups?.[g]?.["group.id"] ?? `group-${g}`; }
  producer(p) { return this.scenario.producers?.[p]?.id ?? `producer-${p}`; }
  consumer(_g, m) { return `consumer-${m + 1}`; }
  /** The producer's acks setting in words ("acks=1"). */
  acks(p) { return `acks=${String(this.scenario.producers?.[p]?.acks ?? "all").replace("-1", "all")}`; }
  shareGroup(s) { return this.scenario.share_groups?.[s]?.["group.id"] ?? `share-group-${s}`; }
  tp([t, p]) { return `${this.topic(t)}-${p}`; }
  tps(list) { return list.length ? list.map((x) => this.tp(x)).join(", ") : "nothing"; }

  keyName(producer, n) {
    if (n === null || n === undefined) return null;
    const k = this.scenario.producers?.[producer]?.keys;
    return `${k?.prefix ?? "key"}-${n}`;
  }

  /** The key of a record, if it was seen being appended recently. */
  keyAt(t, p, offset) {
    const e = this.keys.get(`${t}:${p}`);
    if (!e || offset < e.base || offset >= e.base + e.keys.length) return undefined;
    return e.keys[offset - e.base];
  }

  record(t, p, offset) {
    const key = this.keyAt(t, p, offset);
    return key ? `${key} (offset ${offset})` : `offset ${offset}`;
  }

  /** Updates memory from an event; call for every event, in order. */
  observe(ev) {
    switch (ev.type) {
      case "RecordsAppended": {
        const id = `${ev.topic}:${ev.partition}`;
        let e = this.keys.get(id);
        if (!e || e.base + e.keys.length !== ev.base_offset) e = { base: ev.base_offset, keys: [] };
        for (const n of ev.keys) e.keys.push(this.keyName(ev.producer, n));
        if (e.keys.length > KEYS_KEPT_PER_PARTITION) {
          const drop = e.keys.length - KEYS_KEPT_PER_PARTITION;
          e.keys.splice(0, drop);
          e.base += drop;
        }
        this.keys.set(id, e);
        break;
      }
      case "RecordsProcessed":
        this.lastProcessed.set(`${ev.group}:${ev.member}`, { t: ev.topic, p: ev.partition, offset: ev.first_offset + ev.count - 1 });
        break;
      case "OffsetCommitted":
        this.lastCommitted.set(`${ev.group}:${ev.member}`, ev.offset);
        break;
      case "AckedRecordsLost":
        this.ackedLost.set(`${ev.topic}:${ev.partition}`, { producer: ev.producer, first: ev.first_offset, count: ev.count });
        break;
      default:
    }
  }
}

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** One plain sentence for a TimedEvent. Call namer.observe(ev) first. */
export function sentence(ev, n) {
  const who = () => n.consumer(ev.group, ev.member);
  const at = (t, p) => `${n.topic(t)}-${p}`;
  switch (ev.type) {
    case "RecordsAppended": {
      const first = n.keyName(ev.producer, ev.keys[0]);
      const what = ev.keys.length === 1 ? (first ? `a record for ${first}` : "a record with no key") : plural(ev.keys.length, "record");
      return `${n.producer(ev.producer)} appended ${what} to ${at(ev.topic, ev.partition)} at offset ${ev.base_offset}${ev.transactional ? " (in a transaction)" : ""}.`;
    }
    case "LogTruncated":
      return `Retention deleted old records of ${at(ev.topic, ev.partition)}; the log now starts at offset ${ev.log_start_offset}.`;
    case "PartitionsAdded":
      return `${n.topic(ev.topic)} grew to ${plural(ev.partitions, "partition")}: keys may now map to different partitions, so per-key order across the change is not guaranteed.`;
    case "ConsumerStarted":
      return `${who()} started and asked to join group ${n.group(ev.group)}.`;
    case "RequestSent":
      return `${who()} sent a ${ev.kind} request.`;
    case "GroupStateChanged":
      return `Group ${n.group(ev.group)} is ${STATE_WORDS[ev.state] ?? ev.state} (generation ${ev.generation}).`;
    case "RebalanceStarted":
      return `Group ${n.group(ev.group)} started a rebalance: ${REASONS[ev.reason] ?? ev.reason}${ev.member !== null && ev.member !== undefined ? ` (${n.consumer(ev.group, ev.member)})` : ""}.`;
    case "AssignmentComputed": {
      const parts = ev.assignment.map(([m, tps]) => `${n.consumer(ev.group, m)} gets ${tps.length ? tps.map(([, p]) => p).join(", ") : "nothing"}`);
      const withheld = ev.withheld?.length ? `; withheld while they move: ${n.tps(ev.withheld)}` : "";
      return `Leader ${n.consumer(ev.group, ev.leader)} assigned partitions with ${ev.strategy} for generation ${ev.generation}: ${parts.join("; ")}${withheld}.`;
    }
    case "PartitionsAssigned":
      return `${who()} was assigned ${n.tps(ev.partitions)}.`;
    case "PartitionsRevoked":
      return `${who()} gave up ${n.tps(ev.partitions)}.`;
    case "PartitionsLost":
      return `${who()} lost ${n.tps(ev.partitions)} without a chance to commit.`;
    case "RecordsFetched":
      return `${who()} fetched ${plural(ev.count, "record")} from ${at(ev.topic, ev.partition)} starting at offset ${ev.first_offset}.`;
    case "RecordsProcessed":
      return ev.count === 1
        ? `${who()} processed ${n.record(ev.topic, ev.partition, ev.first_offset)} of ${at(ev.topic, ev.partition)}${ev.duplicates ? " again (a duplicate)" : ""}.`
        : `${who()} processed ${plural(ev.count, "record")} of ${at(ev.topic, ev.partition)} from offset ${ev.first_offset}${ev.duplicates ? ` (${ev.duplicates} duplicates)` : ""}.`;
    case "OffsetCommitted":
      return `${who()} committed offset ${ev.offset} for ${at(ev.topic, ev.partition)} (stored in __consumer_offsets-${ev.offsets_partition}).`;
    case "CommitFailed":
      return `${who()}'s commit was refused: ${COMMIT_ERRORS[ev.error] ?? ev.error}.`;
    case "DuplicatesProcessed":
      return `Duplicate: ${n.group(ev.group)} processed ${plural(ev.count, "record")} of ${at(ev.topic, ev.partition)} from ${n.record(ev.topic, ev.partition, ev.first_offset)} a second time.`;
    case "RecordsLost":
      return `Lost: ${n.group(ev.group)} will never process ${plural(ev.count, "record")} of ${at(ev.topic, ev.partition)} from ${n.record(ev.topic, ev.partition, ev.first_offset)}.`;
    case "ConsumerCrashed": {
      const point = CRASH_POINT[ev.at] ?? "";
      if (ev.at === "after_processing") {
        const last = n.lastProcessed.get(`${ev.group}:${ev.member}`);
        if (last) return `${who()} crashed after processing ${n.record(last.t, last.p, last.offset)} but before committing offset ${last.offset + 1}.`;
      }
      if (ev.at === "after_commit") {
        const off = n.lastCommitted.get(`${ev.group}:${ev.member}`);
        if (off !== undefined) return `${who()} crashed after committing offset ${off} but before processing the batch.`;
      }
      return `${who()} crashed${point ? ` ${point}` : ""}.`;
    }
    case "ConsumerPaused":
      return `${who()}'s poll loop paused (its heartbeat thread keeps it in the group).`;
    case "ConsumerResumed":
      return `${who()} resumed polling.`;
    case "ConsumerLeft":
      return `${who()} left the group gracefully.`;
    case "SessionExpired":
      return `The coordinator heard no heartbeat from ${who()} within session.timeout.ms and removed it.`;
    case "PollIntervalExceeded":
      return `${who()} did not poll within max.poll.interval.ms, so it left the group.`;
    case "StaticMemberRejoined":
      return `${who()} rejoined with the same group.instance.id and got its partitions back, no rebalance.`;
    case "ConsumerStateChanged":
      return `${who()} is ${String(ev.state).toLowerCase()}.`;
    case "OutputRecordAppended":
      return `${who()} wrote ${ev.key !== null && ev.key !== undefined ? `a result for key ${ev.key}` : "a result"} to ${at(ev.topic, ev.partition)} at offset ${ev.offset} inside transaction ${ev.txn}.`;
    case "TransactionBegun":
      return `${who()} began transaction ${ev.txn}.`;
    case "TransactionCommitted":
      return `${who()} committed transaction ${ev.txn}: its output and its offsets became visible together.`;
    case "TransactionAborted":
      return `${who()}'s transaction ${ev.txn} aborted; its ${plural(ev.records, "output record")} will be skipped by read_committed readers.`;
    case "InputRejected":
      return `Not done: ${ev.reason}.`;
    case "TargetAssignmentComputed": {
      const parts = ev.assignment.map(([m, tps]) => `${n.consumer(ev.group, m)} → ${tps.length ? tps.map(([, p]) => p).join(", ") : "nothing"}`);
      return `Group ${n.group(ev.group)} (consumer protocol) is at group epoch ${ev.group_epoch}; the coordinator's new target assignment: ${parts.join("; ")}.`;
    }
    case "MemberReconciled": {
      const what = ev.state === "UnrevokedPartitions" ? `${RECONCILE_WORDS[ev.state]} ${plural(ev.pending_revocation, "partition")} before it gets more` : RECONCILE_WORDS[ev.state] ?? ev.state;
      return `${who()} of ${n.group(ev.group)} is at member epoch ${ev.member_epoch}, ${what}.`;
    }
    case "ShareAssignmentComputed": {
      const parts = ev.assignment.map(([m, tps]) => `share-consumer-${m + 1} reads ${tps.length ? tps.map(([, p]) => p).join(", ") : "nothing"}`);
      return `Share group ${n.shareGroup(ev.share_group)} (epoch ${ev.group_epoch}) shares partitions out: ${parts.join("; ")}.`;
    }
    case "ShareMemberChanged":
      return `share-consumer-${ev.member + 1} ${SHARE_CHANGES[ev.change] ?? ev.change} share group ${n.shareGroup(ev.share_group)}.`;
    case "ShareRecordArchived":
      return `Archived: ${at(ev.topic, ev.partition)} offset ${ev.offset} after ${plural(ev.delivery_count, "delivery", "deliveries")} (${RELEASE_CAUSES[ev.cause] ?? ev.cause}); share group ${n.shareGroup(ev.share_group)} will not deliver it again.`;
    case "ShareRecordsLost":
      return `Lost: retention deleted ${plural(ev.count, "record")} of ${at(ev.topic, ev.partition)} before share group ${n.shareGroup(ev.share_group)} finished them.`;
    case "BrokerCrashed":
      return `Broker ${ev.broker} died: its connections fail and its replicas stop. The controller fences it after broker.session.timeout.ms without heartbeats.`;
    case "BrokerRestarted":
      return `Broker ${ev.broker} started again: it rejoins as a follower and catches up.`;
    case "BrokerIsolated":
      return `Broker ${ev.broker} was cut off from the network: requests to it time out and it stops heartbeating.`;
    case "BrokerHealed":
      return `Broker ${ev.broker} is reachable again.`;
    case "BrokerFenced":
      return `The controller fenced broker ${ev.broker} (no heartbeat for broker.session.timeout.ms): it leaves every ISR and its partitions get new leaders.`;
    case "FollowerSlowed":
      return ev.delay_ms > 0
        ? `Broker ${ev.broker}'s follower fetches now take ${formatMs(ev.delay_ms)} longer: its replicas lag behind their leaders.`
        : `Broker ${ev.broker}'s follower fetches are back to normal speed.`;
    case "LeaderElected": {
      const tp = at(ev.topic, ev.partition);
      if (ev.leader === null || ev.leader === undefined) return `Partition ${tp} has no leader: no in-sync replica is up, so it stays offline until one returns.`;
      const gone = ev.truncated > 0 ? ` The ${plural(ev.truncated, "record")} above offset ${ev.log_end_offset} that only the old leader had are gone.` : "";
      return ev.unclean
        ? `Unclean election: partition ${tp}'s new leader is broker ${ev.leader} (epoch ${ev.leader_epoch}), a replica that was out of sync.${gone}`
        : `Partition ${tp}'s new leader is broker ${ev.leader} (epoch ${ev.leader_epoch}).${gone}`;
    }
    case "IsrShrunk":
      return `Broker ${ev.broker} left the in-sync replicas of ${at(ev.topic, ev.partition)} (ISR now ${ev.isr_size}).`;
    case "IsrExpanded":
      return `Broker ${ev.broker} caught up and rejoined the in-sync replicas of ${at(ev.topic, ev.partition)} (ISR now ${ev.isr_size}).`;
    case "ReplicaTruncated": {
      const count = ev.to_offset - ev.from_offset;
      const lost = n.ackedLost.get(`${ev.topic}:${ev.partition}`);
      const acked = lost && lost.first !== null && lost.first >= ev.from_offset && lost.first < ev.to_offset
        ? ` — ${lost.count === count ? "they" : `${lost.count} of them`} were acknowledged to ${n.producer(lost.producer)} with ${n.acks(lost.producer)} and are gone`
        : "";
      return `Broker ${ev.broker} came back and cut ${plural(count, "record")} of ${at(ev.topic, ev.partition)} it alone had (offsets ${ev.from_offset}–${ev.to_offset - 1})${acked}.`;
    }
    case "CoordinatorMoved": {
      const from = ev.from === null || ev.from === undefined ? "nowhere" : `broker ${ev.from}`;
      return ev.to === null || ev.to === undefined
        ? `Group ${n.group(ev.group)} has no coordinator: the leader of its __consumer_offsets partition is down (was ${from}).`
        : `Group ${n.group(ev.group)}'s coordinator moved from ${from} to broker ${ev.to}: its members find it again and the group goes on from its committed offsets.`;
    }
    case "ProduceRetried":
      return `${n.producer(ev.producer)} retries ${plural(ev.count, "record")} for ${at(ev.topic, ev.partition)} after ${PRODUCE_ERRORS[ev.error] ?? ev.error}.`;
    case "ProduceFailed":
      return `${n.producer(ev.producer)} gave up on ${plural(ev.count, "record")} for ${at(ev.topic, ev.partition)}: ${PRODUCE_ERRORS[ev.error] ?? ev.error}.`;
    case "RecordsWrittenTwice":
      return `Written twice: ${n.producer(ev.producer)} retried ${plural(ev.count, "record")} that ${at(ev.topic, ev.partition)} already had (the answer was lost, not the write); the second copy starts at offset ${ev.base_offset}. An idempotent producer would not write it again.`;
    case "RecordsReordered":
      return `${n.producer(ev.producer)}'s retried batch of ${plural(ev.count, "record")} landed on ${at(ev.topic, ev.partition)} after a later one (offset ${ev.base_offset}): out of order.`;
    case "AckedRecordsLost":
      return ev.first_offset === null || ev.first_offset === undefined
        ? `Lost after acknowledgement: ${plural(ev.count, "record")} ${n.producer(ev.producer)} sent to ${at(ev.topic, ev.partition)} with acks=0 never reached a leader.`
        : `Lost after acknowledgement: ${plural(ev.count, "record")} of ${at(ev.topic, ev.partition)} from offset ${ev.first_offset}, acknowledged to ${n.producer(ev.producer)} (${n.acks(ev.producer)}), are not in the log any more.`;
    default:
      return `${ev.type}.`;
  }
}

/** "12.3 s" for a simulated time. */
export function formatMs(ms) {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}
