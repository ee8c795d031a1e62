//! Seeded randomized fault schedules: random scenarios, random faults applied through
//! `Sim::handle` in virtual time, and the delivery and group-protocol invariants checked at
//! every instant the model acts (TigerBeetle's VOPR, y-crdt's `run_scenario`, madsim's
//! `check_determinism`).
//!
//! - `MAILROOM_SEEDS=n` runs seeds `1..=n` (default [`DEFAULT_SEEDS`]), spread over the cores.
//! - `MAILROOM_SEED=n` runs seed `n` alone and prints its scenario and input log.
//!
//! - `MAILROOM_TRACE=events.jsonl` (with `MAILROOM_SEED`) writes every event as a JSON line.
//!
//! A failure prints the seed, the scenario JSON and the applied inputs, and says how to
//! reproduce it.
//!
//! What is checked, and why each is a Kafka guarantee:
//! - **One owner per partition**: among the live members of a group's current generation, no
//!   partition has two owners ([`Sim::owners`]), at every simulated millisecond the model acts.
//! - **At-least-once** (`commit: after_processing`) never loses a record, ever; at the end every
//!   produced record was processed at least once.
//! - **At-most-once** (`commit: before_processing`) never processes a record twice.
//! - **Exactly-once** (`commit: transactional`) neither loses nor duplicates, and a
//!   `read_committed` group reading its output topic sees exactly one output per committed
//!   input, never a duplicate, never an aborted record.
//! - **Committed offsets never move backwards** per group and partition (there is no explicit
//!   offset reset in the model, so no exception applies).
//! - **The ledger is honest**: its `processed`/`duplicates` totals equal what the
//!   `RecordsProcessed` events say, offset by offset.
//! - **Everything is eventually processed**: after the producers stop, every paused member is
//!   resumed and every crashed or departed one restarted, each group's lag drains to zero and
//!   `processed − duplicates == produced − lost`.
//! - **Determinism**: replaying the recorded inputs (through `handle`, or as the scenario's own
//!   scheduled `inputs`) reproduces the identical `event_hash`.
//!
//! Timeouts are kept small (session 1–5 s, `max.poll.interval.ms` 1–10 s) so that expiries,
//! zombies and rebalances happen within seconds of simulated time.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use mailroom_core::assignor::Strategy;
use mailroom_core::event::{ConsumerState, Event};
use mailroom_core::rng::Rng;
use mailroom_core::{CrashPoint, EventHasher, Input, Sim, TimedEvent, TimedInput};
use serde_json::{json, Value};

/// Seeds run by a plain `cargo test` (sized to stay well under a minute in debug on 2 cores).
const DEFAULT_SEEDS: u64 = 250;

/// What a group's configuration promises, hence which invariants apply to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// `commit: after_processing`: may duplicate, never loses.
    AtLeastOnce,
    /// `commit: before_processing`: may lose, never duplicates.
    AtMostOnce,
    /// `commit: auto`: may do either; only the protocol invariants apply.
    Auto,
    /// `commit: transactional`, read by the `read_committed` group `downstream`.
    ExactlyOnce { downstream: usize },
    /// A fault-free, single-member `read_committed` reader of an exactly-once group's output.
    Downstream,
}

/// A generated scenario and what the test knows about it.
struct Plan {
    seed: u64,
    scenario: Value,
    roles: Vec<Role>,
    /// Topics `0..input_topics` are written by producers; the rest are exactly-once outputs.
    input_topics: u32,
    producers: u32,
    /// When faults stop and the final drain starts.
    run_ms: u64,
}

/// A small random helper over the core's SplitMix64.
struct R(Rng);

impl R {
    fn new(seed: u64, label: &str) -> R {
        R(Rng::derive(seed, label))
    }
    /// Uniform in `lo..=hi`.
    fn int(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.0.next_u64() % (hi - lo + 1)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.0.unit() < p
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.0.below(xs.len() as u32) as usize]
    }
    fn strategies(&mut self) -> Vec<Strategy> {
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

fn gen_plan(seed: u64) -> Plan {
    let mut r = R::new(seed, "invariants/scenario");
    let input_topics = r.int(1, 3) as u32;
    let mut topics: Vec<Value> = (0..input_topics)
        .map(|i| json!({"name": format!("in-{i}"), "partitions": r.int(1, 12)}))
        .collect();
    let producers: Vec<Value> = (0..r.int(1, 3))
        .map(|i| {
            let keys = if r.chance(0.5) {
                json!({"mode": "none"})
            } else {
                let skew = if r.chance(0.2) { r.int(0, 90) as f64 / 100.0 } else { 0.0 };
                json!({"mode": "entity", "prefix": format!("k{i}"), "count": r.int(1, 50), "skew": skew})
            };
            let rate = if r.chance(0.2) { r.int(1, 20) as f64 / 4.0 } else { r.int(1, 60) as f64 };
            json!({
                "id": format!("p{i}"),
                "topic": format!("in-{}", r.int(0, u64::from(input_topics) - 1)),
                "rate_per_sec": rate,
                "keys": keys,
                "max_records": if r.chance(0.3) { r.int(20, 400) } else { 0 },
                "linger.ms": r.int(0, 30),
                "sticky.batch.records": r.int(1, 32),
            })
        })
        .collect();
    let n_producers = producers.len() as u32;
    let mut groups: Vec<Value> = Vec::new();
    let mut roles = Vec::new();
    let mut downstream: Vec<(usize, Value)> = Vec::new();
    for g in 0..r.int(1, 3) as usize {
        let mut subscribed: Vec<String> = (0..input_topics)
            .filter(|_| r.chance(0.6))
            .map(|i| format!("in-{i}"))
            .collect();
        if subscribed.is_empty() {
            subscribed.push(format!("in-{}", r.int(0, u64::from(input_topics) - 1)));
        }
        let session = r.int(1_000, 5_000);
        let heartbeat = if r.chance(0.8) {
            r.int(50, session / 3)
        } else {
            r.int(50, session - 1)
        };
        let max_poll = r.int(1_000, 10_000);
        let processing = if r.chance(0.3) { 0 } else { r.int(1, 50) };
        // A batch must fit comfortably in max.poll.interval.ms, or the member is expelled after
        // every batch forever (a real Kafka livelock, not what these schedules look for).
        let records_max = (max_poll / 2 / processing.max(1)).clamp(1, 20);
        let max_poll_records = r.int(1, records_max);
        let mode = r.pick(&[
            "after_processing",
            "before_processing",
            "auto",
            "transactional",
        ]);
        let mut cfg = json!({
            "group.id": format!("g{g}"),
            "topics": subscribed,
            "consumers": r.int(1, 4),
            "partition.assignment.strategy": strategy_names(&r.strategies()),
            "static_membership": r.chance(0.3),
            "session.timeout.ms": session,
            "heartbeat.interval.ms": heartbeat,
            "max.poll.interval.ms": max_poll,
            "group.initial.rebalance.delay.ms": if r.chance(0.5) { 0 } else { r.int(1, 3_000) },
            "max.poll.records": max_poll_records,
            "processing_ms": processing,
            "commit": mode,
            "auto.commit.interval.ms": r.int(100, 5_000),
            "auto.offset.reset": "earliest",
            "isolation.level": if r.chance(0.2) { "read_committed" } else { "read_uncommitted" },
        });
        roles.push(match mode {
            "after_processing" => Role::AtLeastOnce,
            "before_processing" => Role::AtMostOnce,
            "auto" => Role::Auto,
            _ => {
                let out = format!("out-{g}");
                topics.push(json!({"name": out, "partitions": r.int(1, 4)}));
                let batch_ms = max_poll_records * processing;
                cfg["output_topic"] = json!(out);
                cfg["transaction.timeout.ms"] = json!(r.int(2 * batch_ms + 1_000, 10_000));
                downstream.push((
                    g,
                    json!({
                        "group.id": format!("down-{g}"), "topics": [out], "consumers": 1,
                        "partition.assignment.strategy": ["range"], "commit": "after_processing",
                        "isolation.level": "read_committed", "group.initial.rebalance.delay.ms": 0,
                        "session.timeout.ms": 5_000, "heartbeat.interval.ms": 500,
                        "max.poll.interval.ms": 10_000, "max.poll.records": r.int(1, 20),
                    }),
                ));
                Role::ExactlyOnce {
                    downstream: usize::MAX,
                }
            }
        });
        groups.push(cfg);
    }
    for (g, cfg) in downstream {
        roles[g] = Role::ExactlyOnce {
            downstream: groups.len(),
        };
        roles.push(Role::Downstream);
        groups.push(cfg);
    }
    let scenario = json!({
        "seed": seed,
        "duration_ms": 0,
        "network_latency_ms": r.int(0, 5),
        "topics": topics,
        "producers": producers,
        "groups": groups,
    });
    Plan {
        seed,
        scenario,
        roles,
        input_topics,
        producers: n_producers,
        run_ms: r.int(5_000, 20_000),
    }
}

/// What the events say about one offset of one group.
#[derive(Clone, Copy, Default)]
struct Offset {
    /// Times processed.
    times: u32,
    /// A `RecordsLost` event covered it.
    declared_lost: bool,
}

/// Per group and partition, every offset's history, from the events.
#[derive(Default)]
struct Seen {
    offsets: BTreeMap<(usize, u32, u32), Vec<Offset>>,
}

/// What one processing event did, offset by offset.
struct Processing {
    repeats: u32,
    /// First processings of offsets the ledger had declared lost.
    late: u32,
}

impl Seen {
    fn range(
        &mut self,
        g: usize,
        topic: u32,
        partition: u32,
        first: u64,
        count: u64,
    ) -> &mut [Offset] {
        let v = self.offsets.entry((g, topic, partition)).or_default();
        let end = (first + count) as usize;
        if v.len() < end {
            v.resize(end, Offset::default());
        }
        &mut v[first as usize..end]
    }

    fn processed(
        &mut self,
        g: usize,
        topic: u32,
        partition: u32,
        first: u64,
        count: u32,
    ) -> Processing {
        let mut out = Processing {
            repeats: 0,
            late: 0,
        };
        for o in self.range(g, topic, partition, first, u64::from(count)) {
            if o.times > 0 {
                out.repeats += 1;
            } else if o.declared_lost {
                out.late += 1;
            }
            o.times += 1;
        }
        out
    }

    fn lost(&mut self, g: usize, topic: u32, partition: u32, first: u64, count: u64) {
        self.range(g, topic, partition, first, count)
            .iter_mut()
            .for_each(|o| o.declared_lost = true);
    }

    /// (processings, repeats, distinct offsets, declared lost and still unprocessed) of group `g`.
    fn totals(&self, g: usize) -> (u64, u64, u64, u64) {
        let mut t = (0, 0, 0, 0);
        for (_, v) in self.offsets.range((g, 0, 0)..=(g, u32::MAX, u32::MAX)) {
            for o in v {
                t.0 += u64::from(o.times);
                t.1 += u64::from(o.times.saturating_sub(1));
                t.2 += u64::from(o.times > 0);
                t.3 += u64::from(o.times == 0 && o.declared_lost);
            }
        }
        t
    }
}

/// Invariant state carried across steps.
struct Checker<'a> {
    plan: &'a Plan,
    committed: BTreeMap<(u32, u32, u32), u64>,
    seen: Seen,
    hasher: EventHasher,
    /// `MAILROOM_TRACE=path` (with `MAILROOM_SEED`): every event as a JSON line, for debugging.
    trace: Option<std::io::BufWriter<std::fs::File>>,
}

impl<'a> Checker<'a> {
    fn new(plan: &'a Plan) -> Self {
        let trace = std::env::var("MAILROOM_TRACE")
            .ok()
            .filter(|_| std::env::var("MAILROOM_SEED").is_ok())
            .map(|path| {
                std::io::BufWriter::new(std::fs::File::create(path).expect("MAILROOM_TRACE file"))
            });
        Checker {
            plan,
            committed: BTreeMap::new(),
            seen: Seen::default(),
            hasher: EventHasher::default(),
            trace,
        }
    }

    /// Whether the events of group `g` are plain records (no markers, nothing aborted), so
    /// `RecordsProcessed` ranges are exactly the processed offsets and count at once.
    fn event_ledger(&self, g: usize) -> bool {
        !matches!(
            self.plan.roles[g],
            Role::ExactlyOnce { .. } | Role::Downstream
        )
    }

    fn events(&mut self, events: &[TimedEvent]) -> Result<(), String> {
        for e in events {
            self.hasher.add(e);
            if let Some(w) = &mut self.trace {
                serde_json::to_writer(&mut *w, e).expect("trace");
                std::io::Write::write_all(w, b"\n").expect("trace");
            }
            match e.event {
                Event::OffsetCommitted {
                    group,
                    topic,
                    partition,
                    offset,
                    ..
                } => {
                    let prev = self.committed.insert((group, topic, partition), offset);
                    if let Some(prev) = prev.filter(|&p| p > offset) {
                        return Err(format!(
                            "t={}: group {group} committed offset of {topic}/{partition} moved back from {prev} to {offset}",
                            e.at_ms
                        ));
                    }
                }
                Event::RecordsLost {
                    group,
                    topic,
                    partition,
                    first_offset,
                    count,
                } if self.event_ledger(group as usize) => {
                    self.seen
                        .lost(group as usize, topic, partition, first_offset, count);
                }
                Event::RecordsProcessed {
                    group,
                    member,
                    topic,
                    partition,
                    first_offset,
                    count,
                    duplicates,
                } if self.event_ledger(group as usize) => {
                    let p =
                        self.seen
                            .processed(group as usize, topic, partition, first_offset, count);
                    if p.repeats != duplicates {
                        return Err(format!(
                            "t={}: group {group} member {member} processed {topic}/{partition} [{first_offset}, +{count}): \
                             event says {duplicates} duplicates, the offsets say {} ({} of them first processings of \
                             records declared lost)",
                            e.at_ms, p.repeats, p.late
                        ));
                    }
                    if p.repeats > 0 && self.plan.roles[group as usize] == Role::AtMostOnce {
                        return Err(format!(
                            "t={}: at-most-once group {group} member {member} processed {} record(s) of \
                             {topic}/{partition} from offset {first_offset} a second time",
                            e.at_ms, p.repeats
                        ));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn state(&self, sim: &Sim) -> Result<(), String> {
        let now = sim.now_ms();
        let stats = sim.stats();
        for (g, role) in self.plan.roles.iter().enumerate() {
            for (tp, owners) in sim.owners(g as u32) {
                if owners.len() > 1 {
                    return Err(format!(
                        "t={now}: group {g} partition {tp:?} has two owners {owners:?}"
                    ));
                }
            }
            let st = &stats[g];
            let bad = match role {
                Role::AtLeastOnce if st.lost > 0 => Some("at-least-once group lost records"),
                Role::AtMostOnce if st.duplicates > 0 => {
                    Some("at-most-once group duplicated records")
                }
                Role::ExactlyOnce { .. } if st.lost + st.duplicates > 0 => {
                    Some("exactly-once group lost or duplicated")
                }
                Role::Downstream if st.lost + st.duplicates > 0 => {
                    Some("read_committed reader of an exactly-once output lost or duplicated")
                }
                _ => None,
            };
            if let Some(why) = bad {
                return Err(format!("t={now}: group {g}: {why}: {st:?}"));
            }
            if let Role::ExactlyOnce { downstream } = *role {
                // One committed output per input processed in a committed transaction.
                let out = stats[downstream].produced;
                if out != st.processed {
                    return Err(format!(
                        "t={now}: exactly-once group {g} committed {} processings but its output topic holds {out} \
                         committed records",
                        st.processed
                    ));
                }
            }
            if self.event_ledger(g) {
                let (processed, repeats, _, lost) = self.seen.totals(g);
                if (processed, repeats, lost) != (st.processed, st.duplicates, st.lost) {
                    return Err(format!(
                        "t={now}: group {g} ledger says processed {} duplicates {} lost {}, the events say \
                         {processed}, {repeats} and {lost}",
                        st.processed, st.duplicates, st.lost
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether every group has drained: nothing left to read and the accounts balance.
    fn drained(&self, sim: &Sim) -> Result<(), String> {
        let snap = sim.snapshot();
        let stats = sim.stats();
        for (g, role) in self.plan.roles.iter().enumerate() {
            let st = &stats[g];
            // Every partition is owned and read up to its end. (Its committed offset may stay
            // behind: a member that processed its last records while its commits were refused
            // commits again only after its next batch, as a `commitSync()`-after-each-batch
            // loop does in Kafka too.)
            for p in &snap.groups[g].partitions {
                let limit = p.committed.unwrap_or(0) + p.lag;
                if p.lag > 0 && (p.owner.is_none() || p.position != Some(limit)) {
                    return Err(format!(
                        "group {g} partition {}/{}: owner {:?} at {:?}, committed {:?}, end {limit}",
                        p.topic, p.partition, p.owner, p.position, p.committed
                    ));
                }
            }
            if self.event_ledger(g) {
                // Offsets never processed, counted directly (a loss at a partition's very end is
                // only noticed by the ledger when a later record is processed).
                let (_, _, distinct, _) = self.seen.totals(g);
                if st.processed - st.duplicates != distinct {
                    return Err(format!("group {g}: ledger processed−duplicates ≠ {distinct} distinct offsets: {st:?}"));
                }
                let missing = st.produced - distinct;
                if *role == Role::AtLeastOnce && missing > 0 {
                    return Err(format!(
                        "at-least-once group {g} never processed {missing} record(s): {st:?}"
                    ));
                }
            } else if st.processed - st.duplicates != st.produced - st.lost {
                return Err(format!("group {g} did not process everything: {st:?}"));
            }
        }
        Ok(())
    }
}

/// What a finished run leaves for the determinism check.
struct Outcome {
    hash: String,
    events: u64,
    end_ms: u64,
    inputs: Vec<TimedInput>,
}

/// Random faults, some aimed at slots or indices that do not exist.
fn random_input(r: &mut R, plan: &Plan, slots: &[u32]) -> Input {
    let faultable: Vec<u32> = (0..plan.roles.len() as u32)
        .filter(|&g| plan.roles[g as usize] != Role::Downstream)
        .collect();
    let group = if r.chance(0.03) {
        plan.roles.len() as u32 + 3
    } else {
        r.pick(&faultable)
    };
    let member = r.int(
        0,
        u64::from(slots.get(group as usize).copied().unwrap_or(1)),
    ) as u32;
    match r.int(0, 99) {
        0..=29 => {
            // in_transaction is refused by handle outside exactly-once groups: fine, skipped.
            let points = [
                CrashPoint::Now,
                CrashPoint::BeforeProcessing,
                CrashPoint::AfterProcessing,
                CrashPoint::AfterCommit,
                CrashPoint::InTransaction,
            ];
            let at = r.pick(&points);
            Input::CrashConsumer { group, member, at }
        }
        30..=41 => Input::PauseConsumer { group, member },
        42..=47 => Input::ResumeConsumer { group, member },
        48..=55 => Input::RestartConsumer { group, member },
        56..=63 => Input::LeaveGroup { group, member },
        64..=72 => Input::AddConsumer { group },
        73..=77 => {
            // Only input topics grow: an exactly-once output keeps its single-reader setup.
            let topic = if r.chance(0.05) {
                99
            } else {
                r.int(0, u64::from(plan.input_topics) - 1) as u32
            };
            Input::AddPartitions {
                topic,
                partitions: r.int(1, 16) as u32,
            }
        }
        78..=84 => Input::SetStrategy {
            group,
            strategies: r.strategies(),
        },
        _ => {
            let producer = if r.chance(0.05) {
                99
            } else {
                r.int(0, u64::from(plan.producers) - 1) as u32
            };
            Input::SetProducerRate {
                producer,
                rate_per_sec: r.int(0, 80) as f64,
            }
        }
    }
}

/// Advances to `to` and checks the events and the state.
fn step(
    sim: &mut Sim,
    chk: &mut Checker,
    buf: &mut Vec<TimedEvent>,
    to: u64,
) -> Result<(), String> {
    sim.advance(to);
    sim.drain_events_into(buf);
    let r = chk.events(buf).and_then(|_| chk.state(sim));
    buf.clear();
    r
}

/// Applies `input` now (a refusal is fine) and checks; says whether it was accepted.
fn apply(
    sim: &mut Sim,
    chk: &mut Checker,
    buf: &mut Vec<TimedEvent>,
    applied: &mut Vec<TimedInput>,
    input: Input,
) -> Result<bool, String> {
    let at = sim.now_ms();
    let res = sim.handle(at, input.clone());
    match &res {
        Ok(()) => applied.push(TimedInput { at_ms: at, input }),
        Err(e) => assert!(
            !e.reason.is_empty() && !e.path.is_empty(),
            "a refusal names a field and a reason: {e:?}"
        ),
    }
    sim.drain_events_into(buf);
    let checked = chk.events(buf).and_then(|_| chk.state(sim));
    buf.clear();
    checked.map(|_| res.is_ok())
}

/// Drives one plan: faults until `run_ms`, then the drain. `applied` collects the accepted
/// inputs as they happen, so a panic inside the model can still be reported with them.
fn run(plan: &Plan, applied: &mut Vec<TimedInput>) -> Result<Outcome, String> {
    let mut sim = Sim::from_json(&plan.scenario.to_string())
        .map_err(|e| format!("generated scenario refused: {e}"))?;
    let mut chk = Checker::new(plan);
    let mut r = R::new(plan.seed, "invariants/faults");
    let mut slots: Vec<u32> = plan.scenario["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["consumers"].as_u64().expect("consumers") as u32)
        .collect();
    let mut next_fault = r.int(200, 2_000);
    // Faults that undo earlier ones (resume a pause, restart a crash), at their times.
    let mut heals: Vec<(u64, Input)> = Vec::new();
    let mut buf = Vec::new();

    while sim.now_ms() < plan.run_ms {
        let heal_at = heals.iter().map(|h| h.0).min().unwrap_or(u64::MAX);
        let to = sim
            .next_deadline_ms()
            .unwrap_or(u64::MAX)
            .min(next_fault)
            .min(heal_at)
            .min(plan.run_ms);
        step(&mut sim, &mut chk, &mut buf, to)?;
        let now = sim.now_ms();
        if let Some(i) = heals.iter().position(|h| h.0 <= now) {
            let (_, input) = heals.swap_remove(i);
            apply(&mut sim, &mut chk, &mut buf, applied, input)?;
        }
        if next_fault <= now {
            next_fault = now + r.int(1, 1_500);
            let input = random_input(&mut r, plan, &slots);
            let ok = apply(&mut sim, &mut chk, &mut buf, applied, input.clone())?;
            let cfg = |g: u32, k: &str| {
                plan.scenario["groups"][g as usize][k]
                    .as_u64()
                    .expect("group config")
            };
            match input {
                Input::AddConsumer { group } if ok => slots[group as usize] += 1,
                Input::PauseConsumer { group, member } if ok && r.chance(0.8) => {
                    let at = now + r.int(1, 2 * cfg(group, "max.poll.interval.ms"));
                    heals.push((at, Input::ResumeConsumer { group, member }));
                }
                Input::CrashConsumer { group, member, .. }
                | Input::LeaveGroup { group, member }
                    if ok && r.chance(0.8) =>
                {
                    let at = now + r.int(1, 2 * cfg(group, "session.timeout.ms"));
                    heals.push((at, Input::RestartConsumer { group, member }));
                }
                _ => {}
            }
        }
    }

    // The drain: no more records, every member back, until all groups have caught up.
    for producer in 0..plan.producers {
        apply(
            &mut sim,
            &mut chk,
            &mut buf,
            applied,
            Input::SetProducerRate {
                producer,
                rate_per_sec: 0.0,
            },
        )?;
    }
    let drain_start = sim.now_ms();
    let give_up = drain_start + 300_000;
    let mut next_heal = drain_start;
    let mut last_lag = String::new();
    loop {
        let now = sim.now_ms();
        if now >= next_heal {
            let snap = sim.snapshot();
            for (g, grp) in snap.groups.iter().enumerate() {
                for (m, member) in grp.members.iter().enumerate() {
                    let input = match member.state {
                        ConsumerState::Paused => Input::ResumeConsumer {
                            group: g as u32,
                            member: m as u32,
                        },
                        ConsumerState::Crashed | ConsumerState::Left => Input::RestartConsumer {
                            group: g as u32,
                            member: m as u32,
                        },
                        _ => continue,
                    };
                    apply(&mut sim, &mut chk, &mut buf, applied, input)?;
                }
            }
            // Caught up once no member is down and every group has drained; at least one
            // session timeout after the drain started so that expiries have settled.
            let all_up = snap.groups.iter().flat_map(|g| &g.members).all(|m| {
                !matches!(
                    m.state,
                    ConsumerState::Paused | ConsumerState::Crashed | ConsumerState::Left
                )
            });
            match chk.drained(&sim) {
                Ok(()) if all_up && now >= drain_start + 5_000 => break,
                Ok(()) => {}
                Err(e) => last_lag = e,
            }
            if now > give_up {
                return Err(format!(
                    "t={now}: not drained {}s after the producers stopped: {last_lag}",
                    (now - drain_start) / 1000
                ));
            }
            next_heal = now + 500;
        }
        let to = sim.next_deadline_ms().unwrap_or(u64::MAX).min(next_heal);
        step(&mut sim, &mut chk, &mut buf, to)?;
    }
    Ok(Outcome {
        hash: chk.hasher.hex(),
        events: chk.hasher.count(),
        end_ms: sim.now_ms(),
        inputs: sim.input_log().to_vec(),
    })
}

/// Replays a run's inputs and returns the event hash: through `handle` at the recorded times
/// (without the test's intermediate steps), or as the scenario's scheduled `inputs`.
fn replay(plan: &Plan, out: &Outcome, scheduled: bool) -> Result<String, String> {
    let mut hasher = EventHasher::default();
    let sim = if scheduled {
        let mut s = plan.scenario.clone();
        s["inputs"] = serde_json::to_value(&out.inputs).expect("inputs serialize");
        let mut sim =
            Sim::from_json(&s.to_string()).map_err(|e| format!("replay scenario refused: {e}"))?;
        sim.advance(out.end_ms);
        sim
    } else {
        let mut sim = Sim::from_json(&plan.scenario.to_string())
            .map_err(|e| format!("replay scenario refused: {e}"))?;
        for ti in &out.inputs {
            sim.handle(ti.at_ms, ti.input.clone())
                .map_err(|e| format!("replayed input {ti:?} refused: {e}"))?;
        }
        sim.advance(out.end_ms);
        sim
    };
    let mut sim = sim;
    sim.drain_events().iter().for_each(|e| hasher.add(e));
    if hasher.count() != out.events {
        return Err(format!(
            "replay gave {} events, the run {}",
            hasher.count(),
            out.events
        ));
    }
    Ok(hasher.hex())
}

/// Runs one seed with every check; the error carries everything needed to reproduce it.
fn check_seed(seed: u64) -> Result<Outcome, String> {
    let plan = gen_plan(seed);
    let mut applied = Vec::new();
    let result = catch_unwind(AssertUnwindSafe(|| -> Result<Outcome, String> {
        let out = run(&plan, &mut applied)?;
        let scheduled = seed % 2 == 1;
        let again = replay(&plan, &out, scheduled)?;
        if again != out.hash {
            let how = if scheduled {
                "as scheduled inputs"
            } else {
                "through handle"
            };
            return Err(format!(
                "not deterministic: replaying the inputs {how} gave event_hash {again}, the run {}",
                out.hash
            ));
        }
        Ok(out)
    }));
    let err = match result {
        Ok(Ok(out)) => return Ok(out),
        Ok(Err(e)) => e,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
            format!("the model panicked: {}", msg.unwrap_or_default())
        }
    };
    Err(format!(
        "seed {seed}: {err}\nreproduce with MAILROOM_SEED={seed} cargo test -p mailroom-core --test invariants\n\
         scenario: {}\nroles: {:?}\ninputs applied: {}",
        plan.scenario,
        plan.roles,
        serde_json::to_string(&applied).expect("inputs serialize")
    ))
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    Some(
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, got {v:?}")),
    )
}

#[test]
fn random_fault_schedules_keep_every_invariant() {
    if let Some(seed) = env_u64("MAILROOM_SEED") {
        let plan = gen_plan(seed);
        eprintln!(
            "seed {seed}\nscenario: {}\nroles: {:?}",
            plan.scenario, plan.roles
        );
        let out = check_seed(seed).unwrap_or_else(|e| panic!("{e}"));
        eprintln!(
            "inputs: {}",
            serde_json::to_string(&out.inputs).expect("inputs serialize")
        );
        eprintln!(
            "ok: {} events to t={} ms, event_hash {}",
            out.events, out.end_ms, out.hash
        );
        return;
    }
    let seeds = env_u64("MAILROOM_SEEDS").unwrap_or(DEFAULT_SEEDS);
    let started = Instant::now();
    let next = AtomicU64::new(1);
    let events = AtomicU64::new(0);
    let failures = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed > seeds {
                    break;
                }
                match check_seed(seed) {
                    Ok(out) => {
                        events.fetch_add(out.events, Ordering::Relaxed);
                    }
                    Err(e) => failures.lock().expect("not poisoned").push((seed, e)),
                }
            });
        }
    });
    let mut failures = failures.into_inner().expect("not poisoned");
    failures.sort_by_key(|f| f.0);
    eprintln!(
        "{seeds} seeds, {} events, {} failed, {:.1}s on {threads} threads",
        events.load(Ordering::Relaxed),
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    for (_, e) in &failures {
        eprintln!("{}", e.lines().next().unwrap_or_default());
    }
    if let Some((_, first)) = failures.first() {
        let seeds: Vec<u64> = failures.iter().map(|f| f.0).collect();
        panic!(
            "{} of {seeds:?} seeds failed; the first:\n{first}",
            failures.len()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions: model bugs the randomized schedules found (all fixed), each as the
// minimal repro it was reported with.

/// Drives `scenario` to `until_ms` with `inputs` applied at their times; returns the sim.
fn drive(scenario: Value, inputs: &[(u64, Input)], until_ms: u64) -> Sim {
    let mut sim =
        Sim::from_json(&scenario.to_string()).unwrap_or_else(|e| panic!("scenario refused: {e}"));
    for (at, input) in inputs {
        sim.handle(*at, input.clone())
            .unwrap_or_else(|e| panic!("input refused: {e}"));
    }
    sim.advance(until_ms);
    sim
}

/// Kafka's documented upgrade path to cooperative rebalancing first rolls the group onto
/// `["cooperative-sticky", "range"]`, which still rebalances eagerly. Eager members revoke
/// everything before rejoining and their JoinGroup carries no owned partitions
/// (`ConsumerCoordinator.onJoinPrepare` empties the assignment), so `CooperativeStickyAssignor`
/// withholds nothing. Found by seed 4 of the randomized schedules.
#[test]
fn eager_group_electing_cooperative_sticky_leaves_no_partition_unowned() {
    let scenario = json!({
        "seed": 1,
        "topics": [{"name": "orders", "partitions": 4}],
        "producers": [{"id": "shop", "topic": "orders", "rate_per_sec": 20, "keys": {"mode": "none"}}],
        "groups": [{"group.id": "billing", "topics": ["orders"], "consumers": 2,
                    "partition.assignment.strategy": ["cooperative-sticky", "range"],
                    "group.initial.rebalance.delay.ms": 0,
                    "session.timeout.ms": 3000, "heartbeat.interval.ms": 500}]
    });
    let sim = drive(
        scenario,
        &[(2_000, Input::AddConsumer { group: 0 })],
        20_000,
    );
    let unowned: Vec<_> = sim
        .owners(0)
        .into_iter()
        .filter(|(_, o)| o.is_empty())
        .map(|(tp, _)| tp)
        .collect();
    assert!(
        unowned.is_empty(),
        "partitions {unowned:?} have no owner 18 s after the rebalance"
    );
}

/// A recorded session (`Sim::input_log`) is meant for replay and sharing, so whatever
/// `handle` accepts must load as a scheduled input. Was: `handle` accepted
/// `CrashConsumer { at: in_transaction }` for any group while `Scenario::validate` refuses it
/// outside exactly-once groups. Found by seed 1.
#[test]
fn every_input_handle_accepts_loads_as_a_scheduled_input() {
    let scenario = json!({
        "topics": [{"name": "orders", "partitions": 1}],
        "groups": [{"group.id": "billing", "topics": ["orders"], "consumers": 1}]
    });
    let mut sim = Sim::from_json(&scenario.to_string()).expect("valid");
    let crash = Input::CrashConsumer {
        group: 0,
        member: 0,
        at: CrashPoint::InTransaction,
    };
    let accepted = sim.handle(100, crash).is_ok();
    let mut replay = scenario.clone();
    replay["inputs"] = serde_json::to_value(sim.input_log()).expect("serialize");
    let loads = Sim::from_json(&replay.to_string()).map(|_| ());
    assert!(
        !accepted || loads.is_ok(),
        "handle accepted it, the scenario refuses it: {loads:?}"
    );
}

/// Commit-before-processing is at-most-once only if a batch whose commit failed is not
/// processed: `commitSync()` throws (`RebalanceInProgressException`, `CommitFailedException`)
/// and the at-most-once loop must not go on to process the records. Was: the model processed
/// them anyway, so the partition's next owner, starting from the older committed offset,
/// processed them again. Found by seeds 22, 28, 41, 57 and 59 (cooperative members whose
/// commit fails while they rejoin, and a resumed zombie whose stalled fetch was processed
/// after its commit was refused).
#[test]
fn at_most_once_never_processes_a_batch_whose_commit_failed() {
    // One slow trickle of records; the owner is paused while it waits for the next one, so
    // the fetch answer waits in the paused client while it is expelled by
    // max.poll.interval.ms; the other member takes over from the committed offset and
    // processes the record; the zombie resumes, its commit is refused, it processes anyway.
    let scenario = json!({
        "seed": 5,
        "topics": [{"name": "orders", "partitions": 1}],
        "producers": [{"id": "shop", "topic": "orders", "rate_per_sec": 2, "keys": {"mode": "none"}}],
        "groups": [{"group.id": "billing", "topics": ["orders"], "consumers": 2, "commit": "before_processing",
                    "partition.assignment.strategy": ["range"], "group.initial.rebalance.delay.ms": 0,
                    "session.timeout.ms": 3000, "heartbeat.interval.ms": 500, "max.poll.interval.ms": 2000,
                    "max.poll.records": 1}]
    });
    let mut sim = Sim::from_json(&scenario.to_string()).expect("valid");
    sim.advance(3_100);
    let owner = sim.owners(0)[0].1[0];
    sim.handle(
        3_100,
        Input::PauseConsumer {
            group: 0,
            member: owner,
        },
    )
    .expect("pause");
    sim.handle(
        9_000,
        Input::ResumeConsumer {
            group: 0,
            member: owner,
        },
    )
    .expect("resume");
    sim.advance(12_000);
    let st = &sim.stats()[0];
    assert_eq!(st.duplicates, 0, "{st:?}");
}

/// When the transaction coordinator aborts a transaction on `transaction.timeout.ms` it bumps
/// the producer epoch, so the zombie that opened it is fenced (`ProducerFencedException`) and
/// can write nothing more (KIP-98). Was: a resumed zombie kept appending output records under
/// the aborted transaction id, which then never ended: the last stable offset froze and every
/// `read_committed` reader stopped there for good. Found by seed 17.
#[test]
fn timed_out_transaction_fences_its_zombie_and_the_last_stable_offset_moves_on() {
    let scenario = json!({
        "seed": 3,
        "topics": [{"name": "payments", "partitions": 1}, {"name": "ledger", "partitions": 1}],
        "producers": [{"id": "api", "topic": "payments", "rate_per_sec": 20, "keys": {"mode": "none"}}],
        "groups": [
            {"group.id": "transformer", "topics": ["payments"], "consumers": 2, "commit": "transactional",
             "output_topic": "ledger", "partition.assignment.strategy": ["range"],
             "group.initial.rebalance.delay.ms": 0, "session.timeout.ms": 3000, "heartbeat.interval.ms": 500,
             "max.poll.interval.ms": 3000, "transaction.timeout.ms": 2000, "max.poll.records": 5, "processing_ms": 100},
            {"group.id": "auditor", "topics": ["ledger"], "consumers": 1, "isolation.level": "read_committed",
             "group.initial.rebalance.delay.ms": 0, "session.timeout.ms": 3000, "heartbeat.interval.ms": 500}
        ]
    });
    let mut sim = Sim::from_json(&scenario.to_string()).expect("valid");
    sim.advance(3_050);
    let owner = sim.owners(0)[0].1[0];
    sim.handle(
        3_050,
        Input::PauseConsumer {
            group: 0,
            member: owner,
        },
    )
    .expect("pause");
    sim.handle(
        10_000,
        Input::ResumeConsumer {
            group: 0,
            member: owner,
        },
    )
    .expect("resume");
    sim.handle(
        12_000,
        Input::SetProducerRate {
            producer: 0,
            rate_per_sec: 0.0,
        },
    )
    .expect("stop");
    sim.advance(30_000);
    let ledger = &sim.snapshot().topics[1].partitions[0];
    assert_eq!(
        ledger.last_stable_offset, ledger.log_end_offset,
        "a transaction is still open on the output: {ledger:?}"
    );
    let st = sim.stats();
    assert_eq!(
        st[1].processed, st[1].produced,
        "the read_committed reader saw every committed output: {:?}",
        st[1]
    );
}

/// A zombie still holding records of a batch whose offsets it committed (at-most-once) may
/// process them after its partition moved on: in Kafka that is their first and only
/// processing. Was: the ledger, having declared them lost (the new owner started past them),
/// counted their late processing as duplicates and kept them lost. Found by seed 64.
#[test]
fn a_zombie_finishing_its_committed_batch_processes_those_records_once() {
    let scenario = json!({
        "seed": 5,
        "topics": [{"name": "orders", "partitions": 1}],
        "producers": [{"id": "shop", "topic": "orders", "rate_per_sec": 20, "keys": {"mode": "none"}}],
        "groups": [{"group.id": "billing", "topics": ["orders"], "consumers": 2, "commit": "before_processing",
                    "partition.assignment.strategy": ["range"], "group.initial.rebalance.delay.ms": 0,
                    "session.timeout.ms": 3000, "heartbeat.interval.ms": 500, "max.poll.interval.ms": 2000,
                    "max.poll.records": 10, "processing_ms": 40}]
    });
    let mut sim = Sim::from_json(&scenario.to_string()).expect("valid");
    sim.advance(3_010);
    let owner = sim.owners(0)[0].1[0];
    sim.handle(
        3_010,
        Input::PauseConsumer {
            group: 0,
            member: owner,
        },
    )
    .expect("pause");
    sim.handle(
        8_000,
        Input::ResumeConsumer {
            group: 0,
            member: owner,
        },
    )
    .expect("resume");
    sim.handle(
        9_000,
        Input::SetProducerRate {
            producer: 0,
            rate_per_sec: 0.0,
        },
    )
    .expect("stop");
    sim.advance(15_000);
    let st = &sim.stats()[0];
    assert_eq!(
        (st.duplicates, st.lost),
        (0, 0),
        "every record was processed exactly once: {st:?}"
    );
    assert_eq!(st.processed, st.produced, "{st:?}");
}

/// Kafka's `SyncGroupResponseHandler` clears `rejoinNeeded` once the member is in a new
/// stable generation. Was: a rejoin requested before (by a refused commit, while the next
/// JoinGroup answer waited in `deferred`) survived the sync, so the member rejoined right
/// after its assignment, the group moved on while it worked through its batch, the batch's
/// transaction was fenced (ILLEGAL_GENERATION), which requested another rejoin: an
/// exactly-once group rebalanced and aborted forever. Found by seeds 108 and 115 (shrunk).
#[test]
fn exactly_once_group_recovers_from_a_fenced_transaction() {
    // Seed 108, shrunk: four cooperative exactly-once members, one leaves and comes back.
    let scenario = json!({
        "seed": 108, "network_latency_ms": 5,
        "topics": [{"name": "in-0", "partitions": 4}, {"name": "out-0", "partitions": 2}],
        "producers": [
            {"id": "p0", "topic": "in-0", "rate_per_sec": 15, "max_records": 228, "keys": {"mode": "none"},
             "linger.ms": 20, "sticky.batch.records": 31},
            {"id": "p1", "topic": "in-0", "rate_per_sec": 16, "keys": {"mode": "none"},
             "linger.ms": 23, "sticky.batch.records": 4}
        ],
        "groups": [{"group.id": "g0", "topics": ["in-0"], "consumers": 4, "commit": "transactional",
                    "output_topic": "out-0", "partition.assignment.strategy": ["cooperative-sticky"],
                    "group.initial.rebalance.delay.ms": 0, "session.timeout.ms": 1426, "heartbeat.interval.ms": 155,
                    "max.poll.interval.ms": 4500, "transaction.timeout.ms": 3616,
                    "max.poll.records": 11, "processing_ms": 47}]
    });
    let inputs: Vec<(u64, Input)> = vec![
        (
            6_795,
            Input::SetProducerRate {
                producer: 1,
                rate_per_sec: 26.0,
            },
        ),
        (
            12_270,
            Input::LeaveGroup {
                group: 0,
                member: 1,
            },
        ),
        (
            15_846,
            Input::SetProducerRate {
                producer: 1,
                rate_per_sec: 22.0,
            },
        ),
        (
            19_142,
            Input::SetProducerRate {
                producer: 0,
                rate_per_sec: 0.0,
            },
        ),
        (
            19_142,
            Input::SetProducerRate {
                producer: 1,
                rate_per_sec: 0.0,
            },
        ),
        (
            19_142,
            Input::RestartConsumer {
                group: 0,
                member: 1,
            },
        ),
    ];
    let sim = drive(scenario, &inputs, 120_000);
    let st = &sim.stats()[0];
    assert_eq!(
        st.processed, st.produced,
        "100 s after the producers stopped: {st:?}"
    );
}

/// After a generation reset (here a transaction fenced with ILLEGAL_GENERATION), Kafka's
/// JoinGroup/SyncGroup handlers drop answers to requests sent before the reset
/// (`hasGenerationReset`) and the member rejoins owning nothing. The model still applies the
/// JoinGroup answer that waited in `deferred` while the leader worked through its batch: the
/// leader assigns with the ownership it has just lost, cooperative-sticky withholds the
/// partitions that move, nobody has anything to revoke, so no follow-up rebalance ever hands
/// them out. Found by seed 117 after 53efdbf (also 194, 365; 100 looks the same).
#[test]

fn partitions_withheld_for_a_cooperative_follow_up_are_eventually_assigned() {
    let mut scenario: Value = serde_json::from_str(SEED_117).expect("JSON");
    scenario["inputs"]
        .as_array_mut()
        .expect("inputs")
        .extend([0, 1, 2].map(|p| json!({"at_ms": 6969, "input": {"type": "SetProducerRate", "producer": p, "rate_per_sec": 0}})));
    let sim = drive(scenario, &[], 120_000);
    let unowned: Vec<_> = sim
        .owners(0)
        .into_iter()
        .filter(|(_, o)| o.is_empty())
        .map(|(tp, _)| tp)
        .collect();
    assert!(
        unowned.is_empty(),
        "partitions {unowned:?} of the exactly-once group have no owner at 120 s"
    );
}

/// Seed 117's generated scenario with the inputs the schedule applied until the drain.
const SEED_117: &str = r#"{"duration_ms": 0, "groups": [{"auto.commit.interval.ms": 879, "auto.offset.reset": "earliest", "commit": "transactional", "consumers": 3, "group.id": "g0", "group.initial.rebalance.delay.ms": 2429, "heartbeat.interval.ms": 871, "isolation.level": "read_uncommitted", "max.poll.interval.ms": 9743, "max.poll.records": 17, "output_topic": "out-0", "partition.assignment.strategy": ["range"], "processing_ms": 35, "session.timeout.ms": 3707, "static_membership": false, "topics": ["in-0", "in-1", "in-2"], "transaction.timeout.ms": 5562}, {"commit": "after_processing", "consumers": 1, "group.id": "down-0", "group.initial.rebalance.delay.ms": 0, "heartbeat.interval.ms": 500, "isolation.level": "read_committed", "max.poll.interval.ms": 10000, "max.poll.records": 18, "partition.assignment.strategy": ["range"], "session.timeout.ms": 5000, "topics": ["out-0"]}], "network_latency_ms": 1, "producers": [{"id": "p0", "keys": {"mode": "none"}, "linger.ms": 7, "max_records": 141, "rate_per_sec": 48.0, "sticky.batch.records": 26, "topic": "in-0"}, {"id": "p1", "keys": {"mode": "none"}, "linger.ms": 27, "max_records": 0, "rate_per_sec": 3.0, "sticky.batch.records": 11, "topic": "in-2"}, {"id": "p2", "keys": {"mode": "none"}, "linger.ms": 4, "max_records": 0, "rate_per_sec": 12.0, "sticky.batch.records": 14, "topic": "in-1"}], "seed": 117, "topics": [{"name": "in-0", "partitions": 7}, {"name": "in-1", "partitions": 8}, {"name": "in-2", "partitions": 3}, {"name": "out-0", "partitions": 2}], "inputs": [{"at_ms": 1091, "input": {"type": "SetStrategy", "group": 0, "strategies": ["sticky"]}}, {"at_ms": 2100, "input": {"type": "LeaveGroup", "group": 0, "member": 1}}, {"at_ms": 2636, "input": {"type": "SetProducerRate", "producer": 2, "rate_per_sec": 28.0}}, {"at_ms": 3539, "input": {"type": "PauseConsumer", "group": 0, "member": 2}}, {"at_ms": 4308, "input": {"type": "RestartConsumer", "group": 0, "member": 1}}, {"at_ms": 4348, "input": {"type": "SetStrategy", "group": 0, "strategies": ["cooperative-sticky"]}}, {"at_ms": 5163, "input": {"type": "LeaveGroup", "group": 0, "member": 1}}, {"at_ms": 6629, "input": {"type": "AddPartitions", "topic": 2, "partitions": 9}}, {"at_ms": 6969, "input": {"type": "SetProducerRate", "producer": 0, "rate_per_sec": 0.0}}, {"at_ms": 6969, "input": {"type": "SetProducerRate", "producer": 1, "rate_per_sec": 0.0}}, {"at_ms": 6969, "input": {"type": "SetProducerRate", "producer": 2, "rate_per_sec": 0.0}}, {"at_ms": 6969, "input": {"type": "RestartConsumer", "group": 0, "member": 1}}, {"at_ms": 6969, "input": {"type": "ResumeConsumer", "group": 0, "member": 2}}]}"#;
