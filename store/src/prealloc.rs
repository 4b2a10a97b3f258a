//! Background preparation of the CommitLog's next file (Java
//! `AllocateMappedFileService`, with `warmMappedFileEnable`).
//!
//! Creating, sizing and first-touching a 1 GiB mapped file on the append path stalls
//! every writer; so one thread prepares the file that will follow the current one while
//! the current one fills, and the writer switches to it with a rename.
//!
//! Contract:
//! - **Ownership.** A file in preparation, or prepared and not yet taken, belongs to
//!   this thread's slot and lives only under its staging name (see [`staged_path`]):
//!   beside the CommitLog directory, not in it. It is not in the segment list, so
//!   readers, the dispatcher, flush and retention never see it. [`Preallocator::take`]
//!   hands it to the appender, which renames it into place under the appender mutex and
//!   only then adds it to the segment list.
//! - **Mismatch.** A prepared file whose base is not the one asked for (the log moved
//!   elsewhere, e.g. a slave starting at the master's offset) is deleted.
//! - **Failure and disk full.** Preparation allocates the file's blocks (`fallocate`),
//!   so a full disk fails it cleanly with `ENOSPC`: the temporary file is removed and
//!   [`Preallocator::take`] answers `None`; the appender then creates the file itself,
//!   which fails the same way and refuses the append (CREATE_MAPEDFILE_FAILED) instead
//!   of dying on SIGBUS.
//! - **Shutdown.** [`Preallocator::stop`] joins the thread and deletes an untaken file.
//! - **Crash.** A leftover staged file is never read as data: it is not in the CommitLog
//!   directory, and recovery deletes it ([`remove_staged`]). It stays out of that
//!   directory because Java's broker refuses to load a CommitLog directory holding any
//!   other file, so a staged file left there by a kill -9 would stop a roll-back to the
//!   Java broker (found by the side-by-side test).
//!   Once renamed into place the file may still be empty at a crash; recovery ends the
//!   log at its first byte, as for any empty last file.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use parking_lot::{Condvar, Mutex};
use tracing::{debug, warn};

use crate::mmap::{self, Region, RegionWriter};
use crate::segment::file_name;

/// A prepared file, not yet in place.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// Its temporary path.
    pub(crate) tmp: PathBuf,
    /// The mapping and its writer.
    pub(crate) region: (Arc<Region>, RegionWriter),
}

#[derive(Debug)]
enum State {
    Idle,
    Wanted(i64),
    Preparing(i64),
    Ready(i64, Prepared),
}

#[derive(Debug)]
struct Slot {
    state: State,
    stop: bool,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    file_size: usize,
    warm: bool,
    slot: Mutex<Slot>,
    changed: Condvar,
}

impl Inner {
    fn tmp_path(&self, base: i64) -> PathBuf {
        staged_path(&self.dir, base)
    }

    /// The thread body: prepare what is wanted, one file at a time, until stopped.
    fn run(&self) {
        loop {
            let base = {
                let mut slot = self.slot.lock();
                loop {
                    if slot.stop {
                        return;
                    }
                    if let State::Wanted(base) = slot.state {
                        slot.state = State::Preparing(base);
                        break base;
                    }
                    self.changed.wait(&mut slot);
                }
            };
            let tmp = self.tmp_path(base);
            // Disk I/O, outside the lock.
            let made = std::fs::create_dir_all(&self.dir)
                .and_then(|()| Region::prepare(&tmp, self.file_size, self.warm));
            let mut slot = self.slot.lock();
            match made {
                Ok(region) if matches!(slot.state, State::Preparing(b) if b == base) => {
                    debug!(base, "next CommitLog file prepared");
                    slot.state = State::Ready(base, Prepared { tmp, region });
                }
                Ok(_) => {
                    // Asked for another file meanwhile: this one is not wanted.
                    drop(slot);
                    let _ = std::fs::remove_file(&tmp);
                    slot = self.slot.lock();
                }
                Err(e) => {
                    crate::throttled!(warn, base, error = %e, "preparing the next CommitLog file failed");
                    if matches!(slot.state, State::Preparing(b) if b == base) {
                        slot.state = State::Idle;
                    }
                }
            }
            drop(slot);
            self.changed.notify_all();
        }
    }
}

/// The preparing thread and its one-file slot. StoreState by the appender (through an
/// `Arc`) and the store's shutdown.
#[derive(Debug)]
pub(crate) struct Preallocator {
    inner: Arc<Inner>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Preallocator {
    /// Starts the thread preparing files of `file_size` bytes in `dir`, pre-faulted
    /// when `warm`.
    pub(crate) fn start(dir: PathBuf, file_size: usize, warm: bool) -> std::io::Result<Self> {
        let inner = Arc::new(Inner {
            dir,
            file_size,
            warm,
            slot: Mutex::new(Slot {
                state: State::Idle,
                stop: false,
            }),
            changed: Condvar::new(),
        });
        let worker = Arc::clone(&inner);
        let thread = std::thread::Builder::new()
            .name("store-prealloc".to_owned())
            .spawn(move || worker.run())?;
        Ok(Preallocator {
            inner,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Asks for the file starting at `base` to be prepared (nothing if it already is
    /// or is being prepared). A prepared file of another base is deleted.
    pub(crate) fn request(&self, base: i64) {
        let stale = {
            let mut slot = self.inner.slot.lock();
            if slot.stop {
                return;
            }
            if let State::Wanted(b) | State::Preparing(b) | State::Ready(b, _) = &slot.state {
                if *b == base {
                    return;
                }
            }
            // A file being prepared for another base is dropped by the thread when it
            // finishes (it finds its base no longer wanted).
            match std::mem::replace(&mut slot.state, State::Wanted(base)) {
                State::Ready(_, p) => Some(p),
                _ => None,
            }
        };
        self.inner.changed.notify_all();
        if let Some(p) = stale {
            discard(p);
        }
    }

    /// The prepared file starting at `base`, waiting if it is being prepared; `None`
    /// if it was not asked for, its preparation failed, or the thread is stopped (the
    /// caller then creates the file itself). Called with the appender mutex held: the
    /// wait is the file's creation, which the appender would otherwise do itself.
    pub(crate) fn take(&self, base: i64) -> Option<Prepared> {
        let mut slot = self.inner.slot.lock();
        loop {
            match &slot.state {
                _ if slot.stop => return None,
                State::Ready(b, _) if *b == base => {
                    return match std::mem::replace(&mut slot.state, State::Idle) {
                        State::Ready(_, p) => Some(p),
                        _ => None,
                    };
                }
                State::Wanted(b) | State::Preparing(b) if *b == base => {
                    self.inner.changed.wait(&mut slot);
                }
                _ => return None,
            }
        }
    }

    /// Stops the thread (after the file it is preparing, if any) and deletes a
    /// prepared file nobody took. Idempotent.
    pub(crate) fn stop(&self) {
        let left = {
            let mut slot = self.inner.slot.lock();
            slot.stop = true;
            std::mem::replace(&mut slot.state, State::Idle)
        };
        self.inner.changed.notify_all();
        let thread = self.thread.lock().take();
        if let Some(t) = thread {
            let _ = t.join();
        }
        if let State::Ready(_, p) = left {
            discard(p);
        }
        // The thread may have finished a file after `state` was cleared.
        let late = std::mem::replace(&mut self.inner.slot.lock().state, State::Idle);
        if let State::Ready(_, p) = late {
            discard(p);
        }
    }
}

impl Drop for Preallocator {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Where the next file of the CommitLog in `dir` waits until it is renamed into place:
/// `<parent>/.<dir name>.<20-digit base>.tmp`, beside the directory that Java's broker
/// scans. When the parent is another filesystem (the CommitLog directory is a mount
/// point) a rename could not cross, so the file waits in `dir` itself as `<base>.tmp`.
pub(crate) fn staged_path(dir: &Path, base: i64) -> PathBuf {
    match staging_beside(dir) {
        Some((parent, prefix)) => parent.join(format!("{prefix}{}.tmp", file_name(base))),
        None => mmap::temp_path(&dir.join(file_name(base))),
    }
}

/// The parent of `dir` and the name prefix of staged files there, when `dir` and its
/// parent are on one filesystem.
fn staging_beside(dir: &Path) -> Option<(PathBuf, String)> {
    use std::os::unix::fs::MetadataExt;
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty())?;
    let name = dir.file_name()?.to_str()?;
    let same_fs = std::fs::metadata(parent).ok()?.dev() == std::fs::metadata(dir).ok()?.dev();
    same_fs.then(|| (parent.to_path_buf(), format!(".{name}.")))
}

/// Deletes staged files of the CommitLog in `dir` that a stopped run left beside it.
/// They never hold acknowledged data.
pub(crate) fn remove_staged(dir: &Path) -> std::io::Result<()> {
    let Some((parent, prefix)) = staging_beside(dir) else {
        return Ok(());
    };
    for entry in std::fs::read_dir(&parent)?.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(".tmp") {
            tracing::info!(path = %entry.path().display(), "removing a staged CommitLog file left by a stopped run");
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Unmaps and deletes a prepared file that will not be used.
fn discard(p: Prepared) {
    let Prepared { tmp, region } = p;
    drop(region);
    if let Err(e) = std::fs::remove_file(&tmp) {
        warn!(path = %tmp.display(), error = %e, "removing an unused prepared file failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepares_hands_over_and_cleans_up() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("commitlog");
        std::fs::create_dir_all(&dir).unwrap();
        let p = Preallocator::start(dir.clone(), 8192, true).unwrap();
        p.request(8192);
        let got = p.take(8192).expect("prepared");
        // Beside the CommitLog directory, never in it (Java's broker loads every file
        // there as a segment).
        assert_eq!(
            got.tmp,
            root.path().join(".commitlog.00000000000000008192.tmp")
        );
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        assert_eq!(std::fs::metadata(&got.tmp).unwrap().len(), 8192);
        assert!(p.take(8192).is_none(), "taken once");
        assert!(p.take(0).is_none(), "never asked for");

        // A prepared file of another base is dropped when a different one is asked for.
        p.request(16384);
        discard(p.take(16384).expect("prepared"));
        p.request(24576);
        p.request(32768);
        assert!(p.take(32768).map(discard).is_some());
        p.request(40960);
        p.stop();
        assert!(p.take(40960).is_none(), "stopped");
        let left: Vec<_> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(
            left.contains(&std::ffi::OsString::from(
                ".commitlog.00000000000000008192.tmp"
            )),
            "only the file handed over (never installed here) remains: {left:?}"
        );
        drop(got);
        remove_staged(&dir).unwrap();
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
    }
}
