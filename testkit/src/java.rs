//! Apache RocketMQ's NameServer and broker as child processes, for the tests that run
//! CometMQ beside them (the broker crate's side-by-side tests) or in their place (the
//! client crate's tests with `COMETMQ_SERVERS=java`). They run from the jars that
//! `tests/interop/java-broker/pom.xml` names, through that folder's `run.sh` (heap sized
//! for a small machine, JDK 17 flags, isolated `user.home`).
//!
//! Without a JDK and Maven the tests are skipped with one loud line; with `CI=true` that is
//! a failure instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

pub use crate::port::SERIAL;
pub use crate::process::Server;

/// The folder with the pom, `run.sh` and the logback files.
pub fn java_broker_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/interop/java-broker")
}

/// The Apache RocketMQ release the Java servers run: `ROCKETMQ_VERSION`, default 4.9.7
/// (`tests/interop/java-broker/run.sh` reads the same variable).
pub fn version() -> String {
    std::env::var("ROCKETMQ_VERSION").unwrap_or_else(|_| "4.9.7".into())
}

/// Whether the Java broker can run here: `java` and the jars (fetched with Maven once per
/// test binary). Prints why not, or panics under `CI=true`.
pub fn available() -> bool {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    let ready = READY.get_or_init(|| {
        let ok = |cmd: &str, arg: &str| {
            Command::new(cmd)
                .arg(arg)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if !ok("java", "-version") {
            return Err("no `java` on PATH".into());
        }
        if !ok("mvn", "-v")
            && !java_broker_dir()
                .join(format!("target/lib-{}", version()))
                .is_dir()
        {
            return Err("no `mvn` on PATH to fetch the RocketMQ jars".into());
        }
        let out = Command::new(java_broker_dir().join("run.sh"))
            .arg("fetch")
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "mvn could not fetch the RocketMQ {} jars: {}",
                version(),
                String::from_utf8_lossy(&out.stdout)
            ));
        }
        Ok(())
    });
    match ready {
        Ok(()) => true,
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("the Java broker is required with CI=true: {why}")
        }
        Err(why) => {
            eprintln!("!!! SKIPPED: Apache RocketMQ's broker cannot run here ({why})");
            false
        }
    }
}

/// A broker config that both brokers read (Java's key names, which CometMQ accepts): the
/// cluster `MixedCluster`, broker `name`, every address on loopback (`brokerIP2` too: it
/// is the HA address Java registers, and defaults to a non-loopback one), the store in
/// `dir/store` with small files; `extra` adds or overrides keys.
pub fn conf(
    dir: &Path,
    name: &str,
    namesrv: &str,
    port: u16,
    extra: &[(&str, &str)],
) -> BTreeMap<String, String> {
    let store = dir.join("store");
    let mut props: BTreeMap<String, String> = [
        ("brokerClusterName", "MixedCluster".to_string()),
        ("brokerName", name.into()),
        ("brokerId", "0".into()),
        ("brokerIP1", "127.0.0.1".into()),
        ("brokerIP2", "127.0.0.1".into()),
        ("listenPort", port.to_string()),
        ("haListenPort", (port + 1).to_string()),
        ("namesrvAddr", namesrv.into()),
        ("storePathRootDir", store.display().to_string()),
        (
            "storePathCommitLog",
            store.join("commitlog").display().to_string(),
        ),
        ("mappedFileSizeCommitLog", "1048576".into()),
        ("maxIndexNum", "40000".into()),
        ("maxHashSlotNum", "10000".into()),
        ("diskMaxUsedSpaceRatio", "98".into()),
        ("flushConsumerOffsetInterval", "1000".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (k, v) in extra {
        props.insert(k.to_string(), v.to_string());
    }
    props
}

/// Writes `props` as a properties file.
pub fn write_conf(path: &Path, props: &BTreeMap<String, String>) {
    let text: String = props.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    std::fs::write(path, text).unwrap();
}

/// A port `p` with `p - 2` (the fast channel) and `p + 1` (HA) free too, as both brokers
/// listen on all three.
pub fn broker_port() -> u16 {
    for _ in 0..200 {
        let p = crate::free_port();
        let free = |port: u16| std::net::TcpListener::bind(("127.0.0.1", port)).is_ok();
        if p > 1026 && p < 65534 && free(p - 2) && free(p + 1) {
            return p;
        }
    }
    panic!("no free port triple");
}

impl Server {
    /// Apache RocketMQ's broker with `conf`; `home` holds its logs.
    pub async fn java_broker(conf: &Path, home: &Path, port: u16) -> Server {
        let log = home.join("stdout.log");
        std::fs::create_dir_all(home).unwrap();
        let mut cmd = Command::new(java_broker_dir().join("run.sh"));
        cmd.arg("broker").arg(home).arg("-c").arg(conf);
        Self::spawn(cmd, log, port, "the Java broker").await
    }

    /// Apache RocketMQ's NameServer with the properties file `conf` (its `listenPort`).
    pub async fn java_namesrv(conf: &Path, home: &Path, port: u16) -> Server {
        let log = home.join("stdout.log");
        std::fs::create_dir_all(home).unwrap();
        let mut cmd = Command::new(java_broker_dir().join("run.sh"));
        cmd.arg("namesrv").arg(home).arg("-c").arg(conf);
        Self::spawn(cmd, log, port, "the Java NameServer").await
    }
}
