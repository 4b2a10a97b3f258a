//! The tokio transport, the same on both ends of a socket.
//!
//! - [`Connection`]: one TCP connection with a reader task, a writer task and a table of
//!   requests awaiting their responses. Either end may send requests on it.
//! - [`RequestProcessor`] and [`Router`]: how incoming requests are answered.
//! - [`RemotingServer`]: accepts connections and serves them with a processor.
//! - [`RemotingClient`]: a pool of connections per address, with timeouts and one-way calls.
//!
//! Concurrency contract: every connection owns its socket halves in two tasks. Outgoing frames
//! go through a bounded queue whose bytes are counted ([`write_buffer`]), and incoming
//! requests are processed by at most [`TransportConfig::max_inflight_requests`] tasks at
//! once. A connection whose queue passes its high-water mark stops being read until it
//! drains, one past its hard limit (or past the shared total) is closed, so a peer that
//! does not read its responses slows itself down instead of growing our memory.

mod client;
mod config;
mod connection;
mod processor;
mod server;
pub mod write_buffer;
mod writer;

pub use client::RemotingClient;
pub use config::{
    TransportConfig, DEFAULT_WRITE_BUFFER_LIMIT_PER_CONNECTION, DEFAULT_WRITE_BUFFER_LIMIT_TOTAL,
};
pub use connection::Connection;
pub use processor::{fn_processor, FnProcessor, ProcessFuture, RequestProcessor, Router};
pub use server::RemotingServer;
pub use write_buffer::{holding_request, WriteBudget, WriteBufferStats};
