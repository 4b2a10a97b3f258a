//! ACL 1.0 commands: updateAclConfig, deleteAclConfig, clusterAclConfigVersion,
//! updateGlobalWhiteAddr (Java 4.9's flags), and the account mqadmin signs its requests
//! with: `accessKey` and `secretKey` of `$ROCKETMQ_HOME/conf/tools.yml`, as Java's
//! mqadmin reads them.

use std::path::Path;

use clap::{ArgGroup, Args};
use cometmq_client::admin::acl::AclAccount;
use cometmq_client::admin::{Admin, BrokerTarget};
use cometmq_client::Result;
use cometmq_remoting::acl_signature::Credentials;
use serde_json::json;

use crate::output::{table, when, Report};

/// The keys of `<home>/conf/tools.yml`, or `None` when the file is absent or a key is
/// blank (then requests go unsigned, as Java's). A file that does not parse is an error.
pub fn tools_credentials(home: &Path) -> std::result::Result<Option<Credentials>, String> {
    let path = home.join("conf").join("tools.yml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let key = |k: &str| match doc.get(k) {
        Some(serde_yaml::Value::String(s)) => s.trim().to_owned(),
        Some(serde_yaml::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let (access_key, secret_key) = (key("accessKey"), key("secretKey"));
    if access_key.is_empty() || secret_key.is_empty() {
        return Ok(None);
    }
    Ok(Some(Credentials {
        access_key,
        secret_key,
        security_token: None,
    }))
}

/// `-b` or `-c`, required.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("target").required(true).args(["broker_addr", "cluster"])))]
pub struct Target {
    /// The broker (ip:port).
    #[arg(short = 'b', long = "brokerAddr")]
    broker_addr: Option<String>,
    /// Every master of this cluster.
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
}

impl Target {
    async fn addrs(&self, admin: &Admin) -> Result<Vec<String>> {
        let target = match (&self.broker_addr, &self.cluster) {
            (Some(a), _) => BrokerTarget::Addr(a.clone()),
            (None, c) => BrokerTarget::Cluster(c.clone().unwrap_or_default()),
        };
        admin.target_addrs(&target).await
    }
}

/// Create or update an ACL account on brokers.
#[derive(Args, Debug)]
pub struct UpdateAclConfig {
    #[command(flatten)]
    target: Target,
    /// The account's access key.
    #[arg(short = 'a', long = "accessKey")]
    access_key: String,
    /// Its secret key.
    #[arg(short = 's', long = "secretKey")]
    secret_key: String,
    /// Its white address pattern.
    #[arg(short = 'w', long = "whiteRemoteAddress")]
    white_remote_address: Option<String>,
    /// Permission on unlisted topics (PUB, SUB, PUB|SUB, DENY).
    #[arg(short = 'i', long = "defaultTopicPerm")]
    default_topic_perm: Option<String>,
    /// Permission on unlisted groups.
    #[arg(short = 'u', long = "defaultGroupPerm")]
    default_group_perm: Option<String>,
    /// Topic permissions, e.g. `topicA=DENY,topicD=SUB`.
    #[arg(short = 't', long = "topicPerms")]
    topic_perms: Option<String>,
    /// Group permissions, e.g. `groupA=DENY,groupD=SUB`.
    #[arg(short = 'g', long = "groupPerms")]
    group_perms: Option<String>,
    /// Admin account (true|false).
    #[arg(short = 'm', long = "admin")]
    admin: Option<bool>,
}

impl UpdateAclConfig {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let account = AclAccount {
            access_key: self.access_key.clone(),
            secret_key: Some(self.secret_key.clone()),
            white_remote_address: self.white_remote_address.clone(),
            admin: Some(self.admin.unwrap_or(false)),
            default_topic_perm: self.default_topic_perm.clone(),
            default_group_perm: self.default_group_perm.clone(),
            topic_perms: self.topic_perms.clone(),
            group_perms: self.group_perms.clone(),
        };
        let mut lines = Vec::new();
        for addr in self.target.addrs(admin).await? {
            admin.update_acl_account(&addr, &account).await?;
            lines.push(format!(
                "create or update plain access config to {addr} success."
            ));
        }
        Ok(Report {
            json: json!({ "updated": lines.len(), "accessKey": self.access_key }),
            text: lines.join("\n"),
        })
    }
}

/// Delete an ACL account from brokers.
#[derive(Args, Debug)]
pub struct DeleteAclConfig {
    #[command(flatten)]
    target: Target,
    /// The account's access key.
    #[arg(short = 'a', long = "accessKey")]
    access_key: String,
}

impl DeleteAclConfig {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let mut lines = Vec::new();
        for addr in self.target.addrs(admin).await? {
            admin.delete_acl_account(&addr, &self.access_key).await?;
            lines.push(format!(
                "delete plain access config account from {addr} success."
            ));
        }
        lines.push(format!("account's accesskey is:{}", self.access_key));
        Ok(Report {
            json: json!({ "deleted": self.access_key }),
            text: lines.join("\n"),
        })
    }
}

/// Replace brokers' global white address list.
#[derive(Args, Debug)]
pub struct UpdateGlobalWhiteAddr {
    #[command(flatten)]
    target: Target,
    /// The list, e.g. `10.10.103.*,192.168.0.*`.
    #[arg(short = 'g', long = "globalWhiteRemoteAddresses")]
    addrs: String,
    /// The ACL file to change (this broker has one).
    #[arg(short = 'p', long = "aclFileFullPath")]
    acl_file: Option<String>,
}

impl UpdateGlobalWhiteAddr {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let mut lines = Vec::new();
        for addr in self.target.addrs(admin).await? {
            admin
                .update_global_white_addrs(&addr, &self.addrs, self.acl_file.as_deref())
                .await?;
            lines.push(format!(
                "update global white remote addresses to {addr} success."
            ));
        }
        Ok(Report {
            json: json!({ "updated": lines.len() }),
            text: lines.join("\n"),
        })
    }
}

/// List the ACL file versions of brokers.
#[derive(Args, Debug)]
pub struct ClusterAclConfigVersion {
    #[command(flatten)]
    target: Target,
}

impl ClusterAclConfigVersion {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let mut rows = Vec::new();
        let mut out = Vec::new();
        for addr in self.target.addrs(admin).await? {
            let h = admin.acl_config_version(&addr).await?;
            let version: serde_json::Value = h
                .version
                .as_deref()
                .and_then(|v| serde_json::from_str(v).ok())
                .unwrap_or_default();
            let files: serde_json::Map<String, serde_json::Value> = h
                .all_acl_file_version
                .as_deref()
                .and_then(|v| serde_json::from_str(v).ok())
                .unwrap_or_default();
            for (file, v) in &files {
                rows.push(vec![
                    h.cluster_name.clone().unwrap_or_default(),
                    h.broker_name.clone().unwrap_or_default(),
                    h.broker_addr.clone().unwrap_or_else(|| addr.clone()),
                    file.clone(),
                    v["counter"].as_i64().unwrap_or(0).to_string(),
                    when(v["timestamp"].as_i64().unwrap_or(0)),
                ]);
            }
            out.push(json!({
                "clusterName": h.cluster_name, "brokerName": h.broker_name,
                "brokerAddr": h.broker_addr, "version": version, "allAclFileVersion": files,
            }));
        }
        Ok(Report {
            text: table(
                &[
                    "#Cluster Name",
                    "#Broker Name",
                    "#Broker Addr",
                    "#AclFilePath",
                    "#AclConfigVersionNum",
                    "#AclLastUpdateTime",
                ],
                rows,
            ),
            json: serde_json::Value::Array(out),
        })
    }
}
