//! The traces page: what the trace topic says happened to a message id
//! (`Admin::query_msg_trace_by_id`, as `mqadmin queryMsgTraceById`), in time order.

use serde_json::{json, Value};

use super::to_json;
use crate::error::Result;
use crate::query::Query;
use crate::server::State;

/// `GET /api/trace?id=&traceTopic=`: the decoded trace events of message `id`.
pub async fn trace(state: &State, q: &Query) -> Result<Value> {
    let id = q.required("id")?.trim();
    let topic = q.get("traceTopic").unwrap_or(&state.config.trace_topic);
    let events = match state.admin.query_msg_trace_by_id(topic, id).await {
        Ok(e) => e,
        Err(cometmq_client::ClientError::NoRoute { .. }) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    Ok(json!({ "msgId": id, "traceTopic": topic, "events": to_json(&events)? }))
}
