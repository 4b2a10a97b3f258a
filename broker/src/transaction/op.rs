//! Op records: `RMQ_SYS_TRANS_OP_HALF_TOPIC`, tag `d`, body = the decided half message's
//! queue offset as decimal text. 4.x writes one offset per record (`"42"`); 5.x batches
//! them comma-terminated (`"42,43,47,"`); [`parse_body`] reads both.

use bytes::BytesMut;
use cometmq_remoting::message::{property, Properties, RecordParts};

use super::{HALF_QUEUE_ID, REMOVE_TAG};
use crate::topic_names::TRANS_OP_HALF_TOPIC;
use cometmq_remoting::clock::now_ms;

/// The encoded op record for half queue offset `half_offset`.
pub fn record(
    half_offset: i64,
    store_host: std::net::SocketAddr,
) -> Result<BytesMut, cometmq_remoting::message::MessageError> {
    let body = half_offset.to_string();
    let mut props = Properties::new();
    props.insert(property::TAGS, REMOVE_TAG);
    props.insert(property::WAIT, "true");
    let text = props.encode();
    let mut parts = RecordParts::new(
        TRANS_OP_HALF_TOPIC,
        body.as_bytes(),
        text.as_bytes(),
        store_host,
        store_host,
    );
    parts.queue_id = HALF_QUEUE_ID;
    parts.born_timestamp = now_ms();
    crate::append::encode(&parts)
}

/// The half queue offsets an op record body names; unparsable pieces are skipped.
pub fn parse_body(body: &[u8]) -> Vec<i64> {
    String::from_utf8_lossy(body)
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cometmq_remoting::message::{decode_record, DecodeOptions};

    #[test]
    fn bodies() {
        assert_eq!(parse_body(b"42"), vec![42]);
        assert_eq!(parse_body(b"42,43,47,"), vec![42, 43, 47]);
        assert_eq!(parse_body(b"x,7"), vec![7]);
        assert!(parse_body(b"").is_empty());
    }

    #[test]
    fn record_layout() {
        let host = "10.0.0.2:10911".parse().unwrap();
        let buf = record(17, host).unwrap();
        let m = decode_record(&buf.freeze(), DecodeOptions::DEFAULT).unwrap();
        assert_eq!(m.topic, TRANS_OP_HALF_TOPIC);
        assert_eq!(m.tags(), Some("d"));
        assert_eq!(m.body.as_ref(), b"17");
    }
}
