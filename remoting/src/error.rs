//! Errors of the remoting layer.

use crate::header::HeaderError;
use crate::message::MessageError;

/// What can go wrong decoding frames or talking to a peer.
#[derive(Debug, thiserror::Error)]
pub enum RemotingError {
    /// Socket error.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// A frame declared a length over the configured limit.
    #[error("frame of {len} bytes exceeds the limit of {max} bytes")]
    FrameTooLarge {
        /// The declared length.
        len: usize,
        /// The configured limit.
        max: usize,
    },
    /// The bytes are not a valid frame or header.
    #[error("malformed frame: {0}")]
    Malformed(String),
    /// A typed custom header could not be read.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// A message record, batch or id could not be read.
    #[error(transparent)]
    Message(#[from] MessageError),
    /// No response arrived in time.
    #[error("request to {addr} timed out after {millis} ms")]
    Timeout {
        /// The peer.
        addr: String,
        /// The timeout that elapsed.
        millis: u64,
    },
    /// Could not connect to the peer.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The peer.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The connection closed before the response arrived.
    #[error("connection to {0} closed")]
    ConnectionClosed(String),
    /// The client or server is shut down.
    #[error("shut down")]
    Shutdown,
}

/// Shorthand result type.
pub type Result<T, E = RemotingError> = std::result::Result<T, E>;
