//! POP consumption (RocketMQ 5), as Java's broker does it:
//!
//! - A pop reads a queue from the group's offset, writes a **checkpoint** record (which
//!   offsets were handed out, when, for how long) to the revive topic
//!   `rmq_sys_REVIVE_LOG_<cluster>`, and moves the group's offset past them.
//! - An ack (or batch ack, or change of invisible time) writes an **ack** record there.
//! - The revive service ([`revive`]) reads the revive queues, pairs acks with their
//!   checkpoints, and when a checkpoint's invisible time is over re-puts every un-acked
//!   message to the pop retry topic `%RETRY%<group>_<topic>` (reconsume count + 1), or to
//!   `%DLQ%<group>` once it was consumed `retryMaxTimes` times.
//!
//! Checkpoints and acks are messages: they persist and replicate with the CommitLog, and
//! the revive service's progress is the offset of group `CID_RMQ_SYS_REVIVE_GROUP` on
//! each revive queue, so a restart (or a promoted slave) picks up where it stopped.

/// The receipt (extraInfo) format, shared with the client.
pub use cometmq_remoting::header::extra_info as receipt;
pub mod assignment;
pub mod order;
pub mod records;
pub mod request_modes;
pub mod revive;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cometmq_remoting::body::perm;
use cometmq_remoting::message::{property, Properties, RecordParts};
use cometmq_store::{PutOptions, PutStatus};
use parking_lot::Mutex;

use crate::state::{now_ms, BrokerState};

/// The group whose offsets record the revive service's progress.
pub const REVIVE_GROUP: &str = "CID_RMQ_SYS_REVIVE_GROUP";

/// The revive topic of a cluster (`PopAckConstants.buildClusterReviveTopic`).
pub fn revive_topic(cluster: &str) -> String {
    format!("rmq_sys_REVIVE_LOG_{cluster}")
}

/// Shared POP state: the per-queue pop locks, the revive queue round-robin, and the
/// count of held pops per `topic@group@queueId` (POLLING_INFO).
#[derive(Default)]
pub struct PopState {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    ck_counter: AtomicU64,
    polling: Arc<Mutex<HashMap<String, i32>>>,
    namesrv: std::sync::OnceLock<cometmq_remoting::transport::RemotingClient>,
    /// Orderly pops: which queues are held, and how often each message was consumed.
    pub order: order::OrderTable,
}

/// A held pop or notification, counted until dropped.
pub struct Polling {
    key: String,
    table: Arc<Mutex<HashMap<String, i32>>>,
}

impl Drop for Polling {
    fn drop(&mut self) {
        let mut t = self.table.lock();
        if let Some(n) = t.get_mut(&self.key) {
            *n -= 1;
            if *n <= 0 {
                t.remove(&self.key);
            }
        }
    }
}

impl PopState {
    /// The lock serialising pops (and orderly acks) of one queue for one group.
    pub fn queue_lock(
        &self,
        topic: &str,
        group: &str,
        queue_id: i32,
    ) -> Arc<tokio::sync::Mutex<()>> {
        let key = format!("{topic}@{group}@{queue_id}");
        self.locks.lock().entry(key).or_default().clone()
    }

    /// The client QUERY_ASSIGNMENT asks the NameServers for routes with (made on first use).
    pub fn namesrv_client(&self) -> &cometmq_remoting::transport::RemotingClient {
        self.namesrv
            .get_or_init(|| cometmq_remoting::transport::RemotingClient::new(Default::default()))
    }

    /// Counts a held request on `topic@group@queue_id` until the guard is dropped.
    pub fn hold(&self, topic: &str, group: &str, queue_id: i32) -> Polling {
        let key = format!("{topic}@{group}@{queue_id}");
        *self.polling.lock().entry(key.clone()).or_default() += 1;
        Polling {
            key,
            table: self.polling.clone(),
        }
    }

    /// Requests held now on `topic@group@queue_id` (Java's `pollingMap` size).
    pub fn polling_num(&self, topic: &str, group: &str, queue_id: i32) -> i32 {
        let key = format!("{topic}@{group}@{queue_id}");
        self.polling.lock().get(&key).copied().unwrap_or(0)
    }

    /// The revive queue of the next pop (round robin over `reviveQueueNum`).
    pub fn next_revive_qid(&self, revive_queue_num: i32) -> i32 {
        let n = u64::try_from(revive_queue_num.max(1)).unwrap_or(1);
        i32::try_from(self.ck_counter.fetch_add(1, Ordering::Relaxed) % n).unwrap_or(0)
    }
}

/// Creates the revive topic if it is missing (at start-up, as Java's topic manager does).
pub async fn ensure_revive_topic(state: &BrokerState) {
    let cfg = state.config();
    if cfg.broker_role == crate::config::BrokerRole::Slave {
        return;
    }
    let topic = revive_topic(&cfg.broker_cluster_name);
    let created = state.topics.get_or_create(
        &topic,
        cfg.revive_queue_num.max(1),
        perm::READ | perm::WRITE,
    );
    if let crate::topics::Upsert::Changed(_) = created {
        state.topics_updated().await;
    }
}

/// Appends one record to revive queue `revive_qid`. Like Java's, it waits for neither
/// disk nor slave.
pub async fn put_record(
    state: &BrokerState,
    revive_qid: i32,
    tag: &str,
    unique_id: String,
    body: &[u8],
) -> PutStatus {
    let topic = revive_topic(&state.config().broker_cluster_name);
    let mut props = Properties::new();
    props.insert(property::TAGS, tag);
    props.insert(property::UNIQ_KEY, unique_id);
    let text = props.encode();
    let parts = RecordParts {
        queue_id: revive_qid,
        born_timestamp: now_ms(),
        ..RecordParts::new(
            &topic,
            body,
            text.as_bytes(),
            state.store_host,
            state.store_host,
        )
    };
    match crate::append::encode(&parts) {
        Ok(buf) => {
            let opts = PutOptions {
                batch: false,
                wait: false,
            };
            crate::append::put(state, buf, opts).await.status
        }
        Err(e) => {
            tracing::error!("cannot encode a revive record: {e}");
            PutStatus::MessageIllegal
        }
    }
}
