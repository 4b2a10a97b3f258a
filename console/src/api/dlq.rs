//! The DLQ page: a group's dead letters (`%DLQ%group`), resent one or all to the group's
//! retry topic.

use cometmq_client::admin::{ReadSpec, DLQ_GROUP_TOPIC_PREFIX};
use serde_json::{json, Value};

use super::field;
use super::messages::{list as render_list, resend_to_group, MAX_RESULTS};
use crate::error::{ConsoleError, Result};
use crate::query::Query;
use crate::server::State;

/// Dead letters resent at most by one "resend all".
pub const MAX_RESEND: usize = 1024;

/// `GET /api/dlq?group=`: the group's dead letters, newest first.
pub async fn list(state: &State, q: &Query) -> Result<Value> {
    let group = q.required("group")?;
    let dlq = format!("{DLQ_GROUP_TOPIC_PREFIX}{group}");
    let spec = ReadSpec {
        limit: Some(MAX_RESULTS),
        ..ReadSpec::default()
    };
    let found = match state.admin.read_messages(&dlq, &spec).await {
        Ok(r) => r.into_iter().flat_map(|q| q.messages).collect(),
        Err(cometmq_client::ClientError::NoRoute { .. }) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let mut v = render_list(found);
    v["topic"] = Value::String(dlq);
    Ok(v)
}

/// `POST /api/dlq/resend {group, msgId | all: true}`: sends the dead letter (or every one,
/// up to [`MAX_RESEND`]) to the group's retry topic.
pub async fn resend(state: &State, body: &Value) -> Result<Value> {
    let group = field(body, "group")?;
    let dlq = format!("{DLQ_GROUP_TOPIC_PREFIX}{group}");
    let all = body.get("all").and_then(Value::as_bool).unwrap_or(false);
    let messages = if all {
        let spec = ReadSpec {
            limit: Some(MAX_RESEND),
            ..ReadSpec::default()
        };
        state
            .admin
            .read_messages(&dlq, &spec)
            .await?
            .into_iter()
            .flat_map(|q| q.messages)
            .collect()
    } else {
        let id = field(body, "msgId")?;
        state.admin.query_msg_by_id(&dlq, id).await?
    };
    if messages.is_empty() {
        return Err(ConsoleError::bad(format!("no message to resend in {dlq}")));
    }
    let mut resent = Vec::new();
    for m in &messages {
        let out = resend_to_group(state, m, group).await?;
        resent.push(json!({ "msgId": m.msg_id(), "newMsgId": out.msg_id }));
    }
    Ok(json!({ "group": group, "resent": resent }))
}
