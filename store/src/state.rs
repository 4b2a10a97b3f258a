//! Everything the store's threads share, owned by one `Arc`.
//!
//! Ownership: the CommitLog appender is used by append callers (under its mutex); the
//! ConsumeQueues and the index are written only by the dispatcher; the flush thread
//! syncs the CommitLog; the retention thread deletes old files. Topic deletions are
//! performed by the dispatcher (see [`crate::topic_delete`]). Readers use the
//! published parts of everything.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use parking_lot::RwLock;
use tokio::sync::watch;

use crate::checkpoint::Checkpoint;
use crate::commit_log::CommitLog;
use crate::config::{RetentionSettings, StoreConfig};
use crate::consume_queue_table::ConsumeQueueTable;
use crate::disk_usage::DiskUsage;
use crate::durability::Durability;
use crate::flush::FlushService;
use crate::forced_loss::{ConsumerProgress, ForcedDeletionCounters};
use crate::message_index::MessageIndex;
use crate::run_guard::RunGuard;
use crate::topic_delete::{Deletions, Tombstones};
use crate::wakeup::Wakeup;
use cometmq_remoting::clock::Clock;

/// StoreState store state.
#[derive(Debug)]
pub(crate) struct StoreState {
    pub(crate) config: StoreConfig,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) disk: Arc<dyn DiskUsage>,
    pub(crate) log: CommitLog,
    pub(crate) queues: ConsumeQueueTable,
    pub(crate) index: Option<MessageIndex>,
    pub(crate) checkpoint: Checkpoint,
    pub(crate) flush: FlushService,
    /// What waiting appends wait on besides the flush: a SYNC_MASTER's slaves.
    pub(crate) durability: Durability,
    /// Wakes the dispatcher after appends.
    pub(crate) dispatch_wakeup: Wakeup,
    /// Wakes the retention thread (only to stop it).
    pub(crate) retention_wakeup: Wakeup,
    /// CommitLog offset up to which records are dispatched.
    pub(crate) dispatched: watch::Sender<i64>,
    /// Disk use went above `diskSpaceWarningLevelRatio` and has not come back to
    /// `diskSpaceCleanForciblyRatio`: appends are refused (owned by
    /// [`crate::disk_space`]).
    pub(crate) disk_full: AtomicBool,
    /// Shutdown started: appends are refused.
    pub(crate) shutting_down: AtomicBool,
    pub(crate) guard: RunGuard,
    /// Topic deletions waiting for the dispatcher.
    pub(crate) deletions: Deletions,
    /// Deleted topics' CommitLog ranges, never dispatched again.
    pub(crate) tombstones: Tombstones,
    /// The broker's committed consumer offsets (set once the broker has them).
    pub(crate) consumer_progress: RwLock<Option<Arc<dyn ConsumerProgress>>>,
    /// Totals of forced deletions.
    pub(crate) forced_deletions: ForcedDeletionCounters,
    /// The live retention settings (owned here; `config` holds their start values).
    pub(crate) retention_settings: RwLock<RetentionSettings>,
}

impl StoreState {
    /// The retention settings now.
    pub(crate) fn retention(&self) -> RetentionSettings {
        self.retention_settings.read().clone()
    }

    /// The consumer progress source, if the broker set one.
    pub(crate) fn progress(&self) -> Option<Arc<dyn ConsumerProgress>> {
        self.consumer_progress.read().clone()
    }
}
