//! POP_MESSAGE (200050), as Java's `PopMessageProcessor` with the merge buffer off: each
//! queue read writes a checkpoint to the revive topic and moves the group's offset past
//! what it handed out (see [`crate::pop`]). A pop that finds nothing waits up to its
//! `pollTime` for messages to arrive (long polling), on the same growth signal held pulls
//! wait on.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cometmq_filter::Selector;
use cometmq_remoting::body::client::{SubscriptionData, EXPRESSION_SQL92};
use cometmq_remoting::body::perm;
use cometmq_remoting::code::response;
use cometmq_remoting::header::{PopMessageRequestHeader, PopMessageResponseHeader};
use cometmq_remoting::message::{decode_record, property, DecodeOptions, RecordParts};
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;
use cometmq_store::GetStatus;
use futures::future::select_all;
use rand::Rng;

use crate::error::{BrokerError, Reply};
use crate::filter::PullFilter;
use crate::pop::receipt::{self, pop_retry_topic, ORDER_REVIVE_QUEUE};
use crate::pop::records::{ck_unique_id, CheckPoint, CK_TAG};
use crate::state::{now_ms, BrokerState};

/// Java's limit on one pop's batch.
const MAX_POP_BATCH: i32 = 32;
/// How often a held pop reads again without a growth signal.
const RECHECK_HELD_POP: Duration = Duration::from_secs(5);

/// What one pop request collects over the queues it reads.
struct Popped {
    messages: Vec<Bytes>,
    total_size: usize,
    rest_num: i64,
    start_offset_info: String,
    msg_offset_info: String,
    order_count_info: String,
}

/// One pop request's fixed inputs.
struct PopRequest {
    h: PopMessageRequestHeader,
    sub: SubscriptionData,
    sql: Option<Arc<Selector>>,
    revive_qid: i32,
    pop_time: i64,
    max: usize,
    retry_topic: String,
    /// Orderly pop: no checkpoint, no retry topic, the queue held until acked.
    order: bool,
}

/// POP_MESSAGE.
pub async fn pop_message(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: PopMessageRequestHeader = req.decode_header()?;
    let cfg = state.config();
    if !perm::is_readable(cfg.broker_permission) {
        return Err(BrokerError::NoPermission(format!(
            "the broker[{}] pop message is forbidden",
            state.broker_addr
        )));
    }
    if h.max_msg_nums > MAX_POP_BATCH {
        return Err(BrokerError::System(format!(
            "the broker[{}] pop message's num is greater than 32",
            state.broker_addr
        )));
    }
    if h.invisible_time <= 0 || h.max_msg_nums <= 0 {
        return Err(BrokerError::InvalidParameter(format!(
            "pop needs invisibleTime > 0 and maxMsgNums > 0, got {} and {}",
            h.invisible_time, h.max_msg_nums
        )));
    }
    let topic = check_target(&state, &h.consumer_group, &h.topic, h.queue_id).await?;
    let (sub, sql) = subscription(&state, &h)?;
    let order = h.order == Some(true);
    let revive_qid = if order {
        ORDER_REVIVE_QUEUE
    } else {
        state.pop.next_revive_qid(cfg.revive_queue_num)
    };
    let max = usize::try_from(h.max_msg_nums).unwrap_or(1);
    let retry_topic = pop_retry_topic(&h.topic, &h.consumer_group, cfg.enable_retry_topic_v2);
    let mut p = PopRequest {
        h,
        sub,
        sql,
        revive_qid,
        pop_time: now_ms(),
        max,
        retry_topic,
        order,
    };
    let queues = topic.read_queue_nums;
    let hold = Duration::from_millis(u64::try_from(p.h.poll_time).unwrap_or(0));
    let deadline = tokio::time::Instant::now() + hold;
    let mut held = None;
    let popped = loop {
        let mut growth = watch_queues(&state, &p, queues);
        let popped = pop_once(&state, &p, queues).await?;
        if !popped.messages.is_empty() || tokio::time::Instant::now() >= deadline {
            break popped;
        }
        if held.is_none() {
            cometmq_remoting::transport::holding_request();
            held = Some(
                state
                    .pop
                    .hold(&p.h.topic, &p.h.consumer_group, p.h.queue_id),
            );
        }
        let wake = deadline.min(tokio::time::Instant::now() + RECHECK_HELD_POP);
        let changed = select_all(growth.iter_mut().map(|rx| Box::pin(rx.changed())));
        let _ = tokio::time::timeout_at(wake, changed).await;
        p.pop_time = now_ms();
    };
    Ok(respond(&state, &p, popped))
}

/// The checks POP, PEEK and NOTIFICATION share (Java's order and answers): the topic is
/// readable, the queue exists, the group exists (auto-created if allowed) and may consume.
pub(super) async fn check_target(
    state: &BrokerState,
    group: &str,
    topic: &str,
    queue_id: i32,
) -> Result<cometmq_remoting::body::TopicConfig, BrokerError> {
    let config = state.topics.get(topic).ok_or_else(|| {
        BrokerError::TopicNotExist(format!("topic[{topic}] not exist, apply first please!"))
    })?;
    if !perm::is_readable(config.perm) {
        return Err(BrokerError::NoPermission(format!(
            "the topic[{topic}] peeking message is forbidden"
        )));
    }
    if queue_id >= config.read_queue_nums {
        return Err(BrokerError::System(format!(
            "queueId[{queue_id}] is illegal, topic:[{topic}] topicConfig.readQueueNums:[{}] consumer:[{group}]",
            config.read_queue_nums
        )));
    }
    let (group_config, created) = state.groups.get_or_auto_create(group).ok_or_else(|| {
        BrokerError::SubscriptionGroupNotExist(format!(
            "subscription group [{group}] does not exist"
        ))
    })?;
    if created {
        state.groups.persist().await;
    }
    if !group_config.consume_enable {
        return Err(BrokerError::NoPermission(format!(
            "subscription group no permission, {group}"
        )));
    }
    Ok(config)
}

/// The growth signals of every queue a pop reads (its topic's and the retry topic's).
fn watch_queues(
    state: &BrokerState,
    p: &PopRequest,
    queues: i32,
) -> Vec<tokio::sync::watch::Receiver<i64>> {
    let mut rx: Vec<_> = if p.h.queue_id < 0 {
        (0..queues)
            .map(|q| state.store.subscribe_growth(&p.h.topic, q))
            .collect()
    } else {
        vec![state.store.subscribe_growth(&p.h.topic, p.h.queue_id)]
    };
    rx.push(state.store.subscribe_growth(&p.retry_topic, 0));
    rx
}

/// Reads the retry topic and the topic's queues once, as Java orders them.
async fn pop_once(
    state: &Arc<BrokerState>,
    p: &PopRequest,
    queues: i32,
) -> Result<Popped, BrokerError> {
    let mut out = Popped {
        messages: Vec::new(),
        total_size: 0,
        rest_num: 0,
        start_offset_info: String::new(),
        msg_offset_info: String::new(),
        order_count_info: String::new(),
    };
    let cfg = state.config();
    let random: i32 = rand::thread_rng().gen_range(0..100);
    let retry_first = random < cfg.pop_from_retry_probability;
    let retry_exists = !p.order && state.topics.get(&p.retry_topic).is_some();
    if retry_first && retry_exists {
        pop_queue(state, p, &p.retry_topic, 0, &mut out).await?;
    }
    if p.h.queue_id < 0 {
        for i in 0..queues {
            let q = (random + i) % queues.max(1);
            pop_queue(state, p, &p.h.topic, q, &mut out).await?;
        }
    } else {
        pop_queue(state, p, &p.h.topic, p.h.queue_id, &mut out).await?;
    }
    if !retry_first && retry_exists && out.messages.len() < p.max {
        pop_queue(state, p, &p.retry_topic, 0, &mut out).await?;
    }
    Ok(out)
}

/// Pops from one queue: reads from the group's offset, writes the checkpoint, moves the
/// offset past what was read.
async fn pop_queue(
    state: &Arc<BrokerState>,
    p: &PopRequest,
    topic: &str,
    queue_id: i32,
    out: &mut Popped,
) -> Result<(), BrokerError> {
    let group = p.h.consumer_group.as_str();
    let lock = state.pop.queue_lock(topic, group, queue_id);
    let _held = lock.lock().await;
    let mut offset = match state.offsets.query(group, topic, queue_id) {
        Some(o) if o >= 0 => o,
        _ => {
            let o = pop_offset(state, group, topic, queue_id, p.h.init_mode);
            state.offsets.commit(group, topic, queue_id, o);
            o
        }
    };
    if out.messages.len() >= p.max {
        out.rest_num += state.store.max_offset(topic, queue_id) - offset;
        return Ok(());
    }
    if p.order && state.pop.order.is_blocked(topic, group, queue_id, now_ms()) {
        return Ok(());
    }
    let want = p.max - out.messages.len();
    let mut result = read(state, p, topic, queue_id, offset, want).await?;
    if matches!(
        result.status,
        GetStatus::OffsetTooSmall | GetStatus::OffsetOverflowBadly | GetStatus::OffsetFoundNull
    ) {
        offset = result.next_begin_offset;
        state.offsets.commit(group, topic, queue_id, offset);
        result = read(state, p, topic, queue_id, offset, want).await?;
    }
    if !result.messages.is_empty() {
        if p.order {
            state.pop.order.update(
                topic,
                group,
                queue_id,
                p.pop_time,
                p.h.invisible_time,
                &result.queue_offsets,
                &mut out.order_count_info,
            );
            // The offset stays at the first message until the acks move it.
            state.offsets.commit(group, topic, queue_id, offset);
        } else if !write_checkpoint(state, p, topic, queue_id, offset, &result.queue_offsets)
            .await?
        {
            // Nothing handed out: the offset stays, as Java's pop does when the
            // checkpoint cannot be written.
            out.rest_num += result.max_offset - offset;
            return Ok(());
        } else {
            state
                .offsets
                .commit(group, topic, queue_id, result.next_begin_offset);
        }
        receipt::add_start_offset(&mut out.start_offset_info, topic, queue_id, offset);
        receipt::add_msg_offsets(
            &mut out.msg_offset_info,
            topic,
            queue_id,
            &result.queue_offsets,
        );
        state
            .stats
            .on_pull(topic, group, result.messages.len(), result.total_size);
        let is_retry = topic != p.h.topic;
        for record in result.messages {
            let record = if is_retry {
                match as_popped_retry(state, p, offset, &record) {
                    Some(r) => r,
                    None => continue,
                }
            } else {
                record
            };
            out.total_size += record.len();
            out.messages.push(record);
        }
    } else if matches!(
        result.status,
        GetStatus::NoMatchedMessage
            | GetStatus::MessageWasRemoving
            | GetStatus::NoMatchedLogicQueue
    ) && result.next_begin_offset > offset
    {
        state
            .offsets
            .commit(group, topic, queue_id, result.next_begin_offset);
    }
    out.rest_num += result.max_offset - result.next_begin_offset.max(offset);
    Ok(())
}

/// Appends the checkpoint of a pop of `offsets` (from `start`); false if it could not be
/// stored.
async fn write_checkpoint(
    state: &BrokerState,
    p: &PopRequest,
    topic: &str,
    queue_id: i32,
    start: i64,
    offsets: &[i64],
) -> Result<bool, BrokerError> {
    let ck = CheckPoint {
        broker_name: state.config().broker_name.clone(),
        cid: p.h.consumer_group.clone(),
        queue_offset_diff: offsets
            .iter()
            .map(|o| i32::try_from(o - start).unwrap_or(i32::MAX))
            .collect(),
        invisible_time: p.h.invisible_time,
        num: i8::try_from(offsets.len()).unwrap_or(i8::MAX),
        pop_time: p.pop_time,
        queue_id,
        start_offset: start,
        topic: topic.to_owned(),
        ..Default::default()
    };
    let body = serde_json::to_vec(&ck).map_err(|e| BrokerError::System(e.to_string()))?;
    let status =
        crate::pop::put_record(state, p.revive_qid, CK_TAG, ck_unique_id(&ck), &body).await;
    Ok(status.is_stored())
}

/// A retried message as Java's pop returns it: its topic set back to the request's and
/// its receipt in the `POP_CK` property (the response's offset info names the retry
/// topic's queue, which the client cannot tell apart otherwise).
fn as_popped_retry(
    state: &BrokerState,
    p: &PopRequest,
    ck_offset: i64,
    record: &Bytes,
) -> Option<Bytes> {
    let msg = decode_record(record, DecodeOptions::DEFAULT).ok()?;
    let mut props = msg.properties.clone();
    if props.get(property::POP_CK).is_none() {
        let ck = receipt::build(
            ck_offset,
            p.pop_time,
            p.h.invisible_time,
            p.revive_qid,
            &msg.topic,
            &state.config().broker_name,
            msg.queue_id,
            msg.queue_offset,
        );
        props.insert(property::POP_CK, ck);
    }
    let text = props.encode();
    let parts = RecordParts {
        topic: &p.h.topic,
        queue_offset: msg.queue_offset,
        physical_offset: msg.commit_log_offset,
        store_timestamp: msg.store_timestamp,
        store_host: msg.store_host,
        properties: text.as_bytes(),
        ..RecordParts::from_stored(&msg, &[], msg.store_host)
    };
    crate::append::encode(&parts).ok().map(|b| b.freeze())
}

/// Where the group's next pop of a queue starts: its offset, else [`init_offset`].
pub(super) fn pop_offset(
    state: &BrokerState,
    group: &str,
    topic: &str,
    queue_id: i32,
    init_mode: i32,
) -> i64 {
    match state.offsets.query(group, topic, queue_id) {
        Some(o) if o >= 0 => o,
        _ => init_offset(state, topic, queue_id, init_mode),
    }
}

/// Where a group without an offset starts (Java `getInitOffset`): the first message for
/// `initMode` MIN (0) and for retry topics; else the last one (a queue whose first
/// message is still at offset 0 starts there, as Java's `initPopOffsetByCheckMsgInMem`).
fn init_offset(state: &BrokerState, topic: &str, queue_id: i32, init_mode: i32) -> i64 {
    let min = state.store.min_offset(topic, queue_id);
    if init_mode == 0 || topic.starts_with(crate::topic_names::RETRY_PREFIX) || min <= 0 {
        min.max(0)
    } else {
        (state.store.max_offset(topic, queue_id) - 1).max(0)
    }
}

async fn read(
    state: &Arc<BrokerState>,
    p: &PopRequest,
    topic: &str,
    queue_id: i32,
    offset: i64,
    max: usize,
) -> Result<cometmq_store::GetResult, BrokerError> {
    let (group, topic) = (p.h.consumer_group.clone(), topic.to_owned());
    let is_retry = topic != p.h.topic;
    let sub = if is_retry {
        SubscriptionData::for_tags(&topic, "*", 0)
    } else {
        p.sub.clone()
    };
    let sql = if is_retry { None } else { p.sql.clone() };
    state
        .read_store(move |store| {
            store.get_messages(
                Some(&group),
                &topic,
                queue_id,
                offset,
                max,
                &PullFilter {
                    sub: &sub,
                    sql: sql.as_deref(),
                    retry_sql: &[],
                },
            )
        })
        .await
}

/// The pop's filter: its `exp` (TAG or SQL92), `*` when absent.
fn subscription(
    state: &BrokerState,
    h: &PopMessageRequestHeader,
) -> Result<(SubscriptionData, Option<Arc<Selector>>), BrokerError> {
    let exp = h.exp.as_deref().filter(|e| !e.is_empty()).unwrap_or("*");
    let exp_type = h.exp_type.clone().unwrap_or_else(|| "TAG".into());
    super::pull::check_expression_type(&state.config(), &exp_type)?;
    if exp_type.trim().eq_ignore_ascii_case(EXPRESSION_SQL92) {
        let sub = SubscriptionData::for_sql(&h.topic, exp, 0);
        let sql = state
            .sql_filters
            .get(&h.consumer_group, &h.topic, &sub.sub_string)
            .map_err(|e| {
                BrokerError::SubscriptionParseFailed(format!(
                    "parse the consumer's subscription failed: {e}"
                ))
            })?;
        Ok((sub, Some(sql)))
    } else {
        Ok((super::pull::parse_tags(&h.topic, exp, 0)?, None))
    }
}

/// The POP response: SUCCESS with the records, or POLLING_TIMEOUT when none were found.
fn respond(state: &BrokerState, p: &PopRequest, popped: Popped) -> RemotingCommand {
    let _ = state;
    let header = PopMessageResponseHeader {
        pop_time: p.pop_time,
        invisible_time: p.h.invisible_time,
        revive_qid: p.revive_qid,
        rest_num: popped.rest_num,
        start_offset_info: Some(popped.start_offset_info),
        msg_offset_info: Some(popped.msg_offset_info),
        order_count_info: p.order.then_some(popped.order_count_info),
    };
    if popped.messages.is_empty() {
        RemotingCommand::response(
            response::POLLING_TIMEOUT,
            Some("NO_MESSAGE_IN_QUEUE".into()),
        )
        .with_header(&header)
    } else {
        RemotingCommand::response(response::SUCCESS, Some("FOUND".into()))
            .with_header(&header)
            .with_body(popped.messages)
    }
}
