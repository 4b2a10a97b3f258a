//! The crate's error type.

use std::io;
use std::path::PathBuf;

use cometmq_remoting::message::MessageError;

/// What can go wrong opening, recovering or running the store.
///
/// Per-message outcomes of an append (illegal message, disk full, flush timeout…) are
/// not errors but [`crate::PutStatus`] values, because the broker answers them with
/// response codes.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file operation failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// Another process holds the store's `lock` file.
    #[error("store directory {0} is locked by another process")]
    Locked(PathBuf),
    /// A store file is not what its name or layout says.
    #[error("corrupt store file {path}: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The configuration is unusable.
    #[error("bad store configuration: {0}")]
    Config(String),
    /// A record failed to decode.
    #[error(transparent)]
    Message(#[from] MessageError),
    /// The store has been shut down.
    #[error("store is shut down")]
    Shutdown,
    /// A raw (replication) append does not start at the CommitLog's end.
    #[error("raw append at {offset} does not start at the CommitLog end {expected}")]
    OffsetMismatch {
        /// Offset given.
        offset: i64,
        /// Current CommitLog max offset.
        expected: i64,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Attaches a path to I/O errors.
pub(crate) trait IoContext<T> {
    /// Maps an `io::Error` to [`StoreError::Io`] on `path`.
    fn at(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|source| StoreError::Io {
            path: path.into(),
            source,
        })
    }
}
