//! In-process replication between two stores over 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use cometmq_remoting::message::{encode_record, RecordParts};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::protocol::{encode_report, HEADER_LEN};
use super::*;
use crate::{AcceptAll, MessageStore, StoreConfig};

const FILE: usize = 64 * 1024;

fn config(root: &Path) -> StoreConfig {
    let mut c = StoreConfig::with_root(root);
    c.mapped_file_size_commit_log = FILE;
    c.mapped_file_size_consume_queue = 100 * 20;
    c.max_hash_slot_num = 64;
    c.max_index_num = 512;
    c.flush_interval_commit_log = Duration::from_millis(20);
    c.flush_interval_consume_queue = Duration::from_millis(50);
    c.store_host = Some("10.0.0.9:10911".parse().unwrap());
    c
}

fn record(topic: &str, queue_id: i32, body: &[u8]) -> BytesMut {
    let host: SocketAddr = "10.0.0.1:5555".parse().unwrap();
    let store: SocketAddr = "0.0.0.0:0".parse().unwrap();
    let props = format!("KEYS\u{1}k{}\u{2}", body.len());
    let mut parts = RecordParts::new(topic, body, props.as_bytes(), host, store);
    parts.queue_id = queue_id;
    parts.born_timestamp = 1;
    let mut buf = BytesMut::new();
    encode_record(&parts, &mut buf).unwrap();
    buf
}

fn ha_config() -> HaConfig {
    HaConfig {
        transfer_batch_size: 4096,
        heartbeat_interval: Duration::from_millis(200),
        housekeeping_interval: Duration::from_secs(5),
        slave_fallbehind_max: 1 << 30,
        reconnect_interval: Duration::from_millis(100),
    }
}

/// Polls `check` every 5 ms until it holds; false after 120 s (a stuck test, never a
/// timing assertion).
async fn until(mut check: impl FnMut() -> bool) -> bool {
    let end = tokio::time::Instant::now() + Duration::from_secs(120);
    while !check() {
        if tokio::time::Instant::now() >= end {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    true
}

fn open(dir: &Path) -> Arc<MessageStore> {
    Arc::new(MessageStore::open(config(dir)).unwrap())
}

async fn fill(store: &MessageStore, n: usize, size: usize) {
    for i in 0..n {
        let body = vec![b'a' + (i % 26) as u8; size + i % 7];
        let r = store.append(record("T", (i % 3) as i32, &body)).await;
        assert!(r.status.is_stored(), "{:?}", r.status);
    }
}

/// Waits (bounded) until the slave's CommitLog ends where the master's does.
async fn caught_up(master: &MessageStore, slave: &MessageStore) {
    if until(|| slave.max_phys_offset() == master.max_phys_offset()).await {
        return;
    }
    panic!(
        "slave at {} never reached the master's {}",
        slave.max_phys_offset(),
        master.max_phys_offset()
    );
}

/// The slave's CommitLog equals the master's over the slave's range.
fn same_bytes(master: &MessageStore, slave: &MessageStore) {
    let mut at = slave.min_phys_offset();
    let end = slave.max_phys_offset();
    assert_eq!(end, master.max_phys_offset());
    while at < end {
        let s = slave.read_raw(at, 8192).unwrap();
        let m = master.read_raw(at, s.len()).unwrap();
        assert_eq!(s, m, "CommitLog differs at {at}");
        at += s.len() as i64;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slave_copies_the_log_byte_for_byte_and_catches_up_after_a_restart() {
    let (md, sd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let master = open(md.path());
    let ha = HaMaster::start(master.clone(), "127.0.0.1:0".parse().unwrap(), ha_config())
        .await
        .unwrap();
    let addr = ha.local_addr().to_string();
    let slave = open(sd.path());
    let client = HaSlave::start(slave.clone(), ha_config(), Some(addr.clone()));
    // Once the slave holds the first record it streams from offset 0 (a slave that
    // connects later starts at the master's last file).
    fill(&master, 1, 10).await;
    caught_up(&master, &slave).await;
    // Several files' worth, in frames of 4 KiB.
    fill(&master, 300, 700).await;
    caught_up(&master, &slave).await;
    same_bytes(&master, &slave);
    assert_eq!(slave.min_phys_offset(), 0);
    assert!(master.max_phys_offset() > 3 * FILE as i64);
    // Once both have dispatched everything: the same queue contents.
    for store in [&master, &slave] {
        let mut rx = store.subscribe_dispatched();
        let target = store.max_phys_offset();
        tokio::time::timeout(Duration::from_secs(10), rx.wait_for(|v| *v >= target))
            .await
            .unwrap()
            .unwrap();
    }
    for q in 0..3 {
        assert_eq!(slave.max_offset("T", q), master.max_offset("T", q));
        let a = master.get_messages(None, "T", q, 5, 4, &AcceptAll);
        let b = slave.get_messages(None, "T", q, 5, 4, &AcceptAll);
        assert_eq!(a.messages, b.messages);
    }
    assert_eq!(
        slave
            .query_by_key("T", "k705", 100, 0, i64::MAX)
            .messages
            .len(),
        master
            .query_by_key("T", "k705", 100, 0, i64::MAX)
            .messages
            .len()
    );
    // Acknowledged.
    assert_eq!(
        ha.wait_replicated(master.max_phys_offset(), Duration::from_secs(5))
            .await,
        ReplicaWait::Ok
    );
    assert_eq!(ha.slaves().len(), 1);
    assert_eq!(ha.fall_behind_bytes(), 0);
    assert!(client.status().connected);

    // The slave goes away; the master keeps writing; the slave comes back and catches up.
    client.shutdown().await;
    drop(client);
    slave.shutdown().unwrap();
    drop(slave);
    fill(&master, 200, 900).await;
    let slave = open(sd.path());
    let client = HaSlave::start(slave.clone(), ha_config(), Some(addr));
    caught_up(&master, &slave).await;
    same_bytes(&master, &slave);
    client.shutdown().await;
    ha.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_slave_starts_at_the_masters_last_file() {
    let (md, sd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let master = open(md.path());
    fill(&master, 200, 800).await;
    let last_file = master.max_phys_offset() - master.max_phys_offset() % FILE as i64;
    assert!(last_file > 0);
    let ha = HaMaster::start(master.clone(), "127.0.0.1:0".parse().unwrap(), ha_config())
        .await
        .unwrap();
    let slave = open(sd.path());
    // The address arrives later, as from a NameServer answer.
    let client = HaSlave::start(slave.clone(), ha_config(), None);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!client.status().connected);
    client.set_master(Some(&ha.local_addr().to_string()));
    assert!(until(|| !ha.slaves().is_empty()).await);
    fill(&master, 20, 800).await;
    caught_up(&master, &slave).await;
    // The master's last file when the slave connected (the fill may have started another).
    let first = slave.min_phys_offset();
    assert!(first >= last_file && first % FILE as i64 == 0, "{first}");
    same_bytes(&master, &slave);
    client.shutdown().await;
    ha.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_answer_no_slave_then_ok_then_timeout_for_a_stalled_slave() {
    let md = tempfile::tempdir().unwrap();
    let master = open(md.path());
    let mut cfg = ha_config();
    cfg.housekeeping_interval = Duration::from_millis(600);
    let ha = HaMaster::start(master.clone(), "127.0.0.1:0".parse().unwrap(), cfg)
        .await
        .unwrap();
    fill(&master, 3, 100).await;
    let end = master.max_phys_offset();
    assert_eq!(
        ha.wait_replicated(end, Duration::from_millis(100)).await,
        ReplicaWait::NoSlave
    );
    // A slave that reports once and then never reads nor reports again.
    let mut stalled = TcpStream::connect(ha.local_addr()).await.unwrap();
    stalled.write_all(&encode_report(end)).await.unwrap();
    assert!(until(|| ha.slave_ok()).await);
    assert_eq!(
        ha.wait_replicated(end, Duration::from_millis(100)).await,
        ReplicaWait::Ok
    );
    fill(&master, 1, 100).await;
    assert_eq!(
        ha.wait_replicated(master.max_phys_offset(), Duration::from_millis(200))
            .await,
        ReplicaWait::Timeout
    );
    // Housekeeping closes it: then there is no slave at all.
    assert!(until(|| ha.slaves().is_empty()).await);
    assert_eq!(
        ha.wait_replicated(master.max_phys_offset(), Duration::from_millis(100))
            .await,
        ReplicaWait::NoSlave
    );
    drop(stalled);
    ha.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_beyond_the_log_end_is_refused_and_acknowledges_nothing() {
    let md = tempfile::tempdir().unwrap();
    let master = open(md.path());
    fill(&master, 2, 100).await;
    let end = master.max_phys_offset();
    let ha = HaMaster::start(master.clone(), "127.0.0.1:0".parse().unwrap(), ha_config())
        .await
        .unwrap();
    // Another master's slave: it claims far more than this master ever wrote.
    let mut foreign = TcpStream::connect(ha.local_addr()).await.unwrap();
    foreign
        .write_all(&encode_report(end + 1_000_000))
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match foreign.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the master keeps a slave that is ahead of it"
    );
    assert_eq!(ha.acked_offset(), 0);
    assert_eq!(
        ha.wait_replicated(end, Duration::from_millis(100)).await,
        ReplicaWait::NoSlave
    );
    ha.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_master_sends_heartbeats_at_the_slaves_offset() {
    let md = tempfile::tempdir().unwrap();
    let master = open(md.path());
    fill(&master, 2, 100).await;
    let end = master.max_phys_offset();
    let ha = HaMaster::start(master.clone(), "127.0.0.1:0".parse().unwrap(), ha_config())
        .await
        .unwrap();
    let mut s = TcpStream::connect(ha.local_addr()).await.unwrap();
    s.write_all(&encode_report(end)).await.unwrap();
    let mut head = [0u8; HEADER_LEN];
    tokio::time::timeout(Duration::from_secs(5), s.read_exact(&mut head))
        .await
        .unwrap()
        .unwrap();
    let off = i64::from_be_bytes(head[..8].try_into().unwrap());
    let size = i32::from_be_bytes(head[8..].try_into().unwrap());
    assert_eq!((off, size), (end, 0));
    ha.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slave_drops_a_stream_that_does_not_continue_its_log() {
    let (md, sd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let slave = open(sd.path());
    slave.append(record("T", 0, b"local")).await;
    let before = slave.max_phys_offset();
    // A fake master that sends bytes at the wrong offset.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let client = HaSlave::start(slave.clone(), ha_config(), Some(addr));
    let (mut conn, _) = listener.accept().await.unwrap();
    let mut report = [0u8; 8];
    conn.read_exact(&mut report).await.unwrap();
    assert_eq!(i64::from_be_bytes(report), before);
    conn.write_all(&super::protocol::encode_header(before + 100, 4))
        .await
        .unwrap();
    conn.write_all(b"junk").await.unwrap();
    // The slave closes the connection and appends nothing.
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), conn.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the slave should close the connection");
    assert_eq!(slave.max_phys_offset(), before);
    client.shutdown().await;
    drop(md);
}

/// A TCP proxy between a slave and its master that the test can cut (close every
/// connection) or pause (keep the sockets, forward nothing: a silent network).
struct Proxy {
    addr: SocketAddr,
    generation: tokio::sync::watch::Sender<u64>,
    paused: Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let generation = tokio::sync::watch::Sender::new(0u64);
        let paused = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (gen_rx, paused2) = (generation.subscribe(), paused.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((down, _)) = listener.accept().await else {
                    return;
                };
                let Ok(up) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let mut cut = gen_rx.clone();
                cut.borrow_and_update();
                let paused = paused2.clone();
                tokio::spawn(async move {
                    let (dr, dw) = down.into_split();
                    let (ur, uw) = up.into_split();
                    tokio::select! {
                        _ = pump(dr, uw, paused.clone()) => {}
                        _ = pump(ur, dw, paused) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Proxy {
            addr,
            generation,
            paused,
            task,
        }
    }

    fn cut(&self) {
        self.generation.send_modify(|g| *g += 1);
    }

    fn pause(&self, on: bool) {
        self.paused.store(on, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.cut();
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    paused: Arc<std::sync::atomic::AtomicBool>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        while paused.load(std::sync::atomic::Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                // Bytes read just before a pause are dropped, as a dying link would.
                if paused.load(std::sync::atomic::Ordering::Relaxed) {
                    continue;
                }
                if to.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_slave_reconnects_and_catches_up_after_a_cut_and_a_silent_network() {
    let (md, sd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let master = open(md.path());
    let mut cfg = ha_config();
    cfg.housekeeping_interval = Duration::from_millis(500);
    let ha = HaMaster::start(master.clone(), "127.0.0.1:0".parse().unwrap(), cfg.clone())
        .await
        .unwrap();
    let proxy = Proxy::start(ha.local_addr()).await;
    let slave = open(sd.path());
    let client = HaSlave::start(slave.clone(), cfg, Some(proxy.addr.to_string()));
    fill(&master, 1, 10).await;
    caught_up(&master, &slave).await;
    fill(&master, 50, 500).await;
    caught_up(&master, &slave).await;

    // A cut: both sides see the connection close; the slave reconnects.
    proxy.cut();
    fill(&master, 100, 600).await;
    caught_up(&master, &slave).await;
    same_bytes(&master, &slave);

    // A silent network: nothing flows, nothing closes. Housekeeping on both sides drops
    // the dead connection; once the network is back the slave continues.
    proxy.pause(true);
    fill(&master, 100, 600).await;
    let dropped = until(|| ha.slaves().is_empty()).await;
    assert!(dropped, "the master kept a silent connection");
    assert!(slave.max_phys_offset() < master.max_phys_offset());
    proxy.pause(false);
    caught_up(&master, &slave).await;
    same_bytes(&master, &slave);
    assert_eq!(
        ha.wait_replicated(master.max_phys_offset(), Duration::from_secs(5))
            .await,
        ReplicaWait::Ok
    );
    client.shutdown().await;
    ha.shutdown().await;
}

/// A SYNC_MASTER store's waiting appends wait for a slave in the store's own durability
/// wait; appends that do not wait are never held up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_master_appends_wait_for_a_slave() {
    let md = tempfile::tempdir().unwrap();
    let mut c = config(md.path());
    c.sync_master = true;
    // Long enough for the acknowledgement below, even on a loaded machine.
    c.sync_flush_timeout = Duration::from_secs(2);
    let master = Arc::new(MessageStore::open(c).unwrap());
    let wait = crate::PutOptions {
        batch: false,
        wait: true,
    };
    let no_wait = crate::PutOptions {
        batch: false,
        wait: false,
    };
    let put = |body: &'static [u8], opts| {
        let master = master.clone();
        async move { master.put(record("T", 0, body), opts).await }
    };
    // No HA server yet, then one without slaves: SLAVE_NOT_AVAILABLE, stored all the same.
    let r = put(b"a", wait).await;
    assert_eq!(r.status, crate::PutStatus::SlaveNotAvailable);
    assert!(r.appended.is_some());
    assert_eq!(put(b"b", no_wait).await.status, crate::PutStatus::PutOk);
    let ha = HaMaster::start(master.clone(), "127.0.0.1:0".parse().unwrap(), ha_config())
        .await
        .unwrap();
    let r = put(b"c", wait).await;
    assert_eq!(r.status, crate::PutStatus::SlaveNotAvailable);
    // A slave that holds everything so far, then stalls: the next record times out.
    let mut stalled = TcpStream::connect(ha.local_addr()).await.unwrap();
    stalled
        .write_all(&encode_report(master.max_phys_offset()))
        .await
        .unwrap();
    assert!(until(|| ha.slave_ok()).await);
    let r = put(b"d", wait).await;
    assert_eq!(r.status, crate::PutStatus::FlushSlaveTimeout);
    assert!(r.appended.is_some());
    assert_eq!(put(b"e", no_wait).await.status, crate::PutStatus::PutOk);
    // A waiting append succeeds once the slave reports holding it.
    let before = master.max_phys_offset();
    let waiting = tokio::spawn(put(b"f", wait));
    assert!(until(|| master.max_phys_offset() > before).await);
    stalled
        .write_all(&encode_report(master.max_phys_offset()))
        .await
        .unwrap();
    assert_eq!(waiting.await.unwrap().status, crate::PutStatus::PutOk);
    drop(stalled);
    ha.shutdown().await;
}

/// `inSyncReplicas` (RocketMQ 5): 1 means a SYNC_MASTER waits for no slave; 3 means two
/// slaves, so one slave is not enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_sync_replicas_sets_how_many_slaves_a_sync_master_waits_for() {
    let wait = crate::PutOptions {
        batch: false,
        wait: true,
    };
    let md = tempfile::tempdir().unwrap();
    let mut c = config(md.path());
    c.sync_master = true;
    c.in_sync_replicas = Some(1);
    let master = Arc::new(MessageStore::open(c).unwrap());
    let r = master.put(record("T", 0, b"a"), wait).await;
    assert_eq!(r.status, crate::PutStatus::PutOk, "no slave needed");
    drop(master);

    let md = tempfile::tempdir().unwrap();
    let mut c = config(md.path());
    c.sync_master = true;
    c.in_sync_replicas = Some(3);
    let master = Arc::new(MessageStore::open(c).unwrap());
    let ha = HaMaster::start(master.clone(), "127.0.0.1:0".parse().unwrap(), ha_config())
        .await
        .unwrap();
    let mut slave = TcpStream::connect(ha.local_addr()).await.unwrap();
    slave
        .write_all(&encode_report(master.max_phys_offset()))
        .await
        .unwrap();
    assert!(until(|| ha.slave_ok()).await);
    let r = master.put(record("T", 0, b"b"), wait).await;
    assert_eq!(
        r.status,
        crate::PutStatus::SlaveNotAvailable,
        "two slaves needed"
    );
    assert!(r.appended.is_some());
    drop(slave);
    ha.shutdown().await;
}
