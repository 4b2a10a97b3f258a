//! The revive log's records (Java `PopCheckPoint`, `AckMsg`, `BatchAckMsg`): JSON bodies
//! of messages in `rmq_sys_REVIVE_LOG_<cluster>`, tagged `ck`, `ack` or `bAck`. They
//! persist and replicate with the CommitLog like any message; the revive service reads
//! them back.

use serde::{Deserialize, Serialize};

/// Tag of a checkpoint record.
pub const CK_TAG: &str = "ck";
/// Tag of an ack record.
pub const ACK_TAG: &str = "ack";
/// Tag of a batch ack record.
pub const BATCH_ACK_TAG: &str = "bAck";

/// One pop of one queue: which offsets were handed out, and when they revive.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CheckPoint {
    /// Acked bits (unused in stored checkpoints: always 0).
    #[serde(rename = "bm", default)]
    pub bit_map: i32,
    /// Broker name.
    #[serde(rename = "bn", default)]
    pub broker_name: String,
    /// Consumer group.
    #[serde(rename = "c", default)]
    pub cid: String,
    /// Each popped offset minus `start_offset`.
    #[serde(rename = "d", default)]
    pub queue_offset_diff: Vec<i32>,
    /// Invisible time, ms.
    #[serde(rename = "it", default)]
    pub invisible_time: i64,
    /// Number of popped messages.
    #[serde(rename = "n", default)]
    pub num: i8,
    /// Pop time, ms.
    #[serde(rename = "pt", default)]
    pub pop_time: i64,
    /// Queue id.
    #[serde(rename = "q", default)]
    pub queue_id: i32,
    /// The checkpoint's own offset in the revive queue.
    #[serde(rename = "ro", default)]
    pub revive_offset: i64,
    /// The queue offset the pop started at.
    #[serde(rename = "so", default)]
    pub start_offset: i64,
    /// The topic popped (a pop retry topic for retried messages).
    #[serde(rename = "t", default)]
    pub topic: String,
}

impl CheckPoint {
    /// When the un-acked messages return: pop time + invisible time.
    pub fn revive_time(&self) -> i64 {
        self.pop_time.saturating_add(self.invisible_time)
    }

    /// The queue offsets this checkpoint covers.
    pub fn offsets(&self) -> impl Iterator<Item = i64> + '_ {
        self.queue_offset_diff
            .iter()
            .map(|d| self.start_offset + i64::from(*d))
    }
}

/// An ack of one offset (`ack_offset`) or, as a batch ack, of `ack_offset_list`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AckRecord {
    /// The acked offset (-1 in a batch ack).
    #[serde(rename = "ao", alias = "ackOffset", default)]
    pub ack_offset: i64,
    /// A batch ack's offsets.
    #[serde(
        rename = "aol",
        alias = "ackOffsetList",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ack_offset_list: Option<Vec<i64>>,
    /// Broker name.
    #[serde(rename = "bn", alias = "brokerName", default)]
    pub broker_name: String,
    /// Consumer group.
    #[serde(rename = "c", alias = "consumerGroup", default)]
    pub consumer_group: String,
    /// The pop time of the checkpoint acked.
    #[serde(rename = "pt", alias = "popTime", default)]
    pub pop_time: i64,
    /// Queue id.
    #[serde(rename = "q", alias = "queueId", default)]
    pub queue_id: i32,
    /// The checkpoint's start offset.
    #[serde(rename = "so", alias = "startOffset", default)]
    pub start_offset: i64,
    /// The topic popped.
    #[serde(rename = "t", alias = "topic", default)]
    pub topic: String,
}

/// The key pairing acks with their checkpoint (Java's merge key: topic, group, queue,
/// start offset, pop time, broker name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CkKey {
    /// Topic popped.
    pub topic: String,
    /// Group.
    pub group: String,
    /// Queue.
    pub queue_id: i32,
    /// Start offset.
    pub start_offset: i64,
    /// Pop time.
    pub pop_time: i64,
}

impl CheckPoint {
    /// Its pairing key.
    pub fn key(&self) -> CkKey {
        CkKey {
            topic: self.topic.clone(),
            group: self.cid.clone(),
            queue_id: self.queue_id,
            start_offset: self.start_offset,
            pop_time: self.pop_time,
        }
    }
}

impl AckRecord {
    /// The key of the checkpoint it acks.
    pub fn key(&self) -> CkKey {
        CkKey {
            topic: self.topic.clone(),
            group: self.consumer_group.clone(),
            queue_id: self.queue_id,
            start_offset: self.start_offset,
            pop_time: self.pop_time,
        }
    }

    /// The offsets acked.
    pub fn offsets(&self) -> Vec<i64> {
        match &self.ack_offset_list {
            Some(list) => list.clone(),
            None => vec![self.ack_offset],
        }
    }
}

/// Java's unique key of a checkpoint record (`genCkUniqueId`).
pub fn ck_unique_id(ck: &CheckPoint) -> String {
    format!(
        "{}@{}@{}@{}@{}@{}@{}",
        ck.topic, ck.cid, ck.queue_id, ck.start_offset, ck.pop_time, ck.broker_name, CK_TAG
    )
}

/// Java's unique key of an ack record (`genAckUniqueId`, `genBatchAckUniqueId`).
pub fn ack_unique_id(ack: &AckRecord) -> String {
    match &ack.ack_offset_list {
        Some(list) => format!(
            "{}@{}@{}@{:?}@{}@{}",
            ack.topic, ack.consumer_group, ack.queue_id, list, ack.pop_time, BATCH_ACK_TAG
        ),
        None => format!(
            "{}@{}@{}@{}@{}@{}",
            ack.topic, ack.consumer_group, ack.queue_id, ack.ack_offset, ack.pop_time, ACK_TAG
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_uses_javas_short_names() {
        let ck = CheckPoint {
            cid: "G".into(),
            topic: "T".into(),
            num: 2,
            queue_offset_diff: vec![0, 1],
            start_offset: 5,
            pop_time: 100,
            invisible_time: 50,
            broker_name: "b".into(),
            ..Default::default()
        };
        let text = serde_json::to_string(&ck).unwrap();
        assert_eq!(
            text,
            r#"{"bm":0,"bn":"b","c":"G","d":[0,1],"it":50,"n":2,"pt":100,"q":0,"ro":0,"so":5,"t":"T"}"#
        );
        assert_eq!(ck.offsets().collect::<Vec<_>>(), vec![5, 6]);
        let java_ack = r#"{"ao":6,"bn":"b","c":"G","pt":100,"q":0,"so":5,"t":"T"}"#;
        let ack: AckRecord = serde_json::from_str(java_ack).unwrap();
        assert_eq!(ack.key(), ck.key());
        assert_eq!(serde_json::to_string(&ack).unwrap(), java_ack);
    }
}
