//! The stored message record (reference §5.1): the CommitLog format, which is also what
//! PULL, QUERY_MESSAGE and VIEW_MESSAGE_BY_ID responses carry back-to-back (§5.8).
//!
//! - [`RecordParts::parse`] reads every field of a record, borrowed (what the store
//!   reads); [`decode_record`] / [`decode_records`] build [`StoredRecord`]s from it, with
//!   the body as a zero-copy slice of the input.
//! - [`encode_record`] writes one from [`RecordParts`]; [`layout`] has the field positions
//!   the store uses to stamp offsets and timestamps in place, and the BLANK filler.

mod decode;
mod encode;
pub mod layout;
mod parse;

use std::net::SocketAddr;

use bytes::Bytes;

pub use decode::{decode_record, decode_records, DecodeOptions, RecordIter};
pub use encode::{encode_record, RecordParts};
pub use layout::{
    body_crc, encode_blank, is_blank, peek_header, record_len, RecordHeader, RecordKind,
    BLANK_MAGIC, MAGIC_V1, MAGIC_V2,
};

use super::compression::CompressionType;
use super::properties::Properties;
use super::{msg_id, property, sysflag, MessageError};

/// Record format version, chosen by MAGICCODE. It only changes the TOPICLENGTH width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MessageVersion {
    /// `0xDAA320A7`, 1-byte topic length; the only version 4.x knows.
    #[default]
    V1,
    /// `0xDAA320AB`, 2-byte topic length; 5.x writes it only for topics over 127 bytes.
    V2,
}

impl MessageVersion {
    /// Longest topic a v1 record can carry: Java reads the length as a signed byte.
    pub const V1_MAX_TOPIC_LEN: usize = 127;

    /// The MAGICCODE.
    pub const fn magic(self) -> i32 {
        match self {
            MessageVersion::V1 => MAGIC_V1,
            MessageVersion::V2 => MAGIC_V2,
        }
    }

    /// The version with this MAGICCODE, if any (BLANK is not a version).
    pub const fn from_magic(magic: i32) -> Option<Self> {
        match magic {
            MAGIC_V1 => Some(MessageVersion::V1),
            MAGIC_V2 => Some(MessageVersion::V2),
            _ => None,
        }
    }

    /// Width of TOPICLENGTH: 1 or 2 bytes.
    pub const fn topic_len_size(self) -> usize {
        match self {
            MessageVersion::V1 => 1,
            MessageVersion::V2 => 2,
        }
    }

    /// What 5.x writes (`autoMessageVersionOnTopicLen`): v1 unless the topic is over
    /// 127 bytes, so 4.x readers keep working for ordinary topics.
    pub const fn for_topic_len(topic_len: usize) -> Self {
        if topic_len <= Self::V1_MAX_TOPIC_LEN {
            MessageVersion::V1
        } else {
            MessageVersion::V2
        }
    }
}

/// A decoded stored record (Java `MessageExt`; the client's `MessageExt` wraps it with the
/// broker it came from): every field of §5.1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// TOTALSIZE as decoded (recomputed when encoding).
    pub store_size: i32,
    /// Format version (from MAGICCODE).
    pub version: MessageVersion,
    /// BODYCRC as stored: CRC32 of the stored body & 0x7FFFFFFF.
    pub body_crc: i32,
    /// Queue id within the topic.
    pub queue_id: i32,
    /// User flag.
    pub flag: i32,
    /// ConsumeQueue logical offset.
    pub queue_offset: i64,
    /// CommitLog offset of this record (PHYSICALOFFSET).
    pub commit_log_offset: i64,
    /// Message sysFlag ([`sysflag`]).
    pub sys_flag: i32,
    /// Producer timestamp, ms.
    pub born_timestamp: i64,
    /// Producer address.
    pub born_host: SocketAddr,
    /// Broker store timestamp, ms.
    pub store_timestamp: i64,
    /// Broker address; with `commit_log_offset` it makes the offset msgId.
    pub store_host: SocketAddr,
    /// Times this message was redelivered.
    pub reconsume_times: i32,
    /// For committed transactional messages: CommitLog offset of the half message.
    pub prepared_transaction_offset: i64,
    /// Stored body (compressed if [`sysflag::COMPRESSED`]); shares the decoded buffer.
    pub body: Bytes,
    /// Topic.
    pub topic: String,
    /// Properties.
    pub properties: Properties,
}

impl StoredRecord {
    /// The offset message id (§5.7): store host + CommitLog offset, uppercase hex.
    pub fn msg_id(&self) -> String {
        msg_id::create_offset_msg_id(self.store_host, self.commit_log_offset)
    }

    /// The value of property `name`.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties.get(name)
    }

    /// The `TAGS` property.
    pub fn tags(&self) -> Option<&str> {
        self.property(property::TAGS)
    }

    /// The `KEYS` property (space-separated keys).
    pub fn keys(&self) -> Option<&str> {
        self.property(property::KEYS)
    }

    /// The client-assigned `UNIQ_KEY` (`SendResult.msgId`).
    pub fn uniq_key(&self) -> Option<&str> {
        self.property(property::UNIQ_KEY)
    }

    /// The transaction id clients expose: `UNIQ_KEY` when `TRAN_MSG=true` (§5.8).
    pub fn transaction_id(&self) -> Option<&str> {
        if self.property(property::TRAN_MSG) == Some("true") {
            self.uniq_key()
        } else {
            None
        }
    }

    /// Whether the stored body is compressed.
    pub fn is_compressed(&self) -> bool {
        sysflag::check(self.sys_flag, sysflag::COMPRESSED)
    }

    /// Decompresses the body in place if it is compressed, and clears
    /// [`sysflag::COMPRESSED`] as clients do; returns whether it did anything.
    ///
    /// `max_len` bounds the decompressed size (decompression bombs).
    pub fn decompress_body(&mut self, max_len: usize) -> Result<bool, MessageError> {
        if !self.is_compressed() {
            return Ok(false);
        }
        let body =
            CompressionType::from_sys_flag(self.sys_flag)?.decompress(&self.body, max_len)?;
        self.body = Bytes::from(body);
        self.sys_flag = sysflag::clear_compressed(self.sys_flag);
        Ok(true)
    }

    /// Size of this message once encoded.
    pub fn encoded_len(&self) -> usize {
        record_len(
            self.version,
            self.born_host.is_ipv6(),
            self.store_host.is_ipv6(),
            self.body.len(),
            self.topic.len(),
            self.properties.encoded_len(),
        )
    }
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;
    use crate::message::compression;

    fn compressed_record(sys_flag: i32, body: &[u8], props: &[u8]) -> StoredRecord {
        let host: SocketAddr = "10.0.0.1:10911".parse().unwrap();
        let mut parts = RecordParts::new("T", body, props, host, host);
        parts.sys_flag = sys_flag;
        let mut buf = BytesMut::new();
        encode_record(&parts, &mut buf).unwrap();
        decode_record(&buf.freeze(), DecodeOptions::VERIFY).unwrap()
    }

    #[test]
    fn decompress_body_clears_flag() {
        let plain = vec![b'x'; 5000];
        let z = compression::zlib_compress(&plain, compression::DEFAULT_LEVEL).unwrap();
        let mut m = compressed_record(sysflag::COMPRESSED, &z, b"");
        assert!(m.is_compressed());
        assert!(matches!(
            m.clone().decompress_body(100),
            Err(MessageError::TooLarge { .. })
        ));
        assert!(m.decompress_body(1 << 20).unwrap());
        assert_eq!(&m.body[..], &plain[..]);
        assert!(!m.is_compressed());
        assert!(!m.decompress_body(1 << 20).unwrap());

        for (ty, bits) in [
            (CompressionType::Lz4, sysflag::COMPRESSION_LZ4_TYPE),
            (CompressionType::Zstd, sysflag::COMPRESSION_ZSTD_TYPE),
            (CompressionType::Zlib, sysflag::COMPRESSION_ZLIB_TYPE),
        ] {
            let c = ty.compress(&plain, compression::DEFAULT_LEVEL).unwrap();
            let mut m = compressed_record(sysflag::COMPRESSED | bits, &c, b"");
            assert!(m.decompress_body(1 << 20).unwrap(), "{ty:?}");
            assert_eq!(&m.body[..], &plain[..], "{ty:?}");
            assert_eq!(m.sys_flag, bits, "{ty:?}: the type bits stay, as in Java");
        }
        // zlib bytes marked LZ4: a clear error, not garbage.
        let lz4 = sysflag::COMPRESSED | sysflag::COMPRESSION_LZ4_TYPE;
        let mut m = compressed_record(lz4, &z, b"");
        assert!(matches!(
            m.decompress_body(1 << 20),
            Err(MessageError::Decompress(_))
        ));
        let mut m = compressed_record(sysflag::COMPRESSED | 0x500, &z, b"");
        assert!(matches!(
            m.decompress_body(1 << 20),
            Err(MessageError::UnsupportedCompression(5))
        ));
    }

    #[test]
    fn transaction_id_needs_tran_msg() {
        let m = compressed_record(0, b"", b"UNIQ_KEY\x01AB\x02TRAN_MSG\x01true\x02");
        assert_eq!(m.transaction_id(), Some("AB"));
        let m = compressed_record(0, b"", b"UNIQ_KEY\x01AB\x02");
        assert_eq!(m.transaction_id(), None);
    }
}
