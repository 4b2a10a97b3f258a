//! Client registration and broker → client request headers (reference §1.4, §3.8, §3.10).

use crate::command_header;

command_header! {
    /// UNREGISTER_CLIENT (35) request.
    pub struct UnregisterClientRequestHeader {
        /// Client id (`ip@instance`); note Java's capital `ID` in the key.
        req client_id: String = "clientID",
        /// Producer group to leave, if any.
        opt producer_group: String = "producerGroup",
        /// Consumer group to leave, if any.
        opt consumer_group: String = "consumerGroup",
    }
}

command_header! {
    /// NOTIFY_CONSUMER_IDS_CHANGED (40, broker → consumer, one-way): rebalance now.
    pub struct NotifyConsumerIdsChangedRequestHeader {
        /// The group whose membership changed.
        req consumer_group: String = "consumerGroup",
    }
}

command_header! {
    /// GET_CONSUMER_RUNNING_INFO (307): admin → broker, forwarded broker → client.
    pub struct GetConsumerRunningInfoRequestHeader {
        /// Consumer group.
        req consumer_group: String = "consumerGroup",
        /// The client asked.
        req client_id: String = "clientId",
        /// Include a thread dump (absent = false).
        opt jstack_enable: bool = "jstackEnable",
    }
}

command_header! {
    /// CONSUME_MESSAGE_DIRECTLY (309): admin → broker → client, consume one message now.
    /// Only `consumerGroup` is required, as in Java.
    pub struct ConsumeMessageDirectlyResultRequestHeader {
        /// Consumer group.
        req consumer_group: String = "consumerGroup",
        /// The client asked.
        opt client_id: String = "clientId",
        /// Message id to consume.
        opt msg_id: String = "msgId",
        /// Broker holding the message.
        opt broker_name: String = "brokerName",
        /// 5.x: the message's topic.
        opt topic: String = "topic",
        /// 5.x: the topic's sysFlag.
        opt topic_sys_flag: i32 = "topicSysFlag",
        /// 5.x: the group's sysFlag.
        opt group_sys_flag: i32 = "groupSysFlag",
    }
}

command_header! {
    /// RESET_CONSUMER_CLIENT_OFFSET (220, broker → client) and INVOKE_BROKER_TO_RESET_OFFSET
    /// (222, admin → broker): one Java class serves both.
    pub struct ResetOffsetRequestHeader {
        /// Topic.
        req topic: String = "topic",
        /// Consumer group.
        req group: String = "group",
        /// Reset to the first message stored at or after this time, ms.
        req timestamp: i64 = "timestamp",
        /// Reset even when the new offset is ahead of the current one.
        req is_force: bool = "isForce",
        /// 5.x: a single queue (−1 or absent = all queues).
        opt queue_id: i32 = "queueId",
        /// 5.x: explicit offset instead of `timestamp`.
        opt offset: i64 = "offset",
    }
}

command_header! {
    /// GET_CONSUMER_STATUS_FROM_CLIENT (221, broker → client) and
    /// INVOKE_BROKER_TO_GET_CONSUMER_STATUS (223).
    pub struct GetConsumerStatusRequestHeader {
        /// Topic.
        req topic: String = "topic",
        /// Consumer group.
        req group: String = "group",
        /// Only this client (address), if set.
        opt client_addr: String = "clientAddr",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::test_util::{check, check_invalid};

    #[test]
    fn unregister_client() {
        let pairs = &[
            ("clientID", "10.0.0.1@123"),
            ("producerGroup", "PG"),
            ("consumerGroup", "CG"),
        ];
        let h = UnregisterClientRequestHeader {
            client_id: "10.0.0.1@123".into(),
            producer_group: Some("PG".into()),
            consumer_group: Some("CG".into()),
        };
        check(pairs, &h);
        check(
            &pairs[..1],
            &UnregisterClientRequestHeader {
                producer_group: None,
                consumer_group: None,
                ..h
            },
        );
    }

    #[test]
    fn notify_and_running_info() {
        check(
            &[("consumerGroup", "CG")],
            &NotifyConsumerIdsChangedRequestHeader {
                consumer_group: "CG".into(),
            },
        );
        let pairs = &[
            ("consumerGroup", "CG"),
            ("clientId", "C"),
            ("jstackEnable", "false"),
        ];
        check(
            pairs,
            &GetConsumerRunningInfoRequestHeader {
                consumer_group: "CG".into(),
                client_id: "C".into(),
                jstack_enable: Some(false),
            },
        );
        check_invalid::<GetConsumerRunningInfoRequestHeader>(pairs, "jstackEnable", "no");
    }

    #[test]
    fn consume_message_directly() {
        let pairs = &[
            ("consumerGroup", "CG"),
            ("clientId", "C"),
            ("msgId", "M"),
            ("brokerName", "broker-a"),
            ("topic", "T"),
            ("topicSysFlag", "0"),
            ("groupSysFlag", "0"),
        ];
        let h = ConsumeMessageDirectlyResultRequestHeader {
            consumer_group: "CG".into(),
            client_id: Some("C".into()),
            msg_id: Some("M".into()),
            broker_name: Some("broker-a".into()),
            topic: Some("T".into()),
            topic_sys_flag: Some(0),
            group_sys_flag: Some(0),
        };
        check(pairs, &h);
        check_invalid::<ConsumeMessageDirectlyResultRequestHeader>(pairs, "topicSysFlag", "f");
    }

    #[test]
    fn reset_offset() {
        let pairs = &[
            ("topic", "T"),
            ("group", "CG"),
            ("timestamp", "1700000000000"),
            ("isForce", "true"),
            ("queueId", "-1"),
            ("offset", "10"),
        ];
        let h = ResetOffsetRequestHeader {
            topic: "T".into(),
            group: "CG".into(),
            timestamp: 1_700_000_000_000,
            is_force: true,
            queue_id: Some(-1),
            offset: Some(10),
        };
        check(pairs, &h);
        check_invalid::<ResetOffsetRequestHeader>(pairs, "isForce", "");
        check_invalid::<ResetOffsetRequestHeader>(pairs, "offset", "ten");
        check(
            &pairs[..4],
            &ResetOffsetRequestHeader {
                queue_id: None,
                offset: None,
                ..h
            },
        );
    }

    #[test]
    fn consumer_status() {
        let pairs = &[
            ("topic", "T"),
            ("group", "CG"),
            ("clientAddr", "10.0.0.1:1234"),
        ];
        check(
            pairs,
            &GetConsumerStatusRequestHeader {
                topic: "T".into(),
                group: "CG".into(),
                client_addr: Some("10.0.0.1:1234".into()),
            },
        );
    }
}
