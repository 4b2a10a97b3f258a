//! Timer messages (RocketMQ 5, RIP-43): a message with `TIMER_DELIVER_MS`,
//! `TIMER_DELAY_SEC` or `TIMER_DELAY_MS` is delivered at that time, to the millisecond
//! precision of `timerPrecisionMs`.
//!
//! The path, as Java's `TimerMessageStore`:
//! 1. On send, [`send::timer_target`] checks and rounds the delivery time and rewrites
//!    the message to `rmq_sys_wheel_timer` queue 0 with `TIMER_OUT_MS`, `REAL_TOPIC`
//!    and `REAL_QID`; the append pipeline stores it like any message.
//! 2. `enqueue` reads that queue's ConsumeQueue from the checkpointed offset and adds
//!    one unit per message to the timer log, linked into the wheel slot of its time
//!    (`cometmq_store::timer`). A slave does the same from its replicated CommitLog,
//!    so it holds the same timer state.
//! 3. `dequeue` (master only) walks each slot once its time has passed, re-puts every
//!    message to its real topic and queue through the append pipeline, then moves on.
//! 4. `checkpoint` flushes the log and the wheel, then saves `config/timercheck`
//!    (delivered-up-to slot time, enqueued-up-to offset). A crash re-delivers at most
//!    the slots since the last checkpoint: at-least-once.

mod checkpoint;
mod dequeue;
mod enqueue;
pub mod metrics;
pub mod send;

use std::path::PathBuf;
use std::sync::Arc;

use cometmq_store::timer::{TimerCheckpoint, TimerLayout, TimerStore};
use cometmq_store::StoreError;
use parking_lot::Mutex;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::BrokerConfig;
use crate::state::BrokerState;
use cometmq_remoting::clock::now_ms;

pub use crate::topic_names::TIMER_TOPIC;

/// The timer store and its progress, under one lock: an enqueue's "is it due already?"
/// and the dequeue's move to the next slot never interleave.
#[derive(Debug)]
pub(crate) struct Progress {
    /// The files; opened when the first timer message arrives (or at start when they
    /// exist), so a broker without timers has no 38 MB wheel.
    pub(crate) store: Option<TimerStore>,
    /// The next slot to deliver (slot time, ms).
    pub(crate) read_ms: i64,
    /// The next timer topic ConsumeQueue offset to enqueue.
    pub(crate) queue_offset: i64,
    /// After a rebuild: entries below this offset whose time is before `read_ms` were
    /// delivered before the rebuild and are skipped.
    pub(crate) delivered_below: i64,
    /// Whether anything changed since the last checkpoint.
    pub(crate) dirty: bool,
}

/// Timer settings, progress and pending counts. Shared through [`BrokerState`].
#[derive(Debug)]
pub struct TimerService {
    root: PathBuf,
    layout: TimerLayout,
    /// `timerWheelEnable`.
    pub enabled: bool,
    /// `timerPrecisionMs`.
    pub precision_ms: i64,
    /// `timerMaxDelaySec`.
    pub max_delay_sec: i64,
    /// `timerRollWindowSlot`.
    roll_window_slots: i64,
    pub(crate) progress: Mutex<Progress>,
    /// Pending timers per real topic (GET_TIMER_METRICS).
    pub metrics: metrics::TimerMetrics,
}

/// A timer setting that cannot be honoured.
#[derive(Debug, thiserror::Error)]
pub enum TimerConfigError {
    /// `timerPrecisionMs` out of range.
    #[error("timerPrecisionMs={0}: must be between 1 and 60000 ms")]
    Precision(u64),
    /// `timerRollWindowSlot` out of range.
    #[error("timerRollWindowSlot={0}: must be between 2 and the wheel's {1} slots")]
    RollWindow(i64, i64),
    /// The timer files cannot be opened.
    #[error("timer store: {0}")]
    Store(#[from] StoreError),
}

impl TimerService {
    /// Reads the settings and the checkpoint; opens the timer files if they exist. A
    /// corrupt timer log or wheel is set aside and rebuilt from the timer topic (logged).
    pub fn load(config: &BrokerConfig) -> Result<TimerService, TimerConfigError> {
        if config.timer_precision_ms == 0 || config.timer_precision_ms > 60_000 {
            return Err(TimerConfigError::Precision(config.timer_precision_ms));
        }
        let precision_ms = config.timer_precision_ms as i64;
        let slots = cometmq_store::timer::SLOTS_TOTAL;
        if config.timer_roll_window_slot < 2 || config.timer_roll_window_slot > slots {
            return Err(TimerConfigError::RollWindow(
                config.timer_roll_window_slot,
                slots,
            ));
        }
        let root = config.store.store_path_root_dir.clone();
        let layout = TimerLayout {
            precision_ms,
            log_file_size: config.mapped_file_size_timer_log,
        };
        let checkpoint = TimerCheckpoint::load(&cometmq_store::timer::checkpoint_path(&root))?;
        let mut progress = Progress {
            store: None,
            read_ms: checkpoint.last_read_time_ms,
            queue_offset: checkpoint.last_timer_queue_offset,
            delivered_below: 0,
            dirty: false,
        };
        if progress.read_ms <= 0 {
            progress.read_ms = now_ms() / precision_ms * precision_ms;
        }
        if cometmq_store::timer::wheel_path(&root).exists() {
            match TimerStore::open(&root, layout) {
                Ok(store) => {
                    if let Some(logged) = store.logged_queue_offset() {
                        progress.queue_offset = progress.queue_offset.max(logged);
                    }
                    progress.store = Some(store);
                }
                Err(StoreError::Corrupt { path, reason }) => {
                    tracing::error!(
                        path = %path.display(),
                        reason,
                        "corrupt timer store; rebuilding the timer wheel and log from {TIMER_TOPIC}"
                    );
                    TimerStore::remove_files(&root).map_err(|source| StoreError::Io {
                        path: root.clone(),
                        source,
                    })?;
                    progress.store = Some(TimerStore::open(&root, layout)?);
                    progress.delivered_below = progress.queue_offset;
                    progress.queue_offset = 0;
                    progress.dirty = true;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(TimerService {
            root,
            layout,
            enabled: config.timer_wheel_enable,
            precision_ms,
            max_delay_sec: config.timer_max_delay_sec as i64,
            roll_window_slots: config.timer_roll_window_slot,
            progress: Mutex::new(progress),
            metrics: metrics::TimerMetrics::load(&config.store.store_path_root_dir),
        })
    }

    /// Opens the timer files if they are not open yet.
    pub(crate) fn ensure_open(&self, progress: &mut Progress) -> Result<(), StoreError> {
        if progress.store.is_none() {
            progress.store = Some(TimerStore::open(&self.root, self.layout)?);
        }
        Ok(())
    }

    /// The GET_TIMER_CHECK_POINT body: the checkpoint's 56 bytes with the live progress.
    pub fn checkpoint_body(&self) -> Vec<u8> {
        let p = self.progress.lock();
        let saved = p.store.as_ref().map(|s| s.checkpoint).unwrap_or_default();
        TimerCheckpoint {
            last_read_time_ms: p.read_ms,
            last_timer_queue_offset: p.queue_offset,
            ..saved
        }
        .encode()
        .to_vec()
    }

    /// A slave takes its master's GET_TIMER_CHECK_POINT (Java `syncTimerCheckPoint`):
    /// the master's read time, so that the slave's pending timers are the master's and a
    /// promoted slave resumes delivery there.
    pub fn follow_master(&self, body: &[u8]) {
        let master = TimerCheckpoint::decode(body);
        let mut p = self.progress.lock();
        if master.last_read_time_ms > p.read_ms {
            p.read_ms = master.last_read_time_ms;
            p.dirty = true;
        }
    }

    /// Timers enqueued and not yet delivered (wheel slots from the read time on).
    pub fn pending(&self) -> i64 {
        let p = self.progress.lock();
        p.store
            .as_ref()
            .map_or(0, |s| s.wheel.count_from(p.read_ms))
    }

    /// GET_BROKER_RUNTIME_INFO's timer entries, as Java's: `timerReadBehind` (seconds
    /// the delivery is behind the clock), `timerOffsetBehind` (timer topic messages not
    /// yet enqueued), `timerCongestNum` (timers pending in the wheel).
    pub fn runtime_info(&self, store: &cometmq_store::MessageStore) -> [(&'static str, String); 3] {
        let max = store.max_offset(TIMER_TOPIC, 0);
        let p = self.progress.lock();
        let behind_s = (now_ms() - p.read_ms - self.precision_ms).max(0) / 1000;
        let pending = p
            .store
            .as_ref()
            .map_or(0, |s| s.wheel.count_from(p.read_ms));
        [
            ("timerReadBehind", behind_s.to_string()),
            (
                "timerOffsetBehind",
                (max - p.queue_offset).max(0).to_string(),
            ),
            ("timerCongestNum", pending.to_string()),
        ]
    }

    /// Saves the checkpoint now (shutdown; blocking).
    pub fn save(&self) -> Result<(), StoreError> {
        checkpoint::save(self)
    }
}

/// Starts the enqueue, dequeue and checkpoint tasks; they stop when `stop` is cancelled.
pub fn spawn(state: &Arc<BrokerState>, stop: &CancellationToken) -> Vec<JoinHandle<()>> {
    vec![
        tokio::spawn(enqueue::run(state.clone(), stop.clone())),
        tokio::spawn(dequeue::run(state.clone(), stop.clone())),
        tokio::spawn(checkpoint::run(state.clone(), stop.clone())),
    ]
}
