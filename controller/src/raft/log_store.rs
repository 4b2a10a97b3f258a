//! [`LogStore`]: openraft's log storage over plain files in the store directory.
//!
//! - `raft-log`: an append-only file of records, each `len: u32 BE, crc32: u32 BE, JSON`;
//!   a record is an entry, a truncation (entries from an index on are void) or a purge
//!   mark. Appends are fsynced before openraft is told they are durable. At start the file
//!   is replayed; a torn or corrupt tail (a crash mid-append) is cut off.
//! - `raft-meta.json`: the vote and the committed log id, replaced atomically.
//!
//! Purging (after a snapshot) rewrites the log file with what is left.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::ops::RangeBounds;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{LogId, RaftLogReader, StorageIOError, Vote};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::files::{read_if_exists, sync_dir, write_atomic};
use super::{io_error, StorageError, TypeConfig};

type Entry = openraft::Entry<TypeConfig>;

#[derive(Debug, Serialize, Deserialize)]
enum Record {
    Entry(Entry),
    Truncate(u64),
    Purged(LogId<u64>),
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Meta {
    vote: Option<Vote<u64>>,
    committed: Option<LogId<u64>>,
}

struct Inner {
    log_path: PathBuf,
    meta_path: PathBuf,
    file: File,
    entries: BTreeMap<u64, Entry>,
    purged: Option<LogId<u64>>,
    meta: Meta,
}

/// The Raft log, vote and commit mark, durable under the store directory. Cheap to clone
/// (the clones are openraft's log readers).
#[derive(Clone)]
pub struct LogStore {
    inner: Arc<Mutex<Inner>>,
}

fn encode(rec: &Record, out: &mut Vec<u8>) -> io::Result<()> {
    let json = serde_json::to_vec(rec).map_err(io::Error::other)?;
    let len = u32::try_from(json.len()).map_err(io::Error::other)?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&crc32fast::hash(&json).to_be_bytes());
    out.extend_from_slice(&json);
    Ok(())
}

/// Reads records until the end or the first torn/corrupt one; returns them and the length
/// of the good prefix.
fn decode_all(bytes: &[u8]) -> (Vec<Record>, usize) {
    let mut recs = Vec::new();
    let mut pos = 0;
    while bytes.len() - pos >= 8 {
        let len = u32::from_be_bytes([bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]])
            as usize;
        let crc = u32::from_be_bytes([
            bytes[pos + 4],
            bytes[pos + 5],
            bytes[pos + 6],
            bytes[pos + 7],
        ]);
        let Some(body) = bytes.get(pos + 8..pos + 8 + len) else {
            break;
        };
        if crc32fast::hash(body) != crc {
            break;
        }
        match serde_json::from_slice(body) {
            Ok(r) => recs.push(r),
            Err(_) => break,
        }
        pos += 8 + len;
    }
    (recs, pos)
}

impl LogStore {
    /// Opens (or creates) the log under `dir`, replaying what is there.
    pub fn open(dir: &Path) -> io::Result<LogStore> {
        std::fs::create_dir_all(dir)?;
        let log_path = dir.join("raft-log");
        let meta_path = dir.join("raft-meta.json");
        let meta: Meta = match read_if_exists(&meta_path)? {
            Some(b) => serde_json::from_slice(&b).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}: {e}", meta_path.display()),
                )
            })?,
            None => Meta::default(),
        };
        let bytes = read_if_exists(&log_path)?.unwrap_or_default();
        let (recs, good) = decode_all(&bytes);
        let mut entries = BTreeMap::new();
        let mut purged = None;
        for r in recs {
            match r {
                Record::Entry(e) => {
                    entries.insert(e.log_id.index, e);
                }
                Record::Truncate(i) => {
                    entries.split_off(&i);
                }
                Record::Purged(id) => {
                    entries = entries.split_off(&(id.index + 1));
                    purged = Some(id);
                }
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)?;
        if good < bytes.len() {
            tracing::warn!(
                file = %log_path.display(),
                kept = good,
                dropped = bytes.len() - good,
                "raft log: torn tail cut off"
            );
            file.set_len(good as u64)?;
            file.sync_all()?;
        }
        sync_dir(&log_path)?;
        Ok(LogStore {
            inner: Arc::new(Mutex::new(Inner {
                log_path,
                meta_path,
                file,
                entries,
                purged,
                meta,
            })),
        })
    }
}

impl Inner {
    fn write(&mut self, recs: &[Record]) -> io::Result<()> {
        let mut buf = Vec::new();
        for r in recs {
            encode(r, &mut buf)?;
        }
        self.file.write_all(&buf)?;
        self.file.sync_data()
    }

    fn save_meta(&self) -> io::Result<()> {
        let bytes = serde_json::to_vec(&self.meta).map_err(io::Error::other)?;
        write_atomic(&self.meta_path, &bytes)
    }

    /// Rewrites the log file with the purge mark and the remaining entries.
    fn rewrite(&mut self) -> io::Result<()> {
        let mut buf = Vec::new();
        if let Some(p) = self.purged {
            encode(&Record::Purged(p), &mut buf)?;
        }
        for e in self.entries.values() {
            encode(&Record::Entry(e.clone()), &mut buf)?;
        }
        write_atomic(&self.log_path, &buf)?;
        self.file = OpenOptions::new().append(true).open(&self.log_path)?;
        Ok(())
    }
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        let inner = self.inner.lock().await;
        Ok(inner.entries.range(range).map(|(_, e)| e.clone()).collect())
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError> {
        let inner = self.inner.lock().await;
        let last = inner
            .entries
            .values()
            .next_back()
            .map(|e| e.log_id)
            .or(inner.purged);
        Ok(LogState {
            last_purged_log_id: inner.purged,
            last_log_id: last,
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote<u64>) -> Result<(), StorageError> {
        let mut inner = self.inner.lock().await;
        inner.meta.vote = Some(*vote);
        inner
            .save_meta()
            .map_err(|e| io_error(StorageIOError::write_vote, &e))
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<u64>>, StorageError> {
        Ok(self.inner.lock().await.meta.vote)
    }

    async fn save_committed(&mut self, committed: Option<LogId<u64>>) -> Result<(), StorageError> {
        let mut inner = self.inner.lock().await;
        inner.meta.committed = committed;
        inner
            .save_meta()
            .map_err(|e| io_error(StorageIOError::write, &e))
    }

    async fn read_committed(&mut self) -> Result<Option<LogId<u64>>, StorageError> {
        Ok(self.inner.lock().await.meta.committed)
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<TypeConfig>,
    ) -> Result<(), StorageError>
    where
        I: IntoIterator<Item = Entry> + Send,
        I::IntoIter: Send,
    {
        let mut inner = self.inner.lock().await;
        let recs: Vec<Record> = entries.into_iter().map(Record::Entry).collect();
        let result = inner.write(&recs);
        if result.is_ok() {
            for r in recs {
                if let Record::Entry(e) = r {
                    inner.entries.insert(e.log_id.index, e);
                }
            }
        }
        let err = result
            .as_ref()
            .err()
            .map(|e| io_error(StorageIOError::write_logs, e));
        callback.log_io_completed(result);
        match err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    async fn truncate(&mut self, log_id: LogId<u64>) -> Result<(), StorageError> {
        let mut inner = self.inner.lock().await;
        inner
            .write(&[Record::Truncate(log_id.index)])
            .map_err(|e| io_error(StorageIOError::write_logs, &e))?;
        inner.entries.split_off(&log_id.index);
        Ok(())
    }

    async fn purge(&mut self, log_id: LogId<u64>) -> Result<(), StorageError> {
        let mut inner = self.inner.lock().await;
        inner.entries = inner.entries.split_off(&(log_id.index + 1));
        inner.purged = Some(log_id);
        inner
            .rewrite()
            .map_err(|e| io_error(StorageIOError::write_logs, &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_or_corrupt_tail_is_cut_at_the_last_good_record() {
        let mut buf = Vec::new();
        for i in 1..=3 {
            encode(&Record::Truncate(i), &mut buf).unwrap();
        }
        let good = buf.len();
        let mut torn = buf.clone();
        encode(&Record::Truncate(9), &mut torn).unwrap();
        torn.truncate(good + 5); // a crash mid-append
        let (recs, len) = decode_all(&torn);
        assert_eq!((recs.len(), len), (3, good));
        let mut corrupt = buf.clone();
        let last = corrupt.len() - 1;
        corrupt[last] ^= 0xff; // a flipped bit in the last record
        let (recs, _) = decode_all(&corrupt);
        assert_eq!(recs.len(), 2);
    }

    #[test]
    fn reopen_replays_truncation_and_purge() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("raft-log");
        let mut buf = Vec::new();
        let id = |i| LogId::new(openraft::CommittedLeaderId::new(1, 0), i);
        for i in 1..=5 {
            encode(
                &Record::Entry(
                    <openraft::Entry<TypeConfig> as openraft::entry::RaftEntry<
                        u64,
                        openraft::BasicNode,
                    >>::new_blank(id(i)),
                ),
                &mut buf,
            )
            .unwrap();
        }
        encode(&Record::Truncate(4), &mut buf).unwrap();
        encode(&Record::Purged(id(1)), &mut buf).unwrap();
        buf.extend_from_slice(&[0, 0, 0, 9, 1]); // torn
        std::fs::write(&path, &buf).unwrap();
        let store = LogStore::open(dir.path()).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let inner = rt.block_on(store.inner.lock());
        assert_eq!(
            inner.entries.keys().copied().collect::<Vec<_>>(),
            vec![2, 3]
        );
        assert_eq!(inner.purged, Some(id(1)));
        drop(inner);
        assert_eq!(
            std::fs::metadata(&path).unwrap().len() as usize,
            buf.len() - 5
        );
    }
}
