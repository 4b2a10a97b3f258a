//! PULL_MESSAGE (11) request and response headers (reference §3.4).

use crate::command_header;

command_header! {
    /// PULL_MESSAGE (11) request.
    pub struct PullMessageRequestHeader {
        /// Consumer group.
        req consumer_group: String = "consumerGroup",
        /// Topic to pull from.
        req topic: String = "topic",
        /// Queue to pull from.
        req queue_id: i32 = "queueId",
        /// First logical offset wanted.
        req queue_offset: i64 = "queueOffset",
        /// Batch size (client default 32).
        req max_msg_nums: i32 = "maxMsgNums",
        /// Pull flags: see the `FLAG_*` constants.
        req sys_flag: i32 = "sysFlag",
        /// Consumer offset to persist when [`Self::FLAG_COMMIT_OFFSET`] is set.
        req commit_offset: i64 = "commitOffset",
        /// Long-poll hold time in ms (Java push consumer: 15000).
        req suspend_timeout_millis: i64 = "suspendTimeoutMillis",
        /// Subscription expression, used when [`Self::FLAG_SUBSCRIPTION`] is set.
        opt subscription: String = "subscription",
        /// Subscription version (ms timestamp).
        req sub_version: i64 = "subVersion",
        /// `TAG` (default when absent) or `SQL92`.
        opt expression_type: String = "expressionType",
        /// 5.x: byte limit for the batch.
        opt max_msg_bytes: i32 = "maxMsgBytes",
    }
}

impl PullMessageRequestHeader {
    /// sysFlag bit 0: persist `commitOffset`.
    pub const FLAG_COMMIT_OFFSET: i32 = 0x1;
    /// sysFlag bit 1: the broker may hold the request (long polling).
    pub const FLAG_SUSPEND: i32 = 0x2;
    /// sysFlag bit 2: filter with the header's `subscription`, not the heartbeat's.
    pub const FLAG_SUBSCRIPTION: i32 = 0x4;
    /// sysFlag bit 3: class filter (obsolete).
    pub const FLAG_CLASS_FILTER: i32 = 0x8;
    /// sysFlag bit 4: lite pull consumer.
    pub const FLAG_LITE_PULL: i32 = 0x10;

    /// Whether `flag` (one of the `FLAG_*` constants) is set in `sys_flag`.
    pub fn has_flag(&self, flag: i32) -> bool {
        self.sys_flag & flag != 0
    }
}

command_header! {
    /// PULL_MESSAGE response. The remark carries the store status name.
    pub struct PullMessageResponseHeader {
        /// Broker id the client should pull from next (0 = master).
        req suggest_which_broker_id: i64 = "suggestWhichBrokerId",
        /// Offset to pull from next.
        req next_begin_offset: i64 = "nextBeginOffset",
        /// Queue's minimum offset.
        req min_offset: i64 = "minOffset",
        /// Queue's maximum offset (next to be written).
        req max_offset: i64 = "maxOffset",
        /// 5.x: offset delta for static topics.
        opt offset_delta: i64 = "offsetDelta",
        /// 5.x: the topic's sysFlag.
        opt topic_sys_flag: i32 = "topicSysFlag",
        /// 5.x: the group's sysFlag.
        opt group_sys_flag: i32 = "groupSysFlag",
        /// 5.x: why the pull was forbidden, if it was.
        opt forbidden_type: i32 = "forbiddenType",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::test_util::{check, check_invalid, map};
    use crate::header::CommandHeader;

    const REQ: &[(&str, &str)] = &[
        ("consumerGroup", "CG"),
        ("topic", "TopicTest"),
        ("queueId", "2"),
        ("queueOffset", "100"),
        ("maxMsgNums", "32"),
        ("sysFlag", "3"),
        ("commitOffset", "99"),
        ("suspendTimeoutMillis", "15000"),
        ("subscription", "A || B"),
        ("subVersion", "1700000000000"),
        ("expressionType", "TAG"),
        ("maxMsgBytes", "1048576"),
    ];

    fn req() -> PullMessageRequestHeader {
        PullMessageRequestHeader {
            consumer_group: "CG".into(),
            topic: "TopicTest".into(),
            queue_id: 2,
            queue_offset: 100,
            max_msg_nums: 32,
            sys_flag: 3,
            commit_offset: 99,
            suspend_timeout_millis: 15000,
            subscription: Some("A || B".into()),
            sub_version: 1_700_000_000_000,
            expression_type: Some("TAG".into()),
            max_msg_bytes: Some(1_048_576),
        }
    }

    #[test]
    fn request_round_trip() {
        check(REQ, &req());
        check_invalid::<PullMessageRequestHeader>(REQ, "queueOffset", "ten");
        check_invalid::<PullMessageRequestHeader>(REQ, "maxMsgNums", "");
        check_invalid::<PullMessageRequestHeader>(REQ, "maxMsgBytes", "1e99");
        let h = req();
        assert!(h.has_flag(PullMessageRequestHeader::FLAG_COMMIT_OFFSET));
        assert!(h.has_flag(PullMessageRequestHeader::FLAG_SUSPEND));
        assert!(!h.has_flag(PullMessageRequestHeader::FLAG_SUBSCRIPTION));
    }

    #[test]
    fn request_lenient_values() {
        // Go / ali-ons style: numbers may arrive as "3.0", with spaces or a '+'.
        let fields = map(&[
            ("consumerGroup", "CG"),
            ("topic", "TopicTest"),
            ("queueId", " 2"),
            ("queueOffset", "+100"),
            ("maxMsgNums", "32.0"),
            ("sysFlag", "3"),
            ("commitOffset", "99"),
            ("suspendTimeoutMillis", "15000"),
            ("subVersion", "1700000000000.0"),
            ("expressionType", "TAG"),
            ("maxMsgBytes", ""),
            ("subscription", "A || B"),
            ("proxyFrowardClientId", "ignored"),
        ]);
        let want = PullMessageRequestHeader {
            max_msg_bytes: None,
            ..req()
        };
        assert_eq!(PullMessageRequestHeader::read_from(&fields), Ok(want));
    }

    #[test]
    fn response_round_trip() {
        let pairs = &[
            ("suggestWhichBrokerId", "0"),
            ("nextBeginOffset", "132"),
            ("minOffset", "0"),
            ("maxOffset", "500"),
            ("offsetDelta", "-5"),
            ("topicSysFlag", "0"),
            ("groupSysFlag", "1"),
            ("forbiddenType", "2"),
        ];
        let h = PullMessageResponseHeader {
            suggest_which_broker_id: 0,
            next_begin_offset: 132,
            min_offset: 0,
            max_offset: 500,
            offset_delta: Some(-5),
            topic_sys_flag: Some(0),
            group_sys_flag: Some(1),
            forbidden_type: Some(2),
        };
        check(pairs, &h);
        check_invalid::<PullMessageResponseHeader>(pairs, "maxOffset", "x");
        check(
            &pairs[..4],
            &PullMessageResponseHeader {
                offset_delta: None,
                topic_sys_flag: None,
                group_sys_flag: None,
                forbidden_type: None,
                ..h
            },
        );
    }
}
