//! Client membership: HEART_BEAT (34), UNREGISTER_CLIENT (35),
//! GET_CONSUMER_LIST_BY_GROUP (38), and the orderly locks LOCK_BATCH_MQ (41) /
//! UNLOCK_BATCH_MQ (42) (reference §3.8, §11.4).

use std::sync::Arc;
use std::time::Instant;

use cometmq_remoting::body::client::{
    ConsumerListBody, HeartbeatData, LockBatchRequestBody, LockBatchResponseBody, MessageModel,
};
use cometmq_remoting::body::{fastjson, perm, JsonStyle};
use cometmq_remoting::code::request;
use cometmq_remoting::header::{
    GetConsumerListByGroupRequestHeader, NotifyConsumerIdsChangedRequestHeader,
    UnregisterClientRequestHeader,
};
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;

use crate::clients::ClientChannel;
use crate::error::{BrokerError, Reply};
use crate::state::BrokerState;
use crate::topic_names::retry_topic;
use crate::topics::Upsert;

/// HEART_BEAT: registers the client's producer and consumer groups and subscriptions,
/// creates each clustering group's retry topic, and tells a group's consumers when its
/// membership changed.
pub async fn heartbeat(state: Arc<BrokerState>, conn: Connection, req: RemotingCommand) -> Reply {
    let data: HeartbeatData = fastjson::from_slice(&req.body.to_bytes())
        .map_err(|e| BrokerError::BadBody(format!("bad heartbeat body: {e}")))?;
    let channel = ClientChannel {
        conn: conn.clone(),
        client_id: data.client_id.clone(),
        language: req.language,
        version: req.version,
        last_update: Instant::now(),
    };
    watch_close(&state, &conn);
    for consumer in &data.consumer_data_set {
        let Some((group, created)) = state.groups.get_or_auto_create(&consumer.group_name) else {
            // Java logs and skips a group it does not know when auto-create is off.
            tracing::warn!(group = %consumer.group_name, "heartbeat from an unknown consumer group");
            continue;
        };
        if created {
            state.groups.persist().await;
        }
        if consumer.message_model == MessageModel::Clustering || group.retry_queue_nums > 0 {
            let retry = retry_topic(&consumer.group_name);
            let queues = group.retry_queue_nums.max(1);
            if let Upsert::Changed(_) =
                state
                    .topics
                    .get_or_create(&retry, queues, perm::READ | perm::WRITE)
            {
                state.topics_updated().await;
            }
        }
        let changed = state.clients.register_consumer(consumer, channel.clone());
        if changed && group.notify_consumer_ids_changed_enable {
            notify_group(&state, &consumer.group_name).await;
        }
    }
    for producer in &data.producer_data_set {
        state
            .clients
            .register_producer(&producer.group_name, channel.clone());
    }
    Ok(RemotingCommand::success())
}

/// UNREGISTER_CLIENT.
pub async fn unregister_client(
    state: Arc<BrokerState>,
    conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: UnregisterClientRequestHeader = req.decode_header()?;
    if let Some(group) = h.producer_group.filter(|g| !g.is_empty()) {
        state.clients.unregister_producer(&group, conn.id());
    }
    if let Some(group) = h.consumer_group.filter(|g| !g.is_empty()) {
        if state.clients.unregister_consumer(&group, conn.id()) {
            forget_filters_of_empty_group(&state, &group);
            notify_group(&state, &group).await;
        }
    }
    Ok(RemotingCommand::success())
}

/// GET_CONSUMER_LIST_BY_GROUP.
pub async fn consumer_list(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: GetConsumerListByGroupRequestHeader = req.decode_header()?;
    let ids = state.clients.consumer_ids(&h.consumer_group);
    if ids.is_empty() {
        return Err(BrokerError::System(format!(
            "no consumer for this group, {}",
            h.consumer_group
        )));
    }
    let body = ConsumerListBody {
        consumer_id_list: ids,
    };
    json_response(&body)
}

/// LOCK_BATCH_MQ: locks what it can of the requested queues for the client.
pub async fn lock_batch(state: Arc<BrokerState>, _conn: Connection, req: RemotingCommand) -> Reply {
    let body: LockBatchRequestBody = fastjson::from_slice(&req.body.to_bytes())
        .map_err(|e| BrokerError::BadBody(format!("bad lock body: {e}")))?;
    let locked = state
        .locks
        .try_lock(&body.consumer_group, &body.client_id, &body.mq_set);
    json_response(&LockBatchResponseBody {
        lock_ok_mq_set: locked,
    })
}

/// UNLOCK_BATCH_MQ.
pub async fn unlock_batch(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let body: LockBatchRequestBody = fastjson::from_slice(&req.body.to_bytes())
        .map_err(|e| BrokerError::BadBody(format!("bad unlock body: {e}")))?;
    state
        .locks
        .unlock(&body.consumer_group, &body.client_id, &body.mq_set);
    Ok(RemotingCommand::success())
}

/// A SUCCESS response with a JSON body.
pub fn json_response<T: serde::Serialize>(body: &T) -> Reply {
    let bytes = fastjson::to_vec(body, JsonStyle::Legacy)
        .map_err(|e| BrokerError::System(e.to_string()))?;
    Ok(RemotingCommand::success().with_body(bytes))
}

/// Sends NOTIFY_CONSUMER_IDS_CHANGED (one-way) to every consumer of `group`.
pub async fn notify_group(state: &BrokerState, group: &str) {
    let header = NotifyConsumerIdsChangedRequestHeader {
        consumer_group: group.to_string(),
    };
    for conn in state.clients.consumer_connections(group) {
        let req =
            RemotingCommand::request_with_header(request::NOTIFY_CONSUMER_IDS_CHANGED, &header);
        if let Err(e) = conn.invoke_oneway(req).await {
            tracing::debug!(group, peer = %conn.peer_addr(), error = %e, "cannot notify consumer");
        }
    }
}

/// On a connection's first heartbeat, starts a task that drops its groups when it closes.
fn watch_close(state: &Arc<BrokerState>, conn: &Connection) {
    if !state.clients.watch_once(conn.id()) {
        return;
    }
    let state = state.clone();
    let conn = conn.clone();
    tokio::spawn(async move {
        conn.closed().await;
        for group in state.clients.remove_connection(conn.id()) {
            forget_filters_of_empty_group(&state, &group);
            notify_group(&state, &group).await;
        }
    });
}

/// Drops a group's compiled SQL92 selectors once no consumer of it is left.
fn forget_filters_of_empty_group(state: &BrokerState, group: &str) {
    if state.clients.consumer_group(group).is_none() {
        state.sql_filters.remove_group(group);
    }
}
