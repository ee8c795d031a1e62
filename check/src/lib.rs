//! # mailroom-check: "will my Kafka config lose data?" — answered by fault drills on the model
//!
//! [`check`] takes the *text* of Kafka `.properties` files (producer, consumer, topic; no I/O, so
//! the page's wasm can call it too), applies Kafka 4.x's defaults for what they do not set
//! (`ProducerConfig`, `ConsumerConfig`, `TopicConfig`/`LogConfig` and the broker defaults of
//! `ServerLogConfigs`, `ReplicationConfigs`, `KRaftConfigs`, `GroupCoordinatorConfig`), reports
//! every bad value at once, and otherwise runs a battery of short deterministic fault drills
//! (see [`drills`]) on a scenario built from the configuration: leader crash, lagging follower
//! then leader crash, isolated broker, rolling restart, consumer crash before and after its
//! commit, consumer stall past `max.poll.interval.ms`, group coordinator crash. Each drill
//! reports the model's own delivery figures and one line of advice naming the Kafka setting
//! that changes the outcome.
#![warn(missing_docs)]

use serde::Serialize;

pub mod advice;
pub mod config;
pub mod drills;

/// The files' text and the producer rate. `None` = the file is not given (all defaults).
#[derive(Clone, Copy, Debug, Default)]
pub struct CheckInput<'a> {
    /// The producer's `.properties` text.
    pub producer: Option<&'a str>,
    /// The consumer's `.properties` text.
    pub consumer: Option<&'a str>,
    /// The topic's `.properties` text (topic configs plus the broker defaults the model uses).
    pub topic: Option<&'a str>,
    /// Records per simulated second (default [`config::RATE_DEFAULT`]).
    pub rate: Option<f64>,
}

/// A bad value: which file, which key, the value, and what is allowed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigError {
    /// `producer`, `consumer`, `topic` or `rate` (`drill` for an unknown drill id).
    pub file: String,
    /// The key (empty for a file-level problem, such as a syntax error).
    pub key: String,
    /// The value as written.
    pub value: String,
    /// What is allowed (and why).
    pub reason: String,
}

impl ConfigError {
    /// Builds an error.
    pub fn new(
        file: impl Into<String>,
        key: impl Into<String>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        ConfigError {
            file: file.into(),
            key: key.into(),
            value: value.into(),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}: {}", self.file, self.value, self.reason)
        } else {
            write!(
                f,
                "{}: {}={}: {}",
                self.file, self.key, self.value, self.reason
            )
        }
    }
}

impl std::error::Error for ConfigError {}

/// One modelled setting and where its value came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// `producer`, `consumer` or `topic`.
    pub file: String,
    /// Kafka's name.
    pub key: String,
    /// The value in effect.
    pub value: String,
    /// `file` (set there) or `default` (Kafka 4.x's default).
    pub source: String,
}

/// A key the drills do not use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ignored {
    /// `producer`, `consumer` or `topic`.
    pub file: String,
    /// The key as written.
    pub key: String,
    /// The closest real Kafka name, for a key Kafka does not know.
    pub did_you_mean: Option<String>,
    /// Why it is ignored.
    pub reason: String,
}

/// One fault drill's outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Drill {
    /// Stable id (`leader-crash`, …).
    pub id: String,
    /// What happens, in a few words.
    pub title: String,
    /// Records acknowledged to the producer, then not in the log (the model's `acked_lost`).
    pub acked_lost: u64,
    /// Records written to the log twice (`log_duplicates`).
    pub log_duplicates: u64,
    /// Records the group processed more than once (`duplicates`).
    pub duplicates: u64,
    /// Records the group skipped for good (`lost`).
    pub lost: u64,
    /// Records appended after a later record of the same producer and partition (`reordered`).
    pub reordered: u64,
    /// Simulated seconds the drilled partition could not take the producer's writes (see
    /// [`drills`] for the exact rule).
    pub producer_unavailable_s: f64,
    /// Simulated seconds the drilled partition was not being consumed (see [`drills`]).
    pub consumer_unavailable_s: f64,
    /// One line naming the Kafka setting that changes the outcome.
    pub advice: String,
    /// Whether the drill found loss, duplicates or reordering.
    pub warn: bool,
    /// The drill's scenario JSON (loadable by `Sim::from_json` and by the page).
    pub scenario: String,
    /// The moment to open it at (the fault).
    pub at_ms: u64,
}

/// What [`check`] found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckReport {
    /// Every modelled setting in effect, from a file or by default.
    pub settings: Vec<Setting>,
    /// Keys the drills do not use.
    pub ignored: Vec<Ignored>,
    /// The drills, in a fixed order.
    pub drills: Vec<Drill>,
    /// How many drills warn.
    pub warnings: u32,
}

/// Reads the files, applies Kafka's defaults and runs every drill. Bad input returns every
/// error at once. Bounded in time whatever the input: file size, rate and the timeouts a drill
/// waits out are limited ([`config`]), and each drill takes at most [`drills::STEP_BUDGET`]
/// model steps.
pub fn check(input: &CheckInput) -> Result<CheckReport, Vec<ConfigError>> {
    check_drills(input, &drills::IDS)
}

/// Like [`check`], running only the drills named in `ids` (in [`drills::IDS`] order); an
/// unknown id is an error (file `drill`).
pub fn check_drills(input: &CheckInput, ids: &[&str]) -> Result<CheckReport, Vec<ConfigError>> {
    let mut read = config::read(input.producer, input.consumer, input.topic, input.rate);
    for id in ids {
        if !drills::IDS.contains(id) {
            read.errors.push(ConfigError::new(
                "drill",
                "--drill",
                *id,
                format!("one of {}", drills::IDS.join(", ")),
            ));
        }
    }
    if !read.errors.is_empty() {
        return Err(read.errors);
    }
    let chosen: Vec<&str> = drills::IDS
        .iter()
        .copied()
        .filter(|id| ids.contains(id))
        .collect();
    let drills = drills::run(&read.resolved, &chosen).map_err(|e| vec![e])?;
    let warnings = drills.iter().filter(|d| d.warn).count() as u32;
    Ok(CheckReport {
        settings: read.settings,
        ignored: read.ignored,
        drills,
        warnings,
    })
}
