//! Consuming: the [`PushConsumer`] and the [`PullConsumer`], their listeners and settings,
//! pull results, queue allocation strategies and offset stores.
//!
//! How a push consumer works (Java `DefaultMQPushConsumerImpl`, reference §11):
//!
//! - its **service task** rebalances every 20 s and when a broker says the group changed:
//!   it asks a broker for the group's client ids, runs the allocation strategy over the
//!   topic's queues, and starts or stops a **pull task** per queue (orderly consumers lock a
//!   queue at the broker before taking it). It also renews orderly locks every 20 s and
//!   persists offsets every 5 s;
//! - each pull task long-polls its queue (held 15 s by the broker), stops pulling while the
//!   queue's [`ProcessQueue`] holds too many messages or bytes, and hands what it found to
//!   the **consume service**: concurrent (parallel batches, failures sent back for retry) or
//!   orderly (one task per queue, failures retried in place);
//! - the committed offset of a queue is the lowest offset not yet consumed, so a crash or a
//!   rebalance redelivers but never skips a message. A released queue's offset is
//!   persisted, with confirmation, before it is unlocked.

pub mod allocate;
mod broker_ops;
mod consume_concurrently;
mod consume_orderly;
mod consumer_member;
mod core;
mod listener;
pub mod offset_store;
mod process_queue;
mod pull_api;
mod pull_consumer;
mod pull_result;
mod pull_task;
mod push_builder;
mod push_consumer;
mod rebalance;
mod selector;
mod send_back;
mod settings;
mod simple_consumer;
mod start_offset;
mod stats;
mod trace_hook;

pub use broker_ops::{lock_batch, max_offset, min_offset, search_offset, unlock_batch};
pub use listener::{
    async_fn, blocking, AsyncFn, Blocking, ConcurrentListener, ConsumeContext, ConsumeResult,
    OrderlyListener, OrderlyResult,
};
pub use process_queue::{ProcessQueue, LOCK_MAX_LIVE_MS, PULL_MAX_IDLE_MS};
pub use pull_consumer::{PullConsumer, PullConsumerBuilder};
pub use pull_result::{PullResult, PullStatus};
pub use push_builder::PushConsumerBuilder;
pub use push_consumer::PushConsumer;
pub use selector::MessageSelector;
pub use settings::{is_retry_topic, retry_topic, ConsumeFromWhere, ConsumerSettings, MessageModel};
pub use simple_consumer::{ReceivedMessage, SimpleConsumer};
