//! The time machine a view drives: one [`Sim`] plus the recorded inputs, checkpoints for
//! instant rewinding, bounded work per call, story events and time series that survive a seek.
//!
//! The shape follows RaftScope's `state.js` (seek, rewind, fork) with rapier.js-style whole-world
//! snapshots: a checkpoint is a clone of the [`Sim`] (cheap: light logs keep no per-record data,
//! see [`crate::log::PartitionLog`]), taken every [`CHECKPOINT_STEPS`] steps of model work or
//! [`CHECKPOINT_MS`] of simulated time, whichever comes first, within a memory bound. Seeking
//! backwards restores the newest checkpoint at or before the target and replays at most one
//! checkpoint interval; nothing is replayed from t = 0 and no traffic event is materialised.
//!
//! Every call is bounded: [`Player::run`] and [`Player::seek`] take a budget of model steps
//! (a timer fired or an input applied) and report how far they got, so a page can spread a long
//! jump over frames and show the effective speed instead of freezing.

use std::collections::VecDeque;

use crate::event::{EventLevel, TimedEvent};
use crate::frame::{Frame, Layout};
use crate::input::{Input, TimedInput};
use crate::scenario::{Scenario, ScenarioError};
use crate::Sim;

/// Model steps between checkpoints (bounds the replay a backward seek costs).
pub const CHECKPOINT_STEPS: u64 = 150_000;
/// Simulated ms between checkpoints when the model is quiet.
pub const CHECKPOINT_MS: u64 = 30_000;
/// Memory the checkpoints may hold, by [`Sim::approx_bytes`]; past it, old ones are thinned.
pub const CHECKPOINT_BYTES_MAX: usize = 32 << 20;
/// Story events kept for a view that has not drained them (the newest; older ones are counted).
pub const STORY_MAX: usize = 200;
/// Points a time series keeps before halving its resolution.
pub const SERIES_POINTS_MAX: usize = 1024;
/// Simulated ms between series points at first.
pub const SERIES_INTERVAL_MS: u64 = 250;
/// Per-partition lag series are kept while a group has at most this many partitions.
pub const SERIES_PARTITIONS_MAX: usize = 64;
/// Steps one slice of work takes before story events are collected (bounds the event buffer).
const SLICE_STEPS: u64 = 20_000;

/// Where a seek landed.
#[derive(Clone, Debug, serde::Serialize, PartialEq)]
pub struct SeekOutcome {
    /// Simulated time reached.
    pub now_ms: u64,
    /// Where the seek is going (after clamping).
    pub target_ms: u64,
    /// Whether the target was reached (else call again: the budget ran out).
    pub done: bool,
    /// Why the target was changed, if it was (past the end, say).
    pub note: Option<String>,
    /// Model steps this call replayed or ran (a backward seek: from its checkpoint).
    pub steps: u64,
}

#[derive(Clone)]
struct Checkpoint {
    at_ms: u64,
    cursor: usize,
    bytes: usize,
    sim: Sim,
}

/// Time series kept in the model, down-sampled when full. Row layout (`stride()` values):
/// `[t_ms, produced_total, then per group: processed, lag_now, max_partition_lag,
/// then the tracked partitions' lags]`.
#[derive(Clone, Debug, Default)]
pub struct Series {
    data: Vec<f64>,
    stride: usize,
    interval_ms: u64,
    next_ms: u64,
    /// Per group, the (topic, partition) pairs whose lag is tracked.
    tracked: Vec<Vec<(u32, u32)>>,
    /// The model's layout version the tracked partitions were chosen for.
    layout_version: u64,
}

impl Series {
    fn new(sim: &Sim) -> Series {
        let tracked = Series::choose_tracked(sim);
        let stride = Series::stride_for(&tracked);
        Series {
            data: Vec::new(),
            stride,
            interval_ms: SERIES_INTERVAL_MS,
            next_ms: 0,
            tracked,
            layout_version: sim.layout_version(),
        }
    }

    fn stride_for(tracked: &[Vec<(u32, u32)>]) -> usize {
        2 + 3 * tracked.len() + tracked.iter().map(Vec::len).sum::<usize>()
    }

    /// Partitions were added: track the new ones too (or stop tracking a group that grew past
    /// [`SERIES_PARTITIONS_MAX`]), rewriting the points so far with -1 where a column is new.
    fn retrack(&mut self, sim: &Sim) {
        self.layout_version = sim.layout_version();
        let tracked = Series::choose_tracked(sim);
        if tracked == self.tracked {
            return;
        }
        let stride = Series::stride_for(&tracked);
        let mut data = Vec::with_capacity(self.points() * stride);
        for point in self.data.chunks(self.stride) {
            data.extend_from_slice(&point[..2]);
            let mut at = 2;
            for (old, new) in self.tracked.iter().zip(&tracked) {
                data.extend_from_slice(&point[at..at + 3]);
                for tp in new {
                    let v = old
                        .iter()
                        .position(|x| x == tp)
                        .map_or(-1.0, |i| point[at + 3 + i]);
                    data.push(v);
                }
                at += 3 + old.len();
            }
        }
        self.data = data;
        self.stride = stride;
        self.tracked = tracked;
    }

    fn choose_tracked(sim: &Sim) -> Vec<Vec<(u32, u32)>> {
        let layout = sim.layout();
        let tracked: Vec<Vec<(u32, u32)>> = layout
            .groups
            .iter()
            .map(|g| {
                let parts: Vec<(u32, u32)> = g
                    .topics
                    .iter()
                    .flat_map(|&t| (0..layout.topics[t as usize].partitions).map(move |p| (t, p)))
                    .collect();
                if parts.len() <= SERIES_PARTITIONS_MAX {
                    parts
                } else {
                    Vec::new()
                }
            })
            .collect();
        tracked
    }

    fn points(&self) -> usize {
        self.data.len() / self.stride.max(1)
    }

    fn sample(&mut self, sim: &Sim, frame: &mut Frame) {
        sim.write_frame(frame, 0..0);
        let total = frame.partitions.len() / crate::frame::PART_STRIDE;
        let bases = sim.topic_bases();
        let t = sim.now_ms();
        self.data.push(t as f64);
        let produced: f64 = (0..total)
            .map(|i| {
                let r = &frame.partitions[i * crate::frame::PART_STRIDE..];
                r[crate::frame::PART_LOG_END]
            })
            .sum();
        self.data.push(produced);
        for (g, tracked) in self.tracked.iter().enumerate() {
            let gr = &frame.groups[g * crate::frame::GROUP_STRIDE..];
            let gp = |i: usize, f: usize| {
                frame.group_parts[(g * total + i) * crate::frame::GP_STRIDE + f]
            };
            let max_lag = (0..total)
                .filter(|&i| gp(i, crate::frame::GP_SUBSCRIBED) > 0.0)
                .map(|i| gp(i, crate::frame::GP_LAG))
                .fold(0.0, f64::max);
            self.data.push(gr[crate::frame::G_PROCESSED]);
            self.data.push(gr[crate::frame::G_LAG_NOW]);
            self.data.push(max_lag);
            for &(t, p) in tracked {
                // After a seek back past an AddPartitions, a tracked partition may not exist yet.
                let end = bases.get(t as usize + 1).copied().unwrap_or(total);
                let i = bases[t as usize] + p as usize;
                self.data.push(if i < end {
                    gp(i, crate::frame::GP_LAG)
                } else {
                    -1.0
                });
            }
        }
        if self.points() >= SERIES_POINTS_MAX {
            // Keep every other point (the first included) and sample half as often.
            let s = self.stride;
            let keep: Vec<f64> = self
                .data
                .chunks(s)
                .step_by(2)
                .flat_map(|c| c.iter().copied())
                .collect();
            self.data = keep;
            self.interval_ms *= 2;
        }
        self.next_ms = t + self.interval_ms;
    }

    /// Drops the points after `t_ms` (a rewind) and samples again from there.
    fn truncate_after(&mut self, t_ms: u64) {
        let s = self.stride;
        let keep = self
            .data
            .chunks(s)
            .take_while(|c| c[0] <= t_ms as f64)
            .count();
        self.data.truncate(keep * s);
        self.next_ms = self
            .data
            .get(self.data.len().saturating_sub(s))
            .map_or(0, |&t| t as u64 + self.interval_ms);
    }

    /// The points, `stride()` values each, oldest first.
    pub fn data(&self) -> &[f64] {
        &self.data
    }

    /// Values per point.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Per group, the (topic, partition) pairs whose lag each point carries, in order (empty
    /// when the group has more than [`SERIES_PARTITIONS_MAX`] partitions). Grows when
    /// partitions are added; a lag of -1 means the partition did not exist at that point.
    pub fn tracked(&self) -> &[Vec<(u32, u32)>] {
        &self.tracked
    }
}

/// A simulation with its recorded inputs, checkpoints and the numbers a view draws.
pub struct Player {
    sim: Sim,
    /// Recorded user inputs, in time order; `log[cursor]` is the next one not yet applied.
    log: Vec<TimedInput>,
    cursor: usize,
    checkpoints: Vec<Checkpoint>,
    steps_at_checkpoint: u64,
    story: VecDeque<TimedEvent>,
    story_dropped: u64,
    series: Series,
    frame: Frame,
    scratch: Frame,
    max_reached_ms: u64,
}

impl Player {
    /// A player at time 0 for `scenario`, with recorded `inputs` to replay at their times.
    pub fn new(scenario: Scenario, inputs: Vec<TimedInput>) -> Result<Player, ScenarioError> {
        if inputs.len() > crate::scenario::limits::INPUTS_MAX {
            return Err(ScenarioError::new(
                "inputs",
                format!(
                    "at most {} recorded inputs, got {}",
                    crate::scenario::limits::INPUTS_MAX,
                    inputs.len()
                ),
            ));
        }
        // Stable by time (ids sorted as u32s: one shared sort in the wasm, see crate::sort).
        let mut order: Vec<u32> = (0..inputs.len() as u32).collect();
        crate::sort::stable_by_key(&mut order, |i| inputs[i as usize].at_ms);
        let mut slots: Vec<Option<TimedInput>> = inputs.into_iter().map(Some).collect();
        let inputs: Vec<TimedInput> = order
            .into_iter()
            .filter_map(|i| slots[i as usize].take())
            .collect();
        let mut sim = Sim::new(scenario)?;
        sim.set_event_level(EventLevel::Story);
        let series = Series::new(&sim);
        let mut p = Player {
            sim,
            log: inputs,
            cursor: 0,
            checkpoints: Vec::new(),
            steps_at_checkpoint: 0,
            story: VecDeque::new(),
            story_dropped: 0,
            series,
            frame: Frame::default(),
            scratch: Frame::default(),
            max_reached_ms: 0,
        };
        p.run(0, u64::MAX);
        p.checkpoint();
        Ok(p)
    }

    /// The simulation (read-only: change it through [`Player::apply`]).
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// Simulated time now.
    pub fn now_ms(&self) -> u64 {
        self.sim.now_ms()
    }

    /// The scenario's end (0 = none).
    pub fn end_ms(&self) -> u64 {
        self.sim.scenario().duration_ms
    }

    /// The furthest time reached on this timeline.
    pub fn max_reached_ms(&self) -> u64 {
        self.max_reached_ms
    }

    /// The recorded inputs (for share links and exports).
    pub fn input_log(&self) -> &[TimedInput] {
        &self.log
    }

    fn end_or_max(&self) -> u64 {
        match self.end_ms() {
            0 => crate::scenario::limits::DURATION_MS_MAX,
            e => e,
        }
    }

    /// Advances toward `target_ms` (clamped to the scenario's end) doing at most `budget`
    /// steps of model work; returns the simulated time reached. Recorded inputs are applied
    /// at their times, story events collected, series sampled and checkpoints taken on the way.
    pub fn run(&mut self, target_ms: u64, budget: u64) -> u64 {
        let target = target_ms.min(self.end_or_max());
        let mut left = budget;
        loop {
            let input_at = self.log.get(self.cursor).map(|x| x.at_ms);
            let input_due = input_at.is_some_and(|t| t <= target);
            if self.sim.now_ms() >= target && !input_due && self.series.next_ms > target {
                break;
            }
            if left == 0 {
                break;
            }
            let mut stop = target.min(self.series.next_ms);
            if let Some(t) = input_at.filter(|_| input_due) {
                stop = stop.min(t);
            }
            let before = self.sim.steps();
            let reached = self.sim.advance_bounded(stop, left.min(SLICE_STEPS));
            left = left.saturating_sub((self.sim.steps() - before).max(1));
            self.collect_story();
            if !reached {
                continue;
            }
            if input_at == Some(stop) && input_due {
                let ti = self.log[self.cursor].clone();
                self.cursor += 1;
                // A recorded input refused on replay (the timeline changed under it) is a story
                // event, not an error: the rest of the session still replays.
                if let Err(e) = self.sim.handle(ti.at_ms, ti.input) {
                    self.sim.emit(crate::Event::InputRejected {
                        reason: e.to_string(),
                    });
                }
                left = left.saturating_sub(1);
                self.collect_story();
            }
            if self.series.layout_version != self.sim.layout_version() {
                self.series.retrack(&self.sim);
            }
            if self.series.next_ms <= self.sim.now_ms() {
                self.series.sample(&self.sim, &mut self.scratch);
            }
            // Checkpoints are taken at the frontier of the timeline; a stretch replayed after a
            // backward seek already has its own.
            let last = self.checkpoints.last().map_or(0, |c| c.at_ms);
            if self.sim.now_ms() > last {
                let since_steps = self.sim.steps().saturating_sub(self.steps_at_checkpoint);
                if since_steps >= CHECKPOINT_STEPS || self.sim.now_ms() - last >= CHECKPOINT_MS {
                    self.checkpoint();
                }
            }
        }
        self.max_reached_ms = self.max_reached_ms.max(self.sim.now_ms());
        self.sim.now_ms()
    }

    fn collect_story(&mut self) {
        // The Sim records story events only; the filter catches those it recorded before its
        // level was set (while starting its consumers).
        for e in self
            .sim
            .drain_events()
            .into_iter()
            .filter(|e| !e.event.is_traffic())
        {
            if self.story.len() == STORY_MAX {
                self.story.pop_front();
                self.story_dropped += 1;
            }
            self.story.push_back(e);
        }
    }

    fn checkpoint(&mut self) {
        let at_ms = self.sim.now_ms();
        if self.checkpoints.last().is_some_and(|c| c.at_ms == at_ms) {
            return;
        }
        self.steps_at_checkpoint = self.sim.steps();
        self.checkpoints.push(Checkpoint {
            at_ms,
            cursor: self.cursor,
            bytes: self.sim.approx_bytes(),
            sim: self.sim.clone(),
        });
        // Over the memory bound: thin the older half (never the t = 0 one, never the newest
        // few), so a far seek replays more but memory stays bounded.
        while self.checkpoint_bytes() > CHECKPOINT_BYTES_MAX && self.checkpoints.len() > 3 {
            // With more than 3, index 1 is always dropped, so this loop ends.
            let n = self.checkpoints.len();
            let mut j = 0;
            self.checkpoints.retain(|_| {
                let keep = j == 0 || j + 2 >= n || j % 2 == 0;
                j += 1;
                keep
            });
        }
    }

    /// Memory the checkpoints hold (by [`Sim::approx_bytes`]).
    pub fn checkpoint_bytes(&self) -> usize {
        self.checkpoints.iter().map(|c| c.bytes).sum()
    }

    /// Checkpoint times, oldest first.
    pub fn checkpoint_times(&self) -> Vec<u64> {
        self.checkpoints.iter().map(|c| c.at_ms).collect()
    }

    /// Moves to simulated time `ms`: backwards from the newest checkpoint at or before it,
    /// forwards by running; at most `budget` steps of work (call again while `done` is false).
    /// Past the scenario's end the target is clamped and the outcome says so.
    pub fn seek(&mut self, ms: f64, budget: u64) -> Result<SeekOutcome, ScenarioError> {
        if !ms.is_finite() || ms < 0.0 {
            return Err(ScenarioError::new(
                "seek",
                format!("must be a finite number of milliseconds ≥ 0, got {ms}"),
            ));
        }
        let end = self.end_or_max();
        let (target, note) = if ms > end as f64 {
            let why = if self.end_ms() > 0 {
                format!("the scenario ends at {end} ms; went to its end instead")
            } else {
                format!("at most {end} ms can be simulated; went there instead")
            };
            (end, Some(why))
        } else {
            (ms as u64, None)
        };
        let mut steps_from = self.sim.steps();
        if target < self.sim.now_ms() {
            let c = self
                .checkpoints
                .iter()
                .rev()
                .find(|c| c.at_ms <= target)
                .expect("the t = 0 checkpoint is never thinned")
                .clone();
            self.sim = c.sim;
            self.cursor = c.cursor;
            self.steps_at_checkpoint = self.sim.steps();
            steps_from = self.sim.steps();
            self.story.clear();
            self.series.truncate_after(c.at_ms);
        }
        let now_ms = self.run(target, budget);
        Ok(SeekOutcome {
            now_ms,
            target_ms: target,
            done: now_ms >= target,
            note,
            steps: self.sim.steps() - steps_from,
        })
    }

    /// Applies `input` now and records it. Applying after a rewind forks the timeline: recorded
    /// inputs and checkpoints later than now are dropped. A refused input changes nothing.
    pub fn apply(&mut self, input: Input) -> Result<(), ScenarioError> {
        let now = self.sim.now_ms();
        // Inputs recorded for exactly now that were not applied yet come first.
        self.run(now, u64::MAX);
        self.sim.handle(now, input.clone())?;
        self.log.truncate(self.cursor);
        self.log.push(TimedInput { at_ms: now, input });
        self.cursor = self.log.len();
        self.checkpoints.retain(|c| c.at_ms <= now);
        // A checkpoint at `now` was taken before the input: it still replays correctly, since
        // its cursor precedes the input.
        self.max_reached_ms = now;
        self.collect_story();
        Ok(())
    }

    /// Advances to the next moment a story event happens (or the end), at most `budget` steps.
    pub fn step(&mut self, budget: u64) -> u64 {
        let mut left = budget;
        let had = self.story.len() as u64 + self.story_dropped;
        while left > 0 {
            let now = self.sim.now_ms();
            let next = self
                .sim
                .next_deadline_ms()
                .unwrap_or(now + 1000)
                .max(now + 1)
                .min(self.end_or_max());
            let before = self.sim.steps();
            self.run(next, left.min(SLICE_STEPS));
            left = left.saturating_sub((self.sim.steps() - before).max(1));
            let story_now = self.story.len() as u64 + self.story_dropped;
            if story_now != had || self.sim.now_ms() >= self.end_or_max() {
                break;
            }
        }
        self.sim.now_ms()
    }

    /// Story events collected since the last call, oldest first (at most [`STORY_MAX`]).
    pub fn take_story(&mut self) -> Vec<TimedEvent> {
        self.story.drain(..).collect()
    }

    /// Story events dropped because nobody drained them in time (oldest first).
    pub fn story_dropped(&self) -> u64 {
        self.story_dropped
    }

    /// Fills the frame for now, with record tails for global partition indices in `tails`.
    pub fn refresh(&mut self, tails: std::ops::Range<usize>) -> &Frame {
        self.sim.write_frame(&mut self.frame, tails);
        &self.frame
    }

    /// The frame as last refreshed.
    pub fn frame(&self) -> &Frame {
        &self.frame
    }

    /// The frame's shape.
    pub fn layout(&self) -> Layout {
        self.sim.layout()
    }

    /// The time series.
    pub fn series(&self) -> &Series {
        &self.series
    }

    /// Why each duplicate, loss, acknowledged loss, log duplicate, redelivery and archived
    /// record up to now happened: the timeline replayed from the start with
    /// [`Sim::set_record_causes`] on (the player's own simulation never records causes, so
    /// checkpoints stay small), doing at most `budget` model steps. Keeps the first
    /// [`EXPLAINED_MAX`] cases and counts the rest.
    pub fn explain(&self, budget: u64) -> Explained {
        let until = self.now_ms();
        let mut sim = match Sim::new(self.sim.scenario().clone()) {
            Ok(sim) => sim,
            // The player's own scenario was valid when it was built.
            Err(_) => return Explained::default(),
        };
        sim.set_event_level(EventLevel::Off);
        sim.set_record_causes(true);
        let mut out = Explained::default();
        let keep = |sim: &mut Sim, finished: bool, out: &mut Explained| {
            for e in sim.take_explanations(finished) {
                out.total += 1;
                if out.cases.len() < EXPLAINED_MAX {
                    out.cases.push(e);
                }
            }
        };
        let mut left = budget;
        let mut next = 0;
        loop {
            let due = self.log.get(next).filter(|x| x.at_ms <= until);
            let stop = due.map_or(until, |x| x.at_ms);
            let before = sim.steps();
            let reached = sim.advance_bounded(stop, left.min(SLICE_STEPS));
            left = left.saturating_sub((sim.steps() - before).max(1));
            keep(&mut sim, false, &mut out);
            if reached {
                if let Some(ti) = due {
                    next += 1;
                    // Refused on replay as on the timeline: nothing changes.
                    let _ = sim.handle(ti.at_ms, ti.input.clone());
                    continue;
                }
                break;
            }
            if left == 0 {
                break;
            }
        }
        keep(&mut sim, true, &mut out);
        out.reached_ms = sim.now_ms();
        out.complete = out.reached_ms >= until;
        out
    }
}

/// At most this many cases come back from one [`Player::explain`] (the rest are counted).
pub const EXPLAINED_MAX: usize = 2000;

/// What [`Player::explain`] found.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Explained {
    /// The cases, oldest first (lost cases, final only at the end, last).
    pub cases: Vec<crate::causes::Explanation>,
    /// Every case found, kept or not.
    pub total: u64,
    /// How far the replay got.
    pub reached_ms: u64,
    /// Whether it got to the player's now (else the budget ran out first).
    pub complete: bool,
}
