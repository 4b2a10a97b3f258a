//! Test fixtures shared by the CometMQ crates' tests, benches and examples: the pieces
//! that were written again in each crate's `tests/common`. Dev-only (`publish = false`),
//! so it may panic on failure like the tests that use it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod interop;
pub mod java;
pub mod namesrv;
mod port;
pub mod request;

pub use port::free_port;
