//! The simulation's only source of randomness: a seeded SplitMix64 generator.
//!
//! Each subsystem derives its own stream from the root seed and a label (TigerBeetle's VOPR
//! and quinn's `rng_seed` do the same), so adding a producer does not shift the random
//! choices of a consumer group and a replay with the same seed is bit-identical.

/// A small, fast, seedable PRNG (SplitMix64; passes BigCrush, plenty for a simulation).
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    /// A generator for the subsystem `label` (e.g. `"producer/3"`) derived from `root`.
    pub fn derive(root: u64, label: &str) -> Self {
        // FNV-1a of the label, mixed with the root through one SplitMix64 step, so that
        // nearby labels and nearby seeds give unrelated streams.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in label.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        let mut r = Rng::new(root ^ h.rotate_left(17));
        Rng::new(r.next_u64())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n` (`n > 0`), without modulo bias worth caring about here
    /// (Lemire's multiply-shift).
    pub fn below(&mut self, n: u32) -> u32 {
        ((u64::from(self.next_u64() as u32) * u64::from(n)) >> 32) as u32
    }

    /// A uniform float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_labels_diverge() {
        let mut a = Rng::derive(7, "producer/0");
        let mut b = Rng::derive(7, "producer/0");
        let mut c = Rng::derive(7, "producer/1");
        let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        let zs: Vec<u64> = (0..8).map(|_| c.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = Rng::new(1);
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            seen[r.below(7) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n > 800 && n < 1200), "{seen:?}");
    }
}
