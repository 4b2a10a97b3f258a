//! Consuming: pull results, queue allocation strategies and offset stores.

pub mod allocate;
pub mod offset_store;
mod pull_result;

pub use pull_result::{PullResult, PullStatus};
