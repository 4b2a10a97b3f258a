//! [`SimpleConsumer`]: POP consumption (RocketMQ 5). Many consumers share every queue;
//! each [`receive`](SimpleConsumer::receive) pops messages that then stay invisible to the
//! others for the given time, and each must be [`ack`](SimpleConsumer::ack)ed before
//! then, or it is delivered again (to any consumer of the group) with its reconsume
//! count raised. The broker keeps all state; the consumer keeps none.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::body::fastjson;
use cometmq_remoting::body::pop::{BatchAck, BatchAckMessageRequestBody};
use cometmq_remoting::body::MASTER_ID;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::extra_info::{self, Receipt};
use cometmq_remoting::header::{
    AckMessageRequestHeader, ChangeInvisibleTimeRequestHeader, ChangeInvisibleTimeResponseHeader,
    PopMessageRequestHeader, PopMessageResponseHeader,
};
use cometmq_remoting::message::property;
use cometmq_remoting::RemotingCommand;

use crate::clock::now_ms;
use crate::error::{ClientError, Result};
use crate::instance::{ClientConfig, ClientInstance};
use crate::message::MessageExt;

/// How long a request may take besides the broker's hold.
const TIMEOUT: Duration = Duration::from_secs(5);

/// A popped message and what acking it needs.
#[derive(Debug, Clone)]
pub struct ReceivedMessage {
    /// The message (topic: the subscribed topic, also for retried messages).
    pub message: MessageExt,
    /// The receipt (Java's extraInfo, the `POP_CK` property).
    pub receipt: String,
    /// The broker the message was popped from.
    pub broker_addr: String,
}

impl ReceivedMessage {
    /// Times the message was delivered before this one.
    pub fn reconsume_times(&self) -> i32 {
        self.message.reconsume_times
    }
}

/// A POP consumer of one topic for one group.
pub struct SimpleConsumer {
    instance: Arc<ClientInstance>,
    group: String,
    topic: String,
    expression: String,
    next_broker: AtomicUsize,
}

impl SimpleConsumer {
    /// A consumer of `topic` (tag `expression`, `*` for all) in `group`, with its own
    /// client instance configured by `config` (the NameServers, …).
    pub fn new(config: ClientConfig, group: &str, topic: &str, expression: &str) -> SimpleConsumer {
        SimpleConsumer {
            instance: ClientInstance::new(config),
            group: group.to_owned(),
            topic: topic.to_owned(),
            expression: expression.to_owned(),
            next_broker: AtomicUsize::new(0),
        }
    }

    /// The masters serving the topic.
    async fn brokers(&self) -> Result<Vec<(String, String)>> {
        let route = match self.instance.cached_route(&self.topic) {
            Some(r) => r,
            None => self
                .instance
                .update_topic_route(&self.topic)
                .await?
                .ok_or_else(|| ClientError::NoRoute {
                    topic: self.topic.clone(),
                    reason: "no route".into(),
                })?,
        };
        let mut out = Vec::new();
        for b in &route.broker_datas {
            if let Some(addr) = b.broker_addrs.get(&MASTER_ID) {
                out.push((b.broker_name.clone(), addr.clone()));
            }
        }
        Ok(out)
    }

    /// Pops up to `max` (≤ 32) messages, invisible to other pops for `invisible`;
    /// returns at once when there are none.
    pub async fn receive(&self, max: i32, invisible: Duration) -> Result<Vec<ReceivedMessage>> {
        self.receive_waiting(max, invisible, Duration::ZERO).await
    }

    /// Like [`Self::receive`], letting the broker hold the request up to `wait` for
    /// messages to arrive (long polling).
    pub async fn receive_waiting(
        &self,
        max: i32,
        invisible: Duration,
        wait: Duration,
    ) -> Result<Vec<ReceivedMessage>> {
        self.pop(max, invisible, wait, false).await
    }

    /// Orderly pop: each queue popped stays held for this group until every message of
    /// the pop is acked (or `invisible` is over, when the un-acked ones come again, in
    /// order, their reconsume count raised). Held by the broker up to `wait`.
    pub async fn receive_orderly(
        &self,
        max: i32,
        invisible: Duration,
        wait: Duration,
    ) -> Result<Vec<ReceivedMessage>> {
        self.pop(max, invisible, wait, true).await
    }

    async fn pop(
        &self,
        max: i32,
        invisible: Duration,
        wait: Duration,
        order: bool,
    ) -> Result<Vec<ReceivedMessage>> {
        let brokers = self.brokers().await?;
        if brokers.is_empty() {
            return Err(ClientError::NoRoute {
                topic: self.topic.clone(),
                reason: "no master broker".into(),
            });
        }
        let i = self.next_broker.fetch_add(1, Ordering::Relaxed) % brokers.len();
        let (name, addr) = &brokers[i];
        let header = PopMessageRequestHeader {
            consumer_group: self.group.clone(),
            topic: self.topic.clone(),
            queue_id: -1,
            max_msg_nums: max,
            invisible_time: millis(invisible),
            poll_time: millis(wait),
            born_time: now_ms(),
            init_mode: 0,
            exp_type: Some("TAG".into()),
            exp: Some(self.expression.clone()),
            order: Some(order),
            attempt_id: None,
        };
        let code = request::POP_MESSAGE;
        let req = RemotingCommand::request_with_header(code, &header);
        let resp = self
            .instance
            .remoting()
            .invoke(addr, req, TIMEOUT + wait)
            .await
            .map_err(|e| ClientError::remoting(code, addr, e))?;
        match resp.code {
            response::SUCCESS => {}
            response::POLLING_TIMEOUT | response::POLLING_FULL | response::NO_MESSAGE => {
                return Ok(Vec::new())
            }
            _ => return Err(ClientError::response(code, addr, &resp)),
        }
        let h: PopMessageResponseHeader = resp
            .decode_header()
            .map_err(|e| ClientError::bad_header(code, addr, e))?;
        let starts = parse_start_offsets(h.start_offset_info.as_deref().unwrap_or(""));
        let counts = parse_start_offsets(h.order_count_info.as_deref().unwrap_or(""));
        let msgs = MessageExt::decode_all(resp.body.to_bytes(), name).map_err(|source| {
            ClientError::BadMessage {
                addr: addr.clone(),
                source,
            }
        })?;
        let mut out = Vec::with_capacity(msgs.len());
        for mut m in msgs {
            let receipt = match m.properties.get(property::POP_CK) {
                Some(ck) => ck.to_owned(),
                None => {
                    let key = format!("{}@{}", extra_info::retry_flag(&m.topic), m.queue_id);
                    let Some(start) = starts.get(&key) else {
                        return Err(ClientError::bad_header(
                            code,
                            addr,
                            cometmq_remoting::header::HeaderError::Missing("startOffsetInfo"),
                        ));
                    };
                    let ck = extra_info::build(
                        *start,
                        h.pop_time,
                        h.invisible_time,
                        h.revive_qid,
                        &m.topic,
                        name,
                        m.queue_id,
                        m.queue_offset,
                    );
                    m.record_mut().properties.set(property::POP_CK, &ck);
                    ck
                }
            };
            // Orderly pops: the times consumed before, per message or else per queue
            // (Java's `orderCountInfo`).
            let flag = extra_info::retry_flag(&m.topic);
            let per_msg = format!("{flag}@qo{}%{}", m.queue_id, m.queue_offset);
            let per_queue = format!("{flag}@{}", m.queue_id);
            if let Some(c) = counts.get(&per_msg).or_else(|| counts.get(&per_queue)) {
                m.record_mut().reconsume_times = i32::try_from(*c).unwrap_or(i32::MAX);
            }
            out.push(ReceivedMessage {
                message: m,
                receipt,
                broker_addr: addr.clone(),
            });
        }
        Ok(out)
    }

    /// The topic and queue a receipt acks (the pop retry topic for a retried message).
    fn target(&self, m: &ReceivedMessage) -> Result<(Receipt, String)> {
        let r = Receipt::parse(&m.receipt).map_err(|e| ClientError::invalid("receipt", e))?;
        let topic = extra_info::real_topic(&self.topic, &self.group, &r.retry);
        Ok((r, topic))
    }

    /// Acks a message: it will not be delivered again.
    pub async fn ack(&self, m: &ReceivedMessage) -> Result<()> {
        let (r, topic) = self.target(m)?;
        let header = AckMessageRequestHeader {
            consumer_group: self.group.clone(),
            topic,
            queue_id: r.queue_id,
            extra_info: m.receipt.clone(),
            offset: m.message.queue_offset,
        };
        self.call(
            &m.broker_addr,
            request::ACK_MESSAGE,
            RemotingCommand::request_with_header(request::ACK_MESSAGE, &header),
        )
        .await
        .map(|_| ())
    }

    /// Acks messages of one broker with one BATCH_ACK_MESSAGE (grouped by pop).
    pub async fn batch_ack(&self, msgs: &[ReceivedMessage]) -> Result<()> {
        let mut by_broker: HashMap<&str, Vec<BatchAck>> = HashMap::new();
        for m in msgs {
            let (r, _) = self.target(m)?;
            let acks = by_broker.entry(m.broker_addr.as_str()).or_default();
            let bit = u32::try_from(m.message.queue_offset - r.ck_offset)
                .map_err(|_| ClientError::invalid("receipt", "offset before the pop's start"))?;
            let same = acks.iter_mut().find(|a| {
                a.start_offset == r.ck_offset
                    && a.pop_time == r.pop_time
                    && a.queue_id == r.queue_id
                    && a.retry == r.retry
            });
            match same {
                Some(a) => a.bit_set.push(bit),
                None => acks.push(BatchAck {
                    bit_set: vec![bit],
                    consumer_group: self.group.clone(),
                    invisible_time: r.invisible_time,
                    pop_time: r.pop_time,
                    queue_id: r.queue_id,
                    retry: r.retry.clone(),
                    revive_queue_id: r.revive_qid,
                    start_offset: r.ck_offset,
                    topic: self.topic.clone(),
                }),
            }
        }
        for (addr, acks) in by_broker {
            let broker_name = msgs
                .iter()
                .find(|m| m.broker_addr == addr)
                .map(|m| m.message.broker_name.to_string())
                .unwrap_or_default();
            let body = BatchAckMessageRequestBody { acks, broker_name };
            let code = request::BATCH_ACK_MESSAGE;
            let json = fastjson::to_vec(&body, fastjson::JsonStyle::Legacy)
                .map_err(|e| ClientError::invalid("batch ack", e.to_string()))?;
            let req = RemotingCommand::request(code).with_body(json);
            self.call(addr, code, req).await?;
        }
        Ok(())
    }

    /// Makes a message invisible for `invisible` from now (zero: visible again at once);
    /// its receipt is replaced, and only the new one acks it.
    pub async fn change_invisible_duration(
        &self,
        m: &mut ReceivedMessage,
        invisible: Duration,
    ) -> Result<()> {
        let (r, topic) = self.target(m)?;
        let code = request::CHANGE_MESSAGE_INVISIBLETIME;
        let header = ChangeInvisibleTimeRequestHeader {
            consumer_group: self.group.clone(),
            topic: topic.clone(),
            queue_id: r.queue_id,
            extra_info: m.receipt.clone(),
            offset: m.message.queue_offset,
            invisible_time: millis(invisible),
        };
        let resp = self
            .call(
                &m.broker_addr,
                code,
                RemotingCommand::request_with_header(code, &header),
            )
            .await?;
        let h: ChangeInvisibleTimeResponseHeader = resp
            .decode_header()
            .map_err(|e| ClientError::bad_header(code, &m.broker_addr, e))?;
        let offset = m.message.queue_offset;
        m.receipt = extra_info::build(
            offset,
            h.pop_time,
            h.invisible_time,
            h.revive_qid,
            &topic,
            &r.broker_name,
            r.queue_id,
            offset,
        );
        Ok(())
    }

    async fn call(&self, addr: &str, code: i32, req: RemotingCommand) -> Result<RemotingCommand> {
        let resp = self
            .instance
            .remoting()
            .invoke(addr, req, TIMEOUT)
            .await
            .map_err(|e| ClientError::remoting(code, addr, e))?;
        if resp.code == response::SUCCESS {
            Ok(resp)
        } else {
            Err(ClientError::response(code, addr, &resp))
        }
    }

    /// Closes the consumer's connections.
    pub async fn shutdown(&self) {
        self.instance.shutdown().await;
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// `startOffsetInfo` as `"retry@queueId" -> start offset` (Java `parseStartOffsetInfo`);
/// also reads `orderCountInfo` (`"retry@queueId"` or `"retry@qo<queueId>%<offset>"` ->
/// count).
fn parse_start_offsets(info: &str) -> HashMap<String, i64> {
    info.split(';')
        .filter_map(|one| {
            let mut parts = one.split(' ');
            let (retry, qid, start) = (parts.next()?, parts.next()?, parts.next()?);
            Some((format!("{retry}@{qid}"), start.parse().ok()?))
        })
        .collect()
}
