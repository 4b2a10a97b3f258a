//! Time and disk-usage sources, injectable so tests can move the clock and fill the disk.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall clock in milliseconds since the Unix epoch, plus the local hour of the day
/// (`deleteWhen`).
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, ms since the epoch.
    fn now_ms(&self) -> i64;
    /// Hour of the day (0–23) at `now_ms`. The default uses UTC.
    fn hour_of_day(&self, now_ms: i64) -> u32 {
        (now_ms.rem_euclid(86_400_000) / 3_600_000) as u32
    }
}

/// The system clock (UTC hours).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    }
}

/// Fraction (0.0–1.0) of the file system holding a path that is in use.
pub trait DiskUsage: Send + Sync + std::fmt::Debug {
    /// Used / total of the file system of `path`; `None` if unknown.
    fn used_ratio(&self, path: &Path) -> Option<f64>;
}

/// `statvfs(2)`-based disk usage.
#[derive(Debug, Clone, Copy, Default)]
pub struct StatvfsDiskUsage;

impl DiskUsage for StatvfsDiskUsage {
    fn used_ratio(&self, path: &Path) -> Option<f64> {
        crate::statvfs::used_ratio(path)
    }
}
