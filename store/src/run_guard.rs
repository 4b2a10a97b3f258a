//! The `lock` and `abort` files (reference §6.5).
//!
//! `lock` holds an exclusive OS advisory lock for as long as the store is open, so two
//! processes never map the same files. `abort` exists while the store runs; finding it
//! at startup means the last run did not shut down cleanly.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{IoContext, Result, StoreError};

/// Holds the lock; removes `abort` on a clean stop.
#[derive(Debug)]
pub(crate) struct RunGuard {
    _lock: File,
    abort_path: PathBuf,
    /// Whether `abort` was there when the store opened.
    pub(crate) last_exit_crashed: bool,
}

impl RunGuard {
    /// Locks `root/lock` and creates `root/abort` (with this process id, as 5.x does).
    pub(crate) fn acquire(root: &Path) -> Result<RunGuard> {
        std::fs::create_dir_all(root).at(root)?;
        let lock_path = root.join("lock");
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .at(&lock_path)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(StoreError::Locked(root.to_path_buf())),
            Err(TryLockError::Error(e)) => return Err(e).at(&lock_path),
        }
        let abort_path = root.join("abort");
        let last_exit_crashed = abort_path.exists();
        let mut abort = File::create(&abort_path).at(&abort_path)?;
        abort
            .write_all(std::process::id().to_string().as_bytes())
            .and_then(|()| abort.sync_all())
            .at(&abort_path)?;
        Ok(RunGuard {
            _lock: lock,
            abort_path,
            last_exit_crashed,
        })
    }

    /// Marks a clean stop: removes `abort`.
    pub(crate) fn clean_exit(&self) -> Result<()> {
        match std::fs::remove_file(&self.abort_path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).at(&self.abort_path),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_and_abort() {
        let dir = tempfile::tempdir().unwrap();
        let g = RunGuard::acquire(dir.path()).unwrap();
        assert!(!g.last_exit_crashed);
        assert!(matches!(
            RunGuard::acquire(dir.path()),
            Err(StoreError::Locked(_))
        ));
        drop(g);
        let g = RunGuard::acquire(dir.path()).unwrap();
        assert!(g.last_exit_crashed, "abort left behind");
        g.clean_exit().unwrap();
        drop(g);
        assert!(!RunGuard::acquire(dir.path()).unwrap().last_exit_crashed);
    }
}
