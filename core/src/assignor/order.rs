//! Java's orderings and hashes, reproduced so ties break exactly as in Kafka.
//!
//! Kafka's assignors sort with `String.compareTo` (UTF-16 code units, not bytes) and iterate
//! `java.util.HashMap`s whose order follows `String.hashCode`. Where that order changes Kafka's
//! answer (sticky quota ties), reproducing it lets the simulator give the answer a real leader
//! would give.

use std::cmp::Ordering;

/// Java `String.compareTo`: lexicographic over UTF-16 code units.
pub fn java_cmp(a: &str, b: &str) -> Ordering {
    // Byte order equals UTF-16 order unless a supplementary character meets a U+E000..U+FFFF
    // one; only then take the slow path.
    if a.is_ascii() || b.is_ascii() {
        return a.as_bytes().cmp(b.as_bytes());
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Java `String.hashCode`: `s[0]*31^(n-1) + … + s[n-1]` over UTF-16 code units, wrapping.
pub fn java_hash(s: &str) -> i32 {
    // ASCII bytes are their own UTF-16 code units; skip the decoder for them.
    if s.is_ascii() {
        return s
            .bytes()
            .fold(0i32, |h, u| h.wrapping_mul(31).wrapping_add(i32::from(u)));
    }
    s.encode_utf16()
        .fold(0i32, |h, u| h.wrapping_mul(31).wrapping_add(u as i32))
}

/// `java.util.HashMap.hash`: the high half folded into the low half before masking.
pub fn java_spread(h: i32) -> u32 {
    let h = h as u32;
    h ^ (h >> 16)
}

/// Table size of a `new HashMap<>()` after `n` puts: 16, doubled whenever size exceeds 3/4.
pub fn java_table_size(n: usize) -> usize {
    let mut cap = 16usize;
    while n > cap / 4 * 3 {
        cap *= 2;
    }
    cap
}

/// Iteration order of a `new HashMap<>()` filled with `hashes` in the given order: by bucket,
/// then by insertion within a bucket (resizing keeps that relative order). Returns indices.
///
/// Kafka's leader fills the subscription map this way (`ConsumerCoordinator.onLeaderElected`).
/// Bins of eight or more colliding keys become trees in Java; that needs adversarial ids and is
/// not modelled.
pub fn java_hashmap_order(hashes: &[i32]) -> Vec<usize> {
    let size = java_table_size(hashes.len());
    let mask = (size - 1) as u32;
    // A stable counting sort by bucket: the table has fewer than 3n (at least 16) buckets, so
    // this is linear, where a comparison sort of a large group was not.
    let mut start = vec![0usize; size + 1];
    for &h in hashes {
        start[(java_spread(h) & mask) as usize + 1] += 1;
    }
    for b in 1..=size {
        start[b] += start[b - 1];
    }
    let mut idx = vec![0usize; hashes.len()];
    for (i, &h) in hashes.iter().enumerate() {
        let slot = &mut start[(java_spread(h) & mask) as usize];
        idx[*slot] = i;
        *slot += 1;
    }
    idx
}

/// `AbstractPartitionAssignor.MemberInfo.compareTo`: members with a `group.instance.id` first,
/// ordered by it, then the rest by member id.
pub fn member_info_cmp(
    a_id: &str,
    a_instance: Option<&str>,
    b_id: &str,
    b_instance: Option<&str>,
) -> Ordering {
    match (a_instance, b_instance) {
        (Some(a), Some(b)) => java_cmp(a, b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => java_cmp(a_id, b_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_uses_utf16_code_units() {
        assert_eq!(java_cmp("consumer-10", "consumer-9"), Ordering::Less);
        assert_eq!(java_cmp("Consumer-3", "c"), Ordering::Less);
        // U+FFFD is one code unit 0xFFFD; U+1F600 starts with surrogate 0xD83D, so it sorts first.
        assert_eq!(java_cmp("\u{FFFD}", "\u{1F600}"), Ordering::Greater);
    }

    #[test]
    fn hash_matches_java_string_hash_code() {
        assert_eq!(java_hash(""), 0);
        assert_eq!(java_hash("a"), 97);
        assert_eq!(java_hash("hello"), 99162322);
        assert_eq!(java_hash("consumer-10"), -858448042);
    }

    #[test]
    fn hashmap_order_is_by_bucket_then_insertion() {
        // Table of 16: buckets 1, 1, 0, 3 (spread folds the high half in: 0x10000 -> 1).
        assert_eq!(java_hashmap_order(&[1, 0x10000, 16, 3]), vec![2, 0, 1, 3]);
        for n in [0usize, 1, 12, 13, 100, 1000] {
            let hashes: Vec<i32> = (0..n)
                .map(|i| java_hash(&format!("consumer-{i}")))
                .collect();
            let mut expected: Vec<usize> = (0..n).collect();
            let mask = (java_table_size(n) - 1) as u32;
            expected.sort_by_key(|&i| java_spread(hashes[i]) & mask);
            assert_eq!(java_hashmap_order(&hashes), expected);
        }
        assert_eq!(java_hash("\u{e9}t\u{e9}"), 233 * 961 + 116 * 31 + 233);
    }

    #[test]
    fn hashmap_table_grows_past_three_quarters() {
        assert_eq!(java_table_size(0), 16);
        assert_eq!(java_table_size(12), 16);
        assert_eq!(java_table_size(13), 32);
        assert_eq!(java_table_size(48), 64);
        assert_eq!(java_table_size(49), 128);
    }
}
