//! Cause chains (`mailroom_core::causes`): every duplicate, loss, acknowledged loss, log
//! duplicate, redelivery and archived record of the project's scenarios has a chain; per kind
//! and owner the chains' records equal the figures `simulate` prints; recording causes changes
//! no event hash; and the chains tell the story each lesson is about.

use std::collections::BTreeMap;

use mailroom_core::causes::{CaseKind, Explanation};
use mailroom_core::{EventHasher, EventLevel, Player, Scenario, Sim};
use serde_json::Value;

fn scenario_files() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files: Vec<_> = ["scenarios", "bench/scenarios"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).expect("scenario folder"))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        // The big bench loads and the limits scenario are benchmarks, not lessons.
        .filter(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            !["limits", "p256-50k", "p32-16k", "p6-hour"].contains(&name.as_str())
        })
        .collect();
    files.sort();
    files
}

fn load(path: &std::path::Path, seed: Option<u64>) -> Scenario {
    let text = std::fs::read_to_string(path).expect("readable");
    let mut s = Scenario::from_json(&text).expect("valid scenario");
    if let Some(seed) = seed {
        s.seed = seed;
    }
    s
}

/// Runs `scenario` to its end at `EventLevel::All`; returns the event hash, the totals and,
/// with `causes`, every explanation.
fn run(scenario: Scenario, causes: bool) -> (String, Value, Vec<Explanation>) {
    let end = scenario.duration_ms;
    let mut sim = Sim::new(scenario).expect("valid");
    sim.set_event_level(EventLevel::All);
    sim.set_record_causes(causes);
    let mut hasher = EventHasher::default();
    let mut found = Vec::new();
    sim.advance_draining(end, 20_000, |sim, events| {
        events.iter().for_each(|e| hasher.add(e));
        found.extend(sim.take_explanations(false));
        true
    });
    found.extend(sim.take_explanations(true));
    (hasher.hex(), sim.totals_json(), found)
}

/// Per (kind, owner): the figure `simulate` prints.
fn figures(totals: &Value) -> BTreeMap<(CaseKind, String), u64> {
    let mut out = BTreeMap::new();
    let mut put = |kind, owner: &Value, n: &Value| {
        let n = n.as_u64().expect("a count");
        if n > 0 {
            out.insert((kind, owner.as_str().expect("a name").to_string()), n);
        }
    };
    for g in totals["groups"].as_array().expect("groups") {
        put(CaseKind::Duplicate, &g["group"], &g["duplicates"]);
        put(CaseKind::Lost, &g["group"], &g["lost"]);
    }
    for p in totals["producers"].as_array().expect("producers") {
        put(CaseKind::AckedLost, &p["producer"], &p["acked_lost"]);
        put(CaseKind::LogDuplicate, &p["producer"], &p["log_duplicates"]);
    }
    for s in totals["share_groups"].as_array().into_iter().flatten() {
        put(CaseKind::Redelivery, &s["group"], &s["redeliveries"]);
        put(CaseKind::Archived, &s["group"], &s["archived"]);
    }
    out
}

/// Per (kind, owner): the records the chains cover.
fn chained(found: &[Explanation]) -> BTreeMap<(CaseKind, String), u64> {
    let mut out = BTreeMap::new();
    for e in found {
        let owner = e
            .group
            .clone()
            .or(e.producer.clone())
            .or(e.share_group.clone())
            .expect("every case has an owner");
        *out.entry((e.kind, owner)).or_insert(0) += e.records;
    }
    out
}

fn check_chains(name: &str, found: &[Explanation]) {
    for e in found {
        assert!(e.records > 0, "{name}: an empty case: {e:?}");
        assert!(
            e.steps.len() >= 2,
            "{name}: a chain needs a cause and an effect: {e:?}"
        );
        assert!(
            e.steps.windows(2).all(|w| w[0].at_ms <= w[1].at_ms),
            "{name}: steps out of time order: {e:?}"
        );
        assert!(
            e.steps
                .iter()
                .all(|s| s.at_ms <= e.at_ms && !s.text.is_empty()),
            "{name}: a step after its case or without words: {e:?}"
        );
    }
}

#[test]
fn every_case_of_every_scenario_has_a_chain_and_the_counts_equal_simulates_figures() {
    let mut kinds_seen = BTreeMap::new();
    for path in scenario_files() {
        let name = path.display().to_string();
        let (hash_on, totals, found) = run(load(&path, None), true);
        let (hash_off, _, none) = run(load(&path, None), false);
        assert_eq!(
            hash_on, hash_off,
            "{name}: recording causes changed the event hash"
        );
        assert!(none.is_empty(), "{name}: causes off must record nothing");
        assert_eq!(
            chained(&found),
            figures(&totals),
            "{name}: chains ≠ figures"
        );
        check_chains(&name, &found);
        for e in &found {
            *kinds_seen.entry(e.kind).or_insert(0) += 1;
        }
    }
    // The lessons between them show every kind, so each kind's chains are exercised here.
    for kind in CaseKind::ALL {
        assert!(
            kinds_seen.contains_key(&kind),
            "no scenario has a {kind:?} case: {kinds_seen:?}"
        );
    }
}

#[test]
fn other_seeds_of_the_fault_lessons_still_chain_every_case() {
    let lessons = [
        "at-least-once-crash-before-commit",
        "at-most-once-crash-after-commit",
        "auto-commit-surprise",
        "acks-1-leader-crash-loses-acked",
        "retries-without-idempotence-duplicates",
        "unclean-leader-election",
        "poison-message-delivery-limit",
        "share-group-drains-a-queue",
        "exactly-once-transactional-crash",
    ];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    for lesson in lessons {
        let path = root.join(format!("{lesson}.json"));
        for seed in 1..=6 {
            let (_, totals, found) = run(load(&path, Some(seed)), true);
            let name = format!("{lesson} seed {seed}");
            assert_eq!(
                chained(&found),
                figures(&totals),
                "{name}: chains ≠ figures"
            );
            check_chains(&name, &found);
        }
    }
}

fn lesson(name: &str) -> Vec<Explanation> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .join(format!("{name}.json"));
    run(load(&path, None), true).2
}

fn text(e: &Explanation) -> String {
    e.steps
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_duplicate_after_a_crash_before_commit_tells_crash_commit_timeout_handover_and_replay() {
    let found = lesson("at-least-once-crash-before-commit");
    let [e] = found.as_slice() else {
        panic!("one duplicate case expected: {found:?}")
    };
    assert_eq!(e.kind, CaseKind::Duplicate);
    let t = text(e);
    for needle in [
        "crashed at",
        "before committing it",
        "committed offset",
        "session.timeout.ms=",
        "gave payments-1 to",
        "resumed payments-1 from the committed offset",
        "again",
    ] {
        assert!(t.contains(needle), "missing {needle:?} in:\n{t}");
    }
    // The commit it resumed from is the one named, and below the duplicated offset + 1.
    let offset = e.offset.expect("an offset");
    assert!(t.contains(&format!("committed offset {offset}")), "{t}");
}

#[test]
fn a_loss_after_commit_first_names_the_commit_past_the_unprocessed_records() {
    let found = lesson("at-most-once-crash-after-commit");
    let lost: Vec<_> = found.iter().filter(|e| e.kind == CaseKind::Lost).collect();
    assert!(!lost.is_empty());
    for e in lost {
        let t = text(e);
        assert!(t.contains("(commit first: before processing)"), "{t}");
        assert!(
            t.contains("after committing its batch and before processing it"),
            "{t}"
        );
        assert!(t.contains("will never be processed"), "{t}");
    }
}

#[test]
fn acknowledged_losses_name_acks_the_old_leader_and_the_election() {
    let found = lesson("acks-1-leader-crash-loses-acked");
    let e = found
        .iter()
        .find(|e| e.kind == CaseKind::AckedLost)
        .expect("an acked-lost case");
    let t = text(e);
    for needle in [
        "acks=1",
        "led payments-0",
        "crashed at",
        "elected broker",
        "acknowledged records lost",
    ] {
        assert!(t.contains(needle), "missing {needle:?} in:\n{t}");
    }
    let unclean = lesson("unclean-leader-election");
    let t = text(
        unclean
            .iter()
            .find(|e| e.kind == CaseKind::AckedLost)
            .expect("a case"),
    );
    assert!(t.contains("unclean.leader.election.enable=true"), "{t}");
    assert!(t.contains("left clicks-1's ISR"), "{t}");
}

#[test]
fn log_duplicates_name_the_retry_and_missing_idempotence() {
    let found = lesson("retries-without-idempotence-duplicates");
    let e = found
        .iter()
        .find(|e| e.kind == CaseKind::LogDuplicate)
        .expect("a case");
    let t = text(e);
    assert!(t.contains("enable.idempotence=false"), "{t}");
    assert!(t.contains("was sent again"), "{t}");
    assert!(t.contains("in the log twice"), "{t}");
}

#[test]
fn share_chains_tell_each_delivery_and_why_it_ended() {
    let found = lesson("poison-message-delivery-limit");
    let archived = found
        .iter()
        .find(|e| e.kind == CaseKind::Archived)
        .expect("an archived record");
    let t = text(archived);
    assert_eq!(t.matches(" acquired ").count(), 5, "five deliveries:\n{t}");
    assert!(t.contains("group.share.delivery.count.limit=5"), "{t}");
    let drained = lesson("share-group-drains-a-queue");
    let e = drained
        .iter()
        .find(|e| e.kind == CaseKind::Redelivery)
        .expect("a redelivery");
    let t = text(e);
    assert!(t.contains("crashed at"), "{t}");
    assert!(t.contains("group.share.record.lock.duration.ms="), "{t}");
    assert!(t.contains("(delivery 2 of"), "{t}");
}

#[test]
fn the_player_explains_up_to_now_with_the_same_cases_as_a_straight_run() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios/auto-commit-surprise.json");
    let scenario = load(&path, None);
    let end = scenario.duration_ms;
    let straight = run(scenario.clone(), true).2;
    let mut player = Player::new(scenario, Vec::new()).expect("valid");
    player.run(end, u64::MAX);
    let explained = player.explain(u64::MAX);
    assert!(explained.complete);
    assert_eq!(explained.total as usize, straight.len());
    assert_eq!(explained.cases, straight);
    // Half way, only the cases found by then.
    let mut early = Player::new(load(&path, None), Vec::new()).expect("valid");
    early.run(end / 2, u64::MAX);
    let half = early.explain(u64::MAX);
    assert!(half.cases.iter().all(|e| e.at_ms <= end / 2));
    // A tiny budget stops early and says so.
    let cut = player.explain(10);
    assert!(!cut.complete && cut.reached_ms < end);
}
