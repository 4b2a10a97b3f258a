//! QUERY_MESSAGE (12) and VIEW_MESSAGE_BY_ID (33) headers (reference §3.5).

use crate::command_header;

command_header! {
    /// QUERY_MESSAGE (12) request: messages of `topic` indexed under `key` in a time range.
    pub struct QueryMessageRequestHeader {
        /// Topic searched.
        req topic: String = "topic",
        /// Message key (or UNIQ_KEY when [`Self::unique_key_query`] is true).
        req key: String = "key",
        /// Maximum number of messages wanted.
        req max_num: i32 = "maxNum",
        /// Range start, ms since the epoch.
        req begin_timestamp: i64 = "beginTimestamp",
        /// Range end, ms since the epoch.
        req end_timestamp: i64 = "endTimestamp",
        /// Extra extField `_UNIQUE_KEY_QUERY`: `key` is a UNIQ_KEY (the broker then uses
        /// `defaultQueryMaxNum`).
        opt unique_key_query: bool = "_UNIQUE_KEY_QUERY",
    }
}

command_header! {
    /// QUERY_MESSAGE response: how fresh the index is.
    pub struct QueryMessageResponseHeader {
        /// Last index update time, ms.
        req index_last_update_timestamp: i64 = "indexLastUpdateTimestamp",
        /// CommitLog offset the index covers up to.
        req index_last_update_phyoffset: i64 = "indexLastUpdatePhyoffset",
    }
}

command_header! {
    /// VIEW_MESSAGE_BY_ID (33) request: one stored record by CommitLog offset.
    pub struct ViewMessageRequestHeader {
        /// Physical CommitLog offset, decoded from the offset message id.
        req offset: i64 = "offset",
        /// 5.x: the topic (for ACL checks).
        opt topic: String = "topic",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::test_util::{check, check_invalid};

    #[test]
    fn query_message() {
        let pairs = &[
            ("topic", "T"),
            ("key", "order-1"),
            ("maxNum", "32"),
            ("beginTimestamp", "0"),
            ("endTimestamp", "9223372036854775807"),
            ("_UNIQUE_KEY_QUERY", "true"),
        ];
        let h = QueryMessageRequestHeader {
            topic: "T".into(),
            key: "order-1".into(),
            max_num: 32,
            begin_timestamp: 0,
            end_timestamp: i64::MAX,
            unique_key_query: Some(true),
        };
        check(pairs, &h);
        check_invalid::<QueryMessageRequestHeader>(pairs, "maxNum", "many");
        check_invalid::<QueryMessageRequestHeader>(pairs, "_UNIQUE_KEY_QUERY", "yes");
        check(
            &pairs[..5],
            &QueryMessageRequestHeader {
                unique_key_query: None,
                ..h
            },
        );
    }

    #[test]
    fn query_message_response() {
        let pairs = &[
            ("indexLastUpdateTimestamp", "1700000000000"),
            ("indexLastUpdatePhyoffset", "123456"),
        ];
        check(
            pairs,
            &QueryMessageResponseHeader {
                index_last_update_timestamp: 1_700_000_000_000,
                index_last_update_phyoffset: 123_456,
            },
        );
        check_invalid::<QueryMessageResponseHeader>(pairs, "indexLastUpdatePhyoffset", "-");
    }

    #[test]
    fn view_message() {
        let pairs = &[("offset", "4096"), ("topic", "T")];
        let h = ViewMessageRequestHeader {
            offset: 4096,
            topic: Some("T".into()),
        };
        check(pairs, &h);
        check(&pairs[..1], &ViewMessageRequestHeader { topic: None, ..h });
        check_invalid::<ViewMessageRequestHeader>(pairs, "offset", "0x1000");
    }
}
