//! queryMsgTraceById: what the trace topic says happened to a message.

use clap::Args;
use cometmq_client::admin::time::human;
use cometmq_client::admin::Admin;
use cometmq_client::trace::{TraceType, TRACE_TOPIC};
use cometmq_client::Result;

use crate::output::Report;

/// Show the trace of a message (Java's flags: -i msgId, -t traceTopic).
#[derive(Args, Debug)]
pub struct QueryMsgTraceById {
    /// Message id.
    #[arg(short = 'i', long = "msgId")]
    id: String,
    /// The trace topic.
    #[arg(short = 't', long = "traceTopic", default_value = TRACE_TOPIC)]
    trace_topic: String,
}

impl QueryMsgTraceById {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let events = admin
            .query_msg_trace_by_id(&self.trace_topic, self.id.trim())
            .await?;
        // Java's layout: the sends, then each consumer group's consumptions.
        let row = |kind: &str, e: &cometmq_client::admin::TraceEvent| {
            let c = &e.context;
            format!(
                "{:<10} {:<20} {:<20} {:<20} {:<10} {:<10}\n",
                kind,
                c.group_name,
                e.client_host,
                human(c.time_stamp),
                format!("{}ms", c.cost_time),
                if c.success { "success" } else { "failed" }
            )
        };
        let mut text = format!(
            "{:<10} {:<20} {:<20} {:<20} {:<10} {:<10}\n",
            "#Type", "#ProducerGroup", "#ClientHost", "#SendTime", "#CostTimes", "#Status"
        );
        for e in events
            .iter()
            .filter(|e| e.context.trace_type == TraceType::Pub)
        {
            text.push_str(&row("Pub", e));
        }
        text.push('\n');
        text.push_str(&format!(
            "{:<10} {:<20} {:<20} {:<20} {:<10} {:<10}\n",
            "#Type", "#ConsumerGroup", "#ClientHost", "#ConsumerTime", "#CostTimes", "#Status"
        ));
        for e in events
            .iter()
            .filter(|e| e.context.trace_type != TraceType::Pub)
        {
            let kind = match e.context.trace_type {
                TraceType::SubBefore => "SubBefore",
                TraceType::SubAfter => "Sub",
                _ => "EndTx",
            };
            text.push_str(&row(kind, e));
        }
        Ok(Report::new(text, &events))
    }
}
