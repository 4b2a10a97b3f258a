//! [`ControllerError`]: what can stop a controller from starting or serving.

use cometmq_remoting::settings::LoadError;

/// A controller failure.
#[derive(Debug, thiserror::Error)]
pub enum ControllerError {
    /// The config file cannot be used.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A config value cannot be used.
    #[error("invalid {key}: {why}")]
    Config {
        /// The RocketMQ key.
        key: &'static str,
        /// Why.
        why: String,
    },
    /// The store directory cannot be read or written.
    #[error("controller store {path}: {source}")]
    Store {
        /// The file or directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A listener cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        source: cometmq_remoting::RemotingError,
    },
    /// The Raft node failed.
    #[error("raft: {0}")]
    Raft(String),
}
