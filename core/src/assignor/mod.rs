//! Kafka's partition assignors as pure functions.
//!
//! Client-side (classic protocol) assignors, chosen by `partition.assignment.strategy`:
//! [`Strategy::Range`] (`org.apache.kafka.clients.consumer.RangeAssignor`),
//! [`Strategy::RoundRobin`] (`RoundRobinAssignor`), [`Strategy::Sticky`] (`StickyAssignor`, KIP-54)
//! and [`Strategy::CooperativeSticky`] (`CooperativeStickyAssignor`, KIP-429), all rack-aware
//! where Kafka is (KIP-881). Broker-side KIP-848 assignors live in [`kip848_range`] and
//! [`kip848_uniform`].
//!
//! Every function takes the leader's view (topics with partition counts and replica racks, and
//! member subscriptions in the order the leader received them) and returns, per input member, its
//! sorted partitions. Nothing here panics on odd input: unknown topics, out-of-range owned
//! partitions and repeated member ids (the first one wins; repeats get nothing) are tolerated.
//! Where Kafka's answer depends on Java `HashMap` iteration order, the order a real leader would
//! see (by `String.hashCode`) is reproduced, see [`order`].

pub mod cooperative;
mod group;
pub mod kip848_range;
pub mod kip848_uniform;
pub mod order;
pub mod range;
pub mod round_robin;
pub mod sticky;
mod types;

pub use types::{MemberSpec, Strategy, TopicSpec};

/// Assign partitions; returns, per member in input order, its sorted partitions as (topic index, partition).
pub fn assign(
    strategy: Strategy,
    topics: &[TopicSpec],
    members: &[MemberSpec],
) -> Vec<Vec<(u32, u32)>> {
    match strategy {
        Strategy::Range => range::assign(topics, members),
        Strategy::RoundRobin => round_robin::assign(topics, members),
        Strategy::Sticky => sticky::assign(topics, members),
        Strategy::CooperativeSticky => cooperative::assign(topics, members),
    }
}
