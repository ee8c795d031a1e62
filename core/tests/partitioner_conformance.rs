//! Every case of Kafka's own partitioner answers (tests/data/partitioner.json) must match.

use mailroom_core::partitioner::partition_for_key;

#[path = "support/partitioner_vectors.rs"]
mod partitioner_vectors;

#[test]
fn murmur2_partition_matches_kafka_for_every_vector() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/partitioner.json"
    ))
    .expect("vectors");
    let file: partitioner_vectors::PartitionerFile = serde_json::from_str(&text).expect("json");
    let cases = &file.cases;
    assert!(cases.len() > 10, "too few vectors");
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let key = c.key().unwrap_or_else(|e| panic!("case {i}: {e}"));
        let want = c
            .expected
            .unwrap_or_else(|| panic!("case {i} has no expected partition"));
        let got = partition_for_key(&key, c.partitions);
        if got != want {
            let shown = c.key_utf8.as_ref().or(c.key_hex.as_ref());
            failures.push(format!(
                "case {i} (key {shown:?}, {} partitions): expected {want}, got {got}",
                c.partitions
            ));
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
