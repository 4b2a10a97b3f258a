//! Store configuration: the keys of Apache RocketMQ's `MessageStoreConfig` that the store
//! honours, declared once here. The broker embeds [`StoreConfig`] in its own settings, so
//! `broker.conf`, `-p`, GET_BROKER_CONFIG and UPDATE_BROKER_CONFIG see these keys as the
//! broker's, under Java's names.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use cometmq_remoting::settings::SettingError;
use cometmq_remoting::{setting_enum, settings};

use crate::error::{Result, StoreError};

setting_enum! {
    /// When an append is acknowledged relative to the disk (`flushDiskType`).
    pub enum FlushDiskType {
        /// `ASYNC_FLUSH`: acknowledge once in the page cache; a background flush follows.
        AsyncFlush = "ASYNC_FLUSH",
        /// `SYNC_FLUSH`: acknowledge only after the record is on disk (group commit).
        SyncFlush = "SYNC_FLUSH",
    }
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from)
}

settings! {
    /// Store configuration. Field docs give the RocketMQ key; defaults are RocketMQ's.
    /// Fields without a key are set by the program (the broker), not by a config file.
    pub struct StoreConfig {
        /// `storePathRootDir` (default `~/store`): holds `consumequeue/`, `index/`,
        /// `checkpoint`, `abort`, `lock`, and the broker's `config/`.
        store_path_root_dir: PathBuf = "storePathRootDir", home().join("store");
        /// `storePathCommitLog` (empty: `<storePathRootDir>/commitlog`).
        store_path_commit_log: Option<PathBuf> = "storePathCommitLog", None;
        /// `mappedFileSizeCommitLog`: bytes per CommitLog file (1 GiB). RocketMQ 4.0–4.4's
        /// spelling `mapedFileSizeCommitLog` is accepted too (the broker's alias).
        mapped_file_size_commit_log: usize = "mappedFileSizeCommitLog", 1024 * 1024 * 1024;
        /// `mappedFileSizeConsumeQueue`: bytes per ConsumeQueue file (300 000 × 20 bytes).
        /// Must be a multiple of 20.
        mapped_file_size_consume_queue: usize = "mappedFileSizeConsumeQueue", 300_000 * crate::consume_queue::ENTRY_SIZE;
        /// `flushDiskType` (ASYNC_FLUSH).
        flush_disk_type: FlushDiskType = "flushDiskType", FlushDiskType::AsyncFlush;
        /// `syncFlushTimeout` (5000 ms): longest a waiting append waits for its fsync
        /// (FLUSH_DISK_TIMEOUT) or, on a SYNC_MASTER, for a slave (FLUSH_SLAVE_TIMEOUT).
        sync_flush_timeout: Duration = "syncFlushTimeout" in Millis, Duration::from_millis(5000);
        /// `flushIntervalCommitLog` (500 ms): ASYNC_FLUSH flush period.
        flush_interval_commit_log: Duration = "flushIntervalCommitLog" in Millis, Duration::from_millis(500);
        /// `flushCommitLogLeastPages` (4): ASYNC_FLUSH flushes once this many 4 KiB pages
        /// are dirty.
        flush_commit_log_least_pages: usize = "flushCommitLogLeastPages", 4;
        /// `flushCommitLogThoroughInterval` (10000 ms): flush whatever is dirty at least
        /// this often.
        flush_commit_log_thorough_interval: Duration = "flushCommitLogThoroughInterval" in Millis, Duration::from_secs(10);
        /// `flushIntervalConsumeQueue` (1000 ms): ConsumeQueue, index and checkpoint flush
        /// period.
        flush_interval_consume_queue: Duration = "flushIntervalConsumeQueue" in Millis, Duration::from_millis(1000);
        /// `fileReservedTime` (72 hours): CommitLog files older than this may be deleted.
        file_reserved_time: Duration = "fileReservedTime" in Hours, Duration::from_secs(72 * 3600);
        /// `deleteWhen` ("04"): hours of the day (`;`-separated, local clock as given by
        /// the store's [`crate::Clock`]) when expired files are deleted.
        delete_when: String = "deleteWhen", "04".to_owned();
        /// `diskMaxUsedSpaceRatio` (75 %, clamped to 10–95 as Java's getter does): above
        /// this disk use, expired files are deleted at any hour.
        disk_max_used_space_ratio: u32 = "diskMaxUsedSpaceRatio", 75;
        /// RocketMQ 4.9.8's JVM system property (a fraction, e.g. 0.90), accepted as a
        /// key: above this disk use the disk is marked full and appends are refused
        /// ([`crate::PutStatus::DiskFull`]). Empty: from `diskSpaceWarningLevelRatio`.
        disk_space_warning_level_ratio_property: String = "rocketmq.broker.diskSpaceWarningLevelRatio", String::new();
        /// RocketMQ 4.9.8's JVM system property (a fraction, e.g. 0.85), accepted as a
        /// key: above this disk use unexpired files may be deleted (with
        /// `cleanFileForciblyEnable`), and a full disk is OK again only at or below it.
        /// Empty: from `diskSpaceCleanForciblyRatio`.
        disk_space_clean_forcibly_ratio_property: String = "rocketmq.broker.diskSpaceCleanForciblyRatio", String::new();
        /// RocketMQ 5's key (%) for the warning level, clamped to 35–90.
        disk_space_warning_level_ratio: u32 = "diskSpaceWarningLevelRatio", 90;
        /// RocketMQ 5's key (%) for forced cleaning, clamped to 30–85.
        disk_space_clean_forcibly_ratio: u32 = "diskSpaceCleanForciblyRatio", 85;
        /// `cleanFileForciblyEnable` (true): above the clean-forcibly ratio, delete the
        /// oldest CommitLog files even before `fileReservedTime` (a forced deletion,
        /// logged at ERROR with what it destroyed). Off: only expired files are ever
        /// deleted, and a full disk refuses sends until space returns.
        clean_file_forcibly_enable: bool = "cleanFileForciblyEnable", true;
        /// `cleanResourceInterval` (10000 ms): retention check period.
        clean_resource_interval: Duration = "cleanResourceInterval" in Millis, Duration::from_secs(10);
        /// `deleteFileBatchMax` (10): most CommitLog files deleted per retention pass.
        delete_file_batch_max: usize = "deleteFileBatchMax", 10;
        /// `maxMessageSize` (4 MiB): largest body accepted (Java checks the body length).
        max_message_size: usize = "maxMessageSize", 4 * 1024 * 1024;
        /// `messageIndexEnable` (true): build the IndexFile.
        message_index_enable: bool = "messageIndexEnable", true;
        /// `maxHashSlotNum` (5 000 000): hash slots per IndexFile.
        max_hash_slot_num: usize = "maxHashSlotNum", 5_000_000;
        /// `maxIndexNum` (20 000 000): entries per IndexFile.
        max_index_num: usize = "maxIndexNum", 20_000_000;
        /// `maxTransferBytesOnMessageInMemory` (256 KiB): byte limit of one read.
        max_transfer_bytes_on_message_in_memory: usize = "maxTransferBytesOnMessageInMemory", 256 * 1024;
        /// `maxTransferCountOnMessageInMemory` (32): message limit of one read.
        max_transfer_count_on_message_in_memory: usize = "maxTransferCountOnMessageInMemory", 32;
        /// `maxTransferBytesOnMessageInDisk` (64 KiB): byte limit of one read of messages
        /// that are "in disk" (see `access_message_in_memory_max_ratio`).
        max_transfer_bytes_on_message_in_disk: usize = "maxTransferBytesOnMessageInDisk", 64 * 1024;
        /// `maxTransferCountOnMessageInDisk` (8): message limit of one read of messages
        /// that are "in disk".
        max_transfer_count_on_message_in_disk: usize = "maxTransferCountOnMessageInDisk", 8;
        /// `accessMessageInMemoryMaxRatio` (40 %): a message lying more than this share of
        /// `total_physical_memory` behind the CommitLog's end is "in disk" (likely not in
        /// the page cache): reads of it take the smaller on-disk limits, and the read
        /// suggests pulling from a slave ([`crate::GetResult::suggest_pulling_from_slave`]).
        access_message_in_memory_max_ratio: u32 = "accessMessageInMemoryMaxRatio", 40;
        /// `warmMappedFileEnable` (false, as in Java; Java spells it `warmMapedFileEnable`,
        /// the broker's alias): under ASYNC_FLUSH, the thread that prepares the next
        /// CommitLog file also faults all its pages in, writable, so appends take no page
        /// faults (see [`crate::prealloc`]): the writer's CPU per message about halves.
        /// Costs the file's size in page cache ahead of use, as dirty zero pages the
        /// kernel may write back before records overwrite them (when a file fills slower
        /// than the kernel's dirty expiry). Ignored under SYNC_FLUSH, where that
        /// writeback would compete with the group-commit fsyncs and appends wait for the
        /// disk anyway.
        warm_mapped_file_enable: bool = "warmMappedFileEnable", false;
        /// `checkCRCOnRecover` (true): verify BODYCRC when recovering the CommitLog.
        check_crc_on_recover: bool = "checkCRCOnRecover", true;
        /// `inSyncReplicas` (RocketMQ 5; the master counts itself): on a SYNC_MASTER, a
        /// waiting append waits for `n - 1` slaves; 1 or less does not wait for any (5.x's
        /// default). Not set: one slave, as RocketMQ 4.9 (which has no such key).
        in_sync_replicas: Option<i32> = "inSyncReplicas", None;
        /// A SYNC_MASTER (the broker's `brokerRole`): a waiting append also waits for a
        /// slave to hold it ([`crate::ha::HaMaster`] reports the slaves'
        /// acknowledgements).
        sync_master: bool, false;
        /// Physical memory in bytes `accessMessageInMemoryMaxRatio` applies to (Java
        /// `StoreUtil.TOTAL_PHYSICAL_MEMORY_SIZE`). Default: `MemTotal` of
        /// `/proc/meminfo`; 0 when unknown, and then every message counts as in memory.
        /// Tests set it small.
        total_physical_memory: u64, total_physical_memory();
        /// STOREHOSTADDRESS stamped into every appended record (the broker's
        /// `brokerIP1:listenPort`); `None` keeps what the record carries. Its address
        /// family must match the records' STOREHOST_V6 bit.
        store_host: Option<SocketAddr>, None;
        /// The broker's `messageDelayLevel` in milliseconds, level 1 first (default
        /// `1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h`). The
        /// ConsumeQueue tags code of a [`SCHEDULE_TOPIC`] entry is its store time plus
        /// the delay of the record's `DELAY` level (clamped to the last level; 1 s for a
        /// level not in the table), as Java's `computeDeliverTimestamp`.
        delay_levels_ms: Vec<u64>, DEFAULT_DELAY_LEVELS_MS.to_vec();
    }
}

/// The settings retention and the disk check read on every pass. They start as the
/// [`StoreConfig`]'s and may be changed while the store runs
/// ([`crate::MessageStore::set_retention_settings`]), as Java's services read them from
/// its live `MessageStoreConfig` (UPDATE_BROKER_CONFIG).
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionSettings {
    /// `fileReservedTime`.
    pub file_reserved_time: Duration,
    /// `deleteWhen`.
    pub delete_when: String,
    /// `diskMaxUsedSpaceRatio` (%).
    pub disk_max_used_space_ratio: u32,
    /// `diskSpaceCleanForciblyRatio` (fraction).
    pub disk_space_clean_forcibly_ratio: f64,
    /// `diskSpaceWarningLevelRatio` (fraction).
    pub disk_space_warning_level_ratio: f64,
    /// `cleanFileForciblyEnable`.
    pub clean_file_forcibly_enable: bool,
    /// `cleanResourceInterval`.
    pub clean_resource_interval: Duration,
}

/// The ASYNC_FLUSH settings the flush thread reads every round. They start as the
/// [`StoreConfig`]'s and may be changed while the store runs
/// ([`crate::MessageStore::set_flush_settings`]), as Java's `FlushRealTimeService` reads
/// them from its live `MessageStoreConfig` (UPDATE_BROKER_CONFIG).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushSettings {
    /// `flushIntervalCommitLog`.
    pub interval: Duration,
    /// `flushCommitLogLeastPages`.
    pub least_pages: usize,
    /// `flushCommitLogThoroughInterval`.
    pub thorough_interval: Duration,
}

/// The topic delayed messages wait in, one queue per level (queue id = level − 1).
pub const SCHEDULE_TOPIC: &str = "SCHEDULE_TOPIC_XXXX";

/// RocketMQ's default delay levels in milliseconds.
pub const DEFAULT_DELAY_LEVELS_MS: [u64; 18] = [
    1_000, 5_000, 10_000, 30_000, 60_000, 120_000, 180_000, 240_000, 300_000, 360_000, 420_000,
    480_000, 540_000, 600_000, 1_200_000, 1_800_000, 3_600_000, 7_200_000,
];

/// `MemTotal` from `/proc/meminfo` in bytes, 0 when unknown.
pub fn total_physical_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb.saturating_mul(1024))
}

impl StoreConfig {
    /// Defaults rooted at `root`.
    pub fn with_root(root: impl Into<PathBuf>) -> Self {
        StoreConfig {
            store_path_root_dir: root.into(),
            ..StoreConfig::default()
        }
    }

    /// The retention settings this config starts with.
    /// (A ratio key that does not parse is refused by [`Self::disk_space_ratios`] when
    /// the config is loaded; here it falls back to Java's defaults.)
    pub fn retention_settings(&self) -> RetentionSettings {
        let (warning, forcibly) = self.disk_space_ratios().unwrap_or((0.90, 0.85));
        RetentionSettings {
            file_reserved_time: self.file_reserved_time,
            delete_when: self.delete_when.clone(),
            disk_max_used_space_ratio: self.disk_max_used_space_ratio,
            disk_space_clean_forcibly_ratio: forcibly,
            disk_space_warning_level_ratio: warning,
            clean_file_forcibly_enable: self.clean_file_forcibly_enable,
            clean_resource_interval: self.clean_resource_interval.max(Duration::from_millis(1)),
        }
    }

    /// The flush settings this config starts with.
    pub fn flush_settings(&self) -> FlushSettings {
        FlushSettings {
            interval: self.flush_interval_commit_log,
            least_pages: self.flush_commit_log_least_pages,
            thorough_interval: self.flush_commit_log_thorough_interval,
        }
    }

    /// The disk-full thresholds as fractions: (warning level, clean forcibly). As Java
    /// does: the 4.9.8 system-property keys when set (as given), else the RocketMQ 5
    /// percent keys, clamped to 0.35–0.90 and 0.30–0.85. An unparsable property is an
    /// error naming it.
    pub fn disk_space_ratios(&self) -> std::result::Result<(f64, f64), SettingError> {
        fn pick(
            property: &str,
            key: &str,
            percent: u32,
            lo: f64,
            hi: f64,
        ) -> std::result::Result<f64, SettingError> {
            let property_value = property.trim();
            if property_value.is_empty() {
                return Ok((f64::from(percent) / 100.0).clamp(lo, hi));
            }
            match property_value.parse::<f64>() {
                Ok(v) if v.is_finite() && v > 0.0 && v <= 1.0 => Ok(v),
                _ => Err(SettingError {
                    key: key.into(),
                    value: property.to_string(),
                    expected: "a fraction of the disk, above 0 and at most 1",
                }),
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

    /// How far (bytes) behind the CommitLog's end a message may lie and still count
    /// as in memory; `None` when the memory size is unknown (all in memory).
    pub fn in_memory_span(&self) -> Option<i64> {
        if self.total_physical_memory == 0 {
            return None;
        }
        let span = self.total_physical_memory as f64
            * (f64::from(self.access_message_in_memory_max_ratio) / 100.0);
        Some(span as i64)
    }

    /// The CommitLog directory.
    pub fn commit_log_dir(&self) -> PathBuf {
        self.store_path_commit_log
            .clone()
            .unwrap_or_else(|| self.store_path_root_dir.join("commitlog"))
    }

    /// The ConsumeQueue directory.
    pub fn consume_queue_dir(&self) -> PathBuf {
        self.store_path_root_dir.join("consumequeue")
    }

    /// The IndexFile directory.
    pub fn index_dir(&self) -> PathBuf {
        self.store_path_root_dir.join("index")
    }

    /// The delivery time of a schedule-topic record stored at `store_timestamp` with
    /// property `DELAY` = `level`; `None` when `level` is not positive (the entry then
    /// keeps the ordinary tags code).
    pub fn deliver_timestamp(&self, level: i32, store_timestamp: i64) -> Option<i64> {
        if level <= 0 {
            return None;
        }
        let max = self.delay_levels_ms.len();
        let index = (level as usize).min(max.max(1)) - 1;
        let delay = self.delay_levels_ms.get(index).copied().unwrap_or(1000);
        Some(store_timestamp.saturating_add(i64::try_from(delay).unwrap_or(i64::MAX)))
    }

    /// Checks sizes and ratios.
    pub(crate) fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(StoreError::Config(what.to_owned()));
        if let Err(e) = self.disk_space_ratios() {
            return Err(StoreError::Config(e.to_string()));
        }
        if self.mapped_file_size_commit_log < 4096 {
            return bad("mappedFileSizeCommitLog must be at least 4096");
        }
        let cq = self.mapped_file_size_consume_queue;
        if cq == 0 || !cq.is_multiple_of(crate::consume_queue::ENTRY_SIZE) {
            return bad("mappedFileSizeConsumeQueue must be a positive multiple of 20");
        }
        if self.max_hash_slot_num == 0 || self.max_index_num < 2 {
            return bad("maxHashSlotNum must be > 0 and maxIndexNum > 1");
        }
        if self.max_hash_slot_num > i32::MAX as usize || self.max_index_num > i32::MAX as usize {
            return bad("maxHashSlotNum and maxIndexNum must fit an i32");
        }
        if self.mapped_file_size_commit_log > i32::MAX as usize {
            return bad("mappedFileSizeCommitLog must fit an i32 (BLANK TOTALSIZE)");
        }
        if self.max_message_size == 0 {
            return bad("maxMessageSize must be > 0");
        }
        Ok(())
    }
}
