//! One line of advice per drill, naming the Kafka setting that changes its outcome.
//!
//! When a drill warns, the advice is *verified*: the drill is run again with the suggested
//! setting and the line quotes what that run measured ("… loses 0 in this drill"), so a
//! suggestion that would not help is never printed as if it did.

use crate::config::{Acks, Resolved};
use crate::drills::{self, Figures};

fn rerun(r: &Resolved, id: &str, tweak: impl FnOnce(&mut Resolved)) -> Option<Figures> {
    let mut r2 = r.clone();
    tweak(&mut r2);
    drills::figures(&r2, id).ok().map(|(_, f)| f)
}

/// Whether the producer is idempotent: explicit, or by default unless `acks`, `retries` or
/// the in-flight limit rule it out (`ProducerConfig`, KIP-679).
pub fn idempotent(r: &Resolved) -> bool {
    r.enable_idempotence
        .unwrap_or(r.acks == Acks::All && r.retries > 0 && r.max_in_flight <= 5)
}

/// acks=all + min.insync.replicas=2 (and a replication factor that allows it).
fn durable(r: &mut Resolved) {
    r.acks = Acks::All;
    if r.replication_factor < 3 {
        r.replication_factor = 3.min(r.brokers);
    }
    r.min_insync_replicas = 2.min(r.replication_factor);
    r.unclean = false;
}

fn durable_name(r: &Resolved) -> String {
    if r.replication_factor < 3 {
        format!(
            "acks=all with replication.factor={} and min.insync.replicas=2",
            3.min(r.brokers)
        )
    } else {
        "acks=all with min.insync.replicas=2".to_string()
    }
}

/// The advice for drill `id` whose figures are `f`.
pub fn advice(r: &Resolved, id: &str, f: &Figures) -> String {
    let mut line = advice_line(r, id, f);
    if let Some(at) = f.stopped_at_ms {
        line.push_str(&format!(
            " (the drill stopped at {:.1} s: it used up the model's step budget)",
            at as f64 / 1000.0
        ));
    }
    line
}

fn advice_line(r: &Resolved, id: &str, f: &Figures) -> String {
    let when = match id {
        "leader-crash" | "follower-lag-then-leader-crash" => "when the leader died",
        "broker-isolated" => "when the leader was cut off",
        "rolling-restart" => "during the rolling restart",
        "coordinator-crash" => "when the coordinator's broker died",
        _ => "in this drill",
    };
    if f.acked_lost > 0 {
        if r.unclean && id == "follower-lag-then-leader-crash" {
            let v = rerun(r, id, |x| x.unclean = false);
            return format!(
                "unclean.leader.election.enable=true: {} acknowledged records lost {when} and an out-of-sync replica took over; false keeps the partition offline until an in-sync replica returns and loses {} in this drill",
                f.acked_lost,
                v.map_or("?".into(), |v| v.acked_lost.to_string())
            );
        }
        let v = rerun(r, id, durable);
        return format!(
            "acks={}, min.insync.replicas={}: {} acknowledged records lost {when}; {} loses {} in this drill",
            r.acks.json(),
            r.min_insync_replicas,
            f.acked_lost,
            durable_name(r),
            v.map_or("?".into(), |v| v.acked_lost.to_string())
        );
    }
    if f.log_duplicates > 0 || f.reordered > 0 {
        let what = match (f.log_duplicates, f.reordered) {
            (d, 0) => format!("{d} records written twice by retries"),
            (0, o) => format!("{o} records appended out of order by retries"),
            (d, o) => format!("{d} records written twice and {o} out of order by retries"),
        };
        if idempotent(r) {
            let v = rerun(r, id, |x| x.max_in_flight = 1);
            return format!(
                "max.in.flight.requests.per.connection={}: {what} {when} (more batches in flight than the broker remembers); 1 gives {} duplicates and {} reordered in this drill",
                r.max_in_flight,
                v.as_ref().map_or("?".into(), |v| v.log_duplicates.to_string()),
                v.as_ref().map_or("?".into(), |v| v.reordered.to_string()),
            );
        }
        let cause = if r.enable_idempotence == Some(false) {
            "enable.idempotence=false".to_string()
        } else {
            format!("acks={} turns idempotence off (KIP-679)", r.acks.json())
        };
        let v = rerun(r, id, |x| {
            x.acks = Acks::All;
            x.enable_idempotence = Some(true);
            x.retries = x.retries.max(1);
            x.max_in_flight = x.max_in_flight.min(5);
        });
        return format!(
            "{cause}: {what} {when}; enable.idempotence=true with acks=all gives {} duplicates and {} reordered in this drill",
            v.as_ref().map_or("?".into(), |v| v.log_duplicates.to_string()),
            v.as_ref().map_or("?".into(), |v| v.reordered.to_string()),
        );
    }
    if f.lost > 0 {
        return format!(
            "{} records never processed {when}: a commit came before processing (auto.offset.reset={})",
            f.lost,
            if r.reset_earliest { "earliest" } else { "latest" }
        );
    }
    if f.duplicates > 0 {
        if id == "consumer-stall" {
            let fix = if r.auto_commit {
                let v = rerun(r, id, |x| x.auto_commit = false);
                format!(
                    "enable.auto.commit=false with a commit after each batch repeats {} in this drill",
                    v.map_or("?".into(), |v| v.duplicates.to_string())
                )
            } else {
                format!("max.poll.records={} bounds the repeat", r.max_poll_records)
            };
            return format!(
                "max.poll.interval.ms={}: the stalled consumer was expelled and {} records were processed twice; {fix} (and set max.poll.interval.ms above your longest batch)",
                r.max_poll_interval_ms, f.duplicates
            );
        }
        if r.auto_commit {
            let v = rerun(r, id, |x| x.auto_commit = false);
            return format!(
                "enable.auto.commit=true: {} records processed twice {when} (up to auto.commit.interval.ms={} of records); enable.auto.commit=false with a commit after each batch repeats {} in this drill",
                f.duplicates,
                r.auto_commit_interval_ms,
                v.map_or("?".into(), |v| v.duplicates.to_string())
            );
        }
        return format!(
            "at-least-once: {} records of the uncommitted batch processed twice {when}; max.poll.records={} bounds the repeat, idempotent processing absorbs it",
            f.duplicates, r.max_poll_records
        );
    }
    // Nothing lost or repeated: say what the unavailability depends on.
    let p = f.producer_unavailable_ms as f64 / 1000.0;
    let c = f.consumer_unavailable_ms as f64 / 1000.0;
    match id {
        "leader-crash" | "broker-isolated" | "rolling-restart" | "follower-lag-then-leader-crash"
            if r.replication_factor == 1 =>
        {
            format!(
                "replication.factor=1: nothing lost, but checked-0 was offline {p:.1} s while its only replica was away; replication.factor=3 moves it to a follower after broker.session.timeout.ms ({} ms)",
                r.broker_session_timeout_ms
            )
        }
        "follower-lag-then-leader-crash" if !r.unclean && r.min_insync_replicas < 2 => format!(
            "unclean.leader.election.enable=false kept every acknowledged record: checked-0 stayed offline {p:.1} s until its leader returned; min.insync.replicas=2 would have refused writes while the followers lagged instead"
        ),
        "follower-lag-then-leader-crash" => format!(
            "min.insync.replicas={}: writes were refused (NOT_ENOUGH_REPLICAS) or waited {p:.1} s in all while the followers lagged and the leader was down, and nothing acknowledged was lost",
            r.min_insync_replicas
        ),
        "leader-crash" | "broker-isolated" | "rolling-restart" | "coordinator-crash" if p > 0.0 => format!(
            "nothing lost or repeated; checked-0 took no writes for {p:.1} s until a new leader was elected: broker.session.timeout.ms ({} ms) sets how long",
            r.broker_session_timeout_ms
        ),
        "coordinator-crash" => format!(
            "nothing lost or repeated; the group carried on after its coordinator moved (consumers idle {c:.1} s on checked-0)"
        ),
        "consumer-crash-before-commit" | "consumer-crash-after-commit" if c > 0.0 => {
            if r.consumer_protocol {
                format!("nothing lost or repeated; checked-0 waited {c:.1} s for a new owner: the broker's group.consumer.session.timeout.ms sets how long")
            } else {
                format!(
                    "nothing lost or repeated; checked-0 waited {c:.1} s for a new owner: session.timeout.ms ({} ms), or max.poll.interval.ms ({} ms, the rebalance timeout) once a member rejoins, sets how long",
                    r.session_timeout_ms, r.max_poll_interval_ms
                )
            }
        }
        _ => "nothing lost, repeated or reordered in this drill".to_string(),
    }
}
