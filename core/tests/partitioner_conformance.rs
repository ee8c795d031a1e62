//! Every case of Kafka's own partitioner answers (tests/data/partitioner.json) must match.

use mailroom_core::partitioner::partition_for_key;
use serde_json::Value;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn murmur2_partition_matches_kafka_for_every_vector() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/partitioner.json"
    ))
    .expect("vectors");
    let v: Value = serde_json::from_str(&text).expect("json");
    let cases = v["cases"].as_array().expect("cases");
    assert!(cases.len() > 10, "too few vectors");
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let key = match (c.get("key_utf8"), c.get("key_hex")) {
            (Some(Value::String(s)), _) => s.as_bytes().to_vec(),
            (_, Some(Value::String(h))) => hex(h),
            _ => panic!("case {i} has no key"),
        };
        let parts = c["partitions"].as_u64().expect("partitions") as u32;
        let want = c["expected"].as_u64().expect("expected") as u32;
        let got = partition_for_key(&key, parts);
        if got != want {
            failures.push(format!("case {i}: {c} → got {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
