//! The disk check of each retention pass (Java 4.9.8
//! `CleanCommitLogService.isSpaceToDelete`), and the disk-full flag it owns.
//!
//! Measured on the CommitLog's file system and on the ConsumeQueue's (the store root's
//! `consumequeue/`), each as `df` does:
//! - above `diskSpaceWarningLevelRatio` (0.90): the disk is marked full, appends are
//!   refused (SERVICE_NOT_AVAILABLE), and files may be cleaned immediately;
//! - above `diskSpaceCleanForciblyRatio` (0.85): files may be cleaned immediately; the
//!   full mark stays as it was (so once full, appends resume only below 0.85);
//! - at or below it: the full mark is cleared;
//! - above `diskMaxUsedSpaceRatio` (75 %), or unknown: space is to be reclaimed
//!   (expired files are deleted at any hour).
//!
//! "Cleaned immediately" deletes files that have not expired only with
//! `cleanFileForciblyEnable` (see [`crate::retention`]).

use std::path::Path;
use std::sync::atomic::Ordering;

use tracing::{error, info};

use crate::config::RetentionSettings;
use crate::state::StoreState;

/// What the check found.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct SpaceCheck {
    /// CommitLog file system use (0.0–1.0), if known.
    pub(crate) physic_ratio: Option<f64>,
    /// ConsumeQueue file system use, if known.
    pub(crate) logics_ratio: Option<f64>,
    /// Over `diskMaxUsedSpaceRatio` (or unknown): reclaim space now.
    pub(crate) to_delete: bool,
    /// Over `diskSpaceCleanForciblyRatio`: unexpired files may go
    /// (Java `cleanImmediately`).
    pub(crate) clean_immediately: bool,
}

/// Measures both file systems and updates [`StoreState::disk_full`].
pub(crate) fn check(shared: &StoreState, settings: &RetentionSettings) -> SpaceCheck {
    let cfg = &shared.config;
    let max_used = f64::from(settings.disk_max_used_space_ratio.clamp(10, 95)) / 100.0;
    let mut out = SpaceCheck::default();
    for (what, path, slot) in [
        ("physic", cfg.commit_log_dir(), &mut out.physic_ratio),
        ("logics", cfg.consume_queue_dir(), &mut out.logics_ratio),
    ] {
        let ratio = measure(shared, &path);
        *slot = ratio;
        // Unknown counts as Java's -1: not full, but space is to be reclaimed.
        let used = ratio.unwrap_or(-1.0);
        if used > settings.disk_space_warning_level_ratio {
            if !shared.disk_full.swap(true, Ordering::AcqRel) {
                error!(
                    used,
                    path = %path.display(),
                    "{what} disk maybe full soon, so mark disk full: sends are refused"
                );
            }
            out.clean_immediately = true;
        } else if used > settings.disk_space_clean_forcibly_ratio {
            out.clean_immediately = true;
        } else if shared.disk_full.swap(false, Ordering::AcqRel) {
            info!(used, path = %path.display(), "{what} disk space OK, so mark disk ok");
        }
        if used < 0.0 || used > max_used {
            out.to_delete = true;
            // Java returns here: the ConsumeQueue's disk is not looked at when the
            // CommitLog's already asks for space.
            break;
        }
    }
    out
}

fn measure(shared: &StoreState, path: &Path) -> Option<f64> {
    // The ConsumeQueue directory exists only after the first dispatch: measure its
    // parent then, as the file system is the same.
    let existing = path
        .ancestors()
        .find(|p| p.exists())
        .unwrap_or(path)
        .to_path_buf();
    shared.disk.used_ratio(&existing)
}
