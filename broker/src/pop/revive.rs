//! The revive service (Java `PopReviveService`): one task per revive queue reads the
//! checkpoint and ack records in order, pairs them, and once a checkpoint's invisible
//! time is over re-puts its un-acked messages to the pop retry topic (or the group's
//! dead-letter topic after `retryMaxTimes` consumptions).
//!
//! Progress: the revive queue's offset of [`REVIVE_GROUP`], committed as the revive
//! offset of the oldest checkpoint still waiting (or the read position when none is).
//! After a restart the queue is read again from there, which rebuilds the waiting
//! checkpoints and their acks; a checkpoint revived just before a crash may revive
//! again (at least once, as in Java).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::body::perm;
use cometmq_remoting::message::{decode_record, property, DecodeOptions, RecordParts};
use cometmq_store::{AcceptAll, GetStatus};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::receipt::pop_retry_topic;
use super::records::{AckRecord, CheckPoint, CkKey, ACK_TAG, BATCH_ACK_TAG, CK_TAG};
use super::{revive_topic, REVIVE_GROUP};
use crate::append::{self, Redirect};
use crate::config::BrokerRole;
use crate::state::{now_ms, BrokerState};
use crate::topic_names::{dlq_topic, RETRY_PREFIX};
use crate::topics::Upsert;

/// Records read per pass.
const READ_BATCH: usize = 64;

/// Starts one revive task per revive queue.
pub fn spawn(state: &Arc<BrokerState>, stop: &CancellationToken) -> Vec<JoinHandle<()>> {
    (0..state.config().revive_queue_num.max(1))
        .map(|qid| tokio::spawn(run_queue(state.clone(), qid, stop.clone())))
        .collect()
}

/// A checkpoint waiting for its acks or its revive time.
struct Waiting {
    ck: CheckPoint,
    acked: Vec<bool>,
}

impl Waiting {
    fn ack(&mut self, offset: i64) {
        let i = self.ck.offsets().position(|o| o == offset);
        if let Some(i) = i {
            self.acked[i] = true;
        }
    }

    fn all_acked(&self) -> bool {
        self.acked.iter().all(|a| *a)
    }
}

/// One revive queue's state.
struct Queue {
    topic: String,
    qid: i32,
    read_offset: i64,
    waiting: HashMap<CkKey, Waiting>,
}

async fn run_queue(state: Arc<BrokerState>, qid: i32, stop: CancellationToken) {
    let topic = revive_topic(&state.config().broker_cluster_name);
    let read_offset = state.offsets.query(REVIVE_GROUP, &topic, qid).unwrap_or(0);
    let mut q = Queue {
        topic,
        qid,
        read_offset,
        waiting: HashMap::new(),
    };
    let mut growth = state.store.subscribe_growth(&q.topic, qid);
    loop {
        let interval = Duration::from_millis(state.config().revive_interval.max(10));
        if state.config().broker_role != BrokerRole::Slave {
            q.pass(&state).await;
        }
        let next_due = q
            .waiting
            .values()
            .map(|w| w.ck.revive_time())
            .min()
            .map(|t| Duration::from_millis(u64::try_from(t - now_ms()).unwrap_or(0)));
        let wait = next_due.map_or(interval, |d| d.min(interval));
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = growth.changed() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

impl Queue {
    /// Reads what is new, revives what is due, and commits the progress.
    async fn pass(&mut self, state: &Arc<BrokerState>) {
        self.read_new(state).await;
        let now = now_ms();
        let due: Vec<CkKey> = self
            .waiting
            .iter()
            .filter(|(_, w)| w.ck.revive_time() <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for key in due {
            let Some(w) = self.waiting.get(&key) else {
                continue;
            };
            let mut ok = true;
            let offsets: Vec<i64> =
                w.ck.offsets()
                    .zip(w.acked.iter())
                    .filter(|(_, acked)| !**acked)
                    .map(|(o, _)| o)
                    .collect();
            let ck = w.ck.clone();
            for offset in offsets {
                if !revive_one(state, &ck, offset).await {
                    ok = false;
                    break;
                }
                if let Some(w) = self.waiting.get_mut(&key) {
                    w.ack(offset);
                }
            }
            if ok {
                self.waiting.remove(&key);
            }
        }
        let progress = self
            .waiting
            .values()
            .map(|w| w.ck.revive_offset)
            .min()
            .unwrap_or(self.read_offset);
        state
            .offsets
            .commit(REVIVE_GROUP, &self.topic, self.qid, progress);
    }

    /// Reads the records past `read_offset`.
    async fn read_new(&mut self, state: &Arc<BrokerState>) {
        loop {
            let (topic, qid, offset) = (self.topic.clone(), self.qid, self.read_offset);
            let read = state
                .read_store(move |s| {
                    s.get_messages(None, &topic, qid, offset, READ_BATCH, &AcceptAll)
                })
                .await;
            let Ok(result) = read else { return };
            if result.status != GetStatus::Found {
                if result.next_begin_offset > self.read_offset {
                    self.read_offset = result.next_begin_offset;
                    continue;
                }
                return;
            }
            for (record, queue_offset) in result.messages.iter().zip(result.queue_offsets.iter()) {
                self.apply(record, *queue_offset);
            }
            self.read_offset = result.next_begin_offset;
        }
    }

    /// Applies one revive record.
    fn apply(&mut self, record: &bytes::Bytes, queue_offset: i64) {
        let msg = match decode_record(record, DecodeOptions::DEFAULT) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(queue_offset, "unreadable revive record: {e}");
                return;
            }
        };
        match msg.properties.get(property::TAGS) {
            Some(CK_TAG) => match serde_json::from_slice::<CheckPoint>(&msg.body) {
                Ok(mut ck) => {
                    ck.revive_offset = queue_offset;
                    let acked = vec![false; ck.queue_offset_diff.len()];
                    let key = ck.key();
                    self.waiting.entry(key).or_insert(Waiting { ck, acked });
                }
                Err(e) => tracing::warn!(queue_offset, "bad checkpoint record: {e}"),
            },
            Some(ACK_TAG) | Some(BATCH_ACK_TAG) => {
                match serde_json::from_slice::<AckRecord>(&msg.body) {
                    Ok(ack) => {
                        let key = ack.key();
                        if let Some(w) = self.waiting.get_mut(&key) {
                            for o in ack.offsets() {
                                w.ack(o);
                            }
                            if w.all_acked() {
                                self.waiting.remove(&key);
                            }
                        }
                    }
                    Err(e) => tracing::warn!(queue_offset, "bad ack record: {e}"),
                }
            }
            _ => {}
        }
    }
}

/// Re-puts the message at `offset` of the checkpoint's queue to the pop retry topic, or
/// to the dead-letter topic once it was consumed `retryMaxTimes` times. False when it
/// must be tried again later (the write failed); a message that is gone is skipped.
async fn revive_one(state: &Arc<BrokerState>, ck: &CheckPoint, offset: i64) -> bool {
    let (topic, qid) = (ck.topic.clone(), ck.queue_id);
    let read = state
        .read_store(move |s| s.get_messages(None, &topic, qid, offset, 1, &AcceptAll))
        .await;
    let Ok(result) = read else { return false };
    let record = match (result.messages.first(), result.queue_offsets.first()) {
        (Some(r), Some(o)) if *o == offset => r.clone(),
        _ => {
            tracing::warn!(topic = %ck.topic, queue = ck.queue_id, offset, "popped message gone, not revived");
            return true;
        }
    };
    let Ok(msg) = decode_record(&record, DecodeOptions::DEFAULT) else {
        return true;
    };
    let max = state.groups.get(&ck.cid).map_or(16, |g| g.retry_max_times);
    let to_dlq = msg.reconsume_times >= max;
    let cfg = state.config();
    let (target, created) = if to_dlq {
        let dlq = dlq_topic(&ck.cid);
        let created = state.topics.get_or_create(&dlq, 1, perm::WRITE);
        (dlq, created)
    } else {
        let retry = if ck.topic.starts_with(RETRY_PREFIX) {
            ck.topic.clone()
        } else {
            pop_retry_topic(&ck.topic, &ck.cid, cfg.enable_retry_topic_v2)
        };
        let created = state
            .topics
            .get_or_create(&retry, 1, perm::READ | perm::WRITE);
        (retry, created)
    };
    if let Upsert::Changed(_) = created {
        state.topics_updated().await;
    }
    let mut props = msg.properties.clone();
    if msg.reconsume_times == 0 || props.get(property::FIRST_POP_TIME).is_none() {
        props.insert(property::FIRST_POP_TIME, ck.pop_time.to_string());
    }
    if props.get(property::RETRY_TOPIC).is_none() {
        let origin = super::receipt::normal_topic(&ck.topic, &ck.cid).to_owned();
        props.insert(property::RETRY_TOPIC, origin);
    }
    if props.get(property::ORIGIN_MESSAGE_ID).is_none() {
        props.insert(property::ORIGIN_MESSAGE_ID, msg.msg_id());
    }
    let parts = RecordParts {
        topic: &target,
        queue_id: 0,
        reconsume_times: msg.reconsume_times + 1,
        prepared_transaction_offset: 0,
        ..RecordParts::from_stored(&msg, &[], state.store_host)
    };
    match append::write(state, parts, &mut props, Redirect::Delay, false).await {
        Ok(r) if r.status.is_stored() => {
            state.count_put(1);
            true
        }
        Ok(r) => {
            tracing::warn!(status = ?r.status, "revive put failed; will retry");
            false
        }
        Err(e) => {
            tracing::warn!("revive encode failed: {e}");
            true
        }
    }
}
