//! Behaviour of the foundation: partitioning, offset logs, group ownership, crash recovery,
//! determinism — all in virtual time.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use mailroom_core::event::Event;
use mailroom_core::partitioner::partition_for_key;
use mailroom_core::{event_hash, CrashPoint, Input};
use serde_json::json;

#[test]
fn same_key_always_maps_to_same_partition_and_keeps_its_order() {
    let mut run = Run::new(base_scenario());
    run.until(20_000);
    // key → (partition, offsets in append order)
    let mut seen: BTreeMap<u32, (u32, Vec<u64>)> = BTreeMap::new();
    for e in run.events() {
        if let Event::RecordsAppended {
            partition,
            base_offset,
            keys,
            ..
        } = &e.event
        {
            for (i, k) in keys.iter().enumerate() {
                let k = k.expect("keyed producer");
                let entry = seen.entry(k).or_insert((*partition, Vec::new()));
                assert_eq!(entry.0, *partition, "order-{k} appeared in two partitions");
                entry.1.push(base_offset + i as u64);
            }
        }
    }
    assert!(
        seen.len() >= 30,
        "expected most of the 40 keys, saw {}",
        seen.len()
    );
    for (k, (p, offsets)) in &seen {
        assert_eq!(
            *p,
            partition_for_key(format!("order-{k}").as_bytes(), 4),
            "order-{k} not on its murmur2 partition"
        );
        assert!(
            offsets.windows(2).all(|w| w[0] < w[1]),
            "order-{k} records out of order"
        );
    }
}

#[test]
fn offsets_are_dense_from_zero_in_every_partition() {
    let mut run = Run::new(base_scenario());
    // Records due by 10 s (one every 20 ms) have all arrived 2 ms later.
    run.until(10_010);
    let mut next: BTreeMap<u32, u64> = BTreeMap::new();
    for e in run.events() {
        if let Event::RecordsAppended {
            partition,
            base_offset,
            keys,
            ..
        } = &e.event
        {
            let n = next.entry(*partition).or_insert(0);
            assert_eq!(*base_offset, *n, "gap or overlap in partition {partition}");
            *n += keys.len() as u64;
        }
    }
    let total: u64 = next.values().sum();
    assert_eq!(total, 500, "50 records/s for 10 s");
    for (p, n) in next {
        assert_eq!(run.sim.log_end_offset((0, p)), Some(n));
    }
}

#[test]
fn unkeyed_records_spread_evenly_across_partitions() {
    let s = with(
        base_scenario(),
        json!({"topics": [{"partitions": 6}], "producers": [{"rate_per_sec": 2000, "max_records": 60000, "keys": {"mode": "none"}}]}),
    );
    let mut run = Run::new(s);
    run.until(31_000);
    let ends: Vec<u64> = (0..6)
        .map(|p| run.sim.log_end_offset((0, p)).unwrap())
        .collect();
    let total: u64 = ends.iter().sum();
    assert_eq!(total, 60_000);
    for (p, n) in ends.iter().enumerate() {
        let share = *n as f64 / total as f64;
        assert!(
            (share - 1.0 / 6.0).abs() < 0.03,
            "partition {p} got {share:.3} of unkeyed records: {ends:?}"
        );
    }
    // Sticky: consecutive unkeyed records go to the same partition in runs (KIP-794).
    // With sticky.batch.records = 16 the partition changes at most once per 16 records.
    let parts: Vec<u32> = run
        .events()
        .filter_map(|e| match e.event {
            Event::RecordsAppended { partition, .. } => Some(partition),
            _ => None,
        })
        .collect();
    let switches = parts.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(
        switches > 0 && switches <= 60_000 / 16,
        "{switches} partition switches for 60000 unkeyed records"
    );
}

#[test]
fn each_partition_has_exactly_one_owner_and_extra_consumers_idle() {
    let s = with(base_scenario(), json!({"groups": [{"consumers": 6}]}));
    let mut run = Run::new(s);
    run.stepping(10_000, 50, assert_one_owner);
    let snap = run.sim.snapshot();
    let g = &snap.groups[0];
    assert!(
        g.partitions.iter().all(|p| p.owner.is_some()),
        "every partition owned once stable"
    );
    let idle: Vec<_> = g.members.iter().filter(|m| m.assigned.is_empty()).collect();
    assert_eq!(idle.len(), 2, "6 consumers on 4 partitions leave 2 idle");
    assert!(idle
        .iter()
        .all(|m| m.state == mailroom_core::event::ConsumerState::Idle));
}

#[test]
fn several_groups_read_the_same_topic_independently() {
    let mut s = base_scenario();
    let second = with(
        s["groups"][0].clone(),
        json!({"group.id": "analytics", "consumers": 1}),
    );
    s["groups"].as_array_mut().unwrap().push(second);
    let mut run = Run::new(s);
    run.until(15_000);
    let st = run.sim.stats();
    assert_eq!(st.len(), 2);
    for g in &st {
        assert!(
            g.processed >= g.produced - 20,
            "{} processed {} of {}",
            g.group,
            g.processed,
            g.produced
        );
        assert_eq!((g.duplicates, g.lost), (0, 0));
    }
}

#[test]
fn crash_leads_to_rebalance_after_session_timeout_and_new_owner_resumes_from_committed_offset() {
    let mut run = Run::new(base_scenario());
    run.until(5_000);
    let victim_parts: BTreeSet<(u32, u32)> = run.sim.snapshot().groups[0].members[1]
        .assigned
        .iter()
        .copied()
        .collect();
    assert!(!victim_parts.is_empty());
    run.apply(Input::CrashConsumer {
        group: 0,
        member: 1,
        at: CrashPoint::AfterProcessing,
    });
    run.until(6_000);
    let crashed_at = run
        .first_at(|e| matches!(e, Event::ConsumerCrashed { .. }))
        .expect("crash struck");
    let committed: BTreeMap<(u32, u32), u64> = victim_parts
        .iter()
        .map(|&tp| (tp, run.sim.committed(0, tp).unwrap_or(0)))
        .collect();
    run.until(12_000);
    let expired_at = run
        .first_at(|e| matches!(e, Event::SessionExpired { member: 1, .. }))
        .expect("session expired");
    // The session runs from the last heartbeat (every 500 ms), so expiry lands 2.5–3 s after
    // the crash.
    assert!(
        expired_at + 500 >= crashed_at + 3_000,
        "expiry at {expired_at}, too soon after the crash at {crashed_at}"
    );
    assert!(
        expired_at <= crashed_at + 3_000 + 10,
        "expiry too late: {expired_at} (crash at {crashed_at})"
    );
    // The survivor took the victim's partitions and started exactly at the committed offsets.
    let snap = run.sim.snapshot();
    assert!(victim_parts
        .iter()
        .all(|tp| snap.groups[0].members[0].assigned.contains(tp)));
    for (&tp, &c) in &committed {
        let first = run
            .events()
            .filter(|e| e.at_ms > expired_at)
            .find_map(|e| match e.event {
                Event::RecordsFetched {
                    member: 0,
                    topic,
                    partition,
                    first_offset,
                    ..
                } if (topic, partition) == tp => Some(first_offset),
                _ => None,
            })
            .expect("new owner fetched");
        assert_eq!(
            first, c,
            "new owner of {tp:?} resumed at {first}, committed was {c}"
        );
    }
    let st = run.stats(0);
    assert_eq!(st.lost, 0, "at-least-once never loses");
    assert_eq!(
        st.duplicates, 1,
        "the one processed-but-uncommitted record is processed again"
    );
    let dup_events = run.count(|e| matches!(e, Event::DuplicatesProcessed { .. }));
    assert_eq!(dup_events, 1);
}

#[test]
fn same_seed_replays_the_identical_event_stream_and_another_seed_differs() {
    let s = with(
        base_scenario(),
        json!({"inputs": [
            {"at_ms": 4000, "input": {"type": "CrashConsumer", "group": 0, "member": 0, "at": "now"}},
            {"at_ms": 9000, "input": {"type": "RestartConsumer", "group": 0, "member": 0}},
            {"at_ms": 9500, "input": {"type": "AddConsumer", "group": 0}}
        ]}),
    );
    let hash = |s: &serde_json::Value| {
        let mut r = Run::new(s.clone());
        r.until(20_000);
        (event_hash(&r.log), r.log.len())
    };
    let (a, n) = hash(&s);
    let (b, m) = hash(&s);
    assert_eq!((a.clone(), n), (b, m));
    let (c, _) = hash(&with(s, json!({"seed": 8})));
    assert_ne!(a, c, "a different seed should change the stream");
}

#[test]
fn interactive_inputs_replay_like_scheduled_ones() {
    // The page records interactive inputs with their times; replaying them must reproduce.
    let mut live = Run::new(base_scenario());
    live.until(3_000).apply(Input::CrashConsumer {
        group: 0,
        member: 1,
        at: CrashPoint::Now,
    });
    live.until(8_000).apply(Input::RestartConsumer {
        group: 0,
        member: 1,
    });
    live.until(15_000);
    let inputs = serde_json::to_value(live.sim.input_log()).unwrap();
    let mut replay = Run::new(with(base_scenario(), json!({ "inputs": inputs })));
    replay.until(15_000);
    assert_eq!(event_hash(&live.log), event_hash(&replay.log));
}

#[test]
fn bad_scenarios_are_refused_with_the_json_path_and_reason() {
    let cases = [
        (
            json!({"groups": [{"session.timeout.ms": "soon"}]}),
            "groups[0].session.timeout.ms",
        ),
        (
            json!({"topics": [{"partitions": 0}]}),
            "topics[0].partitions",
        ),
        (
            json!({"producers": [{"topic": "nope"}]}),
            "producers[0].topic",
        ),
        (
            json!({"groups": [{"heartbeat.interval.ms": 5000}]}),
            "groups[0].heartbeat.interval.ms",
        ),
        (
            json!({"producers": [{"keys": {"mode": "entity", "prefix": "<b>x</b>", "count": 3}}]}),
            "producers[0].keys.prefix",
        ),
        (
            json!({"inputs": [{"at_ms": 1, "input": {"type": "CrashConsumer", "group": 0, "member": 9}}]}),
            "inputs[0].input.member",
        ),
        (json!({"groups": [{"surprise": 1}]}), "groups[0]"),
    ];
    for (patch, path) in cases {
        let s = with(base_scenario(), patch.clone());
        let err = match mailroom_core::Sim::from_json(&s.to_string()) {
            Ok(_) => panic!("accepted {patch}"),
            Err(e) => e,
        };
        assert!(
            err.path.starts_with(path),
            "for {patch}: path {:?}, want {path:?} ({})",
            err.path,
            err.reason
        );
        assert!(!err.reason.is_empty());
    }
}

#[test]
fn refused_inputs_change_nothing() {
    let mut run = Run::new(base_scenario());
    run.until(2_000);
    let before = run.sim.snapshot();
    let err = run
        .sim
        .handle(
            2_000,
            Input::RestartConsumer {
                group: 0,
                member: 0,
            },
        )
        .unwrap_err();
    assert_eq!(err.path, "input.member");
    assert!(run
        .sim
        .handle(
            2_000,
            Input::CrashConsumer {
                group: 3,
                member: 0,
                at: CrashPoint::Now
            }
        )
        .is_err());
    assert_eq!(run.sim.snapshot(), before);
}
