//! SEND_REPLY_MESSAGE (324) and SEND_REPLY_MESSAGE_V2 (325), Java's
//! `ReplyMessageProcessor`: a consumer answers a request (a message with `CORRELATION_ID`
//! and `REPLY_TO_CLIENT`) by sending the reply here; the broker pushes it at once, as
//! PUSH_REPLY_MESSAGE_TO_CLIENT (326), to the requester's connection, found by its client
//! id among the producers it knows from heartbeats, and (with `storeReplyMessageEnable`,
//! the default) also stores it in the reply topic through the one append path.
//!
//! The answer is SYSTEM_ERROR naming the client when the push fails (the requester is not
//! connected here, or did not take it), else SUCCESS with the stored position.

use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{ReplyMessageRequestHeader, SendMessageRequestHeader};
use cometmq_remoting::message::{property, Properties, RecordParts};
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;
use cometmq_store::{PutOptions, PutStatus};

use crate::append;
use crate::error::Reply;
use crate::state::{now_ms, BrokerState};

/// How long the requester may take to take the push (Java `callClient`'s timeout).
const PUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// SEND_REPLY_MESSAGE / SEND_REPLY_MESSAGE_V2.
pub async fn send_reply(state: Arc<BrokerState>, conn: Connection, req: RemotingCommand) -> Reply {
    let h = SendMessageRequestHeader::read_for_code(req.code, &req.ext_fields)?;
    let cfg = state.config();
    let body = super::send::checked_body(&cfg, &req)?;
    let target = super::send::resolve_target(&state, &cfg, &h, req.version).await?;
    let raw = h.properties.as_deref().unwrap_or_default();
    let props = Properties::parse_lossy(raw.as_bytes());

    let pushed = push(&state, &conn, &h, &body, props).await;
    let mut resp = match &pushed {
        Ok(()) => {
            let mut r = RemotingCommand::response(response::SUCCESS, None);
            r.ext_fields.set("msgId", "0");
            r.ext_fields.set("queueId", &target.queue_id.to_string());
            r.ext_fields.set("queueOffset", "0");
            r
        }
        Err(remark) => RemotingCommand::response(response::SYSTEM_ERROR, Some(remark.clone())),
    };
    resp.ext_fields.set("MSG_REGION", &cfg.region_id);
    resp.ext_fields
        .set("TRACE_ON", if cfg.trace_on { "true" } else { "false" });
    if cfg.store_reply_message_enable {
        let mut parts = RecordParts::new(
            &target.topic,
            &body,
            raw.as_bytes(),
            conn.peer_addr(),
            state.store_host,
        );
        parts.queue_id = target.queue_id;
        parts.flag = h.flag;
        parts.sys_flag = h.sys_flag;
        parts.born_timestamp = h.born_timestamp;
        parts.reconsume_times = h.reconsume_times.unwrap_or(0);
        match append::encode(&parts) {
            Ok(buf) => {
                let put = append::put(
                    &state,
                    buf,
                    PutOptions {
                        batch: false,
                        wait: false,
                    },
                )
                .await;
                let stored = matches!(
                    put.status,
                    PutStatus::PutOk
                        | PutStatus::FlushDiskTimeout
                        | PutStatus::FlushSlaveTimeout
                        | PutStatus::SlaveNotAvailable
                );
                match put.appended {
                    Some(a) if stored => {
                        state.count_put(a.msg_count);
                        let mut id = String::new();
                        cometmq_remoting::message::write_offset_msg_id(
                            &mut id,
                            state.store_host,
                            a.phys_offset,
                        );
                        resp.ext_fields.set("msgId", &id);
                        resp.ext_fields
                            .set("queueOffset", &a.queue_offset.to_string());
                    }
                    _ => {
                        tracing::warn!(topic = %target.topic, status = ?put.status, "reply message not stored")
                    }
                }
            }
            Err(e) => tracing::warn!(topic = %target.topic, error = %e, "reply message not stored"),
        }
    }
    Ok(resp)
}

/// Pushes the reply to the client named by its `REPLY_TO_CLIENT` property; the error is
/// Java's remark.
async fn push(
    state: &BrokerState,
    conn: &Connection,
    h: &SendMessageRequestHeader,
    body: &[u8],
    mut props: Properties,
) -> Result<(), String> {
    let Some(client_id) = props.get(property::REPLY_TO_CLIENT).map(str::to_owned) else {
        tracing::warn!("REPLY_TO_CLIENT is null, can not reply message");
        return Err(format!(
            "reply message properties[{}] is null",
            property::REPLY_TO_CLIENT
        ));
    };
    let Some(requester) = state.clients.find_producer(&client_id) else {
        let remark = format!("push reply message fail, channel of <{client_id}> not found.");
        tracing::warn!("{remark}");
        return Err(remark);
    };
    props.insert(property::PUSH_REPLY_TIME, now_ms().to_string());
    let header = ReplyMessageRequestHeader {
        producer_group: h.producer_group.clone(),
        topic: h.topic.clone(),
        default_topic: h.default_topic.clone(),
        default_topic_queue_nums: h.default_topic_queue_nums,
        queue_id: h.queue_id,
        sys_flag: h.sys_flag,
        born_timestamp: h.born_timestamp,
        flag: h.flag,
        properties: Some(props.encode()),
        reconsume_times: h.reconsume_times,
        unit_mode: h.unit_mode,
        born_host: conn.peer_addr().to_string(),
        store_host: state.store_host.to_string(),
        store_timestamp: now_ms(),
    };
    let req = RemotingCommand::request_with_header(request::PUSH_REPLY_MESSAGE_TO_CLIENT, &header)
        .with_body(body.to_vec());
    let failed = format!("push reply message to {client_id}fail.");
    match requester.invoke(req, PUSH_TIMEOUT).await {
        Ok(r) if r.code == response::SUCCESS => Ok(()),
        Ok(r) => {
            tracing::warn!(%client_id, remark = ?r.remark, "push reply message returned a failure");
            Err(failed)
        }
        Err(e) => {
            tracing::warn!(%client_id, error = %e, "push reply message failed");
            Err(failed)
        }
    }
}
