//! [`ConsumerCore`]: the state both consumers share: settings, subscriptions, the queues a
//! route offers, the assigned queues with their [`ProcessQueue`]s, the offset store, and the
//! [`Dispatch`] that receives pulled messages.
//!
//! Ownership: the assigned-queue table is changed only by the consumer's service task (see
//! [`rebalance`](super::rebalance)); other tasks read it or send that task a [`Command`].
//! Locks are held for single map operations, never across `.await`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cometmq_remoting::body::client::{
    ConsumeMessageDirectlyResult, ConsumeResult as DirectResult, ConsumeType, ConsumerData,
    SubscriptionData,
};
use parking_lot::Mutex;
use tokio::sync::{mpsc, oneshot, watch};

use super::offset_store::OffsetStore;
use super::process_queue::ProcessQueue;
use super::settings::ConsumerSettings;
use super::stats::Stats;
use crate::clock::now_ms;
use crate::instance::ClientInstance;
use crate::message::{MessageExt, MessageQueue};

/// Receives what the pull tasks fetch, and consumes it (push) or hands it out (pull).
#[async_trait]
pub(crate) trait Dispatch: Send + Sync {
    /// `msgs` were pulled from `mq` and put into `pq`.
    fn submit(
        &self,
        core: &Arc<ConsumerCore>,
        mq: &MessageQueue,
        pq: &Arc<ProcessQueue>,
        msgs: Vec<MessageExt>,
    );

    /// `mq` was assigned and its pull task started.
    fn queue_added(&self, _core: &Arc<ConsumerCore>, _mq: &MessageQueue, _pq: &Arc<ProcessQueue>) {}

    /// `mq` was dropped: waits until no listener call runs on it any more.
    async fn quiesce(&self, _mq: &MessageQueue) {}

    /// Shutdown: waits (at most `timeout`) for running listener calls.
    async fn shutdown(&self, _timeout: Duration) {}

    /// CONSUME_MESSAGE_DIRECTLY: runs the listener on `msg`.
    async fn consume_directly(&self, _msg: MessageExt) -> ConsumeMessageDirectlyResult {
        ConsumeMessageDirectlyResult {
            consume_result: DirectResult::CrThrowException,
            remark: Some("this consumer has no listener".into()),
            ..Default::default()
        }
    }
}

/// Requests to the service task, the only task that changes the assigned-queue table.
#[derive(Debug)]
pub(crate) enum Command {
    /// Rebalance now.
    Rebalance,
    /// Move the owned queues of `topic` to these offsets.
    ResetOffset {
        topic: String,
        offsets: BTreeMap<MessageQueue, i64>,
        done: Option<oneshot::Sender<()>>,
    },
    /// Restart `mq` at `offset`, forgetting what was pulled (pull consumer `seek`).
    Seek {
        mq: MessageQueue,
        offset: i64,
        done: Option<oneshot::Sender<bool>>,
    },
    /// The pull task of `mq` stopped after OFFSET_ILLEGAL; forget `pq` so the next
    /// rebalance starts the queue again from the stored offset.
    Forget {
        mq: MessageQueue,
        pq: Arc<ProcessQueue>,
    },
}

/// A consumer's shared state.
pub(crate) struct ConsumerCore {
    pub settings: ConsumerSettings,
    pub instance: Arc<ClientInstance>,
    pub offsets: Arc<dyn OffsetStore>,
    pub consume_type: ConsumeType,
    pub orderly: bool,
    pub dispatch: Arc<dyn Dispatch>,
    pub stats: Stats,
    pub start_ms: i64,
    subscriptions: Mutex<BTreeMap<String, SubscriptionData>>,
    topic_queues: Mutex<HashMap<String, Vec<MessageQueue>>>,
    table: Mutex<HashMap<MessageQueue, Arc<ProcessQueue>>>,
    /// Pull consumer `assign`: these queues instead of a rebalance.
    fixed: Mutex<Option<BTreeSet<MessageQueue>>>,
    stop: watch::Sender<bool>,
    commands: mpsc::UnboundedSender<Command>,
    command_rx: Mutex<Option<mpsc::UnboundedReceiver<Command>>>,
}

impl ConsumerCore {
    pub fn new(
        settings: ConsumerSettings,
        instance: Arc<ClientInstance>,
        offsets: Arc<dyn OffsetStore>,
        consume_type: ConsumeType,
        orderly: bool,
        dispatch: Arc<dyn Dispatch>,
    ) -> Self {
        let (commands, rx) = mpsc::unbounded_channel();
        ConsumerCore {
            settings,
            instance,
            offsets,
            consume_type,
            orderly,
            dispatch,
            stats: Stats::default(),
            start_ms: now_ms(),
            subscriptions: Mutex::new(BTreeMap::new()),
            topic_queues: Mutex::new(HashMap::new()),
            table: Mutex::new(HashMap::new()),
            fixed: Mutex::new(None),
            stop: watch::channel(false).0,
            commands,
            command_rx: Mutex::new(Some(rx)),
        }
    }

    /// The group.
    pub fn group(&self) -> &str {
        &self.settings.group
    }

    /// Whether orderly consumption needs broker locks (clustering only).
    pub fn needs_locks(&self) -> bool {
        self.orderly && self.settings.is_clustering()
    }

    // ---- subscriptions and routes ----

    /// Adds or replaces the subscription of its topic.
    pub fn subscribe(&self, sub: SubscriptionData) {
        self.subscriptions.lock().insert(sub.topic.clone(), sub);
    }

    /// Removes the subscription of `topic`.
    pub fn unsubscribe(&self, topic: &str) {
        self.subscriptions.lock().remove(topic);
    }

    /// The subscription of `topic`.
    pub fn subscription(&self, topic: &str) -> Option<SubscriptionData> {
        self.subscriptions.lock().get(topic).cloned()
    }

    /// Every subscription.
    pub fn subscriptions(&self) -> Vec<SubscriptionData> {
        self.subscriptions.lock().values().cloned().collect()
    }

    /// The subscribed topics.
    pub fn topics(&self) -> Vec<String> {
        self.subscriptions.lock().keys().cloned().collect()
    }

    /// Sets a fixed assignment (pull consumer `assign`), used instead of rebalancing.
    pub fn set_fixed(&self, mqs: Option<BTreeSet<MessageQueue>>) {
        *self.fixed.lock() = mqs;
    }

    /// The fixed assignment, if any.
    pub fn fixed(&self) -> Option<BTreeSet<MessageQueue>> {
        self.fixed.lock().clone()
    }

    /// Records `topic`'s readable queues from its route; true if they changed.
    pub fn set_topic_queues(&self, topic: &str, queues: Vec<MessageQueue>) -> bool {
        let mut t = self.topic_queues.lock();
        if t.get(topic) == Some(&queues) {
            return false;
        }
        t.insert(topic.to_owned(), queues);
        true
    }

    /// `topic`'s readable queues, if its route is known.
    pub fn topic_queues(&self, topic: &str) -> Option<Vec<MessageQueue>> {
        self.topic_queues.lock().get(topic).cloned()
    }

    /// The heartbeat entry of the group.
    pub fn consumer_data(&self) -> ConsumerData {
        ConsumerData {
            consume_from_where: self.settings.consume_from_where,
            consume_type: self.consume_type,
            group_name: self.settings.group.clone(),
            message_model: self.settings.message_model,
            subscription_data_set: self.subscriptions(),
            unit_mode: false,
        }
    }

    // ---- the assigned-queue table ----

    /// The process queue of `mq`, if assigned.
    pub fn process_queue(&self, mq: &MessageQueue) -> Option<Arc<ProcessQueue>> {
        self.table.lock().get(mq).cloned()
    }

    /// The assigned queues and their process queues.
    pub fn assigned(&self) -> Vec<(MessageQueue, Arc<ProcessQueue>)> {
        self.table
            .lock()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The assigned queues.
    pub fn assigned_queues(&self) -> Vec<MessageQueue> {
        self.table.lock().keys().cloned().collect()
    }

    /// Service task only: records an assigned queue.
    pub(super) fn table_insert(&self, mq: MessageQueue, pq: Arc<ProcessQueue>) {
        self.table.lock().insert(mq, pq);
    }

    /// Service task only: forgets an assigned queue if it still has process queue `pq`.
    pub(super) fn table_remove(&self, mq: &MessageQueue, pq: &Arc<ProcessQueue>) -> bool {
        let mut t = self.table.lock();
        if t.get(mq).is_some_and(|cur| Arc::ptr_eq(cur, pq)) {
            t.remove(mq);
            return true;
        }
        false
    }

    /// Service task only: forgets every assigned queue and returns them.
    pub(super) fn table_drain(&self) -> Vec<(MessageQueue, Arc<ProcessQueue>)> {
        self.table.lock().drain().collect()
    }

    // ---- lifecycle ----

    /// Sends `cmd` to the service task (ignored once it stopped).
    pub fn command(&self, cmd: Command) {
        let _ = self.commands.send(cmd);
    }

    /// The command receiver, once (for the service task).
    pub(super) fn take_commands(&self) -> Option<mpsc::UnboundedReceiver<Command>> {
        self.command_rx.lock().take()
    }

    /// Signals every task of the consumer to stop.
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    /// Whether the consumer is stopping.
    pub fn is_stopped(&self) -> bool {
        *self.stop.borrow()
    }

    /// Resolves once the consumer is stopping.
    pub async fn stopped(&self) {
        let mut rx = self.stop.subscribe();
        let _ = rx.wait_for(|s| *s).await;
    }

    /// Sleeps `d`, or less if the consumer stops; returns false if it stopped.
    pub async fn sleep(&self, d: Duration) -> bool {
        tokio::select! {
            _ = self.stopped() => false,
            _ = tokio::time::sleep(d) => !self.is_stopped(),
        }
    }

    /// Sends a heartbeat with the current subscriptions to every broker now.
    pub async fn heartbeat_now(&self) {
        self.instance.send_heartbeat_to_all_brokers().await;
    }
}
