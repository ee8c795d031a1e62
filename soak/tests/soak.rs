//! The soak's own tests: a slice of seeds holds every invariant (outside the listed known
//! gaps), a deliberately wrong rule is detected and shrunk to a scenario that reproduces, the
//! generator is deterministic, and the fuzz pass runs clean.
//!
//! `MAILROOM_SOAK_SEEDS=n` changes the slice (default [`SLICE`]).

use mailroom_core::Sim;
use mailroom_soak::{check, gen, run_many, shrink, write_failure, Invariant, Options, KNOWN_GAPS};
use serde_json::{json, Value};

/// Seeds of the slice (about 5 s in release on 2 cores).
const SLICE: u64 = 1000;

fn jobs() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

#[test]
fn a_slice_of_seeds_holds_every_invariant() {
    let n = std::env::var("MAILROOM_SOAK_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SLICE);
    let opts = Options {
        determinism: true,
        wrong_acked_rule: false,
        instant_steps_max: 0,
    };
    let (coverage, failures) = run_many(
        1,
        n,
        jobs(),
        opts,
        mailroom_soak::FUZZ_CASES,
        &|_, _| {},
        &|| false,
    );
    assert_eq!(coverage.schedules, n);
    let (known, new): (Vec<_>, Vec<_>) = failures
        .iter()
        .partition(|f| KNOWN_GAPS.iter().any(|(i, _)| *i == f.violation.invariant));
    for f in &known {
        eprintln!("known gap, seed {}: {}", f.seed, f.violation);
    }
    assert!(
        new.is_empty(),
        "{}\nreproduce with: mailroom soak --from SEED --seeds 1",
        new.iter()
            .map(|f| format!("seed {}: {}", f.seed, f.violation))
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Every invariant had something to check somewhere in the slice.
    for i in Invariant::ALL {
        assert!(
            coverage.exercised.get(&i).copied().unwrap_or(0) > 0,
            "{i} never exercised in {n} seeds"
        );
    }
}

#[test]
fn the_generator_is_a_function_of_the_seed_and_every_scenario_loads() {
    for seed in 1..200 {
        let a = gen::generate(seed);
        assert_eq!(a, gen::generate(seed), "seed {seed}");
        Sim::from_json(&a.to_string()).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{a}"));
    }
    assert_ne!(gen::generate(1), gen::generate(2));
}

/// `acks=1` with a leader crash loses acknowledged records: a checker that wrongly applies
/// "no acknowledged record lost" to every producer must flag it, the shrinker must drop the
/// noise inputs around the crash, and the written file must reproduce both under the checker
/// and in `Sim`'s own totals (what `mailroom simulate FILE` prints).
#[test]
fn a_wrongly_applied_rule_is_detected_shrunk_and_reproduced() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/acks-1-leader-crash-loses-acked.json"
    );
    let mut scenario: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("scenario")).expect("JSON");
    // Noise: rate changes that keep the producer going and slow-follower no-ops.
    let inputs = scenario["inputs"].as_array_mut().expect("inputs");
    for t in [2_000, 3_000, 5_000, 6_000, 12_000, 15_000, 20_000, 30_000] {
        inputs.push(json!({"at_ms": t, "input": {"type": "SetProducerRate", "producer": 0, "rate_per_sec": 40 + t / 1000}}));
    }
    inputs.sort_by_key(|i| i["at_ms"].as_u64());
    let before = inputs.len();
    let wrong = Options {
        determinism: false,
        wrong_acked_rule: true,
        instant_steps_max: 0,
    };
    let right = Options::default();
    let text = scenario.to_string();
    // The right rule does not apply to acks=1; the wrong one fires.
    assert!(check(&text, right).expect("loads").violation.is_none());
    let v = check(&text, wrong)
        .expect("loads")
        .violation
        .expect("the wrong rule fires");
    assert_eq!(v.invariant, Invariant::NoAckedLoss);
    let shrunk = shrink::shrink(&scenario, Invariant::NoAckedLoss, wrong, 300);
    let after = shrunk["inputs"].as_array().expect("inputs").len();
    assert!(after < before, "shrunk {before} → {after}");
    assert!(
        shrunk["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .any(|i| i["input"]["type"] == "CrashBroker"),
        "the crash stays: {shrunk}"
    );
    // Written through the same path the CLI uses; the file reproduces.
    let dir = std::env::temp_dir().join(format!("mailroom-soak-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let failure = mailroom_soak::Failure {
        seed: 0,
        violation: v,
        scenario: scenario.clone(),
        mutant: None,
    };
    let w = write_failure(&failure, &dir, wrong, 300).expect("written");
    assert_eq!(w.inputs, (before, after));
    let file = std::fs::read_to_string(&w.path).expect("file");
    let again = check(&file, wrong)
        .expect("loads")
        .violation
        .expect("reproduces");
    assert_eq!(again.invariant, Invariant::NoAckedLoss);
    let mut sim = Sim::from_json(&file).expect("simulate loads it");
    sim.advance(sim.scenario().duration_ms);
    assert!(
        sim.producer_stats()[0].acked_lost > 0,
        "simulate shows the loss"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_fuzz_pass_never_panics_the_decoders() {
    for seed in 1..=30 {
        if let Err((mutant, panic)) = mailroom_soak::fuzz::fuzz(seed, 40) {
            panic!("seed {seed}: {panic}\n{mutant}");
        }
    }
}

#[test]
fn invariant_names_round_trip() {
    for i in Invariant::ALL {
        assert_eq!(Invariant::from_name(i.name()), Some(i));
    }
}

/// Each listed known gap's shrunk scenario still breaks its invariant: when the model is
/// fixed this fails, and the gap (and its file) should be dropped from `KNOWN_GAPS`.
#[test]
fn every_known_gap_still_reproduces_from_its_file() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/known-gaps");
    let mut seen = Vec::new();
    // Git keeps no empty folder: with no known gap there is no known-gaps/.
    for entry in std::fs::read_dir(dir).into_iter().flatten() {
        let path = entry.expect("entry").path();
        let name = path
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let invariant = Invariant::ALL
            .into_iter()
            .find(|i| name.starts_with(&format!("{}-", i.name())))
            .unwrap_or_else(|| panic!("{name}: named after no invariant"));
        assert!(
            mailroom_soak::known_gap(invariant).is_some(),
            "{name}: not a listed gap"
        );
        let text = std::fs::read_to_string(&path).expect("file");
        let v = check(&text, Options::default())
            .expect("loads")
            .violation
            .unwrap_or_else(|| panic!("{name} no longer fails: drop it from KNOWN_GAPS"));
        assert_eq!(v.invariant, invariant, "{name}: {v}");
        seen.push(invariant);
    }
    for (i, _) in KNOWN_GAPS {
        assert!(
            seen.contains(i),
            "{i} is listed with no scenario in known-gaps/"
        );
    }
}

/// Gaps the soak found and the model fixed: their shrunk scenarios now keep every invariant.
#[test]
fn every_fixed_gap_now_passes() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixed");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("fixed/") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("file");
        let report = check(&text, Options::default()).expect("loads");
        assert!(
            report.violation.is_none(),
            "{}: fails again: {}",
            path.display(),
            report.violation.map(|v| v.to_string()).unwrap_or_default()
        );
        n += 1;
    }
    assert!(n > 0, "fixed/ holds the regressions");
}

/// A model that stops simulated time (a request loop inside one millisecond, as soak seed
/// 92311 once did) is reported as `time-advances` and shrunk, not left to run out of memory:
/// with a step budget far below a busy instant's work the check must fire, keep firing on the
/// shrunk scenario, and stay quiet at the real budget.
#[test]
fn an_instant_that_never_ends_is_a_reported_violation() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/acks-1-leader-crash-loses-acked.json"
    );
    let scenario: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("scenario")).expect("JSON");
    let text = scenario.to_string();
    let real = Options::default();
    assert!(check(&text, real).expect("loads").violation.is_none());
    let tight = Options {
        instant_steps_max: 3,
        ..Options::default()
    };
    let v = check(&text, tight)
        .expect("loads")
        .violation
        .expect("a 3-step budget runs out in a busy instant");
    assert_eq!(v.invariant, Invariant::TimeAdvances);
    assert!(v.detail.contains("simulated time stopped"), "{v}");
    let shrunk = shrink::shrink(&scenario, Invariant::TimeAdvances, tight, 50);
    let again = check(&shrunk.to_string(), tight)
        .expect("loads")
        .violation
        .expect("the shrunk scenario still fails");
    assert_eq!(again.invariant, Invariant::TimeAdvances);
}
