//! One PULL_MESSAGE (reference §3.4), as both consumers send it (Java `PullAPIWrapper`).

use std::collections::HashSet;
use std::time::Duration;

use cometmq_remoting::body::client::SubscriptionData;
use cometmq_remoting::body::MASTER_ID;
use cometmq_remoting::code::request;
use cometmq_remoting::header::PullMessageRequestHeader;
use cometmq_remoting::RemotingCommand;

use super::PullResult;
use crate::error::{ClientError, Result};
use crate::instance::ClientInstance;
use crate::message::MessageQueue;

/// What to pull.
#[derive(Debug, Clone)]
pub(crate) struct PullArgs<'a> {
    pub group: &'a str,
    pub mq: &'a MessageQueue,
    pub subscription: &'a SubscriptionData,
    /// Send the subscription in the request (SUBSCRIPTION flag) instead of relying on the
    /// heartbeat's.
    pub post_subscription: bool,
    pub offset: i64,
    pub max_nums: i32,
    /// Offset to commit with the pull (COMMIT_OFFSET flag), if any.
    pub commit_offset: Option<i64>,
    /// Long polling: how long the broker may hold the request (zero: no SUSPEND flag).
    pub suspend: Duration,
    /// Lite pull consumer (LITE_PULL flag).
    pub lite: bool,
    pub timeout: Duration,
    /// The broker id to pull from (0 = master), as the last answer suggested.
    pub broker_id: i64,
}

/// The address to pull `mq` from: broker `broker_id` of its group if known, else the
/// master, else any member; refreshes the route once if the group is unknown. Returns the
/// address and whether it is a slave.
pub(crate) async fn pull_addr(
    instance: &ClientInstance,
    mq: &MessageQueue,
    broker_id: i64,
) -> Result<(String, bool)> {
    let find = || instance.find_broker_addr(&mq.broker_name, broker_id, false);
    let addr = match find() {
        Some(a) => a,
        None => {
            instance.update_topic_route(&mq.topic).await?;
            find().ok_or_else(|| ClientError::BrokerNotFound {
                broker_name: mq.broker_name.clone(),
                topic: mq.topic.clone(),
            })?
        }
    };
    let master = instance.find_broker_addr(&mq.broker_name, MASTER_ID, true);
    let slave = master.as_deref() != Some(addr.as_str());
    Ok((addr, slave))
}

/// Sends one pull and reads the answer; the messages come back filtered by tag.
pub(crate) async fn pull(instance: &ClientInstance, a: PullArgs<'_>) -> Result<PullResult> {
    let (addr, slave) = pull_addr(instance, a.mq, a.broker_id).await?;
    let mut sys_flag = 0;
    let mut commit_offset = 0;
    if let Some(o) = a.commit_offset.filter(|_| !slave) {
        sys_flag |= PullMessageRequestHeader::FLAG_COMMIT_OFFSET;
        commit_offset = o;
    }
    if !a.suspend.is_zero() {
        sys_flag |= PullMessageRequestHeader::FLAG_SUSPEND;
    }
    if a.post_subscription {
        sys_flag |= PullMessageRequestHeader::FLAG_SUBSCRIPTION;
    }
    if a.lite {
        sys_flag |= PullMessageRequestHeader::FLAG_LITE_PULL;
    }
    let header = PullMessageRequestHeader {
        consumer_group: a.group.to_owned(),
        topic: a.mq.topic.clone(),
        queue_id: a.mq.queue_id,
        queue_offset: a.offset,
        max_msg_nums: a.max_nums,
        sys_flag,
        commit_offset,
        suspend_timeout_millis: i64::try_from(a.suspend.as_millis()).unwrap_or(i64::MAX),
        subscription: a
            .post_subscription
            .then(|| a.subscription.sub_string.clone()),
        sub_version: a.subscription.sub_version,
        expression_type: Some(a.subscription.expression_type.clone()),
        max_msg_bytes: None,
    };
    let code = request::PULL_MESSAGE;
    let req = RemotingCommand::request_with_header(code, &header);
    let resp = instance
        .remoting()
        .invoke(&addr, req, a.timeout)
        .await
        .map_err(|e| ClientError::remoting(code, &addr, e))?;
    let tags: HashSet<String> = if a.subscription.is_all() {
        HashSet::new()
    } else {
        a.subscription.tags_set.iter().cloned().collect()
    };
    PullResult::from_response(&addr, &resp, a.mq, &tags)
}
