//! The single-broker message path end to end: send, pull with tag filters, long polling,
//! offsets, bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{PullMessageResponseHeader, SendMessageResponseHeader};
use common::{messages, Cluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_then_pull_with_a_tag_filter() {
    let c = Cluster::start(|_| {}).await;
    for i in 0..6 {
        let tag = if i % 2 == 0 { "TagA" } else { "TagB" };
        let resp = c
            .send(
                "Orders",
                0,
                Some(tag),
                Some(&format!("k{i}")),
                format!("body {i}").as_bytes(),
            )
            .await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
        let h: SendMessageResponseHeader = resp.decode_header().unwrap();
        assert_eq!((h.queue_id, h.queue_offset), (0, i));
        assert_eq!(h.msg_id.len(), 32);
    }
    // The topic was auto-created from TBW102 with 4 queues; a tag filter skips TagB.
    let got = c.pull_until("G1", "Orders", 0, 0, "TagA", 6).await;
    let bodies: Vec<_> = got
        .iter()
        .map(|m| String::from_utf8_lossy(&m.body).to_string())
        .collect();
    assert_eq!(bodies, vec!["body 0", "body 2", "body 4"]);
    assert_eq!(got[0].properties.get("CLUSTER"), Some("DefaultCluster"));
    let resp = c.pull("G1", "Orders", 0, 4, "TagA", 0).await;
    let h: PullMessageResponseHeader = resp.decode_header().unwrap();
    assert_eq!((h.min_offset, h.max_offset, h.next_begin_offset), (0, 6, 6));

    // A second group reads everything again.
    let all = c.pull_until("G2", "Orders", 0, 0, "*", 6).await;
    assert_eq!(all.len(), 6);
    // Nothing new: PULL_NOT_FOUND.
    let resp = c.pull("G2", "Orders", 0, 6, "*", 0).await;
    assert_eq!(resp.code, response::PULL_NOT_FOUND);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_polling_returns_a_new_message_before_the_timeout() {
    let c = Cluster::start(|_| {}).await;
    c.send("Poll", 1, None, None, b"first").await;
    // A consumer learns offsets from pulls: read the first message before waiting for more.
    assert_eq!(
        messages(&c.pull("GP", "Poll", 1, 0, "*", 10_000).await).len(),
        1
    );
    let c = std::sync::Arc::new(c);
    let waiter = {
        let c = c.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            // A 60 s hold: if the broker waited it out, the test would take a minute.
            let resp = c.pull("GP", "Poll", 1, 1, "*", 60_000).await;
            (resp, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = c.send("Poll", 1, None, None, b"second").await;
    assert_eq!(sent.code, response::SUCCESS);
    let (resp, waited) = waiter.await.unwrap();
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    assert_eq!(messages(&resp)[0].body.as_ref(), b"second");
    assert!(
        waited < Duration::from_secs(60),
        "the held pull was answered when the message arrived"
    );
    std::sync::Arc::try_unwrap(c).ok().unwrap().stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offsets_survive_a_broker_restart() {
    let mut c = Cluster::start(|_| {}).await;
    c.send("Offs", 2, None, None, b"m").await;
    let mut req = cometmq_remoting::RemotingCommand::request(request::UPDATE_CONSUMER_OFFSET);
    for (k, v) in [
        ("consumerGroup", "GO"),
        ("topic", "Offs"),
        ("queueId", "2"),
        ("commitOffset", "1"),
    ] {
        req.ext_fields.insert(k.into(), v.into());
    }
    assert_eq!(c.call(req).await.code, response::SUCCESS);
    c.restart_broker(|_| {}).await;
    let mut q = cometmq_remoting::RemotingCommand::request(request::QUERY_CONSUMER_OFFSET);
    for (k, v) in [("consumerGroup", "GO"), ("topic", "Offs"), ("queueId", "2")] {
        q.ext_fields.insert(k.into(), v.into());
    }
    let resp = c.call(q).await;
    assert_eq!(resp.code, response::SUCCESS);
    assert_eq!(resp.ext("offset"), Some("1"));
    // The message is still there, and the max offset is the count.
    assert_eq!(c.wait_max_offset("Offs", 2, 1).await, 1);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_clear_errors() {
    let c = Cluster::start(|cfg| cfg.store.max_message_size = 1024).await;
    let resp = c.send("bad topic!", 0, None, None, b"x").await;
    assert_eq!(resp.code, response::INVALID_PARAMETER);
    assert!(resp.remark.unwrap().contains("illegal"));

    let resp = c.send("Big", 0, None, None, &vec![0u8; 2048]).await;
    assert_eq!(resp.code, response::MESSAGE_ILLEGAL, "{:?}", resp.remark);

    let mut req = cometmq_remoting::RemotingCommand::request(request::SEND_MESSAGE_V2);
    req.ext_fields.insert("b".into(), "T".into());
    let resp = c.call(req).await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    assert!(resp.remark.unwrap().contains("<a>"));

    c.send("Known", 0, None, None, b"x").await;
    let resp = c.pull("G", "Known", 99, 0, "*", 0).await;
    assert_eq!(resp.code, response::INVALID_PARAMETER, "{:?}", resp.remark);
    let resp = c.pull("G", "Unknown", 0, 0, "*", 0).await;
    assert_eq!(resp.code, response::TOPIC_NOT_EXIST);
    let resp = c.pull("G", "Known", 0, 0, "TagA ||| TagB", 0).await;
    assert_eq!(resp.code, response::SUBSCRIPTION_PARSE_FAILED);
    // The broker still serves.
    assert_eq!(
        c.send("Known", 0, None, None, b"y").await.code,
        response::SUCCESS
    );
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overload_is_answered_with_system_busy() {
    // A send queue of capacity 0: every send finds the broker "full".
    let c = Cluster::start(|cfg| cfg.send_thread_pool_queue_capacity = 0).await;
    let resp = c.send("Busy", 0, None, None, b"x").await;
    assert_eq!(resp.code, response::SYSTEM_BUSY);
    assert!(resp.remark.unwrap().starts_with("[OVERLOAD]"));
    // Other requests are still served.
    assert_eq!(c.heartbeat("G", "Busy", "*").await.code, response::SUCCESS);
    c.stop().await;
}
