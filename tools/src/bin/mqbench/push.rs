//! The consumer load through the client's [`PushConsumer`]: rebalancing, long-polling pull
//! tasks, flow control and the concurrent consume service, as an application would use
//! it. The listener only counts and takes one end-to-end sample per message.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use cometmq_client::consumer::{
    ConcurrentListener, ConsumeContext, ConsumeFromWhere, ConsumeResult, PushConsumer,
};
use cometmq_client::{MessageExt, MessageQueue, Result};

use crate::consumer::Target;
use crate::stats::Side;
use crate::Stop;

/// Microseconds since the epoch.
fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The listener: counts what arrives and takes one end-to-end sample per message. It
/// implements the trait itself, so the batch is neither copied nor its state cloned per
/// call (as an application that cares about throughput would do).
struct Counter {
    side: Arc<Side>,
    target: Arc<Target>,
    stop: Stop,
    min_born: i64,
}

#[async_trait]
impl ConcurrentListener for Counter {
    async fn consume(&self, msgs: &[MessageExt], _ctx: &ConsumeContext) -> ConsumeResult {
        let arrived = now_us();
        let fresh = |m: &&MessageExt| m.born_timestamp >= self.min_born;
        let eligible = msgs.iter().filter(fresh).count() as u64;
        let counted = self.target.count(eligible, &self.side);
        let take = usize::try_from(counted).unwrap_or(0);
        for m in msgs.iter().filter(fresh).take(take) {
            let born_us = u64::try_from(m.born_timestamp)
                .unwrap_or(0)
                .saturating_mul(1000);
            self.side.latency.record(arrived.saturating_sub(born_us));
        }
        self.target.check(&self.side, &self.stop);
        ConsumeResult::Success
    }
}

/// How to build the consumer.
#[derive(Debug, Clone)]
pub struct PushPlan {
    /// The NameServers and the connection settings (TLS).
    pub client: cometmq_client::instance::ClientConfig,
    /// Write message traces (`--msg-trace`).
    pub msg_trace: bool,
    pub group: String,
    pub topic: String,
    pub filter: String,
    pub from: ConsumeFromWhere,
    /// With [`ConsumeFromWhere::Timestamp`]: the store time to start at.
    pub from_ms: Option<i64>,
    /// Count only messages born at or after this time (ms): `all` mode ignores what a
    /// reused group still had to consume.
    pub min_born_ms: i64,
    pub pull_batch: i32,
    pub consume_batch: usize,
    pub consume_threads: usize,
}

/// Builds and starts the consumer; its listener feeds `side` and stops at `target`.
pub async fn start(
    plan: &PushPlan,
    side: &Arc<Side>,
    target: &Arc<Target>,
    stop: &Stop,
) -> Result<PushConsumer> {
    let (side, target, stop) = (side.clone(), target.clone(), stop.clone());
    let min_born = plan.min_born_ms;
    let mut builder = PushConsumer::builder(plan.group.clone())
        .client_config(plan.client.clone())
        .subscribe(plan.topic.clone(), plan.filter.clone())
        .consume_from(plan.from)
        .enable_msg_trace(plan.msg_trace)
        .pull_batch_size(plan.pull_batch)
        .consume_batch_size(plan.consume_batch)
        .consume_concurrency(plan.consume_threads)
        .concurrent_listener(Counter {
            side,
            target,
            stop,
            min_born,
        });
    if let Some(ms) = plan.from_ms {
        builder = builder.consume_timestamp_ms(ms);
    }
    let consumer = builder.build()?;
    consumer.start().await?;
    Ok(consumer)
}

/// Until the consumer holds queues of the topic (or `stop`): subscribes again every
/// 200 ms, which refreshes the route and rebalances at once — for a topic that the
/// producer's first send creates, instead of waiting for the next periodic rebalance.
pub async fn until_assigned(consumer: &PushConsumer, plan: &PushPlan, stop: &Stop) {
    while consumer.assigned_queues().is_empty() && !stop.is_stopped() {
        let _ = consumer.subscribe(&plan.topic, &plan.filter).await;
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_millis(200)) => {}
            _ = stop.wait() => {}
        }
    }
}

/// `--drain`: stops once the consumer's offset on every queue of `ends` reached that end
/// (checked every 20 ms). Offsets move past messages a tag filter drops, so this works
/// with a filter, where counting could not.
pub async fn watch_drain(consumer: &PushConsumer, ends: &[(MessageQueue, i64)], stop: &Stop) {
    if ends.is_empty() {
        stop.stop();
        return;
    }
    loop {
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_millis(20)) => {}
            _ = stop.wait() => return,
        }
        let info = consumer.running_info();
        let done = ends.iter().all(|(mq, end)| {
            info.mq_table
                .get(mq)
                .is_some_and(|q| q.commit_offset >= *end)
        });
        if done {
            stop.stop();
            return;
        }
    }
}
