//! [`NamesrvConfig`]: the NameServer's settings under RocketMQ's key names, read from a
//! properties file (`-c`), printed by `-p`, served by GET_NAMESRV_CONFIG and changed at run
//! time by UPDATE_NAMESRV_CONFIG.

use parking_lot::RwLock;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cometmq_controller::config::{CONTROLLER_KEYS, RULES as CONTROLLER_RULES};
use cometmq_remoting::java_properties;
use cometmq_remoting::settings::{KeyRules, LoadError, Refused, Settings, NETTY_SERVER_KEYS};

use crate::error::NamesrvError;

cometmq_remoting::settings! {
    /// The NameServer's settings. Field docs name the properties key.
    pub struct NamesrvConfig {
        /// `rocketmqHome`: the RocketMQ home directory (`ROCKETMQ_HOME`); informational.
        rocketmq_home: String = "rocketmqHome", std::env::var("ROCKETMQ_HOME").unwrap_or_default();
        /// `kvConfigPath`: the KV config file, `~/namesrv/kvConfig.json` by default.
        kv_config_path: PathBuf = "kvConfigPath", home().join("namesrv").join("kvConfig.json");
        /// `configStorePath`: where UPDATE_NAMESRV_CONFIG persists the settings.
        config_store_path: PathBuf = "configStorePath", home().join("namesrv").join("namesrv.properties");
        /// `productEnvName`: informational.
        product_env_name: String = "productEnvName", "center".to_owned();
        /// `clusterTest`: informational.
        cluster_test: bool = "clusterTest", false;
        /// `orderMessageEnable`: add `orderTopicConf` from the ORDER_TOPIC_CONFIG namespace to routes.
        order_message_enable: bool = "orderMessageEnable", false;
        /// `returnOrderTopicConfigToBroker`: answer REGISTER_BROKER with the ORDER_TOPIC_CONFIG table.
        return_order_topic_config_to_broker: bool = "returnOrderTopicConfigToBroker", true;
        /// `scanNotActiveBrokerInterval`: ms between scans for expired brokers.
        scan_not_active_broker_interval: u64 = "scanNotActiveBrokerInterval", 5_000;
        /// `brokerExpiredMillis`: a broker not heard from this long is dropped (unless it sent its
        /// own `heartbeatTimeoutMillis`). RocketMQ hard-codes 120 s.
        broker_expired_millis: u64 = "brokerExpiredMillis", 120_000;
        /// `enableAllTopicList`: serve GET_ALL_TOPIC_LIST_FROM_NAMESERVER.
        enable_all_topic_list: bool = "enableAllTopicList", true;
        /// `enableTopicList`: serve GET_TOPICS_BY_CLUSTER and the unit topic lists.
        enable_topic_list: bool = "enableTopicList", true;
        /// `deleteTopicWithBrokerRegistration`: a master's registration also removes its topics
        /// that are no longer in its table.
        delete_topic_with_broker_registration: bool = "deleteTopicWithBrokerRegistration", false;
        /// `configBlackList`: `;`-separated keys UPDATE_NAMESRV_CONFIG may not change.
        config_black_list: String = "configBlackList", "configBlackList;configStorePath;kvConfigPath".to_owned();
        /// `bindAddress`: the address to listen on.
        bind_address: String = "bindAddress", "0.0.0.0".to_owned();
        /// `listenPort`: the port to listen on.
        listen_port: u16 = "listenPort", 9876;
        /// `serverChannelMaxIdleTimeSeconds`: close a connection silent this long.
        server_channel_max_idle_time_seconds: u64 = "serverChannelMaxIdleTimeSeconds", 120;
        /// `writeBufferHighWaterMark`: bytes queued for writing on a connection above which it
        /// stops being read until it drains to `writeBufferLowWaterMark`; 0, as in Java, means
        /// Netty's 64 KiB (both marks must be set to apply).
        write_buffer_high_water_mark: usize = "writeBufferHighWaterMark", 0;
        /// `writeBufferLowWaterMark`: see `writeBufferHighWaterMark` (0: Netty's 32 KiB).
        write_buffer_low_water_mark: usize = "writeBufferLowWaterMark", 0;
        /// `metricsExporterType`: DISABLE, or PROM (Prometheus text over HTTP); OTLP_GRPC
        /// and LOG stop the NameServer at start with an error naming them.
        metrics_exporter_type: cometmq_remoting::metrics_http::MetricsExporterType = "metricsExporterType", cometmq_remoting::metrics_http::MetricsExporterType::Disable;
        /// `metricsPromExporterHost`: address of the Prometheus endpoint; empty means
        /// `bindAddress`.
        metrics_prom_exporter_host: String = "metricsPromExporterHost", String::new();
        /// `metricsPromExporterPort`: port of the Prometheus endpoint (0 picks a free one).
        metrics_prom_exporter_port: u16 = "metricsPromExporterPort", 5557;
        /// `enableControllerInNamesrv`: also run a controller (RocketMQ 5 controller mode),
        /// configured by the controller keys of the same file.
        enable_controller_in_namesrv: bool = "enableControllerInNamesrv", false;
        /// The controller's settings, read from the same file when
        /// `enableControllerInNamesrv=true` (Java reads one file into both configs).
        controller: Option<cometmq_controller::ControllerConfig>, None;
        ..tls: cometmq_remoting::tls::TlsSettings;
    }
}

/// How `namesrv.conf` and UPDATE_NAMESRV_CONFIG treat keys beyond [`NamesrvConfig`]'s
/// own: Java's thread-pool and Netty tuning keys are accepted and ignored (requests run
/// on the async runtime); keys that turn on RocketMQ 5 features CometMQ lacks are refused.
/// docs/COMPATIBILITY.md lists each with why.
pub const RULES: KeyRules = KeyRules {
    aliases: &[],
    ignored: &[
        NETTY_SERVER_KEYS,
        &[
            "clientRequestThreadPoolNums",
            "defaultThreadPoolNums",
            "clientRequestThreadPoolQueueCapacity",
            "defaultThreadPoolQueueCapacity",
            "unRegisterBrokerQueueCapacity",
            "needWaitForService",
            "waitSecondsForService",
            "enableShutdownGracefully",
            "shutdownWaitTimeSeconds",
        ],
    ],
    refused: &[
        Refused {
            key: "supportActingMaster",
            allowed: "false",
            feature: "slave acting master (RocketMQ 5) is not implemented",
        },
        Refused {
            key: "notifyMinBrokerIdChanged",
            allowed: "false",
            feature:
                "notifying brokers of a changed minimum broker id (RocketMQ 5) is not implemented",
        },
        cometmq_remoting::tls::TLS_REFUSED[0],
        cometmq_remoting::tls::TLS_REFUSED[1],
    ],
};

/// The keys UPDATE_NAMESRV_CONFIG changes in the running NameServer: each is read where
/// it is used. Any other key is read once at start (the listener, the file paths), and an
/// update that would change it is refused naming it; Java accepts it and it waits for a
/// restart.
pub const RUNTIME_KEYS: &[&str] = &[
    "rocketmqHome",
    "productEnvName",
    "clusterTest",
    "orderMessageEnable",
    "returnOrderTopicConfigToBroker",
    "scanNotActiveBrokerInterval",
    "brokerExpiredMillis",
    "enableAllTopicList",
    "enableTopicList",
    "deleteTopicWithBrokerRegistration",
];

fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from)
}

impl NamesrvConfig {
    /// Reads a properties file (`mqnamesrv -c`) over the defaults with [`RULES`], the
    /// loader the broker uses too; returns the config and the unknown keys. Errors name
    /// the file and the key.
    pub fn from_file(path: &Path) -> Result<(Self, Vec<String>), NamesrvError> {
        let mut config = NamesrvConfig::default();
        let mut unknown = RULES.load_file(&mut config, path)?;
        // The controller's keys are the controller's to read.
        unknown.retain(|k| !CONTROLLER_KEYS.contains(&k.as_str()));
        if config.enable_controller_in_namesrv {
            let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
                path: path.to_owned(),
                source,
            })?;
            let pairs = java_properties::parse(&text).map_err(|source| LoadError::Malformed {
                path: path.to_owned(),
                source,
            })?;
            let own: Vec<(String, String)> = pairs
                .into_iter()
                .filter(|(k, _)| CONTROLLER_KEYS.contains(&k.as_str()))
                .collect();
            let mut controller = cometmq_controller::ControllerConfig::default();
            CONTROLLER_RULES
                .apply(&mut controller, &own)
                .map_err(|source| LoadError::Apply {
                    path: path.to_owned(),
                    source,
                })?;
            config.controller = Some(controller);
        }
        Ok((config, unknown))
    }

    /// Applies `key=value` pairs with [`RULES`]. An invalid value fails naming its key
    /// (and nothing is changed); keys nobody knows are returned for the caller to warn
    /// about.
    pub fn apply(&mut self, pairs: &[(String, String)]) -> Result<Vec<String>, NamesrvError> {
        Ok(RULES.apply(self, pairs)?)
    }

    /// The keys of `pairs` that `configBlackList` forbids changing at run time.
    pub fn blacklisted<'a>(&self, pairs: &'a [(String, String)]) -> Vec<&'a str> {
        let black: Vec<&str> = self.config_black_list.split(';').map(str::trim).collect();
        pairs
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| black.contains(k))
            .collect()
    }

    /// The first key whose value differs in `next` and may not change at run time.
    pub fn restart_key(&self, next: &NamesrvConfig) -> Option<&'static str> {
        self.entries()
            .into_iter()
            .zip(next.entries())
            .find(|(a, b)| a.1 != b.1 && !RUNTIME_KEYS.contains(&a.0))
            .map(|(a, _)| a.0)
    }

    /// `brokerExpiredMillis` as a duration.
    pub fn broker_expired(&self) -> Duration {
        Duration::from_millis(self.broker_expired_millis)
    }

    /// `scanNotActiveBrokerInterval` as a duration (at least 10 ms).
    pub fn scan_interval(&self) -> Duration {
        Duration::from_millis(self.scan_not_active_broker_interval.max(10))
    }
}

/// The live settings, shared by the processors and the expiry task. Reads take a brief
/// read lock; UPDATE_NAMESRV_CONFIG swaps values in place.
#[derive(Debug, Clone, Default)]
pub struct SharedConfig(Arc<RwLock<NamesrvConfig>>);

impl SharedConfig {
    /// Shares `config`.
    pub fn new(config: NamesrvConfig) -> Self {
        SharedConfig(Arc::new(RwLock::new(config)))
    }

    /// Reads one or more settings.
    pub fn read<R>(&self, f: impl FnOnce(&NamesrvConfig) -> R) -> R {
        f(&self.0.read())
    }

    /// Changes settings; the closure's error leaves them untouched.
    pub fn update<R>(
        &self,
        f: impl FnOnce(&mut NamesrvConfig) -> Result<R, NamesrvError>,
    ) -> Result<R, NamesrvError> {
        f(&mut self.0.write())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use cometmq_remoting::java_properties;

    fn pairs(text: &str) -> Vec<(String, String)> {
        java_properties::parse(text).unwrap()
    }

    #[test]
    fn defaults_are_rocketmqs() {
        let c = NamesrvConfig::default();
        assert_eq!(c.listen_port, 9876);
        assert!(c.kv_config_path.ends_with("namesrv/kvConfig.json"));
        assert_eq!(c.broker_expired(), Duration::from_secs(120));
        assert!(c.to_properties().contains("\nlistenPort=9876\n"));
        let mut keys: Vec<&str> = c.entries().iter().map(|(k, _)| *k).collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n, "each key once");
    }

    #[test]
    fn apply_sets_known_keys_and_reports_unknown_ones() {
        let mut c = NamesrvConfig::default();
        let unknown = c
            .apply(&pairs(
                "listenPort=9999\norderMessageEnable=TRUE\nserverWorkerThreads=8\nbogusKey=1\n",
            ))
            .expect("valid");
        assert_eq!(unknown, vec!["bogusKey".to_owned()]);
        assert_eq!(c.listen_port, 9999);
        assert!(c.order_message_enable);
    }

    #[test]
    fn values_are_trimmed() {
        let mut c = NamesrvConfig::default();
        c.apply(&pairs(
            "productEnvName = v w \nlistenPort=1\\t\nkvConfigPath=\\ /x \n",
        ))
        .expect("valid");
        assert_eq!(c.product_env_name, "v w");
        assert_eq!(c.listen_port, 1);
        assert_eq!(c.kv_config_path, PathBuf::from("/x"));
        let err = c.apply(&pairs("listenPort = x \n")).expect_err("invalid");
        assert!(matches!(err, NamesrvError::InvalidConfig { ref value, .. } if value == "x"));
    }

    #[test]
    fn invalid_values_name_the_key_and_change_nothing() {
        let mut c = NamesrvConfig::default();
        for (text, key) in [
            ("listenPort=98765", "listenPort"),
            ("listenPort=abc", "listenPort"),
            (
                "scanNotActiveBrokerInterval=-5",
                "scanNotActiveBrokerInterval",
            ),
            ("orderMessageEnable=yes", "orderMessageEnable"),
            ("kvConfigPath=", "kvConfigPath"),
        ] {
            let err = c
                .apply(&pairs(&format!("brokerExpiredMillis=1\n{text}")))
                .expect_err(text);
            assert!(err.to_string().contains(key), "{err}");
            assert!(matches!(err, NamesrvError::InvalidConfig { key: ref k, .. } if k == key));
        }
        assert_eq!(c, NamesrvConfig::default());
    }

    #[test]
    fn features_we_lack_are_refused_when_turned_on() {
        let mut c = NamesrvConfig::default();
        let err = c
            .apply(&pairs("listenPort=1\nsupportActingMaster=true\n"))
            .expect_err("refused");
        assert!(err.to_string().contains("supportActingMaster"), "{err}");
        assert_eq!(c, NamesrvConfig::default());
    }

    #[test]
    fn controller_keys_come_from_the_same_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("namesrv.conf");
        std::fs::write(
            &path,
            "listenPort=1\nenableControllerInNamesrv=true\ncontrollerDLegerGroup=g\n\
             controllerDLegerPeers=n0-127.0.0.1:9878\ncontrollerDLegerSelfId=n0\n\
             scanNotActiveBrokerInterval=700\nmetricsExporterType=PROM\n",
        )
        .expect("write");
        let (c, unknown) = NamesrvConfig::from_file(&path).expect("loads");
        assert!(unknown.is_empty(), "{unknown:?}");
        let controller = c.controller.expect("controller config");
        assert_eq!(controller.controller_dleger_group, "g");
        assert_eq!(controller.scan_not_active_broker_interval, 700);
        assert_eq!(c.scan_not_active_broker_interval, 700);
    }

    #[test]
    fn blacklist() {
        let c = NamesrvConfig::default();
        let p = pairs("kvConfigPath=/x\nlistenPort=1\nconfigBlackList=\n");
        assert_eq!(c.blacklisted(&p), vec!["kvConfigPath", "configBlackList"]);
    }
}
