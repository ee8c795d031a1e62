//! `cargo run --release -p mailroom-soak --example slowest -- FROM N`: the slowest seeds.
fn main() {
    let a: Vec<u64> = std::env::args()
        .skip(1)
        .map(|s| s.parse().unwrap())
        .collect();
    let (from, n) = (
        a.first().copied().unwrap_or(1),
        a.get(1).copied().unwrap_or(100),
    );
    let mut times = Vec::new();
    for seed in from..from + n {
        let t = std::time::Instant::now();
        let r = mailroom_soak::run_seed(
            seed,
            mailroom_soak::Options {
                determinism: true,
                wrong_acked_rule: false,
                instant_steps_max: 0,
            },
            4,
        );
        let ev = r.report.as_ref().map_or(0, |r| r.events);
        times.push((t.elapsed().as_secs_f64(), seed, ev));
    }
    let total: f64 = times.iter().map(|t| t.0).sum();
    times.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
    println!("total {total:.2} s");
    for t in times.iter().take(8) {
        println!("seed {} {:.3} s {} events", t.1, t.0, t.2);
    }
}
