//! # mailroom-core: Apache Kafka's moving parts as a deterministic, sans-IO state machine
//!
//! Producers partition records (murmur2, KIP-794 sticky) into per-partition offset logs;
//! consumer groups rebalance through the classic group protocol (JoinGroup/SyncGroup,
//! heartbeats, session and poll timeouts, eager or cooperative, static membership) using
//! Kafka-exact assignors; members fetch, process and commit to a modelled `__consumer_offsets`
//! with at-least-once, at-most-once, auto-commit or exactly-once (transactional) semantics; a
//! ledger counts every duplicate and every loss.
//!
//! ## The contract
//! - **No I/O, no clock, no threads, no ambient randomness.** Time is simulated milliseconds
//!   passed in by the caller; the only randomness is a SplitMix64 generator seeded from the
//!   scenario's `seed`, from which each subsystem derives its own stream ([`rng::Rng::derive`]).
//! - **Call order.** [`Sim::new`] (or [`Sim::from_json`]) → any number of
//!   [`Sim::handle`]`(now_ms, input)` / [`Sim::advance`]`(now_ms)` with non-decreasing `now_ms`
//!   → [`Sim::drain_events`] whenever convenient (events come out oldest first, stamped with
//!   their simulated time). [`Sim::next_deadline_ms`] tells when the model next acts on its own.
//! - **Determinism.** The same scenario, seed and timed inputs produce the identical event
//!   stream, natively and in WebAssembly ([`event_hash`] fingerprints a stream).
//! - **Errors are values.** Bad scenarios and inputs are [`ScenarioError`]s naming the JSON path
//!   and the reason; a panic is a bug.
#![warn(missing_docs)]

pub mod assignor;
pub mod causes;
pub mod event;
pub mod figures;
pub mod frame;
pub mod group_protocols;
pub mod idempotence;
pub mod input;
pub mod ledger;
pub mod log;
pub mod partitioner;
pub mod player;
pub mod reconciliation;
pub mod rng;
pub mod scenario;
pub mod share;
mod sim;
pub mod snapshot;
mod sort;
pub mod sweep;

pub use event::{Event, EventLevel, TimedEvent};
pub use figures::GroupFigures;
pub use input::{CrashPoint, Input, TimedInput};
pub use player::Player;
pub use scenario::{Scenario, ScenarioError};
pub use sim::{
    offsets_partition_for, GroupStats, Kip848MemberView, Kip848View, ShareGroupStats,
    ShareGroupView, ShareMemberView, SharePartitionView, Sim,
};
pub use sim::{BrokerState, ProducerStats};
pub use snapshot::Snapshot;
pub use sweep::Sweep;

/// A running FNV-1a fingerprint of an event stream (over each event's JSON form), used to
/// check that two runs — native and wasm, or two replays — produced the same events.
#[derive(Clone, Debug)]
pub struct EventHasher {
    state: u64,
    count: u64,
}

impl Default for EventHasher {
    fn default() -> Self {
        EventHasher {
            state: 0xcbf2_9ce4_8422_2325,
            count: 0,
        }
    }
}

impl std::io::Write for EventHasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for &b in buf {
            self.state ^= u64::from(b);
            self.state = self.state.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl EventHasher {
    /// Folds one event in.
    pub fn add(&mut self, e: &TimedEvent) {
        serde_json::to_writer(&mut *self, e).expect("events always serialize");
        std::io::Write::write(self, b"\n").expect("hashing cannot fail");
        self.count += 1;
    }
    /// The fingerprint so far, as 16 hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.state)
    }
    /// Events folded in.
    pub fn count(&self) -> u64 {
        self.count
    }
}

/// Fingerprint of a whole event stream.
pub fn event_hash(events: &[TimedEvent]) -> String {
    let mut h = EventHasher::default();
    events.iter().for_each(|e| h.add(e));
    h.hex()
}
