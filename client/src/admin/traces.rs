//! queryMsgTraceById: the trace records of a message, read from the trace topic.

use serde::Serialize;

use super::Admin;
use crate::error::Result;
use crate::trace::{decode, TraceContext, TraceType};

/// Trace messages read per query (Java `QueryMsgTraceByIdSubCommand`: 64).
const MAX_TRACE_MESSAGES: i32 = 64;

/// One trace event of a message (Java `TraceView`): the record, and the address of the
/// client that wrote it (the trace message's born host).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceEvent {
    /// The decoded record (its first message is the one asked for).
    #[serde(flatten)]
    pub context: TraceContext,
    /// The client that wrote the record (`ip:port`).
    pub client_host: String,
    /// When the trace message was stored, ms.
    pub stored_at: i64,
}

impl Admin {
    /// `queryMsgTraceById`: every trace record of message `msg_id` in `trace_topic`
    /// (QUERY_MESSAGE by key, as Java's tool does), in time order; no trace is an empty
    /// list.
    pub async fn query_msg_trace_by_id(
        &self,
        trace_topic: &str,
        msg_id: &str,
    ) -> Result<Vec<TraceEvent>> {
        let found = self
            .query_index(trace_topic, msg_id, MAX_TRACE_MESSAGES, 0, i64::MAX, false)
            .await?;
        let mut out = Vec::new();
        for m in found {
            let text = String::from_utf8_lossy(&m.body);
            for ctx in decode(&text) {
                if ctx.beans.first().is_some_and(|b| b.msg_id == msg_id) {
                    out.push(TraceEvent {
                        context: ctx,
                        client_host: m.born_host.to_string(),
                        stored_at: m.store_timestamp,
                    });
                }
            }
        }
        out.sort_by_key(|e| (e.context.time_stamp, order(e.context.trace_type)));
        Ok(out)
    }
}

fn order(t: TraceType) -> u8 {
    match t {
        TraceType::Pub => 0,
        TraceType::EndTransaction => 1,
        TraceType::SubBefore => 2,
        TraceType::SubAfter => 3,
    }
}
