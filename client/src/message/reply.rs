//! Request/reply messages (RocketMQ 4.6+): the properties a request carries and the reply
//! a consumer builds from it (Java `MessageUtil.createReplyMessage`).
//!
//! A requester's [`Producer::request`](crate::producer::Producer::request) stamps
//! `CORRELATION_ID`, `REPLY_TO_CLIENT` (its client id) and `TTL`; the broker adds
//! `CLUSTER`. The consumer answers with [`create_reply_message`] and sends the reply with
//! any producer: it goes to `<cluster>_REPLY_TOPIC` as SEND_REPLY_MESSAGE_V2, and the
//! broker pushes it to the requester.

use cometmq_remoting::message::property;

use crate::error::{ClientError, Result};
use crate::message::{Message, MessageExt};

/// `MSG_TYPE` of a reply (Java `MixAll.REPLY_MESSAGE_FLAG`).
pub const REPLY_MESSAGE_FLAG: &str = "reply";

/// The reply topic of `cluster` (Java `MixAll.getReplyTopic`).
pub fn reply_topic(cluster: &str) -> String {
    format!("{cluster}_REPLY_TOPIC")
}

/// The reply to `request` carrying `body`: to the request's cluster's reply topic, with
/// its correlation id, requester and TTL. Fails when the request has no `CLUSTER` (it did
/// not come through a broker).
pub fn create_reply_message(
    request: &MessageExt,
    body: impl Into<bytes::Bytes>,
) -> Result<Message> {
    let cluster = request.property(property::CLUSTER).ok_or_else(|| {
        ClientError::invalid(
            "request message",
            format!(
                "create reply message fail, requestMessage error, property[{}] is null.",
                property::CLUSTER
            ),
        )
    })?;
    let mut b = Message::builder(reply_topic(cluster))
        .body(body)
        .property(property::MSG_TYPE, REPLY_MESSAGE_FLAG);
    for name in [
        property::CORRELATION_ID,
        property::REPLY_TO_CLIENT,
        property::TTL,
    ] {
        if let Some(v) = request.property(name) {
            b = b.property(name, v);
        }
    }
    Ok(b.build())
}
