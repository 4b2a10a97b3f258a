//! [`MessageStore`]: the public face of the storage engine.
//!
//! Threads: one flush thread (CommitLog fsync, group commit), one dispatcher
//! (ConsumeQueues, index, checkpoint), one retention thread, one preparing the next
//! CommitLog file. Appends run on the caller's
//! task: validation and encoding outside any lock, then a short copy under the
//! CommitLog appender mutex; waiting appends then await their durability
//! ([`crate::durability`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use bytes::{Bytes, BytesMut};
use tokio::sync::watch;
use tracing::warn;

use crate::checkpoint::Checkpoint;
use crate::clock::{Clock, DiskUsage, StatvfsDiskUsage, SystemClock};
use crate::commit_log::{AppendRequest, Appender, CommitLog};
use crate::config::{FlushDiskType, StoreConfig};
use crate::dispatch::Dispatcher;
use crate::durability::{self, Durability};
use crate::error::{IoContext, Result, StoreError};
use crate::flush::FlushService;
use crate::index::Index;
use crate::prealloc::Preallocator;
use crate::queues::Queues;
use crate::read::{self, MessageFilter};
use crate::recovery;
use crate::retention::{self, RetentionReport};
use crate::run_guard::RunGuard;
use crate::shared::Shared;
use crate::signal::Signal;
use crate::status::{Appended, GetResult, PutResult, PutStatus, QueryResult};
use crate::topic_delete::{Deletion, Deletions, Tombstones};
use crate::validate::check;

/// How an append waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PutOptions {
    /// The buffer holds several records for one queue (consecutive queue offsets).
    pub batch: bool,
    /// Java's `waitStoreMsgOK` (the message's `WAIT` property, default true): wait for
    /// the fsync under SYNC_FLUSH and for a slave under SYNC_MASTER
    /// (`store/src/durability.rs`); nothing to wait for under ASYNC_FLUSH and ASYNC_MASTER.
    pub wait: bool,
}

impl Default for PutOptions {
    fn default() -> Self {
        PutOptions {
            batch: false,
            wait: true,
        }
    }
}

/// An open store directory. Cheap to share behind an `Arc`; every method takes `&self`.
#[derive(Debug)]
pub struct MessageStore {
    shared: Arc<Shared>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// Prepares the next CommitLog file; stopped (and its unused file deleted) at
    /// shutdown.
    prealloc: Arc<Preallocator>,
    closed: AtomicBool,
    /// CommitLog end after the latest append (local or replicated): wakes the HA
    /// streamers. Only grows.
    log_end: watch::Sender<i64>,
}

impl MessageStore {
    /// Opens (creating if needed) the store described by `config`, recovers it, and
    /// starts its threads. Uses the system clock and `statvfs` disk usage.
    pub fn open(config: StoreConfig) -> Result<MessageStore> {
        MessageStore::open_with(config, Arc::new(SystemClock), Arc::new(StatvfsDiskUsage))
    }

    /// [`MessageStore::open`] with an injected clock and disk-usage source.
    pub fn open_with(
        config: StoreConfig,
        clock: Arc<dyn Clock>,
        disk: Arc<dyn DiskUsage>,
    ) -> Result<MessageStore> {
        config.validate()?;
        let root = config.store_path_root_dir.clone();
        let guard = RunGuard::acquire(&root)?;
        let crashed = guard.last_exit_crashed;
        let log_dir = config.commit_log_dir();
        std::fs::create_dir_all(&log_dir).at(&log_dir)?;
        let checkpoint = Checkpoint::open(&root.join("checkpoint"))?;
        let cp = *checkpoint.values();
        let rec = recovery::recover_commit_log(
            &log_dir,
            config.mapped_file_size_commit_log,
            crashed,
            &cp,
            config.message_index_enable,
            config.check_crc_on_recover,
        )?;
        let queues = Queues::load(
            &config.consume_queue_dir(),
            config.mapped_file_size_consume_queue,
            rec.end,
        )?;
        let tombstones = Tombstones::load(&config.consume_queue_dir())?;
        let log_min = rec.segments.min_offset();
        for q in queues.all() {
            q.correct_min_offset(log_min);
        }
        let dispatch_from = rec.redispatch_from.unwrap_or_else(|| {
            let cq_end = queues
                .all()
                .iter()
                .map(|q| q.max_phys_end())
                .max()
                .unwrap_or(0);
            cq_end.clamp(log_min, rec.end.max(log_min))
        });
        let index = if config.message_index_enable {
            Some(Index::load(
                &config.index_dir(),
                config.max_hash_slot_num,
                config.max_index_num,
                crashed.then_some(dispatch_from),
            )?)
        } else {
            None
        };
        let log = CommitLog::new(rec.segments, Appender::new(rec.tail, HashMap::new()));
        let prealloc = Arc::new(
            Preallocator::start(
                log_dir.clone(),
                config.mapped_file_size_commit_log,
                config.warm_mapped_file_enable
                    && config.flush_disk_type == FlushDiskType::AsyncFlush,
            )
            .at(&log_dir)?,
        );
        log.appender()
            .use_preallocator(Arc::clone(&prealloc), config.mapped_file_size_commit_log);
        let retention_settings = std::sync::RwLock::new(config.retention_settings());
        let shared = Arc::new(Shared {
            config,
            clock,
            disk,
            log,
            queues,
            index,
            checkpoint,
            flush: FlushService::default(),
            durability: Durability::default(),
            dispatch_signal: Signal::default(),
            retention_signal: Signal::default(),
            dispatched: watch::Sender::new(dispatch_from),
            disk_full: AtomicBool::new(false),
            shutting_down: AtomicBool::new(false),
            guard,
            deletions: Deletions::default(),
            tombstones,
            consumer_progress: std::sync::RwLock::new(None),
            forced_deletions: Default::default(),
            retention_settings,
        });
        let mut dispatcher = Dispatcher::new(dispatch_from);
        while dispatcher.run_once(&shared) {}
        if dispatcher.next() < shared.log.max_offset() {
            warn!(
                at = dispatcher.next(),
                end = shared.log.max_offset(),
                "records left undispatched at open"
            );
        }
        shared
            .log
            .appender()
            .set_queue_offsets(shared.queues.max_offsets());
        dispatcher.flush_logics(&shared)?;
        retention::run(&shared)?;

        let mut threads = Vec::new();
        let spawn = |name: &str, f: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new()
                .name(name.to_owned())
                .spawn(f)
                .at(&root)
        };
        let s = Arc::clone(&shared);
        threads.push(spawn(
            "store-flush",
            Box::new(move || s.flush.run(&s.log, &s.checkpoint, &s.config)),
        )?);
        let s = Arc::clone(&shared);
        threads.push(spawn(
            "store-dispatch",
            Box::new(move || dispatcher.run(&s)),
        )?);
        let s = Arc::clone(&shared);
        threads.push(spawn(
            "store-retention",
            Box::new(move || retention::thread(&s)),
        )?);
        let log_end = watch::Sender::new(shared.log.max_offset());
        Ok(MessageStore {
            shared,
            threads: Mutex::new(threads),
            prealloc,
            closed: AtomicBool::new(false),
            log_end,
        })
    }

    /// The shared state (the HA server's tracker attachment; unit tests of other modules).
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The configuration in use.
    pub fn config(&self) -> &StoreConfig {
        &self.shared.config
    }

    /// Whether the last run ended without a clean shutdown (abnormal recovery ran).
    pub fn recovered_from_crash(&self) -> bool {
        self.shared.guard.last_exit_crashed
    }

    /// Appends one encoded record (from [`cometmq_remoting::message::encode_record`]);
    /// the store stamps QUEUEOFFSET, PHYSICALOFFSET, STORETIMESTAMP and (if configured)
    /// STOREHOSTADDRESS. Under SYNC_FLUSH it resolves once the record is on disk.
    pub async fn append(&self, record: BytesMut) -> PutResult {
        self.put(record, PutOptions::default()).await
    }

    /// Appends several encoded records of one topic queue, back to back, with
    /// consecutive queue offsets, in one file.
    pub async fn append_batch(&self, records: BytesMut) -> PutResult {
        let opts = PutOptions {
            batch: true,
            ..PutOptions::default()
        };
        self.put(records, opts).await
    }

    /// Appends with explicit options; with `opts.wait`, resolves once the records are as
    /// durable as the store's settings ask (`store/src/durability.rs`).
    pub async fn put(&self, mut records: BytesMut, opts: PutOptions) -> PutResult {
        let appended = match self.put_now(&mut records, opts.batch) {
            Ok(a) => a,
            Err(status) => return PutResult::failed(status),
        };
        let status = if opts.wait {
            durability::wait(&self.shared, appended.end_offset()).await
        } else {
            PutStatus::PutOk
        };
        PutResult {
            status,
            appended: Some(appended),
        }
    }

    /// The synchronous part of an append: validate, write, wake the dispatcher.
    fn put_now(&self, records: &mut BytesMut, batch: bool) -> Result<Appended, PutStatus> {
        let shared = &self.shared;
        if shared.shutting_down.load(Ordering::Acquire) {
            return Err(PutStatus::ServiceNotAvailable);
        }
        if shared.disk_full.load(Ordering::Acquire) {
            return Err(PutStatus::DiskFull);
        }
        let c = check(records, batch, shared.config.max_message_size)?;
        let appended = {
            let mut app = shared.log.appender();
            let req = AppendRequest {
                records: &mut records[..],
                starts: if batch { &c.starts } else { &[0] },
                topic: c.topic,
                queue_id: c.queue_id,
                tran_type: c.tran_type,
                now_ms: shared.clock.now_ms(),
                store_host: shared.config.store_host,
            };
            app.append(shared.log.segments(), req)?
        };
        shared.dispatch_signal.raise();
        self.announce_log_end(appended.end_offset());
        Ok(appended)
    }

    /// Appends raw CommitLog bytes at `phys_offset` (replication: the slave copies the
    /// master's log verbatim). `phys_offset` must equal [`Self::max_phys_offset`]
    /// (or, on an empty store, a file boundary). Returns the new max offset. The queue
    /// offset table is not updated; reopen the store before appending locally.
    pub fn append_raw(&self, phys_offset: i64, data: &[u8]) -> Result<i64> {
        if self.shared.shutting_down.load(Ordering::Acquire) {
            return Err(StoreError::Shutdown);
        }
        let end =
            self.shared
                .log
                .appender()
                .append_raw(self.shared.log.segments(), phys_offset, data)?;
        self.shared.dispatch_signal.raise();
        self.announce_log_end(end);
        Ok(end)
    }

    /// A receiver of the CommitLog end, updated after every append (local or
    /// [`Self::append_raw`]): the HA stream waits on it for new bytes.
    pub fn subscribe_log_end(&self) -> watch::Receiver<i64> {
        self.log_end.subscribe()
    }

    fn announce_log_end(&self, end: i64) {
        self.log_end.send_if_modified(|v| {
            let grew = end > *v;
            if grew {
                *v = end;
            }
            grew
        });
    }

    /// Up to `max_len` raw CommitLog bytes from `phys_offset`, within one file (the
    /// replication stream). `None` when nothing is there yet.
    pub fn read_raw(&self, phys_offset: i64, max_len: usize) -> Option<Bytes> {
        self.shared.log.raw(phys_offset, max_len)
    }

    /// Reads up to `max_count` messages of a queue from `offset` whose tags code passes
    /// `filter` (see [`GetResult`] and reference §3.4). `_group` is accepted for API
    /// parity with Java and not used by the store.
    pub fn get_messages(
        &self,
        _group: Option<&str>,
        topic: &str,
        queue_id: i32,
        offset: i64,
        max_count: usize,
        filter: &dyn MessageFilter,
    ) -> GetResult {
        read::get_messages(&self.shared, topic, queue_id, offset, max_count, filter)
    }

    /// The record stored at CommitLog offset `phys_offset`.
    pub fn get_message_at(&self, phys_offset: i64) -> Option<Bytes> {
        self.shared.log.record_at(phys_offset)
    }

    /// Messages of `topic` whose UNIQ_KEY or one of whose KEYS is `key`, stored within
    /// `[begin_ms, end_ms]`, newest first, at most `max`.
    pub fn query_by_key(
        &self,
        topic: &str,
        key: &str,
        max: usize,
        begin_ms: i64,
        end_ms: i64,
    ) -> QueryResult {
        read::query_by_key(&self.shared, topic, key, max, begin_ms, end_ms)
    }

    /// The first offset of the queue whose message was stored at or after
    /// `timestamp_ms`; the max offset if none (0 for an unknown queue).
    pub fn offset_by_time(&self, topic: &str, queue_id: i32, timestamp_ms: i64) -> i64 {
        read::offset_by_time(&self.shared, topic, queue_id, timestamp_ms)
    }

    /// The queue's min offset (0 if unknown).
    pub fn min_offset(&self, topic: &str, queue_id: i32) -> i64 {
        self.shared
            .queues
            .get(topic, queue_id)
            .map_or(0, |q| q.min_offset())
    }

    /// The queue's max offset: one past its last dispatched message (0 if unknown).
    pub fn max_offset(&self, topic: &str, queue_id: i32) -> i64 {
        self.shared
            .queues
            .get(topic, queue_id)
            .map_or(0, |q| q.max_offset())
    }

    /// Deletes every ConsumeQueue of `topic` — files, in-memory state and next queue
    /// offsets (Java `deleteTopics`) — and returns how many queues went. A topic
    /// re-created with the same name starts at offset 0 and does not see the old
    /// messages, also after a restart; the records stay in the CommitLog (and in the
    /// IndexFile) until retention. Blocks until the dispatcher has dispatched every
    /// record appended before the call and performed the deletion: call it from
    /// `spawn_blocking` in async code.
    pub fn delete_topic(&self, topic: &str) -> Result<usize> {
        let (done, rx) = std::sync::mpsc::channel();
        {
            let mut app = self.shared.log.appender();
            // Checked under the appender mutex, which shutdown takes once after setting
            // the flag: a deletion queued here is seen by the dispatcher's last pass.
            if self.shared.shutting_down.load(Ordering::Acquire) {
                return Err(StoreError::Shutdown);
            }
            app.remove_topic(topic);
            self.shared.deletions.push(Deletion {
                topic: topic.to_owned(),
                upto: self.shared.log.max_offset(),
                done,
            });
        }
        self.shared.dispatch_signal.raise();
        rx.recv().map_err(|_| StoreError::Shutdown)?
    }

    /// Every known queue `(topic, queue id)`.
    pub fn queues(&self) -> Vec<(String, i32)> {
        let mut v: Vec<_> = self
            .shared
            .queues
            .all()
            .iter()
            .map(|q| (q.topic().to_owned(), q.queue_id()))
            .collect();
        v.sort();
        v
    }

    /// Store time of the oldest message still in the CommitLog.
    pub fn earliest_time(&self) -> Option<i64> {
        let log = &self.shared.log;
        log.store_timestamp_at(log.min_offset())
            .filter(|_| log.max_offset() > log.min_offset())
    }

    /// Store time of the oldest message of a queue.
    pub fn earliest_time_in_queue(&self, topic: &str, queue_id: i32) -> Option<i64> {
        read::earliest_time_in_queue(&self.shared, topic, queue_id)
    }

    /// Store time of the message at a queue offset.
    pub fn store_time_at(&self, topic: &str, queue_id: i32, offset: i64) -> Option<i64> {
        let e = self.shared.queues.get(topic, queue_id)?.entry(offset)?;
        self.shared.log.store_timestamp_at(e.phys_offset)
    }

    /// The ConsumeQueue entry at a queue offset: CommitLog offset, size and tags code
    /// (the delivery time for [`crate::config::SCHEDULE_TOPIC`] entries). `None` when
    /// the offset is not published yet or its file is gone.
    pub fn cq_entry(
        &self,
        topic: &str,
        queue_id: i32,
        offset: i64,
    ) -> Option<crate::consume_queue::CqEntry> {
        self.shared.queues.get(topic, queue_id)?.entry(offset)
    }

    /// CommitLog min offset.
    pub fn min_phys_offset(&self) -> i64 {
        self.shared.log.min_offset()
    }

    /// CommitLog max offset (end of the last record written).
    pub fn max_phys_offset(&self) -> i64 {
        self.shared.log.max_offset()
    }

    /// CommitLog offset up to which records are on disk.
    pub fn flushed_phys_offset(&self) -> i64 {
        self.shared.log.flushed_offset()
    }

    /// A receiver of the queue's max offset, updated when its new messages become
    /// readable (long polling). Subscribing to an unknown queue creates it empty.
    pub fn subscribe_growth(&self, topic: &str, queue_id: i32) -> watch::Receiver<i64> {
        self.shared
            .queues
            .get_or_create(topic, queue_id)
            .subscribe()
    }

    /// A receiver of the CommitLog offset up to which records are dispatched (readable
    /// through ConsumeQueues and the index).
    pub fn subscribe_dispatched(&self) -> watch::Receiver<i64> {
        self.shared.dispatched.subscribe()
    }

    /// Syncs the CommitLog, ConsumeQueues, index and checkpoint. Blocks on disk I/O:
    /// call it from `spawn_blocking` in async code.
    pub fn flush(&self) -> Result<()> {
        let s = &self.shared;
        let ts = s.log.appender().last_store_timestamp();
        s.log.flush()?;
        if ts > 0 {
            s.checkpoint.values().physic_msg_timestamp = ts;
        }
        for q in s.queues.all() {
            q.flush()?;
        }
        if let Some(index) = &s.index {
            index.flush()?;
        }
        s.checkpoint.persist()
    }

    /// Gives the store the broker's committed consumer offsets, so that a forced
    /// deletion can name the unconsumed ranges it destroyed.
    pub fn set_consumer_progress(&self, progress: Arc<dyn crate::ConsumerProgress>) {
        *self
            .shared
            .consumer_progress
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(progress);
    }

    /// The retention settings in use.
    pub fn retention_settings(&self) -> crate::config::RetentionSettings {
        self.shared.retention()
    }

    /// Changes the retention settings from the next pass on (the broker's
    /// UPDATE_BROKER_CONFIG).
    pub fn set_retention_settings(&self, settings: crate::config::RetentionSettings) {
        *self
            .shared
            .retention_settings
            .write()
            .unwrap_or_else(|e| e.into_inner()) = settings;
    }

    /// The ASYNC_FLUSH settings in use.
    pub fn flush_settings(&self) -> crate::config::FlushSettings {
        self.shared.flush.settings(&self.shared.config)
    }

    /// Changes the ASYNC_FLUSH settings (`flushIntervalCommitLog`,
    /// `flushCommitLogLeastPages`, `flushCommitLogThoroughInterval`) from the flush
    /// thread's next round on (the broker's UPDATE_BROKER_CONFIG).
    pub fn set_flush_settings(&self, settings: crate::config::FlushSettings) {
        self.shared.flush.set_settings(settings);
    }

    /// (CommitLog files, messages) destroyed by forced deletions since the store opened.
    pub fn forced_deletion_totals(&self) -> (u64, u64) {
        self.shared.forced_deletions.totals()
    }

    /// Whether appends are refused because the disk is full (above
    /// `diskSpaceWarningLevelRatio`, until it is back to `diskSpaceCleanForciblyRatio`).
    pub fn is_disk_full(&self) -> bool {
        self.shared.disk_full.load(Ordering::Acquire)
    }

    /// Runs one retention pass now (the retention thread does this every
    /// `cleanResourceInterval`).
    pub fn run_retention(&self) -> Result<RetentionReport> {
        retention::run(&self.shared)
    }

    /// Stops the threads, dispatches and flushes everything, and removes the `abort`
    /// file. Later appends answer SERVICE_NOT_AVAILABLE. Blocks on disk I/O.
    pub fn shutdown(&self) -> Result<()> {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let s = &self.shared;
        s.shutting_down.store(true, Ordering::Release);
        drop(s.log.appender());
        self.prealloc.stop();
        s.dispatch_signal.stop();
        s.flush.stop();
        s.retention_signal.stop();
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|e| e.into_inner()));
        for t in threads {
            let _ = t.join();
        }
        self.flush()?;
        s.guard.clean_exit()
    }
}

impl Drop for MessageStore {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            warn!(error = %e, "store shutdown failed");
        }
    }
}
