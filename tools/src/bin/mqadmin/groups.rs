//! Subscription group commands: updateSubGroup, deleteSubGroup, setConsumeMode.

use clap::{ArgGroup, Args};
use cometmq_client::admin::{Admin, BrokerTarget};
use cometmq_client::Result;
use cometmq_remoting::body::SubscriptionGroupConfig;
use serde_json::json;

use crate::output::Report;

/// Create or update a subscription group.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("target").required(true).args(["broker_addr", "cluster"])))]
pub struct UpdateSubGroup {
    /// Group name.
    #[arg(short = 'g', long = "groupName")]
    group: String,
    /// On this broker (ip:port).
    #[arg(short = 'b', long = "brokerAddr")]
    broker_addr: Option<String>,
    /// On every master of this cluster.
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
    /// Consumption allowed (true|false).
    #[arg(short = 's', long = "consumeEnable", num_args = 0..=1, default_missing_value = "true")]
    consume_enable: Option<bool>,
    /// May start from the queue's minimum offset (true|false).
    #[arg(short = 'm', long = "consumeFromMinEnable", num_args = 0..=1, default_missing_value = "true")]
    from_min: Option<bool>,
    /// Broadcasting allowed (true|false).
    #[arg(short = 'd', long = "consumeBroadcastEnable", num_args = 0..=1, default_missing_value = "true")]
    broadcast: Option<bool>,
    /// Orderly consumption (true|false).
    #[arg(short = 'o', long = "consumeMessageOrderly", num_args = 0..=1, default_missing_value = "true")]
    orderly: Option<bool>,
    /// Retry queue count.
    #[arg(short = 'q', long = "retryQueueNums")]
    retry_queue_nums: Option<i32>,
    /// Reconsume attempts before the dead-letter queue.
    #[arg(short = 'r', long = "retryMaxTimes")]
    retry_max_times: Option<i32>,
    /// Broker id consumers read from.
    #[arg(short = 'i', long = "brokerId")]
    broker_id: Option<i64>,
    /// Broker id when consuming slowly.
    #[arg(short = 'w', long = "whichBrokerWhenConsumeSlowly")]
    which_broker: Option<i64>,
    /// Tell consumers when membership changes (true|false).
    #[arg(short = 'a', long = "notifyConsumerIdsChanged", num_args = 0..=1, default_missing_value = "true")]
    notify: Option<bool>,
}

/// Set how a group consumes a topic: PULL (queues balanced among its consumers) or POP.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("target").required(true).args(["broker_addr", "cluster"])))]
pub struct SetConsumeMode {
    /// On this broker (ip:port).
    #[arg(short = 'b', long = "brokerAddr")]
    broker_addr: Option<String>,
    /// On every master of this cluster.
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
    /// Topic name.
    #[arg(short = 't', long = "topicName")]
    topic: String,
    /// Consumer group name.
    #[arg(short = 'g', long = "groupName")]
    group: String,
    /// Consume mode: PULL or POP.
    #[arg(short = 'm', long = "mode")]
    mode: String,
    /// Number of queues shared in POP mode.
    #[arg(short = 'q', long = "popShareQueueNum", default_value_t = 0)]
    pop_share_queue_num: i32,
}

impl SetConsumeMode {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        use cometmq_remoting::body::pop::{MessageRequestMode, SetMessageRequestModeRequestBody};
        let mode = match self.mode.trim() {
            "PULL" => MessageRequestMode::Pull,
            "POP" => MessageRequestMode::Pop,
            other => {
                return Err(cometmq_client::ClientError::invalid(
                    "mode",
                    format!("{other} is not PULL or POP"),
                ))
            }
        };
        let body = SetMessageRequestModeRequestBody {
            consumer_group: self.group.trim().to_owned(),
            mode,
            pop_share_queue_num: self.pop_share_queue_num,
            topic: self.topic.trim().to_owned(),
        };
        let addrs = admin
            .set_message_request_mode(&target(&self.broker_addr, &self.cluster), &body)
            .await?;
        let mut lines: Vec<String> = addrs
            .iter()
            .map(|a| format!("set consume mode to {a} success."))
            .collect();
        lines.push(format!(
            "topic[{}] group[{}] consume mode[{}] popShareQueueNum[{}]",
            body.topic,
            body.consumer_group,
            self.mode.trim(),
            body.pop_share_queue_num
        ));
        Ok(Report::new(
            lines.join("\n"),
            json!({ "ok": true, "brokers": addrs, "mode": body }),
        ))
    }
}

/// Delete a subscription group.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("target").required(true).args(["broker_addr", "cluster"])))]
pub struct DeleteSubGroup {
    /// Group name.
    #[arg(short = 'g', long = "groupName")]
    group: String,
    /// From this broker (ip:port).
    #[arg(short = 'b', long = "brokerAddr")]
    broker_addr: Option<String>,
    /// From every master of this cluster (also deletes its %RETRY% and %DLQ% topics).
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
    /// Remove the group's offsets too (true|false).
    #[arg(short = 'r', long = "removeOffset", num_args = 0..=1, default_missing_value = "true")]
    remove_offset: Option<bool>,
}

fn target(addr: &Option<String>, cluster: &Option<String>) -> BrokerTarget {
    match (addr, cluster) {
        (Some(a), _) => BrokerTarget::Addr(a.clone()),
        (None, c) => BrokerTarget::Cluster(c.clone().unwrap_or_default()),
    }
}

impl UpdateSubGroup {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let mut g = SubscriptionGroupConfig::new(self.group.clone());
        g.consume_enable = self.consume_enable.unwrap_or(g.consume_enable);
        g.consume_from_min_enable = self.from_min.unwrap_or(g.consume_from_min_enable);
        g.consume_broadcast_enable = self.broadcast.unwrap_or(g.consume_broadcast_enable);
        g.consume_message_orderly = self.orderly.unwrap_or(g.consume_message_orderly);
        g.retry_queue_nums = self.retry_queue_nums.unwrap_or(g.retry_queue_nums);
        g.retry_max_times = self.retry_max_times.unwrap_or(g.retry_max_times);
        g.broker_id = self.broker_id.unwrap_or(g.broker_id);
        g.which_broker_when_consume_slowly = self
            .which_broker
            .unwrap_or(g.which_broker_when_consume_slowly);
        g.notify_consumer_ids_changed_enable =
            self.notify.unwrap_or(g.notify_consumer_ids_changed_enable);
        let addrs = admin
            .create_subscription_group(&target(&self.broker_addr, &self.cluster), &g)
            .await?;
        let mut lines: Vec<String> = addrs
            .iter()
            .map(|a| format!("create subscription group to {a} success."))
            .collect();
        lines.push(format!(
            "SubscriptionGroupConfig [groupName={}, consumeEnable={}, consumeFromMinEnable={}, consumeBroadcastEnable={}, consumeMessageOrderly={}, retryQueueNums={}, retryMaxTimes={}, brokerId={}, whichBrokerWhenConsumeSlowly={}, notifyConsumerIdsChangedEnable={}]",
            g.group_name,
            g.consume_enable,
            g.consume_from_min_enable,
            g.consume_broadcast_enable,
            g.consume_message_orderly,
            g.retry_queue_nums,
            g.retry_max_times,
            g.broker_id,
            g.which_broker_when_consume_slowly,
            g.notify_consumer_ids_changed_enable
        ));
        Ok(Report::new(
            lines.join("\n"),
            json!({ "ok": true, "brokers": addrs, "groupConfig": g }),
        ))
    }
}

impl DeleteSubGroup {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let target = target(&self.broker_addr, &self.cluster);
        let addrs = admin
            .delete_subscription_group(&target, &self.group, self.remove_offset.unwrap_or(false))
            .await?;
        let mut lines: Vec<String> = addrs
            .iter()
            .map(|a| {
                format!(
                    "delete subscription group [{}] from broker [{a}] success.",
                    self.group
                )
            })
            .collect();
        if let BrokerTarget::Cluster(c) = &target {
            lines.push(format!(
                "delete subscription group [{}] from cluster [{c}] success.",
                self.group
            ));
        }
        Ok(Report::done(
            lines.join("\n"),
            json!({ "group": self.group, "brokers": addrs }),
        ))
    }
}
