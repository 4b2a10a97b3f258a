//! Whole-system fixtures for the consumer tests: a real CometMQ NameServer and broker on
//! 127.0.0.1 with ephemeral ports and temp directories, and client settings that make
//! tests quick (short route refresh and rebalance periods).
//!
//! With `COMETMQ_SERVERS=java` the same tests run against Apache RocketMQ's NameServer and
//! broker instead (processes from `cometmq_testkit::java`), so that our client is judged
//! by the reference servers too (`scripts/test.sh` runs them so when a JDK is present).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cometmq_broker::broker::Broker;
use cometmq_broker::config::{BrokerConfig, StoreConfig};
use cometmq_client::consumer::PushConsumer;
use cometmq_client::instance::ClientConfig;
use cometmq_client::producer::Producer;
use cometmq_namesrv::NameServer;
use cometmq_remoting::settings::Settings;
use cometmq_testkit::java;

/// The servers of a [`System`]: CometMQ's in this process, or Apache RocketMQ's.
#[allow(clippy::large_enum_variant)] // one per test
enum Servers {
    InProcess {
        namesrv: NameServer,
        broker: Broker,
    },
    Java {
        namesrv: java::Server,
        broker: java::Server,
    },
}

/// Whether the tests run against Apache RocketMQ's servers (`COMETMQ_SERVERS=java`).
pub fn against_java() -> bool {
    std::env::var("COMETMQ_SERVERS").is_ok_and(|v| v == "java")
}

/// A NameServer and one broker.
pub struct System {
    servers: Servers,
    pub namesrv_addr: String,
    pub broker_addr: String,
    pub dirs: (tempfile::TempDir, tempfile::TempDir),
}

/// Logs to the test output when `RUST_LOG` is set.
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

impl System {
    pub async fn start() -> System {
        Self::start_with(|_| {}).await
    }

    /// Starts with `tweak` applied to the broker configuration.
    pub async fn start_with(tweak: impl FnOnce(&mut BrokerConfig)) -> System {
        init_logs();
        let (namesrv, kv) = cometmq_testkit::namesrv::start().await;
        let namesrv_addr = namesrv.local_addr().to_string();
        let store = tempfile::tempdir().unwrap();
        let mut cfg = BrokerConfig {
            broker_ip1: "127.0.0.1".into(),
            listen_port: 0,
            namesrv_addr: namesrv_addr.clone(),
            store: StoreConfig {
                store_path_root_dir: store.path().to_path_buf(),
                mapped_file_size_commit_log: 16 * 1024 * 1024,
                mapped_file_size_consume_queue: 60 * 1000,
                max_hash_slot_num: 1000,
                max_index_num: 4000,
                ..StoreConfig::default()
            },
            ..BrokerConfig::default()
        };
        tweak(&mut cfg);
        if against_java() {
            namesrv.shutdown().await;
            return Self::start_java(&cfg, kv, store).await;
        }
        let broker = Broker::start(cfg).await.unwrap();
        let broker_addr = broker.broker_addr().to_string();
        System {
            servers: Servers::InProcess { namesrv, broker },
            namesrv_addr,
            broker_addr,
            dirs: (kv, store),
        }
    }

    /// Apache RocketMQ's NameServer and broker, the broker configured with `cfg`'s keys
    /// (addresses, ports and store paths replaced by this system's).
    async fn start_java(
        cfg: &BrokerConfig,
        kv: tempfile::TempDir,
        store: tempfile::TempDir,
    ) -> System {
        assert!(
            java::available(),
            "COMETMQ_SERVERS=java needs a JDK and Maven"
        );
        let root = store.path();
        let ns_port = cometmq_testkit::free_port();
        let ns_conf = root.join("namesrv.properties");
        std::fs::write(&ns_conf, format!("listenPort={ns_port}\n")).unwrap();
        let namesrv = java::Server::java_namesrv(&ns_conf, &root.join("ns-home"), ns_port).await;
        let namesrv_addr = format!("127.0.0.1:{ns_port}");
        let port = java::broker_port();
        let mut props = java::conf(root, &cfg.broker_name, &namesrv_addr, port, &[]);
        const OURS: [&str; 7] = [
            "listenPort",
            "haListenPort",
            "namesrvAddr",
            "storePathRootDir",
            "storePathCommitLog",
            "brokerIP1",
            "brokerIP2",
        ];
        for (key, value) in cfg.entries() {
            let key = match key {
                "mapedFileSizeCommitLog" => "mappedFileSizeCommitLog",
                "mapedFileSizeConsumeQueue" => "mappedFileSizeConsumeQueue",
                k => k,
            };
            if !OURS.contains(&key) && !value.is_empty() {
                props.insert(key.to_string(), value);
            }
        }
        let conf = root.join("broker.conf");
        java::write_conf(&conf, &props);
        let broker = java::Server::java_broker(&conf, &root.join("broker-home"), port).await;
        // Java's broker listens before it has registered; CometMQ's start returns after.
        let client = cometmq_remoting::transport::RemotingClient::new(Default::default());
        let registered = wait_until(Duration::from_secs(60), || async {
            let req = cometmq_testkit::request::route("TBW102");
            client
                .invoke(&namesrv_addr, req, Duration::from_secs(3))
                .await
                .is_ok_and(|r| r.code == 0)
        })
        .await;
        client.shutdown().await;
        assert!(registered, "the Java broker never registered");
        System {
            servers: Servers::Java { namesrv, broker },
            namesrv_addr,
            broker_addr: format!("127.0.0.1:{port}"),
            dirs: (kv, store),
        }
    }

    /// Client settings for this system: fast route refresh, and a named instance.
    pub fn client_config(&self, instance: &str) -> ClientConfig {
        ClientConfig {
            client_ip: "127.0.0.1".into(),
            instance_name: instance.into(),
            poll_name_server_interval: Duration::from_millis(500),
            persist_consumer_offset_interval: Duration::from_secs(1),
            offsets_root: self.dirs.0.path().join("offsets"),
            ..ClientConfig::new(self.namesrv_addr.clone())
        }
    }

    /// A started producer of `group`.
    pub fn producer(&self, group: &str) -> Producer {
        let p = Producer::builder(group)
            .client_config(self.client_config(group))
            .send_timeout(Duration::from_secs(10))
            .default_topic_queue_nums(8)
            .build()
            .unwrap();
        p.start().unwrap();
        p
    }

    pub async fn stop(self) {
        match self.servers {
            Servers::InProcess { namesrv, broker } => {
                broker.shutdown().await;
                namesrv.shutdown().await;
            }
            Servers::Java { namesrv, broker } => {
                broker.stop().await;
                namesrv.stop().await;
            }
        }
    }
}

/// Polls `check` every 50 ms until it holds, for at most `limit`; returns whether it held.
pub async fn wait_until<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let end = tokio::time::Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= end {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Generous bound for a whole scenario to settle.
pub const LIMIT: Duration = Duration::from_secs(90);

/// What a listener saw: message id → deliveries (topic, reconsume times).
pub type Seen = Arc<Mutex<HashMap<String, Vec<(String, i32)>>>>;

pub fn record(seen: &Seen, msgs: &[cometmq_client::MessageExt]) {
    let mut s = seen.lock().unwrap();
    for m in msgs {
        s.entry(m.msg_id().into_owned())
            .or_default()
            .push((m.topic.clone(), m.reconsume_times));
    }
}

/// Waits until the live consumers' assignments partition the `n` queues of `topic`, each
/// taking some.
pub async fn converged(consumers: &[&PushConsumer], topic: &str, n: usize) -> bool {
    wait_until(LIMIT, || {
        let sets: Vec<Vec<_>> = consumers
            .iter()
            .map(|c| {
                let mut q = c.assigned_queues();
                q.retain(|q| q.topic == topic);
                q
            })
            .collect();
        let all: HashSet<_> = sets.iter().flatten().cloned().collect();
        let total: usize = sets.iter().map(Vec::len).sum();
        let ok = all.len() == n && total == n && sets.iter().all(|s| !s.is_empty());
        async move { ok }
    })
    .await
}
