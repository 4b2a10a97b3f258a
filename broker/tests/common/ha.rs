//! Master/slave fixtures for the replication process tests: a NameServer in this process,
//! `mqbroker` children started with `-c` config files (killed with SIGKILL, paused with
//! SIGSTOP), and raw requests to them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use cometmq_remoting::body::{fastjson, TopicConfigSerializeWrapper, TopicRouteData};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::SendMessageRequestHeaderV2;
use cometmq_remoting::message::StoredRecord;
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::free_port;
use cometmq_testkit::request::{props, pull_header, route, send_header};

use super::messages;

pub use cometmq_testkit::namesrv::Namesrv;
pub use cometmq_testkit::wait::max_offset;
pub use cometmq_testkit::SERIAL;

pub const CALL: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------
// Processes

/// One `mqbroker` child process with its config file, store and log.
pub struct Node {
    pub name: &'static str,
    pub dir: PathBuf,
    pub conf: PathBuf,
    pub log: PathBuf,
    pub port: u16,
    pub child: Option<Child>,
}

impl Node {
    /// Writes the config file: `brokerName=<group>`, the role and id, fresh ports, and
    /// small files; `extra` adds or overrides keys.
    pub fn new(
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

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn store(&self) -> PathBuf {
        self.dir.join("store")
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap()
    }

    /// Starts the process and waits (bounded) for "boot success", which it prints after
    /// registering with the NameServer.
    pub async fn start(&mut self) {
        const BOOTED: &str = "boot success. serializeType";
        let boots = self.log_text().matches(BOOTED).count();
        let mut cmd = super::process::mqbroker(&self.conf);
        cometmq_testkit::process::log_to(&mut cmd, &self.log);
        let child = cmd.env("RUST_LOG", "info").spawn().unwrap();
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

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn log_tail(&self) -> String {
        let text = self.log_text();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// SIGKILL.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn signal(&self, sig: &str) {
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

/// Writes the config files of a master (`role`) and its slave of broker group `group`
/// under `root` (`master_extra` and `slave_extra` add keys to each), then starts the
/// master and the slave, in that order.
pub async fn start_pair(
    root: &Path,
    namesrv: &str,
    group: &str,
    role: &str,
    master_extra: &[(&str, &str)],
    slave_extra: &[(&str, &str)],
) -> (Node, Node) {
    let mut master = Node::new(root, "master", group, role, namesrv, master_extra);
    let mut slave = Node::new(root, "slave", group, "SLAVE", namesrv, slave_extra);
    master.start().await;
    slave.start().await;
    (master, slave)
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

pub fn client() -> RemotingClient {
    RemotingClient::new(TransportConfig::default())
}

pub async fn call(c: &RemotingClient, addr: &str, req: RemotingCommand) -> Option<RemotingCommand> {
    c.invoke(addr, req, CALL).await.ok()
}

pub fn send_request(topic: &str, queue_id: i32, body: &[u8]) -> RemotingCommand {
    let keys = String::from_utf8_lossy(&body[..body.len().min(24)]);
    let h = SendMessageRequestHeaderV2 {
        born_timestamp: 1,
        ..send_header("HaPG", topic, queue_id, &props(None, Some(&keys)))
    };
    cometmq_testkit::request::send(&h, body)
}

pub async fn send(
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
pub async fn send_until_replicated(c: &RemotingClient, addr: &str, topic: &str) {
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

pub async fn pull(
    c: &RemotingClient,
    addr: &str,
    group: &str,
    topic: &str,
    queue_id: i32,
    offset: i64,
) -> Option<RemotingCommand> {
    let h = pull_header(group, topic, queue_id, offset, "*");
    call(
        c,
        addr,
        RemotingCommand::request_with_header(request::PULL_MESSAGE, &h),
    )
    .await
}

/// Reads a queue from `from` to `until` (bounded retries), as a consumer would.
pub async fn read_queue(
    c: &RemotingClient,
    addr: &str,
    group: &str,
    topic: &str,
    queue_id: i32,
    from: i64,
    until: i64,
) -> Vec<StoredRecord> {
    let mut offset = from;
    let mut out = Vec::new();
    let mut last_refusal = None;
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
            last_refusal = Some((resp.code, resp.remark.clone()));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    if offset < until {
        eprintln!("read_queue {addr} {topic}/{queue_id}: stopped at {offset} of {until}; last refusal {last_refusal:?}");
    }
    out
}

/// Waits (bounded) until the NameServer's route for `topic` lists `brokers` addresses
/// for its broker group.
pub async fn route_addrs(c: &RemotingClient, namesrv: &str, topic: &str) -> BTreeMap<i64, String> {
    let Some(resp) = call(c, namesrv, route(topic)).await else {
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

/// The CommitLog files of a store, by name. A file being prepared (`*.tmp`, renamed into
/// place by the running broker, never holding data) is not one of them.
pub fn commit_log(store: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for e in std::fs::read_dir(store.join("commitlog")).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().to_string();
        if name.ends_with(".tmp") {
            continue;
        }
        files.insert(name, std::fs::read(e.path()).unwrap());
    }
    files
}

/// Waits (bounded) until the slave's metadata sync has copied `topic`'s config: a slave
/// serves pulls only for topics it knows (as Java's), so a topic created less than
/// `slaveSynchronizeInterval` before its master dies cannot be read from the slave.
pub async fn wait_topic_synced(c: &RemotingClient, slave: &str, topic: &str) {
    let what = format!("the slave {slave} to learn topic {topic}");
    cometmq_testkit::wait::eventually(&what, || async {
        let req = RemotingCommand::request(request::GET_ALL_TOPIC_CONFIG);
        call(c, slave, req)
            .await
            .and_then(|r| {
                fastjson::from_slice::<TopicConfigSerializeWrapper>(&r.body.to_bytes()).ok()
            })
            .is_some_and(|w| w.topic_config_table.contains_key(topic))
            .then_some(())
    })
    .await;
}
