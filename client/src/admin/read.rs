//! Reading ranges of a topic: consumeMessage and printMsg.

use super::{route_masters, Admin, TOOLS_CONSUMER_GROUP};
use crate::consumer::PullStatus;
use crate::error::{ClientError, Result};
use crate::message::{MessageExt, MessageQueue};

/// Messages asked for per pull.
const PULL_BATCH: i32 = 32;

/// The messages read from one queue by `printMsg` / `consumeMessage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueMessages {
    /// The queue.
    pub queue: MessageQueue,
    /// First offset read.
    pub from: i64,
    /// End of the range read (exclusive): the queue's max offset, or the first offset stored
    /// at or after the end time.
    pub to: i64,
    /// The messages, in offset order.
    pub messages: Vec<MessageExt>,
}

/// Which part of a topic `consumeMessage` / `printMsg` read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadSpec {
    /// Only this queue (`-b brokerName -i queueId`).
    pub queue: Option<MessageQueue>,
    /// Start here (`-o`) instead of at the begin time or the queue's start.
    pub offset: Option<i64>,
    /// Start at the first message stored at or after this time, ms (`-s` / `-b`).
    pub begin_ms: Option<i64>,
    /// Stop at the first message stored at or after this time, ms (`-e`): the queue is read
    /// up to its max offset and the store times are checked, which is exact whatever the
    /// broker's search-by-time answers past the last message.
    pub end_ms: Option<i64>,
    /// The group to pull as (`-g`; default `TOOLS_CONSUMER`).
    pub group: Option<String>,
    /// A tag expression (`*`, `a || b`).
    pub expression: Option<String>,
    /// At most this many messages in all (`-c`); `None` for no limit.
    pub limit: Option<usize>,
}

impl Admin {
    /// `consumeMessage` / `printMsg`: reads the queues of `topic` that `spec` selects.
    pub async fn read_messages(&self, topic: &str, spec: &ReadSpec) -> Result<Vec<QueueMessages>> {
        let route = self.topic_route(topic).await?;
        let masters = route_masters(&route);
        let queues: Vec<MessageQueue> = match &spec.queue {
            Some(q) => vec![q.clone()],
            None => crate::instance::subscribe_queues(topic, &route),
        };
        let group = spec.group.as_deref().unwrap_or(TOOLS_CONSUMER_GROUP);
        let expression = spec.expression.as_deref().unwrap_or("*");
        let mut left = spec.limit.unwrap_or(usize::MAX);
        let mut out = Vec::new();
        for mq in queues {
            let Some((_, addr)) = masters.iter().find(|(n, _)| *n == mq.broker_name) else {
                return Err(ClientError::BrokerNotFound {
                    broker_name: mq.broker_name.clone(),
                    topic: topic.to_owned(),
                });
            };
            let from = match (spec.offset, spec.begin_ms) {
                (Some(o), _) => o,
                (None, Some(t)) => self.search_offset(addr, &mq, t).await?,
                (None, None) => self.min_offset(addr, &mq).await?,
            };
            let mut to = self.max_offset(addr, &mq).await?;
            let in_time = |m: &MessageExt| {
                spec.begin_ms.is_none_or(|b| m.store_timestamp >= b)
                    && spec.end_ms.is_none_or(|e| m.store_timestamp < e)
            };
            let mut messages = Vec::new();
            let mut offset = from;
            while offset < to && left > 0 {
                let max = i32::try_from(left).unwrap_or(PULL_BATCH).min(PULL_BATCH);
                let r = self.pull(addr, &mq, offset, max, group, expression).await?;
                for m in r.messages {
                    if spec.end_ms.is_some_and(|e| m.store_timestamp >= e) {
                        to = m.queue_offset;
                        break;
                    }
                    if m.queue_offset < to && left > 0 && in_time(&m) {
                        left -= 1;
                        messages.push(m);
                    }
                }
                if r.status == PullStatus::NoNewMsg || r.next_begin_offset <= offset {
                    break;
                }
                offset = r.next_begin_offset;
            }
            out.push(QueueMessages {
                queue: mq,
                from,
                to,
                messages,
            });
        }
        Ok(out)
    }
}
