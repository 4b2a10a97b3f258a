//! Transaction and send-back headers (reference §3.7).

use crate::command_header;

command_header! {
    /// END_TRANSACTION (37) request: commit or roll back a half message (Java sends one-way;
    /// the remark may carry the producer's local exception text).
    pub struct EndTransactionRequestHeader {
        /// Producer group.
        req producer_group: String = "producerGroup",
        /// Half message's queue offset (= SendResult.queueOffset).
        req tran_state_table_offset: i64 = "tranStateTableOffset",
        /// Half message's CommitLog offset (from the offset message id).
        req commit_log_offset: i64 = "commitLogOffset",
        /// 0 unknown, 8 commit, 12 roll back: see the `TRANSACTION_*` constants.
        req commit_or_rollback: i32 = "commitOrRollback",
        /// Whether this answers a CHECK_TRANSACTION_STATE (absent = false).
        opt from_transaction_check: bool = "fromTransactionCheck",
        /// The message's UNIQ_KEY.
        req msg_id: String = "msgId",
        /// Transaction id (normally the UNIQ_KEY too).
        opt transaction_id: String = "transactionId",
        /// Topic of the half message, sent by some clients.
        opt topic: String = "topic",
    }
}

impl EndTransactionRequestHeader {
    /// `commitOrRollback` for "state unknown" (sysFlag TRANSACTION_NOT_TYPE).
    pub const TRANSACTION_NOT_TYPE: i32 = 0;
    /// `commitOrRollback` for commit (sysFlag TRANSACTION_COMMIT_TYPE).
    pub const TRANSACTION_COMMIT_TYPE: i32 = 0x8;
    /// `commitOrRollback` for roll back (sysFlag TRANSACTION_ROLLBACK_TYPE).
    pub const TRANSACTION_ROLLBACK_TYPE: i32 = 0xC;

    /// Whether `commitOrRollback` is one of the three values Java's `checkFields` accepts;
    /// decoding itself only checks presence and type.
    pub fn has_valid_commit_or_rollback(&self) -> bool {
        matches!(
            self.commit_or_rollback,
            Self::TRANSACTION_NOT_TYPE
                | Self::TRANSACTION_COMMIT_TYPE
                | Self::TRANSACTION_ROLLBACK_TYPE
        )
    }
}

command_header! {
    /// CHECK_TRANSACTION_STATE (39, broker → producer, one-way). The body is the half message
    /// with its real topic and queue restored.
    pub struct CheckTransactionStateRequestHeader {
        /// Topic of the half message.
        opt topic: String = "topic",
        /// Half message's queue offset.
        req tran_state_table_offset: i64 = "tranStateTableOffset",
        /// Half message's CommitLog offset.
        req commit_log_offset: i64 = "commitLogOffset",
        /// The message's UNIQ_KEY.
        opt msg_id: String = "msgId",
        /// Transaction id (= `msgId`).
        opt transaction_id: String = "transactionId",
        /// Offset message id of the half record.
        opt offset_msg_id: String = "offsetMsgId",
        /// 5.x: broker name, as the RPC field `bname`.
        opt broker_name: String = "bname",
    }
}

command_header! {
    /// CONSUMER_SEND_MSG_BACK (36) request: a consumed message goes to retry (or DLQ).
    pub struct ConsumerSendMsgBackRequestHeader {
        /// CommitLog offset of the consumed message.
        req offset: i64 = "offset",
        /// Consumer group.
        req group: String = "group",
        /// 0 = broker chooses, < 0 = straight to DLQ, else the delay level.
        req delay_level: i32 = "delayLevel",
        /// Original message id.
        opt origin_msg_id: String = "originMsgId",
        /// Original topic.
        opt origin_topic: String = "originTopic",
        /// Unit mode (absent = false).
        opt unit_mode: bool = "unitMode",
        /// Reconsume limit (honoured from clients ≥ V3_4_9).
        opt max_reconsume_times: i32 = "maxReconsumeTimes",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::test_util::{check, check_invalid};

    #[test]
    fn end_transaction() {
        let pairs = &[
            ("producerGroup", "PG"),
            ("tranStateTableOffset", "12"),
            ("commitLogOffset", "4096"),
            ("commitOrRollback", "8"),
            ("fromTransactionCheck", "true"),
            ("msgId", "AC110001"),
            ("transactionId", "AC110001"),
            ("topic", "T"),
        ];
        let h = EndTransactionRequestHeader {
            producer_group: "PG".into(),
            tran_state_table_offset: 12,
            commit_log_offset: 4096,
            commit_or_rollback: 8,
            from_transaction_check: Some(true),
            msg_id: "AC110001".into(),
            transaction_id: Some("AC110001".into()),
            topic: Some("T".into()),
        };
        check(pairs, &h);
        assert!(h.has_valid_commit_or_rollback());
        check_invalid::<EndTransactionRequestHeader>(pairs, "commitOrRollback", "COMMIT");
        check_invalid::<EndTransactionRequestHeader>(pairs, "fromTransactionCheck", "y");
        // Presence + type only: an out-of-range value decodes, and is flagged by the helper.
        let odd = EndTransactionRequestHeader {
            commit_or_rollback: 5,
            ..h
        };
        assert!(!odd.has_valid_commit_or_rollback());
    }

    #[test]
    fn check_transaction_state() {
        let pairs = &[
            ("topic", "T"),
            ("tranStateTableOffset", "1"),
            ("commitLogOffset", "2"),
            ("msgId", "U"),
            ("transactionId", "U"),
            ("offsetMsgId", "O"),
            ("bname", "broker-a"),
        ];
        let h = CheckTransactionStateRequestHeader {
            topic: Some("T".into()),
            tran_state_table_offset: 1,
            commit_log_offset: 2,
            msg_id: Some("U".into()),
            transaction_id: Some("U".into()),
            offset_msg_id: Some("O".into()),
            broker_name: Some("broker-a".into()),
        };
        check(pairs, &h);
        check_invalid::<CheckTransactionStateRequestHeader>(pairs, "commitLogOffset", "");
    }

    #[test]
    fn send_back() {
        let pairs = &[
            ("offset", "4096"),
            ("group", "CG"),
            ("delayLevel", "0"),
            ("originMsgId", "M"),
            ("originTopic", "T"),
            ("unitMode", "false"),
            ("maxReconsumeTimes", "16"),
        ];
        let h = ConsumerSendMsgBackRequestHeader {
            offset: 4096,
            group: "CG".into(),
            delay_level: 0,
            origin_msg_id: Some("M".into()),
            origin_topic: Some("T".into()),
            unit_mode: Some(false),
            max_reconsume_times: Some(16),
        };
        check(pairs, &h);
        check_invalid::<ConsumerSendMsgBackRequestHeader>(pairs, "delayLevel", "-");
        check(
            &pairs[..3],
            &ConsumerSendMsgBackRequestHeader {
                origin_msg_id: None,
                origin_topic: None,
                unit_mode: None,
                max_reconsume_times: None,
                ..h
            },
        );
    }
}
