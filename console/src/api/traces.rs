//! The traces page: the trace records of a message id, read from the trace topic by key
//! (the clients key every record with the message id).

use serde_json::{json, Value};

use super::render;
use crate::error::Result;
use crate::query::Query;
use crate::server::State;

/// `GET /api/trace?id=&traceTopic=`: the trace records stored for message `id`.
pub async fn trace(state: &State, q: &Query) -> Result<Value> {
    let id = q.required("id")?.trim();
    let topic = q.get("traceTopic").unwrap_or(&state.config.trace_topic);
    let found = match state
        .admin
        .query_msg_by_key(topic, id, 64, 0, i64::MAX)
        .await
    {
        Ok(f) => f,
        Err(cometmq_client::ClientError::NoRoute { .. }) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let records: Vec<Value> = found.iter().map(render::message).collect();
    Ok(json!({ "msgId": id, "traceTopic": topic, "records": records }))
}
