//! Consuming: pull results, queue allocation strategies and offset stores.

pub mod allocate;
mod pull_result;

pub use pull_result::{PullResult, PullStatus};
