//! Requests brokers send to clients (reference §1.4), routed to the registered members
//! (Java `ClientRemotingProcessor`).
//!
//! | code | answer |
//! |---|---|
//! | CHECK_TRANSACTION_STATE (39, one-way) | the producer of the message's `PGROUP` checks it |
//! | NOTIFY_CONSUMER_IDS_CHANGED (40, one-way) | every consumer rebalances soon |
//! | RESET_CONSUMER_CLIENT_OFFSET (220) | the group's consumer resets; no response, as Java |
//! | GET_CONSUMER_STATUS_FROM_CLIENT (221) | `GetConsumerStatusBody` of the group's offsets |
//! | GET_CONSUMER_RUNNING_INFO (307) | `ConsumerRunningInfo`, or SYSTEM_ERROR if no such group |
//! | CONSUME_MESSAGE_DIRECTLY (309) | `ConsumeMessageDirectlyResult`, or SYSTEM_ERROR |
//! | PUSH_REPLY_MESSAGE_TO_CLIENT (326) | the reply goes to the request waiting for its `CORRELATION_ID`; SUCCESS |
//!
//! Other codes get REQUEST_CODE_NOT_SUPPORTED from the router.

use std::future::Future;
use std::sync::{Arc, Weak};

use cometmq_remoting::body::client::{to_legacy_string, GetConsumerStatusBody, ResetOffsetBody};
use cometmq_remoting::body::fastjson;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    CheckTransactionStateRequestHeader, ConsumeMessageDirectlyResultRequestHeader,
    GetConsumerRunningInfoRequestHeader, GetConsumerStatusRequestHeader,
    NotifyConsumerIdsChangedRequestHeader, ReplyMessageRequestHeader, ResetOffsetRequestHeader,
};
use cometmq_remoting::message::{
    decode_record, encode_record, property, DecodeOptions, RecordParts,
};
use cometmq_remoting::transport::{fn_processor, Connection, Router};
use cometmq_remoting::RemotingCommand;

use super::ClientInstance;
use crate::message::MessageExt;

/// The router a [`ClientInstance`]'s connections answer broker requests with.
pub(super) fn router(instance: Weak<ClientInstance>) -> Router {
    Router::new()
        .route(
            request::CHECK_TRANSACTION_STATE,
            handle(&instance, check_transaction_state),
        )
        .route(
            request::NOTIFY_CONSUMER_IDS_CHANGED,
            handle(&instance, notify_ids_changed),
        )
        .route(
            request::RESET_CONSUMER_CLIENT_OFFSET,
            handle(&instance, reset_offset),
        )
        .route(
            request::GET_CONSUMER_STATUS_FROM_CLIENT,
            handle(&instance, consumer_status),
        )
        .route(
            request::GET_CONSUMER_RUNNING_INFO,
            handle(&instance, running_info),
        )
        .route(
            request::CONSUME_MESSAGE_DIRECTLY,
            handle(&instance, consume_directly),
        )
        .route(
            request::PUSH_REPLY_MESSAGE_TO_CLIENT,
            handle(&instance, receive_reply),
        )
}

/// PUSH_REPLY_MESSAGE_TO_CLIENT (Java `receiveReplyMessage`): the reply, decompressed, to
/// the request waiting for it. A reply nobody waits for (late) is logged and dropped.
async fn receive_reply(
    instance: Arc<ClientInstance>,
    _conn: Connection,
    req: RemotingCommand,
) -> Option<RemotingCommand> {
    let h: ReplyMessageRequestHeader = match req.decode_header() {
        Ok(h) => h,
        Err(e) => return error(response::SYSTEM_ERROR, format!("bad reply header: {e}")),
    };
    let host = |s: &str| {
        s.parse::<std::net::SocketAddr>()
            .unwrap_or_else(|_| std::net::SocketAddr::from(([0, 0, 0, 0], 0)))
    };
    let body = req.body.to_bytes();
    let props = h.properties.clone().unwrap_or_default();
    let mut parts = RecordParts::new(
        &h.topic,
        &body,
        props.as_bytes(),
        host(&h.born_host),
        host(&h.store_host),
    );
    parts.queue_id = h.queue_id;
    parts.flag = h.flag;
    parts.sys_flag = h.sys_flag;
    parts.born_timestamp = h.born_timestamp;
    parts.store_timestamp = h.store_timestamp;
    parts.reconsume_times = h.reconsume_times.unwrap_or(0);
    let mut buf = bytes::BytesMut::with_capacity(parts.encoded_len());
    let msg = encode_record(&parts, &mut buf)
        .and_then(|_| decode_record(&buf.freeze(), DecodeOptions::DEFAULT))
        .and_then(|r| MessageExt::from_record(r, ""));
    let msg = match msg {
        Ok(m) => m,
        Err(e) => return error(response::SYSTEM_ERROR, format!("bad reply message: {e}")),
    };
    let id = msg
        .property(property::CORRELATION_ID)
        .unwrap_or_default()
        .to_owned();
    if !instance.replies.complete(&id, msg) {
        tracing::warn!(correlation_id = %id, "receive reply message, but not matched any request");
    }
    Some(RemotingCommand::response(response::SUCCESS, None))
}

/// A processor calling `f(instance, connection, request)` while the instance is alive.
fn handle<F, Fut>(
    instance: &Weak<ClientInstance>,
    f: F,
) -> Arc<dyn cometmq_remoting::transport::RequestProcessor>
where
    F: Fn(Arc<ClientInstance>, Connection, RemotingCommand) -> Fut + Send + Sync + Copy + 'static,
    Fut: Future<Output = Option<RemotingCommand>> + Send + 'static,
{
    let instance = instance.clone();
    fn_processor(move |conn, req| {
        let instance = instance.upgrade();
        async move {
            match instance {
                Some(i) => f(i, conn, req).await,
                None => Some(RemotingCommand::response(
                    response::SYSTEM_ERROR,
                    Some("client is shut down".into()),
                )),
            }
        }
    })
}

fn error(code: i32, remark: impl Into<String>) -> Option<RemotingCommand> {
    Some(RemotingCommand::response(code, Some(remark.into())))
}

fn no_group(group: &str) -> Option<RemotingCommand> {
    error(
        response::SYSTEM_ERROR,
        format!("The Consumer Group <{group}> not exist in this consumer"),
    )
}

/// Decodes the stored-record body of a request into a message from `broker_name`.
fn body_message(req: &RemotingCommand, broker_name: &str) -> Option<MessageExt> {
    let record = decode_record(&req.body.to_bytes(), DecodeOptions::DEFAULT).ok()?;
    MessageExt::from_record(record, broker_name).ok()
}

async fn check_transaction_state(
    instance: Arc<ClientInstance>,
    conn: Connection,
    req: RemotingCommand,
) -> Option<RemotingCommand> {
    let header: CheckTransactionStateRequestHeader = match req.decode_header() {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(error = %e, "bad CHECK_TRANSACTION_STATE header");
            return None;
        }
    };
    let broker_name = header.broker_name.clone().unwrap_or_default();
    let Some(msg) = body_message(&req, &broker_name) else {
        tracing::warn!("CHECK_TRANSACTION_STATE without a decodable message");
        return None;
    };
    let Some(group) = msg.property(property::PGROUP).map(str::to_owned) else {
        tracing::warn!(msg_id = %msg.msg_id(), "checked message has no producer group");
        return None;
    };
    match instance.producer(&group) {
        Some(p) => p.check_transaction_state(&conn.peer_addr().to_string(), msg, header),
        None => tracing::debug!(%group, "transaction check for a group not in this client"),
    }
    None
}

async fn notify_ids_changed(
    instance: Arc<ClientInstance>,
    conn: Connection,
    req: RemotingCommand,
) -> Option<RemotingCommand> {
    let group = req
        .decode_header::<NotifyConsumerIdsChangedRequestHeader>()
        .map(|h| h.consumer_group)
        .unwrap_or_default();
    tracing::info!(%group, broker = %conn.peer_addr(), "consumer ids changed, rebalancing");
    for c in instance.consumers() {
        c.rebalance_requested();
    }
    None
}

async fn reset_offset(
    instance: Arc<ClientInstance>,
    _conn: Connection,
    req: RemotingCommand,
) -> Option<RemotingCommand> {
    let header: ResetOffsetRequestHeader = match req.decode_header() {
        Ok(h) => h,
        Err(e) => return Some(RemotingCommand::header_error(&e)),
    };
    let body = req.body.to_bytes();
    let table = if body.is_empty() {
        Default::default()
    } else {
        match fastjson::from_slice::<ResetOffsetBody>(&body) {
            Ok(b) => b.offset_table,
            Err(e) => return error(response::SYSTEM_ERROR, format!("bad ResetOffsetBody: {e}")),
        }
    };
    tracing::info!(group = %header.group, topic = %header.topic, queues = table.len(), "resetting offsets");
    if let Some(c) = instance.consumer(&header.group) {
        c.reset_offset(&header.topic, table).await;
    }
    None
}

async fn consumer_status(
    instance: Arc<ClientInstance>,
    _conn: Connection,
    req: RemotingCommand,
) -> Option<RemotingCommand> {
    let header: GetConsumerStatusRequestHeader = match req.decode_header() {
        Ok(h) => h,
        Err(e) => return Some(RemotingCommand::header_error(&e)),
    };
    let message_queue_table = instance
        .consumer(&header.group)
        .map(|c| c.consume_status(&header.topic))
        .unwrap_or_default();
    match to_legacy_string(&GetConsumerStatusBody {
        message_queue_table,
    }) {
        Ok(body) => Some(RemotingCommand::success().with_body(body.into_bytes())),
        Err(e) => error(response::SYSTEM_ERROR, e.to_string()),
    }
}

async fn running_info(
    instance: Arc<ClientInstance>,
    _conn: Connection,
    req: RemotingCommand,
) -> Option<RemotingCommand> {
    let header: GetConsumerRunningInfoRequestHeader = match req.decode_header() {
        Ok(h) => h,
        Err(e) => return Some(RemotingCommand::header_error(&e)),
    };
    let Some(c) = instance.consumer(&header.consumer_group) else {
        return no_group(&header.consumer_group);
    };
    let mut info = c.running_info();
    if header.jstack_enable == Some(true) {
        info.jstack = Some("thread dumps are not available from the Rust client".into());
    }
    match to_legacy_string(&info) {
        Ok(body) => Some(RemotingCommand::success().with_body(body.into_bytes())),
        Err(e) => error(response::SYSTEM_ERROR, e.to_string()),
    }
}

async fn consume_directly(
    instance: Arc<ClientInstance>,
    _conn: Connection,
    req: RemotingCommand,
) -> Option<RemotingCommand> {
    let header: ConsumeMessageDirectlyResultRequestHeader = match req.decode_header() {
        Ok(h) => h,
        Err(e) => return Some(RemotingCommand::header_error(&e)),
    };
    let Some(c) = instance.consumer(&header.consumer_group) else {
        return no_group(&header.consumer_group);
    };
    let broker_name = header.broker_name.clone().unwrap_or_default();
    let Some(msg) = body_message(&req, &broker_name) else {
        return error(response::SYSTEM_ERROR, "cannot decode the message body");
    };
    let result = c.consume_directly(msg).await;
    match serde_json::to_vec(&result) {
        Ok(body) => Some(RemotingCommand::success().with_body(body)),
        Err(e) => error(response::SYSTEM_ERROR, e.to_string()),
    }
}
