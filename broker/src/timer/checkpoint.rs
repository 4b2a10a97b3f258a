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

/// Saves the checkpoint every `timerFlushIntervalMs` until `stop`.
pub(super) async fn run(state: Arc<BrokerState>, stop: CancellationToken) {
    let period = || Duration::from_millis(state.config().timer_flush_interval_ms.max(10));
    periodic::every(stop.cancelled(), period, || async {
        let s = state.clone();
        let saved = tokio::task::spawn_blocking(move || save(&s.timer)).await;
        match saved {
            Ok(Err(e)) => {
                cometmq_store::throttled!(error, error = %e, "cannot save the timer checkpoint")
            }
            Err(e) => tracing::error!(error = %e, "timer checkpoint task failed"),
            Ok(Ok(())) => {}
        }
    })
    .await;
}

/// Flushes and saves when anything changed (blocking).
pub(super) fn save(timer: &TimerService) -> Result<(), StoreError> {
    let mut p = timer.progress.lock();
    if !p.dirty {
        return Ok(());
    }
    let (read_ms, queue_offset) = (p.read_ms, p.queue_offset);
    let flush_pos = match p.store.as_ref() {
        Some(store) => store.flush()?,
        None => 0,
    };
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
    p.dirty = false;
    drop(p);
    timer.metrics.save().map_err(|source| StoreError::Io {
        path: timer.root.join("config/timermetrics"),
        source,
    })
}
