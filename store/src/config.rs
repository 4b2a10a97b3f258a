//! Store configuration, with Apache RocketMQ's `MessageStoreConfig` key names.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Result, StoreError};

/// When an append is acknowledged relative to the disk (`flushDiskType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FlushDiskType {
    /// `ASYNC_FLUSH`: acknowledge once in the page cache; a background flush follows.
    #[default]
    AsyncFlush,
    /// `SYNC_FLUSH`: acknowledge only after the record is on disk (group commit).
    SyncFlush,
}

/// Store configuration. Field docs give the RocketMQ key and its default.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `storePathRootDir` (default `~/store`): holds `consumequeue/`, `index/`,
    /// `checkpoint`, `abort`, `lock`.
    pub store_path_root_dir: PathBuf,
    /// `storePathCommitLog` (default `<root>/commitlog`).
    pub store_path_commit_log: Option<PathBuf>,
    /// `mapedFileSizeCommitLog`: bytes per CommitLog file (1 GiB).
    pub mapped_file_size_commit_log: usize,
    /// `mapedFileSizeConsumeQueue`: bytes per ConsumeQueue file (300 000 × 20 bytes).
    /// Must be a multiple of 20.
    pub mapped_file_size_consume_queue: usize,
    /// `flushDiskType` (ASYNC_FLUSH).
    pub flush_disk_type: FlushDiskType,
    /// `syncFlushTimeout` (5 s): longest a waiting append waits for its fsync
    /// (FLUSH_DISK_TIMEOUT) or, on a SYNC_MASTER, for a slave (FLUSH_SLAVE_TIMEOUT).
    pub sync_flush_timeout: Duration,
    /// `brokerRole` = SYNC_MASTER (false): a waiting append also waits for a slave to hold
    /// it ([`crate::ha::HaMaster`] reports the slaves' acknowledgements).
    pub sync_master: bool,
    /// `flushIntervalCommitLog` (500 ms): ASYNC_FLUSH flush period.
    pub flush_interval_commit_log: Duration,
    /// `flushCommitLogLeastPages` (4): ASYNC_FLUSH flushes once this many 4 KiB pages
    /// are dirty.
    pub flush_commit_log_least_pages: usize,
    /// `flushCommitLogThoroughInterval` (10 s): flush whatever is dirty at least this often.
    pub flush_commit_log_thorough_interval: Duration,
    /// `flushIntervalConsumeQueue` (1 s): ConsumeQueue, index and checkpoint flush period.
    pub flush_interval_consume_queue: Duration,
    /// `fileReservedTime` (72 h): CommitLog files older than this may be deleted.
    pub file_reserved_time: Duration,
    /// `deleteWhen` ("04"): hours of the day (`;`-separated, local clock as given by the
    /// store's [`crate::Clock`]) when expired files are deleted.
    pub delete_when: String,
    /// `diskMaxUsedSpaceRatio` (75 %, clamped to 10–95 as Java's getter does): above
    /// this disk use, expired files are deleted at any hour.
    pub disk_max_used_space_ratio: u32,
    /// Java system property `rocketmq.broker.diskSpaceCleanForciblyRatio` (0.85): above
    /// this disk use, unexpired files may be deleted (with `cleanFileForciblyEnable`),
    /// and a disk marked full is marked OK again only at or below it.
    pub disk_space_clean_forcibly_ratio: f64,
    /// Java system property `rocketmq.broker.diskSpaceWarningLevelRatio` (0.90): above
    /// this disk use, the disk is marked full and appends are refused
    /// ([`crate::PutStatus::DiskFull`]).
    pub disk_space_warning_level_ratio: f64,
    /// `cleanFileForciblyEnable` (true): above `diskSpaceCleanForciblyRatio`, delete the
    /// oldest CommitLog files even before `fileReservedTime` (a forced deletion, logged
    /// at ERROR with what it destroyed). Off: only expired files are ever deleted, and
    /// a full disk refuses sends until space returns.
    pub clean_file_forcibly_enable: bool,
    /// `cleanResourceInterval` (10 s): retention check period.
    pub clean_resource_interval: Duration,
    /// `deleteFileBatchMax` (10): most CommitLog files deleted per retention pass.
    pub delete_file_batch_max: usize,
    /// `maxMessageSize` (4 MiB): largest body accepted (Java checks the body length).
    pub max_message_size: usize,
    /// `messageIndexEnable` (true): build the IndexFile.
    pub message_index_enable: bool,
    /// `maxHashSlotNum` (5 000 000): hash slots per IndexFile.
    pub max_hash_slot_num: usize,
    /// `maxIndexNum` (20 000 000): entries per IndexFile.
    pub max_index_num: usize,
    /// `maxTransferBytesOnMessageInMemory` (256 KiB): byte limit of one read.
    pub max_transfer_bytes_on_message_in_memory: usize,
    /// `maxTransferCountOnMessageInMemory` (32): message limit of one read.
    pub max_transfer_count_on_message_in_memory: usize,
    /// `warmMappedFileEnable` (false, as in Java): under ASYNC_FLUSH, the thread
    /// that prepares the next CommitLog file also faults all its pages in, writable, so
    /// appends take no page faults (see [`crate::prealloc`]): the writer's CPU per
    /// message about halves. Costs the file's size in page cache ahead of use, as dirty
    /// zero pages the kernel may write back before records overwrite them (when a file
    /// fills slower than the kernel's dirty expiry). Ignored under SYNC_FLUSH, where
    /// that writeback would compete with the group-commit fsyncs and appends wait for
    /// the disk anyway.
    pub warm_mapped_file_enable: bool,
    /// `maxTransferBytesOnMessageInDisk` (64 KiB): byte limit of one read of messages
    /// that are "in disk" (see `access_message_in_memory_max_ratio`).
    pub max_transfer_bytes_on_message_in_disk: usize,
    /// `maxTransferCountOnMessageInDisk` (8): message limit of one read of messages
    /// that are "in disk".
    pub max_transfer_count_on_message_in_disk: usize,
    /// `accessMessageInMemoryMaxRatio` (40 %): a message lying more than this share of
    /// `total_physical_memory` behind the CommitLog's end is "in disk" (likely not in
    /// the page cache): reads of it take the smaller on-disk limits, and the read
    /// suggests pulling from a slave ([`crate::GetResult::suggest_pulling_from_slave`]).
    pub access_message_in_memory_max_ratio: u32,
    /// Physical memory in bytes the ratio above applies to (Java
    /// `StoreUtil.TOTAL_PHYSICAL_MEMORY_SIZE`). Default: `MemTotal` of `/proc/meminfo`;
    /// 0 when unknown, and then every message counts as in memory. Tests set it small.
    pub total_physical_memory: u64,
    /// `checkCRCOnRecover` (true): verify BODYCRC when recovering the CommitLog.
    pub check_crc_on_recover: bool,
    /// STOREHOSTADDRESS stamped into every appended record (the broker's
    /// `brokerIP1:listenPort`); `None` keeps what the record carries. Its address
    /// family must match the records' STOREHOST_V6 bit.
    pub store_host: Option<SocketAddr>,
    /// `messageDelayLevel` in milliseconds, level 1 first (default
    /// `1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h`). The ConsumeQueue
    /// tags code of a [`SCHEDULE_TOPIC`] entry is its store time plus the delay of the
    /// record's `DELAY` level (clamped to the last level; 1 s for a level not in the
    /// table), as Java's `computeDeliverTimestamp`.
    pub delay_levels_ms: Vec<u64>,
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

/// The topic delayed messages wait in, one queue per level (queue id = level − 1).
pub const SCHEDULE_TOPIC: &str = "SCHEDULE_TOPIC_XXXX";

/// RocketMQ's default delay levels in milliseconds.
pub const DEFAULT_DELAY_LEVELS_MS: [u64; 18] = [
    1_000, 5_000, 10_000, 30_000, 60_000, 120_000, 180_000, 240_000, 300_000, 360_000, 420_000,
    480_000, 540_000, 600_000, 1_200_000, 1_800_000, 3_600_000, 7_200_000,
];

impl Default for StoreConfig {
    fn default() -> Self {
        let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
        StoreConfig {
            store_path_root_dir: home.join("store"),
            store_path_commit_log: None,
            mapped_file_size_commit_log: 1024 * 1024 * 1024,
            mapped_file_size_consume_queue: 300_000 * crate::consume_queue::ENTRY_SIZE,
            flush_disk_type: FlushDiskType::AsyncFlush,
            sync_flush_timeout: Duration::from_millis(5000),
            sync_master: false,
            flush_interval_commit_log: Duration::from_millis(500),
            flush_commit_log_least_pages: 4,
            flush_commit_log_thorough_interval: Duration::from_secs(10),
            flush_interval_consume_queue: Duration::from_millis(1000),
            file_reserved_time: Duration::from_secs(72 * 3600),
            delete_when: "04".to_owned(),
            disk_max_used_space_ratio: 75,
            disk_space_clean_forcibly_ratio: 0.85,
            disk_space_warning_level_ratio: 0.90,
            clean_file_forcibly_enable: true,
            clean_resource_interval: Duration::from_secs(10),
            delete_file_batch_max: 10,
            max_message_size: 4 * 1024 * 1024,
            message_index_enable: true,
            max_hash_slot_num: 5_000_000,
            max_index_num: 20_000_000,
            max_transfer_bytes_on_message_in_memory: 256 * 1024,
            max_transfer_count_on_message_in_memory: 32,
            max_transfer_bytes_on_message_in_disk: 64 * 1024,
            max_transfer_count_on_message_in_disk: 8,
            access_message_in_memory_max_ratio: 40,
            total_physical_memory: total_physical_memory(),
            check_crc_on_recover: true,
            warm_mapped_file_enable: false,
            store_host: None,
            delay_levels_ms: DEFAULT_DELAY_LEVELS_MS.to_vec(),
        }
    }
}

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
    pub fn retention_settings(&self) -> RetentionSettings {
        RetentionSettings {
            file_reserved_time: self.file_reserved_time,
            delete_when: self.delete_when.clone(),
            disk_max_used_space_ratio: self.disk_max_used_space_ratio,
            disk_space_clean_forcibly_ratio: self.disk_space_clean_forcibly_ratio,
            disk_space_warning_level_ratio: self.disk_space_warning_level_ratio,
            clean_file_forcibly_enable: self.clean_file_forcibly_enable,
            clean_resource_interval: self.clean_resource_interval,
        }
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
        if self.mapped_file_size_commit_log < 4096 {
            return bad("mapedFileSizeCommitLog must be at least 4096");
        }
        let cq = self.mapped_file_size_consume_queue;
        if cq == 0 || !cq.is_multiple_of(crate::consume_queue::ENTRY_SIZE) {
            return bad("mapedFileSizeConsumeQueue must be a positive multiple of 20");
        }
        if self.max_hash_slot_num == 0 || self.max_index_num < 2 {
            return bad("maxHashSlotNum must be > 0 and maxIndexNum > 1");
        }
        if self.max_hash_slot_num > i32::MAX as usize || self.max_index_num > i32::MAX as usize {
            return bad("maxHashSlotNum and maxIndexNum must fit an i32");
        }
        if self.mapped_file_size_commit_log > i32::MAX as usize {
            return bad("mapedFileSizeCommitLog must fit an i32 (BLANK TOTALSIZE)");
        }
        if self.max_message_size == 0 {
            return bad("maxMessageSize must be > 0");
        }
        Ok(())
    }
}
