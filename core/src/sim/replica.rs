//! One partition's replication state as the leader and the controller see it: Kafka's
//! `Partition` (leader side: `maybeIncrementLeaderHW`, `maybeShrinkIsr`, `maybeExpandIsr`,
//! `appendRecordsToLeader`'s `min.insync.replicas` check) plus the leader-epoch cache that
//! decides what a returning replica truncates (`LeaderEpochFileCache`, KIP-101 / KIP-279).
//!
//! The records themselves live once, in the partition's [`crate::log::PartitionLog`]: that is
//! the current leader's log. Every replica's log is a prefix of it up to the replica's log-end
//! offset (LEO), except a replica that led an older epoch and appended records nobody copied:
//! its LEO may exceed where the new leader's log ended, and it truncates when it rejoins.
//! Brokers are at most 16, so the ISR is a bit set.

/// One replica of a partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Replica {
    /// Broker id.
    pub broker: u32,
    /// Its log-end offset (its own log: what an election or a truncation sees).
    pub leo: u64,
    /// The log-end offset the leader knows for it (`Replica.stateSnapshot.logEndOffset`): the
    /// fetch offset of its last fetch, which is all a leader learns of a follower's progress.
    /// The HW and the ISR are decided on it, never on [`Replica::leo`], which runs ahead by the
    /// records the follower received since it last fetched. 0 (unknown) after a new leader
    /// is elected, until the follower's first fetch (`resetReplicaState`).
    pub fetched_leo: u64,
    /// The leader epoch of its last record (what it asks `OffsetsForLeaderEpoch` about).
    pub last_epoch: u32,
    /// Kafka `Replica.lastCaughtUpTimeMs`.
    pub last_caught_up_ms: u64,
    /// Kafka `Replica.lastFetchLeaderLogEndOffset` / `lastFetchTimeMs`.
    pub last_fetch_leader_leo: u64,
    pub last_fetch_ms: u64,
}

/// A partition's replicas, leader, ISR and high watermark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PartitionReplicas {
    /// The assignment, preferred leader first.
    pub replicas: Vec<Replica>,
    /// The leader's broker id, `None` while the partition is offline.
    pub leader: Option<u32>,
    pub leader_epoch: u32,
    /// In-sync replicas as a bit set over broker ids.
    pub isr: u16,
    /// The high watermark: consumers read below it.
    pub hw: u64,
    /// `min.insync.replicas`.
    pub min_isr: u32,
    /// The leader-epoch cache of the current leader's log: (epoch, start offset), ascending.
    pub epochs: Vec<(u32, u64)>,
}

/// Bit of broker `b` in an ISR set.
#[inline]
pub(crate) fn bit(b: u32) -> u16 {
    1 << b
}

impl PartitionReplicas {
    /// A new partition on `brokers` (preferred leader first), all in sync, led by the first.
    pub fn new(brokers: &[u32], min_isr: u32) -> PartitionReplicas {
        PartitionReplicas {
            replicas: brokers
                .iter()
                .map(|&broker| Replica {
                    broker,
                    leo: 0,
                    fetched_leo: 0,
                    last_epoch: 0,
                    last_caught_up_ms: 0,
                    last_fetch_leader_leo: 0,
                    last_fetch_ms: 0,
                })
                .collect(),
            leader: brokers.first().copied(),
            leader_epoch: 0,
            isr: brokers.iter().fold(0, |s, &b| s | bit(b)),
            hw: 0,
            min_isr,
            epochs: vec![(0, 0)],
        }
    }

    /// Replication factor.
    pub fn rf(&self) -> usize {
        self.replicas.len()
    }

    /// The replica on broker `b`.
    pub fn replica(&self, b: u32) -> Option<&Replica> {
        self.replicas.iter().find(|r| r.broker == b)
    }

    fn replica_mut(&mut self, b: u32) -> Option<&mut Replica> {
        self.replicas.iter_mut().find(|r| r.broker == b)
    }

    /// Whether broker `b` is in the ISR.
    pub fn in_isr(&self, b: u32) -> bool {
        self.isr & bit(b) != 0
    }

    /// ISR size.
    pub fn isr_len(&self) -> u32 {
        self.isr.count_ones()
    }

    /// ISR broker ids, ascending.
    pub fn isr_list(&self) -> Vec<u32> {
        (0..16).filter(|&b| self.isr & bit(b) != 0).collect()
    }

    /// `Partition.appendRecordsToLeader`: an `acks=all` write needs the ISR to hold at least
    /// `min.insync.replicas` (else `NotEnoughReplicasException`).
    pub fn enough_replicas(&self) -> bool {
        self.isr_len() >= self.min_isr
    }

    /// The leader appended up to `leo`. Returns the new HW if it moved.
    pub fn leader_appended(&mut self, leo: u64) -> Option<u64> {
        let l = self.leader?;
        let epoch = self.leader_epoch;
        if let Some(r) = self.replica_mut(l) {
            r.leo = leo;
            r.fetched_leo = leo;
            r.last_epoch = epoch;
        }
        self.maybe_increment_hw()
    }

    /// `Partition.maybeIncrementLeaderHW`: the HW is the smallest LEO the leader knows over
    /// the ISR (its own, and each follower's last fetch offset); it never moves back.
    /// Simplified (README): Kafka 3.7+ also holds the HW while the ISR is below
    /// `min.insync.replicas` (`isUnderMinIsr`, KAFKA-15583).
    pub fn maybe_increment_hw(&mut self) -> Option<u64> {
        let min = self
            .replicas
            .iter()
            .filter(|r| self.isr & bit(r.broker) != 0)
            .map(|r| r.fetched_leo)
            .min()?;
        (min > self.hw).then(|| {
            self.hw = min;
            min
        })
    }

    /// A follower's fetch from offset `fetch_offset` reached the leader, whose LEO is
    /// `leader_leo`, at `now_ms`: Kafka's `Replica.updateFetchStateOrThrow` (the caught-up
    /// clock) then `maybeExpandIsr` (back in once it reached the HW). Returns (expanded ISR,
    /// new HW).
    pub fn follower_fetched(
        &mut self,
        b: u32,
        fetch_offset: u64,
        leader_leo: u64,
        now_ms: u64,
    ) -> (bool, Option<u64>) {
        let hw = self.hw;
        let Some(r) = self.replica_mut(b) else {
            return (false, None);
        };
        r.fetched_leo = fetch_offset;
        if fetch_offset >= leader_leo {
            r.last_caught_up_ms = r.last_caught_up_ms.max(now_ms);
        } else if fetch_offset >= r.last_fetch_leader_leo {
            r.last_caught_up_ms = r.last_caught_up_ms.max(r.last_fetch_ms);
        }
        r.last_fetch_leader_leo = leader_leo;
        r.last_fetch_ms = now_ms;
        // `Partition.isFollowerInSync`: at or past the HW and past the start of the current
        // leader epoch.
        let epoch_start = self.epochs.last().map_or(0, |&(_, start)| start);
        let expand = self.isr & bit(b) == 0 && fetch_offset >= hw && fetch_offset >= epoch_start;
        if expand {
            self.isr |= bit(b);
        }
        (expand, self.maybe_increment_hw())
    }

    /// `Partition.maybeShrinkIsr` / `isFollowerOutOfSync`: followers that have not caught up
    /// with the leader's log end within `max_lag_ms`. Returns them (already removed), and the
    /// new HW if removing them let it move.
    pub fn shrink_isr(
        &mut self,
        leader_leo: u64,
        now_ms: u64,
        max_lag_ms: u64,
    ) -> (u16, Option<u64>) {
        let Some(l) = self.leader else {
            return (0, None);
        };
        let mut out = 0u16;
        for r in &self.replicas {
            if r.broker != l
                && self.isr & bit(r.broker) != 0
                && r.fetched_leo != leader_leo
                && now_ms.saturating_sub(r.last_caught_up_ms) > max_lag_ms
            {
                out |= bit(r.broker);
            }
        }
        self.isr &= !out;
        let hw = if out != 0 {
            self.maybe_increment_hw()
        } else {
            None
        };
        (out, hw)
    }

    /// A new leader `b` with epoch `epoch`: Kafka's `Partition.makeLeader`. Its log is the
    /// partition's log from now on; returns its LEO (where the partition's log now ends).
    /// Entries of the epoch cache past its log are dropped, and the new epoch starts there.
    pub fn make_leader(&mut self, b: u32, epoch: u32, now_ms: u64) -> u64 {
        let leo = self.replica(b).map_or(0, |r| r.leo);
        self.leader = Some(b);
        self.leader_epoch = epoch;
        self.epochs.retain(|&(_, start)| start < leo);
        if self.epochs.is_empty() {
            self.epochs.push((0, 0));
        }
        self.epochs.push((epoch, leo));
        // A new leader resets the followers' fetch clocks (`Partition.makeLeader` →
        // `resetReplicaState`): each gets a full lag window from now.
        for r in &mut self.replicas {
            if r.broker != b {
                r.last_caught_up_ms = now_ms;
                r.last_fetch_leader_leo = 0;
                r.last_fetch_ms = now_ms;
                r.fetched_leo = 0;
            } else {
                r.fetched_leo = r.leo;
            }
        }
        leo
    }

    /// `OffsetsForLeaderEpoch` (KIP-279): the end offset of `epoch` in the leader's log — the
    /// start of the first later epoch, or the log end.
    pub fn epoch_end_offset(&self, epoch: u32, leader_leo: u64) -> u64 {
        self.epochs
            .iter()
            .find(|&&(e, _)| e > epoch)
            .map_or(leader_leo, |&(_, start)| start)
    }

    /// The epoch of the record just before `offset` in the leader's log.
    pub fn epoch_at(&self, offset: u64) -> u32 {
        self.epochs
            .iter()
            .rev()
            .find(|&&(_, start)| start < offset)
            .map_or(0, |&(e, _)| e)
    }

    /// A replica on `b` rejoins as a follower (restart, heal, or its leadership moved):
    /// `Partition.makeFollower` + leader-epoch truncation. Returns `Some((to, from))` if its
    /// log lost `[to, from)`: records only it had.
    pub fn truncate_follower(&mut self, b: u32, leader_leo: u64) -> Option<(u64, u64)> {
        let r = self.replica(b)?;
        let end = self
            .epoch_end_offset(r.last_epoch, leader_leo)
            .min(leader_leo);
        let from = r.leo;
        if from <= end {
            return None;
        }
        let epoch = self.epoch_at(end);
        let r = self.replica_mut(b)?;
        r.leo = end;
        r.last_epoch = epoch;
        Some((end, from))
    }

    /// A follower copied the leader's log up to `leo`.
    pub fn follower_copied(&mut self, b: u32, leo: u64) {
        let epoch = self.epoch_at(leo);
        if let Some(r) = self.replica_mut(b) {
            if leo > r.leo {
                r.leo = leo;
                r.last_epoch = epoch;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_watermark_is_the_smallest_isr_log_end_and_never_moves_back() {
        let mut p = PartitionReplicas::new(&[0, 1, 2], 2);
        assert_eq!(p.leader_appended(10), None, "followers have nothing yet");
        assert_eq!(p.follower_fetched(1, 10, 10, 5), (false, None));
        assert_eq!(p.follower_fetched(2, 6, 10, 5), (false, Some(6)));
        assert_eq!(p.follower_fetched(2, 10, 10, 6), (false, Some(10)));
        // Dropping a follower from the ISR never lowers it.
        p.isr &= !bit(2);
        assert_eq!(p.maybe_increment_hw(), None);
        assert_eq!(p.hw, 10);
    }

    #[test]
    fn a_follower_that_stops_catching_up_leaves_the_isr_after_the_lag_time_and_returns_at_the_hw() {
        let mut p = PartitionReplicas::new(&[0, 1, 2], 2);
        p.leader_appended(5);
        p.follower_fetched(1, 5, 5, 100);
        p.follower_fetched(2, 5, 5, 100);
        p.leader_appended(9);
        p.follower_fetched(1, 9, 9, 200);
        // Broker 2 stays at 5: within 30 s it stays in, after it is out.
        assert_eq!(p.shrink_isr(9, 30_100, 30_000).0, 0);
        let (out, hw) = p.shrink_isr(9, 30_101, 30_000);
        assert_eq!(out, bit(2));
        assert_eq!(hw, Some(9), "without the laggard the HW catches up");
        // A caught-up follower is never out of sync, however long ago it last fetched.
        assert_eq!(p.shrink_isr(9, 99_999, 30_000).0, 0);
        let (expanded, _) = p.follower_fetched(2, 8, 9, 31_000);
        assert!(!expanded, "below the HW it stays out");
        let (expanded, _) = p.follower_fetched(2, 9, 9, 31_001);
        assert!(expanded && p.in_isr(2));
    }

    /// `Partition.maybeIncrementLeaderHW` reads `Replica.stateSnapshot.logEndOffset`, which
    /// only a fetch updates: records a follower received move the HW once it fetches again.
    #[test]
    fn the_hw_moves_on_a_followers_next_fetch_not_when_it_receives_the_records() {
        let mut p = PartitionReplicas::new(&[0, 1], 1);
        p.leader_appended(10);
        assert_eq!(p.follower_fetched(1, 0, 10, 1).1, None);
        p.follower_copied(1, 10); // the answer with [0, 10) reached broker 1
        assert_eq!(p.leader_appended(12), None, "the leader does not know yet");
        assert_eq!(p.hw, 0);
        assert_eq!(p.follower_fetched(1, 10, 12, 1_000).1, Some(10));
    }

    /// A new leader knows no follower's log end until it fetches (`resetReplicaState`), and a
    /// follower rejoins only from the new epoch's start on (`isFollowerInSync`).
    #[test]
    fn a_new_leader_waits_for_its_followers_fetches_and_the_epoch_start() {
        let mut p = PartitionReplicas::new(&[0, 1, 2], 1);
        p.leader_appended(10);
        p.follower_copied(1, 10);
        p.follower_fetched(1, 10, 10, 1);
        p.follower_copied(2, 6);
        p.follower_fetched(2, 6, 10, 1);
        assert_eq!(p.hw, 6);
        p.isr = bit(0) | bit(1);
        p.make_leader(1, 1, 2); // broker 0 gone; broker 1 leads epoch 1 from offset 10
        p.isr = bit(1) | bit(2);
        assert_eq!(
            p.leader_appended(11),
            None,
            "broker 2 has not fetched from the new leader"
        );
        let (expanded, hw) = p.follower_fetched(2, 6, 11, 3);
        assert_eq!((expanded, hw), (false, None), "in the ISR, still at 6");
        p.isr = bit(1);
        let (expanded, _) = p.follower_fetched(2, 9, 11, 4);
        assert!(!expanded, "past the HW but before the epoch start (10)");
        let (expanded, _) = p.follower_fetched(2, 11, 11, 5);
        assert!(expanded);
    }

    #[test]
    fn min_insync_replicas_counts_the_isr() {
        let mut p = PartitionReplicas::new(&[0, 1, 2], 2);
        assert!(p.enough_replicas());
        p.isr = bit(0);
        assert!(!p.enough_replicas());
    }

    #[test]
    fn an_old_leader_truncates_what_only_it_had_when_it_rejoins() {
        let mut p = PartitionReplicas::new(&[0, 1], 1);
        p.leader_appended(10);
        p.follower_fetched(1, 7, 10, 1);
        p.follower_copied(1, 7);
        // Broker 0 dies; broker 1 leads epoch 1 from offset 7 and appends 3 more.
        let leo = p.make_leader(1, 1, 2);
        assert_eq!(leo, 7);
        p.leader_appended(10);
        assert_eq!(p.epoch_end_offset(0, 10), 7);
        // Broker 0 comes back with [7, 10) of epoch 0: they diverge and go.
        assert_eq!(p.truncate_follower(0, 10), Some((7, 10)));
        assert_eq!(p.replica(0).unwrap().leo, 7);
        assert_eq!(
            p.truncate_follower(0, 10),
            None,
            "a second look finds nothing"
        );
    }

    #[test]
    fn a_follower_that_is_only_behind_truncates_nothing() {
        let mut p = PartitionReplicas::new(&[0, 1, 2], 1);
        p.leader_appended(10);
        p.follower_copied(1, 4);
        assert_eq!(p.truncate_follower(1, 10), None);
    }
}
