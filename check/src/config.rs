//! From the text of Kafka `.properties` files to the configuration the drills use.
//!
//! Each file is read with the `java-properties` crate (`java.util.Properties.load`'s format:
//! `=`, `:` or blank separators, `#`/`!` comments, `\` line continuations, `\uXXXX` escapes).
//! Every key is then either *modelled* (parsed, checked as Kafka's `ConfigDef` would, and used),
//! *known but ignored* (a real Kafka setting the model has no use for), or *unknown* (ignored,
//! with "did you mean" when it is close to a real name). What a file does not set takes Kafka
//! 4.x's default, named per key below; every bad value becomes one [`ConfigError`], and all of
//! them are reported together.

use std::collections::BTreeMap;

use crate::{ConfigError, Ignored, Setting};

/// Kafka's producer config names (`ProducerConfig`), committed as data.
const PRODUCER_NAMES: &str = include_str!("../data/producer-configs.txt");
/// Kafka's consumer config names (`ConsumerConfig`).
const CONSUMER_NAMES: &str = include_str!("../data/consumer-configs.txt");
/// Kafka's topic config names (`TopicConfig`).
const TOPIC_NAMES: &str = include_str!("../data/topic-configs.txt");

/// Most bytes one file may have: a config file is a few KB; this bounds the parse.
pub const FILE_BYTES_MAX: usize = 256 * 1024;
/// Highest `--rate` (records per simulated second): keeps every drill well under a second.
pub const RATE_MAX: f64 = 5_000.0;
/// The default `--rate`.
pub const RATE_DEFAULT: f64 = 1_000.0;
/// Most brokers (the model's limit).
pub const BROKERS_MAX: u32 = mailroom_core::scenario::limits::BROKERS_MAX;
/// Longest timeout a drill waits out (5 simulated minutes, Kafka's `max.poll.interval.ms`
/// default): a longer one would make a drill run for longer than anyone waits for a check.
pub const DRILL_TIMEOUT_MAX_MS: u64 = 300_000;

/// `acks`, as `ProducerConfig` accepts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acks {
    /// `acks=0`.
    Zero,
    /// `acks=1`.
    One,
    /// `acks=all` / `-1`.
    All,
}

impl Acks {
    /// The scenario's spelling.
    pub fn json(self) -> &'static str {
        match self {
            Acks::Zero => "0",
            Acks::One => "1",
            Acks::All => "all",
        }
    }
}

/// The resolved configuration: every value the drills use, from a file or Kafka's default.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// `client.id` (the producer's name in the scenario).
    pub client_id: String,
    /// `acks` (`ProducerConfig`, default `all` since Kafka 3.0).
    pub acks: Acks,
    /// `enable.idempotence` as written (`None` = unset: on unless it conflicts, KIP-679).
    pub enable_idempotence: Option<bool>,
    /// `retries` (default `Integer.MAX_VALUE`).
    pub retries: u32,
    /// `retry.backoff.ms` (default 100).
    pub retry_backoff_ms: u64,
    /// `delivery.timeout.ms` (default 120000).
    pub delivery_timeout_ms: u64,
    /// `request.timeout.ms` (producer default 30000).
    pub request_timeout_ms: u64,
    /// `linger.ms` (default 5 since Kafka 4.0, KIP-1030).
    pub linger_ms: u64,
    /// `max.in.flight.requests.per.connection` (default 5).
    pub max_in_flight: u32,
    /// `group.id` (Kafka has no default; the check uses `check-group`).
    pub group_id: String,
    /// `enable.auto.commit` (`ConsumerConfig`, default true).
    pub auto_commit: bool,
    /// `auto.commit.interval.ms` (default 5000).
    pub auto_commit_interval_ms: u64,
    /// `auto.offset.reset` (default `latest`): true for `earliest`.
    pub reset_earliest: bool,
    /// `max.poll.records` (default 500).
    pub max_poll_records: u32,
    /// `max.poll.interval.ms` (default 300000).
    pub max_poll_interval_ms: u64,
    /// `session.timeout.ms` (default 45000).
    pub session_timeout_ms: u64,
    /// `heartbeat.interval.ms` (default 3000).
    pub heartbeat_interval_ms: u64,
    /// `group.protocol` (default `classic`): true for `consumer` (KIP-848).
    pub consumer_protocol: bool,
    /// `group.remote.assignor` (default `uniform`; consumer protocol only).
    pub remote_assignor: String,
    /// Whether `group.instance.id` is set (static membership, KIP-345).
    pub static_membership: bool,
    /// `partition.assignment.strategy`, as the model's names (default range, cooperative-sticky).
    pub strategies: Vec<&'static str>,
    /// `isolation.level` (default `read_uncommitted`): true for `read_committed`.
    pub read_committed: bool,
    /// Partitions (`num.partitions`, `ServerLogConfigs`, default 1).
    pub partitions: u32,
    /// Replication factor (`default.replication.factor`, `ReplicationConfigs`, default 1).
    pub replication_factor: u32,
    /// `min.insync.replicas` (`TopicConfig`, default 1).
    pub min_insync_replicas: u32,
    /// `unclean.leader.election.enable` (`TopicConfig`, default false).
    pub unclean: bool,
    /// `replica.lag.time.max.ms` (`ReplicationConfigs`, default 30000).
    pub replica_lag_time_max_ms: u64,
    /// `broker.session.timeout.ms` (`KRaftConfigs`, default 9000).
    pub broker_session_timeout_ms: u64,
    /// `group.initial.rebalance.delay.ms` (`GroupCoordinatorConfig`, default 3000).
    pub initial_rebalance_delay_ms: u64,
    /// Brokers in the drills' cluster (Mailroom's `brokers`, default 3).
    pub brokers: u32,
    /// Records per simulated second (`--rate`).
    pub rate: f64,
}

/// The outcome of reading the files: what the check reports besides the drills.
pub struct Read {
    /// The resolved configuration (meaningful only when `errors` is empty).
    pub resolved: Resolved,
    /// Every modelled key with its value and source.
    pub settings: Vec<Setting>,
    /// Keys present but not used.
    pub ignored: Vec<Ignored>,
    /// Every bad value.
    pub errors: Vec<ConfigError>,
}

/// One file's entries, as the last value per key (as `java.util.Properties` keeps).
struct File {
    name: &'static str,
    entries: BTreeMap<String, String>,
    explicit: BTreeMap<String, String>,
}

/// Parses one file; a syntax error becomes a [`ConfigError`] naming the line.
fn parse(name: &'static str, text: Option<&str>, errors: &mut Vec<ConfigError>) -> File {
    let mut file = File {
        name,
        entries: BTreeMap::new(),
        explicit: BTreeMap::new(),
    };
    let Some(text) = text else { return file };
    if text.len() > FILE_BYTES_MAX {
        errors.push(ConfigError::new(
            name,
            "",
            format!("{} bytes", text.len()),
            format!("a properties file of at most {FILE_BYTES_MAX} bytes"),
        ));
        return file;
    }
    let mut iter =
        java_properties::PropertiesIter::new_with_encoding(text.as_bytes(), encoding_rs::UTF_8);
    let res = iter.read_into(|k, v| {
        file.entries.insert(k, v);
    });
    if let Err(e) = res {
        let line = e
            .line_number()
            .map_or(String::new(), |n| format!("line {n}"));
        errors.push(ConfigError::new(
            name,
            "",
            line,
            format!("not a Java properties file: {e}"),
        ));
    }
    file.explicit = file.entries.clone();
    file
}

/// Reads keys out of one file, recording settings and errors.
struct Reader<'a> {
    file: &'a mut File,
    settings: &'a mut Vec<Setting>,
    errors: &'a mut Vec<ConfigError>,
}

impl Reader<'_> {
    /// The raw (trimmed) value if the file sets `key`, marking it used; records the setting.
    fn raw(&mut self, key: &str, default: &str) -> Option<String> {
        let v = self.file.entries.remove(key).map(|v| v.trim().to_string());
        self.settings.push(Setting {
            file: self.file.name.to_string(),
            key: key.to_string(),
            value: v.clone().unwrap_or_else(|| default.to_string()),
            source: if v.is_some() { "file" } else { "default" }.to_string(),
        });
        v
    }

    fn error(&mut self, key: &str, value: &str, reason: impl Into<String>) {
        self.errors
            .push(ConfigError::new(self.file.name, key, value, reason.into()));
    }

    /// Whether the file set `key` (used or not).
    fn set(&self, key: &str) -> bool {
        self.file.explicit.contains_key(key)
    }

    /// An integer in `min..=max` (Kafka's `atLeast`/`between` validators; `max` is also the
    /// model's or the drills' bound, which the reason then names).
    fn int(&mut self, key: &str, default: u64, min: u64, max: u64, why_max: &str) -> u64 {
        let Some(v) = self.raw(key, &default.to_string()) else {
            return default;
        };
        match v.parse::<i64>() {
            Ok(n) if n >= min as i64 && (n as u64) <= max => n as u64,
            Ok(n) if n < min as i64 => {
                self.error(key, &v, format!("must be at least {min}"));
                default
            }
            Ok(_) => {
                self.error(key, &v, format!("must be at most {max}{why_max}"));
                default
            }
            Err(_) => {
                self.error(
                    key,
                    &v,
                    format!("must be a whole number from {min} to {max}"),
                );
                default
            }
        }
    }

    /// A boolean, as `ConfigDef` parses one (`true`/`false`, any case).
    fn boolean(&mut self, key: &str, default: bool) -> Option<bool> {
        let v = self.raw(key, &default.to_string())?;
        match v.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                self.error(key, &v, "must be true or false");
                None
            }
        }
    }

    /// One of `allowed` (compared as Kafka does for that key: `lower` for case-insensitive).
    fn choice(
        &mut self,
        key: &str,
        default: &'static str,
        allowed: &[&'static str],
        lower: bool,
    ) -> &'static str {
        let Some(v) = self.raw(key, default) else {
            return default;
        };
        let probe = if lower {
            v.to_ascii_lowercase()
        } else {
            v.clone()
        };
        match allowed.iter().find(|a| **a == probe) {
            Some(a) => a,
            None => {
                self.error(key, &v, format!("must be one of {}", allowed.join(", ")));
                default
            }
        }
    }

    /// A Mailroom name (group id, client id): what the model accepts as a name.
    fn name(&mut self, key: &str, default: &str) -> String {
        let Some(v) = self.raw(key, default) else {
            return default.to_string();
        };
        let ok = !v.is_empty()
            && v.len() <= 64
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-');
        if ok {
            v
        } else {
            self.error(
                key,
                &v,
                "the model takes 1 to 64 ASCII letters, digits, '.', '_' or '-'",
            );
            default.to_string()
        }
    }
}

const DAY_MS: u64 = 86_400_000;
const INT_MAX: u64 = i32::MAX as u64;

/// Reads the three files and the rate. Errors are collected, never the first only.
pub fn read(
    producer: Option<&str>,
    consumer: Option<&str>,
    topic: Option<&str>,
    rate: Option<f64>,
) -> Read {
    let mut errors = Vec::new();
    let mut settings = Vec::new();
    let mut pf = parse("producer", producer, &mut errors);
    let mut cf = parse("consumer", consumer, &mut errors);
    let mut tf = parse("topic", topic, &mut errors);

    let rate = match rate {
        None => RATE_DEFAULT,
        Some(r) if r.is_finite() && r > 0.0 && r <= RATE_MAX => r,
        Some(r) => {
            errors.push(ConfigError::new(
                "rate",
                "--rate",
                r.to_string(),
                format!("records per second, more than 0 and at most {RATE_MAX}"),
            ));
            RATE_DEFAULT
        }
    };

    // ---- producer: ProducerConfig (Kafka 4.x) ----
    let mut p = Reader {
        file: &mut pf,
        settings: &mut settings,
        errors: &mut errors,
    };
    let client_id = p.name("client.id", "producer");
    let acks = match p.choice("acks", "all", &["all", "-1", "0", "1"], false) {
        "0" => Acks::Zero,
        "1" => Acks::One,
        _ => Acks::All,
    };
    let idem_set = p.set("enable.idempotence");
    let idem = p.boolean("enable.idempotence", true);
    let enable_idempotence = if idem_set { idem } else { None };
    let retries = p.int("retries", INT_MAX, 0, INT_MAX, "") as u32;
    let retry_backoff_ms = p.int("retry.backoff.ms", 100, 0, DAY_MS, " (one simulated day)");
    let linger_ms = p.int("linger.ms", 5, 0, DAY_MS, " (one simulated day)");
    let request_timeout_ms = p.int(
        "request.timeout.ms",
        30_000,
        1,
        DAY_MS,
        " (one simulated day)",
    );
    let dt_set = p.set("delivery.timeout.ms");
    let mut delivery_timeout_ms = p.int(
        "delivery.timeout.ms",
        120_000,
        1,
        DAY_MS,
        " (one simulated day)",
    );
    let max_in_flight = p.int(
        "max.in.flight.requests.per.connection",
        5,
        1,
        u64::from(mailroom_core::scenario::limits::MAX_IN_FLIGHT_MAX),
        " (the model's limit)",
    ) as u32;
    // KafkaProducer.configureDeliveryTimeout: set explicitly below linger + request timeout is a
    // ConfigException; left at its default it is raised to that sum (with a warning).
    if delivery_timeout_ms < linger_ms + request_timeout_ms {
        if dt_set {
            let v = delivery_timeout_ms.to_string();
            p.error(
                "delivery.timeout.ms",
                &v,
                format!(
                    "must be at least linger.ms + request.timeout.ms ({}), as Kafka requires",
                    linger_ms + request_timeout_ms
                ),
            );
        } else {
            delivery_timeout_ms = linger_ms + request_timeout_ms;
        }
    }
    // ProducerConfig.postProcessAndValidateIdempotenceConfigs: enable.idempotence=true set
    // explicitly with settings it cannot honour is a ConfigException. Left unset, the
    // producer silently turns idempotence off instead (KIP-679), as the model does.
    if enable_idempotence == Some(true) {
        if acks != Acks::All {
            p.error(
                "acks",
                acks.json(),
                "must be all (or -1) when enable.idempotence=true, as Kafka requires",
            );
        }
        if retries == 0 {
            p.error(
                "retries",
                "0",
                "must be greater than 0 when enable.idempotence=true, as Kafka requires",
            );
        }
        if max_in_flight > 5 {
            let v = max_in_flight.to_string();
            p.error(
                "max.in.flight.requests.per.connection",
                &v,
                "must be at most 5 when enable.idempotence=true, as Kafka requires",
            );
        }
    }

    // ---- consumer: ConsumerConfig (Kafka 4.x) ----
    let mut c = Reader {
        file: &mut cf,
        settings: &mut settings,
        errors: &mut errors,
    };
    let group_id = c.name("group.id", "check-group");
    let consumer_protocol =
        c.choice("group.protocol", "classic", &["classic", "consumer"], true) == "consumer";
    let auto_commit = c.boolean("enable.auto.commit", true).unwrap_or(true);
    let auto_commit_interval_ms = c.int(
        "auto.commit.interval.ms",
        5_000,
        1,
        DAY_MS,
        " (one simulated day)",
    );
    let reset_earliest = c.choice(
        "auto.offset.reset",
        "latest",
        &["earliest", "latest"],
        false,
    ) == "earliest";
    let max_poll_records = c.int(
        "max.poll.records",
        500,
        1,
        u64::from(mailroom_core::scenario::limits::MAX_POLL_RECORDS_MAX),
        " (the model's limit)",
    ) as u32;
    let max_poll_interval_ms = c.int(
        "max.poll.interval.ms",
        300_000,
        1,
        DRILL_TIMEOUT_MAX_MS,
        " (the longest a drill waits)",
    );
    let classic_keys_set: Vec<&str> = [
        "session.timeout.ms",
        "heartbeat.interval.ms",
        "partition.assignment.strategy",
    ]
    .into_iter()
    .filter(|k| c.set(k))
    .collect();
    // The broker's group.min/max.session.timeout.ms (6000 / 1800000) refuse anything outside;
    // the drills wait out at most DRILL_TIMEOUT_MAX_MS.
    let session_timeout_ms = c.int(
        "session.timeout.ms",
        45_000,
        6_000,
        DRILL_TIMEOUT_MAX_MS,
        " (the longest a drill waits; the broker's group.max.session.timeout.ms is 1800000)",
    );
    let heartbeat_interval_ms = c.int(
        "heartbeat.interval.ms",
        3_000,
        1,
        DAY_MS,
        " (one simulated day)",
    );
    if heartbeat_interval_ms >= session_timeout_ms {
        let v = heartbeat_interval_ms.to_string();
        c.error(
            "heartbeat.interval.ms",
            &v,
            format!(
                "must be lower than session.timeout.ms ({session_timeout_ms}), as Kafka requires"
            ),
        );
    }
    let strategies = match c.raw("partition.assignment.strategy", "range,cooperative-sticky") {
        None => vec!["range", "cooperative-sticky"],
        Some(v) => {
            let mut out: Vec<&'static str> = Vec::new();
            let mut bad = false;
            for s in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                match strategy(s) {
                    Some(n) if !out.contains(&n) => out.push(n),
                    Some(_) => {}
                    None => bad = true,
                }
            }
            if bad || out.is_empty() {
                c.error(
                    "partition.assignment.strategy",
                    &v,
                    "must list RangeAssignor, RoundRobinAssignor, StickyAssignor or \
                     CooperativeStickyAssignor (org.apache.kafka.clients.consumer.*), comma-separated",
                );
                vec!["range", "cooperative-sticky"]
            } else {
                out
            }
        }
    };
    let remote_set = c.set("group.remote.assignor");
    let remote_assignor = c
        .choice(
            "group.remote.assignor",
            "uniform",
            &["uniform", "range"],
            false,
        )
        .to_string();
    let static_membership = match c.raw("group.instance.id", "") {
        Some(v) if v.is_empty() => {
            c.error(
                "group.instance.id",
                "",
                "must not be empty (leave it out for a dynamic member)",
            );
            false
        }
        Some(_) => true,
        None => false,
    };
    let read_committed = c.choice(
        "isolation.level",
        "read_uncommitted",
        &["read_uncommitted", "read_committed"],
        false,
    ) == "read_committed";
    if consumer_protocol {
        // ConsumerConfig (4.0) refuses the classic protocol's client-side settings with
        // group.protocol=consumer: the broker runs the assignment and the timeouts.
        for k in classic_keys_set {
            let v = c.file.explicit.get(k).cloned().unwrap_or_default();
            c.error(
                k,
                &v,
                "cannot be set with group.protocol=consumer, as Kafka requires (the broker's \
                 group.consumer.* settings apply)",
            );
        }
    } else if remote_set {
        c.error(
            "group.remote.assignor",
            &remote_assignor.clone(),
            "cannot be set with group.protocol=classic, as Kafka requires",
        );
    }

    // ---- topic: TopicConfig / LogConfig, and the broker defaults that apply to topics ----
    let mut t = Reader {
        file: &mut tf,
        settings: &mut settings,
        errors: &mut errors,
    };
    let brokers = t.int(
        "brokers",
        3,
        1,
        u64::from(BROKERS_MAX),
        " (the model's limit)",
    ) as u32;
    // `partitions` / `replication.factor` are CreateTopics arguments (kafka-topics.sh
    // --partitions / --replication-factor), not topic configs; `num.partitions` and
    // `default.replication.factor` are the broker defaults used when they are not given.
    let parts_key = if t.set("partitions") {
        "partitions"
    } else {
        "num.partitions"
    };
    let partitions = t.int(
        parts_key,
        1,
        1,
        u64::from(mailroom_core::scenario::limits::PARTITIONS_MAX),
        " (the model's limit)",
    ) as u32;
    let rf_key = if t.set("replication.factor") {
        "replication.factor"
    } else {
        "default.replication.factor"
    };
    let replication_factor =
        t.int(rf_key, 1, 1, u64::from(BROKERS_MAX), " (the model's limit)") as u32;
    if replication_factor > brokers {
        let v = replication_factor.to_string();
        t.error(
            rf_key,
            &v,
            format!("must be at most the number of brokers ({brokers}; set brokers=N for more), as Kafka requires"),
        );
    }
    let min_insync_replicas = t.int("min.insync.replicas", 1, 1, u64::from(BROKERS_MAX), "") as u32;
    if min_insync_replicas > replication_factor {
        let v = min_insync_replicas.to_string();
        t.error(
            "min.insync.replicas",
            &v,
            format!(
                "must be at most the replication factor ({replication_factor}): with more, every acks=all write is refused with NOT_ENOUGH_REPLICAS"
            ),
        );
    }
    let unclean = t
        .boolean("unclean.leader.election.enable", false)
        .unwrap_or(false);
    let replica_lag_time_max_ms = t.int(
        "replica.lag.time.max.ms",
        30_000,
        1,
        DRILL_TIMEOUT_MAX_MS,
        " (the longest a drill waits)",
    );
    let broker_session_timeout_ms = t.int(
        "broker.session.timeout.ms",
        9_000,
        1,
        DRILL_TIMEOUT_MAX_MS,
        " (the longest a drill waits)",
    );
    let initial_rebalance_delay_ms = t.int(
        "group.initial.rebalance.delay.ms",
        3_000,
        0,
        60_000,
        " (a drill starts its faults after the group formed)",
    );

    let resolved = Resolved {
        client_id,
        acks,
        enable_idempotence,
        retries,
        retry_backoff_ms,
        delivery_timeout_ms,
        request_timeout_ms,
        linger_ms,
        max_in_flight,
        group_id,
        auto_commit,
        auto_commit_interval_ms,
        reset_earliest,
        max_poll_records,
        max_poll_interval_ms,
        session_timeout_ms,
        heartbeat_interval_ms,
        consumer_protocol,
        remote_assignor,
        static_membership,
        strategies,
        read_committed,
        partitions,
        replication_factor,
        min_insync_replicas,
        unclean,
        replica_lag_time_max_ms,
        broker_session_timeout_ms,
        initial_rebalance_delay_ms,
        brokers,
        rate,
    };

    // Left unset, enable.idempotence is silently off when acks, retries or the in-flight limit
    // rule it out (ProducerConfig, KIP-679): show the value in effect, not the bare default.
    if enable_idempotence.is_none() && !(acks == Acks::All && retries > 0 && max_in_flight <= 5) {
        if let Some(s) = settings
            .iter_mut()
            .find(|s| s.file == "producer" && s.key == "enable.idempotence")
        {
            s.value =
                "false (unset: off because of acks, retries or max.in.flight, KIP-679)".into();
        }
    }
    let mut ignored = Vec::new();
    for f in [&pf, &cf, &tf] {
        for key in f.entries.keys() {
            ignored.push(classify(f.name, key));
        }
    }
    Read {
        resolved,
        settings,
        ignored,
        errors,
    }
}

/// The model's name for a `partition.assignment.strategy` entry (class name, simple name, or
/// the assignor's own `name()`).
fn strategy(s: &str) -> Option<&'static str> {
    let simple = s.rsplit('.').next().unwrap_or(s);
    Some(match simple {
        "RangeAssignor" | "range" => "range",
        "RoundRobinAssignor" | "roundrobin" => "roundrobin",
        "StickyAssignor" | "sticky" => "sticky",
        "CooperativeStickyAssignor" | "cooperative-sticky" => "cooperative-sticky",
        _ => return None,
    })
}

fn names(list: &'static str) -> impl Iterator<Item = &'static str> {
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Keys the topic file takes that are broker settings or Mailroom's own (not `TopicConfig`).
const TOPIC_EXTRA: &[&str] = &[
    "brokers",
    "partitions",
    "replication.factor",
    "num.partitions",
    "default.replication.factor",
    "replica.lag.time.max.ms",
    "broker.session.timeout.ms",
    "group.initial.rebalance.delay.ms",
];

/// Why a known Kafka key does not change the drills.
fn ignore_reason(file: &str, key: &str) -> &'static str {
    match key {
        "bootstrap.servers" | "client.dns.lookup" => "the drills run on a simulated cluster",
        "key.serializer" | "value.serializer" | "key.deserializer" | "value.deserializer" => {
            "the model carries keys, not bytes"
        }
        "batch.size"
        | "buffer.memory"
        | "max.request.size"
        | "compression.type"
        | "max.partition.fetch.bytes"
        | "fetch.max.bytes"
        | "fetch.min.bytes" => "the model counts records, not bytes",
        "transactional.id" => {
            "the drills' producer is not transactional (exactly-once is not checked)"
        }
        "partitioner.class"
        | "partitioner.ignore.keys"
        | "partitioner.adaptive.partitioning.enable" => {
            "the drills' records are keyed and use Kafka's default murmur2 partitioner"
        }
        "retention.ms" | "retention.bytes" | "segment.bytes" | "segment.ms" | "cleanup.policy" => {
            "a drill is too short for retention or compaction to matter"
        }
        _ if key.starts_with("ssl.")
            || key.starts_with("sasl.")
            || key.starts_with("security.") =>
        {
            "security settings do not change delivery"
        }
        _ if file == "topic" => "a topic setting the model does not use",
        _ => "a Kafka setting the model does not use",
    }
}

/// A key no model setting read: known to Kafka (ignored, with a reason) or not (did you mean).
fn classify(file: &str, key: &str) -> Ignored {
    let own: Vec<&str> = match file {
        "producer" => names(PRODUCER_NAMES).collect(),
        "consumer" => names(CONSUMER_NAMES).collect(),
        _ => names(TOPIC_NAMES)
            .chain(TOPIC_EXTRA.iter().copied())
            .collect(),
    };
    if own.contains(&key) {
        return Ignored {
            file: file.to_string(),
            key: key.to_string(),
            did_you_mean: None,
            reason: ignore_reason(file, key).to_string(),
        };
    }
    for (other, list) in [
        ("producer", PRODUCER_NAMES),
        ("consumer", CONSUMER_NAMES),
        ("topic", TOPIC_NAMES),
    ] {
        if other != file && names(list).any(|n| n == key) {
            return Ignored {
                file: file.to_string(),
                key: key.to_string(),
                did_you_mean: None,
                reason: format!("a {other} setting, not a {file} one: put it in the {other} file"),
            };
        }
    }
    let best = own
        .iter()
        .map(|n| (strsim::damerau_levenshtein(key, n), *n))
        .min();
    let did_you_mean = best
        .filter(|(d, n)| *d <= 3.max(n.len() / 6) && *d < n.len() / 2)
        .map(|(_, n)| n.to_string());
    Ignored {
        file: file.to_string(),
        key: key.to_string(),
        reason: match &did_you_mean {
            Some(n) => format!("not a Kafka {file} setting; did you mean {n}?"),
            None => format!("not a Kafka {file} setting"),
        },
        did_you_mean,
    }
}
