//! Micro-benchmark of the wire codec: frame encode and decode, header-only encode, and
//! stored-record decode. Prints MB/s and items/s for each.
//!
//! Run: `cargo bench -p cometmq-remoting --bench codec`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use cometmq_remoting::code::request;
use cometmq_remoting::header::{SendMessageRequestHeaderV2, SendMessageResponseHeader};
use cometmq_remoting::message::{
    decode_records, encode_record, DecodeOptions, Properties, RecordParts,
};
use cometmq_remoting::protocol::frame::{encode_head, FrameCodec};
use cometmq_remoting::RemotingCommand;
use tokio_util::codec::{Decoder, Encoder};

const BODY: usize = 1024;
const RUN: Duration = Duration::from_secs(2);

/// Runs `f` (which processes `items` items and `bytes` bytes per call) for about [`RUN`].
fn measure(name: &str, items: u64, bytes: u64, mut f: impl FnMut()) {
    for _ in 0..3 {
        f();
    }
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < RUN {
        f();
        calls += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    let per_sec = (calls * items) as f64 / secs;
    let mb = (calls * bytes) as f64 / secs / 1e6;
    println!(
        "{name:<44} {per_sec:>12.0} items/s {mb:>9.1} MB/s {ns:>9.0} ns/item",
        ns = 1e9 / per_sec
    );
}

fn send_request() -> RemotingCommand {
    let mut props = Properties::new();
    props.insert("TAGS", "TagA");
    props.insert("UNIQ_KEY", "7F000001561E18B4AAC2123456780000");
    props.insert("WAIT", "true");
    let header = SendMessageRequestHeaderV2 {
        producer_group: "benchmark_producer_group".into(),
        topic: "BenchmarkTest".into(),
        default_topic: "TBW102".into(),
        default_topic_queue_nums: 4,
        queue_id: 3,
        sys_flag: 0,
        born_timestamp: 1_763_700_000_000,
        flag: 0,
        properties: Some(props.encode()),
        reconsume_times: Some(0),
        unit_mode: Some(false),
        max_reconsume_times: Some(16),
        ..Default::default()
    };
    RemotingCommand::request(request::SEND_MESSAGE_V2)
        .with_header(&header)
        .with_body(Bytes::from(vec![b'x'; BODY]))
}

fn send_response() -> RemotingCommand {
    let header = SendMessageResponseHeader {
        msg_id: "7F00000100002A9F0000000000123456".into(),
        queue_id: 3,
        queue_offset: 123_456,
        transaction_id: Some("7F000001561E18B4AAC2123456780000".into()),
        ..Default::default()
    };
    RemotingCommand::success().with_header(&header).answer(42)
}

fn main() {
    println!("frame and record codec, {BODY}-byte bodies, one thread");

    // Frame encode: header + copied body.
    let req = send_request();
    let mut codec = FrameCodec::default();
    let mut out = BytesMut::with_capacity(1 << 20);
    codec.encode(&req, &mut out).unwrap();
    let frame_len = out.len() as u64;
    out.clear();
    measure(
        "encode SEND_MESSAGE_V2 frame (with body)",
        1,
        frame_len,
        || {
            out.clear();
            codec.encode(black_box(&req), &mut out).unwrap();
        },
    );

    // Header-only encode of a send response (the body, if any, is written in place).
    let resp = send_response();
    let mut head = BytesMut::with_capacity(4096);
    encode_head(&resp, &mut head).unwrap();
    let head_len = head.len() as u64;
    measure("encode send response head", 1, head_len, || {
        head.clear();
        encode_head(black_box(&resp), &mut head).unwrap();
    });

    // Frame decode: a stream of 1000 request frames.
    let mut stream = BytesMut::new();
    for _ in 0..1000 {
        codec.encode(&req, &mut stream).unwrap();
    }
    let stream = stream.freeze();
    measure(
        "decode SEND_MESSAGE_V2 frames",
        1000,
        stream.len() as u64,
        || {
            let mut buf = BytesMut::from(&stream[..]);
            let mut n = 0;
            while let Some(cmd) = codec.decode(&mut buf).unwrap() {
                black_box(&cmd);
                n += 1;
            }
            assert_eq!(n, 1000);
        },
    );

    // Record decode: a pull body of 32 stored records.
    let born: SocketAddr = "10.0.0.1:50000".parse().unwrap();
    let store: SocketAddr = "10.0.0.2:10911".parse().unwrap();
    let mut props = Properties::new();
    props.insert("TAGS", "TagA");
    props.insert("UNIQ_KEY", "7F000001561E18B4AAC2123456780000");
    props.insert("CLUSTER", "DefaultCluster");
    let props = props.encode();
    let body = vec![b'y'; BODY];
    let mut records = BytesMut::new();
    for i in 0..32 {
        let mut parts = RecordParts::new("BenchmarkTest", &body, props.as_bytes(), born, store);
        parts.queue_offset = i;
        parts.physical_offset = i * 1200;
        encode_record(&parts, &mut records).unwrap();
    }
    let records = records.freeze();
    measure(
        "decode stored records (pull body of 32)",
        32,
        records.len() as u64,
        || {
            let mut n = 0;
            for m in decode_records(records.clone()) {
                black_box(m.unwrap());
                n += 1;
            }
            assert_eq!(n, 32);
        },
    );
    measure(
        "decode stored records, verify CRC",
        32,
        records.len() as u64,
        || {
            for m in decode_records(records.clone()).with_options(DecodeOptions::VERIFY) {
                black_box(m.unwrap());
            }
        },
    );
}
