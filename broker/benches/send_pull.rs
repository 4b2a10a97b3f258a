//! End-to-end broker throughput over loopback, server and client in one process:
//! sync SEND_MESSAGE_V2 with 1 KiB bodies from 1, 32 and 128 concurrent senders
//! (ASYNC_FLUSH, then SYNC_FLUSH), then pulling the backlog back with PULL_MESSAGE.
//! Prints msg/s and latency percentiles.
//!
//! Run: `cargo bench -p cometmq-broker --bench send_pull`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cometmq_broker::broker::Broker;
use cometmq_broker::config::{BrokerConfig, FlushDiskType};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{PullMessageResponseHeader, SendMessageRequestHeaderV2};
use cometmq_remoting::message::{create_uniq_key, decode_records, Properties};
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::request::{pull_header, send_header};

const RUN: Duration = Duration::from_secs(3);
const QUEUES: i32 = 8;

fn send_request(topic: &str, queue_id: i32, body: &Bytes) -> RemotingCommand {
    let mut props = Properties::new();
    props.insert("TAGS", "TagA");
    props.insert("UNIQ_KEY", create_uniq_key());
    let h = SendMessageRequestHeaderV2 {
        default_topic_queue_nums: QUEUES,
        ..send_header("bench", topic, queue_id, &props)
    };
    RemotingCommand::request_with_header(request::SEND_MESSAGE_V2, &h).with_body(body.clone())
}

async fn sends(addr: &str, client: &Arc<RemotingClient>, topic: &str, senders: usize) -> u64 {
    let body = Bytes::from(vec![b'x'; 1024]);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for s in 0..senders {
        let (client, addr, body, topic) = (
            client.clone(),
            addr.to_string(),
            body.clone(),
            topic.to_string(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = s as i32;
            while start.elapsed() < RUN {
                let t = Instant::now();
                let resp = client
                    .invoke(
                        &addr,
                        send_request(&topic, i % QUEUES, &body),
                        Duration::from_secs(10),
                    )
                    .await
                    .unwrap();
                assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
                lat.push(t.elapsed());
                i += 1;
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort();
    let pct =
        |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1e3;
    println!(
        "  {senders:>3} senders: {:>9.0} msg/s   p50 {:>6.2} ms   p99 {:>6.2} ms",
        all.len() as f64 / secs,
        pct(0.5),
        pct(0.99)
    );
    all.len() as u64
}

async fn pull_all(addr: &str, client: &RemotingClient, topic: &str, expected: u64) {
    let start = Instant::now();
    let mut total = 0u64;
    for q in 0..QUEUES {
        let mut offset = 0;
        loop {
            let h = pull_header("benchG", topic, q, offset, "*");
            let req = RemotingCommand::request_with_header(request::PULL_MESSAGE, &h);
            let resp = client
                .invoke(addr, req, Duration::from_secs(10))
                .await
                .unwrap();
            if resp.code != response::SUCCESS {
                break;
            }
            let rh: PullMessageResponseHeader = resp.decode_header().unwrap();
            total += decode_records(resp.body.to_bytes()).count() as u64;
            offset = rh.next_begin_offset;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "  pulled {total} of {expected} messages (32 per pull, one caller): {:>9.0} msg/s",
        total as f64 / secs
    );
}

async fn run(flush: FlushDiskType) {
    let store = tempfile::tempdir().unwrap();
    let broker = Broker::start(BrokerConfig {
        broker_ip1: "127.0.0.1".into(),
        listen_port: 0,
        store: cometmq_broker::config::StoreConfig {
            store_path_root_dir: store.path().to_path_buf(),
            flush_disk_type: flush,
            ..Default::default()
        },
        ..BrokerConfig::default()
    })
    .await
    .unwrap();
    let addr = broker.broker_addr().to_string();
    let client = Arc::new(RemotingClient::new(TransportConfig {
        connections_per_addr: 4,
        ..TransportConfig::default()
    }));
    println!("{flush}, 1 KiB bodies, one broker and its client in one process:");
    let topic = "BenchTopic";
    let mut sent = 0;
    for senders in [1, 32, 128] {
        sent += sends(&addr, &client, topic, senders).await;
    }
    if flush == FlushDiskType::AsyncFlush {
        pull_all(&addr, &client, topic, sent).await;
    }
    client.shutdown().await;
    broker.shutdown().await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        run(FlushDiskType::AsyncFlush).await;
        run(FlushDiskType::SyncFlush).await;
    });
}
