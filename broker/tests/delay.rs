//! Delayed messages by level, end to end: each level is delivered no earlier than due
//! and is delivered; progress survives a restart; retries wait their level; the
//! operator views (GET_ALL_DELAY_OFFSET, runtime info, delayOffset.json).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use cometmq_broker::schedule::DelayOffsetSerializeWrapper;
use cometmq_remoting::body::fastjson;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{ConsumerSendMsgBackRequestHeader, SendMessageResponseHeader};
use cometmq_remoting::message::StoredRecord;
use cometmq_remoting::RemotingCommand;
use common::{eventually, messages, now_ms, Cluster};

const SCHEDULE: &str = "SCHEDULE_TOPIC_XXXX";
fn short_levels(cfg: &mut cometmq_broker::config::BrokerConfig) {
    cfg.message_delay_level = "1s 2s 3s".into();
    cfg.flush_delay_offset_interval = 200;
}

/// Sends `body` to `topic` queue `queue_id` with delay `level`; returns the send time
/// (taken before sending) and the response header.
async fn send_delayed(
    c: &Cluster,
    topic: &str,
    queue_id: i32,
    tag: &str,
    body: &str,
    level: i32,
) -> (i64, SendMessageResponseHeader) {
    let sent = now_ms();
    let resp = c
        .send_with(topic, queue_id, Some(tag), None, body.as_bytes(), |h| {
            let mut props = h.properties.take().unwrap_or_default();
            props.push_str(&format!("DELAY\u{1}{level}\u{2}"));
            h.properties = Some(props);
        })
        .await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    (sent, resp.decode_header().unwrap())
}

/// Waits (bounded) until `topic`/`queue_id` holds `n` messages, then reads them all.
async fn read_all(c: &Cluster, topic: &str, queue_id: i32, n: i64) -> Vec<StoredRecord> {
    eventually(&format!("{n} messages in {topic}/{queue_id}"), || async {
        (c.max_offset(topic, queue_id).await >= n).then_some(())
    })
    .await;
    let resp = c.pull("GRead", topic, queue_id, 0, "*", 0).await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    messages(&resp)
}

fn body(m: &StoredRecord) -> String {
    String::from_utf8_lossy(&m.body).to_string()
}

async fn all_delay_offsets(c: &Cluster) -> BTreeMap<i32, i64> {
    let resp = c
        .call(RemotingCommand::request(request::GET_ALL_DELAY_OFFSET))
        .await;
    assert_eq!(resp.code, response::SUCCESS);
    let w: DelayOffsetSerializeWrapper = fastjson::from_slice(&resp.body.to_bytes()).unwrap();
    w.offset_table
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_level_is_delivered_when_due() {
    let c = Cluster::start(short_levels).await;
    // Level 9 is beyond the table: clamped to the last level (3 s).
    let plan = [(1, 1000), (2, 2000), (3, 3000), (9, 3000)];
    let mut sent = BTreeMap::new();
    for (i, (level, delay)) in plan.iter().enumerate() {
        let (at, h) = send_delayed(&c, "Later", 1, "TagA", &format!("m{i}"), *level).await;
        // The response names the queue the producer chose.
        assert_eq!(h.queue_id, 1);
        assert_eq!(h.msg_id.len(), 32);
        sent.insert(format!("m{i}"), (at, *delay));
    }
    // They wait in the schedule topic, one queue per level.
    assert_eq!(c.wait_max_offset(SCHEDULE, 0, 1).await, 1);
    assert_eq!(c.wait_max_offset(SCHEDULE, 1, 1).await, 1);
    assert_eq!(c.wait_max_offset(SCHEDULE, 2, 2).await, 2);

    let got = read_all(&c, "Later", 1, 4).await;
    assert_eq!(got.len(), 4);
    for m in &got {
        let (at, delay) = sent[&body(m)];
        assert!(
            m.store_timestamp >= at + delay,
            "{} delivered {} ms after sending, before its {delay} ms delay",
            body(m),
            m.store_timestamp - at
        );
        assert_eq!((m.topic.as_str(), m.queue_id), ("Later", 1));
        assert_eq!(m.properties.get("DELAY"), None);
        assert_eq!(m.properties.get("REAL_TOPIC"), Some("Later"));
        assert_eq!(m.properties.get("REAL_QID"), Some("1"));
        assert_eq!(m.properties.get("TAGS"), Some("TagA"));
        assert_eq!(m.born_timestamp, 1);
    }
    // Tag filtering works on the delivered copies (their tags code is the tag's hash).
    let resp = c.pull("GTag", "Later", 1, 0, "TagA", 0).await;
    assert_eq!(messages(&resp).len(), 4);
    let resp = c.pull("GTag", "Later", 1, 0, "TagB", 0).await;
    assert!(messages(&resp).is_empty());

    // Operator views: GET_ALL_DELAY_OFFSET, runtime info, delayOffset.json.
    let want = BTreeMap::from([(1, 1), (2, 1), (3, 2)]);
    eventually("delay offsets", || async {
        (all_delay_offsets(&c).await == want).then_some(())
    })
    .await;
    let state = &c.broker.as_ref().unwrap().state;
    let info = state.schedule.runtime_info(&state.store);
    assert_eq!(info.len(), 3);
    assert!(
        info.contains(&("scheduleMessageOffset_3".to_string(), "2,2".to_string())),
        "{info:?}"
    );
    let path = c.store_dir.path().join("config/delayOffset.json");
    eventually("delayOffset.json", || async {
        let text = std::fs::read_to_string(&path).ok()?;
        (text == r#"{"offsetTable":{1:1,2:1,3:2}}"#).then_some(())
    })
    .await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_during_a_delay_loses_nothing() {
    let mut c = Cluster::start(|cfg| {
        cfg.message_delay_level = "1s 2s 5s".into();
        cfg.flush_delay_offset_interval = 60_000;
    })
    .await;
    let (_, _) = send_delayed(&c, "Restart", 0, "T", "early", 1).await;
    let (late_at, _) = send_delayed(&c, "Restart", 0, "T", "late", 3).await;
    let got = read_all(&c, "Restart", 0, 1).await;
    assert_eq!(body(&got[0]), "early");
    let state = &c.broker.as_ref().unwrap().state;
    if state.schedule.offsets().get(3) != 0 {
        eprintln!("note: the 5 s message was delivered before the restart began");
    }
    // The offsets were not saved periodically (long interval): shutdown saves them.
    c.restart_broker(|cfg| {
        cfg.message_delay_level = "1s 2s 5s".into();
    })
    .await;
    let got = read_all(&c, "Restart", 0, 2).await;
    let bodies: Vec<String> = got.iter().map(body).collect();
    // A clean restart delivers each message exactly once.
    assert_eq!(bodies, vec!["early", "late"]);
    assert!(got[1].store_timestamp >= late_at + 5000);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_wait_for_their_delay_level() {
    let c = Cluster::start(short_levels).await;
    c.send("Work", 0, None, None, b"job").await;
    assert_eq!(
        c.heartbeat("GWork", "Work", "*").await.code,
        response::SUCCESS
    );
    let msg = messages(&c.pull("GWork", "Work", 0, 0, "*", 10_000).await).remove(0);
    // delayLevel 0: the broker picks 3 + reconsume times = level 3 (3 s here); then an
    // explicit level 1 (1 s).
    let mut last = msg;
    for (attempt, (level, delay)) in [(0, 3000), (1, 1000)].into_iter().enumerate() {
        let back_at = now_ms();
        let back = ConsumerSendMsgBackRequestHeader {
            offset: last.commit_log_offset,
            group: "GWork".into(),
            delay_level: level,
            origin_msg_id: Some(last.msg_id()),
            origin_topic: Some("Work".into()),
            max_reconsume_times: Some(16),
            ..Default::default()
        };
        let resp = c.send_back(&back).await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
        let n = attempt as i64 + 1;
        let got = read_all(&c, "%RETRY%GWork", 0, n).await;
        let retry = got.into_iter().nth(attempt).unwrap();
        assert!(
            retry.store_timestamp >= back_at + delay,
            "retry {attempt} arrived {} ms after send-back, before its {delay} ms delay",
            retry.store_timestamp - back_at
        );
        assert_eq!(retry.reconsume_times, n as i32);
        assert_eq!(retry.properties.get("RETRY_TOPIC"), Some("Work"));
        assert_eq!(retry.body.as_ref(), b"job");
        last = retry;
    }
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_not_delayed() {
    let c = Cluster::start(short_levels).await;
    assert_eq!(
        c.heartbeat("GDead", "Work", "*").await.code,
        response::SUCCESS
    );
    // A client-side retry (Java's fallback when send-back fails) past its maximum goes
    // to the DLQ at once, whatever its DELAY says.
    let resp = c
        .send_with("%RETRY%GDead", 0, None, None, b"hopeless", |h| {
            let mut props = h.properties.take().unwrap_or_default();
            props.push_str("DELAY\u{1}3\u{2}");
            h.properties = Some(props);
            h.reconsume_times = Some(20);
            h.max_reconsume_times = Some(2);
        })
        .await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    assert_eq!(c.wait_max_offset("%DLQ%GDead", 0, 1).await, 1);
    assert_eq!(c.max_offset(SCHEDULE, 2).await, 0);
    c.stop().await;
}
