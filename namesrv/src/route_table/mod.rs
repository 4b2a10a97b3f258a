//! [`RouteTable`]: the registry of brokers and topic queues (reference §12).
//!
//! One owner: all tables sit behind a single `RwLock`, held only for map operations (never
//! across an `.await`, never while encoding JSON). Route queries take the read lock and copy
//! out what they need, so they run concurrently with each other and wait for a registration
//! only for the few microseconds it holds the write lock.
//!
//! Registration, unregistration, expiry and channel close are in this file; queries and the
//! admin operations on topics are in `query`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use cometmq_remoting::body::{BrokerData, DataVersion, QueueData, TopicConfig, MASTER_ID};
use parking_lot::RwLock;

mod query;
#[cfg(test)]
mod tests;

pub use query::UnitFilter;

/// A broker as its live entry is keyed: the same address may serve two clusters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BrokerAddr {
    /// Cluster name.
    pub cluster: String,
    /// `ip:port`.
    pub addr: String,
}

/// A live broker: when it was last heard from and what it registered.
#[derive(Debug, Clone)]
struct LiveBroker {
    broker_name: String,
    last_update: Instant,
    timeout: Duration,
    data_version: DataVersion,
    ha_server_addr: String,
    /// The connection it registered on, so a closed channel drops it at once.
    conn_id: Option<u64>,
}

/// One REGISTER_BROKER request, decoded.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    /// Cluster name.
    pub cluster: String,
    /// `brokerIP1:listenPort`.
    pub broker_addr: String,
    /// Broker group name.
    pub broker_name: String,
    /// 0 for the master.
    pub broker_id: i64,
    /// `brokerIP2:haPort`.
    pub ha_server_addr: String,
    /// 5.x zone.
    pub zone_name: Option<String>,
    /// 5.x acting-master mode.
    pub enable_acting_master: bool,
    /// Drop the broker if not heard from for this long.
    pub timeout: Duration,
    /// The version of `topics`.
    pub data_version: DataVersion,
    /// The broker's topic table.
    pub topics: BTreeMap<String, TopicConfig>,
    /// Filter server addresses.
    pub filter_servers: Vec<String>,
    /// The connection it arrived on.
    pub conn_id: Option<u64>,
}

/// What a registering slave learns: its live master (both `None` for masters, or when the
/// master is not registered).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterResult {
    /// The master's address.
    pub master_addr: Option<String>,
    /// The master's HA address.
    pub ha_server_addr: Option<String>,
}

#[derive(Debug, Default)]
struct Tables {
    /// Topic → broker name → queues.
    topics: HashMap<String, BTreeMap<String, QueueData>>,
    /// Broker name → group.
    brokers: HashMap<String, BrokerData>,
    /// Cluster → broker names.
    clusters: HashMap<String, BTreeSet<String>>,
    live: HashMap<BrokerAddr, LiveBroker>,
    /// Broker address → filter servers.
    filter_servers: HashMap<String, Vec<String>>,
}

/// The registry. Share it behind an `Arc`.
#[derive(Debug, Default)]
pub struct RouteTable {
    tables: RwLock<Tables>,
}

impl RouteTable {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or refreshes) a broker. A master's topics are (re)read only on its first
    /// registration or when its data version changed; the same address registering under a new
    /// id replaces the old id (a slave promoted to master).
    pub fn register(&self, reg: Registration, delete_missing_topics: bool) -> RegisterResult {
        let key = BrokerAddr {
            cluster: reg.cluster.clone(),
            addr: reg.broker_addr.clone(),
        };
        let mut t = self.tables.write();
        let t = &mut *t;
        let first = t.join_group(&reg);
        let changed =
            !matches!(t.live.get(&key), Some(prev) if prev.data_version == reg.data_version);
        if reg.broker_id == MASTER_ID && (first || changed) {
            t.load_topics(&reg, delete_missing_topics);
        }
        let prev = t.live.insert(
            key,
            LiveBroker {
                broker_name: reg.broker_name.clone(),
                last_update: Instant::now(),
                timeout: reg.timeout,
                data_version: reg.data_version,
                ha_server_addr: reg.ha_server_addr.clone(),
                conn_id: reg.conn_id,
            },
        );
        if prev.is_none() {
            tracing::info!(
                cluster = %reg.cluster, broker = %reg.broker_name, id = reg.broker_id,
                addr = %reg.broker_addr, ha = %reg.ha_server_addr, "new broker registered"
            );
        }
        if reg.filter_servers.is_empty() {
            t.filter_servers.remove(&reg.broker_addr);
        } else {
            t.filter_servers
                .insert(reg.broker_addr.clone(), reg.filter_servers.clone());
        }
        if reg.broker_id == MASTER_ID {
            RegisterResult::default()
        } else {
            t.live_master(&reg.cluster, &reg.broker_name)
        }
    }

    /// UNREGISTER_BROKER: drops the broker at once. Returns false if it was not registered.
    pub fn unregister(&self, cluster: &str, addr: &str, broker_name: &str) -> bool {
        let key = BrokerAddr {
            cluster: cluster.to_owned(),
            addr: addr.to_owned(),
        };
        let removed = drop_broker(&mut self.tables.write(), &key, broker_name);
        tracing::info!(%cluster, broker = %broker_name, %addr, removed, "broker unregistered");
        removed
    }

    /// Drops every broker that registered on connection `conn_id` (the channel closed).
    pub fn drop_connection(&self, conn_id: u64) -> Vec<BrokerAddr> {
        self.drop_where(|b| b.conn_id == Some(conn_id), "channel closed")
    }

    /// Drops every broker not heard from within its timeout. Returns them with the
    /// connections the caller should close (those no other live broker registered on).
    pub fn expire(&self, now: Instant) -> Vec<(BrokerAddr, Option<u64>)> {
        let expired = |b: &LiveBroker| now.saturating_duration_since(b.last_update) > b.timeout;
        // The common case, nothing expired, needs only the read lock.
        if !self.tables.read().live.values().any(expired) {
            return Vec::new();
        }
        let mut t = self.tables.write();
        let victims: Vec<(BrokerAddr, Option<u64>)> = t
            .live
            .iter()
            .filter(|(_, b)| expired(b))
            .map(|(k, b)| (k.clone(), b.conn_id))
            .collect();
        for (key, _) in &victims {
            if let Some(name) = t.live.get(key).map(|b| b.broker_name.clone()) {
                tracing::warn!(cluster = %key.cluster, addr = %key.addr, broker = %name, "broker expired; removing it");
                drop_broker(&mut t, key, &name);
            }
        }
        // A connection still carrying a live broker stays open.
        victims
            .into_iter()
            .map(|(key, conn)| {
                let shared = conn.is_some() && t.live.values().any(|b| b.conn_id == conn);
                (key, conn.filter(|_| !shared))
            })
            .collect()
    }

    /// QUERY_DATA_VERSION: whether `version` differs from the registered one, and the
    /// registered one. An unchanged version counts as a heartbeat.
    pub fn query_data_version(
        &self,
        cluster: &str,
        addr: &str,
        version: &DataVersion,
    ) -> (bool, Option<DataVersion>) {
        let key = BrokerAddr {
            cluster: cluster.to_owned(),
            addr: addr.to_owned(),
        };
        let mut t = self.tables.write();
        match t.live.get_mut(&key) {
            Some(live) if live.data_version == *version => {
                live.last_update = Instant::now();
                (false, Some(live.data_version))
            }
            Some(live) => (true, Some(live.data_version)),
            None => (true, None),
        }
    }

    /// BROKER_HEARTBEAT (5.x): refreshes a live broker. Returns false if it is not registered.
    pub fn touch(&self, cluster: &str, addr: &str) -> bool {
        let key = BrokerAddr {
            cluster: cluster.to_owned(),
            addr: addr.to_owned(),
        };
        match self.tables.write().live.get_mut(&key) {
            Some(live) => {
                live.last_update = Instant::now();
                true
            }
            None => false,
        }
    }

    fn drop_where(&self, pred: impl Fn(&LiveBroker) -> bool, why: &str) -> Vec<BrokerAddr> {
        let mut t = self.tables.write();
        let victims: Vec<(BrokerAddr, String)> = t
            .live
            .iter()
            .filter(|(_, b)| pred(b))
            .map(|(k, b)| (k.clone(), b.broker_name.clone()))
            .collect();
        for (key, name) in &victims {
            tracing::info!(cluster = %key.cluster, addr = %key.addr, broker = %name, "{why}; removing broker");
            drop_broker(&mut t, key, name);
        }
        victims.into_iter().map(|(k, _)| k).collect()
    }
}

impl Tables {
    /// Adds the broker to its cluster and group (replacing another id on the same address).
    /// Returns true when its id is new in the group: its topics must be read.
    fn join_group(&mut self, reg: &Registration) -> bool {
        self.clusters
            .entry(reg.cluster.clone())
            .or_default()
            .insert(reg.broker_name.clone());
        let group = self
            .brokers
            .entry(reg.broker_name.clone())
            .or_insert_with(|| BrokerData {
                broker_name: reg.broker_name.clone(),
                cluster: reg.cluster.clone(),
                ..Default::default()
            });
        group.enable_acting_master = reg.enable_acting_master;
        if reg.zone_name.is_some() {
            group.zone_name.clone_from(&reg.zone_name);
        }
        group
            .broker_addrs
            .retain(|id, addr| *id == reg.broker_id || *addr != reg.broker_addr);
        group
            .broker_addrs
            .insert(reg.broker_id, reg.broker_addr.clone())
            .is_none()
    }

    /// Takes the queues of a master's topics (optionally forgetting the topics it dropped).
    fn load_topics(&mut self, reg: &Registration, delete_missing: bool) {
        if delete_missing {
            remove_queues_where(&mut self.topics, &reg.broker_name, |topic| {
                !reg.topics.contains_key(topic)
            });
        }
        for topic in reg.topics.values() {
            self.topics
                .entry(topic.topic_name.clone())
                .or_default()
                .insert(reg.broker_name.clone(), queue_data(&reg.broker_name, topic));
        }
    }

    /// The group's master and its HA address, if the master is registered and live.
    fn live_master(&self, cluster: &str, broker_name: &str) -> RegisterResult {
        let Some(addr) = self
            .brokers
            .get(broker_name)
            .and_then(BrokerData::master_addr)
        else {
            return RegisterResult::default();
        };
        let key = BrokerAddr {
            cluster: cluster.to_owned(),
            addr: addr.to_owned(),
        };
        match self.live.get(&key) {
            Some(live) => RegisterResult {
                master_addr: Some(addr.to_owned()),
                ha_server_addr: Some(live.ha_server_addr.clone()),
            },
            None => RegisterResult::default(),
        }
    }
}

fn queue_data(broker_name: &str, topic: &TopicConfig) -> QueueData {
    QueueData {
        broker_name: broker_name.to_owned(),
        perm: topic.perm,
        read_queue_nums: topic.read_queue_nums,
        topic_sys_flag: topic.topic_sys_flag,
        write_queue_nums: topic.write_queue_nums,
    }
}

/// Removes a broker: its live entry, its filter servers and its address in its group. When
/// the group has no address left, the group, its cluster membership and its queues go too
/// (topics left without queues disappear).
fn drop_broker(t: &mut Tables, key: &BrokerAddr, broker_name: &str) -> bool {
    let was_live = t.live.remove(key).is_some();
    t.filter_servers.remove(&key.addr);
    let Some(group) = t.brokers.get_mut(broker_name) else {
        return was_live;
    };
    let before = group.broker_addrs.len();
    group.broker_addrs.retain(|_, addr| *addr != key.addr);
    let removed_addr = group.broker_addrs.len() != before;
    if group.broker_addrs.is_empty() {
        let cluster = group.cluster.clone();
        t.brokers.remove(broker_name);
        for name in [&cluster, &key.cluster] {
            if let Some(names) = t.clusters.get_mut(name) {
                names.remove(broker_name);
                if names.is_empty() {
                    t.clusters.remove(name);
                }
            }
        }
        remove_queues_where(&mut t.topics, broker_name, |_| true);
    }
    was_live || removed_addr
}

/// Removes `broker_name`'s queues from the topics `pred` selects; empty topics disappear.
fn remove_queues_where(
    topics: &mut HashMap<String, BTreeMap<String, QueueData>>,
    broker_name: &str,
    pred: impl Fn(&str) -> bool,
) {
    topics.retain(|topic, queues| {
        if pred(topic) {
            queues.remove(broker_name);
        }
        !queues.is_empty()
    });
}
