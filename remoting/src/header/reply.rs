//! PUSH_REPLY_MESSAGE_TO_CLIENT (326): the broker pushes a reply message (sent to it with
//! SEND_REPLY_MESSAGE 324 / _V2 325) to the requesting client's connection (Java
//! `ReplyMessageRequestHeader`).

use crate::command_header;

command_header! {
    /// PUSH_REPLY_MESSAGE_TO_CLIENT request: the reply's send header, plus where it was
    /// born and stored.
    pub struct ReplyMessageRequestHeader {
        /// Producer group of the replier.
        req producer_group: String = "producerGroup",
        /// The reply topic (`<cluster>_REPLY_TOPIC`).
        req topic: String = "topic",
        /// Template topic of the send.
        req default_topic: String = "defaultTopic",
        /// Queue count of the send.
        req default_topic_queue_nums: i32 = "defaultTopicQueueNums",
        /// Queue of the send.
        req queue_id: i32 = "queueId",
        /// sysFlag of the reply.
        req sys_flag: i32 = "sysFlag",
        /// When the replier built the reply, ms.
        req born_timestamp: i64 = "bornTimestamp",
        /// User flag.
        req flag: i32 = "flag",
        /// The reply's properties (with `PUSH_REPLY_TIME` added by the broker).
        opt properties: String = "properties",
        /// Reconsume times.
        opt reconsume_times: i32 = "reconsumeTimes",
        /// Unit mode.
        opt unit_mode: bool = "unitMode",
        /// The replier's address, `ip:port`.
        req born_host: String = "bornHost",
        /// The broker's address, `ip:port`.
        req store_host: String = "storeHost",
        /// When the broker pushed it, ms.
        req store_timestamp: i64 = "storeTimestamp",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::header::CommandHeader;

    #[test]
    fn round_trips() {
        let h = ReplyMessageRequestHeader {
            producer_group: "G".into(),
            topic: "C_REPLY_TOPIC".into(),
            default_topic: "TBW102".into(),
            default_topic_queue_nums: 4,
            queue_id: 0,
            sys_flag: 0,
            born_timestamp: 1,
            flag: 0,
            properties: Some("a\u{1}b\u{2}".into()),
            reconsume_times: Some(0),
            unit_mode: Some(false),
            born_host: "127.0.0.1:5".into(),
            store_host: "127.0.0.1:10911".into(),
            store_timestamp: 2,
        };
        let ext = h.to_ext_fields();
        assert_eq!(ReplyMessageRequestHeader::read_from(&ext).unwrap(), h);
    }
}
