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
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cometmq_namesrv::{NameServer, NamesrvConfig};
use cometmq_remoting::body::{
    fastjson, SubscriptionGroupWrapper, TopicConfigSerializeWrapper, TopicRouteData,
};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    PullMessageRequestHeader, PullMessageResponseHeader, SendMessageRequestHeaderV2,
    SendMessageResponseHeader,
};
use cometmq_remoting::message::{create_uniq_key, parse_offset_msg_id, MessageExt, Properties};
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use common::messages;

/// These tests run broker processes on ports picked at random and restart them on the
/// same ports; run one at a time so a restarted broker's port is never taken by another
/// test's process (a slave would then replicate from the wrong master).
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const CALL: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------
// Processes

/// A NameServer in this process.
struct Namesrv {
    ns: Option<NameServer>,
    addr: String,
    _dir: tempfile::TempDir,
}

async fn namesrv() -> Namesrv {
    let dir = tempfile::tempdir().unwrap();
    let ns = NameServer::start(NamesrvConfig {
        listen_port: 0,
        bind_address: "127.0.0.1".into(),
        kv_config_path: dir.path().join("kv.json"),
        config_store_path: dir.path().join("namesrv.properties"),
        ..NamesrvConfig::default()
    })
    .await
    .unwrap();
    let addr = ns.local_addr().to_string();
    Namesrv {
        ns: Some(ns),
        addr,
        _dir: dir,
    }
}

impl Namesrv {
    async fn stop(mut self) {
        if let Some(ns) = self.ns.take() {
            ns.shutdown().await;
        }
    }
}

/// A free TCP port on 127.0.0.1 (and, for the broker's fast port, not port − 2 of one in
/// use as far as we can tell).
fn free_port() -> u16 {
    loop {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        if port > 1024 && std::net::TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

/// One `mqbroker` child process with its config file, store and log.
struct Node {
    name: &'static str,
    dir: PathBuf,
    conf: PathBuf,
    log: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Node {
    /// Writes the config file: `brokerName=<group>`, the role and id, fresh ports, and
    /// small files; `extra` adds or overrides keys.
    fn new(
        root: &Path,
        name: &'static str,
        group: &str,
        role: &str,
        namesrv: &str,
        extra: &[(&str, &str)],
    ) -> Node {
        let dir = root.join(name);
        std::fs::create_dir_all(dir.join("store")).unwrap();
        let port = free_port();
        let id = if role == "SLAVE" { "1" } else { "0" };
        let mut props: BTreeMap<String, String> = [
            ("brokerClusterName", "HaCluster"),
            ("brokerName", group),
            ("brokerId", id),
            ("brokerRole", role),
            ("flushDiskType", "ASYNC_FLUSH"),
            ("brokerIP1", "127.0.0.1"),
            ("namesrvAddr", namesrv),
            ("mapedFileSizeCommitLog", "4194304"),
            ("mapedFileSizeConsumeQueue", "120000"),
            ("maxHashSlotNum", "10000"),
            ("maxIndexNum", "40000"),
            ("haSendHeartbeatInterval", "500"),
            ("slaveSynchronizeInterval", "300"),
            ("syncFlushTimeout", "3000"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        props.insert("listenPort".into(), port.to_string());
        props.insert("haListenPort".into(), free_port().to_string());
        props.insert(
            "storePathRootDir".into(),
            dir.join("store").display().to_string(),
        );
        for (k, v) in extra {
            props.insert(k.to_string(), v.to_string());
        }
        let text: String = props.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        let conf = dir.join("broker.conf");
        std::fs::write(&conf, text).unwrap();
        Node {
            name,
            log: dir.join("broker.log"),
            dir,
            conf,
            port,
            child: None,
        }
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn store(&self) -> PathBuf {
        self.dir.join("store")
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap()
    }

    /// Starts the process and waits (bounded) for "boot success", which it prints after
    /// registering with the NameServer.
    async fn start(&mut self) {
        const BOOTED: &str = "boot success. serializeType";
        let boots = self.log_text().matches(BOOTED).count();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_mqbroker"))
            .arg("-c")
            .arg(&self.conf)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        for _ in 0..600 {
            if self.log_text().matches(BOOTED).count() > boots {
                return;
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("{} exited: {status}\n{}", self.name, self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{} did not start\n{}", self.name, self.log_tail());
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn log_tail(&self) -> String {
        let text = self.log_text();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// SIGKILL.
    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig} failed");
        if sig == "STOP" {
            self.wait_all_threads_stopped();
        }
    }

    /// SIGSTOP stops a multi-threaded process asynchronously: threads keep running
    /// until the one woken for the signal starts the group stop (late on a loaded
    /// machine) and each returns from the kernel. Polls (bounded) until every thread
    /// shows state `T`.
    fn wait_all_threads_stopped(&self) {
        let tasks = format!("/proc/{}/task", self.pid());
        for _ in 0..1000 {
            let stopped = std::fs::read_dir(&tasks).unwrap().all(|t| {
                let stat =
                    std::fs::read_to_string(t.unwrap().path().join("stat")).unwrap_or_default();
                let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
                matches!(state, Some(Some('T' | 't')))
            });
            if stopped {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("{} did not stop", self.pid());
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(c) = &self.child {
            // A stopped process still dies of SIGKILL.
            let _ = Command::new("kill")
                .arg("-CONT")
                .arg(c.id().to_string())
                .status();
        }
        self.kill9();
    }
}

// ---------------------------------------------------------------------------------------
// Requests

fn client() -> RemotingClient {
    RemotingClient::new(TransportConfig::default())
}

async fn call(c: &RemotingClient, addr: &str, req: RemotingCommand) -> Option<RemotingCommand> {
    c.invoke(addr, req, CALL).await.ok()
}

fn send_request(topic: &str, queue_id: i32, body: &[u8]) -> RemotingCommand {
    let mut props = Properties::new();
    props.insert("UNIQ_KEY", create_uniq_key());
    props.insert("KEYS", String::from_utf8_lossy(&body[..body.len().min(24)]));
    let h = SendMessageRequestHeaderV2 {
        producer_group: "HaPG".into(),
        topic: topic.into(),
        default_topic: "TBW102".into(),
        default_topic_queue_nums: 4,
        queue_id,
        sys_flag: 0,
        born_timestamp: 1,
        flag: 0,
        properties: Some(props.encode()),
        ..Default::default()
    };
    RemotingCommand::request_with_header(request::SEND_MESSAGE_V2, &h)
        .with_body(Bytes::copy_from_slice(body))
}

async fn send(
    c: &RemotingClient,
    addr: &str,
    topic: &str,
    queue_id: i32,
    body: &[u8],
) -> Option<RemotingCommand> {
    call(c, addr, send_request(topic, queue_id, body)).await
}

/// Sends until the answer is SUCCESS: a SYNC_MASTER answers SLAVE_NOT_AVAILABLE until
/// its slave has connected and reported.
async fn send_until_replicated(c: &RemotingClient, addr: &str, topic: &str) {
    let mut last = None;
    for i in 0..600 {
        let resp = send(c, addr, topic, 0, format!("warm-up {i}").as_bytes()).await;
        match resp {
            Some(r) if r.code == response::SUCCESS => return,
            other => last = other.map(|r| (r.code, r.remark)),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the slave never acknowledged: last answer {last:?}");
}

async fn pull(
    c: &RemotingClient,
    addr: &str,
    group: &str,
    topic: &str,
    queue_id: i32,
    offset: i64,
) -> Option<RemotingCommand> {
    let h = PullMessageRequestHeader {
        consumer_group: group.into(),
        topic: topic.into(),
        queue_id,
        queue_offset: offset,
        max_msg_nums: 32,
        sys_flag: PullMessageRequestHeader::FLAG_SUBSCRIPTION,
        commit_offset: 0,
        suspend_timeout_millis: 0,
        subscription: Some("*".into()),
        sub_version: 0,
        expression_type: Some("TAG".into()),
        max_msg_bytes: None,
    };
    call(
        c,
        addr,
        RemotingCommand::request_with_header(request::PULL_MESSAGE, &h),
    )
    .await
}

/// Reads a queue from `from` to `until` (bounded retries), as a consumer would.
async fn read_queue(
    c: &RemotingClient,
    addr: &str,
    group: &str,
    topic: &str,
    queue_id: i32,
    from: i64,
    until: i64,
) -> Vec<MessageExt> {
    let mut offset = from;
    let mut out = Vec::new();
    for _ in 0..2000 {
        if offset >= until {
            break;
        }
        let Some(resp) = pull(c, addr, group, topic, queue_id, offset).await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        if resp.code == response::SUCCESS {
            let got = messages(&resp);
            offset = got.last().map_or(offset, |m| m.queue_offset + 1);
            out.extend(got);
        } else {
            // Not there yet (topic not synced, not dispatched): try again shortly.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    out
}

async fn offset_call(c: &RemotingClient, addr: &str, code: i32, topic: &str, q: i32) -> i64 {
    let mut req = RemotingCommand::request(code);
    req.ext_fields.insert("topic".into(), topic.into());
    req.ext_fields.insert("queueId".into(), q.to_string());
    call(c, addr, req)
        .await
        .and_then(|r| r.ext("offset").and_then(|s| s.parse().ok()))
        .unwrap_or(-1)
}

async fn max_offset(c: &RemotingClient, addr: &str, topic: &str, q: i32) -> i64 {
    offset_call(c, addr, request::GET_MAX_OFFSET, topic, q).await
}

/// Waits (bounded) until the NameServer's route for `topic` lists `brokers` addresses
/// for its broker group.
async fn route_addrs(c: &RemotingClient, namesrv: &str, topic: &str) -> BTreeMap<i64, String> {
    let mut req = RemotingCommand::request(request::GET_ROUTEINFO_BY_TOPIC);
    req.ext_fields.insert("topic".into(), topic.into());
    let Some(resp) = call(c, namesrv, req).await else {
        return BTreeMap::new();
    };
    if resp.code != response::SUCCESS {
        return BTreeMap::new();
    }
    let route: TopicRouteData = fastjson::from_slice(&resp.body.to_bytes()).unwrap();
    route
        .broker_datas
        .into_iter()
        .flat_map(|b| b.broker_addrs)
        .collect()
}

/// The CommitLog files of a store, by name.
fn commit_log(store: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for e in std::fs::read_dir(store.join("commitlog")).unwrap() {
        let e = e.unwrap();
        files.insert(
            e.file_name().to_string_lossy().to_string(),
            std::fs::read(e.path()).unwrap(),
        );
    }
    files
}

// ---------------------------------------------------------------------------------------
// Tests

/// An acknowledged send: queue id, queue offset, body, CommitLog offset.
type Acked = (i32, i64, String, i64);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_master_killed_loses_no_acknowledged_message_and_consumers_move_to_the_slave_and_back()
{
    let _serial = SERIAL.lock().await;
    let ns = namesrv().await;
    let root = tempfile::tempdir().unwrap();
    let mut master = Node::new(
        root.path(),
        "master",
        "broker-a",
        "SYNC_MASTER",
        &ns.addr,
        &[],
    );
    let mut slave = Node::new(root.path(), "slave", "broker-a", "SLAVE", &ns.addr, &[]);
    master.start().await;
    slave.start().await;
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
    // Mid-load: SIGKILL the master.
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
    let mut by_queue: HashMap<i32, Vec<MessageExt>> = HashMap::new();
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
    let ns = namesrv().await;
    let root = tempfile::tempdir().unwrap();
    let mut master = Node::new(
        root.path(),
        "master",
        "broker-b",
        "ASYNC_MASTER",
        &ns.addr,
        &[],
    );
    let mut slave = Node::new(root.path(), "slave", "broker-b", "SLAVE", &ns.addr, &[]);
    master.start().await;
    slave.start().await;
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
    let ns = namesrv().await;
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
    let ns = namesrv().await;
    let root = tempfile::tempdir().unwrap();
    let fast = [("syncFlushTimeout", "800")];
    let mut master = Node::new(
        root.path(),
        "master",
        "broker-d",
        "SYNC_MASTER",
        &ns.addr,
        &fast,
    );
    let mut slave = Node::new(root.path(), "slave", "broker-d", "SLAVE", &ns.addr, &[]);
    master.start().await;
    slave.start().await;
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
    let ns = namesrv().await;
    let root = tempfile::tempdir().unwrap();
    let mut master = Node::new(
        root.path(),
        "master",
        "broker-e",
        "ASYNC_MASTER",
        &ns.addr,
        &[],
    );
    let mut slave = Node::new(root.path(), "slave", "broker-e", "SLAVE", &ns.addr, &[]);
    master.start().await;
    slave.start().await;
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
        let props = delayed.ext_fields.get("i").cloned().unwrap_or_default();
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
        let ns = namesrv().await;
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
            let mut c = BrokerConfig::default();
            let unknown = c.load_file(path.to_str().unwrap()).unwrap();
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
    use cometmq_broker::broker::Broker;
    use cometmq_broker::config::BrokerRole;
    use cometmq_broker::replication::ha_runtime_info;
    let cluster = common::Cluster::start(|c| {
        c.broker_role = BrokerRole::SyncMaster;
        c.ha_send_heartbeat_interval = 200;
    })
    .await;
    let slave_dir = tempfile::tempdir().unwrap();
    let mut cfg = common::test_config(slave_dir.path(), &cluster.namesrv_addr);
    cfg.broker_role = BrokerRole::Slave;
    cfg.broker_id = 1;
    cfg.ha_send_heartbeat_interval = 200;
    let slave = Broker::start(cfg).await.unwrap();
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
