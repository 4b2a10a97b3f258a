//! Master/slave failover as the client crate's producer and push consumer live it, with
//! `mqbroker` child processes on 127.0.0.1 (SIGKILLed and restarted on the same store)
//! and a NameServer in this process:
//! - the consumer keeps consuming from the slave while the master is down, commits its
//!   offsets there, and after the master returns consumes what is sent next without
//!   consuming again what it consumed before;
//! - a consumer the master finds lagging (`slaveReadEnable`, `accessMessageInMemoryMaxRatio`)
//!   follows `suggestWhichBrokerId` to the slave and still gets everything.
//!
//! Waits are bounded polls; nothing depends on timing thresholds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cometmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use cometmq_client::instance::ClientConfig;
use cometmq_client::producer::{Producer, SendStatus};
use cometmq_client::Message;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::transport::RemotingClient;
use cometmq_remoting::RemotingCommand;
use common::eventually;
use common::ha::*;

/// Logs to the test output when `RUST_LOG` is set.
fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// Client settings for the tests: quick route refresh (the master's disappearance and
/// return show quickly) and frequent offset persistence.
fn client_config(namesrv: &str, instance: &str, root: &Path) -> ClientConfig {
    ClientConfig {
        client_ip: "127.0.0.1".into(),
        instance_name: instance.into(),
        poll_name_server_interval: Duration::from_millis(300),
        heartbeat_broker_interval: Duration::from_secs(1),
        persist_consumer_offset_interval: Duration::from_millis(300),
        offsets_root: root.join("offsets"),
        ..ClientConfig::new(namesrv)
    }
}

fn producer(namesrv: &str, root: &Path) -> Producer {
    let p = Producer::builder("FailoverPG")
        .client_config(client_config(namesrv, "producer", root))
        .send_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    p.start().unwrap();
    p
}

/// Sends `n` messages; returns (message id, queue id, queue offset) of each, retrying a
/// send the producer cannot place yet (no route to a live master).
async fn send_batch(p: &Producer, topic: &str, label: &str, n: usize) -> Vec<(String, i32, i64)> {
    let mut acked = Vec::new();
    for i in 0..n {
        let msg = || Message::builder(topic).body(format!("{label} {i}")).build();
        let mut last = None;
        for _ in 0..200 {
            match p.send(msg()).await {
                Ok(r) if r.status == SendStatus::SendOk => {
                    last = None;
                    acked.push((r.msg_id, r.message_queue.queue_id, r.queue_offset));
                    break;
                }
                other => last = Some(format!("{other:?}")),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(last.is_none(), "{label} {i} never acknowledged: {last:?}");
    }
    acked
}

/// The consumer group's committed offset of a queue at `addr` (-1: none).
async fn committed(c: &RemotingClient, addr: &str, group: &str, topic: &str, q: i32) -> i64 {
    let mut req = RemotingCommand::request(request::QUERY_CONSUMER_OFFSET);
    for (k, v) in [
        ("consumerGroup", group.to_string()),
        ("topic", topic.into()),
        ("queueId", q.to_string()),
    ] {
        req.ext_fields.insert(k.into(), v);
    }
    match call(c, addr, req).await {
        Some(r) if r.code == response::SUCCESS => {
            r.ext("offset").and_then(|s| s.parse().ok()).unwrap_or(-1)
        }
        _ => -1,
    }
}

/// How many messages the broker at `addr` has served to pulls (`msgGetTotalTodayNow`).
async fn served(c: &RemotingClient, addr: &str) -> u64 {
    let req = RemotingCommand::request(request::GET_BROKER_RUNTIME_INFO);
    let Some(r) = call(c, addr, req).await else {
        return 0;
    };
    let v: serde_json::Value = serde_json::from_slice(&r.body.to_bytes()).unwrap();
    v["table"]["msgGetTotalTodayNow"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The end of each queue the acknowledged messages went to.
fn queue_ends(acked: &[(String, i32, i64)]) -> HashMap<i32, i64> {
    let mut ends = HashMap::new();
    for (_, q, o) in acked {
        let e = ends.entry(*q).or_insert(0);
        *e = (*e).max(o + 1);
    }
    ends
}

/// Where the test is when a message is delivered.
const MASTER_UP: u8 = 0;
const MASTER_DOWN: u8 = 1;
const MASTER_BACK: u8 = 2;

/// Every delivery: message id and the phase it happened in.
type Deliveries = Arc<Mutex<Vec<(String, u8)>>>;

fn ids_in(d: &Deliveries, phases: &[u8]) -> HashSet<String> {
    d.lock()
        .unwrap()
        .iter()
        .filter(|(_, p)| phases.contains(p))
        .map(|(id, _)| id.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_consumer_moves_to_the_slave_when_the_master_dies_and_back_without_consuming_again() {
    let _serial = SERIAL.lock().await;
    init_logs();
    let ns = Namesrv::start().await;
    let root = tempfile::tempdir().unwrap();
    let (mut master, mut slave) =
        start_pair(root.path(), &ns.addr, "broker-f", "SYNC_MASTER", &[], &[]).await;
    let c = client();
    send_until_replicated(&c, &master.addr(), "Warm").await;

    let topic = "Failover";
    let group = "FailoverGroup";
    let p = producer(&ns.addr, root.path());
    let first = send_batch(&p, topic, "first", 200).await;

    // The consumer takes a few messages at a time and, after 40, blocks until the master
    // is dead: most of the first batch is then still on the brokers.
    let phase = Arc::new(AtomicU8::new(MASTER_UP));
    let gate_open = Arc::new(AtomicU8::new(0));
    let consumed = Arc::new(AtomicUsize::new(0));
    let deliveries: Deliveries = Arc::default();
    let (ph, gate, n, d) = (
        phase.clone(),
        gate_open.clone(),
        consumed.clone(),
        deliveries.clone(),
    );
    let consumer = PushConsumer::builder(group)
        .client_config(client_config(&ns.addr, "consumer", root.path()))
        .subscribe(topic, "*")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .pull_batch_size(4)
        .pull_threshold_for_queue(8)
        .listener(move |msgs| {
            for m in msgs {
                d.lock()
                    .unwrap()
                    .push((m.msg_id().into_owned(), ph.load(Ordering::SeqCst)));
            }
            if n.fetch_add(msgs.len(), Ordering::SeqCst) >= 40 {
                // Bounded: a failed test must not leave threads spinning forever.
                for _ in 0..12_000 {
                    if gate.load(Ordering::SeqCst) == 1 {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
            ConsumeResult::Success
        })
        .build()
        .unwrap();
    consumer.start().await.unwrap();
    eventually("the consumer to consume 40 messages", || {
        let n = consumed.load(Ordering::SeqCst);
        async move { (n >= 40).then_some(()) }
    })
    .await;

    wait_topic_synced(&c, &slave.addr(), topic).await;

    // kill -9 the master; the consumer goes on with the slave.
    let slave_served_before = served(&c, &slave.addr()).await;
    master.kill9();
    phase.store(MASTER_DOWN, Ordering::SeqCst);
    gate_open.store(1, Ordering::SeqCst);
    let want: HashSet<String> = first.iter().map(|a| a.0.clone()).collect();
    eventually("the first batch to be consumed from the slave", || {
        let got = ids_in(&deliveries, &[MASTER_UP, MASTER_DOWN]);
        let ok = want.is_subset(&got);
        async move { ok.then_some(()) }
    })
    .await;
    let from_slave = served(&c, &slave.addr()).await - slave_served_before;
    eprintln!(
        "before the kill: {} deliveries; the slave served {from_slave} messages while the master was down",
        ids_in(&deliveries, &[MASTER_UP]).len()
    );
    assert!(from_slave > 0, "the slave served nothing");
    // The consumer commits its progress to the slave.
    let ends = queue_ends(&first);
    for (q, end) in &ends {
        eventually("the consumer's offsets on the slave", || {
            let (c, addr) = (&c, slave.addr());
            async move { (committed(c, &addr, group, topic, *q).await == *end).then_some(()) }
        })
        .await;
    }

    // The master returns (crash recovery of the same store) and the slave reconnects.
    phase.store(MASTER_BACK, Ordering::SeqCst);
    master.start().await;
    c.close_connections(&master.addr());
    send_until_replicated(&c, &master.addr(), "Warm").await;
    let second = send_batch(&p, topic, "second", 100).await;
    let want2: HashSet<String> = second.iter().map(|a| a.0.clone()).collect();
    eventually("the second batch to be consumed", || {
        let got = ids_in(&deliveries, &[MASTER_BACK]);
        let ok = want2.is_subset(&got);
        async move { ok.then_some(()) }
    })
    .await;
    let before = ids_in(&deliveries, &[MASTER_UP, MASTER_DOWN]);
    let again: Vec<_> = ids_in(&deliveries, &[MASTER_BACK])
        .intersection(&before)
        .cloned()
        .collect();
    assert!(
        again.is_empty(),
        "{} messages consumed before the master returned were consumed again after: {:?}",
        again.len(),
        &again[..again.len().min(5)]
    );

    // The master ends up with the consumer's offsets: a new consumer of the group after a
    // clean stop starts where this one stopped.
    consumer.shutdown().await;
    let mut ends = queue_ends(&first);
    for (q, e) in queue_ends(&second) {
        let end = ends.entry(q).or_insert(0);
        *end = (*end).max(e);
    }
    for (q, end) in &ends {
        let got = committed(&c, &master.addr(), group, topic, *q).await;
        assert_eq!(got, *end, "queue {q}: the master's committed offset");
        // The slave's sync converges on them too (no stale offsets left behind).
        eventually("the slave's copy of the final offsets", || {
            let (c, addr) = (&c, slave.addr());
            async move { (committed(c, &addr, group, topic, *q).await == *end).then_some(()) }
        })
        .await;
    }
    let later: Deliveries = Arc::default();
    let l = later.clone();
    let next = PushConsumer::builder(group)
        .client_config(client_config(&ns.addr, "consumer2", root.path()))
        .subscribe(topic, "*")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .listener(move |msgs| {
            for m in msgs {
                l.lock()
                    .unwrap()
                    .push((m.msg_id().into_owned(), MASTER_BACK));
            }
            ConsumeResult::Success
        })
        .build()
        .unwrap();
    next.start().await.unwrap();
    let marker = send_batch(&p, topic, "marker", 4).await;
    let markers: HashSet<String> = marker.iter().map(|a| a.0.clone()).collect();
    eventually("the new consumer to get the markers", || {
        let ok = markers.is_subset(&ids_in(&later, &[MASTER_BACK]));
        async move { ok.then_some(()) }
    })
    .await;
    let old: Vec<_> = ids_in(&later, &[MASTER_BACK])
        .difference(&markers)
        .cloned()
        .collect();
    assert!(
        old.is_empty(),
        "the new consumer consumed {} old messages",
        old.len()
    );
    next.shutdown().await;
    p.shutdown().await;
    master.kill9();
    slave.kill9();
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_consumer_follows_the_suggestion_to_the_slave_and_gets_everything() {
    let _serial = SERIAL.lock().await;
    init_logs();
    let ns = Namesrv::start().await;
    let root = tempfile::tempdir().unwrap();
    // A ratio of 0: every pull that leaves anything behind counts as lagging.
    let read_slave = [
        ("slaveReadEnable", "true"),
        ("accessMessageInMemoryMaxRatio", "0"),
    ];
    let (mut master, mut slave) = start_pair(
        root.path(),
        &ns.addr,
        "broker-g",
        "ASYNC_MASTER",
        &read_slave,
        &read_slave,
    )
    .await;
    let c = client();
    let topic = "Lagging";
    let p = producer(&ns.addr, root.path());
    let sent = send_batch(&p, topic, "lagging", 200).await;
    // The slave holds all of it.
    for (q, end) in queue_ends(&sent) {
        eventually("the slave to hold the messages", || {
            let (c, addr) = (&c, slave.addr());
            async move { (max_offset(c, &addr, topic, q).await == end).then_some(()) }
        })
        .await;
    }
    let served_before = served(&c, &slave.addr()).await;
    let seen: Deliveries = Arc::default();
    let s = seen.clone();
    let consumer = PushConsumer::builder("LaggingGroup")
        .client_config(client_config(&ns.addr, "consumer", root.path()))
        .subscribe(topic, "*")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .pull_batch_size(8)
        .listener(move |msgs| {
            for m in msgs {
                s.lock().unwrap().push((m.msg_id().into_owned(), MASTER_UP));
            }
            ConsumeResult::Success
        })
        .build()
        .unwrap();
    consumer.start().await.unwrap();
    let want: HashSet<String> = sent.iter().map(|a| a.0.clone()).collect();
    eventually("every message to be consumed", || {
        let ok = want.is_subset(&ids_in(&seen, &[MASTER_UP]));
        async move { ok.then_some(()) }
    })
    .await;
    let from_slave = served(&c, &slave.addr()).await - served_before;
    eprintln!("the slave served {from_slave} of {} messages", want.len());
    assert!(from_slave > 0, "the consumer never pulled from the slave");
    consumer.shutdown().await;
    p.shutdown().await;
    master.kill9();
    slave.kill9();
    ns.stop().await;
}
