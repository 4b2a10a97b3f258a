//! Whole-system consumer tests against a real CometMQ NameServer and broker on 127.0.0.1:
//! tag filtering, retry after failure, broadcasting, and no message lost while consumers
//! join and leave. Waits are bounded; nothing depends on how fast the machine is.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cometmq_client::consumer::{ConsumeFromWhere, ConsumeResult, MessageModel, PushConsumer};
use cometmq_client::Message;
use common::{wait_until, System};

/// Generous bound for a whole scenario to settle.
const LIMIT: Duration = Duration::from_secs(90);

/// What a listener saw: message id → deliveries (topic, reconsume times).
type Seen = Arc<Mutex<HashMap<String, Vec<(String, i32)>>>>;

fn record(seen: &Seen, msgs: &[cometmq_client::MessageExt]) {
    let mut s = seen.lock().unwrap();
    for m in msgs {
        s.entry(m.msg_id().into_owned())
            .or_default()
            .push((m.topic.clone(), m.reconsume_times));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_by_tag_and_redelivers_failures() {
    let sys = System::start().await;
    let producer = sys.producer("SysConsPG1");
    let mut wanted = HashSet::new();
    let mut failing = HashSet::new();
    for i in 0..60 {
        let tag = ["A", "B", "C"][i % 3];
        let r = producer
            .send(Message::builder("ConsTopic").tags(tag).body(format!("m{i}")).build())
            .await
            .unwrap();
        if tag != "C" {
            wanted.insert(r.msg_id.clone());
            if i % 10 == 0 {
                failing.insert(r.msg_id);
            }
        }
    }
    let seen: Seen = Arc::default();
    let fail = failing.clone();
    let s = seen.clone();
    let consumer = PushConsumer::builder("SysConsG1")
        .client_config(sys.client_config("c1"))
        .subscribe("ConsTopic", "A || B")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .listener(move |msgs| {
            record(&s, msgs);
            let first_try = msgs
                .iter()
                .any(|m| m.reconsume_times == 0 && fail.contains(m.msg_id().as_ref()));
            if first_try {
                ConsumeResult::ReconsumeLater
            } else {
                ConsumeResult::Success
            }
        })
        .build()
        .unwrap();
    consumer.start().await.unwrap();

    let done = wait_until(LIMIT, || {
        let seen = seen.lock().unwrap();
        let ok = wanted.iter().all(|id| seen.contains_key(id))
            && failing
                .iter()
                .all(|id| seen.get(id).is_some_and(|d| d.iter().any(|(_, r)| *r >= 1)));
        async move { ok }
    })
    .await;
    let seen = seen.lock().unwrap().clone();
    assert!(done, "not everything arrived: {} of {}", seen.len(), wanted.len());
    assert!(
        seen.keys().all(|id| wanted.contains(id)),
        "a message with tag C got through"
    );
    for id in &failing {
        let d = &seen[id];
        let retry = d.iter().find(|(_, r)| *r >= 1).unwrap();
        assert_eq!(retry.0, "ConsTopic", "the retried message has its topic back");
    }
    let info = consumer.running_info();
    assert!(info
        .subscription_set
        .iter()
        .any(|s| s.topic == "%RETRY%SysConsG1"));
    consumer.shutdown().await;
    producer.shutdown().await;
    sys.stop().await;
}
