//! The disk-usage source of the retention pass, injectable so tests can fill the disk.

use std::path::Path;

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
