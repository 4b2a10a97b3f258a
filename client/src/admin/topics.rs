//! Topics: updateTopic, deleteTopic, topicList, topicRoute, topicStatus, topicClusterList,
//! updateOrderConf.

use std::collections::{BTreeMap, BTreeSet};

use cometmq_remoting::body::client::GroupList;
use cometmq_remoting::body::TopicStatsTable;
use cometmq_remoting::body::{TopicConfig, TopicList};
use cometmq_remoting::code::request;
use cometmq_remoting::header::{
    CreateTopicRequestHeader, DeleteTopicFromNamesrvRequestHeader, DeleteTopicRequestHeader,
    GetTopicStatsInfoRequestHeader, QueryTopicConsumeByWhoRequestHeader,
};
use cometmq_remoting::RemotingCommand;
use serde::Serialize;

use super::{decode, route_masters, Admin, BrokerTarget};
use crate::error::{ClientError, Result};
use crate::message::MessageQueue;

/// The KV namespace of ordered-topic layouts (`brokerName:queueNums;…` per topic).
pub const ORDER_TOPIC_CONFIG: &str = "ORDER_TOPIC_CONFIG";

/// The template topic new topics are created from.
pub const DEFAULT_TOPIC: &str = "TBW102";

/// One row of `topicList -c`: a topic, a cluster serving it, and one group consuming it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicGroupRow {
    /// The cluster.
    pub cluster: String,
    /// The topic.
    pub topic: String,
    /// A consumer group of the topic (empty if none).
    pub consumer_group: String,
}

/// One queue of `topicStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicQueueStatus {
    /// The queue.
    pub queue: MessageQueue,
    /// First offset still stored.
    pub min_offset: i64,
    /// One past the last message.
    pub max_offset: i64,
    /// Store time of the last message, ms (0 when empty).
    pub last_update_timestamp: i64,
}

impl Admin {
    /// Creates or updates `config` on the brokers of `target` (UPDATE_AND_CREATE_TOPIC); an
    /// ordered topic also gets its ORDER_TOPIC_CONFIG entry on the NameServers. Returns the
    /// addresses updated.
    pub async fn create_topic(
        &self,
        target: &BrokerTarget,
        config: &TopicConfig,
    ) -> Result<Vec<String>> {
        if config.topic_name.trim().is_empty() {
            return Err(ClientError::invalid("topic", "the topic name is empty"));
        }
        let attributes = (!config.attributes.is_empty()).then(|| {
            config
                .attributes
                .iter()
                .map(|(k, v)| format!("+{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        });
        let header = CreateTopicRequestHeader {
            topic: config.topic_name.clone(),
            default_topic: DEFAULT_TOPIC.into(),
            read_queue_nums: config.read_queue_nums,
            write_queue_nums: config.write_queue_nums,
            perm: config.perm,
            topic_filter_type: config.topic_filter_type,
            topic_sys_flag: Some(config.topic_sys_flag),
            order: config.order,
            attributes,
            force: None,
        };
        let addrs = self.target_addrs(target).await?;
        for addr in &addrs {
            let req =
                RemotingCommand::request_with_header(request::UPDATE_AND_CREATE_TOPIC, &header);
            self.call(addr, req).await?;
        }
        if config.order {
            let mut names = Vec::new();
            for addr in &addrs {
                names.push(self.broker_name_of(addr).await?);
            }
            let conf = names
                .iter()
                .map(|n| format!("{n}:{}", config.write_queue_nums))
                .collect::<Vec<_>>()
                .join(";");
            self.put_kv_config(ORDER_TOPIC_CONFIG, &config.topic_name, &conf)
                .await?;
        }
        Ok(addrs)
    }

    /// Deletes `topic` from the masters of `cluster` (DELETE_TOPIC_IN_BROKER) and from every
    /// NameServer (DELETE_TOPIC_IN_NAMESRV).
    pub async fn delete_topic(&self, topic: &str, cluster: &str) -> Result<()> {
        let header = DeleteTopicRequestHeader {
            topic: topic.to_owned(),
        };
        for (_, addr) in self.cluster_masters(cluster).await? {
            let req =
                RemotingCommand::request_with_header(request::DELETE_TOPIC_IN_BROKER, &header);
            self.call(&addr, req).await?;
        }
        let header = DeleteTopicFromNamesrvRequestHeader {
            topic: topic.to_owned(),
            cluster_name: Some(cluster.to_owned()),
        };
        let req = RemotingCommand::request_with_header(request::DELETE_TOPIC_IN_NAMESRV, &header);
        self.each_namesrv(req).await?;
        Ok(())
    }

    /// Every topic the NameServer knows (GET_ALL_TOPIC_LIST_FROM_NAMESERVER).
    pub async fn topic_list(&self) -> Result<BTreeSet<String>> {
        let code = request::GET_ALL_TOPIC_LIST_FROM_NAMESERVER;
        let (addr, resp) = self.namesrv_call(RemotingCommand::request(code)).await?;
        let list: TopicList = decode(code, &addr, &resp)?;
        Ok(list.topic_list)
    }

    /// `topicList -c`: for every topic except retry and dead-letter topics, the clusters
    /// serving it and the groups consuming it (QUERY_TOPIC_CONSUME_BY_WHO).
    pub async fn topic_list_with_groups(&self) -> Result<Vec<TopicGroupRow>> {
        let mut rows = Vec::new();
        for topic in self.topic_list().await? {
            if topic.starts_with(super::RETRY_GROUP_TOPIC_PREFIX)
                || topic.starts_with(super::DLQ_GROUP_TOPIC_PREFIX)
            {
                continue;
            }
            let Ok(route) = self.topic_route(&topic).await else {
                continue;
            };
            let clusters: BTreeSet<String> = route
                .broker_datas
                .iter()
                .map(|b| b.cluster.clone())
                .collect();
            let groups = self.topic_consumed_by(&topic).await.unwrap_or_default();
            for cluster in clusters {
                if groups.is_empty() {
                    rows.push(TopicGroupRow {
                        cluster: cluster.clone(),
                        topic: topic.clone(),
                        consumer_group: String::new(),
                    });
                }
                for g in &groups {
                    rows.push(TopicGroupRow {
                        cluster: cluster.clone(),
                        topic: topic.clone(),
                        consumer_group: g.clone(),
                    });
                }
            }
        }
        Ok(rows)
    }

    /// The groups that consume `topic`, asked of the masters serving it
    /// (QUERY_TOPIC_CONSUME_BY_WHO).
    pub async fn topic_consumed_by(&self, topic: &str) -> Result<BTreeSet<String>> {
        let route = self.topic_route(topic).await?;
        let header = QueryTopicConsumeByWhoRequestHeader {
            topic: topic.to_owned(),
        };
        let code = request::QUERY_TOPIC_CONSUME_BY_WHO;
        let mut groups = BTreeSet::new();
        for (_, addr) in route_masters(&route) {
            let resp = self
                .call(&addr, RemotingCommand::request_with_header(code, &header))
                .await?;
            let list: GroupList = decode(code, &addr, &resp)?;
            groups.extend(list.group_list);
        }
        Ok(groups)
    }

    /// `topicStatus`: every queue's min and max offsets and last store time, from each
    /// master serving `topic` (GET_TOPIC_STATS_INFO), sorted by queue.
    pub async fn topic_status(&self, topic: &str) -> Result<Vec<TopicQueueStatus>> {
        let route = self.topic_route(topic).await?;
        let header = GetTopicStatsInfoRequestHeader {
            topic: topic.to_owned(),
        };
        let code = request::GET_TOPIC_STATS_INFO;
        let mut table = BTreeMap::new();
        for (_, addr) in route_masters(&route) {
            let resp = self
                .call(&addr, RemotingCommand::request_with_header(code, &header))
                .await?;
            let stats: TopicStatsTable = decode(code, &addr, &resp)?;
            table.extend(stats.offset_table);
        }
        Ok(table
            .into_iter()
            .map(|(queue, o)| TopicQueueStatus {
                queue,
                min_offset: o.min_offset,
                max_offset: o.max_offset,
                last_update_timestamp: o.last_update_timestamp,
            })
            .collect())
    }

    /// `topicClusterList`: the clusters whose brokers serve `topic`.
    pub async fn topic_cluster_list(&self, topic: &str) -> Result<BTreeSet<String>> {
        let route = self.topic_route(topic).await?;
        let info = self.cluster_info().await?;
        Ok(route
            .broker_datas
            .iter()
            .filter_map(|bd| {
                info.cluster_addr_table
                    .iter()
                    .find(|(_, names)| names.contains(&bd.broker_name))
                    .map(|(c, _)| c.clone())
            })
            .collect())
    }

    /// `updateOrderConf -m get`: `topic`'s ordered layout (`brokerName:queueNums;…`), if any.
    pub async fn order_conf(&self, topic: &str) -> Result<Option<String>> {
        self.get_kv_config(ORDER_TOPIC_CONFIG, topic).await
    }

    /// `updateOrderConf -m put`: sets `topic`'s ordered layout on every NameServer.
    pub async fn put_order_conf(&self, topic: &str, conf: &str) -> Result<()> {
        if !valid_order_conf(conf) {
            return Err(ClientError::invalid(
                "orderConf",
                format!("{conf:?} is not brokerName:queueNums;…"),
            ));
        }
        self.put_kv_config(ORDER_TOPIC_CONFIG, topic, conf).await
    }

    /// `updateOrderConf -m delete`: removes `topic`'s ordered layout from every NameServer.
    pub async fn delete_order_conf(&self, topic: &str) -> Result<()> {
        self.delete_kv_config(ORDER_TOPIC_CONFIG, topic).await
    }
}

/// Whether `conf` is an ORDER_TOPIC_CONFIG value: `brokerName:queueNums` pairs joined by `;`.
pub fn valid_order_conf(conf: &str) -> bool {
    !conf.trim().is_empty()
        && conf.split(';').all(|item| {
            item.split_once(':')
                .is_some_and(|(b, n)| !b.trim().is_empty() && n.trim().parse::<u32>().is_ok())
        })
}

#[cfg(test)]
mod tests {
    use super::valid_order_conf;

    #[test]
    fn order_conf_syntax() {
        assert!(valid_order_conf("broker-a:4"));
        assert!(valid_order_conf("broker-a:4;broker-b:8"));
        for bad in ["", "broker-a", "broker-a:x", ":4", "broker-a:4;", "a:-1"] {
            assert!(!valid_order_conf(bad), "{bad:?}");
        }
    }
}
