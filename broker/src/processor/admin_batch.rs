//! RocketMQ 5's batch creates: UPDATE_AND_CREATE_TOPIC_LIST (18) and
//! UPDATE_AND_CREATE_SUBSCRIPTIONGROUP_LIST (225). Each checks every item first, as the
//! single-item requests do, and applies nothing when one is invalid.

use std::sync::Arc;

use cometmq_remoting::body::{fastjson, CreateTopicListRequestBody, SubscriptionGroupList};
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;

use crate::error::{BrokerError, Reply};
use crate::processor::admin_topics::{check_admin_topic, check_queue_nums};
use crate::state::BrokerState;
use crate::topics::Upsert;

fn body<T: serde::de::DeserializeOwned>(
    req: &RemotingCommand,
    what: &str,
) -> Result<T, BrokerError> {
    let bytes = req.body.to_bytes();
    if bytes.is_empty() {
        return Err(BrokerError::BadBody(format!(
            "missing body: a {what} is required"
        )));
    }
    fastjson::from_slice(&bytes).map_err(|e| BrokerError::BadBody(format!("bad {what} body: {e}")))
}

/// UPDATE_AND_CREATE_TOPIC_LIST: creates or replaces every topic of the list, persists the
/// table and re-registers with the NameServers once.
pub async fn create_topics(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let list: CreateTopicListRequestBody = body(&req, "CreateTopicListRequestBody")?;
    let config = state.config();
    for t in &list.topic_config_list {
        check_admin_topic(&t.topic_name, &config)?;
        check_queue_nums("readQueueNums", t.read_queue_nums)?;
        check_queue_nums("writeQueueNums", t.write_queue_nums)?;
        if t.perm & !0xF != 0 || t.perm < 0 {
            return Err(BrokerError::InvalidParameter(format!(
                "perm of topic {} must be a combination of 8, 4, 2 and 1, got {}",
                t.topic_name, t.perm
            )));
        }
    }
    let mut changed = false;
    for t in list.topic_config_list {
        let name = t.topic_name.clone();
        if let Upsert::Changed(_) = state.topics.upsert(t) {
            tracing::info!(topic = %name, "topic created or updated by admin (list)");
            changed = true;
        }
    }
    if changed {
        state.topics_updated().await;
    }
    Ok(RemotingCommand::success())
}

/// UPDATE_AND_CREATE_SUBSCRIPTIONGROUP_LIST: creates or replaces every group of the list and
/// persists `subscriptionGroup.json` once.
pub async fn create_groups(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let list: SubscriptionGroupList = body(&req, "SubscriptionGroupList")?;
    for g in &list.group_config_list {
        if g.group_name.trim().is_empty() {
            return Err(BrokerError::BadBody(
                "SubscriptionGroupConfig.groupName is blank".into(),
            ));
        }
        if g.retry_queue_nums < 0 || g.retry_max_times < -1 {
            return Err(BrokerError::InvalidParameter(format!(
                "group {}: retryQueueNums {} and retryMaxTimes {} must not be negative",
                g.group_name, g.retry_queue_nums, g.retry_max_times
            )));
        }
    }
    for g in list.group_config_list {
        tracing::info!(group = %g.group_name, "subscription group created or updated by admin (list)");
        state.groups.upsert(g);
    }
    state.groups.persist().await;
    Ok(RemotingCommand::success())
}
