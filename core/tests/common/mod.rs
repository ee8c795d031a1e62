//! A test harness named for the domain: build a scenario, drive it in virtual time, look at
//! the recorded `(time, event)` log.
#![allow(dead_code)]

use mailroom_core::event::Event;
use mailroom_core::{Input, Sim, TimedEvent};
use serde_json::{json, Value};

/// A small keyed topic with one group; tweak with `with`.
pub fn base_scenario() -> Value {
    json!({
        "seed": 7,
        "duration_ms": 30000,
        "topics": [{"name": "orders", "partitions": 4}],
        "producers": [{"id": "shop", "topic": "orders", "rate_per_sec": 50,
                        "keys": {"mode": "entity", "prefix": "order", "count": 40}}],
        "groups": [{"group.id": "billing", "topics": ["orders"], "consumers": 2,
                     "partition.assignment.strategy": ["range"],
                     "group.initial.rebalance.delay.ms": 0,
                     "session.timeout.ms": 3000, "heartbeat.interval.ms": 500,
                     "max.poll.records": 1, "processing_ms": 10}]
    })
}

/// Merges `patch` into `v` (objects recursively; arrays of objects index by index).
pub fn with(mut v: Value, patch: Value) -> Value {
    merge(&mut v, patch);
    v
}

fn merge(a: &mut Value, b: Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, bv) in b {
                merge(a.entry(k).or_insert(Value::Null), bv);
            }
        }
        (Value::Array(a), Value::Array(b))
            if a.iter().all(Value::is_object)
                && b.iter().all(Value::is_object)
                && !a.is_empty() =>
        {
            for (i, bv) in b.into_iter().enumerate() {
                if i < a.len() {
                    merge(&mut a[i], bv);
                } else {
                    a.push(bv);
                }
            }
        }
        (a, b) => *a = b,
    }
}

/// A simulation plus the full event log it produced.
pub struct Run {
    pub sim: Sim,
    pub log: Vec<TimedEvent>,
}

impl Run {
    pub fn new(scenario: Value) -> Run {
        let sim = Sim::from_json(&scenario.to_string())
            .unwrap_or_else(|e| panic!("scenario refused: {e}"));
        Run {
            sim,
            log: Vec::new(),
        }
    }

    /// Advances to `t_ms`, recording events.
    pub fn until(&mut self, t_ms: u64) -> &mut Self {
        self.sim.advance(t_ms);
        self.sim.drain_events_into(&mut self.log);
        self
    }

    /// Advances in `step_ms` slices to `t_ms`, calling `check` after each slice.
    pub fn stepping(&mut self, t_ms: u64, step_ms: u64, mut check: impl FnMut(&Sim)) -> &mut Self {
        let mut t = self.sim.now_ms();
        while t < t_ms {
            t = (t + step_ms).min(t_ms);
            self.until(t);
            check(&self.sim);
        }
        self
    }

    /// Applies an input now.
    pub fn apply(&mut self, input: Input) -> &mut Self {
        let now = self.sim.now_ms();
        self.sim
            .handle(now, input)
            .unwrap_or_else(|e| panic!("input refused: {e}"));
        self.sim.drain_events_into(&mut self.log);
        self
    }

    pub fn events(&self) -> impl Iterator<Item = &TimedEvent> {
        self.log.iter()
    }

    pub fn count(&self, pred: impl Fn(&Event) -> bool) -> usize {
        self.log.iter().filter(|e| pred(&e.event)).count()
    }

    pub fn first_at(&self, pred: impl Fn(&Event) -> bool) -> Option<u64> {
        self.log.iter().find(|e| pred(&e.event)).map(|e| e.at_ms)
    }

    pub fn stats(&self, group: usize) -> mailroom_core::GroupStats {
        self.sim.stats()[group].clone()
    }
}

/// Asserts every partition of every group has at most one owner among current-generation members.
pub fn assert_one_owner(sim: &Sim) {
    for g in 0..sim.scenario().groups.len() as u32 {
        for (tp, owners) in sim.owners(g) {
            assert!(
                owners.len() <= 1,
                "t={} group {g} partition {tp:?} has owners {owners:?}",
                sim.now_ms()
            );
        }
    }
}

/// SplitMix64 for seeded fault schedules (the tests' own stream, not the model's).
pub struct SeedRng(pub u64);

impl SeedRng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform-ish in `0..n` (`0` for `n` = 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The seeds to run: `MAILROOM_SEED=n` alone, else `1..=MAILROOM_SEEDS` (default 12).
pub fn seeds() -> Vec<u64> {
    if let Some(s) = std::env::var("MAILROOM_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return vec![s];
    }
    let n = std::env::var("MAILROOM_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    (1..=n).collect()
}
