//! What-if sweeps: one scenario run many times to its end in fast-forward, one field varied over
//! a list or range of values (and optionally over several seeds), with the [figures](crate::figures)
//! of each run.
//!
//! ## The vary spec: `PATH=VALUES`
//! - `PATH` is a JSON path into the scenario document, written as scenario errors name fields:
//!   `groups[0].consumers`, `topics[0].partitions`, `producers[0].rate_per_sec`,
//!   `groups[0].max.poll.records`, `groups[0].session.timeout.ms`, `seed`. Kafka's config names
//!   contain dots and are plain JSON keys, so each step takes the longest key the scenario format
//!   knows at that point (a field left to its default may be varied: it is created).
//! - `VALUES` is an inclusive integer range `a..b`, a range with a step `a..b:step`, or a comma
//!   list of numbers or words (`0.5,1,2`, `range,cooperative-sticky`, `after_processing,auto`,
//!   `true,false`). Where the field is a list (`partition.assignment.strategy`), a word becomes the
//!   one-element list and `+` joins several: `range+cooperative-sticky` is
//!   `["range", "cooperative-sticky"]`.
//!
//! Every value is set into a copy of the scenario JSON and parsed again by
//! [`Scenario::from_json`], so a value the format refuses gives the usual `path: reason` error,
//! with the sweep value named. A sweep runs at most [`RUNS_MAX`] runs (values × seeds).
//!
//! ## Seeds
//! With `seeds = n`, each value runs with the scenario's seed `s`, `s + 1`, … `s + n − 1`
//! (the same `n` seeds for every value), and [`Sweep::summary`] gives min / median / max per
//! figure.
//!
//! ## Bounded work
//! [`Sweep::step`] does at most `budget` model steps (as [`crate::Player::run`]) and says how far
//! the sweep got, so a caller (a Web Worker) can report progress and stop at any time.

use serde::Serialize;
use serde_json::Value;

use crate::figures::{GroupFigures, FIGURE_NAMES};
use crate::scenario::{Scenario, ScenarioError};
use crate::{EventLevel, Sim};

/// Most runs (values × seeds) one sweep may do.
pub const RUNS_MAX: usize = 256;
/// Most seeds per value.
pub const SEEDS_MAX: u32 = 64;

/// One step of a path into the scenario document.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn path_text(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) if s.is_empty() => s.push_str(k),
            Seg::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Resolves `path` against `doc` (the scenario with every default filled in): at each step the
/// longest key present there that the path continues with.
fn resolve(doc: &Value, path: &str) -> Result<Vec<Seg>, ScenarioError> {
    let mut segs = Vec::new();
    let mut here = doc;
    let mut rest = path.trim();
    if rest.is_empty() {
        return Err(ScenarioError::new(
            "vary",
            "names no field (write PATH=VALUES)",
        ));
    }
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']').ok_or_else(|| {
                ScenarioError::new(path_text(&segs), format!("unclosed '[' in {path:?}"))
            })?;
            let i: usize = r[..close].trim().parse().map_err(|_| {
                ScenarioError::new(
                    path_text(&segs),
                    format!("{:?} is not a list index", &r[..close]),
                )
            })?;
            let Value::Array(items) = here else {
                return Err(ScenarioError::new(path_text(&segs), "is not a list"));
            };
            here = items.get(i).ok_or_else(|| {
                ScenarioError::new(
                    format!("{}[{i}]", path_text(&segs)),
                    format!("no such item (there are {})", items.len()),
                )
            })?;
            segs.push(Seg::Index(i));
            rest = &r[close + 1..];
            continue;
        }
        if !segs.is_empty() {
            rest = rest.strip_prefix('.').ok_or_else(|| {
                ScenarioError::new(
                    path_text(&segs),
                    format!("expected '.' or '[' before {rest:?}"),
                )
            })?;
        }
        let Value::Object(map) = here else {
            return Err(ScenarioError::new(path_text(&segs), "has no fields"));
        };
        let key = map
            .keys()
            .filter(|k| {
                rest.starts_with(k.as_str())
                    && matches!(rest[k.len()..].chars().next(), None | Some('.') | Some('['))
            })
            .max_by_key(|k| k.len())
            .cloned();
        let Some(key) = key else {
            let word: String = rest.chars().take_while(|&c| c != '[').collect();
            let mut at = segs.clone();
            at.push(Seg::Key(word));
            let known: Vec<&str> = map.keys().map(String::as_str).collect();
            return Err(ScenarioError::new(
                path_text(&at),
                format!("no such field (fields here: {})", known.join(", ")),
            ));
        };
        rest = &rest[key.len()..];
        here = &map[&key];
        segs.push(Seg::Key(key));
    }
    Ok(segs)
}

/// Sets `value` at `segs` in the user's document, creating the last key if it was left to its
/// default.
fn set_at(doc: &mut Value, segs: &[Seg], value: Value) -> Result<(), ScenarioError> {
    let mut here = doc;
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        here = match (seg, here) {
            (Seg::Key(k), Value::Object(map)) => {
                if last {
                    map.insert(k.clone(), value);
                    return Ok(());
                }
                map.get_mut(k)
            }
            (Seg::Index(n), Value::Array(items)) => {
                if last {
                    if let Some(slot) = items.get_mut(*n) {
                        *slot = value;
                        return Ok(());
                    }
                    None
                } else {
                    items.get_mut(*n)
                }
            }
            _ => None,
        }
        .ok_or_else(|| {
            ScenarioError::new(
                path_text(&segs[..=i]),
                "is missing from the scenario (write it out to vary below it)",
            )
        })?;
    }
    Err(ScenarioError::new("vary", "names no field"))
}

/// The values of a `VALUES` text, as written (labels).
fn value_labels(path: &str, text: &str) -> Result<Vec<String>, ScenarioError> {
    let text = text.trim();
    let bad = |why: String| ScenarioError::new(path, why);
    if let Some((a, b)) = text.split_once("..") {
        let (b, step) = match b.split_once(':') {
            Some((b, s)) => (b, s),
            None => (b, "1"),
        };
        let num = |s: &str, what: &str| -> Result<i64, ScenarioError> {
            s.trim().parse::<i64>().map_err(|_| {
                bad(format!(
                    "range {text:?}: {what} {:?} is not a whole number",
                    s.trim()
                ))
            })
        };
        let (a, b, step) = (num(a, "start")?, num(b, "end")?, num(step, "step")?);
        if step <= 0 {
            return Err(bad(format!("range {text:?}: the step must be at least 1")));
        }
        if a > b {
            return Err(bad(format!(
                "range {text:?}: the start must not exceed the end"
            )));
        }
        let count = (b - a) / step + 1;
        if count as usize > RUNS_MAX {
            return Err(bad(format!(
                "range {text:?} has {count} values; a sweep runs at most {RUNS_MAX}"
            )));
        }
        return Ok((0..count).map(|i| (a + i * step).to_string()).collect());
    }
    let labels: Vec<String> = text
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if labels.is_empty() {
        return Err(bad(
            "no values (write a..b, a..b:step or a comma list)".into()
        ));
    }
    if labels.len() > RUNS_MAX {
        return Err(bad(format!(
            "{} values; a sweep runs at most {RUNS_MAX}",
            labels.len()
        )));
    }
    Ok(labels)
}

/// Converts a value label to JSON shaped like the field's current value.
fn to_json(path: &str, label: &str, like: &Value) -> Result<Value, ScenarioError> {
    let bad = |why: &str| ScenarioError::new(path, format!("sweep value {label:?} {why}"));
    Ok(match like {
        Value::Number(_) => {
            if let Ok(n) = label.parse::<u64>() {
                Value::from(n)
            } else if let Ok(n) = label.parse::<i64>() {
                Value::from(n)
            } else {
                match label.parse::<f64>() {
                    Ok(x) if x.is_finite() => Value::from(x),
                    _ => return Err(bad("is not a number")),
                }
            }
        }
        Value::Bool(_) => match label {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad("is not true or false")),
        },
        Value::String(_) | Value::Null => Value::String(label.to_string()),
        Value::Array(items) if items.iter().all(Value::is_string) => Value::Array(
            label
                .split('+')
                .map(|s| Value::String(s.trim().to_string()))
                .collect(),
        ),
        _ => {
            return Err(bad(
                "cannot be set here: the field is not a number, word or list of words",
            ))
        }
    })
}

/// A parsed vary spec applied to a scenario: the field, and the variant scenarios.
#[derive(Clone, Debug)]
struct Variant {
    label: String,
    doc: Value,
    scenario: Scenario,
}

/// How far a sweep got.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Progress {
    /// Runs finished.
    pub runs_done: usize,
    /// Runs in the sweep (values × seeds).
    pub runs_total: usize,
    /// Simulated ms the run in progress reached (0 between runs).
    pub run_now_ms: u64,
    /// Where each run ends (the scenario's `duration_ms`; a varied `duration_ms` differs per value).
    pub run_end_ms: u64,
    /// Whether every run finished.
    pub done: bool,
}

/// The figures of one run.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct RunFigures {
    /// Index of the value in the sweep's list.
    pub value_index: usize,
    /// The value, as written in the vary spec.
    pub value: String,
    /// Which of the value's seeds (0-based; [`Sweep::variant_json`] takes it).
    pub seed_index: u32,
    /// The seed the run used.
    pub seed: u64,
    /// Where the run ended (simulated ms).
    pub end_ms: u64,
    /// Per group, in scenario order.
    pub groups: Vec<GroupFigures>,
}

/// One figure's spread over the seeds of one value.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Spread {
    /// The figure (one of [`FIGURE_NAMES`]).
    pub figure: &'static str,
    /// Smallest over the seeds (`None` when no seed had a value).
    pub min: Option<u64>,
    /// Median (the lower one for an even count).
    pub median: Option<u64>,
    /// Largest.
    pub max: Option<u64>,
}

/// One value's figures over its seeds, per group.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ValueSummary {
    /// Index of the value.
    pub value_index: usize,
    /// The value as written.
    pub value: String,
    /// Seeds run for it so far.
    pub seeds: usize,
    /// Per group: `(group.id, spreads in FIGURE_NAMES order)`.
    pub groups: Vec<(String, Vec<Spread>)>,
}

/// A sweep in progress: see the module docs.
pub struct Sweep {
    path: String,
    variants: Vec<Variant>,
    seeds: u32,
    /// The runs this sweep does, as indices `value_index × seeds + seed_index`, in order.
    runs: Vec<usize>,
    results: Vec<RunFigures>,
    current: Option<Sim>,
}

impl Sweep {
    /// Prepares a sweep of `scenario_json` varying `vary` (`PATH=VALUES`) over `seeds` seeds
    /// each. Every variant is validated now: a bad path, range or value is an error naming the
    /// field (and the value).
    pub fn new(scenario_json: &str, vary: &str, seeds: u32) -> Result<Sweep, ScenarioError> {
        let base = Scenario::from_json(scenario_json)?;
        if base.duration_ms == 0 {
            return Err(ScenarioError::new(
                "duration_ms",
                "is 0 (no end): a sweep runs each variant to the scenario's end",
            ));
        }
        if seeds == 0 || seeds > SEEDS_MAX {
            return Err(ScenarioError::new(
                "seeds",
                format!("must be between 1 and {SEEDS_MAX}, got {seeds}"),
            ));
        }
        let (path, values) = vary.split_once('=').ok_or_else(|| {
            ScenarioError::new(
                "vary",
                format!("{vary:?} is not PATH=VALUES (e.g. groups[0].consumers=1..8)"),
            )
        })?;
        let full = serde_json::to_value(&base).expect("a scenario always serializes");
        let segs = resolve(&full, path)?;
        let path = path_text(&segs);
        let labels = value_labels(&path, values)?;
        let runs = labels.len() * seeds as usize;
        if runs > RUNS_MAX {
            return Err(ScenarioError::new(
                "seeds",
                format!(
                    "{} values × {seeds} seeds = {runs} runs; a sweep runs at most {RUNS_MAX}",
                    labels.len()
                ),
            ));
        }
        let like = segs
            .iter()
            .try_fold(&full, |v, s| match s {
                Seg::Key(k) => v.get(k),
                Seg::Index(i) => v.get(i),
            })
            .expect("resolved");
        let user: Value = serde_json::from_str(scenario_json).expect("parsed above");
        let variants = labels
            .into_iter()
            .map(|label| {
                let v = to_json(&path, &label, like)?;
                let mut doc = user.clone();
                set_at(&mut doc, &segs, v)?;
                let text = doc.to_string();
                let scenario = Scenario::from_json(&text).map_err(|e| {
                    ScenarioError::new(e.path, format!("{} (sweep value {label:?})", e.reason))
                })?;
                if scenario.duration_ms == 0 {
                    return Err(ScenarioError::new(
                        "duration_ms",
                        format!("is 0 (no end) for sweep value {label:?}: a sweep needs an end"),
                    ));
                }
                if scenario.seed.checked_add(u64::from(seeds - 1)).is_none() {
                    return Err(ScenarioError::new(
                        "seed",
                        format!("{} + {seeds} seeds overflows", scenario.seed),
                    ));
                }
                Ok(Variant {
                    label,
                    doc,
                    scenario,
                })
            })
            .collect::<Result<Vec<_>, ScenarioError>>()?;
        Ok(Sweep {
            path,
            variants,
            seeds,
            runs: (0..runs).collect(),
            results: Vec::new(),
            current: None,
        })
    }

    /// The varied field's path, as scenario errors write it.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The values, as written.
    pub fn values(&self) -> Vec<&str> {
        self.variants.iter().map(|v| v.label.as_str()).collect()
    }

    /// Seeds per value.
    pub fn seeds(&self) -> u32 {
        self.seeds
    }

    /// Runs this sweep does (all values × seeds, or its shard's share).
    pub fn runs_total(&self) -> usize {
        self.runs.len()
    }

    /// Keeps only shard `index` of `count` (the runs whose number modulo `count` is `index`),
    /// so that several workers can share a sweep; each run's figures are the same as unsharded.
    /// Only before the first step.
    pub fn shard(&mut self, index: usize, count: usize) -> Result<(), ScenarioError> {
        if count == 0 || index >= count {
            return Err(ScenarioError::new(
                "shard",
                format!("must be an index below the shard count, got {index} of {count}"),
            ));
        }
        if !self.results.is_empty() || self.current.is_some() {
            return Err(ScenarioError::new("shard", "only before the sweep starts"));
        }
        self.runs.retain(|r| r % count == index);
        Ok(())
    }

    /// The scenario of run `value_index` with seed number `seed_index` (0-based), as JSON text:
    /// the user's document with the value and seed set (what a player opens to replay the run).
    pub fn variant_json(&self, value_index: usize, seed_index: u32) -> Option<String> {
        let v = self.variants.get(value_index)?;
        if seed_index >= self.seeds {
            return None;
        }
        let mut doc = v.doc.clone();
        doc["seed"] = Value::from(v.scenario.seed + u64::from(seed_index));
        Some(doc.to_string())
    }

    /// The validated scenario of run (`value_index`, `seed_index`).
    pub fn variant(&self, value_index: usize, seed_index: u32) -> Option<Scenario> {
        let v = self.variants.get(value_index)?;
        (seed_index < self.seeds).then(|| {
            let mut s = v.scenario.clone();
            s.seed += u64::from(seed_index);
            s
        })
    }

    /// Runs the sweep for at most `budget` model steps (at least one); returns how far it got.
    pub fn step(&mut self, budget: u64) -> Progress {
        let mut left = budget.max(1);
        while left > 0 && self.results.len() < self.runs_total() {
            let n = self.runs[self.results.len()];
            let (vi, si) = (n / self.seeds as usize, (n % self.seeds as usize) as u32);
            let sim = match &mut self.current {
                Some(sim) => sim,
                None => {
                    let scenario = self.variant(vi, si).expect("in range");
                    self.current = Some(run_sim(scenario).expect("validated in Sweep::new"));
                    self.current.as_mut().expect("just set")
                }
            };
            let end = sim.scenario().duration_ms;
            let before = sim.steps();
            let reached = sim.advance_bounded(end, left);
            left = left.saturating_sub((sim.steps() - before).max(1));
            if reached {
                let seed = sim.scenario().seed;
                let groups = sim.figures();
                self.results.push(RunFigures {
                    value_index: vi,
                    value: self.variants[vi].label.clone(),
                    seed_index: si,
                    seed,
                    end_ms: end,
                    groups,
                });
                self.current = None;
            }
        }
        self.progress()
    }

    /// Where the sweep is.
    pub fn progress(&self) -> Progress {
        let (run_now_ms, run_end_ms) = match &self.current {
            Some(sim) => (sim.now_ms(), sim.scenario().duration_ms),
            None => {
                let n = self.results.len().min(self.runs_total().saturating_sub(1));
                let vi = n / self.seeds as usize;
                (
                    0,
                    self.variants.get(vi).map_or(0, |v| v.scenario.duration_ms),
                )
            }
        };
        Progress {
            runs_done: self.results.len(),
            runs_total: self.runs_total(),
            run_now_ms,
            run_end_ms,
            done: self.results.len() == self.runs_total(),
        }
    }

    /// Runs the whole sweep (no bound: for native callers).
    pub fn run_to_end(&mut self) -> &[RunFigures] {
        while !self.step(1_000_000).done {}
        &self.results
    }

    /// The runs finished so far, value by value, seed by seed (a shard's runs only).
    pub fn results(&self) -> &[RunFigures] {
        &self.results
    }

    /// Per value finished so far: each figure's min / median / max over its seeds.
    pub fn summary(&self) -> Vec<ValueSummary> {
        summarize(&self.results)
    }
}

/// A [`Sim`] for one sweep run: fast-forward (no events), figures tracked.
pub fn run_sim(scenario: Scenario) -> Result<Sim, ScenarioError> {
    let mut sim = Sim::new(scenario)?;
    sim.set_event_level(EventLevel::Off);
    sim.drain_events();
    sim.set_track_figures(true);
    Ok(sim)
}

/// Per value: each figure's min / median / max over the runs of that value.
pub fn summarize(results: &[RunFigures]) -> Vec<ValueSummary> {
    let mut out: Vec<ValueSummary> = Vec::new();
    let mut i = 0;
    while i < results.len() {
        let vi = results[i].value_index;
        let runs: Vec<&RunFigures> = results[i..]
            .iter()
            .take_while(|r| r.value_index == vi)
            .collect();
        i += runs.len();
        let groups = runs[0]
            .groups
            .iter()
            .enumerate()
            .map(|(g, gf)| {
                let spreads = FIGURE_NAMES
                    .iter()
                    .map(|&figure| {
                        let mut v: Vec<u64> = runs
                            .iter()
                            .filter_map(|r| r.groups[g].get(figure))
                            .collect();
                        v.sort_unstable();
                        Spread {
                            figure,
                            min: v.first().copied(),
                            median: v.get(v.len().saturating_sub(1) / 2).copied(),
                            max: v.last().copied(),
                        }
                    })
                    .collect();
                (gf.group.clone(), spreads)
            })
            .collect();
        out.push(ValueSummary {
            value_index: vi,
            value: runs[0].value.clone(),
            seeds: runs.len(),
            groups,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"topics":[{"name":"t","partitions":2}],
        "groups":[{"group.id":"g","topics":["t"],"consumers":1}]}"#;

    fn full() -> Value {
        serde_json::to_value(Scenario::from_json(DOC).unwrap()).unwrap()
    }

    #[test]
    fn paths_with_dotted_kafka_names_resolve_to_the_longest_key() {
        let segs = resolve(&full(), "groups[0].max.poll.records").unwrap();
        assert_eq!(path_text(&segs), "groups[0].max.poll.records");
        // Not confused with max.poll.interval.ms, whose first part is the same.
        let segs = resolve(&full(), "groups[0].max.poll.interval.ms").unwrap();
        assert_eq!(segs.last(), Some(&Seg::Key("max.poll.interval.ms".into())));
        let e = resolve(&full(), "groups[0].max.poll").unwrap_err();
        assert_eq!(e.path, "groups[0].max.poll");
        let e = resolve(&full(), "groups[3].consumers").unwrap_err();
        assert_eq!(e.path, "groups[3]");
    }

    #[test]
    fn ranges_steps_and_lists() {
        assert_eq!(value_labels("x", "1..4").unwrap(), ["1", "2", "3", "4"]);
        assert_eq!(value_labels("x", "0..10:5").unwrap(), ["0", "5", "10"]);
        assert_eq!(value_labels("x", "a, b ,c").unwrap(), ["a", "b", "c"]);
        assert!(value_labels("x", "4..1").is_err());
        assert!(value_labels("x", "1..4:0").is_err());
        assert!(value_labels("x", "1..x").is_err());
        assert!(value_labels("x", " , ").is_err());
        assert!(value_labels("x", "0..1000").is_err());
    }
}
