//! The consumer load: one long-polling pull loop per queue (PULL_MESSAGE with the SUSPEND,
//! SUBSCRIPTION and COMMIT_OFFSET flags), all on one pooled connection per broker.
//!
//! Each pull answer is decoded (bodies stay zero-copy slices of the response); every
//! message that passes the tag filter counts once (offsets only move forward) and gives
//! one end-to-end latency sample: arrival time − born time. The group's offsets are
//! committed with the next pull, so `mqadmin consumerProgress` shows the run.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cometmq_client::MessageQueue;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{PullMessageRequestHeader, PullMessageResponseHeader};
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

/// When the consumer should stop by itself: after `target` messages (`u64::MAX`: never).
#[derive(Debug)]
pub struct Target(AtomicU64);

impl Target {
    pub fn new(n: Option<u64>) -> Self {
        Target(AtomicU64::new(n.unwrap_or(u64::MAX)))
    }

    /// Sets the target and stops at once if it is already reached.
    pub fn set(&self, n: u64, side: &Side, stop: &Stop) {
        self.0.store(n, Ordering::SeqCst);
        self.check(side, stop);
    }

    fn check(&self, side: &Side, stop: &Stop) {
        if side.ok.load(Ordering::SeqCst) >= self.0.load(Ordering::SeqCst) {
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
                let mut got = 0u64;
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
                    side.latency.record(arrived.saturating_sub(born_us));
                    got += 1;
                }
                side.ok.fetch_add(got, Ordering::SeqCst);
                target.check(side, stop);
                offset = offset.max(next);
            }
            response::PULL_NOT_FOUND
            | response::PULL_RETRY_IMMEDIATELY
            | response::PULL_OFFSET_MOVED => {
                if let Ok(next) = next {
                    offset = next.max(0);
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
        side.ok.store(5, Ordering::SeqCst);
        t.check(&side, &stop);
        assert!(!stop.is_stopped());
        t.set(6, &side, &stop);
        assert!(!stop.is_stopped());
        side.ok.store(6, Ordering::SeqCst);
        t.check(&side, &stop);
        assert!(stop.is_stopped());
    }
}
