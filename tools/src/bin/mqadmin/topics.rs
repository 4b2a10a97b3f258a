//! Topic commands: updateTopic, deleteTopic, topicList, topicRoute, topicStatus,
//! topicClusterList, updateOrderConf.

use clap::{ArgGroup, Args, ValueEnum};
use cometmq_client::admin::{Admin, BrokerTarget};
use cometmq_client::{ClientError, Result};
use cometmq_remoting::body::{topic_sys_flag, TopicConfig};
use serde_json::json;

use crate::output::{table, when, Report};

/// Create or update a topic.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("target").required(true).args(["broker_addr", "cluster"])))]
pub struct UpdateTopic {
    /// Topic name.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Create on this broker (ip:port).
    #[arg(short = 'b', long = "brokerAddr")]
    broker_addr: Option<String>,
    /// Create on every master of this cluster.
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
    /// Read queue count.
    #[arg(short = 'r', long = "readQueueNums", default_value_t = 8)]
    read_queue_nums: i32,
    /// Write queue count.
    #[arg(short = 'w', long = "writeQueueNums", default_value_t = 8)]
    write_queue_nums: i32,
    /// Permission: 2 write only, 4 read only, 6 read and write.
    #[arg(short = 'p', long = "perm", default_value_t = 6)]
    perm: i32,
    /// Ordered topic (true|false): also writes its ORDER_TOPIC_CONFIG.
    #[arg(short = 'o', long = "order", num_args = 0..=1, default_missing_value = "true")]
    order: Option<bool>,
    /// Unit topic (true|false).
    #[arg(short = 'u', long = "unit", num_args = 0..=1, default_missing_value = "true")]
    unit: Option<bool>,
    /// Has unit subscriptions (true|false).
    #[arg(short = 's', long = "hasUnitSub", num_args = 0..=1, default_missing_value = "true")]
    has_unit_sub: Option<bool>,
    /// 5.x attributes: `+key=value,+key2=value2`.
    #[arg(short = 'a', long = "attributes")]
    attributes: Option<String>,
}

/// Delete a topic from a cluster and the NameServers.
#[derive(Args, Debug)]
pub struct DeleteTopic {
    /// Topic name.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// The cluster to delete it from.
    #[arg(short = 'c', long = "clusterName")]
    cluster: String,
}

/// List topics; with -c, with their clusters and consumer groups.
#[derive(Args, Debug)]
pub struct TopicList {
    /// Show cluster and consumer group columns.
    #[arg(short = 'c', long = "clusterModel")]
    cluster_model: bool,
}

/// Print a topic's route.
#[derive(Args, Debug)]
pub struct TopicRoute {
    /// Topic name.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Print as a table instead of JSON.
    #[arg(short = 'l', long = "list")]
    list: bool,
}

/// Per-queue min/max offsets and last update time of a topic.
#[derive(Args, Debug)]
pub struct TopicStatus {
    /// Topic name.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Only queues of brokers in this cluster.
    #[arg(short = 'c', long = "cluster")]
    cluster: Option<String>,
}

/// The clusters a topic lives in.
#[derive(Args, Debug)]
pub struct TopicClusterList {
    /// Topic name.
    #[arg(short = 't', long = "topic")]
    topic: String,
}

/// What updateOrderConf does.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum OrderMethod {
    Put,
    Get,
    Delete,
}

/// Get, put or delete a topic's ORDER_TOPIC_CONFIG on the NameServers.
#[derive(Args, Debug)]
pub struct UpdateOrderConf {
    /// Topic name.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// put, get or delete.
    #[arg(short = 'm', long = "method", value_enum)]
    method: OrderMethod,
    /// For put: `brokerName:queueNums;brokerName2:queueNums`.
    #[arg(short = 'v', long = "orderConf")]
    order_conf: Option<String>,
}

fn target(addr: &Option<String>, cluster: &Option<String>) -> Result<BrokerTarget> {
    match (addr, cluster) {
        (Some(a), _) => Ok(BrokerTarget::Addr(a.clone())),
        (None, Some(c)) => Ok(BrokerTarget::Cluster(c.clone())),
        (None, None) => Err(ClientError::invalid(
            "arguments",
            "give -b brokerAddr or -c clusterName",
        )),
    }
}

impl UpdateTopic {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let mut config = TopicConfig::new(self.topic.clone(), self.write_queue_nums);
        config.read_queue_nums = self.read_queue_nums;
        config.perm = self.perm;
        config.order = self.order.unwrap_or(false);
        if self.unit.unwrap_or(false) {
            config.topic_sys_flag |= topic_sys_flag::UNIT;
        }
        if self.has_unit_sub.unwrap_or(false) {
            config.topic_sys_flag |= topic_sys_flag::UNIT_SUB;
        }
        for item in self.attributes.iter().flat_map(|a| a.split(',')) {
            let item = item.trim().trim_start_matches('+');
            let Some((k, v)) = item.split_once('=') else {
                return Err(ClientError::invalid(
                    "attributes",
                    format!("{item:?} is not +key=value"),
                ));
            };
            config.attributes.insert(k.to_owned(), v.to_owned());
        }
        let addrs = admin
            .create_topic(&target(&self.broker_addr, &self.cluster)?, &config)
            .await?;
        let mut text: Vec<String> = addrs
            .iter()
            .map(|a| format!("create topic to {a} success."))
            .collect();
        text.push(format!(
            "TopicConfig [topicName={}, readQueueNums={}, writeQueueNums={}, perm={}, topicFilterType={}, topicSysFlag={}, order={}, attributes={:?}]",
            config.topic_name,
            config.read_queue_nums,
            config.write_queue_nums,
            config.perm,
            config.topic_filter_type.name(),
            config.topic_sys_flag,
            config.order,
            config.attributes
        ));
        Ok(Report::new(
            text.join("\n"),
            json!({ "ok": true, "brokers": addrs, "topicConfig": config }),
        ))
    }
}

impl DeleteTopic {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        admin.delete_topic(&self.topic, &self.cluster).await?;
        Ok(Report::done(
            format!(
                "delete topic [{}] from cluster [{}] success.\ndelete topic [{}] from NameServer success.",
                self.topic, self.cluster, self.topic
            ),
            json!({ "topic": self.topic, "cluster": self.cluster }),
        ))
    }
}

impl TopicList {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        if self.cluster_model {
            let rows = admin.topic_list_with_groups().await?;
            let text = table(
                &["Cluster Name", "Topic", "Consumer Group"],
                rows.iter()
                    .map(|r| vec![r.cluster.clone(), r.topic.clone(), r.consumer_group.clone()]),
            );
            return Ok(Report::new(text, rows));
        }
        let topics = admin.topic_list().await?;
        let text = topics.iter().cloned().collect::<Vec<_>>().join("\n");
        Ok(Report::new(text, topics))
    }
}

impl TopicRoute {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let route = admin.topic_route(&self.topic).await?;
        let text = if self.list {
            let rows = route.queue_datas.iter().map(|qd| {
                let bd = route
                    .broker_datas
                    .iter()
                    .find(|b| b.broker_name == qd.broker_name);
                vec![
                    bd.map(|b| b.cluster.clone()).unwrap_or_default(),
                    qd.broker_name.clone(),
                    bd.map(|b| {
                        b.broker_addrs
                            .iter()
                            .map(|(id, a)| format!("{id}:{a}"))
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default(),
                    qd.read_queue_nums.to_string(),
                    qd.write_queue_nums.to_string(),
                    qd.perm.to_string(),
                ]
            });
            table(
                &[
                    "ClusterName",
                    "BrokerName",
                    "BrokerAddrs",
                    "ReadQueue",
                    "WriteQueue",
                    "Perm",
                ],
                rows,
            )
        } else {
            serde_json::to_string_pretty(&route).unwrap_or_default()
        };
        Ok(Report::new(text, route))
    }
}

impl TopicStatus {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let mut queues = admin.topic_status(&self.topic).await?;
        if let Some(c) = &self.cluster {
            let brokers: Vec<String> = admin
                .cluster_masters(c)
                .await?
                .into_iter()
                .map(|(n, _)| n)
                .collect();
            queues.retain(|q| brokers.contains(&q.queue.broker_name));
        }
        let text = table(
            &[
                "Broker Name",
                "QID",
                "Min Offset",
                "Max Offset",
                "Last Updated",
            ],
            queues.iter().map(|q| {
                vec![
                    q.queue.broker_name.clone(),
                    q.queue.queue_id.to_string(),
                    q.min_offset.to_string(),
                    q.max_offset.to_string(),
                    when(q.last_update_timestamp),
                ]
            }),
        );
        Ok(Report::new(text, queues))
    }
}

impl TopicClusterList {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let clusters = admin.topic_cluster_list(&self.topic).await?;
        let text = clusters.iter().cloned().collect::<Vec<_>>().join("\n");
        Ok(Report::new(text, clusters))
    }
}

impl UpdateOrderConf {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let topic = &self.topic;
        match self.method {
            OrderMethod::Get => {
                let conf = admin.order_conf(topic).await?;
                let shown = conf.clone().unwrap_or_default();
                Ok(Report::new(
                    format!("get orderConf success. topic=[{topic}], orderConf=[{shown}]"),
                    json!({ "topic": topic, "orderConf": conf }),
                ))
            }
            OrderMethod::Put => {
                let Some(conf) = self.order_conf.as_deref() else {
                    return Err(ClientError::invalid("arguments", "put needs -v orderConf"));
                };
                admin.put_order_conf(topic, conf).await?;
                Ok(Report::done(
                    format!("update orderConf success. topic=[{topic}], orderConf=[{conf}]"),
                    json!({ "topic": topic, "orderConf": conf }),
                ))
            }
            OrderMethod::Delete => {
                admin.delete_order_conf(topic).await?;
                Ok(Report::done(
                    format!("delete orderConf success. topic=[{topic}]"),
                    json!({ "topic": topic }),
                ))
            }
        }
    }
}
