//! [`PushConsumerBuilder`]: subscriptions, listener and settings of a [`PushConsumer`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::allocate::AllocateStrategy;
use super::listener::{
    async_fn, blocking, ConcurrentListener, ConsumeResult, Listener, OrderlyListener, OrderlyResult,
};
use super::settings::{ConsumeFromWhere, ConsumerSettings, MessageModel};
use super::PushConsumer;
use crate::consumer::MessageSelector;
use crate::error::{ClientError, Result};
use crate::instance::{ClientConfig, ClientInstance};
use crate::message::{validate_topic, MessageExt};

/// Builds a [`PushConsumer`]; see [`PushConsumer::builder`].
pub struct PushConsumerBuilder {
    pub(super) settings: ConsumerSettings,
    pub(super) config: ClientConfig,
    pub(super) instance: Option<Arc<ClientInstance>>,
    pub(super) subscriptions: Vec<(String, MessageSelector)>,
    pub(super) listener: Option<Listener>,
}

impl std::fmt::Debug for PushConsumerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushConsumerBuilder")
            .field("settings", &self.settings)
            .field("subscriptions", &self.subscriptions)
            .finish_non_exhaustive()
    }
}

impl PushConsumerBuilder {
    pub(super) fn new(group: impl Into<String>) -> Self {
        PushConsumerBuilder {
            settings: ConsumerSettings::new(group),
            config: ClientConfig::default(),
            instance: None,
            subscriptions: Vec::new(),
            listener: None,
        }
    }

    /// NameServer addresses, `"host:port;host:port"`.
    pub fn namesrv_addr(mut self, addr: impl Into<String>) -> Self {
        self.config.namesrv_addr = addr.into();
        self
    }

    /// The whole client configuration (replaces an earlier [`Self::namesrv_addr`]).
    pub fn client_config(mut self, config: ClientConfig) -> Self {
        self.config = config;
        self
    }

    /// Shares an existing client instance (its configuration wins).
    pub fn instance(mut self, instance: Arc<ClientInstance>) -> Self {
        self.instance = Some(instance);
        self
    }

    /// Subscribes to `topic` with a tag expression: `*` (everything) or `TagA || TagB`.
    pub fn subscribe(mut self, topic: impl Into<String>, expression: impl Into<String>) -> Self {
        self.subscriptions
            .push((topic.into(), MessageSelector::Tag(expression.into())));
        self
    }

    /// Subscribes to `topic` with an SQL92 expression on message properties (the broker
    /// needs `enablePropertyFilter=true`); [`Self::build`] refuses one that does not
    /// compile.
    pub fn subscribe_sql(
        mut self,
        topic: impl Into<String>,
        expression: impl Into<String>,
    ) -> Self {
        self.subscriptions
            .push((topic.into(), MessageSelector::Sql(expression.into())));
        self
    }

    /// Subscribes to `topic` with `selector`.
    pub fn subscribe_selector(
        mut self,
        topic: impl Into<String>,
        selector: MessageSelector,
    ) -> Self {
        self.subscriptions.push((topic.into(), selector));
        self
    }

    /// Clustering (the default: each message to one consumer of the group) or broadcasting
    /// (each message to every consumer).
    pub fn message_model(mut self, model: MessageModel) -> Self {
        self.settings.message_model = model;
        self
    }

    /// Where to start on queues the group has no offset for.
    pub fn consume_from(mut self, from: ConsumeFromWhere) -> Self {
        self.settings.consume_from_where = from;
        self
    }

    /// Start at this store time (ms since the epoch) on queues without an offset (sets
    /// [`ConsumeFromWhere::Timestamp`]).
    pub fn consume_timestamp_ms(mut self, ms: i64) -> Self {
        self.settings.consume_from_where = ConsumeFromWhere::Timestamp;
        self.settings.consume_timestamp_ms = Some(ms);
        self
    }

    /// The queue allocation strategy (default: averagely).
    pub fn allocate_strategy(mut self, strategy: impl AllocateStrategy + 'static) -> Self {
        self.settings.allocate = Arc::new(strategy);
        self
    }

    /// Messages asked for per pull (32).
    pub fn pull_batch_size(mut self, n: i32) -> Self {
        self.settings.pull_batch_size = n;
        self
    }

    /// Flow control: cached messages per queue (1000).
    pub fn pull_threshold_for_queue(mut self, n: usize) -> Self {
        self.settings.pull_threshold_for_queue = n;
        self
    }

    /// Flow control: cached body bytes per queue (100 MiB).
    pub fn pull_threshold_size_for_queue(mut self, bytes: usize) -> Self {
        self.settings.pull_threshold_size_for_queue = bytes;
        self
    }

    /// Listener calls running at once (20).
    pub fn consume_concurrency(mut self, n: usize) -> Self {
        self.settings.consume_concurrency = n;
        self
    }

    /// Messages per listener call (1).
    pub fn consume_batch_size(mut self, n: usize) -> Self {
        self.settings.consume_batch_size = n;
        self
    }

    /// Redeliveries before the dead-letter queue (-1: 16, or unlimited when orderly).
    pub fn max_reconsume_times(mut self, n: i32) -> Self {
        self.settings.max_reconsume_times = n;
        self
    }

    /// How long a concurrent listener call may run before its messages are sent back for
    /// redelivery (15 minutes, Java's `consumeTimeout`).
    pub fn consume_timeout(mut self, timeout: Duration) -> Self {
        self.settings.consume_timeout = timeout;
        self
    }

    /// Rebalance period (20 s).
    pub fn rebalance_interval(mut self, every: Duration) -> Self {
        self.settings.rebalance_interval = every;
        self
    }

    /// Writes trace records of the listener calls (`enableMsgTrace`) to
    /// `RMQ_SYS_TRACE_TOPIC`.
    pub fn enable_msg_trace(mut self, on: bool) -> Self {
        self.settings.enable_msg_trace = on;
        self
    }

    /// Any other setting.
    pub fn settings(mut self, f: impl FnOnce(&mut ConsumerSettings)) -> Self {
        f(&mut self.settings);
        self
    }

    /// A concurrent listener closure, run on tokio's blocking pool (it may block).
    ///
    /// ```no_run
    /// # use cometmq_client::consumer::{ConsumeResult, PushConsumer};
    /// let builder = PushConsumer::builder("g").listener(|msgs| {
    ///     for m in msgs {
    ///         println!("{}", m.msg_id());
    ///     }
    ///     ConsumeResult::Success
    /// });
    /// # let _ = builder;
    /// ```
    pub fn listener<F>(self, f: F) -> Self
    where
        F: Fn(&[MessageExt]) -> ConsumeResult + Send + Sync + 'static,
    {
        self.concurrent_listener(blocking(f))
    }

    /// A concurrent listener returning a future (it must not block).
    pub fn listener_async<F, Fut>(self, f: F) -> Self
    where
        F: Fn(Vec<MessageExt>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ConsumeResult> + Send + 'static,
    {
        self.concurrent_listener(async_fn(f))
    }

    /// A concurrent listener implementing the trait.
    pub fn concurrent_listener(mut self, l: impl ConcurrentListener) -> Self {
        self.listener = Some(Listener::Concurrent(Arc::new(l)));
        self
    }

    /// An orderly listener closure, run on tokio's blocking pool (it may block).
    pub fn listener_orderly<F>(self, f: F) -> Self
    where
        F: Fn(&[MessageExt]) -> OrderlyResult + Send + Sync + 'static,
    {
        self.orderly_listener(blocking(f))
    }

    /// An orderly listener returning a future (it must not block).
    pub fn listener_orderly_async<F, Fut>(self, f: F) -> Self
    where
        F: Fn(Vec<MessageExt>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = OrderlyResult> + Send + 'static,
    {
        self.orderly_listener(async_fn(f))
    }

    /// An orderly listener implementing the trait.
    pub fn orderly_listener(mut self, l: impl OrderlyListener) -> Self {
        self.listener = Some(Listener::Orderly(Arc::new(l)));
        self
    }

    /// The consumer (not started). Fails on bad settings, a bad topic, no subscription or
    /// no listener.
    pub fn build(self) -> Result<PushConsumer> {
        self.settings.validate()?;
        if self.subscriptions.is_empty() {
            return Err(ClientError::invalid(
                "consumer",
                "no subscription: call subscribe(topic, expression)",
            ));
        }
        for (topic, selector) in &self.subscriptions {
            validate_topic(topic)?;
            selector.subscription(topic, 0)?;
        }
        if self.listener.is_none() {
            return Err(ClientError::invalid(
                "consumer",
                "no message listener: call listener(..) or listener_orderly(..)",
            ));
        }
        PushConsumer::create(self)
    }
}
