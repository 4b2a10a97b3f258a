//! Offset commands: resetOffsetByTime, cloneGroupOffset.

use clap::Args;
use cometmq_client::admin::time::human;
use cometmq_client::admin::Admin;
use cometmq_client::Result;
use serde_json::json;

use crate::messages::timestamp;
use crate::output::{table, Report};

/// Move a group's offsets on a topic to a point in time.
#[derive(Args, Debug)]
pub struct ResetOffsetByTime {
    /// Consumer group.
    #[arg(short = 'g', long = "group")]
    group: String,
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// `now`, epoch ms, or yyyy-MM-dd#HH:mm:ss:SSS (UTC).
    #[arg(short = 's', long = "timestamp", value_parser = timestamp)]
    timestamp: i64,
    /// Broker address (accepted for compatibility).
    #[arg(short = 'b', long = "broker")]
    _broker: Option<String>,
    /// Only this queue.
    #[arg(short = 'q', long = "queue")]
    queue: Option<i32>,
    /// With -q: reset to this offset instead.
    #[arg(short = 'o', long = "offset")]
    offset: Option<i64>,
    /// Also move offsets forward (true|false; default true).
    #[arg(short = 'f', long = "force", num_args = 0..=1, default_missing_value = "true")]
    force: Option<bool>,
}

/// Copy one group's offsets on a topic to another group.
#[derive(Args, Debug)]
pub struct CloneGroupOffset {
    /// Source group.
    #[arg(short = 's', long = "srcGroup")]
    src: String,
    /// Destination group.
    #[arg(short = 'd', long = "destGroup")]
    dest: String,
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// The source group is offline (true|false).
    #[arg(short = 'o', long = "offline", num_args = 0..=1, default_missing_value = "true")]
    offline: Option<bool>,
}

impl ResetOffsetByTime {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let force = self.force.unwrap_or(true);
        let r = admin
            .reset_offset_by_time(
                &self.group,
                &self.topic,
                self.timestamp,
                force,
                self.queue,
                self.offset,
            )
            .await?;
        let head = format!(
            "rollback consumer offset by specified group[{}], topic[{}], force[{force}], timestamp(string)[{}], timestamp(long)[{}]",
            r.group,
            r.topic,
            human(r.timestamp),
            r.timestamp
        );
        let body = if r.legacy {
            table(
                &[
                    "brokerName",
                    "queueId",
                    "consumerOffset",
                    "timestampOffset",
                    "resetOffset",
                ],
                r.entries.iter().map(|e| {
                    vec![
                        e.queue.broker_name.clone(),
                        e.queue.queue_id.to_string(),
                        e.consumer_offset.unwrap_or_default().to_string(),
                        e.timestamp_offset.unwrap_or_default().to_string(),
                        e.offset.to_string(),
                    ]
                }),
            )
        } else {
            table(
                &["brokerName", "queueId", "offset"],
                r.entries.iter().map(|e| {
                    vec![
                        e.queue.broker_name.clone(),
                        e.queue.queue_id.to_string(),
                        e.offset.to_string(),
                    ]
                }),
            )
        };
        Ok(Report::new(format!("{head}\n{body}"), r))
    }
}

impl CloneGroupOffset {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let brokers = admin
            .clone_group_offset(
                &self.src,
                &self.dest,
                &self.topic,
                self.offline.unwrap_or(false),
            )
            .await?;
        Ok(Report::done(
            format!(
                "clone group offset success. srcGroup[{}], destGroup=[{}], topic[{}]",
                self.src, self.dest, self.topic
            ),
            json!({ "srcGroup": self.src, "destGroup": self.dest, "topic": self.topic, "brokers": brokers }),
        ))
    }
}
