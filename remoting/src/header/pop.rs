//! POP consumption headers (RocketMQ 5): POP_MESSAGE (200050), ACK_MESSAGE (200051),
//! PEEK_MESSAGE (200052), CHANGE_MESSAGE_INVISIBLETIME (200053), NOTIFICATION (200054),
//! POLLING_INFO (200055). BATCH_ACK_MESSAGE (200151) carries a JSON body
//! ([`crate::body::pop`]) and no header.

use crate::command_header;

command_header! {
    /// POP_MESSAGE request (Java `PopMessageRequestHeader`).
    pub struct PopMessageRequestHeader {
        /// Consumer group.
        req consumer_group: String = "consumerGroup",
        /// Topic to pop from.
        req topic: String = "topic",
        /// Queue to pop from; -1 pops from every readable queue.
        req queue_id: i32 = "queueId",
        /// Batch size (at most 32).
        req max_msg_nums: i32 = "maxMsgNums",
        /// How long the popped messages stay invisible to other pops, ms.
        req invisible_time: i64 = "invisibleTime",
        /// Long-poll hold time, ms.
        req poll_time: i64 = "pollTime",
        /// When the client sent the request (ms since the epoch).
        req born_time: i64 = "bornTime",
        /// Where a group without an offset starts (`ConsumeInitMode`): 0 = MIN (the first
        /// message), 1 = MAX (the last).
        req init_mode: i32 = "initMode",
        /// `TAG` or `SQL92`.
        opt exp_type: String = "expType",
        /// Subscription expression.
        opt exp: String = "exp",
        /// Orderly pop: the queue stays locked to this pop until its messages are acked.
        opt order: bool = "order",
        /// The client's id of this pop attempt (orderly retries).
        opt attempt_id: String = "attemptId",
    }
}

command_header! {
    /// POP_MESSAGE response (Java `PopMessageResponseHeader`).
    pub struct PopMessageResponseHeader {
        /// When the broker popped (ms since the epoch).
        req pop_time: i64 = "popTime",
        /// The request's invisible time, ms.
        req invisible_time: i64 = "invisibleTime",
        /// The revive queue the checkpoint went to (999 for orderly pops).
        req revive_qid: i32 = "reviveQid",
        /// Messages left in the queues read.
        req rest_num: i64 = "restNum",
        /// `retry queueId startOffset` per queue read, `;`-separated.
        opt start_offset_info: String = "startOffsetInfo",
        /// `retry queueId offset,offset…` per queue read, `;`-separated.
        opt msg_offset_info: String = "msgOffsetInfo",
        /// Orderly pops: `retry queueId count` (how often each was delivered).
        opt order_count_info: String = "orderCountInfo",
    }
}

command_header! {
    /// ACK_MESSAGE request (Java `AckMessageRequestHeader`).
    pub struct AckMessageRequestHeader {
        /// Consumer group.
        req consumer_group: String = "consumerGroup",
        /// The topic the message was popped from (the pop retry topic for a retried one).
        req topic: String = "topic",
        /// Its queue.
        req queue_id: i32 = "queueId",
        /// The receipt: the message's `POP_CK` extraInfo.
        req extra_info: String = "extraInfo",
        /// The message's queue offset.
        req offset: i64 = "offset",
    }
}

command_header! {
    /// CHANGE_MESSAGE_INVISIBLETIME request (Java `ChangeInvisibleTimeRequestHeader`).
    pub struct ChangeInvisibleTimeRequestHeader {
        /// Consumer group.
        req consumer_group: String = "consumerGroup",
        /// The topic the message was popped from.
        req topic: String = "topic",
        /// Its queue.
        req queue_id: i32 = "queueId",
        /// The receipt: the message's current extraInfo.
        req extra_info: String = "extraInfo",
        /// The message's queue offset.
        req offset: i64 = "offset",
        /// The new invisible time from now, ms.
        req invisible_time: i64 = "invisibleTime",
    }
}

command_header! {
    /// CHANGE_MESSAGE_INVISIBLETIME response: the new receipt's parts.
    pub struct ChangeInvisibleTimeResponseHeader {
        /// The new pop time.
        req pop_time: i64 = "popTime",
        /// The new invisible time.
        req invisible_time: i64 = "invisibleTime",
        /// The revive queue.
        req revive_qid: i32 = "reviveQid",
    }
}

command_header! {
    /// PEEK_MESSAGE request: read like a pop, without a checkpoint or moving the offset.
    pub struct PeekMessageRequestHeader {
        /// Consumer group.
        req consumer_group: String = "consumerGroup",
        /// Topic.
        req topic: String = "topic",
        /// Queue; -1 for every readable queue.
        req queue_id: i32 = "queueId",
        /// Batch size.
        req max_msg_nums: i32 = "maxMsgNums",
    }
}

command_header! {
    /// NOTIFICATION request: is there something to pop? (held up to `pollTime`).
    pub struct NotificationRequestHeader {
        /// Consumer group.
        req consumer_group: String = "consumerGroup",
        /// Topic.
        req topic: String = "topic",
        /// Queue; -1 for every readable queue.
        req queue_id: i32 = "queueId",
        /// Long-poll hold time, ms.
        req poll_time: i64 = "pollTime",
        /// When the client sent the request.
        req born_time: i64 = "bornTime",
        /// Orderly consumption.
        opt order: bool = "order",
        /// The client's attempt id.
        opt attempt_id: String = "attemptId",
    }
}

command_header! {
    /// NOTIFICATION response.
    pub struct NotificationResponseHeader {
        /// Whether a pop would find messages.
        req has_msg: bool = "hasMsg",
    }
}

command_header! {
    /// POLLING_INFO request: how many pops are held on a queue.
    pub struct PollingInfoRequestHeader {
        /// Consumer group.
        req consumer_group: String = "consumerGroup",
        /// Topic.
        req topic: String = "topic",
        /// Queue (-1: the pops of every queue).
        req queue_id: i32 = "queueId",
    }
}

command_header! {
    /// POLLING_INFO response.
    pub struct PollingInfoResponseHeader {
        /// Pops held now.
        req polling_num: i32 = "pollingNum",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::test_util::check;

    #[test]
    fn pop_request_keys_are_javas() {
        let pairs: &[(&str, &str)] = &[
            ("consumerGroup", "G"),
            ("topic", "T"),
            ("queueId", "-1"),
            ("maxMsgNums", "32"),
            ("invisibleTime", "60000"),
            ("pollTime", "15000"),
            ("bornTime", "1700000000000"),
            ("initMode", "1"),
            ("expType", "TAG"),
            ("exp", "*"),
            ("order", "false"),
            ("attemptId", "a"),
        ];
        let h = PopMessageRequestHeader {
            consumer_group: "G".into(),
            topic: "T".into(),
            queue_id: -1,
            max_msg_nums: 32,
            invisible_time: 60000,
            poll_time: 15000,
            born_time: 1_700_000_000_000,
            init_mode: 1,
            exp_type: Some("TAG".into()),
            exp: Some("*".into()),
            order: Some(false),
            attempt_id: Some("a".into()),
        };
        check(pairs, &h);
    }
}
