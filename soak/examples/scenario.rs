//! `cargo run --release -p mailroom-soak --example scenario -- SEED`: prints the scenario the
//! soak generates for SEED (to open on the page or run with `mailroom simulate`).
fn main() {
    let seed: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let scenario = mailroom_soak::gen::generate(seed);
    println!("{}", serde_json::to_string_pretty(&scenario).expect("JSON"));
}
