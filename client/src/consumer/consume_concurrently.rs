//! Concurrent consumption (Java `ConsumeMessageConcurrentlyService`): pulled messages are
//! cut into batches of `consume_batch_size`, each consumed by its own task, at most
//! `consume_concurrency` at once.
//!
//! After a batch, its messages leave the process queue and the queue's offset moves to the
//! lowest offset still cached. On [`ConsumeResult::ReconsumeLater`] (clustering) each message
//! is first sent back for redelivery; a message that cannot be sent back stays cached and is
//! consumed again locally 5 s later, so the offset never passes it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cometmq_remoting::body::client::{ConsumeMessageDirectlyResult, ConsumeResult as Direct};
use tokio::sync::Semaphore;

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
    listener: Arc<dyn ConcurrentListener>,
    permits: Arc<Semaphore>,
    max: usize,
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
            listener,
            permits: Arc::new(Semaphore::new(concurrency)),
            max: concurrency,
            producer,
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
        let size = core.settings.consume_batch_size.max(1);
        for batch in msgs.chunks(size) {
            let task = Batch {
                core: core.clone(),
                listener: self.listener.clone(),
                permits: self.permits.clone(),
                producer: self.producer.clone(),
                mq: mq.clone(),
                pq: pq.clone(),
            };
            tokio::spawn(task.run(batch.to_vec()));
        }
    }

    async fn shutdown(&self, timeout: Duration) {
        let all = u32::try_from(self.max).unwrap_or(u32::MAX);
        match tokio::time::timeout(timeout, self.permits.acquire_many(all)).await {
            Ok(Ok(p)) => p.forget(),
            Ok(Err(_)) => {}
            Err(_) => tracing::warn!("listener calls still running at shutdown"),
        }
        self.permits.close();
    }

    async fn consume_directly(&self, msg: MessageExt) -> ConsumeMessageDirectlyResult {
        let ctx = ConsumeContext {
            message_queue: msg.message_queue(),
        };
        let started = Instant::now();
        let r = self
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

/// One batch on its way through the listener.
struct Batch {
    core: Arc<ConsumerCore>,
    listener: Arc<dyn ConcurrentListener>,
    permits: Arc<Semaphore>,
    producer: Producer,
    mq: MessageQueue,
    pq: Arc<ProcessQueue>,
}

impl Batch {
    async fn run(self, msgs: Vec<MessageExt>) {
        let mut msgs = msgs;
        loop {
            let Ok(permit) = self.permits.clone().acquire_owned().await else {
                return;
            };
            if self.pq.is_dropped() || self.core.is_stopped() {
                return;
            }
            let retry = self.consume(msgs).await;
            drop(permit);
            if retry.is_empty() || !self.core.sleep(LOCAL_RETRY_DELAY).await {
                return;
            }
            msgs = retry;
        }
    }

    /// Consumes `msgs`; returns those to consume again locally.
    async fn consume(&self, msgs: Vec<MessageExt>) -> Vec<MessageExt> {
        let core = &self.core;
        let ctx = ConsumeContext {
            message_queue: self.mq.clone(),
        };
        let started = Instant::now();
        let result = self.listener.consume(&msgs, &ctx).await;
        let rt = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (ok, failed) = match result {
            ConsumeResult::Success => (msgs.len(), 0),
            ConsumeResult::ReconsumeLater => (0, msgs.len()),
        };
        core.stats.consumed(&self.mq.topic, ok, failed, rt);
        if self.pq.is_dropped() {
            tracing::info!(group = %core.group(), mq = %self.mq, "queue dropped while consuming; its offset stays");
            return Vec::new();
        }
        let mut local_retry = Vec::new();
        if result == ConsumeResult::ReconsumeLater {
            if core.settings.is_clustering() {
                let max = core.settings.effective_max_reconsume_times(false);
                for m in &msgs {
                    let sent =
                        send_back(&core.instance, &self.producer, core.group(), m, max).await;
                    if let Err(e) = sent {
                        tracing::warn!(group = %core.group(), msg_id = %m.msg_id(), error = %e, "message not sent back; consuming it again locally");
                        let mut m = m.clone();
                        m.record_mut().reconsume_times += 1;
                        local_retry.push(m);
                    }
                }
            } else {
                for m in &msgs {
                    tracing::warn!(group = %core.group(), msg_id = %m.msg_id(), "broadcasting: failed message dropped");
                }
            }
        }
        let done: Vec<i64> = msgs
            .iter()
            .map(|m| m.queue_offset)
            .filter(|o| !local_retry.iter().any(|r| r.queue_offset == *o))
            .collect();
        if let Some(offset) = self.pq.remove_messages(&done) {
            if !self.pq.is_dropped() {
                core.offsets.update(&self.mq, offset, true);
            }
        }
        local_retry
    }
}
