//! Reads of the registry (routes, cluster info, topic lists) and the admin operations on
//! topics (delete, write permission). Each copies what it needs under the lock and returns
//! plain body values; encoding happens after the lock is released.

use std::collections::BTreeSet;

use cometmq_remoting::body::{
    perm, topic_sys_flag, BrokerData, BrokerMemberGroup, ClusterInfo, QueueData, TopicList,
    TopicRouteData,
};

use super::RouteTable;

/// Which topics a unit-topic listing selects, by `topicSysFlag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitFilter {
    /// GET_UNIT_TOPIC_LIST: unit topics.
    Unit,
    /// GET_HAS_UNIT_SUB_TOPIC_LIST: topics with unit subscriptions.
    HasUnitSub,
    /// GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST: non-unit topics with unit subscriptions.
    HasUnitSubNonUnit,
}

impl UnitFilter {
    fn matches(self, flag: i32) -> bool {
        let unit = flag & topic_sys_flag::UNIT != 0;
        let unit_sub = flag & topic_sys_flag::UNIT_SUB != 0;
        match self {
            UnitFilter::Unit => unit,
            UnitFilter::HasUnitSub => unit_sub,
            UnitFilter::HasUnitSubNonUnit => !unit && unit_sub,
        }
    }
}

impl RouteTable {
    /// The route of `topic`, or `None` when no broker serves it.
    pub fn route(&self, topic: &str) -> Option<TopicRouteData> {
        let t = self.tables.read();
        let queues = t.topics.get(topic)?;
        let broker_datas: Vec<BrokerData> = queues
            .keys()
            .filter_map(|name| t.brokers.get(name).cloned())
            .collect();
        if broker_datas.is_empty() {
            return None;
        }
        let mut route = TopicRouteData {
            queue_datas: queues.values().cloned().collect(),
            ..Default::default()
        };
        for addr in broker_datas.iter().flat_map(|b| b.broker_addrs.values()) {
            if let Some(servers) = t.filter_servers.get(addr) {
                route
                    .filter_server_table
                    .insert(addr.clone(), servers.clone());
            }
        }
        route.broker_datas = broker_datas;
        Some(route)
    }

    /// Every broker group and cluster.
    pub fn cluster_info(&self) -> ClusterInfo {
        let t = self.tables.read();
        ClusterInfo {
            broker_addr_table: t
                .brokers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            cluster_addr_table: t
                .clusters
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// Every topic.
    pub fn all_topics(&self) -> TopicList {
        topic_list(self.tables.read().topics.keys().cloned())
    }

    /// The topics served by any broker of `cluster`.
    pub fn topics_of_cluster(&self, cluster: &str) -> TopicList {
        let t = self.tables.read();
        let Some(names) = t.clusters.get(cluster) else {
            return TopicList::default();
        };
        topic_list(
            t.topics
                .iter()
                .filter(|(_, queues)| queues.keys().any(|n| names.contains(n)))
                .map(|(topic, _)| topic.clone()),
        )
    }

    /// GET_SYSTEM_TOPIC_LIST_FROM_NS: cluster and broker names (each is a system topic), with
    /// the address of some broker.
    pub fn system_topics(&self) -> TopicList {
        let t = self.tables.read();
        let mut list = topic_list(
            t.clusters
                .iter()
                .flat_map(|(cluster, names)| std::iter::once(cluster).chain(names))
                .cloned(),
        );
        list.broker_addr = t
            .brokers
            .values()
            .find_map(|b| b.broker_addrs.values().next().cloned());
        list
    }

    /// GET_BROKER_MEMBER_GROUP: the registered brokers of one group (none when unknown).
    pub fn member_group(&self, cluster: &str, broker_name: &str) -> BrokerMemberGroup {
        BrokerMemberGroup {
            broker_addrs: self
                .tables
                .read()
                .brokers
                .get(broker_name)
                .map(|b| b.broker_addrs.clone())
                .unwrap_or_default(),
            broker_name: broker_name.to_string(),
            cluster: cluster.to_string(),
        }
    }

    /// REGISTER_TOPIC_IN_NAMESRV: adds (or replaces) the topic's queues on the named broker
    /// groups. Nothing changes when one names a group that is not registered (Java's
    /// `registerTopic`). Returns whether the queues were registered.
    pub fn register_topic(&self, topic: &str, queues: &[QueueData]) -> bool {
        let mut t = self.tables.write();
        if queues.is_empty()
            || queues
                .iter()
                .any(|q| !t.brokers.contains_key(&q.broker_name))
        {
            return false;
        }
        let entry = t.topics.entry(topic.to_string()).or_default();
        for q in queues {
            entry.insert(q.broker_name.clone(), q.clone());
        }
        true
    }

    /// The unit-topic listings.
    pub fn unit_topics(&self, filter: UnitFilter) -> TopicList {
        topic_list(
            self.tables
                .read()
                .topics
                .iter()
                .filter(|(_, queues)| queues.values().any(|q| filter.matches(q.topic_sys_flag)))
                .map(|(topic, _)| topic.clone()),
        )
    }

    /// DELETE_TOPIC_IN_NAMESRV: removes the topic, or with `cluster` only that cluster's
    /// queues of it. Returns whether anything was removed.
    pub fn delete_topic(&self, topic: &str, cluster: Option<&str>) -> bool {
        let mut t = self.tables.write();
        let t = &mut *t;
        let Some(cluster) = cluster else {
            return t.topics.remove(topic).is_some();
        };
        let (Some(names), Some(queues)) = (t.clusters.get(cluster), t.topics.get_mut(topic)) else {
            return false;
        };
        let before = queues.len();
        queues.retain(|name, _| !names.contains(name));
        let removed = queues.len() != before;
        if queues.is_empty() {
            t.topics.remove(topic);
        }
        removed
    }

    /// WIPE_WRITE_PERM_OF_BROKER (`wipe`) or ADD_WRITE_PERM_OF_BROKER: clears the WRITE bit of
    /// every queue set of `broker_name`, or sets them to READ|WRITE. Returns how many topics.
    /// Sticks until the master registers a changed data version.
    pub fn set_write_perm(&self, broker_name: &str, wipe: bool) -> i32 {
        let mut t = self.tables.write();
        let mut count = 0;
        for q in t
            .topics
            .values_mut()
            .filter_map(|queues| queues.get_mut(broker_name))
        {
            q.perm = if wipe {
                q.perm & !perm::WRITE
            } else {
                perm::READ | perm::WRITE
            };
            count += 1;
        }
        tracing::info!(broker = %broker_name, wipe, topics = count, "write permission changed");
        count
    }

    /// The queues `broker_name` serves for `topic` (for tests and tools).
    pub fn queue_data(&self, topic: &str, broker_name: &str) -> Option<QueueData> {
        self.tables
            .read()
            .topics
            .get(topic)?
            .get(broker_name)
            .cloned()
    }

    /// Number of live brokers.
    pub fn live_brokers(&self) -> usize {
        self.tables.read().live.len()
    }
}

fn topic_list(topics: impl Iterator<Item = String>) -> TopicList {
    TopicList {
        broker_addr: None,
        topic_list: topics.collect::<BTreeSet<_>>(),
    }
}
