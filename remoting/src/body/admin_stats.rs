//! Admin statistics bodies (reference §4.3): [`TopicStatsTable`] (GET_TOPIC_STATS_INFO),
//! [`ConsumeStats`] (GET_CONSUME_STATS) and [`QueryConsumeTimeSpanBody`]
//! (QUERY_CONSUME_TIME_SPAN).
//!
//! The first two are maps keyed by [`MessageQueue`], which fastjson writes with bare JSON
//! objects as keys: write them with [`to_legacy_string`](super::client::to_legacy_string)
//! and read them with [`fastjson::from_slice`](super::fastjson::from_slice).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client::{serde_mq_map, MessageQueue};

/// One queue's offsets in a [`TopicStatsTable`] (Java `TopicOffset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicOffset {
    /// Store time of the queue's last message, ms (0 when empty).
    pub last_update_timestamp: i64,
    /// One past the queue's last message.
    pub max_offset: i64,
    /// The queue's first offset still stored.
    pub min_offset: i64,
}

/// GET_TOPIC_STATS_INFO (202) response:
/// `{"offsetTable":{MQ:{"lastUpdateTimestamp":L,"maxOffset":L,"minOffset":L}},"topicPutTps":D}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicStatsTable {
    /// Queue → offsets.
    #[serde(with = "serde_mq_map")]
    pub offset_table: BTreeMap<MessageQueue, TopicOffset>,
    /// 5.x: messages stored per second into the topic.
    pub topic_put_tps: f64,
}

/// One queue's progress in [`ConsumeStats`] (Java `OffsetWrapper`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OffsetWrapper {
    /// The queue's max offset (one past its last message).
    pub broker_offset: i64,
    /// The group's committed offset (next to consume).
    pub consumer_offset: i64,
    /// Store time of the last consumed message (at `consumerOffset − 1`), ms; 0 if none.
    pub last_timestamp: i64,
    /// 5.x: the offset the group has pulled up to (at least `consumerOffset`).
    pub pull_offset: i64,
}

/// GET_CONSUME_STATS (208) response:
/// `{"consumeTps":D,"offsetTable":{MQ:OffsetWrapper}}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumeStats {
    /// Messages consumed per second by the group over the requested topics.
    pub consume_tps: f64,
    /// Queue → progress.
    #[serde(with = "serde_mq_map")]
    pub offset_table: BTreeMap<MessageQueue, OffsetWrapper>,
}

impl ConsumeStats {
    /// Total lag: the sum of `brokerOffset − consumerOffset` over the queues (Java
    /// `computeTotalDiff`).
    pub fn total_diff(&self) -> i64 {
        self.offset_table
            .values()
            .map(|o| o.broker_offset - o.consumer_offset)
            .sum()
    }
}

/// One queue's time span in [`QueryConsumeTimeSpanBody`] (Java `QueueTimeSpan`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueTimeSpan {
    /// Store time of the last consumed message (or of the first message if none was).
    pub consume_time_stamp: i64,
    /// How long the next message to consume has been waiting, ms (0 when caught up).
    pub delay_time: i64,
    /// Store time of the queue's last message.
    pub max_time_stamp: i64,
    /// The queue.
    pub message_queue: MessageQueue,
    /// Store time of the queue's first message.
    pub min_time_stamp: i64,
}

/// QUERY_CONSUME_TIME_SPAN (303) response: `{"consumeTimeSpanSet":[QueueTimeSpan]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueryConsumeTimeSpanBody {
    /// One entry per queue.
    pub consume_time_span_set: Vec<QueueTimeSpan>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::client::to_legacy_string;
    use crate::body::fastjson;

    #[test]
    fn topic_stats_fastjson_form() {
        let mut t = TopicStatsTable::default();
        t.offset_table.insert(
            MessageQueue::new("T", "b", 0),
            TopicOffset {
                last_update_timestamp: 5,
                max_offset: 3,
                min_offset: 0,
            },
        );
        let text = to_legacy_string(&t).unwrap();
        assert_eq!(
            text,
            r#"{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"lastUpdateTimestamp":5,"maxOffset":3,"minOffset":0}},"topicPutTps":0.0}"#
        );
        let back: TopicStatsTable = fastjson::from_slice(text.as_bytes()).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn consume_stats_reads_java_output() {
        let java = br#"{"consumeTps":1.5,"offsetTable":{{"brokerName":"broker-a","queueId":1,"topic":"T"}:{"brokerOffset":10,"consumerOffset":4,"lastTimestamp":1700000000000,"pullOffset":4}}}"#;
        let s: ConsumeStats = fastjson::from_slice(java).unwrap();
        assert_eq!(s.consume_tps, 1.5);
        let o = s.offset_table[&MessageQueue::new("T", "broker-a", 1)];
        assert_eq!((o.broker_offset, o.consumer_offset), (10, 4));
        assert_eq!(s.total_diff(), 6);
        assert_eq!(to_legacy_string(&s).unwrap().as_bytes(), java);
    }

    #[test]
    fn time_span_form() {
        let b = QueryConsumeTimeSpanBody {
            consume_time_span_set: vec![QueueTimeSpan {
                message_queue: MessageQueue::new("T", "b", 0),
                ..Default::default()
            }],
        };
        let text = to_legacy_string(&b).unwrap();
        assert!(text.starts_with(
            r#"{"consumeTimeSpanSet":[{"consumeTimeStamp":0,"delayTime":0,"maxTimeStamp":0,"messageQueue":{"brokerName":"b""#
        ));
        assert_eq!(
            fastjson::from_slice::<QueryConsumeTimeSpanBody>(text.as_bytes()).unwrap(),
            b
        );
    }
}

/// One window of a [`BrokerStatsData`] (Java `BrokerStatsItem`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrokerStatsItem {
    /// Value added across the window.
    pub sum: i64,
    /// `sum` per second.
    pub tps: f64,
    /// `sum` per call.
    pub avgpt: f64,
}

/// VIEW_BROKER_STATS_DATA (315) response:
/// `{"statsDay":{"avgpt":D,"sum":L,"tps":D},"statsHour":{…},"statsMinute":{…}}`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrokerStatsData {
    /// The last minute (samples every 10 s).
    pub stats_minute: BrokerStatsItem,
    /// The last hour (samples every 10 min).
    pub stats_hour: BrokerStatsItem,
    /// The last day (samples every hour).
    pub stats_day: BrokerStatsItem,
}
