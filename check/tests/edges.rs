//! Unusual but valid configurations: every drill runs to its end and no model refusal leaks out.

use mailroom_check::{check, CheckInput};

fn ok(producer: &str, consumer: &str, topic: &str, rate: Option<f64>) {
    ok_within(producer, consumer, topic, rate, false)
}

/// `may_stop`: a drill may use up the model's step budget, and must then say so.
fn ok_within(producer: &str, consumer: &str, topic: &str, rate: Option<f64>, may_stop: bool) {
    let rep = check(&CheckInput {
        producer: Some(producer),
        consumer: Some(consumer),
        topic: Some(topic),
        rate,
    })
    .unwrap_or_else(|e| panic!("{producer:?} {consumer:?} {topic:?}: {e:?}"));
    assert_eq!(rep.drills.len(), mailroom_check::drills::IDS.len());
    for d in &rep.drills {
        assert!(
            may_stop || !d.advice.contains("step budget"),
            "{}: {}",
            d.id,
            d.advice
        );
    }
}

#[test]
fn kip848_consumer_protocol_runs_every_drill() {
    ok(
        "",
        "group.protocol=consumer\ngroup.remote.assignor=range\n",
        "replication.factor=3\n",
        None,
    );
}

#[test]
fn static_members_round_robin_and_read_committed_run_every_drill() {
    ok("", "group.instance.id=app-1\npartition.assignment.strategy=org.apache.kafka.clients.consumer.RoundRobinAssignor\nisolation.level=read_committed\nauto.offset.reset=earliest\n", "num.partitions=6\n", None);
}

#[test]
fn acks_0_and_no_retries_run_every_drill() {
    ok(
        "acks=0\nretries=0\nmax.in.flight.requests.per.connection=1000\n",
        "enable.auto.commit=false\n",
        "replication.factor=3\n",
        None,
    );
}

#[test]
fn five_brokers_twelve_partitions_and_the_highest_rate_run_every_drill_or_say_where_they_stopped() {
    let topic = "brokers=5\npartitions=12\nreplication.factor=5\nmin.insync.replicas=3\n";
    let r = mailroom_check::config::read(
        Some("linger.ms=0\n"),
        None,
        Some(topic),
        Some(mailroom_check::config::RATE_MAX),
    );
    let (_, f) = mailroom_check::drills::figures(&r.resolved, "consumer-stall").unwrap();
    let stopped = f
        .stopped_at_ms
        .expect("5000 records/s for 335 s needs more than the step budget");
    let rep = check(&CheckInput {
        producer: Some("linger.ms=0\n"),
        topic: Some(topic),
        rate: Some(mailroom_check::config::RATE_MAX),
        ..Default::default()
    })
    .unwrap();
    let d = rep
        .drills
        .iter()
        .find(|d| d.id == "consumer-stall")
        .unwrap();
    assert!(
        d.advice
            .contains(&format!("stopped at {:.1} s", stopped as f64 / 1000.0)),
        "{}",
        d.advice
    );
    ok_within(
        "linger.ms=0\n",
        "",
        topic,
        Some(mailroom_check::config::RATE_MAX),
        true,
    );
}

#[test]
fn short_broker_and_replica_timeouts_run_every_drill() {
    ok("request.timeout.ms=1000\ndelivery.timeout.ms=5000\nlinger.ms=0\n", "session.timeout.ms=6000\nheartbeat.interval.ms=2000\nmax.poll.interval.ms=1000\n", "replication.factor=2\nreplica.lag.time.max.ms=1000\nbroker.session.timeout.ms=1000\ngroup.initial.rebalance.delay.ms=0\n", None);
}
