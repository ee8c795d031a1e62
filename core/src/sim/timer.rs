//! Timers are data (as in quinn's `connection/timer.rs`): every future action of the model
//! is an entry in one queue ordered by (due time, insertion order). A timer that fires for a
//! consumer process that has since crashed or restarted carries a stale incarnation and is a
//! safe no-op.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::protocol::{Request, Response};

/// A client process endpoint: group, slot, and the incarnation of the process in the slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub group: u32,
    pub slot: u32,
    pub inc: u32,
}

/// Something the model will do at a given time.
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
        segments: Vec<super::consumer::Segment>,
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
    Share(super::share_group::ShareTimer),
    /// KIP-848 heartbeats and sessions.
    Kip848(super::kip848::K848Timer),
}

/// A pending timer's place in the queue: its due time, insertion order, and where its
/// [`Timer`] waits in the slab. Kept small on purpose: the heap moves these around on every
/// push and pop, while a `Timer` (which can carry a whole protocol message) stays put.
#[derive(Clone, Copy)]
struct Entry {
    at_ms: u64,
    seq: u64,
    slot: u32,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.at_ms, self.seq) == (other.at_ms, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    // Reversed: BinaryHeap is a max-heap and we want the earliest (then first inserted).
    // `seq` is unique, so the order is total and the slot never decides it.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at_ms, other.seq).cmp(&(self.at_ms, self.seq))
    }
}

/// The queue of pending timers: a heap of small entries ordered by (due time, insertion
/// order) over a slab of timers whose freed slots are reused, so scheduling allocates nothing
/// once the slab has grown to the number of timers in flight.
#[derive(Clone, Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Entry>,
    slab: Vec<Option<Timer>>,
    free: Vec<u32>,
    seq: u64,
}

impl Timers {
    /// Bytes a clone of the queue allocates (the slab keeps its high-water length).
    pub fn approx_bytes(&self) -> usize {
        self.heap.len() * std::mem::size_of::<Entry>()
            + self.slab.len() * std::mem::size_of::<Option<Timer>>()
            + self.free.len() * 4
    }

    /// Schedules `timer` at `at_ms`.
    pub fn at(&mut self, at_ms: u64, timer: Timer) {
        self.seq += 1;
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slab[slot as usize] = Some(timer);
                slot
            }
            None => {
                self.slab.push(Some(timer));
                (self.slab.len() - 1) as u32
            }
        };
        self.heap.push(Entry {
            at_ms,
            seq: self.seq,
            slot,
        });
    }

    /// The earliest due time.
    pub fn next_ms(&self) -> Option<u64> {
        self.heap.peek().map(|e| e.at_ms)
    }

    /// Pops the earliest timer if it is due at or before `now_ms`.
    pub fn pop_due(&mut self, now_ms: u64) -> Option<(u64, Timer)> {
        if self.heap.peek()?.at_ms > now_ms {
            return None;
        }
        let e = self.heap.pop()?;
        let timer = self.slab[e.slot as usize]
            .take()
            .expect("a queued slot holds its timer");
        self.free.push(e.slot);
        Some((e.at_ms, timer))
    }

    /// Number of pending timers.
    pub fn len(&self) -> usize {
        self.heap.len()
    }
}
