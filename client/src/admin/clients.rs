//! Consumers and producers: consumerProgress, consumerStatus, consumerConnection,
//! producerConnection.

use std::collections::BTreeMap;

use cometmq_remoting::body::client::ConsumerRunningInfo;
use cometmq_remoting::body::{ConsumeStats, ConsumerConnection, ProducerConnection};
use cometmq_remoting::code::{request, response, version};
use cometmq_remoting::header::{
    GetConsumeStatsRequestHeader, GetConsumerConnectionListRequestHeader,
    GetConsumerRunningInfoRequestHeader, GetProducerConnectionListRequestHeader,
};
use cometmq_remoting::RemotingCommand;
use serde::Serialize;

use super::{decode, route_masters, Admin, BrokerTarget, RETRY_GROUP_TOPIC_PREFIX};
use crate::error::{ClientError, Result};
use crate::message::MessageQueue;

/// One queue of `consumerProgress`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueProgress {
    /// The queue.
    pub queue: MessageQueue,
    /// The queue's max offset.
    pub broker_offset: i64,
    /// The group's committed offset.
    pub consumer_offset: i64,
    /// `brokerOffset − consumerOffset`.
    pub diff: i64,
    /// Store time of the last consumed message, ms (0 if none).
    pub last_timestamp: i64,
    /// The client consuming the queue (`consumerProgress -s`), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
}

/// `consumerProgress -g`: a group's progress per queue, and in total.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerProgress {
    /// The group.
    pub group: String,
    /// The queues, sorted.
    pub queues: Vec<QueueProgress>,
    /// Messages consumed per second.
    pub consume_tps: f64,
    /// The sum of the queues' lag.
    pub diff_total: i64,
}

/// One group of `consumerProgress` without `-g`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupSummary {
    /// The group.
    pub group: String,
    /// Consumers online.
    pub count: usize,
    /// Version of the first online consumer (empty if none).
    pub version: String,
    /// `PUSH` or `PULL` (empty if none online).
    pub consume_type: String,
    /// `CLUSTERING` or `BROADCASTING` (empty if none online).
    pub message_model: String,
    /// Messages consumed per second.
    pub consume_tps: f64,
    /// Total lag.
    pub diff_total: i64,
}

/// One consumer of `consumerStatus`, with its running info if it answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientConsumeStatus {
    /// The client id.
    pub client_id: String,
    /// Its address as the broker sees it.
    pub client_addr: String,
    /// Its version.
    pub version: String,
    /// What it reported (GET_CONSUMER_RUNNING_INFO).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running_info: Option<ConsumerRunningInfo>,
    /// Why the running info is missing, if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A MQVersion ordinal as Java prints it (`V5_3_3`), for the versions CometMQ knows.
pub fn version_desc(v: i32) -> String {
    match v {
        version::V3_0_11 => "V3_0_11".into(),
        version::V3_4_9 => "V3_4_9".into(),
        version::V4_0_0 => "V4_0_0".into(),
        version::V4_5_2 => "V4_5_2".into(),
        version::V4_9_4 => "V4_9_4".into(),
        version::V5_0_0 => "V5_0_0".into(),
        version::V5_3_3 => "V5_3_3".into(),
        other => format!("#{other}"),
    }
}

fn not_online(group: &str) -> ClientError {
    ClientError::invalid(
        "group",
        format!("consumer group {group} not found or has no consumer online"),
    )
}

impl Admin {
    /// The masters that may know `group`: those of its retry topic, else all of them.
    async fn group_brokers(&self, group: &str) -> Result<Vec<(String, String)>> {
        self.masters_for(&format!("{RETRY_GROUP_TOPIC_PREFIX}{group}"))
            .await
    }

    /// `consumerProgress -g`: the group's lag per queue and in total (GET_CONSUME_STATS on
    /// every master that may know the group), for `topic` only if given. With
    /// `show_client_ip`, each queue names the consumer holding it. An unknown group or topic
    /// is an error.
    pub async fn consumer_progress(
        &self,
        group: &str,
        topic: Option<&str>,
        show_client_ip: bool,
    ) -> Result<ConsumerProgress> {
        let brokers = match topic {
            Some(t) => route_masters(&self.topic_route(t).await?),
            None => self.group_brokers(group).await?,
        };
        let header = GetConsumeStatsRequestHeader {
            consumer_group: group.to_owned(),
            topic: topic.map(str::to_owned),
            topic_list: None,
        };
        let code = request::GET_CONSUME_STATS;
        let mut stats = ConsumeStats::default();
        for (_, addr) in &brokers {
            let resp = self
                .call(addr, RemotingCommand::request_with_header(code, &header))
                .await?;
            let s: ConsumeStats = decode(code, addr, &resp)?;
            stats.consume_tps += s.consume_tps;
            stats.offset_table.extend(s.offset_table);
        }
        if stats.offset_table.is_empty() {
            let known = self
                .subscription_groups_everywhere()
                .await
                .is_ok_and(|groups| groups.contains_key(group));
            if !known {
                return Err(ClientError::invalid(
                    "group",
                    format!("consumer group {group} not found"),
                ));
            }
        }
        let owners = if show_client_ip {
            self.queue_owners(group).await
        } else {
            BTreeMap::new()
        };
        let queues: Vec<QueueProgress> = stats
            .offset_table
            .iter()
            .map(|(mq, o)| QueueProgress {
                queue: mq.clone(),
                broker_offset: o.broker_offset,
                consumer_offset: o.consumer_offset,
                diff: o.broker_offset - o.consumer_offset,
                last_timestamp: o.last_timestamp,
                client_ip: show_client_ip
                    .then(|| owners.get(mq).cloned().unwrap_or_else(|| "N/A".into())),
            })
            .collect();
        Ok(ConsumerProgress {
            group: group.to_owned(),
            diff_total: stats.total_diff(),
            consume_tps: stats.consume_tps,
            queues,
        })
    }

    /// Every subscription group of every master.
    async fn subscription_groups_everywhere(
        &self,
    ) -> Result<BTreeMap<String, cometmq_remoting::body::SubscriptionGroupConfig>> {
        let mut out = BTreeMap::new();
        for (_, addr) in self.all_masters().await? {
            out.extend(self.subscription_groups(&BrokerTarget::Addr(addr)).await?);
        }
        Ok(out)
    }

    /// Queue → client IP, from the running info of each online consumer (best effort).
    async fn queue_owners(&self, group: &str) -> BTreeMap<MessageQueue, String> {
        let mut owners = BTreeMap::new();
        let Ok(conn) = self.consumer_connection(group).await else {
            return owners;
        };
        for c in conn.connection_set {
            if let Ok(info) = self.consumer_running_info(group, &c.client_id, false).await {
                let ip = c.client_id.split('@').next().unwrap_or_default().to_owned();
                for mq in info.mq_table.into_keys() {
                    owners.insert(mq, ip.clone());
                }
            }
        }
        owners
    }

    /// `consumerProgress` without `-g`: every group that has a retry topic, with its online
    /// consumers and total lag. Groups whose stats cannot be read are skipped.
    pub async fn consumer_groups_summary(&self) -> Result<Vec<GroupSummary>> {
        let mut out = Vec::new();
        for topic in self.topic_list().await? {
            let Some(group) = topic.strip_prefix(RETRY_GROUP_TOPIC_PREFIX) else {
                continue;
            };
            let Ok(progress) = self.consumer_progress(group, None, false).await else {
                continue;
            };
            let conn = self.consumer_connection(group).await.ok();
            let first = conn.as_ref().and_then(|c| c.connection_set.first());
            out.push(GroupSummary {
                group: group.to_owned(),
                count: conn.as_ref().map_or(0, |c| c.connection_set.len()),
                version: first.map(|c| version_desc(c.version)).unwrap_or_default(),
                consume_type: conn
                    .as_ref()
                    .map(|c| match c.consume_type.as_str() {
                        "CONSUME_ACTIVELY" => "PULL".to_owned(),
                        "CONSUME_POP" => "POP".to_owned(),
                        _ => "PUSH".to_owned(),
                    })
                    .unwrap_or_default(),
                message_model: conn
                    .as_ref()
                    .map(|c| c.message_model.as_str().to_owned())
                    .unwrap_or_default(),
                consume_tps: progress.consume_tps,
                diff_total: progress.diff_total,
            });
        }
        Ok(out)
    }

    /// `consumerConnection`: the group's online consumers and their subscriptions
    /// (GET_CONSUMER_CONNECTION_LIST), merged over the masters that know the group.
    pub async fn consumer_connection(&self, group: &str) -> Result<ConsumerConnection> {
        let header = GetConsumerConnectionListRequestHeader {
            consumer_group: group.to_owned(),
        };
        let code = request::GET_CONSUMER_CONNECTION_LIST;
        let mut merged: Option<ConsumerConnection> = None;
        for (_, addr) in self.group_brokers(group).await? {
            let resp = self
                .raw(&addr, RemotingCommand::request_with_header(code, &header))
                .await?;
            match resp.code {
                response::SUCCESS => {
                    let c: ConsumerConnection = decode(code, &addr, &resp)?;
                    match merged.as_mut() {
                        None => merged = Some(c),
                        Some(m) => {
                            for conn in c.connection_set {
                                if !m.connection_set.contains(&conn) {
                                    m.connection_set.push(conn);
                                }
                            }
                            m.subscription_table.extend(c.subscription_table);
                        }
                    }
                }
                response::CONSUMER_NOT_ONLINE => {}
                _ => return Err(ClientError::response(code, &addr, &resp)),
            }
        }
        merged
            .filter(|m| !m.connection_set.is_empty())
            .ok_or_else(|| not_online(group))
    }

    /// `producerConnection`: the online producers of `group` sending to `topic`
    /// (GET_PRODUCER_CONNECTION_LIST on the masters serving the topic).
    pub async fn producer_connection(
        &self,
        group: &str,
        topic: &str,
    ) -> Result<ProducerConnection> {
        let route = self.topic_route(topic).await?;
        let header = GetProducerConnectionListRequestHeader {
            producer_group: group.to_owned(),
        };
        let code = request::GET_PRODUCER_CONNECTION_LIST;
        let mut merged = ProducerConnection::default();
        for (_, addr) in route_masters(&route) {
            let resp = self
                .raw(&addr, RemotingCommand::request_with_header(code, &header))
                .await?;
            if resp.code != response::SUCCESS {
                continue;
            }
            let p: ProducerConnection = decode(code, &addr, &resp)?;
            for conn in p.connection_set {
                if !merged.connection_set.contains(&conn) {
                    merged.connection_set.push(conn);
                }
            }
        }
        if merged.connection_set.is_empty() {
            return Err(ClientError::invalid(
                "group",
                format!("producer group {group} not found or has no producer online"),
            ));
        }
        Ok(merged)
    }

    /// `consumerStatus -i`: what consumer `client_id` of `group` reports about itself
    /// (GET_CONSUMER_RUNNING_INFO, forwarded by the broker to the client).
    pub async fn consumer_running_info(
        &self,
        group: &str,
        client_id: &str,
        jstack: bool,
    ) -> Result<ConsumerRunningInfo> {
        let header = GetConsumerRunningInfoRequestHeader {
            consumer_group: group.to_owned(),
            client_id: client_id.to_owned(),
            jstack_enable: Some(jstack),
        };
        let code = request::GET_CONSUMER_RUNNING_INFO;
        let mut last = None;
        for (_, addr) in self.group_brokers(group).await? {
            let req = RemotingCommand::request_with_header(code, &header);
            match self.call(&addr, req).await {
                Ok(resp) => return decode(code, &addr, &resp),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| not_online(group)))
    }

    /// `consumerStatus`: every online consumer of `group` with its running info (or why
    /// it is missing).
    pub async fn consumer_status(
        &self,
        group: &str,
        jstack: bool,
    ) -> Result<Vec<ClientConsumeStatus>> {
        let conn = self.consumer_connection(group).await?;
        let mut out = Vec::new();
        for c in conn.connection_set {
            let info = self
                .consumer_running_info(group, &c.client_id, jstack)
                .await;
            let (running_info, error) = match info {
                Ok(i) => (Some(i), None),
                Err(e) => (None, Some(e.to_string())),
            };
            out.push(ClientConsumeStatus {
                client_id: c.client_id,
                client_addr: c.client_addr,
                version: version_desc(c.version),
                running_info,
                error,
            });
        }
        Ok(out)
    }
}
