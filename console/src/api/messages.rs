//! The messages page: search by topic and time range, by key, by message id; send one;
//! resend one to a consumer group.

use cometmq_client::admin::{ReadSpec, RETRY_GROUP_TOPIC_PREFIX};
use cometmq_client::MessageExt;
use cometmq_remoting::clock::now_ms;
use serde_json::{json, Value};

use super::{field, opt_field, render};
use crate::error::{ConsoleError, Result};
use crate::query::Query;
use crate::server::State;

/// Messages listed at most by one search.
pub const MAX_RESULTS: usize = 64;

/// `GET /api/messages?topic=&(id=|key=|begin=&end=)`: the messages found, newest first.
pub async fn search(state: &State, q: &Query) -> Result<Value> {
    let topic = q.required("topic")?;
    let found = if let Some(id) = q.get("id") {
        state.admin.query_msg_by_id(topic, id.trim()).await?
    } else if let Some(key) = q.get("key") {
        let begin = q.int("begin")?.unwrap_or(0);
        let end = q.int("end")?.unwrap_or(i64::MAX);
        let n = MAX_RESULTS as i32;
        state
            .admin
            .query_msg_by_key(topic, key.trim(), n, begin, end)
            .await?
    } else {
        let end = q.int("end")?.unwrap_or_else(now_ms);
        let begin = q.int("begin")?.unwrap_or(end - 3_600_000);
        if begin > end {
            return Err(ConsoleError::bad("begin is after end"));
        }
        let spec = ReadSpec {
            begin_ms: Some(begin),
            end_ms: Some(end),
            limit: Some(MAX_RESULTS),
            ..ReadSpec::default()
        };
        state
            .admin
            .read_messages(topic, &spec)
            .await?
            .into_iter()
            .flat_map(|q| q.messages)
            .collect()
    };
    Ok(list(found))
}

/// The JSON of messages, newest first.
pub fn list(mut found: Vec<MessageExt>) -> Value {
    found.sort_by_key(|m| std::cmp::Reverse(m.store_timestamp));
    let truncated = found.len() > MAX_RESULTS;
    found.truncate(MAX_RESULTS);
    let rows: Vec<Value> = found.iter().map(render::message).collect();
    json!({ "messages": rows, "truncated": truncated })
}

/// `POST /api/messages/send {topic, body, tags, keys}`: `sendMessage`.
pub async fn send(state: &State, body: &Value) -> Result<Value> {
    let topic = field(body, "topic")?;
    let text = body.get("body").and_then(Value::as_str).unwrap_or_default();
    let out = state
        .admin
        .send_message(
            topic,
            text.as_bytes(),
            opt_field(body, "tags"),
            opt_field(body, "keys"),
            None,
        )
        .await?;
    super::to_json(&outcome(&out))
}

/// `POST /api/messages/resend {topic, msgId, group}`: sends a copy of the message to the
/// group's retry topic, so that the group's consumers receive it again.
pub async fn resend(state: &State, body: &Value) -> Result<Value> {
    let topic = field(body, "topic")?;
    let id = field(body, "msgId")?;
    let group = field(body, "group")?;
    let found = state.admin.query_msg_by_id(topic, id).await?;
    let m = found
        .first()
        .ok_or_else(|| ConsoleError::bad(format!("message {id} not found in {topic}")))?;
    let out = resend_to_group(state, m, group).await?;
    super::to_json(&outcome(&out))
}

/// Sends a copy of `m` (body, tags, keys) to `group`'s retry topic.
pub async fn resend_to_group(
    state: &State,
    m: &MessageExt,
    group: &str,
) -> Result<cometmq_client::admin::SendOutcome> {
    let retry = format!("{RETRY_GROUP_TOPIC_PREFIX}{group}");
    Ok(state
        .admin
        .send_message(&retry, &m.body, m.tags(), m.keys(), None)
        .await?)
}

fn outcome(o: &cometmq_client::admin::SendOutcome) -> Value {
    json!({
        "status": o.status,
        "msgId": o.msg_id,
        "offsetMsgId": o.offset_msg_id,
        "topic": o.queue.topic,
        "brokerName": o.queue.broker_name,
        "queueId": o.queue.queue_id,
        "queueOffset": o.queue_offset,
    })
}
