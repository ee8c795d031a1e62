//! The generator: one seed → one scenario JSON over everything a scenario can hold, with its
//! faults as the scenario's own scheduled `inputs` (so the schedule *is* a scenario file that
//! `mailroom simulate` runs).
//!
//! The only randomness is [`mailroom_core::rng::Rng`] (SplitMix64) derived from the seed.
//! Timeouts are small (sessions of 1–5 s, poll intervals of 1–8 s, broker sessions of 1–4 s)
//! so faults matter within seconds, and schedules are short (10–45 s simulated, tens of records
//! a second) so that thousands of seeds run in minutes.

use mailroom_core::assignor::Strategy;
use mailroom_core::rng::Rng;
use serde_json::{json, Value};

/// A small random helper over the core's SplitMix64 (the one `core/tests/invariants.rs` grew).
pub struct R(Rng);

impl R {
    /// The stream for `label` under `seed`.
    pub fn new(seed: u64, label: &str) -> R {
        R(Rng::derive(seed, label))
    }
    /// Uniform in `lo..=hi`.
    pub fn int(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.0.next_u64() % (hi - lo + 1)
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.0.unit() < p
    }
    /// One of `xs` (not empty).
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.0.below(xs.len() as u32) as usize]
    }
    /// A uniform float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0.unit()
    }
    /// A random preference list of 1–4 distinct assignors (a quarter of the time the
    /// cooperative-only list, so cooperative rebalancing is common).
    pub fn strategies(&mut self) -> Vec<Strategy> {
        if self.chance(0.25) {
            return vec![Strategy::CooperativeSticky];
        }
        let mut all = Strategy::ALL.to_vec();
        for i in (1..all.len()).rev() {
            let j = self.int(0, i as u64) as usize;
            all.swap(i, j);
        }
        all.truncate(self.int(1, 4) as usize);
        all
    }
}

fn strategy_names(s: &[Strategy]) -> Value {
    s.iter().map(|s| s.name()).collect()
}

/// The protocol of a generated consumer group.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Proto {
    Classic,
    Consumer,
}

/// What the input generator needs to know about one consumer group.
struct GroupInfo {
    proto: Proto,
    transactional: bool,
    slots: u32,
    max_poll_ms: u64,
    /// Subscribed topic indices.
    topics: Vec<u32>,
    /// Faults are not aimed at it (a `read_committed` reader of an exactly-once output).
    quiet: bool,
}

/// The scenario for `seed` (a JSON document `Sim::from_json` accepts).
pub fn generate(seed: u64) -> Value {
    let mut r = R::new(seed, "soak/scenario");
    let brokers = r.int(1, 5) as u32;
    let duration = r.int(10, 45) * 1000;
    let unclean = r.chance(0.2);
    // ---- topics -------------------------------------------------------------------------
    let input_topics = r.int(1, 3) as u32;
    let mut partitions: Vec<u32> = Vec::new();
    let mut topics: Vec<Value> = Vec::new();
    let topic = |r: &mut R, name: String, parts: u32, topics: &mut Vec<Value>| {
        let rf = if r.chance(0.5) {
            brokers.min(3)
        } else {
            r.int(1, u64::from(brokers)) as u32
        };
        let min_isr = if rf >= 2 && r.chance(0.6) {
            2
        } else {
            r.int(1, u64::from(rf)) as u32
        };
        let mut t = json!({"name": name, "partitions": parts,
                           "replication.factor": rf, "min.insync.replicas": min_isr});
        if r.chance(0.08) {
            t["retention.records"] = json!(r.int(30, 400));
        }
        topics.push(t);
    };
    for i in 0..input_topics {
        let p = r.int(1, 6) as u32;
        partitions.push(p);
        topic(&mut r, format!("in-{i}"), p, &mut topics);
    }
    // ---- producers ----------------------------------------------------------------------
    let n_producers = r.int(1, 3) as u32;
    let mut producers = Vec::new();
    for i in 0..n_producers {
        let keys = if r.chance(0.5) {
            json!({"mode": "none"})
        } else {
            let skew = if r.chance(0.2) {
                r.int(0, 90) as f64 / 100.0
            } else {
                0.0
            };
            json!({"mode": "entity", "prefix": format!("k{i}"), "count": r.int(1, 40), "skew": skew})
        };
        let acks = r.pick(&["all", "all", "1", "0"]);
        let in_flight = r.int(1, 5);
        let retries: Option<u64> = if r.chance(0.1) {
            Some(r.int(0, 3))
        } else {
            None
        };
        let linger = r.int(0, 20);
        let request_timeout = r.int(300, 3_000);
        let mut p = json!({
            "id": format!("p{i}"),
            "topic": format!("in-{}", r.int(0, u64::from(input_topics) - 1)),
            "rate_per_sec": if r.chance(0.2) { r.int(1, 20) as f64 / 4.0 } else { r.int(1, 40) as f64 },
            "keys": keys,
            "max_records": if r.chance(0.3) { r.int(20, 300) } else { 0 },
            "linger.ms": linger,
            "sticky.batch.records": r.int(1, 32),
            "acks": acks,
            "max.in.flight.requests.per.connection": in_flight,
            "request.timeout.ms": request_timeout,
            "delivery.timeout.ms": linger + request_timeout + r.int(0, 20_000),
            "retry.backoff.ms": r.int(10, 200),
        });
        if let Some(n) = retries {
            p["retries"] = json!(n);
        }
        // Explicit idempotence only where Kafka accepts it; unset = Kafka 3.x's default.
        let can_idempotent = acks == "all" && retries != Some(0);
        match r.int(0, 2) {
            0 if can_idempotent => p["enable.idempotence"] = json!(true),
            1 => p["enable.idempotence"] = json!(false),
            _ => {}
        }
        producers.push(p);
    }
    // ---- consumer groups ----------------------------------------------------------------
    let mut groups: Vec<Value> = Vec::new();
    let mut infos: Vec<GroupInfo> = Vec::new();
    let mut downstream: Vec<Value> = Vec::new();
    for g in 0..r.int(0, 3) {
        let mut subscribed: Vec<u32> = (0..input_topics).filter(|_| r.chance(0.6)).collect();
        if subscribed.is_empty() {
            subscribed.push(r.int(0, u64::from(input_topics) - 1) as u32);
        }
        let proto = if r.chance(0.4) {
            Proto::Consumer
        } else {
            Proto::Classic
        };
        let max_poll = r.int(1_000, 8_000);
        let processing = if r.chance(0.3) { 0 } else { r.int(1, 40) };
        // A batch fits comfortably in max.poll.interval.ms (else every batch expels it).
        let records_max = (max_poll / 2 / processing.max(1)).clamp(1, 20);
        let max_poll_records = r.int(1, records_max);
        let mode = r.pick(&[
            "after_processing",
            "before_processing",
            "auto",
            "transactional",
        ]);
        let consumers = r.int(1, 4) as u32;
        let mut cfg = json!({
            "group.id": format!("g{g}"),
            "topics": subscribed.iter().map(|t| format!("in-{t}")).collect::<Vec<_>>(),
            "consumers": consumers,
            "static_membership": r.chance(0.3),
            "max.poll.interval.ms": max_poll,
            "max.poll.records": max_poll_records,
            "processing_ms": processing,
            "commit": mode,
            "auto.commit.interval.ms": r.int(100, 3_000),
            "auto.offset.reset": "earliest",
            "isolation.level": if r.chance(0.2) { "read_committed" } else { "read_uncommitted" },
        });
        match proto {
            Proto::Classic => {
                let session = r.int(1_000, 5_000);
                cfg["partition.assignment.strategy"] = strategy_names(&r.strategies());
                cfg["session.timeout.ms"] = json!(session);
                cfg["heartbeat.interval.ms"] = json!(r.int(50, session / 3));
                cfg["group.initial.rebalance.delay.ms"] =
                    json!(if r.chance(0.5) { 0 } else { r.int(1, 2_000) });
            }
            Proto::Consumer => {
                let session = r.int(1_000, 5_000);
                cfg["group.protocol"] = json!("consumer");
                cfg["group.remote.assignor"] = json!(r.pick(&["uniform", "range"]));
                cfg["group.consumer.session.timeout.ms"] = json!(session);
                cfg["group.consumer.heartbeat.interval.ms"] = json!(r.int(50, session / 3));
            }
        }
        let transactional = mode == "transactional";
        if transactional {
            let out = format!("out-{g}");
            let p = r.int(1, 3) as u32;
            partitions.push(p);
            topic(&mut r, out.clone(), p, &mut topics);
            let batch_ms = max_poll_records * processing;
            cfg["output_topic"] = json!(out);
            cfg["transaction.timeout.ms"] = json!(r.int(2 * batch_ms + 1_000, 8_000));
            if r.chance(0.7) {
                downstream.push(json!({
                    "group.id": format!("down-{g}"), "topics": [out], "consumers": 1,
                    "partition.assignment.strategy": ["range"], "commit": "after_processing",
                    "isolation.level": "read_committed", "group.initial.rebalance.delay.ms": 0,
                    "session.timeout.ms": 3_000, "heartbeat.interval.ms": 500,
                    "max.poll.interval.ms": 8_000, "max.poll.records": r.int(1, 20),
                }));
            }
        }
        infos.push(GroupInfo {
            proto,
            transactional,
            slots: consumers,
            max_poll_ms: max_poll,
            topics: subscribed,
            quiet: false,
        });
        groups.push(cfg);
    }
    for d in downstream {
        infos.push(GroupInfo {
            proto: Proto::Classic,
            transactional: false,
            slots: 1,
            max_poll_ms: 8_000,
            topics: Vec::new(),
            quiet: true,
        });
        groups.push(d);
    }
    // ---- share groups -------------------------------------------------------------------
    let mut share_groups = Vec::new();
    let mut share_slots: Vec<u32> = Vec::new();
    let mut share_locks: Vec<u64> = Vec::new();
    let n_share = if groups.is_empty() {
        r.int(1, 2)
    } else {
        r.int(0, 2)
    };
    for s in 0..n_share {
        let mut subscribed: Vec<String> = (0..input_topics)
            .filter(|_| r.chance(0.5))
            .map(|t| format!("in-{t}"))
            .collect();
        if subscribed.is_empty() {
            subscribed.push(format!("in-{}", r.int(0, u64::from(input_topics) - 1)));
        }
        let explicit = r.chance(0.5);
        let session = r.int(1_000, 5_000);
        let consumers = r.int(1, 4) as u32;
        let lock = r.int(1_000, 5_000);
        let mut cfg = json!({
            "group.id": format!("s{s}"),
            "topics": subscribed,
            "consumers": consumers,
            "share.acknowledgement.mode": if explicit { "explicit" } else { "implicit" },
            "group.share.record.lock.duration.ms": lock,
            "group.share.delivery.count.limit": r.int(2, 6),
            "group.share.session.timeout.ms": session,
            "group.share.heartbeat.interval.ms": r.int(50, session / 3),
            "share.auto.offset.reset": "earliest",
            "max.poll.records": r.int(1, 6),
            "processing_ms": r.int(0, 100),
        });
        if explicit && r.chance(0.6) {
            let t = &cfg["topics"][0].as_str().expect("a name").to_string();
            let ti: usize = t[3..].parse().expect("in-N");
            cfg["poison"] = json!([{"topic": t, "partition": r.int(0, u64::from(partitions[ti]) - 1),
                                    "offset": r.int(0, 30)}]);
            cfg["poison_ack"] = json!(r.pick(&["release", "reject"]));
        }
        share_slots.push(consumers);
        share_locks.push(lock);
        share_groups.push(cfg);
    }
    // ---- faults -------------------------------------------------------------------------
    let inputs = faults(
        &mut r,
        duration,
        brokers,
        &mut partitions,
        n_producers,
        &mut infos,
        &mut share_slots,
        &share_locks,
    );
    json!({
        "seed": seed,
        "duration_ms": duration,
        "network_latency_ms": r.int(0, 5),
        "brokers": brokers,
        "broker.session.timeout.ms": r.int(1_000, 4_000),
        "replica.lag.time.max.ms": r.int(1_000, 8_000),
        "unclean.leader.election.enable": unclean,
        "topics": topics,
        "producers": producers,
        "groups": groups,
        "share_groups": share_groups,
        "inputs": inputs,
    })
}

/// Random faults at random times, as scheduled inputs sorted by time. Some come in pairs (a
/// crash and its restart, a pause past the poll deadline and its resume, an isolation and its
/// heal); an input that does not fit the state when it applies is refused by the model with an
/// `InputRejected` event, which is fine (and exercised too).
#[allow(clippy::too_many_arguments)]
fn faults(
    r: &mut R,
    duration: u64,
    brokers: u32,
    partitions: &mut [u32],
    producers: u32,
    groups: &mut [GroupInfo],
    share_slots: &mut [u32],
    share_locks: &[u64],
) -> Vec<Value> {
    let mut out: Vec<(u64, Value)> = Vec::new();
    let n = r.int(0, 20);
    let crash_points = [
        "now",
        "before_processing",
        "after_processing",
        "after_commit",
        "in_transaction",
    ];
    let active: Vec<usize> = (0..groups.len()).filter(|&g| !groups[g].quiet).collect();
    for _ in 0..n {
        let at = r.int(300, duration - 1);
        let later = |by: u64| (at + by).min(duration - 1);
        let kind = r.int(0, 9);
        match kind {
            // Brokers.
            0 | 1 if brokers > 1 || r.chance(0.3) => {
                let b = r.int(0, u64::from(brokers) - 1);
                match r.int(0, 3) {
                    0 => {
                        out.push((at, json!({"type": "CrashBroker", "broker": b})));
                        if r.chance(0.8) {
                            let t = later(r.int(500, 8_000));
                            out.push((t, json!({"type": "RestartBroker", "broker": b})));
                        }
                    }
                    1 => {
                        out.push((at, json!({"type": "IsolateBroker", "broker": b})));
                        if r.chance(0.8) {
                            let t = later(r.int(500, 8_000));
                            out.push((t, json!({"type": "HealBroker", "broker": b})));
                        }
                    }
                    _ => {
                        let d = r.pick(&[0, 50, 500, 3_000, 10_000]);
                        out.push((
                            at,
                            json!({"type": "SlowFollower", "broker": b, "delay_ms": d}),
                        ));
                    }
                }
            }
            // Consumer groups.
            2..=5 if !active.is_empty() => {
                let g = r.pick(&active);
                let info = &mut groups[g];
                let m = r.int(0, u64::from(info.slots.max(1)) - 1);
                match r.int(0, 8) {
                    0 | 1 => {
                        let points = if info.transactional {
                            &crash_points[..]
                        } else {
                            &crash_points[..4]
                        };
                        let point = r.pick(points);
                        out.push((
                            at,
                            json!({"type": "CrashConsumer", "group": g, "member": m, "at": point}),
                        ));
                        if r.chance(0.7) {
                            let t = later(r.int(200, 6_000));
                            out.push((
                                t,
                                json!({"type": "RestartConsumer", "group": g, "member": m}),
                            ));
                        }
                    }
                    2 => {
                        // Paused past the poll deadline (or not), then resumed.
                        out.push((
                            at,
                            json!({"type": "PauseConsumer", "group": g, "member": m}),
                        ));
                        let by = if r.chance(0.7) {
                            info.max_poll_ms + r.int(1, 3_000)
                        } else {
                            r.int(10, info.max_poll_ms)
                        };
                        let t = later(by);
                        out.push((
                            t,
                            json!({"type": "ResumeConsumer", "group": g, "member": m}),
                        ));
                    }
                    3 => {
                        out.push((at, json!({"type": "LeaveGroup", "group": g, "member": m})));
                        if r.chance(0.6) {
                            let t = later(r.int(100, 5_000));
                            out.push((
                                t,
                                json!({"type": "RestartConsumer", "group": g, "member": m}),
                            ));
                        }
                    }
                    4 if info.slots < 6 => {
                        info.slots += 1;
                        out.push((at, json!({"type": "AddConsumer", "group": g})));
                    }
                    5 if info.proto == Proto::Classic => {
                        let s = strategy_names(&r.strategies());
                        out.push((
                            at,
                            json!({"type": "SetStrategy", "group": g, "strategies": s}),
                        ));
                    }
                    6 if info.proto == Proto::Consumer => {
                        let mut ts: Vec<u32> = info
                            .topics
                            .iter()
                            .copied()
                            .filter(|_| r.chance(0.6))
                            .collect();
                        if ts.is_empty() {
                            ts.push(r.pick(&info.topics));
                        }
                        out.push((
                            at,
                            json!({"type": "ChangeSubscription", "group": g, "member": m, "topics": ts}),
                        ));
                    }
                    _ => {
                        out.push((
                            at,
                            json!({"type": "RestartConsumer", "group": g, "member": m}),
                        ));
                    }
                }
            }
            // Share groups.
            6 | 7 if !share_slots.is_empty() => {
                let s = r.int(0, share_slots.len() as u64 - 1) as usize;
                let m = r.int(0, u64::from(share_slots[s]) - 1);
                match r.int(0, 5) {
                    0 | 1 => {
                        out.push((
                            at,
                            json!({"type": "CrashShareConsumer", "share_group": s, "member": m}),
                        ));
                        if r.chance(0.7) {
                            let t = later(r.int(200, 6_000));
                            out.push((
                                t,
                                json!({"type": "RestartShareConsumer", "share_group": s, "member": m}),
                            ));
                        }
                    }
                    2 => {
                        out.push((
                            at,
                            json!({"type": "PauseShareConsumer", "share_group": s, "member": m}),
                        ));
                        let t = later(share_locks[s] + r.int(0, 3_000));
                        out.push((
                            t,
                            json!({"type": "ResumeShareConsumer", "share_group": s, "member": m}),
                        ));
                    }
                    3 => out.push((
                        at,
                        json!({"type": "LeaveShareGroup", "share_group": s, "member": m}),
                    )),
                    4 if share_slots[s] < 6 => {
                        share_slots[s] += 1;
                        out.push((at, json!({"type": "AddShareConsumer", "share_group": s})));
                    }
                    _ => out.push((
                        at,
                        json!({"type": "RestartShareConsumer", "share_group": s, "member": m}),
                    )),
                }
            }
            // Topics and producers.
            8 => {
                let t = r.int(0, partitions.len() as u64 - 1) as usize;
                if partitions[t] < 10 {
                    partitions[t] += r.int(1, 2) as u32;
                    out.push((
                        at,
                        json!({"type": "AddPartitions", "topic": t, "partitions": partitions[t]}),
                    ));
                }
            }
            _ => {
                let p = r.int(0, u64::from(producers) - 1);
                let rate = if r.chance(0.2) { 0 } else { r.int(1, 60) };
                out.push((
                    at,
                    json!({"type": "SetProducerRate", "producer": p, "rate_per_sec": rate}),
                ));
            }
        }
    }
    // Sorted by time; a stable sort keeps an AddConsumer before later uses of its slot.
    out.sort_by_key(|(t, _)| *t);
    // AddPartitions must grow the topic: keep each topic's targets increasing in time order.
    let mut seen: Vec<u32> = vec![0; partitions.len()];
    out.retain(|(_, v)| {
        if v["type"] == "AddPartitions" {
            let t = v["topic"].as_u64().unwrap_or(0) as usize;
            let p = v["partitions"].as_u64().unwrap_or(0) as u32;
            if p <= seen[t] {
                return false;
            }
            seen[t] = p;
        }
        true
    });
    // A member slot must exist when an input names it: drop inputs naming a slot whose
    // AddConsumer comes later.
    let base: Vec<u32> = groups
        .iter()
        .map(|g| g.slots)
        .zip(0..)
        .map(|(s, g)| {
            s - out
                .iter()
                .filter(|(_, v)| v["type"] == "AddConsumer" && v["group"] == g)
                .count() as u32
        })
        .collect();
    let share_base: Vec<u32> = share_slots
        .iter()
        .zip(0..)
        .map(|(&s, g)| {
            s - out
                .iter()
                .filter(|(_, v)| v["type"] == "AddShareConsumer" && v["share_group"] == g)
                .count() as u32
        })
        .collect();
    let mut slots = base;
    let mut share = share_base;
    out.retain(|(_, v)| {
        let ty = v["type"].as_str().unwrap_or("");
        let member = v["member"].as_u64().map(|m| m as u32);
        if let Some(g) = v["group"].as_u64() {
            let g = g as usize;
            if ty == "AddConsumer" {
                slots[g] += 1;
                return true;
            }
            return member.is_none_or(|m| m < slots[g]);
        }
        if let Some(s) = v["share_group"].as_u64() {
            let s = s as usize;
            if ty == "AddShareConsumer" {
                share[s] += 1;
                return true;
            }
            return member.is_none_or(|m| m < share[s]);
        }
        true
    });
    out.into_iter()
        .map(|(at, input)| json!({"at_ms": at, "input": input}))
        .collect()
}

/// The kinds of the scenario's features, for the coverage table: one label per thing present.
pub fn features(scenario: &Value) -> Vec<String> {
    let mut f = Vec::new();
    let brokers = scenario["brokers"].as_u64().unwrap_or(1);
    f.push(format!("brokers={brokers}"));
    if scenario["unclean.leader.election.enable"] == true {
        f.push("unclean election on".into());
    }
    let empty = Vec::new();
    let list = |k: &str| scenario[k].as_array().unwrap_or(&empty).clone();
    for t in list("topics") {
        if t["replication.factor"].as_u64().unwrap_or(1) > 1 {
            f.push("replication factor > 1".into());
        }
        if t["min.insync.replicas"].as_u64().unwrap_or(1) >= 2 {
            f.push("min.insync.replicas >= 2".into());
        }
        if t.get("retention.records").is_some() {
            f.push("retention.records".into());
        }
    }
    for p in list("producers") {
        f.push(format!(
            "producer acks={}",
            p["acks"].as_str().unwrap_or("all")
        ));
        match p.get("enable.idempotence").and_then(Value::as_bool) {
            Some(true) => f.push("producer idempotence=true".into()),
            Some(false) => f.push("producer idempotence=false".into()),
            None => f.push("producer idempotence unset".into()),
        }
        if p["max.in.flight.requests.per.connection"]
            .as_u64()
            .unwrap_or(5)
            > 1
        {
            f.push("producer max.in.flight > 1".into());
        } else {
            f.push("producer max.in.flight = 1".into());
        }
        if p["keys"]["mode"] == "entity" {
            f.push("producer keyed".into());
        }
    }
    for g in list("groups") {
        let consumer = g["group.protocol"] == "consumer";
        if consumer {
            f.push(format!(
                "consumer-protocol group ({})",
                g["group.remote.assignor"].as_str().unwrap_or("uniform")
            ));
        } else {
            let s = g["partition.assignment.strategy"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let coop = !s.is_empty() && s.iter().all(|x| x == "cooperative-sticky");
            f.push(if coop {
                "classic group cooperative".into()
            } else {
                "classic group eager".into()
            });
            for x in s {
                f.push(format!("classic strategy {}", x.as_str().unwrap_or("?")));
            }
        }
        f.push(format!("commit {}", g["commit"].as_str().unwrap_or("?")));
        if g["static_membership"] == true {
            f.push("static members".into());
        }
        if g["isolation.level"] == "read_committed" {
            f.push("read_committed".into());
        }
    }
    let groups = list("groups");
    for (i, a) in groups.iter().enumerate() {
        for b in &groups[i + 1..] {
            let ta = a["topics"].as_array().cloned().unwrap_or_default();
            let tb = b["topics"].as_array().cloned().unwrap_or_default();
            if ta.iter().any(|t| tb.contains(t)) {
                f.push("several groups read one topic".into());
            }
        }
    }
    for s in list("share_groups") {
        f.push(format!(
            "share group {}",
            s["share.acknowledgement.mode"]
                .as_str()
                .unwrap_or("implicit")
        ));
        if s.get("poison").is_some() {
            f.push(format!(
                "share poison ({})",
                s["poison_ack"].as_str().unwrap_or("release")
            ));
        }
    }
    for i in list("inputs") {
        let ty = i["input"]["type"].as_str().unwrap_or("?");
        if ty == "CrashConsumer" {
            f.push(format!(
                "fault CrashConsumer at {}",
                i["input"]["at"].as_str().unwrap_or("now")
            ));
        } else {
            f.push(format!("fault {ty}"));
        }
    }
    f.sort();
    f.dedup();
    f
}
