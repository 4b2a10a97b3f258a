//! Whole-system test fixtures of the broker's tests. The servers, waits and requests come
//! from `cometmq_testkit`; here are the broker-only ones (HA processes, the transactional
//! producer, the Java side-by-side runs).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Not every test binary uses every re-export.
#![allow(unused_imports)]

pub mod ha;
pub mod java;
pub mod process;

pub mod txn;

pub use cometmq_testkit::broker::config as test_config;
pub use cometmq_testkit::calls::T;
pub use cometmq_testkit::cluster::Cluster;
pub use cometmq_testkit::request::messages;
pub use cometmq_testkit::wait::eventually;

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    cometmq_broker::state::now_ms()
}
