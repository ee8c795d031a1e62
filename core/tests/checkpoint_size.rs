//! `Sim::approx_bytes` is what bounds checkpoint memory, so it must track what a clone really
//! allocates. This test binary counts the bytes the allocator hands out during `clone()`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use mailroom_core::{Scenario, Sim};

struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATED.fetch_add(new_size.saturating_sub(layout.size()), Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn clone_bytes(sim: &Sim) -> usize {
    let before = ALLOCATED.load(Ordering::Relaxed);
    let copy = sim.clone();
    let bytes = ALLOCATED.load(Ordering::Relaxed) - before;
    drop(copy);
    bytes
}

fn load(path: &str) -> Scenario {
    let json = std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR")))
        .expect("scenario file");
    Scenario::from_json(&json).expect("valid")
}

#[test]
fn approx_bytes_tracks_what_a_clone_allocates() {
    for (path, until) in [
        ("bench/scenarios/p256-50k.json", 20_000),
        ("bench/scenarios/p32-16k.json", 20_000),
        ("bench/scenarios/p6-hour.json", 60_000),
        ("scenarios/exactly-once-transactional-crash.json", 20_000),
        ("scenarios/eager-vs-cooperative.json", 15_000),
        ("scenarios/classic-vs-consumer-protocol.json", 15_000),
        ("scenarios/share-group-drains-a-queue.json", 12_500),
        ("scenarios/poison-message-delivery-limit.json", 5_000),
    ] {
        let mut sim = Sim::new(load(path)).expect("sim");
        sim.set_event_level(mailroom_core::EventLevel::Off);
        sim.advance(until);
        let real = clone_bytes(&sim);
        let approx = sim.approx_bytes();
        eprintln!("{path}: clone allocates {real} bytes, approx_bytes says {approx}");
        assert!(
            approx >= real && approx <= real * 3 + 16_384,
            "{path}: approx {approx} vs real {real}"
        );
    }
}
