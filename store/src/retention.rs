//! Retention (Java 4.9.8 `CleanCommitLogService` / `CleanConsumeQueueService`).
//!
//! Each pass first checks the disk (`disk_space.rs`: marks it full or OK, says
//! whether space is to be reclaimed and whether unexpired files may go). Then, when the
//! hour is in `deleteWhen` or space is to be reclaimed, CommitLog files are deleted
//! from the oldest on, at most `deleteFileBatchMax` per pass, never the newest file
//! nor one not yet dispatched, and stopping at the first file that must stay:
//! - a file last modified more than `fileReservedTime` ago (expired) goes;
//! - an unexpired file goes only when `cleanFileForciblyEnable` is on and the disk is
//!   above `diskSpaceCleanForciblyRatio`. That is a *forced deletion*: it destroys
//!   messages nobody agreed to lose, so it is logged at ERROR with the messages and
//!   every consumer group's unconsumed ranges it destroyed
//!   ([`crate::forced_loss`]), and counted.
//!
//! Then ConsumeQueue files and IndexFiles wholly below the CommitLog's new min offset
//! are removed.

use std::sync::atomic::Ordering;
use std::time::Duration;

use tracing::{error, info};

use crate::disk_space;
use crate::error::Result;
use crate::forced_loss::{self, ForcedLoss};
use crate::state::StoreState;

/// What one retention pass did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RetentionReport {
    /// CommitLog disk use measured (0.0–1.0), if known.
    pub disk_used_ratio: Option<f64>,
    /// Whether appends are now refused for lack of disk.
    pub disk_full: bool,
    /// CommitLog files deleted (expired and forced).
    pub commit_log_files_deleted: usize,
    /// What the forced part of the deletion destroyed, if any file went unexpired.
    pub forced: Option<ForcedLoss>,
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

/// The CommitLog files a pass deletes: how many from the front, where they end, and
/// where the unexpired (forced) ones start.
#[derive(Debug, Default)]
struct Plan {
    count: usize,
    end: i64,
    forced_from: Option<i64>,
    forced_count: usize,
}

fn plan(shared: &StoreState, file_reserved_time: Duration, clean_at_once: bool) -> Plan {
    let cfg = &shared.config;
    let reserved = i64::try_from(file_reserved_time.as_millis()).unwrap_or(i64::MAX);
    let now = shared.clock.now_ms();
    let dispatched = *shared.dispatched.borrow();
    let segs = shared.log.segments().snapshot();
    let mut p = Plan::default();
    for seg in segs
        .iter()
        .take(segs.len().saturating_sub(1))
        .take(cfg.delete_file_batch_max)
    {
        let expired = seg
            .modified_ms()
            .is_some_and(|m| m.saturating_add(reserved) <= now);
        let end = seg.base() + seg.size() as i64;
        let safe = end <= dispatched;
        if !(safe && (expired || clean_at_once)) {
            break;
        }
        if !expired && p.forced_from.is_none() {
            p.forced_from = Some(seg.base());
        }
        if p.forced_from.is_some() {
            p.forced_count += 1;
        }
        p.count += 1;
        p.end = end;
    }
    p
}

pub(crate) fn run(shared: &StoreState) -> Result<RetentionReport> {
    let cfg = shared.retention();
    let mut report = RetentionReport::default();
    let space = disk_space::check(shared, &cfg);
    report.disk_used_ratio = space.physic_ratio;
    report.disk_full = shared.disk_full.load(Ordering::Acquire);
    let time_up = delete_hour(
        &cfg.delete_when,
        shared.clock.hour_of_day(shared.clock.now_ms()),
    );
    if time_up || space.to_delete {
        let clean_at_once = cfg.clean_file_forcibly_enable && space.clean_immediately;
        let p = plan(shared, cfg.file_reserved_time, clean_at_once);
        let forced = p.forced_from.map(|from| {
            let progress = shared.progress();
            forced_loss::assess(shared, progress.as_ref(), p.forced_count, from, p.end)
        });
        let deleted = if p.count > 0 {
            shared
                .log
                .segments()
                .delete_front(p.count, |seg| seg.base() < p.end)
        } else {
            Ok(0)
        };
        // Reported even if a deletion failed part-way: some of the files may be gone.
        if let Some(loss) = &forced {
            shared.forced_deletions.add(loss);
            error!(
                files = loss.files,
                messages = loss.messages,
                from = loss.phys_from,
                to = loss.phys_to,
                disk_used = space.physic_ratio.unwrap_or(-1.0),
                "FORCED deletion of {} unexpired CommitLog files (younger than fileReservedTime, \
                 disk above diskSpaceCleanForciblyRatio, cleanFileForciblyEnable=true): \
                 destroyed {} messages; unconsumed ranges destroyed: {}",
                loss.files,
                loss.messages,
                loss.unconsumed_text()
            );
        }
        report.commit_log_files_deleted = deleted?;
        let expired = report
            .commit_log_files_deleted
            .saturating_sub(forced.as_ref().map_or(0, |l| l.files));
        if expired > 0 {
            info!(n = expired, "deleted expired CommitLog files");
        }
        if report.commit_log_files_deleted == 0 && space.to_delete {
            crate::throttled!(
                warn,
                disk_used = space.physic_ratio.unwrap_or(-1.0),
                clean_file_forcibly_enable = cfg.clean_file_forcibly_enable,
                "disk space will be full soon, but no CommitLog file could be deleted \
                     (none expired, or not dispatched yet)"
            );
        }
        report.forced = forced;
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
pub(crate) fn thread(shared: &StoreState) {
    while !shared.retention_wakeup.is_stopped() {
        if let Err(e) = run(shared) {
            crate::throttled!(warn, error = %e, "retention pass failed");
        }
        shared
            .retention_wakeup
            .wait(shared.retention().clean_resource_interval);
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
