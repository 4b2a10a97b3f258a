//! CommitLog flushing on a dedicated thread (never a runtime worker).
//!
//! - ASYNC_FLUSH: every `flushIntervalCommitLog`, flush if at least
//!   `flushCommitLogLeastPages` pages are dirty, or whatever is dirty once per
//!   `flushCommitLogThoroughInterval`.
//! - SYNC_FLUSH group commit: an append registers `(end offset, oneshot sender)` and
//!   awaits the receiver. The thread takes every waiter queued so far, syncs the log
//!   once up to its current end, and completes them all; waiters that arrive during
//!   that sync form the next group.
//!
//! The three ASYNC_FLUSH settings may change while the store runs
//! ([`crate::MessageStore::set_flush_settings`], the broker's UPDATE_BROKER_CONFIG); the
//! thread reads them under the lock it takes each round anyway, as Java's
//! `FlushRealTimeService` reads its live config each round.
//!
//! The flush thread also records, in the checkpoint's values, the store time of the
//! last flushed record (the dispatcher persists the checkpoint page).

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::checkpoint::Checkpoint;
use crate::commit_log::CommitLog;
use crate::config::{FlushDiskType, FlushSettings, StoreConfig};

const PAGE: i64 = 4096;

#[derive(Debug, Default)]
struct State {
    waiters: Vec<(i64, oneshot::Sender<()>)>,
    stop: bool,
    /// Settings changed at run time; `None` until then (the config's apply).
    settings: Option<FlushSettings>,
}

/// The flush thread's inbox.
#[derive(Debug, Default)]
pub(crate) struct FlushService {
    state: Mutex<State>,
    cv: Condvar,
}

impl FlushService {
    /// Queues a group-commit waiter for `end`; the receiver completes once the log is
    /// flushed past it, or errors if the flush failed or the store stopped.
    pub(crate) fn wait_for(&self, end: i64) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let idle = st.waiters.is_empty();
        st.waiters.push((end, tx));
        drop(st);
        // Only the first waiter of a group needs to wake the thread: it takes the whole
        // queue when it wakes (or is busy flushing and will look again).
        if idle {
            self.cv.notify_one();
        }
        rx
    }

    /// Replaces the ASYNC_FLUSH settings from the thread's next round on.
    pub(crate) fn set_settings(&self, settings: FlushSettings) {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .settings = Some(settings);
        self.cv.notify_one();
    }

    /// The ASYNC_FLUSH settings in use.
    pub(crate) fn settings(&self, config: &StoreConfig) -> FlushSettings {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .settings
            .unwrap_or_else(|| config.flush_settings())
    }

    /// Asks the thread to flush everything and exit.
    pub(crate) fn stop(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).stop = true;
        self.cv.notify_one();
    }

    /// The thread body.
    pub(crate) fn run(&self, log: &CommitLog, checkpoint: &Checkpoint, config: &StoreConfig) {
        let sync = config.flush_disk_type == FlushDiskType::SyncFlush;
        let mut last_thorough = Instant::now();
        loop {
            let (waiters, stop, settings) = {
                let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
                let settings = st.settings.unwrap_or_else(|| config.flush_settings());
                if st.waiters.is_empty() && !st.stop {
                    let timeout = if sync {
                        Duration::from_millis(10).max(settings.interval)
                    } else {
                        settings.interval
                    };
                    st = self
                        .cv
                        .wait_timeout(st, timeout)
                        .map_or_else(|e| e.into_inner().0, |r| r.0);
                }
                (std::mem::take(&mut st.waiters), st.stop, settings)
            };
            let least = i64::try_from(settings.least_pages)
                .unwrap_or(i64::MAX)
                .saturating_mul(PAGE);
            let (end, ts) = {
                let app = log.appender();
                (log.max_offset(), app.last_store_timestamp())
            };
            let dirty = end - log.flushed_offset();
            let due = stop
                || sync
                || !waiters.is_empty()
                || dirty >= least
                || last_thorough.elapsed() >= settings.thorough_interval;
            if due && dirty > 0 {
                match log.flush() {
                    Ok(flushed) => {
                        if flushed >= end && ts > 0 {
                            checkpoint.values().physic_msg_timestamp = ts;
                        }
                    }
                    Err(e) => crate::throttled!(warn, error = %e, "CommitLog flush failed"),
                }
                last_thorough = Instant::now();
            }
            let flushed = log.flushed_offset();
            for (want, tx) in waiters {
                if want <= flushed {
                    let _ = tx.send(());
                }
            }
            if stop {
                return;
            }
        }
    }
}
