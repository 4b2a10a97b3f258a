//! An ordered sequence of same-size [`Segment`]s covering a contiguous offset range
//! (Java `MappedFileQueue`).
//!
//! Concurrency: the list is shared; a short-held `RwLock` guards the vector of
//! `Arc<Segment>`s. Readers clone an `Arc` and release the lock before touching bytes.
//! Only the owner of the list's writing side (one thread at a time) pushes or removes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::RwLock;

use crate::error::{IoContext, Result, StoreError};
use crate::mmap::{Region, RegionWriter};
use crate::prealloc::Prepared;
use crate::segment::{file_name, Segment};

/// Segments of one directory, sorted by base offset.
#[derive(Debug)]
pub(crate) struct SegmentList {
    dir: PathBuf,
    file_size: usize,
    segments: RwLock<Vec<Arc<Segment>>>,
}

impl SegmentList {
    /// An empty list over `dir` (created if missing).
    pub(crate) fn new(dir: &Path, file_size: usize) -> Self {
        SegmentList {
            dir: dir.to_path_buf(),
            file_size,
            segments: RwLock::new(Vec::new()),
        }
    }

    /// Opens every file of `dir` whose name is a 20-digit offset; returns the list and
    /// the writers of its segments, in order. Fails if the files are not contiguous or
    /// a name is not aligned to the file size.
    pub(crate) fn load(dir: &Path, file_size: usize) -> Result<(Self, Vec<RegionWriter>)> {
        let list = SegmentList::new(dir, file_size);
        let mut bases = Vec::new();
        if dir.exists() {
            for entry in std::fs::read_dir(dir).at(dir)? {
                let entry = entry.at(dir)?;
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                if name.len() != 20 || !name.bytes().all(|b| b.is_ascii_digit()) {
                    continue;
                }
                let base: i64 = name.parse().map_err(|_| StoreError::Corrupt {
                    path: entry.path(),
                    reason: "file name is not an offset".to_owned(),
                })?;
                bases.push((base, entry.path()));
            }
        }
        bases.sort();
        let mut writers = Vec::with_capacity(bases.len());
        {
            let mut segs = list.segments.write();
            for (base, path) in bases {
                let len = std::fs::metadata(&path).at(&path)?.len();
                if len != file_size as u64 || base % file_size as i64 != 0 {
                    return Err(StoreError::Corrupt {
                        path,
                        reason: format!("size {len} or name does not match file size {file_size}"),
                    });
                }
                if let Some(prev) = segs.last() {
                    if prev.base() + file_size as i64 != base {
                        return Err(StoreError::Corrupt {
                            path,
                            reason: format!("gap after file {}", prev.base()),
                        });
                    }
                }
                let (seg, writer) = Segment::open(dir, base, file_size)?;
                segs.push(seg);
                writers.push(writer);
            }
        }
        Ok((list, writers))
    }

    /// The directory of the files.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Size of every file.
    pub(crate) fn file_size(&self) -> usize {
        self.file_size
    }

    /// Creates the file starting at `base` and appends it to the list.
    pub(crate) fn create(&self, base: i64) -> Result<(Arc<Segment>, RegionWriter)> {
        std::fs::create_dir_all(&self.dir).at(&self.dir)?;
        let (seg, writer) = Segment::open(&self.dir, base, self.file_size)?;
        self.segments.write().push(Arc::clone(&seg));
        Ok((seg, writer))
    }

    /// Renames a prepared file (see [`crate::prealloc`]) into place as the file
    /// starting at `base` and appends it to the list. On failure the prepared file is
    /// removed.
    pub(crate) fn install(
        &self,
        base: i64,
        prepared: Prepared,
    ) -> Result<(Arc<Segment>, RegionWriter)> {
        let Prepared {
            tmp,
            region: (region, writer),
        } = prepared;
        let path = self.dir.join(file_name(base));
        if let Err(e) = Region::install(&tmp, &path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e).at(&path);
        }
        let seg = Segment::adopt(&self.dir, base, region);
        self.segments.write().push(Arc::clone(&seg));
        Ok((seg, writer))
    }

    /// All segments (a snapshot).
    pub(crate) fn snapshot(&self) -> Vec<Arc<Segment>> {
        self.segments.read().clone()
    }

    /// Number of segments.
    pub(crate) fn len(&self) -> usize {
        self.segments.read().len()
    }

    /// The first segment.
    pub(crate) fn first(&self) -> Option<Arc<Segment>> {
        self.segments.read().first().cloned()
    }

    /// The last segment.
    pub(crate) fn last(&self) -> Option<Arc<Segment>> {
        self.segments.read().last().cloned()
    }

    /// The segment containing global `offset`.
    pub(crate) fn find(&self, offset: i64) -> Option<Arc<Segment>> {
        let segs = self.segments.read();
        let idx = segs.partition_point(|s| s.base() <= offset);
        let seg = segs.get(idx.checked_sub(1)?)?;
        seg.contains(offset).then(|| Arc::clone(seg))
    }

    /// First offset still stored (0 when empty).
    pub(crate) fn min_offset(&self) -> i64 {
        self.first().map_or(0, |s| s.base())
    }

    /// Offset just past the last readable byte (0 when empty).
    pub(crate) fn max_offset(&self) -> i64 {
        self.last().map_or(0, |s| s.end())
    }

    /// Removes and deletes segments for which `doomed` holds, from the front only, at
    /// most `max` of them and never the last one; returns how many went.
    pub(crate) fn delete_front(
        &self,
        max: usize,
        mut doomed: impl FnMut(&Segment) -> bool,
    ) -> Result<usize> {
        let victims: Vec<Arc<Segment>> = {
            let segs = self.segments.read();
            segs.iter()
                .take(segs.len().saturating_sub(1))
                .take(max)
                .take_while(|s| doomed(s))
                .cloned()
                .collect()
        };
        for seg in &victims {
            seg.delete()?;
        }
        // Remove exactly the victims still at the front: the list may have changed
        // meanwhile (a deleted topic's queue destroyed by the dispatcher).
        let mut segs = self.segments.write();
        let still = segs
            .iter()
            .zip(&victims)
            .take_while(|(a, b)| Arc::ptr_eq(a, b))
            .count();
        segs.drain(..still);
        Ok(victims.len())
    }

    /// Removes and deletes every segment starting at or after `base`.
    pub(crate) fn delete_from(&self, base: i64) -> Result<()> {
        let victims: Vec<Arc<Segment>> = {
            let mut segs = self.segments.write();
            let keep = segs.partition_point(|s| s.base() < base);
            segs.split_off(keep)
        };
        for seg in victims {
            seg.delete()?;
        }
        Ok(())
    }

    /// Syncs every segment with unflushed bytes.
    pub(crate) fn flush(&self) -> Result<()> {
        for seg in self.snapshot() {
            if seg.flushed() < seg.published() {
                seg.flush()?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_create_find_delete() {
        let dir = tempfile::tempdir().unwrap();
        let list = SegmentList::new(dir.path(), 4096);
        for base in [0, 4096, 8192] {
            let (_, mut w) = list.create(base).unwrap();
            w.write(0, b"abc").unwrap();
            w.publish(3).unwrap();
        }
        assert!(dir.path().join("00000000000000004096").exists());
        assert_eq!(list.find(4096 + 4095).unwrap().base(), 4096);
        assert!(list.find(3 * 4096).is_none());
        assert!(list.find(-1).is_none());
        assert_eq!(list.max_offset(), 8192 + 3);

        let (loaded, writers) = SegmentList::load(dir.path(), 4096).unwrap();
        assert_eq!(loaded.len(), 3);
        assert_eq!(writers.len(), 3);
        assert_eq!(writers[1].peek(0, 3).unwrap(), b"abc");
        assert_eq!(loaded.min_offset(), 0);

        assert_eq!(list.delete_front(10, |s| s.base() < 8192).unwrap(), 2);
        assert_eq!(list.len(), 1);
        assert!(!dir.path().join("00000000000000000000").exists());
        assert_eq!(
            list.delete_front(10, |_| true).unwrap(),
            0,
            "never the last"
        );
        list.delete_from(8192).unwrap();
        assert_eq!(list.len(), 0);
        assert!(SegmentList::load(dir.path(), 4096).unwrap().0.len() == 0);
    }

    #[test]
    fn load_rejects_gaps_and_bad_sizes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("00000000000000000000"), vec![0u8; 4096]).unwrap();
        std::fs::write(dir.path().join("00000000000000008192"), vec![0u8; 4096]).unwrap();
        assert!(matches!(
            SegmentList::load(dir.path(), 4096),
            Err(StoreError::Corrupt { .. })
        ));
        std::fs::remove_file(dir.path().join("00000000000000008192")).unwrap();
        std::fs::write(dir.path().join("00000000000000004096"), vec![0u8; 100]).unwrap();
        assert!(SegmentList::load(dir.path(), 4096).is_err());
    }
}
