//! The example scenarios teach what they claim, measured from the snapshots the page draws.
//!
//! `scenarios/eager-vs-cooperative.json` is also the page's guided scene of that name
//! (`www/js/scenes.js` carries the same scenario; `tests/newcomer.spec.js` checks they are equal).

use std::collections::BTreeMap;

use mailroom_core::snapshot::Snapshot;
use mailroom_core::Sim;
use serde_json::Value;

fn scenario(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (owner, downtime_ms) per partition of group `g`, keyed by (topic, partition).
fn partitions(snap: &Snapshot, g: usize) -> BTreeMap<(u32, u32), (Option<u32>, u64)> {
    snap.groups[g]
        .partitions
        .iter()
        .map(|p| ((p.topic, p.partition), (p.owner, p.downtime_ms)))
        .collect()
}

fn settled(snap: &Snapshot, g: usize) -> bool {
    let gv = &snap.groups[g];
    format!("{:?}", gv.state) == "Stable" && gv.partitions.iter().all(|p| p.owner.is_some())
}

#[test]
fn eager_stops_every_partition_for_longer_than_cooperative_stops_the_moving_ones() {
    let json = scenario("eager-vs-cooperative.json");
    let cfg: Value = serde_json::from_str(&json).expect("JSON");
    // Batches take time: a member learns of the rebalance at a heartbeat but acts at its next
    // poll(), after its current batch (max.poll.records × processing_ms).
    for g in cfg["groups"].as_array().expect("groups") {
        let batch = g["max.poll.records"].as_u64().unwrap() * g["processing_ms"].as_u64().unwrap();
        assert!(
            (1000..=3000).contains(&batch),
            "a full batch takes {batch} ms"
        );
    }
    let join = cfg["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .find(|x| x["input"]["type"] == "AddConsumer")
        .and_then(|x| x["at_ms"].as_u64())
        .expect("a consumer joins");
    let mut sim = Sim::from_json(&json).expect("valid scenario");
    sim.advance(join - 1);
    let snap = sim.snapshot();
    let (eager, coop) = (0, 1);
    assert!(!snap.groups[eager].cooperative && snap.groups[coop].cooperative);
    assert!(
        settled(&snap, eager) && settled(&snap, coop),
        "both groups stable before the join"
    );
    let before = [partitions(&snap, eager), partitions(&snap, coop)];

    // Walk until both groups are stable again, watching for the lesson's moment: an eager member
    // has given up its partitions while every cooperative partition still has its owner.
    let mut t = join;
    let mut eager_stopped_coop_running = false;
    loop {
        t += 10;
        sim.advance(t);
        let s = sim.snapshot();
        let eager_unowned = s.groups[eager]
            .partitions
            .iter()
            .filter(|p| p.owner.is_none())
            .count();
        let coop_unowned = s.groups[coop]
            .partitions
            .iter()
            .filter(|p| p.owner.is_none())
            .count();
        if eager_unowned > 0 && coop_unowned == 0 {
            eager_stopped_coop_running = true;
        }
        if t > join + 1000
            && settled(&s, eager)
            && settled(&s, coop)
            && s.groups.iter().all(|g| g.rebalances >= 2)
        {
            break;
        }
        assert!(
            t < join + 20_000,
            "the groups did not settle within 20 s of the join"
        );
    }
    sim.advance(t + 2000); // stable for a while: no downtime accrues any more
    let snap = sim.snapshot();
    let after = [partitions(&snap, eager), partitions(&snap, coop)];
    let down = |g: usize| -> Vec<u64> {
        after[g]
            .iter()
            .map(|(k, (_, d))| d - before[g][k].1)
            .collect()
    };
    let (de, dc) = (down(eager), down(coop));
    let (te, tc): (u64, u64) = (de.iter().sum(), dc.iter().sum());
    let moved: Vec<bool> = after[coop]
        .iter()
        .map(|(k, (o, _))| *o != before[coop][k].0)
        .collect();
    eprintln!("eager downtime per partition after the join: {de:?} = {te} ms");
    eprintln!(
        "cooperative downtime per partition after the join: {dc:?} = {tc} ms (moved: {moved:?})"
    );

    assert!(
        de.iter().all(|&d| d > 0),
        "every eager partition stops: {de:?}"
    );
    assert!(moved.iter().any(|&m| m), "some cooperative partition moves");
    for (i, (&d, &m)) in dc.iter().zip(&moved).enumerate() {
        assert_eq!(
            d > 0,
            m,
            "cooperative partition {i}: downtime {d} ms, moved {m}"
        );
    }
    assert!(
        te > tc,
        "eager total {te} ms must exceed cooperative {tc} ms"
    );
    assert!(
        te >= 2 * tc,
        "eager total {te} ms is not clearly above cooperative {tc} ms"
    );
    // The stop-the-world is long: an early member waits for the slowest one's batch.
    assert!(
        *de.iter().max().unwrap() >= 1000,
        "eager stop too short to see: {de:?}"
    );
    assert!(
        eager_stopped_coop_running,
        "never saw eager stopped while cooperative kept every partition"
    );
    // After the join everyone has two partitions again.
    for g in &snap.groups {
        assert!(
            g.members.iter().all(|m| m.assigned.len() == 2),
            "{}: {:?}",
            g.id,
            g.members
        );
    }
}

/// Runs a broker scene to its end: per-producer figures and the story events.
fn broker_scene(
    name: &str,
) -> (
    Vec<mailroom_core::ProducerStats>,
    Vec<mailroom_core::event::Event>,
) {
    let mut sim = Sim::from_json(&scenario(name)).expect("valid scenario");
    sim.set_event_level(mailroom_core::EventLevel::Story);
    sim.advance(sim.scenario().duration_ms);
    let events = sim.drain_events().into_iter().map(|e| e.event).collect();
    (sim.producer_stats(), events)
}

#[test]
fn acks_1_scene_loses_acknowledged_records_when_the_leader_dies() {
    use mailroom_core::event::Event;
    let (p, events) = broker_scene("acks-1-leader-crash-loses-acked.json");
    assert!(p[0].acked_lost >= 1, "{p:?}");
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::ReplicaTruncated { broker: 0, .. })));
}

#[test]
fn acks_all_scene_survives_the_same_crash_without_losing_an_acknowledged_record() {
    let (p, _) = broker_scene("acks-all-min-insync-survives-crash.json");
    assert_eq!(
        (p[0].acked_lost, p[0].log_duplicates, p[0].failed),
        (0, 0, 0),
        "{p:?}"
    );
    assert!(p[0].acked > p[0].sent * 9 / 10);
}

#[test]
fn retries_scene_writes_duplicates_only_without_idempotence() {
    let (p, _) = broker_scene("retries-without-idempotence-duplicates.json");
    assert!(p[0].log_duplicates >= 1, "legacy: {:?}", p[0]);
    assert_eq!(p[1].log_duplicates, 0, "idempotent: {:?}", p[1]);
    assert_eq!((p[0].acked_lost, p[1].acked_lost), (0, 0));
}

#[test]
fn unclean_election_scene_loses_acknowledged_records() {
    use mailroom_core::event::Event;
    let (p, events) = broker_scene("unclean-leader-election.json");
    assert!(p[0].acked_lost > 0, "{p:?}");
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::LeaderElected { unclean: true, .. })));
}

#[test]
fn coordinator_scene_moves_the_group_and_it_goes_on() {
    use mailroom_core::event::Event;
    let (p, events) = broker_scene("coordinator-broker-dies.json");
    assert!(events.iter().any(|e| matches!(
        e,
        Event::CoordinatorMoved {
            from: Some(0),
            to: Some(_),
            ..
        }
    )));
    let mut sim = Sim::from_json(&scenario("coordinator-broker-dies.json")).unwrap();
    sim.advance(sim.scenario().duration_ms);
    let g = &sim.stats()[0];
    assert_eq!((g.lost, g.duplicates), (0, 0));
    assert!(g.processed + 100 >= p[0].acked, "{g:?}");
}
