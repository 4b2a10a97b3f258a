//! Send headers (reference §3.1–§3.3): SEND_MESSAGE (10) with long keys, SEND_MESSAGE_V2
//! (310) / SEND_BATCH_MESSAGE (320) / SEND_REPLY_MESSAGE_V2 (325) with short keys `a`..`n`,
//! and the send response.

use super::{CommandHeader, HeaderError};
use crate::code::request;
use crate::command::ExtFields;
use crate::command_header;

command_header! {
    /// SEND_MESSAGE (10) / SEND_REPLY_MESSAGE (324) request, long keys. The broker works on
    /// this form; V2 headers convert to it losslessly.
    pub struct SendMessageRequestHeader {
        /// Producer group of the sender.
        req producer_group: String = "producerGroup",
        /// Target topic.
        req topic: String = "topic",
        /// Template topic for auto-creation, normally `TBW102`.
        req default_topic: String = "defaultTopic",
        /// Queue count for an auto-created topic (client default 4).
        req default_topic_queue_nums: i32 = "defaultTopicQueueNums",
        /// Target queue; negative lets the broker pick a writable queue.
        req queue_id: i32 = "queueId",
        /// Message sysFlag as set by the producer (compressed, transaction type, …).
        req sys_flag: i32 = "sysFlag",
        /// Producer-side creation time, ms since the epoch.
        req born_timestamp: i64 = "bornTimestamp",
        /// User flag, stored verbatim.
        req flag: i32 = "flag",
        /// The properties string (name\x01value\x02 pairs).
        opt properties: String = "properties",
        /// Times already reconsumed, for `%RETRY%` sends (Java treats absent as 0).
        opt reconsume_times: i32 = "reconsumeTimes",
        /// Unit mode (Java treats absent as false).
        opt unit_mode: bool = "unitMode",
        /// True for SEND_BATCH_MESSAGE bodies (Java treats absent as false).
        opt batch: bool = "batch",
        /// Reconsume limit for `%RETRY%` sends (honoured from clients ≥ V3_4_9).
        opt max_reconsume_times: i32 = "maxReconsumeTimes",
        /// 5.x target broker name; the long form carries it as the RPC field `bname`.
        opt broker_name: String = "bname",
    }
}

command_header! {
    /// SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320), SEND_REPLY_MESSAGE_V2 (325) request:
    /// the same fields as [`SendMessageRequestHeader`] under one-letter keys.
    pub struct SendMessageRequestHeaderV2 {
        /// `a`: producer group.
        req producer_group: String = "a",
        /// `b`: target topic.
        req topic: String = "b",
        /// `c`: template topic for auto-creation.
        req default_topic: String = "c",
        /// `d`: queue count for an auto-created topic.
        req default_topic_queue_nums: i32 = "d",
        /// `e`: target queue; negative lets the broker pick.
        req queue_id: i32 = "e",
        /// `f`: message sysFlag.
        req sys_flag: i32 = "f",
        /// `g`: born timestamp, ms.
        req born_timestamp: i64 = "g",
        /// `h`: user flag.
        req flag: i32 = "h",
        /// `i`: properties string.
        opt properties: String = "i",
        /// `j`: reconsume times.
        opt reconsume_times: i32 = "j",
        /// `k`: unit mode.
        opt unit_mode: bool = "k",
        /// `l`: max reconsume times.
        opt max_reconsume_times: i32 = "l",
        /// `m`: batch.
        opt batch: bool = "m",
        /// `n`: 5.x target broker name.
        opt broker_name: String = "n",
    }
}

impl From<SendMessageRequestHeaderV2> for SendMessageRequestHeader {
    fn from(v2: SendMessageRequestHeaderV2) -> Self {
        SendMessageRequestHeader {
            producer_group: v2.producer_group,
            topic: v2.topic,
            default_topic: v2.default_topic,
            default_topic_queue_nums: v2.default_topic_queue_nums,
            queue_id: v2.queue_id,
            sys_flag: v2.sys_flag,
            born_timestamp: v2.born_timestamp,
            flag: v2.flag,
            properties: v2.properties,
            reconsume_times: v2.reconsume_times,
            unit_mode: v2.unit_mode,
            batch: v2.batch,
            max_reconsume_times: v2.max_reconsume_times,
            broker_name: v2.broker_name,
        }
    }
}

impl From<SendMessageRequestHeader> for SendMessageRequestHeaderV2 {
    fn from(v1: SendMessageRequestHeader) -> Self {
        SendMessageRequestHeaderV2 {
            producer_group: v1.producer_group,
            topic: v1.topic,
            default_topic: v1.default_topic,
            default_topic_queue_nums: v1.default_topic_queue_nums,
            queue_id: v1.queue_id,
            sys_flag: v1.sys_flag,
            born_timestamp: v1.born_timestamp,
            flag: v1.flag,
            properties: v1.properties,
            reconsume_times: v1.reconsume_times,
            unit_mode: v1.unit_mode,
            max_reconsume_times: v1.max_reconsume_times,
            batch: v1.batch,
            broker_name: v1.broker_name,
        }
    }
}

impl SendMessageRequestHeader {
    /// Reads a send request header in whichever form the request code implies: short keys
    /// for SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE / SEND_REPLY_MESSAGE_V2, long keys otherwise
    /// (SEND_MESSAGE, SEND_REPLY_MESSAGE).
    ///
    /// Lenient like the rest of the decoder: if the implied form's producer-group key is
    /// absent but the other form's is present, the other form is read instead, so a client
    /// that pairs a code with the wrong key set still gets through.
    pub fn read_for_code(code: i32, fields: &ExtFields) -> Result<Self, HeaderError> {
        let short_keys = matches!(
            code,
            request::SEND_MESSAGE_V2 | request::SEND_BATCH_MESSAGE | request::SEND_REPLY_MESSAGE_V2
        );
        let use_v2 = if short_keys {
            fields.contains_key("a") || !fields.contains_key("producerGroup")
        } else {
            !fields.contains_key("producerGroup") && fields.contains_key("a")
        };
        if use_v2 {
            SendMessageRequestHeaderV2::read_from(fields).map(Self::from)
        } else {
            Self::read_from(fields)
        }
    }

    /// Reconsume times, absent read as 0 (Java's getter).
    pub fn reconsume_times_or_zero(&self) -> i32 {
        self.reconsume_times.unwrap_or(0)
    }

    /// Whether this is a batch send (absent read as false).
    pub fn is_batch(&self) -> bool {
        self.batch.unwrap_or(false)
    }

    /// Whether unit mode is set (absent read as false).
    pub fn is_unit_mode(&self) -> bool {
        self.unit_mode.unwrap_or(false)
    }
}

command_header! {
    /// Send response header (all send codes; also on FLUSH_DISK_TIMEOUT, FLUSH_SLAVE_TIMEOUT,
    /// SLAVE_NOT_AVAILABLE, which are successful stores).
    pub struct SendMessageResponseHeader {
        /// Offset message id of the stored record; for a batch, comma-joined ids.
        req msg_id: String = "msgId",
        /// The queue actually used.
        req queue_id: i32 = "queueId",
        /// ConsumeQueue offset of the (first) message.
        req queue_offset: i64 = "queueOffset",
        /// The message's UNIQ_KEY (used by transactional producers).
        opt transaction_id: String = "transactionId",
        /// 5.x: only for inner-batch (BatchConsumeQueue) topics.
        opt batch_uniq_id: String = "batchUniqId",
        /// 5.x: handle for recalling a timer/delay message.
        opt recall_handle: String = "recallHandle",
        /// Extra extField: the broker's `regionId` (Java clients default `DefaultRegion`).
        opt msg_region: String = "MSG_REGION",
        /// Extra extField: whether tracing is on; clients treat only `"false"` as off.
        opt trace_on: bool = "TRACE_ON",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::test_util::{check, check_invalid, map};

    const V1: &[(&str, &str)] = &[
        ("producerGroup", "PG"),
        ("topic", "TopicTest"),
        ("defaultTopic", "TBW102"),
        ("defaultTopicQueueNums", "4"),
        ("queueId", "-1"),
        ("sysFlag", "0"),
        ("bornTimestamp", "1700000000123"),
        ("flag", "0"),
        ("properties", "TAGS\u{1}A\u{2}"),
        ("reconsumeTimes", "2"),
        ("unitMode", "false"),
        ("batch", "true"),
        ("maxReconsumeTimes", "16"),
        ("bname", "broker-a"),
    ];

    fn v1() -> SendMessageRequestHeader {
        SendMessageRequestHeader {
            producer_group: "PG".into(),
            topic: "TopicTest".into(),
            default_topic: "TBW102".into(),
            default_topic_queue_nums: 4,
            queue_id: -1,
            sys_flag: 0,
            born_timestamp: 1_700_000_000_123,
            flag: 0,
            properties: Some("TAGS\u{1}A\u{2}".into()),
            reconsume_times: Some(2),
            unit_mode: Some(false),
            batch: Some(true),
            max_reconsume_times: Some(16),
            broker_name: Some("broker-a".into()),
        }
    }

    const V2: &[(&str, &str)] = &[
        ("a", "PG"),
        ("b", "TopicTest"),
        ("c", "TBW102"),
        ("d", "4"),
        ("e", "-1"),
        ("f", "0"),
        ("g", "1700000000123"),
        ("h", "0"),
        ("i", "TAGS\u{1}A\u{2}"),
        ("j", "2"),
        ("k", "false"),
        ("l", "16"),
        ("m", "true"),
        ("n", "broker-a"),
    ];

    #[test]
    fn v1_round_trip() {
        check(V1, &v1());
        check_invalid::<SendMessageRequestHeader>(V1, "queueId", "one");
        check_invalid::<SendMessageRequestHeader>(V1, "bornTimestamp", "");
        check_invalid::<SendMessageRequestHeader>(V1, "unitMode", "maybe");
    }

    #[test]
    fn v1_minimal() {
        let h = SendMessageRequestHeader {
            properties: None,
            reconsume_times: None,
            unit_mode: None,
            batch: None,
            max_reconsume_times: None,
            broker_name: None,
            ..v1()
        };
        check(&V1[..8], &h);
        assert_eq!(h.reconsume_times_or_zero(), 0);
        assert!(!h.is_batch() && !h.is_unit_mode());
    }

    #[test]
    fn v2_round_trip_and_conversion() {
        let v2 = SendMessageRequestHeaderV2::from(v1());
        check(V2, &v2);
        check_invalid::<SendMessageRequestHeaderV2>(V2, "d", "x");
        check_invalid::<SendMessageRequestHeaderV2>(V2, "k", "yes");
        assert_eq!(SendMessageRequestHeader::from(v2), v1());
    }

    #[test]
    fn v2_missing_uses_short_key() {
        let mut fields = map(V2);
        fields.remove("a");
        let err = SendMessageRequestHeaderV2::read_from(&fields).expect_err("missing a");
        assert_eq!(err, HeaderError::Missing("a"));
        assert_eq!(err.to_string(), "the custom field <a> is null");
    }

    #[test]
    fn ali_ons_v2_fields() {
        // ali-ons sends raw JSON numbers/booleans; the JSON decoder stringifies them.
        let fields = map(&[
            ("a", "please_rename_unique_group_name"),
            ("b", "TopicTest"),
            ("c", "TBW102"),
            ("d", "4"),
            ("e", "3.0"),
            ("f", "0"),
            ("g", "1700000000123"),
            ("h", "0"),
            ("i", "UNIQ_KEY\u{1}AB\u{2}"),
            ("j", "0"),
            ("k", "False"),
            ("l", " 16"),
        ]);
        let v1 = SendMessageRequestHeader::read_for_code(request::SEND_MESSAGE_V2, &fields)
            .expect("decodes");
        assert_eq!(
            v1,
            SendMessageRequestHeader {
                producer_group: "please_rename_unique_group_name".into(),
                topic: "TopicTest".into(),
                default_topic: "TBW102".into(),
                default_topic_queue_nums: 4,
                queue_id: 3,
                sys_flag: 0,
                born_timestamp: 1_700_000_000_123,
                flag: 0,
                properties: Some("UNIQ_KEY\u{1}AB\u{2}".into()),
                reconsume_times: Some(0),
                unit_mode: Some(false),
                batch: None,
                max_reconsume_times: Some(16),
                broker_name: None,
            }
        );
    }

    #[test]
    fn read_for_code_picks_the_form() {
        let want = v1();
        for code in [
            request::SEND_MESSAGE_V2,
            request::SEND_BATCH_MESSAGE,
            request::SEND_REPLY_MESSAGE_V2,
        ] {
            assert_eq!(
                SendMessageRequestHeader::read_for_code(code, &map(V2)),
                Ok(want.clone())
            );
            // Wrong key set for the code: still read.
            assert_eq!(
                SendMessageRequestHeader::read_for_code(code, &map(V1)),
                Ok(want.clone())
            );
        }
        for code in [request::SEND_MESSAGE, request::SEND_REPLY_MESSAGE] {
            assert_eq!(
                SendMessageRequestHeader::read_for_code(code, &map(V1)),
                Ok(want.clone())
            );
            assert_eq!(
                SendMessageRequestHeader::read_for_code(code, &map(V2)),
                Ok(want.clone())
            );
        }
        // Neither form present: the error names the implied form's key.
        assert_eq!(
            SendMessageRequestHeader::read_for_code(request::SEND_MESSAGE, &map(&[])),
            Err(HeaderError::Missing("producerGroup"))
        );
        assert_eq!(
            SendMessageRequestHeader::read_for_code(request::SEND_MESSAGE_V2, &map(&[])),
            Err(HeaderError::Missing("a"))
        );
    }

    #[test]
    fn response_round_trip() {
        let pairs = &[
            ("msgId", "7F00000100002A9F0000000000000000"),
            ("queueId", "1"),
            ("queueOffset", "42"),
            ("transactionId", "AC11000100002A9F"),
            ("batchUniqId", "B"),
            ("recallHandle", "R"),
            ("MSG_REGION", "DefaultRegion"),
            ("TRACE_ON", "true"),
        ];
        let h = SendMessageResponseHeader {
            msg_id: "7F00000100002A9F0000000000000000".into(),
            queue_id: 1,
            queue_offset: 42,
            transaction_id: Some("AC11000100002A9F".into()),
            batch_uniq_id: Some("B".into()),
            recall_handle: Some("R".into()),
            msg_region: Some("DefaultRegion".into()),
            trace_on: Some(true),
        };
        check(pairs, &h);
        check_invalid::<SendMessageResponseHeader>(pairs, "queueOffset", "1.5");
        let minimal = SendMessageResponseHeader {
            msg_id: "m".into(),
            queue_id: 0,
            queue_offset: 0,
            ..Default::default()
        };
        check(
            &[("msgId", "m"), ("queueId", "0"), ("queueOffset", "0")],
            &minimal,
        );
    }
}
