//! The periodic checkpoint: every `timerFlushIntervalMs`, flush the timer log and wheel,
//! then save `config/timercheck` with the progress taken before the flush, and
//! `config/timermetrics`. Also run once at shutdown.

use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::clock::now_ms;
use cometmq_remoting::periodic;
use cometmq_store::timer::TimerCheckpoint;
use cometmq_store::StoreError;
use tokio_util::sync::CancellationToken;

use super::TimerService;
use crate::state::BrokerState;

/// Period of the deletion of delivered timer log files.
const CLEAN_EVERY: Duration = Duration::from_secs(30);

/// Saves the checkpoint every `timerFlushIntervalMs` until `stop`; deletes delivered
/// timer log files every [`CLEAN_EVERY`].
pub(super) async fn run(state: Arc<BrokerState>, stop: CancellationToken) {
    let period = || Duration::from_millis(state.config().timer_flush_interval_ms.max(10));
    let mut last_clean = std::time::Instant::now();
    periodic::every(stop.cancelled(), period, || {
        let clean = last_clean.elapsed() >= CLEAN_EVERY;
        if clean {
            last_clean = std::time::Instant::now();
        }
        let s = state.clone();
        async move {
            let saved = tokio::task::spawn_blocking(move || {
                let saved = save(&s.timer);
                if clean && saved.is_ok() {
                    delete_delivered(&s.timer);
                }
                saved
            })
            .await;
            match saved {
                Ok(Err(e)) => {
                    cometmq_store::throttled!(error, error = %e, "cannot save the timer checkpoint")
                }
                Err(e) => tracing::error!(error = %e, "timer checkpoint task failed"),
                Ok(Ok(())) => {}
            }
        }
    })
    .await;
}

/// Deletes the timer log files that hold only delivered units (after a checkpoint, so
/// a restart never needs them).
fn delete_delivered(timer: &TimerService) {
    let mut p = timer.progress.lock();
    let read_ms = p.read_ms;
    if let Some(store) = p.store.as_mut() {
        match store.delete_delivered_files(read_ms) {
            Ok(0) => {}
            Ok(n) => tracing::info!(files = n, "deleted delivered timer log files"),
            Err(e) => tracing::warn!(error = %e, "cannot delete delivered timer log files"),
        }
    }
}

/// Flushes and saves when anything changed (blocking).
pub(super) fn save(timer: &TimerService) -> Result<(), StoreError> {
    let p = timer.progress.lock();
    if !p.dirty {
        return Ok(());
    }
    let (read_ms, queue_offset) = (p.read_ms, p.queue_offset);
    let handle = p.store.as_ref().map(|s| s.flush_handle());
    // The disk work runs without the lock: enqueue and delivery go on meanwhile.
    drop(p);
    let flush_pos = match &handle {
        Some(h) => h.flush()?,
        None => 0,
    };
    let mut p = timer.progress.lock();
    let old = p.store.as_ref().map(|s| s.checkpoint).unwrap_or_default();
    let checkpoint = TimerCheckpoint {
        last_read_time_ms: read_ms,
        last_timer_log_flush_pos: flush_pos,
        last_timer_queue_offset: queue_offset,
        master_timer_queue_offset: old.master_timer_queue_offset.max(queue_offset),
        state_version: old.state_version,
        timestamp: now_ms(),
        counter: old.counter + 1,
    };
    match p.store.as_mut() {
        Some(store) => store.save_checkpoint(checkpoint)?,
        None => checkpoint.save(&cometmq_store::timer::checkpoint_path(&timer.root))?,
    }
    if p.read_ms == read_ms && p.queue_offset == queue_offset {
        p.dirty = false;
    }
    drop(p);
    timer.metrics.save().map_err(|source| StoreError::Io {
        path: timer.root.join("config/timermetrics"),
        source,
    })
}
