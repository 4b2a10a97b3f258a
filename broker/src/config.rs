//! The broker's settings: one struct with the keys of RocketMQ's `BrokerConfig`,
//! `MessageStoreConfig` and `NettyServerConfig`, as they appear in `broker.conf`.

use cometmq_remoting::settings::Settings;
use cometmq_remoting::{setting_enum, settings};

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

setting_enum! {
    /// How the CommitLog is flushed (`flushDiskType`).
    pub enum FlushDiskType {
        /// Flush in the background.
        AsyncFlush = "ASYNC_FLUSH",
        /// Acknowledge a send only after its bytes are fsynced (group commit).
        SyncFlush = "SYNC_FLUSH",
    }
}

fn home_dir() -> String {
    std::env::var("HOME").unwrap_or_else(|_| ".".to_string())
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
        /// ASYNC_FLUSH or SYNC_FLUSH.
        flush_disk_type: FlushDiskType = "flushDiskType", FlushDiskType::AsyncFlush;
        /// Pre-fault each new CommitLog file before use (ASYNC_FLUSH only): about half the
        /// append CPU, at the cost of a whole file of page cache (and RSS) ahead of use.
        /// Off by default, as in RocketMQ.
        warm_mapped_file_enable: bool = "warmMappedFileEnable", false;
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
        /// Refuse transactional half messages.
        reject_transaction_message: bool = "rejectTransactionMessage", false;
        /// Region reported in send responses (`MSG_REGION`).
        region_id: String = "regionId", "DefaultRegion".to_string();
        /// Trace flag reported in send responses (`TRACE_ON`).
        trace_on: bool = "traceOn", true;
        /// Concurrent send requests processed at once.
        send_message_thread_pool_nums: usize = "sendMessageThreadPoolNums", 4;
        /// Concurrent pull requests processed at once.
        pull_message_thread_pool_nums: usize = "pullMessageThreadPoolNums", 20;
        /// Send requests queued before SYSTEM_BUSY.
        send_thread_pool_queue_capacity: usize = "sendThreadPoolQueueCapacity", 10000;
        /// Pull requests queued before SYSTEM_BUSY.
        pull_thread_pool_queue_capacity: usize = "pullThreadPoolQueueCapacity", 100000;
        /// A send that waited longer than this in the queue gets SYSTEM_BUSY.
        wait_time_mills_in_send_queue: u64 = "waitTimeMillsInSendQueue", 200;
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
        /// Root of the store directory.
        store_path_root_dir: String = "storePathRootDir", format!("{}/store", home_dir());
        /// CommitLog directory; empty means `<storePathRootDir>/commitlog`.
        store_path_commit_log: String = "storePathCommitLog", String::new();
        /// Size of one CommitLog file (RocketMQ 4 spelling).
        maped_file_size_commit_log: u64 = "mapedFileSizeCommitLog", 1024 * 1024 * 1024;
        /// Size of one ConsumeQueue file (300 000 entries of 20 bytes).
        maped_file_size_consume_queue: u64 = "mapedFileSizeConsumeQueue", 300_000 * 20;
        /// Background flush period of the CommitLog (ms).
        flush_interval_commit_log: u64 = "flushIntervalCommitLog", 500;
        /// Dirty pages that trigger a background flush.
        flush_commit_log_least_pages: u32 = "flushCommitLogLeastPages", 4;
        /// A full flush at least this often (ms).
        flush_commit_log_thorough_interval: u64 = "flushCommitLogThoroughInterval", 10000;
        /// Background flush period of ConsumeQueues (ms).
        flush_interval_consume_queue: u64 = "flushIntervalConsumeQueue", 1000;
        /// How long a SYNC_FLUSH or SYNC_MASTER send waits (ms).
        sync_flush_timeout: u64 = "syncFlushTimeout", 5000;
        /// Hour of day ("04") when expired files are deleted; `;`-separated list allowed.
        delete_when: String = "deleteWhen", "04".to_string();
        /// Hours a CommitLog file is kept.
        file_reserved_time: u64 = "fileReservedTime", 72;
        /// Disk use (%) above which expired files are deleted at any hour (clamped to
        /// 10–95 as in Java).
        disk_max_used_space_ratio: u32 = "diskMaxUsedSpaceRatio", 75;
        /// Above `diskSpaceCleanForciblyRatio`, delete the oldest CommitLog files even
        /// before `fileReservedTime` (logged at ERROR as a forced deletion). Off: only
        /// expired files go, and a full disk refuses sends until space returns.
        clean_file_forcibly_enable: bool = "cleanFileForciblyEnable", true;
        /// Period of the retention and disk check (ms).
        clean_resource_interval: u64 = "cleanResourceInterval", 10000;
        /// RocketMQ 4.9.8's JVM system property (a fraction, e.g. 0.90): above this disk
        /// use the disk is marked full and sends are refused. Empty: from
        /// `diskSpaceWarningLevelRatio`.
        disk_space_warning_level_ratio_property: String = "rocketmq.broker.diskSpaceWarningLevelRatio", String::new();
        /// RocketMQ 4.9.8's JVM system property (a fraction, e.g. 0.85): above this disk
        /// use unexpired files may be deleted; a full disk is OK again at or below it.
        /// Empty: from `diskSpaceCleanForciblyRatio`.
        disk_space_clean_forcibly_ratio_property: String = "rocketmq.broker.diskSpaceCleanForciblyRatio", String::new();
        /// RocketMQ 5's key (%) for the warning level, clamped to 35–90.
        disk_space_warning_level_ratio: u32 = "diskSpaceWarningLevelRatio", 90;
        /// RocketMQ 5's key (%) for forced cleaning, clamped to 30–85.
        disk_space_clean_forcibly_ratio: u32 = "diskSpaceCleanForciblyRatio", 85;
        /// Largest message body accepted (bytes).
        max_message_size: usize = "maxMessageSize", 4 * 1024 * 1024;
        /// Verify record CRCs during recovery.
        check_crc_on_recover: bool = "checkCRCOnRecover", true;
        /// Build the IndexFile (query by key).
        message_index_enable: bool = "messageIndexEnable", true;
        /// Hash slots per IndexFile.
        max_hash_slot_num: u32 = "maxHashSlotNum", 5_000_000;
        /// Entries per IndexFile.
        max_index_num: u32 = "maxIndexNum", 20_000_000;
        /// Results of a query by key at most.
        default_query_max_num: i32 = "defaultQueryMaxNum", 32;
        /// Delay levels of scheduled messages.
        message_delay_level: String = "messageDelayLevel", DEFAULT_DELAY_LEVELS.to_string();
        /// Period of persisting delay progress (ms).
        flush_delay_offset_interval: u64 = "flushDelayOffsetInterval", 10000;
        /// Pull transfer limit for data in memory (bytes).
        max_transfer_bytes_on_message_in_memory: usize = "maxTransferBytesOnMessageInMemory", 256 * 1024;
        /// Pull transfer limit for data in memory (messages).
        max_transfer_count_on_message_in_memory: usize = "maxTransferCountOnMessageInMemory", 32;
        /// Pull transfer limit for data on disk (bytes).
        max_transfer_bytes_on_message_in_disk: usize = "maxTransferBytesOnMessageInDisk", 64 * 1024;
        /// Pull transfer limit for data on disk (messages).
        max_transfer_count_on_message_in_disk: usize = "maxTransferCountOnMessageInDisk", 8;
        /// Share of RAM beyond which pulled data counts as "on disk" (%).
        access_message_in_memory_max_ratio: u32 = "accessMessageInMemoryMaxRatio", 40;
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
        /// RocketMQ 5's metrics exporter: DISABLE, or PROM (Prometheus text over HTTP on
        /// `metricsPromExporterHost:metricsPromExporterPort`); OTLP_GRPC and LOG stop the
        /// broker at start with an error naming them.
        metrics_exporter_type: cometmq_remoting::metrics_http::MetricsExporterType = "metricsExporterType", cometmq_remoting::metrics_http::MetricsExporterType::Disable;
        /// Address the Prometheus endpoint listens on; empty means brokerIP1 (all
        /// addresses when that is empty too).
        metrics_prom_exporter_host: String = "metricsPromExporterHost", String::new();
        /// Port of the Prometheus endpoint (0 picks a free one).
        metrics_prom_exporter_port: u16 = "metricsPromExporterPort", 5557;
    }
}

/// RocketMQ 5 spells some keys differently; they set the same fields.
const ALIASES: &[(&str, &str)] = &[
    ("mappedFileSizeCommitLog", "mapedFileSizeCommitLog"),
    ("mappedFileSizeConsumeQueue", "mapedFileSizeConsumeQueue"),
];

/// Keys RocketMQ knows that CometMQ accepts but does not use (no warning for them).
const IGNORED: &[&str] = &[
    "rocketmqHome",
    "fetchNamesrvAddrByAddressServer",
    "brokerFastFailureEnable",
    "transientStorePoolEnable",
    "warmMapedFileEnable",
    "enableDLegerCommitLog",
    "aclEnable",
    "useEpollNativeSelector",
    "autoMessageVersionOnTopicLen",
];

/// A config file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The path given.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A value is invalid; the message names the key.
    #[error(transparent)]
    Invalid(#[from] cometmq_remoting::settings::SettingError),
}

impl BrokerConfig {
    /// Applies properties text (a `broker.conf`); returns the keys nobody knows, which the
    /// caller warns about. RocketMQ 5 key spellings are accepted.
    pub fn apply(&mut self, text: &str) -> Result<Vec<String>, ConfigError> {
        let mut unknown = Vec::new();
        for (key, value) in cometmq_remoting::java_properties::parse(text) {
            let key = ALIASES
                .iter()
                .find(|(alias, _)| *alias == key)
                .map_or(key.as_str(), |(_, k)| k)
                .to_string();
            if !self.set(&key, &value)? && !IGNORED.contains(&key.as_str()) {
                unknown.push(key);
            }
        }
        Ok(unknown)
    }

    /// Reads and applies a config file.
    pub fn load_file(&mut self, path: &str) -> Result<Vec<String>, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_string(),
            source,
        })?;
        self.apply(&text)
    }

    /// The CommitLog directory.
    pub fn commit_log_dir(&self) -> String {
        if self.store_path_commit_log.is_empty() {
            format!("{}/commitlog", self.store_path_root_dir)
        } else {
            self.store_path_commit_log.clone()
        }
    }

    /// The disk-full thresholds as fractions: (warning level, clean forcibly). As Java
    /// does: the 4.9.8 system-property keys when set (as given), else the RocketMQ 5
    /// percent keys, clamped to 0.35–0.90 and 0.30–0.85.
    pub fn disk_space_ratios(&self) -> Result<(f64, f64), ConfigError> {
        fn pick(
            property: &str,
            key: &str,
            percent: u32,
            lo: f64,
            hi: f64,
        ) -> Result<f64, ConfigError> {
            let property_value = property.trim();
            if property_value.is_empty() {
                return Ok((f64::from(percent) / 100.0).clamp(lo, hi));
            }
            match property_value.parse::<f64>() {
                Ok(v) if v.is_finite() && v > 0.0 && v <= 1.0 => Ok(v),
                _ => Err(ConfigError::Invalid(
                    cometmq_remoting::settings::SettingError {
                        key: key.into(),
                        value: property.to_string(),
                        expected: "a fraction of the disk, above 0 and at most 1",
                    },
                )),
            }
        }
        let warning = pick(
            &self.disk_space_warning_level_ratio_property,
            "rocketmq.broker.diskSpaceWarningLevelRatio",
            self.disk_space_warning_level_ratio,
            0.35,
            0.90,
        )?;
        let forcibly = pick(
            &self.disk_space_clean_forcibly_ratio_property,
            "rocketmq.broker.diskSpaceCleanForciblyRatio",
            self.disk_space_clean_forcibly_ratio,
            0.30,
            0.85,
        )?;
        Ok((warning, forcibly))
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
    pub fn delay_levels_ms(&self) -> Result<Vec<u64>, ConfigError> {
        parse_delay_levels(&self.message_delay_level).ok_or_else(|| {
            ConfigError::Invalid(cometmq_remoting::settings::SettingError {
                key: "messageDelayLevel".into(),
                value: self.message_delay_level.clone(),
                expected: "durations like 1s 5m 2h 1d separated by spaces",
            })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_a_rocketmq_broker_conf() {
        let conf = "brokerClusterName = DefaultCluster\nbrokerName = broker-a\nbrokerId = 0\n\
                    deleteWhen = 04\nfileReservedTime = 48\nbrokerRole = SYNC_MASTER\n\
                    flushDiskType = SYNC_FLUSH\nmappedFileSizeCommitLog=1048576\nrocketmqHome=/opt\nbogusKey=1\n";
        let mut c = BrokerConfig::default();
        let unknown = c.apply(conf).unwrap();
        assert_eq!(unknown, vec!["bogusKey"]);
        assert_eq!(c.broker_role, BrokerRole::SyncMaster);
        assert_eq!(c.flush_disk_type, FlushDiskType::SyncFlush);
        assert_eq!(c.file_reserved_time, 48);
        assert_eq!(c.maped_file_size_commit_log, 1_048_576);
        assert_eq!(c.fast_port(), 10909);
        assert_eq!(c.ha_port(), 10912);
    }

    #[test]
    fn invalid_values_name_the_key() {
        let mut c = BrokerConfig::default();
        let e = c.apply("listenPort=99999").unwrap_err();
        assert!(e.to_string().contains("listenPort"), "{e}");
        let e = c.apply("brokerRole=LEADER").unwrap_err();
        assert!(e.to_string().contains("brokerRole"), "{e}");
    }

    #[test]
    fn disk_space_ratios_as_java() {
        let mut c = BrokerConfig::default();
        assert_eq!(c.disk_space_ratios().unwrap(), (0.90, 0.85));
        c.apply("diskSpaceWarningLevelRatio=95\ndiskSpaceCleanForciblyRatio=10")
            .unwrap();
        assert_eq!(c.disk_space_ratios().unwrap(), (0.90, 0.30), "5.x clamps");
        c.apply("rocketmq.broker.diskSpaceWarningLevelRatio=0.97\nrocketmq.broker.diskSpaceCleanForciblyRatio=0.2")
            .unwrap();
        assert_eq!(
            c.disk_space_ratios().unwrap(),
            (0.97, 0.2),
            "4.9.8's properties win, unclamped"
        );
        c.apply("rocketmq.broker.diskSpaceCleanForciblyRatio=lots")
            .unwrap();
        let e = c.disk_space_ratios().unwrap_err();
        assert!(
            e.to_string()
                .contains("rocketmq.broker.diskSpaceCleanForciblyRatio"),
            "{e}"
        );
        assert!(c.clean_file_forcibly_enable, "Java's default");
        c.apply("cleanFileForciblyEnable=false").unwrap();
        assert!(!c.clean_file_forcibly_enable);
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
        c.apply("brokerName=b\nnamesrvAddr=127.0.0.1:9876;127.0.0.1:9877")
            .unwrap();
        assert_eq!(c.namesrv_addrs(), vec!["127.0.0.1:9876", "127.0.0.1:9877"]);
        let mut again = BrokerConfig::default();
        assert!(again.apply(&c.to_properties()).unwrap().is_empty());
        assert_eq!(again, c);
    }
}
