//! Messages: queryMsgById, queryMsgByKey, queryMsgByUniqueKey, queryMsgByOffset,
//! sendMessage, and single pulls (printMsg and consumeMessage are in [`read`](super::read)).

use std::collections::HashSet;

use bytes::Bytes;
use cometmq_remoting::body::client::SubscriptionData;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    PullMessageRequestHeader, QueryMessageRequestHeader, SendMessageRequestHeaderV2,
    SendMessageResponseHeader, ViewMessageRequestHeader,
};
use cometmq_remoting::message::{
    create_uniq_key, parse_offset_msg_id, property, sysflag, zlib_compress, Properties,
};
use cometmq_remoting::RemotingCommand;
use serde::Serialize;

use super::time::now_ms;
use super::topics::DEFAULT_TOPIC;
use super::{check, route_masters, Admin, TOOLS_CONSUMER_GROUP, TOOLS_PRODUCER_GROUP};
use crate::consumer::PullResult;
use crate::error::{ClientError, Result};
use crate::instance::{broker_data, cap_queue_nums, publish_info};
use crate::message::{MessageExt, MessageQueue};

/// Bodies of at least this many bytes are sent zlib-compressed, as Java's producer does.
const COMPRESS_OVER: usize = 4096;

/// The answer to `sendMessage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendOutcome {
    /// `SEND_OK`, or the store status of a stored-but-degraded send (`FLUSH_DISK_TIMEOUT`, …).
    pub status: String,
    /// The producer's id for the message (`UNIQ_KEY`).
    pub msg_id: String,
    /// The broker's offset message id.
    pub offset_msg_id: String,
    /// The queue it went to.
    pub queue: MessageQueue,
    /// Its offset in that queue.
    pub queue_offset: i64,
}

impl Admin {
    /// `sendMessage`: sends one message to `topic` with SEND_MESSAGE_V2, to `queue` if given
    /// (a queue of `queue.broker_name`, any queue if `queue_id < 0`), else to a random
    /// writable queue. A topic without a route is created from `TBW102` by the broker, as
    /// Java's producer does.
    pub async fn send_message(
        &self,
        topic: &str,
        body: &[u8],
        tags: Option<&str>,
        keys: Option<&str>,
        queue: Option<MessageQueue>,
    ) -> Result<SendOutcome> {
        let route = match self.topic_route(topic).await {
            Ok(r) => r,
            Err(ClientError::NoRoute { .. }) => {
                let mut r =
                    self.topic_route(DEFAULT_TOPIC)
                        .await
                        .map_err(|_| ClientError::NoRoute {
                            topic: topic.to_owned(),
                            reason: "topic not exist and auto-create is off".into(),
                        })?;
                cap_queue_nums(&mut r, 4);
                r
            }
            Err(e) => Err(e)?,
        };
        let candidates: Vec<MessageQueue> = publish_info(topic, &route)
            .queues
            .into_iter()
            .filter(|q| match &queue {
                Some(want) => {
                    q.broker_name == want.broker_name
                        && (want.queue_id < 0 || q.queue_id == want.queue_id)
                }
                None => true,
            })
            .collect();
        let Some(mq) = candidates
            .get(rand::random::<usize>() % candidates.len().max(1))
            .cloned()
        else {
            return Err(ClientError::invalid(
                "queue",
                format!("no writable queue of topic {topic} matches {queue:?}"),
            ));
        };
        let addr = broker_data(&route, &mq.broker_name)
            .and_then(|b| b.master_addr())
            .map(str::to_owned)
            .ok_or_else(|| ClientError::BrokerNotFound {
                broker_name: mq.broker_name.clone(),
                topic: topic.to_owned(),
            })?;
        let uniq = create_uniq_key();
        let mut props = Properties::new();
        if let Some(t) = tags.filter(|t| !t.is_empty()) {
            props.insert(property::TAGS, t);
        }
        if let Some(k) = keys.filter(|k| !k.is_empty()) {
            props.insert(property::KEYS, k);
        }
        props.insert(property::WAIT, "true");
        props.insert(property::UNIQ_KEY, uniq.clone());
        let (body, sys_flag) = if body.len() >= COMPRESS_OVER {
            let z =
                zlib_compress(body, 5).map_err(|e| ClientError::invalid("body", e.to_string()))?;
            (Bytes::from(z), sysflag::COMPRESSED)
        } else {
            (Bytes::copy_from_slice(body), 0)
        };
        let header = SendMessageRequestHeaderV2 {
            producer_group: TOOLS_PRODUCER_GROUP.into(),
            topic: topic.to_owned(),
            default_topic: DEFAULT_TOPIC.into(),
            default_topic_queue_nums: 4,
            queue_id: mq.queue_id,
            sys_flag,
            born_timestamp: now_ms(),
            flag: 0,
            properties: Some(props.encode()),
            ..Default::default()
        };
        let code = request::SEND_MESSAGE_V2;
        let req = RemotingCommand::request_with_header(code, &header).with_body(body);
        let resp = self.raw(&addr, req).await?;
        let status = match resp.code {
            response::SUCCESS => "SEND_OK",
            response::FLUSH_DISK_TIMEOUT => "FLUSH_DISK_TIMEOUT",
            response::FLUSH_SLAVE_TIMEOUT => "FLUSH_SLAVE_TIMEOUT",
            response::SLAVE_NOT_AVAILABLE => "SLAVE_NOT_AVAILABLE",
            _ => return Err(ClientError::response(code, &addr, &resp)),
        };
        let h: SendMessageResponseHeader = resp
            .decode_header()
            .map_err(|e| ClientError::bad_header(code, &addr, e))?;
        Ok(SendOutcome {
            status: status.into(),
            msg_id: uniq,
            offset_msg_id: h.msg_id,
            queue: MessageQueue::new(topic, mq.broker_name, h.queue_id),
            queue_offset: h.queue_offset,
        })
    }

    /// One PULL_MESSAGE of up to `max` messages from `mq` at `offset`, as `group`, filtered
    /// by the tag `expression`.
    pub async fn pull(
        &self,
        addr: &str,
        mq: &MessageQueue,
        offset: i64,
        max: i32,
        group: &str,
        expression: &str,
    ) -> Result<PullResult> {
        let sub = SubscriptionData::for_tags(&mq.topic, expression, 0);
        let header = PullMessageRequestHeader {
            consumer_group: group.to_owned(),
            topic: mq.topic.clone(),
            queue_id: mq.queue_id,
            queue_offset: offset,
            max_msg_nums: max,
            sys_flag: PullMessageRequestHeader::FLAG_SUBSCRIPTION,
            commit_offset: 0,
            suspend_timeout_millis: 0,
            subscription: Some(sub.sub_string.clone()),
            sub_version: 0,
            expression_type: Some(sub.expression_type.clone()),
            max_msg_bytes: None,
        };
        let req = RemotingCommand::request_with_header(request::PULL_MESSAGE, &header);
        let resp = self.raw(addr, req).await?;
        let tags: HashSet<String> = sub.tags_set.into_iter().collect();
        PullResult::from_response(addr, &resp, mq, &tags)
    }

    /// `queryMsgByOffset`: the message at `offset` of queue `queue_id` of `broker_name`.
    pub async fn query_msg_by_offset(
        &self,
        topic: &str,
        broker_name: &str,
        queue_id: i32,
        offset: i64,
    ) -> Result<MessageExt> {
        let addr = self.broker_addr_for(topic, broker_name).await?;
        let mq = MessageQueue::new(topic, broker_name, queue_id);
        let result = self
            .pull(&addr, &mq, offset, 1, TOOLS_CONSUMER_GROUP, "*")
            .await?;
        result
            .messages
            .into_iter()
            .find(|m| m.queue_offset == offset)
            .ok_or_else(|| {
                ClientError::invalid(
                    "offset",
                    format!(
                        "no message at offset {offset} of {mq:?} (queue holds {}..{})",
                        result.min_offset, result.max_offset
                    ),
                )
            })
    }

    /// The master address of `broker_name`, found through `topic`'s route.
    async fn broker_addr_for(&self, topic: &str, broker_name: &str) -> Result<String> {
        let route = self.topic_route(topic).await?;
        broker_data(&route, broker_name)
            .and_then(|b| b.master_addr())
            .map(str::to_owned)
            .ok_or_else(|| ClientError::BrokerNotFound {
                broker_name: broker_name.to_owned(),
                topic: topic.to_owned(),
            })
    }

    /// `queryMsgByKey`: messages of `topic` whose KEYS contain `key`, stored between
    /// `begin_ms` and `end_ms`, at most `max_num` per broker (QUERY_MESSAGE on every master).
    pub async fn query_msg_by_key(
        &self,
        topic: &str,
        key: &str,
        max_num: i32,
        begin_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<MessageExt>> {
        let found = self
            .query_index(topic, key, max_num, begin_ms, end_ms, false)
            .await?;
        Ok(found
            .into_iter()
            .filter(|m| m.keys().is_some_and(|ks| ks.split(' ').any(|k| k == key)))
            .collect())
    }

    /// `queryMsgByUniqueKey`: the messages of `topic` whose UNIQ_KEY is `key` (a retried
    /// message may be stored more than once).
    pub async fn query_msg_by_unique_key(&self, topic: &str, key: &str) -> Result<Vec<MessageExt>> {
        let found = self.query_index(topic, key, 32, 0, i64::MAX, true).await?;
        Ok(found
            .into_iter()
            .filter(|m| m.uniq_key() == Some(key))
            .collect())
    }

    /// `queryMsgById`: the message with offset id `id` (VIEW_MESSAGE_BY_ID at the broker the
    /// id names), or else with UNIQ_KEY `id`. Not found is an error.
    pub async fn query_msg_by_id(&self, topic: &str, id: &str) -> Result<Vec<MessageExt>> {
        if let Ok(parsed) = parse_offset_msg_id(id) {
            let addr = parsed.address.to_string();
            let header = ViewMessageRequestHeader {
                offset: parsed.offset,
                topic: Some(topic.to_owned()),
            };
            let code = request::VIEW_MESSAGE_BY_ID;
            let req = RemotingCommand::request_with_header(code, &header);
            if let Ok(resp) = self.call(&addr, req).await {
                let name = self.broker_name_of(&addr).await.unwrap_or(addr.clone());
                let msgs = MessageExt::decode_all(resp.body.to_bytes(), &name)
                    .map_err(|source| ClientError::BadMessage { addr, source })?;
                if !msgs.is_empty() {
                    return Ok(msgs);
                }
            }
        }
        let found = self.query_msg_by_unique_key(topic, id).await?;
        if found.is_empty() {
            return Err(ClientError::invalid(
                "message id",
                format!("no message {id} in topic {topic}"),
            ));
        }
        Ok(found)
    }

    /// QUERY_MESSAGE on every master serving `topic`; QUERY_NOT_FOUND answers add nothing.
    pub(super) async fn query_index(
        &self,
        topic: &str,
        key: &str,
        max_num: i32,
        begin_ms: i64,
        end_ms: i64,
        unique: bool,
    ) -> Result<Vec<MessageExt>> {
        let route = self.topic_route(topic).await?;
        let header = QueryMessageRequestHeader {
            topic: topic.to_owned(),
            key: key.to_owned(),
            max_num,
            begin_timestamp: begin_ms,
            end_timestamp: end_ms,
            unique_key_query: unique.then_some(true),
        };
        let code = request::QUERY_MESSAGE;
        let mut out = Vec::new();
        for (name, addr) in route_masters(&route) {
            let resp = self
                .raw(&addr, RemotingCommand::request_with_header(code, &header))
                .await?;
            if resp.code == response::QUERY_NOT_FOUND {
                continue;
            }
            let resp = check(code, &addr, resp)?;
            let msgs = MessageExt::decode_all(resp.body.to_bytes(), &name)
                .map_err(|source| ClientError::BadMessage { addr, source })?;
            out.extend(msgs.into_iter().filter(|m| m.topic == topic));
        }
        Ok(out)
    }
}
