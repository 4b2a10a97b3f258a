//! Whole-system tests of the pull consumer against a real NameServer and broker: assign,
//! poll, commit, seek, and subscribe with rebalancing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use cluster::{System, LIMIT};
use cometmq_client::consumer::{max_offset, ConsumeFromWhere, PullConsumer};
use cometmq_client::{Message, MessageExt};

/// Polls until `n` distinct messages arrived (bounded).
async fn poll_n(c: &PullConsumer, n: usize) -> Vec<MessageExt> {
    let mut out: Vec<MessageExt> = Vec::new();
    let mut ids = HashSet::new();
    let end = tokio::time::Instant::now() + LIMIT;
    while ids.len() < n && tokio::time::Instant::now() < end {
        for m in c.poll(Duration::from_millis(500)).await {
            ids.insert(m.msg_id().into_owned());
            out.push(m);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assign_poll_commit_seek_and_subscribe() {
    let sys = System::start().await;
    let producer = sys.producer("PullPG");
    let topic = "PullTopic";
    for i in 0..40 {
        producer
            .send(Message::new(topic, format!("p{i}")))
            .await
            .unwrap();
    }
    let queues = producer.publish_queues(topic).await.unwrap();
    // A send is answered before the broker's dispatcher indexes it: wait until the
    // queues' max offsets account for all 40 messages.
    let mut ends = HashMap::new();
    for _ in 0..500 {
        ends.clear();
        for q in &queues {
            ends.insert(q.clone(), max_offset(producer.instance(), q).await.unwrap());
        }
        if ends.values().sum::<i64>() == 40 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(ends.values().sum::<i64>(), 40, "max offsets {ends:?}");

    // Assign every queue, manual commit.
    let c = PullConsumer::builder("PullG1")
        .client_config(sys.client_config("pull1"))
        .auto_commit(false)
        .settings(|s| s.consume_from_where = ConsumeFromWhere::FirstOffset)
        .build()
        .unwrap();
    c.assign(queues.clone()).unwrap();
    assert!(c.subscribe(topic, "*").is_err(), "subscribe after assign");
    c.start().await.unwrap();
    let got = poll_n(&c, 40).await;
    assert_eq!(got.len(), 40, "exactly the 40 messages, once");
    c.commit().await.unwrap();
    for q in &queues {
        assert_eq!(c.committed(q).await.unwrap(), Some(ends[q]), "{q}");
    }

    // Seek one queue back to its start: its messages come again.
    let q0 = queues.iter().find(|q| ends[*q] > 0).unwrap().clone();
    c.seek(&q0, 0).await.unwrap();
    let again = poll_n(&c, usize::try_from(ends[&q0]).unwrap()).await;
    assert!(!again.is_empty());
    assert!(again.iter().all(|m| m.queue_id == q0.queue_id));
    assert_eq!(again[0].queue_offset, 0);
    c.shutdown().await;

    // Subscribe: two consumers of one group share the queues and get everything once.
    let a = PullConsumer::builder("PullG2")
        .client_config(sys.client_config("pull2"))
        .settings(|s| s.consume_from_where = ConsumeFromWhere::FirstOffset)
        .build()
        .unwrap();
    a.subscribe(topic, "*").unwrap();
    assert!(a.assign(queues.clone()).is_err(), "assign after subscribe");
    a.start().await.unwrap();
    let first = poll_n(&a, 40).await;
    assert_eq!(first.len(), 40);
    a.commit().await.unwrap();
    // A second member joins: no message is left, so its polls come back empty, but the
    // queues are now shared.
    let b = PullConsumer::builder("PullG2")
        .client_config(sys.client_config("pull3"))
        .build()
        .unwrap();
    b.subscribe(topic, "*").unwrap();
    b.start().await.unwrap();
    let shared = cluster::wait_until(|| {
        let (qa, qb) = (a.assigned_queues(), b.assigned_queues());
        let ok = qa.len() + qb.len() == queues.len() && !qa.is_empty() && !qb.is_empty();
        async move { ok }
    })
    .await;
    assert!(shared, "the queues were not shared");
    assert!(b.poll(Duration::from_millis(300)).await.is_empty());
    a.shutdown().await;
    b.shutdown().await;
    producer.shutdown().await;
    sys.stop().await;
}
