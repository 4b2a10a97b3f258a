//! Byte-exact test vectors for the message codec, written out by hand from the stored
//! record layout (reference §5.1–§5.7), independently of CometMQ's encoder: each vector
//! is decoded and compared field by field, and re-encoded and compared byte for byte.

// Test helpers outside #[test] functions unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;

use bytes::{Bytes, BytesMut};
use cometmq_remoting::message::record::layout;
use cometmq_remoting::message::{
    create_offset_msg_id, decode_batch, decode_record, decode_records, encode_batch,
    java_string_hash, parse_offset_msg_id, record::RecordKind, BatchEntry, DecodeOptions,
    MessageError, MessageVersion, Properties, RecordParts,
};

const UNIQ: &str = "0A0000010F9A6D3A1C2B0001E240002A";
const PROPS_1: &[u8] = b"TAGS\x01TagA\x02UNIQ_KEY\x010A0000010F9A6D3A1C2B0001E240002A\x02";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// v1, IPv4 born and store hosts, body "hello", topic "TopicTest".
fn vector_v1_ipv4() -> Vec<u8> {
    let mut v: Vec<u8> = vec![
        0x00, 0x00, 0x00, 0x9D, // TOTALSIZE 157 = 91 + 5 + 9 + 52
        0xDA, 0xA3, 0x20, 0xA7, // MAGICCODE v1
        0x36, 0x10, 0xA6, 0x86, // BODYCRC crc32("hello") = 0x3610A686 (& 0x7FFFFFFF)
        0x00, 0x00, 0x00, 0x03, // QUEUEID 3
        0x00, 0x00, 0x00, 0x00, // FLAG 0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A, // QUEUEOFFSET 42 (at 20)
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xD2, // PHYSICALOFFSET 1234 (at 28)
        0x00, 0x00, 0x00, 0x00, // SYSFLAG 0 (at 36)
        0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x00, // BORNTIMESTAMP 1700000000000
        0xC0, 0xA8, 0x00, 0x0A, // BORNHOST 192.168.0.10
        0x00, 0x00, 0xD4, 0x31, //   port 54321
        0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x7B, // STORETIMESTAMP 1700000000123 @56
        0x0A, 0x00, 0x00, 0x01, // STOREHOST 10.0.0.1 (at 64)
        0x00, 0x00, 0x2A, 0x9F, //   port 10911
        0x00, 0x00, 0x00, 0x00, // RECONSUMETIMES 0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // PREPARED TX OFFSET 0
        0x00, 0x00, 0x00, 0x05, // BODYLENGTH 5 (at 84)
        b'h', b'e', b'l', b'l', b'o', // BODY
        0x09, // TOPICLENGTH 9 (1 byte in v1)
    ];
    v.extend_from_slice(b"TopicTest");
    v.extend_from_slice(&[0x00, 0x34]); // PROPERTIESLENGTH 52 = (4+1+4+1) + (8+1+32+1)
    v.extend_from_slice(PROPS_1);
    assert_eq!(v.len(), 157);
    v
}

/// v1, IPv6 born host (sysFlag 0x10), IPv4 store host, body "hi", topic "T6".
fn vector_born_ipv6() -> Vec<u8> {
    let mut v: Vec<u8> = vec![
        0x00, 0x00, 0x00, 0x76, // TOTALSIZE 118 = 91 + 12 + 2 + 2 + 11
        0xDA, 0xA3, 0x20, 0xA7, // MAGICCODE v1
        0x58, 0x93, 0x2A, 0xAC, // BODYCRC crc32("hi") = 0xD8932AAC & 0x7FFFFFFF
        0x00, 0x00, 0x00, 0x00, // QUEUEID 0
        0x00, 0x00, 0x00, 0x01, // FLAG 1
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, // QUEUEOFFSET 7
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // PHYSICALOFFSET 2^32
        0x00, 0x00, 0x00, 0x10, // SYSFLAG BORNHOST_V6
        0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x7B, 0x88, // BORNTIMESTAMP 1700000005000
        0x20, 0x01, 0x0D, 0xB8, 0x00, 0x00, 0x00, 0x00, // BORNHOST 2001:db8::1
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, //
        0x00, 0x00, 0x9C, 0x40, //   port 40000
        0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x7F, 0x6F, // STORETIMESTAMP 1700000005999 @68
        0x0A, 0x00, 0x00, 0x01, // STOREHOST 10.0.0.1 (at 76)
        0x00, 0x00, 0x2A, 0x9F, //   port 10911
        0x00, 0x00, 0x00, 0x02, // RECONSUMETIMES 2
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // PREPARED TX OFFSET -1
        0x00, 0x00, 0x00, 0x02, // BODYLENGTH 2 (at 96)
        b'h', b'i', // BODY
        0x02, b'T', b'6', // TOPICLENGTH 2, TOPIC
        0x00, 0x0B, // PROPERTIESLENGTH 11
    ];
    v.extend_from_slice(b"KEYS\x01k1 k2\x02");
    assert_eq!(v.len(), 118);
    v
}

/// v2 (2-byte topic length) with a 130-byte topic, IPv6 store host (sysFlag 0x20),
/// empty body and properties.
fn vector_v2() -> Vec<u8> {
    let mut v: Vec<u8> = vec![
        0x00, 0x00, 0x00, 0xEA, // TOTALSIZE 234 = 91 + 1 + 12 + 130
        0xDA, 0xA3, 0x20, 0xAB, // MAGICCODE v2
        0x00, 0x00, 0x00, 0x00, // BODYCRC crc32("") = 0
        0x00, 0x00, 0x00, 0x01, // QUEUEID 1
        0x00, 0x00, 0x00, 0x00, // FLAG 0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // QUEUEOFFSET 0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, // PHYSICALOFFSET 100
        0x00, 0x00, 0x00, 0x28, // SYSFLAG STOREHOST_V6 | TRANSACTION_COMMIT_TYPE
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, // BORNTIMESTAMP 1
        0x7F, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x50, // BORNHOST 127.0.0.1:80
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, // STORETIMESTAMP 2 (at 56)
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // STOREHOST ::1 (at 64)
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, //
        0x00, 0x00, 0x2A, 0x9F, //   port 10911
        0x00, 0x00, 0x00, 0x00, // RECONSUMETIMES 0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, // PREPARED TX OFFSET 9
        0x00, 0x00, 0x00, 0x00, // BODYLENGTH 0 (at 96)
        0x00, 0x82, // TOPICLENGTH 130 (2 bytes in v2)
    ];
    v.extend_from_slice(&[b'T'; 130]);
    v.extend_from_slice(&[0x00, 0x00]); // PROPERTIESLENGTH 0
    assert_eq!(v.len(), 234);
    v
}

#[test]
fn v1_ipv4_record_decodes_and_encodes() {
    let bytes = Bytes::from(vector_v1_ipv4());
    let m = decode_record(&bytes, DecodeOptions::VERIFY).unwrap();
    assert_eq!(m.store_size, 157);
    assert_eq!(m.version, MessageVersion::V1);
    assert_eq!(m.body_crc, 0x3610_A686);
    assert_eq!(m.body_crc, (crc32fast::hash(b"hello") & 0x7FFF_FFFF) as i32);
    assert_eq!((m.queue_id, m.flag, m.queue_offset), (3, 0, 42));
    assert_eq!((m.commit_log_offset, m.sys_flag), (1234, 0));
    assert_eq!(m.born_timestamp, 1_700_000_000_000);
    assert_eq!(m.born_host, addr("192.168.0.10:54321"));
    assert_eq!(m.store_timestamp, 1_700_000_000_123);
    assert_eq!(m.store_host, addr("10.0.0.1:10911"));
    assert_eq!((m.reconsume_times, m.prepared_transaction_offset), (0, 0));
    assert_eq!(&m.body[..], b"hello");
    assert_eq!(m.topic, "TopicTest");
    assert_eq!(m.tags(), Some("TagA"));
    assert_eq!(m.uniq_key(), Some(UNIQ));
    assert_eq!(m.msg_id(), "0A00000100002A9F00000000000004D2");
    // Zero copy: the body points into the input buffer.
    assert_eq!(m.body.as_ptr(), bytes[84 + 4..].as_ptr());

    // Re-encoding the decoded message and encoding from parts both give the vector.
    let mut out = BytesMut::new();
    assert_eq!(m.encode(&mut out).unwrap(), 157);
    assert_eq!(&out[..], &bytes[..]);
    let mut parts = RecordParts::new(
        "TopicTest",
        b"hello",
        PROPS_1,
        addr("192.168.0.10:54321"),
        addr("10.0.0.1:10911"),
    );
    parts.queue_id = 3;
    parts.born_timestamp = 1_700_000_000_000;
    assert_eq!(parts.encoded_len(), 157);
    let mut out = BytesMut::new();
    assert_eq!(
        cometmq_remoting::message::encode_record(&parts, &mut out).unwrap(),
        157
    );
    // The store stamps the offsets and store timestamp in place afterwards.
    layout::stamp_queue_offset(&mut out, 42).unwrap();
    layout::stamp_physical_offset(&mut out, 1234).unwrap();
    layout::stamp_store_timestamp(&mut out, 1_700_000_000_123).unwrap();
    assert_eq!(&out[..], &bytes[..]);
}

#[test]
fn ipv6_born_host_record() {
    let bytes = Bytes::from(vector_born_ipv6());
    let m = decode_record(&bytes, DecodeOptions::VERIFY).unwrap();
    assert_eq!(m.sys_flag, 0x10);
    assert_eq!(
        (m.flag, m.queue_offset, m.commit_log_offset),
        (1, 7, 1 << 32)
    );
    assert_eq!(m.born_host, addr("[2001:db8::1]:40000"));
    assert_eq!(m.store_timestamp, 1_700_000_005_999);
    assert_eq!(m.store_host, addr("10.0.0.1:10911"));
    assert_eq!((m.reconsume_times, m.prepared_transaction_offset), (2, -1));
    assert_eq!((&m.body[..], m.topic.as_str()), (&b"hi"[..], "T6"));
    assert_eq!(m.keys(), Some("k1 k2"));
    assert_eq!(layout::store_timestamp_pos(m.sys_flag), 68);
    assert_eq!(layout::body_len_pos(m.sys_flag), 96);

    let mut parts = RecordParts::new("T6", b"hi", b"KEYS\x01k1 k2\x02", m.born_host, m.store_host);
    parts.flag = 1;
    parts.queue_offset = 7;
    parts.physical_offset = 1 << 32;
    parts.born_timestamp = 1_700_000_005_000;
    parts.reconsume_times = 2;
    parts.prepared_transaction_offset = -1;
    let mut out = BytesMut::new();
    cometmq_remoting::message::encode_record(&parts, &mut out).unwrap();
    layout::stamp_store_timestamp(&mut out, 1_700_000_005_999).unwrap();
    assert_eq!(&out[..], &bytes[..]);
}

#[test]
fn v2_record_with_long_topic_and_ipv6_store_host() {
    let bytes = Bytes::from(vector_v2());
    let m = decode_record(&bytes, DecodeOptions::VERIFY).unwrap();
    assert_eq!(m.version, MessageVersion::V2);
    assert_eq!(m.topic, "T".repeat(130));
    assert_eq!(m.store_host, addr("[::1]:10911"));
    assert_eq!(m.born_host, addr("127.0.0.1:80"));
    assert!(m.body.is_empty() && m.properties.is_empty());
    assert_eq!(
        m.msg_id(),
        "0000000000000000000000000000000100002A9F0000000000000064"
    );

    let topic = "T".repeat(130);
    let mut parts = RecordParts::new(&topic, b"", b"", m.born_host, m.store_host);
    parts.queue_id = 1;
    parts.physical_offset = 100;
    parts.sys_flag = 0x08; // commit; the STOREHOST_V6 bit comes from the address
    parts.born_timestamp = 1;
    parts.store_timestamp = 2;
    parts.prepared_transaction_offset = 9;
    assert_eq!(parts.version(), MessageVersion::V2);
    let mut out = BytesMut::new();
    cometmq_remoting::message::encode_record(&parts, &mut out).unwrap();
    assert_eq!(&out[..], &bytes[..]);
    // A v1 record cannot carry it: Java reads the 1-byte length as signed.
    parts.version = Some(MessageVersion::V1);
    assert!(matches!(
        cometmq_remoting::message::encode_record(&parts, &mut BytesMut::new()),
        Err(MessageError::TooLarge { .. })
    ));
}

#[test]
fn back_to_back_records_and_errors() {
    let mut all = vector_v1_ipv4();
    all.extend(vector_born_ipv6());
    all.extend(vector_v2());
    let buf = Bytes::from(all.clone());
    let msgs: Vec<_> = decode_records(buf.clone())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(msgs.len(), 3);
    assert_eq!(msgs[1].body.as_ptr(), buf[157 + 96 + 4..].as_ptr());

    // Truncated tail: two good records, then one error, then the end.
    let cut = Bytes::from(all[..all.len() - 1].to_vec());
    let results: Vec<_> = decode_records(cut).collect();
    assert_eq!(results.len(), 3);
    assert!(matches!(results[2], Err(MessageError::Truncated { .. })));

    // A corrupted body fails the CRC check only when asked.
    let mut bad = vector_v1_ipv4();
    bad[88] = b'j';
    let bad = Bytes::from(bad);
    assert!(decode_record(&bad, DecodeOptions::DEFAULT).is_ok());
    assert!(matches!(
        decode_record(&bad, DecodeOptions::VERIFY),
        Err(MessageError::BodyCrcMismatch { .. })
    ));
    let skipped = decode_record(&bad, DecodeOptions::SKIP_BODY).unwrap();
    assert!(skipped.body.is_empty());

    // TOTALSIZE that disagrees with the fields.
    let mut wrong = vector_v1_ipv4();
    wrong.push(0);
    wrong[3] = 0x9E;
    assert!(matches!(
        decode_record(&Bytes::from(wrong), DecodeOptions::DEFAULT),
        Err(MessageError::SizeMismatch {
            declared: 158,
            actual: 157
        })
    ));
}

#[test]
fn blank_filler() {
    let blank: &[u8] = &[
        0x00, 0x00, 0x01, 0x00, // TOTALSIZE 256 (bytes left in the file)
        0xCB, 0xD4, 0x31, 0x94, // BLANK magic
    ];
    assert!(layout::is_blank(blank));
    assert!(!layout::is_blank(&vector_v1_ipv4()));
    assert!(!layout::is_blank(&blank[..7]));
    let header = layout::peek_header(blank).unwrap();
    assert_eq!((header.total_size, header.kind), (256, RecordKind::Blank));
    assert_eq!(
        layout::peek_header(&vector_v2()).unwrap().kind,
        RecordKind::Message(MessageVersion::V2)
    );
    assert!(matches!(
        decode_record(&Bytes::from_static(blank), DecodeOptions::DEFAULT),
        Err(MessageError::Blank { total_size: 256 })
    ));
    let mut out = BytesMut::new();
    layout::encode_blank(&mut out, 256);
    assert_eq!(&out[..], blank);
}

#[test]
fn batch_body_with_two_messages() {
    let mut v: Vec<u8> = vec![
        0x00, 0x00, 0x00, 0x20, // TOTALSIZE 32 = 22 + 3 + 7
        0x00, 0x00, 0x00, 0x00, // MAGICCODE 0
        0x00, 0x00, 0x00, 0x00, // BODYCRC 0
        0x00, 0x00, 0x00, 0x00, // FLAG 0
        0x00, 0x00, 0x00, 0x03, b'a', b'b', b'c', // BODYLEN 3, BODY
        0x00, 0x07, // PROPLEN 7
    ];
    v.extend_from_slice(b"TAGS\x01a\x02");
    v.extend_from_slice(&[
        0x00, 0x00, 0x00, 0x28, // TOTALSIZE 40 = 22 + 0 + 18
        0x00, 0x00, 0x00, 0x00, // MAGICCODE 0
        0x00, 0x00, 0x00, 0x00, // BODYCRC 0
        0x00, 0x00, 0x00, 0x07, // FLAG 7
        0x00, 0x00, 0x00, 0x00, // BODYLEN 0
        0x00, 0x12, // PROPLEN 18
    ]);
    v.extend_from_slice(b"KEYS\x01k\x02WAIT\x01false\x02");
    assert_eq!(v.len(), 72);
    let buf = Bytes::from(v);

    let entries: Vec<BatchEntry> = decode_batch(buf.clone()).collect::<Result<_, _>>().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!((entries[0].flag, &entries[0].body[..]), (0, &b"abc"[..]));
    assert_eq!(entries[0].body.as_ptr(), buf[20..].as_ptr());
    assert_eq!(entries[0].properties.get("TAGS"), Some("a"));
    assert_eq!((entries[1].flag, entries[1].body.len()), (7, 0));
    assert_eq!(entries[1].properties.get("WAIT"), Some("false"));
    assert_eq!(encode_batch(&entries).unwrap(), buf);

    let cut: Vec<_> = decode_batch(buf.slice(..60)).collect();
    assert_eq!(cut.len(), 2);
    assert!(cut[1].is_err());
}

#[test]
fn offset_msg_id() {
    // 10.0.0.1 = 0A000001, port 10911 = 0x2A9F as i32, offset 1234 = 0x4D2 as i64.
    let id = create_offset_msg_id(addr("10.0.0.1:10911"), 1234);
    assert_eq!(id, "0A000001".to_owned() + "00002A9F" + "00000000000004D2");
    let parsed = parse_offset_msg_id(&id).unwrap();
    assert_eq!(
        (parsed.address, parsed.offset),
        (addr("10.0.0.1:10911"), 1234)
    );
    let lower = parse_offset_msg_id(&id.to_lowercase()).unwrap();
    assert_eq!(lower, parsed);
}

#[test]
fn properties_string() {
    let p = Properties::parse(PROPS_1).unwrap();
    assert_eq!(
        p.iter().collect::<Vec<_>>(),
        vec![("TAGS", "TagA"), ("UNIQ_KEY", UNIQ)]
    );
    assert_eq!(p.encode().as_bytes(), PROPS_1);
    // Duplicates (4.8–5.3.3 batch brokers append batch properties): last wins.
    let dup = Properties::parse(b"WAIT\x01true\x02CLUSTER\x01c\x02WAIT\x01false\x02").unwrap();
    assert_eq!(dup.get("WAIT"), Some("false"));
    assert_eq!(dup.len(), 2);
    // Missing trailing separator and junk entries.
    let odd = Properties::parse(b"\x02ab\x02\x01\x01\x02a\x01b").unwrap();
    assert_eq!(odd.iter().collect::<Vec<_>>(), vec![("a", "b")]);
}

#[test]
fn java_string_hash_codes() {
    assert_eq!(java_string_hash("TagA"), 2_598_919);
    assert_eq!(java_string_hash(""), 0);
    assert_eq!(java_string_hash("hello"), 99_162_322);
    assert_eq!(java_string_hash("TopicTest"), -1_902_610_879);
}
