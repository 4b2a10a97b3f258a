//! The consumer's service task: rebalance (every `rebalance_interval` and on request),
//! orderly lock renewal, offset persistence, offset resets (Java `RebalanceImpl`,
//! `RebalanceService` and the consumer's scheduled tasks, reference §11.2, §11.4).
//!
//! It is the only task that changes the assigned-queue table, so a queue is never added and
//! removed at once. Adding a queue computes its start offset (§11.1) and, for orderly
//! clustering, locks it at the broker first. Removing a queue drops it, waits for any
//! orderly listener call on it, persists its offset with confirmation and only then unlocks
//! it: the next owner starts exactly where this consumer stopped.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::body::client::ConsumeType;
use tokio::sync::mpsc;

use super::broker_ops::{lock_batch, master_addr, unlock_batch};
use super::core::{Command, ConsumerCore};
use super::process_queue::ProcessQueue;
use super::pull_task;
use super::start_offset::compute_pull_from_where;
use crate::error::Result;
use crate::java_string::java_cmp;
use crate::message::MessageQueue;

/// Runs the service task until the consumer stops.
pub(crate) async fn run(core: Arc<ConsumerCore>) {
    let Some(mut commands) = core.take_commands() else {
        return;
    };
    // Zero periods would make `interval` panic.
    let min = Duration::from_millis(1);
    let persist_every = core
        .instance
        .config()
        .persist_consumer_offset_interval
        .max(min);
    let mut rebalance = tokio::time::interval(core.settings.rebalance_interval.max(min));
    let mut relock = tokio::time::interval(core.settings.lock_interval.max(min));
    let mut persist =
        tokio::time::interval_at(tokio::time::Instant::now() + persist_every, persist_every);
    for t in [&mut rebalance, &mut relock, &mut persist] {
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    }
    loop {
        tokio::select! {
            _ = core.stopped() => return,
            _ = rebalance.tick() => core.do_rebalance().await,
            _ = relock.tick(), if core.needs_locks() => core.lock_all().await,
            _ = persist.tick() => core.persist_all().await,
            cmd = commands.recv() => match cmd {
                None => return,
                Some(cmd) => core.handle(cmd, &mut commands).await,
            },
        }
    }
}

impl ConsumerCore {
    async fn handle(self: &Arc<Self>, cmd: Command, rest: &mut mpsc::UnboundedReceiver<Command>) {
        if !matches!(cmd, Command::Rebalance) {
            return self.apply(cmd).await;
        }
        // Rebalance requests that piled up meanwhile are served by this one rebalance.
        let mut others = Vec::new();
        while let Ok(c) = rest.try_recv() {
            if !matches!(c, Command::Rebalance) {
                others.push(c);
            }
        }
        self.do_rebalance().await;
        for c in others {
            self.apply(c).await;
        }
    }

    async fn apply(self: &Arc<Self>, cmd: Command) {
        match cmd {
            Command::Rebalance => {}
            Command::ResetOffset {
                topic,
                offsets,
                done,
            } => {
                self.reset_offsets(&topic, &offsets).await;
                if let Some(d) = done {
                    let _ = d.send(());
                }
            }
            Command::Seek { mq, offset, done } => {
                let found = self.seek(&mq, offset).await;
                if let Some(d) = done {
                    let _ = d.send(found);
                }
                return;
            }
            Command::Forget { mq, pq } => {
                if self.table_remove(&mq, &pq) {
                    self.dispatch.quiesce(&mq).await;
                    self.offsets.remove(&mq);
                }
            }
        }
        self.do_rebalance().await;
    }

    /// Rebalances every subscribed topic, then drops queues of topics no longer subscribed.
    pub(crate) async fn do_rebalance(self: &Arc<Self>) {
        let topics = self.topics();
        for topic in &topics {
            if let Err(e) = self.rebalance_topic(topic).await {
                tracing::warn!(group = %self.group(), %topic, error = %e, "rebalance failed");
            }
        }
        let subscribed: HashSet<&String> = topics.iter().collect();
        for (mq, pq) in self.assigned() {
            if !subscribed.contains(&mq.topic) {
                self.remove_queue(&mq, &pq).await;
            }
        }
    }

    async fn rebalance_topic(self: &Arc<Self>, topic: &str) -> Result<()> {
        if let Some(fixed) = self.fixed() {
            let mine = fixed.into_iter().filter(|q| q.topic == topic).collect();
            self.update_queues(topic, &mine).await;
            return Ok(());
        }
        let Some(mut mq_all) = self.topic_queues(topic) else {
            tracing::debug!(group = %self.group(), %topic, "no route yet, nothing to rebalance");
            return Ok(());
        };
        let assigned: BTreeSet<MessageQueue> = if self.settings.is_clustering() {
            let mut cid_all = self.instance.consumer_id_list(topic, self.group()).await?;
            if cid_all.is_empty() {
                tracing::warn!(group = %self.group(), %topic, "no consumer id from the broker");
                return Ok(());
            }
            cid_all.sort_by(|a, b| java_cmp(a, b));
            mq_all.sort();
            let mine = self.settings.allocate.allocate(
                self.group(),
                self.instance.client_id(),
                &mq_all,
                &cid_all,
            );
            mine.into_iter().collect()
        } else {
            mq_all.into_iter().collect()
        };
        self.update_queues(topic, &assigned).await;
        Ok(())
    }

    /// Makes the table's queues of `topic` exactly `assigned`.
    async fn update_queues(self: &Arc<Self>, topic: &str, assigned: &BTreeSet<MessageQueue>) {
        let mut changed = false;
        for (mq, pq) in self.assigned() {
            if mq.topic != topic {
                continue;
            }
            let idle = self.consume_type == ConsumeType::Passively && pq.is_pull_expired();
            if !assigned.contains(&mq) || idle {
                if idle {
                    tracing::warn!(group = %self.group(), %mq, "queue not pulled for too long, dropping it");
                }
                self.remove_queue(&mq, &pq).await;
                changed = true;
            }
        }
        for mq in assigned {
            if self.process_queue(mq).is_some() {
                continue;
            }
            if self.needs_locks() && !self.lock_one(mq).await {
                tracing::info!(group = %self.group(), %mq, "queue locked by another consumer, not taken now");
                continue;
            }
            self.offsets.remove(mq);
            let start =
                compute_pull_from_where(&self.instance, self.offsets.as_ref(), &self.settings, mq)
                    .await;
            match start {
                Ok(offset) => {
                    self.add_queue(mq.clone(), offset);
                    changed = true;
                }
                Err(e) => {
                    tracing::warn!(group = %self.group(), %mq, error = %e, "no start offset, queue not taken now");
                }
            }
        }
        if changed {
            tracing::info!(
                group = %self.group(), %topic,
                queues = ?self.assigned_queues().iter().filter(|q| q.topic == topic).map(|q| q.queue_id).collect::<Vec<_>>(),
                "assigned queues changed"
            );
        }
    }

    fn add_queue(self: &Arc<Self>, mq: MessageQueue, offset: i64) {
        let pq = Arc::new(ProcessQueue::new());
        if self.needs_locks() {
            pq.set_locked(true);
        }
        tracing::info!(group = %self.group(), %mq, offset, "queue assigned");
        self.table_insert(mq.clone(), pq.clone());
        tokio::spawn(pull_task::run(self.clone(), mq.clone(), pq.clone(), offset));
        self.dispatch.queue_added(self, &mq, &pq);
    }

    /// Drops `mq`, persists its offset (confirmed), forgets it, and unlocks it.
    pub(crate) async fn remove_queue(&self, mq: &MessageQueue, pq: &Arc<ProcessQueue>) {
        pq.set_dropped();
        if !self.table_remove(mq, pq) {
            return;
        }
        tracing::info!(group = %self.group(), %mq, "queue released");
        self.dispatch.quiesce(mq).await;
        if let Err(e) = self.offsets.persist_confirmed(mq).await {
            tracing::warn!(group = %self.group(), %mq, error = %e, "persisting the offset of a released queue failed");
        }
        self.offsets.remove(mq);
        if self.needs_locks() {
            self.unlock(std::slice::from_ref(mq)).await;
        }
    }

    /// Restarts `mq` at `offset`: its cached messages are dropped and its pull task
    /// replaced. False if `mq` is not assigned.
    async fn seek(self: &Arc<Self>, mq: &MessageQueue, offset: i64) -> bool {
        let Some(pq) = self.process_queue(mq) else {
            return false;
        };
        pq.set_dropped();
        self.table_remove(mq, &pq);
        self.dispatch.quiesce(mq).await;
        self.offsets.remove(mq);
        self.offsets.update(mq, offset, false);
        self.add_queue(mq.clone(), offset);
        true
    }

    async fn reset_offsets(&self, topic: &str, offsets: &BTreeMap<MessageQueue, i64>) {
        for (mq, pq) in self.assigned() {
            let Some(&offset) = offsets.get(&mq).filter(|_| mq.topic == topic) else {
                continue;
            };
            pq.set_dropped();
            pq.clear();
            self.table_remove(&mq, &pq);
            self.dispatch.quiesce(&mq).await;
            self.offsets.update_and_freeze(&mq, offset);
            if let Err(e) = self.offsets.persist_confirmed(&mq).await {
                tracing::warn!(group = %self.group(), %mq, error = %e, "persisting a reset offset failed");
            }
            tracing::info!(group = %self.group(), %mq, offset, "offset reset");
        }
    }

    /// Persists the offsets of every assigned queue (one-way for the broker store).
    pub(crate) async fn persist_all(&self) {
        let mqs = self.assigned_queues();
        if let Err(e) = self.offsets.persist_all(&mqs).await {
            tracing::warn!(group = %self.group(), error = %e, "persisting offsets failed");
        }
    }

    /// Persists the offsets of every assigned queue and waits for the confirmations.
    pub(crate) async fn persist_all_confirmed(&self) {
        let mqs = self.assigned_queues();
        let persists = mqs.iter().map(|mq| self.offsets.persist_confirmed(mq));
        for r in futures::future::join_all(persists).await {
            if let Err(e) = r {
                tracing::warn!(group = %self.group(), error = %e, "persisting an offset failed");
            }
        }
    }

    // ---- orderly locks ----

    /// Locks one queue at its broker; records the result in its process queue, if any.
    pub(crate) async fn lock_one(&self, mq: &MessageQueue) -> bool {
        let set: BTreeSet<MessageQueue> = [mq.clone()].into();
        let granted = match master_addr(&self.instance, mq).await {
            Ok(addr) => lock_batch(&self.instance, &addr, self.group(), &set).await,
            Err(e) => Err(e),
        };
        let ok = match granted {
            Ok(g) => g.contains(mq),
            Err(e) => {
                tracing::warn!(group = %self.group(), %mq, error = %e, "lock failed");
                false
            }
        };
        if let Some(pq) = self.process_queue(mq) {
            pq.set_locked(ok);
        }
        ok
    }

    /// Renews the locks of every assigned queue, one LOCK_BATCH_MQ per broker.
    pub(crate) async fn lock_all(&self) {
        for (broker, mqs) in by_broker(self.assigned_queues()) {
            let Some(first) = mqs.iter().next().cloned() else {
                continue;
            };
            let granted = match master_addr(&self.instance, &first).await {
                Ok(addr) => lock_batch(&self.instance, &addr, self.group(), &mqs).await,
                Err(e) => Err(e),
            };
            match granted {
                Ok(granted) => {
                    for mq in &mqs {
                        if let Some(pq) = self.process_queue(mq) {
                            let ok = granted.contains(mq);
                            if !ok && pq.is_locked() {
                                tracing::warn!(group = %self.group(), %mq, "lock lost");
                            }
                            pq.set_locked(ok);
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(group = %self.group(), %broker, error = %e, "renewing locks failed");
                }
            }
        }
    }

    /// Releases the locks of `mqs`, one UNLOCK_BATCH_MQ per broker.
    pub(crate) async fn unlock(&self, mqs: &[MessageQueue]) {
        for (broker, set) in by_broker(mqs.to_vec()) {
            let Some(first) = set.iter().next().cloned() else {
                continue;
            };
            let result = match master_addr(&self.instance, &first).await {
                Ok(addr) => unlock_batch(&self.instance, &addr, self.group(), &set).await,
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                tracing::warn!(group = %self.group(), %broker, error = %e, "unlock failed");
            }
        }
    }

    /// The shutdown both consumers share: stops pulling, waits for the service task taken
    /// from `service`, releases every queue (waiting up to `grace` for running listener
    /// calls) and unregisters the group from the brokers.
    pub(crate) async fn stop_and_release(
        &self,
        service: &parking_lot::Mutex<Option<tokio::task::JoinHandle<()>>>,
        grace: Duration,
    ) {
        self.stop();
        let service = service.lock().take();
        if let Some(s) = service {
            let _ = s.await;
        }
        self.release_all(grace).await;
        self.instance.unregister_consumer(self.group()).await;
    }

    /// Stops every queue at shutdown (after [`ConsumerCore::stop`]): waits for running
    /// listener calls (at most `timeout`), persists every offset with confirmation, then
    /// drops the queues and unlocks them.
    pub(crate) async fn release_all(&self, timeout: Duration) {
        self.dispatch.shutdown(timeout).await;
        self.persist_all_confirmed().await;
        let drained = self.table_drain();
        for (_, pq) in &drained {
            pq.set_dropped();
        }
        if self.needs_locks() {
            let mqs: Vec<MessageQueue> = drained.into_iter().map(|(mq, _)| mq).collect();
            self.unlock(&mqs).await;
        }
    }
}

/// Groups queues by broker name.
fn by_broker(mqs: Vec<MessageQueue>) -> BTreeMap<String, BTreeSet<MessageQueue>> {
    let mut out: BTreeMap<String, BTreeSet<MessageQueue>> = BTreeMap::new();
    for mq in mqs {
        out.entry(mq.broker_name.clone()).or_default().insert(mq);
    }
    out
}
