//! Connected producers and consumers, learned from HEART_BEAT (reference §3.8).
//!
//! Concurrency: two `RwLock`ed maps (consumer groups, producer groups), held only for map
//! work. A connection's entries go when it unregisters, closes, or stays silent for the
//! channel expiry time (120 s).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use cometmq_remoting::body::client::{
    ConsumeFromWhere, ConsumeType, ConsumerData, MessageModel, SubscriptionData,
};
use cometmq_remoting::code::LanguageCode;
use cometmq_remoting::transport::Connection;
use parking_lot::{Mutex, RwLock};

/// A connected client of a group.
#[derive(Debug, Clone)]
pub struct ClientChannel {
    /// The connection.
    pub conn: Connection,
    /// `ip@instance`.
    pub client_id: String,
    /// The client's language.
    pub language: LanguageCode,
    /// The client's MQVersion.
    pub version: i32,
    /// Last heartbeat.
    pub last_update: Instant,
}

/// What the broker knows about one consumer group.
#[derive(Debug, Clone)]
pub struct ConsumerGroupInfo {
    /// Push or pull.
    pub consume_type: ConsumeType,
    /// Clustering or broadcasting.
    pub message_model: MessageModel,
    /// Where new consumers start.
    pub consume_from_where: ConsumeFromWhere,
    /// Topic → subscription.
    pub subscriptions: BTreeMap<String, SubscriptionData>,
    /// Connection id → channel.
    pub channels: HashMap<u64, ClientChannel>,
}

/// The registry of connected clients.
#[derive(Default)]
pub struct ClientRegistry {
    consumers: RwLock<HashMap<String, ConsumerGroupInfo>>,
    producers: RwLock<HashMap<String, HashMap<u64, ClientChannel>>>,
    /// Connections whose close is already being watched.
    watched: Mutex<HashSet<u64>>,
}

impl ClientRegistry {
    /// Registers (or refreshes) a consumer; true when the group's membership changed.
    pub fn register_consumer(&self, data: &ConsumerData, channel: ClientChannel) -> bool {
        let mut groups = self.consumers.write();
        let info = groups
            .entry(data.group_name.clone())
            .or_insert_with(|| ConsumerGroupInfo {
                consume_type: data.consume_type,
                message_model: data.message_model,
                consume_from_where: data.consume_from_where,
                subscriptions: BTreeMap::new(),
                channels: HashMap::new(),
            });
        info.consume_type = data.consume_type;
        info.message_model = data.message_model;
        info.consume_from_where = data.consume_from_where;
        let changed = match info.channels.get(&channel.conn.id()) {
            Some(old) => old.client_id != channel.client_id,
            None => true,
        };
        info.channels.insert(channel.conn.id(), channel);
        // The subscription set is replaced by the latest heartbeat's, keeping the newer
        // version of an unchanged expression.
        let mut subs = BTreeMap::new();
        for s in &data.subscription_data_set {
            let mut s = s.clone();
            if s.expression_type.is_empty() {
                s.expression_type = "TAG".to_string();
            }
            if let Some(old) = info.subscriptions.get(&s.topic) {
                if old.sub_string == s.sub_string && old.sub_version > s.sub_version {
                    s.sub_version = old.sub_version;
                }
            }
            subs.insert(s.topic.clone(), s);
        }
        info.subscriptions = subs;
        changed
    }

    /// Removes a consumer connection from a group; true when it was a member.
    pub fn unregister_consumer(&self, group: &str, conn_id: u64) -> bool {
        let mut groups = self.consumers.write();
        let Some(info) = groups.get_mut(group) else {
            return false;
        };
        let removed = info.channels.remove(&conn_id).is_some();
        if info.channels.is_empty() {
            groups.remove(group);
        }
        removed
    }

    /// Registers (or refreshes) a producer.
    pub fn register_producer(&self, group: &str, channel: ClientChannel) {
        self.producers
            .write()
            .entry(group.to_string())
            .or_default()
            .insert(channel.conn.id(), channel);
    }

    /// The connection of producer client `client_id`, in any group (Java
    /// `ProducerManager.findChannel`): where a reply to its request goes.
    pub fn find_producer(&self, client_id: &str) -> Option<Connection> {
        self.producers
            .read()
            .values()
            .flat_map(|chans| chans.values())
            .find(|c| c.client_id == client_id)
            .map(|c| c.conn.clone())
    }

    /// Removes a producer connection from a group.
    pub fn unregister_producer(&self, group: &str, conn_id: u64) {
        let mut groups = self.producers.write();
        if let Some(chans) = groups.get_mut(group) {
            chans.remove(&conn_id);
            if chans.is_empty() {
                groups.remove(group);
            }
        }
    }

    /// True the first time a connection is seen: the caller then watches for its close.
    pub fn watch_once(&self, conn_id: u64) -> bool {
        self.watched.lock().insert(conn_id)
    }

    /// Drops every entry of a closed connection; returns the consumer groups it left.
    pub fn remove_connection(&self, conn_id: u64) -> Vec<String> {
        self.watched.lock().remove(&conn_id);
        let mut left = Vec::new();
        {
            let mut groups = self.consumers.write();
            for (name, info) in groups.iter_mut() {
                if info.channels.remove(&conn_id).is_some() {
                    left.push(name.clone());
                }
            }
            groups.retain(|_, info| !info.channels.is_empty());
        }
        let mut producers = self.producers.write();
        for chans in producers.values_mut() {
            chans.remove(&conn_id);
        }
        producers.retain(|_, c| !c.is_empty());
        left
    }

    /// Connections not heard from within `timeout`: removed from every group and returned,
    /// so the caller closes them and notifies the groups.
    pub fn expire(&self, timeout: Duration) -> Vec<Connection> {
        let now = Instant::now();
        let mut dead: HashMap<u64, Connection> = HashMap::new();
        for info in self.consumers.read().values() {
            for (id, ch) in &info.channels {
                if now.duration_since(ch.last_update) > timeout {
                    dead.insert(*id, ch.conn.clone());
                }
            }
        }
        for chans in self.producers.read().values() {
            for (id, ch) in chans {
                if now.duration_since(ch.last_update) > timeout {
                    dead.insert(*id, ch.conn.clone());
                }
            }
        }
        dead.into_values().collect()
    }

    /// A consumer group's state.
    pub fn consumer_group(&self, group: &str) -> Option<ConsumerGroupInfo> {
        self.consumers.read().get(group).cloned()
    }

    /// A group's subscription to `topic`.
    pub fn subscription(&self, group: &str, topic: &str) -> Option<SubscriptionData> {
        self.consumers
            .read()
            .get(group)
            .and_then(|g| g.subscriptions.get(topic).cloned())
    }

    /// The client ids of a consumer group, sorted (GET_CONSUMER_LIST_BY_GROUP).
    pub fn consumer_ids(&self, group: &str) -> Vec<String> {
        let mut ids: Vec<String> = self
            .consumers
            .read()
            .get(group)
            .map(|g| g.channels.values().map(|c| c.client_id.clone()).collect())
            .unwrap_or_default();
        ids.sort();
        ids.dedup();
        ids
    }

    /// The connections of a consumer group.
    pub fn consumer_connections(&self, group: &str) -> Vec<Connection> {
        self.consumers
            .read()
            .get(group)
            .map(|g| g.channels.values().map(|c| c.conn.clone()).collect())
            .unwrap_or_default()
    }

    /// The channels of a producer group.
    pub fn producer_channels(&self, group: &str) -> Vec<ClientChannel> {
        self.producers
            .read()
            .get(group)
            .map(|c| c.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Every producer group with its connections (GET_ALL_PRODUCER_INFO).
    pub fn producer_table(&self) -> Vec<(String, Vec<ClientChannel>)> {
        self.producers
            .read()
            .iter()
            .map(|(group, chans)| (group.clone(), chans.values().cloned().collect()))
            .collect()
    }

    /// Consumer groups subscribed to `topic`.
    pub fn groups_subscribed_to(&self, topic: &str) -> Vec<String> {
        self.consumers
            .read()
            .iter()
            .filter(|(_, g)| g.subscriptions.contains_key(topic))
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Every consumer group name.
    pub fn consumer_groups(&self) -> Vec<String> {
        self.consumers.read().keys().cloned().collect()
    }
}
