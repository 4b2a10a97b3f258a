//! Encoding stored records (Java `CommitLog.MessageExtEncoder`, `MessageDecoder.encode`).

use std::net::{IpAddr, SocketAddr};

use bytes::{BufMut, BytesMut};

use super::layout::{body_crc, record_len};
use super::{MessageExt, MessageVersion};
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

impl MessageExt {
    /// Re-encodes this message as a stored record with its own version, offsets and
    /// stored BODYCRC (the IPv6 sysFlag bits follow the hosts); returns the bytes written.
    pub fn encode(&self, dst: &mut BytesMut) -> Result<usize, MessageError> {
        let properties = self.properties.encode();
        let parts = RecordParts {
            queue_id: self.queue_id,
            flag: self.flag,
            queue_offset: self.queue_offset,
            physical_offset: self.commit_log_offset,
            sys_flag: self.sys_flag,
            born_timestamp: self.born_timestamp,
            born_host: self.born_host,
            store_timestamp: self.store_timestamp,
            store_host: self.store_host,
            reconsume_times: self.reconsume_times,
            prepared_transaction_offset: self.prepared_transaction_offset,
            body: &self.body,
            body_crc: Some(self.body_crc),
            topic: &self.topic,
            properties: properties.as_bytes(),
            version: Some(self.version),
        };
        encode_record(&parts, dst)
    }
}
