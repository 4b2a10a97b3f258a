//! A slave's metadata sync from its master (reference §10, Java `SlaveSynchronize`):
//! every `slaveSynchronizeInterval` (10 s) the slave asks the master for its topic
//! configs, consumer offsets, delay offsets and subscription groups and overwrites its
//! own copies when they differ, so consumers that fail over to the slave find their
//! topics, groups and offsets there.
//!
//! - Topics and groups: replaced whole, version included, when table or version differ.
//! - Consumer offsets: merged (the master's entries overwrite; entries only the slave has,
//!   committed there while the master was away, stay), as Java's `putAll`.
//! - Delay offsets: `config/delayOffset.json` is overwritten with the master's text; a
//!   master without delay support ("not supported" / "no delay offset") is skipped.
//!
//! Concurrency: one task; each table is updated under its own short lock and saved on a
//! blocking thread when it changed.

use cometmq_remoting::periodic;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cometmq_remoting::body::{
    fastjson, ConsumerOffsetWrapper, SubscriptionGroupWrapper, TopicConfigSerializeWrapper,
};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::transport::RemotingClient;
use cometmq_remoting::RemotingCommand;
use tokio_util::sync::CancellationToken;

use crate::config::BrokerRole;
use crate::state::BrokerState;

/// How long one metadata request may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(3);

/// What one sync pass changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// The topic table was replaced.
    pub topics: bool,
    /// Consumer offsets updated.
    pub offsets: usize,
    /// `delayOffset.json` was rewritten.
    pub delay_offsets: bool,
    /// The group table was replaced.
    pub groups: bool,
}

/// Syncs on a slave every `slaveSynchronizeInterval` until `stop`; does nothing on a
/// master.
pub async fn run(state: Arc<BrokerState>, client: Arc<RemotingClient>, stop: CancellationToken) {
    // The first pass runs at once.
    let mut first = true;
    let period = || {
        let every = Duration::from_millis(state.config().slave_synchronize_interval.max(100));
        if std::mem::take(&mut first) {
            Duration::ZERO
        } else {
            every
        }
    };
    periodic::every(stop.cancelled(), period, || async {
        if state.config().broker_role != BrokerRole::Slave {
            return;
        }
        let Some(master) = state.ha.master_addr() else {
            return;
        };
        if master == state.broker_addr {
            return;
        }
        let report = tokio::select! {
            _ = stop.cancelled() => return,
            r = sync_all(&state, &client, &master) => r,
        };
        if report != SyncReport::default() {
            tracing::info!(?report, %master, "metadata synced from the master");
        }
    })
    .await;
}

/// One pass over the four tables. Failures are logged and leave that table as it was.
pub async fn sync_all(
    state: &Arc<BrokerState>,
    client: &RemotingClient,
    master: &str,
) -> SyncReport {
    let mut report = SyncReport::default();
    match fetch(client, master, request::GET_ALL_TOPIC_CONFIG).await {
        Ok(Some(body)) => match fastjson::from_slice::<TopicConfigSerializeWrapper>(&body) {
            Ok(w) => {
                if state.topics.replace(w) {
                    state.topics.persist().await;
                    report.topics = true;
                }
            }
            Err(e) => tracing::warn!(error = %e, "bad GET_ALL_TOPIC_CONFIG body"),
        },
        Ok(None) => {}
        Err(e) => tracing::warn!(%master, error = %e, "cannot sync topic configs"),
    }
    match fetch(client, master, request::GET_ALL_CONSUMER_OFFSET).await {
        Ok(Some(body)) => match fastjson::from_slice::<ConsumerOffsetWrapper>(&body) {
            Ok(w) => {
                report.offsets = merge_offsets(state, w);
                if report.offsets > 0 {
                    state.offsets.persist().await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "bad GET_ALL_CONSUMER_OFFSET body"),
        },
        Ok(None) => {}
        Err(e) => tracing::warn!(%master, error = %e, "cannot sync consumer offsets"),
    }
    match fetch(client, master, request::GET_ALL_DELAY_OFFSET).await {
        Ok(Some(body)) => match write_delay_offsets(state, body).await {
            Ok(changed) => report.delay_offsets = changed,
            Err(e) => tracing::warn!(error = %e, "cannot write delayOffset.json"),
        },
        Ok(None) => {}
        Err(e) => tracing::debug!(%master, error = %e, "no delay offsets from the master"),
    }
    match fetch(client, master, request::GET_TIMER_CHECK_POINT).await {
        Ok(Some(body)) => state.timer.follow_master(&body),
        Ok(None) => {}
        Err(e) => tracing::debug!(%master, error = %e, "no timer checkpoint from the master"),
    }
    match fetch(client, master, request::GET_ALL_SUBSCRIPTIONGROUP_CONFIG).await {
        Ok(Some(body)) => match fastjson::from_slice::<SubscriptionGroupWrapper>(&body) {
            Ok(w) => {
                if state.groups.replace(w) {
                    state.groups.persist().await;
                    report.groups = true;
                }
            }
            Err(e) => tracing::warn!(error = %e, "bad GET_ALL_SUBSCRIPTIONGROUP_CONFIG body"),
        },
        Ok(None) => {}
        Err(e) => tracing::warn!(%master, error = %e, "cannot sync subscription groups"),
    }
    report
}

/// The body of a successful answer; `None` when the master does not support the request
/// or has nothing (Java answers SYSTEM_ERROR "No … in this broker").
async fn fetch(client: &RemotingClient, master: &str, code: i32) -> Result<Option<Bytes>, String> {
    let resp = client
        .invoke(master, RemotingCommand::request(code), CALL_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    match resp.code {
        response::SUCCESS => Ok(Some(resp.body.to_bytes())),
        response::REQUEST_CODE_NOT_SUPPORTED => Ok(None),
        c if c == response::SYSTEM_ERROR
            && resp.remark.as_deref().is_some_and(|r| r.starts_with("No ")) =>
        {
            Ok(None)
        }
        c => Err(format!("code {c}: {}", resp.remark.unwrap_or_default())),
    }
}

/// Copies the master's offsets over the slave's; returns how many changed.
fn merge_offsets(state: &BrokerState, from_master: ConsumerOffsetWrapper) -> usize {
    let mut changed = 0;
    for (key, queues) in from_master.offset_table {
        let Some((topic, group)) = key.split_once('@') else {
            continue;
        };
        for (queue_id, offset) in queues {
            if state.offsets.query(group, topic, queue_id) != Some(offset) {
                state.offsets.commit(group, topic, queue_id, offset);
                changed += 1;
            }
        }
    }
    changed
}

/// Takes the master's delay progress (GET_ALL_DELAY_OFFSET) into the slave's table and
/// saves `delayOffset.json` when it changed, so a promoted slave resumes delivery there.
async fn write_delay_offsets(state: &Arc<BrokerState>, text: Bytes) -> std::io::Result<bool> {
    let wrapper: crate::schedule::offsets::DelayOffsetSerializeWrapper =
        fastjson::from_slice(&text).map_err(|e| std::io::Error::other(e.to_string()))?;
    let offsets = state.schedule.offsets();
    if offsets.snapshot() == wrapper {
        return Ok(false);
    }
    offsets.replace(wrapper.offset_table);
    // Through the file's one writer, which the delivery task's periodic save shares.
    let state = state.clone();
    tokio::task::spawn_blocking(move || state.schedule.save().map(|()| true))
        .await
        .map_err(std::io::Error::other)?
}
