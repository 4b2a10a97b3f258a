//! Controller commands (RocketMQ 5 controller mode): getControllerMetaData,
//! getSyncStateSet, getControllerConfig, updateControllerConfig, electMaster,
//! cleanBrokerMetadata — Java's flags and output lines.

use std::collections::BTreeMap;

use clap::{ArgGroup, Args};
use cometmq_client::admin::Admin;
use cometmq_client::Result;
use serde_json::json;

use crate::output::Report;

/// The controller group's metadata: its leader and peers.
#[derive(Args, Debug)]
pub struct GetControllerMetaData {
    /// The address of a controller.
    #[arg(short = 'a', long = "controllerAddress")]
    controller: String,
}

/// The SyncStateSet of broker groups.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("target").required(true).args(["broker_name", "cluster"])))]
pub struct GetSyncStateSet {
    /// The address of a controller.
    #[arg(short = 'a', long = "controllerAddress")]
    controller: String,
    /// This broker group.
    #[arg(short = 'b', long = "brokerName")]
    broker_name: Option<String>,
    /// Every broker group of this cluster (asks the NameServer).
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
    /// Print again every this many seconds.
    #[arg(short = 'i', long = "interval")]
    pub interval: Option<u64>,
}

/// Each controller's settings.
#[derive(Args, Debug)]
pub struct GetControllerConfig {
    /// Controller address list, `host:port;host:port`.
    #[arg(short = 'a', long = "controllerAddress")]
    controller: String,
}

/// Change one setting on each controller.
#[derive(Args, Debug)]
pub struct UpdateControllerConfig {
    /// Controller address list, `host:port;host:port`.
    #[arg(short = 'a', long = "controllerAddress")]
    controller: String,
    /// Config key.
    #[arg(short = 'k', long = "key")]
    key: String,
    /// Config value.
    #[arg(short = 'v', long = "value")]
    value: String,
}

/// Make a broker the master of its group (if it is alive).
#[derive(Args, Debug)]
pub struct ElectMaster {
    /// The address of a controller.
    #[arg(short = 'a', long = "controllerAddress")]
    controller: String,
    /// The id of the broker to become master.
    #[arg(short = 'b', long = "brokerId")]
    broker_id: i64,
    /// The broker group (`-bn` as in Java).
    #[arg(long = "brokerName")]
    broker_name: String,
    /// Its cluster.
    #[arg(short = 'c', long = "clusterName")]
    cluster: String,
}

/// Forget a broker group's metadata on the controllers, or some of its ids.
#[derive(Args, Debug)]
pub struct CleanBrokerMetadata {
    /// The address of a controller.
    #[arg(short = 'a', long = "controllerAddress")]
    controller: String,
    /// Ids to forget, `1;2;3` (default: the whole group).
    #[arg(short = 'b', long = "brokerControllerIdsToClean")]
    ids: Option<String>,
    /// The broker group (`-bn` as in Java).
    #[arg(long = "brokerName")]
    broker_name: String,
    /// Its cluster.
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
    /// Also forget brokers that are alive.
    #[arg(short = 'l', long = "cleanLivingBroker")]
    clean_living: bool,
}

/// Java's two-letter short flag `-bn` becomes `--brokerName` (clap's short flags are one
/// letter).
pub fn java_short_flags(args: impl Iterator<Item = String>) -> Vec<String> {
    args.map(|a| {
        if a == "-bn" {
            "--brokerName".to_owned()
        } else {
            a
        }
    })
    .collect()
}

fn addrs(list: &str) -> Vec<String> {
    list.split(';')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect()
}

impl GetControllerMetaData {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let m = admin.controller_metadata(self.controller.trim()).await?;
        let mut text = format!(
            "\n#ControllerGroup\t{}\n#ControllerLeaderId\t{}\n#ControllerLeaderAddress\t{}",
            m.group.as_deref().unwrap_or("null"),
            m.controller_leader_id.as_deref().unwrap_or("null"),
            m.controller_leader_address.as_deref().unwrap_or("null"),
        );
        let peers: Vec<&str> = m
            .peers
            .as_deref()
            .unwrap_or("")
            .split(';')
            .filter(|p| !p.is_empty())
            .collect();
        for p in &peers {
            text.push_str(&format!("\n#Peer:\t{p}"));
        }
        Ok(Report::new(
            text,
            json!({
                "group": m.group,
                "controllerLeaderId": m.controller_leader_id,
                "controllerLeaderAddress": m.controller_leader_address,
                "isLeader": m.is_leader,
                "peers": peers,
            }),
        ))
    }
}

impl GetSyncStateSet {
    /// `-b`: no NameServer needed.
    pub fn by_broker_name(&self) -> bool {
        self.broker_name.is_some()
    }

    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let names: Vec<String> = match (&self.broker_name, &self.cluster) {
            (Some(b), _) => vec![b.trim().to_owned()],
            (None, Some(c)) => {
                let info = admin.cluster_info().await?;
                info.cluster_addr_table
                    .get(c.trim())
                    .map(|s| s.iter().cloned().collect())
                    .unwrap_or_default()
            }
            (None, None) => Vec::new(),
        };
        let controller = addrs(&self.controller)
            .into_iter()
            .next()
            .unwrap_or_default();
        let data = admin.sync_state_data(&controller, &names).await?;
        let mut text = String::new();
        for (name, r) in &data.replicas_info_table {
            text.push_str(&format!(
                "\n#brokerName\t{name}\n#MasterBrokerId\t{}\n#MasterAddr\t{}\n#MasterEpoch\t{}\n#SyncStateSetEpoch\t{}\n#SyncStateSetNums\t{}\n",
                r.master_broker_id.map_or("null".to_owned(), |m| m.to_string()),
                r.master_address.as_deref().unwrap_or("null"),
                r.master_epoch,
                r.sync_state_set_epoch,
                r.in_sync_replicas.len(),
            ));
            for (label, list) in [
                ("InSyncReplica", &r.in_sync_replicas),
                ("NotInSyncReplica", &r.not_in_sync_replicas),
            ] {
                for m in list {
                    text.push_str(&format!(
                        "\n{label}:\tReplicaIdentity{{brokerName='{}', brokerId={}, brokerAddress='{}', alive={}}}\n",
                        m.broker_name, m.broker_id, m.broker_address, m.alive
                    ));
                }
            }
        }
        Ok(Report::new(text, &data))
    }
}

impl GetControllerConfig {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let mut all: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for addr in addrs(&self.controller) {
            let cfg = admin.controller_config(&addr).await?;
            all.insert(addr, cfg);
        }
        let mut lines = Vec::new();
        for (addr, cfg) in &all {
            lines.push(format!("============{addr}============"));
            lines.extend(cfg.iter().map(|(k, v)| format!("{k:<50}=  {v}")));
        }
        Ok(Report::new(lines.join("\n"), all))
    }
}

impl UpdateControllerConfig {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let list = addrs(&self.controller);
        for addr in &list {
            admin
                .update_controller_config(addr, self.key.trim(), self.value.trim())
                .await?;
        }
        Ok(Report::new(
            format!(
                "update controller config success![{}]\n{} : {}",
                list.join(", "),
                self.key.trim(),
                self.value.trim()
            ),
            json!({"controllers": list, "key": self.key.trim(), "value": self.value.trim()}),
        ))
    }
}

impl ElectMaster {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let (h, group) = admin
            .elect_master(
                self.controller.trim(),
                self.cluster.trim(),
                self.broker_name.trim(),
                self.broker_id,
            )
            .await?;
        let mut text = format!(
            "\n#ClusterName\t{}\n#BrokerName\t{}\n#BrokerMasterAddr\t{}\n#MasterEpoch\t{}\n#SyncStateSetEpoch\t{}\n",
            self.cluster.trim(),
            self.broker_name.trim(),
            h.master_address.as_deref().unwrap_or("null"),
            h.master_epoch.map_or("null".to_owned(), |e| e.to_string()),
            h.sync_state_set_epoch.map_or("null".to_owned(), |e| e.to_string()),
        );
        if let Some(g) = &group {
            for (id, addr) in &g.broker_addrs {
                text.push_str(&format!("\t#Broker\t{id}\t{addr}\n"));
            }
        }
        Ok(Report::new(
            text.trim_end().to_owned(),
            json!({
                "masterBrokerId": h.master_broker_id,
                "masterAddress": h.master_address,
                "masterEpoch": h.master_epoch,
                "syncStateSetEpoch": h.sync_state_set_epoch,
                "brokerAddrs": group.map(|g| g.broker_addrs),
            }),
        ))
    }
}

impl CleanBrokerMetadata {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        admin
            .clean_broker_metadata(
                self.controller.trim(),
                self.cluster.as_deref().map(str::trim),
                self.broker_name.trim(),
                self.ids.as_deref().map(str::trim),
                self.clean_living,
            )
            .await?;
        Ok(Report::new(
            format!(
                "clear broker {} metadata from controller success! ",
                self.broker_name.trim()
            ),
            json!({"brokerName": self.broker_name.trim()}),
        ))
    }
}
