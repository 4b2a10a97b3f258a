//! Sending: message preparation (ids, compression, flags), the retry loop, and one request
//! to one queue (Java `sendDefaultImpl` / `sendKernelImpl`).

use std::time::{Duration, Instant};

use bytes::Bytes;
use cometmq_remoting::body::MASTER_ID;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::SendMessageRequestHeaderV2;
use cometmq_remoting::message::{encode_batch, property, sysflag, BatchEntry, UniqKeyGenerator};
use cometmq_remoting::RemotingCommand;

use super::{Producer, SendResult, SendStatus};
use crate::clock::now_ms;
use crate::error::{ClientError, Result};
use crate::message::REPLY_MESSAGE_FLAG;
use crate::message::{validate_message, Message, MessageQueue};

/// Response codes after which Java retries on another queue.
const RETRY_CODES: &[i32] = &[
    response::TOPIC_NOT_EXIST,
    response::SERVICE_NOT_AVAILABLE,
    response::SYSTEM_ERROR,
    response::SYSTEM_BUSY,
    response::NO_PERMISSION,
    response::NO_BUYER_ID,
    response::NOT_IN_CURRENT_UNIT,
    response::GO_AWAY,
];

/// A message ready for the wire: ids set, body possibly compressed, flags computed.
#[derive(Debug, Clone)]
pub(super) struct Prepared {
    pub topic: String,
    pub body: Bytes,
    pub flag: i32,
    pub sys_flag: i32,
    pub properties: String,
    /// The `SendResult.msg_id`: the UNIQ_KEY, or the inner keys joined for a batch.
    pub msg_id: String,
    pub batch: bool,
    /// A reply to a request (`MSG_TYPE=reply`): sent as SEND_REPLY_MESSAGE_V2.
    pub reply: bool,
    /// Retry topics: the `RECONSUME_TIME` and `MAX_RECONSUME_TIMES` properties, moved to
    /// the request header as Java does.
    pub reconsume_times: Option<i32>,
    pub max_reconsume_times: Option<i32>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Sync,
    Oneway,
}

impl Producer {
    fn prepare(&self, mut msg: Message) -> Result<Prepared> {
        let s = &self.inner.settings;
        validate_message(&msg, s.max_message_size)?;
        if msg.uniq_key().is_none() {
            msg.properties
                .insert(property::UNIQ_KEY, UniqKeyGenerator::global().generate());
        }
        let mut sys_flag = 0;
        let mut body = msg.body.clone();
        if body.len() >= s.compress_over {
            let z = s
                .compress_type
                .compress(&body, s.compress_level)
                .map_err(|e| ClientError::invalid("message", format!("compression failed: {e}")))?;
            body = Bytes::from(z);
            sys_flag |= sysflag::COMPRESSED | s.compress_type.sys_flag_bits();
        }
        if msg.property(property::TRAN_MSG) == Some("true") {
            sys_flag |= sysflag::TRANSACTION_PREPARED_TYPE;
        }
        let (mut reconsume_times, mut max_reconsume_times) = (None, None);
        if msg.topic.starts_with("%RETRY%") {
            let mut take = |name| {
                msg.properties
                    .remove(name)
                    .and_then(|v: String| v.trim().parse::<i32>().ok())
            };
            reconsume_times = take(property::RECONSUME_TIME);
            max_reconsume_times = take(property::MAX_RECONSUME_TIMES);
        }
        let reply = msg.property(property::MSG_TYPE) == Some(REPLY_MESSAGE_FLAG);
        Ok(Prepared {
            reply,
            reconsume_times,
            max_reconsume_times,
            msg_id: msg.uniq_key().unwrap_or_default().to_owned(),
            topic: msg.topic,
            body,
            flag: msg.flag,
            sys_flag,
            properties: msg.properties.encode(),
            batch: false,
        })
    }

    fn prepare_batch(&self, msgs: Vec<Message>) -> Result<Prepared> {
        let s = &self.inner.settings;
        let Some(first) = msgs.first() else {
            return Err(ClientError::invalid("batch", "the batch is empty"));
        };
        let topic = first.topic.clone();
        let wait = first.wait_store_msg_ok();
        if topic.starts_with("%RETRY%") {
            return Err(ClientError::invalid(
                "batch",
                "retry topics are not supported for batching",
            ));
        }
        let mut entries = Vec::with_capacity(msgs.len());
        let mut ids = Vec::with_capacity(msgs.len());
        for mut m in msgs {
            validate_message(&m, s.max_message_size)?;
            if m.topic != topic {
                return Err(ClientError::invalid(
                    "batch",
                    "all messages of a batch must have the same topic",
                ));
            }
            if m.delay_level() > 0 {
                return Err(ClientError::invalid(
                    "batch",
                    "delay levels are not supported for batching",
                ));
            }
            if m.wait_store_msg_ok() != wait {
                return Err(ClientError::invalid(
                    "batch",
                    "all messages of a batch must have the same waitStoreMsgOK",
                ));
            }
            if m.uniq_key().is_none() {
                m.properties
                    .insert(property::UNIQ_KEY, UniqKeyGenerator::global().generate());
            }
            ids.push(m.uniq_key().unwrap_or_default().to_owned());
            entries.push(BatchEntry {
                flag: m.flag,
                body: m.body,
                properties: m.properties,
            });
        }
        let body =
            encode_batch(&entries).map_err(|e| ClientError::invalid("batch", e.to_string()))?;
        if body.len() > s.max_message_size {
            return Err(ClientError::invalid(
                "batch",
                format!(
                    "the batch of {} bytes exceeds the maximum {}",
                    body.len(),
                    s.max_message_size
                ),
            ));
        }
        let mut props = cometmq_remoting::message::Properties::new();
        props.insert(property::WAIT, if wait { "true" } else { "false" });
        props.insert(property::UNIQ_KEY, UniqKeyGenerator::global().generate());
        Ok(Prepared {
            topic,
            body,
            flag: 0,
            sys_flag: 0,
            properties: props.encode(),
            msg_id: ids.join(","),
            batch: true,
            reply: false,
            reconsume_times: None,
            max_reconsume_times: None,
        })
    }

    /// Sends `msg` and waits for the broker, retrying on another queue (and, when possible,
    /// another broker) up to `retry_times_when_send_failed` times.
    pub async fn send(&self, msg: Message) -> Result<SendResult> {
        self.check_started()?;
        let p = self.prepare(msg)?;
        self.send_default(p, Mode::Sync)
            .await
            .and_then(|r| r.ok_or_else(|| ClientError::State("no send result".into())))
    }

    /// Sends `msg` without waiting for the broker (one attempt, no result).
    pub async fn send_oneway(&self, msg: Message) -> Result<()> {
        self.check_started()?;
        let p = self.prepare(msg)?;
        self.send_default(p, Mode::Oneway).await.map(|_| ())
    }

    /// Sends `msgs` as one batch (SEND_BATCH_MESSAGE): same topic, no delay, no retry topic.
    pub async fn send_batch(&self, msgs: Vec<Message>) -> Result<SendResult> {
        self.check_started()?;
        let p = self.prepare_batch(msgs)?;
        self.send_default(p, Mode::Sync)
            .await
            .and_then(|r| r.ok_or_else(|| ClientError::State("no send result".into())))
    }

    /// Sends `msg` to queue `mq` (one attempt, as in Java).
    pub async fn send_to_queue(&self, msg: Message, mq: &MessageQueue) -> Result<SendResult> {
        self.check_started()?;
        if msg.topic != mq.topic {
            return Err(ClientError::invalid(
                "message queue",
                format!("queue {mq} is not of topic {}", msg.topic),
            ));
        }
        let p = self.prepare(msg)?;
        let timeout = self.inner.settings.send_timeout;
        self.send_kernel(&p, mq, Mode::Sync, timeout)
            .await
            .and_then(|r| r.ok_or_else(|| ClientError::State("no send result".into())))
    }

    async fn send_default(&self, p: Prepared, mode: Mode) -> Result<Option<SendResult>> {
        let s = &self.inner.settings;
        let info = self.inner.topic_publish_info(&p.topic).await?;
        let attempts = if mode == Mode::Sync {
            1 + s.retry_times_when_send_failed
        } else {
            1
        };
        let begin = Instant::now();
        let mut last_broker: Option<String> = None;
        let mut last_err: Option<ClientError> = None;
        let mut not_stored_ok: Option<SendResult> = None;
        let mut made = 0;
        for attempt in 0..attempts {
            let Some(mq) = self
                .inner
                .fault
                .select(&info, last_broker.as_deref(), attempt > 0)
            else {
                break;
            };
            let Some(left) = s.send_timeout.checked_sub(begin.elapsed()) else {
                break;
            };
            made += 1;
            last_broker = Some(mq.broker_name.clone());
            let started = Instant::now();
            let result = self.send_kernel(&p, &mq, mode, left).await;
            let latency = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            match result {
                Ok(r) => {
                    self.inner
                        .fault
                        .update(&mq.broker_name, latency, false, true);
                    match r {
                        Some(r)
                            if r.status != SendStatus::SendOk
                                && s.retry_another_broker_when_not_store_ok =>
                        {
                            not_stored_ok = Some(r);
                        }
                        r => return Ok(r),
                    }
                }
                Err(e) => {
                    let retry = e.is_remoting()
                        || matches!(e, ClientError::BrokerNotFound { .. })
                        || e.response_code().is_some_and(|c| RETRY_CODES.contains(&c));
                    self.inner
                        .fault
                        .update(&mq.broker_name, latency, true, !e.is_remoting());
                    tracing::warn!(topic = %p.topic, %mq, attempt, error = %e, "send failed");
                    if !retry {
                        return Err(e);
                    }
                    last_err = Some(e);
                }
            }
        }
        if let Some(r) = not_stored_ok {
            return Ok(Some(r));
        }
        let last = last_err.unwrap_or_else(|| {
            ClientError::State(format!(
                "send to topic {} timed out after {} ms",
                p.topic,
                s.send_timeout.as_millis()
            ))
        });
        Err(ClientError::Exhausted {
            what: format!("send to topic {}", p.topic),
            attempts: made,
            last: Box::new(last),
        })
    }

    /// One request to one queue; `None` for one-way sends.
    async fn send_kernel(
        &self,
        p: &Prepared,
        mq: &MessageQueue,
        mode: Mode,
        timeout: Duration,
    ) -> Result<Option<SendResult>> {
        let instance = &self.inner.instance;
        let s = &self.inner.settings;
        let addr = match instance.find_broker_addr(&mq.broker_name, MASTER_ID, true) {
            Some(a) => a,
            None => {
                instance.update_topic_route(&mq.topic).await?;
                instance
                    .find_broker_addr(&mq.broker_name, MASTER_ID, true)
                    .ok_or_else(|| ClientError::BrokerNotFound {
                        broker_name: mq.broker_name.clone(),
                        topic: mq.topic.clone(),
                    })?
            }
        };
        let header = SendMessageRequestHeaderV2 {
            producer_group: s.group.clone(),
            topic: p.topic.clone(),
            default_topic: s.default_topic.clone(),
            default_topic_queue_nums: s.default_topic_queue_nums,
            queue_id: mq.queue_id,
            sys_flag: p.sys_flag,
            born_timestamp: now_ms(),
            flag: p.flag,
            properties: Some(p.properties.clone()),
            reconsume_times: Some(p.reconsume_times.unwrap_or(0)),
            unit_mode: Some(false),
            max_reconsume_times: p.max_reconsume_times,
            batch: Some(p.batch),
            broker_name: Some(mq.broker_name.clone()),
        };
        let code = if p.batch {
            request::SEND_BATCH_MESSAGE
        } else if p.reply {
            request::SEND_REPLY_MESSAGE_V2
        } else {
            request::SEND_MESSAGE_V2
        };
        let req = RemotingCommand::request_with_header(code, &header).with_body(p.body.clone());
        let remoting = instance.remoting();
        if mode == Mode::Oneway {
            remoting
                .invoke_oneway(&addr, req)
                .await
                .map_err(|e| ClientError::remoting(code, &addr, e))?;
            return Ok(None);
        }
        let trace = self.inner.trace.get();
        let began = trace.map(|_| now_ms());
        let resp = remoting
            .invoke(&addr, req, timeout)
            .await
            .map_err(|e| ClientError::remoting(code, &addr, e))?;
        let result = SendResult::from_response(
            code,
            &addr,
            &resp,
            &p.topic,
            &mq.broker_name,
            p.msg_id.clone(),
        );
        if let (Some(trace), Some(began), Ok(r)) = (trace, began, &result) {
            super::trace_hook::record_send(trace, s, p, &addr, began, r);
        }
        result.map(Some)
    }
}
