//! Deciding a half message (END_TRANSACTION, reference §9 step 3): loading and checking
//! it, writing the committed message, and writing the op record.

use std::net::SocketAddr;

use bytes::BytesMut;
use cometmq_remoting::header::EndTransactionRequestHeader;
use cometmq_remoting::message::{
    decode_record, property, sysflag, DecodeOptions, RecordParts, StoredRecord,
};
use cometmq_store::{PutOptions, PutResult, PutStatus};

use super::op;
use crate::append::{self, Redirect};
use crate::error::BrokerError;
use crate::state::BrokerState;
use crate::topic_names::TRANS_HALF_TOPIC;

/// Loads the half message at the header's `commitLogOffset` and checks it against the
/// header as Java's `checkPrepareMessage`: a half message, of `producerGroup`, at queue
/// offset `tranStateTableOffset`. SYSTEM_ERROR otherwise. The record is read on the
/// blocking pool (its page may be on disk).
pub async fn load_half(
    state: &BrokerState,
    h: &EndTransactionRequestHeader,
) -> Result<StoredRecord, BrokerError> {
    let at = h.commit_log_offset;
    let record = state
        .read_store(move |store| store.get_message_at(at))
        .await?
        .ok_or_else(|| {
            BrokerError::System("Find prepared transaction message failed".to_string())
        })?;
    let half = decode_record(&record, DecodeOptions::DEFAULT).map_err(|e| {
        BrokerError::System(format!("Find prepared transaction message failed: {e}"))
    })?;
    if half.topic != TRANS_HALF_TOPIC {
        return Err(BrokerError::System(format!(
            "The message at commitLogOffset {} is not a prepared transaction message",
            h.commit_log_offset
        )));
    }
    if half.property(property::PGROUP) != Some(h.producer_group.as_str()) {
        return Err(BrokerError::System("The producer group wrong".to_string()));
    }
    if half.queue_offset != h.tran_state_table_offset {
        return Err(BrokerError::System(
            "The transaction state table offset wrong".to_string(),
        ));
    }
    if half.commit_log_offset != h.commit_log_offset {
        return Err(BrokerError::System(
            "The commit log offset wrong".to_string(),
        ));
    }
    Ok(half)
}

/// Java `rejectCommitOrRollback`: a producer's own decision (not an answer to a check)
/// that arrives after the message's `CHECK_IMMUNITY_TIME_IN_SECONDS` is refused.
pub fn rejected_by_immunity(
    h: &EndTransactionRequestHeader,
    half: &StoredRecord,
    transaction_timeout_ms: u64,
    now_ms: i64,
) -> bool {
    if h.from_transaction_check == Some(true)
        || half
            .property(property::CHECK_IMMUNITY_TIME_IN_SECONDS)
            .is_none_or(str::is_empty)
    {
        return false;
    }
    now_ms - half.born_timestamp > super::immunity_ms(&half.properties, transaction_timeout_ms)
}

/// Writes the committed message for `half`: real topic and queue (a delay level still
/// applies), `REAL_*` and `TRAN_MSG` removed, transaction type COMMIT,
/// preparedTransactionOffset = the half message's CommitLog offset.
///
/// Like Java (`endMessageTransaction` sets `waitStoreMsgOK = false`), the write waits for
/// neither the flush nor, under SYNC_MASTER, a slave: the producer's send of the half
/// message already did.
pub async fn commit(state: &BrokerState, half: &StoredRecord) -> Result<(), BrokerError> {
    let (topic, queue_id, mut props) = real_target(half)?;
    let parts = RecordParts {
        topic: &topic,
        queue_id,
        sys_flag: sysflag::reset_transaction_value(half.sys_flag, sysflag::TRANSACTION_COMMIT_TYPE),
        prepared_transaction_offset: half.commit_log_offset,
        ..RecordParts::from_stored(half, &[], state.store_host)
    };
    let result = append::write(state, parts, &mut props, Redirect::Delay, false).await?;
    stored(result)?;
    state.count_put(1);
    Ok(())
}

/// Writes the op record that marks `half` as decided. Like Java's (`makeOpMessageInner`
/// sets `waitStoreMsgOK = false`), it waits for neither the flush nor a slave.
pub async fn write_op(state: &BrokerState, half: &StoredRecord) -> Result<(), BrokerError> {
    super::ensure_op_topic(state).await;
    let buf = op::record(half.queue_offset, state.store_host)
        .map_err(|e| BrokerError::System(e.to_string()))?;
    let opts = PutOptions {
        batch: false,
        wait: false,
    };
    stored(append::put(state, buf, opts).await)
}

/// The real topic, queue and properties of a half message (`REAL_TOPIC`, `REAL_QID`,
/// `TRAN_MSG` removed).
fn real_target(
    half: &StoredRecord,
) -> Result<(String, i32, cometmq_remoting::message::Properties), BrokerError> {
    let mut props = half.properties.clone();
    let topic = props
        .remove(property::REAL_TOPIC)
        .ok_or_else(|| BrokerError::System("the prepared message has no REAL_TOPIC".to_string()))?;
    let queue_id = props
        .remove(property::REAL_QID)
        .and_then(|q| q.trim().parse::<i32>().ok())
        .ok_or_else(|| BrokerError::System("the prepared message has no REAL_QID".to_string()))?;
    props.remove(property::TRAN_MSG);
    props.insert(property::WAIT, "false");
    Ok((topic, queue_id, props))
}

/// Maps a store refusal to the broker error Java answers with.
fn stored(result: PutResult) -> Result<(), BrokerError> {
    match result.status {
        s if s.is_stored() => Ok(()),
        PutStatus::MessageIllegal | PutStatus::PropertiesSizeExceeded => {
            Err(BrokerError::MessageIllegal(format!(
                "the message is illegal: {}",
                result.status.java_name()
            )))
        }
        s => Err(BrokerError::ServiceNotAvailable(format!(
            "service not available now: {}",
            s.java_name()
        ))),
    }
}

/// The half message as CHECK_TRANSACTION_STATE carries it: re-encoded as a stored record
/// with its real topic and queue (Java `MessageDecoder.encode`).
pub fn check_body(half: &StoredRecord) -> Result<Vec<u8>, String> {
    let mut m = half.clone();
    m.topic = half
        .property(property::REAL_TOPIC)
        .ok_or("no REAL_TOPIC")?
        .to_string();
    m.queue_id = half
        .property(property::REAL_QID)
        .and_then(|q| q.trim().parse().ok())
        .ok_or("no REAL_QID")?;
    m.version = cometmq_remoting::message::MessageVersion::for_topic_len(m.topic.len());
    let mut buf = BytesMut::with_capacity(m.encoded_len() + 8);
    m.encode(&mut buf).map_err(|e| e.to_string())?;
    Ok(buf.to_vec())
}

/// The offset message id of a record stored at `phys` on `store_host`.
pub fn offset_msg_id(store_host: SocketAddr, phys: i64) -> String {
    cometmq_remoting::message::create_offset_msg_id(store_host, phys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cometmq_remoting::message::encode_record;

    fn half_message() -> StoredRecord {
        let host: SocketAddr = "10.0.0.2:10911".parse().unwrap();
        let mut props = cometmq_remoting::message::Properties::new();
        props.insert(property::REAL_TOPIC, "Orders");
        props.insert(property::REAL_QID, "2");
        props.insert(property::TRAN_MSG, "true");
        props.insert(property::PGROUP, "PG");
        props.insert(property::UNIQ_KEY, "U");
        let text = props.encode();
        let mut parts = RecordParts::new(TRANS_HALF_TOPIC, b"body", text.as_bytes(), host, host);
        parts.born_timestamp = 1000;
        let mut buf = BytesMut::new();
        encode_record(&parts, &mut buf).unwrap();
        decode_record(&buf.freeze(), DecodeOptions::DEFAULT).unwrap()
    }

    #[test]
    fn real_target_and_check_body() {
        let half = half_message();
        let (t, q, p) = real_target(&half).unwrap();
        assert_eq!((t.as_str(), q), ("Orders", 2));
        assert_eq!(p.get(property::TRAN_MSG), None);
        assert_eq!(p.get(property::REAL_TOPIC), None);
        assert_eq!(p.get(property::PGROUP), Some("PG"));
        let body = check_body(&half).unwrap();
        let m = decode_record(&bytes::Bytes::from(body), DecodeOptions::VERIFY).unwrap();
        assert_eq!((m.topic.as_str(), m.queue_id), ("Orders", 2));
        assert_eq!(m.transaction_id(), Some("U"));
    }

    #[test]
    fn immunity_rejection() {
        let mut half = half_message();
        let h = EndTransactionRequestHeader {
            producer_group: "PG".into(),
            commit_or_rollback: 8,
            ..Default::default()
        };
        assert!(!rejected_by_immunity(&h, &half, 6000, 1_000_000));
        half.properties
            .insert(property::CHECK_IMMUNITY_TIME_IN_SECONDS, "10");
        assert!(!rejected_by_immunity(&h, &half, 6000, 1000 + 10_000));
        assert!(rejected_by_immunity(&h, &half, 6000, 1000 + 10_001));
        let from_check = EndTransactionRequestHeader {
            from_transaction_check: Some(true),
            ..h
        };
        assert!(!rejected_by_immunity(&from_check, &half, 6000, 1_000_000));
    }
}
