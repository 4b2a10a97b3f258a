//! Bodies clients answer admin requests with (reference §3.10): [`ConsumerRunningInfo`]
//! (GET_CONSUMER_RUNNING_INFO) and [`ConsumeMessageDirectlyResult`]
//! (CONSUME_MESSAGE_DIRECTLY), plus `GetConsumerStatusBody`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::heartbeat::nullable;
use super::mq_map::serde_mq_map;
use super::{MessageQueue, SubscriptionData};

/// `properties` key: the NameServer addresses.
pub const PROP_NAMESERVER_ADDR: &str = "PROP_NAMESERVER_ADDR";
/// `properties` key: `CONSUME_PASSIVELY` / `CONSUME_ACTIVELY`.
pub const PROP_CONSUME_TYPE: &str = "PROP_CONSUME_TYPE";
/// `properties` key: `true` for orderly consumption.
pub const PROP_CONSUMEORDERLY: &str = "PROP_CONSUMEORDERLY";
/// `properties` key: consume thread pool core size.
pub const PROP_THREADPOOL_CORE_SIZE: &str = "PROP_THREADPOOL_CORE_SIZE";
/// `properties` key: start time, ms.
pub const PROP_CONSUMER_START_TIMESTAMP: &str = "PROP_CONSUMER_START_TIMESTAMP";
/// `properties` key: client version name (e.g. `V5_3_3`).
pub const PROP_CLIENT_VERSION: &str = "PROP_CLIENT_VERSION";

/// The state of one queue a consumer is processing (Java `ProcessQueueInfo`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProcessQueueInfo {
    /// Messages pulled but not yet consumed.
    pub cached_msg_count: i32,
    /// Largest cached offset.
    pub cached_msg_max_offset: i64,
    /// Smallest cached offset.
    pub cached_msg_min_offset: i64,
    /// Cached bytes, MiB.
    #[serde(rename = "cachedMsgSizeInMiB")]
    pub cached_msg_size_in_mib: i32,
    /// Offset stored for the queue.
    pub commit_offset: i64,
    /// The queue was dropped (Java's spelling).
    pub droped: bool,
    /// Last consumption, ms.
    pub last_consume_timestamp: i64,
    /// Last lock renewal, ms (orderly).
    pub last_lock_timestamp: i64,
    /// Last pull, ms.
    pub last_pull_timestamp: i64,
    /// Locked at the broker (orderly).
    pub locked: bool,
    /// Orderly: messages taken but not committed.
    pub transaction_msg_count: i32,
    /// Orderly: largest taken offset.
    pub transaction_msg_max_offset: i64,
    /// Orderly: smallest taken offset.
    pub transaction_msg_min_offset: i64,
    /// Failed unlock attempts.
    pub try_unlock_times: i64,
}

/// Consumption statistics of one topic (Java `ConsumeStatus`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumeStatus {
    /// Failed messages in the last hour.
    #[serde(rename = "consumeFailedMsgs")]
    pub consume_failed_msgs: i64,
    /// Failed messages per second.
    #[serde(rename = "consumeFailedTPS")]
    pub consume_failed_tps: f64,
    /// Consumed messages per second.
    #[serde(rename = "consumeOKTPS")]
    pub consume_ok_tps: f64,
    /// Mean consume time, ms.
    #[serde(rename = "consumeRT")]
    pub consume_rt: f64,
    /// Mean pull time, ms.
    #[serde(rename = "pullRT")]
    pub pull_rt: f64,
    /// Pulled messages per second.
    #[serde(rename = "pullTPS")]
    pub pull_tps: f64,
}

/// GET_CONSUMER_RUNNING_INFO answer (Java `ConsumerRunningInfo`). Write it with
/// [`to_legacy_string`](super::to_legacy_string): `mqTable` has queue keys.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumerRunningInfo {
    /// Thread dump, when asked for (`jstackEnable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jstack: Option<String>,
    /// Per-queue state.
    #[serde(with = "serde_mq_map")]
    pub mq_table: BTreeMap<MessageQueue, ProcessQueueInfo>,
    /// Settings and facts (`PROP_*` keys and the consumer's configuration).
    #[serde(deserialize_with = "nullable")]
    pub properties: BTreeMap<String, String>,
    /// Per-topic statistics.
    #[serde(deserialize_with = "nullable")]
    pub status_table: BTreeMap<String, ConsumeStatus>,
    /// Subscriptions.
    #[serde(deserialize_with = "nullable")]
    pub subscription_set: Vec<SubscriptionData>,
    /// Free-form user information.
    #[serde(deserialize_with = "nullable")]
    pub user_consumer_info: BTreeMap<String, String>,
}

/// Outcome of CONSUME_MESSAGE_DIRECTLY (Java `CMResult`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConsumeResult {
    /// Consumed.
    #[default]
    CrSuccess,
    /// The listener asked to consume later.
    CrLater,
    /// Orderly: rolled back.
    CrRollback,
    /// Orderly: committed.
    CrCommit,
    /// The listener failed.
    CrThrowException,
    /// The listener returned nothing.
    CrReturnNull,
}

/// CONSUME_MESSAGE_DIRECTLY answer (Java `ConsumeMessageDirectlyResult`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumeMessageDirectlyResult {
    /// Orderly: whether the offset was committed automatically.
    pub auto_commit: bool,
    /// What happened.
    pub consume_result: ConsumeResult,
    /// Whether the consumer is orderly.
    pub order: bool,
    /// Details (e.g. the error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// Time spent, ms (Java's spelling).
    pub spent_time_mills: i64,
}

/// GET_CONSUMER_STATUS_FROM_CLIENT answer: `{"messageQueueTable":{MQ:offset}}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GetConsumerStatusBody {
    /// Queue → consumer offset.
    #[serde(with = "serde_mq_map")]
    pub message_queue_table: BTreeMap<MessageQueue, i64>,
}

#[cfg(test)]
mod tests {
    use super::super::to_legacy_string;
    use super::*;
    use crate::body::fastjson;

    #[test]
    fn running_info_round_trip() {
        let mut info = ConsumerRunningInfo::default();
        info.properties
            .insert(PROP_CONSUME_TYPE.into(), "CONSUME_PASSIVELY".into());
        info.mq_table.insert(
            MessageQueue::new("T", "b", 0),
            ProcessQueueInfo {
                commit_offset: 5,
                ..Default::default()
            },
        );
        info.status_table.insert(
            "T".into(),
            ConsumeStatus {
                consume_ok_tps: 1.5,
                ..Default::default()
            },
        );
        let text = to_legacy_string(&info).unwrap();
        assert!(
            text.contains(r#""mqTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"#),
            "{text}"
        );
        assert!(text.contains(r#""consumeOKTPS":1.5"#), "{text}");
        assert!(text.contains(r#""cachedMsgSizeInMiB":0"#), "{text}");
        let back: ConsumerRunningInfo = fastjson::from_slice(text.as_bytes()).unwrap();
        assert_eq!(back, info);
    }

    #[test]
    fn direct_result_json() {
        let r = ConsumeMessageDirectlyResult {
            consume_result: ConsumeResult::CrThrowException,
            remark: Some("boom".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"autoCommit":false,"consumeResult":"CR_THROW_EXCEPTION","order":false,"remark":"boom","spentTimeMills":0}"#
        );
    }
}
