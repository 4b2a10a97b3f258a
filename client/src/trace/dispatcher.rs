//! [`TraceDispatcher`]: trace records leave the send and consume paths through a bounded
//! channel; a background task batches them (Java `AsyncTraceDispatcher`: up to 100 events,
//! or what arrived within 100 ms) into trace messages of at most 128,000 bytes, keyed by
//! the traced messages' ids and keys, and sends them with a producer of its own group. A
//! full channel drops the record and counts it ([`TraceDispatcher::dropped`]): tracing
//! never slows the traced path.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::record::TraceContext;
use super::GROUP_NAME_PREFIX;
use crate::instance::ClientInstance;
use crate::message::Message;
use crate::producer::Producer;

/// Records waiting at most (Java `queueSize`, 2048).
pub const QUEUE_SIZE: usize = 2048;
/// Events per batch at most (Java `batchSize`, 100).
pub const BATCH_SIZE: usize = 100;
/// A batch is sent once this passed since its first event (Java `pollingTimeMil`).
pub const BATCH_WAIT: Duration = Duration::from_millis(100);
/// Largest trace message body (Java `maxMsgSize`, 128,000).
pub const MAX_MSG_SIZE: usize = 128_000;

enum Cmd {
    Record(TraceContext),
    /// Send what is queued, then stop.
    Flush(oneshot::Sender<()>),
}

/// Sends trace records of one producer or consumer to the trace topic.
pub struct TraceDispatcher {
    tx: mpsc::Sender<Cmd>,
    dropped: AtomicU64,
    topic: String,
}

impl std::fmt::Debug for TraceDispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceDispatcher")
            .field("topic", &self.topic)
            .field("dropped", &self.dropped.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl TraceDispatcher {
    /// Starts a dispatcher for the records of `group`, sending to `topic` with a producer
    /// (group `_INNER_TRACE_PRODUCER-<group>`) on `instance`. Needs a tokio runtime.
    pub fn start(
        instance: Arc<ClientInstance>,
        group: &str,
        topic: &str,
    ) -> crate::Result<Arc<TraceDispatcher>> {
        let producer = Producer::builder(format!("{GROUP_NAME_PREFIX}-{group}"))
            .instance(instance)
            .send_timeout(Duration::from_secs(5))
            .build()?;
        producer.start_shared();
        let (tx, rx) = mpsc::channel(QUEUE_SIZE);
        tokio::spawn(run(rx, producer, topic.to_owned()));
        Ok(Arc::new(TraceDispatcher {
            tx,
            dropped: AtomicU64::new(0),
            topic: topic.to_owned(),
        }))
    }

    /// The trace topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Queues `ctx`; drops it (and counts it) if the queue is full.
    pub fn append(&self, ctx: TraceContext) {
        if self.tx.try_send(Cmd::Record(ctx)).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records dropped because the queue was full or the dispatcher had stopped.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Sends what is queued and stops the background task.
    pub async fn shutdown(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Cmd::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn run(mut rx: mpsc::Receiver<Cmd>, producer: Producer, topic: String) {
    let mut batch = Vec::with_capacity(BATCH_SIZE);
    loop {
        let Some(first) = rx.recv().await else { break };
        let mut flush = None;
        match first {
            Cmd::Record(c) => batch.push(c),
            Cmd::Flush(done) => flush = Some(done),
        }
        let deadline = tokio::time::Instant::now() + BATCH_WAIT;
        while flush.is_none() && batch.len() < BATCH_SIZE {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(Cmd::Record(c))) => batch.push(c),
                Ok(Some(Cmd::Flush(done))) => flush = Some(done),
                Ok(None) | Err(_) => break,
            }
        }
        send_batch(&producer, &topic, &mut batch).await;
        if let Some(done) = flush {
            producer.shutdown().await;
            let _ = done.send(());
            return;
        }
    }
    producer.shutdown().await;
}

/// Packs `batch` into messages of at most [`MAX_MSG_SIZE`] and sends them.
async fn send_batch(producer: &Producer, topic: &str, batch: &mut Vec<TraceContext>) {
    let mut body = String::new();
    let mut keys: Vec<String> = Vec::new();
    for ctx in batch.drain(..) {
        if ctx.beans.is_empty() {
            continue;
        }
        ctx.encode(&mut body);
        ctx.keys(&mut keys);
        if body.len() >= MAX_MSG_SIZE {
            send_one(producer, topic, &mut body, &mut keys).await;
        }
    }
    if !body.is_empty() {
        send_one(producer, topic, &mut body, &mut keys).await;
    }
}

async fn send_one(producer: &Producer, topic: &str, body: &mut String, keys: &mut Vec<String>) {
    keys.sort_unstable();
    keys.dedup();
    let msg = Message::builder(topic)
        .body(std::mem::take(body).into_bytes())
        .keys(keys.drain(..))
        .build();
    if let Err(e) = producer.send(msg).await {
        tracing::warn!(%topic, error = %e, "trace records not sent");
    }
}
