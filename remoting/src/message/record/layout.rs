//! Field positions, sizes and magic codes of the stored record (reference §5.1, §5.2),
//! and in-place stamping of the fields the store fills in after encoding.
//!
//! The store encodes a record once and then writes QUEUEOFFSET, PHYSICALOFFSET and
//! STORETIMESTAMP into the encoded bytes when it knows them (under the CommitLog lock);
//! the positions after BORNHOST shift by 12 bytes when the born host is IPv6, so they
//! are functions of the sysFlag.

use std::net::{IpAddr, SocketAddr};

use bytes::{BufMut, BytesMut};

use super::MessageVersion;
use crate::message::cursor::Cursor;
use crate::message::sysflag::{self, BORNHOST_V6, STOREHOST_V6};
use crate::message::MessageError;

/// MAGICCODE of a v1 record (1-byte topic length): `0xDAA320A7`.
pub const MAGIC_V1: i32 = 0xDAA3_20A7_u32 as i32;
/// MAGICCODE of a v2 record (2-byte topic length, 5.x, topics over 127 bytes): `0xDAA320AB`.
pub const MAGIC_V2: i32 = 0xDAA3_20AB_u32 as i32;
/// MAGICCODE of the end-of-file filler (§5.2): `0xCBD43194`.
pub const BLANK_MAGIC: i32 = 0xCBD4_3194_u32 as i32;
/// Length of the end-of-file filler that is actually written (TOTALSIZE + MAGICCODE).
pub const BLANK_LEN: usize = 8;

/// Position of TOTALSIZE.
pub const TOTAL_SIZE_POS: usize = 0;
/// Position of MAGICCODE.
pub const MAGIC_POS: usize = 4;
/// Position of BODYCRC.
pub const BODY_CRC_POS: usize = 8;
/// Position of QUEUEID.
pub const QUEUE_ID_POS: usize = 12;
/// Position of FLAG.
pub const FLAG_POS: usize = 16;
/// Position of QUEUEOFFSET (stamped by the store).
pub const QUEUE_OFFSET_POS: usize = 20;
/// Position of PHYSICALOFFSET (stamped by the store).
pub const PHYSICAL_OFFSET_POS: usize = 28;
/// Position of SYSFLAG.
pub const SYSFLAG_POS: usize = 36;
/// Position of BORNTIMESTAMP.
pub const BORN_TIMESTAMP_POS: usize = 40;
/// Position of BORNHOST.
pub const BORN_HOST_POS: usize = 48;
/// Smallest possible record: v1, IPv4 hosts, empty body, topic and properties.
pub const MIN_RECORD_LEN: usize = 91;

/// Bytes a host takes in a record: 4-byte address + 4-byte port, or 16 + 4 for IPv6.
pub const fn host_len(v6: bool) -> usize {
    if v6 {
        20
    } else {
        8
    }
}

/// Position of STORETIMESTAMP for a record with this sysFlag (56 with an IPv4 born host).
pub const fn store_timestamp_pos(sys_flag: i32) -> usize {
    BORN_HOST_POS + host_len(sys_flag & BORNHOST_V6 != 0)
}

/// Position of STOREHOSTADDRESS for a record with this sysFlag (64 with an IPv4 born host).
pub const fn store_host_pos(sys_flag: i32) -> usize {
    store_timestamp_pos(sys_flag) + 8
}

/// Position of RECONSUMETIMES for a record with this sysFlag (72 with IPv4 hosts).
pub const fn reconsume_times_pos(sys_flag: i32) -> usize {
    store_host_pos(sys_flag) + host_len(sys_flag & STOREHOST_V6 != 0)
}

/// Position of PREPARED TRANSACTION OFFSET for a record with this sysFlag (76 with IPv4).
pub const fn prepared_transaction_offset_pos(sys_flag: i32) -> usize {
    reconsume_times_pos(sys_flag) + 4
}

/// Position of BODYLENGTH for a record with this sysFlag (84 with IPv4 hosts).
pub const fn body_len_pos(sys_flag: i32) -> usize {
    prepared_transaction_offset_pos(sys_flag) + 8
}

/// Size of a record with these parts, before encoding it (Java `calMsgLength`).
///
/// Saturates instead of overflowing; the encoder rejects anything over `i32::MAX`.
pub const fn record_len(
    version: MessageVersion,
    born_v6: bool,
    store_v6: bool,
    body_len: usize,
    topic_len: usize,
    properties_len: usize,
) -> usize {
    let fixed = BORN_HOST_POS + host_len(born_v6) + 8 + host_len(store_v6) + 4 + 8;
    (fixed + 4 + version.topic_len_size() + 2)
        .saturating_add(body_len)
        .saturating_add(topic_len)
        .saturating_add(properties_len)
}

/// CRC stored in BODYCRC: CRC32 of the stored (possibly compressed) body `& 0x7FFFFFFF`.
pub fn body_crc(body: &[u8]) -> i32 {
    (crc32fast::hash(body) & 0x7FFF_FFFF) as i32
}

/// What the first 8 bytes of a CommitLog position hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// A message record of this version.
    Message(MessageVersion),
    /// The end-of-file filler: the rest of the file is unused.
    Blank,
}

/// TOTALSIZE and the kind of record, read without decoding the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// TOTALSIZE: record length, or for BLANK the bytes left in the file.
    pub total_size: i32,
    /// Message or filler.
    pub kind: RecordKind,
}

/// Reads TOTALSIZE and MAGICCODE at the start of `buf`; lets the store walk a CommitLog
/// file and stop at the filler.
pub fn peek_header(buf: &[u8]) -> Result<RecordHeader, MessageError> {
    let mut c = Cursor::new(buf);
    let total_size = c.i32("TOTALSIZE")?;
    let magic = c.i32("MAGICCODE")?;
    let kind = if magic == BLANK_MAGIC {
        RecordKind::Blank
    } else {
        RecordKind::Message(MessageVersion::from_magic(magic).ok_or(MessageError::BadMagic(magic))?)
    };
    Ok(RecordHeader { total_size, kind })
}

/// Whether `buf` starts with the end-of-file filler.
pub fn is_blank(buf: &[u8]) -> bool {
    matches!(
        peek_header(buf),
        Ok(RecordHeader {
            kind: RecordKind::Blank,
            ..
        })
    )
}

/// Writes the end-of-file filler: TOTALSIZE = `remaining` (bytes left in the file,
/// including these 8) and the BLANK magic. Only these 8 bytes are written.
pub fn encode_blank(dst: &mut BytesMut, remaining: i32) {
    dst.reserve(BLANK_LEN);
    dst.put_i32(remaining);
    dst.put_i32(BLANK_MAGIC);
}

/// Overwrites `N` bytes at `pos` of an encoded record.
fn stamp<const N: usize>(
    record: &mut [u8],
    pos: usize,
    value: [u8; N],
    field: &'static str,
) -> Result<(), MessageError> {
    let have = record.len().saturating_sub(pos);
    match record.get_mut(pos..pos.saturating_add(N)) {
        Some(dst) => {
            dst.copy_from_slice(&value);
            Ok(())
        }
        None => Err(MessageError::Truncated {
            field,
            need: N,
            have,
        }),
    }
}

/// The big-endian `i32` at `pos` of `buf`, if `buf` holds it. With [`be_i64`], how the
/// store reads fixed-position fields: of records, ConsumeQueue entries, the IndexFile and
/// the checkpoint.
pub fn be_i32(buf: &[u8], pos: usize) -> Option<i32> {
    let b = buf.get(pos..pos.checked_add(4)?)?;
    Some(i32::from_be_bytes(b.try_into().ok()?))
}

/// The big-endian `i64` at `pos` of `buf`, if `buf` holds it.
pub fn be_i64(buf: &[u8], pos: usize) -> Option<i64> {
    let b = buf.get(pos..pos.checked_add(8)?)?;
    Some(i64::from_be_bytes(b.try_into().ok()?))
}

/// Reads SYSFLAG from an encoded record.
pub fn read_sys_flag(record: &[u8]) -> Result<i32, MessageError> {
    let mut c = Cursor::new(record.get(SYSFLAG_POS..).unwrap_or_default());
    c.i32("SYSFLAG")
}

/// Writes QUEUEOFFSET into an encoded record.
pub fn stamp_queue_offset(record: &mut [u8], queue_offset: i64) -> Result<(), MessageError> {
    stamp(
        record,
        QUEUE_OFFSET_POS,
        queue_offset.to_be_bytes(),
        "QUEUEOFFSET",
    )
}

/// Writes PHYSICALOFFSET into an encoded record.
pub fn stamp_physical_offset(record: &mut [u8], offset: i64) -> Result<(), MessageError> {
    stamp(
        record,
        PHYSICAL_OFFSET_POS,
        offset.to_be_bytes(),
        "PHYSICALOFFSET",
    )
}

/// Writes BODYCRC into an encoded record.
pub fn stamp_body_crc(record: &mut [u8], crc: i32) -> Result<(), MessageError> {
    stamp(record, BODY_CRC_POS, crc.to_be_bytes(), "BODYCRC")
}

/// Writes STORETIMESTAMP into an encoded record (its position depends on the sysFlag
/// stored in the record).
pub fn stamp_store_timestamp(record: &mut [u8], timestamp: i64) -> Result<(), MessageError> {
    let pos = store_timestamp_pos(read_sys_flag(record)?);
    stamp(record, pos, timestamp.to_be_bytes(), "STORETIMESTAMP")
}

/// Writes STOREHOSTADDRESS into an encoded record; its family must match the record's
/// STOREHOST_V6 bit, since the record's layout is already fixed.
pub fn stamp_store_host(record: &mut [u8], host: SocketAddr) -> Result<(), MessageError> {
    let sys_flag = read_sys_flag(record)?;
    let pos = store_host_pos(sys_flag);
    let port = i32::from(host.port()).to_be_bytes();
    match (host.ip(), sysflag::check(sys_flag, STOREHOST_V6)) {
        (IpAddr::V4(ip), false) => {
            stamp(record, pos, ip.octets(), "STOREHOSTADDRESS")?;
            stamp(record, pos + 4, port, "STOREHOSTADDRESS")
        }
        (IpAddr::V6(ip), true) => {
            stamp(record, pos, ip.octets(), "STOREHOSTADDRESS")?;
            stamp(record, pos + 16, port, "STOREHOSTADDRESS")
        }
        _ => Err(MessageError::HostFamily {
            field: "store_host",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_match_reference() {
        assert_eq!(store_timestamp_pos(0), 56);
        assert_eq!(store_host_pos(0), 64);
        assert_eq!(reconsume_times_pos(0), 72);
        assert_eq!(prepared_transaction_offset_pos(0), 76);
        assert_eq!(body_len_pos(0), 84);
        assert_eq!(store_timestamp_pos(BORNHOST_V6), 68);
        assert_eq!(body_len_pos(BORNHOST_V6 | STOREHOST_V6), 108);
        assert_eq!(
            record_len(MessageVersion::V1, false, false, 0, 0, 0),
            MIN_RECORD_LEN
        );
        assert_eq!(
            record_len(MessageVersion::V2, true, true, 1, 2, 3),
            91 + 24 + 1 + 6
        );
        assert_eq!(MAGIC_V1, -626843481);
        assert_eq!(MAGIC_V2, -626843477);
        assert_eq!(BLANK_MAGIC, -875286124);
    }

    #[test]
    fn stamping_short_buffer_errors() {
        let mut short = [0u8; 30];
        assert!(stamp_queue_offset(&mut short, 1).is_ok());
        assert!(stamp_physical_offset(&mut short, 1).is_err());
        assert!(stamp_store_timestamp(&mut short, 1).is_err());
    }
}
