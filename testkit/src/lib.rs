//! Test fixtures shared by the CometMQ crates' tests, benches and examples: the one place
//! that starts servers for a test, waits for what they do in the background, and builds
//! raw requests. Dev-only (`publish = false`), so it may panic on failure like the tests
//! that use it.
//!
//! - [`namesrv`]: an in-process NameServer ([`namesrv::Namesrv`]).
//! - `broker` (feature `broker`): an in-process broker's test config and start.
//! - `cluster` and `calls` (feature `broker`): a NameServer and a broker in this
//!   process, stopped and restarted, and the raw requests tests send it.
//! - `system` (feature `broker`): the same pair, or Apache RocketMQ's with
//!   `COMETMQ_SERVERS=java`.
//! - [`java`]: Apache RocketMQ's servers as child processes; [`process`]: any server
//!   binary as one.
//! - [`wait`]: `eventually`, `wait_until` and `wait_max_offset`, with one deadline.
//! - [`request`]: request builders; [`interop`]: the Node.js interop scripts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(feature = "broker")]
pub mod broker;
#[cfg(feature = "broker")]
pub mod calls;
#[cfg(feature = "broker")]
pub mod cluster;
pub mod interop;
pub mod java;
pub mod logs;
pub mod namesrv;
mod port;
pub mod process;
pub mod request;
#[cfg(feature = "broker")]
pub mod system;
pub mod tls;
pub mod wait;

pub use port::{free_port, SERIAL};
