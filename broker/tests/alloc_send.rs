//! Regression guard for the send hot path: how many heap allocations the broker makes per
//! message, counted by a global allocator, not timed.
//!
//! A raw socket writes pre-encoded SEND_MESSAGE_V2 frames in pipelined batches and reads the
//! responses into a reused buffer, so the client side allocates nothing per message; every
//! allocation counted belongs to the broker (frame decode, header parse, the store append,
//! dispatch into the ConsumeQueue and IndexFile, the response).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::BytesMut;
use cometmq_remoting::code::request;
use cometmq_remoting::header::SendMessageRequestHeaderV2;
use cometmq_remoting::message::{create_uniq_key, Properties};
use cometmq_remoting::protocol::frame::encode_head;
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::request::send_header;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Counts every allocation (and reallocation) made by the process.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: defers to the system allocator; only adds a counter.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The most allocations the broker may make per single send, all work included.
///
/// Measured 14.2 (2026-11-21; 68.2 before the send path was worked on). Where they are:
/// the request task (1) and its processor future (1); the header's fields, text and index
/// (2); the typed request header's strings (producerGroup, topic, defaultTopic,
/// properties: 4); the stored properties (1) and record (1); the IndexFile keys in
/// dispatch (1); the response's fields (2); the rest is amortized buffer growth and
/// background work. A borrowed view of the request header would remove four more.
const MAX_ALLOCS_PER_SEND: u64 = 16;

const BATCH: usize = 200;

/// `BATCH` SEND_MESSAGE_V2 frames of 1 KiB bodies for `topic`, encoded back to back.
fn frames(topic: &str) -> Vec<u8> {
    let mut out = BytesMut::new();
    for i in 0..BATCH {
        let mut props = Properties::new();
        props.insert("TAGS", "TagA");
        props.insert("UNIQ_KEY", create_uniq_key());
        props.insert("WAIT", "true");
        let h = SendMessageRequestHeaderV2 {
            born_timestamp: 1_763_700_000_000,
            reconsume_times: Some(0),
            ..send_header("alloc_producer", topic, (i % 4) as i32, &props)
        };
        let req = RemotingCommand::request_with_header(request::SEND_MESSAGE_V2, &h)
            .with_body(vec![b'x'; 1024]);
        encode_head(&req, &mut out).unwrap();
        out.extend_from_slice(&vec![b'x'; 1024]);
    }
    out.to_vec()
}

/// Writes one batch and reads its `BATCH` responses, checking each is SUCCESS.
async fn round(sock: &mut TcpStream, batch: &[u8], buf: &mut Vec<u8>) {
    sock.write_all(batch).await.unwrap();
    for _ in 0..BATCH {
        let mut len = [0u8; 4];
        sock.read_exact(&mut len).await.unwrap();
        let len = u32::from_be_bytes(len) as usize;
        buf.resize(len, 0);
        sock.read_exact(&mut buf[..len]).await.unwrap();
        let head_len = (u32::from_be_bytes(buf[..4].try_into().unwrap()) & 0x00ff_ffff) as usize;
        let head = &buf[4..4 + head_len];
        assert!(
            head.starts_with(b"{\"code\":0,"),
            "send failed: {}",
            String::from_utf8_lossy(head)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_allocates_a_small_fixed_number_of_times() {
    let c = common::Cluster::start(|_| {}).await;
    // Create the topic and warm every lazily built structure up.
    let r = c.send("AllocTopic", 0, Some("TagA"), None, b"hi").await;
    assert_eq!(r.code, 0, "{:?}", r.remark);
    let batch = frames("AllocTopic");
    let mut sock = TcpStream::connect(&c.broker_addr).await.unwrap();
    sock.set_nodelay(true).unwrap();
    let mut buf = Vec::with_capacity(4096);
    for _ in 0..5 {
        round(&mut sock, &batch, &mut buf).await;
    }

    let rounds = 20;
    let before = ALLOCS.load(Ordering::Relaxed);
    for _ in 0..rounds {
        round(&mut sock, &batch, &mut buf).await;
    }
    let allocs = ALLOCS.load(Ordering::Relaxed) - before;
    let per_send = allocs as f64 / (rounds * BATCH) as f64;
    println!("broker allocations per 1 KiB send: {per_send:.2}");
    assert!(
        per_send <= MAX_ALLOCS_PER_SEND as f64,
        "{per_send:.2} allocations per send (at most {MAX_ALLOCS_PER_SEND})"
    );
    drop(sock);
    c.stop().await;
}
