//! Timer messages (RocketMQ 5, RIP-43) end to end: delivered to their topic and queue no
//! earlier than asked; a past time delivers at once; a time too far, a value that is not
//! a number, a batch with timers, and timers switched off are refused while the broker
//! keeps serving; pending timers survive a clean restart, a corrupt timer log (rebuilt
//! from the timer topic) and kill -9 (every acknowledged timer delivered); a slave builds
//! the same timer state, and delivers it once started as the master; GET_TIMER_CHECK_POINT
//! and GET_TIMER_METRICS.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use cometmq_broker::config::BrokerConfig;
use cometmq_broker::timer::metrics::TimerMetricsSerializeWrapper;
use cometmq_remoting::body::fastjson;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::message::{create_uniq_key, Properties, StoredRecord};
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::free_port;
use cometmq_testkit::request::send_header;
use common::{eventually, messages, now_ms, process, Cluster};

const TIMER_TOPIC: &str = "rmq_sys_wheel_timer";
const PRECISION: i64 = 100;

fn fast(cfg: &mut BrokerConfig) {
    cfg.timer_precision_ms = PRECISION as u64;
    cfg.timer_flush_interval_ms = 100;
    cfg.timer_max_delay_sec = 60;
}

/// Sends `body` to `topic`/`queue_id` with the timer property `name=value`.
async fn send_timer(
    c: &Cluster,
    topic: &str,
    queue_id: i32,
    body: &str,
    name: &str,
    value: &str,
) -> RemotingCommand {
    c.send_with(topic, queue_id, Some("TagT"), None, body.as_bytes(), |h| {
        let mut props = h.properties.take().unwrap_or_default();
        props.push_str(&format!("{name}\u{1}{value}\u{2}"));
        h.properties = Some(props);
    })
    .await
}

/// Waits until `topic`/`queue_id` holds `n` messages, then reads them all.
async fn read_all(c: &Cluster, topic: &str, queue_id: i32, n: i64) -> Vec<StoredRecord> {
    c.wait_max_offset(topic, queue_id, n).await;
    c.pull_until("GRead", topic, queue_id, 0, "*", n).await
}

fn body(m: &StoredRecord) -> String {
    String::from_utf8_lossy(&m.body).to_string()
}

/// GET_TIMER_CHECK_POINT: (last read time, enqueued queue offset).
async fn checkpoint(c: &Cluster) -> (i64, i64) {
    let resp = c
        .call(RemotingCommand::request(request::GET_TIMER_CHECK_POINT))
        .await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    let b = resp.body.to_bytes();
    assert_eq!(b.len(), 56);
    let long = |i: usize| i64::from_be_bytes(b[i * 8..i * 8 + 8].try_into().unwrap());
    (long(0), long(2))
}

/// Waits until every slot up to `ms` is delivered.
async fn wait_delivered_past(c: &Cluster, ms: i64) {
    eventually("timer read time past the last slot", || async {
        (checkpoint(c).await.0 > ms).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivered_no_earlier_than_asked() {
    let c = Cluster::start(fast).await;
    let sent = now_ms();
    let plan = [
        ("TIMER_DELAY_MS", "1500".to_string(), sent + 1500),
        ("TIMER_DELAY_SEC", "1".to_string(), sent + 1000),
        ("TIMER_DELIVER_MS", (sent + 2000).to_string(), sent + 2000),
    ];
    let mut due = BTreeMap::new();
    for (i, (name, value, at)) in plan.iter().enumerate() {
        let resp = send_timer(&c, "Later", 2, &format!("m{i}"), name, value).await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
        let h: cometmq_remoting::header::SendMessageResponseHeader = resp.decode_header().unwrap();
        assert_eq!(h.queue_id, 2, "the response names the producer's queue");
        due.insert(format!("m{i}"), *at);
    }
    // They wait in the timer topic.
    assert_eq!(c.wait_max_offset(TIMER_TOPIC, 0, 3).await, 3);
    let got = read_all(&c, "Later", 2, 3).await;
    assert_eq!(got.len(), 3);
    for m in &got {
        let at = due[&body(m)];
        assert!(
            m.store_timestamp >= at,
            "{} delivered {} ms before its time",
            body(m),
            at - m.store_timestamp
        );
        assert_eq!((m.topic.as_str(), m.queue_id), ("Later", 2));
        assert_eq!(m.properties.get("REAL_TOPIC"), None);
        assert_eq!(m.properties.get("REAL_QID"), None);
        assert_eq!(m.properties.get("TAGS"), Some("TagT"));
        let out: i64 = m.properties.get("TIMER_OUT_MS").unwrap().parse().unwrap();
        // The slot before the time asked (`at` is a lower bound for the relative ones).
        assert!(out + PRECISION >= at, "TIMER_OUT_MS {out} for {at}");
        assert_eq!(out % PRECISION, 0);
        assert!(m.properties.get("TIMER_DEQUEUE_MS").is_some());
        assert!(m.properties.get("TIMER_ENQUEUE_MS").is_some());
    }
    // Tag filtering works on the delivered copies.
    let resp = c.pull("GTag", "Later", 2, 0, "TagT", 0).await;
    assert_eq!(messages(&resp).len(), 3);

    // Metrics: three enqueued, three delivered.
    let resp = c
        .call(RemotingCommand::request(request::GET_TIMER_METRICS))
        .await;
    assert_eq!(resp.code, response::SUCCESS);
    let m: TimerMetricsSerializeWrapper = fastjson::from_slice(&resp.body.to_bytes()).unwrap();
    assert_eq!(m.timing_count["Later"].count, 0);
    assert_eq!(checkpoint(&c).await.1, 3);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_times_deliver_now_and_bad_ones_are_refused() {
    let c = Cluster::start(fast).await;
    // A time in the past: stored in its topic at once.
    let resp = send_timer(&c, "Now", 0, "past", "TIMER_DELIVER_MS", "1").await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    assert_eq!(c.wait_max_offset("Now", 0, 1).await, 1);
    assert_eq!(c.max_offset(TIMER_TOPIC, 0).await, 0);

    // Beyond timerMaxDelaySec (60 s): Java's code and remark.
    let resp = send_timer(&c, "Now", 0, "far", "TIMER_DELAY_SEC", "61").await;
    assert_eq!(resp.code, response::MESSAGE_ILLEGAL);
    let remark = resp.remark.unwrap_or_default();
    assert!(remark.contains("max delay 60000ms"), "{remark}");

    // Not a number.
    let resp = send_timer(&c, "Now", 0, "bad", "TIMER_DELAY_MS", "soon").await;
    assert_eq!(resp.code, response::MESSAGE_ILLEGAL);
    let remark = resp.remark.unwrap_or_default();
    assert!(
        remark.contains("TIMER_DELAY_MS") && remark.contains("not a number"),
        "{remark}"
    );

    // A batch with a timer.
    let mut props = Properties::new();
    props.insert("TIMER_DELAY_SEC", "5");
    let mut batch = bytes::BytesMut::new();
    cometmq_remoting::message::encode_batch_message(&mut batch, 0, b"x", &props).unwrap();
    let h = send_header("PG", "Now", 0, &Properties::new());
    let req = RemotingCommand::request_with_header(request::SEND_BATCH_MESSAGE, &h)
        .with_body(batch.freeze());
    let resp = c.call(req).await;
    assert_eq!(resp.code, response::MESSAGE_ILLEGAL);
    assert!(resp.remark.unwrap_or_default().contains("batch"));

    // Nothing was stored, and the broker still serves.
    assert_eq!(c.max_offset(TIMER_TOPIC, 0).await, 0);
    let resp = c.send("Now", 0, None, None, b"plain").await;
    assert_eq!(resp.code, response::SUCCESS);
    assert_eq!(c.wait_max_offset("Now", 0, 2).await, 2);
    c.stop().await;

    // timerWheelEnable=false: refused as Java refuses it.
    let c = Cluster::start(|cfg| {
        fast(cfg);
        cfg.timer_wheel_enable = false;
    })
    .await;
    let resp = send_timer(&c, "Off", 0, "x", "TIMER_DELAY_SEC", "5").await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    assert!(resp.remark.unwrap_or_default().contains("timerWheelEnable"));
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_timers_survive_a_restart_and_a_corrupt_log() {
    let mut c = Cluster::start(fast).await;
    // One delivered before the restarts, three pending across them.
    let resp = send_timer(&c, "Keep", 0, "early", "TIMER_DELAY_MS", "200").await;
    assert_eq!(resp.code, response::SUCCESS);
    let sent = now_ms();
    for i in 0..3 {
        let resp = send_timer(&c, "Keep", 0, &format!("late{i}"), "TIMER_DELAY_MS", "4000").await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    }
    read_all(&c, "Keep", 0, 1).await;
    eventually("three timers enqueued", || async {
        (checkpoint(&c).await.1 == 4).then_some(())
    })
    .await;

    // A clean restart keeps them.
    c.restart_broker(fast).await;
    assert_eq!(c.broker.as_ref().unwrap().state.timer.pending(), 3);

    // A corrupt timer log: rebuilt from the timer topic at start.
    c.broker.take().unwrap().shutdown().await;
    let log = c
        .store_dir
        .path()
        .join("timerlog")
        .join(format!("{:020}", 0));
    let mut bytes = std::fs::read(&log).unwrap();
    bytes[12..16].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
    std::fs::write(&log, bytes).unwrap();
    c.restart_broker(fast).await;
    eventually("the three pending timers re-enqueued", || async {
        (c.broker.as_ref().unwrap().state.timer.pending() == 3).then_some(())
    })
    .await;

    let got = read_all(&c, "Keep", 0, 4).await;
    wait_delivered_past(&c, sent + 4000).await;
    // Each exactly once, none early.
    assert_eq!(c.max_offset("Keep", 0).await, 4);
    let mut names: Vec<String> = got.iter().map(body).collect();
    names.sort();
    assert_eq!(names, ["early", "late0", "late1", "late2"]);
    for m in got.iter().filter(|m| body(m).starts_with("late")) {
        assert!(m.store_timestamp >= sent + 4000);
    }
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slave_builds_the_timer_state() {
    let c = Cluster::start(fast).await;
    let (slave, _slave_store) = c
        .start_slave(|cfg| {
            fast(cfg);
            cfg.ha_send_heartbeat_interval = 200;
            cfg.slave_synchronize_interval = 200;
        })
        .await;
    for i in 0..5 {
        let resp = send_timer(&c, "Slaved", 0, &format!("s{i}"), "TIMER_DELAY_SEC", "50").await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    }
    eventually("the slave enqueued the five timers", || async {
        (slave.state.timer.pending() == 5).then_some(())
    })
    .await;
    let master = &c.broker.as_ref().unwrap().state;
    assert_eq!(master.timer.pending(), 5);
    // The slave delivers nothing of its own, and follows the master's read time.
    assert_eq!(slave.state.store.max_offset("Slaved", 0), 0);
    let master_read = checkpoint(&c).await.0;
    eventually("the slave takes the master's timer read time", || async {
        let b = slave.state.timer.checkpoint_body();
        (i64::from_be_bytes(b[0..8].try_into().unwrap()) >= master_read).then_some(())
    })
    .await;
    slave.shutdown().await;
    c.stop().await;
}

/// Failover by hand: the master goes away and its slave is started as the master on its
/// own store. The timers that were pending are delivered by the new master, each at least
/// once and none before its time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slave_started_as_master_delivers_the_pending_timers() {
    let mut c = Cluster::start(fast).await;
    let (slave, slave_store) = c
        .start_slave(|cfg| {
            fast(cfg);
            cfg.ha_send_heartbeat_interval = 200;
            cfg.slave_synchronize_interval = 200;
        })
        .await;
    let sent = now_ms();
    for i in 0..5 {
        let resp = send_timer(
            &c,
            "Promoted",
            0,
            &format!("p{i}"),
            "TIMER_DELAY_MS",
            "8000",
        )
        .await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    }
    eventually("the slave enqueued the five timers", || async {
        (slave.state.timer.pending() == 5).then_some(())
    })
    .await;
    slave.shutdown().await;
    // The master stops; the slave's store comes back as the master.
    let store = slave_store.path().to_path_buf();
    c.restart_broker(|cfg| {
        fast(cfg);
        cfg.store.store_path_root_dir = store;
    })
    .await;
    let n = c.wait_max_offset("Promoted", 0, 5).await;
    let got = c.pull_until("GRead", "Promoted", 0, 0, "*", n).await;
    let names: std::collections::BTreeSet<String> = got.iter().map(body).collect();
    let want: std::collections::BTreeSet<String> = (0..5).map(|i| format!("p{i}")).collect();
    assert_eq!(names, want);
    for m in &got {
        assert!(
            m.store_timestamp >= sent + 8000,
            "{} delivered early",
            body(m)
        );
    }
    c.stop().await;
}

fn timer_request(queue_id: i32, body: String, delay_ms: i64) -> RemotingCommand {
    let mut props = Properties::new();
    props.insert("UNIQ_KEY", create_uniq_key());
    props.insert("TIMER_DELAY_MS", delay_ms.to_string());
    let h = send_header("PTimer", "TimerDur", queue_id, &props);
    RemotingCommand::request_with_header(request::SEND_MESSAGE_V2, &h).with_body(Bytes::from(body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_timers_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let conf = dir.path().join("broker.conf");
    std::fs::write(
        &conf,
        format!(
            "brokerIP1=127.0.0.1\nlistenPort={port}\nstorePathRootDir={}\n\
             timerPrecisionMs=100\ntimerFlushIntervalMs=200\nmappedFileSizeTimerLog=5200\n\
             mapedFileSizeCommitLog=1048576\nmaxHashSlotNum=1000\nmaxIndexNum=4000\n",
            dir.path().join("store").display()
        ),
    )
    .unwrap();
    let log = dir.path().join("broker.log");
    let broker = process::start(&conf, &log, port).await;

    // body → earliest delivery time, for every acknowledged send.
    let acked: Arc<Mutex<BTreeMap<String, i64>>> = Arc::default();
    let client = Arc::new(RemotingClient::new(TransportConfig::default()));
    let mut senders = Vec::new();
    for s in 0..4 {
        let (client, acked, addr) = (client.clone(), acked.clone(), addr.clone());
        senders.push(tokio::spawn(async move {
            for i in 0.. {
                // Some due before the kill, some after the restart.
                let delay = 300 + (i % 20) * 100;
                let body = format!("sender {s} message {i}");
                let before = cometmq_broker::state::now_ms();
                match client
                    .invoke(
                        &addr,
                        timer_request(s, body.clone(), delay),
                        Duration::from_secs(10),
                    )
                    .await
                {
                    Ok(resp) if resp.code == response::SUCCESS => {
                        acked.lock().unwrap().insert(body, before + delay);
                    }
                    _ => return,
                }
            }
        }));
    }
    for _ in 0..3000 {
        if acked.lock().unwrap().len() >= 600 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    broker.kill9();
    for s in senders {
        s.await.unwrap();
    }
    client.shutdown().await;
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 600,
        "only {} timers acknowledged",
        acked.len()
    );

    let _broker = process::start(&conf, &log, port).await;
    let reader = Cluster::attach(&addr).await;
    let got = eventually("every acknowledged timer delivered", || async {
        let mut got: BTreeMap<String, i64> = BTreeMap::new();
        for q in 0..4 {
            let max = reader.max_offset("TimerDur", q).await;
            for m in reader.pull_until("GDur", "TimerDur", q, 0, "*", max).await {
                got.entry(body(&m)).or_insert(m.store_timestamp);
            }
        }
        acked.keys().all(|k| got.contains_key(k)).then_some(got)
    })
    .await;
    for (body, due) in &acked {
        assert!(got[body] >= *due, "{body} delivered before its time");
    }
}
