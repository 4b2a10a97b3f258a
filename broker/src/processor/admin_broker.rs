//! Broker-wide administration (reference §3.10, §4.3): GET_BROKER_RUNTIME_INFO (28),
//! VIEW_BROKER_STATS_DATA (315), GET_BROKER_CONFIG (26), UPDATE_BROKER_CONFIG (25), and the maintenance triggers
//! CLEAN_EXPIRED_CONSUMEQUEUE (306), CLEAN_UNUSED_TOPIC (316), TRIGGER_DELETE_FILES (27).
//!
//! UPDATE_BROKER_CONFIG changes the keys the running broker reads where it uses them
//! ([`RUNTIME_KEYS`]) and writes the whole config back to `brokerConfigPath`, as Java's
//! `Configuration.update` does; a key read once at start is refused, naming it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use cometmq_remoting::body::{fastjson, BrokerStatsData, BrokerStatsItem, JsonStyle, KvTable};
use cometmq_remoting::code::version;
use cometmq_remoting::header::{GetBrokerConfigResponseHeader, ViewBrokerStatsDataRequestHeader};
use cometmq_remoting::settings::{ApplyError, Settings};
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;
use cometmq_store::{DiskUsage, StatvfsDiskUsage};

use crate::config::{RULES, RUNTIME_KEYS};
use crate::error::{BrokerError, Reply};
use crate::processor::client::json_response;
use crate::state::BrokerState;
use crate::stats::java_double;

/// Keys UPDATE_BROKER_CONFIG refuses (Java refuses to move its config file).
const NOT_UPDATABLE: &[&str] = &["brokerConfigPath"];

/// `[ d days, h hours, m minutes, s seconds ]`, as Java prints the broker's uptime.
fn runtime_text(ms: u128) -> String {
    let secs = ms / 1000;
    format!(
        "[ {} days, {} hours, {} minutes, {} seconds ]",
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Disk use (0.0–1.0) of the file systems holding the CommitLog and the ConsumeQueues.
async fn disk_ratios(state: &BrokerState) -> (f64, f64) {
    let cfg = state.store.config();
    let paths: [PathBuf; 2] = [cfg.commit_log_dir(), cfg.consume_queue_dir()];
    tokio::task::spawn_blocking(move || {
        let [log, cq] = paths.map(|p| StatvfsDiskUsage.used_ratio(&p).unwrap_or(0.0));
        (log, cq)
    })
    .await
    .unwrap_or((0.0, 0.0))
}

/// GET_BROKER_RUNTIME_INFO: the KVTable mqadmin's `brokerStatus` and `clusterList` read.
/// Thread-pool figures are 0 (requests run on the async runtime), and so are the timer
/// TPS figures.
pub async fn runtime_info(
    state: Arc<BrokerState>,
    _conn: Connection,
    _req: RemotingCommand,
) -> Reply {
    let cfg = state.config();
    let store = &state.store;
    let (log_ratio, cq_ratio) = disk_ratios(&state).await;
    let put_total = state.stats.broker_put.value();
    let get_total = state.stats.broker_get.value();
    let (put_days, get_days) = state.rates.daily();
    let (put_tps, get_tps) = state.rates.tps_strings();
    let max_phys = store.max_phys_offset();
    let dispatched = *store.subscribe_dispatched().borrow();
    let mut t: BTreeMap<String, String> = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        t.insert(k.to_string(), v);
    };
    put("brokerVersionDesc", version::CURRENT_DESC.to_string());
    put("brokerVersion", version::CURRENT.to_string());
    put("bootTimestamp", state.boot_timestamp.to_string());
    put("runtime", runtime_text(state.started.elapsed().as_millis()));
    put("brokerActive", "true".into());
    put(
        "msgPutTotalYesterdayMorning",
        put_days.yesterday_morning.to_string(),
    );
    put(
        "msgPutTotalTodayMorning",
        put_days.today_morning.to_string(),
    );
    put("msgPutTotalTodayNow", put_total.to_string());
    put(
        "msgGetTotalYesterdayMorning",
        get_days.yesterday_morning.to_string(),
    );
    put(
        "msgGetTotalTodayMorning",
        get_days.today_morning.to_string(),
    );
    put("msgGetTotalTodayNow", get_total.to_string());
    put("putTps", put_tps);
    put("getTransferredTps", get_tps.clone());
    // 4.x spelling, still read by older mqadmin and dashboards.
    put("getTransferedTps", get_tps.clone());
    put("getFoundTps", get_tps.clone());
    put("getTotalTps", get_tps);
    put("getMissTps", "0.0 0.0 0.0".into());
    for (pool, capacity) in [
        ("send", cfg.send_thread_pool_queue_capacity),
        ("pull", cfg.pull_thread_pool_queue_capacity),
        ("litePull", cfg.pull_thread_pool_queue_capacity),
        ("query", cfg.pull_thread_pool_queue_capacity),
    ] {
        put(&format!("{pool}ThreadPoolQueueSize"), "0".into());
        put(
            &format!("{pool}ThreadPoolQueueCapacity"),
            capacity.to_string(),
        );
        put(
            &format!("{pool}ThreadPoolQueueHeadWaitTimeMills"),
            "0".into(),
        );
    }
    put("EndTransactionQueueSize", "0".into());
    put("EndTransactionThreadPoolQueueCapacity", "100000".into());
    put("pageCacheLockTimeMills", "0".into());
    put("commitLogMinOffset", store.min_phys_offset().to_string());
    put("commitLogMaxOffset", max_phys.to_string());
    put(
        "dispatchBehindBytes",
        max_phys.saturating_sub(dispatched).max(0).to_string(),
    );
    put(
        "remainHowManyDataToFlush",
        max_phys
            .saturating_sub(store.flushed_phys_offset())
            .max(0)
            .to_string(),
    );
    put("remainHowManyDataToCommit", "0".into());
    put("remainTransientStoreBufferNumbs", "0".into());
    put(
        "earliestMessageTimeStamp",
        store.earliest_time().unwrap_or(0).to_string(),
    );
    put("startAcceptSendRequestTimeStamp", "0".into());
    put("commitLogDiskRatio", java_double(log_ratio));
    put(
        &format!(
            "commitLogDiskRatio_{}",
            cfg.store.commit_log_dir().display()
        ),
        java_double(log_ratio),
    );
    put("consumeQueueDiskRatio", java_double(cq_ratio));
    // CometMQ's keys (docs/COMPATIBILITY.md): what forced deletions destroyed.
    let (forced_files, forced_messages) = store.forced_deletion_totals();
    put("commitLogForcedDeleteFiles", forced_files.to_string());
    put("commitLogForcedDeleteMessages", forced_messages.to_string());
    put("diskFull", store.is_disk_full().to_string());
    for (k, v) in state.timer.runtime_info(&state.store) {
        put(k, v);
    }
    put("timerEnqueueTps", "0.0".into());
    put("timerDequeueTps", "0.0".into());
    put("putMessageTimesTotal", put_total.to_string());
    put("putLatency99", "0.0".into());
    put("putLatency999", "0.0".into());
    for (k, v) in state.schedule.runtime_info(&state.store) {
        put(&k, v);
    }
    for (k, v) in crate::transaction::runtime_info(&state) {
        put(&k, v);
    }
    for (k, v) in crate::replication::ha_runtime_info(&state) {
        put(&k, v);
    }
    json_response(&KvTable { table: t })
}

/// VIEW_BROKER_STATS_DATA: the minute, hour and day windows of one statistics item
/// (`mqadmin statsAll`), or SYSTEM_ERROR naming the item when there is none, as in Java.
pub async fn view_stats(state: Arc<BrokerState>, _conn: Connection, req: RemotingCommand) -> Reply {
    let h: ViewBrokerStatsDataRequestHeader = req.decode_header()?;
    let cluster = state.config().broker_cluster_name.clone();
    let Some(windows) = state.stats.view(&h.stats_name, &h.stats_key, &cluster) else {
        return Err(BrokerError::System(format!(
            "The stats <{}> <{}> not exist",
            h.stats_name, h.stats_key
        )));
    };
    let [minute, hour, day] = windows.map(|s| BrokerStatsItem {
        sum: i64::try_from(s.sum).unwrap_or(i64::MAX),
        tps: s.tps,
        avgpt: s.avgpt,
    });
    json_response(&BrokerStatsData {
        stats_minute: minute,
        stats_hour: hour,
        stats_day: day,
    })
}

/// GET_BROKER_CONFIG: every setting as `key=value` lines; header `version` is the
/// settings' DataVersion as JSON.
pub async fn broker_config(
    state: Arc<BrokerState>,
    _conn: Connection,
    _req: RemotingCommand,
) -> Reply {
    let version = fastjson::to_string(&state.config_version(), JsonStyle::Legacy)
        .map_err(|e| BrokerError::System(e.to_string()))?;
    let text = state.config().to_properties();
    Ok(RemotingCommand::success()
        .with_header(&GetBrokerConfigResponseHeader { version })
        .with_body(text.into_bytes()))
}

/// UPDATE_BROKER_CONFIG: applies the body's properties to a copy of the settings and
/// writes the result to `brokerConfigPath`. All or nothing: an invalid value
/// (INVALID_PARAMETER), a refused feature or a key that needs a restart
/// (NO_PERMISSION, like Java's refusal of `brokerConfigPath`) fails naming the key and
/// changes nothing. Unknown keys are ignored and listed in the remark. A changed
/// `brokerPermission` re-registers at once; retention, disk and flush keys apply from
/// the store's next pass.
pub async fn update_broker_config(
    state: Arc<BrokerState>,
    conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let body = req.body.to_bytes();
    let text = std::str::from_utf8(&body)
        .map_err(|_| BrokerError::BadBody("the config body is not UTF-8 text".into()))?;
    let props = cometmq_remoting::java_properties::parse(text)
        // Java's `string2Properties` fails on this too, and the answer is SYSTEM_ERROR.
        .map_err(|e| BrokerError::BadBody(format!("the config body, {e}")))?;
    if let Some((k, _)) = props
        .iter()
        .find(|(k, _)| NOT_UPDATABLE.contains(&k.as_str()))
    {
        return Err(BrokerError::NoPermission(format!(
            "Can not update config path: {k}"
        )));
    }
    let _update = state.config_update.lock().await;
    let old = state.config();
    let mut new = (*old).clone();
    let unknown = RULES.apply(&mut new, &props).map_err(|e| match e {
        ApplyError::Invalid(e) => BrokerError::InvalidParameter(e.to_string()),
        unsupported => BrokerError::NoPermission(unsupported.to_string()),
    })?;
    new.validate()
        .map_err(|e| BrokerError::InvalidParameter(e.to_string()))?;
    let changed: Vec<&str> = old
        .entries()
        .into_iter()
        .zip(new.entries())
        .filter(|(a, b)| a.1 != b.1)
        .map(|(a, _)| a.0)
        .collect();
    if let Some(key) = changed.iter().find(|k| !RUNTIME_KEYS.contains(k)) {
        return Err(BrokerError::NoPermission(format!(
            "{key} is read once at start and cannot change while the broker runs: \
             set it in the config file and restart"
        )));
    }
    let snapshot = new.to_properties();
    state
        .config_file
        .save(move || Ok(snapshot.into_bytes()))
        .await
        .map_err(|e| {
            BrokerError::System(format!(
                "cannot write the config to {}: {e}",
                new.config_file_path().display()
            ))
        })?;
    tracing::info!(caller = %conn.peer_addr(), ?changed, ?unknown, "broker config updated");
    let permission_changed = old.broker_permission != new.broker_permission;
    // Retention, disk and flush keys take effect from the next pass, as in Java.
    state
        .store
        .set_retention_settings(new.store.retention_settings());
    state.store.set_flush_settings(new.store.flush_settings());
    state.set_config(new);
    if permission_changed {
        state.topics_changed.notify_one();
    }
    let mut resp = RemotingCommand::success();
    if !unknown.is_empty() {
        resp = resp.with_remark(format!("unknown keys ignored: {}", unknown.join(", ")));
    }
    Ok(resp)
}

/// CLEAN_EXPIRED_CONSUMEQUEUE: ConsumeQueue files below the CommitLog's start are removed
/// by every retention pass already; this answers SUCCESS.
pub async fn clean_expired_consume_queue(
    _state: Arc<BrokerState>,
    _conn: Connection,
    _req: RemotingCommand,
) -> Reply {
    Ok(RemotingCommand::success())
}

/// CLEAN_UNUSED_TOPIC: SUCCESS; queues of deleted topics age out with retention.
pub async fn clean_unused_topic(
    _state: Arc<BrokerState>,
    _conn: Connection,
    _req: RemotingCommand,
) -> Reply {
    Ok(RemotingCommand::success())
}

/// TRIGGER_DELETE_FILES: runs one retention pass now, on a blocking thread.
pub async fn trigger_delete_files(
    state: Arc<BrokerState>,
    _conn: Connection,
    _req: RemotingCommand,
) -> Reply {
    let s = state.clone();
    let report = tokio::task::spawn_blocking(move || s.store.run_retention())
        .await
        .map_err(|e| BrokerError::System(format!("retention task failed: {e}")))?
        .map_err(|e| BrokerError::System(format!("retention failed: {e}")))?;
    tracing::info!(?report, "retention pass triggered by admin");
    Ok(RemotingCommand::success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_is_java_shaped() {
        assert_eq!(
            runtime_text(90_061_000),
            "[ 1 days, 1 hours, 1 minutes, 1 seconds ]"
        );
    }
}
