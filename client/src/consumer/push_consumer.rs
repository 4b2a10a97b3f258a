//! [`PushConsumer`]: pulls the queues assigned to it and calls a listener with the messages
//! (Java `DefaultMQPushConsumer`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use cometmq_remoting::body::client::{ConsumeType, ConsumerRunningInfo, SubscriptionData, SUB_ALL};
use parking_lot::Mutex;
use tokio::task::JoinHandle;

use super::consume_concurrently::ConcurrentService;
use super::consume_orderly::OrderlyService;
use super::consumer_member::{running_info, Member};
use super::core::{ConsumerCore, Dispatch};
use super::listener::Listener;
use super::offset_store::{BrokerResolver, LocalFileOffsetStore, OffsetStore, RemoteOffsetStore};
use super::push_builder::PushConsumerBuilder;
use super::rebalance;
use super::selector::MessageSelector;
use super::settings::{retry_topic, ConsumerSettings};
use super::trace_hook::TraceSlot;
use crate::clock::now_ms;
use crate::error::{ClientError, Result};
use crate::instance::ClientInstance;
use crate::message::MessageQueue;
use crate::producer::{Producer, CLIENT_INNER_PRODUCER_GROUP};
use crate::trace::TraceDispatcher;

/// A push consumer: it rebalances the group's queues among its members, pulls its share with
/// long polling, and calls its listener, concurrently or in queue order. Cheap to clone;
/// clones share the consumer.
///
/// ```no_run
/// # async fn demo() -> cometmq_client::Result<()> {
/// use cometmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
/// let consumer = PushConsumer::builder("my-consumer-group")
///     .namesrv_addr("127.0.0.1:9876")
///     .subscribe("TopicTest", "TagA || TagB")
///     .consume_from(ConsumeFromWhere::FirstOffset)
///     .listener(|msgs| {
///         for m in msgs {
///             println!("{} {:?}", m.msg_id(), String::from_utf8_lossy(&m.body));
///         }
///         ConsumeResult::Success
///     })
///     .build()?;
/// consumer.start().await?;
/// tokio::signal::ctrl_c().await.ok();
/// consumer.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PushConsumer {
    inner: Arc<Inner>,
}

struct Inner {
    core: Arc<ConsumerCore>,
    producer: Producer,
    /// The trace dispatcher, set at start with `enable_msg_trace`.
    trace: TraceSlot,
    started: AtomicBool,
    producer_registered: AtomicBool,
    service: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for PushConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushConsumer")
            .field("group", &self.inner.core.settings.group)
            .field("client_id", &self.inner.core.instance.client_id())
            .finish_non_exhaustive()
    }
}

impl PushConsumer {
    /// A builder for a consumer of `group`.
    pub fn builder(group: impl Into<String>) -> PushConsumerBuilder {
        PushConsumerBuilder::new(group)
    }

    pub(super) fn create(b: PushConsumerBuilder) -> Result<Self> {
        let PushConsumerBuilder {
            settings,
            config,
            instance,
            subscriptions,
            listener,
        } = b;
        let listener =
            listener.ok_or_else(|| ClientError::invalid("consumer", "no message listener"))?;
        let instance = instance.unwrap_or_else(|| ClientInstance::new(config));
        let producer = Producer::builder(CLIENT_INNER_PRODUCER_GROUP)
            .instance(instance.clone())
            .build()?;
        let offsets = offset_store(&settings, &instance);
        let orderly = listener.is_orderly();
        let trace = TraceSlot::default();
        let dispatch: Arc<dyn Dispatch> = match listener {
            Listener::Concurrent(l) => Arc::new(ConcurrentService::new(
                l,
                settings.consume_concurrency,
                producer.clone(),
                trace.clone(),
            )),
            Listener::Orderly(l) => {
                Arc::new(OrderlyService::new(l, producer.clone(), trace.clone()))
            }
        };
        let clustering = settings.is_clustering();
        let group = settings.group.clone();
        let core = ConsumerCore::new(
            settings,
            instance,
            offsets,
            ConsumeType::Passively,
            orderly,
            dispatch,
        );
        let version = now_ms();
        for (topic, selector) in subscriptions {
            core.subscribe(selector.subscription(&topic, version)?);
        }
        if clustering {
            core.subscribe(SubscriptionData::for_tags(
                retry_topic(&group),
                SUB_ALL,
                version,
            ));
        }
        Ok(PushConsumer {
            inner: Arc::new(Inner {
                core: Arc::new(core),
                producer,
                trace,
                started: AtomicBool::new(false),
                producer_registered: AtomicBool::new(false),
                service: Mutex::new(None),
            }),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &ConsumerSettings {
        &self.inner.core.settings
    }

    /// The client instance (client id, routes, …).
    pub fn instance(&self) -> &Arc<ClientInstance> {
        &self.inner.core.instance
    }

    /// The queues currently assigned to this consumer.
    pub fn assigned_queues(&self) -> Vec<MessageQueue> {
        let mut q = self.inner.core.assigned_queues();
        q.sort();
        q
    }

    /// The consumer's state, as GET_CONSUMER_RUNNING_INFO reports it.
    pub fn running_info(&self) -> ConsumerRunningInfo {
        running_info(&self.inner.core)
    }

    /// Subscribes to `topic` with a tag expression (replacing an earlier subscription of
    /// it). On a started consumer, the route is fetched, the brokers told by heartbeat and the
    /// group rebalanced at once.
    pub async fn subscribe(&self, topic: &str, expression: &str) -> Result<()> {
        self.subscribe_selector(topic, MessageSelector::tag(expression))
            .await
    }

    /// Subscribes to `topic` with `selector` (tags or SQL92), as [`Self::subscribe`]. An
    /// SQL92 expression that does not compile is refused here.
    pub async fn subscribe_selector(&self, topic: &str, selector: MessageSelector) -> Result<()> {
        crate::message::validate_topic(topic)?;
        let core = &self.inner.core;
        let version = now_ms();
        core.subscribe(selector.subscription(topic, version)?);
        if self.inner.started.load(Ordering::SeqCst) {
            if let Err(e) = core.instance.update_topic_route(topic).await {
                tracing::warn!(group = %core.group(), %topic, error = %e, "no route yet");
            }
            core.heartbeat_now().await;
            core.command(super::core::Command::Rebalance);
        }
        Ok(())
    }

    /// Stops consuming `topic`; its queues are released at the next rebalance, which starts
    /// at once.
    pub async fn unsubscribe(&self, topic: &str) {
        let core = &self.inner.core;
        core.unsubscribe(topic);
        if self.inner.started.load(Ordering::SeqCst) {
            core.heartbeat_now().await;
            core.command(super::core::Command::Rebalance);
        }
    }

    /// Registers the group, fetches the routes, sends a heartbeat with the subscriptions and
    /// starts rebalancing; pulling starts once queues are assigned. A consumer that was shut
    /// down cannot be started again.
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
        if let Err(e) = self.register().await {
            self.inner.started.store(false, Ordering::SeqCst);
            return Err(e);
        }
        let instance = &core.instance;
        instance.start();
        for topic in core.topics() {
            if let Err(e) = instance.update_topic_route(&topic).await {
                tracing::warn!(group = %core.group(), %topic, error = %e, "no route yet");
            }
        }
        let checked =
            super::selector::check_in_brokers(instance, core.group(), &core.subscriptions()).await;
        if let Err(e) = checked {
            self.shutdown().await;
            return Err(e);
        }
        core.heartbeat_now().await;
        // The heartbeat creates the retry topic; its route may be there now.
        for topic in core.topics() {
            if core.topic_queues(&topic).is_none() {
                let _ = instance.update_topic_route(&topic).await;
            }
        }
        let s = &core.settings;
        if s.enable_msg_trace && self.inner.trace.get().is_none() {
            match TraceDispatcher::start(instance.clone(), &s.group, &s.trace_topic) {
                Ok(d) => {
                    let _ = self.inner.trace.set(d);
                }
                Err(e) => tracing::warn!(group = %s.group, error = %e, "message trace off"),
            }
        }
        let service = tokio::spawn(rebalance::run(core.clone()));
        *self.inner.service.lock() = Some(service);
        tracing::info!(group = %core.group(), client_id = %instance.client_id(), "push consumer started");
        Ok(())
    }

    async fn register(&self) -> Result<()> {
        let core = &self.inner.core;
        core.offsets.load().await?;
        let member = Member {
            core: Arc::downgrade(core),
            group: core.group().to_owned(),
        };
        core.instance.register_consumer(Arc::new(member))?;
        let registered = self.inner.producer.start_shared();
        self.inner
            .producer_registered
            .store(registered, Ordering::SeqCst);
        Ok(())
    }

    /// Stops pulling, waits for running listener calls (at most `await_termination`),
    /// persists the offsets, releases orderly locks, unregisters from the brokers, and stops
    /// the client instance if nothing else uses it.
    pub async fn shutdown(&self) {
        if !self.inner.started.swap(false, Ordering::SeqCst) {
            return;
        }
        let core = &self.inner.core;
        core.stop_and_release(&self.inner.service, core.settings.await_termination)
            .await;
        let instance = &core.instance;
        if let Some(trace) = self.inner.trace.get() {
            trace.shutdown().await;
        }
        if self.inner.producer_registered.swap(false, Ordering::SeqCst) {
            instance
                .unregister_producer(CLIENT_INNER_PRODUCER_GROUP)
                .await;
        }
        if !instance.has_members() {
            instance.shutdown().await;
        }
        tracing::info!(group = %core.group(), "push consumer shut down");
    }
}

/// The group's offset store: at the broker for clustering, in a local file for broadcasting.
pub(crate) fn offset_store(
    settings: &ConsumerSettings,
    instance: &Arc<ClientInstance>,
) -> Arc<dyn OffsetStore> {
    if settings.is_clustering() {
        let resolver: Arc<dyn BrokerResolver> = instance.clone();
        Arc::new(
            RemoteOffsetStore::new(&settings.group, instance.remoting().clone(), resolver)
                .with_timeout(instance.config().request_timeout),
        )
    } else {
        Arc::new(LocalFileOffsetStore::new(
            &instance.config().offsets_root,
            instance.client_id(),
            &settings.group,
        ))
    }
}
