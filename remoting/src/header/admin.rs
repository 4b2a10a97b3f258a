//! Broker admin headers (reference §3.10), as sent by mqadmin and the dashboard.

use super::TopicFilterType;
use crate::command_header;

command_header! {
    /// UPDATE_AND_CREATE_TOPIC (17) request.
    pub struct CreateTopicRequestHeader {
        /// Topic to create or update.
        req topic: String = "topic",
        /// Template topic (mqadmin sends `TBW102`).
        req default_topic: String = "defaultTopic",
        /// Read queue count.
        req read_queue_nums: i32 = "readQueueNums",
        /// Write queue count.
        req write_queue_nums: i32 = "writeQueueNums",
        /// Permission bits (2 write, 4 read, 1 inherit).
        req perm: i32 = "perm",
        /// `SINGLE_TAG` or `MULTI_TAG` (case-insensitive on input).
        req topic_filter_type: TopicFilterType = "topicFilterType",
        /// Topic sysFlag (unit flags).
        opt topic_sys_flag: i32 = "topicSysFlag",
        /// Ordered topic.
        req order: bool = "order",
        /// 5.x: attribute changes, `+k=v,-k`.
        opt attributes: String = "attributes",
        /// 5.x: apply even if attributes conflict (absent = false).
        opt force: bool = "force",
    }
}

command_header! {
    /// DELETE_TOPIC_IN_BROKER (215) request.
    pub struct DeleteTopicRequestHeader {
        /// Topic.
        req topic: String = "topic",
    }
}

command_header! {
    /// GET_TOPIC_STATS_INFO (202) request.
    pub struct GetTopicStatsInfoRequestHeader {
        /// Topic.
        req topic: String = "topic",
    }
}

command_header! {
    /// GET_CONSUME_STATS (208) request.
    pub struct GetConsumeStatsRequestHeader {
        /// Consumer group.
        req consumer_group: String = "consumerGroup",
        /// Topic; absent or empty = all topics of the group.
        opt topic: String = "topic",
        /// 5.x: comma-separated topic list.
        opt topic_list: String = "topicList",
    }
}

command_header! {
    /// GET_CONSUMER_CONNECTION_LIST (203) request.
    pub struct GetConsumerConnectionListRequestHeader {
        /// Consumer group.
        req consumer_group: String = "consumerGroup",
    }
}

command_header! {
    /// GET_PRODUCER_CONNECTION_LIST (204) request.
    pub struct GetProducerConnectionListRequestHeader {
        /// Producer group.
        req producer_group: String = "producerGroup",
    }
}

command_header! {
    /// DELETE_SUBSCRIPTIONGROUP (207) request.
    pub struct DeleteSubscriptionGroupRequestHeader {
        /// Group to delete.
        req group_name: String = "groupName",
        /// Also delete its consumer offsets (absent = false).
        opt clean_offset: bool = "cleanOffset",
    }
}

/// INVOKE_BROKER_TO_RESET_OFFSET (222) request: the same header as
/// RESET_CONSUMER_CLIENT_OFFSET, which the broker then pushes to every client of the group.
pub type InvokeBrokerToResetOffsetRequestHeader = super::ResetOffsetRequestHeader;

command_header! {
    /// QUERY_TOPIC_CONSUME_BY_WHO (300) request.
    pub struct QueryTopicConsumeByWhoRequestHeader {
        /// Topic.
        req topic: String = "topic",
    }
}

command_header! {
    /// CLONE_GROUP_OFFSET (314) request.
    pub struct CloneGroupOffsetRequestHeader {
        /// Group copied from.
        req src_group: String = "srcGroup",
        /// Group copied to.
        req dest_group: String = "destGroup",
        /// Only this topic (absent = all topics of the source group).
        opt topic: String = "topic",
        /// Source group is offline (absent = false).
        opt offline: bool = "offline",
    }
}

command_header! {
    /// QUERY_CONSUME_TIME_SPAN (303) request.
    pub struct QueryConsumeTimeSpanRequestHeader {
        /// Topic.
        req topic: String = "topic",
        /// Consumer group.
        req group: String = "group",
    }
}

command_header! {
    /// VIEW_BROKER_STATS_DATA (315) request.
    pub struct ViewBrokerStatsDataRequestHeader {
        /// Stats item name (e.g. `TOPIC_PUT_NUMS`).
        req stats_name: String = "statsName",
        /// Stats key (e.g. a topic, or `topic@group`).
        req stats_key: String = "statsKey",
    }
}

command_header! {
    /// GET_BROKER_CONFIG (26) response; the body holds the `key=value` lines.
    pub struct GetBrokerConfigResponseHeader {
        /// The broker config's DataVersion, as JSON.
        req version: String = "version",
    }
}

command_header! {
    /// GET_TOPIC_CONFIG (351) request.
    pub struct GetTopicConfigRequestHeader {
        /// Topic.
        req topic: String = "topic",
    }
}

command_header! {
    /// QUERY_CORRECTION_OFFSET (308) request (`QueryCorrectionOffsetHeader` in Java).
    pub struct QueryCorrectionOffsetRequestHeader {
        /// Topic.
        req topic: String = "topic",
        /// Group compared against.
        req compare_group: String = "compareGroup",
        /// Comma-separated groups to consider.
        opt filter_groups: String = "filterGroups",
    }
}

command_header! {
    /// QUERY_TOPICS_BY_CONSUMER (343) request.
    pub struct QueryTopicsByConsumerRequestHeader {
        /// Consumer group.
        req group: String = "group",
    }
}

command_header! {
    /// GET_BROKER_CONSUME_STATS (317) request (`GetConsumeStatsInBrokerHeader` in Java).
    pub struct GetConsumeStatsInBrokerHeader {
        /// Only ordered topics.
        req is_order: bool = "isOrder",
    }
}

command_header! {
    /// QUERY_CONSUME_QUEUE (321) request.
    pub struct QueryConsumeQueueRequestHeader {
        /// Topic.
        req topic: String = "topic",
        /// Queue.
        req queue_id: i32 = "queueId",
        /// First queue offset to list.
        req index: i64 = "index",
        /// How many entries.
        req count: i32 = "count",
        /// A group whose subscription to show.
        opt consumer_group: String = "consumerGroup",
    }
}

command_header! {
    /// QUERY_SUBSCRIPTION_BY_CONSUMER (345) request.
    pub struct QuerySubscriptionByConsumerRequestHeader {
        /// Consumer group.
        req group: String = "group",
        /// Topic.
        req topic: String = "topic",
    }
}

command_header! {
    /// GET_SUBSCRIPTIONGROUP_CONFIG (352) request.
    pub struct GetSubscriptionGroupConfigRequestHeader {
        /// Consumer group.
        req group: String = "group",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::test_util::{check, check_invalid, map};
    use crate::header::CommandHeader;

    const CREATE: &[(&str, &str)] = &[
        ("topic", "T"),
        ("defaultTopic", "TBW102"),
        ("readQueueNums", "8"),
        ("writeQueueNums", "8"),
        ("perm", "6"),
        ("topicFilterType", "SINGLE_TAG"),
        ("topicSysFlag", "0"),
        ("order", "false"),
        ("attributes", "+message.type=NORMAL"),
        ("force", "false"),
    ];

    #[test]
    fn create_topic() {
        let h = CreateTopicRequestHeader {
            topic: "T".into(),
            default_topic: "TBW102".into(),
            read_queue_nums: 8,
            write_queue_nums: 8,
            perm: 6,
            topic_filter_type: TopicFilterType::SingleTag,
            topic_sys_flag: Some(0),
            order: false,
            attributes: Some("+message.type=NORMAL".into()),
            force: Some(false),
        };
        check(CREATE, &h);
        check_invalid::<CreateTopicRequestHeader>(CREATE, "topicFilterType", "TAGS");
        check_invalid::<CreateTopicRequestHeader>(CREATE, "perm", "rw");
        check_invalid::<CreateTopicRequestHeader>(CREATE, "order", "");
        let mut fields = map(CREATE);
        fields.insert("topicFilterType".into(), "multi_tag".into());
        fields.insert("order".into(), "TRUE".into());
        let h = CreateTopicRequestHeader::read_from(&fields).expect("decodes");
        assert_eq!(h.topic_filter_type, TopicFilterType::MultiTag);
        assert!(h.order);
    }

    #[test]
    fn single_topic_headers() {
        let pairs = &[("topic", "T")];
        check(pairs, &DeleteTopicRequestHeader { topic: "T".into() });
        check(pairs, &GetTopicStatsInfoRequestHeader { topic: "T".into() });
        check(
            pairs,
            &QueryTopicConsumeByWhoRequestHeader { topic: "T".into() },
        );
        check(pairs, &GetTopicConfigRequestHeader { topic: "T".into() });
        check(
            &[("group", "CG")],
            &QueryTopicsByConsumerRequestHeader { group: "CG".into() },
        );
    }

    #[test]
    fn group_headers() {
        check(
            &[("consumerGroup", "CG"), ("topic", ""), ("topicList", "A,B")],
            &GetConsumeStatsRequestHeader {
                consumer_group: "CG".into(),
                topic: Some(String::new()),
                topic_list: Some("A,B".into()),
            },
        );
        check(
            &[("consumerGroup", "CG")],
            &GetConsumerConnectionListRequestHeader {
                consumer_group: "CG".into(),
            },
        );
        check(
            &[("producerGroup", "PG")],
            &GetProducerConnectionListRequestHeader {
                producer_group: "PG".into(),
            },
        );
        let pairs = &[("groupName", "CG"), ("cleanOffset", "true")];
        check(
            pairs,
            &DeleteSubscriptionGroupRequestHeader {
                group_name: "CG".into(),
                clean_offset: Some(true),
            },
        );
        check_invalid::<DeleteSubscriptionGroupRequestHeader>(pairs, "cleanOffset", "sure");
        check(
            &[("topic", "T"), ("group", "CG")],
            &QueryConsumeTimeSpanRequestHeader {
                topic: "T".into(),
                group: "CG".into(),
            },
        );
    }

    #[test]
    fn clone_group_offset() {
        let pairs = &[
            ("srcGroup", "A"),
            ("destGroup", "B"),
            ("topic", "T"),
            ("offline", "false"),
        ];
        let h = CloneGroupOffsetRequestHeader {
            src_group: "A".into(),
            dest_group: "B".into(),
            topic: Some("T".into()),
            offline: Some(false),
        };
        check(pairs, &h);
        check_invalid::<CloneGroupOffsetRequestHeader>(pairs, "offline", "offline");
    }

    #[test]
    fn invoke_reset_offset_is_the_client_header() {
        let fields = map(&[
            ("topic", "T"),
            ("group", "CG"),
            ("timestamp", "1700000000000"),
            ("isForce", "false"),
            ("queueId", "-1"),
        ]);
        let h = InvokeBrokerToResetOffsetRequestHeader::read_from(&fields).expect("decodes");
        assert_eq!(h.queue_id, Some(-1));
        assert!(!h.is_force);
    }

    #[test]
    fn misc() {
        check(
            &[("statsName", "TOPIC_PUT_NUMS"), ("statsKey", "T")],
            &ViewBrokerStatsDataRequestHeader {
                stats_name: "TOPIC_PUT_NUMS".into(),
                stats_key: "T".into(),
            },
        );
        check(
            &[("version", r#"{"counter":1,"timestamp":2}"#)],
            &GetBrokerConfigResponseHeader {
                version: r#"{"counter":1,"timestamp":2}"#.into(),
            },
        );
        check(
            &[
                ("topic", "T"),
                ("compareGroup", "A"),
                ("filterGroups", "B,C"),
            ],
            &QueryCorrectionOffsetRequestHeader {
                topic: "T".into(),
                compare_group: "A".into(),
                filter_groups: Some("B,C".into()),
            },
        );
    }
}
