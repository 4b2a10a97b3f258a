//! Delivery: once a slot's time plus one precision has passed, every unit of the slot is
//! read back from the CommitLog and re-put, oldest first, through the append pipeline:
//! to its real topic and queue, or (a rolled unit, due beyond the roll window) to the
//! timer topic again. The read time moves past the slot only after all of them are
//! stored, so a crash re-delivers the slot: at-least-once. A slave delivers nothing.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use cometmq_remoting::clock::now_ms;
use cometmq_remoting::message::{decode_record, property, DecodeOptions, RecordParts};
use cometmq_store::timer::{LogUnit, MAGIC_DELETE, MAGIC_ROLL};
use cometmq_store::{PutOptions, PutStatus};
use tokio_util::sync::CancellationToken;

use super::TIMER_TOPIC;
use crate::config::BrokerRole;
use crate::state::BrokerState;
use crate::topic_names::TRANS_HALF_TOPIC;

/// Wait after a store refusal (disk full, shutting down) before trying again.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);
/// Records read from the CommitLog per blocking call while delivering a slot.
const READ_BATCH: usize = 256;
/// Longest sleep before looking at the clock and the role again.
const MAX_SLEEP: Duration = Duration::from_millis(500);

/// What became of one message.
pub(super) enum Delivered {
    /// Stored (or dropped for good, logged); the real topic when it was delivered.
    Done(Option<String>),
    /// Not stored: try again later.
    Retry,
}

/// Runs delivery until `stop`.
pub(super) async fn run(state: Arc<BrokerState>, stop: CancellationToken) {
    let timer = &state.timer;
    let precision = timer.precision_ms;
    loop {
        if stop.is_cancelled() {
            return;
        }
        let wait = if state.config().broker_role == BrokerRole::Slave {
            MAX_SLEEP
        } else {
            let read_ms = timer.progress.lock().read_ms;
            let now = now_ms();
            if read_ms + precision <= now {
                if deliver_slot(&state, read_ms, &stop).await {
                    continue;
                }
                RETRY_AFTER_FAILURE
            } else {
                Duration::from_millis(u64::try_from(read_ms + precision - now).unwrap_or(0))
                    .min(MAX_SLEEP)
            }
        };
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Delivers every unit of the slot of `slot_ms` (also units appended while it runs),
/// then moves the read time to the next slot. False when it stopped early (a store
/// refusal or `stop`): the slot is taken up again from its start.
async fn deliver_slot(state: &BrokerState, slot_ms: i64, stop: &CancellationToken) -> bool {
    let timer = &state.timer;
    let mut seen = -1;
    loop {
        let units = {
            let mut p = timer.progress.lock();
            if p.read_ms != slot_ms {
                return true;
            }
            let Some(store) = p.store.as_ref() else {
                p.read_ms += timer.precision_ms;
                p.dirty = true;
                return true;
            };
            let (last, units) = store.slot_units_since(slot_ms, seen);
            if units.is_empty() {
                p.read_ms += timer.precision_ms;
                p.dirty = true;
                return true;
            }
            seen = last;
            units
        };
        let due: Vec<LogUnit> = units
            .into_iter()
            .rev()
            .filter(|u| u.magic & MAGIC_DELETE == 0)
            .collect();
        for chunk in due.chunks(READ_BATCH) {
            if stop.is_cancelled() {
                return false;
            }
            // One blocking read for a chunk's records, not one per message.
            let phys: Vec<i64> = chunk.iter().map(|u| u.offset_py).collect();
            let Ok(records) = state
                .read_store(move |store| {
                    phys.iter()
                        .map(|p| store.get_message_at(*p))
                        .collect::<Vec<_>>()
                })
                .await
            else {
                return false;
            };
            for (unit, record) in chunk.iter().zip(records) {
                match deliver_record(state, unit, record, unit.write_ms).await {
                    Delivered::Done(Some(topic)) => timer.metrics.add(&topic, -1),
                    Delivered::Done(None) => {}
                    Delivered::Retry => return false,
                }
            }
        }
    }
}

/// Re-puts the message of `unit`: to its real topic, or to the timer topic again when
/// the unit is rolled. `enqueue_ms` becomes `TIMER_ENQUEUE_MS`.
pub(super) async fn deliver(state: &BrokerState, unit: &LogUnit, enqueue_ms: i64) -> Delivered {
    let phys = unit.offset_py;
    let Ok(record) = state
        .read_store(move |store| store.get_message_at(phys))
        .await
    else {
        return Delivered::Retry;
    };
    deliver_record(state, unit, record, enqueue_ms).await
}

/// [`deliver`] with the unit's record already read (`None`: gone from the CommitLog).
async fn deliver_record(
    state: &BrokerState,
    unit: &LogUnit,
    record: Option<bytes::Bytes>,
    enqueue_ms: i64,
) -> Delivered {
    let roll = unit.magic & MAGIC_ROLL != 0;
    let phys = unit.offset_py;
    let Some(record) = record else {
        tracing::warn!(phys, "timer message gone from the CommitLog; skipped");
        return Delivered::Done(None);
    };
    let (buf, real_topic) = match real_message(state, &record, roll, enqueue_ms) {
        Ok(Some(built)) => built,
        Ok(None) => return Delivered::Done(None),
        Err(e) => {
            tracing::error!(phys, error = %e, "cannot restore a timer message; skipped");
            return Delivered::Done(None);
        }
    };
    // `WAIT=false`, as Java's timer re-put (`setWaitStoreMsgOK(false)`).
    let opts = PutOptions {
        batch: false,
        wait: false,
    };
    let result = crate::append::put(state, buf, opts).await;
    match result.status {
        s if s.is_stored() => {
            state.count_put(1);
            Delivered::Done((!roll).then_some(real_topic))
        }
        PutStatus::MessageIllegal | PutStatus::PropertiesSizeExceeded => {
            tracing::error!(
                phys,
                status = result.status.java_name(),
                "timer message refused by the store; skipped"
            );
            Delivered::Done(None)
        }
        other => {
            cometmq_store::throttled!(
                warn,
                phys,
                status = other.java_name(),
                "cannot deliver a timer message; retrying"
            );
            Delivered::Retry
        }
    }
}

/// The record to store for a due timer message (Java `TimerMessageStore.convert`):
/// `TIMER_ENQUEUE_MS` and `TIMER_DEQUEUE_MS` added, `WAIT=false`; delivered to
/// `REAL_TOPIC` / `REAL_QID` with both removed, or, rolled, back to the timer topic
/// with `TIMER_ROLL_TIMES` + 1. `Ok(None)` for a message to drop (no real topic, or the
/// half topic). Returns the real topic too.
fn real_message(
    state: &BrokerState,
    record: &bytes::Bytes,
    roll: bool,
    enqueue_ms: i64,
) -> Result<Option<(BytesMut, String)>, String> {
    let msg = decode_record(record, DecodeOptions::DEFAULT).map_err(|e| e.to_string())?;
    let Some(real_topic) = msg.property(property::REAL_TOPIC).map(str::to_string) else {
        tracing::warn!(msg_id = %msg.msg_id(), "timer message without REAL_TOPIC; dropped");
        return Ok(None);
    };
    if real_topic == TRANS_HALF_TOPIC {
        tracing::warn!(msg_id = %msg.msg_id(), "timer message targets the half topic; dropped");
        return Ok(None);
    }
    let mut props = msg.properties.clone();
    if enqueue_ms != -1 {
        props.insert(property::TIMER_ENQUEUE_MS, enqueue_ms.to_string());
    }
    props.insert(property::TIMER_DEQUEUE_MS, now_ms().to_string());
    props.insert(property::WAIT, "false");
    let (topic, queue_id) = if roll {
        let times = props
            .get(property::TIMER_ROLL_TIMES)
            .and_then(|t| t.trim().parse::<i32>().ok())
            .unwrap_or(0);
        props.insert(property::TIMER_ROLL_TIMES, (times + 1).to_string());
        (TIMER_TOPIC.to_string(), msg.queue_id)
    } else {
        let queue_id: i32 = props
            .get(property::REAL_QID)
            .and_then(|q| q.trim().parse().ok())
            .ok_or_else(|| "no usable REAL_QID".to_string())?;
        props.remove(property::REAL_TOPIC);
        props.remove(property::REAL_QID);
        (real_topic.clone(), queue_id)
    };
    let text = props.encode();
    let parts = RecordParts {
        topic: &topic,
        queue_id,
        ..RecordParts::from_stored(&msg, text.as_bytes(), state.store_host)
    };
    let buf = crate::append::encode(&parts).map_err(|e| e.to_string())?;
    Ok(Some((buf, real_topic)))
}
