//! The time machine a page drives: seeking anywhere lands on exactly the state a straight run
//! reaches, work per call is bounded, memory is bounded, and story events and series survive.

use mailroom_core::input::{CrashPoint, Input, TimedInput};
use mailroom_core::player::{Player, CHECKPOINT_BYTES_MAX, STORY_MAX};
use mailroom_core::{Scenario, Sim};
use proptest::prelude::*;

fn scenario(json: &str) -> Scenario {
    Scenario::from_json(json).expect("valid scenario")
}

fn example(name: &str) -> Scenario {
    let path = format!("{}/../scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
    scenario(&std::fs::read_to_string(path).expect("example scenario"))
}

fn busy(rate: u32, partitions: u32, duration_ms: u64) -> Scenario {
    scenario(&format!(
        r#"{{"seed": 7, "duration_ms": {duration_ms},
            "topics": [{{"name": "t", "partitions": {partitions}}}],
            "producers": [{{"id": "p", "topic": "t", "rate_per_sec": {rate},
                            "keys": {{"mode": "entity", "prefix": "user", "count": 500}}}}],
            "groups": [{{"group.id": "g", "topics": ["t"], "consumers": 4,
                         "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000,
                         "max.poll.records": 50, "processing_ms": 1}}]}}"#
    ))
}

/// What a page sees of the model at an instant: every frame array and the full snapshot.
fn picture(p: &mut Player) -> String {
    let snap = p.sim().snapshot();
    let stats = p.sim().stats();
    let f = p.refresh(0..usize::MAX);
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{snap:?}|{stats:?}",
        f.partitions, f.group_parts, f.members, f.groups, f.producers, f.tails,
    )
}

fn crash_at(at_ms: u64, member: u32) -> TimedInput {
    TimedInput {
        at_ms,
        input: Input::CrashConsumer {
            group: 0,
            member,
            at: CrashPoint::Now,
        },
    }
}

#[test]
fn seeking_back_lands_on_the_state_a_straight_run_reaches() {
    let sc = busy(2000, 8, 120_000);
    let inputs = vec![crash_at(20_000, 1), crash_at(70_000, 2)];
    let mut played = Player::new(sc.clone(), inputs.clone()).expect("player");
    played.run(110_000, u64::MAX);
    assert!(
        played.checkpoint_times().len() > 2,
        "a busy run takes checkpoints: {:?}",
        played.checkpoint_times()
    );
    for target in [95_000u64, 64_321, 20_000, 19_999, 3_001, 0] {
        let out = played.seek(target as f64, u64::MAX).expect("seek");
        assert!(
            out.done && out.now_ms == target && out.note.is_none(),
            "{out:?}"
        );
        let mut straight = Player::new(sc.clone(), inputs.clone()).expect("player");
        straight.run(target, u64::MAX);
        assert_eq!(
            picture(&mut played),
            picture(&mut straight),
            "at {target} ms"
        );
    }
}

#[test]
fn a_backward_seek_replays_at_most_one_checkpoint_interval() {
    let sc = busy(4000, 8, 300_000);
    let mut p = Player::new(sc, Vec::new()).expect("player");
    p.run(290_000, u64::MAX);
    let before = p.sim().steps();
    // Going back to any point costs the steps from the checkpoint before it, never the
    // whole history.
    for target in [280_000u64, 150_000, 10_000] {
        let replayed = p.seek(target as f64, u64::MAX).expect("seek").steps;
        let cp = p
            .checkpoint_times()
            .into_iter()
            .filter(|&t| t <= target)
            .max()
            .expect("t = 0 checkpoint");
        assert!(
            target - cp <= mailroom_core::player::CHECKPOINT_MS,
            "{cp} → {target}"
        );
        assert!(
            replayed <= mailroom_core::player::CHECKPOINT_STEPS + 20_000,
            "replayed {replayed} of {before} steps"
        );
    }
}

#[test]
fn work_per_call_is_bounded_and_a_sliced_run_equals_one_run() {
    let sc = busy(5000, 16, 60_000);
    let mut sliced = Player::new(sc.clone(), vec![crash_at(30_000, 0)]).expect("player");
    let mut calls = 0;
    let mut story = Vec::new();
    while sliced.now_ms() < 60_000 {
        let before = sliced.sim().steps();
        sliced.run(60_000, 3_000);
        story.extend(sliced.take_story());
        // A slice may overshoot by one step's work (a produce request counts each of its
        // batches, at most one per partition: 16 here), never by a whole slice.
        assert!(sliced.sim().steps() - before <= 3_000 + 16);
        calls += 1;
        assert!(calls < 1_000_000, "no progress");
    }
    assert!(calls > 10, "the budget bounded the work: {calls} calls");
    let mut whole = Player::new(sc, vec![crash_at(30_000, 0)]).expect("player");
    whole.run(60_000, u64::MAX);
    assert_eq!(picture(&mut sliced), picture(&mut whole));
    assert_eq!(
        mailroom_core::event_hash(&story),
        mailroom_core::event_hash(&whole.take_story()),
        "same story whatever the slicing (neither dropped any)"
    );
}

#[test]
fn seek_refuses_what_is_not_a_time_and_clamps_past_the_end_with_a_reason() {
    let mut p = Player::new(example("user-activity"), Vec::new()).expect("player");
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0] {
        let err = p.seek(bad, 1000).expect_err("refused");
        assert_eq!(err.path, "seek");
    }
    let end = p.end_ms();
    let out = p.seek(1e300, u64::MAX).expect("clamped");
    assert_eq!((out.target_ms, out.now_ms, out.done), (end, end, true));
    assert!(out.note.expect("a reason").contains("ends at"));
    // run() never passes the end either.
    assert_eq!(p.run(u64::MAX, u64::MAX), end);
}

#[test]
fn applying_after_a_rewind_forks_the_timeline() {
    let sc = busy(500, 4, 60_000);
    let mut p = Player::new(sc.clone(), vec![crash_at(40_000, 1)]).expect("player");
    p.run(50_000, u64::MAX);
    p.seek(10_000.0, u64::MAX).expect("seek");
    let add = Input::AddConsumer { group: 0 };
    p.apply(add.clone()).expect("apply");
    assert_eq!(
        p.input_log(),
        &[TimedInput {
            at_ms: 10_000,
            input: add.clone()
        }],
        "the crash recorded for later belonged to the old future"
    );
    assert!(p.checkpoint_times().iter().all(|&t| t <= 10_000));
    p.run(50_000, u64::MAX);
    // The forked timeline equals a fresh run of the new log.
    let mut fresh = Player::new(sc, p.input_log().to_vec()).expect("player");
    fresh.run(50_000, u64::MAX);
    assert_eq!(picture(&mut p), picture(&mut fresh));
    // A refused input changes nothing and is not recorded.
    let bad = Input::RestartConsumer {
        group: 0,
        member: 0,
    };
    assert!(p.apply(bad).is_err());
    assert_eq!(p.input_log().len(), 1);
}

#[test]
fn story_events_are_bounded_and_skip_record_traffic() {
    let mut p = Player::new(busy(20_000, 32, 60_000), Vec::new()).expect("player");
    p.run(60_000, u64::MAX);
    let story = p.take_story();
    assert!(story.len() <= STORY_MAX);
    assert!(story.iter().all(|e| !e.event.is_traffic()));
    // Records moved nonetheless: the frame counts them and the envelope ring samples them.
    let f = p.refresh(0..0);
    let appended: f64 = f
        .partitions
        .chunks(mailroom_core::frame::PART_STRIDE)
        .map(|r| r[mailroom_core::frame::PART_LOG_END])
        .sum();
    assert!(appended > 1_000_000.0);
    assert!(p.sim().envelopes().seq() > 1000);
}

#[test]
fn series_survive_a_seek_and_stay_bounded() {
    let mut p = Player::new(busy(1000, 4, 3_600_000), Vec::new()).expect("player");
    p.run(1_800_000, u64::MAX);
    let stride = p.series().stride();
    let points = p.series().data().len() / stride;
    assert!(
        points <= mailroom_core::player::SERIES_POINTS_MAX,
        "{points}"
    );
    assert!(points > 100);
    let last_t = |p: &Player| p.series().data()[p.series().data().len() - stride];
    assert!(last_t(&p) <= 1_800_000.0 && last_t(&p) > 1_700_000.0);
    p.seek(900_000.0, u64::MAX).expect("seek");
    let after = p.series().data().len() / stride;
    assert!(after > points / 3, "history before the target is kept");
    assert!(last_t(&p) <= 900_000.0);
    // Tracked partition lags: 4 per point for the one group.
    assert_eq!(p.series().tracked()[0].len(), 4);
}

#[test]
fn checkpoint_memory_stays_within_its_bound() {
    // Exactly-once keeps per-record data in its logs, so checkpoints there weigh the most.
    let mut sc = example("exactly-once-transactional-crash");
    sc.duration_ms = 3_600_000;
    for p in &mut sc.producers {
        p.rate_per_sec = 2000.0;
        p.max_records = 0;
    }
    let mut p = Player::new(sc, Vec::new()).expect("player");
    p.run(1_200_000, u64::MAX);
    assert!(
        p.checkpoint_bytes() <= CHECKPOINT_BYTES_MAX + p.sim().approx_bytes(),
        "{} bytes in {} checkpoints",
        p.checkpoint_bytes(),
        p.checkpoint_times().len()
    );
    assert_eq!(p.checkpoint_times()[0], 0, "the t = 0 checkpoint is kept");
}

#[test]
fn a_player_and_a_plain_sim_agree() {
    // The player only observes: its model is the same as a Sim driven by hand.
    let sc = example("at-least-once-crash-before-commit");
    let mut p = Player::new(sc.clone(), Vec::new()).expect("player");
    p.run(sc.duration_ms, u64::MAX);
    let mut sim = Sim::new(sc.clone()).expect("sim");
    sim.advance(sc.duration_ms);
    assert_eq!(p.sim().stats(), sim.stats());
    assert_eq!(p.sim().snapshot(), sim.snapshot());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Random seeds, inputs and seek orders: wherever a seek lands, the page sees what a
    /// straight run to that instant shows.
    #[test]
    fn any_seek_order_lands_on_the_straight_run_state(
        seed in 0u64..1000,
        crash_ms in 5_000u64..50_000,
        seeks in proptest::collection::vec(0u64..60_000, 1..5),
    ) {
        let mut sc = busy(1500, 6, 60_000);
        sc.seed = seed;
        let inputs = vec![crash_at(crash_ms, 2)];
        let mut p = Player::new(sc.clone(), inputs.clone()).expect("player");
        for &t in &seeks {
            p.seek(t as f64, u64::MAX).expect("seek");
            let mut straight = Player::new(sc.clone(), inputs.clone()).expect("player");
            straight.run(t, u64::MAX);
            prop_assert_eq!(picture(&mut p), picture(&mut straight));
        }
    }
}

#[test]
fn series_track_partitions_added_later_and_survive_seeking_back_past_them() {
    let mut p = Player::new(busy(800, 4, 120_000), Vec::new()).expect("player");
    p.run(20_000, u64::MAX);
    p.apply(Input::AddPartitions {
        topic: 0,
        partitions: 6,
    })
    .expect("add partitions");
    p.run(60_000, u64::MAX);
    assert_eq!(p.series().tracked()[0].len(), 6);
    let stride = p.series().stride();
    let data = p.series().data().to_vec();
    // Points before the partitions existed say so with -1; points after carry their lag.
    let col = 2 + 3 + 5; // group 0, partition 5
    let before: Vec<f64> = data
        .chunks(stride)
        .filter(|r| r[0] < 20_000.0)
        .map(|r| r[col])
        .collect();
    assert!(!before.is_empty() && before.iter().all(|&v| v == -1.0));
    assert!(data
        .chunks(stride)
        .filter(|r| r[0] > 30_000.0)
        .all(|r| r[col] >= 0.0));
    // Seeking back before AddPartitions: the series follows the model back to 4 partitions
    // (nothing is lost: those columns were -1 there), and forward again past the recorded input.
    p.seek(10_000.0, u64::MAX).expect("seek");
    assert_eq!(p.series().tracked()[0].len(), 4);
    p.run(30_000, u64::MAX);
    assert_eq!(p.series().tracked()[0].len(), 6);
    assert_eq!(p.series().stride(), stride);
}

#[test]
fn a_recorded_input_log_with_a_bad_entry_names_its_path() {
    let err = mailroom_core::input::inputs_from_json(
        r#"[{"at_ms": 5, "input": {"type": "AddConsumer", "group": 0}},
            {"at_ms": 9, "input": {"type": "Explode"}}]"#,
    )
    .expect_err("refused");
    assert!(err.path.starts_with("inputs[1].input"), "{err}");
    let ok = mailroom_core::input::inputs_from_json(r#"[]"#).expect("empty log");
    assert!(ok.is_empty());
    // Too many recorded inputs are refused by the player, not truncated.
    let many = vec![
        TimedInput {
            at_ms: 1,
            input: Input::AddConsumer { group: 0 },
        };
        mailroom_core::scenario::limits::INPUTS_MAX + 1
    ];
    let refused = Player::new(busy(1, 1, 1000), many).err().expect("refused");
    assert_eq!(refused.path, "inputs");
}
