//! NameServer headers (reference §3.9).

use crate::command_header;

command_header! {
    /// REGISTER_BROKER (103) request; the body is a RegisterBrokerBody (maybe compressed).
    pub struct RegisterBrokerRequestHeader {
        /// Broker name (shared by master and slaves).
        req broker_name: String = "brokerName",
        /// `brokerIP1:listenPort`.
        req broker_addr: String = "brokerAddr",
        /// Cluster name.
        req cluster_name: String = "clusterName",
        /// `brokerIP2:haPort`.
        req ha_server_addr: String = "haServerAddr",
        /// 0 for the master.
        req broker_id: i64 = "brokerId",
        /// 5.x: how long the NameServer keeps the broker without a heartbeat, ms.
        opt heartbeat_timeout_millis: i64 = "heartbeatTimeoutMillis",
        /// 5.x: acting-master mode.
        opt enable_acting_master: bool = "enableActingMaster",
        /// Body is the zlib-compressed layout (absent = false).
        opt compressed: bool = "compressed",
        /// CRC32 & 0x7FFFFFFF of the body; 0 or absent = unchecked.
        opt body_crc32: i32 = "bodyCrc32",
        /// Extra extField `__ZONE_NAME`: the broker's zone.
        opt zone_name: String = "__ZONE_NAME",
    }
}

command_header! {
    /// REGISTER_BROKER response (RegisterBrokerResult); both filled only for slaves.
    pub struct RegisterBrokerResponseHeader {
        /// The master's HA address.
        opt ha_server_addr: String = "haServerAddr",
        /// The live master's address.
        opt master_addr: String = "masterAddr",
    }
}

command_header! {
    /// UNREGISTER_BROKER (104) request.
    pub struct UnregisterBrokerRequestHeader {
        /// Broker name.
        req broker_name: String = "brokerName",
        /// Broker address.
        req broker_addr: String = "brokerAddr",
        /// Cluster name.
        req cluster_name: String = "clusterName",
        /// Broker id.
        req broker_id: i64 = "brokerId",
    }
}

command_header! {
    /// BROKER_HEARTBEAT (904, 5.x) request; CometMQ only needs the broker's identity.
    pub struct BrokerHeartbeatRequestHeader {
        /// Cluster name.
        req cluster_name: String = "clusterName",
        /// Broker address.
        req broker_addr: String = "brokerAddr",
        /// Broker name.
        req broker_name: String = "brokerName",
    }
}

command_header! {
    /// GET_ROUTEINFO_BY_TOPIC (105) request.
    pub struct GetRouteInfoRequestHeader {
        /// Topic.
        req topic: String = "topic",
        /// 4.9.4+: answer standard JSON (quoted map keys) regardless of client version.
        opt accept_standard_json_only: bool = "acceptStandardJsonOnly",
    }
}

command_header! {
    /// PUT_KV_CONFIG (100) request.
    pub struct PutKvConfigRequestHeader {
        /// Namespace (e.g. `ORDER_TOPIC_CONFIG`).
        req namespace: String = "namespace",
        /// Key.
        req key: String = "key",
        /// Value.
        req value: String = "value",
    }
}

command_header! {
    /// GET_KV_CONFIG (101) request.
    pub struct GetKvConfigRequestHeader {
        /// Namespace.
        req namespace: String = "namespace",
        /// Key.
        req key: String = "key",
    }
}

command_header! {
    /// GET_KV_CONFIG response (absent value comes with QUERY_NOT_FOUND).
    pub struct GetKvConfigResponseHeader {
        /// The value.
        opt value: String = "value",
    }
}

command_header! {
    /// DELETE_KV_CONFIG (102) request.
    pub struct DeleteKvConfigRequestHeader {
        /// Namespace.
        req namespace: String = "namespace",
        /// Key.
        req key: String = "key",
    }
}

command_header! {
    /// GET_KVLIST_BY_NAMESPACE (219) request; the answer is a KVTable body.
    pub struct GetKvListByNamespaceRequestHeader {
        /// Namespace.
        req namespace: String = "namespace",
    }
}

command_header! {
    /// REGISTER_TOPIC_IN_NAMESRV (217) request; the body is a TopicRouteData whose
    /// `queueDatas` are registered.
    pub struct RegisterTopicRequestHeader {
        /// Topic.
        req topic: String = "topic",
    }
}

command_header! {
    /// GET_BROKER_MEMBER_GROUP (901) request.
    pub struct GetBrokerMemberGroupRequestHeader {
        /// Cluster.
        req cluster_name: String = "clusterName",
        /// Broker group.
        req broker_name: String = "brokerName",
    }
}

command_header! {
    /// DELETE_TOPIC_IN_NAMESRV (216) request.
    pub struct DeleteTopicFromNamesrvRequestHeader {
        /// Topic.
        req topic: String = "topic",
        /// 5.x: only this cluster's brokers.
        opt cluster_name: String = "clusterName",
    }
}

command_header! {
    /// WIPE_WRITE_PERM_OF_BROKER (205) request.
    pub struct WipeWritePermOfBrokerRequestHeader {
        /// Broker name.
        req broker_name: String = "brokerName",
    }
}

command_header! {
    /// WIPE_WRITE_PERM_OF_BROKER response.
    pub struct WipeWritePermOfBrokerResponseHeader {
        /// Number of topics whose write permission was removed.
        req wipe_topic_count: i32 = "wipeTopicCount",
    }
}

command_header! {
    /// ADD_WRITE_PERM_OF_BROKER (327) request.
    pub struct AddWritePermOfBrokerRequestHeader {
        /// Broker name.
        req broker_name: String = "brokerName",
    }
}

command_header! {
    /// ADD_WRITE_PERM_OF_BROKER response.
    pub struct AddWritePermOfBrokerResponseHeader {
        /// Number of topics whose write permission was restored.
        req add_topic_count: i32 = "addTopicCount",
    }
}

command_header! {
    /// QUERY_DATA_VERSION (322) request; the body is the broker's DataVersion.
    pub struct QueryDataVersionRequestHeader {
        /// Broker name.
        req broker_name: String = "brokerName",
        /// Broker address.
        req broker_addr: String = "brokerAddr",
        /// Cluster name.
        req cluster_name: String = "clusterName",
        /// Broker id.
        req broker_id: i64 = "brokerId",
    }
}

command_header! {
    /// QUERY_DATA_VERSION response.
    pub struct QueryDataVersionResponseHeader {
        /// Whether the NameServer's copy differs (the broker should re-register).
        req changed: bool = "changed",
    }
}

command_header! {
    /// GET_TOPICS_BY_CLUSTER (224) request; the answer is a TopicList body.
    pub struct GetTopicsByClusterRequestHeader {
        /// Cluster name.
        req cluster: String = "cluster",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::test_util::{check, check_invalid};

    const REGISTER: &[(&str, &str)] = &[
        ("brokerName", "broker-a"),
        ("brokerAddr", "10.0.0.1:10911"),
        ("clusterName", "DefaultCluster"),
        ("haServerAddr", "10.0.0.1:10912"),
        ("brokerId", "0"),
        ("heartbeatTimeoutMillis", "120000"),
        ("enableActingMaster", "false"),
        ("compressed", "false"),
        ("bodyCrc32", "123456789"),
        ("__ZONE_NAME", "zone-1"),
    ];

    #[test]
    fn register_broker() {
        let h = RegisterBrokerRequestHeader {
            broker_name: "broker-a".into(),
            broker_addr: "10.0.0.1:10911".into(),
            cluster_name: "DefaultCluster".into(),
            ha_server_addr: "10.0.0.1:10912".into(),
            broker_id: 0,
            heartbeat_timeout_millis: Some(120_000),
            enable_acting_master: Some(false),
            compressed: Some(false),
            body_crc32: Some(123_456_789),
            zone_name: Some("zone-1".into()),
        };
        check(REGISTER, &h);
        check_invalid::<RegisterBrokerRequestHeader>(REGISTER, "brokerId", "master");
        check_invalid::<RegisterBrokerRequestHeader>(REGISTER, "bodyCrc32", "2147483648");
        check_invalid::<RegisterBrokerRequestHeader>(REGISTER, "compressed", "zlib");
        check(
            &REGISTER[..5],
            &RegisterBrokerRequestHeader {
                heartbeat_timeout_millis: None,
                enable_acting_master: None,
                compressed: None,
                body_crc32: None,
                zone_name: None,
                ..h
            },
        );
        let resp = &[
            ("haServerAddr", "10.0.0.1:10912"),
            ("masterAddr", "10.0.0.1:10911"),
        ];
        check(
            resp,
            &RegisterBrokerResponseHeader {
                ha_server_addr: Some("10.0.0.1:10912".into()),
                master_addr: Some("10.0.0.1:10911".into()),
            },
        );
        check(&[], &RegisterBrokerResponseHeader::default());
    }

    #[test]
    fn unregister_and_data_version() {
        let pairs = &[
            ("brokerName", "broker-a"),
            ("brokerAddr", "10.0.0.1:10911"),
            ("clusterName", "C"),
            ("brokerId", "1"),
        ];
        check(
            pairs,
            &UnregisterBrokerRequestHeader {
                broker_name: "broker-a".into(),
                broker_addr: "10.0.0.1:10911".into(),
                cluster_name: "C".into(),
                broker_id: 1,
            },
        );
        check(
            pairs,
            &QueryDataVersionRequestHeader {
                broker_name: "broker-a".into(),
                broker_addr: "10.0.0.1:10911".into(),
                cluster_name: "C".into(),
                broker_id: 1,
            },
        );
        check_invalid::<QueryDataVersionRequestHeader>(pairs, "brokerId", "");
        check(
            &[("changed", "true")],
            &QueryDataVersionResponseHeader { changed: true },
        );
        check_invalid::<QueryDataVersionResponseHeader>(&[], "changed", "perhaps");
    }

    #[test]
    fn broker_heartbeat() {
        let pairs = &[
            ("clusterName", "C"),
            ("brokerAddr", "10.0.0.1:10911"),
            ("brokerName", "broker-a"),
        ];
        check(
            pairs,
            &BrokerHeartbeatRequestHeader {
                cluster_name: "C".into(),
                broker_addr: "10.0.0.1:10911".into(),
                broker_name: "broker-a".into(),
            },
        );
    }

    #[test]
    fn route_info_and_topics() {
        let pairs = &[("topic", "T"), ("acceptStandardJsonOnly", "true")];
        check(
            pairs,
            &GetRouteInfoRequestHeader {
                topic: "T".into(),
                accept_standard_json_only: Some(true),
            },
        );
        check_invalid::<GetRouteInfoRequestHeader>(pairs, "acceptStandardJsonOnly", "y");
        check(
            &[("topic", "T"), ("clusterName", "C")],
            &DeleteTopicFromNamesrvRequestHeader {
                topic: "T".into(),
                cluster_name: Some("C".into()),
            },
        );
        check(
            &[("cluster", "C")],
            &GetTopicsByClusterRequestHeader {
                cluster: "C".into(),
            },
        );
    }

    #[test]
    fn kv_config() {
        let pairs = &[
            ("namespace", "ORDER_TOPIC_CONFIG"),
            ("key", "T"),
            ("value", "broker-a:4"),
        ];
        check(
            pairs,
            &PutKvConfigRequestHeader {
                namespace: "ORDER_TOPIC_CONFIG".into(),
                key: "T".into(),
                value: "broker-a:4".into(),
            },
        );
        check(
            &pairs[..2],
            &GetKvConfigRequestHeader {
                namespace: "ORDER_TOPIC_CONFIG".into(),
                key: "T".into(),
            },
        );
        check(
            &pairs[..2],
            &DeleteKvConfigRequestHeader {
                namespace: "ORDER_TOPIC_CONFIG".into(),
                key: "T".into(),
            },
        );
        check(
            &[("value", "v")],
            &GetKvConfigResponseHeader {
                value: Some("v".into()),
            },
        );
        check(
            &pairs[..1],
            &GetKvListByNamespaceRequestHeader {
                namespace: "ORDER_TOPIC_CONFIG".into(),
            },
        );
    }

    #[test]
    fn write_perm() {
        check(
            &[("brokerName", "broker-a")],
            &WipeWritePermOfBrokerRequestHeader {
                broker_name: "broker-a".into(),
            },
        );
        check(
            &[("wipeTopicCount", "3")],
            &WipeWritePermOfBrokerResponseHeader {
                wipe_topic_count: 3,
            },
        );
        check(
            &[("brokerName", "broker-a")],
            &AddWritePermOfBrokerRequestHeader {
                broker_name: "broker-a".into(),
            },
        );
        check(
            &[("addTopicCount", "2")],
            &AddWritePermOfBrokerResponseHeader { add_topic_count: 2 },
        );
        check_invalid::<AddWritePermOfBrokerResponseHeader>(&[], "addTopicCount", "two");
    }
}
