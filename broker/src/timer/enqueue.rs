//! Enqueue: reads `rmq_sys_wheel_timer` queue 0 from the progress offset and adds one
//! timer log unit per message to the wheel slot of its `TIMER_OUT_MS` (or, beyond the
//! roll window, to a slot inside it, marked rolled). A message whose slot is already
//! delivered goes to its real topic at once. Runs on masters and slaves alike: a slave
//! builds the same timer state from its replicated CommitLog.

use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::clock::now_ms;
use cometmq_remoting::message::{decode_record, property, DecodeOptions};
use cometmq_store::timer::{LogUnit, MAGIC_DEFAULT, MAGIC_ROLL};
use cometmq_store::MessageStore;
use tokio_util::sync::CancellationToken;

use super::dequeue::{deliver, Delivered};
use super::{TimerService, TIMER_TOPIC};
use crate::config::BrokerRole;
use crate::state::BrokerState;

/// Entries read from the CommitLog per blocking call.
const BATCH: i64 = 512;
/// Wait when an entry is announced but not readable yet, or after a failure.
const RETRY_SOON: Duration = Duration::from_millis(100);
/// Longest wait for new entries before looking again anyway.
const IDLE_RECHECK: Duration = Duration::from_secs(1);

/// One entry of the timer topic's queue, as read.
enum Entry {
    /// A timer message.
    Timer {
        offset_py: i64,
        size_py: i32,
        out_ms: i64,
        real_topic: String,
    },
    /// Nothing to enqueue (a filler, a message without a usable `TIMER_OUT_MS`, or one
    /// gone from the CommitLog).
    Skip,
}

/// What the loop does next.
enum Next {
    More,
    Idle,
    Retry,
}

/// Runs enqueueing until `stop`.
pub(super) async fn run(state: Arc<BrokerState>, stop: CancellationToken) {
    let mut growth = state.store.subscribe_growth(TIMER_TOPIC, 0);
    loop {
        if stop.is_cancelled() {
            return;
        }
        growth.borrow_and_update();
        match step(&state).await {
            Next::More => tokio::task::yield_now().await,
            Next::Idle => {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = growth.changed() => {}
                    _ = tokio::time::sleep(IDLE_RECHECK) => {}
                }
            }
            Next::Retry => {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(RETRY_SOON) => {}
                }
            }
        }
    }
}

/// Enqueues up to one batch.
async fn step(state: &BrokerState) -> Next {
    let timer = &state.timer;
    let store = &state.store;
    let min = store.min_offset(TIMER_TOPIC, 0);
    let max = store.max_offset(TIMER_TOPIC, 0);
    let from = {
        let mut p = timer.progress.lock();
        if p.queue_offset < min {
            tracing::warn!(
                from = p.queue_offset,
                to = min,
                "timer messages were deleted before they were enqueued"
            );
            p.queue_offset = min;
            p.dirty = true;
        }
        if p.queue_offset > max {
            tracing::warn!(
                from = p.queue_offset,
                to = max,
                "timer enqueue offset beyond the timer queue; corrected"
            );
            p.queue_offset = max;
            p.dirty = true;
        }
        p.queue_offset
    };
    if from >= max {
        return Next::Idle;
    }
    let to = max.min(from + BATCH);
    let Ok(entries) = state
        .read_store(move |store| read_entries(store, from, to))
        .await
    else {
        return Next::Retry;
    };
    if entries.is_empty() {
        return Next::Retry;
    }
    let slave = state.config().broker_role == BrokerRole::Slave;
    for (i, entry) in entries.into_iter().enumerate() {
        let offset = from + i as i64;
        match enqueue_one(state, timer, offset, entry, slave).await {
            Ok(()) => {}
            Err(()) => return Next::Retry,
        }
    }
    Next::More
}

/// Reads the queue entries `[from, to)` and their messages' timer properties; stops at
/// the first entry not readable yet.
fn read_entries(store: &MessageStore, from: i64, to: i64) -> Vec<Entry> {
    let mut out = Vec::new();
    for offset in from..to {
        let Some(cq) = store.cq_entry(TIMER_TOPIC, 0, offset) else {
            break;
        };
        if cq.is_filler() {
            out.push(Entry::Skip);
            continue;
        }
        let Some(record) = store.get_message_at(cq.phys_offset) else {
            tracing::warn!(
                offset,
                phys = cq.phys_offset,
                "timer message gone from the CommitLog; skipped"
            );
            out.push(Entry::Skip);
            continue;
        };
        let entry = match decode_record(&record, DecodeOptions::DEFAULT) {
            Ok(msg) => {
                let out_ms = msg
                    .property(property::TIMER_OUT_MS)
                    .and_then(|v| v.trim().parse::<i64>().ok());
                match (out_ms, msg.property(property::REAL_TOPIC)) {
                    (Some(out_ms), Some(real)) => Entry::Timer {
                        offset_py: cq.phys_offset,
                        size_py: cq.size,
                        out_ms,
                        real_topic: real.to_string(),
                    },
                    _ => {
                        tracing::warn!(
                            offset,
                            "timer topic message without TIMER_OUT_MS or REAL_TOPIC; skipped"
                        );
                        Entry::Skip
                    }
                }
            }
            Err(e) => {
                tracing::error!(offset, error = %e, "cannot decode a timer message; skipped");
                Entry::Skip
            }
        };
        out.push(entry);
    }
    out
}

/// Adds one entry to the wheel (or delivers it now) and advances the progress offset.
/// `Err` when it must be tried again.
async fn enqueue_one(
    state: &BrokerState,
    timer: &TimerService,
    offset: i64,
    entry: Entry,
    slave: bool,
) -> Result<(), ()> {
    let Entry::Timer {
        offset_py,
        size_py,
        out_ms,
        real_topic,
    } = entry
    else {
        advance(timer, offset);
        return Ok(());
    };
    let precision = timer.precision_ms;
    let write_ms = now_ms() / precision * precision;
    let due_now = {
        let mut p = timer.progress.lock();
        if p.queue_offset != offset {
            return Ok(());
        }
        if out_ms < p.read_ms {
            if offset < p.delivered_below || slave {
                // Delivered before a rebuild, or a slave's: nothing to do.
                p.queue_offset = offset + 1;
                p.dirty = true;
                return Ok(());
            }
            true
        } else {
            if let Err(e) = timer.ensure_open(&mut p) {
                cometmq_store::throttled!(error, error = %e, "cannot open the timer store");
                return Err(());
            }
            let (slot_ms, magic) = slot_for(out_ms, write_ms, timer.roll_window_slots * precision);
            let Some(store) = p.store.as_mut() else {
                return Err(());
            };
            let hash = java_string_hash(&real_topic);
            if let Err(e) = store.append(slot_ms, write_ms, magic, offset_py, size_py, hash, offset)
            {
                cometmq_store::throttled!(error, error = %e, "cannot append to the timer log");
                return Err(());
            }
            // Counted before the progress moves, so a reader that sees the timer
            // enqueued sees it counted.
            timer.metrics.add(&real_topic, 1);
            p.queue_offset = offset + 1;
            p.dirty = true;
            false
        }
    };
    if !due_now {
        return Ok(());
    }
    let unit = LogUnit {
        prev_pos: -1,
        magic: MAGIC_DEFAULT,
        write_ms,
        delayed_ms: 0,
        offset_py,
        size_py,
        topic_hash: 0,
        reserved: 0,
    };
    match deliver(state, &unit, write_ms).await {
        Delivered::Done(_) => {
            advance(timer, offset);
            Ok(())
        }
        Delivered::Retry => Err(()),
    }
}

/// Moves the progress offset past `offset` if it is still there.
fn advance(timer: &TimerService, offset: i64) {
    let mut p = timer.progress.lock();
    if p.queue_offset == offset {
        p.queue_offset = offset + 1;
        p.dirty = true;
    }
}

/// The slot and magic of a message due at `out_ms` written at `write_ms` (Java's
/// `doEnqueue`): due beyond the roll window, it waits in a slot inside the window,
/// marked rolled, and goes round again from there.
fn slot_for(out_ms: i64, write_ms: i64, window_ms: i64) -> (i64, i32) {
    if out_ms - write_ms < window_ms {
        return (out_ms, MAGIC_DEFAULT);
    }
    let slot = if out_ms - write_ms - window_ms < window_ms / 3 {
        write_ms + window_ms / 2
    } else {
        write_ms + window_ms
    };
    (slot, MAGIC_DEFAULT | MAGIC_ROLL)
}

/// Java's `String.hashCode` (UTF-16 code units), the topic hash Java writes in a unit.
fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roll_window() {
        assert_eq!(slot_for(5_000, 1_000, 10_000), (5_000, MAGIC_DEFAULT));
        assert_eq!(
            slot_for(12_000, 1_000, 10_000),
            (6_000, MAGIC_DEFAULT | MAGIC_ROLL)
        );
        assert_eq!(
            slot_for(20_000, 1_000, 10_000),
            (11_000, MAGIC_DEFAULT | MAGIC_ROLL)
        );
    }

    #[test]
    fn java_hash() {
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(
            java_string_hash("TopicTest"),
            "TopicTest"
                .bytes()
                .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
        );
        assert_eq!(java_string_hash("ab"), 97 * 31 + 98);
    }
}
