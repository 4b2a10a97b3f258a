//! ACK_MESSAGE (200051), BATCH_ACK_MESSAGE (200151) and CHANGE_MESSAGE_INVISIBLETIME
//! (200053), as Java's `AckMessageProcessor` and `ChangeInvisibleTimeProcessor`: each
//! writes ack records (and, for a change of invisible time, a new one-message checkpoint)
//! to the revive topic; the revive service pairs them with their checkpoints.

use std::sync::Arc;

use cometmq_remoting::body::fastjson;
use cometmq_remoting::body::pop::{BatchAck, BatchAckMessageRequestBody};
use cometmq_remoting::code::response;
use cometmq_remoting::header::{
    AckMessageRequestHeader, ChangeInvisibleTimeRequestHeader, ChangeInvisibleTimeResponseHeader,
};
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;

use crate::error::{BrokerError, Reply};
use crate::pop::order::OrderedAck;
use crate::pop::put_record;
use crate::pop::receipt::{real_topic, Receipt, ORDER_REVIVE_QUEUE};
use crate::pop::records::{
    ack_unique_id, ck_unique_id, AckRecord, CheckPoint, ACK_TAG, BATCH_ACK_TAG, CK_TAG,
};
use crate::state::{now_ms, BrokerState};

/// The checks ACK and CHANGE_INVISIBLETIME share: group, topic, queue, offset, receipt.
fn check_target(
    state: &BrokerState,
    group: &str,
    topic: &str,
    queue_id: i32,
    offset: i64,
    extra_info: &str,
) -> Result<Result<Receipt, RemotingCommand>, BrokerError> {
    if state.groups.get(group).is_none() {
        return Err(BrokerError::SubscriptionGroupNotExist(format!(
            "subscription group [{group}] does not exist"
        )));
    }
    let t = state.topics.get(topic).ok_or_else(|| {
        BrokerError::TopicNotExist(format!("topic[{topic}] not exist, apply first please!"))
    })?;
    if queue_id < 0 || queue_id >= t.read_queue_nums {
        return Err(BrokerError::MessageIllegal(format!(
            "queueId[{queue_id}] is illegal, topic:[{topic}] topicConfig.readQueueNums:[{}]",
            t.read_queue_nums
        )));
    }
    let min = state.store.min_offset(topic, queue_id);
    let max = state.store.max_offset(topic, queue_id);
    if offset < min || offset > max {
        return Ok(Err(RemotingCommand::response(
            response::NO_MESSAGE,
            Some(format!(
                "offset is illegal, key:{topic}@{queue_id}, commit:{offset}, store:{min}~{max}"
            )),
        )));
    }
    let receipt = Receipt::parse(extra_info).map_err(BrokerError::MessageIllegal)?;
    let revive_queues = state.config().revive_queue_num;
    let orderly = receipt.revive_qid == ORDER_REVIVE_QUEUE;
    if !orderly && (receipt.revive_qid < 0 || receipt.revive_qid >= revive_queues) {
        return Err(BrokerError::MessageIllegal(format!(
            "extraInfo's reviveQid {} is not a revive queue (0..{revive_queues})",
            receipt.revive_qid
        )));
    }
    if receipt.queue_id != queue_id || receipt.ck_offset > offset {
        return Err(BrokerError::MessageIllegal(format!(
            "extraInfo [{extra_info}] does not match queue {queue_id} offset {offset}"
        )));
    }
    Ok(Ok(receipt))
}

/// Acks `offset` of an orderly pop (Java `ackOrderly`): the group's offset moves to the
/// first message of the pop not acked yet, which unblocks the queue once all are.
async fn ack_orderly(
    state: &BrokerState,
    group: &str,
    topic: &str,
    queue_id: i32,
    offset: i64,
    pop_time: i64,
) -> Result<(), BrokerError> {
    let committed = || state.offsets.query(group, topic, queue_id).unwrap_or(-1);
    if offset < committed() {
        return Ok(());
    }
    let lock = state.pop.queue_lock(topic, group, queue_id);
    let _held = lock.lock().await;
    let old = committed();
    if offset < old {
        return Ok(());
    }
    match state
        .pop
        .order
        .ack(topic, group, queue_id, offset, pop_time)
    {
        OrderedAck::Next(next) => {
            if next > old {
                state.offsets.commit(group, topic, queue_id, next);
            }
            Ok(())
        }
        OrderedAck::Stale => Ok(()),
        OrderedAck::Unknown => Err(BrokerError::MessageIllegal(format!(
            "offset is illegal, key:{topic}@{group}@{queue_id}, old:{old}, commit:{offset}"
        ))),
    }
}

/// Writes an ack record; a failed write is SYSTEM_ERROR.
async fn put_ack(state: &BrokerState, revive_qid: i32, ack: &AckRecord) -> Result<(), BrokerError> {
    let tag = if ack.ack_offset_list.is_some() {
        BATCH_ACK_TAG
    } else {
        ACK_TAG
    };
    let body = serde_json::to_vec(ack).map_err(|e| BrokerError::System(e.to_string()))?;
    let status = put_record(state, revive_qid, tag, ack_unique_id(ack), &body).await;
    if status.is_stored() {
        Ok(())
    } else {
        Err(BrokerError::System(format!(
            "put ack msg error: {status:?}"
        )))
    }
}

/// ACK_MESSAGE.
pub async fn ack_message(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: AckMessageRequestHeader = req.decode_header()?;
    let receipt = match check_target(
        &state,
        &h.consumer_group,
        &h.topic,
        h.queue_id,
        h.offset,
        &h.extra_info,
    )? {
        Ok(r) => r,
        Err(resp) => return Ok(resp),
    };
    if receipt.revive_qid == ORDER_REVIVE_QUEUE {
        ack_orderly(
            &state,
            &h.consumer_group,
            &h.topic,
            h.queue_id,
            h.offset,
            receipt.pop_time,
        )
        .await?;
        return Ok(RemotingCommand::success());
    }
    let ack = AckRecord {
        ack_offset: h.offset,
        ack_offset_list: None,
        broker_name: receipt.broker_name,
        consumer_group: h.consumer_group,
        pop_time: receipt.pop_time,
        queue_id: h.queue_id,
        start_offset: receipt.ck_offset,
        topic: h.topic,
    };
    put_ack(&state, receipt.revive_qid, &ack).await?;
    Ok(RemotingCommand::success())
}

/// BATCH_ACK_MESSAGE.
pub async fn batch_ack(state: Arc<BrokerState>, _conn: Connection, req: RemotingCommand) -> Reply {
    let bytes = req.body.to_bytes();
    let body: Option<BatchAckMessageRequestBody> = if bytes.is_empty() {
        None
    } else {
        Some(
            fastjson::from_slice(&bytes)
                .map_err(|e| BrokerError::BadBody(format!("bad BATCH_ACK_MESSAGE body: {e}")))?,
        )
    };
    let Some(body) = body.filter(|b| !b.acks.is_empty()) else {
        return Ok(RemotingCommand::response(response::NO_MESSAGE, None));
    };
    for ack in &body.acks {
        batch_ack_one(&state, ack, &body.broker_name).await?;
    }
    Ok(RemotingCommand::success())
}

/// One pop's acks of a batch; acks of unknown queues or offsets are dropped, as in Java.
async fn batch_ack_one(
    state: &BrokerState,
    b: &BatchAck,
    broker_name: &str,
) -> Result<(), BrokerError> {
    if state.groups.get(&b.consumer_group).is_none() {
        return Err(BrokerError::SubscriptionGroupNotExist(format!(
            "subscription group [{}] does not exist",
            b.consumer_group
        )));
    }
    let orderly = b.revive_queue_id == ORDER_REVIVE_QUEUE;
    let revive_queues = state.config().revive_queue_num;
    if !orderly && (b.revive_queue_id < 0 || b.revive_queue_id >= revive_queues) {
        return Err(BrokerError::MessageIllegal(format!(
            "reviveQueueId {} is not a revive queue (0..{revive_queues})",
            b.revive_queue_id
        )));
    }
    let topic = real_topic(&b.topic, &b.consumer_group, &b.retry);
    if state.topics.get(&topic).is_none() {
        tracing::warn!(%topic, "batch ack of an unknown topic dropped");
        return Ok(());
    }
    let min = state.store.min_offset(&topic, b.queue_id);
    let max = state.store.max_offset(&topic, b.queue_id);
    let offsets: Vec<i64> = b
        .bit_set
        .iter()
        .map(|bit| b.start_offset + i64::from(*bit))
        .filter(|o| *o >= min && *o <= max)
        .collect();
    if offsets.is_empty() {
        return Ok(());
    }
    if orderly {
        for o in offsets {
            ack_orderly(state, &b.consumer_group, &topic, b.queue_id, o, b.pop_time).await?;
        }
        return Ok(());
    }
    let ack = AckRecord {
        ack_offset: -1,
        ack_offset_list: Some(offsets),
        broker_name: broker_name.to_owned(),
        consumer_group: b.consumer_group.clone(),
        pop_time: b.pop_time,
        queue_id: b.queue_id,
        start_offset: b.start_offset,
        topic,
    };
    put_ack(state, b.revive_queue_id, &ack).await
}

/// CHANGE_MESSAGE_INVISIBLETIME: a new checkpoint for the one message from now, then an
/// ack of the old one. The answer carries the new receipt's pop time.
pub async fn change_invisible_time(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: ChangeInvisibleTimeRequestHeader = req.decode_header()?;
    if h.invisible_time < 0 {
        return Err(BrokerError::InvalidParameter(format!(
            "invisibleTime {} is negative",
            h.invisible_time
        )));
    }
    let receipt = match check_target(
        &state,
        &h.consumer_group,
        &h.topic,
        h.queue_id,
        h.offset,
        &h.extra_info,
    )? {
        Ok(r) => r,
        Err(resp) => return Ok(resp),
    };
    let now = now_ms();
    if receipt.revive_qid == ORDER_REVIVE_QUEUE {
        // Orderly: the queue's block ends later (or sooner); the receipt stays valid.
        let changed = state.pop.order.change_invisible(
            &h.topic,
            &h.consumer_group,
            h.queue_id,
            receipt.pop_time,
            now + h.invisible_time,
        );
        let header = ChangeInvisibleTimeResponseHeader {
            pop_time: receipt.pop_time,
            invisible_time: changed.unwrap_or(receipt.invisible_time),
            revive_qid: ORDER_REVIVE_QUEUE,
        };
        return Ok(RemotingCommand::success().with_header(&header));
    }
    let ck = CheckPoint {
        broker_name: receipt.broker_name.clone(),
        cid: h.consumer_group.clone(),
        queue_offset_diff: vec![0],
        invisible_time: h.invisible_time,
        num: 1,
        pop_time: now,
        queue_id: h.queue_id,
        start_offset: h.offset,
        topic: h.topic.clone(),
        ..Default::default()
    };
    let body = serde_json::to_vec(&ck).map_err(|e| BrokerError::System(e.to_string()))?;
    let status = put_record(&state, receipt.revive_qid, CK_TAG, ck_unique_id(&ck), &body).await;
    if !status.is_stored() {
        return Err(BrokerError::System(format!(
            "change Invisible, put new ck error: {status:?}"
        )));
    }
    let ack = AckRecord {
        ack_offset: h.offset,
        ack_offset_list: None,
        broker_name: receipt.broker_name,
        consumer_group: h.consumer_group,
        pop_time: receipt.pop_time,
        queue_id: h.queue_id,
        start_offset: receipt.ck_offset,
        topic: h.topic,
    };
    if let Err(e) = put_ack(&state, receipt.revive_qid, &ack).await {
        tracing::error!("change Invisible, put ack msg error: {e}");
    }
    let header = ChangeInvisibleTimeResponseHeader {
        pop_time: now,
        invisible_time: h.invisible_time,
        revive_qid: receipt.revive_qid,
    };
    Ok(RemotingCommand::success().with_header(&header))
}
