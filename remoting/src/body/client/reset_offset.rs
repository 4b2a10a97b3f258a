//! [`ResetOffsetBody`]: INVOKE_BROKER_TO_RESET_OFFSET (222) response and
//! RESET_CONSUMER_CLIENT_OFFSET (220) request body (reference §3.10).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::mq_map::serde_mq_map;
use super::MessageQueue;

/// `{"offsetTable":{MQ:offset}}`: the offset each queue is reset to. fastjson writes the
/// queues as bare object keys; read it with
/// [`fastjson::from_slice`](crate::body::fastjson::from_slice) and write it with
/// [`to_legacy_string`](super::to_legacy_string).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResetOffsetBody {
    /// Queue → new offset.
    #[serde(with = "serde_mq_map")]
    pub offset_table: BTreeMap<MessageQueue, i64>,
}

#[cfg(test)]
mod tests {
    use super::super::to_legacy_string;
    use super::*;
    use crate::body::fastjson;

    #[test]
    fn fastjson_form() {
        let java = br#"{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:12}}"#;
        let b: ResetOffsetBody = fastjson::from_slice(java).unwrap();
        assert_eq!(b.offset_table[&MessageQueue::new("T", "broker-a", 0)], 12);
        assert_eq!(to_legacy_string(&b).unwrap().as_bytes(), java);
    }
}
