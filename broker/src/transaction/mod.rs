//! Transactional messages on the broker (reference §9, Java `TransactionalMessageService`).
//!
//! - On send, [`half_target`] turns a `TRAN_MSG=true` message into a half message in
//!   `RMQ_SYS_TRANS_HALF_TOPIC` queue 0 (real topic and queue in `REAL_TOPIC` /
//!   `REAL_QID`, transaction type reset to NOT so it gets a ConsumeQueue entry): consumers
//!   of the real topic never see it.
//! - END_TRANSACTION ([`end`], routed from `processor::transaction`) commits (the real
//!   message is written, then an op record) or rolls back (op record only).
//! - Op records ([`op`]) in `RMQ_SYS_TRANS_OP_HALF_TOPIC`, tag `d`, body = the half
//!   queue offset, mark a half message as decided.
//! - The check service (`check`) asks a live producer of the group about half messages
//!   left undecided for `transactionTimeOut`, and after `transactionCheckMax` checks moves
//!   them to `TRANS_CHECK_MAX_TIME_TOPIC`. Its progress is the consumer offsets of group
//!   `CID_RMQ_SYS_TRANS` on the half and op topics, in `consumerOffset.json`.

mod check;
pub mod end;
pub mod op;
pub mod recent;

use std::sync::Arc;

use cometmq_remoting::body::perm;
use cometmq_remoting::message::{property, sysflag, Properties};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::state::BrokerState;
use crate::topic_names::{TRANS_HALF_TOPIC, TRANS_OP_HALF_TOPIC};
use crate::topics::Upsert;

/// The consumer group whose offsets record the check service's progress.
pub const CHECK_GROUP: &str = "CID_RMQ_SYS_TRANS";
/// Tag of op records (Java `TransactionalMessageUtil.REMOVETAG`).
pub const REMOVE_TAG: &str = "d";
/// Queue of the half topic (and of the op topic) that half messages use.
pub const HALF_QUEUE_ID: i32 = 0;

/// Rewrites a transactional message into a half message: `REAL_TOPIC`, `REAL_QID` and
/// `__transactionId__` (= `UNIQ_KEY`) added, transaction type reset to NOT. Returns the
/// topic and queue to store into.
pub fn half_target(
    topic: &str,
    queue_id: i32,
    props: &mut Properties,
    sys_flag: &mut i32,
) -> (String, i32) {
    props.insert(property::REAL_TOPIC, topic);
    props.insert(property::REAL_QID, queue_id.to_string());
    if let Some(uniq) = props.get(property::UNIQ_KEY).map(str::to_string) {
        props.insert(property::TRANSACTION_ID, uniq);
    }
    *sys_flag = sysflag::reset_transaction_value(*sys_flag, sysflag::TRANSACTION_NOT_TYPE);
    (TRANS_HALF_TOPIC.to_string(), HALF_QUEUE_ID)
}

/// Whether a `TRAN_MSG` value means "transactional" (Java `Boolean.parseBoolean`).
pub fn is_transactional(props: &Properties) -> bool {
    props
        .get(property::TRAN_MSG)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Creates a system topic (one read-write queue) in the topic table on first use, as
/// Java's `TransactionalMessageBridge` does, so it is registered and readable.
pub async fn ensure_topic(state: &BrokerState, topic: &str) {
    if state.topics.get(topic).is_some() {
        return;
    }
    if let Upsert::Changed(_) = state
        .topics
        .get_or_create(topic, 1, perm::READ | perm::WRITE)
    {
        state.topics_updated().await;
    }
}

/// How long a commit is remembered to refuse a second commit of the same transaction:
/// twice the time a check round can take, at least a minute.
pub fn recent_commit_window(cfg: &crate::config::BrokerConfig) -> std::time::Duration {
    let round = cfg
        .transaction_time_out
        .saturating_add(cfg.transaction_check_interval);
    std::time::Duration::from_millis(round.saturating_mul(2).max(60_000))
}

/// The CommitLog age (ms) past which a half message is given up: `fileReservedTime`.
fn max_half_age_ms(state: &BrokerState) -> i64 {
    i64::try_from(state.config().store.file_reserved_time.as_millis()).unwrap_or(i64::MAX)
}

/// How long after its birth a half message may be checked: `transactionTimeOut`, or the
/// message's `CHECK_IMMUNITY_TIME_IN_SECONDS` when that is longer (Java `getImmunityTime`).
pub fn immunity_ms(props: &Properties, transaction_timeout_ms: u64) -> i64 {
    let timeout = i64::try_from(transaction_timeout_ms).unwrap_or(i64::MAX);
    props
        .get(property::CHECK_IMMUNITY_TIME_IN_SECONDS)
        .and_then(|s| s.trim().parse::<i64>().ok())
        .map_or(timeout, |secs| secs.saturating_mul(1000).max(timeout))
}

/// GET_BROKER_RUNTIME_INFO entries (a CometMQ addition): `transactionCheckOffset` =
/// `"<check service offset>,<half queue max offset>"`; the difference bounds the half
/// messages awaiting a decision or a check.
pub fn runtime_info(state: &BrokerState) -> Vec<(String, String)> {
    let max = state.store.max_offset(TRANS_HALF_TOPIC, HALF_QUEUE_ID);
    let at = state
        .offsets
        .query(CHECK_GROUP, TRANS_HALF_TOPIC, HALF_QUEUE_ID)
        .unwrap_or_else(|| state.store.min_offset(TRANS_HALF_TOPIC, HALF_QUEUE_ID));
    vec![("transactionCheckOffset".to_string(), format!("{at},{max}"))]
}

/// Starts the check service; it stops when `stop` is cancelled.
pub fn spawn(state: &Arc<BrokerState>, stop: &CancellationToken) -> JoinHandle<()> {
    tokio::spawn(check::run(state.clone(), stop.clone()))
}

/// The op topic too, created on first use.
pub(crate) async fn ensure_op_topic(state: &BrokerState) {
    ensure_topic(state, TRANS_OP_HALF_TOPIC).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_rewrite() {
        let mut p = Properties::new();
        p.insert(property::UNIQ_KEY, "U1");
        p.insert(property::TRAN_MSG, "TRUE");
        assert!(is_transactional(&p));
        let mut flag = sysflag::TRANSACTION_PREPARED_TYPE | sysflag::COMPRESSED;
        let (t, q) = half_target("T", 3, &mut p, &mut flag);
        assert_eq!((t.as_str(), q), (TRANS_HALF_TOPIC, 0));
        assert_eq!(flag, sysflag::COMPRESSED);
        assert_eq!(p.get(property::REAL_TOPIC), Some("T"));
        assert_eq!(p.get(property::REAL_QID), Some("3"));
        assert_eq!(p.get(property::TRANSACTION_ID), Some("U1"));
    }

    #[test]
    fn immunity() {
        let mut p = Properties::new();
        assert_eq!(immunity_ms(&p, 6000), 6000);
        p.insert(property::CHECK_IMMUNITY_TIME_IN_SECONDS, "10");
        assert_eq!(immunity_ms(&p, 6000), 10_000);
        p.insert(property::CHECK_IMMUNITY_TIME_IN_SECONDS, "1");
        assert_eq!(immunity_ms(&p, 6000), 6000);
    }
}
