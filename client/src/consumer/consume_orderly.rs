//! Orderly consumption (Java `ConsumeMessageOrderlyService`): one task per assigned queue
//! takes its messages in offset order, `consume_batch_size` at a time, and only while the
//! queue is locked at the broker (clustering).
//!
//! On [`OrderlyResult::Success`] the offset moves past the batch. On
//! [`OrderlyResult::SuspendCurrentQueueAMoment`] the batch goes back to the front of the
//! queue and is consumed again after `suspend_current_queue_time`; a message that has been
//! redelivered `max_reconsume_times` times is sent to the dead-letter queue instead.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cometmq_remoting::body::client::{ConsumeMessageDirectlyResult, ConsumeResult as Direct};
use cometmq_remoting::message::property;
use parking_lot::{Mutex, MutexGuard};
use tokio::task::JoinHandle;

use super::core::{ConsumerCore, Dispatch};
use super::listener::{ConsumeContext, OrderlyListener, OrderlyResult};
use super::process_queue::ProcessQueue;
use super::send_back::retry_copy;
use super::trace_hook::{self, TraceSlot};
use crate::message::{MessageExt, MessageQueue};
use crate::producer::Producer;

/// Wait before trying again to lock a queue another consumer holds (Java: 3 s).
const RELOCK_DELAY: Duration = Duration::from_secs(3);

/// The orderly consume service.
pub(crate) struct OrderlyService {
    listener: Arc<dyn OrderlyListener>,
    producer: Producer,
    tasks: Mutex<HashMap<MessageQueue, JoinHandle<()>>>,
    /// Where listener calls are traced to, with `enable_msg_trace`.
    trace: TraceSlot,
}

impl OrderlyService {
    pub fn new(listener: Arc<dyn OrderlyListener>, producer: Producer, trace: TraceSlot) -> Self {
        OrderlyService {
            listener,
            producer,
            tasks: Mutex::new(HashMap::new()),
            trace,
        }
    }

    fn tasks(&self) -> MutexGuard<'_, HashMap<MessageQueue, JoinHandle<()>>> {
        self.tasks.lock()
    }
}

#[async_trait]
impl Dispatch for OrderlyService {
    fn submit(
        &self,
        _: &Arc<ConsumerCore>,
        _: &MessageQueue,
        _: &Arc<ProcessQueue>,
        _: Vec<MessageExt>,
    ) {
        // The queue's task was woken by `ProcessQueue::put_messages`.
    }

    fn queue_added(&self, core: &Arc<ConsumerCore>, mq: &MessageQueue, pq: &Arc<ProcessQueue>) {
        let worker = QueueWorker {
            core: core.clone(),
            listener: self.listener.clone(),
            producer: self.producer.clone(),
            mq: mq.clone(),
            pq: pq.clone(),
            trace: self.trace.clone(),
        };
        let handle = tokio::spawn(worker.run());
        if let Some(old) = self.tasks().insert(mq.clone(), handle) {
            // A previous worker of a dropped process queue ends by itself.
            drop(old);
        }
    }

    async fn quiesce(&self, mq: &MessageQueue) {
        let handle = self.tasks().remove(mq);
        if let Some(h) = handle {
            let _ = h.await;
        }
    }

    async fn shutdown(&self, timeout: Duration) {
        let handles: Vec<JoinHandle<()>> = self.tasks().drain().map(|(_, h)| h).collect();
        if tokio::time::timeout(timeout, futures::future::join_all(handles))
            .await
            .is_err()
        {
            tracing::warn!("orderly listener calls still running at shutdown");
        }
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
            order: true,
            auto_commit: true,
            consume_result: match r {
                OrderlyResult::Success => Direct::CrSuccess,
                OrderlyResult::SuspendCurrentQueueAMoment => Direct::CrLater,
            },
            spent_time_mills: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
            ..Default::default()
        }
    }
}

/// The task consuming one queue.
struct QueueWorker {
    core: Arc<ConsumerCore>,
    listener: Arc<dyn OrderlyListener>,
    producer: Producer,
    mq: MessageQueue,
    pq: Arc<ProcessQueue>,
    trace: TraceSlot,
}

impl QueueWorker {
    async fn run(self) {
        let core = &self.core;
        let pq = &self.pq;
        loop {
            if pq.is_dropped() || core.is_stopped() {
                return;
            }
            if core.needs_locks()
                && (!pq.is_locked() || pq.is_lock_expired())
                && !core.lock_one(&self.mq).await
            {
                if !self.pause(RELOCK_DELAY).await {
                    return;
                }
                continue;
            }
            let msgs = pq.take_messages(core.settings.consume_batch_size.max(1));
            if msgs.is_empty() {
                tokio::select! {
                    _ = core.stopped() => return,
                    _ = pq.dropped() => return,
                    _ = pq.wait_arrival() => {}
                }
                continue;
            }
            let ctx = ConsumeContext {
                message_queue: self.mq.clone(),
            };
            let trace = self.trace.get();
            let traced = trace.and_then(|t| trace_hook::before(t, &core.settings.group, &msgs));
            let started = Instant::now();
            let result = self.listener.consume(&msgs, &ctx).await;
            let took = started.elapsed();
            if let (Some(t), Some(c)) = (trace, traced) {
                trace_hook::after(t, c, result == OrderlyResult::Success, took);
            }
            let rt = u64::try_from(took.as_millis()).unwrap_or(u64::MAX);
            if pq.is_dropped() {
                tracing::info!(group = %core.group(), mq = %self.mq, "queue dropped while consuming; its offset stays");
                return;
            }
            match result {
                OrderlyResult::Success => {
                    core.stats.consumed(&self.mq.topic, msgs.len(), 0, rt);
                    self.commit();
                }
                OrderlyResult::SuspendCurrentQueueAMoment => {
                    core.stats.consumed(&self.mq.topic, 0, msgs.len(), rt);
                    if self.retry_or_dead_letter(msgs).await {
                        if !self.pause(core.settings.suspend_current_queue_time).await {
                            return;
                        }
                    } else {
                        self.commit();
                    }
                }
            }
        }
    }

    fn commit(&self) {
        if let Some(offset) = self.pq.commit() {
            self.core.offsets.update(&self.mq, offset, false);
        }
    }

    /// Messages redelivered too often go to the DLQ (a copy sent to the retry topic with
    /// a reconsume count over the limit); the others go back to the queue with their count
    /// increased. Returns true if the batch must be consumed again.
    async fn retry_or_dead_letter(&self, msgs: Vec<MessageExt>) -> bool {
        let core = &self.core;
        let max = core.settings.effective_max_reconsume_times(true);
        let mut again = false;
        let mut back = Vec::with_capacity(msgs.len());
        for mut m in msgs {
            if m.reconsume_times >= max {
                let copy = retry_copy(core.group(), &m, max);
                match self.producer.send(copy).await {
                    Ok(_) => {
                        tracing::warn!(group = %core.group(), msg_id = %m.msg_id(), "orderly: too many retries, sent to the dead-letter queue");
                        back.push(m);
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(group = %core.group(), msg_id = %m.msg_id(), error = %e, "orderly: sending to the dead-letter queue failed");
                    }
                }
            }
            again = true;
            let r = m.record_mut();
            r.reconsume_times += 1;
            let times = r.reconsume_times.to_string();
            r.properties.insert(property::RECONSUME_TIME, times);
            back.push(m);
        }
        if again {
            self.pq.make_consume_again(back);
        }
        again
    }

    /// Sleeps `d` unless the queue is dropped or the consumer stops; false if so.
    async fn pause(&self, d: Duration) -> bool {
        tokio::select! {
            _ = self.core.stopped() => false,
            _ = self.pq.dropped() => false,
            _ = tokio::time::sleep(d) => true,
        }
    }
}
