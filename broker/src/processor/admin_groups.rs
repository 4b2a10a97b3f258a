//! Consumer-group administration and progress (reference §3.10, §4.3):
//! UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200), DELETE_SUBSCRIPTIONGROUP (207),
//! GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201), GET_ALL_CONSUMER_OFFSET (43),
//! GET_CONSUME_STATS (208), QUERY_TOPIC_CONSUME_BY_WHO (300), QUERY_TOPICS_BY_CONSUMER (343),
//! CLONE_GROUP_OFFSET (314), QUERY_CONSUME_TIME_SPAN (303).

use std::collections::BTreeSet;
use std::sync::Arc;

use cometmq_remoting::body::client::{GroupList, MessageQueue};
use cometmq_remoting::body::{
    fastjson, ConsumeStats, OffsetWrapper, QueryConsumeTimeSpanBody, QueueTimeSpan,
    SubscriptionGroupConfig, TopicList,
};
use cometmq_remoting::header::{
    CloneGroupOffsetRequestHeader, DeleteSubscriptionGroupRequestHeader,
    GetConsumeStatsRequestHeader, QueryConsumeTimeSpanRequestHeader,
    QueryTopicConsumeByWhoRequestHeader, QueryTopicsByConsumerRequestHeader,
};
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;

use crate::error::{BrokerError, Reply};
use crate::processor::admin_topics::mq_json_response;
use crate::processor::client::json_response;
use crate::state::BrokerState;
use cometmq_remoting::clock::now_ms;

/// UPDATE_AND_CREATE_SUBSCRIPTIONGROUP: the body is a SubscriptionGroupConfig; creates or
/// replaces the group and persists `subscriptionGroup.json`.
pub async fn create_group(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let body = req.body.to_bytes();
    if body.is_empty() {
        return Err(BrokerError::BadBody(
            "missing body: a SubscriptionGroupConfig is required".into(),
        ));
    }
    let config: SubscriptionGroupConfig = fastjson::from_slice(&body)
        .map_err(|e| BrokerError::BadBody(format!("bad SubscriptionGroupConfig body: {e}")))?;
    if config.group_name.trim().is_empty() {
        return Err(BrokerError::BadBody(
            "SubscriptionGroupConfig.groupName is blank".into(),
        ));
    }
    if config.retry_queue_nums < 0 || config.retry_max_times < -1 {
        return Err(BrokerError::InvalidParameter(format!(
            "retryQueueNums {} and retryMaxTimes {} must not be negative",
            config.retry_queue_nums, config.retry_max_times
        )));
    }
    tracing::info!(group = %config.group_name, "subscription group created or updated by admin");
    state.groups.upsert(config);
    state.groups.persist().await;
    Ok(RemotingCommand::success())
}

/// DELETE_SUBSCRIPTIONGROUP: removes the group; with `cleanOffset=true` also its offsets.
pub async fn delete_group(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: DeleteSubscriptionGroupRequestHeader = req.decode_header()?;
    if state.groups.delete(&h.group_name) {
        tracing::info!(group = %h.group_name, "subscription group deleted by admin");
    }
    state.groups.persist().await;
    if h.clean_offset == Some(true) {
        state.offsets.remove_group(&h.group_name);
        state.offsets.persist().await;
    }
    Ok(RemotingCommand::success())
}

/// GET_ALL_SUBSCRIPTIONGROUP_CONFIG: `subscriptionGroup.json`'s content.
pub async fn all_groups(
    state: Arc<BrokerState>,
    _conn: Connection,
    _req: RemotingCommand,
) -> Reply {
    json_response(&state.groups.snapshot())
}

/// GET_ALL_CONSUMER_OFFSET: `consumerOffset.json`'s content.
pub async fn all_offsets(
    state: Arc<BrokerState>,
    _conn: Connection,
    _req: RemotingCommand,
) -> Reply {
    json_response(&state.offsets.snapshot())
}

/// Topics `group` has offsets on or subscribes to.
fn topics_of_group(state: &BrokerState, group: &str) -> BTreeSet<String> {
    let mut topics = state.offsets.topics_of_group(group);
    if let Some(info) = state.clients.consumer_group(group) {
        topics.extend(info.subscriptions.into_keys());
    }
    topics
}

/// GET_CONSUME_STATS: for each read queue of the requested topics (header `topic`; empty
/// means `topicList`, or else every topic the group has offsets on or subscribes to), the
/// queue's max offset, the group's committed offset and the store time of the last consumed
/// message, plus the group's consume rate.
pub async fn consume_stats(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: GetConsumeStatsRequestHeader = req.decode_header()?;
    let group = h.consumer_group;
    let topics: BTreeSet<String> = match (h.topic.filter(|t| !t.trim().is_empty()), h.topic_list) {
        (Some(t), _) => [t].into(),
        (None, Some(list)) if !list.trim().is_empty() => list
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect(),
        _ => topics_of_group(&state, &group),
    };
    let subscribed = state
        .clients
        .consumer_group(&group)
        .map(|g| g.subscriptions);
    let broker_name = state.config().broker_name.clone();
    let mut stats = ConsumeStats::default();
    for topic in topics {
        let Some(config) = state.topics.get(&topic) else {
            tracing::debug!(%topic, %group, "consume stats: no such topic");
            continue;
        };
        // An online group that does not subscribe to the topic (any more) is skipped, as
        // in Java.
        if let Some(subs) = &subscribed {
            if !subs.is_empty() && !subs.contains_key(&topic) {
                continue;
            }
        }
        for queue_id in 0..config.read_queue_nums.max(0) {
            let broker_offset = state.store.max_offset(&topic, queue_id).max(0);
            let consumer_offset = state
                .offsets
                .query(&group, &topic, queue_id)
                .unwrap_or(0)
                .max(0);
            let last_timestamp = state.store_time_before(&topic, queue_id, consumer_offset);
            stats.offset_table.insert(
                MessageQueue::new(topic.clone(), broker_name.clone(), queue_id),
                OffsetWrapper {
                    broker_offset,
                    consumer_offset,
                    last_timestamp,
                    pull_offset: consumer_offset,
                },
            );
        }
        stats.consume_tps += state.stats.group_get_tps(&topic, &group);
    }
    mq_json_response(&stats)
}

/// QUERY_TOPIC_CONSUME_BY_WHO: groups with offsets on the topic or subscribed to it.
pub async fn topic_consumed_by(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: QueryTopicConsumeByWhoRequestHeader = req.decode_header()?;
    let mut groups = state.offsets.groups_of_topic(&h.topic);
    groups.extend(state.clients.groups_subscribed_to(&h.topic));
    json_response(&GroupList { group_list: groups })
}

/// QUERY_TOPICS_BY_CONSUMER: topics the group has offsets on, with this broker's address.
pub async fn topics_by_consumer(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: QueryTopicsByConsumerRequestHeader = req.decode_header()?;
    json_response(&TopicList {
        broker_addr: Some(state.broker_addr.clone()),
        topic_list: state.offsets.topics_of_group(&h.group),
    })
}

/// CLONE_GROUP_OFFSET: copies `srcGroup`'s offsets to `destGroup` for `topic` (or every
/// topic of the source group). Unless `offline`, topics an online source group no longer
/// subscribes to are skipped, as in Java.
pub async fn clone_offsets(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: CloneGroupOffsetRequestHeader = req.decode_header()?;
    let topics: BTreeSet<String> = match h.topic.filter(|t| !t.trim().is_empty()) {
        Some(t) => [t].into(),
        None => state.offsets.topics_of_group(&h.src_group),
    };
    let subscribed = state
        .clients
        .consumer_group(&h.src_group)
        .map(|g| g.subscriptions)
        .unwrap_or_default();
    for topic in topics {
        if state.topics.get(&topic).is_none() {
            tracing::warn!(%topic, "clone offsets: no such topic");
            continue;
        }
        if h.offline != Some(true) && !subscribed.is_empty() && !subscribed.contains_key(&topic) {
            continue;
        }
        state
            .offsets
            .clone_group(&h.src_group, &h.dest_group, &topic);
    }
    state.offsets.persist().await;
    Ok(RemotingCommand::success())
}

/// QUERY_CONSUME_TIME_SPAN: per write queue, the store times of the first, last and last
/// consumed message, and how long the next message has waited.
pub async fn consume_time_span(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: QueryConsumeTimeSpanRequestHeader = req.decode_header()?;
    let topic = h.topic;
    let config = state
        .topics
        .get(&topic)
        .ok_or_else(|| BrokerError::TopicNotExist(format!("topic[{topic}] not exist")))?;
    let broker_name = state.config().broker_name.clone();
    let store = &state.store;
    let mut body = QueryConsumeTimeSpanBody::default();
    for queue_id in 0..config.write_queue_nums.max(0) {
        let min_time = store.earliest_time_in_queue(&topic, queue_id).unwrap_or(0);
        let max = store.max_offset(&topic, queue_id);
        let max_time = if max > 0 {
            store.store_time_at(&topic, queue_id, max - 1).unwrap_or(0)
        } else {
            0
        };
        let consumed = state
            .offsets
            .query(&h.group, &topic, queue_id)
            .unwrap_or(-1);
        let consume_time = if consumed > 0 {
            store
                .store_time_at(&topic, queue_id, consumed - 1)
                .unwrap_or(0)
        } else {
            min_time
        };
        let delay_time = if consumed < max {
            store
                .store_time_at(&topic, queue_id, consumed.max(0))
                .map_or(0, |t| (now_ms() - t).max(0))
        } else {
            0
        };
        body.consume_time_span_set.push(QueueTimeSpan {
            consume_time_stamp: consume_time,
            delay_time,
            max_time_stamp: max_time,
            message_queue: MessageQueue::new(topic.clone(), broker_name.clone(), queue_id),
            min_time_stamp: min_time,
        });
    }
    json_response(&body)
}
