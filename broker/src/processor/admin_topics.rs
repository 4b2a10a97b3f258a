//! Topic administration: UPDATE_AND_CREATE_TOPIC (17), DELETE_TOPIC_IN_BROKER (215),
//! GET_ALL_TOPIC_CONFIG (21), GET_TOPIC_CONFIG (351), GET_TOPIC_STATS_INFO (202)
//! (reference §3.10, §4.3).
//!
//! Changes are persisted to `topics.json` and trigger an immediate re-registration with the
//! NameServers. Deleting a topic forgets its config and consumer offsets; its ConsumeQueue
//! files stay until retention removes them (the store has no per-topic delete yet).

use std::collections::BTreeMap;
use std::sync::Arc;

use cometmq_remoting::body::client::{to_legacy_string, MessageQueue};
use cometmq_remoting::body::{TopicConfig, TopicOffset, TopicStatsTable};
use cometmq_remoting::header::{
    CreateTopicRequestHeader, DeleteTopicRequestHeader, GetTopicConfigRequestHeader,
    GetTopicStatsInfoRequestHeader,
};
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;

use crate::config::BrokerConfig;
use crate::error::{BrokerError, Reply};
use crate::processor::client::json_response;
use crate::state::BrokerState;
use crate::topic_names::{self, *};
use crate::topics::Upsert;

/// Most queues an admin may give a topic (Java has no limit; this keeps a typo from
/// creating millions of ConsumeQueue directories).
const MAX_QUEUE_NUMS: i32 = 65_535;

/// Topics an admin may not create, change or delete (Java `TopicValidator.isSystemTopic`).
pub(crate) const SYSTEM_TOPICS: &[&str] = &[
    AUTO_CREATE_TOPIC,
    SCHEDULE_TOPIC,
    BENCHMARK_TOPIC,
    TRANS_HALF_TOPIC,
    "RMQ_SYS_TRACE_TOPIC",
    TRANS_OP_HALF_TOPIC,
    TRANS_CHECK_MAX_TIME_TOPIC,
    SELF_TEST_TOPIC,
    OFFSET_MOVED_EVENT,
];

/// Checks a topic an admin names: valid, and not one the broker owns. Errors are
/// SYSTEM_ERROR, as Java answers.
pub(crate) fn check_admin_topic(topic: &str, config: &BrokerConfig) -> Result<(), BrokerError> {
    topic_names::validate(topic).map_err(BrokerError::System)?;
    if SYSTEM_TOPICS.contains(&topic) || topic.starts_with("rmq_sys_") {
        return Err(BrokerError::System(format!(
            "The topic[{topic}] is conflict with system topic."
        )));
    }
    if topic == config.broker_cluster_name || topic == config.broker_name {
        return Err(BrokerError::System(format!(
            "The topic[{topic}] is conflict with system reserved words."
        )));
    }
    Ok(())
}

/// Applies a 5.x attribute change list (`+key=value,-key`) to `current`.
fn apply_attributes(
    current: &mut BTreeMap<String, String>,
    changes: &str,
) -> Result<(), BrokerError> {
    let bad = |item: &str| {
        BrokerError::InvalidParameter(format!(
            "bad attributes item {item:?}: expected +key=value or -key"
        ))
    };
    for item in changes.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if let Some(add) = item.strip_prefix('+') {
            let (k, v) = add.split_once('=').ok_or_else(|| bad(item))?;
            if k.is_empty() {
                return Err(bad(item));
            }
            current.insert(k.to_string(), v.to_string());
        } else if let Some(k) = item.strip_prefix('-') {
            if k.is_empty() || k.contains('=') {
                return Err(bad(item));
            }
            current.remove(k);
        } else {
            return Err(bad(item));
        }
    }
    Ok(())
}

pub(crate) fn check_queue_nums(field: &str, n: i32) -> Result<(), BrokerError> {
    if (1..=MAX_QUEUE_NUMS).contains(&n) {
        Ok(())
    } else {
        Err(BrokerError::InvalidParameter(format!(
            "{field} must be between 1 and {MAX_QUEUE_NUMS}, got {n}"
        )))
    }
}

/// UPDATE_AND_CREATE_TOPIC: creates or replaces a topic's config, persists the table and
/// re-registers with the NameServers.
pub async fn create_topic(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: CreateTopicRequestHeader = req.decode_header()?;
    check_admin_topic(&h.topic, &state.config())?;
    check_queue_nums("readQueueNums", h.read_queue_nums)?;
    check_queue_nums("writeQueueNums", h.write_queue_nums)?;
    if h.perm & !0xF != 0 || h.perm < 0 {
        return Err(BrokerError::InvalidParameter(format!(
            "perm must be a combination of 8, 4, 2 and 1, got {}",
            h.perm
        )));
    }
    let mut attributes = state
        .topics
        .get(&h.topic)
        .map(|t| t.attributes)
        .unwrap_or_default();
    if let Some(changes) = &h.attributes {
        apply_attributes(&mut attributes, changes)?;
    }
    let config = TopicConfig {
        attributes,
        order: h.order,
        perm: h.perm,
        read_queue_nums: h.read_queue_nums,
        topic_filter_type: h.topic_filter_type,
        topic_name: h.topic.clone(),
        topic_sys_flag: h.topic_sys_flag.unwrap_or(0),
        write_queue_nums: h.write_queue_nums,
    };
    if let Upsert::Changed(_) = state.topics.upsert(config) {
        tracing::info!(topic = %h.topic, "topic created or updated by admin");
        state.topics_updated().await;
    }
    Ok(RemotingCommand::success())
}

/// DELETE_TOPIC_IN_BROKER: forgets the topic's config and every group's offsets on it,
/// deletes its ConsumeQueues from the store (a re-created topic starts at offset 0),
/// persists, and re-registers (Java `deleteTopicInBroker`). Deleting an unknown topic
/// succeeds, as in Java.
pub async fn delete_topic(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: DeleteTopicRequestHeader = req.decode_header()?;
    check_admin_topic(&h.topic, &state.config())?;
    let existed = state.topics.delete(&h.topic);
    state.offsets.remove_topic(&h.topic);
    state.offsets.persist().await;
    let (store, topic) = (state.store.clone(), h.topic.clone());
    tokio::task::spawn_blocking(move || store.delete_topic(&topic))
        .await
        .map_err(|e| BrokerError::System(format!("deleting the topic's queues failed: {e}")))?
        .map_err(|e| BrokerError::System(format!("deleting the topic's queues failed: {e}")))?;
    if existed {
        tracing::info!(topic = %h.topic, "topic deleted by admin");
        state.topics_updated().await;
    }
    Ok(RemotingCommand::success())
}

/// GET_ALL_TOPIC_CONFIG: the topic table with its data version (`topics.json`'s content).
pub async fn all_topic_config(
    state: Arc<BrokerState>,
    _conn: Connection,
    _req: RemotingCommand,
) -> Reply {
    json_response(&state.topics.snapshot())
}

/// GET_TOPIC_CONFIG: one topic's config, or TOPIC_NOT_EXIST.
pub async fn topic_config(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: GetTopicConfigRequestHeader = req.decode_header()?;
    let config = state.topics.get(&h.topic).ok_or_else(|| {
        BrokerError::TopicNotExist(format!("No topic in this broker. topic: {}", h.topic))
    })?;
    json_response(&config)
}

/// GET_TOPIC_STATS_INFO: min and max offset and last store time of every write queue of
/// the topic, and its put rate; unknown topic → TOPIC_NOT_EXIST.
pub async fn topic_stats(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: GetTopicStatsInfoRequestHeader = req.decode_header()?;
    let topic = h.topic;
    let config = state
        .topics
        .get(&topic)
        .ok_or_else(|| BrokerError::TopicNotExist(format!("topic[{topic}] not exist")))?;
    let broker_name = state.config().broker_name.clone();
    let mut table = TopicStatsTable {
        topic_put_tps: state.stats.topic_put_tps(&topic),
        ..Default::default()
    };
    for queue_id in 0..config.write_queue_nums.max(0) {
        let min = state.store.min_offset(&topic, queue_id).max(0);
        let max = state.store.max_offset(&topic, queue_id).max(0);
        let last = state.store_time_before(&topic, queue_id, max);
        table.offset_table.insert(
            MessageQueue::new(topic.clone(), broker_name.clone(), queue_id),
            TopicOffset {
                last_update_timestamp: last,
                max_offset: max,
                min_offset: min,
            },
        );
    }
    mq_json_response(&table)
}

/// A SUCCESS response whose JSON body has MessageQueue-keyed maps, written as fastjson
/// writes them (bare object keys).
pub fn mq_json_response<T: serde::Serialize>(body: &T) -> Reply {
    let text = to_legacy_string(body).map_err(|e| BrokerError::System(e.to_string()))?;
    Ok(RemotingCommand::success().with_body(text.into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_and_names() {
        let mut a = BTreeMap::from([("queue.type".to_string(), "BatchCQ".to_string())]);
        apply_attributes(&mut a, "+message.type=FIFO,-queue.type").unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a["message.type"], "FIFO");
        assert!(apply_attributes(&mut a, "message.type=X").is_err());
        assert!(apply_attributes(&mut a, "+novalue").is_err());
        let cfg = BrokerConfig::default();
        assert!(check_admin_topic("Orders", &cfg).is_ok());
        assert!(check_admin_topic("TBW102", &cfg).is_err());
        assert!(check_admin_topic("rmq_sys_x", &cfg).is_err());
        assert!(check_admin_topic("DefaultCluster", &cfg).is_err());
        assert!(check_admin_topic("bad topic", &cfg).is_err());
        assert!(check_queue_nums("readQueueNums", 0).is_err());
    }
}
