//! StoreState memory maps of store files, and the allocation of the files behind them: with
//! `statvfs`, the only module of the crate with `unsafe` code.
//!
//! A [`Region`] maps one whole file read-write (`MAP_SHARED`). Its bytes are split at the
//! *published* position:
//!
//! - `[0, published)` is immutable from the moment it is published. Any thread may read
//!   it, and [`Region::view`] hands out zero-copy [`Bytes`] that keep the map alive.
//! - `[published, len)` belongs to the region's single [`RegionWriter`], created with the
//!   region. Writing needs `&mut RegionWriter`, so Rust's borrow rules make writes
//!   exclusive, and readers never look at unpublished bytes.
//!
//! The published position only grows ([`RegionWriter::publish`] refuses to move it back),
//! so a view taken once stays valid for as long as it lives. Recovery, which must look
//! at bytes past the published position (a torn tail), reads them through the writer.
//!
//! Another process writing the file while it is mapped would break these rules; the
//! store's `lock` file (an OS advisory lock) keeps other CometMQ processes out.
#![allow(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use memmap2::{MmapOptions, MmapRaw};

/// One mapped file. StoreState (`Arc`) between the writer and any number of readers.
#[derive(Debug)]
pub(crate) struct Region {
    map: MmapRaw,
    len: usize,
    /// End of the immutable, readable prefix.
    published: AtomicUsize,
}

/// The unique right to write a [`Region`] past its published position.
#[derive(Debug)]
pub(crate) struct RegionWriter {
    region: Arc<Region>,
}

impl Region {
    /// Opens (creating if needed) `path`, sizes it to `len` bytes (never shrinking an
    /// existing file's mapping below `len`) and maps it. Nothing is published yet.
    /// A new file is created at full size (blocks allocated, see [`allocate`]) under a
    /// temporary name, renamed into place and its directory synced, so a crash never
    /// leaves a short file behind.
    pub(crate) fn open(path: &Path, len: usize) -> io::Result<(Arc<Region>, RegionWriter)> {
        if !path.exists() {
            let tmp = temp_path(path);
            let made = File::create(&tmp).and_then(|f| allocate(&f, len));
            if let Err(e) = made {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            Self::install(&tmp, path)?;
        }
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        Self::map_file(&file, len)
    }

    /// Creates `tmp` at `len` bytes with its blocks allocated, maps it, and (with
    /// `warm`) faults every page of the mapping in writable, so that the writer that
    /// later fills it takes no page faults (Java `MappedFile.warmMappedFile`). The file
    /// is not in place until [`Region::install`] renames it. On error `tmp` is removed.
    pub(crate) fn prepare(
        tmp: &Path,
        len: usize,
        warm: bool,
    ) -> io::Result<(Arc<Region>, RegionWriter)> {
        let made = (|| {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(tmp)?;
            allocate(&file, len)?;
            let (region, writer) = Self::map_file(&file, len)?;
            if warm {
                region.prefault()?;
            }
            Ok((region, writer))
        })();
        if made.is_err() {
            let _ = std::fs::remove_file(tmp);
        }
        made
    }

    /// Renames a file made under a temporary name into place and syncs the directory:
    /// a SYNC_FLUSH acknowledgement of bytes in the file must survive a power loss, not
    /// only a process crash. A mapping of `tmp` stays valid (same inode).
    pub(crate) fn install(tmp: &Path, path: &Path) -> io::Result<()> {
        std::fs::rename(tmp, path)?;
        if let Some(dir) = path.parent() {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    }

    /// Faults every page of the mapping in, writable (`MADV_POPULATE_WRITE`; on
    /// kernels without it, a read of one byte per page maps them at least readable).
    fn prefault(&self) -> io::Result<()> {
        match self.map.advise(memmap2::Advice::PopulateWrite) {
            Ok(()) => Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                let mut sum = 0u8;
                for pos in (0..self.len).step_by(PAGE) {
                    // SAFETY: `pos < len`, inside the mapping; the region was just
                    // created and has no writer activity yet (the writer is returned
                    // to the caller only after this), so a volatile read races nothing.
                    sum ^= unsafe { std::ptr::read_volatile(self.map.as_ptr().add(pos)) };
                }
                std::hint::black_box(sum);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn map_file(file: &File, len: usize) -> io::Result<(Arc<Region>, RegionWriter)> {
        if len == 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty region"));
        }
        let want = len as u64;
        if file.metadata()?.len() < want {
            file.set_len(want)?;
        }
        let map = MmapOptions::new().len(len).map_raw(file)?;
        let region = Arc::new(Region {
            map,
            len,
            published: AtomicUsize::new(0),
        });
        let writer = RegionWriter {
            region: Arc::clone(&region),
        };
        Ok((region, writer))
    }

    /// Size of the mapping.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// End of the readable prefix.
    pub(crate) fn published(&self) -> usize {
        self.published.load(Ordering::Acquire)
    }

    /// Borrows published bytes `[pos, pos + len)`; `None` if any of them is unpublished.
    pub(crate) fn read(&self, pos: usize, len: usize) -> Option<&[u8]> {
        let end = pos.checked_add(len)?;
        if end > self.published() {
            return None;
        }
        // SAFETY: `pos..end` lies inside the mapping (published <= len) and below the
        // published position, so no writer touches these bytes again (the writer only
        // writes at or after `published`, which never decreases). The mapping lives as
        // long as `self`, which the returned borrow cannot outlive.
        Some(unsafe { std::slice::from_raw_parts(self.map.as_ptr().add(pos), len) })
    }

    /// A zero-copy view of published bytes `[pos, pos + len)` that keeps the mapping
    /// alive; `None` if any of them is unpublished.
    pub(crate) fn view(self: &Arc<Self>, pos: usize, len: usize) -> Option<Bytes> {
        self.read(pos, len)?;
        Some(Bytes::from_owner(View {
            region: Arc::clone(self),
            pos,
            len,
        }))
    }

    /// Writes `[from, to)` of the mapping back to the file and waits for the disk
    /// (`msync(MS_SYNC)`). Safe to call while the writer appends past `to`.
    pub(crate) fn flush(&self, from: usize, to: usize) -> io::Result<()> {
        let to = to.min(self.len);
        if from >= to {
            return Ok(());
        }
        self.map.flush_range(from, to - from)
    }
}

impl RegionWriter {
    /// The region written.
    pub(crate) fn region(&self) -> &Arc<Region> {
        &self.region
    }

    /// Copies `data` to `[pos, pos + data.len())`, which must lie at or after the
    /// published position and inside the mapping. Does not publish.
    pub(crate) fn write(&mut self, pos: usize, data: &[u8]) -> io::Result<()> {
        let region = &self.region;
        let end = pos.saturating_add(data.len());
        if pos < region.published() || end > region.len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "write of {} bytes at {pos} outside the writable range {}..{}",
                    data.len(),
                    region.published(),
                    region.len
                ),
            ));
        }
        // SAFETY: the destination is inside the mapping (checked above) and at or after
        // the published position, so no reader can observe it; `&mut self` and the
        // uniqueness of the writer exclude any other writer. `data` cannot overlap the
        // destination: nothing hands out references to unpublished bytes except
        // `peek`, whose borrow of `self` ends before this `&mut self` call.
        unsafe {
            std::ptr::copy_nonoverlapping(
                data.as_ptr(),
                region.map.as_mut_ptr().add(pos),
                data.len(),
            );
        }
        Ok(())
    }

    /// Reads any bytes of the mapping, published or not (recovery and in-place index
    /// reads by the owner of the writer).
    pub(crate) fn peek(&self, pos: usize, len: usize) -> Option<&[u8]> {
        let end = pos.checked_add(len)?;
        if end > self.region.len {
            return None;
        }
        // SAFETY: inside the mapping. Bytes below `published` are immutable; bytes above
        // it are written only through `&mut self`, which cannot coexist with the `&self`
        // borrow the result holds.
        Some(unsafe { std::slice::from_raw_parts(self.region.map.as_ptr().add(pos), len) })
    }

    /// Makes `[0, end)` readable. `end` must not be below the current published position
    /// (published bytes are immutable) nor past the mapping.
    pub(crate) fn publish(&mut self, end: usize) -> io::Result<()> {
        let region = &self.region;
        if end < region.published() || end > region.len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "cannot publish up to {end} (published {})",
                    region.published()
                ),
            ));
        }
        region.published.store(end, Ordering::Release);
        Ok(())
    }
}

/// Page size assumed when touching pages one by one.
const PAGE: usize = 4096;

/// The temporary name a file is made under before it is renamed into place:
/// `<name>.tmp`. Such files are never store data; recovery removes leftovers.
pub(crate) fn temp_path(path: &Path) -> std::path::PathBuf {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::path::PathBuf::from(tmp)
}

/// Sizes a new, empty file to `len` bytes with its disk blocks allocated
/// (`fallocate(2)`), so that writing through the mapping can never hit a full disk (a
/// write fault on a sparse mapped file with no space left kills the process with
/// SIGBUS) and the file system does not allocate blocks on the writer's path. Falls
/// back to a sparse `set_len` where the file system cannot allocate ahead. A full
/// disk is reported here as `ENOSPC`.
pub(crate) fn allocate(file: &File, len: usize) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let Ok(size) = libc::off_t::try_from(len) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "file too large",
        ));
    };
    // SAFETY: plain syscall on a file descriptor we own for the duration of the call;
    // no memory is passed.
    let rc = unsafe { libc::fallocate(file.as_raw_fd(), 0, 0, size) };
    if rc == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EOPNOTSUPP) | Some(libc::ENOSYS) => file.set_len(len as u64),
        _ => Err(e),
    }
}

/// The owner behind a [`Bytes`] view: keeps the region (and its mapping) alive.
struct View {
    region: Arc<Region>,
    pos: usize,
    len: usize,
}

impl AsRef<[u8]> for View {
    fn as_ref(&self) -> &[u8] {
        // `view` checked that the range is published; published bytes stay published.
        self.region.read(self.pos, self.len).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_publish_view() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let (region, mut w) = Region::open(&path, 4096).unwrap();
        w.write(0, b"hello").unwrap();
        assert!(region.read(0, 5).is_none());
        assert_eq!(w.peek(0, 5).unwrap(), b"hello");
        w.publish(5).unwrap();
        let v = region.view(0, 5).unwrap();
        assert_eq!(&v[..], b"hello");
        assert!(w.write(4, b"x").is_err(), "published bytes are immutable");
        assert!(w.publish(3).is_err());
        assert!(w.write(4095, b"xy").is_err());
        w.write(5, b" world").unwrap();
        w.publish(11).unwrap();
        region.flush(0, 11).unwrap();
        drop(w);
        drop(region);
        assert_eq!(&v[..], b"hello", "views outlive the region handles");
        assert_eq!(&std::fs::read(&path).unwrap()[..11], b"hello world");
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 4096);
    }
}
