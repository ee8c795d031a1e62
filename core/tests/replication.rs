//! Brokers, replication, acks, retries and idempotence: one test per Kafka behaviour, each
//! driven in virtual time and judged by the producer ledger and the recorded events.

use mailroom_core::event::{Event, ProduceError};
use mailroom_core::{Input, ProducerStats, Sim, TimedEvent};
use serde_json::{json, Value};

/// Three brokers, one topic of one partition, one keyed producer, one reading group.
fn cluster(topic: Value, producer: Value, extra: Value) -> Value {
    let mut s = json!({
        "seed": 7,
        "duration_ms": 60000,
        "brokers": 3,
        "topics": [topic],
        "producers": [producer],
        "groups": [{"group.id": "readers", "topics": ["orders"], "consumers": 1,
                    "group.initial.rebalance.delay.ms": 0, "session.timeout.ms": 6000,
                    "heartbeat.interval.ms": 1000}]
    });
    for (k, v) in extra.as_object().expect("object") {
        s[k] = v.clone();
    }
    s
}

fn producer(fields: Value) -> Value {
    let mut p = json!({"id": "checkout", "topic": "orders", "rate_per_sec": 200, "linger.ms": 5,
                       "keys": {"mode": "entity", "prefix": "order", "count": 20}});
    for (k, v) in fields.as_object().expect("object") {
        p[k] = v.clone();
    }
    p
}

struct Run {
    sim: Sim,
    events: Vec<TimedEvent>,
}

impl Run {
    fn new(scenario: &Value) -> Run {
        Run {
            sim: Sim::from_json(&scenario.to_string()).expect("valid scenario"),
            events: Vec::new(),
        }
    }
    fn to(&mut self, ms: u64) {
        self.sim.advance(ms);
        self.events.extend(self.sim.drain_events());
    }
    fn input(&mut self, ms: u64, input: Input) {
        self.sim.handle(ms, input).expect("input fits");
        self.events.extend(self.sim.drain_events());
    }
    fn stats(&self) -> ProducerStats {
        self.sim.producer_stats()[0].clone()
    }
    fn leader(&self) -> u32 {
        self.sim.partition_leader((0, 0)).expect("a leader")
    }
    fn followers(&self) -> Vec<u32> {
        let l = self.leader();
        self.sim
            .partition_replicas((0, 0))
            .into_iter()
            .filter(|&b| b != l)
            .collect()
    }
    fn count(&self, f: impl Fn(&Event) -> bool) -> usize {
        self.events.iter().filter(|e| f(&e.event)).count()
    }
}

/// The classic acks=1 loss: the leader acknowledges what it appended, its followers are a
/// little behind (slow fetches, still in the ISR), it dies; the new leader never had those
/// records and the old one truncates them when it returns.
fn acks_one_or_all_with_a_leader_crash(acks: &str, min_isr: u32) -> Run {
    let s = cluster(
        json!({"name": "orders", "partitions": 1, "replication.factor": 3,
               "min.insync.replicas": min_isr}),
        producer(json!({"acks": acks, "request.timeout.ms": 3000})),
        json!({}),
    );
    let mut r = Run::new(&s);
    for f in r.followers() {
        r.input(
            0,
            Input::SlowFollower {
                broker: f,
                delay_ms: 400,
            },
        );
    }
    r.to(5_000);
    let old = r.leader();
    r.input(5_000, Input::CrashBroker { broker: old });
    r.to(20_000);
    r.input(20_000, Input::RestartBroker { broker: old });
    r.to(40_000);
    r
}

#[test]
fn acks_1_loses_acknowledged_records_when_the_leader_dies_before_followers_copied_them() {
    let r = acks_one_or_all_with_a_leader_crash("1", 1);
    let st = r.stats();
    assert!(st.acked_lost > 0, "{st:?}");
    assert!(
        r.count(|e| matches!(e, Event::LeaderElected { truncated, leader: Some(_), .. } if *truncated > 0)) > 0,
        "the election cut the old leader's tail"
    );
    assert!(
        r.count(|e| matches!(e, Event::ReplicaTruncated { .. })) > 0,
        "the old leader truncated when it came back"
    );
    let lost: u64 = r
        .events
        .iter()
        .filter_map(|e| match e.event {
            Event::AckedRecordsLost { count, .. } => Some(count),
            _ => None,
        })
        .sum();
    assert_eq!(lost, st.acked_lost, "every lost record is an event");
}

#[test]
fn acks_all_with_min_insync_2_and_rf_3_loses_nothing_under_one_crash_and_keeps_writing() {
    let r = acks_one_or_all_with_a_leader_crash("all", 2);
    let st = r.stats();
    assert_eq!(st.acked_lost, 0, "{st:?}");
    assert_eq!(st.failed, 0);
    assert_eq!(
        st.log_duplicates, 0,
        "idempotence (the default) drops retried repeats"
    );
    // Writes went on after the failover: most records are acknowledged by the end.
    assert!(st.acked + 400 >= st.sent, "{st:?}");
    assert!(
        r.count(|e| matches!(
            e,
            Event::LeaderElected {
                unclean: false,
                leader: Some(_),
                ..
            }
        )) > 0
    );
}

#[test]
fn a_slow_follower_leaves_the_isr_after_the_lag_time_and_rejoins_once_caught_up() {
    let s = cluster(
        json!({"name": "orders", "partitions": 1, "replication.factor": 3}),
        producer(json!({})),
        json!({}),
    );
    let mut r = Run::new(&s);
    let slow = r.followers()[0];
    r.input(
        1_000,
        Input::SlowFollower {
            broker: slow,
            delay_ms: 45_000,
        },
    );
    r.to(25_000);
    assert!(
        r.sim.isr((0, 0)).contains(&slow),
        "within replica.lag.time.max.ms it stays"
    );
    r.to(50_000);
    assert!(!r.sim.isr((0, 0)).contains(&slow));
    let shrunk_at = r
        .events
        .iter()
        .find(|e| matches!(e.event, Event::IsrShrunk { broker, .. } if broker == slow))
        .expect("IsrShrunk")
        .at_ms;
    assert!(
        shrunk_at > 1_000 + 30_000,
        "not before the lag time: {shrunk_at}"
    );
    r.input(
        50_000,
        Input::SlowFollower {
            broker: slow,
            delay_ms: 0,
        },
    );
    r.to(150_000);
    assert!(r.sim.isr((0, 0)).contains(&slow), "caught up again");
    assert!(r.count(|e| matches!(e, Event::IsrExpanded { broker, .. } if *broker == slow)) > 0);
}

#[test]
fn acks_all_is_refused_with_not_enough_replicas_while_the_isr_is_below_min_insync() {
    let s = cluster(
        json!({"name": "orders", "partitions": 1, "replication.factor": 3, "min.insync.replicas": 2}),
        producer(json!({})),
        json!({}),
    );
    let mut r = Run::new(&s);
    r.to(2_000);
    for f in r.followers() {
        r.input(2_000, Input::CrashBroker { broker: f });
    }
    // Fenced after broker.session.timeout.ms: the ISR is the leader alone.
    r.to(15_000);
    assert_eq!(r.sim.isr((0, 0)).len(), 1);
    let end_before = r.sim.log_end_offset((0, 0)).unwrap();
    r.to(20_000);
    assert_eq!(
        r.sim.log_end_offset((0, 0)).unwrap(),
        end_before,
        "nothing appended"
    );
    assert!(
        r.count(|e| matches!(
            e,
            Event::ProduceRetried {
                error: ProduceError::NotEnoughReplicas,
                ..
            }
        )) > 0
    );
    let acked = r.stats().acked;
    let f = r.followers()[0];
    r.input(20_000, Input::RestartBroker { broker: f });
    r.to(30_000);
    assert!(
        r.stats().acked > acked,
        "writes resume once the ISR is back to 2"
    );
    assert_eq!(r.stats().acked_lost, 0);
}

/// RF 2: the follower falls out of the ISR (too slow), then the leader dies.
fn out_of_sync_then_leader_crash(unclean: bool) -> Run {
    let s = cluster(
        json!({"name": "orders", "partitions": 1, "replication.factor": 2}),
        producer(json!({})),
        json!({"unclean.leader.election.enable": unclean, "brokers": 2}),
    );
    let mut r = Run::new(&s);
    let f = r.followers()[0];
    // One fetch round trip takes longer than replica.lag.time.max.ms: out at the 45 s check.
    r.input(
        1_000,
        Input::SlowFollower {
            broker: f,
            delay_ms: 60_000,
        },
    );
    r.to(46_000);
    assert!(
        !r.sim.isr((0, 0)).contains(&f),
        "the follower fell out of the ISR"
    );
    let l = r.leader();
    r.input(50_000, Input::CrashBroker { broker: l });
    r.to(90_000);
    r
}

#[test]
fn unclean_election_loses_acknowledged_records_and_a_clean_one_waits() {
    let clean = out_of_sync_then_leader_crash(false);
    assert_eq!(
        clean.sim.partition_leader((0, 0)),
        None,
        "offline: no ISR member alive"
    );
    assert_eq!(clean.stats().acked_lost, 0);
    let unclean = out_of_sync_then_leader_crash(true);
    assert!(unclean.sim.partition_leader((0, 0)).is_some());
    assert!(unclean.count(|e| matches!(e, Event::LeaderElected { unclean: true, .. })) > 0);
    assert!(unclean.stats().acked_lost > 0, "{:?}", unclean.stats());
    assert!(
        unclean.stats().acked > clean.stats().acked,
        "it went on writing"
    );
}

/// Lost answers: the leader appends and replicates, then dies before the HW reached the
/// request (acks=all waits), so the producer retries records the new leader already has.
fn retry_after_lost_answers(idempotent: bool, crash_ms: u64) -> ProducerStats {
    let s = cluster(
        json!({"name": "orders", "partitions": 1, "replication.factor": 3, "min.insync.replicas": 2}),
        producer(json!({"enable.idempotence": idempotent, "request.timeout.ms": 3000})),
        json!({}),
    );
    let mut r = Run::new(&s);
    let f = r.followers();
    r.input(
        0,
        Input::SlowFollower {
            broker: f[0],
            delay_ms: 300,
        },
    );
    r.input(
        0,
        Input::SlowFollower {
            broker: f[1],
            delay_ms: 300,
        },
    );
    r.to(crash_ms);
    let l = r.leader();
    r.input(crash_ms, Input::CrashBroker { broker: l });
    r.to(30_000);
    r.stats()
}

#[test]
fn retries_without_idempotence_write_duplicates_and_idempotence_drops_them() {
    // Whether a crash catches a batch between "followers copied it" and "the leader's HW
    // passed it" depends on the moment: try a few.
    let moments = (0..8).map(|k| 5_000 + 37 * k);
    let plain: u64 = moments
        .clone()
        .map(|t| retry_after_lost_answers(false, t).log_duplicates)
        .sum();
    assert!(plain > 0, "no crash moment produced a duplicate");
    for t in moments {
        let idem = retry_after_lost_answers(true, t);
        assert_eq!((idem.log_duplicates, idem.acked_lost), (0, 0), "{idem:?}");
    }
}

/// Seed 44 of `replication_invariants`, reduced: the first follower in assignment order is
/// slowed to 5 s per fetch but stays in the ISR (`replica.lag.time.max.ms` 30 s), so
/// `acks=all` requests wait longer than `request.timeout.ms` and are retried. The retry is a
/// duplicate of a batch the leader has but the HW has not passed: Kafka answers it only once
/// the HW passes the original batch (`DelayedProduce`). Then the leader is cut off and fenced,
/// and the slow follower, first in the ISR, is elected. Nothing acknowledged may be lost and
/// the idempotent producer must not write anything twice.
fn slow_follower_in_isr_then_leader_isolated(at_ms: u64) -> Run {
    let s = cluster(
        json!({"name": "orders", "partitions": 1, "replication.factor": 3, "min.insync.replicas": 2}),
        producer(json!({"acks": "all", "request.timeout.ms": 2000})),
        json!({"replica.lag.time.max.ms": 30000, "broker.session.timeout.ms": 2000}),
    );
    let mut r = Run::new(&s);
    let slow = r.followers()[0];
    r.input(
        0,
        Input::SlowFollower {
            broker: slow,
            delay_ms: 5_000,
        },
    );
    r.to(at_ms);
    let old = r.leader();
    r.input(at_ms, Input::IsolateBroker { broker: old });
    r.to(at_ms + 10_000);
    assert_eq!(
        r.leader(),
        slow,
        "the slow follower, first in the ISR, leads"
    );
    r.input(at_ms + 10_000, Input::HealBroker { broker: old });
    r.to(at_ms + 30_000);
    r
}

#[test]
fn a_slow_follower_elected_after_the_leader_is_cut_off_loses_nothing_acknowledged() {
    let mut retried_duplicates = 0;
    for at_ms in (0..6).map(|k| 12_000 + 911 * k) {
        let r = slow_follower_in_isr_then_leader_isolated(at_ms);
        let st = r.stats();
        assert!(st.acked > 0, "{st:?}");
        assert_eq!(
            (st.acked_lost, st.log_duplicates),
            (0, 0),
            "at {at_ms}: {st:?}"
        );
        retried_duplicates += r.count(|e| {
            matches!(
                e,
                Event::ProduceRetried {
                    error: ProduceError::RequestTimedOut,
                    ..
                }
            )
        });
    }
    assert!(
        retried_duplicates > 0,
        "requests timed out waiting for the slow follower"
    );
}

/// The ISR flips back to min.insync.replicas while refused batches wait for their retry:
/// later batches overtake them unless the producer is idempotent.
fn refusals_then_recovery(idempotent: bool) -> ProducerStats {
    let s = cluster(
        json!({"name": "orders", "partitions": 1, "replication.factor": 3, "min.insync.replicas": 2}),
        producer(
            json!({"enable.idempotence": idempotent, "max.in.flight.requests.per.connection": 5,
                        "rate_per_sec": 1000, "linger.ms": 1}),
        ),
        json!({}),
    );
    let mut r = Run::new(&s);
    let f = r.followers();
    r.to(1_000);
    r.input(1_000, Input::CrashBroker { broker: f[0] });
    r.input(1_000, Input::CrashBroker { broker: f[1] });
    r.to(15_000);
    r.input(15_000, Input::RestartBroker { broker: f[0] });
    r.to(25_000);
    r.stats()
}

#[test]
fn retries_with_several_requests_in_flight_reorder_a_key_unless_idempotent() {
    let plain = refusals_then_recovery(false);
    assert!(plain.reordered > 0, "{plain:?}");
    let idem = refusals_then_recovery(true);
    assert_eq!(idem.reordered, 0, "{idem:?}");
    assert_eq!(idem.log_duplicates, 0);
}

/// The leader of partition 0 crashes (or is cut off) at 3 s and comes back at 8 s, under a
/// keyed producer at 300 records/s on three partitions (`acks`, idempotence and in-flight as
/// given); the producer's figures at 30 s.
fn ordering_under_a_leader_fault(
    acks: &str,
    idempotent: bool,
    in_flight: u32,
    isolate: bool,
) -> ProducerStats {
    let s = cluster(
        json!({"name": "orders", "partitions": 3, "replication.factor": 3, "min.insync.replicas": 2}),
        producer(json!({"acks": acks, "enable.idempotence": idempotent,
                        "max.in.flight.requests.per.connection": in_flight, "rate_per_sec": 300})),
        json!({"duration_ms": 30000}),
    );
    let mut r = Run::new(&s);
    r.to(3_000);
    let leader = r.leader();
    let (down, up) = if isolate {
        (
            Input::IsolateBroker { broker: leader },
            Input::HealBroker { broker: leader },
        )
    } else {
        (
            Input::CrashBroker { broker: leader },
            Input::RestartBroker { broker: leader },
        )
    };
    r.input(3_000, down);
    r.to(8_000);
    r.input(8_000, up);
    r.to(30_000);
    r.stats()
}

/// `max.in.flight.requests.per.connection=1` makes the Sender guarantee order
/// (`KafkaProducer`: `guaranteeMessageOrder = maxInflightRequests == 1`): a partition with a
/// batch in flight is muted (`RecordAccumulator.mutePartition`), a failed batch goes back to
/// the front of its partition's deque (`reenqueue`), and nothing behind it leaves while it
/// backs off (`drainBatchesForOneNode`). So, without idempotence, a retry may write records
/// twice but never out of order, for every acks setting and whether the leader crashes or is
/// cut off; with idempotence (KIP-98) neither happens at any in-flight count up to 5.
#[test]
fn one_request_in_flight_never_reorders_and_idempotence_neither_reorders_nor_duplicates() {
    for isolate in [false, true] {
        for acks in ["0", "1", "all"] {
            for in_flight in [1, 2, 5] {
                let plain = ordering_under_a_leader_fault(acks, false, in_flight, isolate);
                let case = format!("acks={acks} in-flight={in_flight} isolate={isolate}");
                assert!(plain.sent > 8_000, "{case}: {plain:?}");
                if in_flight == 1 {
                    assert_eq!(plain.reordered, 0, "{case}: {plain:?}");
                }
                if acks == "0" {
                    // Fire and forget: nothing is retried, so nothing is written twice.
                    assert_eq!(
                        (plain.log_duplicates, plain.reordered),
                        (0, 0),
                        "{case}: {plain:?}"
                    );
                }
                if acks == "all" {
                    let idem = ordering_under_a_leader_fault(acks, true, in_flight, isolate);
                    assert_eq!(
                        (idem.log_duplicates, idem.reordered),
                        (0, 0),
                        "{case}: {idem:?}"
                    );
                    assert_eq!(idem.acked_lost, 0, "{case}: {idem:?}");
                }
            }
        }
    }
}

/// The acks=1 lesson: every follower fetches with a 1 s delay and broker 0 returns at 25 s.
/// A follower rejoins the ISR once its fetch offset reaches the HW
/// (`Partition.isFollowerInSync`), and the HW counts only what followers reported in their
/// fetches; when the model let the HW run ahead on records a follower had received but not
/// yet reported, the returning broker stayed out of every ISR to the end.
#[test]
fn a_returning_replica_rejoins_the_isr_while_every_follower_is_slow() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/acks-1-leader-crash-loses-acked.json"
    );
    let mut sim = Sim::from_json(&std::fs::read_to_string(path).expect("scenario")).expect("loads");
    sim.advance(24_000);
    assert!(
        (0..3).all(|p| !sim.isr((0, p)).contains(&0)),
        "broker 0 is down"
    );
    sim.advance(30_000);
    for p in 0..3 {
        assert_eq!(sim.isr((0, p)), vec![0, 1, 2], "payments-{p}");
    }
}

#[test]
fn acks_0_records_vanish_silently_while_the_leader_is_down() {
    let s = json!({
        "seed": 1, "topics": [{"name": "orders", "partitions": 1}],
        "producers": [producer(json!({"acks": "0"}))]
    });
    let mut r = Run::new(&s);
    r.to(2_000);
    r.input(2_000, Input::CrashBroker { broker: 0 });
    r.to(4_000);
    r.input(4_000, Input::RestartBroker { broker: 0 });
    r.input(
        6_000,
        Input::SetProducerRate {
            producer: 0,
            rate_per_sec: 0.0,
        },
    );
    r.to(6_100);
    let st = r.stats();
    assert_eq!(st.acked, st.sent, "acks=0: acknowledged when sent");
    assert_eq!(st.failed, 0, "the producer never hears of a failure");
    // About 2 s × 200/s went nowhere.
    assert!((300..=500).contains(&st.acked_lost), "{st:?}");
    assert_eq!(
        r.sim.log_end_offset((0, 0)).unwrap(),
        st.sent - st.acked_lost
    );
}

#[test]
fn the_coordinators_broker_dies_and_the_group_moves_and_goes_on() {
    let s = cluster(
        json!({"name": "orders", "partitions": 3, "replication.factor": 3, "min.insync.replicas": 2}),
        producer(json!({})),
        json!({}),
    );
    let mut r = Run::new(&s);
    r.to(5_000);
    let coord = r.sim.coordinator_broker(0).expect("a coordinator");
    let processed = r.sim.stats()[0].processed;
    r.input(5_000, Input::CrashBroker { broker: coord });
    r.to(30_000);
    let moved = r
        .events
        .iter()
        .find_map(|e| match e.event {
            Event::CoordinatorMoved { from, to, .. } => Some((e.at_ms, from, to)),
            _ => None,
        })
        .expect("CoordinatorMoved");
    assert_eq!(moved.1, Some(coord));
    assert!(moved.2.is_some_and(|b| b != coord));
    assert!(moved.0 >= 5_000 + 9_000, "after broker.session.timeout.ms");
    let st = &r.sim.stats()[0];
    assert!(
        st.processed > processed + 2_000,
        "the group went on: {st:?}"
    );
    assert_eq!(st.lost, 0);
}

#[test]
fn the_high_watermark_never_moves_back_and_consumers_never_read_above_it() {
    let s = cluster(
        json!({"name": "orders", "partitions": 1, "replication.factor": 3, "min.insync.replicas": 2}),
        producer(json!({})),
        json!({}),
    );
    let mut r = Run::new(&s);
    let f = r.followers();
    r.input(
        0,
        Input::SlowFollower {
            broker: f[0],
            delay_ms: 200,
        },
    );
    let mut hw = 0;
    for t in (0..40_000).step_by(7) {
        if t == 10_003 {
            let l = r.leader();
            r.input(t, Input::CrashBroker { broker: l });
        }
        r.to(t);
        let now = r.sim.high_watermark((0, 0)).unwrap();
        assert!(now >= hw, "HW {hw} → {now} at {t}");
        hw = now;
        for e in r.events.drain(..) {
            if let Event::RecordsFetched {
                first_offset,
                count,
                ..
            } = e.event
            {
                assert!(
                    first_offset + u64::from(count) <= hw,
                    "read above the HW at {t}"
                );
            }
        }
    }
    assert!(hw > 5_000);
}

#[test]
fn broker_inputs_that_do_not_fit_are_refused() {
    let s = cluster(
        json!({"name": "orders", "partitions": 1}),
        producer(json!({})),
        json!({}),
    );
    let mut sim = Sim::from_json(&s.to_string()).unwrap();
    assert!(sim.handle(0, Input::RestartBroker { broker: 0 }).is_err());
    assert!(sim.handle(0, Input::HealBroker { broker: 1 }).is_err());
    assert!(sim.handle(0, Input::CrashBroker { broker: 3 }).is_err());
    sim.handle(0, Input::CrashBroker { broker: 0 }).unwrap();
    assert!(sim.handle(0, Input::CrashBroker { broker: 0 }).is_err());
    assert!(sim.handle(0, Input::IsolateBroker { broker: 0 }).is_err());
}

#[test]
fn conflicting_producer_settings_are_refused_with_the_json_path() {
    let bad = |p: Value, path: &str| {
        let s = cluster(
            json!({"name": "orders", "partitions": 1}),
            producer(p),
            json!({}),
        );
        let e = Sim::from_json(&s.to_string()).err().expect("refused");
        assert_eq!(e.path, path, "{e}");
    };
    bad(
        json!({"enable.idempotence": true, "acks": "1"}),
        "producers[0].acks",
    );
    bad(
        json!({"enable.idempotence": true, "max.in.flight.requests.per.connection": 6}),
        "producers[0].max.in.flight.requests.per.connection",
    );
    bad(
        json!({"delivery.timeout.ms": 1000}),
        "producers[0].delivery.timeout.ms",
    );
    bad(json!({"acks": 2}), "producers[0].acks");
    let s = cluster(
        json!({"name": "orders", "partitions": 1, "replication.factor": 4}),
        producer(json!({})),
        json!({}),
    );
    assert_eq!(
        Sim::from_json(&s.to_string()).err().unwrap().path,
        "topics[0].replication.factor"
    );
    // Unset idempotence with acks=1 is silently off, as in Kafka 3.x.
    let s = cluster(
        json!({"name": "orders", "partitions": 1}),
        producer(json!({"acks": 1})),
        json!({}),
    );
    assert!(Sim::from_json(&s.to_string()).is_ok());
}
