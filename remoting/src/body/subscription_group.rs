//! [`SubscriptionGroupConfig`] and [`SubscriptionGroupWrapper`]: a broker's consumer-group
//! table (reference §4.3, §6.6 `subscriptionGroup.json`, GET_ALL_SUBSCRIPTIONGROUP_CONFIG).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::data_version::DataVersion;

/// One consumer group's settings on a broker. Defaults are Java's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionGroupConfig {
    /// 5.x attributes.
    pub attributes: BTreeMap<String, String>,
    /// Broker id consumers read from normally (0 = master).
    pub broker_id: i64,
    /// Broadcasting consumption allowed.
    pub consume_broadcast_enable: bool,
    /// Pulls allowed at all.
    pub consume_enable: bool,
    /// A new group may start from the queue's minimum offset.
    pub consume_from_min_enable: bool,
    /// 5.x: the group consumes orderly.
    pub consume_message_orderly: bool,
    /// 5.x: consume timeout in minutes.
    pub consume_timeout_minute: i32,
    /// The group.
    pub group_name: String,
    /// 5.x group flags.
    pub group_sys_flag: i32,
    /// Tell consumers when membership changes.
    pub notify_consumer_ids_changed_enable: bool,
    /// Reconsume attempts before the dead-letter queue.
    pub retry_max_times: i32,
    /// Queues of the group's retry topic.
    pub retry_queue_nums: i32,
    /// Broker id suggested when the consumer lags far behind.
    pub which_broker_when_consume_slowly: i64,
}

impl Default for SubscriptionGroupConfig {
    fn default() -> Self {
        SubscriptionGroupConfig {
            attributes: BTreeMap::new(),
            broker_id: 0,
            consume_broadcast_enable: true,
            consume_enable: true,
            consume_from_min_enable: true,
            consume_message_orderly: false,
            consume_timeout_minute: 15,
            group_name: String::new(),
            group_sys_flag: 0,
            notify_consumer_ids_changed_enable: true,
            retry_max_times: 16,
            retry_queue_nums: 1,
            which_broker_when_consume_slowly: 1,
        }
    }
}

impl SubscriptionGroupConfig {
    /// A group with Java's defaults.
    pub fn new(group: impl Into<String>) -> Self {
        SubscriptionGroupConfig {
            group_name: group.into(),
            ..Default::default()
        }
    }
}

/// `{"dataVersion":…,"forbiddenTable":{},"subscriptionGroupTable":{"g":…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionGroupWrapper {
    /// Version of the table.
    pub data_version: DataVersion,
    /// 5.x forbidden topics per group (kept as read).
    pub forbidden_table: BTreeMap<String, BTreeMap<String, i32>>,
    /// Group name → config.
    pub subscription_group_table: BTreeMap<String, SubscriptionGroupConfig>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::fastjson::{from_slice, to_string, JsonStyle};

    #[test]
    fn java_forms() {
        let java4 = r#"{"subscriptionGroupTable":{"g":{"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,"groupName":"g","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":3,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1}},"dataVersion":{"counter":1,"timestamp":5}}"#;
        let w: SubscriptionGroupWrapper = from_slice(java4.as_bytes()).unwrap();
        let g = &w.subscription_group_table["g"];
        assert_eq!(g.retry_max_times, 3);
        assert_eq!(g.consume_timeout_minute, 15);
        let text = to_string(&w, JsonStyle::Legacy).unwrap();
        assert_eq!(
            from_slice::<SubscriptionGroupWrapper>(text.as_bytes()).unwrap(),
            w
        );
        assert!(text.contains(r#""groupName":"g""#));
    }
}
