//! Times the assignors on the large groups of core/tests/data/README.md ("Kafka's own speed").
//!
//! ```text
//! cargo run --release -p mailroom-core --example assign_bench -- \
//!     --strategy sticky --members 1000 --topics 100 --partitions 10000 [--uneven] [--leave] [--runs 7]
//! ```
//! Members are `consumer-<i>`, topics `topic-<j>` with P/T partitions each. `--uneven`: member i
//! subscribes to topic j iff (i + j) % 3 != 0. `--leave`: take the fresh result, drop members with
//! i % 10 == 3, survivors own their fresh partitions at generation 1, and time that reassignment.
//! Prints `median_ms=X` (median over the runs of the assign call alone).

use mailroom_core::assignor::{assign, MemberSpec, Strategy, TopicSpec};
use std::time::Instant;

/// Keeps freed memory in the process between runs (glibc otherwise hands large blocks back to the
/// kernel and re-faults zeroed pages on every call). A warmed-up JVM, which Kafka's figures come
/// from, never pays that either; this measures the assignor, not page zeroing.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_heap() {
    extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    const M_TRIM_THRESHOLD: i32 = -1;
    const M_MMAP_THRESHOLD: i32 = -3;
    // SAFETY: mallopt only tunes glibc's allocator; called before any timing, single-threaded.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 256 << 20);
        mallopt(M_TRIM_THRESHOLD, i32::MAX);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_heap() {}

fn main() {
    keep_heap();
    let mut strategy = Strategy::Range;
    let (mut members, mut topics, mut partitions, mut runs) = (1000u32, 1u32, 10_000u32, 7usize);
    let (mut uneven, mut leave) = (false, false);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || {
            args.next()
                .unwrap_or_else(|| die(&format!("{a} needs a value")))
        };
        match a.as_str() {
            "--strategy" => {
                let s = val();
                strategy =
                    Strategy::from_name(&s).unwrap_or_else(|| die(&format!("unknown strategy {s}")))
            }
            "--members" => members = num(&val()),
            "--topics" => topics = num(&val()),
            "--partitions" => partitions = num(&val()),
            "--runs" => runs = num::<usize>(&val()).max(1),
            "--uneven" => uneven = true,
            "--leave" => leave = true,
            _ => die(&format!("unknown argument {a}")),
        }
    }
    let topics_spec: Vec<TopicSpec> = (0..topics)
        .map(|j| TopicSpec {
            name: format!("topic-{j}"),
            partitions: partitions / topics.max(1),
            partition_racks: Vec::new(),
        })
        .collect();
    let mut group: Vec<MemberSpec> = (0..members)
        .map(|i| MemberSpec {
            member_id: format!("consumer-{i}"),
            topics: (0..topics)
                .filter(|j| !uneven || (i + j) % 3 != 0)
                .collect(),
            ..MemberSpec::default()
        })
        .collect();
    if leave {
        let fresh = assign(strategy, &topics_spec, &group);
        group = group
            .into_iter()
            .zip(fresh)
            .enumerate()
            .filter(|(i, _)| i % 10 != 3)
            .map(|(_, (m, owned))| MemberSpec {
                owned,
                generation: Some(1),
                ..m
            })
            .collect();
    }
    let mut times = Vec::with_capacity(runs);
    let mut assigned = 0usize;
    for _ in 0..runs {
        let start = Instant::now();
        let out = assign(strategy, &topics_spec, &group);
        times.push(start.elapsed().as_secs_f64() * 1e3);
        assigned = out.iter().map(Vec::len).sum();
    }
    times.sort_by(f64::total_cmp);
    // The minimum is the best guide on a busy machine, where wall time includes waiting for a core.
    eprintln!(
        "{} members, {} partitions assigned, min_ms={:.2}",
        group.len(),
        assigned,
        times[0]
    );
    println!("median_ms={:.2}", times[times.len() / 2]);
}

fn num<T: std::str::FromStr>(s: &str) -> T {
    s.parse()
        .unwrap_or_else(|_| die(&format!("not a number: {s}")))
}

fn die(msg: &str) -> ! {
    eprintln!("assign_bench: {msg}");
    std::process::exit(2)
}
