//! QUERY_ASSIGNMENT (400), SET_MESSAGE_REQUEST_MODE (401) and GET_ALL_MESSAGE_REQUEST_MODE
//! (402), as Java's `QueryAssignmentProcessor`: RocketMQ 5 push consumers with
//! `clientRebalance=false` ask the broker for their queues, and consume the ones assigned
//! in POP mode by popping.

use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::body::client::{MessageModel, MessageQueue};
use cometmq_remoting::body::pop::{
    MessageQueueAssignment, MessageRequestMode, QueryAssignmentRequestBody,
    QueryAssignmentResponseBody, SetMessageRequestModeRequestBody,
};
use cometmq_remoting::body::{fastjson, perm, JsonStyle, TopicRouteData};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::GetRouteInfoRequestHeader;
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;

use crate::error::{BrokerError, Reply};
use crate::pop::assignment::{allocate, allocate_for_pop};
use crate::state::BrokerState;
use crate::topic_names::RETRY_PREFIX;

fn body<T: serde::de::DeserializeOwned>(
    req: &RemotingCommand,
    what: &str,
) -> Result<T, BrokerError> {
    fastjson::from_slice(&req.body.to_bytes())
        .map_err(|e| BrokerError::BadBody(format!("bad {what} body: {e}")))
}

/// SET_MESSAGE_REQUEST_MODE: stores the mode and saves the table.
pub async fn set_mode(state: Arc<BrokerState>, _conn: Connection, req: RemotingCommand) -> Reply {
    let b: SetMessageRequestModeRequestBody = body(&req, "SET_MESSAGE_REQUEST_MODE")?;
    if b.topic.starts_with(RETRY_PREFIX) {
        return Err(BrokerError::NoPermission(
            "retry topic is not allowed to set mode".into(),
        ));
    }
    state.request_modes.set(b);
    state
        .request_modes
        .persist()
        .await
        .map_err(|e| BrokerError::System(format!("cannot save messageRequestMode.json: {e}")))?;
    Ok(RemotingCommand::success())
}

/// GET_ALL_MESSAGE_REQUEST_MODE: the table, as Java's wrapper.
pub async fn all_modes(state: Arc<BrokerState>, _conn: Connection, _req: RemotingCommand) -> Reply {
    let json = fastjson::to_vec(&state.request_modes.snapshot(), JsonStyle::Legacy)
        .map_err(|e| BrokerError::System(e.to_string()))?;
    Ok(RemotingCommand::success().with_body(json))
}

/// QUERY_ASSIGNMENT: the client's queues and their mode.
pub async fn query_assignment(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let b: QueryAssignmentRequestBody = body(&req, "QUERY_ASSIGNMENT")?;
    let cfg = state.config();
    let mode = state
        .request_modes
        .get(&b.topic, &b.consumer_group)
        .unwrap_or_else(|| {
            let mode = if b.topic.starts_with(RETRY_PREFIX) {
                MessageRequestMode::Pull
            } else {
                cfg.default_message_request_mode
            };
            SetMessageRequestModeRequestBody {
                consumer_group: b.consumer_group.clone(),
                mode,
                pop_share_queue_num: if mode == MessageRequestMode::Pop {
                    cfg.default_pop_share_queue_num
                } else {
                    0
                },
                topic: b.topic.clone(),
            }
        });
    let queues = subscribe_queues(&state, &b.topic).await;
    let assigned = match (b.message_model, queues) {
        (_, None) => None,
        (MessageModel::Broadcasting, Some(all)) => Some(all),
        (MessageModel::Clustering, Some(all)) if !cfg.server_load_balancer_enable => Some(all),
        (MessageModel::Clustering, Some(all)) => {
            let mut cids: Vec<String> = state
                .clients
                .consumer_group(&b.consumer_group)
                .map(|g| g.channels.values().map(|c| c.client_id.clone()).collect())
                .unwrap_or_default();
            cids.sort();
            cids.dedup();
            if cids.is_empty() {
                tracing::warn!(group = %b.consumer_group, topic = %b.topic, "QueryLoad: no consumer of the group");
                None
            } else if mode.mode == MessageRequestMode::Pop {
                allocate_for_pop(
                    &b.strategy_name,
                    &b.client_id,
                    &all,
                    &cids,
                    mode.pop_share_queue_num,
                )
            } else {
                allocate(&b.strategy_name, &b.client_id, &all, &cids)
            }
        }
    };
    let answer = QueryAssignmentResponseBody {
        message_queue_assignments: assigned.map(|mqs| {
            mqs.into_iter()
                .map(|message_queue| MessageQueueAssignment {
                    attachments: None,
                    message_queue,
                    mode: mode.mode,
                })
                .collect()
        }),
    };
    let json = fastjson::to_vec(&answer, JsonStyle::Legacy)
        .map_err(|e| BrokerError::System(e.to_string()))?;
    Ok(RemotingCommand::success().with_body(json))
}

/// The topic's readable queues on every broker, from the NameServers (as Java's
/// `TopicRouteInfoManager`); this broker's own when no NameServer answers.
async fn subscribe_queues(state: &BrokerState, topic: &str) -> Option<Vec<MessageQueue>> {
    let cfg = state.config();
    let route_req = || {
        RemotingCommand::request_with_header(
            request::GET_ROUTEINFO_BY_TOPIC,
            &GetRouteInfoRequestHeader {
                topic: topic.into(),
                accept_standard_json_only: None,
            },
        )
    };
    for addr in cfg
        .namesrv_addr
        .split(';')
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        let client = state.pop.namesrv_client();
        let Ok(resp) = client
            .invoke(addr, route_req(), Duration::from_secs(3))
            .await
        else {
            continue;
        };
        if resp.code == response::TOPIC_NOT_EXIST {
            return None;
        }
        if resp.code != response::SUCCESS {
            continue;
        }
        let Ok(route) = fastjson::from_slice::<TopicRouteData>(&resp.body.to_bytes()) else {
            continue;
        };
        let mut mqs: Vec<MessageQueue> = route
            .queue_datas
            .iter()
            .filter(|q| perm::is_readable(q.perm))
            .flat_map(|q| {
                (0..q.read_queue_nums)
                    .map(move |i| MessageQueue::new(topic, q.broker_name.clone(), i))
            })
            .collect();
        mqs.sort();
        return Some(mqs);
    }
    let t = state.topics.get(topic)?;
    Some(
        (0..t.read_queue_nums)
            .map(|i| MessageQueue::new(topic, cfg.broker_name.clone(), i))
            .collect(),
    )
}
