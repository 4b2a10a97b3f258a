//! The broker's settings: one struct with the keys of RocketMQ's `BrokerConfig`,
//! `MessageStoreConfig` and `NettyServerConfig`, as they appear in `broker.conf`. The
//! store's keys are declared once, in [`StoreConfig`], and embedded here.

use std::path::{Path, PathBuf};

use cometmq_remoting::settings::{
    KeyRules, LoadError, Refused, SettingError, Settings, NETTY_SERVER_KEYS,
};
use cometmq_remoting::{setting_enum, settings};
pub use cometmq_store::{FlushDiskType, StoreConfig};

setting_enum! {
    /// The broker's role in its group (`brokerRole`).
    pub enum BrokerRole {
        /// A master that replicates in the background.
        AsyncMaster = "ASYNC_MASTER",
        /// A master that acknowledges a send only once a slave holds it.
        SyncMaster = "SYNC_MASTER",
        /// A read-only replica.
        Slave = "SLAVE",
    }
}

/// The default delay levels (`messageDelayLevel`).
pub const DEFAULT_DELAY_LEVELS: &str = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";

settings! {
    /// Every broker setting, keyed by RocketMQ's names. Defaults are RocketMQ's.
    pub struct BrokerConfig {
        /// NameServer addresses, `;`-separated (also `-n` and `NAMESRV_ADDR`).
        namesrv_addr: String = "namesrvAddr", std::env::var("NAMESRV_ADDR").unwrap_or_default();
        /// Cluster this broker belongs to.
        broker_cluster_name: String = "brokerClusterName", "DefaultCluster".to_string();
        /// Group name shared by a master and its slaves.
        broker_name: String = "brokerName", "broker-a".to_string();
        /// 0 for the master, ≥ 1 for slaves.
        broker_id: i64 = "brokerId", 0;
        /// The address clients are given; empty picks this host's address.
        broker_ip1: String = "brokerIP1", String::new();
        /// The address slaves replicate from; empty means brokerIP1.
        broker_ip2: String = "brokerIP2", String::new();
        /// The client port; the fast (VIP) port is listenPort − 2.
        listen_port: u16 = "listenPort", 10911;
        /// Broker permission bits (read 4, write 2).
        broker_permission: i32 = "brokerPermission", 6;
        /// Role: ASYNC_MASTER, SYNC_MASTER or SLAVE.
        broker_role: BrokerRole = "brokerRole", BrokerRole::AsyncMaster;
        /// Create unknown topics on first send from the TBW102 template.
        auto_create_topic_enable: bool = "autoCreateTopicEnable", true;
        /// Create unknown consumer groups on first use.
        auto_create_subscription_group: bool = "autoCreateSubscriptionGroup", true;
        /// Queue count of auto-created topics (TBW102's queue count).
        default_topic_queue_nums: i32 = "defaultTopicQueueNums", 8;
        /// Register a topic named after the cluster.
        cluster_topic_enable: bool = "clusterTopicEnable", true;
        /// Register a topic named after the broker.
        broker_topic_enable: bool = "brokerTopicEnable", true;
        /// Create the message-trace topic (`msgTraceTopicName`, one queue) at start.
        trace_topic_enable: bool = "traceTopicEnable", false;
        /// The topic clients write message traces to.
        msg_trace_topic_name: String = "msgTraceTopicName", "RMQ_SYS_TRACE_TOPIC".to_owned();
        /// Serve SQL92 subscriptions (filter pulls by message properties). Off, as in Java:
        /// an SQL92 subscription is then refused.
        enable_property_filter: bool = "enablePropertyFilter", false;
        /// Filter pulls of a group's retry topic by the group's SQL92 subscription to each
        /// message's original topic (its `RETRY_TOPIC`), as Java's
        /// `ExpressionForRetryMessageFilter`. Off, as in Java: retry messages all pass.
        filter_support_retry: bool = "filterSupportRetry", false;
        /// Java's bloom-filter bits in the ConsumeQueue extension for SQL92 filters. Not
        /// implemented: `true` stops the broker at start-up.
        enable_calc_filter_bit_map: bool = "enableCalcFilterBitMap", false;
        /// Also store reply messages (SEND_REPLY_MESSAGE) in their `<cluster>_REPLY_TOPIC`,
        /// besides pushing them to the requester.
        store_reply_message_enable: bool = "storeReplyMessageEnable", true;
        /// Refuse transactional half messages.
        reject_transaction_message: bool = "rejectTransactionMessage", false;
        /// Region reported in send responses (`MSG_REGION`).
        region_id: String = "regionId", "DefaultRegion".to_string();
        /// Trace flag reported in send responses (`TRACE_ON`).
        trace_on: bool = "traceOn", true;
        /// Send requests in progress past which a send is answered SYSTEM_BUSY at once
        /// (Java: the send pool's queue length; there is no queue here).
        send_thread_pool_queue_capacity: usize = "sendThreadPoolQueueCapacity", 10000;
        /// Sends worked on at once (Java: the send pool's threads, `min(cores, 4)`); one
        /// past them waits for a place (see `waitTimeMillsInSendQueue`). A send leaves its
        /// place when its records go to the store: flush and slave waits hold none.
        send_message_thread_pool_nums: usize = "sendMessageThreadPoolNums", cores().min(4);
        /// Pulls worked on at once (Java: the pull pool's threads, `16 + 2 × cores`); a held
        /// pull holds no place.
        pull_message_thread_pool_nums: usize = "pullMessageThreadPoolNums", 16 + 2 * cores();
        /// Longest wait of a send for a place (ms), then SYSTEM_BUSY `[TIMEOUT_CLEAN_QUEUE]`
        /// (with `brokerFastFailureEnable`).
        wait_time_mills_in_send_queue: u64 = "waitTimeMillsInSendQueue", 200;
        /// Longest wait of a pull for a place (ms), as `waitTimeMillsInSendQueue`.
        wait_time_mills_in_pull_queue: u64 = "waitTimeMillsInPullQueue", 5000;
        /// Answer SYSTEM_BUSY to a request that waited past its kind's wait time; when
        /// false it waits as long as it takes.
        broker_fast_failure_enable: bool = "brokerFastFailureEnable", true;
        /// Reported by GET_BROKER_RUNTIME_INFO only: pulls have no cap here (Java: the
        /// pull pool's queue length).
        pull_thread_pool_queue_capacity: usize = "pullThreadPoolQueueCapacity", 100000;
        /// Period of re-registration with the NameServers (clamped to 10–60 s).
        register_name_server_period: u64 = "registerNameServerPeriod", 30000;
        /// Timeout of one registration call.
        register_broker_timeout_mills: u64 = "registerBrokerTimeoutMills", 24000;
        /// Compress the REGISTER_BROKER body.
        compressed_register: bool = "compressedRegister", false;
        /// Period of persisting consumer offsets.
        flush_consumer_offset_interval: u64 = "flushConsumerOffsetInterval", 5000;
        /// Hold pulls that find nothing until messages arrive (long polling).
        long_polling_enable: bool = "longPollingEnable", true;
        /// Hold time of a pull when long polling is off.
        short_polling_time_mills: u64 = "shortPollingTimeMills", 1000;
        /// Tell consumers when their group's membership changes.
        notify_consumer_ids_changed_enable: bool = "notifyConsumerIdsChangedEnable", true;
        /// Let consumers read from slaves when they lag (suggestWhichBrokerId).
        slave_read_enable: bool = "slaveReadEnable", false;
        /// Correct offsets on a slave too.
        offset_check_in_slave: bool = "offsetCheckInSlave", false;
        /// Half messages older than this are checked back (ms).
        transaction_time_out: u64 = "transactionTimeOut", 6000;
        /// Checks of one half message before giving up.
        transaction_check_max: i32 = "transactionCheckMax", 15;
        /// Period of the transaction check service (ms).
        transaction_check_interval: u64 = "transactionCheckInterval", 60000;
        /// Results of a query by key at most.
        default_query_max_num: i32 = "defaultQueryMaxNum", 32;
        /// Delay levels of scheduled messages.
        message_delay_level: String = "messageDelayLevel", DEFAULT_DELAY_LEVELS.to_string();
        /// Period of persisting delay progress (ms).
        flush_delay_offset_interval: u64 = "flushDelayOffsetInterval", 10000;
        /// The HA (replication) port; 0 means listenPort + 1.
        ha_listen_port: u16 = "haListenPort", 0;
        /// A slave's master HA address; empty means the one the NameServer reports.
        ha_master_address: String = "haMasterAddress", String::new();
        /// Replication bytes sent per batch.
        ha_transfer_batch_size: usize = "haTransferBatchSize", 32 * 1024;
        /// Slave lag (bytes) beyond which SYNC_MASTER answers SLAVE_NOT_AVAILABLE.
        ha_slave_fallbehind_max: u64 = "haSlaveFallbehindMax", 256 * 1024 * 1024;
        /// Heartbeat period of a slave to its master (ms).
        ha_send_heartbeat_interval: u64 = "haSendHeartbeatInterval", 5000;
        /// A replication connection silent this long is closed (ms).
        ha_housekeeping_interval: u64 = "haHousekeepingInterval", 20000;
        /// Period of a slave's metadata sync from its master (ms; CometMQ's key, Java
        /// 4.x hard-codes 10 s).
        slave_synchronize_interval: u64 = "slaveSynchronizeInterval", 10000;
        /// Idle client channels close after this many seconds.
        server_channel_max_idle_time_seconds: u64 = "serverChannelMaxIdleTimeSeconds", 120;
        /// A client channel without a heartbeat for this long is dropped (ms).
        channel_expired_timeout: u64 = "channelExpiredTimeout", 120_000;
        /// Bytes queued for writing on one connection above which it stops being read
        /// until it drains to `writeBufferLowWaterMark` (NettyServerConfig's key; 0, as in
        /// Java, means Netty's 64 KiB; used only when both marks are set, as in Java).
        write_buffer_high_water_mark: usize = "writeBufferHighWaterMark", 0;
        /// See `writeBufferHighWaterMark` (0 means Netty's 32 KiB).
        write_buffer_low_water_mark: usize = "writeBufferLowWaterMark", 0;
        /// Bytes queued on one connection past which it is closed and its queue dropped
        /// (CometMQ's key: a peer that pipelines requests and never reads).
        write_buffer_limit_per_connection: usize = "writeBufferLimitPerConnection", 16 * 1024 * 1024;
        /// Bytes queued on all client connections together past which a connection with
        /// a backlog is closed when it queues more (CometMQ's key; 0 means no limit).
        write_buffer_limit_total: usize = "writeBufferLimitTotal", 256 * 1024 * 1024;
        /// The file UPDATE_BROKER_CONFIG writes the settings back to: the `-c` file
        /// (as Java); empty means `<storePathRootDir>/config/broker.properties`.
        broker_config_path: String = "brokerConfigPath", String::new();
        /// RocketMQ 5's metrics exporter: DISABLE, or PROM (Prometheus text over HTTP on
        /// `metricsPromExporterHost:metricsPromExporterPort`); OTLP_GRPC and LOG stop the
        /// broker at start with an error naming them.
        metrics_exporter_type: cometmq_remoting::metrics_http::MetricsExporterType = "metricsExporterType", cometmq_remoting::metrics_http::MetricsExporterType::Disable;
        /// Address the Prometheus endpoint listens on; empty means brokerIP1 (all
        /// addresses when that is empty too).
        metrics_prom_exporter_host: String = "metricsPromExporterHost", String::new();
        /// Port of the Prometheus endpoint (0 picks a free one).
        metrics_prom_exporter_port: u16 = "metricsPromExporterPort", 5557;
        /// POP: queues of the revive topic `rmq_sys_REVIVE_LOG_<cluster>` (checkpoints and
        /// acks are spread over them round robin).
        revive_queue_num: i32 = "reviveQueueNum", 8;
        /// POP: longest pause of the revive service between passes (ms).
        revive_interval: u64 = "reviveInterval", 1000;
        /// POP: percent of pops that read the pop retry topic before the topic itself.
        pop_from_retry_probability: i32 = "popFromRetryProbability", 20;
        /// POP: name pop retry topics `%RETRY%<group>+<topic>` (V2) instead of
        /// `%RETRY%<group>_<topic>`.
        enable_retry_topic_v2: bool = "enableRetryTopicV2", false;
        /// QUERY_ASSIGNMENT: the mode of a group and topic without a mode set
        /// (SET_MESSAGE_REQUEST_MODE): PULL or POP.
        default_message_request_mode: cometmq_remoting::body::pop::MessageRequestMode = "defaultMessageRequestMode", cometmq_remoting::body::pop::MessageRequestMode::Pull;
        /// QUERY_ASSIGNMENT under POP: how many following consumers' queues each consumer
        /// also pops (≤ 0: every consumer pops every broker's queues).
        default_pop_share_queue_num: i32 = "defaultPopShareQueueNum", -1;
        /// QUERY_ASSIGNMENT balances queues among the group's consumers (else every
        /// consumer gets every queue).
        server_load_balancer_enable: bool = "serverLoadBalancerEnable", true;
        /// RocketMQ ACL 1.0: every request on the client ports must come from a white-listed
        /// address or be signed by an account of the ACL file, with the permissions it needs.
        acl_enable: bool = "aclEnable", false;
        /// The ACL file (CometMQ's key; Java reads `$ROCKETMQ_HOME/conf/plain_acl.yml`,
        /// which is also the default here when this is empty).
        acl_file_path: String = "aclFilePath", String::new();
        /// Serve timer messages (`TIMER_DELIVER_MS` / `TIMER_DELAY_SEC` /
        /// `TIMER_DELAY_MS`); off, such a message is refused, as in Java.
        timer_wheel_enable: bool = "timerWheelEnable", true;
        /// Granularity of timer delivery (ms): one wheel slot.
        timer_precision_ms: u64 = "timerPrecisionMs", 1000;
        /// Longest timer delay accepted (s); a later time is refused MESSAGE_ILLEGAL.
        timer_max_delay_sec: u64 = "timerMaxDelaySec", 259_200;
        /// Period of the timer checkpoint (flush of the timer log and wheel, ms).
        timer_flush_interval_ms: u64 = "timerFlushIntervalMs", 1000;
        /// Slots ahead beyond which a timer is rolled (re-put to the timer topic later).
        timer_roll_window_slot: i64 = "timerRollWindowSlot", 172_800;
        /// Size of one timer log file (bytes).
        mapped_file_size_timer_log: usize = "mappedFileSizeTimerLog", 100 * 1024 * 1024;
        ..store: StoreConfig;
        ..tls: cometmq_remoting::tls::TlsSettings;
    }
}

/// How `broker.conf` and UPDATE_BROKER_CONFIG treat keys beyond [`BrokerConfig`]'s own.
/// docs/COMPATIBILITY.md lists every ignored and refused key with why.
pub const RULES: KeyRules = KeyRules {
    aliases: &[
        // RocketMQ 4.0–4.4's spellings. Java 4.9.x and 5.x read only the `mapped` ones
        // (they ignore these); CometMQ honours both.
        ("mapedFileSizeCommitLog", "mappedFileSizeCommitLog"),
        ("mapedFileSizeConsumeQueue", "mappedFileSizeConsumeQueue"),
        // Java's spelling of the key (4.x and 5.x).
        ("warmMapedFileEnable", "warmMappedFileEnable"),
    ],
    ignored: &[
        NETTY_SERVER_KEYS,
        &[
            "rocketmqHome",
            "transientStorePoolEnable",
            "transientStorePoolSize",
            // Timer messages: Java's thread counts, metrics checks, warm-up and logging
            // (the timer path here is three tasks; metrics are kept exactly).
            "timerGetMessageThreadNum",
            "timerPutMessageThreadNum",
            "timerEnableDisruptor",
            "timerEnableCheckMetrics",
            "timerCheckMetricsWhen",
            "timerWarmEnable",
            "timerMetricSmallThreshold",
            "timerProgressLogIntervalMs",
            "timerEnableRetryUntilSuccess",
        ],
    ],
    refused: &[
        Refused {
            key: "enableDLegerCommitLog",
            allowed: "false",
            feature: "DLedger (Raft) CommitLog replication is not implemented; \
                      use brokerRole=SYNC_MASTER/ASYNC_MASTER/SLAVE replication",
        },
        Refused {
            key: "enableControllerMode",
            allowed: "false",
            feature: "RocketMQ 5's controller (automatic master election) is not implemented; \
                      use classic master/slave replication",
        },
        Refused {
            key: "enableSlaveActingMaster",
            allowed: "false",
            feature: "slave acting master (RocketMQ 5) is not implemented",
        },
        Refused {
            key: "autoMessageVersionOnTopicLen",
            allowed: "true",
            feature: "CometMQ always picks the stored-record version by topic length \
                      (v2 past 127 bytes), Java's default; it cannot be switched off",
        },
        Refused {
            key: "enablePopBufferMerge",
            allowed: "false",
            feature: "POP's in-memory checkpoint merge buffer is not implemented; every \
                      checkpoint and ack is written to the revive topic at once",
        },
        Refused {
            key: "timerCongestNumEachSlot",
            allowed: "2147483647",
            feature: "timer message flow control per slot (WHEEL_TIMER_FLOW_CONTROL) is not implemented",
        },
        Refused {
            key: "timerInterceptDelayLevel",
            allowed: "false",
            feature: "delay levels through the timer wheel are not implemented; delay levels use SCHEDULE_TOPIC_XXXX",
        },
        Refused {
            key: "timerStopEnqueue",
            allowed: "false",
            feature: "stopping the timer enqueue (a Java debugging switch) is not implemented",
        },
        Refused {
            key: "timerStopDequeue",
            allowed: "false",
            feature: "stopping timer delivery (a Java debugging switch) is not implemented",
        },
        Refused {
            key: "timerSkipUnknownError",
            allowed: "false",
            feature: "skipping timer messages the store fails to take is not implemented: they are retried",
        },
        Refused {
            key: "fetchNamesrvAddrByAddressServer",
            allowed: "false",
            feature: "fetching NameServer addresses from an address server is not implemented; \
                      set namesrvAddr",
        },
        cometmq_remoting::tls::TLS_REFUSED[0],
        cometmq_remoting::tls::TLS_REFUSED[1],
    ],
};

/// The keys UPDATE_BROKER_CONFIG changes in the running broker: each is read where it is
/// used, on every request or pass. Any other key of [`BrokerConfig`] is read once at
/// start, and an update of it is refused naming it (Java accepts it and it does nothing
/// until a restart). docs/COMPATIBILITY.md lists both.
pub const RUNTIME_KEYS: &[&str] = &[
    "brokerPermission",
    "rejectTransactionMessage",
    "regionId",
    "traceOn",
    "sendThreadPoolQueueCapacity",
    "waitTimeMillsInSendQueue",
    "waitTimeMillsInPullQueue",
    "brokerFastFailureEnable",
    "longPollingEnable",
    "shortPollingTimeMills",
    "slaveReadEnable",
    "offsetCheckInSlave",
    "defaultQueryMaxNum",
    "transactionTimeOut",
    "transactionCheckMax",
    "transactionCheckInterval",
    "compressedRegister",
    "registerBrokerTimeoutMills",
    "maxMessageSize",
    "flushIntervalCommitLog",
    "flushCommitLogLeastPages",
    "flushCommitLogThoroughInterval",
    "fileReservedTime",
    "deleteWhen",
    "diskMaxUsedSpaceRatio",
    "cleanFileForciblyEnable",
    "cleanResourceInterval",
    "rocketmq.broker.diskSpaceWarningLevelRatio",
    "rocketmq.broker.diskSpaceCleanForciblyRatio",
    "diskSpaceWarningLevelRatio",
    "diskSpaceCleanForciblyRatio",
];

/// A config that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file cannot be used; the message names the file and the key.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A value is invalid; the message names the key.
    #[error(transparent)]
    Invalid(#[from] SettingError),
    /// The `tls.*` settings cannot be used; the message names the key.
    #[error(transparent)]
    Tls(#[from] cometmq_remoting::tls::TlsSetupError),
}

impl From<SettingError> for crate::BrokerStartError {
    fn from(e: SettingError) -> Self {
        crate::BrokerStartError::Config(ConfigError::Invalid(e))
    }
}

impl BrokerConfig {
    /// Reads a `broker.conf` (`mqbroker -c`) over the defaults, with [`RULES`], and
    /// remembers its path as `brokerConfigPath` (where UPDATE_BROKER_CONFIG writes back).
    /// Returns the config and the keys nobody knows, which the caller warns about. Any
    /// error names the file (and the key).
    pub fn load(path: &Path) -> Result<(BrokerConfig, Vec<String>), ConfigError> {
        let mut config = BrokerConfig::default();
        let unknown = RULES.load_file(&mut config, path)?;
        config.broker_config_path = path.display().to_string();
        config.validate().map_err(|e| LoadError::Apply {
            path: path.to_owned(),
            source: e.into(),
        })?;
        Ok((config, unknown))
    }

    /// Checks what a single key's parse cannot: the delay levels and disk ratios.
    pub fn validate(&self) -> Result<(), SettingError> {
        self.delay_levels_ms()?;
        self.store.disk_space_ratios()?;
        for (key, n) in [
            (
                "sendMessageThreadPoolNums",
                self.send_message_thread_pool_nums,
            ),
            (
                "pullMessageThreadPoolNums",
                self.pull_message_thread_pool_nums,
            ),
        ] {
            if n == 0 {
                return Err(SettingError {
                    key: key.into(),
                    value: "0".into(),
                    expected: "at least 1 (requests worked on at once)",
                });
            }
        }
        if self.enable_calc_filter_bit_map {
            return Err(SettingError {
                key: "enableCalcFilterBitMap".into(),
                value: "true".into(),
                expected: "false: CometMQ has no ConsumeQueue bloom filter bits (SQL92 \
                           filters evaluate each message's properties instead)",
            });
        }
        Ok(())
    }

    /// The file UPDATE_BROKER_CONFIG persists to.
    pub fn config_file_path(&self) -> PathBuf {
        if self.broker_config_path.is_empty() {
            self.store
                .store_path_root_dir
                .join("config")
                .join("broker.properties")
        } else {
            PathBuf::from(&self.broker_config_path)
        }
    }

    /// The ACL file: `aclFilePath`, else `$ROCKETMQ_HOME/conf/plain_acl.yml` as Java;
    /// `None` when neither is set.
    pub fn acl_file(&self) -> Option<PathBuf> {
        if !self.acl_file_path.is_empty() {
            return Some(PathBuf::from(&self.acl_file_path));
        }
        std::env::var_os("ROCKETMQ_HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join("conf").join("plain_acl.yml"))
    }

    /// The port of the replication stream.
    pub fn ha_port(&self) -> u16 {
        if self.ha_listen_port == 0 {
            self.listen_port.saturating_add(1)
        } else {
            self.ha_listen_port
        }
    }

    /// The fast (VIP) port: listenPort − 2.
    pub fn fast_port(&self) -> u16 {
        self.listen_port.saturating_sub(2)
    }

    /// The NameServer addresses.
    pub fn namesrv_addrs(&self) -> Vec<String> {
        self.namesrv_addr
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The delay level durations in milliseconds, level 1 first.
    pub fn delay_levels_ms(&self) -> Result<Vec<u64>, SettingError> {
        parse_delay_levels(&self.message_delay_level).ok_or_else(|| SettingError {
            key: "messageDelayLevel".into(),
            value: self.message_delay_level.clone(),
            expected: "durations like 1s 5m 2h 1d separated by spaces",
        })
    }

    /// The store's settings for this broker: the embedded keys plus what the broker
    /// decides (record host, SYNC_MASTER, delay levels).
    pub fn store_config(
        &self,
        store_host: std::net::SocketAddr,
    ) -> Result<StoreConfig, SettingError> {
        Ok(StoreConfig {
            store_host: Some(store_host),
            sync_master: self.broker_role == BrokerRole::SyncMaster,
            delay_levels_ms: self.delay_levels_ms()?,
            ..self.store.clone()
        })
    }

    /// The keys `-m` prints: the ones that say what this broker is.
    pub fn important_entries(&self) -> Vec<(&'static str, String)> {
        const IMPORTANT: &[&str] = &[
            "brokerClusterName",
            "brokerName",
            "brokerId",
            "brokerIP1",
            "listenPort",
            "namesrvAddr",
            "brokerRole",
            "flushDiskType",
            "storePathRootDir",
            "autoCreateTopicEnable",
        ];
        self.entries()
            .into_iter()
            .filter(|(k, _)| IMPORTANT.contains(k))
            .collect()
    }
}

/// Parses `1s 5s 10m 2h 1d` into milliseconds.
pub fn parse_delay_levels(text: &str) -> Option<Vec<u64>> {
    let levels: Option<Vec<u64>> = text
        .split_whitespace()
        .map(|item| {
            let unit = item.chars().last()?;
            let n: u64 = item.get(..item.len() - 1)?.parse().ok()?;
            let ms = match unit {
                's' => 1000,
                'm' => 60 * 1000,
                'h' => 3600 * 1000,
                'd' => 24 * 3600 * 1000,
                _ => return None,
            };
            n.checked_mul(ms)
        })
        .collect();
    levels.filter(|l| !l.is_empty())
}

/// The machine's cores, for Java's defaults that depend on them.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(c: &mut BrokerConfig, text: &str) -> Result<Vec<String>, ConfigError> {
        Ok(RULES.apply_text(c, text, Path::new("broker.conf"))?)
    }

    #[test]
    fn loads_a_rocketmq_broker_conf() {
        let conf = "brokerClusterName = DefaultCluster\nbrokerName = broker-a\nbrokerId = 0\n\
                    deleteWhen = 04\nfileReservedTime = 48\nbrokerRole = SYNC_MASTER\n\
                    flushDiskType = SYNC_FLUSH\nmappedFileSizeCommitLog=1048576\nrocketmqHome=/opt\nbogusKey=1\n";
        let mut c = BrokerConfig::default();
        let unknown = apply(&mut c, conf).unwrap();
        assert_eq!(unknown, vec!["bogusKey"]);
        assert_eq!(c.broker_role, BrokerRole::SyncMaster);
        assert_eq!(c.store.flush_disk_type, FlushDiskType::SyncFlush);
        assert_eq!(
            c.store.file_reserved_time,
            std::time::Duration::from_secs(48 * 3600)
        );
        assert_eq!(c.store.mapped_file_size_commit_log, 1_048_576);
        assert_eq!(c.fast_port(), 10909);
        assert_eq!(c.ha_port(), 10912);
    }

    #[test]
    fn old_spellings_are_aliases() {
        let mut c = BrokerConfig::default();
        apply(
            &mut c,
            "mapedFileSizeCommitLog=8192\nmapedFileSizeConsumeQueue=2000\nwarmMapedFileEnable=true\n",
        )
        .unwrap();
        assert_eq!(c.store.mapped_file_size_commit_log, 8192);
        assert_eq!(c.store.mapped_file_size_consume_queue, 2000);
        assert!(c.store.warm_mapped_file_enable);
        let text = c.to_properties();
        assert!(text.contains("\nmappedFileSizeCommitLog=8192\n"), "{text}");
    }

    #[test]
    fn store_keys_are_declared_once() {
        let c = BrokerConfig::default();
        let entries = c.entries();
        let mut keys: Vec<&str> = entries.iter().map(|(k, _)| *k).collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n, "a key listed twice");
        for key in [
            "storePathRootDir",
            "flushDiskType",
            "maxMessageSize",
            "brokerName",
        ] {
            assert!(keys.contains(&key), "{key}");
        }
    }

    #[test]
    fn invalid_values_name_the_key() {
        let mut c = BrokerConfig::default();
        let e = apply(&mut c, "listenPort=99999").unwrap_err();
        assert!(e.to_string().contains("listenPort"), "{e}");
        assert!(e.to_string().contains("broker.conf"), "{e}");
        let e = apply(&mut c, "brokerRole=LEADER").unwrap_err();
        assert!(e.to_string().contains("brokerRole"), "{e}");
    }

    #[test]
    fn features_we_lack_are_refused_when_turned_on() {
        for (key, on) in [
            ("enableDLegerCommitLog", "true"),
            ("enableControllerMode", "TRUE"),
            ("fetchNamesrvAddrByAddressServer", "true"),
        ] {
            let mut c = BrokerConfig::default();
            let e = apply(&mut c, &format!("{key}={on}"))
                .unwrap_err()
                .to_string();
            assert!(e.contains(key) && e.contains("not"), "{e}");
            assert!(apply(&mut c, &format!("{key}=false")).unwrap().is_empty());
        }
    }

    #[test]
    fn disk_space_ratios_as_java() {
        let mut c = BrokerConfig::default();
        assert_eq!(c.store.disk_space_ratios().unwrap(), (0.90, 0.85));
        apply(
            &mut c,
            "diskSpaceWarningLevelRatio=95\ndiskSpaceCleanForciblyRatio=10",
        )
        .unwrap();
        assert_eq!(
            c.store.disk_space_ratios().unwrap(),
            (0.90, 0.30),
            "5.x clamps"
        );
        apply(&mut c, "rocketmq.broker.diskSpaceWarningLevelRatio=0.97\nrocketmq.broker.diskSpaceCleanForciblyRatio=0.2")
            .unwrap();
        assert_eq!(
            c.store.disk_space_ratios().unwrap(),
            (0.97, 0.2),
            "4.9.8's properties win, unclamped"
        );
        apply(&mut c, "rocketmq.broker.diskSpaceCleanForciblyRatio=lots").unwrap();
        let e = c.validate().unwrap_err();
        assert!(
            e.to_string()
                .contains("rocketmq.broker.diskSpaceCleanForciblyRatio"),
            "{e}"
        );
        assert!(c.store.clean_file_forcibly_enable, "Java's default");
        apply(&mut c, "cleanFileForciblyEnable=false").unwrap();
        assert!(!c.store.clean_file_forcibly_enable);
    }

    #[test]
    fn delay_levels() {
        let c = BrokerConfig::default();
        let levels = c.delay_levels_ms().unwrap();
        assert_eq!(levels.len(), 18);
        assert_eq!(levels[0], 1000);
        assert_eq!(levels[17], 2 * 3600 * 1000);
        assert!(parse_delay_levels("1s 5x").is_none());
        assert!(parse_delay_levels("").is_none());
    }

    #[test]
    fn print_and_reload() {
        let mut c = BrokerConfig::default();
        apply(
            &mut c,
            "brokerName=b\nnamesrvAddr=127.0.0.1:9876;127.0.0.1:9877\nstorePathCommitLog=/x/log\n",
        )
        .unwrap();
        assert_eq!(c.namesrv_addrs(), vec!["127.0.0.1:9876", "127.0.0.1:9877"]);
        let mut again = BrokerConfig::default();
        assert!(apply(&mut again, &c.to_properties()).unwrap().is_empty());
        assert_eq!(again, c);
    }
}
