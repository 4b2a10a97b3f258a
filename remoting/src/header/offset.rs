//! Offset headers (reference §3.6): consumer offsets, queue min/max, search by time,
//! earliest store time, consumer list.

use super::BoundaryType;
use crate::command_header;

command_header! {
    /// QUERY_CONSUMER_OFFSET (14) request.
    pub struct QueryConsumerOffsetRequestHeader {
        /// Consumer group.
        req consumer_group: String = "consumerGroup",
        /// Topic.
        req topic: String = "topic",
        /// Queue.
        req queue_id: i32 = "queueId",
        /// 5.x: answer 0 instead of QUERY_NOT_FOUND when nothing is stored (absent = true).
        opt set_zero_if_not_found: bool = "setZeroIfNotFound",
    }
}

command_header! {
    /// QUERY_CONSUMER_OFFSET response.
    pub struct QueryConsumerOffsetResponseHeader {
        /// Stored offset: the next offset to consume.
        req offset: i64 = "offset",
    }
}

command_header! {
    /// UPDATE_CONSUMER_OFFSET (15) request (Java clients send it one-way).
    pub struct UpdateConsumerOffsetRequestHeader {
        /// Consumer group.
        req consumer_group: String = "consumerGroup",
        /// Topic.
        req topic: String = "topic",
        /// Queue.
        req queue_id: i32 = "queueId",
        /// Offset to store: the next offset to consume.
        req commit_offset: i64 = "commitOffset",
    }
}

command_header! {
    /// GET_MAX_OFFSET (30) request.
    pub struct GetMaxOffsetRequestHeader {
        /// Topic.
        req topic: String = "topic",
        /// Queue.
        req queue_id: i32 = "queueId",
        /// 5.x: only committed (replicated) data (absent = true).
        opt committed: bool = "committed",
    }
}

command_header! {
    /// GET_MAX_OFFSET response.
    pub struct GetMaxOffsetResponseHeader {
        /// Next offset to be written (= message count of the queue).
        req offset: i64 = "offset",
    }
}

command_header! {
    /// GET_MIN_OFFSET (31) request.
    pub struct GetMinOffsetRequestHeader {
        /// Topic.
        req topic: String = "topic",
        /// Queue.
        req queue_id: i32 = "queueId",
    }
}

command_header! {
    /// GET_MIN_OFFSET response.
    pub struct GetMinOffsetResponseHeader {
        /// Smallest offset still stored.
        req offset: i64 = "offset",
    }
}

command_header! {
    /// SEARCH_OFFSET_BY_TIMESTAMP (29) request.
    pub struct SearchOffsetRequestHeader {
        /// Topic.
        req topic: String = "topic",
        /// Queue.
        req queue_id: i32 = "queueId",
        /// Store time searched for, ms.
        req timestamp: i64 = "timestamp",
        /// 5.x: which side of the timestamp (absent = [`BoundaryType::Lower`]).
        opt boundary_type: BoundaryType = "boundaryType",
    }
}

command_header! {
    /// SEARCH_OFFSET_BY_TIMESTAMP response.
    pub struct SearchOffsetResponseHeader {
        /// The offset found.
        req offset: i64 = "offset",
    }
}

command_header! {
    /// GET_EARLIEST_MSG_STORETIME (32) request.
    pub struct GetEarliestMsgStoretimeRequestHeader {
        /// Topic.
        req topic: String = "topic",
        /// Queue.
        req queue_id: i32 = "queueId",
    }
}

command_header! {
    /// GET_EARLIEST_MSG_STORETIME response.
    pub struct GetEarliestMsgStoretimeResponseHeader {
        /// Store time of the queue's first message, ms.
        req timestamp: i64 = "timestamp",
    }
}

command_header! {
    /// GET_CONSUMER_LIST_BY_GROUP (38) request; the answer is a body.
    pub struct GetConsumerListByGroupRequestHeader {
        /// Consumer group.
        req consumer_group: String = "consumerGroup",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::test_util::{check, check_invalid};

    #[test]
    fn query_consumer_offset() {
        let pairs = &[
            ("consumerGroup", "CG"),
            ("topic", "T"),
            ("queueId", "1"),
            ("setZeroIfNotFound", "false"),
        ];
        let h = QueryConsumerOffsetRequestHeader {
            consumer_group: "CG".into(),
            topic: "T".into(),
            queue_id: 1,
            set_zero_if_not_found: Some(false),
        };
        check(pairs, &h);
        check_invalid::<QueryConsumerOffsetRequestHeader>(pairs, "queueId", "q");
        check(
            &[("offset", "-1")],
            &QueryConsumerOffsetResponseHeader { offset: -1 },
        );
        check_invalid::<QueryConsumerOffsetResponseHeader>(&[], "offset", "");
    }

    #[test]
    fn update_consumer_offset() {
        let pairs = &[
            ("consumerGroup", "CG"),
            ("topic", "T"),
            ("queueId", "0"),
            ("commitOffset", "77"),
        ];
        check(
            pairs,
            &UpdateConsumerOffsetRequestHeader {
                consumer_group: "CG".into(),
                topic: "T".into(),
                queue_id: 0,
                commit_offset: 77,
            },
        );
        check_invalid::<UpdateConsumerOffsetRequestHeader>(pairs, "commitOffset", "7.5");
    }

    #[test]
    fn max_min_offsets() {
        let pairs = &[("topic", "T"), ("queueId", "3"), ("committed", "true")];
        check(
            pairs,
            &GetMaxOffsetRequestHeader {
                topic: "T".into(),
                queue_id: 3,
                committed: Some(true),
            },
        );
        check_invalid::<GetMaxOffsetRequestHeader>(pairs, "committed", "2");
        check(
            &[("offset", "10")],
            &GetMaxOffsetResponseHeader { offset: 10 },
        );
        let pairs = &[("topic", "T"), ("queueId", "3")];
        check(
            pairs,
            &GetMinOffsetRequestHeader {
                topic: "T".into(),
                queue_id: 3,
            },
        );
        check_invalid::<GetMinOffsetRequestHeader>(pairs, "queueId", "");
        check(
            &[("offset", "0")],
            &GetMinOffsetResponseHeader { offset: 0 },
        );
        check_invalid::<GetMinOffsetResponseHeader>(&[], "offset", "zero");
    }

    #[test]
    fn search_offset() {
        let pairs = &[
            ("topic", "T"),
            ("queueId", "0"),
            ("timestamp", "1700000000000"),
            ("boundaryType", "UPPER"),
        ];
        let h = SearchOffsetRequestHeader {
            topic: "T".into(),
            queue_id: 0,
            timestamp: 1_700_000_000_000,
            boundary_type: Some(BoundaryType::Upper),
        };
        check(pairs, &h);
        check_invalid::<SearchOffsetRequestHeader>(pairs, "boundaryType", "MIDDLE");
        check_invalid::<SearchOffsetRequestHeader>(pairs, "timestamp", "now");
        let mut lower = crate::header::test_util::map(pairs);
        lower.insert("boundaryType".into(), "lower".into());
        assert_eq!(
            <SearchOffsetRequestHeader as crate::header::CommandHeader>::read_from(&lower)
                .map(|h| h.boundary_type),
            Ok(Some(BoundaryType::Lower))
        );
        check(
            &[("offset", "5")],
            &SearchOffsetResponseHeader { offset: 5 },
        );
    }

    #[test]
    fn earliest_store_time_and_consumer_list() {
        let pairs = &[("topic", "T"), ("queueId", "1")];
        check(
            pairs,
            &GetEarliestMsgStoretimeRequestHeader {
                topic: "T".into(),
                queue_id: 1,
            },
        );
        check_invalid::<GetEarliestMsgStoretimeRequestHeader>(pairs, "queueId", "a");
        check(
            &[("timestamp", "1700000000000")],
            &GetEarliestMsgStoretimeResponseHeader {
                timestamp: 1_700_000_000_000,
            },
        );
        check(
            &[("consumerGroup", "CG")],
            &GetConsumerListByGroupRequestHeader {
                consumer_group: "CG".into(),
            },
        );
    }
}
