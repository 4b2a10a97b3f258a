//! The delivery task of one delay level: reads queue level − 1 of `SCHEDULE_TOPIC_XXXX`
//! from the stored offset, waits until the head entry's delivery time (its tags code),
//! writes the real message, then advances. Never delivers early: the due time is
//! re-checked against the wall clock after every wait.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use cometmq_remoting::message::{
    decode_record, property, DecodeOptions, RecordParts, StoredRecord,
};
use cometmq_store::{PutOptions, PutStatus};
use tokio_util::sync::CancellationToken;

use crate::config::BrokerRole;
use crate::state::BrokerState;
use crate::topic_names::{SCHEDULE_TOPIC, TRANS_HALF_TOPIC};
use cometmq_remoting::clock::now_ms;

/// Wait after a store refusal (disk full, shutting down) before trying again.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);
/// Wait when an entry is announced but not readable yet.
const RETRY_SOON: Duration = Duration::from_millis(100);
/// Longest wait for new entries before looking again anyway.
const IDLE_RECHECK: Duration = Duration::from_secs(1);

/// What the task does after one step.
enum Next {
    /// Look at the next entry now.
    Continue,
    /// Sleep, then look again.
    Sleep(Duration),
    /// The queue is drained: wait for it to grow.
    Grow,
}

/// Runs the delivery of `level` until `stop`.
pub(super) async fn run_level(state: Arc<BrokerState>, level: i32, stop: CancellationToken) {
    let queue_id = level - 1;
    correct_offset(&state, level);
    let mut growth = state.store.subscribe_growth(SCHEDULE_TOPIC, queue_id);
    loop {
        if stop.is_cancelled() {
            return;
        }
        if state.config().broker_role == BrokerRole::Slave {
            // A slave delivers nothing; its offsets come from the master.
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(IDLE_RECHECK) => continue,
            }
        }
        // Mark the current max offset seen before looking, so a later growth wakes us.
        growth.borrow_and_update();
        let wait = match step(&state, level).await {
            Next::Continue => {
                tokio::task::yield_now().await;
                continue;
            }
            Next::Sleep(d) => d,
            Next::Grow => {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = growth.changed() => continue,
                    _ = tokio::time::sleep(IDLE_RECHECK) => continue,
                }
            }
        };
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Clamps a stored offset into the queue's range (Java `correctDelayOffset`).
fn correct_offset(state: &BrokerState, level: i32) {
    let queue_id = level - 1;
    let offsets = state.schedule.offsets();
    let at = offsets.get(level);
    let min = state.store.min_offset(SCHEDULE_TOPIC, queue_id);
    let max = state.store.max_offset(SCHEDULE_TOPIC, queue_id);
    let fixed = at.clamp(min, max.max(min));
    if fixed != at {
        tracing::warn!(
            level,
            from = at,
            to = fixed,
            "delay offset out of the queue's range; corrected"
        );
        offsets.set(level, fixed);
    }
}

/// Looks at the entry at the level's offset and delivers it if due.
async fn step(state: &BrokerState, level: i32) -> Next {
    let queue_id = level - 1;
    let offsets = state.schedule.offsets();
    let offset = offsets.get(level);
    let store = &state.store;
    let min = store.min_offset(SCHEDULE_TOPIC, queue_id);
    if offset < min {
        tracing::warn!(
            level,
            offset,
            min,
            "delayed messages were deleted before delivery"
        );
        offsets.set(level, min);
        return Next::Continue;
    }
    if offset >= store.max_offset(SCHEDULE_TOPIC, queue_id) {
        return Next::Grow;
    }
    let Some(entry) = store.cq_entry(SCHEDULE_TOPIC, queue_id, offset) else {
        return Next::Sleep(RETRY_SOON);
    };
    if entry.is_filler() {
        offsets.set(level, offset + 1);
        return Next::Continue;
    }
    let now = now_ms();
    let due = correct_deliver_time(entry.tags_code, now, state.schedule.delay_ms(level));
    if due > now {
        return Next::Sleep(Duration::from_millis(u64::try_from(due - now).unwrap_or(0)));
    }
    let phys = entry.phys_offset;
    let Ok(record) = state
        .read_store(move |store| store.get_message_at(phys))
        .await
    else {
        return Next::Sleep(RETRY_SOON);
    };
    let Some(record) = record else {
        tracing::warn!(
            level,
            offset,
            phys = entry.phys_offset,
            "delayed message gone from the CommitLog; skipped"
        );
        offsets.set(level, offset + 1);
        return Next::Continue;
    };
    let buf = match decode_record(&record, DecodeOptions::DEFAULT)
        .map_err(|e| e.to_string())
        .and_then(|msg| real_message(&msg, state.store_host))
    {
        Ok(Some(buf)) => buf,
        Ok(None) => {
            offsets.set(level, offset + 1);
            return Next::Continue;
        }
        Err(e) => {
            tracing::error!(level, offset, error = %e, "cannot restore a delayed message; skipped");
            offsets.set(level, offset + 1);
            return Next::Continue;
        }
    };
    // `WAIT=false` as Java's `messageTimeup` (`waitStoreMsgOK = false`): the re-put waits
    // for neither the flush nor, under SYNC_MASTER, a slave (the producer's send of the
    // delayed message did), so a slow slave does not hold up the level's deliveries.
    let opts = PutOptions {
        batch: false,
        wait: false,
    };
    let result = crate::append::put(state, buf, opts).await;
    match result.status {
        s if s.is_stored() => {
            state.count_put(1);
            offsets.set(level, offset + 1);
            Next::Continue
        }
        PutStatus::MessageIllegal | PutStatus::PropertiesSizeExceeded => {
            tracing::error!(
                level,
                offset,
                status = result.status.java_name(),
                "delayed message refused by the store; skipped"
            );
            offsets.set(level, offset + 1);
            Next::Continue
        }
        other => {
            tracing::warn!(
                level,
                offset,
                status = other.java_name(),
                "cannot deliver a delayed message; retrying"
            );
            Next::Sleep(RETRY_AFTER_FAILURE)
        }
    }
}

/// Java `correctDeliverTimestamp`: a delivery time further ahead than the level's delay
/// (the clock went back, or the table changed) is due now.
fn correct_deliver_time(due: i64, now: i64, delay_ms: Option<u64>) -> i64 {
    let delay = delay_ms.map_or(1000, |d| i64::try_from(d).unwrap_or(i64::MAX));
    if due > now.saturating_add(delay) {
        now
    } else {
        due
    }
}

/// The record to store for a due delayed message: topic `REAL_TOPIC`, queue `REAL_QID`,
/// `DELAY` (and 5.x timer properties) removed, `WAIT=false`; body, flag, sysFlag, born
/// time and host, and reconsume times kept. `Ok(None)` for a message to drop (no real
/// topic, or a half-message target).
fn real_message(
    msg: &StoredRecord,
    store_host: std::net::SocketAddr,
) -> Result<Option<BytesMut>, String> {
    let Some(topic) = msg.property(property::REAL_TOPIC).map(str::to_string) else {
        tracing::warn!(msg_id = %msg.msg_id(), "delayed message without REAL_TOPIC; dropped");
        return Ok(None);
    };
    if topic == TRANS_HALF_TOPIC {
        tracing::warn!(msg_id = %msg.msg_id(), "delayed message targets the half topic; dropped");
        return Ok(None);
    }
    let queue_id: i32 = msg
        .property(property::REAL_QID)
        .and_then(|q| q.trim().parse().ok())
        .ok_or_else(|| "no usable REAL_QID".to_string())?;
    let mut props = msg.properties.clone();
    for p in [
        property::DELAY,
        property::TIMER_DELIVER_MS,
        property::TIMER_DELAY_SEC,
        property::TIMER_DELAY_MS,
    ] {
        props.remove(p);
    }
    props.insert(property::WAIT, "false");
    let text = props.encode();
    let parts = RecordParts {
        topic: &topic,
        queue_id,
        ..RecordParts::from_stored(msg, text.as_bytes(), store_host)
    };
    crate::append::encode(&parts)
        .map(Some)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cometmq_remoting::message::encode_record;

    #[test]
    fn deliver_time_correction() {
        assert_eq!(correct_deliver_time(1500, 1000, Some(1000)), 1500);
        assert_eq!(correct_deliver_time(2000, 1000, Some(1000)), 2000);
        // Further ahead than the level's delay: due now.
        assert_eq!(correct_deliver_time(2001, 1000, Some(1000)), 1000);
        assert_eq!(correct_deliver_time(900, 1000, None), 900);
    }

    #[test]
    fn restores_the_real_message() {
        let born: std::net::SocketAddr = "10.0.0.1:5000".parse().unwrap();
        let host: std::net::SocketAddr = "10.0.0.2:10911".parse().unwrap();
        let mut props = cometmq_remoting::message::Properties::new();
        props.insert(property::DELAY, "2");
        props.insert(property::REAL_TOPIC, "T");
        props.insert(property::REAL_QID, "3");
        props.insert(property::TAGS, "A");
        let text = props.encode();
        let mut parts = RecordParts::new(SCHEDULE_TOPIC, b"hi", text.as_bytes(), born, host);
        parts.queue_id = 1;
        parts.flag = 7;
        parts.sys_flag = 1;
        parts.born_timestamp = 42;
        parts.reconsume_times = 2;
        let mut buf = BytesMut::new();
        encode_record(&parts, &mut buf).unwrap();
        let msg = decode_record(&buf.freeze(), DecodeOptions::DEFAULT).unwrap();
        let out = real_message(&msg, host).unwrap().unwrap();
        let real = decode_record(&out.freeze(), DecodeOptions::DEFAULT).unwrap();
        assert_eq!((real.topic.as_str(), real.queue_id), ("T", 3));
        assert_eq!((real.flag, real.sys_flag, real.born_timestamp), (7, 1, 42));
        assert_eq!((real.reconsume_times, real.born_host), (2, born));
        assert_eq!(real.body.as_ref(), b"hi");
        assert_eq!(real.property(property::DELAY), None);
        assert_eq!(real.property(property::WAIT), Some("false"));
        assert_eq!(real.property(property::TAGS), Some("A"));
        assert_eq!(real.property(property::REAL_TOPIC), Some("T"));

        let mut half = msg.clone();
        half.properties
            .insert(property::REAL_TOPIC, TRANS_HALF_TOPIC);
        assert!(real_message(&half, host).unwrap().is_none());
        let mut bad = msg;
        bad.properties.remove(property::REAL_QID);
        assert!(real_message(&bad, host).is_err());
    }
}
