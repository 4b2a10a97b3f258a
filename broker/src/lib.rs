//! The CometMQ broker: RocketMQ-compatible request processors over the store.

pub mod config;
pub mod persist;
pub mod topic_names;
pub mod topics;
