//! Whole-system test of the concurrent consume service's parallelism against a real
//! NameServer and broker on 127.0.0.1: with one message per listener call, up to
//! `consume_concurrency` calls run at once, including calls on messages of the same pull,
//! and never more. Waits are bounded; nothing depends on how fast the machine is.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use cluster::{wait_until, System};
use cometmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use cometmq_client::{Message, MessageExt};

/// Listener calls running now, the most seen at once, and messages consumed.
#[derive(Default)]
struct Calls {
    running: AtomicUsize,
    most: AtomicUsize,
    consumed: AtomicUsize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consume_concurrency_calls_run_at_once_and_no_more() {
    let sys = System::start().await;
    let producer = sys.producer("SysConcPG1");
    let topic = "ConcTopic";
    producer.send(Message::new(topic, "c")).await.unwrap();
    // More calls at once than the topic has queues: reaching it needs calls on messages
    // of one queue (and of one pull) running together.
    let queues = producer.publish_queues(topic).await.unwrap().len();
    let concurrency = 2 * queues;
    let total = 3 * concurrency;
    for i in 1..total {
        producer
            .send(Message::new(topic, format!("c{i}")))
            .await
            .unwrap();
    }
    let calls = Arc::new(Calls::default());
    let c = calls.clone();
    let consumer = PushConsumer::builder("SysConcG1")
        .client_config(sys.client_config("conc1"))
        .subscribe(topic, "*")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .consume_batch_size(1)
        .consume_concurrency(concurrency)
        .listener_async(move |msgs: Vec<MessageExt>| {
            let c = c.clone();
            async move {
                let now = c.running.fetch_add(1, Ordering::SeqCst) + 1;
                c.most.fetch_max(now, Ordering::SeqCst);
                // Hold the call until `concurrency` calls ran at once (bounded), so the
                // test sees whether they can.
                wait_until(|| {
                    let most = c.most.load(Ordering::SeqCst);
                    async move { most >= concurrency }
                })
                .await;
                c.running.fetch_sub(1, Ordering::SeqCst);
                c.consumed.fetch_add(msgs.len(), Ordering::SeqCst);
                ConsumeResult::Success
            }
        })
        .build()
        .unwrap();
    consumer.start().await.unwrap();

    let all = wait_until(|| {
        let n = calls.consumed.load(Ordering::SeqCst);
        async move { n >= total }
    })
    .await;
    assert!(
        all,
        "consumed {} of {total}",
        calls.consumed.load(Ordering::SeqCst)
    );
    let most = calls.most.load(Ordering::SeqCst);
    assert_eq!(
        most, concurrency,
        "most listener calls at once ({queues} queues)"
    );
    consumer.shutdown().await;
    producer.shutdown().await;
    sys.stop().await;
}
