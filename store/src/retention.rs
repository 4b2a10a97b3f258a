//! Retention (Java `CleanCommitLogService` / `CleanConsumeQueueService`) and the
//! disk-full guard.
//!
//! Each pass: measure disk use of the CommitLog's file system; at or above
//! `diskSpaceWarningLevelRatio` appends are refused. Expired CommitLog files (last
//! modified more than `fileReservedTime` ago) are deleted, oldest first and never the
//! newest or undispatched ones, when the hour is in `deleteWhen` or disk use exceeds
//! `diskMaxUsedSpaceRatio`; above `diskSpaceCleanForciblyRatio` they go even if not
//! expired. Then ConsumeQueue files and IndexFiles wholly below the CommitLog's new
//! min offset are removed.

use std::sync::atomic::Ordering;

use tracing::{info, warn};

use crate::error::Result;
use crate::shared::Shared;

/// What one retention pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RetentionReport {
    /// Disk use measured (0.0–1.0), if known.
    pub disk_used_ratio: Option<f64>,
    /// Whether appends are now refused for lack of disk.
    pub disk_full: bool,
    /// CommitLog files deleted.
    pub commit_log_files_deleted: usize,
    /// ConsumeQueue files deleted.
    pub consume_queue_files_deleted: usize,
    /// IndexFiles deleted.
    pub index_files_deleted: usize,
}

fn delete_hour(delete_when: &str, hour: u32) -> bool {
    delete_when
        .split(';')
        .filter_map(|h| h.trim().parse::<u32>().ok())
        .any(|h| h == hour)
}

pub(crate) fn run(shared: &Shared) -> Result<RetentionReport> {
    let cfg = &shared.config;
    let mut report = RetentionReport::default();
    let ratio = shared.disk.used_ratio(&cfg.commit_log_dir());
    report.disk_used_ratio = ratio;
    let used = ratio.unwrap_or(0.0);
    report.disk_full = used >= cfg.disk_space_warning_level_ratio;
    let was_full = shared.disk_full.swap(report.disk_full, Ordering::AcqRel);
    if report.disk_full != was_full {
        warn!(used, full = report.disk_full, "disk-full state changed");
    }
    let now = shared.clock.now_ms();
    let time_up = delete_hour(&cfg.delete_when, shared.clock.hour_of_day(now));
    let space_full = used > f64::from(cfg.disk_max_used_space_ratio) / 100.0;
    let forcibly = used > cfg.disk_space_clean_forcibly_ratio;
    if time_up || space_full {
        let reserved = cfg.file_reserved_time.as_millis() as i64;
        let dispatched = *shared.dispatched.borrow();
        report.commit_log_files_deleted =
            shared
                .log
                .segments()
                .delete_front(cfg.delete_file_batch_max, |seg| {
                    let expired = seg.modified_ms().is_some_and(|m| m + reserved <= now);
                    let safe = seg.base() + seg.size() as i64 <= dispatched;
                    safe && (expired || forcibly)
                })?;
        if report.commit_log_files_deleted > 0 {
            info!(
                n = report.commit_log_files_deleted,
                "deleted expired CommitLog files"
            );
        }
    }
    let min = shared.log.min_offset();
    for q in shared.queues.all() {
        report.consume_queue_files_deleted += q.delete_below(min)?;
    }
    if let Some(index) = &shared.index {
        report.index_files_deleted = index.delete_below(min)?;
    }
    shared.tombstones.prune(min)?;
    Ok(report)
}

/// The thread body: a pass every `cleanResourceInterval` until stopped.
pub(crate) fn thread(shared: &Shared) {
    while !shared.retention_signal.is_stopped() {
        if let Err(e) = run(shared) {
            warn!(error = %e, "retention pass failed");
        }
        shared
            .retention_signal
            .wait(shared.config.clean_resource_interval);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn delete_hours() {
        assert!(super::delete_hour("04", 4));
        assert!(super::delete_hour("01;04; 23", 23));
        assert!(!super::delete_hour("04", 5));
    }
}
