//! The push consumer's SubBefore / SubAfter trace records (Java
//! `ConsumeMessageTraceHookImpl`): one pair per listener call, one record per message,
//! paired by a request id; messages of the trace topic itself are not traced.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use cometmq_remoting::clock::now_ms;
use cometmq_remoting::message::{create_uniq_key, property};

use crate::message::MessageExt;
use crate::trace::{TraceBean, TraceContext, TraceDispatcher, TraceType, DEFAULT_REGION};

/// The dispatcher a consumer's listener calls trace to, set when the consumer starts.
pub(crate) type TraceSlot = Arc<OnceLock<Arc<TraceDispatcher>>>;

/// Java `ConsumeReturnType` ordinals.
const SUCCESS: i32 = 0;
const FAILED: i32 = 4;

/// Queues the SubBefore records of a listener call on `msgs` by `group`; returns the
/// context SubAfter completes, or `None` if nothing is traced.
pub(crate) fn before(
    trace: &TraceDispatcher,
    group: &str,
    msgs: &[MessageExt],
) -> Option<TraceContext> {
    let beans: Vec<TraceBean> = msgs
        .iter()
        .filter(|m| m.topic != trace.topic())
        .map(|m| TraceBean {
            topic: m.topic.clone(),
            msg_id: m.msg_id().into_owned(),
            tags: m.tags().unwrap_or("null").to_owned(),
            keys: m.keys().unwrap_or("null").to_owned(),
            store_time: m.store_timestamp,
            body_length: i32::try_from(m.body.len()).unwrap_or(i32::MAX),
            store_host: m.store_host.to_string(),
            retry_times: m.reconsume_times,
            ..TraceBean::default()
        })
        .collect();
    let first = msgs.iter().find(|m| m.topic != trace.topic())?;
    let ctx = TraceContext {
        trace_type: TraceType::SubBefore,
        time_stamp: now_ms(),
        region_id: first
            .properties
            .get(property::MSG_REGION)
            .unwrap_or(DEFAULT_REGION)
            .to_owned(),
        group_name: group.to_owned(),
        request_id: create_uniq_key(),
        beans,
        ..TraceContext::default()
    };
    trace.append(ctx.clone());
    Some(ctx)
}

/// Queues the SubAfter records of the call `before` began, which succeeded or not after
/// `took`.
pub(crate) fn after(trace: &TraceDispatcher, mut ctx: TraceContext, success: bool, took: Duration) {
    let n = ctx.beans.len().max(1) as u128;
    ctx.trace_type = TraceType::SubAfter;
    ctx.cost_time = i32::try_from(took.as_millis() / n).unwrap_or(i32::MAX);
    ctx.success = success;
    ctx.context_code = if ctx.success { SUCCESS } else { FAILED };
    ctx.time_stamp = now_ms();
    trace.append(ctx);
}
