//! Cluster and broker commands: clusterList, brokerStatus, getBrokerConfig,
//! updateBrokerConfig, wipeWritePerm, addWritePerm.

use std::collections::BTreeMap;

use clap::{ArgGroup, Args};
use cometmq_client::admin::{Admin, BrokerSummary, BrokerTarget};
use cometmq_client::{ClientError, Result};
use serde_json::json;

use crate::output::{table, tps, Report};

/// Brokers of the cluster(s): versions, TPS, page-cache wait, disk use.
#[derive(Args, Debug)]
pub struct ClusterList {
    /// Only this cluster.
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
    /// Message totals of yesterday and today instead.
    #[arg(short = 'm', long = "moreStats")]
    more_stats: bool,
    /// Print again every this many seconds.
    #[arg(short = 'i', long = "interval")]
    pub interval: Option<u64>,
}

/// A broker's runtime key/values.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("target").required(true).args(["broker_addr", "cluster"])))]
pub struct BrokerStatus {
    /// Broker address (ip:port).
    #[arg(short = 'b', long = "brokerAddr")]
    broker_addr: Option<String>,
    /// Every broker of this cluster.
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
}

/// A broker's configuration.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("target").required(true).args(["broker_addr", "cluster"])))]
pub struct GetBrokerConfig {
    /// Broker address (ip:port).
    #[arg(short = 'b', long = "brokerAddr")]
    broker_addr: Option<String>,
    /// Every broker of this cluster.
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
}

/// Change one broker config key.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("target").required(true).args(["broker_addr", "cluster"])))]
pub struct UpdateBrokerConfig {
    /// Broker address (ip:port).
    #[arg(short = 'b', long = "brokerAddr")]
    broker_addr: Option<String>,
    /// Every master of this cluster.
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
    /// Config key.
    #[arg(short = 'k', long = "key")]
    key: String,
    /// Config value.
    #[arg(short = 'v', long = "value")]
    value: String,
    /// With -c: slaves too.
    #[arg(short = 'a', long = "updateAllBroker")]
    all: bool,
}

/// Make a broker read-only (or writable again) on every NameServer.
#[derive(Args, Debug)]
pub struct WritePerm {
    /// Broker name.
    #[arg(short = 'b', long = "brokerName")]
    broker_name: String,
}

/// `(addr, all-brokers?)` → the addresses: the address, or the cluster's brokers.
async fn addrs(
    admin: &Admin,
    addr: &Option<String>,
    cluster: &Option<String>,
    slaves: bool,
) -> Result<Vec<String>> {
    match (addr, cluster) {
        (Some(a), _) => Ok(vec![a.clone()]),
        (None, Some(c)) if slaves => admin.cluster_broker_addrs(c).await,
        (None, Some(c)) => admin.target_addrs(&BrokerTarget::Cluster(c.clone())).await,
        (None, None) => Err(ClientError::invalid(
            "arguments",
            "give -b brokerAddr or -c clusterName",
        )),
    }
}

fn runtime_num(b: &BrokerSummary, key: &str) -> i64 {
    b.runtime
        .get(key)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

impl ClusterList {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let brokers = admin.cluster_list(self.cluster.as_deref()).await?;
        let text = if self.more_stats {
            let diff = |b: &BrokerSummary, kind: &str, from: &str, to: &str| {
                (runtime_num(b, &format!("{kind}{to}")) - runtime_num(b, &format!("{kind}{from}")))
                    .to_string()
            };
            table(
                &[
                    "Cluster Name",
                    "Broker Name",
                    "InTotalYest",
                    "OutTotalYest",
                    "InTotalToday",
                    "OutTotalToday",
                ],
                brokers.iter().map(|b| {
                    vec![
                        b.cluster.clone(),
                        b.broker_name.clone(),
                        diff(b, "msgPutTotal", "YesterdayMorning", "TodayMorning"),
                        diff(b, "msgGetTotal", "YesterdayMorning", "TodayMorning"),
                        diff(b, "msgPutTotal", "TodayMorning", "TodayNow"),
                        diff(b, "msgGetTotal", "TodayMorning", "TodayNow"),
                    ]
                }),
            )
        } else {
            table(
                &[
                    "Cluster Name",
                    "Broker Name",
                    "BID",
                    "Addr",
                    "Version",
                    "InTPS",
                    "OutTPS",
                    "PCWait(ms)",
                    "Hour",
                    "SPACE",
                ],
                brokers.iter().map(|b| {
                    let failed = b.error.is_some();
                    let v = |s: String| if failed { "-".to_owned() } else { s };
                    vec![
                        b.cluster.clone(),
                        b.broker_name.clone(),
                        b.broker_id.to_string(),
                        b.addr.clone(),
                        if failed {
                            "unreachable".into()
                        } else {
                            b.version.clone()
                        },
                        v(tps(b.in_tps)),
                        v(tps(b.out_tps)),
                        v(b.page_cache_wait_ms.to_string()),
                        v(format!("{:.2}", b.hours)),
                        v(format!("{:.4}", b.disk_ratio)),
                    ]
                }),
            )
        };
        Ok(Report::new(text, brokers))
    }
}

impl BrokerStatus {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let mut all = BTreeMap::new();
        for addr in addrs(admin, &self.broker_addr, &self.cluster, true).await? {
            all.insert(addr.clone(), admin.broker_runtime_info(&addr).await?);
        }
        let many = all.len() > 1;
        let width = all
            .values()
            .flat_map(|kv| kv.keys())
            .map(String::len)
            .max()
            .unwrap_or(0);
        let mut lines = Vec::new();
        for (addr, kv) in &all {
            for (k, v) in kv {
                if many {
                    lines.push(format!("{addr:<24} {k:<width$} : {v}"));
                } else {
                    lines.push(format!("{k:<width$} : {v}"));
                }
            }
        }
        let json = if many {
            serde_json::to_value(&all).unwrap_or_default()
        } else {
            all.into_values()
                .next()
                .map(|kv| json!(kv))
                .unwrap_or_default()
        };
        Ok(Report {
            text: lines.join("\n"),
            json,
        })
    }
}

impl GetBrokerConfig {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let mut all = BTreeMap::new();
        for addr in addrs(admin, &self.broker_addr, &self.cluster, true).await? {
            all.insert(addr.clone(), admin.broker_config(&addr).await?);
        }
        let mut lines = Vec::new();
        for (addr, cfg) in &all {
            lines.push(format!("============{addr}============"));
            lines.extend(cfg.iter().map(|(k, v)| format!("{k:<50}=  {v}")));
        }
        Ok(Report::new(lines.join("\n"), all))
    }
}

impl UpdateBrokerConfig {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let targets = addrs(admin, &self.broker_addr, &self.cluster, self.all).await?;
        admin
            .update_broker_config(&targets, &self.key, &self.value)
            .await?;
        let text = targets
            .iter()
            .map(|a| format!("update broker config success, {a}"))
            .collect::<Vec<_>>()
            .join("\n");
        Ok(Report::done(
            text,
            json!({ "brokers": targets, "key": self.key, "value": self.value }),
        ))
    }
}

impl WritePerm {
    pub async fn run(&self, admin: &Admin, wipe: bool) -> Result<Report> {
        let (results, verb) = if wipe {
            (admin.wipe_write_perm(&self.broker_name).await?, "wipe")
        } else {
            (admin.add_write_perm(&self.broker_name).await?, "add")
        };
        let text = results
            .iter()
            .map(|(ns, n)| {
                format!(
                    "{verb} write perm of broker[{}] in name server[{ns}] OK, {n}",
                    self.broker_name
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        let per_ns: BTreeMap<&String, i32> = results.iter().map(|(a, n)| (a, *n)).collect();
        Ok(Report::done(
            text,
            json!({ "brokerName": self.broker_name, "topicCounts": per_ns }),
        ))
    }
}
