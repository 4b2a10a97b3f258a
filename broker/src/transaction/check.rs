//! The transaction check service (Java `TransactionalMessageCheckService`): every
//! `transactionCheckInterval`, one pass over the half queue from the `CID_RMQ_SYS_TRANS`
//! offset.
//!
//! A pass first reads the op records from the group's op offset into the set of decided
//! half offsets. Then, for each half message in order:
//! - decided: skipped;
//! - checked `transactionCheckMax` times already, or older than `fileReservedTime`: moved
//!   to `TRANS_CHECK_MAX_TIME_TOPIC`;
//! - another copy of the same transaction (same `UNIQ_KEY`) was decided, or handled
//!   earlier in this pass: skipped (an obsolete copy, e.g. after a crash);
//! - stored after the pass began (a copy this pass made), or not yet due: the pass
//!   ends. A first check is due `transactionTimeOut` (or `CHECK_IMMUNITY_TIME_IN_SECONDS`
//!   when longer) after the message was born; a later one `transactionTimeOut` after
//!   the previous check (Java re-checks from the birth time: this gives a producer a
//!   whole timeout to answer each check);
//! - otherwise: re-appended with `TRANSACTION_CHECK_TIMES` + 1 and CHECK_TRANSACTION_STATE
//!   is sent one-way, about the copy, to a live producer of its group. The producer's
//!   END_TRANSACTION then names the copy.
//!
//! The offsets then move past what the pass handled: the half offset to the first message
//! left for later, the op offset past op records that only name handled messages.

use cometmq_remoting::periodic;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::code::request;
use cometmq_remoting::header::CheckTransactionStateRequestHeader;
use cometmq_remoting::message::{
    decode_record, property, DecodeOptions, RecordParts, StoredRecord,
};
use cometmq_remoting::RemotingCommand;
use cometmq_store::{Appended, MessageStore, PutOptions};
use rand::seq::SliceRandom;
use tokio_util::sync::CancellationToken;

use super::{end, op, CHECK_GROUP, HALF_QUEUE_ID};
use crate::config::BrokerRole;
use crate::state::BrokerState;
use crate::topic_names::{TRANS_CHECK_MAX_TIME_TOPIC, TRANS_HALF_TOPIC, TRANS_OP_HALF_TOPIC};
use cometmq_remoting::clock::now_ms;

/// Longest wait for a one-way check to be queued on a producer's connection.
const SEND_TIMEOUT: Duration = Duration::from_secs(3);

/// Runs check passes until `stop`.
pub(super) async fn run(state: Arc<BrokerState>, stop: CancellationToken) {
    let period = || Duration::from_millis(state.config().transaction_check_interval.max(10));
    periodic::every(stop.cancelled(), period, || async {
        if state.config().broker_role != BrokerRole::Slave {
            check_pass(&state, &stop).await;
        }
    })
    .await;
}

/// What happened to one half message in a pass.
enum Outcome {
    /// Handled (skipped, checked or moved aside): the offset may move past it.
    Done,
    /// Not handled now; the pass ends here and resumes from it next time.
    Stop,
}

/// One pass over the half queue.
async fn check_pass(state: &BrokerState, stop: &CancellationToken) {
    let store = &state.store;
    let half_min = store.min_offset(TRANS_HALF_TOPIC, HALF_QUEUE_ID);
    let half_max = store.max_offset(TRANS_HALF_TOPIC, HALF_QUEUE_ID);
    let start_half = state
        .offsets
        .query(CHECK_GROUP, TRANS_HALF_TOPIC, HALF_QUEUE_ID)
        .unwrap_or(half_min)
        .max(half_min);
    if start_half >= half_max {
        return;
    }
    let started = now_ms();
    let op_min = store.min_offset(TRANS_OP_HALF_TOPIC, HALF_QUEUE_ID);
    let op_max = store.max_offset(TRANS_OP_HALF_TOPIC, HALF_QUEUE_ID);
    let op_from = state
        .offsets
        .query(CHECK_GROUP, TRANS_OP_HALF_TOPIC, HALF_QUEUE_ID)
        .unwrap_or(op_min)
        .max(op_min);
    // Records are read on the blocking pool (their pages may be on disk). Without the op
    // records every decided message would look undecided: no pass then.
    let Ok(ops) = state
        .read_store(move |store| read_ops(store, op_from, op_max))
        .await
    else {
        return;
    };
    let decided: HashSet<i64> = ops.iter().flatten().copied().collect();
    // Transactions already decided (by any copy) or handled in this pass: later copies
    // of them are obsolete and must not be checked again.
    let offsets: Vec<i64> = decided.iter().copied().collect();
    let Ok(mut handled) = state
        .read_store(move |store| {
            offsets
                .into_iter()
                .filter_map(|o| half_message(store, o))
                .filter_map(|m| m.uniq_key().map(str::to_string))
                .collect::<HashSet<String>>()
        })
        .await
    else {
        return;
    };
    let mut at = start_half;
    while at < half_max && !stop.is_cancelled() {
        if !decided.contains(&at) {
            if let Outcome::Stop = check_one(state, at, started, &mut handled).await {
                break;
            }
        }
        at += 1;
    }
    // Op records are done once every offset they name is behind the half offset.
    let op_done = op_from
        + ops
            .iter()
            .take_while(|named| named.iter().all(|o| *o < at))
            .count() as i64;
    let op_before = state
        .offsets
        .query(CHECK_GROUP, TRANS_OP_HALF_TOPIC, HALF_QUEUE_ID);
    state
        .offsets
        .commit(CHECK_GROUP, TRANS_HALF_TOPIC, HALF_QUEUE_ID, at);
    state
        .offsets
        .commit(CHECK_GROUP, TRANS_OP_HALF_TOPIC, HALF_QUEUE_ID, op_done);
    if at != start_half || op_before != Some(op_done) {
        state.offsets.persist().await;
    }
}

/// Reads the op records `from..to`: for each, the half offsets it names (empty for an
/// unreadable record).
fn read_ops(store: &MessageStore, from: i64, to: i64) -> Vec<Vec<i64>> {
    (from..to)
        .map(|j| {
            store
                .cq_entry(TRANS_OP_HALF_TOPIC, HALF_QUEUE_ID, j)
                .filter(|e| !e.is_filler())
                .and_then(|e| store.get_message_at(e.phys_offset))
                .and_then(|r| decode_record(&r, DecodeOptions::DEFAULT).ok())
                .filter(|m| m.tags() == Some(super::REMOVE_TAG))
                .map(|m| op::parse_body(&m.body))
                .unwrap_or_default()
        })
        .collect()
}

/// The half message at queue offset `offset`, if readable.
fn half_message(store: &MessageStore, offset: i64) -> Option<StoredRecord> {
    let entry = store
        .cq_entry(TRANS_HALF_TOPIC, HALF_QUEUE_ID, offset)
        .filter(|e| !e.is_filler())?;
    let record = store.get_message_at(entry.phys_offset)?;
    decode_record(&record, DecodeOptions::DEFAULT).ok()
}

/// What the half queue holds at an offset.
enum Slot {
    /// Nothing (yet).
    Empty,
    /// A filler entry.
    Filler,
    /// An entry whose record is gone or undecodable.
    Unreadable,
    Message(Box<StoredRecord>),
}

/// Reads the half queue at `offset`.
fn read_slot(store: &MessageStore, offset: i64) -> Slot {
    let Some(entry) = store.cq_entry(TRANS_HALF_TOPIC, HALF_QUEUE_ID, offset) else {
        return Slot::Empty;
    };
    if entry.is_filler() {
        return Slot::Filler;
    }
    match store
        .get_message_at(entry.phys_offset)
        .and_then(|r| decode_record(&r, DecodeOptions::DEFAULT).ok())
    {
        Some(m) => Slot::Message(Box::new(m)),
        None => Slot::Unreadable,
    }
}

/// Looks at the half message at `offset` and checks it, moves it aside, or stops.
/// `handled` holds the `UNIQ_KEY`s of transactions decided or handled in this pass.
async fn check_one(
    state: &BrokerState,
    offset: i64,
    pass_started: i64,
    handled: &mut HashSet<String>,
) -> Outcome {
    let msg = match state
        .read_store(move |store| read_slot(store, offset))
        .await
    {
        Ok(Slot::Message(m)) => *m,
        Ok(Slot::Filler) => return Outcome::Done,
        Ok(Slot::Unreadable) => {
            tracing::warn!(offset, "half message unreadable or deleted; skipped");
            return Outcome::Done;
        }
        Ok(Slot::Empty) | Err(_) => return Outcome::Stop,
    };
    if msg.uniq_key().is_some_and(|k| handled.contains(k)) {
        return Outcome::Done;
    }
    let cfg = state.config();
    let checks: i32 = msg
        .property(property::TRANSACTION_CHECK_TIMES)
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let now = now_ms();
    if checks >= cfg.transaction_check_max
        || now - msg.born_timestamp > super::max_half_age_ms(state)
    {
        return match move_aside(state, &msg).await {
            Ok(()) => {
                tracing::info!(offset, checks, uniq = ?msg.uniq_key(), "half message given up; moved to {TRANS_CHECK_MAX_TIME_TOPIC}");
                mark(handled, &msg);
                Outcome::Done
            }
            Err(e) => {
                tracing::warn!(offset, error = %e, "cannot move a half message aside");
                Outcome::Stop
            }
        };
    }
    if msg.store_timestamp >= pass_started {
        return Outcome::Stop;
    }
    // First check: `transactionTimeOut` (or the immunity time) after birth, as Java.
    // Later checks: `transactionTimeOut` after the previous check (the copy's store
    // time), so a producer always has that long to answer before being asked again.
    let (since, wait) = if checks == 0 {
        let wait = super::immunity_ms(&msg.properties, cfg.transaction_time_out);
        (msg.born_timestamp, wait)
    } else {
        let wait = i64::try_from(cfg.transaction_time_out).unwrap_or(i64::MAX);
        (msg.store_timestamp, wait)
    };
    if (0..wait).contains(&(now - since)) {
        return Outcome::Stop;
    }
    let copy = match put_back(state, &msg, checks + 1).await {
        Ok(copy) => copy,
        Err(e) => {
            tracing::warn!(offset, error = %e, "cannot re-append a half message for its check");
            return Outcome::Stop;
        }
    };
    mark(handled, &msg);
    send_check(state, &copy).await;
    Outcome::Done
}

fn mark(handled: &mut HashSet<String>, msg: &StoredRecord) {
    if let Some(k) = msg.uniq_key() {
        handled.insert(k.to_string());
    }
}

/// Appends a copy of `msg` in `topic`/`queue_id` with `props`, waiting for nothing (as
/// Java's `renewHalfMessageInner`, `waitStoreMsgOK = false`); the placement if stored.
async fn append_copy(
    state: &BrokerState,
    msg: &StoredRecord,
    topic: &str,
    queue_id: i32,
    props: &cometmq_remoting::message::Properties,
) -> Result<Appended, String> {
    let text = props.encode();
    let parts = RecordParts {
        topic,
        queue_id,
        prepared_transaction_offset: 0,
        ..RecordParts::from_stored(msg, text.as_bytes(), state.store_host)
    };
    let buf = crate::append::encode(&parts).map_err(|e| e.to_string())?;
    let opts = PutOptions {
        batch: false,
        wait: false,
    };
    let r = crate::append::put(state, buf, opts).await;
    match r.appended {
        Some(a) if r.status.is_stored() => Ok(a),
        _ => Err(format!("store refused: {}", r.status.java_name())),
    }
}

/// Re-appends the half message with `TRANSACTION_CHECK_TIMES` = `checks`; returns the
/// copy as stored (its new offsets and store time).
async fn put_back(
    state: &BrokerState,
    msg: &StoredRecord,
    checks: i32,
) -> Result<StoredRecord, String> {
    let mut props = msg.properties.clone();
    props.insert(property::TRANSACTION_CHECK_TIMES, checks.to_string());
    let a = append_copy(state, msg, TRANS_HALF_TOPIC, HALF_QUEUE_ID, &props).await?;
    let mut copy = msg.clone();
    copy.properties = props;
    copy.commit_log_offset = a.phys_offset;
    copy.queue_offset = a.queue_offset;
    copy.store_timestamp = a.store_timestamp;
    copy.store_host = state.store_host;
    Ok(copy)
}

/// Gives up on a half message: a copy goes to `TRANS_CHECK_MAX_TIME_TOPIC` queue 0.
async fn move_aside(state: &BrokerState, msg: &StoredRecord) -> Result<(), String> {
    super::ensure_topic(state, TRANS_CHECK_MAX_TIME_TOPIC).await;
    let mut props = msg.properties.clone();
    props.insert(property::WAIT, "false");
    append_copy(state, msg, TRANS_CHECK_MAX_TIME_TOPIC, 0, &props)
        .await
        .map(|_| ())
}

/// Sends CHECK_TRANSACTION_STATE about `half` (one-way) to a random live producer
/// connection of its `PGROUP`; logs when there is none (the next pass checks again).
async fn send_check(state: &BrokerState, half: &StoredRecord) {
    let Some(group) = half.property(property::PGROUP) else {
        tracing::warn!(
            offset = half.queue_offset,
            "half message without PGROUP; cannot check"
        );
        return;
    };
    let channels: Vec<_> = state
        .clients
        .producer_channels(group)
        .into_iter()
        .filter(|c| !c.conn.is_closed())
        .collect();
    let Some(channel) = channels.choose(&mut rand::thread_rng()) else {
        tracing::warn!(
            group,
            offset = half.queue_offset,
            "no live producer of the group for a transaction check"
        );
        return;
    };
    let body = match end::check_body(half) {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(offset = half.queue_offset, error = %e, "cannot build a transaction check");
            return;
        }
    };
    let uniq = half.uniq_key().map(str::to_string);
    let header = CheckTransactionStateRequestHeader {
        topic: half.property(property::REAL_TOPIC).map(str::to_string),
        tran_state_table_offset: half.queue_offset,
        commit_log_offset: half.commit_log_offset,
        msg_id: uniq.clone(),
        transaction_id: uniq,
        offset_msg_id: Some(end::offset_msg_id(state.store_host, half.commit_log_offset)),
        broker_name: Some(state.config().broker_name.clone()),
    };
    let req = RemotingCommand::request_with_header(request::CHECK_TRANSACTION_STATE, &header)
        .with_body(body);
    match tokio::time::timeout(SEND_TIMEOUT, channel.conn.invoke_oneway(req)).await {
        Ok(Ok(())) => {
            tracing::debug!(group, client = %channel.client_id, offset = half.queue_offset, "transaction check sent")
        }
        Ok(Err(e)) => {
            tracing::warn!(group, client = %channel.client_id, error = %e, "transaction check not sent")
        }
        Err(_) => tracing::warn!(group, client = %channel.client_id, "transaction check timed out"),
    }
}
