//! The fuzz pass: random mutations of scenario JSON text and of input JSON, fed to the
//! decoders (`Scenario::from_json`, `Sim::from_json` / `Sim::new`, `Input::from_json`,
//! `inputs_from_json`) and, when a mutant loads, a few bounded model steps and `Sim::handle`
//! calls. Each must answer `Ok` or a clean `Err`; a panic is a
//! [`crate::Invariant::DecodersNeverPanic`] violation.

use std::panic::{catch_unwind, AssertUnwindSafe};

use mailroom_core::input::inputs_from_json;
use mailroom_core::{EventLevel, Input, Scenario, Sim};
use serde_json::{json, Value};

use crate::gen::{generate, R};

/// Tokens spliced into the text: JSON fragments, edge numbers, Kafka spellings, broken syntax.
const TOKENS: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "-1",
    "1e309",
    "-0",
    "0.5",
    "NaN",
    "18446744073709551616",
    "4294967296",
    "9007199254740993",
    "\"\"",
    "\"all\"",
    "\"-1\"",
    "[]",
    "{}",
    "[[[[[[[[",
    "}}}",
    "\"type\":",
    "\"at_ms\":",
    ",",
    ":",
    "\"",
    "\\u0000",
    "\"__consumer_offsets\"",
    "1e3",
    "\"consumer\"",
    "\"explicit\"",
    "\"transactional\"",
    "\"in_transaction\"",
    "65536",
    "-9e18",
];

/// Random JSON values for structural mutations.
fn random_value(r: &mut R) -> Value {
    match r.int(0, 11) {
        0 => Value::Null,
        1 => json!(r.chance(0.5)),
        2 => json!(r.int(0, 10)),
        3 => json!(-(r.int(1, 1000) as i64)),
        4 => json!(u64::MAX - r.int(0, 3)),
        5 => json!(r.unit() * 1e12),
        6 => json!(u64::from(u32::MAX) + r.int(0, 3)),
        7 => json!(""),
        8 => json!(r.pick(&[
            "all",
            "0",
            "range",
            "uniform",
            "now",
            "x".repeat(70).as_str()
        ])),
        9 => json!([]),
        10 => json!({}),
        _ => json!([r.int(0, 5), "orders"]),
    }
}

/// Every string in `v` (the pool a type-preserving mutation draws names and enum values from).
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(x) => out.push(x.clone()),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// A value of the same JSON type as `v`: a number at an edge or near it, another string of
/// the document, a flipped bool — mostly still well-formed, so it gets past the parser into
/// validation and the model.
fn same_type(r: &mut R, v: &Value, pool: &[String]) -> Value {
    match v {
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            let edge = [
                0.0,
                1.0,
                2.0,
                (x - 1.0).max(0.0),
                x + 1.0,
                x * 2.0,
                (x / 2.0).floor(),
                5.0,
                6.0,
                1000.0,
                4096.0,
                4097.0,
                86_400_000.0,
                86_400_001.0,
            ];
            let y = r.pick(&edge);
            if n.is_f64() {
                json!(y + if r.chance(0.5) { 0.5 } else { 0.0 })
            } else {
                json!(y as u64)
            }
        }
        Value::String(_) if !pool.is_empty() => {
            json!(pool[r.int(0, pool.len() as u64 - 1) as usize])
        }
        Value::Bool(b) => json!(!b),
        Value::Array(a) if !a.is_empty() && r.chance(0.5) => {
            let mut a = a.clone();
            a.pop();
            Value::Array(a)
        }
        _ => random_value(r),
    }
}

/// Every path into `v` (objects and arrays).
fn paths(v: &Value, here: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                here.push(json!(k));
                paths(x, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                here.push(json!(i));
                paths(x, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[Value]) -> Option<&'a mut Value> {
    let mut cur = v;
    for seg in path {
        cur = match seg {
            Value::String(k) => cur.get_mut(k.as_str())?,
            Value::Number(i) => cur.get_mut(i.as_u64()? as usize)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// One structural mutation of a JSON document: a value replaced, a key removed, an unknown
/// key added, an array element duplicated or dropped.
fn mutate_value(r: &mut R, doc: &mut Value) {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    let mut pool = Vec::new();
    strings(doc, &mut pool);
    let path = all[r.int(0, all.len() as u64 - 1) as usize].clone();
    let kind = r.int(0, 9);
    if kind == 0 && !path.is_empty() {
        let (last, parent) = path.split_last().expect("not empty");
        if let Some(p) = at(doc, parent) {
            match (p, last) {
                (Value::Object(m), Value::String(k)) => {
                    m.remove(k);
                }
                (Value::Array(a), Value::Number(i)) => {
                    let i = i.as_u64().unwrap_or(0) as usize;
                    if i < a.len() {
                        a.remove(i);
                    }
                }
                _ => {}
            }
        }
        return;
    }
    let Some(target) = at(doc, &path) else {
        return;
    };
    match (kind, target) {
        (1, Value::Object(m)) => {
            m.insert(format!("unknown.{}", r.int(0, 9)), random_value(r));
        }
        (2, Value::Array(a)) if !a.is_empty() => {
            let i = r.int(0, a.len() as u64 - 1) as usize;
            let x = a[i].clone();
            a.push(x);
        }
        (3, t) => *t = random_value(r),
        (_, t) => *t = same_type(r, t, &pool),
    }
}

/// One textual mutation: a byte replaced, a span deleted or repeated, a token spliced in.
fn mutate_text(r: &mut R, text: &str) -> String {
    let mut b = text.as_bytes().to_vec();
    for _ in 0..r.int(1, 4) {
        if b.is_empty() {
            b.extend_from_slice(b"{}");
        }
        let i = r.int(0, b.len() as u64 - 1) as usize;
        match r.int(0, 3) {
            0 => b[i] = r.pick(b"{}[]\":,0123456789-.eE aZ\\"),
            1 => {
                let j = (i + r.int(1, 40) as usize).min(b.len());
                b.drain(i..j);
            }
            2 => {
                let j = (i + r.int(1, 40) as usize).min(b.len());
                let span = b[i..j].to_vec();
                b.splice(i..i, span);
            }
            _ => {
                let t = r.pick(TOKENS).as_bytes().to_vec();
                b.splice(i..i, t);
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// How many mutants each decoder accepted (the rest were refused with a clean `Err`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FuzzStats {
    /// Mutants fed.
    pub cases: u64,
    /// Scenario mutants that loaded into a `Sim` (and then ran a few bounded steps).
    pub scenarios_loaded: u64,
    /// Input mutants that decoded (and were handed to `Sim::handle`).
    pub inputs_decoded: u64,
}

/// Feeds one mutant to every decoder; `Ok(whether it loaded as a Sim)`, `Err` what panicked.
fn feed(text: &str) -> Result<bool, String> {
    let run = || {
        let _ = Input::from_json(text);
        let _ = inputs_from_json(text);
        if let Ok(sc) = Scenario::from_json(text) {
            if let Ok(mut sim) = Sim::new(sc) {
                // A few bounded steps, events off: a mutant may ask for a huge load.
                sim.set_event_level(EventLevel::Off);
                sim.advance_bounded(3_000, 200);
                let _ = sim.drain_events();
                return true;
            }
        }
        false
    };
    catch_unwind(AssertUnwindSafe(run)).map_err(|p| crate::check::panic_message(&p))
}

/// The fuzz pass for `seed`: `cases` mutants of the seed's generated scenario and of its
/// inputs. `Err((mutant, panic message))` on the first panic.
pub fn fuzz(seed: u64, cases: u32) -> Result<FuzzStats, (String, String)> {
    let mut r = R::new(seed, "soak/fuzz");
    let mut stats = FuzzStats::default();
    let base = generate(seed);
    for _ in 0..cases {
        let text = if r.chance(0.6) {
            let mut doc = base.clone();
            for _ in 0..r.int(1, 2) {
                mutate_value(&mut r, &mut doc);
            }
            if r.chance(0.15) {
                mutate_text(&mut r, &doc.to_string())
            } else {
                doc.to_string()
            }
        } else {
            mutate_text(&mut r, &base.to_string())
        };
        stats.cases += 1;
        if feed(&text).map_err(|e| (text.clone(), e))? {
            stats.scenarios_loaded += 1;
        }
        // Input JSON: one input or a list, mutated, decoded, and handed to a loaded model.
        let inputs = base["inputs"].as_array().cloned().unwrap_or_default();
        let mut one = inputs
            .get(r.int(0, inputs.len().max(1) as u64 - 1) as usize)
            .map(|i| i["input"].clone())
            .unwrap_or(json!({"type": "AddConsumer", "group": 0}));
        mutate_value(&mut r, &mut one);
        let text = one.to_string();
        let handled = catch_unwind(AssertUnwindSafe(|| {
            if let Ok(input) = Input::from_json(&text) {
                let mut sim = Sim::from_json(&base.to_string()).expect("generated loads");
                // Events off and few steps: a mutant may ask for 10^8 records a second.
                sim.set_event_level(EventLevel::Off);
                let _ = sim.handle(r.int(0, 2_000), input);
                sim.advance_bounded(4_000, 200);
                return true;
            }
            false
        }));
        stats.cases += 1;
        if handled.map_err(|p| (text.clone(), crate::check::panic_message(&p)))? {
            stats.inputs_decoded += 1;
        }
        feed(&text).map_err(|e| (text, e))?;
    }
    Ok(stats)
}
