//! Peers that pipeline pulls over a backlog and never read their socket (issue 14 F4):
//! the bytes the broker queues for them stay under `writeBufferLimitPerConnection` and,
//! all together, under `writeBufferLimitTotal` (measured by the broker's queued-bytes
//! counters, not RSS); a connection past a limit is closed and its queue freed at once;
//! a normal client beside them is still served.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use bytes::BytesMut;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::protocol::frame::encode_head;
use cometmq_remoting::transport::WriteBufferStats;
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::request::pull_header;
use common::{eventually, Cluster};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const BACKLOG: i64 = 1024;
const PULLS: i64 = 800;
const MIB: usize = 1024 * 1024;
/// One pull answer here is ~75 KiB (32 records of 1 KiB bodies and their properties).
const MAX_ANSWER: usize = 96 * 1024;
const LIMIT: Duration = Duration::from_secs(60);

async fn fill_backlog(c: &Cluster) {
    let body = vec![b'x'; 1024];
    for _ in 0..BACKLOG {
        let resp = c.send("Backlog", 0, None, None, &body).await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    }
    assert_eq!(c.wait_max_offset("Backlog", 0, BACKLOG).await, BACKLOG);
}

/// A peer with a small receive buffer that sends `PULLS` pulls of 32 messages each and
/// never reads.
async fn stuck_reader(c: &Cluster) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut s = socket
        .connect(c.broker_addr.parse().unwrap())
        .await
        .unwrap();
    let mut frames = BytesMut::new();
    for i in 0..PULLS {
        let h = pull_header("StuckGroup", "Backlog", 0, (i * 32) % BACKLOG, "*");
        let mut req = RemotingCommand::request_with_header(request::PULL_MESSAGE, &h);
        req.opaque = i as i32 + 1;
        encode_head(&req, &mut frames).unwrap();
    }
    s.write_all(&frames).await.unwrap();
    s
}

fn stats(c: &Cluster) -> WriteBufferStats {
    c.broker.as_ref().unwrap().write_buffer_stats()
}

/// A normal client beside the stuck ones: sends a message and pulls it back.
async fn normal_client_is_served(c: &Cluster, body: &str) {
    let resp = c.send("Normal", 0, None, None, body.as_bytes()).await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    let h: cometmq_remoting::header::SendMessageResponseHeader = resp.decode_header().unwrap();
    let got = c
        .pull_until(
            "NormalGroup",
            "Normal",
            0,
            h.queue_offset,
            "*",
            h.queue_offset + 1,
        )
        .await;
    assert_eq!(got.len(), 1);
    assert_eq!(&got[0].body[..], body.as_bytes());
}

async fn queue_empties(c: &Cluster) {
    eventually("the queued bytes to return to 0", || async {
        (stats(c).queued_bytes == 0).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_pauses_then_reads_gets_every_answer_without_a_burst() {
    let c = Cluster::start(|_| {}).await;
    fill_backlog(&c).await;
    let mut paused = stuck_reader(&c).await;
    eventually(
        "the paused connection to pass its high-water mark",
        || async { (stats(&c).queued_bytes > 64 * 1024).then_some(()) },
    )
    .await;
    // It reads now: the requests that waited are served in turn as it drains, not all at
    // once (800 answers at once would pass the 16 MiB limit and close it).
    let mut answers = 0;
    let mut buf = BytesMut::with_capacity(1 << 20);
    while answers < PULLS {
        let n = tokio::time::timeout(LIMIT, paused.read_buf(&mut buf))
            .await
            .expect("answers keep coming")
            .unwrap();
        assert!(n > 0, "closed after {answers} answers: {:?}", stats(&c));
        while buf.len() >= 4 {
            let len = u32::from_be_bytes(buf[..4].try_into().unwrap()) as usize;
            if buf.len() < 4 + len {
                break;
            }
            let _ = buf.split_to(4 + len);
            answers += 1;
        }
    }
    let s = stats(&c);
    assert_eq!(s.closed_connections, 0, "{s:?}");
    assert!(s.peak_connection_bytes <= 16 * MIB, "{s:?}");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_water_mark_above_the_high_one_stops_the_broker_naming_the_key() {
    let store = tempfile::tempdir().unwrap();
    let mut cfg = common::test_config(store.path(), "127.0.0.1:1");
    cfg.write_buffer_high_water_mark = 1000;
    cfg.write_buffer_low_water_mark = 2000;
    let err = match cometmq_broker::broker::Broker::start(cfg).await {
        Ok(_) => panic!("started with a low-water mark above the high one"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("writeBufferLowWaterMark"), "{err}");
}

/// Marks so high that only the hard limits act.
fn no_backpressure(b: &mut cometmq_broker::config::BrokerConfig) {
    b.write_buffer_high_water_mark = 64 * MIB;
    b.write_buffer_low_water_mark = 32 * MIB;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_never_reads_is_no_longer_served_past_the_high_water_mark() {
    let c = Cluster::start(|_| {}).await;
    fill_backlog(&c).await;
    let stuck = stuck_reader(&c).await;
    // 800 answers of ~75 KiB are ~60 MiB: far more than the sockets hold. The broker
    // fills the connection past its 64 KiB mark, then stops serving it.
    eventually(
        "the stuck connection to pass its high-water mark",
        || async { (stats(&c).queued_bytes > 64 * 1024).then_some(()) },
    )
    .await;
    normal_client_is_served(&c, "served").await;
    let s = stats(&c);
    assert_eq!(s.closed_connections, 0, "{s:?}");
    assert!(s.peak_connection_bytes <= 16 * MIB, "{s:?}");
    // Closing it frees its queue.
    drop(stuck);
    queue_empties(&c).await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_past_the_connection_limit_is_closed_and_its_queue_freed() {
    let c = Cluster::start(|b| {
        no_backpressure(b);
        b.write_buffer_limit_per_connection = 2 * MIB;
    })
    .await;
    fill_backlog(&c).await;
    let stuck = stuck_reader(&c).await;
    eventually("the stuck connection to be closed", || async {
        (stats(&c).closed_connections == 1).then_some(())
    })
    .await;
    let s = stats(&c);
    assert!(s.peak_connection_bytes <= 2 * MIB, "{s:?}");
    // Its queue is freed although the peer still holds its end open.
    queue_empties(&c).await;
    normal_client_is_served(&c, "served").await;
    drop(stuck);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_total_limit_holds_with_several_stuck_peers_and_others_are_served() {
    const TOTAL: usize = 4 * MIB;
    const STUCK: usize = 4;
    let c = Cluster::start(|b| {
        no_backpressure(b);
        b.write_buffer_limit_total = TOTAL;
    })
    .await;
    fill_backlog(&c).await;
    let mut stuck = Vec::new();
    for _ in 0..STUCK {
        stuck.push(stuck_reader(&c).await);
    }
    eventually("a stuck connection to be closed", || async {
        (stats(&c).closed_connections >= 1).then_some(())
    })
    .await;
    normal_client_is_served(&c, "beside the stuck ones").await;
    let s = stats(&c);
    // Past the total only a connection with a backlog is refused (and closed); one
    // answer per connection may still be taken over it.
    assert!(
        s.peak_queued_bytes <= TOTAL + (STUCK + 1) * MAX_ANSWER,
        "{s:?}"
    );
    assert!(s.peak_connection_bytes <= 16 * MIB, "{s:?}");
    drop(stuck);
    queue_empties(&c).await;
    normal_client_is_served(&c, "after").await;
    c.stop().await;
}
