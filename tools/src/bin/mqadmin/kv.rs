//! NameServer commands: updateKvConfig, deleteKvConfig, getNamesrvConfig,
//! updateNamesrvConfig.

use clap::Args;
use cometmq_client::admin::Admin;
use cometmq_client::Result;
use serde_json::json;

use crate::output::Report;

/// Set a KV config entry on every NameServer.
#[derive(Args, Debug)]
pub struct UpdateKvConfig {
    /// Namespace.
    #[arg(short = 's', long = "namespace")]
    namespace: String,
    /// Key.
    #[arg(short = 'k', long = "key")]
    key: String,
    /// Value.
    #[arg(short = 'v', long = "value")]
    value: String,
}

/// Delete a KV config entry from every NameServer.
#[derive(Args, Debug)]
pub struct DeleteKvConfig {
    /// Namespace.
    #[arg(short = 's', long = "namespace")]
    namespace: String,
    /// Key.
    #[arg(short = 'k', long = "key")]
    key: String,
}

/// Every NameServer's configuration.
#[derive(Args, Debug)]
pub struct GetNamesrvConfig {}

/// Set one config key on every NameServer.
#[derive(Args, Debug)]
pub struct UpdateNamesrvConfig {
    /// Config key.
    #[arg(short = 'k', long = "key")]
    key: String,
    /// Config value.
    #[arg(short = 'v', long = "value")]
    value: String,
}

impl UpdateKvConfig {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        admin
            .put_kv_config(&self.namespace, &self.key, &self.value)
            .await?;
        Ok(Report::done(
            "create or update kv config to namespace success.",
            json!({ "namespace": self.namespace, "key": self.key, "value": self.value }),
        ))
    }
}

impl DeleteKvConfig {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        admin.delete_kv_config(&self.namespace, &self.key).await?;
        Ok(Report::done(
            "delete kv config from namespace success.",
            json!({ "namespace": self.namespace, "key": self.key }),
        ))
    }
}

impl GetNamesrvConfig {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let all = admin.namesrv_config().await?;
        let mut lines = Vec::new();
        for (addr, cfg) in &all {
            lines.push(format!("============{addr}============"));
            lines.extend(cfg.iter().map(|(k, v)| format!("{k:<50}=  {v}")));
        }
        Ok(Report::new(lines.join("\n"), all))
    }
}

impl UpdateNamesrvConfig {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        admin.update_namesrv_config(&self.key, &self.value).await?;
        Ok(Report::done(
            format!(
                "update name server config success!{:?}\n{} : {}",
                admin.namesrv_addrs(),
                self.key,
                self.value
            ),
            json!({ "nameServers": admin.namesrv_addrs(), "key": self.key, "value": self.value }),
        ))
    }
}
