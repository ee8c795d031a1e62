//! A broker process: up, crashed or cut off from the network, and whether the KRaft
//! controller has fenced it (`BrokerHeartbeatManager`: no heartbeat for
//! `broker.session.timeout.ms`). Its replicas' state lives with each partition
//! ([`super::replica::PartitionReplicas`]); what a broker owns is derived from there.

/// What the broker process is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum BrokerState {
    /// Running and reachable.
    Up,
    /// The process is dead: connections are refused, its in-memory state (pending produce
    /// requests, parked fetches) is gone; its log stays on disk.
    Crashed,
    /// Running but cut off from everyone: requests to it time out.
    Isolated,
}

/// One broker.
#[derive(Clone, Debug)]
pub(crate) struct Broker {
    pub state: BrokerState,
    /// Fenced by the controller: no leaderships, out of every ISR.
    pub fenced: bool,
    /// Extra time each of its follower fetch round trips takes (`SlowFollower`).
    pub slow_ms: u64,
    /// Bumped on every crash, restart, isolation and heal: timers of an earlier
    /// incarnation (a session expiry, a fetch in flight) are stale no-ops.
    pub incarnation: u32,
}

impl Default for Broker {
    fn default() -> Self {
        Broker {
            state: BrokerState::Up,
            fenced: false,
            slow_ms: 0,
            incarnation: 0,
        }
    }
}

impl Broker {
    /// Whether clients and other brokers reach it.
    #[inline]
    pub fn reachable(&self) -> bool {
        self.state == BrokerState::Up
    }

    /// `CrashBroker`: refused unless the process runs.
    pub fn crash(&mut self) -> Result<(), &'static str> {
        if self.state == BrokerState::Crashed {
            return Err("is already crashed");
        }
        self.state = BrokerState::Crashed;
        self.incarnation += 1;
        Ok(())
    }

    /// `RestartBroker`: refused unless crashed. The restarted process registers with the
    /// controller at once and is unfenced (catching up metadata is instantaneous here).
    pub fn restart(&mut self) -> Result<(), &'static str> {
        if self.state != BrokerState::Crashed {
            return Err("is not crashed");
        }
        self.state = BrokerState::Up;
        self.fenced = false;
        self.incarnation += 1;
        Ok(())
    }

    /// `IsolateBroker`: refused unless up and connected.
    pub fn isolate(&mut self) -> Result<(), &'static str> {
        if self.state != BrokerState::Up {
            return Err("is not up and connected");
        }
        self.state = BrokerState::Isolated;
        self.incarnation += 1;
        Ok(())
    }

    /// `HealBroker`: refused unless isolated.
    pub fn heal(&mut self) -> Result<(), &'static str> {
        if self.state != BrokerState::Isolated {
            return Err("is not isolated");
        }
        self.state = BrokerState::Up;
        self.fenced = false;
        self.incarnation += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broker_moves_only_between_states_that_fit() {
        let mut b = Broker::default();
        assert!(b.reachable());
        assert!(b.restart().is_err() && b.heal().is_err());
        b.isolate().unwrap();
        assert!(!b.reachable() && b.isolate().is_err());
        b.fenced = true;
        b.heal().unwrap();
        assert!(b.reachable() && !b.fenced, "healing re-registers it");
        b.crash().unwrap();
        assert!(b.crash().is_err() && b.heal().is_err() && b.isolate().is_err());
        let inc = b.incarnation;
        b.restart().unwrap();
        assert!(b.reachable() && b.incarnation > inc);
    }
}
