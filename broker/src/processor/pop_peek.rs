//! PEEK_MESSAGE (200052), NOTIFICATION (200054) and POLLING_INFO (200055), as Java's
//! `PeekMessageProcessor`, `NotificationProcessor` and `PollingInfoProcessor`: reads of a
//! group's pop position that change nothing.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cometmq_remoting::code::response;
use cometmq_remoting::header::{
    NotificationRequestHeader, NotificationResponseHeader, PeekMessageRequestHeader,
    PollingInfoRequestHeader, PollingInfoResponseHeader, PopMessageResponseHeader,
};
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;
use cometmq_store::AcceptAll;
use futures::future::select_all;

use super::pop::{check_target, pop_offset};
use crate::error::{BrokerError, Reply};
use crate::pop::receipt::pop_retry_topic;
use crate::state::BrokerState;

/// How often a held notification looks again without a growth signal.
const RECHECK: Duration = Duration::from_secs(5);

/// The queues a request on `queue_id` (-1: all) of `topic` covers, the pop retry
/// topic's first.
fn queues(
    state: &BrokerState,
    group: &str,
    topic: &str,
    queue_id: i32,
    read_queues: i32,
) -> Vec<(String, i32)> {
    let retry = pop_retry_topic(topic, group, state.config().enable_retry_topic_v2);
    let mut out = Vec::new();
    if state.topics.get(&retry).is_some() {
        out.push((retry, 0));
    }
    if queue_id < 0 {
        out.extend((0..read_queues).map(|q| (topic.to_owned(), q)));
    } else {
        out.push((topic.to_owned(), queue_id));
    }
    out
}

/// PEEK_MESSAGE: the messages the group's next pop would get, without a checkpoint.
pub async fn peek_message(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: PeekMessageRequestHeader = req.decode_header()?;
    let topic = check_target(&state, &h.consumer_group, &h.topic, h.queue_id).await?;
    let max = usize::try_from(h.max_msg_nums.clamp(1, 32)).unwrap_or(1);
    let mut found: Vec<Bytes> = Vec::new();
    let mut rest_num = 0;
    for (t, q) in queues(
        &state,
        &h.consumer_group,
        &h.topic,
        h.queue_id,
        topic.read_queue_nums,
    ) {
        let offset = pop_offset(&state, &h.consumer_group, &t, q, 0);
        rest_num += state.store.max_offset(&t, q) - offset;
        if found.len() >= max {
            continue;
        }
        let (group, want) = (h.consumer_group.clone(), max - found.len());
        let result = state
            .read_store(move |s| s.get_messages(Some(&group), &t, q, offset, want, &AcceptAll))
            .await?;
        found.extend(result.messages);
    }
    let header = PopMessageResponseHeader {
        rest_num,
        ..Default::default()
    };
    if found.is_empty() {
        Ok(
            RemotingCommand::response(response::PULL_NOT_FOUND, Some("NO_MESSAGE_IN_QUEUE".into()))
                .with_header(&header),
        )
    } else {
        Ok(
            RemotingCommand::response(response::SUCCESS, Some("FOUND".into()))
                .with_header(&header)
                .with_body(found),
        )
    }
}

/// NOTIFICATION: whether a pop would find messages, held up to `pollTime` until one would.
pub async fn notification(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: NotificationRequestHeader = req.decode_header()?;
    let topic = check_target(&state, &h.consumer_group, &h.topic, h.queue_id).await?;
    let hold = Duration::from_millis(u64::try_from(h.poll_time).unwrap_or(0));
    let deadline = tokio::time::Instant::now() + hold;
    let mut held = None;
    let has_msg = loop {
        let covered = queues(
            &state,
            &h.consumer_group,
            &h.topic,
            h.queue_id,
            topic.read_queue_nums,
        );
        let mut growth: Vec<_> = covered
            .iter()
            .map(|(t, q)| state.store.subscribe_growth(t, *q))
            .collect();
        let has = covered.iter().any(|(t, q)| {
            state.store.max_offset(t, *q) > pop_offset(&state, &h.consumer_group, t, *q, 0)
        });
        if has || tokio::time::Instant::now() >= deadline {
            break has;
        }
        if held.is_none() {
            cometmq_remoting::transport::holding_request();
            held = Some(state.pop.hold(&h.topic, &h.consumer_group, h.queue_id));
        }
        let wake = deadline.min(tokio::time::Instant::now() + RECHECK);
        let changed = select_all(growth.iter_mut().map(|rx| Box::pin(rx.changed())));
        let _ = tokio::time::timeout_at(wake, changed).await;
    };
    Ok(RemotingCommand::success().with_header(&NotificationResponseHeader { has_msg }))
}

/// POLLING_INFO: how many pops and notifications are held on the queue now.
pub async fn polling_info(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: PollingInfoRequestHeader = req.decode_header()?;
    let topic = state.topics.get(&h.topic).ok_or_else(|| {
        BrokerError::TopicNotExist(format!("topic[{}] not exist, apply first please!", h.topic))
    })?;
    if h.queue_id >= topic.read_queue_nums {
        return Err(BrokerError::System(format!(
            "queueId[{}] is illegal, topic:[{}] topicConfig.readQueueNums:[{}]",
            h.queue_id, h.topic, topic.read_queue_nums
        )));
    }
    if state.groups.get(&h.consumer_group).is_none() {
        return Err(BrokerError::SubscriptionGroupNotExist(format!(
            "subscription group [{}] does not exist",
            h.consumer_group
        )));
    }
    let polling_num = state
        .pop
        .polling_num(&h.topic, &h.consumer_group, h.queue_id);
    Ok(RemotingCommand::success().with_header(&PollingInfoResponseHeader { polling_num }))
}
