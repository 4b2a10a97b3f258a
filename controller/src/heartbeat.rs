//! [`LiveBrokers`]: the brokers this controller heard from recently (Java's
//! `DefaultBrokerHeartbeatManager`). Not replicated: brokers heartbeat to every controller,
//! so each keeps its own table, and the leader decides liveness by its own.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Java's `DEFAULT_BROKER_CHANNEL_EXPIRED_TIME`: a heartbeat without its own timeout lasts 10 s.
pub const DEFAULT_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(10);

/// What the last heartbeat of a broker said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveInfo {
    /// Its address.
    pub addr: String,
    /// Its last epoch.
    pub epoch: i32,
    /// Its CommitLog max offset.
    pub max_offset: i64,
    /// Its confirm offset.
    pub confirm_offset: i64,
    /// Lower wins ties at elections.
    pub election_priority: i32,
    last_seen: Instant,
    timeout: Duration,
}

/// The heartbeat of one broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat {
    /// Cluster name.
    pub cluster: String,
    /// Broker name.
    pub broker_name: String,
    /// Broker id.
    pub broker_id: i64,
    /// Address.
    pub addr: String,
    /// Epoch.
    pub epoch: i32,
    /// CommitLog max offset.
    pub max_offset: i64,
    /// Confirm offset.
    pub confirm_offset: i64,
    /// Election priority.
    pub election_priority: i32,
    /// How long it stays alive without another.
    pub timeout: Duration,
}

type Key = (String, String, i64);

/// Brokers alive by their heartbeats, keyed by (cluster, broker name, broker id).
#[derive(Debug, Default)]
pub struct LiveBrokers {
    table: Mutex<HashMap<Key, LiveInfo>>,
}

impl LiveBrokers {
    /// Records a heartbeat.
    pub fn beat(&self, hb: Heartbeat) {
        let info = LiveInfo {
            addr: hb.addr,
            epoch: hb.epoch,
            max_offset: hb.max_offset,
            confirm_offset: hb.confirm_offset,
            election_priority: hb.election_priority,
            last_seen: Instant::now(),
            timeout: hb.timeout,
        };
        self.table
            .lock()
            .insert((hb.cluster, hb.broker_name, hb.broker_id), info);
    }

    /// The last heartbeat of a broker, if it is still alive.
    pub fn get(&self, cluster: &str, broker_name: &str, broker_id: i64) -> Option<LiveInfo> {
        let table = self.table.lock();
        let info = table.get(&(cluster.to_owned(), broker_name.to_owned(), broker_id))?;
        (info.last_seen.elapsed() <= info.timeout).then(|| info.clone())
    }

    /// True when the broker's last heartbeat has not expired.
    pub fn is_alive(&self, cluster: &str, broker_name: &str, broker_id: i64) -> bool {
        self.get(cluster, broker_name, broker_id).is_some()
    }

    /// Drops expired brokers and returns them (Java's `scanNotActiveBroker`).
    pub fn expire(&self) -> Vec<(String, String, i64)> {
        let mut gone = Vec::new();
        self.table.lock().retain(|k, info| {
            let alive = info.last_seen.elapsed() <= info.timeout;
            if !alive {
                gone.push(k.clone());
            }
            alive
        });
        gone
    }

    /// Forgets a broker at once (its group's data was cleaned).
    pub fn remove(&self, cluster: &str, broker_name: &str, broker_id: i64) {
        self.table
            .lock()
            .remove(&(cluster.to_owned(), broker_name.to_owned(), broker_id));
    }
}
