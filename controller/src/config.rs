//! [`ControllerConfig`]: the controller's settings under RocketMQ 5's key names
//! (`ControllerConfig` plus the `NettyServerConfig` port), read by the shared loader.

use std::path::{Path, PathBuf};

use cometmq_remoting::settings::{KeyRules, Refused, NETTY_SERVER_KEYS};

use crate::error::ControllerError;

cometmq_remoting::settings! {
    /// The controller's settings. Field docs name the properties key.
    pub struct ControllerConfig {
        /// `rocketmqHome`: informational.
        rocketmq_home: String = "rocketmqHome", std::env::var("ROCKETMQ_HOME").unwrap_or_default();
        /// `configStorePath`: where UPDATE_CONTROLLER_CONFIG persists the settings.
        config_store_path: PathBuf = "configStorePath", home().join("controller").join("controller.properties");
        /// `controllerType`: `DLedger` (Java's default) or `jRaft`; both mean the Raft group
        /// here, which is openraft.
        controller_type: String = "controllerType", "DLedger".to_owned();
        /// `scanNotActiveBrokerInterval`: ms between scans for brokers whose heartbeat expired.
        scan_not_active_broker_interval: u64 = "scanNotActiveBrokerInterval", 5_000;
        /// `controllerDLegerGroup`: the Raft group's name (reported by GET_METADATA_INFO).
        controller_dleger_group: String = "controllerDLegerGroup", String::new();
        /// `controllerDLegerPeers`: `n0-host:port;n1-host:port;…`, the Raft peers' addresses.
        controller_dleger_peers: String = "controllerDLegerPeers", String::new();
        /// `controllerDLegerSelfId`: this controller's id in `controllerDLegerPeers`.
        controller_dleger_self_id: String = "controllerDLegerSelfId", String::new();
        /// `controllerStorePath`: the Raft log, vote and snapshot directory
        /// (Java's default: `~/DledgerController`).
        controller_store_path: String = "controllerStorePath", String::new();
        /// `electMasterMaxRetryCount`: informational (elections are retried on every scan).
        elect_master_max_retry_count: u32 = "electMasterMaxRetryCount", 3;
        /// `enableElectUncleanMaster`: elect from all replicas when no SyncStateSet member is alive
        /// (may lose acknowledged messages).
        enable_elect_unclean_master: bool = "enableElectUncleanMaster", false;
        /// `isProcessReadEvent`: informational (reads are served from the applied state).
        is_process_read_event: bool = "isProcessReadEvent", false;
        /// `notifyBrokerRoleChanged`: tell a broker group's members when a master is elected.
        notify_broker_role_changed: bool = "notifyBrokerRoleChanged", true;
        /// `scanInactiveMasterInterval`: ms between the leader's checks for groups whose master died.
        scan_inactive_master_interval: u64 = "scanInactiveMasterInterval", 5_000;
        /// `configBlackList`: `;`-separated keys UPDATE_CONTROLLER_CONFIG may not change.
        config_black_list: String = "configBlackList", "configBlackList;configStorePath".to_owned();
    }
}

/// Every key [`ControllerConfig`] reads: what mqnamesrv accepts beside its own when
/// `enableControllerInNamesrv=true` (Java reads one file into both configs).
pub const CONTROLLER_KEYS: &[&str] = &[
    "controllerType",
    "scanNotActiveBrokerInterval",
    "controllerDLegerGroup",
    "controllerDLegerPeers",
    "controllerDLegerSelfId",
    "controllerStorePath",
    "electMasterMaxRetryCount",
    "enableElectUncleanMaster",
    "isProcessReadEvent",
    "notifyBrokerRoleChanged",
    "scanInactiveMasterInterval",
    "mappedFileSize",
    "controllerThreadPoolNums",
    "controllerRequestThreadPoolQueueCapacity",
];

/// How `controller.conf` and UPDATE_CONTROLLER_CONFIG treat keys beyond
/// [`ControllerConfig`]'s own. DLedger's file size, the thread pools and the jRaft tuning keys
/// have no counterpart (openraft's log is its own file), metrics exporters are refused.
pub const RULES: KeyRules = KeyRules {
    aliases: &[],
    ignored: &[
        NETTY_SERVER_KEYS,
        &[
            // NettyServerConfig's port: as in Java's DLedger mode, brokers and mqadmin talk
            // to each controller on its controllerDLegerPeers address.
            "listenPort",
            "bindAddress",
            "mappedFileSize",
            "controllerThreadPoolNums",
            "controllerRequestThreadPoolQueueCapacity",
            "jRaftGroupId",
            "jRaftServerId",
            "jRaftInitConf",
            "jRaftControllerRPCAddr",
            "jRaftElectionTimeoutMs",
            "jRaftSnapshotIntervalSecs",
            "metricsGrpcExporterTarget",
            "metricsGrpcExporterHeader",
            "metricGrpcExporterTimeOutInMills",
            "metricGrpcExporterIntervalInMills",
            "metricLoggingExporterIntervalInMills",
            "metricsPromExporterPort",
            "metricsPromExporterHost",
            "metricsLabel",
            "metricsInDelta",
        ],
    ],
    refused: &[Refused {
        key: "metricsExporterType",
        allowed: "DISABLE",
        feature: "controller metrics exporters are not implemented",
    }],
};

fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from)
}

/// One Raft peer of `controllerDLegerPeers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// Java's id (`n0`).
    pub name: String,
    /// openraft's node id: the peer's position in the list sorted by name.
    pub node_id: u64,
    /// `host:port` of its Raft endpoint.
    pub addr: String,
}

impl ControllerConfig {
    /// Reads a properties file (`mqcontroller -c`) over the defaults; returns the config and
    /// the unknown keys. Errors name the file and the key.
    pub fn from_file(path: &Path) -> Result<(Self, Vec<String>), ControllerError> {
        let mut config = ControllerConfig::default();
        let unknown = RULES.load_file(&mut config, path)?;
        Ok((config, unknown))
    }

    /// The peers of `controllerDLegerPeers`, sorted by name, or why they cannot be used.
    pub fn peers(&self) -> Result<Vec<Peer>, ControllerError> {
        let bad = |why: String| ControllerError::Config {
            key: "controllerDLegerPeers",
            why,
        };
        let mut named: Vec<(String, String)> = Vec::new();
        for part in self.controller_dleger_peers.split(';') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let Some((name, addr)) = part.split_once('-') else {
                return Err(bad(format!("{part:?} is not id-host:port")));
            };
            if addr
                .rsplit_once(':')
                .is_none_or(|(_, p)| p.parse::<u16>().is_err())
            {
                return Err(bad(format!("{part:?} has no host:port")));
            }
            if named.iter().any(|(n, _)| n == name) {
                return Err(bad(format!("id {name} appears twice")));
            }
            named.push((name.to_owned(), addr.to_owned()));
        }
        if named.is_empty() {
            return Err(bad("no peers".to_owned()));
        }
        named.sort();
        Ok(named
            .into_iter()
            .enumerate()
            .map(|(i, (name, addr))| Peer {
                name,
                node_id: i as u64,
                addr,
            })
            .collect())
    }

    /// This controller's own peer entry.
    pub fn self_peer(&self) -> Result<Peer, ControllerError> {
        self.peers()?
            .into_iter()
            .find(|p| p.name == self.controller_dleger_self_id)
            .ok_or_else(|| ControllerError::Config {
                key: "controllerDLegerSelfId",
                why: format!(
                    "{:?} is not an id of controllerDLegerPeers",
                    self.controller_dleger_self_id
                ),
            })
    }

    /// The store directory: `controllerStorePath`, or `~/DledgerController` as in Java.
    pub fn store_dir(&self) -> PathBuf {
        if self.controller_store_path.is_empty() {
            home().join("DledgerController")
        } else {
            PathBuf::from(&self.controller_store_path)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cometmq_remoting::settings::Settings;

    #[test]
    fn peers_parse_and_sort() {
        let mut c = ControllerConfig::default();
        c.set(
            "controllerDLegerPeers",
            "n1-127.0.0.1:2;n0-127.0.0.1:1;n2-h:3",
        )
        .unwrap();
        c.set("controllerDLegerSelfId", "n1").unwrap();
        let peers = c.peers().unwrap();
        assert_eq!(peers[0].name, "n0");
        assert_eq!(peers[0].addr, "127.0.0.1:1");
        assert_eq!(c.self_peer().unwrap().node_id, 1);
        c.set("controllerDLegerPeers", "n0:1").unwrap();
        assert!(c
            .peers()
            .unwrap_err()
            .to_string()
            .contains("controllerDLegerPeers"));
    }

    #[test]
    fn sample_configs_load() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conf/controller");
        for i in 0..3 {
            let (c, unknown) =
                ControllerConfig::from_file(&dir.join(format!("controller-n{i}.conf"))).unwrap();
            assert!(unknown.is_empty(), "{unknown:?}");
            assert_eq!(c.peers().unwrap().len(), 3);
            assert_eq!(c.self_peer().unwrap().node_id, i);
        }
    }

    #[test]
    fn metrics_exporter_refused() {
        let mut c = ControllerConfig::default();
        let pairs = vec![("metricsExporterType".to_owned(), "PROM".to_owned())];
        assert!(RULES.apply(&mut c, &pairs).is_err());
    }
}
