//! Whole-system tests of POP consumption (RocketMQ 5) with [`SimpleConsumer`]: many
//! consumers share one queue, ack and batch ack, change of invisible time, un-acked
//! messages returning to another consumer with their reconsume count raised, and the
//! dead-letter topic after the group's retries.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;

use std::collections::HashSet;
use std::time::Duration;

use cluster::{System, LIMIT};
use cometmq_client::consumer::{ReceivedMessage, SimpleConsumer};
use cometmq_client::Message;
use cometmq_remoting::body::{fastjson, SubscriptionGroupConfig};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::transport::RemotingClient;
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::request::create_topic;

/// Long: messages popped with it stay away for the whole test.
const LONG: Duration = Duration::from_secs(300);
/// Short: messages popped with it and not acked come back soon.
const SHORT: Duration = Duration::from_secs(1);

async fn admin(sys: &System, req: RemotingCommand) {
    let c = RemotingClient::new(Default::default());
    let resp = c
        .invoke(&sys.broker_addr, req, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    c.shutdown().await;
}

/// A topic of `queues` queues and a group retried `retries` times.
async fn setup(sys: &System, topic: &str, queues: i32, group: &str, retries: i32) {
    admin(sys, create_topic(topic, queues)).await;
    let mut g = SubscriptionGroupConfig::new(group);
    g.retry_max_times = retries;
    let body = fastjson::to_vec(&g, fastjson::JsonStyle::Legacy).unwrap();
    admin(
        sys,
        RemotingCommand::request(request::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP).with_body(body),
    )
    .await;
}

/// Sends `n` messages to `topic` (of one queue) and waits until the queue holds them all
/// (a send is answered before the dispatcher indexes it).
async fn send_n(sys: &System, topic: &str, n: usize) {
    let p = sys.producer(&format!("PG{topic}"));
    for i in 0..n {
        p.send(Message::new(topic, format!("m{i}"))).await.unwrap();
    }
    p.shutdown().await;
    let c = RemotingClient::new(Default::default());
    cometmq_testkit::wait::wait_max_offset(&c, &sys.broker_addr, topic, 0, n as i64).await;
    c.shutdown().await;
}

fn consumer(sys: &System, name: &str, group: &str, topic: &str) -> SimpleConsumer {
    SimpleConsumer::new(sys.client_config(name), group, topic, "*")
}

fn body(m: &ReceivedMessage) -> String {
    String::from_utf8_lossy(&m.message.body).into_owned()
}

/// Receives (holding up to 1 s per call) until a message comes, within the test limit.
async fn receive_one(c: &SimpleConsumer, invisible: Duration) -> ReceivedMessage {
    let end = tokio::time::Instant::now() + LIMIT;
    while tokio::time::Instant::now() < end {
        let got = c
            .receive_waiting(1, invisible, Duration::from_secs(1))
            .await
            .unwrap();
        if let Some(m) = got.into_iter().next() {
            return m;
        }
    }
    panic!("no message within {LIMIT:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumers_share_one_queue_and_acked_messages_stay_acked() {
    let sys = System::start_with(|c| c.revive_queue_num = 1).await;
    setup(&sys, "PopShared", 1, "GPopShared", 16).await;
    send_n(&sys, "PopShared", 20).await;
    let consumers: Vec<SimpleConsumer> = (0..4)
        .map(|i| consumer(&sys, &format!("c{i}"), "GPopShared", "PopShared"))
        .collect();
    let mut seen = HashSet::new();
    let mut per_consumer = vec![0usize; consumers.len()];
    let end = tokio::time::Instant::now() + LIMIT;
    while seen.len() < 20 && tokio::time::Instant::now() < end {
        for (i, c) in consumers.iter().enumerate() {
            for m in c.receive(3, LONG).await.unwrap() {
                assert!(seen.insert(body(&m)), "{} delivered twice", body(&m));
                per_consumer[i] += 1;
                c.ack(&m).await.unwrap();
            }
        }
    }
    assert_eq!(seen.len(), 20);
    assert!(per_consumer.iter().all(|n| *n > 0), "{per_consumer:?}");
    for c in &consumers {
        assert!(c.receive(32, LONG).await.unwrap().is_empty());
        c.shutdown().await;
    }
    sys.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unacked_messages_return_to_another_consumer_then_go_to_the_dlq() {
    let sys = System::start_with(|c| c.revive_queue_num = 1).await;
    setup(&sys, "PopRetry", 1, "GPopRetry", 2).await;
    send_n(&sys, "PopRetry", 1).await;
    let a = consumer(&sys, "a", "GPopRetry", "PopRetry");
    let b = consumer(&sys, "b", "GPopRetry", "PopRetry");
    let first = receive_one(&a, SHORT).await;
    assert_eq!(first.reconsume_times(), 0);
    // Not acked: it returns after the invisible time, to whoever pops, counted.
    let second = receive_one(&b, SHORT).await;
    assert_eq!(body(&second), "m0");
    assert_eq!(second.reconsume_times(), 1);
    assert_eq!(second.message.topic, "PopRetry");
    let third = receive_one(&a, SHORT).await;
    assert_eq!(third.reconsume_times(), 2);
    // Consumed retryMaxTimes (2) times after the first: the next revival dead-letters it.
    let dlq = cometmq_testkit::wait::eventually("the message in %DLQ%GPopRetry", || async {
        let c = RemotingClient::new(Default::default());
        let n = cometmq_testkit::wait::max_offset(&c, &sys.broker_addr, "%DLQ%GPopRetry", 0).await;
        c.shutdown().await;
        (n >= 1).then_some(n)
    })
    .await;
    assert_eq!(dlq, 1);
    a.shutdown().await;
    b.shutdown().await;
    sys.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_invisible_time_and_batch_ack() {
    let sys = System::start_with(|c| c.revive_queue_num = 1).await;
    setup(&sys, "PopChange", 1, "GPopChange", 16).await;
    send_n(&sys, "PopChange", 6).await;
    let a = consumer(&sys, "a", "GPopChange", "PopChange");
    let b = consumer(&sys, "b", "GPopChange", "PopChange");
    let mut got = Vec::new();
    let end = tokio::time::Instant::now() + LIMIT;
    while got.len() < 6 && tokio::time::Instant::now() < end {
        got.extend(a.receive(6, LONG).await.unwrap());
    }
    assert_eq!(got.len(), 6);
    // Visible again at once: another consumer gets it, counted as a redelivery.
    let mut back = got.remove(0);
    a.change_invisible_duration(&mut back, Duration::ZERO)
        .await
        .unwrap();
    let again = receive_one(&b, LONG).await;
    assert_eq!(body(&again), body(&back));
    assert_eq!(again.reconsume_times(), 1);
    b.ack(&again).await.unwrap();
    // Four made visible again soon, then acked in one batch; one more made visible again
    // after them and not acked. When that one is back, the four would have been back first.
    let mut rest = got;
    let mut keep = rest.pop().unwrap();
    for m in rest.iter_mut() {
        a.change_invisible_duration(m, SHORT).await.unwrap();
    }
    a.batch_ack(&rest).await.unwrap();
    a.change_invisible_duration(&mut keep, SHORT).await.unwrap();
    let returned = receive_one(&b, LONG).await;
    assert_eq!(body(&returned), body(&keep));
    b.ack(&returned).await.unwrap();
    let late = b
        .receive_waiting(32, LONG, Duration::from_secs(1))
        .await
        .unwrap();
    assert!(
        late.is_empty(),
        "batch-acked messages came back: {:?}",
        late.iter().map(body).collect::<Vec<_>>()
    );
    a.shutdown().await;
    b.shutdown().await;
    sys.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orderly_pops_hold_the_queue_until_acked_and_keep_the_order() {
    let sys = System::start_with(|_| {}).await;
    setup(&sys, "PopOrder", 1, "GPopOrder", 16).await;
    send_n(&sys, "PopOrder", 6).await;
    let a = consumer(&sys, "a", "GPopOrder", "PopOrder");
    let b = consumer(&sys, "b", "GPopOrder", "PopOrder");
    let none = Duration::ZERO;
    let mut first = Vec::new();
    let end = tokio::time::Instant::now() + LIMIT;
    while first.is_empty() && tokio::time::Instant::now() < end {
        first = a
            .receive_orderly(3, LONG, Duration::from_secs(1))
            .await
            .unwrap();
    }
    let bodies: Vec<String> = first.iter().map(body).collect();
    assert_eq!(bodies, ["m0", "m1", "m2"]);
    assert!(first.iter().all(|m| m.reconsume_times() == 0));
    // Held: another consumer of the group gets nothing from the queue.
    assert!(b.receive_orderly(3, LONG, none).await.unwrap().is_empty());
    a.ack(&first[0]).await.unwrap();
    assert!(b.receive_orderly(3, LONG, none).await.unwrap().is_empty());
    // Given up on: the rest come again, in order, counted.
    let mut second = first.remove(1);
    a.change_invisible_duration(&mut second, none)
        .await
        .unwrap();
    let again = b.receive_orderly(3, LONG, none).await.unwrap();
    let bodies: Vec<String> = again.iter().map(body).collect();
    assert_eq!(bodies, ["m1", "m2", "m3"]);
    assert_eq!(again[0].reconsume_times(), 1);
    assert_eq!(again[2].reconsume_times(), 0);
    b.batch_ack(&again).await.unwrap();
    let last = b.receive_orderly(32, LONG, none).await.unwrap();
    let bodies: Vec<String> = last.iter().map(body).collect();
    assert_eq!(bodies, ["m4", "m5"]);
    for m in &last {
        b.ack(m).await.unwrap();
    }
    assert!(a.receive_orderly(32, LONG, none).await.unwrap().is_empty());
    a.shutdown().await;
    b.shutdown().await;
    sys.stop().await;
}
