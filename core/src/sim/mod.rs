//! The simulation: one state machine holding the brokers' logs, the producers, the group
//! coordinators and the consumer processes, driven by inputs and simulated time.
//!
//! Call order (the sans-IO contract): [`Sim::handle`] and [`Sim::advance`] with
//! non-decreasing `now_ms`; [`Sim::drain_events`] whenever convenient; [`Sim::next_deadline_ms`]
//! says when something will happen next if no input arrives. Nothing here reads a clock,
//! spawns a thread, prints, or draws randomness from anywhere but the scenario's seed.

mod batch;
mod broker;
mod cluster;
mod consumer;
mod controller;
mod coordinator;
mod group_inputs;
mod group_view;
mod kip848;
mod producer;
mod producer_state;
pub(crate) mod protocol;
mod replica;
mod sender;
mod share_group;
pub(crate) mod timer;
mod txn;
mod view;

use crate::event::{Event, EventLevel, TimedEvent, Tp};
use crate::frame::EnvelopeRing;
use crate::input::{Input, TimedInput};
use crate::ledger::PartitionLedger;
use crate::log::PartitionLog;
use crate::rng::Rng;
use crate::scenario::{GroupConfig, Scenario, ScenarioError};
use consumer::Consumer;
use coordinator::Coordinator;
use producer::Producer;
use protocol::{Endpoint, Request, Response};
use timer::Timers;

pub use broker::BrokerState;
pub use group_view::{
    Kip848MemberView, Kip848View, ShareGroupView, ShareMemberView, SharePartitionView,
};
pub use share_group::ShareGroupStats;
pub use view::{GroupStats, ProducerStats};

/// Something the model will do at a given time: a part's own timer, or a message in flight
/// between parts (the network's delivery). The simulation keeps these in its [`Timers`] queue
/// and [`Sim::fire`]s each one to the part it names.
#[derive(Clone, Debug)]
pub(crate) enum Timer {
    /// A producer's next production tick.
    Produce { producer: u32, epoch: u32 },
    /// A produce request reaches a broker.
    ProduceArrives {
        producer: u32,
        request: u64,
        broker: u32,
    },
    /// A produce response reaches the producer.
    ProduceResponse { producer: u32, request: u64 },
    /// The oldest unanswered produce request's `request.timeout.ms` passed.
    ProduceTimeout { producer: u32 },
    /// A producer looks at its waiting batches again (a retry is due, or records expire).
    ProducerWake { producer: u32, at_ms: u64 },
    /// The controller's session of a broker incarnation expired (`broker.session.timeout.ms`).
    BrokerSessionExpired { broker: u32, incarnation: u32 },
    /// A follower's fetch reaches its leader.
    ReplicaFetch {
        follower: u32,
        leader: u32,
        epoch: u64,
    },
    /// A leader's fetch answer reaches the follower.
    ReplicaFetchResponse {
        follower: u32,
        leader: u32,
        epoch: u64,
    },
    /// The ISR expiration task (`replica.lag.time.max.ms / 2`).
    IsrCheck,
    /// A request reaches the group coordinator.
    ToCoordinator { from: Endpoint, req: Request },
    /// A response reaches a client.
    ToClient { to: Endpoint, resp: Response },
    /// A fetch request reaches the partition leader.
    FetchArrives { from: Endpoint, fetch_epoch: u64 },
    /// A parked fetch gives up waiting for data (`fetch.max.wait.ms`).
    FetchExpires { from: Endpoint, fetch_epoch: u64 },
    /// A fetch response reaches the consumer.
    FetchResponse {
        to: Endpoint,
        fetch_epoch: u64,
        segments: Vec<consumer::Segment>,
    },
    /// The consumer finishes processing the record it is on.
    ProcessDone { to: Endpoint, step: u64 },
    /// A consumer waiting in `poll()` looks again (after `retry.backoff.ms`).
    Wake { to: Endpoint },
    /// The consumer's heartbeat thread wakes up.
    Heartbeat { to: Endpoint },
    /// The coordinator checks a member's session (`serial` names the member).
    SessionCheck { group: u32, serial: u64 },
    /// The coordinator's rebalance timeout (or initial delay) for rebalance `epoch`.
    RebalanceDeadline {
        group: u32,
        epoch: u64,
        initial_delay: bool,
    },
    /// The transaction coordinator aborts a transaction left open too long.
    TxnTimeout { txn: u64 },
    /// Share groups' own timers (KIP-932).
    Share(share_group::ShareTimer),
    /// KIP-848 heartbeats and sessions.
    Kip848(kip848::K848Timer),
}

/// A topic on the broker cluster.
#[derive(Clone)]
pub(crate) struct Topic {
    pub name: String,
    /// Records ever appended that a reader can see (plain, and committed transactional).
    pub produced: u64,
    pub logs: Vec<PartitionLog>,
    pub retention_records: u64,
    /// Whether its logs store every entry (a transactional group writes or reads it).
    pub full_logs: bool,
    /// Per partition: replicas, leader, ISR, high watermark, loss bookkeeping.
    pub meta: Vec<cluster::PartitionMeta>,
    /// `replication.factor`, `min.insync.replicas`.
    pub rf: u32,
    pub min_isr: u32,
    /// The placement's two draws (start broker, shift), kept for added partitions.
    pub placement: (u32, u32),
}

impl Topic {
    /// Replicas for partitions `first..first + n`, placed like Kafka's rack-unaware assignment.
    fn new_meta(&self, brokers: u32, first: u32, n: u32) -> Vec<cluster::PartitionMeta> {
        controller::place_replicas(
            brokers,
            first,
            n,
            self.rf,
            self.placement.0,
            self.placement.1,
        )
        .into_iter()
        .map(|r| cluster::PartitionMeta::new(replica::PartitionReplicas::new(&r, self.min_isr)))
        .collect()
    }

    fn new_log(&self) -> PartitionLog {
        if self.full_logs {
            PartitionLog::new_full()
        } else {
            PartitionLog::new()
        }
    }
}

/// Per group and partition: accounting and availability.
#[derive(Clone, Debug, Default)]
pub(crate) struct GroupPartition {
    pub ledger: PartitionLedger,
    pub committed: Option<(u64, u64)>,
    pub down_since_ms: Option<u64>,
    pub downtime_ms: u64,
}

/// A consumer group: its coordinator (broker side) and its consumer processes (client side).
#[derive(Clone)]
pub(crate) struct Group {
    pub cfg: GroupConfig,
    /// Subscribed topic indices, sorted by topic name as Kafka's metadata would list them.
    pub topics: Vec<u32>,
    pub coord: Coordinator,
    pub slots: Vec<Consumer>,
    /// Slots whose fetch is parked at the broker (`Consumer::parked_fetch`), ascending: what
    /// new data on a partition must look at, without scanning every member.
    pub parked: Vec<u32>,
    /// `parts[topic][partition]`, empty for unsubscribed topics.
    pub parts: Vec<Vec<GroupPartition>>,
    pub rng: Rng,
    pub rebalances: u64,
    pub max_lag: u64,
    /// When `max_lag` was first reached (where a view opens "the moment of the worst lag").
    pub max_lag_at_ms: u64,
    pub output_topic: Option<u32>,
    pub offsets_partition: u32,
    /// Times a live member stopped processing every one of its partitions for a rebalance
    /// (an eager revocation, or losing all its partitions cooperatively or in KIP-848).
    pub paused_members: u64,
    /// KIP-848 state when `group.protocol` is `consumer`.
    pub kip848: Option<kip848::Kip848>,
    /// Its `__consumer_offsets` partition's replicas: the leader hosts the coordinator.
    pub coord_rep: replica::PartitionReplicas,
    /// Requests sent while no coordinator was reachable, delivered to the next one.
    pub held: Vec<(protocol::Endpoint, protocol::Request)>,
}

/// The running simulation. Cloning it is a checkpoint: the clone runs on identically.
#[derive(Clone)]
pub struct Sim {
    scenario: Scenario,
    now_ms: u64,
    timers: Timers<Timer>,
    topics: Vec<Topic>,
    producers: Vec<Producer>,
    groups: Vec<Group>,
    events: Vec<TimedEvent>,
    txns: txn::Transactions,
    /// The scenario's inputs in time order (stable for equal times), and the next to apply.
    schedule: Vec<(usize, TimedInput)>,
    next_scheduled: usize,
    /// Inputs applied through [`Sim::handle`], for replay and sharing.
    input_log: Vec<TimedInput>,
    /// Which events are recorded (never changes what the model does).
    event_level: EventLevel,
    /// A bounded sample of record traffic for views to animate.
    pub(crate) envelopes: EnvelopeRing,
    /// Bumped whenever partitions or members are added (the frame's shape changes).
    layout_version: u64,
    /// Steps taken (timers fired, scheduled inputs applied and batches a leader appended or
    /// refused): the unit of model work that budgets and checkpoint spacing count.
    steps: u64,
    /// Emptied key buffers of arrived batches, reused by the next produce ticks.
    key_buffers: Vec<Vec<u32>>,
    /// Emptied segment lists (fetch answers, finished batches), reused by the next fetches.
    segment_buffers: Vec<Vec<consumer::Segment>>,
    /// Lag samples, append times and latencies, while figures are tracked
    /// ([`Sim::set_track_figures`]); only read from the model, never steers it.
    pub(crate) figures: Option<Box<crate::figures::Tracker>>,
    /// Share groups (KIP-932), in scenario order.
    share_groups: Vec<share_group::ShareGroup>,
    /// The brokers.
    brokers: Vec<broker::Broker>,
    /// Follower → leader fetch sessions, `follower * brokers + leader`.
    fetchers: Vec<cluster::Fetcher>,
    /// `acks=all` requests waiting for the high watermark.
    purgatory: Vec<sender::Delayed>,
    /// Some partition has more than one replica (the follower machinery runs).
    replicated: bool,
    /// The cause recorder, while cause chains are recorded ([`Sim::set_record_causes`]); only
    /// reads the model, never steers it.
    pub(crate) causes: Option<Box<crate::causes::Causes>>,
}

impl Sim {
    /// Builds a simulation from a scenario (validated first).
    pub fn new(scenario: Scenario) -> Result<Sim, ScenarioError> {
        scenario.validate()?;
        // Transactions need each entry's kind (output topics) and key (their input topics).
        let transactional = |name: &str| {
            scenario.groups.iter().any(|g| {
                g.commit == crate::scenario::CommitMode::Transactional
                    && (g.output_topic.as_deref() == Some(name)
                        || g.topics.iter().any(|t| t == name))
            })
        };
        let topics: Vec<Topic> = scenario
            .topics
            .iter()
            .map(|t| {
                let mut topic = Topic {
                    name: t.name.clone(),
                    produced: 0,
                    logs: Vec::new(),
                    retention_records: t.retention_records,
                    full_logs: transactional(&t.name),
                    meta: Vec::new(),
                    rf: t.replication_factor,
                    min_isr: t.min_insync_replicas,
                    placement: controller::placement_draws(
                        scenario.seed,
                        &t.name,
                        scenario.brokers,
                    ),
                };
                topic.logs = (0..t.partitions).map(|_| topic.new_log()).collect();
                topic.meta = topic.new_meta(scenario.brokers, 0, t.partitions);
                topic
            })
            .collect();
        let topic_index = |name: &str| {
            scenario
                .topics
                .iter()
                .position(|t| t.name == name)
                .expect("validated") as u32
        };
        let producers = scenario
            .producers
            .iter()
            .enumerate()
            .map(|(i, p)| {
                Producer::new(
                    p,
                    topic_index(&p.topic),
                    Rng::derive(scenario.seed, &format!("producer/{i}")),
                )
            })
            .collect();
        let groups = scenario
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let mut sub: Vec<u32> = g.topics.iter().map(|t| topic_index(t)).collect();
                sub.sort_by(|a, b| topics[*a as usize].name.cmp(&topics[*b as usize].name));
                sub.dedup();
                let mut parts: Vec<Vec<GroupPartition>> = vec![Vec::new(); topics.len()];
                for &t in &sub {
                    parts[t as usize] =
                        vec![GroupPartition::default(); topics[t as usize].logs.len()];
                }
                Group {
                    cfg: g.clone(),
                    topics: sub,
                    coord: Coordinator::default(),
                    slots: Vec::new(),
                    parked: Vec::new(),
                    parts,
                    rng: Rng::derive(scenario.seed, &format!("group/{i}")),
                    rebalances: 0,
                    max_lag: 0,
                    max_lag_at_ms: 0,
                    output_topic: g.output_topic.as_deref().map(topic_index),
                    offsets_partition: offsets_partition_for(&g.group_id),
                    paused_members: 0,
                    kip848: (g.group_protocol == crate::group_protocols::GroupProtocol::Consumer)
                        .then(kip848::Kip848::default),
                    coord_rep: offsets_replicas(&scenario, offsets_partition_for(&g.group_id)),
                    held: Vec::new(),
                }
            })
            .collect();
        let brokers = scenario.brokers;
        let replicated = topics.iter().any(|t| t.rf > 1);
        let mut sim = Sim {
            scenario,
            now_ms: 0,
            timers: Timers::default(),
            topics,
            producers,
            groups,
            events: Vec::new(),
            txns: txn::Transactions::default(),
            schedule: Vec::new(),
            next_scheduled: 0,
            input_log: Vec::new(),
            event_level: EventLevel::All,
            envelopes: EnvelopeRing::default(),
            layout_version: 0,
            steps: 0,
            key_buffers: Vec::new(),
            segment_buffers: Vec::new(),
            figures: None,
            share_groups: Vec::new(),
            brokers: vec![broker::Broker::default(); brokers as usize],
            fetchers: vec![cluster::Fetcher::default(); (brokers * brokers) as usize],
            purgatory: Vec::new(),
            replicated,
            causes: None,
        };
        if sim.replicated {
            sim.ensure_fetchers();
            let lag = sim.scenario.replica_lag_time_max_ms;
            sim.timers.at((lag / 2).max(1), Timer::IsrCheck);
        }
        let mut schedule: Vec<(usize, TimedInput)> =
            sim.scenario.inputs.iter().cloned().enumerate().collect();
        schedule.sort_by_key(|(_, t)| t.at_ms);
        sim.schedule = schedule;
        for p in 0..sim.producers.len() {
            sim.schedule_first_produce(p as u32);
        }
        for g in 0..sim.groups.len() {
            for _ in 0..sim.groups[g].cfg.consumers {
                sim.add_consumer(g as u32);
            }
        }
        sim.init_share_groups();
        Ok(sim)
    }

    /// Parses, validates and builds a simulation from scenario JSON.
    pub fn from_json(json: &str) -> Result<Sim, ScenarioError> {
        Sim::new(Scenario::from_json(json)?)
    }

    /// The scenario, with defaults filled in.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Simulated time reached.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// When the model next acts on its own (a timer or a scheduled input), if ever.
    pub fn next_deadline_ms(&self) -> Option<u64> {
        let input = self.schedule.get(self.next_scheduled).map(|(_, t)| t.at_ms);
        match (self.timers.next_ms(), input) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Every input applied through [`Sim::handle`], with its time (the scenario's own
    /// scheduled inputs are not repeated here).
    pub fn input_log(&self) -> &[TimedInput] {
        &self.input_log
    }

    /// Which events are recorded from now on; see [`EventLevel`]. The model's behaviour is
    /// the same at every level.
    pub fn set_event_level(&mut self, level: EventLevel) {
        self.event_level = level;
    }

    /// Starts (or stops) recording why each duplicate, loss, acknowledged loss, log duplicate,
    /// redelivery and archived record happened (see [`crate::causes`]). Call it before
    /// advancing: cases need the history before them. The model's behaviour and its event
    /// stream are the same either way.
    pub fn set_record_causes(&mut self, on: bool) {
        if !on {
            self.causes = None;
        } else if self.causes.is_none() {
            let producers = self
                .producers
                .iter()
                .map(|p| (p.acks, p.idempotent))
                .collect();
            self.causes = Some(Box::new(crate::causes::Causes::new(producers)));
        }
    }

    /// The cause chains found since the last call, named and worded, oldest first (nothing
    /// unless [`Sim::set_record_causes`] is on). With `finished`, also the lost cases still
    /// open (see [`crate::causes`]): pass it once, at the end of the run.
    pub fn take_explanations(&mut self, finished: bool) -> Vec<crate::causes::Explanation> {
        let Some(c) = self.causes.as_deref_mut() else {
            return Vec::new();
        };
        let cases = c.take(finished);
        cases
            .iter()
            .map(|case| crate::causes::render(case, self))
            .collect()
    }

    /// Cases not kept because too many waited to be taken ([`crate::causes::CASES_HELD_MAX`]).
    pub fn explanations_dropped(&self) -> u64 {
        self.causes.as_ref().map_or(0, |c| c.dropped())
    }

    /// Starts (or stops) keeping the figures of [`Sim::figures`] that need history: sampled lag
    /// percentiles and append → processing latencies (see [`crate::figures`]). Call it before
    /// advancing: records appended earlier are not timed. The model's behaviour and its event
    /// stream are the same either way.
    pub fn set_track_figures(&mut self, on: bool) {
        if !on {
            self.figures = None;
        } else if self.figures.is_none() {
            let ends = self
                .topics
                .iter()
                .map(|t| t.logs.iter().map(PartitionLog::log_end_offset).collect())
                .collect();
            self.figures = Some(Box::new(crate::figures::Tracker::new(
                self.now_ms,
                self.groups.len(),
                ends,
            )));
        }
    }

    /// Whether figures are tracked.
    pub fn tracks_figures(&self) -> bool {
        self.figures.is_some()
    }

    /// The current [`EventLevel`].
    pub fn event_level(&self) -> EventLevel {
        self.event_level
    }

    /// Changes whenever partitions or members are added (views re-read [`Sim::layout`]).
    pub fn layout_version(&self) -> u64 {
        self.layout_version
    }

    /// Steps of model work taken so far (timers fired and scheduled inputs applied).
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Global partition index of each topic's partition 0 (topics in scenario order).
    pub fn topic_bases(&self) -> Vec<usize> {
        self.topics
            .iter()
            .scan(0usize, |b, t| {
                let here = *b;
                *b += t.logs.len();
                Some(here)
            })
            .collect()
    }

    /// The bytes a clone of the model allocates, estimated from the lengths of what it holds
    /// (this is what bounds checkpoint memory; `core/tests/checkpoint_size.rs` checks it against
    /// an allocator count). Errs on the high side: allocator overhead is added.
    pub fn approx_bytes(&self) -> usize {
        use std::mem::size_of;
        let logs: usize = self
            .topics
            .iter()
            .flat_map(|t| &t.logs)
            .map(|l| {
                size_of::<PartitionLog>() + 4 * crate::log::RECENT_KEYS + 5 * l.stored_entries()
            })
            .sum();
        let group_parts: usize = self
            .groups
            .iter()
            .flat_map(|g| &g.parts)
            .map(|v| {
                size_of::<Vec<GroupPartition>>() + v.len() * (size_of::<GroupPartition>() + 32)
            })
            .sum();
        let members: usize = self
            .groups
            .iter()
            .flat_map(|g| &g.slots)
            .map(|c| {
                size_of::<Consumer>()
                    + c.name.len()
                    + c.member_id.len()
                    + 16 * (c.assigned.len() + c.last_owned.len())
                    + 8 * c.positions.len()
                    + size_of::<consumer::Segment>() * c.batch.len()
                    + 8 * c.protocols.len()
                    + 256
            })
            .sum();
        let coordinators: usize = self
            .groups
            .iter()
            .map(|g| g.coord.approx_bytes() + g.kip848.as_ref().map_or(0, |k| k.approx_bytes()))
            .sum();
        let producers: usize = self.producers.iter().map(Producer::approx_bytes).sum();
        let share: usize = self
            .share_groups
            .iter()
            .map(share_group::ShareGroup::approx_bytes)
            .sum();
        let cluster: usize = self
            .topics
            .iter()
            .flat_map(|t| &t.meta)
            .map(|m| size_of::<cluster::PartitionMeta>() + m.approx_bytes() + 64)
            .sum::<usize>()
            + self.brokers.len() * size_of::<broker::Broker>()
            + self
                .fetchers
                .iter()
                .map(|f| size_of::<cluster::Fetcher>() + 24 * f.upto.capacity())
                .sum::<usize>()
            + self.purgatory.capacity() * size_of::<sender::Delayed>()
            + self
                .groups
                .iter()
                .map(|g| 64 * g.coord_rep.replicas.len() + 128 * g.held.len())
                .sum::<usize>();
        let raw = size_of::<Sim>()
            + share
            + cluster
            + logs
            + group_parts
            + members
            + coordinators
            + producers
            + self.timers.approx_bytes()
            + self.envelopes.data().len() * 8
            + self.input_log.len() * 64
            + self.events.len() * size_of::<TimedEvent>()
            + self.figures.as_ref().map_or(0, |f| f.approx_bytes())
            + 4096;
        // Allocator headers and rounding, and the small vectors not counted above.
        raw + raw / 4
    }

    /// The sampled record traffic (appends, fetches, losses, outputs) for views to animate.
    pub fn envelopes(&self) -> &EnvelopeRing {
        &self.envelopes
    }

    /// Runs the model up to `now_ms` (earlier times are a no-op: time never goes back).
    ///
    /// A scheduled input at time `t` is applied after every timer due at or before `t`, exactly
    /// as `handle(t, input)` would apply it, so a recorded session replays identically.
    pub fn advance(&mut self, now_ms: u64) {
        self.advance_bounded(now_ms, u64::MAX);
    }

    /// Runs the model up to `now_ms` in slices of one simulated second and of at most
    /// `slice_steps` model steps, handing each slice's events to `on_slice` with the
    /// simulation (to read the time reached, figures or cause chains between slices);
    /// `on_slice` returns `false` to stop early. The event buffer stays small whatever
    /// the load (at 100 M rec/s one simulated second is about 10^8 events, so a time slice
    /// alone held a gigabyte), and the events are those of one [`Sim::advance`]. Returns the
    /// simulated time reached (below `now_ms` only when stopped).
    pub fn advance_draining(
        &mut self,
        now_ms: u64,
        slice_steps: u64,
        mut on_slice: impl FnMut(&mut Sim, &[TimedEvent]) -> bool,
    ) -> u64 {
        let mut buf = Vec::new();
        let mut t = self.now_ms;
        loop {
            t = (t + 1000).min(now_ms);
            loop {
                let reached = self.advance_bounded(t, slice_steps);
                self.drain_events_into(&mut buf);
                let go_on = on_slice(self, &buf);
                buf.clear();
                if !go_on {
                    return self.now_ms.min(now_ms);
                }
                if reached {
                    break;
                }
            }
            if t >= now_ms {
                return now_ms;
            }
        }
    }

    /// Like [`Sim::advance`], but does at most `max_steps` steps (a timer fired or a scheduled
    /// input applied), so one call is bounded in time whatever the load. Returns whether
    /// `now_ms` was reached; if not, simulated time stops at the last step taken, and a later
    /// call carries on exactly where this one stopped (the result is the same as one call).
    pub fn advance_bounded(&mut self, now_ms: u64, max_steps: u64) -> bool {
        // Counted on `self.steps`, not per timer: a step may do several units of work (a produce
        // request appends each of its batches as one), and the budget bounds the work.
        let start = self.steps;
        loop {
            if self.steps - start >= max_steps {
                if self.next_deadline_ms().is_some_and(|t| t <= now_ms) {
                    return false;
                }
                break;
            }
            self.steps += 1;
            let input_at = self
                .schedule
                .get(self.next_scheduled)
                .map(|(_, t)| t.at_ms)
                .filter(|&t| t <= now_ms);
            let timer_at = self.timers.next_ms().filter(|&t| t <= now_ms);
            if self.figures.is_some() {
                // Lag samples due before this step see the state after every earlier step.
                if let Some(t) = timer_at.into_iter().chain(input_at).min() {
                    self.sample_lags(t.saturating_sub(1));
                }
            }
            match (timer_at, input_at) {
                (Some(t), i) if i.is_none_or(|i| t <= i) => {
                    let (at, timer) = self.timers.pop_due(now_ms).expect("peeked");
                    self.now_ms = self.now_ms.max(at);
                    self.fire(timer);
                }
                (_, Some(at)) => {
                    let (i, ti) = self.schedule[self.next_scheduled].clone();
                    self.next_scheduled += 1;
                    self.now_ms = self.now_ms.max(at);
                    match self.check_input(&ti.input, &format!("inputs[{i}].input")) {
                        Ok(()) => self.apply(ti.input),
                        Err(e) => self.emit(Event::InputRejected {
                            reason: e.to_string(),
                        }),
                    }
                }
                (None, None) => break,
                (Some(_), None) => unreachable!("covered by the first arm"),
            }
        }
        self.now_ms = self.now_ms.max(now_ms);
        if self.figures.is_some() {
            self.sample_lags(self.now_ms);
        }
        true
    }

    /// Takes the lag samples due at or before `upto_ms` (all in the current state: nothing
    /// happened between them), every [`crate::figures::LAG_SAMPLE_MS`].
    fn sample_lags(&mut self, upto_ms: u64) {
        let Some(mut f) = self.figures.take() else {
            return;
        };
        if f.next_sample_ms <= upto_ms {
            let every = crate::figures::LAG_SAMPLE_MS;
            let n = (upto_ms - f.next_sample_ms) / every + 1;
            for g in 0..self.groups.len() {
                for &t in &self.groups[g].topics {
                    for p in 0..self.topics[t as usize].logs.len() as u32 {
                        if let Some(lag) = self.lag(g as u32, (t, p)) {
                            f.groups[g].lag.add(lag, n);
                        }
                    }
                }
            }
            f.next_sample_ms += n * every;
        }
        self.figures = Some(f);
    }

    /// Figures bookkeeping after `tp`'s log was truncated back to `end` (leader change).
    pub(crate) fn figures_truncated(&mut self, tp: Tp, end: u64) {
        if let Some(f) = self.figures.as_mut() {
            f.truncated(tp, end);
        }
    }

    /// Figures bookkeeping after records were appended to `tp` (the log now ends at its end).
    pub(crate) fn figures_appended(&mut self, tp: Tp) {
        if let Some(f) = self.figures.as_mut() {
            let log = &self.topics[tp.0 as usize].logs[tp.1 as usize];
            f.appended(tp.0, tp.1, log.log_end_offset(), self.now_ms);
            // Records deleted by retention can no longer be processed.
            f.trim(tp, log.log_start_offset());
        }
    }

    /// Figures bookkeeping: group `g` processed `[from, to)` of `tp` and its processed prefix
    /// ended at `old_end` before (records from there on are first processings).
    pub(crate) fn figures_processed(&mut self, g: u32, tp: Tp, from: u64, to: u64, old_end: u64) {
        let Some(mut f) = self.figures.take() else {
            return;
        };
        let read_committed = self.read_committed(g);
        let log = &self.topics[tp.0 as usize].logs[tp.1 as usize];
        f.first_processed(g, tp, (from.max(old_end), to), self.now_ms, |a, b| {
            log.visible_in(a, b, read_committed)
        });
        // Every reader of the partition past an entry: it is never looked up again.
        let below = self
            .groups
            .iter()
            .filter_map(|grp| grp.parts.get(tp.0 as usize)?.get(tp.1 as usize))
            .map(|gp| gp.ledger.processed_end.unwrap_or(0))
            .min()
            .unwrap_or(0)
            .max(log.log_start_offset());
        f.trim(tp, below);
        self.figures = Some(f);
    }

    /// Advances to `now_ms`, then applies `input`. A refused input changes nothing.
    pub fn handle(&mut self, now_ms: u64, input: Input) -> Result<(), ScenarioError> {
        self.advance(now_ms);
        self.check_input(&input, "input")?;
        self.input_log.push(TimedInput {
            at_ms: self.now_ms,
            input: input.clone(),
        });
        self.apply(input);
        Ok(())
    }

    /// Takes the events that happened since the last call, oldest first.
    pub fn drain_events(&mut self) -> Vec<TimedEvent> {
        std::mem::take(&mut self.events)
    }

    /// Moves the pending events into `out` (reuses its allocation).
    pub fn drain_events_into(&mut self, out: &mut Vec<TimedEvent>) {
        out.append(&mut self.events);
    }

    /// Pending timers (for tests and benchmarks).
    pub fn pending_timers(&self) -> usize {
        self.timers.len()
    }

    /// Whether record-level traffic events are wanted: hot paths skip building them otherwise.
    pub(crate) fn records_traffic(&self) -> bool {
        self.event_level == EventLevel::All
    }

    /// Records `event` if the [`EventLevel`] wants it. Inlined so that at each call site the
    /// event's variant is known: a traffic event the level drops is then never built or
    /// dropped at run time (the check folds to a compare of the level).
    #[inline]
    pub(crate) fn emit(&mut self, event: Event) {
        if let Some(c) = self.causes.as_deref_mut() {
            c.observe(self.now_ms, &event);
        }
        let wanted = match self.event_level {
            EventLevel::All => true,
            EventLevel::Story => !event.is_traffic(),
            EventLevel::Off => false,
        };
        if wanted {
            self.record(event);
        }
    }

    /// Records a traffic event ([`Event::is_traffic`]), built only if the level keeps traffic
    /// (`EventLevel::All`): the hot paths (appends, fetches, processing, commits) then build
    /// nothing for a page showing the story or a fast-forward.
    #[inline]
    pub(crate) fn emit_traffic(&mut self, event: impl FnOnce() -> Event) {
        if self.records_traffic() {
            let event = event();
            debug_assert!(event.is_traffic(), "not a traffic event: {event:?}");
            self.record(event);
        }
    }

    /// Like [`Sim::emit_traffic`], for the few traffic events cause chains are made of: built
    /// also while causes are recorded, whatever the event level.
    #[inline]
    pub(crate) fn emit_observed(&mut self, event: impl FnOnce() -> Event) {
        let record = self.records_traffic();
        if record || self.causes.is_some() {
            let event = event();
            debug_assert!(event.is_traffic(), "not a traffic event: {event:?}");
            if let Some(c) = self.causes.as_deref_mut() {
                c.observe(self.now_ms, &event);
            }
            if record {
                self.record(event);
            }
        }
    }

    /// The out-of-line half of [`Sim::emit`]: stamps and queues the event.
    #[inline(never)]
    fn record(&mut self, event: Event) {
        self.events.push(TimedEvent {
            at_ms: self.now_ms,
            event,
        });
    }

    fn fire(&mut self, timer: Timer) {
        match timer {
            Timer::Produce { producer, epoch } => self.produce_tick(producer, epoch),
            Timer::ProduceArrives {
                producer,
                request,
                broker,
            } => self.produce_arrives(producer, request, broker),
            Timer::ProduceResponse { producer, request } => {
                self.produce_response(producer, request)
            }
            Timer::ProduceTimeout { producer } => self.produce_timeout(producer),
            Timer::ProducerWake { producer, at_ms } => self.producer_wake(producer, at_ms),
            Timer::BrokerSessionExpired {
                broker,
                incarnation,
            } => self.broker_session_expired(broker, incarnation),
            Timer::ReplicaFetch {
                follower,
                leader,
                epoch,
            } => self.follower_fetch_arrives(follower, leader, epoch),
            Timer::ReplicaFetchResponse {
                follower,
                leader,
                epoch,
            } => self.follower_fetch_response(follower, leader, epoch),
            Timer::IsrCheck => self.isr_check(),
            Timer::ToCoordinator { from, req } => self.coordinator_receive(from, req),
            Timer::ToClient { to, resp } => self.client_receive(to, resp),
            Timer::FetchArrives { from, fetch_epoch } => self.fetch_arrives(from, fetch_epoch),
            Timer::FetchExpires { from, fetch_epoch } => self.fetch_expires(from, fetch_epoch),
            Timer::FetchResponse {
                to,
                fetch_epoch,
                segments,
            } => self.fetch_response(to, fetch_epoch, segments),
            Timer::ProcessDone { to, step } => self.process_done(to, step),
            Timer::Heartbeat { to } => self.heartbeat_tick(to),
            Timer::Wake { to } => self.wake_timer(to),
            Timer::SessionCheck { group, serial } => self.session_check(group, serial),
            Timer::RebalanceDeadline {
                group,
                epoch,
                initial_delay,
            } => self.rebalance_deadline(group, epoch, initial_delay),
            Timer::TxnTimeout { txn } => self.txn_timeout(txn),
            Timer::Share(t) => self.share_fire(t),
            Timer::Kip848(t) => self.k848_fire(t),
        }
    }

    /// Checks an input against the current model (indices, states); names the field on error.
    fn check_input(&self, input: &Input, path: &str) -> Result<(), ScenarioError> {
        let group = |g: u32| -> Result<&Group, ScenarioError> {
            self.groups.get(g as usize).ok_or_else(|| {
                ScenarioError::new(
                    format!("{path}.group"),
                    format!("no group {g} (there are {})", self.groups.len()),
                )
            })
        };
        let slot = |g: u32, m: u32| -> Result<&Consumer, ScenarioError> {
            let grp = group(g)?;
            grp.slots.get(m as usize).ok_or_else(|| {
                ScenarioError::new(
                    format!("{path}.member"),
                    format!(
                        "no consumer slot {m} in group {g} (there are {})",
                        grp.slots.len()
                    ),
                )
            })
        };
        let refuse =
            |field: &str, why: String| Err(ScenarioError::new(format!("{path}.{field}"), why));
        match input {
            Input::AddConsumer { group: g } => {
                let grp = group(*g)?;
                if grp.slots.len() >= crate::scenario::limits::CONSUMERS_MAX as usize {
                    return refuse(
                        "group",
                        format!(
                            "group {g} already has the maximum of {} consumers",
                            grp.slots.len()
                        ),
                    );
                }
            }
            Input::CrashConsumer {
                group: g,
                member: m,
                ..
            }
            | Input::PauseConsumer {
                group: g,
                member: m,
            }
            | Input::LeaveGroup {
                group: g,
                member: m,
            } => {
                let c = slot(*g, *m)?;
                if let Input::CrashConsumer {
                    at: crate::input::CrashPoint::InTransaction,
                    ..
                } = input
                {
                    if group(*g)?.cfg.commit != crate::scenario::CommitMode::Transactional {
                        return refuse(
                            "at",
                            "in_transaction needs a group whose commit is \"transactional\"".into(),
                        );
                    }
                }
                if !c.alive {
                    return refuse("member", format!("consumer-{} is not running", m + 1));
                }
                if matches!(input, Input::PauseConsumer { .. }) && c.paused {
                    return refuse("member", format!("consumer-{} is already paused", m + 1));
                }
            }
            Input::ResumeConsumer {
                group: g,
                member: m,
            } => {
                let c = slot(*g, *m)?;
                if !c.alive || !c.paused {
                    return refuse("member", format!("consumer-{} is not paused", m + 1));
                }
            }
            Input::RestartConsumer {
                group: g,
                member: m,
            } => {
                let c = slot(*g, *m)?;
                if c.alive {
                    return refuse(
                        "member",
                        format!(
                            "consumer-{} is still running (crash it or let it leave first)",
                            m + 1
                        ),
                    );
                }
            }
            Input::SetProducerRate {
                producer,
                rate_per_sec,
            } => {
                if self.producers.get(*producer as usize).is_none() {
                    return refuse(
                        "producer",
                        format!(
                            "no producer {producer} (there are {})",
                            self.producers.len()
                        ),
                    );
                }
                crate::scenario::check_rate(*rate_per_sec, &format!("{path}.rate_per_sec"))?;
            }
            Input::AddPartitions { topic, partitions } => {
                let t = self.topics.get(*topic as usize).ok_or_else(|| {
                    ScenarioError::new(
                        format!("{path}.topic"),
                        format!("no topic {topic} (there are {})", self.topics.len()),
                    )
                })?;
                let now = t.logs.len() as u32;
                if *partitions <= now {
                    return refuse(
                        "partitions",
                        format!(
                            "must be more than the current {now} (Kafka can only add partitions)"
                        ),
                    );
                }
                if *partitions > crate::scenario::limits::PARTITIONS_MAX {
                    return refuse(
                        "partitions",
                        format!(
                            "must be at most {}",
                            crate::scenario::limits::PARTITIONS_MAX
                        ),
                    );
                }
            }
            Input::SetStrategy {
                group: g,
                strategies,
            } => {
                group(*g)?;
                if strategies.is_empty() {
                    return refuse("strategies", "must name at least one strategy".into());
                }
                self.check_not_consumer_protocol(*g, path)?;
            }
            Input::CrashBroker { broker: b }
            | Input::RestartBroker { broker: b }
            | Input::IsolateBroker { broker: b }
            | Input::HealBroker { broker: b }
            | Input::SlowFollower { broker: b, .. } => {
                crate::scenario::check_broker(*b, self.brokers.len() as u32, path)?;
                let mut br = self.brokers[*b as usize].clone();
                let fits = match input {
                    Input::CrashBroker { .. } => br.crash(),
                    Input::RestartBroker { .. } => br.restart(),
                    Input::IsolateBroker { .. } => br.isolate(),
                    Input::HealBroker { .. } => br.heal(),
                    Input::SlowFollower { delay_ms, .. } => {
                        if *delay_ms > crate::scenario::limits::DURATION_MS_MAX {
                            return refuse(
                                "delay_ms",
                                format!(
                                    "must be at most {}",
                                    crate::scenario::limits::DURATION_MS_MAX
                                ),
                            );
                        }
                        Ok(())
                    }
                    _ => Ok(()),
                };
                if let Err(why) = fits {
                    return refuse("broker", format!("broker {b} {why}"));
                }
            }
            other => return self.check_group_input(other, path),
        }
        Ok(())
    }

    fn apply(&mut self, input: Input) {
        match input {
            Input::AddConsumer { group } => self.add_consumer(group),
            Input::CrashConsumer { group, member, at } => self.request_crash(group, member, at),
            Input::PauseConsumer { group, member } => self.pause_consumer(group, member),
            Input::ResumeConsumer { group, member } => self.resume_consumer(group, member),
            Input::RestartConsumer { group, member } => self.restart_consumer(group, member),
            Input::LeaveGroup { group, member } => self.request_leave(group, member),
            Input::SetProducerRate {
                producer,
                rate_per_sec,
            } => self.set_rate(producer, rate_per_sec),
            Input::AddPartitions { topic, partitions } => self.add_partitions(topic, partitions),
            Input::SetStrategy { group, strategies } => self.set_strategy(group, strategies),
            Input::CrashBroker { broker } => self.crash_broker(broker),
            Input::RestartBroker { broker } => self.restart_broker(broker),
            Input::IsolateBroker { broker } => self.isolate_broker(broker),
            Input::HealBroker { broker } => self.heal_broker(broker),
            Input::SlowFollower { broker, delay_ms } => self.slow_follower(broker, delay_ms),
            other => self.apply_group_input(other),
        }
    }

    fn add_partitions(&mut self, topic: u32, partitions: u32) {
        let brokers = self.brokers.len() as u32;
        let t = &mut self.topics[topic as usize];
        let first = t.logs.len() as u32;
        while t.logs.len() < partitions as usize {
            let log = t.new_log();
            t.logs.push(log);
        }
        let meta = t.new_meta(brokers, first, partitions - first);
        t.meta.extend(meta);
        self.ensure_fetchers();
        for p in &mut self.producers {
            if p.topic == topic {
                p.partitions_changed(partitions);
            }
        }
        for g in &mut self.groups {
            if g.topics.contains(&topic) {
                g.parts[topic as usize].resize_with(partitions as usize, GroupPartition::default);
            }
        }
        self.share_partitions_added(topic, partitions);
        self.layout_version += 1;
        self.emit(Event::PartitionsAdded { topic, partitions });
        // The coordinator learns of the new partitions through metadata and rebalances each
        // group subscribed to the topic (Kafka: the leader notices the metadata change).
        for g in 0..self.groups.len() as u32 {
            if self.groups[g as usize].topics.contains(&topic) {
                self.metadata_changed(g);
            }
        }
    }

    /// All partitions a group subscribes to, in (topic name, partition) order.
    pub(crate) fn subscribed_partitions(&self, g: u32) -> Vec<Tp> {
        let grp = &self.groups[g as usize];
        grp.topics
            .iter()
            .flat_map(|&t| (0..self.topics[t as usize].logs.len() as u32).map(move |p| (t, p)))
            .collect()
    }

    /// Whether a consumer of group `g` reads only committed transactional data.
    pub(crate) fn read_committed(&self, g: u32) -> bool {
        self.groups[g as usize].cfg.isolation_level
            == crate::scenario::IsolationLevel::ReadCommitted
    }

    /// The offset up to which group `g` may read partition `tp` (log end or last stable offset).
    pub(crate) fn fetch_limit(&self, g: u32, tp: Tp) -> u64 {
        self.read_limit(tp, self.read_committed(g))
    }

    /// Where consumers of `tp` must stop: the high watermark (Kafka's `FetchIsolation
    /// .HIGH_WATERMARK`), or the last stable offset below it for read_committed.
    #[inline]
    pub(crate) fn read_limit(&self, tp: Tp, read_committed: bool) -> u64 {
        let t = &self.topics[tp.0 as usize];
        let hw = t.meta[tp.1 as usize].rep.hw;
        if read_committed {
            t.logs[tp.1 as usize].last_stable_offset().min(hw)
        } else {
            hw
        }
    }

    /// Consumer lag of a group on a partition (`None` if it does not subscribe to it): the log
    /// end, or the last stable offset for read_committed, minus the committed offset; with
    /// nothing committed yet, everything still in the log counts.
    ///
    /// Runs for every appended batch and committed offset (to track `max_lag`), so the log is
    /// looked up once.
    pub(crate) fn lag(&self, g: u32, tp: Tp) -> Option<u64> {
        let grp = &self.groups[g as usize];
        let gp = grp.parts.get(tp.0 as usize)?.get(tp.1 as usize)?;
        let log = &self.topics[tp.0 as usize].logs[tp.1 as usize];
        let base = gp.committed.map_or(log.log_start_offset(), |c| c.0);
        let limit = self.read_limit(
            tp,
            grp.cfg.isolation_level == crate::scenario::IsolationLevel::ReadCommitted,
        );
        Some(limit.saturating_sub(base))
    }

    /// Latency of one network hop.
    pub(crate) fn latency_ms(&self) -> u64 {
        self.scenario.network_latency_ms
    }
}

/// The replicas of a group's `__consumer_offsets` partition: 50 partitions placed like any
/// topic's, with `offsets.topic.replication.factor` = min(3, brokers) (Kafka refuses to create
/// the topic with fewer brokers than 3 unless configured down; this takes the configured-down
/// value for small clusters).
fn offsets_replicas(scenario: &Scenario, partition: u32) -> replica::PartitionReplicas {
    let (start, shift) =
        controller::placement_draws(scenario.seed, "__consumer_offsets", scenario.brokers);
    let rf = scenario.brokers.min(3);
    let placed = controller::place_replicas(scenario.brokers, partition, 1, rf, start, shift);
    replica::PartitionReplicas::new(&placed[0], 1)
}

/// The `__consumer_offsets` partition of a group: `Utils.abs(groupId.hashCode()) % 50`
/// (`GroupCoordinator.partitionFor`, with the default `offsets.topic.num.partitions`).
pub fn offsets_partition_for(group_id: &str) -> u32 {
    // Java's String.hashCode over UTF-16 code units.
    let mut h: i32 = 0;
    for u in group_id.encode_utf16() {
        h = h.wrapping_mul(31).wrapping_add(i32::from(u));
    }
    // Kafka's Utils.abs maps Integer.MIN_VALUE to 0.
    let abs = if h == i32::MIN { 0 } else { h.unsigned_abs() };
    abs % 50
}
