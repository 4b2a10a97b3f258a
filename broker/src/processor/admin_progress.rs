//! Whole-broker consumption views for mqadmin: GET_BROKER_CONSUME_STATS (317,
//! `brokerConsumeStats`) and QUERY_CONSUME_QUEUE (321, `queryCq`), as Java's
//! `AdminBrokerProcessor` answers them.

use std::collections::BTreeMap;
use std::sync::Arc;

use cometmq_remoting::body::client::MessageQueue;
use cometmq_remoting::body::{
    ConsumeQueueData, ConsumeStats, ConsumeStatsList, OffsetWrapper, QueryConsumeQueueResponseBody,
};
use cometmq_remoting::header::{GetConsumeStatsInBrokerHeader, QueryConsumeQueueRequestHeader};
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;

use crate::error::{BrokerError, Reply};
use crate::processor::admin_topics::mq_json_response;
use crate::processor::client::json_response;
use crate::state::BrokerState;

/// GET_BROKER_CONSUME_STATS: for every subscription group, one ConsumeStats per topic it
/// has offsets on (each write queue's max and committed offset and last consumed store
/// time), and the broker's total lag. With `isOrder`, only ordered topics. Topics an
/// online group no longer subscribes to are skipped, as in Java.
pub async fn broker_consume_stats(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: GetConsumeStatsInBrokerHeader = req.decode_header()?;
    let broker_name = state.config().broker_name.clone();
    let mut body = ConsumeStatsList {
        broker_addr: state.broker_addr.clone(),
        ..Default::default()
    };
    for group in state.groups.snapshot().subscription_group_table.into_keys() {
        let online = state
            .clients
            .consumer_group(&group)
            .map(|g| g.subscriptions)
            .unwrap_or_default();
        let mut list = Vec::new();
        for topic in state.offsets.topics_of_group(&group) {
            let Some(config) = state.topics.get(&topic) else {
                continue;
            };
            if (h.is_order && !config.order) || (!online.is_empty() && !online.contains_key(&topic))
            {
                continue;
            }
            let mut stats = ConsumeStats::default();
            for queue_id in 0..config.write_queue_nums.max(0) {
                let broker_offset = state.store.max_offset(&topic, queue_id).max(0);
                let consumer_offset = state
                    .offsets
                    .query(&group, &topic, queue_id)
                    .unwrap_or(0)
                    .max(0);
                stats.offset_table.insert(
                    MessageQueue::new(topic.clone(), broker_name.clone(), queue_id),
                    OffsetWrapper {
                        broker_offset,
                        consumer_offset,
                        last_timestamp: state.store_time_before(&topic, queue_id, consumer_offset),
                        pull_offset: consumer_offset,
                    },
                );
            }
            stats.consume_tps = state.stats.group_get_tps(&topic, &group);
            body.total_diff += stats.total_diff();
            list.push(stats);
        }
        body.consume_stats_list
            .push(BTreeMap::from([(group, list)]));
    }
    mq_json_response(&body)
}

/// QUERY_CONSUME_QUEUE: `count` ConsumeQueue entries of one queue from `index`, the queue's
/// bounds, and, with `consumerGroup`, that group's subscription. An unknown queue is
/// SYSTEM_ERROR; an index outside the queue is SUCCESS without a body, with a remark (both
/// as Java answers).
pub async fn query_consume_queue(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: QueryConsumeQueueRequestHeader = req.decode_header()?;
    let (topic, queue_id) = (h.topic, h.queue_id);
    let known = state
        .store
        .queues()
        .iter()
        .any(|(t, q)| *t == topic && *q == queue_id);
    if !known {
        return Err(BrokerError::System(format!(
            "{queue_id}@{topic} is not exist!"
        )));
    }
    let min = state.store.min_offset(&topic, queue_id).max(0);
    let max = state.store.max_offset(&topic, queue_id).max(0);
    let mut body = QueryConsumeQueueResponseBody {
        max_queue_index: max,
        min_queue_index: min,
        ..Default::default()
    };
    if let Some(group) = h.consumer_group.filter(|g| !g.is_empty()) {
        body.subscription_data = state.clients.subscription(&group, &topic);
        body.filter_data = Some(match &body.subscription_data {
            None => format!("{group}@{topic} is not online!"),
            // Java writes its ConsumerFilterData, which only SQL92/class filters have.
            Some(_) => "null".to_string(),
        });
    }
    if h.index < min || h.index >= max {
        return Ok(RemotingCommand::response(
            cometmq_remoting::code::response::SUCCESS,
            Some(format!(
                "Index {} of {queue_id}@{topic} is not exist!",
                h.index
            )),
        ));
    }
    let end = h.index.saturating_add(i64::from(h.count.max(0))).min(max);
    for offset in h.index..end {
        let Some(e) = state.store.cq_entry(&topic, queue_id, offset) else {
            break;
        };
        body.queue_data.push(ConsumeQueueData {
            physic_offset: e.phys_offset,
            physic_size: e.size,
            tags_code: e.tags_code,
            ..Default::default()
        });
    }
    json_response(&body)
}
