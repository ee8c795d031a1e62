//! The producer's partitioner: which partition a record goes to.
//!
//! Keyed records follow `org.apache.kafka.clients.producer.internals.BuiltInPartitioner
//! .partitionForKey`: `toPositive(murmur2(keyBytes)) % numPartitions`, bit-exact with the Java
//! client (checked against Kafka's own answers in `tests/data/partitioner.json`). Records with
//! a *null* key use the uniform sticky partitioner of KIP-794: stick to one partition until a
//! batch's worth was sent to it, then pick another at random. (An empty key is a real key.)

use crate::rng::Rng;

/// Kafka's murmur2 (`org.apache.kafka.common.utils.Utils.murmur2`), 32-bit, seed `0x9747b28c`.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let len = data.len();
    let mut h: u32 = SEED ^ (len as u32);
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    // Java's switch falls through: 3 bytes mix in all three, then multiply once.
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: clears the sign bit (not `abs`, so `i32::MIN` maps to 0).
pub fn to_positive(x: i32) -> u32 {
    (x as u32) & 0x7fff_ffff
}

/// The partition for a non-null key: `toPositive(murmur2(key)) % partitions`.
///
/// `partitions` must be at least 1 (a topic always has a partition).
pub fn partition_for_key(key: &[u8], partitions: u32) -> u32 {
    to_positive(murmur2(key)) % partitions.max(1)
}

/// KIP-794's uniform sticky choice for records without a key.
///
/// Kafka switches when the bytes produced to the current partition reach `batch.size`; the
/// model counts records instead (`sticky.batch.records`). Without broker load statistics
/// (adaptive partitioning off), the next partition is uniformly random, as in
/// `BuiltInPartitioner.nextPartition`.
#[derive(Clone, Debug)]
pub struct StickyPartitioner {
    current: Option<u32>,
    sent_to_current: u32,
    batch_records: u32,
    rng: Rng,
}

impl StickyPartitioner {
    /// A sticky partitioner switching after `batch_records` records, drawing from `rng`.
    pub fn new(batch_records: u32, rng: Rng) -> Self {
        StickyPartitioner {
            current: None,
            sent_to_current: 0,
            batch_records: batch_records.max(1),
            rng,
        }
    }

    /// The partition for the next unkeyed record of a topic with `partitions` partitions.
    pub fn next(&mut self, partitions: u32) -> u32 {
        let partitions = partitions.max(1);
        let need_new = match self.current {
            None => true,
            Some(p) => p >= partitions || self.sent_to_current >= self.batch_records,
        };
        if need_new {
            self.current = Some(self.rng.below(partitions));
            self.sent_to_current = 0;
        }
        self.sent_to_current += 1;
        self.current.expect("set above")
    }

    /// Partitions a run of up to `want` (≥ 1) unkeyed records at once: returns the partition
    /// and how many of them go there before the partitioner would switch.
    pub fn next_run(&mut self, partitions: u32, want: u64) -> (u32, u64) {
        let p = self.next(partitions);
        let room = self.batch_records - self.sent_to_current;
        let extra = u64::from(room).min(want.saturating_sub(1));
        self.sent_to_current += extra as u32;
        (p, extra + 1)
    }

    /// The partition being filled now, if any.
    pub fn current(&self) -> Option<u32> {
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_matches_known_java_values() {
        // Values from Kafka's UtilsTest.testMurmur2.
        let cases: [(&str, i32); 4] = [
            ("21", -973932308),
            ("foobar", -790332482),
            ("a-little-bit-long-string", -985981536),
            ("a-little-bit-longer-string", -1486304829),
        ];
        for (s, want) in cases {
            assert_eq!(murmur2(s.as_bytes()), want, "{s}");
        }
    }

    #[test]
    fn sticky_partitioner_sticks_for_a_batch_then_moves() {
        let mut p = StickyPartitioner::new(4, Rng::new(3));
        let first: Vec<u32> = (0..4).map(|_| p.next(6)).collect();
        assert!(first.windows(2).all(|w| w[0] == w[1]));
        let mut counts = [0u32; 6];
        for _ in 0..6000 {
            counts[p.next(6) as usize] += 1;
        }
        assert!(counts.iter().all(|&c| c > 700), "uneven spread {counts:?}");
    }
}
