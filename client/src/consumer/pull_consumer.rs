//! [`PullConsumer`]: the application polls for messages (Java `DefaultLitePullConsumer`).
//!
//! Queues come from a subscription (rebalanced among the group like a push consumer) or
//! from an explicit [`assign`](PullConsumer::assign). Background pull tasks fill a buffer,
//! bounded per queue by the flow-control thresholds; [`poll`](PullConsumer::poll) takes from
//! it. A polled message counts as consumed: with auto-commit (the default) its offset is
//! persisted by the periodic task, otherwise at [`commit`](PullConsumer::commit).

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cometmq_remoting::body::client::{ConsumeType, SubscriptionData};
use parking_lot::{Mutex, MutexGuard};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::consumer_member::Member;
use super::core::{Command, ConsumerCore, Dispatch};
use super::offset_store::ReadOffsetType;
use super::process_queue::ProcessQueue;
use super::push_consumer::offset_store;
use super::rebalance;
use super::selector::MessageSelector;
use super::settings::ConsumerSettings;
use crate::clock::now_ms;
use crate::error::{ClientError, Result};
use crate::instance::{ClientConfig, ClientInstance};
use crate::message::{validate_topic, MessageExt, MessageQueue};

/// A pulled batch waiting to be polled.
struct Fetched {
    mq: MessageQueue,
    pq: Arc<ProcessQueue>,
    msgs: Vec<MessageExt>,
}

/// Hands pulled batches to [`PullConsumer::poll`].
struct Buffer(mpsc::UnboundedSender<Fetched>);

#[async_trait]
impl Dispatch for Buffer {
    fn submit(
        &self,
        _core: &Arc<ConsumerCore>,
        mq: &MessageQueue,
        pq: &Arc<ProcessQueue>,
        msgs: Vec<MessageExt>,
    ) {
        let _ = self.0.send(Fetched {
            mq: mq.clone(),
            pq: pq.clone(),
            msgs,
        });
    }
}

/// A consumer the application polls. Cheap to clone; clones share the consumer.
///
/// ```no_run
/// # async fn demo() -> cometmq_client::Result<()> {
/// use std::time::Duration;
/// use cometmq_client::consumer::PullConsumer;
/// let consumer = PullConsumer::builder("my-pull-group")
///     .namesrv_addr("127.0.0.1:9876")
///     .auto_commit(false)
///     .build()?;
/// consumer.subscribe("TopicTest", "*")?;
/// consumer.start().await?;
/// loop {
///     let msgs = consumer.poll(Duration::from_secs(1)).await;
///     for m in &msgs {
///         println!("{} at {}", m.msg_id(), m.queue_offset);
///     }
///     consumer.commit().await?;
/// #   break;
/// }
/// consumer.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PullConsumer {
    inner: Arc<Inner>,
}

struct Inner {
    core: Arc<ConsumerCore>,
    buffer: tokio::sync::Mutex<mpsc::UnboundedReceiver<Fetched>>,
    auto_commit: bool,
    /// Offsets after the polled messages, not yet committed (manual commit).
    consumed: Mutex<HashMap<MessageQueue, i64>>,
    started: AtomicBool,
    service: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for PullConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PullConsumer")
            .field("group", &self.inner.core.settings.group)
            .field("client_id", &self.inner.core.instance.client_id())
            .finish_non_exhaustive()
    }
}

/// Builds a [`PullConsumer`]; see [`PullConsumer::builder`].
#[derive(Debug)]
pub struct PullConsumerBuilder {
    settings: ConsumerSettings,
    config: ClientConfig,
    instance: Option<Arc<ClientInstance>>,
    auto_commit: bool,
}

impl PullConsumerBuilder {
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

    /// Persist polled offsets periodically (true, the default) or only at
    /// [`PullConsumer::commit`].
    pub fn auto_commit(mut self, on: bool) -> Self {
        self.auto_commit = on;
        self
    }

    /// Any other setting (message model, where to start, batch size, thresholds…).
    pub fn settings(mut self, f: impl FnOnce(&mut ConsumerSettings)) -> Self {
        f(&mut self.settings);
        self
    }

    /// The consumer (not started).
    pub fn build(self) -> Result<PullConsumer> {
        self.settings.validate()?;
        let instance = self
            .instance
            .unwrap_or_else(|| ClientInstance::new(self.config));
        let offsets = offset_store(&self.settings, &instance);
        let (tx, rx) = mpsc::unbounded_channel();
        let core = ConsumerCore::new(
            self.settings,
            instance,
            offsets,
            ConsumeType::Actively,
            false,
            Arc::new(Buffer(tx)),
        );
        Ok(PullConsumer {
            inner: Arc::new(Inner {
                core: Arc::new(core),
                buffer: tokio::sync::Mutex::new(rx),
                auto_commit: self.auto_commit,
                consumed: Mutex::new(HashMap::new()),
                started: AtomicBool::new(false),
                service: Mutex::new(None),
            }),
        })
    }
}

impl PullConsumer {
    /// A builder for a consumer of `group`.
    pub fn builder(group: impl Into<String>) -> PullConsumerBuilder {
        PullConsumerBuilder {
            settings: ConsumerSettings::new(group),
            config: ClientConfig::default(),
            instance: None,
            auto_commit: true,
        }
    }

    /// The client instance.
    pub fn instance(&self) -> &Arc<ClientInstance> {
        &self.inner.core.instance
    }

    fn consumed(&self) -> MutexGuard<'_, HashMap<MessageQueue, i64>> {
        self.inner.consumed.lock()
    }

    /// Subscribes to `topic` with a tag expression; the group's queues are rebalanced among
    /// its consumers. Not allowed after [`Self::assign`].
    pub fn subscribe(&self, topic: &str, expression: &str) -> Result<()> {
        self.subscribe_selector(topic, MessageSelector::tag(expression))
    }

    /// Subscribes to `topic` with `selector` (tags or SQL92), as [`Self::subscribe`]. An
    /// SQL92 expression that does not compile is refused here.
    pub fn subscribe_selector(&self, topic: &str, selector: MessageSelector) -> Result<()> {
        validate_topic(topic)?;
        let core = &self.inner.core;
        if core.fixed().is_some() {
            return Err(ClientError::State(
                "subscribe and assign are exclusive".into(),
            ));
        }
        let version = now_ms();
        core.subscribe(selector.subscription(topic, version)?);
        core.command(Command::Rebalance);
        Ok(())
    }

    /// Consumes exactly `mqs` (no rebalance). Not allowed after [`Self::subscribe`].
    pub fn assign(&self, mqs: impl IntoIterator<Item = MessageQueue>) -> Result<()> {
        let core = &self.inner.core;
        if core.fixed().is_none() && !core.topics().is_empty() {
            return Err(ClientError::State(
                "subscribe and assign are exclusive".into(),
            ));
        }
        let mqs: BTreeSet<MessageQueue> = mqs.into_iter().collect();
        let topics: BTreeSet<&String> = mqs.iter().map(|q| &q.topic).collect();
        let version = now_ms();
        for t in core.topics() {
            if !topics.contains(&t) {
                core.unsubscribe(&t);
            }
        }
        for t in topics {
            if core.subscription(t).is_none() {
                core.subscribe(SubscriptionData::for_tags(t.clone(), "*", version));
            }
        }
        core.set_fixed(Some(mqs));
        core.command(Command::Rebalance);
        Ok(())
    }

    /// The queues currently pulled.
    pub fn assigned_queues(&self) -> Vec<MessageQueue> {
        let mut q = self.inner.core.assigned_queues();
        q.sort();
        q
    }

    /// Registers the group, fetches routes, sends a heartbeat and starts pulling.
    pub async fn start(&self) -> Result<()> {
        let core = &self.inner.core;
        if core.is_stopped() {
            return Err(ClientError::State(format!(
                "consumer {} was shut down and cannot be restarted",
                core.group()
            )));
        }
        if self.inner.started.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let registered = async {
            core.offsets.load().await?;
            core.instance.register_consumer(Arc::new(Member {
                core: Arc::downgrade(core),
                group: core.group().to_owned(),
            }))
        }
        .await;
        if let Err(e) = registered {
            self.inner.started.store(false, Ordering::SeqCst);
            return Err(e);
        }
        core.instance.start();
        for topic in core.topics() {
            if let Err(e) = core.instance.update_topic_route(&topic).await {
                tracing::warn!(group = %core.group(), %topic, error = %e, "no route yet");
            }
        }
        let checked =
            super::selector::check_in_brokers(&core.instance, core.group(), &core.subscriptions())
                .await;
        if let Err(e) = checked {
            self.shutdown().await;
            return Err(e);
        }
        core.heartbeat_now().await;
        let service = tokio::spawn(rebalance::run(core.clone()));
        *self.inner.service.lock() = Some(service);
        Ok(())
    }

    /// Waits up to `timeout` for messages; returns what arrived first (a pulled batch, plus
    /// any other batch already waiting, up to `pull_batch_size` messages), or nothing.
    pub async fn poll(&self, timeout: Duration) -> Vec<MessageExt> {
        let max = usize::try_from(self.inner.core.settings.pull_batch_size).unwrap_or(32);
        let deadline = tokio::time::Instant::now() + timeout;
        let mut out = Vec::new();
        let mut rx = self.inner.buffer.lock().await;
        while out.len() < max {
            let next = if out.is_empty() {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(f) => f,
                    Err(_) => break,
                }
            } else {
                rx.try_recv().ok()
            };
            let Some(f) = next else { break };
            if f.pq.is_dropped() {
                continue;
            }
            let offsets: Vec<i64> = f.msgs.iter().map(|m| m.queue_offset).collect();
            if let Some(next) = f.pq.remove_messages(&offsets) {
                self.consumed_up_to(&f.mq, next);
            }
            out.extend(f.msgs);
        }
        out
    }

    fn consumed_up_to(&self, mq: &MessageQueue, offset: i64) {
        if self.inner.auto_commit {
            self.inner.core.offsets.update(mq, offset, true);
        } else {
            let mut c = self.consumed();
            let e = c.entry(mq.clone()).or_insert(offset);
            *e = (*e).max(offset);
        }
    }

    /// Restarts `mq` at `offset`: messages pulled but not polled are discarded. Fails if
    /// `mq` is not assigned to this consumer.
    pub async fn seek(&self, mq: &MessageQueue, offset: i64) -> Result<()> {
        let (done, wait) = tokio::sync::oneshot::channel();
        self.inner.core.command(Command::Seek {
            mq: mq.clone(),
            offset,
            done: Some(done),
        });
        if wait.await.unwrap_or(false) {
            self.consumed().insert(mq.clone(), offset);
            Ok(())
        } else {
            Err(ClientError::State(format!("{mq} is not assigned")))
        }
    }

    /// Persists the offsets after the polled messages, waiting for confirmation.
    pub async fn commit(&self) -> Result<()> {
        let core = &self.inner.core;
        let pending: Vec<(MessageQueue, i64)> = self.consumed().drain().collect();
        let assigned: BTreeSet<MessageQueue> = core.assigned_queues().into_iter().collect();
        let mut first_err = None;
        for (mq, offset) in pending {
            if !assigned.contains(&mq) {
                continue;
            }
            core.offsets.update(&mq, offset, false);
            if let Err(e) = core.offsets.persist_confirmed(&mq).await {
                first_err.get_or_insert(e);
            }
        }
        if self.inner.auto_commit {
            core.persist_all_confirmed().await;
        }
        first_err.map_or(Ok(()), Err)
    }

    /// The committed offset of `mq` (in memory, else from the store).
    pub async fn committed(&self, mq: &MessageQueue) -> Result<Option<i64>> {
        self.inner
            .core
            .offsets
            .read(mq, ReadOffsetType::MemoryThenStore)
            .await
    }

    /// Stops pulling, commits (with auto-commit), unregisters, and stops the client
    /// instance if nothing else uses it.
    pub async fn shutdown(&self) {
        if !self.inner.started.swap(false, Ordering::SeqCst) {
            return;
        }
        let core = &self.inner.core;
        core.stop_and_release(&self.inner.service, Duration::ZERO)
            .await;
        if !core.instance.has_members() {
            core.instance.shutdown().await;
        }
    }
}
