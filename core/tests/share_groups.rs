//! Share groups (KIP-932): one behaviour test per rule, the two scenes, and seeded fault
//! schedules for the invariants (a record is never acquired by two members at once; every
//! record is processed at least once unless archived; nothing is lost).
//!
//! `MAILROOM_SEEDS=n` runs `n` schedules (default 12); `MAILROOM_SEED=n` runs one.

use std::collections::{BTreeMap, BTreeSet};

use mailroom_core::event::{Event, ReleaseCause, ShareMemberChange};
use mailroom_core::share::{AckType, RecordState};
use mailroom_core::{Input, Sim, TimedEvent};
use serde_json::{json, Value};

mod common;
use common::{seeds, SeedRng as Rng};

fn scenario_file(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One topic `jobs` with `partitions`, a producer of `records` at `rate`, and one share group
/// with `consumers` and the extra fields in `share`.
fn base(partitions: u32, records: u64, rate: f64, consumers: u32, share: Value) -> Value {
    let mut g = json!({
        "group.id": "workers", "topics": ["jobs"], "consumers": consumers,
        "share.auto.offset.reset": "earliest"
    });
    for (k, v) in share.as_object().expect("object") {
        g[k] = v.clone();
    }
    json!({
        "seed": 5, "duration_ms": 60000,
        "topics": [{"name": "jobs", "partitions": partitions}],
        "producers": [{"id": "p", "topic": "jobs", "rate_per_sec": rate,
                       "keys": {"mode": "entity", "prefix": "k", "count": 30}, "max_records": records}],
        "share_groups": [g]
    })
}

fn run(doc: &Value, until: u64) -> (Sim, Vec<TimedEvent>) {
    let mut sim = Sim::from_json(&doc.to_string()).expect("valid scenario");
    sim.advance(until);
    let events = sim.drain_events();
    (sim, events)
}

/// (time, member, offset, delivery count) of every acquisition of partition 0.
fn acquisitions(events: &[TimedEvent]) -> Vec<(u64, u32, u64, u16)> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            Event::ShareRecordAcquired {
                member,
                partition: 0,
                offset,
                delivery_count,
                ..
            } => Some((e.at_ms, *member, *offset, *delivery_count)),
            _ => None,
        })
        .collect()
}

#[test]
fn an_expired_lock_makes_a_crashed_members_records_available_to_another_member() {
    // One partition, two members sharing it; member 0 crashes holding locks.
    let doc = base(
        1,
        20,
        1000.0,
        2,
        json!({"max.poll.records": 4, "processing_ms": 500,
               "group.share.record.lock.duration.ms": 3000}),
    );
    let mut sim = Sim::from_json(&doc.to_string()).unwrap();
    sim.advance(600);
    let held: Vec<u64> = acquisitions(&sim.drain_events())
        .into_iter()
        .filter(|a| a.1 == 0)
        .map(|a| a.2)
        .collect();
    assert!(!held.is_empty(), "member 0 acquired records");
    let lock_until = match sim.share_record(0, (0, 0), held[0]) {
        Some((RecordState::Acquired, 1, Some(0), until)) => until,
        other => panic!("offset {} not locked by member 0: {other:?}", held[0]),
    };
    sim.handle(
        600,
        Input::CrashShareConsumer {
            share_group: 0,
            member: 0,
        },
    )
    .unwrap();
    sim.advance(lock_until - 1);
    assert!(
        matches!(
            sim.share_record(0, (0, 0), held[0]),
            Some((RecordState::Acquired, ..))
        ),
        "still locked until the lock duration ends"
    );
    sim.advance(30_000);
    let events = sim.drain_events();
    let expired: Vec<&TimedEvent> = events
        .iter()
        .filter(|e| {
            matches!(
                e.event,
                Event::ShareRecordReleased {
                    cause: ReleaseCause::LockExpired,
                    ..
                }
            )
        })
        .collect();
    assert!(!expired.is_empty(), "locks expired");
    assert!(expired.iter().all(|e| e.at_ms == lock_until), "{expired:?}");
    let again: Vec<_> = acquisitions(&events)
        .into_iter()
        .filter(|a| held.contains(&a.2))
        .collect();
    assert!(
        again
            .iter()
            .all(|a| a.1 == 1 && a.3 == 2 && a.0 >= lock_until),
        "redelivered to member 1 as second deliveries after the lock ran out: {again:?}"
    );
    let st = &sim.share_stats()[0];
    assert_eq!((st.acknowledged, st.lost, st.archived), (20, 0, 0));
    assert_eq!(st.redeliveries, held.len() as u64);
}

#[test]
fn release_makes_a_record_available_at_once_with_its_delivery_count_raised() {
    let doc = base(
        1,
        10,
        1000.0,
        1,
        json!({"share.acknowledgement.mode": "explicit", "max.poll.records": 10,
               "group.share.record.lock.duration.ms": 30000,
               "poison": [{"topic": "jobs", "partition": 0, "offset": 3}], "poison_ack": "release"}),
    );
    let (sim, events) = run(&doc, 5000);
    let released: Vec<u64> = events
        .iter()
        .filter(|e| {
            matches!(
                e.event,
                Event::ShareRecordAcknowledged {
                    offset: 3,
                    ack: AckType::Release,
                    ..
                }
            )
        })
        .map(|e| e.at_ms)
        .collect();
    let redelivered: Vec<(u64, u16)> = acquisitions(&events)
        .into_iter()
        .filter(|a| a.2 == 3)
        .map(|a| (a.0, a.3))
        .collect();
    assert_eq!(
        redelivered.iter().map(|a| a.1).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    for (r, a) in released.iter().zip(&redelivered[1..]) {
        assert!(
            a.0 - r < 30_000,
            "redelivered at {} after RELEASE at {r}, before any lock ran out",
            a.0
        );
    }
    let st = &sim.share_stats()[0];
    assert_eq!((st.processed, st.archived, st.lost), (9, 1, 0));
}

#[test]
fn reject_archives_a_record_on_its_first_delivery() {
    let doc = base(
        1,
        10,
        1000.0,
        1,
        json!({"share.acknowledgement.mode": "explicit",
               "poison": [{"topic": "jobs", "partition": 0, "offset": 3}], "poison_ack": "reject"}),
    );
    let (sim, events) = run(&doc, 5000);
    let archived: Vec<(u64, u16, ReleaseCause)> = events
        .iter()
        .filter_map(|e| match e.event {
            Event::ShareRecordArchived {
                offset,
                delivery_count,
                cause,
                ..
            } => Some((offset, delivery_count, cause)),
            _ => None,
        })
        .collect();
    assert_eq!(archived, [(3, 1, ReleaseCause::Rejected)]);
    let st = &sim.share_stats()[0];
    assert_eq!(
        (st.redeliveries, st.archived, st.acknowledged, st.lost),
        (0, 1, 9, 0)
    );
    assert_eq!(
        sim.share_offsets(0, (0, 0)),
        Some((10, 10)),
        "SPSO moved past the archived record"
    );
}

#[test]
fn scene_a_poison_message_hits_the_delivery_limit_and_is_archived() {
    let json = scenario_file("poison-message-delivery-limit.json");
    let cfg: Value = serde_json::from_str(&json).unwrap();
    let sg = &cfg["share_groups"][0];
    let poison = sg["poison"][0]["offset"].as_u64().unwrap();
    let limit = sg["group.share.delivery.count.limit"].as_u64().unwrap() as u16;
    let mut sim = Sim::from_json(&json).unwrap();
    sim.advance(cfg["duration_ms"].as_u64().unwrap());
    let events = sim.drain_events();
    let counts: Vec<u16> = acquisitions(&events)
        .into_iter()
        .filter(|a| a.2 == poison)
        .map(|a| a.3)
        .collect();
    assert_eq!(
        counts,
        (1..=limit).collect::<Vec<_>>(),
        "the delivery count climbs to the limit"
    );
    let archived: Vec<_> = events
        .iter()
        .filter_map(|e| match e.event {
            Event::ShareRecordArchived {
                offset,
                delivery_count,
                ..
            } => Some((offset, delivery_count)),
            _ => None,
        })
        .collect();
    assert_eq!(archived, [(poison, limit)]);
    let st = &sim.share_stats()[0];
    assert_eq!(
        (
            st.produced,
            st.processed,
            st.archived,
            st.redeliveries,
            st.lost
        ),
        (40, 39, 1, u64::from(limit) - 1, 0)
    );
}

#[test]
fn implicit_mode_accepts_a_batch_with_the_next_poll_and_cannot_fail_a_record() {
    let doc = base(
        1,
        20,
        1000.0,
        1,
        json!({"max.poll.records": 5, "processing_ms": 100}),
    );
    let (sim, events) = run(&doc, 10_000);
    let acq = acquisitions(&events);
    // Records acquired by one share fetch form one batch: (time, member) → batch size.
    let mut batch: BTreeMap<(u64, u32), u64> = BTreeMap::new();
    for a in &acq {
        *batch.entry((a.0, a.1)).or_default() += 1;
    }
    let acquired: BTreeMap<u64, (u64, u32)> = acq.iter().map(|a| (a.2, (a.0, a.1))).collect();
    for e in &events {
        if let Event::ShareRecordAcknowledged { offset, ack, .. } = e.event {
            assert_eq!(ack, AckType::Accept);
            // The whole batch (100 ms a record) was processed before the next poll sent the
            // ACCEPTs of all of it.
            let (at, m) = acquired[&offset];
            let n = batch[&(at, m)];
            assert!(
                e.at_ms >= at + 100 * n,
                "offset {offset} of a batch of {n} from {at} accepted at {}",
                e.at_ms
            );
        }
    }
    assert!(batch.values().any(|&n| n > 1), "batches of several records");
    assert_eq!(sim.share_stats()[0].acknowledged, 20);
    // A failing record needs explicit acknowledgement.
    let bad = base(
        1,
        20,
        1000.0,
        1,
        json!({"poison": [{"topic": "jobs", "partition": 0, "offset": 1}]}),
    );
    let err = Sim::from_json(&bad.to_string()).err().expect("refused");
    assert_eq!(err.path, "share_groups[0].poison");
}

#[test]
fn scene_more_consumers_than_partitions_all_do_work_and_the_queue_drains() {
    let json = scenario_file("share-group-drains-a-queue.json");
    let cfg: Value = serde_json::from_str(&json).unwrap();
    let mut sim = Sim::from_json(&json).unwrap();
    // Members learn the assignment that includes everyone from their next heartbeat.
    let hb = 5000;
    sim.advance(hb + 1000);
    let assignment = sim.share_assignment(0);
    let partitions = cfg["topics"][0]["partitions"].as_u64().unwrap() as usize;
    assert!(assignment.len() > partitions);
    // SimpleAssignor: every member gets a partition, partitions are shared evenly.
    let mut readers: BTreeMap<(u32, u32), usize> = BTreeMap::new();
    for a in &assignment {
        assert_eq!(a.len(), 1, "{assignment:?}");
        *readers.entry(a[0]).or_default() += 1;
    }
    assert_eq!(readers.len(), partitions);
    assert!(readers
        .values()
        .all(|&n| n == assignment.len() / partitions));
    sim.advance(cfg["duration_ms"].as_u64().unwrap());
    let per_member = sim.share_member_processed(0);
    assert!(
        per_member.iter().all(|&n| n > 0),
        "every member processed records: {per_member:?}"
    );
    let st = &sim.share_stats()[0];
    assert_eq!(
        (st.acknowledged, st.lost, st.archived),
        (st.produced, 0, 0),
        "{st:?}"
    );
    for p in 0..partitions as u32 {
        let (spso, speo) = sim.share_offsets(0, (0, p)).unwrap();
        let end = sim.log_end_offset((0, p)).unwrap();
        assert_eq!(
            (spso, speo),
            (end, end),
            "SPSO advanced over the whole drained partition {p}"
        );
    }
}

#[test]
fn the_start_offset_advances_only_over_a_finished_prefix() {
    // A slow first record holds the SPSO while later ones are accepted.
    let doc = base(
        1,
        6,
        1000.0,
        2,
        json!({"max.poll.records": 1, "processing_ms": 400}),
    );
    let mut sim = Sim::from_json(&doc.to_string()).unwrap();
    let mut spso_seen = Vec::new();
    for t in (0..6000).step_by(50) {
        sim.advance(t);
        spso_seen.push(sim.share_offsets(0, (0, 0)).unwrap());
    }
    assert!(
        spso_seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "SPSO never moves back"
    );
    assert!(
        spso_seen.iter().any(|&(s, e)| e > s + 1),
        "records in flight beyond the start"
    );
    assert_eq!(*spso_seen.last().unwrap(), (6, 6));
}

#[test]
fn a_member_whose_session_times_out_is_removed_and_the_group_reassigned() {
    let doc = base(
        2,
        0,
        0.0,
        3,
        json!({"group.share.session.timeout.ms": 4000,
                                        "group.share.heartbeat.interval.ms": 1000}),
    );
    let mut sim = Sim::from_json(&doc.to_string()).unwrap();
    sim.advance(1000);
    sim.handle(
        1000,
        Input::CrashShareConsumer {
            share_group: 0,
            member: 2,
        },
    )
    .unwrap();
    sim.advance(10_000);
    let events = sim.drain_events();
    let expired = events
        .iter()
        .find(|e| {
            matches!(
                e.event,
                Event::ShareMemberChanged {
                    member: 2,
                    change: ShareMemberChange::SessionExpired,
                    ..
                }
            )
        })
        .expect("session expired");
    assert!((4000..=5200).contains(&expired.at_ms), "{}", expired.at_ms);
    let last = events
        .iter()
        .rev()
        .find_map(|e| match &e.event {
            Event::ShareAssignmentComputed { assignment, .. } => Some(assignment.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(last.iter().map(|a| a.0).collect::<Vec<_>>(), [0, 1]);
    assert_eq!(
        last[0].1.len() + last[1].1.len(),
        2,
        "two members share the two partitions"
    );
}

#[test]
fn share_inputs_are_checked() {
    let doc = base(1, 0, 0.0, 1, json!({}));
    let mut sim = Sim::from_json(&doc.to_string()).unwrap();
    let e = sim
        .handle(
            0,
            Input::CrashShareConsumer {
                share_group: 1,
                member: 0,
            },
        )
        .unwrap_err();
    assert_eq!(e.path, "input.share_group");
    let e = sim
        .handle(
            0,
            Input::ResumeShareConsumer {
                share_group: 0,
                member: 0,
            },
        )
        .unwrap_err();
    assert_eq!(e.path, "input.member");
    let mut bad = doc.clone();
    bad["share_groups"][0]["group.share.delivery.count.limit"] = json!(1);
    let e = Sim::from_json(&bad.to_string()).err().unwrap();
    assert_eq!(e.path, "share_groups[0].group.share.delivery.count.limit");
}

// ---- seeded schedules --------------------------------------------------------------------

fn check_seed(seed: u64) -> Result<(), String> {
    let mut r = Rng(seed);
    let partitions = 1 + r.below(3) as u32;
    let consumers = 1 + r.below(5) as u32;
    let records = 50 + r.below(150);
    let explicit = r.below(2) == 0;
    let mut share = json!({
        "max.poll.records": 1 + r.below(6), "processing_ms": r.below(120),
        "group.share.record.lock.duration.ms": 1000 + 500 * r.below(6),
        "group.share.delivery.count.limit": 2 + r.below(4),
        "group.share.session.timeout.ms": 3000, "group.share.heartbeat.interval.ms": 500,
        "share.acknowledgement.mode": if explicit { "explicit" } else { "implicit" }
    });
    if explicit {
        share["poison"] = json!([{"topic": "jobs", "partition": 0, "offset": r.below(records)}]);
        share["poison_ack"] = json!(if r.below(2) == 0 { "release" } else { "reject" });
    }
    let doc = base(
        partitions,
        records,
        20.0 + r.below(200) as f64,
        consumers,
        share,
    );
    let mut sim = Sim::from_json(&doc.to_string()).map_err(|e| e.to_string())?;
    let mut holder: BTreeMap<(u32, u32, u64), u32> = BTreeMap::new();
    let mut accepted: BTreeSet<(u32, u32, u64)> = BTreeSet::new();
    let mut archived: BTreeSet<(u32, u32, u64)> = BTreeSet::new();
    let mut t = 0;
    let mut applied = Vec::new();
    while t < 40_000 {
        t += 1 + r.below(700);
        if r.below(3) == 0 && t < 25_000 {
            let members = sim.share_member_processed(0).len() as u32;
            let m = r.below(u64::from(members)) as u32;
            let input = match r.below(6) {
                0 => Input::AddShareConsumer { share_group: 0 },
                1 => Input::CrashShareConsumer {
                    share_group: 0,
                    member: m,
                },
                2 => Input::RestartShareConsumer {
                    share_group: 0,
                    member: m,
                },
                3 => Input::PauseShareConsumer {
                    share_group: 0,
                    member: m,
                },
                4 => Input::ResumeShareConsumer {
                    share_group: 0,
                    member: m,
                },
                _ => Input::LeaveShareGroup {
                    share_group: 0,
                    member: m,
                },
            };
            if sim.handle(t, input.clone()).is_ok() {
                applied.push((t, input));
            }
        } else {
            sim.advance(t);
        }
        for e in sim.drain_events() {
            match e.event {
                Event::ShareRecordAcquired {
                    member,
                    topic,
                    partition,
                    offset,
                    ..
                } => {
                    if let Some(h) = holder.insert((topic, partition, offset), member) {
                        return Err(format!(
                            "{offset} acquired by {member} while {h} holds it at {}",
                            e.at_ms
                        ));
                    }
                }
                Event::ShareRecordAcknowledged {
                    topic,
                    partition,
                    offset,
                    ack,
                    ..
                } => {
                    holder.remove(&(topic, partition, offset));
                    if ack == AckType::Accept {
                        accepted.insert((topic, partition, offset));
                    }
                }
                Event::ShareRecordReleased {
                    topic,
                    partition,
                    offset,
                    ..
                } => {
                    holder.remove(&(topic, partition, offset));
                }
                Event::ShareRecordArchived {
                    topic,
                    partition,
                    offset,
                    ..
                } => {
                    holder.remove(&(topic, partition, offset));
                    archived.insert((topic, partition, offset));
                }
                _ => {}
            }
        }
    }
    // Let every member that is still paused go on, and everything settle.
    for m in 0..sim.share_member_processed(0).len() as u32 {
        let _ = sim.handle(
            t,
            Input::ResumeShareConsumer {
                share_group: 0,
                member: m,
            },
        );
        let _ = sim.handle(
            t,
            Input::RestartShareConsumer {
                share_group: 0,
                member: m,
            },
        );
    }
    sim.advance(t + 60_000);
    for e in sim.drain_events() {
        match e.event {
            Event::ShareRecordAcknowledged {
                topic,
                partition,
                offset,
                ack: AckType::Accept,
                ..
            } => {
                accepted.insert((topic, partition, offset));
            }
            Event::ShareRecordArchived {
                topic,
                partition,
                offset,
                ..
            } => {
                archived.insert((topic, partition, offset));
            }
            _ => {}
        }
    }
    let st = &sim.share_stats()[0];
    if st.lost != 0 {
        return Err(format!("lost {}", st.lost));
    }
    for p in 0..partitions {
        let end = sim.log_end_offset((0, p)).unwrap();
        for o in 0..end {
            let k = (0, p, o);
            if !(accepted.contains(&k) || archived.contains(&k)) {
                return Err(format!(
                    "partition {p} offset {o} neither processed nor archived"
                ));
            }
        }
        if sim.share_offsets(0, (0, p)) != Some((end, end)) {
            return Err(format!(
                "partition {p} not drained: {:?} of {end}",
                sim.share_offsets(0, (0, p))
            ));
        }
    }
    if st.processed < st.acknowledged {
        return Err(format!("{st:?}"));
    }
    let _ = applied;
    Ok(())
}

#[test]
fn seeded_schedules_never_double_acquire_and_finish_every_record() {
    let failures: Vec<String> = seeds()
        .into_iter()
        .filter_map(|s| check_seed(s).err().map(|e| format!("seed {s}: {e}")))
        .collect();
    assert!(
        failures.is_empty(),
        "{}\nreproduce with MAILROOM_SEED=n cargo test -p mailroom-core --test share_groups",
        failures.join("\n")
    );
}
