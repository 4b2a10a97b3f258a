//! The CometMQ broker: RocketMQ-compatible request processors over the store.

pub mod config;
pub mod groups;
pub mod offsets;
pub mod persist;
pub mod topic_names;
pub mod topics;
