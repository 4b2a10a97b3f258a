//! Encoding stored records (Java `CommitLog.MessageExtEncoder`, `MessageDecoder.encode`).

use std::net::{IpAddr, SocketAddr};

use bytes::{BufMut, BytesMut};

use super::layout::{body_crc, record_len};
use super::{MessageVersion, StoredRecord};
use crate::message::sysflag::{self, BORNHOST_V6, STOREHOST_V6};
use crate::message::MessageError;

/// The fields of a record to encode, borrowed from wherever they live.
///
/// The store builds this from a SEND_MESSAGE request (properties are the request's
/// already-encoded string, so they are not re-encoded) and stamps QUEUEOFFSET,
/// PHYSICALOFFSET and STORETIMESTAMP later with [`super::layout`]'s `stamp_*` functions,
/// or fills them here when already known.
#[derive(Debug, Clone, Copy)]
pub struct RecordParts<'a> {
    /// QUEUEID.
    pub queue_id: i32,
    /// FLAG (user flag).
    pub flag: i32,
    /// QUEUEOFFSET.
    pub queue_offset: i64,
    /// PHYSICALOFFSET.
    pub physical_offset: i64,
    /// SYSFLAG. Its BORNHOST_V6 / STOREHOST_V6 bits are overwritten to match the hosts'
    /// address families, which decide the layout.
    pub sys_flag: i32,
    /// BORNTIMESTAMP, ms.
    pub born_timestamp: i64,
    /// BORNHOST.
    pub born_host: SocketAddr,
    /// STORETIMESTAMP, ms.
    pub store_timestamp: i64,
    /// STOREHOSTADDRESS.
    pub store_host: SocketAddr,
    /// RECONSUMETIMES.
    pub reconsume_times: i32,
    /// PREPARED TRANSACTION OFFSET.
    pub prepared_transaction_offset: i64,
    /// Stored body (already compressed if the sysFlag says so).
    pub body: &'a [u8],
    /// BODYCRC to write; `None` computes it from `body` (the normal case).
    pub body_crc: Option<i32>,
    /// Topic, UTF-8.
    pub topic: &'a str,
    /// The encoded properties string (see [`crate::message::Properties::encode`]).
    pub properties: &'a [u8],
    /// Record version; `None` picks v1 for topics up to 127 bytes, else v2.
    pub version: Option<MessageVersion>,
}

impl<'a> RecordParts<'a> {
    /// Parts with the given topic, body, properties and hosts; every number zero.
    pub fn new(
        topic: &'a str,
        body: &'a [u8],
        properties: &'a [u8],
        born_host: SocketAddr,
        store_host: SocketAddr,
    ) -> Self {
        RecordParts {
            queue_id: 0,
            flag: 0,
            queue_offset: 0,
            physical_offset: 0,
            sys_flag: 0,
            born_timestamp: 0,
            born_host,
            store_timestamp: 0,
            store_host,
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            body,
            body_crc: None,
            topic,
            properties,
            version: None,
        }
    }

    /// Parts for writing a stored message again as a new record (a delay re-put, a
    /// committed transaction, a retry, a check copy): its topic, queue, body, flag,
    /// sysFlag, born time and host, reconsume times and prepared-transaction offset, with
    /// `properties` (usually its properties, rewritten) and `store_host`. What the store
    /// assigns (offsets, store time), the BODYCRC and the version are left to the append.
    /// Callers change what their path changes (topic, queue, sysFlag, …) afterwards.
    pub fn from_stored(
        msg: &'a StoredRecord,
        properties: &'a [u8],
        store_host: SocketAddr,
    ) -> Self {
        RecordParts {
            queue_id: msg.queue_id,
            flag: msg.flag,
            sys_flag: msg.sys_flag,
            born_timestamp: msg.born_timestamp,
            reconsume_times: msg.reconsume_times,
            prepared_transaction_offset: msg.prepared_transaction_offset,
            ..RecordParts::new(&msg.topic, &msg.body, properties, msg.born_host, store_host)
        }
    }

    /// The version that will be written.
    pub fn version(&self) -> MessageVersion {
        self.version
            .unwrap_or(MessageVersion::for_topic_len(self.topic.len()))
    }

    /// The SYSFLAG that will be written: `sys_flag` with the IPv6 bits set from the hosts.
    pub fn effective_sys_flag(&self) -> i32 {
        let mut flag = sysflag::clear(self.sys_flag, BORNHOST_V6 | STOREHOST_V6);
        if self.born_host.is_ipv6() {
            flag |= BORNHOST_V6;
        }
        if self.store_host.is_ipv6() {
            flag |= STOREHOST_V6;
        }
        flag
    }

    /// The encoded size (TOTALSIZE).
    pub fn encoded_len(&self) -> usize {
        record_len(
            self.version(),
            self.born_host.is_ipv6(),
            self.store_host.is_ipv6(),
            self.body.len(),
            self.topic.len(),
            self.properties.len(),
        )
    }
}

/// Fails if `len` is over `max`.
fn check_len(field: &'static str, len: usize, max: usize) -> Result<(), MessageError> {
    if len > max {
        Err(MessageError::TooLarge { field, len, max })
    } else {
        Ok(())
    }
}

/// Writes a host as Java does: address bytes, then the port as an `i32`.
fn put_host(dst: &mut BytesMut, host: SocketAddr) {
    match host.ip() {
        IpAddr::V4(ip) => dst.put_slice(&ip.octets()),
        IpAddr::V6(ip) => dst.put_slice(&ip.octets()),
    }
    dst.put_i32(i32::from(host.port()));
}

/// Appends the record to `dst`, computing TOTALSIZE (and BODYCRC unless given);
/// returns the number of bytes written.
///
/// Fails with [`MessageError::TooLarge`] when a field does not fit its length prefix:
/// topic over 127 bytes in v1 or 32767 in v2, properties over 32767 bytes (Java reads
/// both as signed), or a record over `i32::MAX`.
pub fn encode_record(parts: &RecordParts<'_>, dst: &mut BytesMut) -> Result<usize, MessageError> {
    let version = parts.version();
    let max_topic = match version {
        MessageVersion::V1 => MessageVersion::V1_MAX_TOPIC_LEN,
        MessageVersion::V2 => i16::MAX as usize,
    };
    check_len("topic", parts.topic.len(), max_topic)?;
    check_len("properties", parts.properties.len(), i16::MAX as usize)?;
    let len = parts.encoded_len();
    check_len("record", len, i32::MAX as usize)?;

    dst.reserve(len);
    dst.put_i32(len as i32);
    dst.put_i32(version.magic());
    dst.put_i32(parts.body_crc.unwrap_or_else(|| body_crc(parts.body)));
    dst.put_i32(parts.queue_id);
    dst.put_i32(parts.flag);
    dst.put_i64(parts.queue_offset);
    dst.put_i64(parts.physical_offset);
    dst.put_i32(parts.effective_sys_flag());
    dst.put_i64(parts.born_timestamp);
    put_host(dst, parts.born_host);
    dst.put_i64(parts.store_timestamp);
    put_host(dst, parts.store_host);
    dst.put_i32(parts.reconsume_times);
    dst.put_i64(parts.prepared_transaction_offset);
    dst.put_i32(parts.body.len() as i32);
    dst.put_slice(parts.body);
    match version {
        MessageVersion::V1 => dst.put_u8(parts.topic.len() as u8),
        MessageVersion::V2 => dst.put_i16(parts.topic.len() as i16),
    }
    dst.put_slice(parts.topic.as_bytes());
    dst.put_i16(parts.properties.len() as i16);
    dst.put_slice(parts.properties);
    Ok(len)
}

impl StoredRecord {
    /// Re-encodes this message as a stored record with its own version, offsets and
    /// stored BODYCRC (the IPv6 sysFlag bits follow the hosts); returns the bytes written.
    pub fn encode(&self, dst: &mut BytesMut) -> Result<usize, MessageError> {
        let properties = self.properties.encode();
        let parts = RecordParts {
            queue_offset: self.queue_offset,
            physical_offset: self.commit_log_offset,
            store_timestamp: self.store_timestamp,
            body_crc: Some(self.body_crc),
            version: Some(self.version),
            ..RecordParts::from_stored(self, properties.as_bytes(), self.store_host)
        };
        encode_record(&parts, dst)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::message::{decode_record, DecodeOptions};

    #[test]
    fn from_stored_keeps_the_message_and_leaves_the_store_fields() {
        let born: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        let host: SocketAddr = "10.0.0.2:10911".parse().unwrap();
        let mut parts = RecordParts::new("T", b"body", b"A\x01b\x02", born, host);
        parts.queue_id = 3;
        parts.flag = 7;
        parts.sys_flag = sysflag::COMPRESSED;
        parts.born_timestamp = 42;
        parts.reconsume_times = 2;
        parts.prepared_transaction_offset = 99;
        parts.queue_offset = 5;
        parts.physical_offset = 1234;
        parts.store_timestamp = 77;
        let mut buf = BytesMut::new();
        encode_record(&parts, &mut buf).unwrap();
        let msg = decode_record(&buf.freeze(), DecodeOptions::DEFAULT).unwrap();

        let other: SocketAddr = "10.0.0.3:10911".parse().unwrap();
        let copy = RecordParts::from_stored(&msg, b"C\x01d\x02", other);
        assert_eq!(
            (copy.topic, copy.queue_id, copy.body),
            ("T", 3, &b"body"[..])
        );
        assert_eq!((copy.flag, copy.sys_flag), (7, sysflag::COMPRESSED));
        assert_eq!((copy.born_timestamp, copy.born_host), (42, born));
        assert_eq!(
            (copy.reconsume_times, copy.prepared_transaction_offset),
            (2, 99)
        );
        assert_eq!(
            (copy.properties, copy.store_host),
            (&b"C\x01d\x02"[..], other)
        );
        assert_eq!((copy.queue_offset, copy.physical_offset), (0, 0));
        assert_eq!((copy.store_timestamp, copy.body_crc), (0, None));

        // `StoredRecord::encode` writes the stored record back byte for byte.
        let mut again = BytesMut::new();
        msg.encode(&mut again).unwrap();
        let mut original = BytesMut::new();
        encode_record(&parts, &mut original).unwrap();
        assert_eq!(again, original);
    }
}
