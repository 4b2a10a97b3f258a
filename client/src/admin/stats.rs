//! `statsAll`: every topic's put rate and each consuming group's get rate and backlog, from
//! the brokers' statistics (VIEW_BROKER_STATS_DATA), as Java's `StatsAllSubCommand`
//! computes them.

use cometmq_remoting::body::BrokerStatsData;
use cometmq_remoting::code::request;
use cometmq_remoting::header::ViewBrokerStatsDataRequestHeader;
use cometmq_remoting::RemotingCommand;
use serde::Serialize;

use super::{decode, route_masters, Admin, DLQ_GROUP_TOPIC_PREFIX, RETRY_GROUP_TOPIC_PREFIX};
use crate::error::Result;

/// One row of `statsAll`: a topic, and one group consuming it (or none).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicStatsRow {
    /// The topic.
    pub topic: String,
    /// A group that consumes it; `None` when no group does (Java prints `NO_CONSUMER`).
    pub group: Option<String>,
    /// The group's backlog on the topic (0 without a group).
    pub accumulation: i64,
    /// Messages put per second over the last minute, every master together.
    pub in_tps: f64,
    /// Messages the group got per second over the last minute.
    pub out_tps: Option<f64>,
    /// Messages put over the last day (or hour, or minute: the first window with any).
    pub in_msg_24_hour: i64,
    /// Messages the group got over the same window.
    pub out_msg_24_hour: Option<i64>,
}

/// Java's `compute24HourSum`: the day's sum, else the hour's, else the minute's.
fn day_sum(data: &BrokerStatsData) -> i64 {
    [&data.stats_day, &data.stats_hour, &data.stats_minute]
        .into_iter()
        .map(|w| w.sum)
        .find(|s| *s != 0)
        .unwrap_or(0)
}

impl Admin {
    /// VIEW_BROKER_STATS_DATA: the item `key` of the stats family `name` (TOPIC_PUT_NUMS,
    /// GROUP_GET_NUMS …) on the broker at `addr`.
    pub async fn view_broker_stats(
        &self,
        addr: &str,
        name: &str,
        key: &str,
    ) -> Result<BrokerStatsData> {
        let code = request::VIEW_BROKER_STATS_DATA;
        let h = ViewBrokerStatsDataRequestHeader {
            stats_name: name.to_owned(),
            stats_key: key.to_owned(),
        };
        let resp = self
            .call(addr, RemotingCommand::request_with_header(code, &h))
            .await?;
        decode(code, addr, &resp)
    }

    /// `statsAll [-t topic] [-a]`: a row per topic and consuming group. A broker that has
    /// no statistics for an item counts as zero, as in Java. With `active_only`, rows with
    /// nothing put or got over the last day are left out.
    pub async fn stats_all(
        &self,
        topic: Option<&str>,
        active_only: bool,
    ) -> Result<Vec<TopicStatsRow>> {
        let topics: Vec<String> = match topic {
            Some(t) => vec![t.to_owned()],
            None => self.topic_list().await?.into_iter().collect(),
        };
        let mut rows = Vec::new();
        for topic in topics {
            if topic.starts_with(RETRY_GROUP_TOPIC_PREFIX)
                || topic.starts_with(DLQ_GROUP_TOPIC_PREFIX)
            {
                continue;
            }
            let Ok(route) = self.topic_route(&topic).await else {
                continue;
            };
            let masters = route_masters(&route);
            let (mut in_tps, mut in_day) = (0.0, 0);
            for (_, addr) in &masters {
                if let Ok(d) = self.view_broker_stats(addr, "TOPIC_PUT_NUMS", &topic).await {
                    in_tps += d.stats_minute.tps;
                    in_day += day_sum(&d);
                }
            }
            let groups = self.topic_consumed_by(&topic).await.unwrap_or_default();
            if groups.is_empty() {
                if !active_only || in_day > 0 {
                    rows.push(TopicStatsRow {
                        topic,
                        group: None,
                        accumulation: 0,
                        in_tps,
                        out_tps: None,
                        in_msg_24_hour: in_day,
                        out_msg_24_hour: None,
                    });
                }
                continue;
            }
            for group in groups {
                let key = format!("{topic}@{group}");
                let (mut out_tps, mut out_day) = (0.0, 0);
                for (_, addr) in &masters {
                    if let Ok(d) = self.view_broker_stats(addr, "GROUP_GET_NUMS", &key).await {
                        out_tps += d.stats_minute.tps;
                        out_day += day_sum(&d);
                    }
                }
                let accumulation = self
                    .consumer_progress(&group, Some(&topic), false)
                    .await
                    .map_or(0, |p| p.diff_total.max(0));
                if !active_only || in_day > 0 || out_day > 0 {
                    rows.push(TopicStatsRow {
                        topic: topic.clone(),
                        group: Some(group),
                        accumulation,
                        in_tps,
                        out_tps: Some(out_tps),
                        in_msg_24_hour: in_day,
                        out_msg_24_hour: Some(out_day),
                    });
                }
            }
        }
        Ok(rows)
    }
}
