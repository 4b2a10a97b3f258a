//! The `checkpoint` file (reference §6.3): one 4 KiB page holding the store times up to
//! which the CommitLog, the ConsumeQueues and the index were flushed.
//!
//! Concurrency: values live behind a mutex; the flush thread sets the CommitLog time,
//! the dispatcher the others, and the dispatcher persists the page periodically.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use parking_lot::{Mutex, MutexGuard};

use crate::error::{IoContext, Result};
use cometmq_remoting::message::record::layout::be_i64;

/// Size of the file.
pub const CHECKPOINT_SIZE: usize = 4096;

/// The fields of the checkpoint file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckpointValues {
    /// Store time of the last flushed CommitLog record.
    pub physic_msg_timestamp: i64,
    /// Store time of the last flushed ConsumeQueue entry's record.
    pub logics_msg_timestamp: i64,
    /// Store time of the last flushed index entry's record.
    pub index_msg_timestamp: i64,
    /// 5.x: master flushed offset.
    pub master_flushed_offset: i64,
    /// 5.x: confirmed CommitLog offset.
    pub confirm_phy_offset: i64,
}

impl CheckpointValues {
    /// The 4 KiB page.
    pub fn encode(&self) -> [u8; CHECKPOINT_SIZE] {
        let mut page = [0u8; CHECKPOINT_SIZE];
        let fields = [
            self.physic_msg_timestamp,
            self.logics_msg_timestamp,
            self.index_msg_timestamp,
            self.master_flushed_offset,
            self.confirm_phy_offset,
        ];
        for (i, v) in fields.iter().enumerate() {
            page[i * 8..i * 8 + 8].copy_from_slice(&v.to_be_bytes());
        }
        page
    }

    /// Reads the fields; missing bytes read as 0.
    pub fn decode(page: &[u8]) -> CheckpointValues {
        let f = |i: usize| be_i64(page, i * 8).unwrap_or(0);
        CheckpointValues {
            physic_msg_timestamp: f(0),
            logics_msg_timestamp: f(1),
            index_msg_timestamp: f(2),
            master_flushed_offset: f(3),
            confirm_phy_offset: f(4),
        }
    }

    /// The earliest of the three flush times: where abnormal recovery starts.
    pub fn min_timestamp(&self, with_index: bool) -> i64 {
        let m = self.physic_msg_timestamp.min(self.logics_msg_timestamp);
        if with_index {
            m.min(self.index_msg_timestamp)
        } else {
            m
        }
    }
}

/// The checkpoint file and its current values.
#[derive(Debug)]
pub(crate) struct Checkpoint {
    path: PathBuf,
    file: File,
    values: Mutex<CheckpointValues>,
}

impl Checkpoint {
    /// Opens (creating) the file and reads its values.
    pub(crate) fn open(path: &Path) -> Result<Checkpoint> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .at(path)?;
        let mut page = vec![0u8; CHECKPOINT_SIZE];
        let mut read = 0;
        while read < CHECKPOINT_SIZE {
            match file.read_at(&mut page[read..], read as u64).at(path)? {
                0 => break,
                n => read += n,
            }
        }
        Ok(Checkpoint {
            path: path.to_path_buf(),
            file,
            values: Mutex::new(CheckpointValues::decode(&page[..read])),
        })
    }

    /// The values (locked briefly).
    pub(crate) fn values(&self) -> MutexGuard<'_, CheckpointValues> {
        self.values.lock()
    }

    /// Writes the page and syncs it.
    pub(crate) fn persist(&self) -> Result<()> {
        let page = self.values().encode();
        self.file.write_all_at(&page, 0).at(&self.path)?;
        self.file.sync_data().at(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_persistence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoint");
        let cp = Checkpoint::open(&path).unwrap();
        assert_eq!(*cp.values(), CheckpointValues::default());
        cp.values().physic_msg_timestamp = 0x0102;
        cp.values().index_msg_timestamp = 7;
        cp.persist().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 4096);
        assert_eq!(&bytes[6..8], &[1, 2]);
        assert_eq!(bytes[23], 7);
        let v = Checkpoint::open(&path).unwrap().values().to_owned();
        assert_eq!(v.min_timestamp(true), 0);
        assert_eq!(v.index_msg_timestamp, 7);
    }
}
