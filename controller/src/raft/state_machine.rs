//! [`StateMachine`]: applies committed [`Event`](crate::state::Event)s to the shared
//! [`ReplicasState`], and keeps its snapshot in `raft-snapshot.json` under the store
//! directory. The state itself lives in memory: at start it is the snapshot's, and openraft
//! re-applies the committed log after it.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use openraft::storage::{RaftStateMachine, Snapshot};
use openraft::{
    BasicNode, EntryPayload, LogId, RaftSnapshotBuilder, SnapshotMeta, StorageIOError,
    StoredMembership,
};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};

use super::files::{read_if_exists, write_atomic};
use super::{io_error, Applied, StorageError, TypeConfig};
use crate::state::ReplicasState;

type Meta = SnapshotMeta<u64, BasicNode>;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredSnapshot {
    meta: Meta,
    state: ReplicasState,
}

/// The state machine; its state is shared (read-only) with the request processor.
pub struct StateMachine {
    state: Arc<RwLock<ReplicasState>>,
    last_applied: Option<LogId<u64>>,
    membership: StoredMembership<u64, BasicNode>,
    snapshot_path: PathBuf,
    built: u64,
}

/// Builds snapshots from a copy of the state taken when asked.
pub struct SnapshotBuilder {
    copy: StoredSnapshot,
    path: PathBuf,
}

// openraft's own error type is what the storage traits return.
#[allow(clippy::result_large_err)]
fn snapshot_of(s: &StoredSnapshot) -> Result<Snapshot<TypeConfig>, StorageError> {
    let bytes = serde_json::to_vec(&s.state)
        .map_err(|e| io_error(StorageIOError::read, &std::io::Error::other(e)))?;
    Ok(Snapshot {
        meta: s.meta.clone(),
        snapshot: Box::new(Cursor::new(bytes)),
    })
}

impl StateMachine {
    /// Opens the state machine under `dir`: the last snapshot, if any, is its state.
    pub fn open(dir: &Path, state: Arc<RwLock<ReplicasState>>) -> std::io::Result<StateMachine> {
        let snapshot_path = dir.join("raft-snapshot.json");
        let current: Option<StoredSnapshot> = match read_if_exists(&snapshot_path)? {
            Some(b) => Some(serde_json::from_slice(&b).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: {e}", snapshot_path.display()),
                )
            })?),
            None => None,
        };
        let mut sm = StateMachine {
            state,
            last_applied: None,
            membership: StoredMembership::default(),
            snapshot_path,
            built: 0,
        };
        if let Some(s) = current {
            *sm.state.write() = s.state;
            sm.last_applied = s.meta.last_log_id;
            sm.membership = s.meta.last_membership.clone();
        }
        Ok(sm)
    }
}

impl RaftSnapshotBuilder<TypeConfig> for SnapshotBuilder {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError> {
        let bytes = serde_json::to_vec(&self.copy)
            .map_err(|e| io_error(StorageIOError::write, &std::io::Error::other(e)))?;
        write_atomic(&self.path, &bytes).map_err(|e| io_error(StorageIOError::write, &e))?;
        snapshot_of(&self.copy)
    }
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotBuilder = SnapshotBuilder;

    async fn applied_state(
        &mut self,
    ) -> Result<(Option<LogId<u64>>, StoredMembership<u64, BasicNode>), StorageError> {
        Ok((self.last_applied, self.membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<Applied>, StorageError>
    where
        I: IntoIterator<Item = openraft::Entry<TypeConfig>> + Send,
        I::IntoIter: Send,
    {
        let mut out = Vec::new();
        let mut state = self.state.write();
        for entry in entries {
            self.last_applied = Some(entry.log_id);
            match entry.payload {
                EntryPayload::Blank => {}
                EntryPayload::Normal(event) => state.apply(&event),
                EntryPayload::Membership(m) => {
                    self.membership = StoredMembership::new(Some(entry.log_id), m);
                }
            }
            out.push(Applied);
        }
        Ok(out)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        self.built += 1;
        let last = self.last_applied;
        SnapshotBuilder {
            copy: StoredSnapshot {
                meta: SnapshotMeta {
                    last_log_id: last,
                    last_membership: self.membership.clone(),
                    snapshot_id: format!("{}-{}", last.map_or(0, |l| l.index), self.built),
                },
                state: self.state.read().clone(),
            },
            path: self.snapshot_path.clone(),
        }
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<Cursor<Vec<u8>>>, StorageError> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &Meta,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError> {
        let state: ReplicasState = serde_json::from_slice(snapshot.get_ref())
            .map_err(|e| io_error(StorageIOError::read, &std::io::Error::other(e)))?;
        let stored = StoredSnapshot {
            meta: meta.clone(),
            state,
        };
        let bytes = serde_json::to_vec(&stored)
            .map_err(|e| io_error(StorageIOError::write, &std::io::Error::other(e)))?;
        write_atomic(&self.snapshot_path, &bytes)
            .map_err(|e| io_error(StorageIOError::write, &e))?;
        *self.state.write() = stored.state.clone();
        self.last_applied = meta.last_log_id;
        self.membership = meta.last_membership.clone();
        Ok(())
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot<TypeConfig>>, StorageError> {
        // The builder writes each snapshot to the file, so the file is the current one.
        let bytes =
            read_if_exists(&self.snapshot_path).map_err(|e| io_error(StorageIOError::read, &e))?;
        match bytes {
            Some(b) => {
                let s: StoredSnapshot = serde_json::from_slice(&b)
                    .map_err(|e| io_error(StorageIOError::read, &std::io::Error::other(e)))?;
                Ok(Some(snapshot_of(&s)?))
            }
            None => Ok(None),
        }
    }
}
