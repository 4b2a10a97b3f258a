//! Offsets: resetOffsetByTime, cloneGroupOffset, and the queue offset lookups the message
//! commands use (GET_MIN_OFFSET, GET_MAX_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP).

use std::collections::BTreeMap;

use cometmq_remoting::body::client::ResetOffsetBody;
use cometmq_remoting::body::ConsumeStats;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    CloneGroupOffsetRequestHeader, GetConsumeStatsRequestHeader, GetMaxOffsetRequestHeader,
    GetMinOffsetRequestHeader, InvokeBrokerToResetOffsetRequestHeader, SearchOffsetRequestHeader,
    UpdateConsumerOffsetRequestHeader,
};
use cometmq_remoting::RemotingCommand;
use serde::Serialize;

use super::{check, decode, route_masters, Admin};
use crate::error::{ClientError, Result};
use crate::message::MessageQueue;

/// One queue of `resetOffsetByTime`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResetOffsetEntry {
    /// The queue.
    pub queue: MessageQueue,
    /// The group's offset after the reset.
    pub offset: i64,
    /// Legacy reset only: the offset before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer_offset: Option<i64>,
    /// Legacy reset only: the offset the timestamp maps to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_offset: Option<i64>,
}

/// The answer to `resetOffsetByTime`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResetOffsetOutcome {
    /// The group.
    pub group: String,
    /// The topic.
    pub topic: String,
    /// The time reset to, ms.
    pub timestamp: i64,
    /// Whether offsets were moved forward too.
    pub force: bool,
    /// `false`: the brokers reset and told the consumers (INVOKE_BROKER_TO_RESET_OFFSET);
    /// `true`: no consumer was online and a 4.x broker refused, so the committed offsets were
    /// rewritten one by one (Java's `resetOffsetByTimestampOld`).
    pub legacy: bool,
    /// Every queue reset.
    pub entries: Vec<ResetOffsetEntry>,
}

/// `offset` header of a GET_MIN/MAX_OFFSET or SEARCH_OFFSET_BY_TIMESTAMP answer.
fn offset_of(code: i32, addr: &str, resp: &RemotingCommand) -> Result<i64> {
    resp.ext("offset")
        .and_then(|o| o.trim().parse().ok())
        .ok_or_else(|| {
            ClientError::bad_header(
                code,
                addr,
                cometmq_remoting::header::HeaderError::Missing("offset"),
            )
        })
}

impl Admin {
    /// The smallest offset still stored in `mq` (GET_MIN_OFFSET to `addr`).
    pub async fn min_offset(&self, addr: &str, mq: &MessageQueue) -> Result<i64> {
        let h = GetMinOffsetRequestHeader {
            topic: mq.topic.clone(),
            queue_id: mq.queue_id,
        };
        let code = request::GET_MIN_OFFSET;
        let resp = self
            .call(addr, RemotingCommand::request_with_header(code, &h))
            .await?;
        offset_of(code, addr, &resp)
    }

    /// The next offset to be written in `mq` (GET_MAX_OFFSET to `addr`).
    pub async fn max_offset(&self, addr: &str, mq: &MessageQueue) -> Result<i64> {
        let h = GetMaxOffsetRequestHeader {
            topic: mq.topic.clone(),
            queue_id: mq.queue_id,
            committed: None,
        };
        let code = request::GET_MAX_OFFSET;
        let resp = self
            .call(addr, RemotingCommand::request_with_header(code, &h))
            .await?;
        offset_of(code, addr, &resp)
    }

    /// The offset of the first message of `mq` stored at or after `timestamp`
    /// (SEARCH_OFFSET_BY_TIMESTAMP to `addr`).
    pub async fn search_offset(
        &self,
        addr: &str,
        mq: &MessageQueue,
        timestamp: i64,
    ) -> Result<i64> {
        let h = SearchOffsetRequestHeader {
            topic: mq.topic.clone(),
            queue_id: mq.queue_id,
            timestamp,
            boundary_type: None,
        };
        let code = request::SEARCH_OFFSET_BY_TIMESTAMP;
        let resp = self
            .call(addr, RemotingCommand::request_with_header(code, &h))
            .await?;
        offset_of(code, addr, &resp)
    }

    /// `resetOffsetByTime`: moves `group`'s offsets on `topic` to `timestamp` (only
    /// backwards unless `force`), on one queue if `queue_id` is given, or to `offset` for that
    /// queue. The brokers tell online consumers (INVOKE_BROKER_TO_RESET_OFFSET); if a broker
    /// answers CONSUMER_NOT_ONLINE the offsets are rewritten directly, as Java's tool does.
    pub async fn reset_offset_by_time(
        &self,
        group: &str,
        topic: &str,
        timestamp: i64,
        force: bool,
        queue_id: Option<i32>,
        offset: Option<i64>,
    ) -> Result<ResetOffsetOutcome> {
        let route = self.topic_route(topic).await?;
        let header = InvokeBrokerToResetOffsetRequestHeader {
            topic: topic.to_owned(),
            group: group.to_owned(),
            timestamp,
            is_force: force,
            queue_id,
            offset,
        };
        let code = request::INVOKE_BROKER_TO_RESET_OFFSET;
        let mut outcome = ResetOffsetOutcome {
            group: group.to_owned(),
            topic: topic.to_owned(),
            timestamp,
            force,
            legacy: false,
            entries: Vec::new(),
        };
        for (_, addr) in route_masters(&route) {
            let resp = self
                .raw(&addr, RemotingCommand::request_with_header(code, &header))
                .await?;
            if resp.code == response::CONSUMER_NOT_ONLINE {
                outcome.legacy = true;
                let entries = self
                    .reset_offset_legacy(&addr, group, topic, timestamp, force)
                    .await?;
                outcome.entries.extend(entries);
                continue;
            }
            let resp = check(code, &addr, resp)?;
            let body: ResetOffsetBody = decode(code, &addr, &resp)?;
            outcome
                .entries
                .extend(
                    body.offset_table
                        .into_iter()
                        .map(|(queue, offset)| ResetOffsetEntry {
                            queue,
                            offset,
                            consumer_offset: None,
                            timestamp_offset: None,
                        }),
                );
        }
        outcome.entries.sort_by(|a, b| a.queue.cmp(&b.queue));
        Ok(outcome)
    }

    /// Java's `resetOffsetByTimestampOld` on one broker: read the group's offsets
    /// (GET_CONSUME_STATS) and commit the offset of `timestamp` where it is smaller (or
    /// always if `force`) with UPDATE_CONSUMER_OFFSET.
    async fn reset_offset_legacy(
        &self,
        addr: &str,
        group: &str,
        topic: &str,
        timestamp: i64,
        force: bool,
    ) -> Result<Vec<ResetOffsetEntry>> {
        let header = GetConsumeStatsRequestHeader {
            consumer_group: group.to_owned(),
            topic: Some(topic.to_owned()),
            topic_list: None,
        };
        let code = request::GET_CONSUME_STATS;
        let resp = self
            .call(addr, RemotingCommand::request_with_header(code, &header))
            .await?;
        let stats: ConsumeStats = decode(code, addr, &resp)?;
        let mut out = Vec::new();
        for (mq, o) in stats.offset_table {
            let at = self.search_offset(addr, &mq, timestamp).await?;
            let new = if force || at < o.consumer_offset {
                at
            } else {
                o.consumer_offset
            };
            let h = UpdateConsumerOffsetRequestHeader {
                consumer_group: group.to_owned(),
                topic: mq.topic.clone(),
                queue_id: mq.queue_id,
                commit_offset: new,
            };
            let req = RemotingCommand::request_with_header(request::UPDATE_CONSUMER_OFFSET, &h);
            self.call(addr, req).await?;
            out.push(ResetOffsetEntry {
                queue: mq,
                offset: new,
                consumer_offset: Some(o.consumer_offset),
                timestamp_offset: Some(at),
            });
        }
        Ok(out)
    }

    /// `cloneGroupOffset`: copies `src`'s offsets on `topic` to `dest` on every master
    /// serving the topic (CLONE_GROUP_OFFSET); returns the broker names.
    pub async fn clone_group_offset(
        &self,
        src: &str,
        dest: &str,
        topic: &str,
        offline: bool,
    ) -> Result<Vec<String>> {
        let route = self.topic_route(topic).await?;
        let header = CloneGroupOffsetRequestHeader {
            src_group: src.to_owned(),
            dest_group: dest.to_owned(),
            topic: Some(topic.to_owned()),
            offline: Some(offline),
        };
        let mut done = Vec::new();
        for (name, addr) in route_masters(&route) {
            let req = RemotingCommand::request_with_header(request::CLONE_GROUP_OFFSET, &header);
            self.call(&addr, req).await?;
            done.push(name);
        }
        Ok(done)
    }

    /// The group's committed offset per queue of `topic`, as the brokers report it
    /// (GET_CONSUME_STATS), e.g. to check a reset or a clone.
    pub async fn group_offsets(
        &self,
        group: &str,
        topic: &str,
    ) -> Result<BTreeMap<MessageQueue, i64>> {
        let progress = self.consumer_progress(group, Some(topic), false).await?;
        Ok(progress
            .queues
            .into_iter()
            .map(|q| (q.queue, q.consumer_offset))
            .collect())
    }
}
