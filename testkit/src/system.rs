//! A NameServer and one broker for tests that only talk to them over the network (the
//! client crate's system tests): CometMQ's own in this process ([`Cluster`]), or, with
//! `COMETMQ_SERVERS=java`, Apache RocketMQ's as child processes ([`crate::java`]), so that
//! the same tests judge our client against the reference servers too (`scripts/test.sh`
//! runs them so when a JDK is present).

use std::path::Path;
use std::time::Duration;

use cometmq_broker::config::BrokerConfig;
use cometmq_remoting::settings::Settings;
use cometmq_remoting::transport::RemotingClient;
use tempfile::TempDir;

use crate::cluster::Cluster;
use crate::java;

/// Whether the tests run against Apache RocketMQ's servers (`COMETMQ_SERVERS=java`).
pub fn against_java() -> bool {
    std::env::var("COMETMQ_SERVERS").is_ok_and(|v| v == "java")
}

/// The servers of a [`System`].
#[allow(clippy::large_enum_variant)] // one per test
enum Servers {
    InProcess(Cluster),
    Java {
        namesrv: java::Server,
        broker: java::Server,
        _dir: TempDir,
    },
}

/// A NameServer and one broker, and a directory for the test's own files.
pub struct System {
    servers: Servers,
    pub namesrv_addr: String,
    pub broker_addr: String,
    /// For the test's own files (a client's local offsets), apart from the servers'.
    pub work_dir: TempDir,
}

impl System {
    /// Starts the servers; `tweak` adjusts the broker config ([`crate::broker::config`]),
    /// which the Java broker is given too (addresses, ports and store paths replaced).
    pub async fn start(tweak: impl FnOnce(&mut BrokerConfig)) -> System {
        let work_dir = tempfile::tempdir().expect("a temp dir");
        if against_java() {
            let mut cfg = crate::broker::config(Path::new("."), "");
            tweak(&mut cfg);
            return Self::start_java(&cfg, work_dir).await;
        }
        let cluster = Cluster::start(tweak).await;
        System {
            namesrv_addr: cluster.namesrv_addr.clone(),
            broker_addr: cluster.broker_addr.clone(),
            servers: Servers::InProcess(cluster),
            work_dir,
        }
    }

    /// Apache RocketMQ's NameServer and broker, the broker configured with `cfg`'s keys.
    async fn start_java(cfg: &BrokerConfig, work_dir: TempDir) -> System {
        assert!(
            java::available(),
            "COMETMQ_SERVERS=java needs a JDK and Maven"
        );
        let dir = tempfile::tempdir().expect("a temp dir");
        let root = dir.path();
        let ns_port = crate::free_port();
        let ns_conf = root.join("namesrv.properties");
        std::fs::write(&ns_conf, format!("listenPort={ns_port}\n")).expect("write a conf");
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
        let client = RemotingClient::new(Default::default());
        let registered = crate::wait::wait_until(|| async {
            let req = crate::request::route("TBW102");
            client
                .invoke(&namesrv_addr, req, Duration::from_secs(3))
                .await
                .is_ok_and(|r| r.code == 0)
        })
        .await;
        client.shutdown().await;
        assert!(registered, "the Java broker never registered");
        System {
            servers: Servers::Java {
                namesrv,
                broker,
                _dir: dir,
            },
            namesrv_addr,
            broker_addr: format!("127.0.0.1:{port}"),
            work_dir,
        }
    }

    /// Stops the broker, then the NameServer.
    pub async fn stop(self) {
        match self.servers {
            Servers::InProcess(cluster) => cluster.stop().await,
            Servers::Java {
                namesrv, broker, ..
            } => {
                broker.stop().await;
                namesrv.stop().await;
            }
        }
    }
}
