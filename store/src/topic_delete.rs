//! Deleting a topic's ConsumeQueues (Java `DefaultMessageStore.deleteTopics`).
//!
//! The CommitLog keeps the topic's records until retention; what goes is the topic's
//! queues — files, in-memory state and next queue offsets — so a topic re-created with
//! the same name starts at offset 0 and never sees the old messages.
//!
//! Ordering, with one owner per piece of state:
//! 1. The caller, under the appender mutex, forgets the topic's next queue offsets and
//!    notes the CommitLog end `E`: records before `E` are the old topic's, records after
//!    it the new one's (offsets from 0). It queues a [`Deletion`] and waits.
//! 2. The dispatcher, the only writer of ConsumeQueues, performs the deletion when it
//!    has dispatched exactly up to `E` — after every old record, before any new one — so
//!    no old entry lands in the new queues and no new entry in the deleted ones.
//! 3. A tombstone `consumequeue/<topic>/deleted` holding `E` is written, so that records
//!    dispatched again after a restart (the dispatcher resumes at the ConsumeQueues' end,
//!    or earlier after a crash) are not put back into the topic's queues. Retention
//!    removes it once the CommitLog no longer reaches below `E`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

use parking_lot::{Mutex, RwLock};
use tracing::info;

use crate::error::{IoContext, Result};
use crate::state::StoreState;

/// Name of the tombstone file in a deleted topic's ConsumeQueue directory.
const TOMBSTONE: &str = "deleted";

/// A requested deletion, waiting for the dispatcher to reach `upto`.
#[derive(Debug)]
pub(crate) struct Deletion {
    pub(crate) topic: String,
    /// CommitLog end when the deletion was requested.
    pub(crate) upto: i64,
    /// Receives the number of queues deleted.
    pub(crate) done: Sender<Result<usize>>,
}

/// Deletions not yet performed.
#[derive(Debug, Default)]
pub(crate) struct Deletions {
    any: AtomicBool,
    pending: Mutex<Vec<Deletion>>,
}

impl Deletions {
    /// ConsumeQueueTable a deletion.
    pub(crate) fn push(&self, d: Deletion) {
        self.pending.lock().push(d);
        self.any.store(true, Ordering::Release);
    }

    /// Removes and returns the deletions due once everything before `next` is
    /// dispatched (one atomic load when there are none).
    pub(crate) fn due(&self, next: i64) -> Vec<Deletion> {
        if !self.any.load(Ordering::Acquire) {
            return Vec::new();
        }
        let mut pending = self.pending.lock();
        let (due, rest): (Vec<_>, Vec<_>) = pending.drain(..).partition(|d| d.upto <= next);
        *pending = rest;
        self.any.store(!pending.is_empty(), Ordering::Release);
        due
    }

    /// Drops every pending deletion (the dispatcher stopped): their callers get an
    /// error.
    pub(crate) fn clear(&self) {
        self.pending.lock().clear();
        self.any.store(false, Ordering::Release);
    }
}

/// `topic → E`: records of the topic before CommitLog offset `E` belong to a deleted
/// incarnation and are not dispatched into its queues.
#[derive(Debug)]
pub(crate) struct Tombstones {
    dir: PathBuf,
    any: AtomicBool,
    table: RwLock<HashMap<String, i64>>,
}

fn read_tombstone(path: &Path) -> Option<i64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

impl Tombstones {
    /// Loads the tombstones under the ConsumeQueue directory `dir`.
    pub(crate) fn load(dir: &Path) -> Result<Tombstones> {
        let mut table = HashMap::new();
        if dir.exists() {
            for topic in std::fs::read_dir(dir).at(dir)? {
                let topic = topic.at(dir)?;
                let Some(name) = topic.file_name().to_str().map(str::to_owned) else {
                    continue;
                };
                if let Some(upto) = read_tombstone(&topic.path().join(TOMBSTONE)) {
                    table.insert(name, upto);
                }
            }
        }
        Ok(Tombstones {
            dir: dir.to_path_buf(),
            any: AtomicBool::new(!table.is_empty()),
            table: RwLock::new(table),
        })
    }

    /// Whether the record of `topic` at CommitLog offset `phys` belongs to a deleted
    /// incarnation of the topic.
    pub(crate) fn covers(&self, topic: &str, phys: i64) -> bool {
        if !self.any.load(Ordering::Acquire) {
            return false;
        }
        let t = self.table.read();
        t.get(topic).is_some_and(|&upto| phys < upto)
    }

    /// Records (durably) that the topic's records before `upto` are deleted.
    fn record(&self, topic: &str, upto: i64) -> Result<()> {
        let dir = self.dir.join(topic);
        std::fs::create_dir_all(&dir).at(&dir)?;
        let path = dir.join(TOMBSTONE);
        let tmp = crate::mmap::temp_path(&path);
        std::fs::write(&tmp, upto.to_string()).at(&tmp)?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .at(&tmp)?;
        std::fs::rename(&tmp, &path).at(&path)?;
        let mut t = self.table.write();
        let e = t.entry(topic.to_owned()).or_insert(upto);
        *e = (*e).max(upto);
        self.any.store(true, Ordering::Release);
        Ok(())
    }

    /// Removes tombstones the CommitLog no longer reaches below (`log_min` ≥ `E`).
    pub(crate) fn prune(&self, log_min: i64) -> Result<()> {
        if !self.any.load(Ordering::Acquire) {
            return Ok(());
        }
        let gone: Vec<String> = {
            let t = self.table.read();
            t.iter()
                .filter(|(_, &upto)| upto <= log_min)
                .map(|(topic, _)| topic.clone())
                .collect()
        };
        for topic in gone {
            let path = self.dir.join(&topic).join(TOMBSTONE);
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e).at(&path),
                _ => {}
            }
            // The directory goes too when the topic was not re-created.
            let _ = std::fs::remove_dir(self.dir.join(&topic));
            let mut t = self.table.write();
            t.remove(&topic);
            self.any.store(!t.is_empty(), Ordering::Release);
        }
        Ok(())
    }
}

/// Performs a deletion (dispatcher only, once everything before `upto` is
/// dispatched): removes the topic's queues from the table, deletes their files and
/// directories, and writes the tombstone. Returns how many queues went.
pub(crate) fn perform(shared: &StoreState, topic: &str, upto: i64) -> Result<usize> {
    let removed = shared.queues.remove_topic(topic);
    for q in &removed {
        q.destroy()?;
    }
    let dir = shared.config.consume_queue_dir().join(topic);
    if removed.is_empty() && !dir.exists() {
        // Nothing of the topic was ever dispatched: nothing to keep out either.
        return Ok(0);
    }
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        // Queue directories left without a queue object (e.g. emptied by retention).
        if entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.parse::<i32>().is_ok())
        {
            std::fs::remove_dir_all(entry.path()).at(entry.path())?;
        }
    }
    shared.tombstones.record(topic, upto)?;
    info!(
        topic,
        queues = removed.len(),
        upto,
        "topic's ConsumeQueues deleted"
    );
    Ok(removed.len())
}
