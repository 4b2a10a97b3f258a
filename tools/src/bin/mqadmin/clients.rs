//! Consumer and producer commands: consumerProgress, statsAll, consumerStatus, consumerConnection,
//! producerConnection.

use clap::Args;
use cometmq_client::admin::clients::version_desc;
use cometmq_client::admin::Admin;
use cometmq_client::Result;
use cometmq_remoting::body::client::ConsumerRunningInfo;
use cometmq_remoting::body::Connection;
use serde_json::json;

use crate::output::{pairs, table, tps, when, Report};

/// A group's lag per queue and in total; without -g, a summary of every group.
#[derive(Args, Debug)]
pub struct ConsumerProgress {
    /// Consumer group.
    #[arg(short = 'g', long = "groupName")]
    group: Option<String>,
    /// Only this topic.
    #[arg(short = 't', long = "topicName")]
    topic: Option<String>,
    /// Show which client holds each queue (true|false).
    #[arg(short = 's', long = "showClientIP", num_args = 0..=1, default_missing_value = "true")]
    show_client_ip: Option<bool>,
    /// Cluster (accepted for compatibility).
    #[arg(short = 'c', long = "cluster")]
    _cluster: Option<String>,
}

/// Online consumers of a group and their running info.
#[derive(Args, Debug)]
pub struct ConsumerStatus {
    /// Consumer group.
    #[arg(short = 'g', long = "consumerGroup")]
    group: String,
    /// Only this client id.
    #[arg(short = 'i', long = "clientId")]
    client_id: Option<String>,
    /// Broker address (accepted for compatibility).
    #[arg(short = 'b', long = "brokerAddr")]
    _broker_addr: Option<String>,
    /// Ask for a stack dump (true|false).
    #[arg(short = 's', long = "jstack", num_args = 0..=1, default_missing_value = "true")]
    jstack: Option<bool>,
}

/// Online consumers of a group and their subscriptions.
#[derive(Args, Debug)]
pub struct ConsumerConnection {
    /// Consumer group.
    #[arg(short = 'g', long = "consumerGroup")]
    group: String,
    /// Broker address (accepted for compatibility).
    #[arg(short = 'b', long = "brokerAddr")]
    _broker_addr: Option<String>,
}

/// Online producers of a group.
#[derive(Args, Debug)]
pub struct ProducerConnection {
    /// Producer group.
    #[arg(short = 'g', long = "producerGroup")]
    group: String,
    /// A topic the producers send to.
    #[arg(short = 't', long = "topic")]
    topic: String,
}

fn connections(set: &[Connection]) -> String {
    table(
        &["Index", "ClientId", "ClientAddr", "Language", "Version"],
        set.iter().enumerate().map(|(i, c)| {
            vec![
                format!("{:03}", i + 1),
                c.client_id.clone(),
                c.client_addr.clone(),
                c.language.as_str().to_owned(),
                version_desc(c.version),
            ]
        }),
    )
}

impl ConsumerProgress {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let Some(group) = &self.group else {
            let groups = admin.consumer_groups_summary().await?;
            let text = table(
                &[
                    "Group",
                    "Count",
                    "Version",
                    "Type",
                    "Model",
                    "TPS",
                    "Diff Total",
                ],
                groups.iter().map(|g| {
                    vec![
                        g.group.clone(),
                        g.count.to_string(),
                        g.version.clone(),
                        g.consume_type.clone(),
                        g.message_model.clone(),
                        tps(g.consume_tps),
                        g.diff_total.to_string(),
                    ]
                }),
            );
            return Ok(Report::new(text, groups));
        };
        let show_ip = self.show_client_ip.unwrap_or(false);
        let p = admin
            .consumer_progress(group, self.topic.as_deref(), show_ip)
            .await?;
        let mut headers = vec![
            "Topic",
            "Broker Name",
            "QID",
            "Broker Offset",
            "Consumer Offset",
        ];
        if show_ip {
            headers.push("Client IP");
        }
        headers.extend(["Diff", "LastTime"]);
        let rows = p.queues.iter().map(|q| {
            let mut row = vec![
                q.queue.topic.clone(),
                q.queue.broker_name.clone(),
                q.queue.queue_id.to_string(),
                q.broker_offset.to_string(),
                q.consumer_offset.to_string(),
            ];
            if let Some(ip) = &q.client_ip {
                row.push(ip.clone());
            }
            row.extend([q.diff.to_string(), when(q.last_timestamp)]);
            row
        });
        let text = format!(
            "{}\n\nConsume TPS: {}\nConsume Diff Total: {}",
            table(&headers, rows),
            tps(p.consume_tps),
            p.diff_total
        );
        Ok(Report::new(text, p))
    }
}

fn running_info_text(info: &ConsumerRunningInfo) -> String {
    let mut out = vec![pairs(
        info.properties.iter().map(|(k, v)| (k.as_str(), v.clone())),
    )];
    out.push(String::new());
    out.push(table(
        &["Topic", "SubExpression", "Type"],
        info.subscription_set.iter().map(|s| {
            vec![
                s.topic.clone(),
                s.sub_string.clone(),
                s.expression_type.clone(),
            ]
        }),
    ));
    out.push(String::new());
    out.push(table(
        &[
            "Topic",
            "Broker Name",
            "QID",
            "Commit Offset",
            "Cached Msgs",
            "Locked",
            "Last Pull",
            "Last Consume",
        ],
        info.mq_table.iter().map(|(mq, pq)| {
            vec![
                mq.topic.clone(),
                mq.broker_name.clone(),
                mq.queue_id.to_string(),
                pq.commit_offset.to_string(),
                pq.cached_msg_count.to_string(),
                pq.locked.to_string(),
                when(pq.last_pull_timestamp),
                when(pq.last_consume_timestamp),
            ]
        }),
    ));
    if let Some(j) = &info.jstack {
        out.push(String::new());
        out.push(j.clone());
    }
    out.join("\n")
}

impl ConsumerStatus {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let jstack = self.jstack.unwrap_or(false);
        if let Some(id) = &self.client_id {
            let info = admin.consumer_running_info(&self.group, id, jstack).await?;
            return Ok(Report::new(running_info_text(&info), info));
        }
        let all = admin.consumer_status(&self.group, jstack).await?;
        let mut text = table(
            &["Index", "ClientId", "ClientAddr", "Version", "Status"],
            all.iter().enumerate().map(|(i, c)| {
                vec![
                    format!("{:03}", i + 1),
                    c.client_id.clone(),
                    c.client_addr.clone(),
                    c.version.clone(),
                    c.error.clone().unwrap_or_else(|| "OK".into()),
                ]
            }),
        );
        let subs: Vec<_> = all
            .iter()
            .filter_map(|c| c.running_info.as_ref())
            .map(|i| {
                i.subscription_set
                    .iter()
                    .map(|s| (s.topic.clone(), s.sub_string.clone()))
                    .collect::<std::collections::BTreeSet<_>>()
            })
            .collect();
        if subs.windows(2).all(|w| w[0] == w[1]) && !subs.is_empty() {
            text.push_str("\n\nSame subscription in the same group of consumer");
        } else if !subs.is_empty() {
            text.push_str("\n\nWARN: subscriptions differ within the group");
        }
        Ok(Report::new(text, all))
    }
}

impl ConsumerConnection {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let c = admin.consumer_connection(&self.group).await?;
        let subs = table(
            &["Index", "Topic", "SubExpression"],
            c.subscription_table.values().enumerate().map(|(i, s)| {
                vec![
                    format!("{:03}", i + 1),
                    s.topic.clone(),
                    s.sub_string.clone(),
                ]
            }),
        );
        let text = format!(
            "{}\n\nBelow is subscription:\n{}\n\n{}",
            connections(&c.connection_set),
            subs,
            pairs([
                ("ConsumeType", c.consume_type.as_str().to_owned()),
                ("MessageModel", c.message_model.as_str().to_owned()),
                ("ConsumeFromWhere", c.consume_from_where.as_str().to_owned()),
            ])
        );
        Ok(Report::new(text, c))
    }
}

impl ProducerConnection {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let p = admin.producer_connection(&self.group, &self.topic).await?;
        Ok(Report::new(
            connections(&p.connection_set),
            json!({ "group": self.group, "connectionSet": p.connection_set }),
        ))
    }
}

/// Every topic's put rate, and each consuming group's get rate and backlog.
#[derive(Args, Debug)]
pub struct StatsAll {
    /// Only topics with messages put or got over the last day.
    #[arg(short = 'a', long = "activeTopic")]
    active_topic: bool,
    /// Only this topic.
    #[arg(short = 't', long = "topic")]
    topic: Option<String>,
}

impl StatsAll {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let rows = admin
            .stats_all(self.topic.as_deref(), self.active_topic)
            .await?;
        let text = table(
            &[
                "Topic",
                "Consumer Group",
                "Accumulation",
                "InTPS",
                "OutTPS",
                "InMsg24Hour",
                "OutMsg24Hour",
            ],
            rows.iter().map(|r| {
                vec![
                    r.topic.clone(),
                    r.group.clone().unwrap_or_default(),
                    r.accumulation.to_string(),
                    tps(r.in_tps),
                    r.out_tps.map(tps).unwrap_or_default(),
                    r.in_msg_24_hour.to_string(),
                    r.out_msg_24_hour
                        .map_or_else(|| "NO_CONSUMER".to_owned(), |n| n.to_string()),
                ]
            }),
        );
        Ok(Report::new(text, rows))
    }
}
