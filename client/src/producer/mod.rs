//! Producing: send results, queue selectors and latency fault tolerance.

mod send_result;

pub use send_result::{SendResult, SendStatus, DEFAULT_REGION};
