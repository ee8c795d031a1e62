//! The fuzz pass: random mutations of scenario JSON text and of input JSON, fed to the
//! decoders (`Scenario::from_json`, `Sim::from_json` / `Sim::new`, `Input::from_json`,
//! `inputs_from_json`) and, when a mutant loads, a few bounded model steps and `Sim::handle`
//! calls. Each must answer `Ok` or a clean `Err`; a panic is a
//! [`crate::Invariant::DecodersNeverPanic`] violation.

use std::panic::{catch_unwind, AssertUnwindSafe};

use mailroom_core::input::inputs_from_json;
use mailroom_core::{Input, Scenario, Sim};
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
    let path = all[r.int(0, all.len() as u64 - 1) as usize].clone();
    let kind = r.int(0, 4);
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
        (_, t) => *t = random_value(r),
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

/// Feeds one mutant to every decoder; `Err` carries what panicked.
fn feed(text: &str) -> Result<(), String> {
    let run = || {
        let _ = Scenario::from_json(text);
        let _ = Input::from_json(text);
        let _ = inputs_from_json(text);
        if let Ok(sc) = Scenario::from_json(text) {
            if let Ok(mut sim) = Sim::new(sc) {
                // A few bounded steps: a mutant may ask for a huge load.
                sim.advance_bounded(3_000, 20_000);
                let _ = sim.drain_events();
            }
        }
    };
    catch_unwind(AssertUnwindSafe(run)).map_err(|p| crate::check::panic_message(&p))
}

/// The fuzz pass for `seed`: `cases` mutants of the seed's generated scenario and of its
/// inputs. `Err((mutant, panic message))` on the first panic.
pub fn fuzz(seed: u64, cases: u32) -> Result<(), (String, String)> {
    let mut r = R::new(seed, "soak/fuzz");
    let base = generate(seed);
    for _ in 0..cases {
        let text = if r.chance(0.5) {
            let mut doc = base.clone();
            for _ in 0..r.int(1, 3) {
                mutate_value(&mut r, &mut doc);
            }
            if r.chance(0.3) {
                mutate_text(&mut r, &doc.to_string())
            } else {
                doc.to_string()
            }
        } else {
            mutate_text(&mut r, &base.to_string())
        };
        feed(&text).map_err(|e| (text.clone(), e))?;
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
                let _ = sim.handle(r.int(0, 5_000), input);
                sim.advance_bounded(6_000, 20_000);
            }
        }));
        handled.map_err(|p| (text.clone(), crate::check::panic_message(&p)))?;
        feed(&text).map_err(|e| (text, e))?;
    }
    Ok(())
}
