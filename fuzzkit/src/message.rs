//! Message structures (reference §5): properties, stored records (v1/v2, IPv4/IPv6 hosts,
//! zlib bodies), the batch body and message ids.

use bytes::{Bytes, BytesMut};
use cometmq_remoting::message::compression::DEFAULT_MAX_DECOMPRESSED_LEN;
use cometmq_remoting::message::{
    decode_batch, decode_record, decode_records, parse_offset_msg_id, parse_uniq_key,
    DecodeOptions, Properties, PropertiesView, RecordParts,
};

/// The properties string (a SEND header's `properties`, a record's PROPERTIES). What reads
/// writes back to a string that reads the same.
pub fn properties(data: &[u8]) {
    let lossy = Properties::parse_lossy(data);
    if let Ok(p) = Properties::parse(data) {
        assert_eq!(p, lossy, "strict and lossy parses of UTF-8 differ");
        let again = Properties::parse_str(&p.encode());
        assert_eq!(again, p, "properties changed on a round trip");
    }
}

/// One stored record (a CommitLog entry, a pull or view-by-id answer), with each decode
/// option; a record that decodes re-encodes to one that decodes the same, and a zlib body
/// inflates within the client's bound.
pub fn record(data: &[u8]) {
    let buf = Bytes::copy_from_slice(data);
    let _ = decode_record(&buf, DecodeOptions::SKIP_BODY);
    let _ = decode_record(&buf, DecodeOptions::VERIFY);
    let Ok(mut msg) = decode_record(&buf, DecodeOptions::DEFAULT) else {
        return;
    };
    let _ = msg.msg_id();
    let mut out = BytesMut::new();
    if msg.encode(&mut out).is_ok() {
        match decode_record(&out.freeze(), DecodeOptions::DEFAULT) {
            Ok(mut back) => {
                // Properties are written back with Java's trailing separator, which the
                // input may lack: only the size may change.
                back.store_size = msg.store_size;
                assert_eq!(back, msg, "a record changed on a round trip");
            }
            Err(e) => panic!("a re-encoded record does not decode: {e}"),
        }
    }
    let _ = msg.decompress_body(DEFAULT_MAX_DECOMPRESSED_LEN);
}

/// Back-to-back records (a PULL or QUERY_MESSAGE answer, a stretch of CommitLog).
pub fn record_stream(data: &[u8]) {
    let buf = Bytes::copy_from_slice(data);
    let mut it = decode_records(buf.clone());
    for r in it.by_ref() {
        if r.is_err() {
            break;
        }
    }
    assert!(
        it.position() <= buf.len(),
        "the record iterator ran past its input"
    );
    for r in decode_records(buf).with_options(DecodeOptions::VERIFY) {
        if r.is_err() {
            break;
        }
    }
}

/// SEND_BATCH_MESSAGE's body.
pub fn batch(data: &[u8]) {
    let mut it = decode_batch(Bytes::copy_from_slice(data));
    for entry in it.by_ref() {
        match entry {
            Ok(e) => {
                let _ = e.properties.encode();
            }
            Err(_) => break,
        }
    }
    assert!(
        it.position() <= data.len(),
        "the batch iterator ran past its input"
    );
}

/// Offset message ids (VIEW_MESSAGE_BY_ID) and client UNIQ_KEYs; an id that parses
/// formats back to itself (uppercase).
pub fn message_id(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(id) = parse_offset_msg_id(&text) {
        assert_eq!(
            id.to_string(),
            text.to_ascii_uppercase(),
            "an offset message id changed on a round trip"
        );
    }
    let _ = parse_uniq_key(&text);
}

/// The borrowed record reader ([`RecordParts::parse`]), which the store's append
/// validation, dispatch and recovery run over every record on disk, and its property
/// lookup ([`PropertiesView`]). Where it accepts a record, the full decoder agrees on its
/// fields and properties.
pub fn store_record(data: &[u8]) {
    let Ok(view) = RecordParts::parse(data) else {
        return;
    };
    assert!(
        view.encoded_len() <= data.len(),
        "a record view longer than its input"
    );
    let names = ["TAGS", "KEYS", "UNIQ_KEY", "DELAY", "REAL_TOPIC"];
    let props = PropertiesView::new(view.properties);
    for name in names {
        let _ = props.get(name);
    }
    let Ok(full) = decode_record(&Bytes::copy_from_slice(data), DecodeOptions::SKIP_BODY) else {
        return;
    };
    assert_eq!(
        (
            view.sys_flag,
            view.queue_id,
            view.queue_offset,
            view.physical_offset
        ),
        (
            full.sys_flag,
            full.queue_id,
            full.queue_offset,
            full.commit_log_offset
        ),
        "the borrowed reader and the decoder disagree"
    );
    assert_eq!(view.topic, full.topic, "the readers disagree on the topic");
    assert_eq!(view.store_timestamp, full.store_timestamp);
    for name in names {
        assert_eq!(
            props.get(name),
            full.property(name),
            "the readers disagree on property {name}"
        );
    }
}
