//! [`MessageQueue`]: one queue of a topic on one broker group (reference §4.3).

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One queue of a topic, on one broker group (Java `MessageQueue`).
///
/// Ordered as Java orders it (topic, then broker name, then queue id, strings compared as
/// Java compares them), because every consumer of a group sorts the queue list the same way
/// before allocating. `Display` is Java's `toString()`, which the consistent-hash strategy
/// hashes, so it must not change.
///
/// Serializes as RocketMQ's JSON form `{"brokerName":"b","queueId":0,"topic":"T"}`.
///
/// ```
/// use cometmq_remoting::body::client::MessageQueue;
/// let q = MessageQueue::new("TopicTest", "broker-a", 3);
/// assert_eq!(q.to_string(), "MessageQueue [topic=TopicTest, brokerName=broker-a, queueId=3]");
/// assert!(q < MessageQueue::new("TopicTest", "broker-b", 0));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageQueue {
    /// The broker group (`brokerName`) holding the queue.
    pub broker_name: String,
    /// The queue's index within the topic on that broker group.
    pub queue_id: i32,
    /// The topic.
    pub topic: String,
}

impl MessageQueue {
    /// The queue `queue_id` of `topic` on broker group `broker_name`.
    pub fn new(topic: impl Into<String>, broker_name: impl Into<String>, queue_id: i32) -> Self {
        MessageQueue {
            topic: topic.into(),
            broker_name: broker_name.into(),
            queue_id,
        }
    }
}

impl Ord for MessageQueue {
    fn cmp(&self, other: &Self) -> Ordering {
        java_cmp(&self.topic, &other.topic)
            .then_with(|| java_cmp(&self.broker_name, &other.broker_name))
            .then_with(|| self.queue_id.cmp(&other.queue_id))
    }
}

impl PartialOrd for MessageQueue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for MessageQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MessageQueue [topic={}, brokerName={}, queueId={}]",
            self.topic, self.broker_name, self.queue_id
        )
    }
}

/// Java's `String.compareTo`: lexicographic over UTF-16 code units (byte order for ASCII).
pub fn java_cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_topic_broker_then_queue() {
        let mut qs = [
            MessageQueue::new("T", "broker-b", 0),
            MessageQueue::new("T", "broker-a", 10),
            MessageQueue::new("S", "broker-z", 5),
            MessageQueue::new("T", "broker-a", 2),
        ];
        qs.sort();
        let keys: Vec<_> = qs
            .iter()
            .map(|q| (q.topic.as_str(), q.broker_name.as_str(), q.queue_id))
            .collect();
        assert_eq!(
            keys,
            [
                ("S", "broker-z", 5),
                ("T", "broker-a", 2),
                ("T", "broker-a", 10),
                ("T", "broker-b", 0)
            ]
        );
    }

    #[test]
    fn compare_like_java() {
        assert_eq!(java_cmp("a", "b"), Ordering::Less);
        assert_eq!(java_cmp("ab", "a"), Ordering::Greater);
        // U+FF5E (one unit) sorts after U+1F600 (surrogates 0xD83D..) in Java, although its
        // UTF-8 encoding is smaller.
        assert_eq!(java_cmp("\u{FF5E}", "\u{1F600}"), Ordering::Greater);
        assert_eq!("\u{FF5E}".cmp("\u{1F600}"), Ordering::Less);
    }

    #[test]
    fn json_form_matches_rocketmq() {
        let q = MessageQueue::new("T", "b", 0);
        let json = serde_json::to_string(&q).unwrap();
        assert_eq!(json, r#"{"brokerName":"b","queueId":0,"topic":"T"}"#);
        let back: MessageQueue =
            serde_json::from_str(r#"{"topic":"T","queueId":0,"brokerName":"b"}"#).unwrap();
        assert_eq!(back, q);
    }

    #[test]
    fn display_is_java_to_string() {
        let q = MessageQueue::new("T", "broker-a", 0);
        assert_eq!(
            q.to_string(),
            "MessageQueue [topic=T, brokerName=broker-a, queueId=0]"
        );
    }
}
