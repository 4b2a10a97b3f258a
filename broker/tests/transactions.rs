//! Transactional (half) messages end to end, driven by a raw producer that answers
//! CHECK_TRANSACTION_STATE as RocketMQ clients do: commit and rollback, check-backs,
//! another producer of the group answering, giving up after the maximum number of
//! checks, and a kill -9 of a broker process with half messages pending.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bytes::Bytes;
use cometmq_broker::config::BrokerConfig;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::SendMessageRequestHeaderV2;
use cometmq_remoting::message::{
    create_uniq_key, decode_records, parse_offset_msg_id, sysflag, Properties, StoredRecord,
};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::free_port;
use cometmq_testkit::request::{pull_header, send_header};
use common::process;
use common::txn::{Producer, COMMIT, ROLLBACK, UNKNOWN};
use common::{eventually, messages, now_ms, Cluster, T};

const HALF: &str = "RMQ_SYS_TRANS_HALF_TOPIC";
const OP: &str = "RMQ_SYS_TRANS_OP_HALF_TOPIC";
const GIVEN_UP: &str = "TRANS_CHECK_MAX_TIME_TOPIC";
const CHECK_GROUP: &str = "CID_RMQ_SYS_TRANS";

fn fast_checks(cfg: &mut BrokerConfig) {
    cfg.transaction_time_out = 1000;
    cfg.transaction_check_interval = 300;
}

fn body(m: &StoredRecord) -> String {
    String::from_utf8_lossy(&m.body).to_string()
}

/// Waits (bounded) until `topic`/`queue_id` holds `n` messages, then reads them all.
async fn read_all(c: &Cluster, topic: &str, queue_id: i32, n: i64) -> Vec<StoredRecord> {
    eventually(&format!("{n} messages in {topic}/{queue_id}"), || async {
        (c.max_offset(topic, queue_id).await >= n).then_some(())
    })
    .await;
    messages(&c.pull("GRead", topic, queue_id, 0, "*", 0).await)
}

/// The check service's offset in the half queue.
fn check_offset(c: &Cluster) -> Option<i64> {
    c.broker
        .as_ref()
        .unwrap()
        .state
        .offsets
        .query(CHECK_GROUP, HALF, 0)
}

/// Waits (bounded) until the check service has handled every half message stored so far.
async fn checks_settle(c: &Cluster) {
    let max = c.max_offset(HALF, 0).await;
    eventually("the check service to pass every half message", || async {
        (check_offset(c)? >= max).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_is_visible_once_and_rollback_never() {
    let c = Cluster::start(fast_checks).await;
    let addr = c.broker_addr.clone();
    let p = Producer::new("PGTx", |_| None);
    p.heartbeat(&addr).await;
    let h1 = p.send_half(&addr, "Tx", 0, "commit me").await;
    let h2 = p.send_half(&addr, "Tx", 0, "roll me back").await;
    // The response refers to the half record, in the queue the producer chose.
    assert_eq!((h1.resp.queue_id, h1.resp.queue_offset), (0, 0));
    assert_eq!((h2.resp.queue_id, h2.resp.queue_offset), (0, 1));
    assert_eq!(h1.resp.transaction_id.as_deref(), Some(h1.uniq.as_str()));
    // Half messages wait in the half topic, invisible to consumers of the real topic.
    assert_eq!(c.wait_max_offset(HALF, 0, 2).await, 2);
    assert_eq!(c.max_offset("Tx", 0).await, 0);

    // Wrong producer group or offsets: refused, nothing written.
    let mut wrong = h1.clone();
    wrong.resp.queue_offset = 1;
    assert_eq!(
        p.end_sync(&addr, &wrong, COMMIT).await.code,
        response::SYSTEM_ERROR
    );
    let other = Producer::new("PGOther", |_| None);
    assert_eq!(
        other.end_sync(&addr, &h1, COMMIT).await.code,
        response::SYSTEM_ERROR
    );
    assert_eq!(
        p.end_sync(&addr, &h1, 5).await.code,
        response::INVALID_PARAMETER
    );
    // Unknown: nothing happens.
    assert_eq!(
        p.end_sync(&addr, &h1, UNKNOWN).await.code,
        response::SUCCESS
    );

    p.end(&addr, &h1, COMMIT).await;
    p.end(&addr, &h2, ROLLBACK).await;
    // Both decisions leave an op record (tag d, body = half queue offset).
    assert_eq!(c.wait_max_offset(OP, 0, 2).await, 2);
    let ops = messages(&c.pull("GRead", OP, 0, 0, "*", 0).await);
    let mut named: Vec<String> = ops.iter().map(body).collect();
    named.sort();
    assert_eq!(named, vec!["0", "1"]);
    assert!(ops.iter().all(|m| m.tags() == Some("d")));

    let got = read_all(&c, "Tx", 0, 1).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(body(m), "commit me");
    assert_eq!(
        sysflag::transaction_value(m.sys_flag),
        sysflag::TRANSACTION_COMMIT_TYPE
    );
    assert_eq!(m.prepared_transaction_offset, h1.commit_log_offset);
    assert_eq!(m.uniq_key(), Some(h1.uniq.as_str()));
    assert_eq!(
        m.properties.get("__transactionId__"),
        Some(h1.uniq.as_str())
    );
    assert_eq!(m.properties.get("PGROUP"), Some("PGTx"));
    for gone in ["TRAN_MSG", "REAL_TOPIC", "REAL_QID"] {
        assert_eq!(m.properties.get(gone), None, "{gone}");
    }
    // Tag filtering works on the committed message.
    assert_eq!(
        messages(&c.pull("GTag", "Tx", 0, 0, "TagT", 0).await).len(),
        1
    );

    // The check service passes both decided messages without asking the producer.
    checks_settle(&c).await;
    assert_eq!(c.max_offset("Tx", 0).await, 1);
    assert!(p.checks().is_empty());
    let state = &c.broker.as_ref().unwrap().state;
    assert_eq!(
        cometmq_broker::transaction::runtime_info(state),
        vec![("transactionCheckOffset".to_string(), "2,2".to_string())]
    );
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_state_is_checked_back_then_committed() {
    let c = Cluster::start(fast_checks).await;
    let addr = c.broker_addr.clone();
    let p = Producer::new("PGCheck", |_| Some(COMMIT));
    p.heartbeat(&addr).await;
    let half = p.send_half(&addr, "TxCheck", 1, "decided later").await;
    p.end(&addr, &half, UNKNOWN).await;

    let got = read_all(&c, "TxCheck", 1, 1).await;
    assert_eq!(body(&got[0]), "decided later");
    let checks = p.checks();
    assert_eq!(checks.len(), 1);
    let ck = &checks[0];
    let h = &ck.header;
    assert_eq!(h.topic.as_deref(), Some("TxCheck"));
    assert_eq!(h.msg_id.as_deref(), Some(half.uniq.as_str()));
    assert_eq!(h.transaction_id.as_deref(), Some(half.uniq.as_str()));
    assert!(h.broker_name.is_some());
    // The check is about the re-appended copy (half queue offset 1), not the original.
    assert_eq!(h.tran_state_table_offset, 1);
    let offset_id = parse_offset_msg_id(h.offset_msg_id.as_deref().unwrap()).unwrap();
    assert_eq!(offset_id.offset, h.commit_log_offset);
    assert_ne!(h.commit_log_offset, half.commit_log_offset);
    // The body is the half message with its real topic and queue restored.
    let msg = &ck.msg;
    assert_eq!((msg.topic.as_str(), msg.queue_id), ("TxCheck", 1));
    assert_eq!(msg.transaction_id(), Some(half.uniq.as_str()));
    assert_eq!(msg.properties.get("TRANSACTION_CHECK_TIMES"), Some("1"));
    assert_eq!(
        (msg.queue_offset, msg.commit_log_offset),
        (1, h.commit_log_offset)
    );
    assert_eq!(body(msg), "decided later");
    assert_eq!(got[0].prepared_transaction_offset, h.commit_log_offset);

    checks_settle(&c).await;
    assert_eq!(c.max_offset("TxCheck", 1).await, 1);
    assert_eq!(p.checks().len(), 1);

    // A late commit of the original half record (the producer's own decision arriving
    // after it answered the check): the transaction is not committed twice.
    assert_eq!(
        p.end_sync(&addr, &half, COMMIT).await.code,
        response::SUCCESS
    );
    assert_eq!(c.wait_max_offset(OP, 0, 2).await, 2);
    assert_eq!(c.max_offset("TxCheck", 1).await, 1);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_producer_of_the_group_answers_the_check() {
    let c = Cluster::start(fast_checks).await;
    let addr = c.broker_addr.clone();
    let first = Producer::new("PGShared", |_| None);
    first.heartbeat(&addr).await;
    let half = first.send_half(&addr, "TxShared", 0, "orphan").await;
    // The producer dies before deciding.
    first.shutdown().await;
    let second = Producer::new("PGShared", |_| Some(COMMIT));
    second.heartbeat(&addr).await;

    let got = read_all(&c, "TxShared", 0, 1).await;
    assert_eq!(body(&got[0]), "orphan");
    assert_eq!(got[0].uniq_key(), Some(half.uniq.as_str()));
    assert!(first.checks().is_empty());
    assert!(!second.checks().is_empty());
    checks_settle(&c).await;
    assert_eq!(c.max_offset("TxShared", 0).await, 1);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecided_messages_are_moved_aside_after_the_maximum_checks() {
    let c = Cluster::start(|cfg| {
        fast_checks(cfg);
        cfg.transaction_check_max = 2;
    })
    .await;
    let addr = c.broker_addr.clone();
    let p = Producer::new("PGUnsure", |_| Some(UNKNOWN));
    p.heartbeat(&addr).await;
    let half = p.send_half(&addr, "TxUnsure", 0, "never decided").await;

    let moved = read_all(&c, GIVEN_UP, 0, 1).await;
    assert_eq!(moved.len(), 1);
    let m = &moved[0];
    assert_eq!(body(m), "never decided");
    assert_eq!(m.properties.get("REAL_TOPIC"), Some("TxUnsure"));
    assert_eq!(m.properties.get("TRANSACTION_CHECK_TIMES"), Some("2"));
    assert_eq!(m.uniq_key(), Some(half.uniq.as_str()));
    let times: Vec<String> = p
        .checks()
        .iter()
        .map(|ck| {
            ck.msg
                .properties
                .get("TRANSACTION_CHECK_TIMES")
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(times, vec!["1", "2"]);
    // Given up: never checked again, never visible.
    checks_settle(&c).await;
    assert_eq!(p.checks().len(), 2);
    assert_eq!(c.max_offset("TxUnsure", 0).await, 0);
    c.stop().await;
}

// ---- kill -9 of a broker process ----

/// Sends a plain message with a delay level through `p`'s client.
async fn send_delayed(p: &Producer, addr: &str, topic: &str, body: &str, level: i32) {
    let mut props = Properties::new();
    props.insert("UNIQ_KEY", create_uniq_key());
    props.insert("DELAY", level.to_string());
    let h = SendMessageRequestHeaderV2 {
        born_timestamp: now_ms(),
        ..send_header(&p.group, topic, 0, &props)
    };
    let req = RemotingCommand::request_with_header(request::SEND_MESSAGE_V2, &h)
        .with_body(Bytes::copy_from_slice(body.as_bytes()));
    let resp = p.client.invoke(addr, req, T).await.unwrap();
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
}

/// Reads a queue over the wire from offset 0 (a pull with an explicit subscription).
async fn pull_all(p: &Producer, addr: &str, topic: &str) -> Vec<StoredRecord> {
    let h = pull_header("GCrashRead", topic, 0, 0, "*");
    let req = RemotingCommand::request_with_header(request::PULL_MESSAGE, &h);
    let resp = p.client.invoke(addr, req, T).await.unwrap();
    if resp.code != response::SUCCESS {
        return Vec::new();
    }
    decode_records(resp.body.to_bytes())
        .map(|m| m.unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_with_half_messages_pending_loses_nothing_committed() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let conf = dir.path().join("broker.conf");
    let log = dir.path().join("broker.log");
    std::fs::write(
        &conf,
        format!(
            "brokerIP1=127.0.0.1\nlistenPort={port}\nstorePathRootDir={}\n\
             transactionTimeOut=1000\ntransactionCheckInterval=300\n\
             messageDelayLevel=1s 2s 5s\nflushDelayOffsetInterval=200\n\
             mapedFileSizeCommitLog=4194304\nmapedFileSizeConsumeQueue=20000\n\
             maxHashSlotNum=1000\nmaxIndexNum=4000\n",
            dir.path().join("store").display()
        ),
    )
    .unwrap();
    let broker = process::start(&conf, &log, port).await;

    // Before the crash the producer is connected but silent: checks go unanswered.
    let p = Producer::new("PGCrash", |_| None);
    p.heartbeat(&addr).await;
    let one = p.send_half(&addr, "TxCrash", 0, "one").await;
    p.send_half(&addr, "TxCrash", 0, "two").await;
    p.send_half(&addr, "TxCrash", 0, "three").await;
    let delayed_at = now_ms();
    send_delayed(&p, &addr, "TxCrashDelay", "later", 3).await;
    p.end(&addr, &one, COMMIT).await;
    eventually("the commit and its op record", || async {
        let done =
            p.max_offset(&addr, "TxCrash", 0).await >= 1 && p.max_offset(&addr, OP, 0).await >= 1;
        done.then_some(())
    })
    .await;
    eventually("checks of the two pending messages", || async {
        (p.checks().len() >= 2).then_some(())
    })
    .await;
    broker.kill9();
    // No shutdown ran: the store's abort marker is still there, so the restart recovers
    // as after a crash.
    assert!(dir.path().join("store/abort").exists());

    let _broker = process::start(&conf, &log, port).await;
    let before = p.checks().len();
    p.set_decide(|m| match m.body.as_ref() {
        b"two" => Some(COMMIT),
        b"three" => Some(ROLLBACK),
        _ => None,
    });
    p.client.close_connections(&addr);
    p.heartbeat(&addr).await;

    // Checks resume: "two" is committed, "three" rolled back.
    eventually("the check-back commit after the restart", || async {
        (p.max_offset(&addr, "TxCrash", 0).await >= 2).then_some(())
    })
    .await;
    eventually("a check of the rolled-back message", || async {
        p.checks()[before..]
            .iter()
            .any(|ck| ck.msg.body.as_ref() == b"three")
            .then_some(())
    })
    .await;
    eventually("the check service to pass every half message", || async {
        let max = p.max_offset(&addr, HALF, 0).await;
        let at = p.consumer_offset(&addr, CHECK_GROUP, HALF, 0).await?;
        (at >= max).then_some(())
    })
    .await;
    let committed: Vec<String> = pull_all(&p, &addr, "TxCrash")
        .await
        .iter()
        .map(body)
        .collect();
    assert_eq!(committed, vec!["one", "two"]);

    // The delayed message sent before the crash is delivered, not before it is due.
    let delayed = eventually("the delayed message", || async {
        let got = pull_all(&p, &addr, "TxCrashDelay").await;
        (!got.is_empty()).then_some(got)
    })
    .await;
    assert_eq!(body(&delayed[0]), "later");
    assert!(delayed[0].store_timestamp >= delayed_at + 5000);
    p.shutdown().await;
}
