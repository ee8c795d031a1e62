//! The fault drills: each a short deterministic simulation of the checked configuration.
//!
//! Every drill starts from one scenario ([`base`]): `brokers` brokers, one topic `checked`
//! with the configured partitions, replication factor and `min.insync.replicas`, one keyed
//! producer (100 keys, so per-key order can be checked) at `--rate` records per second, and one
//! consumer group of three members processing each record instantly. Commits follow
//! `enable.auto.commit`: `true` auto-commits every `auto.commit.interval.ms`; `false` is taken
//! to mean the usual `commitSync()` after each processed batch. The fault strikes once the
//! group has formed, at [`Drill::at_ms`], and always hits the *drilled partition* `checked-0`:
//! its leader, its followers, its owner or its group's coordinator, found by running the
//! scenario to the fault time and reading the model (`Sim::partition_leader`, `Sim::owners`,
//! `Sim::coordinator_broker`).
//!
//! ## Figures
//! `acked_lost`, `log_duplicates`, `reordered` are the producer's totals and `duplicates`,
//! `lost` the group's, as `simulate` prints them, at the drill's end. Unavailability is
//! measured on the drilled partition every [`SAMPLE_MS`] from the fault to the end:
//! - `producer_unavailable_s`: time its leader was missing or not reachable (crashed or
//!   isolated), or, with `acks=all`, its ISR was smaller than `min.insync.replicas` (the
//!   leader refuses such writes with `NOT_ENOUGH_REPLICAS`);
//! - `consumer_unavailable_s`: time its leader was missing or not reachable, or the group had
//!   no live, unpaused owner for it (the model's partition downtime grew).

use mailroom_core::event::Tp;
use mailroom_core::{BrokerState, Sim};
use serde_json::{json, Value};

use crate::config::{Acks, Resolved};
use crate::{ConfigError, Drill};

/// How often unavailability is sampled, simulated ms (the figures' resolution).
pub const SAMPLE_MS: u64 = 100;
/// Distinct record keys the producer uses.
pub const KEYS: u32 = 100;
/// Consumers in the group.
pub const CONSUMERS: u32 = 3;
/// Extra time every follower fetch takes in the leader-crash drill: replication a quarter
/// second behind, as under load, so the records only the leader has are visible.
pub const LEADER_CRASH_FOLLOWER_DELAY_MS: u64 = 250;
/// Most model steps one drill may take (a fired timer or an applied input; the default
/// configuration needs 10 000 – 600 000 per drill, the 335 s stall the most; 3 000 000 take about
/// 0.8 s natively). A drill that runs out stops there and says
/// so: `check` is bounded in time whatever the configuration.
pub const STEP_BUDGET: u64 = 3_000_000;
/// The drilled partition.
const TP: Tp = (0, 0);

/// The scenario every drill starts from (no inputs).
pub fn base(r: &Resolved) -> Value {
    let mut producer = json!({
        "id": r.client_id, "topic": "checked", "rate_per_sec": r.rate,
        "keys": { "mode": "entity", "prefix": "key", "count": KEYS },
        "acks": r.acks.json(), "retries": r.retries, "retry.backoff.ms": r.retry_backoff_ms,
        "delivery.timeout.ms": r.delivery_timeout_ms, "request.timeout.ms": r.request_timeout_ms,
        "linger.ms": r.linger_ms, "max.in.flight.requests.per.connection": r.max_in_flight,
    });
    if let Some(v) = r.enable_idempotence {
        producer["enable.idempotence"] = json!(v);
    }
    let mut group = json!({
        "group.id": r.group_id, "topics": ["checked"], "consumers": CONSUMERS,
        "max.poll.interval.ms": r.max_poll_interval_ms,
        "group.initial.rebalance.delay.ms": r.initial_rebalance_delay_ms,
        "max.poll.records": r.max_poll_records,
        "commit": if r.auto_commit { "auto" } else { "after_processing" },
        "auto.commit.interval.ms": r.auto_commit_interval_ms,
        "auto.offset.reset": if r.reset_earliest { "earliest" } else { "latest" },
        "isolation.level": if r.read_committed { "read_committed" } else { "read_uncommitted" },
        "static_membership": r.static_membership,
    });
    if r.consumer_protocol {
        group["group.protocol"] = json!("consumer");
        group["group.remote.assignor"] = json!(r.remote_assignor);
        // Not used by the consumer protocol; the model wants them at their defaults.
        group["group.initial.rebalance.delay.ms"] = json!(3000);
    } else {
        group["session.timeout.ms"] = json!(r.session_timeout_ms);
        group["heartbeat.interval.ms"] = json!(r.heartbeat_interval_ms);
        group["partition.assignment.strategy"] = json!(r.strategies);
    }
    json!({
        "seed": 1,
        "duration_ms": 0,
        "brokers": r.brokers,
        "broker.session.timeout.ms": r.broker_session_timeout_ms,
        "replica.lag.time.max.ms": r.replica_lag_time_max_ms,
        "unclean.leader.election.enable": r.unclean,
        "topics": [{ "name": "checked", "partitions": r.partitions,
                     "replication.factor": r.replication_factor,
                     "min.insync.replicas": r.min_insync_replicas }],
        "producers": [producer],
        "groups": [group],
        "inputs": [],
    })
}

/// When faults strike: once the group has formed and processed a few seconds of records.
fn fault_at(r: &Resolved) -> u64 {
    let delay = if r.consumer_protocol {
        0
    } else {
        r.initial_rebalance_delay_ms
    };
    delay + 7_000
}

fn timed(at_ms: u64, input: Value) -> Value {
    json!({ "at_ms": at_ms, "input": input })
}

fn sim_of(scenario: &Value) -> Result<Sim, ConfigError> {
    Sim::from_json(&scenario.to_string()).map_err(|e| {
        // The configuration was checked key by key, so this should not happen; if the model
        // refuses anyway, name the file and key its scenario field came from.
        let (file, key) = match e.path.split_once("].") {
            Some((list, key)) if list.starts_with("producers[") => ("producer", key),
            Some((list, key)) if list.starts_with("groups[") => ("consumer", key),
            Some((_, key)) => ("topic", key),
            None => ("topic", e.path.as_str()),
        };
        ConfigError::new(file, key, "", format!("refused by the model: {}", e.reason))
    })
}

/// The model's state at `at_ms` with `inputs` applied: to find whom a fault must hit.
fn state_at(scenario: &Value, inputs: &[Value], at_ms: u64) -> Result<Sim, ConfigError> {
    let mut s = scenario.clone();
    s["inputs"] = json!(inputs);
    let mut sim = sim_of(&s)?;
    sim.set_event_level(mailroom_core::EventLevel::Off);
    sim.advance(at_ms);
    Ok(sim)
}

/// What a finished drill run measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    /// Producer `acked_lost`.
    pub acked_lost: u64,
    /// Producer `log_duplicates`.
    pub log_duplicates: u64,
    /// Producer `reordered`.
    pub reordered: u64,
    /// Group `duplicates`.
    pub duplicates: u64,
    /// Group `lost`.
    pub lost: u64,
    /// Producer acknowledgements that failed for good (`failed`).
    pub failed: u64,
    /// See the module doc.
    pub producer_unavailable_ms: u64,
    /// See the module doc.
    pub consumer_unavailable_ms: u64,
    /// Where the run stopped early because it used up [`STEP_BUDGET`] (`None`: it reached its end).
    pub stopped_at_ms: Option<u64>,
}

/// Runs a drill's scenario to `end_ms`, measuring from `from_ms`.
pub fn measure(
    scenario: &Value,
    from_ms: u64,
    end_ms: u64,
    acks_all: bool,
    min_isr: u32,
) -> Result<Figures, ConfigError> {
    let mut sim = sim_of(scenario)?;
    sim.set_event_level(mailroom_core::EventLevel::Off);
    let mut f = Figures::default();
    let mut t = 0;
    let mut last_down = None;
    while t < end_ms {
        t = (t + SAMPLE_MS).min(end_ms);
        if !sim.advance_bounded(t, STEP_BUDGET.saturating_sub(sim.steps())) {
            f.stopped_at_ms = Some(sim.now_ms());
            break;
        }
        if t <= from_ms {
            continue;
        }
        let leader_up = sim
            .partition_leader(TP)
            .is_some_and(|b| sim.broker_state(b) == Some(BrokerState::Up));
        let isr_ok = !acks_all || sim.isr(TP).len() as u32 >= min_isr;
        if !(leader_up && isr_ok) {
            f.producer_unavailable_ms += SAMPLE_MS;
        }
        let down = partition_downtime(&sim);
        let owner_down = last_down.is_some_and(|d| down > d);
        last_down = Some(down);
        if !leader_up || owner_down {
            f.consumer_unavailable_ms += SAMPLE_MS;
        }
    }
    let p = &sim.producer_stats()[0];
    let g = &sim.stats()[0];
    f.acked_lost = p.acked_lost;
    f.log_duplicates = p.log_duplicates;
    f.reordered = p.reordered;
    f.failed = p.failed;
    f.duplicates = g.duplicates;
    f.lost = g.lost;
    Ok(f)
}

/// The drilled partition's downtime so far (ms without a live, unpaused owner).
fn partition_downtime(sim: &Sim) -> u64 {
    sim.snapshot()
        .groups
        .first()
        .and_then(|g| {
            g.partitions
                .iter()
                .find(|p| (p.topic, p.partition) == TP)
                .map(|p| p.downtime_ms)
        })
        .unwrap_or(0)
}

/// One drill's plan: its scenario with the fault inputs, when it strikes and when it ends.
pub struct Plan {
    /// Stable id.
    pub id: &'static str,
    /// Title.
    pub title: String,
    /// The scenario, inputs included.
    pub scenario: Value,
    /// The fault.
    pub at_ms: u64,
    /// The end of the run.
    pub end_ms: u64,
}

/// The ids of every drill, in order.
pub const IDS: [&str; 8] = [
    "leader-crash",
    "follower-lag-then-leader-crash",
    "broker-isolated",
    "rolling-restart",
    "consumer-crash-before-commit",
    "consumer-crash-after-commit",
    "consumer-stall",
    "coordinator-crash",
];

/// Builds drill `id`'s plan for configuration `r`.
pub fn plan(r: &Resolved, id: &str) -> Result<Plan, ConfigError> {
    let base = base(r);
    let t = fault_at(r);
    let bst = r.broker_session_timeout_ms;
    let leader_at = |inputs: &[Value], at: u64| -> Result<u32, ConfigError> {
        let sim = state_at(&base, inputs, at)?;
        Ok(sim.partition_leader(TP).unwrap_or(0))
    };
    let owner_at = |at: u64| -> Result<u32, ConfigError> {
        let sim = state_at(&base, &[], at)?;
        Ok(sim
            .owners(0)
            .into_iter()
            .find(|(tp, _)| *tp == TP)
            .and_then(|(_, o)| o.first().copied())
            .unwrap_or(0))
    };
    let (title, inputs, at_ms, end_ms): (String, Vec<Value>, u64, u64) = match id {
        "leader-crash" => {
            let mut inputs: Vec<Value> = (0..r.brokers)
                .map(|b| {
                    timed(
                        0,
                        json!({"type": "SlowFollower", "broker": b, "delay_ms": LEADER_CRASH_FOLLOWER_DELAY_MS}),
                    )
                })
                .collect();
            let l = leader_at(&inputs, t)?;
            let back = t + bst + 6_000;
            inputs.push(timed(t, json!({"type": "CrashBroker", "broker": l})));
            inputs.push(timed(back, json!({"type": "RestartBroker", "broker": l})));
            (
                format!(
                    "the leader of checked-0 (broker {l}) crashes; it returns {} s later",
                    (back - t) / 1000
                ),
                inputs,
                t,
                back + 10_000,
            )
        }
        "follower-lag-then-leader-crash" => {
            let l = leader_at(&[], t)?;
            let sim = state_at(&base, &[], t)?;
            let followers: Vec<u32> = sim
                .partition_replicas(TP)
                .into_iter()
                .filter(|b| *b != l)
                .collect();
            let lag = r.replica_lag_time_max_ms;
            let mut inputs: Vec<Value> = followers
                .iter()
                .map(|b| {
                    timed(
                        t,
                        json!({"type": "SlowFollower", "broker": b, "delay_ms": 3 * lag}),
                    )
                })
                .collect();
            // The ISR shrinks within replica.lag.time.max.ms plus one check (every half of it).
            let crash = t + lag + lag / 2 + 2_000;
            let back = crash + bst + 10_000;
            inputs.push(timed(crash, json!({"type": "CrashBroker", "broker": l})));
            inputs.push(timed(back, json!({"type": "RestartBroker", "broker": l})));
            (
                format!(
                    "the followers of checked-0 lag past replica.lag.time.max.ms ({lag} ms), then its leader (broker {l}) crashes"
                ),
                inputs,
                crash,
                back + 10_000,
            )
        }
        "broker-isolated" => {
            let l = leader_at(&[], t)?;
            let heal = t + bst + 10_000;
            (
                format!(
                    "the leader of checked-0 (broker {l}) is cut off from everyone for {} s",
                    (heal - t) / 1000
                ),
                vec![
                    timed(t, json!({"type": "IsolateBroker", "broker": l})),
                    timed(heal, json!({"type": "HealBroker", "broker": l})),
                ],
                t,
                heal + 15_000,
            )
        }
        "rolling-restart" => {
            // The model has no controlled shutdown: each broker is stopped hard and started again
            // once the controller fenced it, then given time to catch up before the next one.
            let step = bst + 15_000;
            let mut inputs = Vec::new();
            for b in 0..r.brokers {
                let at = t + u64::from(b) * step;
                inputs.push(timed(at, json!({"type": "CrashBroker", "broker": b})));
                inputs.push(timed(
                    at + bst + 3_000,
                    json!({"type": "RestartBroker", "broker": b}),
                ));
            }
            (
                format!(
                    "every broker in turn ({} of them) stops and starts again",
                    r.brokers
                ),
                inputs,
                t,
                t + u64::from(r.brokers) * step + 5_000,
            )
        }
        "consumer-crash-before-commit" | "consumer-crash-after-commit" => {
            let before = id == "consumer-crash-before-commit";
            let m = owner_at(t)?;
            let at = if before {
                "after_processing"
            } else {
                "after_commit"
            };
            let session = if r.consumer_protocol {
                45_000
            } else {
                r.session_timeout_ms
            };
            (
                format!(
                    "the consumer owning checked-0 (consumer-{}) crashes {} its commit; it restarts 5 s later",
                    m + 1,
                    if before { "after processing a batch, before" } else { "right after" }
                ),
                vec![
                    timed(t, json!({"type": "CrashConsumer", "group": 0, "member": m, "at": at})),
                    timed(t + 5_000, json!({"type": "RestartConsumer", "group": 0, "member": m})),
                ],
                t,
                t + session + 15_000,
            )
        }
        "consumer-stall" => {
            let m = owner_at(t)?;
            let resume = t + r.max_poll_interval_ms + 10_000;
            (
                format!(
                    "the consumer owning checked-0 (consumer-{}) stalls {} s, past max.poll.interval.ms ({} ms)",
                    m + 1,
                    (resume - t) / 1000,
                    r.max_poll_interval_ms
                ),
                vec![
                    timed(t, json!({"type": "PauseConsumer", "group": 0, "member": m})),
                    timed(resume, json!({"type": "ResumeConsumer", "group": 0, "member": m})),
                ],
                t,
                resume + 15_000,
            )
        }
        "coordinator-crash" => {
            let sim = state_at(&base, &[], t)?;
            let c = sim.coordinator_broker(0).unwrap_or(0);
            let back = t + bst + 15_000;
            (
                format!("the broker hosting the group's coordinator (broker {c}) crashes; it returns {} s later", (back - t) / 1000),
                vec![
                    timed(t, json!({"type": "CrashBroker", "broker": c})),
                    timed(back, json!({"type": "RestartBroker", "broker": c})),
                ],
                t,
                back + 10_000,
            )
        }
        other => {
            return Err(ConfigError::new(
                "",
                "drill",
                other,
                format!("one of {}", IDS.join(", ")),
            ));
        }
    };
    let mut scenario = base;
    scenario["inputs"] = json!(inputs);
    scenario["duration_ms"] = json!(end_ms);
    Ok(Plan {
        id: IDS.iter().find(|x| **x == id).copied().unwrap_or("?"),
        title,
        scenario,
        at_ms,
        end_ms,
    })
}

/// Runs drill `id` on `r` and returns its figures.
pub fn figures(r: &Resolved, id: &str) -> Result<(Plan, Figures), ConfigError> {
    let p = plan(r, id)?;
    let f = measure(
        &p.scenario,
        p.at_ms,
        p.end_ms,
        r.acks == Acks::All,
        r.min_insync_replicas,
    )?;
    Ok((p, f))
}

/// Runs every drill.
pub fn run_all(r: &Resolved) -> Result<Vec<Drill>, ConfigError> {
    run(r, &IDS)
}

/// Runs the drills `ids`, in that order.
pub fn run(r: &Resolved, ids: &[&str]) -> Result<Vec<Drill>, ConfigError> {
    ids.iter()
        .map(|id| {
            let (p, f) = figures(r, id)?;
            let warn = f.acked_lost + f.log_duplicates + f.duplicates + f.lost + f.reordered > 0;
            Ok(Drill {
                id: p.id.to_string(),
                title: p.title,
                acked_lost: f.acked_lost,
                log_duplicates: f.log_duplicates,
                duplicates: f.duplicates,
                lost: f.lost,
                reordered: f.reordered,
                producer_unavailable_s: f.producer_unavailable_ms as f64 / 1000.0,
                consumer_unavailable_s: f.consumer_unavailable_ms as f64 / 1000.0,
                advice: crate::advice::advice(r, p.id, &f),
                warn,
                scenario: p.scenario.to_string(),
                at_ms: p.at_ms,
            })
        })
        .collect()
}
