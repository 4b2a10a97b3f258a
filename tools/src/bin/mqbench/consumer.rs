//! The `--pull-loop` consumer load: one long-polling pull loop per queue (PULL_MESSAGE with
//! the SUSPEND, SUBSCRIPTION and COMMIT_OFFSET flags), all on one pooled connection per
//! broker, with no rebalancing and no consume service: the broker's pull path with as
//! little client work as possible. Also the stop conditions ([`Target`]) both consumers
//! share.
//!
//! Each pull answer is decoded (bodies stay zero-copy slices of the response); every
//! message that passes the tag filter counts once (offsets only move forward) and gives
//! one end-to-end latency sample: arrival time − born time. The group's offsets are
//! committed with the next pull, so `mqadmin consumerProgress` shows the run.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cometmq_client::MessageQueue;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    PullMessageRequestHeader, PullMessageResponseHeader, UpdateConsumerOffsetRequestHeader,
};
use cometmq_remoting::message::decode_records;
use cometmq_remoting::transport::RemotingClient;
use cometmq_remoting::RemotingCommand;

use crate::stats::Side;
use crate::Stop;

/// One queue to pull, from its broker, starting at `offset`.
#[derive(Debug, Clone)]
pub struct QueueStart {
    pub mq: MessageQueue,
    pub addr: String,
    pub offset: i64,
    /// `--drain`: the queue's end when the run started; the queue is done once it gets
    /// there.
    pub end: Option<i64>,
}

impl QueueStart {
    /// Whether this queue has a backlog to drain.
    pub fn has_backlog(&self) -> bool {
        self.end.is_some_and(|e| e > self.offset)
    }
}

/// How to pull.
#[derive(Debug, Clone)]
pub struct PullPlan {
    pub group: String,
    /// The tag expression sent to the broker.
    pub filter: String,
    /// The tags the broker's hash-code filter is checked against again; empty for `*`.
    pub tags: HashSet<String>,
    pub batch: i32,
    pub suspend: Duration,
    pub timeout: Duration,
}

impl PullPlan {
    pub fn new(
        group: String,
        filter: String,
        batch: i32,
        suspend: Duration,
        timeout: Duration,
    ) -> Self {
        let tags = tag_set(&filter);
        PullPlan {
            group,
            filter,
            tags,
            batch,
            suspend,
            timeout,
        }
    }
}

/// The tags of an expression (`a || b`); empty for `*` or blank.
pub fn tag_set(expression: &str) -> HashSet<String> {
    let e = expression.trim();
    if e.is_empty() || e == "*" {
        return HashSet::new();
    }
    e.split("||")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// When the consumer stops by itself: after `-q` messages (counting no more than that),
/// once the messages the producer sent have all arrived (`all`), or once every queue with
/// a backlog has been read to its end (`--drain`). `u64::MAX` means no such condition.
#[derive(Debug)]
pub struct Target {
    limit: AtomicU64,
    expected: AtomicU64,
    queues_left: AtomicUsize,
}

impl Target {
    /// Stops after `limit` messages, if given.
    pub fn new(limit: Option<u64>) -> Self {
        Target {
            limit: AtomicU64::new(limit.unwrap_or(u64::MAX)),
            expected: AtomicU64::new(u64::MAX),
            queues_left: AtomicUsize::new(usize::MAX),
        }
    }

    /// Also stops once `queues` queues are drained; at once if there are none.
    pub fn drain(&self, queues: usize, stop: &Stop) {
        self.queues_left.store(queues, Ordering::SeqCst);
        if queues == 0 {
            stop.stop();
        }
    }

    /// Also stops once `n` messages have arrived (at once if they have).
    pub fn expect(&self, n: u64, side: &Side, stop: &Stop) {
        self.expected.store(n, Ordering::SeqCst);
        self.check(side, stop);
    }

    /// Counts `n` arrived messages, no more than the limit allows; returns how many counted.
    pub fn count(&self, n: u64, side: &Side) -> u64 {
        let limit = self.limit.load(Ordering::SeqCst);
        let mut counted = 0;
        let _ = side
            .ok
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |ok| {
                counted = limit.saturating_sub(ok).min(n);
                Some(ok + counted)
            });
        counted
    }

    pub fn check(&self, side: &Side, stop: &Stop) {
        let until = self
            .limit
            .load(Ordering::SeqCst)
            .min(self.expected.load(Ordering::SeqCst));
        if side.ok.load(Ordering::SeqCst) >= until {
            stop.stop();
        }
    }

    fn queue_drained(&self, stop: &Stop) {
        if self.queues_left.fetch_sub(1, Ordering::SeqCst) == 1 {
            stop.stop();
        }
    }
}

/// Pulls every queue until `stop`; returns how long it ran.
pub async fn run(
    client: Arc<RemotingClient>,
    queues: Vec<QueueStart>,
    plan: Arc<PullPlan>,
    stop: &Stop,
    side: &Arc<Side>,
    target: &Arc<Target>,
) -> Duration {
    let started = Instant::now();
    let tasks: Vec<_> = queues
        .into_iter()
        .map(|q| {
            let (client, plan, stop, side, target) = (
                client.clone(),
                plan.clone(),
                stop.clone(),
                side.clone(),
                target.clone(),
            );
            tokio::spawn(async move { pull_queue(&client, q, &plan, &stop, &side, &target).await })
        })
        .collect();
    for t in tasks {
        if let Err(e) = t.await {
            side.fail(0, &format!("a pull task died: {e}"));
        }
    }
    started.elapsed()
}

/// Microseconds since the epoch.
fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

async fn pull_queue(
    client: &RemotingClient,
    q: QueueStart,
    plan: &PullPlan,
    stop: &Stop,
    side: &Side,
    target: &Target,
) {
    let mut header = PullMessageRequestHeader {
        consumer_group: plan.group.clone(),
        topic: q.mq.topic.clone(),
        queue_id: q.mq.queue_id,
        queue_offset: q.offset,
        max_msg_nums: plan.batch,
        sys_flag: 0,
        commit_offset: 0,
        suspend_timeout_millis: i64::try_from(plan.suspend.as_millis()).unwrap_or(i64::MAX),
        subscription: Some(plan.filter.clone()),
        sub_version: 0,
        expression_type: Some("TAG".into()),
        max_msg_bytes: None,
    };
    let wait = plan.suspend + plan.timeout;
    // The next offset to count: a message below it was counted already.
    let mut offset = q.offset.max(0);
    let mut draining = q.has_backlog();
    // End-to-end latencies of one pull's messages (reused: no allocation per message).
    let mut samples: Vec<u64> = Vec::with_capacity(usize::try_from(plan.batch).unwrap_or(32));
    while !stop.is_stopped() {
        header.queue_offset = offset;
        header.commit_offset = offset;
        header.sys_flag = PullMessageRequestHeader::FLAG_SUSPEND
            | PullMessageRequestHeader::FLAG_SUBSCRIPTION
            | if offset > 0 {
                PullMessageRequestHeader::FLAG_COMMIT_OFFSET
            } else {
                0
            };
        let req = RemotingCommand::request_with_header(request::PULL_MESSAGE, &header);
        let resp = tokio::select! {
            r = client.invoke(&q.addr, req, wait) => r,
            _ = stop.wait() => break,
        };
        let resp = match resp {
            Ok(r) => r,
            Err(e) => {
                side.fail(
                    1,
                    &format!("PULL_MESSAGE to {} ({}) failed: {e}", q.addr, q.mq),
                );
                pause(stop, Duration::from_millis(200)).await;
                continue;
            }
        };
        let next = resp
            .decode_header::<PullMessageResponseHeader>()
            .map(|h| h.next_begin_offset);
        match resp.code {
            response::SUCCESS => {
                let Ok(next) = next else {
                    side.fail(
                        1,
                        &format!("PULL_MESSAGE to {}: bad response header", q.addr),
                    );
                    pause(stop, Duration::from_millis(200)).await;
                    continue;
                };
                let arrived = now_us();
                samples.clear();
                for m in decode_records(resp.body.to_bytes()) {
                    let m = match m {
                        Ok(m) => m,
                        Err(e) => {
                            side.fail(1, &format!("bad message from {} ({}): {e}", q.addr, q.mq));
                            break;
                        }
                    };
                    if m.queue_offset < offset {
                        continue;
                    }
                    if !plan.tags.is_empty() && !m.tags().is_some_and(|t| plan.tags.contains(t)) {
                        continue;
                    }
                    let born_us = u64::try_from(m.born_timestamp)
                        .unwrap_or(0)
                        .saturating_mul(1000);
                    samples.push(arrived.saturating_sub(born_us));
                }
                let counted = target.count(samples.len() as u64, side);
                for &e2e in samples.iter().take(usize::try_from(counted).unwrap_or(0)) {
                    side.latency.record(e2e);
                }
                target.check(side, stop);
                offset = offset.max(next);
                if draining && q.end.is_some_and(|e| offset >= e) {
                    draining = false;
                    target.queue_drained(stop);
                }
            }
            response::PULL_NOT_FOUND
            | response::PULL_RETRY_IMMEDIATELY
            | response::PULL_OFFSET_MOVED => {
                if let Ok(next) = next {
                    offset = next.max(0);
                }
                if draining && q.end.is_some_and(|e| offset >= e) {
                    draining = false;
                    target.queue_drained(stop);
                }
            }
            // A topic the broker creates on the first send (`all` with auto-creation).
            response::TOPIC_NOT_EXIST => pause(stop, Duration::from_millis(50)).await,
            code => {
                let remark = resp.remark.as_deref().unwrap_or("");
                side.fail(
                    1,
                    &format!(
                        "PULL_MESSAGE to {} ({}) failed: {} ({code}): {remark}",
                        q.addr,
                        q.mq,
                        response::name(code).unwrap_or("UNKNOWN")
                    ),
                );
                pause(stop, Duration::from_secs(1)).await;
            }
        }
    }
    // The last pull's messages are committed by no later pull: commit them now, so that
    // `mqadmin consumerProgress` shows where the run ended.
    if offset > q.offset.max(0) {
        let h = UpdateConsumerOffsetRequestHeader {
            consumer_group: plan.group.clone(),
            topic: q.mq.topic.clone(),
            queue_id: q.mq.queue_id,
            commit_offset: offset,
        };
        let req = RemotingCommand::request_with_header(request::UPDATE_CONSUMER_OFFSET, &h);
        let _ = client
            .invoke(&q.addr, req, plan.timeout.min(Duration::from_secs(1)))
            .await;
    }
}

/// Sleeps `d`, or less if stopped.
async fn pause(stop: &Stop, d: Duration) {
    tokio::select! {
        _ = tokio::time::sleep(d) => {}
        _ = stop.wait() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_sets() {
        assert!(tag_set("*").is_empty());
        assert!(tag_set(" ").is_empty());
        let t = tag_set("tag0 || tag1||tag2");
        assert_eq!(t.len(), 3);
        assert!(t.contains("tag1"));
    }

    #[test]
    fn target_stops_when_reached() {
        let side = Side::default();
        let stop = Stop::new();
        let t = Target::new(None);
        assert_eq!(t.count(5, &side), 5);
        t.check(&side, &stop);
        assert!(!stop.is_stopped());
        t.expect(6, &side, &stop);
        assert!(!stop.is_stopped());
        assert_eq!(t.count(3, &side), 3, "expected counts are not a cap");
        t.check(&side, &stop);
        assert!(stop.is_stopped());

        let side = Side::default();
        let stop = Stop::new();
        let t = Target::new(Some(10));
        assert_eq!(t.count(8, &side), 8);
        t.check(&side, &stop);
        assert!(!stop.is_stopped());
        assert_eq!(t.count(8, &side), 2, "-q is a cap");
        assert_eq!(side.ok.load(Ordering::SeqCst), 10);
        t.check(&side, &stop);
        assert!(stop.is_stopped());

        let stop = Stop::new();
        let t = Target::new(None);
        t.drain(2, &stop);
        t.queue_drained(&stop);
        assert!(!stop.is_stopped());
        t.queue_drained(&stop);
        assert!(stop.is_stopped());
        let stop = Stop::new();
        Target::new(None).drain(0, &stop);
        assert!(stop.is_stopped(), "nothing to drain");
    }
}
