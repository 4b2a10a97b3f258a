//! Consuming: pull results, queue allocation strategies and offset stores.

mod pull_result;

pub use pull_result::{PullResult, PullStatus};
