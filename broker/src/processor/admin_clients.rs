//! Admin requests about connected clients (reference §3.10, §4.3):
//! GET_CONSUMER_CONNECTION_LIST (203), GET_PRODUCER_CONNECTION_LIST (204),
//! INVOKE_BROKER_TO_RESET_OFFSET (222, pushing RESET_CONSUMER_CLIENT_OFFSET 220), and the
//! calls relayed to one consumer: GET_CONSUMER_RUNNING_INFO (307) and
//! CONSUME_MESSAGE_DIRECTLY (309).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::body::client::{to_legacy_string, MessageQueue, ResetOffsetBody};
use cometmq_remoting::body::{
    Connection as ConnectionInfo, ConsumerConnection, ProducerConnection,
};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    ConsumeMessageDirectlyResultRequestHeader, GetConsumerConnectionListRequestHeader,
    GetConsumerRunningInfoRequestHeader, GetProducerConnectionListRequestHeader,
    InvokeBrokerToResetOffsetRequestHeader,
};
use cometmq_remoting::message::parse_offset_msg_id;
use cometmq_remoting::transport::Connection;
use cometmq_remoting::{RemotingCommand, RemotingError};

use crate::clients::ClientChannel;
use crate::config::BrokerRole;
use crate::error::{BrokerError, Reply};
use crate::processor::admin_topics::mq_json_response;
use crate::processor::client::json_response;
use crate::state::BrokerState;

/// How long a relayed call waits for the client (Java's `callClient`).
const CALL_CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

fn connection_info(ch: &ClientChannel) -> ConnectionInfo {
    ConnectionInfo {
        client_addr: ch.conn.peer_addr().to_string(),
        client_id: ch.client_id.clone(),
        language: ch.language,
        version: ch.version,
    }
}

/// GET_CONSUMER_CONNECTION_LIST: the group's connected consumers and their subscriptions;
/// CONSUMER_NOT_ONLINE when none is connected.
pub async fn consumer_connections(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: GetConsumerConnectionListRequestHeader = req.decode_header()?;
    let info = state
        .clients
        .consumer_group(&h.consumer_group)
        .ok_or_else(|| {
            BrokerError::ConsumerNotOnline(format!(
                "the consumer group[{}] not online",
                h.consumer_group
            ))
        })?;
    let mut connection_set: Vec<ConnectionInfo> =
        info.channels.values().map(connection_info).collect();
    connection_set.sort_by(|a, b| a.client_id.cmp(&b.client_id));
    json_response(&ConsumerConnection {
        connection_set,
        consume_from_where: info.consume_from_where,
        consume_type: info.consume_type,
        message_model: info.message_model,
        subscription_table: info.subscriptions,
    })
}

/// GET_PRODUCER_CONNECTION_LIST: the group's connected producers; SYSTEM_ERROR
/// "… not exist" when none is.
pub async fn producer_connections(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: GetProducerConnectionListRequestHeader = req.decode_header()?;
    let channels = state.clients.producer_channels(&h.producer_group);
    if channels.is_empty() {
        return Err(BrokerError::System(format!(
            "the producer group[{}] not exist",
            h.producer_group
        )));
    }
    let mut connection_set: Vec<ConnectionInfo> = channels.iter().map(connection_info).collect();
    connection_set.sort_by(|a, b| a.client_id.cmp(&b.client_id));
    json_response(&ProducerConnection { connection_set })
}

/// INVOKE_BROKER_TO_RESET_OFFSET: for each queue of the topic (or the one `queueId`), the
/// new offset is the first stored at or after `timestamp` (−1: the max offset) or the
/// explicit `offset`; it replaces the committed offset when `isForce` or when it is
/// behind it. The resulting table is committed here, pushed one-way as
/// RESET_CONSUMER_CLIENT_OFFSET to every connected consumer of the group (which would
/// otherwise overwrite it with their in-memory offsets), and returned.
///
/// Unlike Java's broker, a group with no consumer online is reset too (its consumers
/// read the committed offsets when they start) rather than answering CONSUMER_NOT_ONLINE.
pub async fn reset_offset(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: InvokeBrokerToResetOffsetRequestHeader = req.decode_header()?;
    let cfg = state.config();
    if cfg.broker_role == BrokerRole::Slave {
        return Err(BrokerError::System(
            "Can not reset offset in slave broker".into(),
        ));
    }
    let topic_config = state
        .topics
        .get(&h.topic)
        .ok_or_else(|| BrokerError::TopicNotExist(format!("Topic {} does not exist", h.topic)))?;
    let consumers = state.clients.consumer_connections(&h.group);
    let current = state.offsets.queue_offsets(&h.group, &h.topic);
    if current.is_empty() && consumers.is_empty() && state.groups.get(&h.group).is_none() {
        return Err(BrokerError::System(format!(
            "The consumer group <{}> not exist",
            h.group
        )));
    }
    let queues: Vec<i32> = match h.queue_id.filter(|q| *q >= 0) {
        Some(q)
            if q < topic_config
                .read_queue_nums
                .max(topic_config.write_queue_nums) =>
        {
            vec![q]
        }
        Some(q) => {
            return Err(BrokerError::InvalidParameter(format!(
                "queueId {q} is not a queue of topic {}",
                h.topic
            )))
        }
        None => (0..topic_config.read_queue_nums.max(0)).collect(),
    };
    let explicit = h.offset.filter(|o| *o != -1 && queues.len() == 1);
    let store = &state.store;
    let mut table: BTreeMap<MessageQueue, i64> = BTreeMap::new();
    for queue_id in queues {
        let target = if let Some(offset) = explicit {
            let (min, max) = (
                store.min_offset(&h.topic, queue_id),
                store.max_offset(&h.topic, queue_id),
            );
            if offset < min || offset > max {
                return Err(BrokerError::InvalidParameter(format!(
                    "Target offset {offset} not in consume queue range [{min}-{max}]"
                )));
            }
            offset
        } else if h.timestamp < 0 {
            store.max_offset(&h.topic, queue_id)
        } else {
            store.offset_by_time(&h.topic, queue_id, h.timestamp)
        }
        .max(0);
        let new = match current.get(&queue_id) {
            Some(&cur) if !h.is_force && target >= cur => cur,
            _ => target,
        };
        state.offsets.commit(&h.group, &h.topic, queue_id, new);
        table.insert(
            MessageQueue::new(h.topic.clone(), cfg.broker_name.clone(), queue_id),
            new,
        );
    }
    state.offsets.persist().await;
    let body = ResetOffsetBody {
        offset_table: table,
    };
    let text = to_legacy_string(&body).map_err(|e| BrokerError::System(e.to_string()))?;
    for conn in consumers {
        let push = RemotingCommand::request_with_header(request::RESET_CONSUMER_CLIENT_OFFSET, &h)
            .with_body(text.clone().into_bytes());
        match conn.invoke_oneway(push).await {
            Ok(()) => {
                tracing::info!(topic = %h.topic, group = %h.group, peer = %conn.peer_addr(), "reset offset pushed")
            }
            Err(e) => {
                tracing::warn!(topic = %h.topic, group = %h.group, peer = %conn.peer_addr(), error = %e, "cannot push reset offset")
            }
        }
    }
    mq_json_response(&body)
}

/// The connection of `client_id` in consumer group `group`.
fn find_consumer(state: &BrokerState, group: &str, client_id: &str) -> Option<Connection> {
    state
        .clients
        .consumer_group(group)?
        .channels
        .into_values()
        .find(|c| c.client_id == client_id)
        .map(|c| c.conn)
}

/// Relays `req` (same code, header fields and body) to consumer `client_id` of `group` and
/// returns its answer (Java `callConsumer`).
async fn call_consumer(
    state: &BrokerState,
    code: i32,
    req: RemotingCommand,
    group: &str,
    client_id: &str,
) -> Reply {
    let conn = find_consumer(state, group, client_id)
        .ok_or_else(|| BrokerError::System(format!("The Consumer <{client_id}> not online")))?;
    let mut relayed = RemotingCommand::request(code);
    relayed.ext_fields = req.ext_fields;
    relayed.body = req.body;
    match conn.invoke(relayed, CALL_CLIENT_TIMEOUT).await {
        Ok(answer) => Ok(answer),
        Err(e @ RemotingError::Timeout { .. }) => Ok(RemotingCommand::response(
            response::CONSUME_MSG_TIMEOUT,
            Some(format!("consumer <{group}> <{client_id}> Timeout: {e}")),
        )),
        Err(e) => Err(BrokerError::System(format!(
            "invoke consumer <{group}> <{client_id}> Exception: {e}"
        ))),
    }
}

/// GET_CONSUMER_RUNNING_INFO from an admin tool: asked of the named consumer, whose
/// ConsumerRunningInfo answer is relayed.
pub async fn consumer_running_info(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: GetConsumerRunningInfoRequestHeader = req.decode_header()?;
    call_consumer(
        &state,
        request::GET_CONSUMER_RUNNING_INFO,
        req,
        &h.consumer_group,
        &h.client_id,
    )
    .await
}

/// CONSUME_MESSAGE_DIRECTLY from an admin tool: attaches the stored record named by
/// `msgId` and this broker's name, asks the named consumer to consume it, and relays the
/// ConsumeMessageDirectlyResult.
pub async fn consume_message_directly(
    state: Arc<BrokerState>,
    _conn: Connection,
    mut req: RemotingCommand,
) -> Reply {
    let h: ConsumeMessageDirectlyResultRequestHeader = req.decode_header()?;
    let client_id = h
        .client_id
        .filter(|c| !c.is_empty())
        .ok_or_else(|| BrokerError::InvalidParameter("clientId is required".into()))?;
    let msg_id = h
        .msg_id
        .filter(|m| !m.is_empty())
        .ok_or_else(|| BrokerError::InvalidParameter("msgId is required".into()))?;
    let id = parse_offset_msg_id(&msg_id)
        .map_err(|e| BrokerError::InvalidParameter(format!("bad msgId {msg_id:?}: {e}")))?;
    let offset = id.offset;
    let record = state
        .read_store(move |store| store.get_message_at(offset))
        .await?
        .ok_or_else(|| {
            BrokerError::System(format!("can not find message by the msgId {msg_id}"))
        })?;
    req.ext_fields
        .insert("brokerName".to_string(), state.config().broker_name.clone());
    req.body = record.into();
    call_consumer(
        &state,
        request::CONSUME_MESSAGE_DIRECTLY,
        req,
        &h.consumer_group,
        &client_id,
    )
    .await
}
