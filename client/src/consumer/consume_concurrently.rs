//! Concurrent consumption (Java `ConsumeMessageConcurrentlyService`): pulled messages are
//! cut into batches of `consume_batch_size`, each consumed by a listener call of its own, at
//! most `consume_concurrency` calls at once across the consumer. One task per pull drives
//! that pull's calls concurrently.
//!
//! After a batch, its messages leave the process queue and the queue's offset moves to the
//! lowest offset still cached. On [`ConsumeResult::ReconsumeLater`] (clustering) each message
//! is first sent back for redelivery; a message that cannot be sent back stays cached and is
//! consumed again locally 5 s later, so the offset never passes it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cometmq_remoting::body::client::{ConsumeMessageDirectlyResult, ConsumeResult as Direct};
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::core::{ConsumerCore, Dispatch};
use super::listener::{ConcurrentListener, ConsumeContext, ConsumeResult};
use super::process_queue::ProcessQueue;
use super::send_back::send_back;
use crate::message::{MessageExt, MessageQueue};
use crate::producer::Producer;

/// Wait before consuming locally a message that could not be sent back.
const LOCAL_RETRY_DELAY: Duration = Duration::from_secs(5);

/// The concurrent consume service.
pub(crate) struct ConcurrentService {
    shared: Arc<Shared>,
    max: usize,
}

/// What every listener call of the service uses.
struct Shared {
    listener: Arc<dyn ConcurrentListener>,
    permits: Semaphore,
    /// Sends copies to the retry topic when CONSUMER_SEND_MSG_BACK fails.
    producer: Producer,
}

impl ConcurrentService {
    pub fn new(
        listener: Arc<dyn ConcurrentListener>,
        concurrency: usize,
        producer: Producer,
    ) -> Self {
        ConcurrentService {
            shared: Arc::new(Shared {
                listener,
                permits: Semaphore::new(concurrency),
                producer,
            }),
            max: concurrency,
        }
    }
}

#[async_trait]
impl Dispatch for ConcurrentService {
    fn submit(
        &self,
        core: &Arc<ConsumerCore>,
        mq: &MessageQueue,
        pq: &Arc<ProcessQueue>,
        msgs: Vec<MessageExt>,
    ) {
        let pulled = Pulled {
            core: core.clone(),
            shared: self.shared.clone(),
            pq: pq.clone(),
            ctx: ConsumeContext {
                message_queue: mq.clone(),
            },
        };
        tokio::spawn(pulled.run(msgs));
    }

    async fn shutdown(&self, timeout: Duration) {
        let all = u32::try_from(self.max).unwrap_or(u32::MAX);
        let permits = &self.shared.permits;
        match tokio::time::timeout(timeout, permits.acquire_many(all)).await {
            Ok(Ok(p)) => p.forget(),
            Ok(Err(_)) => {}
            Err(_) => tracing::warn!("listener calls still running at shutdown"),
        }
        permits.close();
    }

    async fn consume_directly(&self, msg: MessageExt) -> ConsumeMessageDirectlyResult {
        let ctx = ConsumeContext {
            message_queue: msg.message_queue(),
        };
        let started = Instant::now();
        let r = self
            .shared
            .listener
            .consume(std::slice::from_ref(&msg), &ctx)
            .await;
        ConsumeMessageDirectlyResult {
            consume_result: match r {
                ConsumeResult::Success => Direct::CrSuccess,
                ConsumeResult::ReconsumeLater => Direct::CrLater,
            },
            spent_time_mills: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
            ..Default::default()
        }
    }
}

/// What the batches of one pull share.
struct Pulled {
    core: Arc<ConsumerCore>,
    shared: Arc<Shared>,
    pq: Arc<ProcessQueue>,
    ctx: ConsumeContext,
}

impl Pulled {
    /// Consumes the messages of one pull in batches of `consume_batch_size`, each batch
    /// as soon as one of the service's permits is free, so batches of one pull run
    /// concurrently as Java's per-batch ConsumeRequests do. The batches are driven by
    /// this one task (no task per batch) and borrow the pulled messages (no copy).
    async fn run(self, msgs: Vec<MessageExt>) {
        let size = self.core.settings.consume_batch_size.max(1);
        let mut batches = msgs.chunks(size);
        let mut next = batches.next();
        let mut running = FuturesUnordered::new();
        loop {
            tokio::select! {
                biased;
                Some(()) = running.next(), if !running.is_empty() => {}
                permit = self.shared.permits.acquire(), if next.is_some() => {
                    let (Ok(permit), Some(batch)) = (permit, next) else {
                        // Closed: the consumer shut down; nothing more starts.
                        next = None;
                        continue;
                    };
                    running.push(self.run_batch(permit, batch));
                    next = batches.next();
                }
                else => return,
            }
        }
    }

    /// Consumes one batch with `permit`, then consumes locally, every 5 s, what could not be
    /// sent back.
    async fn run_batch(&self, permit: SemaphorePermit<'_>, batch: &[MessageExt]) {
        if self.pq.is_dropped() || self.core.is_stopped() {
            return;
        }
        let retry = self.consume(batch).await;
        drop(permit);
        if !retry.is_empty() {
            // Boxed: the rare path keeps its timer out of every batch's future.
            Box::pin(self.retry_locally(retry)).await;
        }
    }

    /// Consumes `msgs` again every 5 s until none is left to retry.
    async fn retry_locally(&self, mut msgs: Vec<MessageExt>) {
        while self.core.sleep(LOCAL_RETRY_DELAY).await {
            let Ok(_permit) = self.shared.permits.acquire().await else {
                return;
            };
            if self.pq.is_dropped() || self.core.is_stopped() {
                return;
            }
            msgs = self.consume(&msgs).await;
            if msgs.is_empty() {
                return;
            }
        }
    }

    /// Consumes `msgs`; returns those to consume again locally.
    async fn consume(&self, msgs: &[MessageExt]) -> Vec<MessageExt> {
        let core = &self.core;
        let mq = &self.ctx.message_queue;
        let started = Instant::now();
        let result = self.shared.listener.consume(msgs, &self.ctx).await;
        let rt = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (ok, failed) = match result {
            ConsumeResult::Success => (msgs.len(), 0),
            ConsumeResult::ReconsumeLater => (0, msgs.len()),
        };
        core.stats.consumed(&mq.topic, ok, failed, rt);
        if self.pq.is_dropped() {
            tracing::info!(group = %core.group(), %mq, "queue dropped while consuming; its offset stays");
            return Vec::new();
        }
        let local_retry = if result == ConsumeResult::ReconsumeLater {
            // Boxed: the rare failure path keeps its large future out of every batch task.
            Box::pin(self.send_back_failed(msgs)).await
        } else {
            Vec::new()
        };
        let done: Vec<i64> = msgs
            .iter()
            .map(|m| m.queue_offset)
            .filter(|o| !local_retry.iter().any(|r| r.queue_offset == *o))
            .collect();
        if let Some(offset) = self.pq.remove_messages(&done) {
            if !self.pq.is_dropped() {
                core.offsets.update(mq, offset, true);
            }
        }
        local_retry
    }

    /// Sends the failed `msgs` back for redelivery (clustering; broadcasting drops them);
    /// returns those that could not be sent back, with their reconsume count raised.
    async fn send_back_failed(&self, msgs: &[MessageExt]) -> Vec<MessageExt> {
        let core = &self.core;
        let mut local_retry = Vec::new();
        if !core.settings.is_clustering() {
            for m in msgs {
                tracing::warn!(group = %core.group(), msg_id = %m.msg_id(), "broadcasting: failed message dropped");
            }
            return local_retry;
        }
        let max = core.settings.effective_max_reconsume_times(false);
        for m in msgs {
            let sent = send_back(&core.instance, &self.shared.producer, core.group(), m, max).await;
            if let Err(e) = sent {
                tracing::warn!(group = %core.group(), msg_id = %m.msg_id(), error = %e, "message not sent back; consuming it again locally");
                let mut m = m.clone();
                m.record_mut().reconsume_times += 1;
                local_retry.push(m);
            }
        }
        local_retry
    }
}
