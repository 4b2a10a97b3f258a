//! SYNC_FLUSH end to end: a broker process acknowledges sends only after they are on disk,
//! so a kill -9 in the middle of a stream of sends loses nothing it acknowledged.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::SendMessageResponseHeader;
use cometmq_remoting::message::{create_uniq_key, Properties};
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::free_port;
use cometmq_testkit::request::send_header;
use common::process;
use common::Cluster;

const SENDERS: usize = 8;
const ACKS_BEFORE_KILL: usize = 400;

fn send_request(queue_id: i32, body: String) -> RemotingCommand {
    let mut props = Properties::new();
    props.insert("UNIQ_KEY", create_uniq_key());
    let h = send_header("PDur", "Durable", queue_id, &props);
    RemotingCommand::request_with_header(request::SEND_MESSAGE_V2, &h).with_body(Bytes::from(body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_flush_acks_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let conf = dir.path().join("broker.conf");
    std::fs::write(
        &conf,
        format!(
            "brokerIP1=127.0.0.1\nlistenPort={port}\nstorePathRootDir={}\nflushDiskType=SYNC_FLUSH\n\
             mapedFileSizeCommitLog=1048576\nmaxHashSlotNum=1000\nmaxIndexNum=4000\n",
            dir.path().join("store").display()
        ),
    )
    .unwrap();
    let log = dir.path().join("broker.log");
    let broker = process::start(&conf, &log, port).await;

    // (queue, queue offset) → body, for every acknowledged send.
    let acked: Arc<Mutex<BTreeMap<(i32, i64), String>>> = Arc::default();
    let client = Arc::new(RemotingClient::new(TransportConfig::default()));
    let mut senders = Vec::new();
    for s in 0..SENDERS {
        let (client, acked, addr) = (client.clone(), acked.clone(), addr.clone());
        senders.push(tokio::spawn(async move {
            for i in 0.. {
                let queue = (s % 4) as i32;
                let body = format!("sender {s} message {i}");
                match client
                    .invoke(
                        &addr,
                        send_request(queue, body.clone()),
                        Duration::from_secs(10),
                    )
                    .await
                {
                    Ok(resp) if resp.code == response::SUCCESS => {
                        let h: SendMessageResponseHeader = resp.decode_header().unwrap();
                        acked
                            .lock()
                            .unwrap()
                            .insert((h.queue_id, h.queue_offset), body);
                    }
                    // The broker died under us: stop sending.
                    _ => return,
                }
            }
        }));
    }
    for _ in 0..2000 {
        if acked.lock().unwrap().len() >= ACKS_BEFORE_KILL {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    broker.kill9();
    for s in senders {
        s.await.unwrap();
    }
    client.shutdown().await;
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= ACKS_BEFORE_KILL,
        "only {} sends were acknowledged",
        acked.len()
    );
    assert!(
        dir.path().join("store/abort").exists(),
        "kill -9 leaves the abort file"
    );

    // Restart on the same store and read every queue back.
    let _broker = process::start(&conf, &log, port).await;
    let reader = Cluster::attach(&addr).await;
    let mut found = 0;
    for queue in 0..4 {
        let want: Vec<(&(i32, i64), &String)> =
            acked.range((queue, 0)..(queue, i64::MAX)).collect();
        let Some(last) = want.last().map(|(k, _)| k.1) else {
            continue;
        };
        let got = reader
            .pull_until("GDur", "Durable", queue, 0, "*", last + 1)
            .await;
        let by_offset: BTreeMap<i64, String> = got
            .iter()
            .map(|m| (m.queue_offset, String::from_utf8_lossy(&m.body).to_string()))
            .collect();
        for ((_, offset), body) in want {
            assert_eq!(
                by_offset.get(offset),
                Some(body),
                "acknowledged message at {queue}:{offset}"
            );
            found += 1;
        }
    }
    assert_eq!(found, acked.len());
}
