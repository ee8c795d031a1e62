//! Shrinking: a failing schedule is reduced to the fewest scheduled inputs (and the shortest
//! run) that still break the same invariant — greedy delta debugging: drop halves, quarters, …,
//! then single inputs, keeping every removal after which the same invariant still fails.

use serde_json::Value;

use crate::check::{check, Invariant, Options};

/// Whether `scenario` still breaks `invariant` under `opts`.
pub fn fails(scenario: &Value, invariant: Invariant, opts: Options) -> bool {
    check(&scenario.to_string(), opts)
        .ok()
        .and_then(|r| r.violation)
        .is_some_and(|v| v.invariant == invariant)
}

fn with_inputs(scenario: &Value, inputs: &[Value]) -> Value {
    let mut s = scenario.clone();
    s["inputs"] = Value::Array(inputs.to_vec());
    s
}

/// The smallest failing variant of `scenario` found: fewest inputs, then `duration_ms` cut
/// to just past the violation. `runs` caps the number of checker runs.
pub fn shrink(scenario: &Value, invariant: Invariant, opts: Options, runs: usize) -> Value {
    let mut budget = runs;
    let mut try_fail = |s: &Value| {
        if budget == 0 {
            return false;
        }
        budget -= 1;
        fails(s, invariant, opts)
    };
    let mut inputs: Vec<Value> = scenario["inputs"].as_array().cloned().unwrap_or_default();
    let mut chunk = inputs.len().div_ceil(2).max(1);
    while !inputs.is_empty() {
        let mut removed = false;
        let mut start = 0;
        while start < inputs.len() {
            let end = (start + chunk).min(inputs.len());
            let mut fewer = inputs.clone();
            fewer.drain(start..end);
            if try_fail(&with_inputs(scenario, &fewer)) {
                inputs = fewer;
                removed = true;
            } else {
                start = end;
            }
        }
        if chunk == 1 && !removed {
            break;
        }
        if !removed || chunk > 1 {
            chunk = (chunk / 2).max(1);
        }
    }
    let mut best = with_inputs(scenario, &inputs);
    // Shorten the run to just past the violation (inputs after it cannot matter).
    let mut o = opts;
    o.determinism = invariant == Invariant::Deterministic;
    if let Some(v) = check(&best.to_string(), o).ok().and_then(|r| r.violation) {
        let end = v.at_ms + 1;
        if end < best["duration_ms"].as_u64().unwrap_or(0) {
            let mut shorter = best.clone();
            shorter["duration_ms"] = end.into();
            let kept: Vec<Value> = inputs
                .iter()
                .filter(|i| i["at_ms"].as_u64().unwrap_or(0) <= end)
                .cloned()
                .collect();
            shorter["inputs"] = Value::Array(kept);
            if try_fail(&shorter) {
                best = shorter;
            }
        }
    }
    best
}
