//! Route data: [`QueueData`], [`BrokerData`] and [`TopicRouteData`], the
//! GET_ROUTEINFO_BY_TOPIC body (reference §4.2).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The broker id of a master.
pub const MASTER_ID: i64 = 0;

/// One broker group's queues of a topic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueData {
    /// The broker group.
    pub broker_name: String,
    /// [`perm`](super::perm) bits.
    pub perm: i32,
    /// Readable queues.
    pub read_queue_nums: i32,
    /// [`topic_sys_flag`](super::topic_sys_flag) bits; ≤ 4.8 spelt it `topicSynFlag`.
    #[serde(alias = "topicSynFlag")]
    pub topic_sys_flag: i32,
    /// Writable queues.
    pub write_queue_nums: i32,
}

/// A broker group: its name, cluster and the address of each member by broker id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrokerData {
    /// Broker id → `ip:port`; id 0 is the master. Written with bare keys in legacy JSON.
    pub broker_addrs: BTreeMap<i64, String>,
    /// The broker group's name.
    pub broker_name: String,
    /// The cluster.
    pub cluster: String,
    /// 5.x: the group runs in slave-acting-master mode.
    pub enable_acting_master: bool,
    /// 5.x: the brokers' zone, if they declared one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone_name: Option<String>,
}

impl BrokerData {
    /// The master's address, if the master is registered.
    pub fn master_addr(&self) -> Option<&str> {
        self.broker_addrs.get(&MASTER_ID).map(String::as_str)
    }
}

/// Where a topic lives: its queues per broker group, and those groups' addresses.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicRouteData {
    /// The broker groups serving the topic.
    pub broker_datas: Vec<BrokerData>,
    /// Broker address → filter servers.
    pub filter_server_table: BTreeMap<String, Vec<String>>,
    /// `brokerName:queueNum` pairs joined by `;` for ordered topics (`orderMessageEnable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_topic_conf: Option<String>,
    /// The topic's queues per broker group.
    pub queue_datas: Vec<QueueData>,
    /// 5.x static-topic mappings, kept as they arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic_queue_mapping_by_broker: Option<serde_json::Value>,
}

/// A broker group's members (Java `BrokerMemberGroup`), in the GET_BROKER_MEMBER_GROUP
/// (901) response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrokerMemberGroup {
    /// Broker id → `ip:port` of the group's registered brokers.
    pub broker_addrs: BTreeMap<i64, String>,
    /// The group's name.
    pub broker_name: String,
    /// The cluster asked about.
    pub cluster: String,
}

/// GET_BROKER_MEMBER_GROUP (901) response: `{"brokerMemberGroup":{...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GetBrokerMemberGroupResponseBody {
    /// The group.
    pub broker_member_group: BrokerMemberGroup,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::fastjson::{from_slice, to_string, JsonStyle};

    fn route() -> TopicRouteData {
        TopicRouteData {
            broker_datas: vec![BrokerData {
                broker_addrs: [(0, "10.0.0.1:10911".into()), (1, "10.0.0.2:10911".into())].into(),
                broker_name: "broker-a".into(),
                cluster: "DefaultCluster".into(),
                ..Default::default()
            }],
            queue_datas: vec![QueueData {
                broker_name: "broker-a".into(),
                perm: 6,
                read_queue_nums: 4,
                topic_sys_flag: 0,
                write_queue_nums: 4,
            }],
            order_topic_conf: Some("broker-a:4".into()),
            ..Default::default()
        }
    }

    #[test]
    fn legacy_form_is_the_reference_example() {
        let json = to_string(&route(), JsonStyle::Legacy).expect("json");
        assert_eq!(
            json,
            concat!(
                r#"{"brokerDatas":[{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},"brokerName":"broker-a","#,
                r#""cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},"#,
                r#""orderTopicConf":"broker-a:4","queueDatas":[{"brokerName":"broker-a","perm":6,"#,
                r#""readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}"#
            )
        );
        assert_eq!(
            from_slice::<TopicRouteData>(json.as_bytes()).expect("reads"),
            route()
        );
    }

    #[test]
    fn standard_form_quotes_broker_ids() {
        let json = to_string(&route(), JsonStyle::Standard).expect("json");
        assert!(
            json.contains(r#""brokerAddrs":{"0":"10.0.0.1:10911","1":"10.0.0.2:10911"}"#),
            "{json}"
        );
        assert_eq!(
            from_slice::<TopicRouteData>(json.as_bytes()).expect("reads"),
            route()
        );
    }

    #[test]
    fn reads_what_old_nameservers_write() {
        let old = br#"{"brokerDatas":[{"brokerAddrs":{0:"a:1"},"brokerName":"b","cluster":"C"}],
            "filterServerTable":{},"queueDatas":[{"brokerName":"b","perm":6,"readQueueNums":2,
            "topicSynFlag":1,"writeQueueNums":2}]}"#;
        let r: TopicRouteData = from_slice(old).expect("reads");
        assert_eq!(r.broker_datas[0].master_addr(), Some("a:1"));
        assert_eq!(r.queue_datas[0].topic_sys_flag, 1);
    }
}
