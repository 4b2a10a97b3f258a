//! The producer's Pub trace records (Java `SendMessageTraceHookImpl`): one per send
//! attempt that got an answer, unless the message goes to the trace topic itself, is a
//! batch, or its broker turned tracing off.

use cometmq_remoting::clock::now_ms;
use cometmq_remoting::message::{property, Properties};

use super::builder::ProducerSettings;
use super::send::Prepared;
use super::{SendResult, SendStatus};
use crate::trace::{TraceBean, TraceContext, TraceDispatcher, TraceType};

/// Java `MessageType` ordinals.
const NORMAL: i32 = 0;
const TRANS_HALF: i32 = 1;
const DELAY: i32 = 3;

/// Queues the Pub record of a send to `addr` that began at `began` (ms).
pub(super) fn record_send(
    trace: &TraceDispatcher,
    s: &ProducerSettings,
    p: &Prepared,
    addr: &str,
    began: i64,
    r: &SendResult,
) {
    if p.batch || p.topic == trace.topic() || !r.trace_on {
        return;
    }
    let props = Properties::parse_str(&p.properties);
    let msg_type = if props.get(property::TRAN_MSG) == Some("true") {
        TRANS_HALF
    } else if props.get(property::DELAY).is_some_and(|d| d != "0") {
        DELAY
    } else {
        NORMAL
    };
    let text = |name| props.get(name).unwrap_or("null").to_owned();
    trace.append(TraceContext {
        trace_type: TraceType::Pub,
        time_stamp: began,
        region_id: r.region_id.clone(),
        group_name: s.group.clone(),
        cost_time: i32::try_from(now_ms() - began).unwrap_or(i32::MAX),
        success: r.status == SendStatus::SendOk,
        beans: vec![TraceBean {
            topic: p.topic.clone(),
            msg_id: r.msg_id.clone(),
            offset_msg_id: r.offset_msg_id.clone(),
            tags: text(property::TAGS),
            keys: text(property::KEYS),
            store_host: addr.to_owned(),
            body_length: i32::try_from(p.body.len()).unwrap_or(i32::MAX),
            msg_type,
            ..TraceBean::default()
        }],
        ..TraceContext::default()
    });
}
