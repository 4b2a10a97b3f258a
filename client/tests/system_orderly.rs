//! Whole-system test of orderly consumption against a real NameServer and broker: queue
//! order is kept while three consumers join and leave, and a failed batch is retried in
//! place. Waits are bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cluster::{converged, wait_until, System};
use cometmq_client::consumer::{ConsumeFromWhere, OrderlyResult, PushConsumer};
use cometmq_client::producer::SelectByHash;
use cometmq_client::Message;

/// One orderly delivery: (queue id, queue offset, consumer).
type Log = Arc<Mutex<Vec<(i32, i64, &'static str)>>>;

async fn orderly_member(sys: &System, name: &'static str, log: &Log) -> PushConsumer {
    let log = log.clone();
    let failed_once = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let c = PushConsumer::builder("SysConsG4")
        .client_config(sys.client_config(name))
        .subscribe("OrderTopic", "*")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .rebalance_interval(Duration::from_secs(1))
        .listener_orderly(move |msgs| {
            let mut l = log.lock().unwrap();
            for m in msgs {
                l.push((m.queue_id, m.queue_offset, name));
            }
            // Each consumer fails one batch once: it must come back first, in order.
            if msgs.iter().any(|m| m.queue_offset % 50 == 7)
                && !failed_once.swap(true, std::sync::atomic::Ordering::SeqCst)
            {
                return OrderlyResult::SuspendCurrentQueueAMoment;
            }
            OrderlyResult::Success
        })
        .build()
        .unwrap();
    c.start().await.unwrap();
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orderly_consumers_keep_queue_order_while_joining_and_leaving() {
    let sys = System::start().await;
    let producer = Arc::new(sys.producer("SysConsPG4"));
    let topic = "OrderTopic";
    producer.send(Message::new(topic, "create")).await.unwrap();
    let total = 2000usize;
    // Order i's steps all go to queue (i mod 8): per queue, offsets follow the steps.
    let sender = {
        let p = producer.clone();
        tokio::spawn(async move {
            for i in 0..total {
                let order = (i % 16) as i64;
                let msg = Message::new(topic, format!("order {order} step {}", i / 16));
                p.send_with_selector(msg, &SelectByHash, &order)
                    .await
                    .unwrap();
                if i % 100 == 0 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        })
    };
    let log: Log = Arc::default();
    let consumed = |n: usize| {
        let log = log.clone();
        async move {
            wait_until(|| {
                let ok = log.lock().unwrap().len() >= n;
                async move { ok }
            })
            .await
        }
    };
    let c1 = orderly_member(&sys, "o1", &log).await;
    assert!(consumed(200).await);
    let c2 = orderly_member(&sys, "o2", &log).await;
    assert!(
        converged(&[&c1, &c2], topic, 8).await,
        "o1+o2 did not share the queues"
    );
    let c3 = orderly_member(&sys, "o3", &log).await;
    assert!(
        converged(&[&c1, &c2, &c3], topic, 8).await,
        "o1..o3 did not share the queues"
    );
    assert!(consumed(800).await);
    c1.shutdown().await;
    assert!(
        converged(&[&c2, &c3], topic, 8).await,
        "o2+o3 did not take o1's queues"
    );
    assert!(consumed(1200).await);
    c2.shutdown().await;
    assert!(
        converged(&[&c3], topic, 8).await,
        "o3 did not take every queue"
    );
    sender.await.unwrap();

    // Every queue is consumed to its end...
    let ends: HashMap<i32, i64> = {
        let queues = producer.publish_queues(topic).await.unwrap();
        let mut ends = HashMap::new();
        for mq in queues {
            let n = cometmq_client::consumer::max_offset(producer.instance(), &mq)
                .await
                .unwrap();
            ends.insert(mq.queue_id, n);
        }
        ends
    };
    let done = wait_until(|| {
        let l = log.lock().unwrap();
        let ok = ends.iter().all(|(q, end)| {
            let seen: HashSet<i64> = l.iter().filter(|e| e.0 == *q).map(|e| e.1).collect();
            (0..*end).all(|o| seen.contains(&o))
        });
        async move { ok }
    })
    .await;
    assert!(done, "not every message was consumed");
    // ...in order: per queue, each delivery is the next offset, or a redelivery of an
    // earlier one (a failed batch, or a handover); never a jump forward.
    let l = log.lock().unwrap().clone();
    let mut redelivered = 0;
    for q in ends.keys() {
        let seq: Vec<_> = l.iter().filter(|e| e.0 == *q).collect();
        assert_eq!(seq[0].1, 0, "queue {q} starts at 0");
        for w in seq.windows(2) {
            let (prev, next) = (w[0], w[1]);
            assert!(
                next.1 <= prev.1 + 1,
                "queue {q}: {} consumed {} right after {} consumed {}",
                next.2,
                next.1,
                prev.2,
                prev.1
            );
            if next.1 <= prev.1 {
                redelivered += 1;
            }
        }
    }
    println!("{} orderly deliveries, {redelivered} redelivered", l.len());
    c3.shutdown().await;
    producer.shutdown().await;
    sys.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orderly_failures_retry_in_place_then_go_to_the_dead_letter_queue() {
    let sys = System::start().await;
    let producer = sys.producer("SysConsPG9");
    let topic = "OrderDlqTopic";
    producer.send(Message::new(topic, "create")).await.unwrap();
    let q0 = producer.publish_queues(topic).await.unwrap()[0].clone();
    for body in ["a", "poison", "c"] {
        producer
            .send_to_queue(Message::new(topic, body), &q0)
            .await
            .unwrap();
    }
    let log: Arc<Mutex<Vec<(String, i32)>>> = Arc::default();
    let l = log.clone();
    let group = "SysConsG9";
    let c = PushConsumer::builder(group)
        .client_config(sys.client_config("d1"))
        .subscribe(topic, "*")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .max_reconsume_times(1)
        .settings(|s| s.suspend_current_queue_time = Duration::from_millis(100))
        .listener_orderly(move |msgs| {
            let mut l = l.lock().unwrap();
            for m in msgs.iter().filter(|m| m.queue_id == 0) {
                l.push((
                    String::from_utf8_lossy(&m.body).into_owned(),
                    m.reconsume_times,
                ));
            }
            if msgs.iter().any(|m| &m.body[..] == b"poison") {
                OrderlyResult::SuspendCurrentQueueAMoment
            } else {
                OrderlyResult::Success
            }
        })
        .build()
        .unwrap();
    c.start().await.unwrap();
    let done = wait_until(|| {
        let ok = log.lock().unwrap().iter().any(|(b, _)| b == "c");
        async move { ok }
    })
    .await;
    assert!(done, "the queue is stuck: {:?}", log.lock().unwrap());
    let got: Vec<_> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|(b, _)| b != "create")
        .cloned()
        .collect();
    let want: Vec<(String, i32)> = [("a", 0), ("poison", 0), ("poison", 1), ("c", 0)]
        .iter()
        .map(|(b, r)| ((*b).to_owned(), *r))
        .collect();
    assert_eq!(got, want);
    // The poison message is in the group's dead-letter queue.
    let dlq = cometmq_client::MessageQueue::new(format!("%DLQ%{group}"), q0.broker_name.clone(), 0);
    let instance = producer.instance().clone();
    let stored = wait_until(|| {
        let (instance, dlq) = (instance.clone(), dlq.clone());
        async move {
            cometmq_client::consumer::max_offset(&instance, &dlq)
                .await
                .is_ok_and(|n| n == 1)
        }
    })
    .await;
    assert!(stored, "nothing in {dlq}");
    c.shutdown().await;
    producer.shutdown().await;
    sys.stop().await;
}
