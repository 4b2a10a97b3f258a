//! LOCK_BATCH_MQ (41) / UNLOCK_BATCH_MQ (42) bodies (reference §3.8, §11.4).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::heartbeat::nullable;
use super::MessageQueue;

/// LOCK_BATCH_MQ and UNLOCK_BATCH_MQ request body (Java `LockBatchRequestBody` /
/// `UnlockBatchRequestBody`, same fields).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LockBatchRequestBody {
    /// The client asking.
    #[serde(deserialize_with = "nullable")]
    pub client_id: String,
    /// Its consumer group.
    #[serde(deserialize_with = "nullable")]
    pub consumer_group: String,
    /// The queues to lock or unlock.
    #[serde(deserialize_with = "nullable")]
    pub mq_set: BTreeSet<MessageQueue>,
    /// 5.x: do not forward to other replicas.
    pub only_this_broker: bool,
}

/// LOCK_BATCH_MQ response body: the queues now locked by the client.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LockBatchResponseBody {
    /// The locked queues (Java's key is `lockOKMQSet`).
    #[serde(rename = "lockOKMQSet", deserialize_with = "nullable")]
    pub lock_ok_mq_set: BTreeSet<MessageQueue>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_forms() {
        let req = LockBatchRequestBody {
            client_id: "c".into(),
            consumer_group: "g".into(),
            mq_set: [MessageQueue::new("T", "b", 1)].into(),
            only_this_broker: false,
        };
        let json = serde_json::to_string(&req).unwrap();
        assert_eq!(
            json,
            r#"{"clientId":"c","consumerGroup":"g","mqSet":[{"brokerName":"b","queueId":1,"topic":"T"}],"onlyThisBroker":false}"#
        );
        assert_eq!(
            serde_json::from_str::<LockBatchRequestBody>(&json).unwrap(),
            req
        );
        let resp: LockBatchResponseBody =
            serde_json::from_str(r#"{"lockOKMQSet":[{"brokerName":"b","queueId":1,"topic":"T"}]}"#)
                .unwrap();
        assert_eq!(resp.lock_ok_mq_set, req.mq_set);
    }
}
