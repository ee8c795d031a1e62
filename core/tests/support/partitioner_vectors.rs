//! Kafka's partitioner conformance vectors (`core/tests/data/partitioner.json`, made by Kafka's
//! `BuiltInPartitioner`): the file model and each case's key bytes.
//!
//! Shared by `tests/partitioner_conformance.rs`, `examples/conformance.rs` and the `mailroom`
//! CLI's `conformance` and `partition --hex`, each of which includes it with
//! `#[path = "..."] mod partitioner_vectors;`. Everything here is used by each of them.

use serde::Deserialize;

/// A `partitioner*.json` file.
#[derive(Deserialize)]
pub struct PartitionerFile {
    /// The cases, in file order.
    pub cases: Vec<KeyCase>,
}

/// One key, a partition count and Kafka's answer.
#[derive(Deserialize)]
pub struct KeyCase {
    /// The key as UTF-8 text (what a String serializer writes).
    #[serde(default)]
    pub key_utf8: Option<String>,
    /// The key as hexadecimal bytes, for keys that are not text.
    #[serde(default)]
    pub key_hex: Option<String>,
    /// The topic's partition count.
    pub partitions: u32,
    /// Kafka's partition (`None` when the file leaves it out, e.g. for `--emit`).
    #[serde(default)]
    pub expected: Option<u32>,
}

impl KeyCase {
    /// The key's bytes; an error when neither form is given or the hex is malformed.
    pub fn key(&self) -> Result<Vec<u8>, String> {
        match (&self.key_utf8, &self.key_hex) {
            (Some(s), _) => Ok(s.as_bytes().to_vec()),
            (None, Some(h)) => hex_bytes(h).ok_or_else(|| format!("bad key_hex {h:?}")),
            (None, None) => Err("no key_utf8 or key_hex".into()),
        }
    }
}

/// Bytes from hexadecimal text (`00ff10`); `None` for an odd length or a non-hex digit.
pub fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}
