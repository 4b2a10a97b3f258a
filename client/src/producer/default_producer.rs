//! [`Producer`]: sends messages (Java `DefaultMQProducer`).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use cometmq_remoting::body::TopicRouteData;
use cometmq_remoting::header::CheckTransactionStateRequestHeader;
use parking_lot::{Mutex, MutexGuard};

use super::builder::{ProducerBuilder, ProducerSettings};
use super::transaction::answer_check;
use super::{
    LatencyFaultTolerance, MessageQueueSelector, SendResult, TopicPublishInfo, TransactionChecker,
};
use crate::error::{ClientError, Result};
use crate::instance::{cap_queue_nums, publish_info, ClientInstance, ProducerMember};
use crate::message::{Message, MessageExt, MessageQueue};
use crate::trace::TraceDispatcher;

/// A producer. Cheap to clone; clones share the producer.
///
/// ```no_run
/// # async fn demo() -> cometmq_client::Result<()> {
/// use cometmq_client::producer::{Producer, SelectByHash};
/// use cometmq_client::Message;
/// let producer = Producer::builder("my-producer-group")
///     .namesrv_addr("127.0.0.1:9876")
///     .build()?;
/// producer.start()?;
/// let msg = Message::builder("TopicTest").tags("TagA").body("hello").build();
/// let result = producer.send(msg.clone()).await?;
/// println!("sent {} to {}", result.msg_id, result.message_queue);
/// // Fire-and-forget, a detached future, and ordered by key:
/// producer.send_oneway(msg.clone()).await?;
/// let pending = producer.send_async(msg.clone());
/// producer.send_with_selector(msg, &SelectByHash, &"order-42").await?;
/// pending.await?;
/// producer.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Producer {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub settings: ProducerSettings,
    pub instance: Arc<ClientInstance>,
    pub fault: LatencyFaultTolerance,
    topics: Mutex<HashMap<String, Arc<TopicPublishInfo>>>,
    started: AtomicBool,
    /// The transaction check-back of a [`TransactionProducer`](super::TransactionProducer).
    pub checker: OnceLock<Arc<dyn TransactionChecker>>,
    /// The trace dispatcher, once started with `enable_msg_trace`.
    pub trace: OnceLock<Arc<TraceDispatcher>>,
}

impl std::fmt::Debug for Producer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer")
            .field("group", &self.inner.settings.group)
            .field("client_id", &self.inner.instance.client_id())
            .finish_non_exhaustive()
    }
}

/// Registers with the instance through a weak reference, so the instance does not keep a
/// dropped producer alive.
struct Member(std::sync::Weak<Inner>, String);

impl ProducerMember for Member {
    fn group(&self) -> String {
        self.1.clone()
    }

    fn publish_topics(&self) -> Vec<String> {
        self.0
            .upgrade()
            .map(|p| p.lock_topics().keys().cloned().collect())
            .unwrap_or_default()
    }

    fn route_changed(&self, topic: &str, route: &TopicRouteData) {
        let Some(p) = self.0.upgrade() else { return };
        let mut topics = p.lock_topics();
        if topics.contains_key(topic) {
            let info = publish_info(topic, route);
            if info.is_ok() {
                topics.insert(topic.to_owned(), Arc::new(info));
            }
        }
    }

    fn check_transaction_state(
        &self,
        broker_addr: &str,
        msg: MessageExt,
        header: CheckTransactionStateRequestHeader,
    ) {
        let producer = self.0.upgrade();
        let checker = producer.as_ref().and_then(|p| p.checker.get().cloned());
        if let (Some(p), Some(checker)) = (producer, checker) {
            tokio::spawn(answer_check(
                p.instance.clone(),
                self.1.clone(),
                checker,
                broker_addr.to_owned(),
                msg,
                header,
            ));
            return;
        }
        tracing::warn!(
            group = %self.1,
            %broker_addr,
            msg_id = %msg.msg_id(),
            "transaction check for a producer without a transaction checker"
        );
    }
}

impl Producer {
    /// A builder for a producer of `group`.
    pub fn builder(group: impl Into<String>) -> ProducerBuilder {
        ProducerBuilder::new(group)
    }

    pub(super) fn create(settings: ProducerSettings, instance: Arc<ClientInstance>) -> Self {
        let fault = LatencyFaultTolerance::new(
            settings.latency_fault_enable,
            settings.latency_table.clone(),
        );
        Producer {
            inner: Arc::new(Inner {
                settings,
                instance,
                fault,
                topics: Mutex::new(HashMap::new()),
                started: AtomicBool::new(false),
                checker: OnceLock::new(),
                trace: OnceLock::new(),
            }),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &ProducerSettings {
        &self.inner.settings
    }

    /// The client instance (client id, routes, …).
    pub fn instance(&self) -> &Arc<ClientInstance> {
        &self.inner.instance
    }

    /// Registers the group and starts route refresh and heartbeats. Fails if the group is
    /// already registered with the instance.
    pub fn start(&self) -> Result<()> {
        if self.inner.started.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let member = Member(
            Arc::downgrade(&self.inner),
            self.inner.settings.group.clone(),
        );
        if let Err(e) = self.inner.instance.register_producer(Arc::new(member)) {
            self.inner.started.store(false, Ordering::SeqCst);
            return Err(e);
        }
        self.inner.instance.start();
        let s = &self.inner.settings;
        if s.enable_msg_trace && self.inner.trace.get().is_none() {
            let d = TraceDispatcher::start(self.inner.instance.clone(), &s.group, &s.trace_topic)?;
            let _ = self.inner.trace.set(d);
        }
        Ok(())
    }

    /// Starts a producer sharing its client instance with others (the consumers' inner
    /// producer): registers the group unless another one already did; returns whether it
    /// registered.
    pub(crate) fn start_shared(&self) -> bool {
        let member = Member(
            Arc::downgrade(&self.inner),
            self.inner.settings.group.clone(),
        );
        let registered = self
            .inner
            .instance
            .register_producer(Arc::new(member))
            .is_ok();
        self.inner.started.store(true, Ordering::SeqCst);
        registered
    }

    /// Unregisters from the brokers and stops the client instance, unless other producers
    /// or consumers still use it.
    pub async fn shutdown(&self) {
        if !self.inner.started.swap(false, Ordering::SeqCst) {
            return;
        }
        if let Some(trace) = self.inner.trace.get() {
            trace.shutdown().await;
        }
        let group = self.inner.settings.group.clone();
        self.inner.instance.unregister_producer(&group).await;
        if !self.inner.instance.has_members() {
            self.inner.instance.shutdown().await;
        }
    }

    pub(super) fn check_started(&self) -> Result<()> {
        if self.inner.started.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(ClientError::State(format!(
                "producer {} is not started",
                self.inner.settings.group
            )))
        }
    }

    /// The writable queues of `topic` (Java `fetchPublishMessageQueues`).
    pub async fn publish_queues(&self, topic: &str) -> Result<Vec<MessageQueue>> {
        Ok(self.inner.topic_publish_info(topic).await?.queues.clone())
    }

    /// Sends `msg` to a queue chosen by `selector` from `arg` (one attempt, as in Java).
    pub async fn send_with_selector<A, S>(
        &self,
        msg: Message,
        selector: &S,
        arg: &A,
    ) -> Result<SendResult>
    where
        A: ?Sized,
        S: MessageQueueSelector<A> + ?Sized,
    {
        self.check_started()?;
        let info = self.inner.topic_publish_info(&msg.topic).await?;
        let mq = selector.select(&info.queues, &msg, arg).ok_or_else(|| {
            ClientError::invalid("message queue", "the selector returned no queue")
        })?;
        self.send_to_queue(msg, &mq).await
    }

    /// Starts sending `msg` (with retries) on a separate task; the returned future resolves
    /// when the broker answers, whether or not it is polled meanwhile.
    pub fn send_async(
        &self,
        msg: Message,
    ) -> impl Future<Output = Result<SendResult>> + Send + 'static {
        let me = self.clone();
        let task = tokio::spawn(async move { me.send(msg).await });
        async move {
            task.await
                .map_err(|e| ClientError::State(format!("send task failed: {e}")))?
        }
    }
}

impl Inner {
    pub(super) fn lock_topics(&self) -> MutexGuard<'_, HashMap<String, Arc<TopicPublishInfo>>> {
        self.topics.lock()
    }

    /// The publish info of `topic` (Java `tryToFindTopicPublishInfo`): cached; else fetched
    /// from the NameServers; else, for a topic that does not exist yet, built from the
    /// template topic's route, capped at `default_topic_queue_nums` queues per broker.
    pub(super) async fn topic_publish_info(&self, topic: &str) -> Result<Arc<TopicPublishInfo>> {
        if let Some(info) = self.lock_topics().get(topic).filter(|i| i.is_ok()) {
            return Ok(info.clone());
        }
        if let Some(route) = self.instance.update_topic_route(topic).await? {
            let info = Arc::new(publish_info(topic, &route));
            if info.is_ok() {
                self.lock_topics().insert(topic.to_owned(), info.clone());
                return Ok(info);
            }
        }
        let template = &self.settings.default_topic;
        if let Some(mut route) = self.instance.namesrv().topic_route(template).await? {
            cap_queue_nums(&mut route, self.settings.default_topic_queue_nums);
            self.instance.remember_brokers(&route);
            let info = Arc::new(publish_info(topic, &route));
            if info.is_ok() {
                self.lock_topics().insert(topic.to_owned(), info.clone());
                return Ok(info);
            }
        }
        Err(ClientError::NoRoute {
            topic: topic.to_owned(),
            reason: format!(
                "no route from the NameServers {} (nor for {template})",
                self.instance.config().namesrv_addr
            ),
        })
    }
}
