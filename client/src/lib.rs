//! The CometMQ Rust client, for CometMQ and Apache RocketMQ 4.9/5.x brokers.
//!
//! - [`message`]: [`Message`] to send (with a builder), [`MessageExt`] received,
//!   [`MessageQueue`], and the checks made before sending.
//! - [`producer`]: the [`Producer`](producer::Producer) (sync, async, one-way, batch, to a
//!   queue, with a selector; retries, compression, latency fault tolerance), the
//!   [`TransactionProducer`](producer::TransactionProducer), send results, queue selectors.
//! - [`consumer`]: the [`PushConsumer`](consumer::PushConsumer) (concurrent or orderly
//!   listeners, clustering or broadcasting, rebalancing, retries) and the
//!   [`PullConsumer`](consumer::PullConsumer); pull results, the six queue allocation
//!   strategies, offset stores.
//! - [`instance`]: the [`ClientInstance`](instance::ClientInstance) shared by producers and
//!   consumers: client id, NameServer failover, routes, heartbeats, broker → client requests.
//! - [`ClientError`]: every failure says what failed and where.
//!
//! Behaviour follows the Java client (reference §11), so a Rust client can share groups
//! with Java, Go or C++ clients: same queue allocation, same ids, same wire forms.
//!
//! ```no_run
//! # async fn demo() -> cometmq_client::Result<()> {
//! use cometmq_client::producer::Producer;
//! use cometmq_client::Message;
//! let producer = Producer::builder("quickstart-producer")
//!     .namesrv_addr("127.0.0.1:9876")
//!     .build()?;
//! producer.start()?;
//! let result = producer.send(Message::builder("TopicTest").tags("TagA").body("hi").build()).await?;
//! println!("{} → {}", result.msg_id, result.message_queue);
//! producer.shutdown().await;
//! # Ok(()) }
//! ```

pub mod admin;
pub mod consumer;
pub mod error;
pub mod instance;
mod java_string;
pub mod message;
pub mod producer;
pub mod trace;

/// The clock of time-dependent bookkeeping (latency fault isolation), injectable for tests.
pub use cometmq_remoting::clock;
pub use error::{ClientError, Result};
pub use java_string::{java_cmp, JavaHashCode};
pub use message::{Message, MessageExt, MessageQueue};
