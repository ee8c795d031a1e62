//! The assignors' sorts of `u32` ids, through one copy of the standard library's stable sort and
//! one of its unstable sort, the comparison behind a `dyn` call.
//!
//! Why: every `sort_by(closure)` or `sort_by_key(closure)` call site instantiates its own copy of
//! the sort (driftsort or ipnsort with their small-sort, merge and pivot helpers: 4–10 KB of wasm
//! each at opt-level 3). Seventeen of them were about 130 KB of the page's 670 KB module.
//!
//! Results are unchanged: these are the standard library's algorithms on the same element type.
//! A stable sort's output is fully determined by the comparison; an unstable sort on the same
//! element type takes the same steps for the same comparison results, whichever closure gives them.
use std::cmp::Ordering;

/// `v.sort_by(cmp)`.
#[inline(never)]
pub(crate) fn stable_by(v: &mut [u32], cmp: &mut dyn FnMut(u32, u32) -> Ordering) {
    v.sort_by(|&a, &b| cmp(a, b));
}

/// `v.sort_unstable_by(cmp)`.
#[inline(never)]
pub(crate) fn unstable_by(v: &mut [u32], cmp: &mut dyn FnMut(u32, u32) -> Ordering) {
    v.sort_unstable_by(|&a, &b| cmp(a, b));
}

/// `v.sort_by_key(key)`.
pub(crate) fn stable_by_key<K: Ord>(v: &mut [u32], mut key: impl FnMut(u32) -> K) {
    stable_by(v, &mut |a, b| key(a).cmp(&key(b)));
}

/// `v.sort_unstable_by_key(key)`.
pub(crate) fn unstable_by_key<K: Ord>(v: &mut [u32], mut key: impl FnMut(u32) -> K) {
    unstable_by(v, &mut |a, b| key(a).cmp(&key(b)));
}

/// `v.sort_unstable()`.
pub(crate) fn unstable(v: &mut [u32]) {
    unstable_by(v, &mut |a, b| a.cmp(&b));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Same permutations as the standard library's own calls, ties included.
    #[test]
    fn same_results_as_std() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for n in [0usize, 1, 2, 7, 20, 33, 100, 1000, 5000] {
            let keys: Vec<u32> = (0..n).map(|_| (next() % 17) as u32).collect();
            let ids: Vec<u32> = (0..n as u32).collect();
            let key = |i: u32| keys[i as usize];

            let (mut a, mut b) = (ids.clone(), ids.clone());
            a.sort_by_key(|&i| key(i));
            stable_by_key(&mut b, key);
            assert_eq!(a, b, "stable, n = {n}");

            let (mut a, mut b) = (ids.clone(), ids.clone());
            a.sort_unstable_by_key(|&i| key(i));
            unstable_by_key(&mut b, key);
            assert_eq!(a, b, "unstable with ties, n = {n}");

            let (mut a, mut b) = (keys.clone(), keys.clone());
            a.sort_unstable();
            unstable(&mut b);
            assert_eq!(a, b, "plain, n = {n}");
        }
    }
}
