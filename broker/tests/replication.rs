//! Master/slave replication, process level: `mqbroker` children started with `-c` config
//! files on 127.0.0.1, a NameServer in this process, killed with SIGKILL and paused with
//! SIGSTOP. Waits are bounded; nothing depends on timing thresholds.
//!
//! The benchmark (`replication_benchmark`, ignored by default) compares SYNC_MASTER,
//! ASYNC_MASTER and a master without a slave:
//! `cargo test --release -p cometmq-broker --test replication -- --ignored --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cometmq_remoting::body::{fastjson, SubscriptionGroupWrapper, TopicConfigSerializeWrapper};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    PullMessageResponseHeader, SendMessageRequestHeaderV2, SendMessageResponseHeader,
};
use cometmq_remoting::message::{parse_offset_msg_id, Properties, StoredRecord};
use cometmq_remoting::transport::RemotingClient;
use cometmq_remoting::RemotingCommand;
use common::ha::*;

// ---------------------------------------------------------------------------------------
// Tests

/// An acknowledged send: queue id, queue offset, body, CommitLog offset.
type Acked = (i32, i64, String, i64);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_master_killed_loses_no_acknowledged_message_and_consumers_move_to_the_slave_and_back()
{
    let _serial = SERIAL.lock().await;
    let ns = Namesrv::start().await;
    let root = tempfile::tempdir().unwrap();
    let (mut master, mut slave) =
        start_pair(root.path(), &ns.addr, "broker-a", "SYNC_MASTER", &[], &[]).await;
    let c = Arc::new(client());
    send_until_replicated(&c, &master.addr(), "HA").await;
    // Routes list both.
    let mut routes = BTreeMap::new();
    for _ in 0..200 {
        routes = route_addrs(&c, &ns.addr, "HA").await;
        if routes.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(routes.get(&0), Some(&master.addr()));
    assert_eq!(routes.get(&1), Some(&slave.addr()));

    // A continuous producer: 8 senders; remember every acknowledged message.
    let acked: Arc<std::sync::Mutex<Vec<Acked>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut senders = Vec::new();
    for s in 0..8 {
        let (c, acked, stop, addr) = (c.clone(), acked.clone(), stop.clone(), master.addr());
        senders.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let body = format!("sender {s} message {i} {}", "x".repeat(i % 300));
                i += 1;
                let q = (i % 4) as i32;
                match send(&c, &addr, "HA", q, body.as_bytes()).await {
                    Some(r) if r.code == response::SUCCESS => {
                        let h: SendMessageResponseHeader = r.decode_header().unwrap();
                        let phys = parse_offset_msg_id(&h.msg_id).unwrap().offset;
                        acked
                            .lock()
                            .unwrap()
                            .push((h.queue_id, h.queue_offset, body, phys));
                    }
                    Some(_) => {}
                    None => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        }));
    }
    for _ in 0..600 {
        if acked.lock().unwrap().len() >= 1500 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Mid-load: SIGKILL the master (once the slave knows the topic: a slave serves
    // only topics its metadata sync has copied, as Java's does).
    wait_topic_synced(&c, &slave.addr(), "HA").await;
    master.kill9();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for s in senders {
        s.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 100, "only {} acknowledged", acked.len());
    eprintln!(
        "{} messages acknowledged before the master died",
        acked.len()
    );

    // Every acknowledged message is on the slave, at the same queue offset and
    // CommitLog offset, with the same body.
    let mut by_queue: HashMap<i32, Vec<StoredRecord>> = HashMap::new();
    for q in 0..4 {
        let want = acked
            .iter()
            .filter(|a| a.0 == q)
            .map(|a| a.1 + 1)
            .max()
            .unwrap_or(0);
        let got = read_queue(&c, &slave.addr(), "Readers", "HA", q, 0, want).await;
        by_queue.insert(q, got);
    }
    for (q, qo, body, phys) in &acked {
        let m = by_queue[q]
            .iter()
            .find(|m| m.queue_offset == *qo)
            .unwrap_or_else(|| panic!("acknowledged message {q}/{qo} missing on the slave"));
        assert_eq!(m.body.as_ref(), body.as_bytes(), "message {q}/{qo} differs");
        assert_eq!(m.commit_log_offset, *phys);
    }

    // While the master is down a consumer keeps reading from the slave and commits its
    // progress there.
    let mut progress = HashMap::new();
    for q in 0..4 {
        let end = max_offset(&c, &slave.addr(), "HA", q).await;
        let read = read_queue(&c, &slave.addr(), "Consumers", "HA", q, 0, end).await;
        assert_eq!(read.len() as i64, end);
        let mut commit = RemotingCommand::request(request::UPDATE_CONSUMER_OFFSET);
        for (k, v) in [
            ("consumerGroup", "Consumers".to_string()),
            ("topic", "HA".into()),
            ("queueId", q.to_string()),
            ("commitOffset", end.to_string()),
        ] {
            commit.ext_fields.insert(k.into(), v);
        }
        assert_eq!(
            call(&c, &slave.addr(), commit).await.unwrap().code,
            response::SUCCESS
        );
        progress.insert(q, end);
    }
    // The slave still refuses sends: producers must wait for the master.
    let refused = send(&c, &slave.addr(), "HA", 0, b"to the slave")
        .await
        .unwrap();
    assert_eq!(refused.code, response::SERVICE_NOT_AVAILABLE);

    // The master comes back (crash recovery on the same store); the slave reconnects.
    master.start().await;
    c.close_connections(&master.addr());
    send_until_replicated(&c, &master.addr(), "HA").await;
    let mut after = Vec::new();
    let mut ends: HashMap<i32, i64> = HashMap::new();
    for i in 0..40 {
        let body = format!("after restart {i}");
        let r = send(&c, &master.addr(), "HA", i % 4, body.as_bytes())
            .await
            .unwrap();
        assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
        let h: SendMessageResponseHeader = r.decode_header().unwrap();
        let end = ends.entry(h.queue_id).or_insert(0);
        *end = (*end).max(h.queue_offset + 1);
        after.push(body);
    }
    // The consumer continues on the master from where it got on the slave: it sees every
    // new message, and nothing it already read on the slave is missing in between.
    let mut seen = Vec::new();
    for q in 0..4 {
        let read = read_queue(
            &c,
            &master.addr(),
            "Consumers",
            "HA",
            q,
            progress[&q],
            ends[&q],
        )
        .await;
        assert_eq!(read.first().map(|m| m.queue_offset), Some(progress[&q]));
        seen.extend(
            read.into_iter()
                .map(|m| String::from_utf8_lossy(&m.body).to_string()),
        );
    }
    for body in &after {
        assert!(seen.contains(body), "{body} lost");
    }
    drop(c);
    master.kill9();
    slave.kill9();
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slave_killed_during_load_catches_up_and_its_commit_log_equals_the_masters() {
    let _serial = SERIAL.lock().await;
    let ns = Namesrv::start().await;
    let root = tempfile::tempdir().unwrap();
    let (mut master, mut slave) =
        start_pair(root.path(), &ns.addr, "broker-b", "ASYNC_MASTER", &[], &[]).await;
    let c = Arc::new(client());
    // Once the slave holds the first message it copies from the start of the log (a slave
    // that connects later starts at the master's last file).
    let r = send(&c, &master.addr(), "Load", 0, b"first").await.unwrap();
    assert_eq!(r.code, response::SUCCESS);
    let mut copied = -1;
    for _ in 0..600 {
        copied = max_offset(&c, &slave.addr(), "Load", 0).await;
        if copied == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(copied, 1, "{}", slave.log_tail());
    let sent = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut senders = Vec::new();
    for s in 0..4 {
        let (c, sent, stop, addr) = (c.clone(), sent.clone(), stop.clone(), master.addr());
        senders.push(tokio::spawn(async move {
            let body = vec![b'a' + s as u8; 1024];
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let r = send(&c, &addr, "Load", i % 4, &body).await.unwrap();
                assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
                sent.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let wait_sent = |n: u64| {
        let sent = sent.clone();
        async move {
            for _ in 0..6000 {
                if sent.load(Ordering::Relaxed) >= n {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("the producer is stuck");
        }
    };
    wait_sent(1500).await;
    slave.kill9();
    // ~1.5 files more while the slave is down.
    wait_sent(8000).await;
    slave.start().await;
    wait_sent(10000).await;
    stop.store(true, Ordering::Relaxed);
    for s in senders {
        s.await.unwrap();
    }
    // The slave catches up; its CommitLog files equal the master's, byte for byte.
    let mut equal = false;
    let mut files = 0;
    for _ in 0..600 {
        let (m, s) = (commit_log(&master.store()), commit_log(&slave.store()));
        files = m.len();
        if m == s {
            equal = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        equal,
        "the slave's CommitLog never matched\n{}",
        slave.log_tail()
    );
    assert!(files >= 3, "{files} files");
    let reconnects = master.log_text().matches("HA: slave connected").count();
    eprintln!("{files} CommitLog files equal; the slave connected {reconnects} times");
    assert!(reconnects >= 2);
    // Both dispatched everything: the same queues.
    for q in 0..4 {
        let (mut m, mut s) = (-1, -2);
        for _ in 0..200 {
            m = max_offset(&c, &master.addr(), "Load", q).await;
            s = max_offset(&c, &slave.addr(), "Load", q).await;
            if s == m {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(s, m, "queue {q}");
    }
    drop(c);
    master.kill9();
    slave.kill9();
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_master_without_a_slave_answers_slave_not_available_but_stores() {
    let _serial = SERIAL.lock().await;
    let ns = Namesrv::start().await;
    let root = tempfile::tempdir().unwrap();
    let mut master = Node::new(
        root.path(),
        "master",
        "broker-c",
        "SYNC_MASTER",
        &ns.addr,
        &[],
    );
    master.start().await;
    let c = client();
    let r = send(&c, &master.addr(), "Lonely", 1, b"stored anyway")
        .await
        .unwrap();
    assert_eq!(r.code, response::SLAVE_NOT_AVAILABLE, "{:?}", r.remark);
    // A stored-but-flagged result carries the whole send header.
    let h: SendMessageResponseHeader = r.decode_header().unwrap();
    assert_eq!((h.queue_id, h.queue_offset), (1, 0));
    assert_eq!(h.msg_id.len(), 32);
    let got = read_queue(&c, &master.addr(), "G", "Lonely", 1, 0, 1).await;
    assert_eq!(got[0].body.as_ref(), b"stored anyway");
    // WAIT=false does not wait for a slave.
    let mut req = send_request("Lonely", 1, b"no wait");
    let mut h: SendMessageRequestHeaderV2 = req.decode_header().unwrap();
    let mut props = Properties::parse_lossy(h.properties.clone().unwrap().as_bytes());
    props.insert("WAIT", "false");
    h.properties = Some(props.encode());
    req = RemotingCommand::request_with_header(request::SEND_MESSAGE_V2, &h)
        .with_body(Bytes::from_static(b"no wait"));
    assert_eq!(
        call(&c, &master.addr(), req).await.unwrap().code,
        response::SUCCESS
    );
    master.kill9();
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_slave_gives_flush_slave_timeout_until_it_resumes() {
    let _serial = SERIAL.lock().await;
    let ns = Namesrv::start().await;
    let root = tempfile::tempdir().unwrap();
    let fast = [("syncFlushTimeout", "800")];
    let (mut master, mut slave) =
        start_pair(root.path(), &ns.addr, "broker-d", "SYNC_MASTER", &fast, &[]).await;
    let c = client();
    send_until_replicated(&c, &master.addr(), "Stall").await;
    slave.signal("STOP");
    let r = send(&c, &master.addr(), "Stall", 2, b"nobody acks")
        .await
        .unwrap();
    assert_eq!(r.code, response::FLUSH_SLAVE_TIMEOUT, "{:?}", r.remark);
    let h: SendMessageResponseHeader = r.decode_header().unwrap();
    assert_eq!(h.queue_id, 2);
    slave.signal("CONT");
    send_until_replicated(&c, &master.addr(), "Stall").await;
    master.kill9();
    slave.kill9();
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slave_is_read_only_serves_reads_and_copies_the_masters_metadata() {
    let _serial = SERIAL.lock().await;
    let ns = Namesrv::start().await;
    let root = tempfile::tempdir().unwrap();
    let (mut master, mut slave) =
        start_pair(root.path(), &ns.addr, "broker-e", "ASYNC_MASTER", &[], &[]).await;
    let c = client();
    // A topic created on the master (auto-created by a send), a group with an offset.
    for i in 0..5 {
        let r = send(&c, &master.addr(), "Meta", 0, format!("m{i}").as_bytes())
            .await
            .unwrap();
        assert_eq!(r.code, response::SUCCESS);
    }
    let mut commit = RemotingCommand::request(request::UPDATE_CONSUMER_OFFSET);
    for (k, v) in [
        ("consumerGroup", "MetaGroup"),
        ("topic", "Meta"),
        ("queueId", "0"),
        ("commitOffset", "3"),
    ] {
        commit.ext_fields.insert(k.into(), v.into());
    }
    assert_eq!(
        call(&c, &master.addr(), commit).await.unwrap().code,
        response::SUCCESS
    );
    // Delay progress to hand over: a level-1 (1 s) message the master delivers.
    let mut delayed = send_request("MetaDelay", 0, b"later");
    {
        let props = delayed
            .ext_fields
            .get("i")
            .map(str::to_owned)
            .unwrap_or_default();
        delayed
            .ext_fields
            .insert("i".into(), format!("{props}DELAY\u{1}1\u{2}"));
    }
    assert_eq!(
        call(&c, &master.addr(), delayed).await.unwrap().code,
        response::SUCCESS
    );
    let mut delay = String::new();
    for _ in 0..400 {
        let body = call(
            &c,
            &master.addr(),
            RemotingCommand::request(request::GET_ALL_DELAY_OFFSET),
        )
        .await
        .map(|r| String::from_utf8_lossy(&r.body.to_bytes()).to_string())
        .unwrap_or_default();
        if body.contains("1:1") {
            delay = body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        delay.contains("1:1"),
        "the master delivered the delayed message: {delay}"
    );
    // The group exists on the master once it pulls.
    pull(&c, &master.addr(), "MetaGroup", "Meta", 0, 0)
        .await
        .unwrap();

    // All of it shows up on the slave.
    let mut synced = false;
    for _ in 0..400 {
        let topics = call(
            &c,
            &slave.addr(),
            RemotingCommand::request(request::GET_ALL_TOPIC_CONFIG),
        )
        .await
        .unwrap();
        let topics: TopicConfigSerializeWrapper =
            fastjson::from_slice(&topics.body.to_bytes()).unwrap();
        let groups = call(
            &c,
            &slave.addr(),
            RemotingCommand::request(request::GET_ALL_SUBSCRIPTIONGROUP_CONFIG),
        )
        .await
        .unwrap();
        let groups: SubscriptionGroupWrapper =
            fastjson::from_slice(&groups.body.to_bytes()).unwrap();
        let mut q = RemotingCommand::request(request::QUERY_CONSUMER_OFFSET);
        for (k, v) in [
            ("consumerGroup", "MetaGroup"),
            ("topic", "Meta"),
            ("queueId", "0"),
        ] {
            q.ext_fields.insert(k.into(), v.into());
        }
        let stored = call(&c, &slave.addr(), q)
            .await
            .and_then(|r| r.ext("offset").map(str::to_string));
        let delay_copied = std::fs::read_to_string(slave.store().join("config/delayOffset.json"))
            .is_ok_and(|t| t == delay)
            && call(
                &c,
                &slave.addr(),
                RemotingCommand::request(request::GET_ALL_DELAY_OFFSET),
            )
            .await
            .is_some_and(|r| r.body.to_bytes() == delay.as_bytes());
        if topics.topic_config_table.contains_key("Meta")
            && groups.subscription_group_table.contains_key("MetaGroup")
            && stored.as_deref() == Some("3")
            && delay_copied
        {
            synced = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        synced,
        "metadata never reached the slave\n{}",
        slave.log_tail()
    );

    // The slave serves pulls of replicated messages, and refuses writes.
    let got = read_queue(&c, &slave.addr(), "MetaGroup", "Meta", 0, 0, 5).await;
    let bodies: Vec<_> = got.iter().map(|m| m.body.clone()).collect();
    assert_eq!(
        bodies,
        (0..5)
            .map(|i| Bytes::from(format!("m{i}")))
            .collect::<Vec<_>>()
    );
    let r = send(&c, &slave.addr(), "Meta", 0, b"no").await.unwrap();
    assert_eq!(r.code, response::SERVICE_NOT_AVAILABLE);
    let r = call(
        &c,
        &slave.addr(),
        RemotingCommand::request(request::END_TRANSACTION),
    )
    .await
    .unwrap();
    assert_eq!(r.code, response::SLAVE_NOT_AVAILABLE);
    // Beyond the end: the slave does not move the consumer (it may just be behind).
    let r = pull(&c, &slave.addr(), "MetaGroup", "Meta", 0, 50)
        .await
        .unwrap();
    assert_eq!(r.code, response::PULL_RETRY_IMMEDIATELY);
    let h: PullMessageResponseHeader = r.decode_header().unwrap();
    assert_eq!(h.next_begin_offset, 50);
    // The master corrects the same request.
    let r = pull(&c, &master.addr(), "MetaGroup", "Meta", 0, 50)
        .await
        .unwrap();
    assert_eq!(r.code, response::PULL_OFFSET_MOVED);
    master.kill9();
    slave.kill9();
    ns.stop().await;
}

// ---------------------------------------------------------------------------------------
// Benchmark

/// Runs `senders` concurrent senders of 1 KiB messages for `secs`; returns (msgs/s,
/// mean latency, p99 latency).
async fn load(addr: &str, senders: usize, secs: u64) -> (f64, Duration, Duration) {
    let clients: Vec<Arc<RemotingClient>> = (0..4).map(|_| Arc::new(client())).collect();
    // Warm up: topic created, connections open.
    for c in &clients {
        send(c, addr, "Bench", 0, &[b'w'; 1024]).await.unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for i in 0..senders {
        let (c, stop, addr) = (
            clients[i % clients.len()].clone(),
            stop.clone(),
            addr.to_string(),
        );
        tasks.push(tokio::spawn(async move {
            let body = vec![b'b'; 1024];
            let mut lat = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let r = send(&c, &addr, "Bench", n % 4, &body).await.unwrap();
                assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
                lat.push(t.elapsed());
                n += 1;
            }
            lat
        }));
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    all.sort();
    let mean = all.iter().sum::<Duration>() / all.len().max(1) as u32;
    let p99 = all[(all.len() * 99 / 100).min(all.len() - 1)];
    (all.len() as f64 / elapsed.as_secs_f64(), mean, p99)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --release --ignored --nocapture"]
async fn replication_benchmark() {
    let _serial = SERIAL.lock().await;
    let senders: usize = std::env::var("BENCH_SENDERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64);
    let secs: u64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    let big = [("mapedFileSizeCommitLog", "1073741824")];
    let mut rows = Vec::new();
    for (label, role, with_slave) in [
        ("ASYNC_MASTER, no slave", "ASYNC_MASTER", false),
        ("ASYNC_MASTER + slave", "ASYNC_MASTER", true),
        ("SYNC_MASTER + slave", "SYNC_MASTER", true),
    ] {
        let ns = Namesrv::start().await;
        let root = tempfile::tempdir().unwrap();
        let mut master = Node::new(root.path(), "master", "bench", role, &ns.addr, &big);
        let mut slave = Node::new(root.path(), "slave", "bench", "SLAVE", &ns.addr, &big);
        master.start().await;
        if with_slave {
            slave.start().await;
            send_until_replicated(&client(), &master.addr(), "Bench").await;
        }
        let (tps, mean, p99) = load(&master.addr(), senders, secs).await;
        let lag = if with_slave {
            let c = client();
            let m = max_offset(&c, &master.addr(), "Bench", 0).await;
            let s = max_offset(&c, &slave.addr(), "Bench", 0).await;
            format!("slave queue 0 lag after the run: {} msgs", m - s)
        } else {
            String::new()
        };
        rows.push(format!(
            "{label:<24} {tps:>10.0} msg/s  mean {:>7.2} ms  p99 {:>7.2} ms  {lag}",
            mean.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        ));
        master.kill9();
        slave.kill9();
        ns.stop().await;
    }
    println!("\nreplication benchmark: {senders} senders, 1 KiB messages, {secs} s each");
    for r in rows {
        println!("{r}");
    }
}

#[test]
fn the_sample_layouts_load_with_known_keys_and_consistent_roles() {
    use cometmq_broker::config::{BrokerConfig, BrokerRole};
    let conf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conf");
    for (layout, master_role) in [
        ("2m-2s-sync", BrokerRole::SyncMaster),
        ("2m-2s-async", BrokerRole::AsyncMaster),
    ] {
        let mut ports = Vec::new();
        for name in ["broker-a", "broker-a-s", "broker-b", "broker-b-s"] {
            let path = conf.join(layout).join(format!("{name}.properties"));
            let (c, unknown) = BrokerConfig::load(&path).unwrap();
            assert!(
                unknown.is_empty(),
                "{layout}/{name}: unknown keys {unknown:?}"
            );
            let slave = name.ends_with("-s");
            assert_eq!(c.broker_name, name.trim_end_matches("-s"));
            assert_eq!(c.broker_id, i64::from(slave));
            let role = if slave {
                BrokerRole::Slave
            } else {
                master_role
            };
            assert_eq!(c.broker_role, role, "{layout}/{name}");
            ports.extend([c.listen_port, c.ha_port(), c.fast_port()]);
        }
        // All four run on one machine.
        let n = ports.len();
        ports.sort();
        ports.dedup();
        assert_eq!(ports.len(), n, "{layout}: ports collide");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtime_info_shows_each_slave_its_acknowledged_offset_and_lag() {
    let _serial = SERIAL.lock().await;
    use cometmq_broker::config::BrokerRole;
    use cometmq_broker::replication::ha_runtime_info;
    let cluster = common::Cluster::start(|c| {
        c.broker_role = BrokerRole::SyncMaster;
        c.ha_send_heartbeat_interval = 200;
    })
    .await;
    let (slave, _slave_dir) = cluster
        .start_slave(|c| c.ha_send_heartbeat_interval = 200)
        .await;
    let c = client();
    send_until_replicated(&c, &cluster.broker_addr, "Info").await;
    let master = cluster.broker.as_ref().unwrap();
    let end = master.state.store.max_phys_offset();
    let info: BTreeMap<String, String> = ha_runtime_info(&master.state).into_iter().collect();
    assert_eq!(info["haConnectionCount"], "1");
    assert_eq!(info["haSlave0AckOffset"], end.to_string());
    assert_eq!(info["haSlave0FallBehindBytes"], "0");
    assert_eq!(info["slaveFallBehindBytes"], "0");
    assert_eq!(info["haPush2SlaveMaxOffset"], end.to_string());
    assert!(info["haSlave0Addr"].starts_with("127.0.0.1:"));
    let info: BTreeMap<String, String> = ha_runtime_info(&slave.state).into_iter().collect();
    assert_eq!(info["haMasterConnected"], "true");
    assert_eq!(info["masterAddr"], cluster.broker_addr);
    assert_eq!(info["haSlaveReportedOffset"], end.to_string());
    slave.shutdown().await;
    // With the slave gone (a clean stop closes its connection) the master has none.
    for _ in 0..200 {
        if master.state.ha.master().unwrap().slaves().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let info: BTreeMap<String, String> = ha_runtime_info(&master.state).into_iter().collect();
    assert_eq!(info["haConnectionCount"], "0");
    let r = send(&c, &cluster.broker_addr, "Info", 0, b"alone")
        .await
        .unwrap();
    assert_eq!(r.code, response::SLAVE_NOT_AVAILABLE);
    cluster.stop().await;
}
