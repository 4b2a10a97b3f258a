//! POP bodies: BATCH_ACK_MESSAGE (200151)'s `BatchAckMessageRequestBody`, a list of
//! `BatchAck`s, each acking a set of offsets of one pop (one checkpoint) as a bit set
//! relative to the checkpoint's start offset; and the request modes and queue assignment
//! of SET_MESSAGE_REQUEST_MODE (401), GET_ALL_MESSAGE_REQUEST_MODE (402) and
//! QUERY_ASSIGNMENT (400).

use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One pop's acks (Java `BatchAck`, fastjson short names).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BatchAck {
    /// The acked offsets, as `offset - start_offset` bit positions (`java.util.BitSet`,
    /// written by fastjson as the base64 of `BitSet.toByteArray()`).
    #[serde(rename = "b", alias = "bitSet", with = "bitset", default)]
    pub bit_set: Vec<u32>,
    /// Consumer group.
    #[serde(rename = "c", alias = "consumerGroup", default)]
    pub consumer_group: String,
    /// The pop's invisible time, ms.
    #[serde(rename = "it", alias = "invisibleTime", default)]
    pub invisible_time: i64,
    /// The pop time, ms.
    #[serde(rename = "pt", alias = "popTime", default)]
    pub pop_time: i64,
    /// Queue id.
    #[serde(rename = "q", alias = "queueId", default)]
    pub queue_id: i32,
    /// `"0"` normal topic, `"1"` pop retry topic V1, `"2"` V2.
    #[serde(rename = "r", alias = "retry", default)]
    pub retry: String,
    /// The revive queue of the pop.
    #[serde(rename = "rq", alias = "reviveQueueId", default)]
    pub revive_queue_id: i32,
    /// The checkpoint's start offset.
    #[serde(rename = "so", alias = "startOffset", default)]
    pub start_offset: i64,
    /// The (normal) topic.
    #[serde(rename = "t", alias = "topic", default)]
    pub topic: String,
}

/// BATCH_ACK_MESSAGE body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchAckMessageRequestBody {
    /// The acks.
    #[serde(default)]
    pub acks: Vec<BatchAck>,
    /// The broker the messages were popped from.
    #[serde(default)]
    pub broker_name: String,
}

/// How a group consumes a topic: by PULL (queues balanced among its consumers) or by POP
/// (Java `MessageRequestMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum MessageRequestMode {
    /// Classic pull.
    #[default]
    #[serde(rename = "PULL")]
    Pull,
    /// POP.
    #[serde(rename = "POP")]
    Pop,
}

impl crate::settings::SettingValue for MessageRequestMode {
    const EXPECTED: &'static str = "one of PULL POP";
    fn parse_setting(s: &str) -> Option<Self> {
        if s.eq_ignore_ascii_case("PULL") {
            Some(MessageRequestMode::Pull)
        } else if s.eq_ignore_ascii_case("POP") {
            Some(MessageRequestMode::Pop)
        } else {
            None
        }
    }
    fn render_setting(&self) -> String {
        match self {
            MessageRequestMode::Pull => "PULL".into(),
            MessageRequestMode::Pop => "POP".into(),
        }
    }
}

/// SET_MESSAGE_REQUEST_MODE body, also the stored entry of `messageRequestMode.json`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SetMessageRequestModeRequestBody {
    /// Consumer group.
    pub consumer_group: String,
    /// The mode.
    pub mode: MessageRequestMode,
    /// POP: how many following consumers' queues each consumer also pops (0: every queue).
    pub pop_share_queue_num: i32,
    /// Topic.
    pub topic: String,
}

/// `messageRequestMode.json` and the GET_ALL_MESSAGE_REQUEST_MODE body (Java
/// `MessageRequestModeSerializeWrapper`): topic → group → mode.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageRequestModeSerializeWrapper {
    /// Topic → group → mode.
    pub message_request_mode_map: std::collections::BTreeMap<
        String,
        std::collections::BTreeMap<String, SetMessageRequestModeRequestBody>,
    >,
}

/// QUERY_ASSIGNMENT body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueryAssignmentRequestBody {
    /// The asking client's id.
    pub client_id: String,
    /// Consumer group.
    pub consumer_group: String,
    /// Clustering or broadcasting.
    pub message_model: crate::body::client::MessageModel,
    /// The allocation strategy's name (`AVG`, `AVG_BY_CIRCLE`, …).
    pub strategy_name: String,
    /// Topic.
    pub topic: String,
}

/// One assigned queue.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageQueueAssignment {
    /// Extra data (unused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<std::collections::BTreeMap<String, String>>,
    /// The queue (queue id -1 under POP: the whole broker).
    pub message_queue: crate::body::client::MessageQueue,
    /// How to consume it.
    pub mode: MessageRequestMode,
}

/// QUERY_ASSIGNMENT answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueryAssignmentResponseBody {
    /// The client's queues (absent when the topic or the group is unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_queue_assignments: Option<Vec<MessageQueueAssignment>>,
}

/// `java.util.BitSet` as fastjson writes it: base64 of little-endian bytes, bit `i` in
/// byte `i / 8` at position `i % 8`.
mod bitset {
    use super::*;

    pub fn serialize<S: Serializer>(bits: &[u32], s: S) -> Result<S::Ok, S::Error> {
        let len = bits.iter().max().map_or(0, |m| *m as usize / 8 + 1);
        let mut bytes = vec![0u8; len];
        for b in bits {
            bytes[*b as usize / 8] |= 1 << (b % 8);
        }
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u32>, D::Error> {
        let text = Option::<String>::deserialize(d)?.unwrap_or_default();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(serde::de::Error::custom)?;
        let mut bits = Vec::new();
        for (i, byte) in bytes.iter().enumerate() {
            for bit in 0..8u32 {
                if byte & (1 << bit) != 0 {
                    bits.push(i as u32 * 8 + bit);
                }
            }
        }
        Ok(bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::fastjson;

    #[test]
    fn reads_what_java_writes() {
        // BitSet{0, 2, 9} -> toByteArray [0x05, 0x02] -> "BQI="
        let java = r#"{"acks":[{"b":"BQI=","c":"G","it":60000,"pt":1700000000000,"q":1,"r":"0","rq":3,"so":10,"t":"T"}],"brokerName":"broker-a"}"#;
        let body: BatchAckMessageRequestBody = fastjson::from_slice(java.as_bytes()).unwrap();
        assert_eq!(body.broker_name, "broker-a");
        assert_eq!(body.acks[0].bit_set, vec![0, 2, 9]);
        assert_eq!(body.acks[0].start_offset, 10);
        let back = fastjson::to_string(&body, fastjson::JsonStyle::Legacy).unwrap();
        assert_eq!(back, java);
    }

    #[test]
    fn request_modes_as_java_stores_them() {
        let java = r#"{"messageRequestModeMap":{"T":{"G":{"consumerGroup":"G","mode":"POP","popShareQueueNum":0,"topic":"T"}}}}"#;
        let w: MessageRequestModeSerializeWrapper = fastjson::from_slice(java.as_bytes()).unwrap();
        assert_eq!(
            w.message_request_mode_map["T"]["G"].mode,
            MessageRequestMode::Pop
        );
        assert_eq!(
            fastjson::to_string(&w, fastjson::JsonStyle::Legacy).unwrap(),
            java
        );
        let q = r#"{"clientId":"c","consumerGroup":"G","messageModel":"CLUSTERING","strategyName":"AVG","topic":"T"}"#;
        let q: QueryAssignmentRequestBody = fastjson::from_slice(q.as_bytes()).unwrap();
        assert_eq!(q.strategy_name, "AVG");
    }
}
