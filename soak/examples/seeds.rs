//! `cargo run --release -p mailroom-soak --example seeds -- FROM N`: a quick run without the CLI.
fn main() {
    let a: Vec<u64> = std::env::args()
        .skip(1)
        .map(|s| s.parse().unwrap())
        .collect();
    let (from, n) = (
        a.first().copied().unwrap_or(1),
        a.get(1).copied().unwrap_or(100),
    );
    let t = std::time::Instant::now();
    let opts = mailroom_soak::Options {
        determinism: true,
        wrong_acked_rule: false,
        instant_steps_max: 0,
    };
    let (cov, fails) = mailroom_soak::run_many(
        from,
        n,
        2,
        opts,
        mailroom_soak::FUZZ_CASES,
        &|_, _| {},
        &|| false,
    );
    println!("{:#}", cov.to_json());
    for f in &fails {
        println!("seed {}: {}", f.seed, f.violation);
    }
    println!(
        "{} failures, {:.1} s",
        fails.len(),
        t.elapsed().as_secs_f64()
    );
}
