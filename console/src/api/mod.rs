//! The JSON handlers, one file per page. Each calls [`Admin`](cometmq_client::admin::Admin)
//! — the API `mqadmin` is built on — and answers plain JSON; nothing here speaks the
//! remoting protocol itself.

pub mod cluster;
pub mod dlq;
pub mod groups;
pub mod messages;
pub mod render;
pub mod topics;
pub mod traces;

use hyper::Method;
use serde_json::Value;

use crate::error::{ConsoleError, Result};
use crate::query::Query;
use crate::server::State;

/// Runs the handler of `method path`.
pub async fn dispatch(
    state: &State,
    method: &Method,
    path: &str,
    q: &Query,
    body: Value,
) -> Result<Value> {
    let get = *method == Method::GET;
    let post = *method == Method::POST;
    if post && state.config.read_only {
        return Err(ConsoleError::ReadOnly("a write action"));
    }
    match path {
        "/api/meta" if get => Ok(meta(state)),
        "/api/cluster" if get => cluster::list(state).await,
        "/api/topics" if get => topics::list(state).await,
        "/api/topic" if get => topics::detail(state, q).await,
        "/api/topic" if post => topics::create_or_update(state, &body).await,
        "/api/topic/delete" if post => topics::delete(state, &body).await,
        "/api/messages" if get => messages::search(state, q).await,
        "/api/messages/send" if post => messages::send(state, &body).await,
        "/api/messages/resend" if post => messages::resend(state, &body).await,
        "/api/groups" if get => groups::list(state).await,
        "/api/group" if get => groups::detail(state, q).await,
        "/api/group" if post => groups::create(state, &body).await,
        "/api/group/reset" if post => groups::reset(state, &body).await,
        "/api/producers" if get => groups::producers(state, q).await,
        "/api/dlq" if get => dlq::list(state, q).await,
        "/api/dlq/resend" if post => dlq::resend(state, &body).await,
        "/api/trace" if get => traces::trace(state, q).await,
        "/api/meta"
        | "/api/cluster"
        | "/api/topics"
        | "/api/topic"
        | "/api/topic/delete"
        | "/api/messages"
        | "/api/messages/send"
        | "/api/messages/resend"
        | "/api/groups"
        | "/api/group"
        | "/api/group/reset"
        | "/api/producers"
        | "/api/dlq"
        | "/api/dlq/resend"
        | "/api/trace" => Err(ConsoleError::MethodNotAllowed),
        _ => Err(ConsoleError::NotFound(path.to_owned())),
    }
}

/// What the pages need to know about the console: the cluster it shows, whether writes
/// are offered.
fn meta(state: &State) -> Value {
    serde_json::json!({
        "namesrvAddr": state.config.namesrv_addr,
        "readOnly": state.config.read_only,
        "traceTopic": state.config.trace_topic,
        "sampleIntervalMs": state.config.sample_interval.as_millis() as u64,
    })
}

/// A string field of a JSON body, or a 400 naming it.
pub fn field<'a>(body: &'a Value, name: &str) -> Result<&'a str> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ConsoleError::bad(format!("missing field {name}")))
}

/// An optional string field of a JSON body.
pub fn opt_field<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// An integer field of a JSON body (a number or a numeric string), if present.
pub fn int_field(body: &Value, name: &str) -> Result<Option<i64>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| ConsoleError::bad(format!("field {name}: not an integer"))),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .parse()
            .map(Some)
            .map_err(|_| ConsoleError::bad(format!("field {name}: not an integer"))),
        Some(_) => Err(ConsoleError::bad(format!("field {name}: not an integer"))),
    }
}

/// Serializes a value the admin API returned.
pub fn to_json<T: serde::Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| ConsoleError::bad(format!("cannot encode: {e}")))
}
