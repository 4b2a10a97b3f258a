//! [`ConsumerSettings`]: what a consumer group does, with Java's defaults (reference §11.1).

use std::sync::Arc;
use std::time::Duration;

pub use cometmq_remoting::body::client::{ConsumeFromWhere, MessageModel};

use super::allocate::{AllocateStrategy, Averagely};
use crate::error::{ClientError, Result};
use crate::message::validate_topic;

/// Settings shared by the push and pull consumers. Build with [`ConsumerSettings::new`] and
/// struct-update syntax, or through the consumer builders.
///
/// ```
/// use cometmq_client::consumer::{ConsumeFromWhere, ConsumerSettings, MessageModel};
/// let s = ConsumerSettings {
///     message_model: MessageModel::Broadcasting,
///     consume_from_where: ConsumeFromWhere::FirstOffset,
///     ..ConsumerSettings::new("my-group")
/// };
/// assert_eq!(s.pull_batch_size, 32);
/// ```
#[derive(Clone)]
pub struct ConsumerSettings {
    /// The consumer group.
    pub group: String,
    /// Clustering (each message to one consumer of the group) or broadcasting.
    pub message_model: MessageModel,
    /// Where to start on a queue the group has no offset for.
    pub consume_from_where: ConsumeFromWhere,
    /// With [`ConsumeFromWhere::Timestamp`]: the store time (ms since the epoch) to start
    /// from; `None` means half an hour before the consumer needs it (Java's default).
    pub consume_timestamp_ms: Option<i64>,
    /// Which queues this consumer takes (default: [`Averagely`]).
    pub allocate: Arc<dyn AllocateStrategy>,
    /// Messages asked for per pull (`pullBatchSize`, 32).
    pub pull_batch_size: i32,
    /// Stop pulling a queue while this many of its messages wait (`pullThresholdForQueue`,
    /// 1000).
    pub pull_threshold_for_queue: usize,
    /// Stop pulling a queue while this many body bytes wait (`pullThresholdSizeForQueue`,
    /// 100 MiB).
    pub pull_threshold_size_for_queue: usize,
    /// Concurrent listener: stop pulling a queue while its waiting offsets span more than
    /// this (`consumeConcurrentlyMaxSpan`, 2000).
    pub consume_concurrently_max_span: i64,
    /// Listener calls running at once (`consumeThreadMax`, 20).
    pub consume_concurrency: usize,
    /// Messages per listener call (`consumeMessageBatchMaxSize`, 1).
    pub consume_batch_size: usize,
    /// Redeliveries before a message goes to the dead-letter queue; `-1` means 16 for
    /// concurrent and unlimited for orderly listeners (`maxReconsumeTimes`).
    pub max_reconsume_times: i32,
    /// Concurrent listener: a call running longer than this has its messages sent back for
    /// redelivery (delay level 3) and leaves the process queue, so a hung listener no longer
    /// holds its queue's offset (`consumeTimeout`, 15 minutes).
    pub consume_timeout: Duration,
    /// Orderly: pause after a failed batch (`suspendCurrentQueueTimeMillis`, 1 s).
    pub suspend_current_queue_time: Duration,
    /// Long polling: how long the broker may hold a pull (15 s).
    pub broker_suspend_max_time: Duration,
    /// Timeout of a long-polling pull (30 s).
    pub consumer_timeout_when_suspend: Duration,
    /// Wait after a failed pull (3 s).
    pub pull_delay_on_exception: Duration,
    /// Wait while a queue is over its flow-control thresholds (50 ms).
    pub pull_delay_on_flow_control: Duration,
    /// Rebalance period (20 s; a rebalance also follows NOTIFY_CONSUMER_IDS_CHANGED).
    pub rebalance_interval: Duration,
    /// Orderly: period of renewing the broker locks (20 s).
    pub lock_interval: Duration,
    /// Send the subscription in every pull instead of relying on the heartbeat
    /// (`postSubscriptionWhenPull`, false).
    pub post_subscription_when_pull: bool,
    /// How long shutdown waits for running listener calls (10 s).
    pub await_termination: Duration,
    /// Write SubBefore / SubAfter trace records of every listener call (`enableMsgTrace`,
    /// false).
    pub enable_msg_trace: bool,
    /// The topic trace records go to (`customizedTraceTopic`, `RMQ_SYS_TRACE_TOPIC`).
    pub trace_topic: String,
}

impl std::fmt::Debug for ConsumerSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsumerSettings")
            .field("group", &self.group)
            .field("message_model", &self.message_model)
            .field("consume_from_where", &self.consume_from_where)
            .field("allocate", &self.allocate.name())
            .field("pull_batch_size", &self.pull_batch_size)
            .field("consume_concurrency", &self.consume_concurrency)
            .finish_non_exhaustive()
    }
}

impl ConsumerSettings {
    /// Java's defaults for `group`.
    pub fn new(group: impl Into<String>) -> Self {
        ConsumerSettings {
            group: group.into(),
            message_model: MessageModel::Clustering,
            consume_from_where: ConsumeFromWhere::LastOffset,
            consume_timestamp_ms: None,
            allocate: Arc::new(Averagely),
            pull_batch_size: 32,
            pull_threshold_for_queue: 1000,
            pull_threshold_size_for_queue: 100 * 1024 * 1024,
            consume_concurrently_max_span: 2000,
            consume_concurrency: 20,
            consume_batch_size: 1,
            max_reconsume_times: -1,
            consume_timeout: Duration::from_secs(15 * 60),
            suspend_current_queue_time: Duration::from_secs(1),
            broker_suspend_max_time: Duration::from_secs(15),
            consumer_timeout_when_suspend: Duration::from_secs(30),
            pull_delay_on_exception: Duration::from_secs(3),
            pull_delay_on_flow_control: Duration::from_millis(50),
            rebalance_interval: Duration::from_secs(20),
            lock_interval: Duration::from_secs(20),
            post_subscription_when_pull: false,
            await_termination: Duration::from_secs(10),
            enable_msg_trace: false,
            trace_topic: crate::trace::TRACE_TOPIC.to_owned(),
        }
    }

    /// The reconsume limit sent with CONSUMER_SEND_MSG_BACK: 16 by default for concurrent
    /// consumption, `i32::MAX` for orderly.
    pub fn effective_max_reconsume_times(&self, orderly: bool) -> i32 {
        match self.max_reconsume_times {
            -1 if orderly => i32::MAX,
            -1 => 16,
            n => n,
        }
    }

    /// Whether the group shares messages among its consumers.
    pub fn is_clustering(&self) -> bool {
        self.message_model == MessageModel::Clustering
    }

    /// Checks the group name and the numbers.
    pub fn validate(&self) -> Result<()> {
        if self.group.trim().is_empty() {
            return Err(ClientError::invalid("consumer group", "the group is blank"));
        }
        validate_topic(&self.group).map_err(|_| {
            ClientError::invalid("consumer group", "illegal characters in the group")
        })?;
        if self.group == "DEFAULT_CONSUMER" {
            return Err(ClientError::invalid(
                "consumer group",
                "DEFAULT_CONSUMER is reserved, specify another name",
            ));
        }
        let checks = [
            (
                (1..=1024).contains(&self.pull_batch_size),
                "pull_batch_size must be in 1..=1024",
            ),
            (
                (1..=65535).contains(&self.pull_threshold_for_queue),
                "pull_threshold_for_queue must be in 1..=65535",
            ),
            (
                self.pull_threshold_size_for_queue >= 1,
                "pull_threshold_size_for_queue must be at least 1",
            ),
            (
                (1..=1000).contains(&self.consume_concurrency),
                "consume_concurrency must be in 1..=1000",
            ),
            (
                (1..=1024).contains(&self.consume_batch_size),
                "consume_batch_size must be in 1..=1024",
            ),
            (
                (1..=65535).contains(&self.consume_concurrently_max_span),
                "consume_concurrently_max_span must be in 1..=65535",
            ),
            (
                self.max_reconsume_times >= -1,
                "max_reconsume_times must be -1 or more",
            ),
            (
                !self.consume_timeout.is_zero(),
                "consume_timeout must be more than zero",
            ),
        ];
        match checks.iter().find(|(ok, _)| !ok) {
            Some((_, reason)) => Err(ClientError::invalid("consumer settings", *reason)),
            None => Ok(()),
        }
    }
}

/// The retry topic of `group`: `%RETRY%<group>`.
pub fn retry_topic(group: &str) -> String {
    format!("%RETRY%{group}")
}

/// Whether `topic` is a retry topic.
pub fn is_retry_topic(topic: &str) -> bool {
    topic.starts_with("%RETRY%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_checks() {
        let s = ConsumerSettings::new("G");
        assert!(s.validate().is_ok());
        assert_eq!(s.effective_max_reconsume_times(false), 16);
        assert_eq!(s.effective_max_reconsume_times(true), i32::MAX);
        assert_eq!(s.allocate.name(), "AVG");
        assert!(s.is_clustering());
        let bad = ConsumerSettings {
            pull_batch_size: 0,
            ..ConsumerSettings::new("G")
        };
        assert!(bad.validate().is_err());
        assert!(ConsumerSettings::new("a b").validate().is_err());
        assert!(ConsumerSettings::new("DEFAULT_CONSUMER")
            .validate()
            .is_err());
        assert_eq!(retry_topic("G"), "%RETRY%G");
        assert!(is_retry_topic("%RETRY%G") && !is_retry_topic("G"));
    }
}
