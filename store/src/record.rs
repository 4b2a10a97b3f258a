//! Allocation-free reading of the record fields the store needs (queue id, sysFlag,
//! topic, properties, store time), using the codec's [`layout`] positions.
//!
//! Full decoding ([`cometmq_remoting::message::decode_record`]) allocates the topic and
//! the properties; the append path only needs to validate and route a record.
//! Public so that the fuzz targets (`fuzz/`) can drive it: recovery and dispatch read
//! every record on disk through [`parse`].

use cometmq_remoting::message::record::layout::{
    self, body_len_pos, store_timestamp_pos, MIN_RECORD_LEN, PHYSICAL_OFFSET_POS, QUEUE_ID_POS,
    QUEUE_OFFSET_POS, SYSFLAG_POS,
};
use cometmq_remoting::message::record::RecordKind;
use cometmq_remoting::message::{MessageError, MessageVersion};

/// Fields of one encoded record, borrowed from its bytes.
#[derive(Debug, Clone, Copy)]
pub struct RecordView<'a> {
    /// TOTALSIZE.
    pub total: usize,
    /// SYSFLAG.
    pub sys_flag: i32,
    /// QUEUEID.
    pub queue_id: i32,
    /// QUEUEOFFSET.
    pub queue_offset: i64,
    /// PHYSICALOFFSET.
    pub physical_offset: i64,
    /// STORETIMESTAMP.
    pub store_timestamp: i64,
    /// BODYLENGTH.
    pub body_len: usize,
    /// TOPIC.
    pub topic: &'a str,
    /// The encoded PROPERTIES.
    pub properties: &'a [u8],
}

pub(crate) fn be_i32(buf: &[u8], pos: usize) -> Option<i32> {
    let b = buf.get(pos..pos.checked_add(4)?)?;
    Some(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

pub(crate) fn be_i64(buf: &[u8], pos: usize) -> Option<i64> {
    let b = buf.get(pos..pos.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Some(i64::from_be_bytes(a))
}

fn truncated(field: &'static str, need: usize, have: usize) -> MessageError {
    MessageError::Truncated { field, need, have }
}

/// Reads the record at the start of `buf` (bytes after it are ignored). Fails on the
/// BLANK filler ([`MessageError::Blank`]), a bad magic, or fields that do not add up to
/// TOTALSIZE. Does not check the CRC.
pub fn parse(buf: &[u8]) -> Result<RecordView<'_>, MessageError> {
    let header = layout::peek_header(buf)?;
    let version = match header.kind {
        RecordKind::Blank => {
            return Err(MessageError::Blank {
                total_size: header.total_size,
            })
        }
        RecordKind::Message(v) => v,
    };
    let total = usize::try_from(header.total_size)
        .ok()
        .filter(|&t| t >= MIN_RECORD_LEN)
        .ok_or(MessageError::BadLength {
            field: "TOTALSIZE",
            len: i64::from(header.total_size),
        })?;
    let rec = buf
        .get(..total)
        .ok_or_else(|| truncated("record", total, buf.len()))?;
    let short = |field| truncated(field, 4, 0);
    let sys_flag = be_i32(rec, SYSFLAG_POS).ok_or_else(|| short("SYSFLAG"))?;
    let queue_id = be_i32(rec, QUEUE_ID_POS).ok_or_else(|| short("QUEUEID"))?;
    let queue_offset = be_i64(rec, QUEUE_OFFSET_POS).ok_or_else(|| short("QUEUEOFFSET"))?;
    let physical_offset =
        be_i64(rec, PHYSICAL_OFFSET_POS).ok_or_else(|| short("PHYSICALOFFSET"))?;
    let store_timestamp =
        be_i64(rec, store_timestamp_pos(sys_flag)).ok_or_else(|| short("STORETIMESTAMP"))?;
    let bl_pos = body_len_pos(sys_flag);
    let body_len_raw = be_i32(rec, bl_pos).ok_or_else(|| short("BODYLENGTH"))?;
    let body_len = usize::try_from(body_len_raw).map_err(|_| MessageError::BadLength {
        field: "BODYLENGTH",
        len: i64::from(body_len_raw),
    })?;
    let mut pos = bl_pos + 4;
    pos = pos
        .checked_add(body_len)
        .filter(|&p| p <= total)
        .ok_or_else(|| truncated("BODY", body_len, total.saturating_sub(pos)))?;
    let topic_len = match version {
        MessageVersion::V1 => {
            let len = usize::from(*rec.get(pos).ok_or_else(|| short("TOPICLENGTH"))?);
            pos += 1;
            len
        }
        MessageVersion::V2 => {
            let b = rec.get(pos..pos + 2).ok_or_else(|| short("TOPICLENGTH"))?;
            let len = i16::from_be_bytes([b[0], b[1]]);
            pos += 2;
            usize::try_from(len).map_err(|_| MessageError::BadLength {
                field: "TOPICLENGTH",
                len: i64::from(len),
            })?
        }
    };
    let topic = rec
        .get(pos..pos + topic_len)
        .ok_or_else(|| truncated("TOPIC", topic_len, total.saturating_sub(pos)))?;
    let topic = std::str::from_utf8(topic).map_err(|_| MessageError::Utf8 { field: "topic" })?;
    pos += topic_len;
    let b = rec
        .get(pos..pos + 2)
        .ok_or_else(|| short("PROPERTIESLENGTH"))?;
    let props_len_raw = i16::from_be_bytes([b[0], b[1]]);
    let props_len = usize::try_from(props_len_raw).map_err(|_| MessageError::BadLength {
        field: "PROPERTIESLENGTH",
        len: i64::from(props_len_raw),
    })?;
    pos += 2;
    let properties = rec
        .get(pos..pos + props_len)
        .ok_or_else(|| truncated("PROPERTIES", props_len, total.saturating_sub(pos)))?;
    pos += props_len;
    if pos != total {
        return Err(MessageError::SizeMismatch {
            declared: header.total_size,
            actual: pos,
        });
    }
    Ok(RecordView {
        total,
        sys_flag,
        queue_id,
        queue_offset,
        physical_offset,
        store_timestamp,
        body_len,
        topic,
        properties,
    })
}

/// The value of property `name` in an encoded properties string, without allocating
/// (same rules as `Properties::parse`: pairs `name\u{1}value\u{2}`, the last duplicate
/// wins, malformed entries are skipped).
pub fn property<'a>(properties: &'a [u8], name: &str) -> Option<&'a str> {
    let mut found = None;
    for entry in properties.split(|&b| b == 2) {
        if entry.len() < 3 {
            continue;
        }
        let Some(sep) = entry.iter().position(|&b| b == 1) else {
            continue;
        };
        if sep == 0 || sep + 1 >= entry.len() {
            continue;
        }
        if &entry[..sep] == name.as_bytes() {
            found = std::str::from_utf8(&entry[sep + 1..]).ok();
        }
    }
    found
}

/// The body of a parsed record (for CRC checks).
pub(crate) fn body<'a>(buf: &'a [u8], view: &RecordView<'_>) -> Option<&'a [u8]> {
    let start = body_len_pos(view.sys_flag) + 4;
    buf.get(start..start + view.body_len)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::net::SocketAddr;

    use bytes::BytesMut;
    use cometmq_remoting::message::{encode_record, RecordParts};

    use super::*;

    /// Encodes a test record.
    pub(crate) fn encode(topic: &str, queue_id: i32, body: &[u8], props: &str) -> BytesMut {
        let host: SocketAddr = "127.0.0.1:10911".parse().unwrap();
        let mut parts = RecordParts::new(topic, body, props.as_bytes(), host, host);
        parts.queue_id = queue_id;
        parts.store_timestamp = 77;
        let mut buf = BytesMut::new();
        encode_record(&parts, &mut buf).unwrap();
        buf
    }

    #[test]
    fn parses_what_the_codec_writes() {
        let rec = encode("TopicA", 3, b"hello", "TAGS\u{1}a\u{2}");
        let v = parse(&rec).unwrap();
        assert_eq!(v.total, rec.len());
        assert_eq!((v.topic, v.queue_id, v.body_len), ("TopicA", 3, 5));
        assert_eq!(v.properties, b"TAGS\x01a\x02");
        assert_eq!(v.store_timestamp, 77);
        assert_eq!(body(&rec, &v).unwrap(), b"hello");
        let long = "t".repeat(200);
        let rec = encode(&long, 0, b"", "");
        assert_eq!(parse(&rec).unwrap().topic, long);
    }

    #[test]
    fn property_lookup_matches_the_codec() {
        use cometmq_remoting::message::Properties;
        let raw = b"TAGS\x01a\x02KEYS\x01k1 k2\x02x\x02\x01v\x02TAGS\x01b\x02E\x01\x02";
        let parsed = Properties::parse_lossy(raw);
        for name in ["TAGS", "KEYS", "E", "x", "nope"] {
            assert_eq!(property(raw, name), parsed.get(name), "{name}");
        }
    }

    #[test]
    fn rejects_garbage() {
        let rec = encode("T", 0, b"hello", "");
        assert!(parse(&rec[..rec.len() - 1]).is_err());
        let mut bad = rec.clone();
        bad[0..4].copy_from_slice(&((rec.len() + 1) as i32).to_be_bytes());
        let mut longer = bad.to_vec();
        longer.push(0);
        assert!(parse(&longer).is_err(), "size mismatch");
        assert!(matches!(parse(&[0u8; 8]), Err(MessageError::BadMagic(0))));
        let mut blank = BytesMut::new();
        layout::encode_blank(&mut blank, 100);
        assert!(matches!(
            parse(&blank),
            Err(MessageError::Blank { total_size: 100 })
        ));
    }
}
