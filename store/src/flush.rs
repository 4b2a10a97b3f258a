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
//! The flush thread also records, in the checkpoint's values, the store time of the
//! last flushed record (the dispatcher persists the checkpoint page).

use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};
use tokio::sync::oneshot;

use crate::checkpoint::Checkpoint;
use crate::commit_log::CommitLog;
use crate::config::{FlushDiskType, StoreConfig};

const PAGE: i64 = 4096;

#[derive(Debug, Default)]
struct State {
    waiters: Vec<(i64, oneshot::Sender<()>)>,
    stop: bool,
}

/// The flush thread's inbox.
#[derive(Debug, Default)]
pub(crate) struct FlushService {
    state: Mutex<State>,
    cv: Condvar,
}

impl FlushService {
    /// ConsumeQueueTable a group-commit waiter for `end`; the receiver completes once the log is
    /// flushed past it, or errors if the flush failed or the store stopped.
    pub(crate) fn wait_for(&self, end: i64) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        let mut st = self.state.lock();
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

    /// Asks the thread to flush everything and exit.
    pub(crate) fn stop(&self) {
        self.state.lock().stop = true;
        self.cv.notify_one();
    }

    /// The thread body.
    pub(crate) fn run(&self, log: &CommitLog, checkpoint: &Checkpoint, config: &StoreConfig) {
        let sync = config.flush_disk_type == FlushDiskType::SyncFlush;
        let least = config.flush_commit_log_least_pages as i64 * PAGE;
        let mut last_thorough = Instant::now();
        loop {
            let (waiters, stop) = {
                let mut st = self.state.lock();
                if st.waiters.is_empty() && !st.stop {
                    let timeout = if sync {
                        Duration::from_millis(10).max(config.flush_interval_commit_log)
                    } else {
                        config.flush_interval_commit_log
                    };
                    self.cv.wait_for(&mut st, timeout);
                }
                (std::mem::take(&mut st.waiters), st.stop)
            };
            let (end, ts) = {
                let app = log.appender();
                (log.max_offset(), app.last_store_timestamp())
            };
            let dirty = end - log.flushed_offset();
            let due = stop
                || sync
                || !waiters.is_empty()
                || dirty >= least
                || last_thorough.elapsed() >= config.flush_commit_log_thorough_interval;
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
