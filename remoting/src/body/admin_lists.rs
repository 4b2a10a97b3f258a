//! Admin bodies of the 5.x batch and lookup requests (reference §2.1, Java's
//! `remoting.protocol.body`): [`CreateTopicListRequestBody`] (UPDATE_AND_CREATE_TOPIC_LIST),
//! [`SubscriptionGroupList`] (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP_LIST), [`ConsumeStatsList`]
//! (GET_BROKER_CONSUME_STATS), [`QueryConsumeQueueResponseBody`] (QUERY_CONSUME_QUEUE),
//! [`ProducerTableInfo`] (GET_ALL_PRODUCER_INFO), [`QuerySubscriptionResponseBody`]
//! (QUERY_SUBSCRIPTION_BY_CONSUMER) and [`QueryCorrectionOffsetBody`]
//! (QUERY_CORRECTION_OFFSET).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::admin_stats::ConsumeStats;
use super::client::SubscriptionData;
use super::subscription_group::SubscriptionGroupConfig;
use super::topic_config::TopicConfig;
use crate::code::LanguageCode;

/// UPDATE_AND_CREATE_TOPIC_LIST (18) request: `{"topicConfigList":[TopicConfig]}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreateTopicListRequestBody {
    /// The topics to create or update.
    pub topic_config_list: Vec<TopicConfig>,
}

/// UPDATE_AND_CREATE_SUBSCRIPTIONGROUP_LIST (225) request:
/// `{"groupConfigList":[SubscriptionGroupConfig]}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionGroupList {
    /// The groups to create or update.
    pub group_config_list: Vec<SubscriptionGroupConfig>,
}

/// GET_BROKER_CONSUME_STATS (317) response: per group, the ConsumeStats of each topic it
/// has offsets on, and the total lag.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumeStatsList {
    /// This broker's address.
    pub broker_addr: String,
    /// One map per group: group → one ConsumeStats per topic.
    pub consume_stats_list: Vec<BTreeMap<String, Vec<ConsumeStats>>>,
    /// Sum of every queue's lag.
    pub total_diff: i64,
    /// 5.x: lag of pulled but not yet acknowledged messages (0: no POP here).
    pub total_inflight_diff: i64,
}

/// One ConsumeQueue entry in a [`QueryConsumeQueueResponseBody`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumeQueueData {
    /// Bit map of the extended unit (none: CometMQ writes no ConsumeQueue extension).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bit_map: Option<String>,
    /// Whether the group's filter matches (only with an extension unit).
    pub eval: bool,
    /// The extension unit as JSON (none here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extend_data_json: Option<String>,
    /// A note about the entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msg: Option<String>,
    /// CommitLog offset of the message.
    pub physic_offset: i64,
    /// Its size.
    pub physic_size: i32,
    /// Its tags hash code.
    pub tags_code: i64,
}

/// QUERY_CONSUME_QUEUE (321) response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueryConsumeQueueResponseBody {
    /// The group's filter description, or why there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_data: Option<String>,
    /// One past the queue's last entry.
    pub max_queue_index: i64,
    /// The queue's first entry still stored.
    pub min_queue_index: i64,
    /// The entries asked for.
    pub queue_data: Vec<ConsumeQueueData>,
    /// The group's subscription to the topic, when it is online.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_data: Option<SubscriptionData>,
}

/// One producer connection in a [`ProducerTableInfo`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProducerInfo {
    /// `ip@instance`.
    pub client_id: String,
    /// The client's language.
    #[serde(
        serialize_with = "super::connection::write_language",
        deserialize_with = "super::connection::read_language"
    )]
    pub language: LanguageCode,
    /// Last heartbeat, ms since the epoch.
    pub last_update_timestamp: i64,
    /// The peer address.
    #[serde(rename = "remoteIP")]
    pub remote_ip: String,
    /// The client's MQVersion ordinal.
    pub version: i32,
}

/// GET_ALL_PRODUCER_INFO (328) response: `{"data":{group:[ProducerInfo]}}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProducerTableInfo {
    /// Producer group → its connections.
    pub data: BTreeMap<String, Vec<ProducerInfo>>,
}

/// QUERY_SUBSCRIPTION_BY_CONSUMER (345) response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QuerySubscriptionResponseBody {
    /// The group asked about.
    pub group: String,
    /// Its subscription to the topic, when the group is online and subscribes to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_data: Option<SubscriptionData>,
    /// The topic asked about.
    pub topic: String,
}

/// QUERY_CORRECTION_OFFSET (308) response: `{"correctionOffsets":{0:12,1:7}}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueryCorrectionOffsetBody {
    /// Queue id → the smallest committed offset of the filter groups (i64::MAX where the
    /// compare group is behind it).
    pub correction_offsets: BTreeMap<i32, i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::fastjson::{from_slice, to_string, JsonStyle};

    #[test]
    fn java_shapes() {
        let list: CreateTopicListRequestBody = from_slice(
            br#"{"topicConfigList":[{"topicName":"A","readQueueNums":2,"writeQueueNums":2,"perm":6}]}"#,
        )
        .unwrap();
        assert_eq!(list.topic_config_list[0].topic_name, "A");
        let groups: SubscriptionGroupList =
            from_slice(br#"{"groupConfigList":[{"groupName":"G","retryMaxTimes":3}]}"#).unwrap();
        assert_eq!(groups.group_config_list[0].retry_max_times, 3);
        let c = QueryCorrectionOffsetBody {
            correction_offsets: [(0, 5), (1, i64::MAX)].into(),
        };
        let text = to_string(&c, JsonStyle::Legacy).unwrap();
        assert_eq!(text, r#"{"correctionOffsets":{0:5,1:9223372036854775807}}"#);
        let p = ProducerTableInfo {
            data: [(
                "PG".to_string(),
                vec![ProducerInfo {
                    client_id: "1.2.3.4@x".into(),
                    language: LanguageCode::Java,
                    last_update_timestamp: 1,
                    remote_ip: "1.2.3.4:5".into(),
                    version: 453,
                }],
            )]
            .into(),
        };
        let text = to_string(&p, JsonStyle::Legacy).unwrap();
        assert!(text.contains(r#""remoteIP":"1.2.3.4:5""#), "{text}");
        assert!(text.contains(r#""language":"JAVA""#), "{text}");
    }
}
