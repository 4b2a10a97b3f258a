//! Lookups that RocketMQ 5's clients and mqadmin send (reference §2.1, Java's
//! `AdminBrokerProcessor` and `ClientManageProcessor`): GET_SUBSCRIPTIONGROUP_CONFIG (352),
//! QUERY_SUBSCRIPTION_BY_CONSUMER (345), GET_SYSTEM_TOPIC_LIST_FROM_BROKER (305),
//! GET_ALL_PRODUCER_INFO (328), QUERY_CORRECTION_OFFSET (308) and CHECK_CLIENT_CONFIG (46).

use std::collections::BTreeMap;
use std::sync::Arc;

use cometmq_remoting::body::client::SubscriptionData;
use cometmq_remoting::body::{
    fastjson, ProducerInfo, ProducerTableInfo, QueryCorrectionOffsetBody,
    QuerySubscriptionResponseBody, TopicList,
};
use cometmq_remoting::header::{
    GetSubscriptionGroupConfigRequestHeader, QueryCorrectionOffsetRequestHeader,
    QuerySubscriptionByConsumerRequestHeader,
};
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;
use serde::Deserialize;

use crate::error::{BrokerError, Reply};
use crate::processor::admin_topics::SYSTEM_TOPICS;
use crate::processor::client::json_response;
use crate::state::BrokerState;
use cometmq_remoting::clock::now_ms;

/// GET_SUBSCRIPTIONGROUP_CONFIG: one group's config, or SUBSCRIPTION_GROUP_NOT_EXIST.
pub async fn group_config(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: GetSubscriptionGroupConfigRequestHeader = req.decode_header()?;
    let config = state
        .groups
        .get(&h.group)
        .ok_or_else(|| BrokerError::SubscriptionGroupNotExist("No group in this broker".into()))?;
    json_response(&config)
}

/// QUERY_SUBSCRIPTION_BY_CONSUMER: the online group's subscription to the topic (absent
/// when the group is offline or does not subscribe to it).
pub async fn subscription_by_consumer(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: QuerySubscriptionByConsumerRequestHeader = req.decode_header()?;
    let subscription_data = state.clients.subscription(&h.group, &h.topic);
    json_response(&QuerySubscriptionResponseBody {
        group: h.group,
        subscription_data,
        topic: h.topic,
    })
}

/// GET_SYSTEM_TOPIC_LIST_FROM_BROKER: the topics the broker owns (Java's
/// `TopicValidator.getSystemTopicSet`).
pub async fn system_topics(
    _state: Arc<BrokerState>,
    _conn: Connection,
    _req: RemotingCommand,
) -> Reply {
    json_response(&TopicList {
        broker_addr: None,
        topic_list: SYSTEM_TOPICS.iter().map(|t| t.to_string()).collect(),
    })
}

/// GET_ALL_PRODUCER_INFO: every producer group with its connections.
pub async fn producer_table(
    state: Arc<BrokerState>,
    _conn: Connection,
    _req: RemotingCommand,
) -> Reply {
    let now = now_ms();
    let mut table = ProducerTableInfo::default();
    for (group, channels) in state.clients.producer_table() {
        let infos = channels
            .into_iter()
            .map(|c| ProducerInfo {
                client_id: c.client_id,
                language: c.language,
                last_update_timestamp: now - c.last_update.elapsed().as_millis() as i64,
                // Java writes the channel's address with InetSocketAddress.toString().
                remote_ip: format!("/{}", c.conn.peer_addr()),
                version: c.version,
            })
            .collect();
        table.data.insert(group, infos);
    }
    json_response(&table)
}

/// QUERY_CORRECTION_OFFSET: per queue of the topic, the smallest committed offset over every
/// group except the `filterGroups` (offsets below the queue's min offset ignored); where
/// `compareGroup` has committed less than that, the answer is i64::MAX (Java
/// `queryMinOffsetInAllGroup` and the compare step).
pub async fn correction_offset(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: QueryCorrectionOffsetRequestHeader = req.decode_header()?;
    let excluded: Vec<&str> = h
        .filter_groups
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .collect();
    let mut min: BTreeMap<i32, i64> = BTreeMap::new();
    for group in state.offsets.groups_of_topic(&h.topic) {
        if excluded.contains(&group.as_str()) {
            continue;
        }
        for (queue_id, offset) in state.offsets.queue_offsets(&group, &h.topic) {
            if offset >= state.store.min_offset(&h.topic, queue_id) {
                let e = min.entry(queue_id).or_insert(i64::MAX);
                *e = (*e).min(offset);
            }
        }
    }
    for (queue_id, compare) in state.offsets.queue_offsets(&h.compare_group, &h.topic) {
        // Java throws (NullPointerException) for a queue no other group has; leave it out.
        if let Some(m) = min.get_mut(&queue_id) {
            if *m > compare {
                *m = i64::MAX;
            }
        }
    }
    json_response(&QueryCorrectionOffsetBody {
        correction_offsets: min,
    })
}

/// CHECK_CLIENT_CONFIG request body (Java `CheckClientRequestBody`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct CheckClientRequestBody {
    #[serde(rename = "subscriptionData")]
    subscription_data: Option<SubscriptionData>,
}

/// CHECK_CLIENT_CONFIG: a consumer asks, before it starts, whether the broker can filter
/// by its subscription. TAG always; SQL92 with `enablePropertyFilter` when the expression
/// compiles (SUBSCRIPTION_PARSE_FAILED with the reason otherwise, as Java answers).
pub async fn check_client_config(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let bytes = req.body.to_bytes();
    let body: CheckClientRequestBody = if bytes.is_empty() {
        CheckClientRequestBody::default()
    } else {
        fastjson::from_slice(&bytes)
            .map_err(|e| BrokerError::BadBody(format!("bad CheckClientRequestBody: {e}")))?
    };
    if let Some(sub) = body.subscription_data {
        crate::processor::pull::check_expression_type(&state.config(), &sub.expression_type)?;
        if sub.is_sql92() {
            cometmq_filter::Selector::compile(&sub.sub_string)
                .map_err(|e| BrokerError::SubscriptionParseFailed(e.to_string()))?;
        }
    }
    Ok(RemotingCommand::success())
}
