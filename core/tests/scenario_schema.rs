//! `docs/scenario.schema.json` and the serde format agree, and every example in `scenarios/`
//! is valid by both.
//!
//! The JSON Schema crates are heavy to compile (minutes on two cores), so this file carries a
//! small validator for exactly the draft 2020-12 keywords (and regular expressions) the schema
//! uses; it refuses any other, so the schema cannot silently outgrow it. The schema was also
//! checked with Python's `jsonschema` (Draft202012Validator) when it was written.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mailroom_core::{Scenario, Sim};
use serde_json::{json, Value};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn schema() -> Value {
    let text = std::fs::read_to_string(root().join("docs/scenario.schema.json"))
        .expect("docs/scenario.schema.json");
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// Keywords that only annotate.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "title",
    "description",
    "default",
    "examples",
    "$defs",
];

/// The regular expressions the schema uses (no regex engine here: each is spelled out).
fn matches_pattern(pattern: &str, t: &str) -> bool {
    match pattern {
        "^[A-Za-z0-9._-]+$" => {
            !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        }
        "^__" => t.starts_with("__"),
        other => {
            panic!("the schema uses pattern {other:?}, which this validator does not implement")
        }
    }
}

struct Validator<'a> {
    root: &'a Value,
}

impl Validator<'_> {
    fn resolve(&self, r: &str) -> &Value {
        let name = r
            .strip_prefix("#/$defs/")
            .unwrap_or_else(|| panic!("unsupported $ref {r}"));
        self.root["$defs"]
            .get(name)
            .unwrap_or_else(|| panic!("no $defs/{name}"))
    }

    /// Errors of `v` against `schema`, each with a JSON path.
    fn errors(&self, schema: &Value, v: &Value, at: &str, out: &mut Vec<String>) {
        let Some(obj) = schema.as_object() else {
            if schema == &Value::Bool(false) {
                out.push(format!("{at}: not allowed"));
            }
            return;
        };
        for (k, s) in obj {
            match k.as_str() {
                k if ANNOTATIONS.contains(&k) => {}
                "$ref" => self.errors(
                    self.resolve(s.as_str().expect("$ref is a string")),
                    v,
                    at,
                    out,
                ),
                "type" => {
                    let types: Vec<&str> = match s {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(a) => {
                            a.iter().map(|t| t.as_str().expect("type name")).collect()
                        }
                        _ => panic!("bad type keyword"),
                    };
                    // "integer" as serde reads it: no fraction, no exponent form like 1.0.
                    let is = |t: &str| match t {
                        "object" => v.is_object(),
                        "array" => v.is_array(),
                        "string" => v.is_string(),
                        "boolean" => v.is_boolean(),
                        "null" => v.is_null(),
                        "number" => v.is_number(),
                        "integer" => v.is_u64() || v.is_i64(),
                        _ => panic!("unknown type {t}"),
                    };
                    if !types.iter().any(|t| is(t)) {
                        push(out, at, format!("{v} is not of type {types:?}"));
                    }
                }
                "enum" => {
                    if !s.as_array().expect("enum array").contains(v) {
                        push(out, at, format!("{v} is not one of {s}"));
                    }
                }
                "const" => {
                    if v != s {
                        push(out, at, format!("{v} is not {s}"));
                    }
                }
                "minimum" | "maximum" | "exclusiveMaximum" => {
                    if let Some(x) = v.as_f64() {
                        // Compare integers exactly where both fit (u64 bounds are beyond f64).
                        let ok = match (v.as_u64(), s.as_u64()) {
                            (Some(a), Some(b)) => match k.as_str() {
                                "minimum" => a >= b,
                                "maximum" => a <= b,
                                _ => a < b,
                            },
                            _ => {
                                let b = s.as_f64().expect("number bound");
                                match k.as_str() {
                                    "minimum" => x >= b,
                                    "maximum" => x <= b,
                                    _ => x < b,
                                }
                            }
                        };
                        if !ok {
                            push(out, at, format!("{v} breaks {k} {s}"));
                        }
                    }
                }
                "pattern" => {
                    if let Some(t) = v.as_str() {
                        let p = s.as_str().expect("pattern string");
                        if !matches_pattern(p, t) {
                            push(out, at, format!("{v} does not match {p}"));
                        }
                    }
                }
                "minLength" | "maxLength" => {
                    if let Some(t) = v.as_str() {
                        let n = t.chars().count() as u64;
                        let b = s.as_u64().expect("length bound");
                        if (k == "minLength" && n < b) || (k == "maxLength" && n > b) {
                            push(out, at, format!("{v} breaks {k} {b}"));
                        }
                    }
                }
                "minItems" | "maxItems" | "uniqueItems" | "items" => {
                    if let Some(a) = v.as_array() {
                        match k.as_str() {
                            "minItems" if (a.len() as u64) < s.as_u64().expect("bound") => {
                                push(out, at, format!("fewer than {s} items"))
                            }
                            "maxItems" if (a.len() as u64) > s.as_u64().expect("bound") => {
                                push(out, at, format!("more than {s} items"))
                            }
                            "uniqueItems"
                                if s == &Value::Bool(true)
                                    && a.iter().enumerate().any(|(i, x)| a[..i].contains(x)) =>
                            {
                                push(out, at, "items are not unique".into())
                            }
                            "items" => {
                                for (i, x) in a.iter().enumerate() {
                                    self.errors(s, x, &format!("{at}[{i}]"), out);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                "properties" | "required" | "additionalProperties" => {
                    if let Some(m) = v.as_object() {
                        let props = obj.get("properties").and_then(Value::as_object);
                        match k.as_str() {
                            "properties" => {
                                for (name, sub) in s.as_object().expect("properties object") {
                                    if let Some(x) = m.get(name) {
                                        self.errors(sub, x, &format!("{at}.{name}"), out);
                                    }
                                }
                            }
                            "required" => {
                                for name in s.as_array().expect("required array") {
                                    let name = name.as_str().expect("required name");
                                    if !m.contains_key(name) {
                                        push(out, at, format!("missing {name}"));
                                    }
                                }
                            }
                            _ => {
                                for (name, x) in m {
                                    if props.is_none_or(|p| !p.contains_key(name)) {
                                        self.errors(s, x, &format!("{at}.{name}"), out);
                                    }
                                }
                            }
                        }
                    }
                }
                "allOf" => s
                    .as_array()
                    .expect("allOf")
                    .iter()
                    .for_each(|sub| self.errors(sub, v, at, out)),
                "oneOf" => {
                    let passing = s
                        .as_array()
                        .expect("oneOf")
                        .iter()
                        .filter(|sub| self.valid(sub, v))
                        .count();
                    if passing != 1 {
                        push(
                            out,
                            at,
                            format!("{passing} of the oneOf alternatives match"),
                        );
                    }
                }
                "not" => {
                    if self.valid(s, v) {
                        push(out, at, format!("matches the forbidden {s}"));
                    }
                }
                "if" => {
                    let branch = if self.valid(s, v) {
                        obj.get("then")
                    } else {
                        obj.get("else")
                    };
                    if let Some(b) = branch {
                        self.errors(b, v, at, out);
                    }
                }
                "then" | "else" => {}
                other => {
                    panic!("the schema uses {other:?}, which this validator does not implement")
                }
            }
        }
    }

    fn valid(&self, schema: &Value, v: &Value) -> bool {
        let mut out = Vec::new();
        self.errors(schema, v, "", &mut out);
        out.is_empty()
    }
}

fn push(out: &mut Vec<String>, at: &str, why: String) {
    out.push(format!("{at}: {why}"));
}

fn schema_errors(v: &Value) -> Vec<String> {
    let s = schema();
    let mut out = Vec::new();
    Validator { root: &s }.errors(&s, v, "", &mut out);
    out
}

#[test]
fn the_schema_is_draft_2020_12() {
    let s = schema();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert!(schema_errors(&json!({"topics": [{"name": "t", "partitions": 1}]})).is_empty());
}

#[test]
fn every_example_scenario_validates_against_the_schema_and_loads() {
    let dir = root().join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenarios in {}", dir.display());
    for f in files {
        let text = std::fs::read_to_string(&f).expect("readable");
        let v: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let errors = schema_errors(&v);
        assert!(
            errors.is_empty(),
            "{} breaks the schema: {errors:#?}",
            f.display()
        );
        let mut sim = Sim::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        sim.advance(1_000);
    }
}

/// A scenario using every field of the format, every key mode and every input type.
fn everything() -> Value {
    json!({
        "seed": 1, "duration_ms": 1000, "network_latency_ms": 2,
        "brokers": 3, "broker.session.timeout.ms": 9000, "replica.lag.time.max.ms": 30000,
        "unclean.leader.election.enable": false,
        "topics": [{"name": "a", "partitions": 2, "retention.records": 0, "replication.factor": 3,
                    "min.insync.replicas": 2}, {"name": "b", "partitions": 1}],
        "producers": [
            {"id": "p", "topic": "a", "rate_per_sec": 1.5, "keys": {"mode": "entity", "prefix": "k", "count": 3, "skew": 0.5},
             "max_records": 10, "linger.ms": 1, "sticky.batch.records": 2, "acks": "all",
             "retries": 3, "delivery.timeout.ms": 60000, "request.timeout.ms": 5000,
             "max.in.flight.requests.per.connection": 5, "enable.idempotence": true,
             "retry.backoff.ms": 50},
            {"id": "q", "topic": "a", "rate_per_sec": 1, "keys": {"mode": "none"}}
        ],
        "groups": [
            {"group.id": "g", "topics": ["a"], "consumers": 1},
            {"group.id": "t", "topics": ["a"], "consumers": 1, "commit": "transactional", "output_topic": "b"},
            {"group.id": "c", "topics": ["a"], "consumers": 1, "group.protocol": "consumer", "group.remote.assignor": "range",
             "group.consumer.heartbeat.interval.ms": 1000, "group.consumer.session.timeout.ms": 5000}
        ],
        "share_groups": [
            {"group.id": "s", "topics": ["a"], "consumers": 2, "share.acknowledgement.mode": "explicit",
             "group.share.record.lock.duration.ms": 2000, "group.share.delivery.count.limit": 3,
             "group.share.partition.max.record.locks": 200, "group.share.heartbeat.interval.ms": 500,
             "group.share.session.timeout.ms": 3000, "share.auto.offset.reset": "earliest",
             "max.poll.records": 5, "processing_ms": 10,
             "poison": [{"topic": "a", "partition": 1, "offset": 2}], "poison_ack": "reject"}
        ],
        "inputs": [
            {"at_ms": 1, "input": {"type": "AddConsumer", "group": 0}},
            {"at_ms": 1, "input": {"type": "CrashConsumer", "group": 1, "member": 0, "at": "in_transaction"}},
            {"at_ms": 1, "input": {"type": "PauseConsumer", "group": 0, "member": 0}},
            {"at_ms": 1, "input": {"type": "ResumeConsumer", "group": 0, "member": 0}},
            {"at_ms": 1, "input": {"type": "RestartConsumer", "group": 0, "member": 0}},
            {"at_ms": 1, "input": {"type": "LeaveGroup", "group": 0, "member": 0}},
            {"at_ms": 1, "input": {"type": "SetProducerRate", "producer": 0, "rate_per_sec": 2}},
            {"at_ms": 1, "input": {"type": "AddPartitions", "topic": 0, "partitions": 3}},
            {"at_ms": 1, "input": {"type": "SetStrategy", "group": 0, "strategies": ["range"]}},
            {"at_ms": 1, "input": {"type": "ChangeSubscription", "group": 2, "member": 0, "topics": [0]}},
            {"at_ms": 1, "input": {"type": "AddShareConsumer", "share_group": 0}},
            {"at_ms": 1, "input": {"type": "CrashShareConsumer", "share_group": 0, "member": 0}},
            {"at_ms": 1, "input": {"type": "RestartShareConsumer", "share_group": 0, "member": 0}},
            {"at_ms": 1, "input": {"type": "LeaveShareGroup", "share_group": 0, "member": 0}},
            {"at_ms": 1, "input": {"type": "PauseShareConsumer", "share_group": 0, "member": 1}},
            {"at_ms": 1, "input": {"type": "ResumeShareConsumer", "share_group": 0, "member": 1}},
            {"at_ms": 1, "input": {"type": "CrashBroker", "broker": 0}},
            {"at_ms": 1, "input": {"type": "RestartBroker", "broker": 0}},
            {"at_ms": 1, "input": {"type": "IsolateBroker", "broker": 1}},
            {"at_ms": 1, "input": {"type": "HealBroker", "broker": 1}},
            {"at_ms": 1, "input": {"type": "SlowFollower", "broker": 2, "delay_ms": 100}}
        ]
    })
}

/// The schema (sub)object describing `v` at a JSON location, by following the structure.
fn keys_of(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("object").keys().cloned().collect()
}

fn props_of(def: &Value) -> BTreeSet<String> {
    def["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .cloned()
        .collect()
}

#[test]
fn schema_properties_are_exactly_the_serde_field_names() {
    // Serialize the parsed scenario: serde writes every field (defaults filled in) under its
    // serde name, so each object's keys are the full field list of its type.
    let json = everything().to_string();
    let scenario = Scenario::from_json(&json).expect("everything() is valid");
    let out = serde_json::to_value(&scenario).expect("serializes");
    let s = schema();
    let defs = &s["$defs"];
    assert_eq!(keys_of(&out), props_of(&s), "Scenario");
    assert_eq!(
        keys_of(&out["topics"][0]),
        props_of(&defs["topic"]),
        "TopicConfig"
    );
    assert_eq!(
        keys_of(&out["producers"][0]),
        props_of(&defs["producer"]),
        "ProducerConfig"
    );
    assert_eq!(
        keys_of(&out["groups"][0]),
        props_of(&defs["group"]),
        "GroupConfig"
    );
    assert_eq!(
        keys_of(&out["inputs"][0]),
        props_of(&defs["timed_input"]),
        "TimedInput"
    );
    assert_eq!(
        keys_of(&out["share_groups"][0]),
        props_of(&defs["share_group"]),
        "ShareGroupConfig"
    );
    assert_eq!(
        keys_of(&out["share_groups"][0]["poison"][0]),
        props_of(&defs["share_group"]["properties"]["poison"]["items"]),
        "PoisonRecord"
    );
    // Tagged enums: each variant's keys (tag included) are one alternative's properties.
    let variants = |def: &str| -> Vec<BTreeSet<String>> {
        defs[def]["oneOf"]
            .as_array()
            .expect("oneOf")
            .iter()
            .map(props_of)
            .collect()
    };
    let key_modes = variants("key_mode");
    for p in out["producers"].as_array().expect("producers") {
        assert!(
            key_modes.contains(&keys_of(&p["keys"])),
            "KeyMode {} not in the schema",
            p["keys"]
        );
    }
    assert_eq!(key_modes.len(), 2);
    let inputs = variants("input");
    for ti in out["inputs"].as_array().expect("inputs") {
        let input = &ti["input"];
        let alternatives = defs["input"]["oneOf"].as_array().expect("oneOf");
        let i = alternatives
            .iter()
            .position(|a| a["properties"]["type"]["const"] == input["type"]);
        let i = i.unwrap_or_else(|| panic!("no schema alternative tagged {}", input["type"]));
        assert_eq!(inputs[i], keys_of(input), "Input {} fields", input["type"]);
    }
    assert_eq!(
        inputs.len(),
        out["inputs"].as_array().unwrap().len(),
        "one alternative per Input variant"
    );
    // And the serialized form, defaults and all, is valid by the schema.
    assert_eq!(schema_errors(&out), Vec::<String>::new());
    assert_eq!(schema_errors(&everything()), Vec::<String>::new());
}

#[test]
fn schema_defaults_are_serde_defaults() {
    let minimal = json!({
        "topics": [{"name": "a", "partitions": 1}, {"name": "b", "partitions": 1}],
        "producers": [{"id": "p", "topic": "a", "rate_per_sec": 1, "keys": {"mode": "entity", "prefix": "k", "count": 1}}],
        "groups": [{"group.id": "g", "topics": ["a"], "consumers": 1}],
        "share_groups": [{"group.id": "s", "topics": ["a"], "consumers": 1}],
        "inputs": [{"at_ms": 0, "input": {"type": "CrashConsumer", "group": 0, "member": 0}}]
    });
    let filled = serde_json::to_value(Scenario::from_json(&minimal.to_string()).expect("valid"))
        .expect("serializes");
    let s = schema();
    let defs = &s["$defs"];
    // Fields left out of `minimal` take their serde default; the schema must name the same.
    let check = |given: &Value, obj: &Value, def: &Value, what: &str| {
        for (name, prop) in def["properties"].as_object().expect("properties") {
            if let Some(d) = prop.get("default").filter(|_| given.get(name).is_none()) {
                let got = &obj[name];
                // Numbers compare by value (1 vs 1.0).
                let same = got == d || (got.as_f64().is_some() && got.as_f64() == d.as_f64());
                assert!(
                    same,
                    "{what}.{name}: schema default {d}, serde default {got}"
                );
            }
        }
    };
    let m = &minimal;
    check(m, &filled, &s, "scenario");
    check(
        &m["topics"][0],
        &filled["topics"][0],
        &defs["topic"],
        "topic",
    );
    check(
        &m["producers"][0],
        &filled["producers"][0],
        &defs["producer"],
        "producer",
    );
    check(
        &m["producers"][0]["keys"],
        &filled["producers"][0]["keys"],
        &defs["key_mode"]["oneOf"][1],
        "keys",
    );
    check(
        &m["groups"][0],
        &filled["groups"][0],
        &defs["group"],
        "group",
    );
    check(
        &m["share_groups"][0],
        &filled["share_groups"][0],
        &defs["share_group"],
        "share_group",
    );
    check(
        &m["inputs"][0]["input"],
        &filled["inputs"][0]["input"],
        &defs["input"]["oneOf"][1],
        "CrashConsumer",
    );
}

/// Rules a JSON Schema cannot state (references between fields, uniqueness by name, ordering
/// of two fields, input indices): these paths are allowed to pass the schema yet fail
/// `Scenario::validate`.
fn cross_field_rule(path: &str) -> bool {
    [
        ".topic",
        "topics[",
        "heartbeat.interval.ms",
        ".name",
        ".id",
        "group.id",
        "output_topic",
        ".group",
        ".member",
        ".producer",
        ".at",
        // Kafka's ProducerConfig rules between fields (idempotence needs acks=all, retries > 0
        // and at most 5 in flight; delivery.timeout.ms ≥ linger.ms + request.timeout.ms) and
        // the cluster's size (replication.factor ≤ brokers, inputs' broker ids).
        ".acks",
        ".retries",
        "max.in.flight.requests.per.connection",
        "delivery.timeout.ms",
        ".broker",
    ]
    .iter()
    .any(|p| path.contains(p))
}

#[test]
fn schema_and_parser_refuse_the_same_single_field_changes() {
    let base = everything();
    let mut leaves = Vec::new();
    collect_leaves(&base, String::new(), &mut leaves);
    let replacements = [
        json!("x"),
        json!(-1),
        json!(1.5),
        json!(null),
        json!(4_294_967_296u64),
        json!(true),
        json!([]),
        json!(0),
    ];
    let mut checked = 0;
    for (ptr, path) in &leaves {
        for r in &replacements {
            let mut doc = base.clone();
            *doc.pointer_mut(ptr).expect("leaf") = r.clone();
            let parser = Scenario::from_json(&doc.to_string());
            let schema_ok = schema_errors(&doc).is_empty();
            match (&parser, schema_ok) {
                (Ok(_), false) => panic!(
                    "{path} = {r}: the parser accepts it, the schema refuses: {:?}",
                    schema_errors(&doc)
                ),
                (Err(e), true) if !cross_field_rule(&e.path) => {
                    panic!("{path} = {r}: the schema accepts it, the parser refuses: {e}")
                }
                _ => checked += 1,
            }
        }
        // Deleting the field: required fields go, optional ones take their default.
        let mut doc = base.clone();
        let (parent, key) = ptr.rsplit_once('/').expect("pointer");
        if let Some(m) = doc.pointer_mut(parent).and_then(Value::as_object_mut) {
            m.remove(&key.replace("~1", "/").replace("~0", "~"));
            let parser = Scenario::from_json(&doc.to_string());
            let schema_ok = schema_errors(&doc).is_empty();
            match (&parser, schema_ok) {
                (Ok(_), false) => panic!(
                    "deleting {path}: the parser accepts it, the schema refuses: {:?}",
                    schema_errors(&doc)
                ),
                (Err(e), true) if !cross_field_rule(&e.path) => {
                    panic!("deleting {path}: the schema accepts it, the parser refuses: {e}")
                }
                _ => checked += 1,
            }
        }
    }
    // An unknown field anywhere is refused by both.
    for ptr in [
        "",
        "/topics/0",
        "/producers/0",
        "/producers/0/keys",
        "/groups/0",
        "/inputs/0",
        "/inputs/0/input",
    ] {
        let mut doc = base.clone();
        doc.pointer_mut(ptr)
            .and_then(Value::as_object_mut)
            .expect("object")
            .insert("enable.auto.commit".into(), json!(true));
        assert!(
            Scenario::from_json(&doc.to_string()).is_err(),
            "parser accepts an unknown field at {ptr:?}"
        );
        assert!(
            !schema_errors(&doc).is_empty(),
            "schema accepts an unknown field at {ptr:?}"
        );
    }
    assert!(checked > 300, "only {checked} variations checked");
}

fn collect_leaves(v: &Value, ptr: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                collect_leaves(
                    x,
                    format!("{ptr}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                collect_leaves(x, format!("{ptr}/{i}"), out);
            }
        }
        _ => {
            let path = ptr.trim_start_matches('/').replace('/', ".");
            out.push((ptr, path));
        }
    }
}

#[test]
fn the_complete_example_in_the_docs_validates_and_loads() {
    let md = std::fs::read_to_string(root().join("docs/scenario.md")).expect("docs/scenario.md");
    let start = md
        .find("```json\n")
        .expect("a json example in docs/scenario.md")
        + "```json\n".len();
    let text = &md[start..start + md[start..].find("```").expect("closing fence")];
    let v: Value = serde_json::from_str(text).expect("the example is JSON");
    assert_eq!(schema_errors(&v), Vec::<String>::new());
    let mut sim =
        Sim::from_json(text).unwrap_or_else(|e| panic!("the docs example is refused: {e}"));
    sim.advance(30_000);
    assert!(
        sim.stats().iter().all(|g| g.processed > 0),
        "{:?}",
        sim.stats()
    );
}
