//! Byte-exact frame vectors written by hand from the reference layout (§1.1–§1.3), not by our
//! encoder, so encoder and decoder are both checked against the wire format itself.

// Test helpers outside #[test] fns may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::{Bytes, BytesMut};
use cometmq_remoting::code::LanguageCode;
use cometmq_remoting::protocol::{decode_frame, encode_head_as, Body, FrameCodec};
use cometmq_remoting::{RemotingCommand, RemotingError, SerializeType};
use tokio_util::codec::{Decoder, Encoder};

/// Decodes `bytes` with a fresh default codec, expecting exactly one frame and nothing left.
fn decode_one(bytes: &[u8]) -> Result<RemotingCommand, RemotingError> {
    let mut buf = BytesMut::from(bytes);
    let cmd = FrameCodec::default().decode(&mut buf)?;
    assert!(buf.is_empty(), "frame not fully consumed");
    Ok(cmd.expect("a whole frame was present"))
}

fn encode(cmd: &RemotingCommand) -> Vec<u8> {
    let mut buf = BytesMut::new();
    FrameCodec::default().encode(cmd, &mut buf).unwrap();
    buf.to_vec()
}

const JSON_REQUEST: &str = r#"{"code":34,"extFields":{},"flag":0,"language":"JAVA","opaque":7,"serializeTypeCurrentRPC":"JSON","version":479}"#;

#[test]
fn json_request_vector() {
    assert_eq!(JSON_REQUEST.len(), 111);
    let mut frame = vec![
        0x00, 0x00, 0x00, 0x75, // length = 4 + 111 + 2 = 117
        0x00, 0x00, 0x00, 0x6f, // type 0 (JSON) << 24 | headerLen 111
    ];
    frame.extend_from_slice(JSON_REQUEST.as_bytes());
    frame.extend_from_slice(b"hi");

    let cmd = decode_one(&frame).unwrap();
    assert_eq!(cmd.code, 34);
    assert_eq!(cmd.language, LanguageCode::Java);
    assert_eq!(cmd.version, 479);
    assert_eq!(cmd.opaque, 7);
    assert_eq!(cmd.flag, 0);
    assert_eq!(cmd.remark, None);
    assert!(cmd.ext_fields.is_empty());
    assert_eq!(cmd.body.to_bytes(), Bytes::from_static(b"hi"));
    assert_eq!(cmd.serialize_type, SerializeType::Json);
    assert!(!cmd.is_response());

    let same = RemotingCommand {
        code: 34,
        version: 479,
        opaque: 7,
        body: Body::from(&b"hi"[..]),
        ..Default::default()
    };
    assert_eq!(cmd, same);
    assert_eq!(encode(&same), frame);
    assert_eq!(decode_frame(Bytes::from(frame)).unwrap(), same);
}

#[test]
fn ali_ons_typed_ext_fields() {
    let header = r#"{"code":310,"language":"JAVA","opaque":1,"flag":0,"version":121,"extFields":{"a":"g","b":"T","c":"TBW102","d":4,"e":0,"f":0,"g":1700000000000,"h":0,"i":"","j":0,"k":false,"l":16}}"#;
    assert_eq!(header.len(), 179);
    let mut frame = vec![
        0x00, 0x00, 0x00, 0xb7, // length = 4 + 179, no body
        0x00, 0x00, 0x00, 0xb3, // JSON, headerLen 179
    ];
    frame.extend_from_slice(header.as_bytes());

    let cmd = decode_one(&frame).unwrap();
    assert_eq!(
        (cmd.code, cmd.opaque, cmd.flag, cmd.version),
        (310, 1, 0, 121)
    );
    assert_eq!(cmd.language, LanguageCode::Java);
    assert_eq!(cmd.body, Body::Empty);
    let ext = |k: &str| cmd.ext(k).unwrap_or_else(|| panic!("missing {k}"));
    assert_eq!(ext("a"), "g");
    assert_eq!(ext("b"), "T");
    assert_eq!(ext("c"), "TBW102");
    assert_eq!(ext("d"), "4");
    assert_eq!(ext("e"), "0");
    assert_eq!(ext("f"), "0");
    assert_eq!(ext("g"), "1700000000000");
    assert_eq!(ext("h"), "0");
    assert_eq!(ext("i"), "");
    assert_eq!(ext("j"), "0");
    assert_eq!(ext("k"), "false");
    assert_eq!(ext("l"), "16");
    assert_eq!(cmd.ext_fields.len(), 12);
}

#[test]
fn binary_request_vector() {
    #[rustfmt::skip]
    let frame: Vec<u8> = vec![
        0x00, 0x00, 0x00, 0x35,             // length = 4 + 47 + 2 = 53
        0x01, 0x00, 0x00, 0x2f,             // type 1 (ROCKETMQ) << 24 | headerLen 47
        0x00, 0x0b,                         // code 11 (PULL_MESSAGE) as i16
        0x00,                               // language 0 = JAVA
        0x01, 0xdf,                         // version 479 as i16
        0x00, 0x00, 0x01, 0x02,             // opaque 258
        0x00, 0x00, 0x00, 0x00,             // flag 0
        0x00, 0x00, 0x00, 0x00,             // remarkLen 0 = no remark
        0x00, 0x00, 0x00, 0x1a,             // extLen 26 = 14 + 12
        0x00, 0x07, b'q', b'u', b'e', b'u', b'e', b'I', b'd', // keyLen 7, "queueId"
        0x00, 0x00, 0x00, 0x01, b'3',       // valLen 1, "3"
        0x00, 0x05, b't', b'o', b'p', b'i', b'c', // keyLen 5, "topic"
        0x00, 0x00, 0x00, 0x01, b'T',       // valLen 1, "T"
        b'x', b'y',                         // body
    ];
    assert_eq!(frame.len(), 4 + 53);

    let cmd = decode_one(&frame).unwrap();
    assert_eq!(cmd.code, 11);
    assert_eq!(cmd.language, LanguageCode::Java);
    assert_eq!(cmd.version, 479);
    assert_eq!(cmd.opaque, 258);
    assert_eq!(cmd.flag, 0);
    assert_eq!(cmd.remark, None);
    assert_eq!(cmd.ext_fields.len(), 2);
    assert_eq!(cmd.ext("queueId"), Some("3"));
    assert_eq!(cmd.ext("topic"), Some("T"));
    assert_eq!(cmd.body.to_bytes(), Bytes::from_static(b"xy"));
    assert_eq!(cmd.serialize_type, SerializeType::RocketMq);

    let mut out = BytesMut::new();
    encode_head_as(&cmd, SerializeType::RocketMq, &mut out).unwrap();
    for chunk in cmd.body.chunks() {
        out.extend_from_slice(chunk);
    }
    assert_eq!(&out[..], &frame[..]);
}

fn expect_malformed(bytes: &[u8], needle: &str) {
    match decode_one(bytes) {
        Err(RemotingError::Malformed(msg)) => {
            assert!(msg.contains(needle), "{msg:?} should mention {needle:?}")
        }
        other => panic!("expected Malformed({needle}), got {other:?}"),
    }
}

#[test]
fn malformed_frames_are_errors() {
    // headerLen (200) > length - 4 (10).
    let mut f = vec![0, 0, 0, 14, 0, 0, 0, 200];
    f.extend_from_slice(b"{\"code\":1}");
    expect_malformed(&f, "header length 200");

    // Unknown serialize type 2.
    let mut f = vec![0, 0, 0, 6, 2, 0, 0, 2];
    f.extend_from_slice(b"{}");
    expect_malformed(&f, "unknown serialize type 2");

    // Length over the limit: rejected from the length word alone.
    let mut buf = BytesMut::from(&[0x01, 0x00, 0x00, 0x01][..]); // 16 MiB + 1
    match FrameCodec::default().decode(&mut buf) {
        Err(RemotingError::FrameTooLarge { len, max }) => {
            assert_eq!((len, max), (16 * 1024 * 1024 + 1, 16 * 1024 * 1024))
        }
        other => panic!("{other:?}"),
    }
    let mut buf = BytesMut::from(&[0, 0, 0, 100][..]);
    assert!(matches!(
        FrameCodec::new(99).decode(&mut buf),
        Err(RemotingError::FrameTooLarge { len: 100, max: 99 })
    ));

    // Negative length.
    expect_malformed(
        &[0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0],
        "negative frame length -2",
    );

    // Truncated binary ext entry: extLen 10 but the entry claims a 5-byte value.
    #[rustfmt::skip]
    let header: Vec<u8> = vec![
        0x00, 0x0b, 0x00, 0x01, 0xdf,       // code, language, version
        0, 0, 0, 1, 0, 0, 0, 0,             // opaque, flag
        0, 0, 0, 0,                         // no remark
        0, 0, 0, 10,                        // extLen 10
        0x00, 0x01, b'k',                   // keyLen 1, "k"
        0x00, 0x00, 0x00, 0x05, b'v', b'v', b'v', // valLen 5 but only 3 bytes left
    ];
    let mut f = ((4 + header.len()) as i32).to_be_bytes().to_vec();
    f.extend_from_slice(&(0x0100_0000u32 | header.len() as u32).to_be_bytes());
    f.extend_from_slice(&header);
    expect_malformed(&f, "ext value");

    // Invalid JSON.
    let mut f = vec![0, 0, 0, 13, 0, 0, 0, 9];
    f.extend_from_slice(b"{\"code\":}");
    expect_malformed(&f, "invalid JSON header");

    // Invalid UTF-8 inside the JSON header.
    let mut f = vec![0, 0, 0, 34, 0, 0, 0, 30];
    f.extend_from_slice(b"{\"code\":1,\"opaque\":1,\"x\":\"\xc3\x28\"}");
    assert_eq!(f.len(), 38);
    expect_malformed(&f, "UTF-8");
}

#[test]
fn response_with_escaped_remark() {
    let remark = "say \"hi\" \\ back\nslash é 中";
    let mut cmd = RemotingCommand {
        code: 17,
        version: 479,
        opaque: 99,
        flag: 1,
        remark: Some(remark.to_owned()),
        ..Default::default()
    };
    cmd.ext_fields.insert("msgId".into(), "0A00".into());

    // The header text, escaped by hand: raw UTF-8 for é/中, backslash escapes for the rest.
    let header =
        "{\"code\":17,\"extFields\":{\"msgId\":\"0A00\"},\"flag\":1,\"language\":\"JAVA\",\
                  \"opaque\":99,\"remark\":\"say \\\"hi\\\" \\\\ back\\nslash é 中\",\
                  \"serializeTypeCurrentRPC\":\"JSON\",\"version\":479}";
    let mut frame = ((4 + header.len()) as i32).to_be_bytes().to_vec();
    frame.extend_from_slice(&(header.len() as u32).to_be_bytes());
    frame.extend_from_slice(header.as_bytes());
    assert_eq!(encode(&cmd), frame);

    let back = decode_one(&frame).unwrap();
    assert!(back.is_response());
    assert_eq!(back.remark.as_deref(), Some(remark));
    assert_eq!(back, cmd);
}
