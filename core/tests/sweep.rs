//! What-if sweeps: a sweep's figures are those of the individual runs, the vary spec is parsed
//! strictly, tracking figures never changes the model, and the figures answer capacity questions
//! the way Kafka would (more consumers for a saturated group: less lag and latency; never a
//! partition without an owner).

use mailroom_core::sweep::{Sweep, RUNS_MAX};
use mailroom_core::{event_hash, EventLevel, GroupFigures, Scenario, Sim};
use proptest::prelude::*;
use serde_json::{json, Value};

fn scenario_file(name: &str) -> String {
    let path = format!("{}/../scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).expect("scenario file")
}

/// A saturated group: 4 partitions, 80 unkeyed rec/s spread evenly, 20 ms of processing per
/// record, so one consumer can handle 50 rec/s and two or more keep up.
fn saturated() -> Value {
    json!({
        "seed": 3,
        "duration_ms": 60000,
        "topics": [{"name": "orders", "partitions": 4}],
        "producers": [{"id": "p", "topic": "orders", "rate_per_sec": 80,
                       "keys": {"mode": "none"}}],
        "groups": [{"group.id": "fulfil", "topics": ["orders"], "consumers": 1,
                    "processing_ms": 20, "max.poll.records": 20}]
    })
}

/// Runs a scenario to its end the way `simulate` does (every event recorded, 1 s slices),
/// tracking figures, independently of the sweep code.
fn single_run(doc: &Value) -> Vec<GroupFigures> {
    let mut sim = Sim::from_json(&doc.to_string()).expect("valid variant");
    sim.set_track_figures(true);
    let end = sim.scenario().duration_ms;
    let mut t = 0;
    while t < end {
        t = (t + 1000).min(end);
        sim.advance(t);
        sim.drain_events();
    }
    sim.figures()
}

#[test]
fn a_sweeps_figures_equal_those_of_each_single_run() {
    let base: Value = serde_json::from_str(&scenario_file("user-activity.json")).unwrap();
    let cases: [(&str, &str, Vec<Value>); 3] = [
        // (Its scenario crashes consumer 2, so it needs two.)
        (
            "groups[0].consumers",
            "2..4",
            (2..=4).map(Value::from).collect(),
        ),
        (
            "groups[0].max.poll.records",
            "1,10,500",
            vec![json!(1), json!(10), json!(500)],
        ),
        (
            "groups[0].partition.assignment.strategy",
            "range,cooperative-sticky",
            vec![json!(["range"]), json!(["cooperative-sticky"])],
        ),
    ];
    for (path, values, expected) in cases {
        let mut sweep = Sweep::new(&base.to_string(), &format!("{path}={values}"), 1).unwrap();
        let results = sweep.run_to_end().to_vec();
        assert_eq!(results.len(), expected.len());
        let key = path.trim_start_matches("groups[0].");
        for (r, v) in results.iter().zip(expected) {
            let mut doc = base.clone();
            doc["groups"][0][key] = v.clone();
            assert_eq!(r.groups, single_run(&doc), "{path}={v}");
        }
    }
}

#[test]
fn sweep_figures_match_the_simulate_example() {
    // The example's binary next to this test (`cargo test` builds the examples; a run of this
    // test alone builds it first); its JSON must hold the same figures as the sweep's runs.
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    let simulate = dir.join(format!("simulate{}", std::env::consts::EXE_SUFFIX));
    if !simulate.exists() {
        let built = std::process::Command::new(env!("CARGO"))
            .args(["build", "-p", "mailroom-core", "--example", "simulate"])
            .status()
            .unwrap();
        assert!(
            built.success() && simulate.exists(),
            "could not build {}",
            simulate.display()
        );
    }
    let base = saturated();
    let mut sweep = Sweep::new(&base.to_string(), "groups[0].consumers=1,3", 1).unwrap();
    let results = sweep.run_to_end().to_vec();
    assert!(results[0].groups[0].latency_p99_ms > results[1].groups[0].latency_p99_ms);
    for (i, r) in results.iter().enumerate() {
        let file = std::env::temp_dir().join(format!(
            "mailroom-sweep-test-{}-{i}.json",
            std::process::id()
        ));
        std::fs::write(&file, sweep.variant_json(i, 0).unwrap()).unwrap();
        let out = std::process::Command::new(&simulate)
            .arg(&file)
            .output()
            .unwrap();
        std::fs::remove_file(&file).ok();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
        let ours = serde_json::to_value(&r.groups[0]).unwrap();
        for (k, v) in ours.as_object().unwrap() {
            assert_eq!(&printed["groups"][0][k], v, "consumers={}: {k}", r.value);
        }
    }
}

#[test]
fn more_consumers_on_a_saturated_group_cut_lag_and_latency() {
    let mut sweep = Sweep::new(&saturated().to_string(), "groups[0].consumers=1..4", 1).unwrap();
    let r = sweep.run_to_end().to_vec();
    let f = |i: usize| &r[i].groups[0];
    // One consumer processes 50 rec/s of 80: the backlog grows by 30 rec/s all run long
    // (~1,700 records over 4 partitions by the end, each waiting 20 ms per record ahead of it).
    assert!(f(0).max_lag > 400, "{:?}", f(0));
    assert!(f(0).latency_p99_ms.unwrap() > 20_000, "{:?}", f(0));
    // Two or more keep up: what remains is the backlog of the group's first 3 s of forming
    // (group.initial.rebalance.delay.ms).
    for i in 1..4 {
        assert!(
            f(i).max_lag < f(0).max_lag / 3,
            "{} consumers: {:?}",
            i + 1,
            f(i)
        );
        assert!(
            f(i).latency_p50_ms.unwrap() < 1_000,
            "{} consumers: {:?}",
            i + 1,
            f(i)
        );
        let p99 = f(i).latency_p99_ms.unwrap();
        assert!(
            p99 < f(0).latency_p99_ms.unwrap() / 5,
            "{} consumers: {:?}",
            i + 1,
            f(i)
        );
        assert!(f(i).p99_lag.unwrap() <= f(i).max_lag);
    }
    // Everything the group processed was appended first: latency at least the processing time.
    assert!(r.iter().all(|x| x.groups[0].latency_p50_ms.unwrap() >= 20));
    assert!(r.iter().all(|x| x.groups[0].latency_exact));
}

#[test]
fn tracking_figures_never_changes_the_event_stream() {
    let dir = format!("{}/../scenarios", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let json = std::fs::read_to_string(&path).unwrap();
        let hash = |track: bool| {
            let mut sim = Sim::from_json(&json).unwrap();
            sim.set_track_figures(track);
            let end = sim.scenario().duration_ms.min(60_000);
            sim.advance(end);
            (event_hash(&sim.drain_events()), sim.stats())
        };
        assert_eq!(hash(false), hash(true), "{}", path.display());
    }
}

#[test]
fn the_worst_lag_moment_is_when_max_lag_was_first_reached() {
    let mut sweep = Sweep::new(&saturated().to_string(), "groups[0].consumers=1", 1).unwrap();
    let r = sweep.run_to_end()[0].groups[0].clone();
    let scenario = sweep.variant(0, 0).unwrap();
    let mut before = Sim::new(scenario.clone()).unwrap();
    before.advance(r.worst_lag_at_ms - 1);
    assert!(before.stats()[0].max_lag < r.max_lag);
    let mut at = Sim::new(scenario).unwrap();
    at.advance(r.worst_lag_at_ms);
    assert_eq!(at.stats()[0].max_lag, r.max_lag);
}

#[test]
fn seeds_repeat_each_value_and_the_summary_spans_them() {
    let mut sweep = Sweep::new(&saturated().to_string(), "groups[0].consumers=1,2", 3).unwrap();
    let results = sweep.run_to_end().to_vec();
    let seeds: Vec<(String, u64)> = results.iter().map(|r| (r.value.clone(), r.seed)).collect();
    let want: Vec<(String, u64)> = ["1", "2"]
        .iter()
        .flat_map(|v| (3..6).map(move |s| (v.to_string(), s)))
        .collect();
    assert_eq!(seeds, want);
    let summary = sweep.summary();
    assert_eq!(summary.len(), 2);
    for (vi, v) in summary.iter().enumerate() {
        assert_eq!(v.seeds, 3);
        let lags: Vec<u64> = results[vi * 3..vi * 3 + 3]
            .iter()
            .map(|r| r.groups[0].max_lag)
            .collect();
        let s = &v.groups[0].1[0];
        assert_eq!(s.figure, "max_lag");
        let mut sorted = lags.clone();
        sorted.sort();
        assert_eq!(
            (s.min, s.median, s.max),
            (Some(sorted[0]), Some(sorted[1]), Some(sorted[2]))
        );
    }
    // A different seed is a different run (the producer's keys differ).
    assert_ne!(results[0].groups, results[1].groups);
}

#[test]
fn a_sweep_is_deterministic_and_independent_of_its_step_budget() {
    let doc = scenario_file("eager-vs-cooperative.json");
    let vary = "groups[1].consumers=1..3";
    let mut a = Sweep::new(&doc, vary, 1).unwrap();
    let whole = a.run_to_end().to_vec();
    let mut b = Sweep::new(&doc, vary, 1).unwrap();
    let mut calls = 0;
    loop {
        calls += 1;
        let p = b.step(997);
        assert!(p.runs_done <= p.runs_total);
        if p.done {
            break;
        }
    }
    assert!(calls > 3, "small budgets must split the work");
    assert_eq!(b.results(), whole.as_slice());
    // Shards (the page's workers) together do exactly the whole sweep's runs.
    let mut merged = Vec::new();
    for i in 0..2 {
        let mut s = Sweep::new(&doc, vary, 1).unwrap();
        s.shard(i, 2).unwrap();
        merged.extend(s.run_to_end().iter().cloned());
    }
    merged.sort_by_key(|r| (r.value_index, r.seed));
    assert_eq!(merged, whole);
    assert!(Sweep::new(&doc, vary, 1).unwrap().shard(2, 2).is_err());
}

#[test]
fn a_field_left_to_its_default_is_created_and_words_become_lists() {
    let doc = saturated().to_string();
    let sweep = Sweep::new(&doc, "groups[0].session.timeout.ms=10000,20000", 1).unwrap();
    assert_eq!(sweep.path(), "groups[0].session.timeout.ms");
    assert_eq!(
        sweep.variant(1, 0).unwrap().groups[0].session_timeout_ms,
        20_000
    );
    let v: Value = serde_json::from_str(&sweep.variant_json(0, 0).unwrap()).unwrap();
    assert_eq!(v["groups"][0]["session.timeout.ms"], 10_000);
    let sweep = Sweep::new(
        &doc,
        "groups[0].partition.assignment.strategy=sticky,range+cooperative-sticky",
        1,
    )
    .unwrap();
    let v: Value = serde_json::from_str(&sweep.variant_json(1, 0).unwrap()).unwrap();
    assert_eq!(
        v["groups"][0]["partition.assignment.strategy"],
        json!(["range", "cooperative-sticky"])
    );
    let sweep = Sweep::new(&doc, "producers[0].rate_per_sec=50,100.5", 1).unwrap();
    assert_eq!(
        sweep.variant(1, 0).unwrap().producers[0].rate_per_sec,
        100.5
    );
    let sweep = Sweep::new(&doc, "groups[0].commit=after_processing,auto", 1).unwrap();
    assert_eq!(sweep.values(), ["after_processing", "auto"]);
}

#[test]
fn bad_vary_specs_name_the_field_and_the_reason() {
    let doc = saturated().to_string();
    let err = |vary: &str, seeds: u32| Sweep::new(&doc, vary, seeds).err().expect(vary);
    let e = err("groups[0].consumer=1..3", 1);
    assert_eq!(e.path, "groups[0].consumer");
    assert!(e.reason.contains("no such field"), "{e}");
    let e = err("groups[2].consumers=1..3", 1);
    assert_eq!(e.path, "groups[2]");
    let e = err("groups[0].consumers=5..1", 1);
    assert_eq!(e.path, "groups[0].consumers");
    assert!(e.reason.contains("start must not exceed"), "{e}");
    let e = err("groups[0].consumers=1..x", 1);
    assert!(e.reason.contains("not a whole number"), "{e}");
    let e = err("groups[0].consumers", 1);
    assert_eq!(e.path, "vary");
    let e = err("groups[0].consumers=1..200", 2);
    assert_eq!(e.path, "seeds");
    assert!(e.reason.contains(&RUNS_MAX.to_string()), "{e}");
    let e = err("groups[0].consumers=1..3", 0);
    assert_eq!(e.path, "seeds");
    // A value the scenario format refuses: its own error, with the value named.
    let e = err("groups[0].consumers=2,2000", 1);
    assert_eq!(e.path, "groups[0].consumers");
    assert!(e.reason.contains("2000"), "{e}");
    let e = err("groups[0].consumers=two", 1);
    assert!(e.reason.contains("not a number"), "{e}");
    let e = err("groups[0].partition.assignment.strategy=range,fastest", 1);
    assert!(
        e.path
            .starts_with("groups[0].partition.assignment.strategy"),
        "{e}"
    );
    assert!(e.reason.contains("fastest"), "{e}");
    let e = err("producers[0].keys=1,2", 1);
    assert!(e.reason.contains("cannot be set"), "{e}");
    let mut endless = saturated();
    endless["duration_ms"] = json!(0);
    let e = Sweep::new(&endless.to_string(), "groups[0].consumers=1..2", 1)
        .err()
        .unwrap();
    assert_eq!(e.path, "duration_ms");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// With no faults, however many consumers a sweep gives a group (fewer than, as many as or
    /// more than its partitions), at the end every partition has exactly one owner among the
    /// current generation, and the members beyond the partition count own nothing.
    #[test]
    fn more_consumers_never_leave_a_partition_without_an_owner(
        partitions in 1u32..9, seed in 0u64..1000, cooperative in any::<bool>(),
    ) {
        let mut doc = saturated();
        doc["seed"] = json!(seed);
        doc["duration_ms"] = json!(20_000);
        doc["topics"][0]["partitions"] = json!(partitions);
        doc["groups"][0]["partition.assignment.strategy"] =
            json!([if cooperative { "cooperative-sticky" } else { "range" }]);
        let vary = format!("groups[0].consumers=1..{}", 2 * partitions);
        let sweep = Sweep::new(&doc.to_string(), &vary, 1).unwrap();
        for (i, c) in (1..=2 * partitions).enumerate() {
            let scenario: Scenario = sweep.variant(i, 0).unwrap();
            prop_assert_eq!(scenario.groups[0].consumers, c);
            let mut sim = Sim::new(scenario).unwrap();
            sim.set_event_level(EventLevel::Off);
            sim.advance(20_000);
            let owners = sim.owners(0);
            prop_assert_eq!(owners.len() as u32, partitions);
            for (tp, who) in &owners {
                prop_assert_eq!(who.len(), 1, "consumers={}: {:?} owned by {:?}", c, tp, who);
            }
            let mut owning: Vec<u32> = owners.iter().map(|(_, w)| w[0]).collect();
            owning.sort();
            owning.dedup();
            prop_assert_eq!(owning.len() as u32, c.min(partitions));
        }
    }
}
