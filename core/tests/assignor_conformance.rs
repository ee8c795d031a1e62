//! Kafka's own answers (tests/data/assign-*.json, produced by Kafka's Java classes) replayed
//! against Mailroom's assignors. Cases marked `order_sensitive` depend on Java HashMap order in
//! Kafka itself; for those the README's invariants are checked instead of an exact match.

#[path = "support/vectors.rs"]
mod vectors;

fn check_file(file: &str) {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("conformance vectors are checked in");
    let f = vectors::parse(&text, true)
        .unwrap_or_else(|e| panic!("{file}: vector file parses with every field: {e}"));
    let mut failures = Vec::new();
    for c in &f.cases {
        let got = vectors::run(&f.strategy, c).unwrap_or_else(|e| panic!("{file}: {e}"));
        let want = vectors::expected(c);
        if let Err(why) = vectors::verdict(&f.strategy, c, &got, &want) {
            if c.order_sensitive {
                failures.push(format!(
                    "{} (order-sensitive): {why}\n  expected {want:?}\n  got      {got:?}",
                    c.name
                ));
            } else {
                failures.push(format!(
                    "{}:\n  expected {want:?}\n  got      {got:?}",
                    c.name
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{file}: {} of {} cases differ:\n{}",
        failures.len(),
        f.cases.len(),
        failures.join("\n")
    );
}

#[test]
fn range_matches_kafka() {
    check_file("assign-range.json");
}

#[test]
fn roundrobin_matches_kafka() {
    check_file("assign-roundrobin.json");
}

#[test]
fn sticky_matches_kafka() {
    check_file("assign-sticky.json");
}

#[test]
fn cooperative_sticky_matches_kafka() {
    check_file("assign-cooperative-sticky.json");
}

#[test]
fn kip848_range_matches_kafka() {
    check_file("assign-kip848-range.json");
}

#[test]
fn kip848_uniform_matches_kafka() {
    check_file("assign-kip848-uniform.json");
}
