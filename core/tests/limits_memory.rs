//! A run at the scenario format's limits (`bench/scenarios/limits.json`: 4,096 partitions,
//! 100 M records/s, 1,024 consumers, retention 1,000 records per partition) stays within a fixed
//! memory bound natively, with every event recorded and figures tracked, as long as the caller
//! drains events in step-bounded slices (what `simulate` and the Player do). This binary counts
//! live heap bytes through the allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use mailroom_core::{EventLevel, Sim};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            grew(new_size - layout.size());
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The bound stated in the README for a native run at the limits (model, figures and one
/// step-bounded slice of events); the process's RSS adds the binary and the allocator's slack.
const LIMITS_HEAP_BOUND_BYTES: usize = 64 << 20;

#[test]
fn a_run_at_the_documented_limits_stays_within_its_memory_bound() {
    let path = format!(
        "{}/../bench/scenarios/limits.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let json = std::fs::read_to_string(path).expect("limits scenario");
    let mut sim = Sim::from_json(&json).expect("valid");
    sim.set_event_level(EventLevel::All);
    sim.set_track_figures(true);
    let mut buf = Vec::new();
    let mut peak_at = Vec::new();
    // Debug builds run this load at a few hundred simulated ms per second: three slices of
    // 100 ms show whether memory keeps growing with time (it must not: retention bounds the
    // logs, the event buffer is drained every slice).
    for t in [100u64, 200, 300] {
        while !sim.advance_bounded(t, 20_000) {
            sim.drain_events_into(&mut buf);
            buf.clear();
        }
        sim.drain_events_into(&mut buf);
        buf.clear();
        peak_at.push(PEAK.load(Ordering::Relaxed));
    }
    eprintln!("peak heap after each slice (bytes): {peak_at:?}");
    let (first, last) = (peak_at[0], *peak_at.last().unwrap());
    assert!(
        last <= LIMITS_HEAP_BOUND_BYTES,
        "peak heap {} MB above the {} MB bound",
        last >> 20,
        LIMITS_HEAP_BOUND_BYTES >> 20
    );
    // Growth from the first slice to the last stays a small fraction: the backlog the
    // consumers have not read is capped by retention, not by time.
    assert!(
        last <= first + first / 4,
        "peak heap grew from {} MB to {} MB in 200 simulated ms",
        first >> 20,
        last >> 20
    );
    assert!(sim.stats()[0].produced > 1_000_000, "the load really ran");
}
