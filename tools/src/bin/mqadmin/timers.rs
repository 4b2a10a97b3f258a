//! timerMetrics (CometMQ's; Java's mqadmin has no timer command): pending timer messages
//! per topic, from GET_TIMER_METRICS, and each broker's timer progress from its runtime
//! info (`timerReadBehind`, `timerOffsetBehind`, `timerCongestNum`, which Java's
//! brokerStatus shows too).

use std::collections::BTreeMap;

use clap::{ArgGroup, Args};
use cometmq_client::admin::{Admin, BrokerTarget};
use cometmq_client::{ClientError, Result};
use serde_json::json;

use crate::output::{table, Report};

/// Pending timer messages per topic, on one broker or every master of a cluster.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("target").required(true).args(["broker_addr", "cluster"])))]
pub struct TimerMetrics {
    /// Broker address (ip:port).
    #[arg(short = 'b', long = "brokerAddr")]
    broker_addr: Option<String>,
    /// Every master of this cluster.
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
}

impl TimerMetrics {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let target = match (&self.broker_addr, &self.cluster) {
            (Some(a), _) => BrokerTarget::Addr(a.clone()),
            (None, Some(c)) => BrokerTarget::Cluster(c.clone()),
            (None, None) => {
                return Err(ClientError::invalid(
                    "arguments",
                    "give -b brokerAddr or -c clusterName",
                ))
            }
        };
        let mut rows = Vec::new();
        let mut all = BTreeMap::new();
        let mut progress = Vec::new();
        for addr in admin.target_addrs(&target).await? {
            let metrics = admin.timer_metrics(&addr).await?;
            let runtime = admin.broker_runtime_info(&addr).await?;
            let get = |k: &str| runtime.get(k).cloned().unwrap_or_default();
            progress.push(format!(
                "{addr}: {} pending in the wheel, delivery {} s behind, {} not yet enqueued",
                get("timerCongestNum"),
                get("timerReadBehind"),
                get("timerOffsetBehind")
            ));
            for (topic, m) in &metrics.timing_count {
                rows.push(vec![addr.clone(), topic.clone(), m.count.to_string()]);
            }
            all.insert(
                addr,
                json!({ "timingCount": metrics.timing_count, "runtime": {
                    "timerCongestNum": get("timerCongestNum"),
                    "timerReadBehind": get("timerReadBehind"),
                    "timerOffsetBehind": get("timerOffsetBehind"),
                }}),
            );
        }
        let text = format!(
            "{}\n{}",
            table(&["Broker", "Topic", "Pending"], rows),
            progress.join("\n")
        );
        Ok(Report::new(text, all))
    }
}
