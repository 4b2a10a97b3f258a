//! Side by side with Apache RocketMQ's broker (issue 16): one broker writes a store, stops
//! (cleanly, or with kill -9), and the other opens the same `storePathRootDir` and must
//! serve all of it.
//!
//! - Upgrade in place: the Java broker writes, `mqbroker` reads.
//! - Roll back: `mqbroker` writes, the Java broker reads.
//!
//! What is written: two topics over six queues with tags and keys, enough to roll the
//! 1 MiB CommitLog files over; committed offsets of two groups; delay-level messages
//! still pending at the stop; a half message with no outcome yet. What is checked on the
//! other broker: every message by pull (bodies, tags, keys, order, queue offsets), by key
//! and by id; every committed offset; the delayed messages delivered when due; the half
//! message checked back and committed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    QueryMessageRequestHeader, SendMessageRequestHeaderV2, SendMessageResponseHeader,
    ViewMessageRequestHeader,
};
use cometmq_remoting::message::{create_uniq_key, parse_offset_msg_id, Properties, StoredRecord};
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::request::{create_group, send_header};
use common::ha::{max_offset, read_queue};
use common::java::{self, Server};
use common::txn;
use common::{eventually, messages, now_ms, T};

/// Topics and their queue counts.
const TOPICS: [(&str, i32); 2] = [("UpOrders", 4), ("UpEvents", 2)];
const MESSAGES: usize = 900;
/// Level 3 of the test's `messageDelayLevel`.
const DELAY_LEVEL: i32 = 3;
const DELAY_MS: i64 = 20_000;
const DELAY_TOPIC: &str = "UpDelayed";
const TXN_TOPIC: &str = "UpTxn";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Side {
    Java,
    Comet,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Stop {
    Clean,
    Kill9,
}

/// One message as sent, to compare with what is read back.
#[derive(Debug, Clone)]
struct Sent {
    topic: &'static str,
    queue_id: i32,
    body: Vec<u8>,
    tags: String,
    keys: String,
    msg_id: String,
    queue_offset: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_in_place_after_a_clean_stop() {
    side_by_side(Side::Java, Side::Comet, Stop::Clean).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_in_place_after_kill9() {
    side_by_side(Side::Java, Side::Comet, Stop::Kill9).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roll_back_after_a_clean_stop() {
    side_by_side(Side::Comet, Side::Java, Stop::Clean).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roll_back_after_kill9() {
    side_by_side(Side::Comet, Side::Java, Stop::Kill9).await;
}

async fn start(side: Side, dir: &Path, name: &str, port: u16) -> Server {
    let conf = dir.join(format!("{name}.conf"));
    let home = dir.join(name);
    match side {
        Side::Java => Server::java_broker(&conf, &home, port).await,
        Side::Comet => java::mqbroker(&conf, &home, port).await,
    }
}

async fn side_by_side(writer: Side, reader: Side, stop: Stop) {
    if !java::available() {
        return;
    }
    let _serial = java::SERIAL.lock().await;
    let ns = cometmq_testkit::namesrv::Namesrv::start().await;
    let namesrv = ns.addr.clone();
    let dir = tempfile::tempdir().unwrap();
    let port = java::broker_port();
    let addr = format!("127.0.0.1:{port}");
    // The writer never checks half messages back; the reader does, soon.
    for (file, check) in [("writer.conf", "3600000"), ("reader.conf", "1000")] {
        let props = java::conf(
            dir.path(),
            "side-a",
            &namesrv,
            port,
            &[
                ("autoCreateTopicEnable", "true"),
                ("messageDelayLevel", "1s 5s 20s 30s 1m"),
                ("transactionTimeOut", "1000"),
                ("transactionCheckInterval", check),
            ],
        );
        java::write_conf(&dir.path().join(file), &props);
    }
    let client = RemotingClient::new(TransportConfig::default());

    // The writer.
    let w = start(writer, dir.path(), "writer", port).await;
    for (topic, queues) in TOPICS {
        java::create_topic(&client, &addr, topic, queues).await;
    }
    java::create_topic(&client, &addr, DELAY_TOPIC, 1).await;
    java::create_topic(&client, &addr, TXN_TOPIC, 1).await;
    let sent = send_all(&client, &addr).await;
    let committed = commit_offsets(&client, &addr, &sent).await;
    let txn = txn::Producer::new("UpTxnPG", |_| Some(txn::COMMIT));
    txn.set_decide(|_| None);
    let half = txn
        .send_half(&addr, TXN_TOPIC, 0, "half of a transaction")
        .await;
    let delayed_at = now_ms();
    let delayed = send_delayed(&client, &addr).await;
    let logs = dir.path().join("store/commitlog");
    assert!(
        std::fs::read_dir(&logs).unwrap().count() >= 2,
        "the CommitLog rolled over to a second file"
    );
    match stop {
        Stop::Clean => w.stop().await,
        Stop::Kill9 => {
            // The kill loses nothing written, but offsets are persisted periodically
            // (flushConsumerOffsetInterval): wait until the file has them.
            wait_offsets_persisted(dir.path(), &committed).await;
            w.kill9();
        }
    }
    client.close_connections(&addr);

    // The reader, on the same store.
    let r = start(reader, dir.path(), "reader", port).await;
    let log_tail = || r.log_tail();
    // The transactional producer reconnects at once, as a live client would, and now
    // commits when asked.
    txn.client.close_connections(&addr);
    txn.set_decide(|_| Some(txn::COMMIT));
    txn.heartbeat(&addr).await;

    // Every message, by pull, in order.
    for (topic, queues) in TOPICS {
        for q in 0..queues {
            let want: Vec<&Sent> = sent
                .iter()
                .filter(|s| s.topic == topic && s.queue_id == q)
                .collect();
            let max = eventually("the reader to dispatch the queue", || async {
                let m = max_offset(&client, &addr, topic, q).await;
                (m >= want.len() as i64).then_some(m)
            })
            .await;
            assert_eq!(max, want.len() as i64, "{topic}:{q}\n{}", log_tail());
            let got = read_queue(&client, &addr, "UpVerifyG", topic, q, 0, max).await;
            assert_eq!(got.len(), want.len(), "{topic}:{q}");
            for (m, s) in got.iter().zip(&want) {
                assert_same(m, s);
            }
        }
    }
    // By id and by key.
    for s in sent.iter().step_by(97) {
        let phys = parse_offset_msg_id(&s.msg_id).unwrap().offset;
        let h = ViewMessageRequestHeader {
            offset: phys,
            topic: None,
        };
        let resp = call(
            &client,
            &addr,
            RemotingCommand::request_with_header(request::VIEW_MESSAGE_BY_ID, &h),
        )
        .await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
        assert_same(&messages(&resp)[0], s);

        let key = s.keys.split(' ').next().unwrap();
        let h = QueryMessageRequestHeader {
            topic: s.topic.into(),
            key: key.into(),
            max_num: 32,
            begin_timestamp: 0,
            end_timestamp: i64::MAX,
            unique_key_query: None,
        };
        let found = eventually("the message by key", || async {
            let resp = call(
                &client,
                &addr,
                RemotingCommand::request_with_header(request::QUERY_MESSAGE, &h),
            )
            .await;
            (resp.code == response::SUCCESS).then(|| messages(&resp))
        })
        .await;
        assert!(
            found.iter().any(|m| m.body.as_ref() == s.body.as_slice()),
            "key {key} finds its message"
        );
    }
    // Every committed offset, unmoved.
    for ((group, topic, q), offset) in &committed {
        let got = txn.consumer_offset(&addr, group, topic, *q).await;
        assert_eq!(got, Some(*offset), "{group} {topic}:{q}\n{}", log_tail());
    }
    // The delayed messages arrive when due, and not before.
    let arrived = eventually("the delayed messages", || async {
        let got = read_queue(
            &client,
            &addr,
            "UpDelayG",
            DELAY_TOPIC,
            0,
            0,
            delayed.len() as i64,
        )
        .await;
        (got.len() >= delayed.len()).then_some(got)
    })
    .await;
    for m in &arrived {
        assert!(delayed.contains(&m.body.to_vec()), "an unexpected message");
        assert!(
            m.store_timestamp >= delayed_at + DELAY_MS - 1000,
            "delivered at {} for a delay of {DELAY_MS} ms from {delayed_at}",
            m.store_timestamp
        );
    }
    // The half message is checked back by the reader and committed.
    let mut committed_txn = None;
    for _ in 0..120 {
        txn.heartbeat(&addr).await;
        if max_offset(&client, &addr, TXN_TOPIC, 0).await >= 1 {
            let got = read_queue(&client, &addr, "UpTxnG", TXN_TOPIC, 0, 0, 1).await;
            committed_txn = got.into_iter().next();
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let committed_txn = committed_txn.unwrap_or_else(|| {
        panic!(
            "the half message was never checked back and committed ({} checks)\n{}",
            txn.checks().len(),
            log_tail()
        )
    });
    assert_eq!(committed_txn.body.as_ref(), b"half of a transaction");
    assert_eq!(
        committed_txn.properties.get("UNIQ_KEY"),
        Some(half.uniq.as_str())
    );
    assert!(!txn.checks().is_empty(), "the producer was asked");

    txn.shutdown().await;
    client.shutdown().await;
    r.stop().await;
    ns.stop().await;
}

async fn call(c: &RemotingClient, addr: &str, req: RemotingCommand) -> RemotingCommand {
    c.invoke(addr, req, T).await.unwrap()
}

fn send_request(
    topic: &str,
    queue_id: i32,
    tags: &str,
    keys: &str,
    body: Vec<u8>,
    delay: Option<i32>,
) -> RemotingCommand {
    let mut props = Properties::new();
    props.insert("TAGS", tags);
    props.insert("KEYS", keys);
    props.insert("UNIQ_KEY", create_uniq_key());
    if let Some(level) = delay {
        props.insert("DELAY", level.to_string());
    }
    let h = SendMessageRequestHeaderV2 {
        born_timestamp: now_ms(),
        ..send_header("UpPG", topic, queue_id, &props)
    };
    RemotingCommand::request_with_header(request::SEND_MESSAGE_V2, &h).with_body(Bytes::from(body))
}

/// Sends every message; bodies of about 2.5 KiB roll the 1 MiB CommitLog files over.
async fn send_all(c: &RemotingClient, addr: &str) -> Vec<Sent> {
    let mut sent = Vec::with_capacity(MESSAGES);
    for i in 0..MESSAGES {
        let (topic, queues) = TOPICS[i % 3 / 2];
        let queue_id = (i as i32) % queues;
        let tags = if i % 2 == 0 { "TagA" } else { "TagB" };
        let keys = format!("up-key-{i} order-{}", i / 10);
        let mut body = format!("message {i} of the side-by-side test ").into_bytes();
        body.resize(2500, b'a' + (i % 26) as u8);
        let resp = call(
            c,
            addr,
            send_request(topic, queue_id, tags, &keys, body.clone(), None),
        )
        .await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
        let h: SendMessageResponseHeader = resp.decode_header().unwrap();
        sent.push(Sent {
            topic,
            queue_id,
            body,
            tags: tags.into(),
            keys,
            msg_id: h.msg_id,
            queue_offset: h.queue_offset,
        });
    }
    sent
}

async fn send_delayed(c: &RemotingClient, addr: &str) -> Vec<Vec<u8>> {
    let mut bodies = Vec::new();
    for i in 0..3 {
        let body = format!("delayed {i}").into_bytes();
        let req = send_request(
            DELAY_TOPIC,
            0,
            "Later",
            &format!("delayed-{i}"),
            body.clone(),
            Some(DELAY_LEVEL),
        );
        let resp = call(c, addr, req).await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
        bodies.push(body);
    }
    bodies
}

type Offsets = BTreeMap<(String, String, i32), i64>;

/// Commits offsets for two groups: half of each queue for one, a third for the other.
async fn commit_offsets(c: &RemotingClient, addr: &str, sent: &[Sent]) -> Offsets {
    let mut committed = Offsets::new();
    // A 5.x broker refuses offsets of a group it does not know (SUBSCRIPTION_GROUP_NOT_EXIST).
    for group in ["UpGroupA", "UpGroupB"] {
        let resp = call(c, addr, create_group(group)).await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    }
    for (topic, queues) in TOPICS {
        for q in 0..queues {
            let n = sent
                .iter()
                .filter(|s| s.topic == topic && s.queue_id == q)
                .count() as i64;
            for (group, offset) in [("UpGroupA", n / 2), ("UpGroupB", n / 3)] {
                let req = cometmq_testkit::request::commit_offset(group, topic, q, offset);
                let resp = call(c, addr, req).await;
                assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
                committed.insert((group.into(), topic.into(), q), offset);
            }
        }
    }
    committed
}

/// Waits until `config/consumerOffset.json` holds every committed offset.
async fn wait_offsets_persisted(dir: &Path, committed: &Offsets) {
    let path = dir.join("store/config/consumerOffset.json");
    eventually("offsets persisted", || async {
        let text = std::fs::read_to_string(&path).ok()?;
        committed
            .iter()
            .all(|((g, t, q), o)| {
                let table_key = format!("\"{t}@{g}\"");
                text.contains(&table_key) && text.contains(&format!("{q}:{o}"))
            })
            .then_some(())
    })
    .await;
}

fn assert_same(m: &StoredRecord, s: &Sent) {
    assert_eq!(m.topic, s.topic);
    assert_eq!(m.queue_id, s.queue_id);
    assert_eq!(m.queue_offset, s.queue_offset, "{}", s.keys);
    assert_eq!(m.body.as_ref(), s.body.as_slice(), "{}", s.keys);
    assert_eq!(m.properties.get("TAGS"), Some(s.tags.as_str()));
    assert_eq!(m.properties.get("KEYS"), Some(s.keys.as_str()));
}
