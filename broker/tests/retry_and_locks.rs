//! Retry and dead-letter routing (CONSUMER_SEND_MSG_BACK), and orderly-consumption locks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use cometmq_remoting::body::client::{LockBatchRequestBody, LockBatchResponseBody, MessageQueue};
use cometmq_remoting::body::fastjson;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::ConsumerSendMsgBackRequestHeader;
use cometmq_remoting::RemotingCommand;
use common::{messages, Cluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_messages_are_retried_then_dead_lettered() {
    // Retries wait in delay levels 3 + reconsume times: keep them short.
    let c = Cluster::start(|cfg| cfg.message_delay_level = "1s 1s 1s 1s 1s 1s".into()).await;
    assert_eq!(
        c.send("Pay", 0, Some("TagA"), None, b"charge").await.code,
        response::SUCCESS
    );
    assert_eq!(
        c.heartbeat("GPay", "Pay", "*").await.code,
        response::SUCCESS
    );
    let mut msg = messages(&c.pull("GPay", "Pay", 0, 0, "*", 10_000).await).remove(0);
    let original_id = msg.msg_id();
    let max = 2;
    // Each failure sends the message back; the copies land in %RETRY%GPay.
    for attempt in 1..=max {
        let back = ConsumerSendMsgBackRequestHeader {
            offset: msg.commit_log_offset,
            group: "GPay".into(),
            delay_level: 0,
            origin_msg_id: Some(original_id.clone()),
            origin_topic: Some("Pay".into()),
            max_reconsume_times: Some(max),
            ..Default::default()
        };
        let resp = c.send_back(&back).await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
        let got = messages(
            &c.pull("GPay", "%RETRY%GPay", 0, (attempt - 1) as i64, "*", 10_000)
                .await,
        );
        assert_eq!(got.len(), 1, "attempt {attempt}");
        msg = got.into_iter().next().unwrap();
        assert_eq!(msg.reconsume_times, attempt);
        assert_eq!(msg.body.as_ref(), b"charge");
        assert_eq!(msg.properties.get("RETRY_TOPIC"), Some("Pay"));
        assert_eq!(
            msg.properties.get("ORIGIN_MESSAGE_ID"),
            Some(original_id.as_str())
        );
        // Delivered from its delay level: DELAY removed, the real queue recorded.
        assert_eq!(msg.properties.get("DELAY"), None);
        assert_eq!(msg.properties.get("REAL_TOPIC"), Some("%RETRY%GPay"));
    }
    // One failure too many: the dead-letter topic.
    let back = ConsumerSendMsgBackRequestHeader {
        offset: msg.commit_log_offset,
        group: "GPay".into(),
        delay_level: 0,
        max_reconsume_times: Some(max),
        ..Default::default()
    };
    let resp = c.send_back(&back).await;
    assert_eq!(resp.code, response::SUCCESS);
    // The DLQ is write-only by default, as in RocketMQ: reading it needs a permission change.
    let resp = c.pull("GPay", "%DLQ%GPay", 0, 0, "*", 0).await;
    assert_eq!(resp.code, response::NO_PERMISSION);
    assert_eq!(c.wait_max_offset("%DLQ%GPay", 0, 1).await, 1);
    // A group that does not exist is refused.
    let back = ConsumerSendMsgBackRequestHeader {
        offset: msg.commit_log_offset,
        group: "NoSuchGroup".into(),
        delay_level: 0,
        ..Default::default()
    };
    let resp = c.send_back(&back).await;
    assert_eq!(resp.code, response::SUBSCRIPTION_GROUP_NOT_EXIST);
    c.stop().await;
}

fn lock_body(client: &str, queues: &[i32]) -> Vec<u8> {
    let body = LockBatchRequestBody {
        client_id: client.into(),
        consumer_group: "GLock".into(),
        mq_set: queues
            .iter()
            .map(|q| MessageQueue::new("Ordered", "broker-a", *q))
            .collect(),
        only_this_broker: false,
    };
    fastjson::to_vec(&body, fastjson::JsonStyle::Legacy).unwrap()
}

async fn lock(c: &Cluster, client: &str, queues: &[i32]) -> BTreeSet<i32> {
    let resp = c
        .call(RemotingCommand::request(request::LOCK_BATCH_MQ).with_body(lock_body(client, queues)))
        .await;
    assert_eq!(resp.code, response::SUCCESS);
    let body: LockBatchResponseBody = fastjson::from_slice(&resp.body.to_bytes()).unwrap();
    body.lock_ok_mq_set
        .into_iter()
        .map(|q| q.queue_id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orderly_locks_are_exclusive_between_clients() {
    let c = Cluster::start(|_| {}).await;
    assert_eq!(lock(&c, "client-1", &[0, 1]).await, BTreeSet::from([0, 1]));
    assert_eq!(lock(&c, "client-2", &[1, 2]).await, BTreeSet::from([2]));
    // Renewal by the holder keeps its queues.
    assert_eq!(
        lock(&c, "client-1", &[0, 1, 2]).await,
        BTreeSet::from([0, 1])
    );
    let resp = c
        .call(
            RemotingCommand::request(request::UNLOCK_BATCH_MQ)
                .with_body(lock_body("client-1", &[1])),
        )
        .await;
    assert_eq!(resp.code, response::SUCCESS);
    assert_eq!(lock(&c, "client-2", &[1]).await, BTreeSet::from([1]));
    // A garbage body is refused with a remark.
    let resp = c
        .call(RemotingCommand::request(request::LOCK_BATCH_MQ).with_body(b"{not json".to_vec()))
        .await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    assert!(resp.remark.unwrap().contains("lock"));
    c.stop().await;
}
