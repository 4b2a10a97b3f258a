//! The topics page: list, create / update (queues, permission), delete, per-queue offsets,
//! the message-rate series.

use cometmq_client::admin::BrokerTarget;
use cometmq_remoting::body::TopicConfig;
use serde_json::{json, Value};

use super::{field, int_field, opt_field, to_json};
use crate::error::{ConsoleError, Result};
use crate::query::Query;
use crate::server::State;

/// `GET /api/topics`: every topic, with its kind (normal, retry, DLQ, system).
pub async fn list(state: &State) -> Result<Value> {
    let topics = state.admin.topic_list().await?;
    let rows: Vec<Value> = topics
        .iter()
        .map(|t| json!({ "topic": t, "kind": kind(t) }))
        .collect();
    Ok(json!({ "topics": rows }))
}

/// What a topic name says it is.
fn kind(topic: &str) -> &'static str {
    if topic.starts_with("%RETRY%") {
        "RETRY"
    } else if topic.starts_with("%DLQ%") {
        "DLQ"
    } else if topic.starts_with("rmq_sys_")
        || topic.starts_with("RMQ_SYS_")
        || topic.starts_with("SCHEDULE_TOPIC")
        || topic == "TBW102"
        || topic == "SELF_TEST_TOPIC"
        || topic == "OFFSET_MOVED_EVENT"
        || topic == "BenchmarkTest"
        || topic.contains("_REPLY_TOPIC")
    {
        "SYSTEM"
    } else {
        "NORMAL"
    }
}

/// `GET /api/topic?topic=`: route, per-queue offsets, the groups consuming it, and the
/// stored-message series (sampled from now on if it was not).
pub async fn detail(state: &State, q: &Query) -> Result<Value> {
    let topic = q.required("topic")?;
    let route = state.admin.topic_route(topic).await?;
    let status = state.admin.topic_status(topic).await?;
    let groups = state
        .admin
        .topic_consumed_by(topic)
        .await
        .unwrap_or_default();
    let clusters = state
        .admin
        .topic_cluster_list(topic)
        .await
        .unwrap_or_default();
    Ok(json!({
        "topic": topic,
        "clusters": clusters,
        "route": to_json(&route)?,
        "queues": to_json(&status)?,
        "groups": groups,
        "series": to_json(&state.sampler.topic(topic))?,
    }))
}

/// `POST /api/topic {topic, cluster | brokerAddr, readQueueNums, writeQueueNums, perm,
/// order}`: `updateTopic`.
pub async fn create_or_update(state: &State, body: &Value) -> Result<Value> {
    let topic = field(body, "topic")?;
    let target = target(body)?;
    let mut config = TopicConfig::new(topic, 8);
    if let Some(n) = int_field(body, "readQueueNums")? {
        config.read_queue_nums = queue_count(n)?;
    }
    if let Some(n) = int_field(body, "writeQueueNums")? {
        config.write_queue_nums = queue_count(n)?;
    }
    if let Some(p) = int_field(body, "perm")? {
        if ![2, 4, 6].contains(&p) {
            return Err(ConsoleError::bad("perm must be 2 (W), 4 (R) or 6 (RW)"));
        }
        config.perm = p as i32;
    }
    config.order = body.get("order").and_then(Value::as_bool).unwrap_or(false);
    let addrs = state.admin.create_topic(&target, &config).await?;
    Ok(json!({ "topic": topic, "brokers": addrs }))
}

/// `POST /api/topic/delete {topic, cluster}`: `deleteTopic`.
pub async fn delete(state: &State, body: &Value) -> Result<Value> {
    let topic = field(body, "topic")?;
    let cluster = field(body, "cluster")?;
    state.admin.delete_topic(topic, cluster).await?;
    Ok(json!({ "topic": topic, "deleted": true }))
}

/// `-b addr` or `-c cluster` of a write request.
pub fn target(body: &Value) -> Result<BrokerTarget> {
    match (opt_field(body, "brokerAddr"), opt_field(body, "cluster")) {
        (Some(a), _) => Ok(BrokerTarget::Addr(a.to_owned())),
        (None, Some(c)) => Ok(BrokerTarget::Cluster(c.to_owned())),
        (None, None) => Err(ConsoleError::bad("give cluster or brokerAddr")),
    }
}

fn queue_count(n: i64) -> Result<i32> {
    if (1..=1024).contains(&n) {
        Ok(n as i32)
    } else {
        Err(ConsoleError::bad("queue counts must be 1..1024"))
    }
}
