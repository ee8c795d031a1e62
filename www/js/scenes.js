// Guided scenes: each one is a deterministic scenario (fixed seed, faults scheduled as scenario
// inputs) plus narrated steps pinned to simulated times. Replaying a scene always shows the same
// thing, so the narration can point at what is on screen. The texts follow the seed's Kafka notes.

const TOPIC = "user-activity";

/** The main page's scenario: small enough to read, busy enough to show everything. */
export const DEFAULT_SCENARIO = {
  seed: 7,
  duration_ms: 0,
  topics: [{ name: TOPIC, partitions: 6 }],
  producers: [{ id: "web-app", topic: TOPIC, rate_per_sec: 4, keys: { mode: "entity", prefix: "user", count: 20 } }],
  groups: [{
    "group.id": "billing", topics: [TOPIC], consumers: 3,
    "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, "max.poll.records": 5, processing_ms: 300,
  }],
};

/** Group settings shared by the scenes: short timeouts so a crash resolves within seconds. */
const quickGroup = (id, extra = {}) => ({
  "group.id": id, topics: [TOPIC], consumers: 3,
  "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, "max.poll.records": 5, processing_ms: 250,
  ...extra,
});

const userProducer = (extra = {}) => ({ id: "web-app", topic: TOPIC, rate_per_sec: 4, keys: { mode: "entity", prefix: "user", count: 12 }, ...extra });

const crash = (at_ms, member, at = "now", group = 0) => ({ at_ms, input: { type: "CrashConsumer", group, member, at } });

export const SCENES = {
  "user-ordering": {
    title: "One user's events stay in order",
    scenario: {
      seed: 11, duration_ms: 20000, topics: [{ name: TOPIC, partitions: 6 }],
      producers: [userProducer({ keys: { mode: "entity", prefix: "user", count: 8 } })],
      groups: [quickGroup("billing")],
    },
    steps: [
      { at_ms: 0, text: "A web app sends login, purchase and logout events, keyed by user id. The partitioner hashes the key, so every event of user-3 lands on the same partition." },
      { at_ms: 4000, text: "Each colour is one user. Look along a shelf: a user's envelopes sit in offset order — Kafka guarantees order within a partition." },
      { at_ms: 9000, text: "Each partition has exactly one owner in the group (the coloured line), so one consumer sees all of user-3's events, in the order they happened." },
      { at_ms: 15000, text: "Different users share a partition, but one user never spans two: that is the per-key ordering guarantee." },
    ],
  },
  "unkeyed-spread": {
    title: "Log lines without a key spread evenly",
    scenario: {
      seed: 12, duration_ms: 20000, topics: [{ name: TOPIC, partitions: 6 }],
      producers: [{ id: "log-shipper", topic: TOPIC, rate_per_sec: 12, keys: { mode: "none" }, "sticky.batch.records": 6 }],
      groups: [quickGroup("monitoring", { processing_ms: 60 })],
    },
    steps: [
      { at_ms: 0, text: "System logs carry no key (grey envelopes): order between them does not matter." },
      { at_ms: 3000, text: "Without a key the producer sticks to one partition for a batch (the dashed line), then moves on (KIP-794's sticky partitioner)." },
      { at_ms: 10000, text: "Over time every partition gets about the same share: the load spreads evenly over partitions and consumers." },
    ],
  },
  "order-id": {
    title: "One order's updates are never mixed up",
    scenario: {
      seed: 13, duration_ms: 20000, topics: [{ name: TOPIC, partitions: 4 }],
      producers: [{ id: "order-service", topic: TOPIC, rate_per_sec: 6, keys: { mode: "entity", prefix: "order", count: 30 } }],
      groups: [quickGroup("reprocessing", { consumers: 2 })],
    },
    steps: [
      { at_ms: 0, text: "Order updates (created, paid, shipped) are keyed by order id." },
      { at_ms: 5000, text: "All updates of order-17 sit on one partition, in order, handled by one consumer: two workers never process the same order at once." },
      { at_ms: 12000, text: "Batch reprocessing of one order is safe: nothing of it is interleaved on another partition." },
    ],
  },
  parallelism: {
    title: "More consumers than partitions: one waits idle",
    scenario: {
      seed: 14, duration_ms: 24000, topics: [{ name: TOPIC, partitions: 4 }],
      producers: [userProducer({ rate_per_sec: 6 })],
      groups: [quickGroup("billing", { consumers: 5 })],
      inputs: [crash(9000, 0)],
    },
    steps: [
      { at_ms: 0, text: "Four partitions, five consumers. A partition has at most one owner in a group, so one consumer gets nothing." },
      { at_ms: 4000, text: "The extra consumer idles: it is in the group, heartbeating, with no partition. More consumers than partitions buys no parallelism." },
      { at_ms: 9000, text: "consumer-1 crashes. Nothing happens at first: the coordinator waits for session.timeout.ms (6 s here) without heartbeats." },
      { at_ms: 15500, text: "The session expired and the group rebalanced: the idle consumer took over a partition. An idle consumer is a hot spare." },
    ],
  },
  "crash-before-commit": {
    title: "A crash before saving progress: records processed twice",
    scenario: {
      seed: 15, duration_ms: 24000, topics: [{ name: TOPIC, partitions: 3 }],
      producers: [userProducer({ rate_per_sec: 3 })],
      groups: [quickGroup("billing", { consumers: 2, commit: "after_processing" })],
      inputs: [crash(5000, 0, "after_processing")],
    },
    steps: [
      { at_ms: 0, text: "At-least-once: each consumer processes its batch, then commits the offset." },
      { at_ms: 5000, text: "consumer-1 is set to crash right after processing a batch, before it commits." },
      { at_ms: 8000, text: "It crashed with work done but not committed: the committed marker still points before that batch." },
      { at_ms: 13000, text: "After the session timeout its partitions move to consumer-2, which starts from the committed offset — and processes those records again. Duplicates flash orange; make processing idempotent.", why: { kind: "duplicate", owner: "billing", label: "Why were these records processed twice?" } },
    ],
  },
  "commit-before-processing": {
    title: "Saving progress too early: records lost in a crash",
    scenario: {
      seed: 16, duration_ms: 24000, topics: [{ name: TOPIC, partitions: 3 }],
      producers: [userProducer({ rate_per_sec: 3 })],
      groups: [quickGroup("billing", { consumers: 2, commit: "before_processing" })],
      inputs: [crash(5000, 0, "after_commit")],
    },
    steps: [
      { at_ms: 0, text: "At-most-once: each consumer commits the batch's end offset first, then processes it." },
      { at_ms: 5000, text: "consumer-1 will crash right after a commit is acknowledged, before processing that batch." },
      { at_ms: 8000, text: "Kafka believes the batch is done — the committed marker is past it — yet nobody processed it." },
      { at_ms: 13100, text: "consumer-2 takes over from the committed offset: those records drop into the lost tray. Never delivered twice, but possibly never.", why: { kind: "lost", owner: "billing", label: "Why were these records lost?" } },
    ],
  },
  "auto-commit": {
    title: "Automatic progress saving repeats work after a crash",
    scenario: {
      seed: 17, duration_ms: 26000, topics: [{ name: TOPIC, partitions: 3 }],
      producers: [userProducer({ rate_per_sec: 4 })],
      groups: [quickGroup("billing", { consumers: 2, commit: "auto", "auto.commit.interval.ms": 5000 })],
      inputs: [crash(9000, 0)],
    },
    steps: [
      { at_ms: 0, text: "enable.auto.commit=true (Kafka's default): poll() commits what the previous poll returned, at most every auto.commit.interval.ms (5 s)." },
      { at_ms: 6000, text: "Watch the committed markers: they jump every few seconds, not after each record." },
      { at_ms: 9000, text: "consumer-1 crashes between two auto-commits." },
      { at_ms: 16000, text: "Its successor restarts from the last auto-commit: everything processed since then is processed again. Auto-commit is at-least-once with a window of up to 5 s of duplicates.", why: { kind: "duplicate", label: "Why were these records processed again?" } },
    ],
  },
  "eager-vs-cooperative": {
    title: "A consumer joins: eager stops everyone, cooperative only what moves",
    // The same scenario as scenarios/eager-vs-cooperative.json (core/tests/scenes.rs measures it;
    // tests/newcomer.spec.js checks the two are equal). Batches take time (up to 8 records ×
    // 300 ms) and a busy user (skew) keeps the members out of step, as in a real deployment: each
    // member notices the rebalance at a heartbeat but acts only at its next poll().
    scenario: {
      seed: 19, duration_ms: 24000, topics: [{ name: TOPIC, partitions: 6 }],
      producers: [userProducer({ rate_per_sec: 5, keys: { mode: "entity", prefix: "user", count: 12, skew: 0.2 } })],
      groups: [
        { "group.id": "eager", topics: [TOPIC], consumers: 2, "partition.assignment.strategy": ["range"],
          "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, "max.poll.records": 8, processing_ms: 300 },
        { "group.id": "cooperative", topics: [TOPIC], consumers: 2, "partition.assignment.strategy": ["cooperative-sticky"],
          "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, "max.poll.records": 8, processing_ms: 300 },
      ],
      inputs: [{ at_ms: 7000, input: { type: "AddConsumer", group: 0 } }, { at_ms: 7000, input: { type: "AddConsumer", group: 1 } }],
    },
    steps: [
      { at_ms: 0, text: "Two groups read the same topic: 'eager' uses range, 'cooperative' uses cooperative-sticky (KIP-429). Each consumer works through batches of up to 8 records, 300 ms each, so up to 2.4 s pass between two calls to poll()." },
      { at_ms: 7000, text: "consumer-3 joins each group and a rebalance starts. Every member hears of it at its next heartbeat, but acts only at its next poll(), once its current batch is done." },
      { at_ms: 8150, text: "Eager: consumer-2 reached poll() first and gave up all its partitions: P3, P4 and P5 have no owner (the grey ? on the right). They stay idle until every member has rejoined, and consumer-1 is still busy with its batch. The cooperative group has given up nothing." },
      { at_ms: 9800, text: "Cooperative, round one: its members rejoined without giving anything up. The new plan moves P4 and P5 to consumer-3, so only those two are revoked (withheld): P4 at once, P5 when consumer-2 finishes its batch. Every other partition kept working. Eager's P3–P5 are still waiting." },
      { at_ms: 10300, text: "Eager: consumer-1 finally reached poll() and revoked its partitions too; the group got its new assignment and every partition restarts from its committed offset. consumer-2's three partitions sat idle for about 2 s." },
      { at_ms: 11000, text: "Cooperative, round two: consumer-3 gets P4 and P5. Only those two paused (about 1 s, and a blink); eager stopped all six, three of them for about 2 s. That is what KIP-429 buys: a member joining or leaving no longer stops the whole group." },
    ],
  },
  "four-strategies": {
    title: "Four ways to share partitions out, side by side",
    scenario: {
      seed: 19, duration_ms: 26000, topics: [{ name: TOPIC, partitions: 6 }],
      producers: [userProducer({ rate_per_sec: 4 })],
      groups: ["range", "roundrobin", "sticky", "cooperative-sticky"].map((s) =>
        quickGroup(s, { "partition.assignment.strategy": [s], processing_ms: 100 })),
      inputs: [0, 1, 2, 3].map((g) => crash(7000, 1, "now", g)),
    },
    steps: [
      { at_ms: 0, text: "Four groups, one per strategy, each with 3 consumers on the same 6 partitions." },
      { at_ms: 4000, text: "Range gives each consumer a contiguous run; round-robin deals partitions like cards; sticky and cooperative-sticky balance too." },
      { at_ms: 7000, text: "consumer-2 crashes in every group at the same moment." },
      { at_ms: 14500, text: "After the rebalance, compare who moved: range and round-robin may reshuffle survivors' partitions; sticky strategies only move the orphans." },
    ],
  },
  "static-membership": {
    title: "A quick restart that keeps its partitions",
    scenario: {
      seed: 20, duration_ms: 22000, topics: [{ name: TOPIC, partitions: 6 }],
      producers: [userProducer()],
      groups: [quickGroup("billing", { static_membership: true, "session.timeout.ms": 10000 })],
      inputs: [crash(5000, 1), { at_ms: 8000, input: { type: "RestartConsumer", group: 0, member: 1 } }],
    },
    steps: [
      { at_ms: 0, text: "Each consumer has a group.instance.id (KIP-345), e.g. a pod name." },
      { at_ms: 5000, text: "consumer-2 crashes — say, a rolling deploy." },
      { at_ms: 8000, text: "It comes back within session.timeout.ms under the same instance id: the coordinator hands it its old partitions. No rebalance; the others never paused." },
    ],
  },
  "exactly-once": {
    title: "Exactly once: read, write and save progress together",
    scenario: {
      seed: 21, duration_ms: 24000, topics: [{ name: TOPIC, partitions: 3 }, { name: "invoices", partitions: 3 }],
      producers: [userProducer({ rate_per_sec: 3 })],
      groups: [quickGroup("billing", {
        consumers: 2, commit: "transactional", output_topic: "invoices", "isolation.level": "read_committed",
        "transaction.timeout.ms": 4000,
      })],
      inputs: [crash(6000, 0, "in_transaction")],
    },
    steps: [
      { at_ms: 0, text: "Each consumer reads, writes results to 'invoices' and commits its offsets in one transaction (KIP-98, KIP-447)." },
      { at_ms: 3000, text: "Dashed envelopes are in an open transaction; committed ones get a green corner, and a marker post closes each transaction." },
      { at_ms: 6000, text: "consumer-1 crashes inside a transaction, after writing its output but before committing." },
      { at_ms: 10500, text: "After transaction.timeout.ms (4 s here) the transaction coordinator aborts it: its output is struck through and read_committed readers skip it." },
      { at_ms: 14000, text: "Its offsets were never committed, so consumer-2 processes those records once more in a new transaction — the outside world sees each effect exactly once." },
    ],
  },
  "add-partitions": {
    title: "Adding partitions moves keys and can break their order",
    scenario: {
      // The group forms quickly here (Kafka waits 3 s by default); processing is a little slower
      // than producing, so the old partitions carry a backlog when the topic grows.
      seed: 22, duration_ms: 24000, topics: [{ name: TOPIC, partitions: 3 }],
      producers: [userProducer({ rate_per_sec: 5, keys: { mode: "entity", prefix: "user", count: 8 } })],
      groups: [quickGroup("billing", { consumers: 2, processing_ms: 300, "group.initial.rebalance.delay.ms": 500 })],
      inputs: [{ at_ms: 6000, input: { type: "AddPartitions", topic: 0, partitions: 5 } }],
    },
    steps: [
      { at_ms: 0, text: "Events keyed by user id, 3 partitions: the partitioner sends each user to murmur2(key) % 3, so a user's events sit on one shelf, in order." },
      { at_ms: 4000, text: "Processing is a bit slower than producing: the shelves carry a backlog (lag) of records not yet processed." },
      { at_ms: 6000, text: "The topic grows to 5 partitions. From now on the partitioner computes murmur2(key) % 5: most keys map to a different partition, while their older records still wait on the old one." },
      { at_ms: 7600, text: "A ↪ badge marks a key's first record on its new shelf; the dotted line leads back to its older records. The group rebalanced to pick up the new partitions (MetadataChanged)." },
      { at_ms: 9000, text: "The new partition's owner had no backlog, so it processed a key's new record before the old partition's owner reached that key's older one (red): per-key order is broken. Kafka orders only within a partition — size keyed topics up front." },
    ],
  },
  // ---- Kafka 4.x: the consumer group protocol (KIP-848) and share groups (KIP-932) ----------
  "classic-vs-consumer-protocol": {
    title: "Kafka 4: the consumer protocol (KIP-848) beside eager and cooperative",
    // The same scenario as scenarios/classic-vs-consumer-protocol.json (core/tests/consumer_protocol.rs
    // measures it; tests/kafka4.spec.js checks the two are equal and the figures the page shows).
    scenario: {
      seed: 19, duration_ms: 24000, topics: [{ name: TOPIC, partitions: 6 }],
      producers: [userProducer({ rate_per_sec: 5, keys: { mode: "entity", prefix: "user", count: 12, skew: 0.2 } })],
      groups: [
        { "group.id": "eager", topics: [TOPIC], consumers: 2, "partition.assignment.strategy": ["range"],
          "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, "max.poll.records": 8, processing_ms: 300 },
        { "group.id": "cooperative", topics: [TOPIC], consumers: 2, "partition.assignment.strategy": ["cooperative-sticky"],
          "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, "max.poll.records": 8, processing_ms: 300 },
        { "group.id": "consumer-protocol", topics: [TOPIC], consumers: 2, "group.protocol": "consumer", "group.remote.assignor": "uniform",
          "group.consumer.session.timeout.ms": 6000, "group.consumer.heartbeat.interval.ms": 1000, "max.poll.records": 8, processing_ms: 300 },
      ],
      inputs: [0, 1, 2].map((group) => ({ at_ms: 7000, input: { type: "AddConsumer", group } })),
    },
    steps: [
      { at_ms: 0, text: "Three groups read the same busy topic: 'eager' and 'cooperative' use the classic protocol (JoinGroup/SyncGroup, a leader assigns); 'consumer-protocol' uses group.protocol=consumer (KIP-848, Kafka 4): no join round, the broker computes the assignment. Batches take up to 2.4 s." },
      { at_ms: 7100, text: "consumer-3 joins each group. The consumer-protocol group's coordinator bumps the group epoch to 3 and computes the target assignment for epoch 3 at once: consumer-3 is to get P2 and P5 (◆, “waiting for previous owner”). Nobody has stopped." },
      { at_ms: 8050, text: "At their next heartbeat consumer-1 and consumer-2 learned the target: each must first release one partition (▼, “releasing”) and does so at its next poll(): consumer-1 gave up P2 already and is stable at epoch 3; both keep processing their other partitions. Eager's consumer-2 has just given up all three of its partitions." },
      { at_ms: 9100, text: "consumer-3's next heartbeat picked up P2 and P5: every consumer-protocol member is stable at epoch 3 (●). P2 and P5 each waited about a second for that heartbeat; no member ever stopped all its work. Eager's P3–P5 are still idle, waiting for consumer-1's batch." },
      { at_ms: 11000, text: "All three groups are settled. “Rebalance cost per group” beside the stage: partition downtime eager 6420 ms, cooperative 1116 ms, consumer protocol 1896 ms; paused members eager 2, cooperative 0, consumer protocol 0. Like cooperative, KIP-848 pauses no member, without a second rebalance round; its moved partitions wait for the newcomer's next heartbeat (1 s here)." },
    ],
  },
  "share-group-queue": {
    title: "Kafka 4: a share group drains a queue with more consumers than partitions",
    // The same scenario as scenarios/share-group-drains-a-queue.json.
    scenario: {
      seed: 7, duration_ms: 30000, topics: [{ name: "jobs", partitions: 2 }],
      producers: [{ id: "job-submitter", topic: "jobs", rate_per_sec: 40, keys: { mode: "entity", prefix: "customer", count: 20 }, max_records: 600 }],
      share_groups: [{
        "group.id": "workers", topics: ["jobs"], consumers: 6,
        "share.auto.offset.reset": "earliest", "share.acknowledgement.mode": "implicit",
        "max.poll.records": 5, processing_ms: 100, "group.share.record.lock.duration.ms": 5000,
      }],
      inputs: [{ at_ms: 12000, input: { type: "CrashShareConsumer", share_group: 0, member: 2 } }],
    },
    steps: [
      { at_ms: 0, text: "A job queue: a 2-partition topic read by share group 'workers' with six consumers (KIP-932, Kafka 4). A classic group would leave four of them idle; a share group gives each partition to three members, and the partition leader hands each record to one member at a time, under a lock." },
      { at_ms: 3000, text: "All six are working: each box says which record it processes and how many it has done. In the lane under the shelves a record in a member's colour is acquired (its lock timer runs out under it); green ones are acknowledged." },
      { at_ms: 6000, text: "One customer's jobs land on one partition, yet different members process them at the same time and finish them in any order: a share group has no per-key ordering (the note over the lane). Use it where each record stands alone." },
      { at_ms: 13000, text: "share-consumer-3 crashed at 12 s holding offset 249 of P0. Nobody may take that record until its lock (5 s here) runs out; the others go on, so P0's window of records in flight (SPSO → SPEO) grows behind it." },
      { at_ms: 17000, text: "The lock ran out: offset 249 was available again and another member took it — delivery 2, the number on its box; the figures count 1 redelivery. The SPSO can move on at last.", why: { kind: "redelivery", owner: "workers", label: "Why was this record delivered again?" } },
      { at_ms: 20000, text: "The queue is drained: 600 of 600 processed, 1 redelivery, 0 archived, 0 lost, and every one of the six members did a share of the work." },
    ],
  },
  "poison-message": {
    title: "Kafka 4: a poison message hits the delivery limit",
    // The same scenario as scenarios/poison-message-delivery-limit.json.
    scenario: {
      seed: 3, duration_ms: 20000, topics: [{ name: "payments", partitions: 1 }],
      producers: [{ id: "checkout", topic: "payments", rate_per_sec: 5, keys: { mode: "entity", prefix: "order", count: 50 }, max_records: 40 }],
      share_groups: [{
        "group.id": "payment-workers", topics: ["payments"], consumers: 2,
        "share.auto.offset.reset": "earliest", "share.acknowledgement.mode": "explicit",
        "max.poll.records": 4, processing_ms: 200,
        "group.share.delivery.count.limit": 5, "group.share.record.lock.duration.ms": 5000,
        poison: [{ topic: "payments", partition: 0, offset: 7 }], poison_ack: "release",
      }],
    },
    steps: [
      { at_ms: 0, text: "Share group 'payment-workers' reads payments with two members that acknowledge each record explicitly. Offset 7 is a poison message: processing it always fails, and the application answers RELEASE (“try again later”)." },
      { at_ms: 1750, text: "share-consumer-2 has acquired offset 7 (delivery 1: a box in its colour, its lock timer under it) and is processing it." },
      { at_ms: 2000, text: "Processing failed and share-consumer-2 released it: offset 7 became available and was acquired again — delivery 2, the number on its box. share-consumer-1 meanwhile goes on with offset 8: later records finish before an earlier one.", why: { kind: "redelivery", owner: "payment-workers", label: "Why is offset 7 delivered again?" } },
      { at_ms: 2550, text: "Delivery 5, the group.share.delivery.count.limit. The SPSO stays at 7 while offsets 8–10 behind it are already acknowledged (green)." },
      { at_ms: 2750, text: "The fifth delivery failed too: offset 7 is archived and will never be delivered again; the SPSO jumped past it. The figures: redeliveries 4, archived 1, lost 0 — the rest is processed once. Kafka has no dead-letter topic here: log or park such records yourself.", why: { kind: "archived", owner: "payment-workers", label: "Why was offset 7 archived?" } },
    ],
  },
  // ---- Brokers and delivery: replication, acks, retries, idempotence, leader failover ----------
  "acks-1-leader-crash-loses-acked": {
    title: "Brokers: acks=1 loses an acknowledged record when the leader dies",
    // The same scenario as scenarios/acks-1-leader-crash-loses-acked.json (tests/brokers.spec.js checks the two are equal).
    scenario: {"seed": 42, "duration_ms": 40000, "brokers": 3, "topics": [{"name": "payments", "partitions": 3, "replication.factor": 3, "min.insync.replicas": 1}], "producers": [{"id": "checkout", "topic": "payments", "rate_per_sec": 300, "linger.ms": 5, "acks": "1", "request.timeout.ms": 10000, "keys": {"mode": "entity", "prefix": "account", "count": 30}}], "groups": [{"group.id": "ledger", "topics": ["payments"], "consumers": 1, "group.initial.rebalance.delay.ms": 0, "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000}], "inputs": [{"at_ms": 0, "input": {"type": "SlowFollower", "broker": 0, "delay_ms": 1000}}, {"at_ms": 0, "input": {"type": "SlowFollower", "broker": 1, "delay_ms": 1000}}, {"at_ms": 0, "input": {"type": "SlowFollower", "broker": 2, "delay_ms": 1000}}, {"at_ms": 8000, "input": {"type": "CrashBroker", "broker": 0}}, {"at_ms": 25000, "input": {"type": "RestartBroker", "broker": 0}}]},
    steps: [
      { at_ms: 0, text: "Three brokers — the mailroom's branches, the cards over the shelves — and topic payments with 3 partitions, each copied to all three (replication factor 3). checkout writes with acks=1: the leader answers as soon as it has appended a batch, before any follower copied it. The followers here fetch slowly (1 s per round trip)." },
      { at_ms: 5000, text: "Right of each shelf, one pip per replica: the leader filled with a gold edge, in-sync followers filled, and under each pip how far its log has caught up. The violet line on each shelf is the high watermark: records right of it are on the leader only, not yet readable by consumers — yet checkout already holds their receipts." },
      { at_ms: 8000, text: "Broker 0, leader of payments-0 (and the host of ledger's coordinator), dies: its card is greyed and crossed out. Its last acknowledged records were never copied. Nothing moves yet: the controller waits broker.session.timeout.ms (9 s) for its heartbeats." },
      { at_ms: 17000, text: "The controller fenced broker 0: payments-0's new leader is broker 2 (epoch 1), whose log ends at offset 282. The 34 records above it were acknowledged to checkout with acks=1 and are gone — the receipt stub under checkout says acked lost 34.", why: { kind: "acked-lost", owner: "checkout", label: "Why were acknowledged records lost?" } },
      { at_ms: 25000, text: "Broker 0 came back and cut those 34 records from its own log (leader-epoch truncation, KIP-101): a returning replica must agree with the new leader. acks=1 traded them for speed: checkout acked lost 34, and nothing will bring them back.", why: { kind: "acked-lost", owner: "checkout", label: "Why were acknowledged records lost?" } },
    ],
  },
  "acks-all-min-insync-survives-crash": {
    title: "Brokers: acks=all with min.insync.replicas=2 survives a broker crash",
    // The same scenario as scenarios/acks-all-min-insync-survives-crash.json (tests/brokers.spec.js checks the two are equal).
    scenario: {"seed": 42, "duration_ms": 40000, "brokers": 3, "topics": [{"name": "payments", "partitions": 3, "replication.factor": 3, "min.insync.replicas": 2}], "producers": [{"id": "checkout", "topic": "payments", "rate_per_sec": 300, "linger.ms": 5, "acks": "all", "request.timeout.ms": 10000, "keys": {"mode": "entity", "prefix": "account", "count": 30}}], "groups": [{"group.id": "ledger", "topics": ["payments"], "consumers": 1, "group.initial.rebalance.delay.ms": 0, "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000}], "inputs": [{"at_ms": 0, "input": {"type": "SlowFollower", "broker": 0, "delay_ms": 1000}}, {"at_ms": 0, "input": {"type": "SlowFollower", "broker": 1, "delay_ms": 1000}}, {"at_ms": 0, "input": {"type": "SlowFollower", "broker": 2, "delay_ms": 1000}}, {"at_ms": 8000, "input": {"type": "CrashBroker", "broker": 0}}, {"at_ms": 25000, "input": {"type": "RestartBroker", "broker": 0}}]},
    steps: [
      { at_ms: 0, text: "The same cluster and the same crash, but checkout uses acks=all and payments has min.insync.replicas=2: the leader answers only once every in-sync replica has the batch — once the high watermark (the violet line) has passed it." },
      { at_ms: 5000, text: "Receipts now come back only for records left of the violet line: acknowledged means on every in-sync replica. Records right of it are written on the leader but neither readable nor acknowledged yet." },
      { at_ms: 8000, text: "Broker 0, leader of payments-0, dies: its card is greyed and crossed out. checkout keeps its unacknowledged records and retries them; nothing it was told is safe exists only on broker 0." },
      { at_ms: 17000, text: "The controller fenced broker 0: payments-0's new leader is broker 2 (epoch 1). Every acknowledged record was on it: the 41 records only broker 0 had were never acknowledged, and checkout sends them again (acked lost 0). Two in-sync replicas remain — enough for min.insync.replicas=2 — so writes go on." },
      { at_ms: 27100, text: "Broker 0 restarted at 25 s, caught up as a follower and rejoined every partition's ISR (3 in sync again). checkout: acked lost 0, failed 0, log duplicates 0 — acks=all with min.insync.replicas=2 loses nothing to one broker crash." },
    ],
  },
  "retries-without-idempotence-duplicates": {
    title: "Brokers: retries without idempotence write duplicates",
    // The same scenario as scenarios/retries-without-idempotence-duplicates.json (tests/brokers.spec.js checks the two are equal).
    scenario: {"seed": 42, "duration_ms": 40000, "brokers": 3, "topics": [{"name": "payments", "partitions": 3, "replication.factor": 3, "min.insync.replicas": 2}], "producers": [{"id": "legacy", "topic": "payments", "rate_per_sec": 150, "linger.ms": 5, "enable.idempotence": false, "request.timeout.ms": 10000, "keys": {"mode": "entity", "prefix": "account", "count": 30}}, {"id": "idempotent", "topic": "payments", "rate_per_sec": 150, "linger.ms": 5, "request.timeout.ms": 10000, "keys": {"mode": "entity", "prefix": "invoice", "count": 30}}], "groups": [{"group.id": "ledger", "topics": ["payments"], "consumers": 1, "group.initial.rebalance.delay.ms": 0, "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000}], "inputs": [{"at_ms": 0, "input": {"type": "SlowFollower", "broker": 0, "delay_ms": 1000}}, {"at_ms": 0, "input": {"type": "SlowFollower", "broker": 1, "delay_ms": 1000}}, {"at_ms": 0, "input": {"type": "SlowFollower", "broker": 2, "delay_ms": 1000}}, {"at_ms": 8000, "input": {"type": "CrashBroker", "broker": 0}}, {"at_ms": 25000, "input": {"type": "RestartBroker", "broker": 0}}]},
    steps: [
      { at_ms: 0, text: "Two producers write to payments with acks=all and endless retries: legacy has enable.idempotence=false; idempotent keeps Kafka's default (on: a producer id and a sequence number per batch)." },
      { at_ms: 8000, text: "Broker 0, leader of payments-0, dies. Some batches it had already passed to the followers never got their receipts back: both producers will send them again once payments-0 has a new leader." },
      { at_ms: 17000, text: "The controller fenced broker 0: payments-0's new leader is broker 2 (epoch 1). It already has those batches — only their answers were lost." },
      { at_ms: 19100, text: "The retries have arrived. legacy's batches were appended a second time: 247 records are now in the log twice (legacy: log duplicates 247). Most are on payments-1 and payments-2: their acks=all requests waited for broker 0, still in their ISR until it was fenced, past request.timeout.ms (10 s) and were sent again at 16 s, though the leaders had them; the rest on payments-0 once broker 2 led it. idempotent's retries carry their sequence numbers, so the leaders recognised them and answered with the original offsets (idempotent: log duplicates 0).", why: { kind: "log-duplicate", owner: "legacy", label: "Why are these records in the log twice?" } },
      { at_ms: 30000, text: "Broker 0 is back and in sync. The log keeps legacy's 247 second copies for every consumer to read; idempotent wrote each record once. Leave enable.idempotence on (Kafka 3.0+'s default) unless you really cannot." },
    ],
  },
  "unclean-leader-election": {
    title: "Brokers: an unclean leader election loses acknowledged records",
    // The same scenario as scenarios/unclean-leader-election.json (tests/brokers.spec.js checks the two are equal).
    scenario: {"seed": 42, "duration_ms": 45000, "brokers": 2, "replica.lag.time.max.ms": 10000, "unclean.leader.election.enable": true, "topics": [{"name": "clicks", "partitions": 2, "replication.factor": 2}], "producers": [{"id": "web", "topic": "clicks", "rate_per_sec": 100, "linger.ms": 5, "keys": {"mode": "entity", "prefix": "user", "count": 20}}], "groups": [{"group.id": "analytics", "topics": ["clicks"], "consumers": 1, "group.initial.rebalance.delay.ms": 0, "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000}], "inputs": [{"at_ms": 1000, "input": {"type": "SlowFollower", "broker": 1, "delay_ms": 30000}}, {"at_ms": 20000, "input": {"type": "CrashBroker", "broker": 0}}]},
    steps: [
      { at_ms: 0, text: "Two brokers, topic clicks with 2 partitions on both, and unclean.leader.election.enable=true: when no in-sync replica is left, an out-of-sync one may lead." },
      { at_ms: 1000, text: "From 1 s on, broker 1's follower fetches take 30 s: its replicas fall further and further behind (the bars under its pips)." },
      { at_ms: 15100, text: "Broker 1 has not caught up for replica.lag.time.max.ms (10 s): it left clicks-1's ISR — its pip is hollow now. Broker 0 alone is in sync, so with min.insync.replicas=1 it acknowledges writes on its own." },
      { at_ms: 20000, text: "Broker 0 dies: clicks-1 has no in-sync replica left." },
      { at_ms: 29100, text: "The controller fenced broker 0 and, unclean election being allowed, made the out-of-sync broker 1 leader of clicks-1 (epoch 1, the red edge). Its log ends at offset 43: the 777 acknowledged records above it are gone — web: acked lost 777. Without unclean election clicks-1 would stay offline until broker 0 returns.", why: { kind: "acked-lost", owner: "web", label: "Why were acknowledged records lost?" } },
    ],
  },
  "coordinator-broker-dies": {
    title: "Brokers: the coordinator's broker dies and the group moves",
    // The same scenario as scenarios/coordinator-broker-dies.json (tests/brokers.spec.js checks the two are equal).
    scenario: {"seed": 42, "duration_ms": 40000, "brokers": 3, "topics": [{"name": "orders", "partitions": 6, "replication.factor": 3, "min.insync.replicas": 2}], "producers": [{"id": "shop", "topic": "orders", "rate_per_sec": 60, "linger.ms": 5, "keys": {"mode": "entity", "prefix": "order", "count": 40}}], "groups": [{"group.id": "fulfilment", "topics": ["orders"], "consumers": 2, "group.initial.rebalance.delay.ms": 0, "session.timeout.ms": 10000, "heartbeat.interval.ms": 1000, "max.poll.records": 10, "processing_ms": 5}], "inputs": [{"at_ms": 8000, "input": {"type": "CrashBroker", "broker": 0}}, {"at_ms": 30000, "input": {"type": "RestartBroker", "broker": 0}}]},
    steps: [
      { at_ms: 0, text: "Three brokers; group fulfilment's coordinator lives on broker 0 — the leader of its __consumer_offsets partition — which also leads some of orders' partitions (the coord mark on its card)." },
      { at_ms: 8000, text: "Broker 0 dies. fulfilment's heartbeats and commits to it wait for an answer; no session expires while the coordinator is unreachable. orders-1 and orders-4, which broker 0 led, take no writes for now." },
      { at_ms: 17100, text: "The controller fenced broker 0: orders-1's new leader is broker 1, orders-4's is broker 2, and fulfilment's coordinator moved from broker 0 to broker 2. The members find it again, rejoin, and go on from their committed offsets." },
      { at_ms: 30100, text: "Broker 0 restarted at 30 s and rejoined every ISR. fulfilment: lost 0, duplicates 0 — the group followed its coordinator to broker 2 without losing or repeating a record." },
    ],
  },
};

export const SCENE_NAMES = Object.keys(SCENES);

/** The scene a name refers to, or undefined. */
export function scene(name) {
  return Object.prototype.hasOwnProperty.call(SCENES, name) ? SCENES[name] : undefined;
}

/** A copy of a scene's scenario (callers may change it). */
export function sceneScenario(name) {
  const s = scene(name);
  return s ? structuredClone(s.scenario) : undefined;
}
