//! Whole-system consumer tests against a real CometMQ NameServer and broker on 127.0.0.1:
//! tag filtering, retry after failure, broadcasting, no message lost while consumers join
//! and leave, offset resets and running info, start by timestamp, flow control. Waits are
//! bounded; nothing depends on how fast the machine is.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use cluster::{converged, record, wait_until, Seen, System, LIMIT};
use cometmq_client::consumer::{ConsumeFromWhere, ConsumeResult, MessageModel, PushConsumer};
use cometmq_client::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_by_tag_and_redelivers_failures() {
    let sys = System::start().await;
    let producer = sys.producer("SysConsPG1");
    let mut wanted = HashSet::new();
    let mut failing = HashSet::new();
    for i in 0..60 {
        let tag = ["A", "B", "C"][i % 3];
        let r = producer
            .send(
                Message::builder("ConsTopic")
                    .tags(tag)
                    .body(format!("m{i}"))
                    .build(),
            )
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

    let done = wait_until(|| {
        let seen = seen.lock().unwrap();
        let ok = wanted.iter().all(|id| seen.contains_key(id))
            && failing
                .iter()
                .all(|id| seen.get(id).is_some_and(|d| d.iter().any(|(_, r)| *r >= 1)));
        async move { ok }
    })
    .await;
    let seen = seen.lock().unwrap().clone();
    assert!(
        done,
        "not everything arrived: {} of {}",
        seen.len(),
        wanted.len()
    );
    assert!(
        seen.keys().all(|id| wanted.contains(id)),
        "a message with tag C got through"
    );
    for id in &failing {
        let d = &seen[id];
        let retry = d.iter().find(|(_, r)| *r >= 1).unwrap();
        assert_eq!(
            retry.0, "ConsTopic",
            "the retried message has its topic back"
        );
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasting_delivers_everything_to_every_consumer() {
    let sys = System::start().await;
    let producer = sys.producer("SysConsPG2");
    let mut wanted = HashSet::new();
    for i in 0..100 {
        let r = producer
            .send(Message::new("BroadcastTopic", format!("b{i}")))
            .await
            .unwrap();
        wanted.insert(r.msg_id);
    }
    let mut consumers = Vec::new();
    let mut seen = Vec::new();
    for name in ["b1", "b2", "b3"] {
        let s: Seen = Arc::default();
        let s2 = s.clone();
        let c = PushConsumer::builder("SysConsG2")
            .client_config(sys.client_config(name))
            .subscribe("BroadcastTopic", "*")
            .message_model(MessageModel::Broadcasting)
            .consume_from(ConsumeFromWhere::FirstOffset)
            .listener(move |msgs| {
                record(&s2, msgs);
                ConsumeResult::Success
            })
            .build()
            .unwrap();
        c.start().await.unwrap();
        consumers.push(c);
        seen.push(s);
    }
    for (i, s) in seen.iter().enumerate() {
        let done = wait_until(|| {
            let ok = s.lock().unwrap().len() >= wanted.len();
            async move { ok }
        })
        .await;
        let got: HashSet<String> = s.lock().unwrap().keys().cloned().collect();
        assert!(done, "consumer {i} got {} of {}", got.len(), wanted.len());
        assert_eq!(got, wanted, "consumer {i}");
    }
    // Every consumer took every queue, and keeps its offsets in its own local file.
    let queues = consumers[0].assigned_queues();
    assert_eq!(queues.len(), 8);
    for c in &consumers {
        assert_eq!(c.assigned_queues(), queues);
    }
    for c in &consumers {
        c.shutdown().await;
    }
    let root = sys.work_dir.path().join("offsets");
    let files: Vec<_> = std::fs::read_dir(&root).unwrap().collect();
    assert_eq!(files.len(), 3, "one offsets directory per client");
    producer.shutdown().await;
    sys.stop().await;
}

/// A consumer of the shared scenario groups that records every delivery.
async fn member(sys: &System, group: &str, topic: &str, name: &str, seen: &Seen) -> PushConsumer {
    let s = seen.clone();
    let c = PushConsumer::builder(group)
        .client_config(sys.client_config(name))
        .subscribe(topic, "*")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .rebalance_interval(Duration::from_secs(1))
        .listener(move |msgs| {
            record(&s, msgs);
            ConsumeResult::Success
        })
        .build()
        .unwrap();
    c.start().await.unwrap();
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_message_lost_while_consumers_join_and_leave() {
    let sys = System::start().await;
    let producer = Arc::new(sys.producer("SysConsPG3"));
    let topic = "RebalanceTopic";
    // Create the topic with 8 queues before anyone subscribes.
    producer.send(Message::new(topic, "first")).await.unwrap();
    let seen: Seen = Arc::default();
    let group = "SysConsG3";
    let total = 3000;
    let sender = {
        let p = producer.clone();
        tokio::spawn(async move {
            let mut ids = vec![];
            for i in 0..total {
                let r = p.send(Message::new(topic, format!("r{i}"))).await.unwrap();
                ids.push(r.msg_id);
                if i % 100 == 0 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            ids
        })
    };
    // Consumers join and leave while messages flow.
    let c1 = member(&sys, group, topic, "r1", &seen).await;
    let progress = |n: usize| {
        let seen = seen.clone();
        async move {
            wait_until(|| {
                let ok = seen.lock().unwrap().len() >= n;
                async move { ok }
            })
            .await
        }
    };
    assert!(progress(300).await);
    let c2 = member(&sys, group, topic, "r2", &seen).await;
    assert!(
        converged(&[&c1, &c2], topic, 8).await,
        "c1+c2 did not share the queues"
    );
    assert!(progress(800).await);
    let c3 = member(&sys, group, topic, "r3", &seen).await;
    assert!(
        converged(&[&c1, &c2, &c3], topic, 8).await,
        "c1..c3 did not share the queues"
    );
    assert!(progress(1300).await);
    c1.shutdown().await;
    assert!(
        converged(&[&c2, &c3], topic, 8).await,
        "c2+c3 did not take c1's queues"
    );
    assert!(progress(1800).await);
    let c4 = member(&sys, group, topic, "r4", &seen).await;
    c2.shutdown().await;
    assert!(
        converged(&[&c3, &c4], topic, 8).await,
        "c3+c4 did not share the queues"
    );
    assert!(progress(2300).await);
    c3.shutdown().await;

    let mut ids = sender.await.unwrap();
    ids.sort();
    let done = wait_until(|| {
        let s = seen.lock().unwrap();
        let ok = ids.iter().all(|id| s.contains_key(id));
        async move { ok }
    })
    .await;
    let s = seen.lock().unwrap().clone();
    let missing: Vec<_> = ids.iter().filter(|id| !s.contains_key(*id)).collect();
    assert!(
        done && missing.is_empty(),
        "{} messages lost",
        missing.len()
    );
    let deliveries: usize = s.values().map(Vec::len).sum();
    println!(
        "{} messages, {} deliveries ({} redelivered)",
        ids.len(),
        deliveries,
        deliveries - s.len()
    );
    c4.shutdown().await;
    producer.shutdown().await;
    sys.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_reset_offset_and_running_info() {
    let sys = System::start().await;
    let producer = sys.producer("SysConsPG5");
    let topic = "ResetTopic";
    for i in 0..30 {
        producer
            .send(Message::new(topic, format!("x{i}")))
            .await
            .unwrap();
    }
    let seen: Seen = Arc::default();
    let group = "SysConsG5";
    let c = member(&sys, group, topic, "x1", &seen).await;
    let deliveries = |n: usize| {
        let seen = seen.clone();
        async move {
            wait_until(|| {
                let ok = seen.lock().unwrap().values().map(Vec::len).sum::<usize>() >= n;
                async move { ok }
            })
            .await
        }
    };
    assert!(deliveries(30).await);
    // What the broker's RESET_CONSUMER_CLIENT_OFFSET handler calls: back to 0 everywhere.
    let member = c.instance().consumer(group).unwrap();
    let queues = producer.publish_queues(topic).await.unwrap();
    member
        .reset_offset(topic, queues.iter().map(|q| (q.clone(), 0)).collect())
        .await;
    assert!(
        deliveries(60).await,
        "the reset did not redeliver everything"
    );
    assert!(seen.lock().unwrap().values().all(|d| d.len() >= 2));

    // GET_CONSUMER_RUNNING_INFO and GET_CONSUMER_STATUS_FROM_CLIENT answers.
    let info = member.running_info();
    let mine: Vec<_> = info.mq_table.keys().filter(|q| q.topic == topic).collect();
    assert_eq!(mine.len(), 8);
    assert_eq!(info.properties["PROP_CONSUME_TYPE"], "CONSUME_PASSIVELY");
    assert_eq!(info.properties["consumerGroup"], group);
    assert!(info.status_table[topic].consume_ok_tps > 0.0);
    let status = wait_until(|| {
        let s = member.consume_status(topic);
        let ok = s.len() == 8 && s.values().sum::<i64>() == 30;
        async move { ok }
    })
    .await;
    assert!(status, "offsets: {:?}", member.consume_status(topic));
    c.shutdown().await;
    producer.shutdown().await;
    sys.stop().await;
}

/// Broadcasting: the offset store is a local file, so the group has no offset and the
/// timestamp decides. (A clustering group gets offset 0 from a broker whose queue still
/// holds its first message in memory, as Java's broker answers QUERY_CONSUMER_OFFSET.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_from_a_timestamp() {
    let sys = System::start().await;
    let producer = sys.producer("SysConsPG6");
    let topic = "TimeTopic";
    for i in 0..16 {
        producer
            .send(Message::new(topic, format!("old{i}")))
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let since = cometmq_client::clock::now_ms();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut new = HashSet::new();
    for i in 0..16 {
        let r = producer
            .send(Message::new(topic, format!("new{i}")))
            .await
            .unwrap();
        new.insert(r.msg_id);
    }
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let c = PushConsumer::builder("SysConsG6")
        .client_config(sys.client_config("t1"))
        .subscribe(topic, "*")
        .message_model(MessageModel::Broadcasting)
        .consume_timestamp_ms(since)
        .listener(move |msgs| {
            record(&s, msgs);
            ConsumeResult::Success
        })
        .build()
        .unwrap();
    c.start().await.unwrap();
    let done = wait_until(|| {
        let s = seen.lock().unwrap();
        let ok = new.iter().all(|id| s.contains_key(id));
        async move { ok }
    })
    .await;
    assert!(done);
    let got: HashSet<String> = seen.lock().unwrap().keys().cloned().collect();
    assert_eq!(got, new, "only the messages stored after the timestamp");
    c.shutdown().await;
    producer.shutdown().await;
    sys.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flow_control_bounds_each_queue_cache() {
    let sys = System::start().await;
    let producer = sys.producer("SysConsPG7");
    let topic = "FlowTopic";
    let total = 400;
    for i in 0..total {
        producer
            .send(Message::new(topic, format!("f{i}")))
            .await
            .unwrap();
    }
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c2 = count.clone();
    let (threshold, batch) = (10, 4);
    let c = PushConsumer::builder("SysConsG7")
        .client_config(sys.client_config("f1"))
        .subscribe(topic, "*")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .pull_threshold_for_queue(threshold)
        .pull_batch_size(i32::try_from(batch).unwrap())
        .consume_concurrency(1)
        .listener(move |msgs| {
            std::thread::sleep(Duration::from_millis(2));
            c2.fetch_add(msgs.len(), std::sync::atomic::Ordering::SeqCst);
            ConsumeResult::Success
        })
        .build()
        .unwrap();
    c.start().await.unwrap();
    let mut max_cached = 0;
    let end = tokio::time::Instant::now() + LIMIT;
    while count.load(std::sync::atomic::Ordering::SeqCst) < total
        && tokio::time::Instant::now() < end
    {
        for pq in c.running_info().mq_table.values() {
            max_cached = max_cached.max(pq.cached_msg_count);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), total);
    assert!(max_cached > 0, "the cache was never seen in use");
    assert!(
        max_cached as usize <= threshold + batch,
        "a queue cached {max_cached} messages"
    );
    println!("largest queue cache seen: {max_cached}");
    c.shutdown().await;
    producer.shutdown().await;
    sys.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovers_from_an_offset_beyond_the_queue() {
    use cometmq_client::consumer::offset_store::RemoteOffsetStore;
    use cometmq_remoting::transport::{RemotingClient, TransportConfig};

    let sys = System::start().await;
    let producer = sys.producer("SysConsPG8");
    let topic = "IllegalTopic";
    for i in 0..8 {
        producer
            .send(Message::new(topic, format!("before{i}")))
            .await
            .unwrap();
    }
    // The group's stored offsets point far past the end of every queue.
    let group = "SysConsG8";
    let client = Arc::new(RemotingClient::new(TransportConfig::default()));
    let addr = sys.broker_addr.clone();
    let store = RemoteOffsetStore::new(
        group,
        client.clone(),
        Arc::new(move |_: &str| Some(addr.clone())),
    );
    let queues = producer.publish_queues(topic).await.unwrap();
    for q in &queues {
        store.update_to_broker(q, 1_000_000, false).await.unwrap();
    }
    let seen: Seen = Arc::default();
    let c = member(&sys, group, topic, "i1", &seen).await;
    // OFFSET_ILLEGAL moves each queue back to its end; what is sent next is consumed.
    let member = c.instance().consumer(group).unwrap();
    let corrected = wait_until(|| {
        let offsets = member.consume_status(topic);
        let ok = offsets.len() == queues.len() && offsets.values().all(|o| *o < 1_000_000);
        async move { ok }
    })
    .await;
    assert!(corrected, "offsets: {:?}", member.consume_status(topic));
    let mut after = HashSet::new();
    for i in 0..16 {
        let r = producer
            .send(Message::new(topic, format!("after{i}")))
            .await
            .unwrap();
        after.insert(r.msg_id);
    }
    let done = wait_until(|| {
        let s = seen.lock().unwrap();
        let ok = after.iter().all(|id| s.contains_key(id));
        async move { ok }
    })
    .await;
    assert!(done, "messages after the correction were not consumed");
    c.shutdown().await;
    client.shutdown().await;
    producer.shutdown().await;
    sys.stop().await;
}

/// `consume_timeout` (Java's `consumeTimeout`): a listener call that never returns has its
/// message sent back for redelivery, and the queue's offset moves past it, so a hung
/// listener no longer pins its queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_listener_call_is_given_up_after_consume_timeout() {
    let sys = System::start().await;
    let producer = sys.producer("SysConsTimeoutPG");
    let topic = "ConsTimeoutTopic";
    let mut hung_id = String::new();
    for i in 0..8 {
        let body = if i == 3 {
            "hang".to_string()
        } else {
            format!("m{i}")
        };
        let r = producer.send(Message::new(topic, body)).await.unwrap();
        if i == 3 {
            hung_id = r.msg_id;
        }
    }
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let group = "SysConsTimeoutG";
    let c = PushConsumer::builder(group)
        .client_config(sys.client_config("ct1"))
        .subscribe(topic, "*")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .consume_timeout(Duration::from_secs(1))
        .settings(|s| s.await_termination = Duration::from_millis(100))
        .listener_async(move |msgs| {
            record(&s, &msgs);
            let hang = msgs
                .iter()
                .any(|m| m.reconsume_times == 0 && &m.body[..] == b"hang");
            async move {
                if hang {
                    std::future::pending::<()>().await;
                }
                ConsumeResult::Success
            }
        })
        .build()
        .unwrap();
    c.start().await.unwrap();
    // Redelivered through the retry topic, one reconsume later.
    let redelivered = wait_until(|| {
        let ok = seen
            .lock()
            .unwrap()
            .get(&hung_id)
            .is_some_and(|d| d.iter().any(|(_, times)| *times >= 1));
        async move { ok }
    })
    .await;
    assert!(
        redelivered,
        "deliveries: {:?}",
        seen.lock().unwrap().get(&hung_id)
    );
    // The hung call no longer holds the offset: every queue reached its end.
    let member = c.instance().consumer(group).unwrap();
    let passed = wait_until(|| {
        let ok = member.consume_status(topic).values().sum::<i64>() == 8;
        async move { ok }
    })
    .await;
    assert!(passed, "offsets: {:?}", member.consume_status(topic));
    c.shutdown().await;
    producer.shutdown().await;
    sys.stop().await;
}
