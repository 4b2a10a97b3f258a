//! Message listeners: what a push consumer calls with the messages it pulled.
//!
//! - [`ConcurrentListener`]: batches from any queue, in parallel; returns [`ConsumeResult`].
//! - [`OrderlyListener`]: one queue at a time, in queue order; returns [`OrderlyResult`].
//!
//! Both are implemented by closures through the adapters [`blocking`] (a plain closure, run on
//! tokio's blocking pool so it may block) and [`async_fn`] (a closure returning a future,
//! run on the runtime). Implement the traits directly to avoid copying the batch.

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;

use crate::message::{MessageExt, MessageQueue};

/// The outcome of a concurrent listener (Java `ConsumeConcurrentlyStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsumeResult {
    /// Consumed: the offset may move past these messages.
    Success,
    /// Failed: send the messages back to the broker, which redelivers them later through
    /// the group's retry topic (clustering; broadcasting drops them).
    ReconsumeLater,
}

/// The outcome of an orderly listener (Java `ConsumeOrderlyStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderlyResult {
    /// Consumed: the offset moves past these messages.
    Success,
    /// Failed: stop the queue for a moment (1 s by default) and consume the same messages
    /// again, so the order is kept.
    SuspendCurrentQueueAMoment,
}

/// Where a batch came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumeContext {
    /// The queue the messages were pulled from (for retried messages, the retry topic's
    /// queue).
    pub message_queue: MessageQueue,
}

/// Consumes batches of messages in parallel (Java `MessageListenerConcurrently`).
///
/// ```
/// use async_trait::async_trait;
/// use cometmq_client::consumer::{ConcurrentListener, ConsumeContext, ConsumeResult};
/// use cometmq_client::MessageExt;
/// struct Print;
/// #[async_trait]
/// impl ConcurrentListener for Print {
///     async fn consume(&self, msgs: &[MessageExt], _ctx: &ConsumeContext) -> ConsumeResult {
///         for m in msgs {
///             println!("{} {:?}", m.msg_id(), m.body);
///         }
///         ConsumeResult::Success
///     }
/// }
/// ```
#[async_trait]
pub trait ConcurrentListener: Send + Sync + 'static {
    /// Consumes `msgs` (at most `consume_batch_size` of them).
    async fn consume(&self, msgs: &[MessageExt], ctx: &ConsumeContext) -> ConsumeResult;
}

/// Consumes one queue's messages in order (Java `MessageListenerOrderly`).
#[async_trait]
pub trait OrderlyListener: Send + Sync + 'static {
    /// Consumes `msgs`, the next messages of one queue in offset order.
    async fn consume(&self, msgs: &[MessageExt], ctx: &ConsumeContext) -> OrderlyResult;
}

/// Adapts a plain closure into a listener run on tokio's blocking pool, so it may block
/// (database calls, file I/O) without stalling the consumer. The batch is copied.
///
/// ```
/// use cometmq_client::consumer::{blocking, ConsumeResult};
/// let listener = blocking(|msgs: &[cometmq_client::MessageExt]| {
///     println!("{} messages", msgs.len());
///     ConsumeResult::Success
/// });
/// # let _ = listener;
/// ```
pub fn blocking<F, R>(f: F) -> Blocking<F>
where
    F: Fn(&[MessageExt]) -> R + Send + Sync + 'static,
{
    Blocking(Arc::new(f))
}

/// Adapts a closure returning a future into a listener. The future runs on the runtime: it
/// must not block. The batch is copied into the closure's argument.
///
/// ```
/// use cometmq_client::consumer::{async_fn, OrderlyResult};
/// let listener = async_fn(|msgs: Vec<cometmq_client::MessageExt>| async move {
///     println!("{} messages", msgs.len());
///     OrderlyResult::Success
/// });
/// # let _ = listener;
/// ```
pub fn async_fn<F, Fut, R>(f: F) -> AsyncFn<F>
where
    F: Fn(Vec<MessageExt>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    AsyncFn(f)
}

/// A blocking closure as a listener; see [`blocking`].
pub struct Blocking<F>(Arc<F>);

/// An async closure as a listener; see [`async_fn`].
pub struct AsyncFn<F>(F);

impl<F> std::fmt::Debug for Blocking<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Blocking(..)")
    }
}

impl<F> std::fmt::Debug for AsyncFn<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AsyncFn(..)")
    }
}

impl<F, R> Blocking<F>
where
    F: Fn(&[MessageExt]) -> R + Send + Sync + 'static,
    R: Send + 'static,
{
    /// Runs the closure on the blocking pool; `None` if it panicked.
    async fn run(&self, msgs: &[MessageExt]) -> Option<R> {
        let f = self.0.clone();
        let msgs = msgs.to_vec();
        match tokio::task::spawn_blocking(move || f(&msgs)).await {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::warn!(error = %e, "listener panicked");
                None
            }
        }
    }
}

#[async_trait]
impl<F> ConcurrentListener for Blocking<F>
where
    F: Fn(&[MessageExt]) -> ConsumeResult + Send + Sync + 'static,
{
    async fn consume(&self, msgs: &[MessageExt], _ctx: &ConsumeContext) -> ConsumeResult {
        self.run(msgs)
            .await
            .unwrap_or(ConsumeResult::ReconsumeLater)
    }
}

#[async_trait]
impl<F> OrderlyListener for Blocking<F>
where
    F: Fn(&[MessageExt]) -> OrderlyResult + Send + Sync + 'static,
{
    async fn consume(&self, msgs: &[MessageExt], _ctx: &ConsumeContext) -> OrderlyResult {
        self.run(msgs)
            .await
            .unwrap_or(OrderlyResult::SuspendCurrentQueueAMoment)
    }
}

#[async_trait]
impl<F, Fut> ConcurrentListener for AsyncFn<F>
where
    F: Fn(Vec<MessageExt>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ConsumeResult> + Send + 'static,
{
    async fn consume(&self, msgs: &[MessageExt], _ctx: &ConsumeContext) -> ConsumeResult {
        (self.0)(msgs.to_vec()).await
    }
}

#[async_trait]
impl<F, Fut> OrderlyListener for AsyncFn<F>
where
    F: Fn(Vec<MessageExt>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = OrderlyResult> + Send + 'static,
{
    async fn consume(&self, msgs: &[MessageExt], _ctx: &ConsumeContext) -> OrderlyResult {
        (self.0)(msgs.to_vec()).await
    }
}

/// The listener a push consumer was built with.
#[derive(Clone)]
pub(crate) enum Listener {
    Concurrent(Arc<dyn ConcurrentListener>),
    Orderly(Arc<dyn OrderlyListener>),
}

impl Listener {
    pub fn is_orderly(&self) -> bool {
        matches!(self, Listener::Orderly(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consumer::process_queue::tests::msg;

    fn ctx() -> ConsumeContext {
        ConsumeContext {
            message_queue: MessageQueue::new("T", "b", 0),
        }
    }

    #[tokio::test]
    async fn adapters() {
        let l = blocking(|m: &[MessageExt]| {
            if m.len() == 1 {
                ConsumeResult::Success
            } else {
                ConsumeResult::ReconsumeLater
            }
        });
        assert_eq!(
            ConcurrentListener::consume(&l, &[msg(1)], &ctx()).await,
            ConsumeResult::Success
        );
        let panics = blocking(|_: &[MessageExt]| -> OrderlyResult { panic!("boom") });
        assert_eq!(
            OrderlyListener::consume(&panics, &[msg(1)], &ctx()).await,
            OrderlyResult::SuspendCurrentQueueAMoment
        );
        let a = async_fn(|m: Vec<MessageExt>| async move {
            if m[0].queue_offset == 7 {
                OrderlyResult::Success
            } else {
                OrderlyResult::SuspendCurrentQueueAMoment
            }
        });
        assert_eq!(
            OrderlyListener::consume(&a, &[msg(7)], &ctx()).await,
            OrderlyResult::Success
        );
    }
}
