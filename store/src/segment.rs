//! One fixed-size mapped store file, named by the 20-digit offset of its first byte.
//!
//! Used for CommitLog files and ConsumeQueue files. Concurrency: see [`crate::mmap`] —
//! the segment is shared; the single [`RegionWriter`] returned at open is held by
//! whoever appends (the CommitLog writer, the dispatcher for ConsumeQueues).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;

use crate::error::{IoContext, Result};
use crate::mmap::{Region, RegionWriter};

/// A mapped file of a segment list.
#[derive(Debug)]
pub(crate) struct Segment {
    base: i64,
    path: PathBuf,
    region: Arc<Region>,
    /// Bytes known to be on disk.
    flushed: AtomicUsize,
}

/// The 20-digit zero-padded file name of a segment starting at `base`.
pub(crate) fn file_name(base: i64) -> String {
    format!("{base:020}")
}

impl Segment {
    /// Opens or creates the segment file `dir/<base>` of `size` bytes.
    pub(crate) fn open(dir: &Path, base: i64, size: usize) -> Result<(Arc<Segment>, RegionWriter)> {
        let path = dir.join(file_name(base));
        let (region, writer) = Region::open(&path, size).at(&path)?;
        let segment = Arc::new(Segment {
            base,
            path,
            region,
            flushed: AtomicUsize::new(0),
        });
        Ok((segment, writer))
    }

    /// A segment over a region already mapped from `dir/<base>` (a prepared file
    /// renamed into place).
    pub(crate) fn adopt(dir: &Path, base: i64, region: Arc<Region>) -> Arc<Segment> {
        Arc::new(Segment {
            base,
            path: dir.join(file_name(base)),
            region,
            flushed: AtomicUsize::new(0),
        })
    }

    /// Global offset of the first byte.
    pub(crate) fn base(&self) -> i64 {
        self.base
    }

    /// File path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// File size.
    pub(crate) fn size(&self) -> usize {
        self.region.len()
    }

    /// Readable bytes (from the start of the file).
    pub(crate) fn published(&self) -> usize {
        self.region.published()
    }

    /// Global offset just past the readable bytes.
    pub(crate) fn end(&self) -> i64 {
        self.base + self.published() as i64
    }

    /// Whether the whole file is written.
    pub(crate) fn is_full(&self) -> bool {
        self.published() >= self.size()
    }

    /// Whether global `offset` falls inside this file.
    pub(crate) fn contains(&self, offset: i64) -> bool {
        offset >= self.base && offset < self.base + self.size() as i64
    }

    /// Borrows published bytes at file position `pos`.
    pub(crate) fn read(&self, pos: usize, len: usize) -> Option<&[u8]> {
        self.region.read(pos, len)
    }

    /// Zero-copy view of published bytes at file position `pos`.
    pub(crate) fn view(&self, pos: usize, len: usize) -> Option<Bytes> {
        self.region.view(pos, len)
    }

    /// Bytes flushed so far.
    pub(crate) fn flushed(&self) -> usize {
        self.flushed.load(Ordering::Acquire)
    }

    /// Marks everything published as flushed without syncing (recovery: what is in the
    /// file is what the disk has).
    pub(crate) fn mark_flushed(&self) {
        self.flushed.fetch_max(self.published(), Ordering::AcqRel);
    }

    /// Syncs the published but unflushed bytes; returns the number of bytes now flushed.
    pub(crate) fn flush(&self) -> Result<usize> {
        let target = self.published();
        let from = self.flushed();
        if target > from {
            self.region.flush(from, target).at(&self.path)?;
            self.flushed.fetch_max(target, Ordering::AcqRel);
        }
        Ok(self.flushed())
    }

    /// Deletes the file (existing views keep the mapping readable).
    pub(crate) fn delete(&self) -> Result<()> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).at(&self.path),
            _ => Ok(()),
        }
    }

    /// Last modification time of the file, ms since the epoch.
    pub(crate) fn modified_ms(&self) -> Option<i64> {
        let t = std::fs::metadata(&self.path).ok()?.modified().ok()?;
        let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(d.as_millis() as i64)
    }
}
