//! The pull task of one assigned queue (Java `DefaultMQPushConsumerImpl.pullMessage` and
//! `PullCallback`): flow control, a long-polling PULL_MESSAGE, and what each status means.
//!
//! | status | next offset | then |
//! |---|---|---|
//! | FOUND | `nextBeginOffset` | messages go to the process queue and the dispatcher |
//! | NO_NEW_MSG / NO_MATCHED_MSG | `nextBeginOffset` | if nothing is cached, the stored offset moves there |
//! | OFFSET_ILLEGAL | `nextBeginOffset` | the queue is dropped, its offset stored, and the rebalance starts it again |
//! | error | unchanged | retry after `pull_delay_on_exception` |

use std::sync::Arc;
use std::time::{Duration, Instant};

use cometmq_remoting::body::client::ConsumeType;
use cometmq_remoting::body::MASTER_ID;
use cometmq_remoting::message::property;

use super::core::{Command, ConsumerCore};
use super::offset_store::ReadOffsetType;
use super::process_queue::ProcessQueue;
use super::pull_api::{pull, PullArgs};
use super::settings::retry_topic;
use super::{PullResult, PullStatus};
use crate::error::Result;
use crate::message::{MessageExt, MessageQueue};

/// What to do after one step.
enum Next {
    Now,
    After(Duration),
    Stop,
}

/// Pulls `mq` from `offset` until `pq` is dropped or the consumer stops.
pub(crate) async fn run(
    core: Arc<ConsumerCore>,
    mq: MessageQueue,
    pq: Arc<ProcessQueue>,
    mut offset: i64,
) {
    let mut broker_id = MASTER_ID;
    let mut flow_logged = 0u64;
    loop {
        if pq.is_dropped() || core.is_stopped() {
            return;
        }
        let next = step(
            &core,
            &mq,
            &pq,
            &mut offset,
            &mut broker_id,
            &mut flow_logged,
        )
        .await;
        let delay = match next {
            Next::Now => continue,
            Next::Stop => return,
            Next::After(d) => d,
        };
        tokio::select! {
            _ = core.stopped() => return,
            _ = pq.dropped() => return,
            _ = tokio::time::sleep(delay) => {}
        }
    }
}

async fn step(
    core: &Arc<ConsumerCore>,
    mq: &MessageQueue,
    pq: &Arc<ProcessQueue>,
    offset: &mut i64,
    broker_id: &mut i64,
    flow_logged: &mut u64,
) -> Next {
    let s = &core.settings;
    pq.touch_pull();
    let over_count = pq.count() > s.pull_threshold_for_queue;
    let over_size = pq.bytes() > s.pull_threshold_size_for_queue;
    let over_span = core.consume_type == ConsumeType::Passively
        && !core.orderly
        && pq.max_span() > s.consume_concurrently_max_span;
    if over_count || over_size || over_span {
        *flow_logged += 1;
        if *flow_logged % 1000 == 1 {
            tracing::info!(group = %core.group(), %mq, count = pq.count(), bytes = pq.bytes(), span = pq.max_span(), "flow control: pulling later");
        }
        return Next::After(s.pull_delay_on_flow_control);
    }
    if core.needs_locks() && !pq.is_locked() {
        return Next::After(s.pull_delay_on_exception);
    }
    let Some(sub) = core.subscription(&mq.topic) else {
        return Next::After(s.pull_delay_on_exception);
    };
    let push = core.consume_type == ConsumeType::Passively;
    let commit_offset = if push && s.is_clustering() {
        core.offsets
            .read(mq, ReadOffsetType::Memory)
            .await
            .ok()
            .flatten()
            .filter(|o| *o > 0)
    } else {
        None
    };
    let args = PullArgs {
        group: core.group(),
        mq,
        subscription: &sub,
        post_subscription: !push || s.post_subscription_when_pull,
        offset: *offset,
        max_nums: s.pull_batch_size,
        commit_offset,
        suspend: s.broker_suspend_max_time,
        lite: !push,
        timeout: s.consumer_timeout_when_suspend,
        broker_id: *broker_id,
    };
    let started = Instant::now();
    let result: Result<PullResult> = tokio::select! {
        _ = core.stopped() => return Next::Stop,
        _ = pq.dropped() => return Next::Stop,
        r = pull(&core.instance, args) => r,
    };
    let rt = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let r = match result {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(group = %core.group(), %mq, offset = *offset, error = %e, "pull failed");
            return Next::After(s.pull_delay_on_exception);
        }
    };
    *broker_id = r.suggest_which_broker_id;
    match r.status {
        PullStatus::Found => {
            *offset = r.next_begin_offset;
            core.stats.pulled(&mq.topic, r.messages.len(), rt);
            if r.messages.is_empty() || pq.is_dropped() {
                return Next::Now;
            }
            let msgs = restore_retry_topics(core.group(), r.messages);
            pq.put_messages(msgs.clone());
            core.dispatch.submit(core, mq, pq, msgs);
            Next::Now
        }
        PullStatus::NoNewMsg | PullStatus::NoMatchedMsg => {
            *offset = r.next_begin_offset;
            if push && pq.count() == 0 && !pq.is_dropped() {
                core.offsets.update(mq, *offset, true);
            }
            Next::Now
        }
        PullStatus::OffsetIllegal => {
            tracing::warn!(group = %core.group(), %mq, offset = *offset, next = r.next_begin_offset, "offset illegal, restarting the queue");
            pq.set_dropped();
            core.offsets.update_and_freeze(mq, r.next_begin_offset);
            if let Err(e) = core.offsets.persist_confirmed(mq).await {
                tracing::warn!(group = %core.group(), %mq, error = %e, "persisting the corrected offset failed");
            }
            core.command(Command::Forget {
                mq: mq.clone(),
                pq: pq.clone(),
            });
            Next::Stop
        }
    }
}

/// Messages of the group's retry topic get their original topic back (`RETRY_TOPIC`).
pub(crate) fn restore_retry_topics(group: &str, mut msgs: Vec<MessageExt>) -> Vec<MessageExt> {
    let retry = retry_topic(group);
    for m in &mut msgs {
        if m.topic != retry {
            continue;
        }
        if let Some(original) = m.property(property::RETRY_TOPIC).map(str::to_owned) {
            m.record_mut().topic = original;
        }
    }
    msgs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consumer::process_queue::tests::msg;

    #[test]
    fn retry_topics_are_restored() {
        let mut a = msg(1);
        a.record_mut().topic = "%RETRY%G".into();
        a.record_mut()
            .properties
            .insert(property::RETRY_TOPIC, "Orders");
        let mut b = msg(2);
        b.record_mut().topic = "%RETRY%Other".into();
        b.record_mut().properties.insert(property::RETRY_TOPIC, "X");
        let out = restore_retry_topics("G", vec![a, b, msg(3)]);
        let topics: Vec<_> = out.iter().map(|m| m.topic.as_str()).collect();
        assert_eq!(topics, ["Orders", "%RETRY%Other", "T"]);
    }
}
