//! The broker requests consumers make besides pulling: queue offsets (GET_MAX_OFFSET,
//! GET_MIN_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP) and orderly locks (LOCK_BATCH_MQ,
//! UNLOCK_BATCH_MQ).

use std::collections::BTreeSet;

use cometmq_remoting::body::client::{LockBatchRequestBody, LockBatchResponseBody};
use cometmq_remoting::body::fastjson;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    GetMaxOffsetRequestHeader, GetMaxOffsetResponseHeader, GetMinOffsetRequestHeader,
    GetMinOffsetResponseHeader, SearchOffsetRequestHeader, SearchOffsetResponseHeader,
};
use cometmq_remoting::RemotingCommand;

use crate::consumer::offset_store::BrokerResolver;
use crate::error::{ClientError, Result};
use crate::instance::ClientInstance;
use crate::message::MessageQueue;

/// The master address of `mq`'s broker group (refreshing the route on a miss).
pub(crate) async fn master_addr(instance: &ClientInstance, mq: &MessageQueue) -> Result<String> {
    instance
        .broker_addr(&mq.broker_name, &mq.topic)
        .await
        .ok_or_else(|| ClientError::BrokerNotFound {
            broker_name: mq.broker_name.clone(),
            topic: mq.topic.clone(),
        })
}

/// Sends `req` to `addr` and returns the response if it is SUCCESS.
async fn call(
    instance: &ClientInstance,
    addr: &str,
    req: RemotingCommand,
) -> Result<RemotingCommand> {
    let code = req.code;
    let resp = instance
        .remoting()
        .invoke(addr, req, instance.config().request_timeout)
        .await
        .map_err(|e| ClientError::remoting(code, addr, e))?;
    if resp.code != response::SUCCESS {
        return Err(ClientError::response(code, addr, &resp));
    }
    Ok(resp)
}

/// The next offset to be written in `mq` (its message count).
pub async fn max_offset(instance: &ClientInstance, mq: &MessageQueue) -> Result<i64> {
    let addr = master_addr(instance, mq).await?;
    let header = GetMaxOffsetRequestHeader {
        topic: mq.topic.clone(),
        queue_id: mq.queue_id,
        committed: None,
    };
    let code = request::GET_MAX_OFFSET;
    let resp = call(
        instance,
        &addr,
        RemotingCommand::request_with_header(code, &header),
    )
    .await?;
    let h: GetMaxOffsetResponseHeader = resp
        .decode_header()
        .map_err(|e| ClientError::bad_header(code, &addr, e))?;
    Ok(h.offset)
}

/// The smallest offset still stored in `mq`.
pub async fn min_offset(instance: &ClientInstance, mq: &MessageQueue) -> Result<i64> {
    let addr = master_addr(instance, mq).await?;
    let header = GetMinOffsetRequestHeader {
        topic: mq.topic.clone(),
        queue_id: mq.queue_id,
    };
    let code = request::GET_MIN_OFFSET;
    let resp = call(
        instance,
        &addr,
        RemotingCommand::request_with_header(code, &header),
    )
    .await?;
    let h: GetMinOffsetResponseHeader = resp
        .decode_header()
        .map_err(|e| ClientError::bad_header(code, &addr, e))?;
    Ok(h.offset)
}

/// The offset of the first message of `mq` stored at or after `timestamp_ms`.
pub async fn search_offset(
    instance: &ClientInstance,
    mq: &MessageQueue,
    timestamp_ms: i64,
) -> Result<i64> {
    let addr = master_addr(instance, mq).await?;
    let header = SearchOffsetRequestHeader {
        topic: mq.topic.clone(),
        queue_id: mq.queue_id,
        timestamp: timestamp_ms,
        boundary_type: None,
    };
    let code = request::SEARCH_OFFSET_BY_TIMESTAMP;
    let resp = call(
        instance,
        &addr,
        RemotingCommand::request_with_header(code, &header),
    )
    .await?;
    let h: SearchOffsetResponseHeader = resp
        .decode_header()
        .map_err(|e| ClientError::bad_header(code, &addr, e))?;
    Ok(h.offset)
}

fn lock_body(
    instance: &ClientInstance,
    group: &str,
    mqs: &BTreeSet<MessageQueue>,
) -> Result<Vec<u8>> {
    let body = LockBatchRequestBody {
        client_id: instance.client_id().to_owned(),
        consumer_group: group.to_owned(),
        mq_set: mqs.clone(),
        only_this_broker: false,
    };
    serde_json::to_vec(&body).map_err(|e| ClientError::invalid("lock request", e.to_string()))
}

/// Asks the broker at `addr` to lock `mqs` for this client (LOCK_BATCH_MQ); returns the
/// queues this client now holds.
pub async fn lock_batch(
    instance: &ClientInstance,
    addr: &str,
    group: &str,
    mqs: &BTreeSet<MessageQueue>,
) -> Result<BTreeSet<MessageQueue>> {
    let code = request::LOCK_BATCH_MQ;
    let req = RemotingCommand::request(code).with_body(lock_body(instance, group, mqs)?);
    let resp = call(instance, addr, req).await?;
    let body: LockBatchResponseBody = fastjson::from_slice(&resp.body.to_bytes())
        .map_err(|e| ClientError::bad_body(code, addr, e))?;
    Ok(body.lock_ok_mq_set)
}

/// Releases this client's locks on `mqs` at the broker at `addr` (UNLOCK_BATCH_MQ).
pub async fn unlock_batch(
    instance: &ClientInstance,
    addr: &str,
    group: &str,
    mqs: &BTreeSet<MessageQueue>,
) -> Result<()> {
    let req = RemotingCommand::request(request::UNLOCK_BATCH_MQ)
        .with_body(lock_body(instance, group, mqs)?);
    call(instance, addr, req).await.map(|_| ())
}
