//! The consumer-group and producer pages: groups with their lag, a group's members and
//! lag per queue with the sampled lag series, reset offset by time, producers of a group.

use cometmq_client::admin::RETRY_GROUP_TOPIC_PREFIX;
use cometmq_remoting::body::{SubscriptionGroupConfig, TopicConfig};
use serde_json::{json, Value};

use super::{field, int_field, to_json};
use crate::error::{ConsoleError, Result};
use crate::query::Query;
use crate::server::State;

/// `GET /api/groups`: every consumer group (one per retry topic) with its total lag.
pub async fn list(state: &State) -> Result<Value> {
    let groups = state.admin.consumer_groups_summary().await?;
    Ok(json!({ "groups": to_json(&groups)? }))
}

/// `GET /api/group?group=`: lag per queue, the online members, the lag series; a part the
/// cluster cannot answer (no offsets yet, no member online) is `{"error": …}`.
pub async fn detail(state: &State, q: &Query) -> Result<Value> {
    let group = q.required("group")?;
    // A group without offsets yet is shown (with why), so that its offsets can be reset.
    let progress = match state.admin.consumer_progress(group, None, true).await {
        Ok(p) => to_json(&p)?,
        Err(e) => json!({ "error": e.to_string() }),
    };
    let members = match state.admin.consumer_connection(group).await {
        Ok(c) => to_json(&c)?,
        Err(e) => json!({ "error": e.to_string() }),
    };
    Ok(json!({
        "group": group,
        "progress": progress,
        "members": members,
        "series": to_json(&state.sampler.group(group))?,
    }))
}

/// `POST /api/group {group, cluster | brokerAddr}`: `updateSubGroup`, and the group's retry
/// topic (one queue, as a broker makes it on a consumer's first heartbeat), so that the
/// group is listed before its consumers come online.
pub async fn create(state: &State, body: &Value) -> Result<Value> {
    let group = field(body, "group")?;
    let target = super::topics::target(body)?;
    let config = SubscriptionGroupConfig {
        group_name: group.to_owned(),
        ..SubscriptionGroupConfig::default()
    };
    let addrs = state
        .admin
        .create_subscription_group(&target, &config)
        .await?;
    let retry = TopicConfig::new(format!("{RETRY_GROUP_TOPIC_PREFIX}{group}"), 1);
    state.admin.create_topic(&target, &retry).await?;
    Ok(json!({ "group": group, "brokers": addrs }))
}

/// `POST /api/group/reset {group, topic, timestamp, force}`: `resetOffsetByTime`.
pub async fn reset(state: &State, body: &Value) -> Result<Value> {
    let group = field(body, "group")?;
    let topic = field(body, "topic")?;
    let timestamp = int_field(body, "timestamp")?
        .ok_or_else(|| ConsoleError::bad("missing field timestamp"))?;
    let force = body.get("force").and_then(Value::as_bool).unwrap_or(true);
    let out = state
        .admin
        .reset_offset_by_time(group, topic, timestamp, force, None, None)
        .await?;
    to_json(&out)
}

/// `GET /api/producers?group=&topic=`: `producerConnection`.
pub async fn producers(state: &State, q: &Query) -> Result<Value> {
    let group = q.required("group")?;
    let topic = q.required("topic")?;
    let conn = state.admin.producer_connection(group, topic).await?;
    Ok(json!({ "group": group, "topic": topic, "connections": to_json(&conn)? }))
}
