//! Reading a stored record (reference §5.1): [`RecordParts::parse`] borrows every field
//! from the record's bytes without allocating, so the one borrowed form of a record is
//! the one the encoder takes.
//!
//! Everything that reads records goes through it: [`super::decode_record`] (which then
//! copies the topic and parses the properties into a [`StoredRecord`](super::StoredRecord)),
//! and the store's append validation, dispatch and recovery.
//!
//! Stricter than Java where Java would silently misread: TOTALSIZE must equal the sum of
//! the field lengths, and negative lengths are errors. Lenient where harmless: a v1
//! topic length is read unsigned (Java's signed byte would fail above 127).

use super::layout::{BLANK_MAGIC, MIN_RECORD_LEN};
use super::{MessageVersion, RecordParts};
use crate::message::cursor::{utf8, Cursor};
use crate::message::properties::PropertiesView;
use crate::message::sysflag::{self, BORNHOST_V6, STOREHOST_V6};
use crate::message::MessageError;

impl<'a> RecordParts<'a> {
    /// Reads the record at the start of `buf` (bytes after it are ignored): every field,
    /// BODYCRC and the version as stored; its length is [`RecordParts::encoded_len`].
    /// Fails on the BLANK filler ([`MessageError::Blank`]), a bad magic, a field past
    /// the end, a topic that is not UTF-8, or fields that do not add up to TOTALSIZE.
    /// Does not check the CRC.
    pub fn parse(buf: &'a [u8]) -> Result<Self, MessageError> {
        let mut head = Cursor::new(buf);
        let store_size = head.i32("TOTALSIZE")?;
        let magic = head.i32("MAGICCODE")?;
        let version = match MessageVersion::from_magic(magic) {
            Some(v) => v,
            None if magic == BLANK_MAGIC => {
                return Err(MessageError::Blank {
                    total_size: store_size,
                })
            }
            None => return Err(MessageError::BadMagic(magic)),
        };
        let total = usize::try_from(store_size)
            .ok()
            .filter(|&t| t >= MIN_RECORD_LEN)
            .ok_or(MessageError::BadLength {
                field: "TOTALSIZE",
                len: i64::from(store_size),
            })?;
        let record = buf.get(..total).ok_or(MessageError::Truncated {
            field: "record",
            need: total,
            have: buf.len(),
        })?;

        let mut c = Cursor::new(record);
        c.take(8, "TOTALSIZE")?;
        let body_crc = c.i32("BODYCRC")?;
        let queue_id = c.i32("QUEUEID")?;
        let flag = c.i32("FLAG")?;
        let queue_offset = c.i64("QUEUEOFFSET")?;
        let physical_offset = c.i64("PHYSICALOFFSET")?;
        let sys_flag = c.i32("SYSFLAG")?;
        let born_timestamp = c.i64("BORNTIMESTAMP")?;
        let born_host = c.host(sysflag::check(sys_flag, BORNHOST_V6), "BORNHOST")?;
        let store_timestamp = c.i64("STORETIMESTAMP")?;
        let store_host = c.host(sysflag::check(sys_flag, STOREHOST_V6), "STOREHOSTADDRESS")?;
        let reconsume_times = c.i32("RECONSUMETIMES")?;
        let prepared_transaction_offset = c.i64("PREPAREDTRANSACTIONOFFSET")?;
        let body_len = length(c.i32("BODYLENGTH")?.into(), "BODYLENGTH")?;
        let body = c.take(body_len, "BODY")?;
        let topic_len = match version {
            MessageVersion::V1 => usize::from(c.u8("TOPICLENGTH")?),
            MessageVersion::V2 => length(c.i16("TOPICLENGTH")?.into(), "TOPICLENGTH")?,
        };
        let topic = utf8(c.take(topic_len, "TOPIC")?, "topic")?;
        let props_len = length(c.i16("PROPERTIESLENGTH")?.into(), "PROPERTIESLENGTH")?;
        let properties = c.take(props_len, "PROPERTIES")?;
        if c.pos() != total {
            return Err(MessageError::SizeMismatch {
                declared: store_size,
                actual: c.pos(),
            });
        }
        Ok(RecordParts {
            queue_id,
            flag,
            queue_offset,
            physical_offset,
            sys_flag,
            born_timestamp,
            born_host,
            store_timestamp,
            store_host,
            reconsume_times,
            prepared_transaction_offset,
            body,
            body_crc: Some(body_crc),
            topic,
            properties,
            version: Some(version),
        })
    }

    /// The value of property `name` ([`PropertiesView::get`]: the last value of a repeated
    /// name).
    pub fn property(&self, name: &str) -> Option<&'a str> {
        PropertiesView::new(self.properties).get(name)
    }
}

/// A length field: negative is an error naming the field.
fn length(len: i64, field: &'static str) -> Result<usize, MessageError> {
    usize::try_from(len).map_err(|_| MessageError::BadLength { field, len })
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use bytes::BytesMut;

    use super::super::encode_record;
    use super::super::layout;
    use super::*;

    /// Encodes a test record.
    fn encode(topic: &str, queue_id: i32, body: &[u8], props: &str) -> BytesMut {
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
        let v = RecordParts::parse(&rec).unwrap();
        assert_eq!(v.encoded_len(), rec.len());
        assert_eq!((v.topic, v.queue_id, v.body.len()), ("TopicA", 3, 5));
        assert_eq!(v.properties, b"TAGS\x01a\x02");
        assert_eq!(v.property("TAGS"), Some("a"));
        assert_eq!(v.store_timestamp, 77);
        assert_eq!(v.body, b"hello");
        let long = "t".repeat(200);
        let rec = encode(&long, 0, b"", "");
        assert_eq!(RecordParts::parse(&rec).unwrap().topic, long);
    }

    #[test]
    fn rejects_garbage() {
        let rec = encode("T", 0, b"hello", "");
        assert!(RecordParts::parse(&rec[..rec.len() - 1]).is_err());
        let mut bad = rec.clone();
        bad[0..4].copy_from_slice(&((rec.len() + 1) as i32).to_be_bytes());
        let mut longer = bad.to_vec();
        longer.push(0);
        assert!(RecordParts::parse(&longer).is_err(), "size mismatch");
        assert!(matches!(
            RecordParts::parse(&[0u8; 8]),
            Err(MessageError::BadMagic(0))
        ));
        let mut blank = BytesMut::new();
        layout::encode_blank(&mut blank, 100);
        assert!(matches!(
            RecordParts::parse(&blank),
            Err(MessageError::Blank { total_size: 100 })
        ));
    }
}
