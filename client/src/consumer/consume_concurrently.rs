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
use futures::FutureExt;
use tokio::sync::{Semaphore, SemaphorePermit, TryAcquireError};

use super::core::{ConsumerCore, Dispatch};
use super::listener::{ConcurrentListener, ConsumeContext, ConsumeResult};
use super::process_queue::ProcessQueue;
use super::send_back::send_back;
use super::trace_hook::{self, TraceSlot};
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
    /// Where listener calls are traced to, with `enable_msg_trace`.
    trace: TraceSlot,
}

impl ConcurrentService {
    pub fn new(
        listener: Arc<dyn ConcurrentListener>,
        concurrency: usize,
        producer: Producer,
        trace: TraceSlot,
    ) -> Self {
        ConcurrentService {
            shared: Arc::new(Shared {
                listener,
                permits: Semaphore::new(concurrency),
                producer,
                trace,
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
#[derive(Clone)]
struct Pulled {
    core: Arc<ConsumerCore>,
    shared: Arc<Shared>,
    pq: Arc<ProcessQueue>,
    ctx: ConsumeContext,
}

/// One listener call's result.
struct Outcome<'a> {
    msgs: &'a [MessageExt],
    result: ConsumeResult,
    rt_ms: u64,
    /// Failed messages that could not be sent back: consumed again locally.
    retry: Vec<MessageExt>,
}

/// Finished listener calls not yet applied to the process queue, offsets and stats:
/// calls that finish together are applied with one lock of each.
#[derive(Default)]
struct Finished {
    /// Offsets of the messages done with (consumed, or failed and sent back).
    done: Vec<i64>,
    ok: usize,
    failed: usize,
    rt_ms: u64,
    calls: u64,
}

impl Finished {
    fn add(&mut self, o: &Outcome<'_>) {
        let n = o.msgs.len();
        match o.result {
            ConsumeResult::Success => self.ok += n,
            ConsumeResult::ReconsumeLater => self.failed += n,
        }
        self.rt_ms = self.rt_ms.saturating_add(o.rt_ms);
        self.calls += 1;
        let retried = |offset: i64| o.retry.iter().any(|r| r.queue_offset == offset);
        self.done.extend(
            o.msgs
                .iter()
                .map(|m| m.queue_offset)
                .filter(|&offset| !retried(offset)),
        );
    }
}

/// A batch's identity within its pull: its first offset.
fn first_offset(batch: &[MessageExt]) -> i64 {
    batch.first().map_or(-1, |m| m.queue_offset)
}

/// The listener calls of one pull that are running, with when each started, and those
/// given up on after `consume_timeout`.
#[derive(Default)]
struct Calls<'a> {
    running: Vec<(Instant, &'a [MessageExt])>,
    /// First offsets of the batches given up on.
    given_up: Vec<i64>,
}

impl<'a> Calls<'a> {
    fn start(&mut self, batch: &'a [MessageExt]) {
        self.running.push((Instant::now(), batch));
    }

    /// The call on `batch` returned; false if it had been given up on.
    fn finish(&mut self, batch: &[MessageExt]) -> bool {
        let id = first_offset(batch);
        if let Some(i) = self.given_up.iter().position(|&o| o == id) {
            self.given_up.swap_remove(i);
            return false;
        }
        if let Some(i) = self.running.iter().position(|(_, b)| first_offset(b) == id) {
            self.running.swap_remove(i);
        }
        true
    }

    /// Takes out the calls started `timeout` or more before `now`.
    fn expired(&mut self, now: Instant, timeout: Duration) -> Vec<&'a [MessageExt]> {
        let mut out = Vec::new();
        self.running.retain(|(t, b)| {
            let late = now.saturating_duration_since(*t) >= timeout;
            if late {
                out.push(*b);
            }
            !late
        });
        out
    }
}

impl Pulled {
    /// Consumes the messages of one pull in batches of `consume_batch_size`, each batch
    /// as soon as one of the service's permits is free, so batches of one pull run
    /// concurrently as Java's per-batch ConsumeRequests do. The batches are driven by
    /// this one task (no task per batch) and borrow the pulled messages (no copy).
    ///
    /// A call still running after `consume_timeout` is given up on (Java's
    /// `cleanExpireMsg`): its messages are sent back with delay level 3 and leave the
    /// process queue; whatever the call returns later is ignored.
    async fn run(self, msgs: Vec<MessageExt>) {
        let size = self.core.settings.consume_batch_size.max(1);
        let timeout = self.core.settings.consume_timeout;
        let mut batches = msgs.chunks(size);
        let mut next = batches.next();
        let mut running = FuturesUnordered::new();
        let mut calls = Calls::default();
        let mut finished = Finished {
            done: Vec::with_capacity(msgs.len()),
            ..Finished::default()
        };
        // One timer per pull, moved to the oldest running call's deadline when it fires.
        let expiry = tokio::time::sleep(timeout);
        tokio::pin!(expiry);
        loop {
            // Start every batch a permit is free for.
            while let Some(batch) = next {
                match self.shared.permits.try_acquire() {
                    Ok(permit) => {
                        calls.start(batch);
                        running.push(self.run_batch(permit, batch));
                        next = batches.next();
                    }
                    Err(TryAcquireError::NoPermits) => break,
                    Err(TryAcquireError::Closed) => next = None,
                }
            }
            tokio::select! {
                biased;
                Some(outcome) = running.next(), if !running.is_empty() => {
                    self.add(&mut finished, &mut calls, outcome);
                    while let Some(Some(outcome)) = running.next().now_or_never() {
                        self.add(&mut finished, &mut calls, outcome);
                    }
                    self.settle(&mut finished);
                }
                permit = self.shared.permits.acquire(), if next.is_some() => {
                    let (Ok(permit), Some(batch)) = (permit, next) else {
                        // Closed: the consumer shut down; nothing more starts.
                        next = None;
                        continue;
                    };
                    calls.start(batch);
                    running.push(self.run_batch(permit, batch));
                    next = batches.next();
                }
                () = &mut expiry, if !calls.running.is_empty() => {
                    let now = Instant::now();
                    for batch in calls.expired(now, timeout) {
                        match Box::pin(self.give_up(batch)).await {
                            true => {
                                finished.done.extend(batch.iter().map(|m| m.queue_offset));
                                calls.given_up.push(first_offset(batch));
                            }
                            // Not sent back: checked again one timeout later.
                            false => calls.running.push((now, batch)),
                        }
                    }
                    self.settle(&mut finished);
                    let oldest = calls.running.iter().map(|(t, _)| *t).min().unwrap_or(now);
                    expiry.as_mut().reset((oldest + timeout).into());
                }
                else => return,
            }
        }
    }

    /// Sends back the messages of a call that ran past `consume_timeout`; whether all
    /// were sent back.
    async fn give_up(&self, batch: &[MessageExt]) -> bool {
        let core = &self.core;
        let timeout = core.settings.consume_timeout;
        let max = core.settings.effective_max_reconsume_times(false);
        let mut all = true;
        for m in batch {
            tracing::warn!(group = %core.group(), msg_id = %m.msg_id(), ?timeout, "listener call ran past consume_timeout; message sent back");
            if !core.settings.is_clustering() {
                continue;
            }
            let sent = send_back(
                &core.instance,
                &self.shared.producer,
                core.group(),
                m,
                3,
                max,
            )
            .await;
            if let Err(e) = sent {
                tracing::warn!(group = %core.group(), msg_id = %m.msg_id(), error = %e, "expired message not sent back");
                all = false;
            }
        }
        all
    }

    /// Adds a finished call; what it could not send back is retried by a task of its own.
    /// A call given up on after `consume_timeout` is ignored.
    fn add<'a>(
        &self,
        finished: &mut Finished,
        calls: &mut Calls<'a>,
        outcome: Option<Outcome<'a>>,
    ) {
        let Some(mut outcome) = outcome else {
            return;
        };
        if !calls.finish(outcome.msgs) {
            return;
        }
        finished.add(&outcome);
        if !outcome.retry.is_empty() {
            let retry = std::mem::take(&mut outcome.retry);
            tokio::spawn(self.clone().retry_locally(retry));
        }
    }

    /// Calls the listener on `msgs` with `permit` (none if the queue was dropped or the
    /// consumer stopped); failed messages are sent back before the permit is released.
    async fn run_batch<'a>(
        &self,
        permit: SemaphorePermit<'_>,
        msgs: &'a [MessageExt],
    ) -> Option<Outcome<'a>> {
        if self.pq.is_dropped() || self.core.is_stopped() {
            return None;
        }
        let trace = self.shared.trace.get();
        let traced = trace.and_then(|t| trace_hook::before(t, &self.core.settings.group, msgs));
        let started = Instant::now();
        let result = self.shared.listener.consume(msgs, &self.ctx).await;
        let took = started.elapsed();
        if let (Some(t), Some(ctx)) = (trace, traced) {
            trace_hook::after(t, ctx, result == ConsumeResult::Success, took);
        }
        let rt_ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX);
        let retry = if result == ConsumeResult::ReconsumeLater && !self.pq.is_dropped() {
            // Boxed: the rare failure path keeps its large future out of every batch's.
            Box::pin(self.send_back_failed(msgs)).await
        } else {
            Vec::new()
        };
        drop(permit);
        Some(Outcome {
            msgs,
            result,
            rt_ms,
            retry,
        })
    }

    /// Applies finished calls: stats, then the process queue and the offset (the lowest
    /// offset still cached), unless the queue was dropped meanwhile.
    fn settle(&self, f: &mut Finished) {
        let core = &self.core;
        let mq = &self.ctx.message_queue;
        if f.calls > 0 {
            core.stats
                .consumed_calls(&mq.topic, f.ok, f.failed, f.rt_ms, f.calls);
        }
        if self.pq.is_dropped() {
            tracing::info!(group = %core.group(), %mq, "queue dropped while consuming; its offset stays");
        } else if let Some(offset) = self.pq.remove_messages(&f.done) {
            if !self.pq.is_dropped() {
                core.offsets.update(mq, offset, true);
            }
        }
        f.done.clear();
        *f = Finished {
            done: std::mem::take(&mut f.done),
            ..Finished::default()
        };
    }

    /// Consumes `msgs` again locally every 5 s until none is left to retry (they stay in
    /// the process queue meanwhile, so the offset does not pass them).
    async fn retry_locally(self, mut msgs: Vec<MessageExt>) {
        let mut finished = Finished::default();
        while self.core.sleep(LOCAL_RETRY_DELAY).await {
            let Ok(permit) = self.shared.permits.acquire().await else {
                return;
            };
            let Some(outcome) = self.run_batch(permit, &msgs).await else {
                return;
            };
            finished.add(&outcome);
            let retry = outcome.retry;
            self.settle(&mut finished);
            if retry.is_empty() {
                return;
            }
            msgs = retry;
        }
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
            let sent = send_back(
                &core.instance,
                &self.shared.producer,
                core.group(),
                m,
                0,
                max,
            )
            .await;
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
