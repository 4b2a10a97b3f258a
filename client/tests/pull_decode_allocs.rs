//! Regression guard for the consumer's decode path (issue 10), counted instead of timed:
//! reading a PULL_MESSAGE response of N messages allocates at most a fixed small number of
//! times per message, whatever the number of properties a message carries.
//!
//! Per message today: the record's topic, its properties text and their positions, and the
//! shared record (`Arc`). The body is a slice of the response, and the broker name and the
//! `MIN_OFFSET` / `MAX_OFFSET` values added to every message cost nothing per message.
//! Before this guard it was 18 for the messages below (two strings per property and per
//! added offset property, the property vector growing, and a broker name per message).
//!
//! The counting allocator is the only unsafe code here: a [`GlobalAlloc`] has to be an
//! `unsafe impl`, and it only forwards to [`System`].

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::HashSet;
use std::net::SocketAddr;

use bytes::BytesMut;
use cometmq_client::consumer::{PullResult, PullStatus};
use cometmq_client::MessageQueue;
use cometmq_remoting::header::PullMessageResponseHeader;
use cometmq_remoting::message::{encode_record, Properties, RecordParts};
use cometmq_remoting::RemotingCommand;

/// Most allocations one decoded message may cost.
const MAX_ALLOCS_PER_MESSAGE: usize = 4;

thread_local! {
    /// Allocations made by this thread while counting (other test threads don't count).
    static COUNT: Cell<Option<usize>> = const { Cell::new(None) };
}

struct Counting;

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is a
// const-initialised thread local, so counting never allocates or re-enters.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        // SAFETY: `ptr` came from `System` with this layout.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

fn bump() {
    let _ = COUNT.try_with(|c| {
        if let Some(n) = c.get() {
            c.set(Some(n + 1));
        }
    });
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations `f` makes on this thread.
fn allocations<T>(f: impl FnOnce() -> T) -> (usize, T) {
    COUNT.with(|c| c.set(Some(0)));
    let out = f();
    let n = COUNT.with(|c| c.replace(None)).unwrap_or(0);
    (n, out)
}

/// A FOUND response carrying `n` records of 1 KiB with what a producer sets (WAIT,
/// UNIQ_KEY, CLUSTER) plus keys and a tag.
fn response(n: usize) -> RemotingCommand {
    let host: SocketAddr = "127.0.0.1:10911".parse().unwrap();
    let body = vec![b'x'; 1024];
    let mut buf = BytesMut::new();
    for i in 0..n {
        let mut props = Properties::new();
        props.insert("WAIT", "true");
        props.insert("UNIQ_KEY", format!("7F00000100002A9F00000000{i:08X}"));
        props.insert("CLUSTER", "DefaultCluster");
        props.insert("KEYS", format!("order-{i}"));
        props.insert("TAGS", "TagA");
        let props = props.encode();
        let mut p = RecordParts::new("Backlog", &body, props.as_bytes(), host, host);
        p.queue_offset = i as i64;
        p.physical_offset = (i * 1300) as i64;
        encode_record(&p, &mut buf).unwrap();
    }
    let header = PullMessageResponseHeader {
        suggest_which_broker_id: 0,
        next_begin_offset: n as i64,
        min_offset: 0,
        max_offset: 1_000_000,
        offset_delta: None,
        topic_sys_flag: None,
        group_sys_flag: None,
        forbidden_type: None,
    };
    RemotingCommand::success()
        .with_header(&header)
        .with_body(buf.freeze())
}

/// Allocations to read a response of `n` messages (the messages are checked, then freed).
fn decode_allocations(n: usize) -> usize {
    let resp = response(n);
    let mq = MessageQueue::new("Backlog", "broker-a", 3);
    let tags = HashSet::new();
    let (count, result) =
        allocations(|| PullResult::from_response("127.0.0.1:10911", &resp, &mq, &tags));
    let r = result.unwrap();
    assert_eq!(r.status, PullStatus::Found);
    assert_eq!(r.messages.len(), n);
    let last = r.messages.last().unwrap();
    assert_eq!(last.body.len(), 1024);
    assert_eq!(last.keys(), Some(format!("order-{}", n - 1).as_str()));
    assert_eq!(last.property("MAX_OFFSET"), Some("1000000"));
    assert_eq!(last.property("MIN_OFFSET"), Some("0"));
    assert_eq!(&*last.broker_name, "broker-a");
    count
}

#[test]
fn decoding_a_pulled_batch_allocates_a_few_times_per_message() {
    // The difference between two batch sizes cancels what a response costs once (header,
    // the result vector's growth is at most one step apart).
    let small = decode_allocations(64);
    let large = decode_allocations(320);
    let per_message = large.saturating_sub(small) as f64 / 256.0;
    assert!(
        per_message <= MAX_ALLOCS_PER_MESSAGE as f64 + 0.05,
        "decoding allocates {per_message:.2} times per message ({small} for 64, {large} for 320), \
         more than {MAX_ALLOCS_PER_MESSAGE}"
    );
}
