//! The controllers' Raft group, on openraft: the type config, the file-backed log
//! ([`log_store`]), the state machine over [`ReplicasState`](crate::state::ReplicasState)
//! ([`state_machine`]), and the peer RPC over CometMQ's remoting transport ([`network`]).

pub mod files;
pub mod log_store;
pub mod network;
pub mod state_machine;

use std::io::Cursor;

use serde::{Deserialize, Serialize};

use crate::state::Event;

/// What applying an entry answers: nothing (responses are decided before logging).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied;

openraft::declare_raft_types!(
    /// The controller's openraft types: [`Event`] entries, nodes named by address.
    pub TypeConfig:
        D = Event,
        R = Applied,
        NodeId = u64,
        Node = openraft::BasicNode,
        Entry = openraft::Entry<TypeConfig>,
        SnapshotData = Cursor<Vec<u8>>,
);

/// The running Raft node.
pub type Raft = openraft::Raft<TypeConfig>;

/// A storage error of this type config.
pub type StorageError = openraft::StorageError<u64>;

/// Wraps an I/O failure as openraft's storage error.
pub(crate) fn io_error(
    make: fn(openraft::AnyError) -> openraft::StorageIOError<u64>,
    e: &std::io::Error,
) -> StorageError {
    make(openraft::AnyError::new(e)).into()
}
