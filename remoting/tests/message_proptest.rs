//! Property tests for the message codec: encode/decode round trips, and decoders fed
//! random or truncated bytes never panic.

// Test helpers outside #[test] functions unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use bytes::{Bytes, BytesMut};
use cometmq_remoting::message::record::layout;
use cometmq_remoting::message::{
    create_offset_msg_id, decode_batch, decode_record, decode_records, encode_batch, encode_record,
    parse_offset_msg_id, parse_uniq_key, BatchEntry, DecodeOptions, MessageVersion, Properties,
    RecordParts, StoredRecord,
};
use proptest::prelude::*;

fn socket_addr() -> impl Strategy<Value = SocketAddr> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<u16>())
            .prop_map(|(ip, port)| SocketAddr::new(IpAddr::V4(Ipv4Addr::from(ip)), port)),
        (any::<[u8; 16]>(), any::<u16>())
            .prop_map(|(ip, port)| SocketAddr::new(IpAddr::V6(Ipv6Addr::from(ip)), port)),
    ]
}

/// Names and values that survive the properties string: non-empty, no separators.
fn prop_text() -> impl Strategy<Value = String> {
    "[^\u{0}-\u{2}]{1,12}"
}

fn properties() -> impl Strategy<Value = Properties> {
    proptest::collection::vec((prop_text(), prop_text()), 0..8)
        .prop_map(|pairs| pairs.into_iter().collect())
}

fn topic() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z0-9_%-]{0,40}", "[a-z]{120,200}", "\\PC{0,20}"]
}

prop_compose! {
    fn message()(
        (queue_id, flag, queue_offset, commit_log_offset) in any::<(i32, i32, i64, i64)>(),
        sys_flag in any::<i32>(),
        (born_timestamp, store_timestamp) in any::<(i64, i64)>(),
        born_host in socket_addr(),
        store_host in socket_addr(),
        (reconsume_times, prepared_transaction_offset) in any::<(i32, i64)>(),
        body in proptest::collection::vec(any::<u8>(), 0..300),
        topic in topic(),
        properties in properties(),
        force_v2 in any::<bool>(),
    ) -> StoredRecord {
        // The IPv6 bits follow the hosts.
        let mut sys_flag = sys_flag & !0x30;
        if born_host.is_ipv6() { sys_flag |= 0x10; }
        if store_host.is_ipv6() { sys_flag |= 0x20; }
        let version = if force_v2 { MessageVersion::V2 } else { MessageVersion::for_topic_len(topic.len()) };
        let mut m = StoredRecord {
            store_size: 0,
            version,
            body_crc: layout::body_crc(&body),
            queue_id, flag, queue_offset, commit_log_offset, sys_flag,
            born_timestamp, born_host, store_timestamp, store_host,
            reconsume_times, prepared_transaction_offset,
            body: Bytes::from(body),
            topic,
            properties,
        };
        m.store_size = m.encoded_len() as i32;
        m
    }
}

fn batch_entry() -> impl Strategy<Value = BatchEntry> {
    (
        any::<i32>(),
        proptest::collection::vec(any::<u8>(), 0..200),
        properties(),
    )
        .prop_map(|(flag, body, properties)| BatchEntry {
            flag,
            body: Bytes::from(body),
            properties,
        })
}

proptest! {
    #[test]
    fn record_roundtrip(msgs in proptest::collection::vec(message(), 1..4)) {
        let mut buf = BytesMut::new();
        for m in &msgs {
            let n = m.encode(&mut buf).unwrap();
            prop_assert_eq!(n, m.encoded_len());
        }
        let buf = buf.freeze();
        let first = decode_record(&buf, DecodeOptions::VERIFY).unwrap();
        prop_assert_eq!(&first, &msgs[0]);
        let decoded: Vec<StoredRecord> = decode_records(buf).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(decoded, msgs);
    }

    #[test]
    fn record_parts_match_message_encoding(m in message()) {
        let props = m.properties.encode();
        let parts = RecordParts {
            queue_id: m.queue_id,
            flag: m.flag,
            queue_offset: m.queue_offset,
            physical_offset: m.commit_log_offset,
            sys_flag: m.sys_flag,
            born_timestamp: m.born_timestamp,
            born_host: m.born_host,
            store_timestamp: m.store_timestamp,
            store_host: m.store_host,
            reconsume_times: m.reconsume_times,
            prepared_transaction_offset: m.prepared_transaction_offset,
            body: &m.body,
            body_crc: None,
            topic: &m.topic,
            properties: props.as_bytes(),
            version: Some(m.version),
        };
        let (mut a, mut b) = (BytesMut::new(), BytesMut::new());
        encode_record(&parts, &mut a).unwrap();
        m.encode(&mut b).unwrap();
        prop_assert_eq!(&a, &b);
        // Stamping in place rewrites just those fields.
        layout::stamp_queue_offset(&mut a, 77).unwrap();
        layout::stamp_physical_offset(&mut a, 88).unwrap();
        layout::stamp_store_timestamp(&mut a, 99).unwrap();
        layout::stamp_store_host(&mut a, m.store_host).unwrap();
        let d = decode_record(&a.freeze(), DecodeOptions::VERIFY).unwrap();
        prop_assert_eq!((d.queue_offset, d.commit_log_offset, d.store_timestamp), (77, 88, 99));
        prop_assert_eq!(d.store_host, m.store_host);
    }

    #[test]
    fn batch_roundtrip(entries in proptest::collection::vec(batch_entry(), 0..6)) {
        let buf = encode_batch(&entries).unwrap();
        let decoded: Vec<BatchEntry> = decode_batch(buf).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(decoded, entries);
    }

    #[test]
    fn properties_roundtrip(p in properties()) {
        let s = p.encode();
        prop_assert_eq!(s.len(), p.encoded_len());
        prop_assert_eq!(Properties::parse(s.as_bytes()).unwrap(), p);
    }

    #[test]
    fn offset_msg_id_roundtrip(addr in socket_addr(), offset in any::<i64>()) {
        let id = create_offset_msg_id(addr, offset);
        prop_assert_eq!(id.len(), if addr.is_ipv4() { 32 } else { 56 });
        prop_assert!(id.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()));
        let parsed = parse_offset_msg_id(&id).unwrap();
        prop_assert_eq!((parsed.address, parsed.offset), (addr, offset));
    }

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        let buf = Bytes::from(data);
        let _ = decode_record(&buf, DecodeOptions::VERIFY);
        let _ = decode_records(buf.clone()).count();
        let _ = decode_batch(buf.clone()).count();
        let _ = Properties::parse(&buf);
        let _ = Properties::parse_lossy(&buf);
        let _ = layout::peek_header(&buf);
        let text = String::from_utf8_lossy(&buf);
        let _ = parse_offset_msg_id(&text);
        let _ = parse_uniq_key(&text);
    }

    #[test]
    fn mangled_records_never_panic(
        m in message(),
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let mut buf = BytesMut::new();
        m.encode(&mut buf).unwrap();
        m.encode(&mut buf).unwrap();
        let mut raw = buf.to_vec();
        for (i, b) in flips {
            let i = i.index(raw.len());
            raw[i] = b;
        }
        raw.truncate(cut.index(raw.len() + 1));
        let bytes = Bytes::from(raw);
        let _ = decode_record(&bytes, DecodeOptions::VERIFY);
        let results: Vec<_> = decode_records(bytes.clone()).collect();
        // At most one error, and only as the last item.
        prop_assert!(results.iter().rev().skip(1).all(|r| r.is_ok()));
        let _ = decode_batch(bytes).count();
    }

    #[test]
    fn mangled_batches_never_panic(
        entries in proptest::collection::vec(batch_entry(), 1..4),
        cut in any::<prop::sample::Index>(),
        flip in (any::<prop::sample::Index>(), any::<u8>()),
    ) {
        let mut raw = encode_batch(&entries).unwrap().to_vec();
        let i = flip.0.index(raw.len());
        raw[i] = flip.1;
        raw.truncate(cut.index(raw.len() + 1));
        let _ = decode_batch(Bytes::from(raw)).count();
    }
}
