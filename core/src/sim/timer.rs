//! Timers are data (as in quinn's `connection/timer.rs`): every future action of the model
//! is an entry in one queue ordered by (due time, insertion order). The queue is generic over
//! what it holds and knows no part of the model: the simulation schedules its own
//! [`super::Timer`]s in it and dispatches each one that fires to the part it names. A timer
//! that fires for a consumer process that has since crashed or restarted carries a stale
//! incarnation and is a safe no-op.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A pending timer's place in the queue: its due time, insertion order, and where its
/// timer waits in the slab. Kept small on purpose: the heap moves these around on every
/// push and pop, while a timer (which can carry a whole protocol message) stays put.
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
#[derive(Clone)]
pub(crate) struct Timers<T> {
    heap: BinaryHeap<Entry>,
    slab: Vec<Option<T>>,
    free: Vec<u32>,
    seq: u64,
}

impl<T> Default for Timers<T> {
    fn default() -> Self {
        Timers {
            heap: BinaryHeap::new(),
            slab: Vec::new(),
            free: Vec::new(),
            seq: 0,
        }
    }
}

impl<T> Timers<T> {
    /// Bytes a clone of the queue allocates (the slab keeps its high-water length).
    pub fn approx_bytes(&self) -> usize {
        self.heap.len() * std::mem::size_of::<Entry>()
            + self.slab.len() * std::mem::size_of::<Option<T>>()
            + self.free.len() * 4
    }

    /// Schedules `timer` at `at_ms`.
    pub fn at(&mut self, at_ms: u64, timer: T) {
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
    pub fn pop_due(&mut self, now_ms: u64) -> Option<(u64, T)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(t: &mut Timers<&'static str>, now_ms: u64) -> Vec<(u64, &'static str)> {
        std::iter::from_fn(|| t.pop_due(now_ms)).collect()
    }

    #[test]
    fn timers_fire_by_deadline_then_in_the_order_they_were_set() {
        let mut t = Timers::default();
        t.at(20, "late");
        t.at(10, "first at 10");
        t.at(10, "second at 10");
        t.at(5, "early");
        assert_eq!(t.next_ms(), Some(5));
        assert_eq!(
            drain(&mut t, 20),
            [
                (5, "early"),
                (10, "first at 10"),
                (10, "second at 10"),
                (20, "late")
            ]
        );
    }

    #[test]
    fn a_timer_not_yet_due_stays_queued() {
        let mut t = Timers::default();
        t.at(30, "later");
        assert_eq!(drain(&mut t, 29), []);
        assert_eq!(t.len(), 1);
        assert_eq!(drain(&mut t, 30), [(30, "later")]);
        assert_eq!(t.next_ms(), None);
    }

    #[test]
    fn a_freed_slot_is_reused_without_disturbing_the_order() {
        let mut t = Timers::default();
        t.at(1, "a");
        assert_eq!(drain(&mut t, 1), [(1, "a")]);
        // The slot "a" held is taken by "c"; insertion order still decides the tie with "b".
        t.at(7, "b");
        t.at(7, "c");
        assert_eq!(t.slab.len(), 2);
        assert_eq!(drain(&mut t, 7), [(7, "b"), (7, "c")]);
    }
}
