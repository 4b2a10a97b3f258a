//! Consumer offset stores: where a consumer group's progress is kept.
//!
//! - [`RemoteOffsetStore`] (clustering): at the broker, via QUERY_CONSUMER_OFFSET and one-way
//!   UPDATE_CONSUMER_OFFSET.
//! - [`LocalFileOffsetStore`] (broadcasting): in a JSON file per client and group.
//!
//! Both keep an in-memory table that consumption updates; [`OffsetStore::persist_all`]
//! writes it out (the consumer calls it every 5 s and at shutdown). Offsets are "next offset
//! to consume".

use std::collections::HashMap;

use async_trait::async_trait;

use crate::error::Result;
use crate::message::MessageQueue;

mod local;
mod queue_offsets;
mod remote;

pub use local::{default_offsets_root, LocalFileOffsetStore};
pub use remote::{BrokerResolver, RemoteOffsetStore};

/// Where [`OffsetStore::read`] looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOffsetType {
    /// Only the in-memory table.
    Memory,
    /// Only the backing store (broker or file); the table is updated with what is found.
    Store,
    /// The table, or the backing store when the table has nothing.
    MemoryThenStore,
}

/// A consumer group's offsets (Java `OffsetStore`).
#[async_trait]
pub trait OffsetStore: Send + Sync {
    /// Loads persisted offsets into memory (local file store; nothing for the remote one).
    async fn load(&self) -> Result<()>;

    /// Sets the offset of `mq` in memory; with `increase_only`, never moves it backwards.
    /// Ignored while the queue is frozen by [`Self::update_and_freeze`].
    fn update(&self, mq: &MessageQueue, offset: i64, increase_only: bool);

    /// Sets the offset of `mq` and ignores later [`Self::update`]s until the queue is
    /// removed (used by offset resets, so in-flight consumption cannot undo them).
    fn update_and_freeze(&self, mq: &MessageQueue, offset: i64);

    /// The offset of `mq`: `Ok(None)` when nothing is stored.
    async fn read(&self, mq: &MessageQueue, from: ReadOffsetType) -> Result<Option<i64>>;

    /// Persists the offsets of the queues in `mqs`; offsets of other queues are dropped from
    /// memory (the consumer no longer owns them). Tries every queue; returns the first error.
    async fn persist_all(&self, mqs: &[MessageQueue]) -> Result<()>;

    /// Persists the offset of one queue.
    async fn persist(&self, mq: &MessageQueue) -> Result<()>;

    /// Persists the offset of one queue and waits until the backing store confirms it (the
    /// consumer uses it before handing a queue over to another consumer, so the next owner
    /// starts exactly where this one stopped). By default, [`Self::persist`].
    async fn persist_confirmed(&self, mq: &MessageQueue) -> Result<()> {
        self.persist(mq).await
    }

    /// Forgets `mq` (and unfreezes it).
    fn remove(&self, mq: &MessageQueue);

    /// The in-memory offsets of `topic`'s queues.
    fn clone_table(&self, topic: &str) -> HashMap<MessageQueue, i64>;
}
