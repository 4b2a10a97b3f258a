//! The CometMQ Rust client, for CometMQ and Apache RocketMQ 4.9/5.x brokers.
//!
//! - [`message`]: [`Message`] to send (with a builder), [`MessageExt`] received,
//!   [`MessageQueue`].
//! - [`producer`]: send results, queue selectors and latency fault tolerance.
//! - [`consumer`]: pull results, the six queue allocation strategies and offset stores.
//! - [`ClientError`]: every failure says what failed and where.
//!
//! Behaviour follows the Java client (reference §11), so a Rust client can share groups
//! with Java, Go or C++ clients: same queue allocation, same ids, same wire forms.

pub mod admin;
pub mod clock;
pub mod consumer;
pub mod error;
pub mod instance;
mod java;
pub mod message;
pub mod producer;

pub use error::{ClientError, Result};
pub use java::{java_cmp, JavaHashCode};
pub use message::{Message, MessageExt, MessageQueue};
