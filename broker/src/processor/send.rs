//! SEND_MESSAGE (10), SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320) and
//! CONSUMER_SEND_MSG_BACK (36): validation, retry and dead-letter routing, record building,
//! the store append, and the send response (reference §3.1–§3.3, §3.7, §5.6, §8).

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use cometmq_remoting::body::{perm, TopicConfig};
use cometmq_remoting::code::{response, version};
use cometmq_remoting::header::HeaderValue;
use cometmq_remoting::header::{
    ConsumerSendMsgBackRequestHeader, SendMessageRequestHeader, TopicFilterType,
};
use cometmq_remoting::message::write_offset_msg_id;
use cometmq_remoting::message::{
    decode_batch, decode_record, encode_record, property, sysflag, DecodeOptions, MessageError,
    Properties, RecordParts, UniqKeyGenerator,
};
use cometmq_remoting::transport::Connection;
use cometmq_remoting::{ExtFields, RemotingCommand};
use cometmq_store::{PutOptions, PutResult, PutStatus};
use rand::Rng;

use crate::append::{self, Redirect};
use crate::config::BrokerConfig;
use crate::error::{BrokerError, Reply};
use crate::state::BrokerState;
use crate::topic_names::{
    self, dlq_topic, is_retry, retry_topic, AUTO_CREATE_TOPIC, NOT_ALLOWED_SEND,
};
use crate::topics::Upsert;

use super::send_props::PlainProps;

/// Where a message goes after validation and retry/DLQ routing.
pub(super) struct Target<'a> {
    /// The topic sent to, or the dead-letter topic it was routed to.
    pub topic: Cow<'a, str>,
    pub queue_id: i32,
    filter_type: TopicFilterType,
    reconsume_times: i32,
}

/// What the send path needs of a topic's config (read under the table's lock, not cloned).
#[derive(Clone, Copy)]
struct TopicInfo {
    perm: i32,
    read_queue_nums: i32,
    write_queue_nums: i32,
    filter_type: TopicFilterType,
}

impl TopicInfo {
    fn of(t: &TopicConfig) -> Self {
        TopicInfo {
            perm: t.perm,
            read_queue_nums: t.read_queue_nums,
            write_queue_nums: t.write_queue_nums,
            filter_type: t.topic_filter_type,
        }
    }
}

/// The request's body, refused with MESSAGE_ILLEGAL when larger than `maxMessageSize`.
pub(super) fn checked_body(
    cfg: &BrokerConfig,
    req: &RemotingCommand,
) -> Result<Bytes, BrokerError> {
    let body = req.body.to_bytes();
    if body.len() > cfg.store.max_message_size {
        return Err(BrokerError::MessageIllegal(format!(
            "the message body size {} exceeds the maximum {}",
            body.len(),
            cfg.store.max_message_size
        )));
    }
    Ok(body)
}

/// SEND_MESSAGE / SEND_MESSAGE_V2.
pub async fn send_message(
    state: Arc<BrokerState>,
    conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h = SendMessageRequestHeader::read_for_code(req.code, &req.ext_fields)?;
    let cfg = state.config();
    let body = checked_body(&cfg, &req)?;
    let raw_props = h.properties.as_deref().unwrap_or_default();
    let plain = PlainProps::check(raw_props);
    let mut props = match plain {
        Some(_) => Properties::new(),
        None => Properties::parse_lossy(raw_props.as_bytes()),
    };
    if props.get(property::TRAN_MSG) == Some("true") && cfg.reject_transaction_message {
        return Err(BrokerError::NoPermission(format!(
            "the broker[{}] sending transaction message is forbidden",
            state.broker_addr
        )));
    }
    let target = resolve_target(&state, &cfg, &h, req.version).await?;
    let mut sys_flag = h.sys_flag;
    if target.filter_type == TopicFilterType::MultiTag {
        sys_flag |= sysflag::MULTI_TAGS;
    }
    let mut parts = RecordParts::new(
        &target.topic,
        &body,
        &[],
        conn.peer_addr(),
        state.store_host,
    );
    parts.queue_id = target.queue_id;
    parts.flag = h.flag;
    parts.sys_flag = sys_flag;
    parts.born_timestamp = h.born_timestamp;
    parts.reconsume_times = target.reconsume_times;
    let illegal = |e: MessageError| BrokerError::MessageIllegal(e.to_string());
    match plain {
        // Neither delayed nor transactional: stored where it was sent, its properties
        // never parsed.
        Some(plain) => {
            let mut text = String::with_capacity(raw_props.len() + 96);
            let uniq = plain.write_stored(&cfg.broker_cluster_name, &mut text);
            let parts = RecordParts {
                properties: text.as_bytes(),
                ..parts
            };
            let buf = append::encode(&parts).map_err(illegal)?;
            let opts = PutOptions {
                batch: false,
                wait: plain.wait,
            };
            let result = append::put(&state, buf, opts).await;
            send_response(&state, &cfg, result, &target, &[], text.get(uniq))
        }
        None => {
            add_broker_properties(&mut props, &cfg);
            let wait = props.get(property::WAIT) != Some("false");
            let redirect = Redirect::Send {
                reconsume_times: target.reconsume_times,
            };
            let result = append::write(&state, parts, &mut props, redirect, wait)
                .await
                .map_err(illegal)?;
            let uniq = props.get(property::UNIQ_KEY);
            send_response(&state, &cfg, result, &target, &[], uniq)
        }
    }
}

/// SEND_BATCH_MESSAGE: every message of the batch body becomes one record, with
/// consecutive queue offsets; the response's msgId lists every offset id.
pub async fn send_batch(state: Arc<BrokerState>, conn: Connection, req: RemotingCommand) -> Reply {
    let h = SendMessageRequestHeader::read_for_code(req.code, &req.ext_fields)?;
    let cfg = state.config();
    if is_retry(&h.topic) {
        return Err(BrokerError::MessageIllegal(
            "batch request does not support retry group".into(),
        ));
    }
    if h.topic.len() > topic_names::MAX_TOPIC_LEN {
        return Err(BrokerError::MessageIllegal(format!(
            "message topic length too long {}",
            h.topic.len()
        )));
    }
    let target = resolve_target(&state, &cfg, &h, req.version).await?;
    let mut sys_flag = h.sys_flag;
    if target.filter_type == TopicFilterType::MultiTag {
        sys_flag |= sysflag::MULTI_TAGS;
    }
    let body = req.body.to_bytes();
    let mut buf = BytesMut::with_capacity(body.len() * 2);
    let mut record_starts = Vec::new();
    let mut wait = true;
    // One properties buffer for the whole batch: a canonical entry (almost all) is
    // completed in place, without being parsed into a map.
    let mut text = String::new();
    for entry in decode_batch(body).raw() {
        let entry =
            entry.map_err(|e| BrokerError::MessageIllegal(format!("bad batch body: {e}")))?;
        if entry.body.len() > cfg.store.max_message_size {
            return Err(BrokerError::MessageIllegal(format!(
                "a message body of {} bytes exceeds the maximum {}",
                entry.body.len(),
                cfg.store.max_message_size
            )));
        }
        let raw = std::str::from_utf8(&entry.properties).map_err(|_| {
            BrokerError::MessageIllegal(format!(
                "bad batch body: {}",
                MessageError::Utf8 {
                    field: "properties"
                }
            ))
        })?;
        match PlainProps::check(raw) {
            Some(plain) => {
                wait &= plain.wait;
                plain.write_stored(&cfg.broker_cluster_name, &mut text);
            }
            None => {
                let mut props = Properties::parse_str(raw);
                if props.get(property::DELAY).is_some() {
                    return Err(BrokerError::MessageIllegal(
                        "TimeDelayLevel is not supported for batch".into(),
                    ));
                }
                if props.get(property::WAIT) == Some("false") {
                    wait = false;
                }
                add_broker_properties(&mut props, &cfg);
                text.clear();
                text.push_str(&props.encode());
            }
        }
        let mut parts = RecordParts::new(
            &target.topic,
            &entry.body,
            text.as_bytes(),
            conn.peer_addr(),
            state.store_host,
        );
        parts.queue_id = target.queue_id;
        parts.flag = entry.flag;
        parts.sys_flag = sys_flag;
        parts.born_timestamp = h.born_timestamp;
        record_starts.push(buf.len());
        encode_record(&parts, &mut buf).map_err(|e| BrokerError::MessageIllegal(e.to_string()))?;
    }
    if record_starts.is_empty() {
        return Err(BrokerError::MessageIllegal("the batch is empty".into()));
    }
    let opts = PutOptions { batch: true, wait };
    let result = append::put(&state, buf, opts).await;
    send_response(&state, &cfg, result, &target, &record_starts, None)
}

/// CONSUMER_SEND_MSG_BACK: a consumer failed a message; store a copy in the group's retry
/// topic (delay level 3 + reconsume times), or in its dead-letter topic once it has been
/// retried `maxReconsumeTimes` times or the consumer asks for it (delay level < 0).
pub async fn send_back(state: Arc<BrokerState>, _conn: Connection, req: RemotingCommand) -> Reply {
    let h: ConsumerSendMsgBackRequestHeader = req.decode_header()?;
    let cfg = state.config();
    let group = state.groups.get(&h.group).ok_or_else(|| {
        BrokerError::SubscriptionGroupNotExist(format!("subscription group not exist, {}", h.group))
    })?;
    if !perm::is_writeable(cfg.broker_permission) {
        return Err(BrokerError::NoPermission(format!(
            "the broker[{}] sending message is forbidden",
            state.broker_addr
        )));
    }
    if group.retry_queue_nums <= 0 {
        return Ok(RemotingCommand::success());
    }
    let offset = h.offset;
    let record = state
        .read_store(move |store| store.get_message_at(offset))
        .await?
        .ok_or_else(|| BrokerError::System(format!("look message by offset failed, {offset}")))?;
    let msg = decode_record(&record, DecodeOptions::DEFAULT).map_err(|e| {
        BrokerError::System(format!("look message by offset failed, {}: {e}", h.offset))
    })?;
    let mut props = msg.properties.clone();
    if props.get(property::RETRY_TOPIC).is_none() {
        props.insert(property::RETRY_TOPIC, msg.topic.clone());
    }
    props.insert(property::WAIT, "false");
    let max_reconsume = match h.max_reconsume_times {
        Some(m) if req.version >= version::V3_4_9 => m,
        _ => group.retry_max_times,
    };
    let to_dlq = msg.reconsume_times >= max_reconsume || h.delay_level < 0;
    let (topic, queue_id, created) = if to_dlq {
        let dlq = dlq_topic(&h.group);
        let created = state.topics.get_or_create(&dlq, 1, perm::WRITE);
        (dlq, 0, created)
    } else {
        let level = if h.delay_level == 0 {
            3 + msg.reconsume_times
        } else {
            h.delay_level
        };
        props.insert(property::DELAY, level.to_string());
        let retry = retry_topic(&h.group);
        let queues = group.retry_queue_nums;
        let created = state
            .topics
            .get_or_create(&retry, queues, perm::READ | perm::WRITE);
        let qid = rand::thread_rng().gen_range(0..queues.max(1));
        (retry, qid, created)
    };
    if let Upsert::Changed(_) = created {
        state.topics_updated().await;
    }
    if props.get(property::ORIGIN_MESSAGE_ID).is_none() {
        let origin = h.origin_msg_id.clone().unwrap_or_else(|| msg.msg_id());
        props.insert(property::ORIGIN_MESSAGE_ID, origin);
    }
    // A retry waits in its delay level's schedule queue first. `WAIT=false`: like Java's
    // (`msgExt.setWaitStoreMsgOK(false)`), the write waits for neither disk nor slave.
    let parts = RecordParts {
        topic: &topic,
        queue_id,
        reconsume_times: msg.reconsume_times + 1,
        prepared_transaction_offset: 0,
        ..RecordParts::from_stored(&msg, &[], state.store_host)
    };
    let result = append::write(&state, parts, &mut props, Redirect::Delay, false)
        .await
        .map_err(|e| BrokerError::System(e.to_string()))?;
    if result.status.is_stored() {
        state.count_put(1);
        // Keyed by the original topic, as Java's `incSendBackNums` is.
        let back_topic = props.get(property::RETRY_TOPIC).unwrap_or(&msg.topic);
        state.stats.on_send_back(back_topic, &h.group, to_dlq);
        Ok(RemotingCommand::success())
    } else {
        Err(put_error(&state, result.status))
    }
}

/// Checks permissions and the topic, auto-creates it if allowed, picks the queue, and
/// routes `%RETRY%` sends that exhausted their retries to the dead-letter topic.
pub(super) async fn resolve_target<'a>(
    state: &BrokerState,
    cfg: &BrokerConfig,
    h: &'a SendMessageRequestHeader,
    client_version: i32,
) -> Result<Target<'a>, BrokerError> {
    if !perm::is_writeable(cfg.broker_permission) {
        return Err(BrokerError::NoPermission(format!(
            "the broker[{}] sending message is forbidden",
            state.broker_addr
        )));
    }
    topic_names::validate(&h.topic).map_err(BrokerError::InvalidParameter)?;
    if NOT_ALLOWED_SEND.contains(&h.topic.as_str()) {
        return Err(BrokerError::NoPermission(format!(
            "Sending message to topic[{}] is forbidden.",
            h.topic
        )));
    }
    if h.topic == AUTO_CREATE_TOPIC || h.topic == cfg.broker_cluster_name {
        return Err(BrokerError::NoPermission(format!(
            "the topic[{}] is conflict with system reserved words.",
            h.topic
        )));
    }
    let mut created = false;
    let mut topic_config = match state.topics.with(&h.topic, TopicInfo::of) {
        Some(t) => t,
        None => {
            let upsert = state
                .topics
                .get_or_create_from_template(
                    &h.topic,
                    &h.default_topic,
                    h.default_topic_queue_nums,
                    0,
                )
                .or_else(|| {
                    is_retry(&h.topic).then(|| {
                        state
                            .topics
                            .get_or_create(&h.topic, 1, perm::READ | perm::WRITE)
                    })
                });
            match upsert {
                Some(Upsert::Changed(t)) => {
                    created = true;
                    TopicInfo::of(&t)
                }
                Some(Upsert::Unchanged(t)) => TopicInfo::of(&t),
                None => {
                    return Err(BrokerError::TopicNotExist(format!(
                        "topic[{}] not exist, apply first please!",
                        h.topic
                    )))
                }
            }
        }
    };
    if created {
        state.topics_updated().await;
    }
    if !perm::is_writeable(topic_config.perm) {
        return Err(BrokerError::NoPermission(format!(
            "the topic[{}] sending message is forbidden",
            h.topic
        )));
    }
    let queue_nums = topic_config
        .write_queue_nums
        .max(topic_config.read_queue_nums);
    if h.queue_id >= queue_nums {
        return Err(BrokerError::InvalidParameter(format!(
            "request queueId[{}] is illegal, {} Producer: {}",
            h.queue_id, h.topic, h.producer_group
        )));
    }
    let mut queue_id = if h.queue_id < 0 {
        rand::thread_rng().gen_range(0..topic_config.write_queue_nums.max(1))
    } else {
        h.queue_id
    };
    let mut topic = Cow::Borrowed(h.topic.as_str());
    let reconsume_times = h.reconsume_times.unwrap_or(0);
    if let Some(group_name) = topic.strip_prefix(topic_names::RETRY_PREFIX) {
        let group = state.groups.get(group_name).ok_or_else(|| {
            BrokerError::SubscriptionGroupNotExist(format!(
                "subscription group not exist, {group_name}"
            ))
        })?;
        let max = match h.max_reconsume_times {
            Some(m) if client_version >= version::V3_4_9 => m,
            _ => group.retry_max_times,
        };
        if reconsume_times > max {
            let dlq = dlq_topic(group_name);
            if let Upsert::Changed(_) = state.topics.get_or_create(&dlq, 1, perm::WRITE) {
                state.topics_updated().await;
            }
            topic_config = state
                .topics
                .with(&dlq, TopicInfo::of)
                .ok_or_else(|| BrokerError::TopicNotExist(format!("topic[{dlq}] not exist")))?;
            topic = Cow::Owned(dlq);
            queue_id = 0;
        }
    }
    Ok(Target {
        topic,
        queue_id,
        filter_type: topic_config.filter_type,
        reconsume_times,
    })
}

/// Adds what the broker stamps on every message: `CLUSTER`, and a `UNIQ_KEY` when the
/// producer sent none (as 5.x brokers do).
fn add_broker_properties(props: &mut Properties, cfg: &BrokerConfig) {
    props.insert(property::CLUSTER, cfg.broker_cluster_name.clone());
    if props.get(property::UNIQ_KEY).is_none() {
        props.insert(property::UNIQ_KEY, UniqKeyGenerator::global().generate());
    }
}

/// The send response for a store result. `record_starts` holds each batch record's byte
/// offset within the appended buffer (empty for a single message).
fn send_response(
    state: &BrokerState,
    cfg: &BrokerConfig,
    result: PutResult,
    target: &Target<'_>,
    record_starts: &[usize],
    uniq_key: Option<&str>,
) -> Reply {
    let code = match result.status {
        PutStatus::PutOk => response::SUCCESS,
        PutStatus::FlushDiskTimeout => response::FLUSH_DISK_TIMEOUT,
        PutStatus::FlushSlaveTimeout => response::FLUSH_SLAVE_TIMEOUT,
        PutStatus::SlaveNotAvailable => response::SLAVE_NOT_AVAILABLE,
        other => return Err(put_error(state, other)),
    };
    let Some(appended) = result.appended else {
        return Err(BrokerError::System("stored without a position".into()));
    };
    state.count_put(appended.msg_count);
    state
        .stats
        .on_send(&target.topic, appended.msg_count, appended.wrote_bytes);
    let queue_id = target.queue_id;
    let mut resp = RemotingCommand::response(code, None);
    write_send_response_header(
        &mut resp.ext_fields,
        SendResponseFields {
            store_host: state.store_host,
            phys_offset: appended.phys_offset,
            record_starts,
            queue_id,
            queue_offset: appended.queue_offset,
            transaction_id: uniq_key,
            region: &cfg.region_id,
            trace_on: cfg.trace_on,
        },
    );
    Ok(resp)
}

/// What a send response header says (the fields of
/// [`SendMessageResponseHeader`](cometmq_remoting::header::SendMessageResponseHeader)).
struct SendResponseFields<'a> {
    store_host: SocketAddr,
    phys_offset: i64,
    record_starts: &'a [usize],
    queue_id: i32,
    queue_offset: i64,
    transaction_id: Option<&'a str>,
    region: &'a str,
    trace_on: bool,
}

/// Writes the fields of `SendMessageResponseHeader` straight into the response: every
/// send answers, so its header is built without intermediate strings. The msgId is the
/// offset id of the message, or of each batch record, comma-separated.
fn write_send_response_header(ext: &mut ExtFields, f: SendResponseFields<'_>) {
    ext.reserve(6, 160);
    ext.insert_with("msgId", |t| {
        if f.record_starts.is_empty() {
            write_offset_msg_id(t, f.store_host, f.phys_offset);
        }
        for (i, start) in f.record_starts.iter().enumerate() {
            if i > 0 {
                t.push(',');
            }
            write_offset_msg_id(t, f.store_host, f.phys_offset + *start as i64);
        }
    });
    ext.insert_with("queueId", |t| f.queue_id.render_to(t));
    ext.insert_with("queueOffset", |t| f.queue_offset.render_to(t));
    if let Some(id) = f.transaction_id {
        ext.set("transactionId", id);
    }
    ext.set("MSG_REGION", f.region);
    ext.insert_with("TRACE_ON", |t| f.trace_on.render_to(t));
}

/// Java's `diskUtil()`: the used share of the CommitLog's, ConsumeQueue's and index's
/// file systems, as in a disk-full refusal's remark (one `statvfs` each).
fn disk_util(state: &BrokerState) -> String {
    use cometmq_store::DiskUsage;
    let cfg = state.store.config();
    let [cl, cq, index] = [
        cfg.commit_log_dir(),
        cfg.consume_queue_dir(),
        cfg.index_dir(),
    ]
    .map(|p| {
        let existing = p
            .ancestors()
            .find(|a| a.exists())
            .unwrap_or(&p)
            .to_path_buf();
        cometmq_store::StatvfsDiskUsage
            .used_ratio(&existing)
            .unwrap_or(-1.0)
    });
    format!("CL: {cl:5.2} CQ: {cq:5.2} INDEX: {index:5.2}")
}

/// The error for a failed store append, with Java's wording.
fn put_error(state: &BrokerState, status: PutStatus) -> BrokerError {
    match status {
        PutStatus::MessageIllegal | PutStatus::PropertiesSizeExceeded => BrokerError::MessageIllegal(
            "the message is illegal, maybe msg body or properties length not matched. msg body length limit 4m, msg properties length limit 32k."
                .into(),
        ),
        PutStatus::DiskFull | PutStatus::ServiceNotAvailable => {
            BrokerError::ServiceNotAvailable(format!(
                "service not available now. It may be caused by one of the following reasons: \
                 the broker's disk is full [{}], messages are put to the slave, message store \
                 has been shut down, etc.",
                disk_util(state)
            ))
        }
        PutStatus::CreateMappedFileFailed => {
            BrokerError::System("create mapped file failed, server is busy or broken.".into())
        }
        PutStatus::PutOk
        | PutStatus::FlushDiskTimeout
        | PutStatus::FlushSlaveTimeout
        | PutStatus::SlaveNotAvailable => BrokerError::System("unexpected store status".into()),
    }
}

#[cfg(test)]
mod tests {
    use cometmq_remoting::header::{CommandHeader, SendMessageResponseHeader};
    use cometmq_remoting::message::create_offset_msg_id;

    use super::*;

    #[test]
    fn the_response_header_is_the_typed_headers() {
        let host: SocketAddr = "10.1.2.3:10911".parse().unwrap();
        for (starts, uniq) in [(&[][..], Some("U1")), (&[0usize, 1100][..], None)] {
            let mut ext = ExtFields::new();
            write_send_response_header(
                &mut ext,
                SendResponseFields {
                    store_host: host,
                    phys_offset: 4096,
                    record_starts: starts,
                    queue_id: 3,
                    queue_offset: 77,
                    transaction_id: uniq,
                    region: "DefaultRegion",
                    trace_on: true,
                },
            );
            let msg_id = if starts.is_empty() {
                create_offset_msg_id(host, 4096)
            } else {
                starts
                    .iter()
                    .map(|s| create_offset_msg_id(host, 4096 + *s as i64))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let typed = SendMessageResponseHeader {
                msg_id,
                queue_id: 3,
                queue_offset: 77,
                transaction_id: uniq.map(str::to_owned),
                msg_region: Some("DefaultRegion".into()),
                trace_on: Some(true),
                ..Default::default()
            };
            assert_eq!(ext, typed.to_ext_fields());
        }
    }
}
