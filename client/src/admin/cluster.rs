//! Cluster and brokers: clusterList, brokerStatus, getBrokerConfig, updateBrokerConfig,
//! wipeWritePerm, addWritePerm.

use std::collections::BTreeMap;

use cometmq_remoting::body::KvTable;
use cometmq_remoting::code::request;
use cometmq_remoting::header::{
    AddWritePermOfBrokerRequestHeader, AddWritePermOfBrokerResponseHeader,
    WipeWritePermOfBrokerRequestHeader, WipeWritePermOfBrokerResponseHeader,
};
use cometmq_remoting::java_properties;
use cometmq_remoting::RemotingCommand;
use serde::Serialize;

use super::time::now_ms;
use super::{decode, Admin};
use crate::error::{ClientError, Result};

/// One broker of `clusterList`: where it is and, if it answered GET_BROKER_RUNTIME_INFO,
/// what it reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerSummary {
    /// The cluster.
    pub cluster: String,
    /// The broker group.
    pub broker_name: String,
    /// 0 for the master.
    pub broker_id: i64,
    /// `ip:port`.
    pub addr: String,
    /// `brokerVersionDesc`, empty if unknown.
    pub version: String,
    /// Messages stored per second (first number of `putTps`).
    pub in_tps: f64,
    /// Messages delivered per second (first number of `getTransferredTps`).
    pub out_tps: f64,
    /// `pageCacheLockTimeMills`.
    pub page_cache_wait_ms: i64,
    /// Hours since the earliest stored message (`earliestMessageTimeStamp`).
    pub hours: f64,
    /// `commitLogDiskRatio`: the fraction of the disk in use.
    pub disk_ratio: f64,
    /// The runtime info itself (empty if the broker did not answer).
    pub runtime: BTreeMap<String, String>,
    /// Why the runtime info is missing, if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl BrokerSummary {
    fn from_runtime(
        cluster: &str,
        broker_name: &str,
        broker_id: i64,
        addr: &str,
        runtime: Result<BTreeMap<String, String>>,
    ) -> Self {
        let (runtime, error) = match runtime {
            Ok(t) => (t, None),
            Err(e) => (BTreeMap::new(), Some(e.to_string())),
        };
        let num = |k: &str| -> f64 {
            runtime
                .get(k)
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0)
        };
        let earliest = num("earliestMessageTimeStamp");
        let hours = if earliest > 0.0 {
            (now_ms() as f64 - earliest) / 3_600_000.0
        } else {
            0.0
        };
        BrokerSummary {
            cluster: cluster.to_owned(),
            broker_name: broker_name.to_owned(),
            broker_id,
            addr: addr.to_owned(),
            version: runtime
                .get("brokerVersionDesc")
                .cloned()
                .unwrap_or_default(),
            in_tps: num("putTps"),
            out_tps: num("getTransferredTps"),
            page_cache_wait_ms: num("pageCacheLockTimeMills") as i64,
            hours,
            disk_ratio: num("commitLogDiskRatio"),
            runtime,
            error,
        }
    }
}

impl Admin {
    /// `clusterList`: every broker (of `cluster`, if given) with its runtime figures.
    /// A broker that does not answer is listed with [`BrokerSummary::error`] set.
    pub async fn cluster_list(&self, cluster: Option<&str>) -> Result<Vec<BrokerSummary>> {
        let info = self.cluster_info().await?;
        if let Some(c) = cluster {
            if !info.cluster_addr_table.contains_key(c) {
                return Err(ClientError::invalid(
                    "cluster",
                    format!("cluster {c} not found"),
                ));
            }
        }
        let mut out = Vec::new();
        for (cluster_name, names) in &info.cluster_addr_table {
            if cluster.is_some_and(|c| c != cluster_name) {
                continue;
            }
            for name in names {
                let Some(bd) = info.broker_addr_table.get(name) else {
                    continue;
                };
                for (id, addr) in &bd.broker_addrs {
                    let runtime = self.broker_runtime_info(addr).await;
                    out.push(BrokerSummary::from_runtime(
                        cluster_name,
                        name,
                        *id,
                        addr,
                        runtime,
                    ));
                }
            }
        }
        Ok(out)
    }

    /// `brokerStatus`: the broker's runtime key/values (GET_BROKER_RUNTIME_INFO).
    pub async fn broker_runtime_info(&self, addr: &str) -> Result<BTreeMap<String, String>> {
        let code = request::GET_BROKER_RUNTIME_INFO;
        let resp = self.call(addr, RemotingCommand::request(code)).await?;
        let table: KvTable = decode(code, addr, &resp)?;
        Ok(table.table)
    }

    /// Pending timer messages per topic (GET_TIMER_METRICS, RocketMQ 5).
    pub async fn timer_metrics(
        &self,
        addr: &str,
    ) -> Result<cometmq_remoting::body::TimerMetricsSerializeWrapper> {
        let code = request::GET_TIMER_METRICS;
        let resp = self.call(addr, RemotingCommand::request(code)).await?;
        decode(code, addr, &resp)
    }

    /// `getBrokerConfig`: the broker's configuration (GET_BROKER_CONFIG).
    pub async fn broker_config(&self, addr: &str) -> Result<BTreeMap<String, String>> {
        let code = request::GET_BROKER_CONFIG;
        let resp = self.call(addr, RemotingCommand::request(code)).await?;
        let body = resp.body.to_bytes();
        let text = std::str::from_utf8(&body)
            .map_err(|_| ClientError::bad_body(code, addr, "config is not UTF-8"))?;
        let pairs = java_properties::parse(text)
            .map_err(|e| ClientError::bad_body(code, addr, format!("config: {e}")))?;
        Ok(pairs.into_iter().collect())
    }

    /// `updateBrokerConfig`: sets `key=value` on each broker of `addrs` (UPDATE_BROKER_CONFIG).
    pub async fn update_broker_config(
        &self,
        addrs: &[String],
        key: &str,
        value: &str,
    ) -> Result<()> {
        if key.trim().is_empty() {
            return Err(ClientError::invalid("key", "the config key is empty"));
        }
        let body = java_properties::render([(key, value)]);
        for addr in addrs {
            let req = RemotingCommand::request(request::UPDATE_BROKER_CONFIG)
                .with_body(body.clone().into_bytes());
            self.call(addr, req).await?;
        }
        Ok(())
    }

    /// Every broker address (masters and slaves) of `cluster`.
    pub async fn cluster_broker_addrs(&self, cluster: &str) -> Result<Vec<String>> {
        let info = self.cluster_info().await?;
        let names = info.cluster_addr_table.get(cluster).ok_or_else(|| {
            ClientError::invalid("cluster", format!("cluster {cluster} not found"))
        })?;
        Ok(names
            .iter()
            .filter_map(|n| info.broker_addr_table.get(n))
            .flat_map(|bd| bd.broker_addrs.values().cloned())
            .collect())
    }

    /// `wipeWritePerm`: makes `broker_name` read-only on every NameServer
    /// (WIPE_WRITE_PERM_OF_BROKER); returns each NameServer with the topics it changed.
    pub async fn wipe_write_perm(&self, broker_name: &str) -> Result<Vec<(String, i32)>> {
        let header = WipeWritePermOfBrokerRequestHeader {
            broker_name: broker_name.to_owned(),
        };
        let code = request::WIPE_WRITE_PERM_OF_BROKER;
        let mut out = Vec::new();
        for (addr, resp) in self
            .each_namesrv(RemotingCommand::request_with_header(code, &header))
            .await?
        {
            let h: WipeWritePermOfBrokerResponseHeader = resp
                .decode_header()
                .map_err(|e| ClientError::bad_header(code, &addr, e))?;
            out.push((addr, h.wipe_topic_count));
        }
        Ok(out)
    }

    /// `addWritePerm`: makes `broker_name` writable again on every NameServer
    /// (ADD_WRITE_PERM_OF_BROKER); returns each NameServer with the topics it changed.
    pub async fn add_write_perm(&self, broker_name: &str) -> Result<Vec<(String, i32)>> {
        let header = AddWritePermOfBrokerRequestHeader {
            broker_name: broker_name.to_owned(),
        };
        let code = request::ADD_WRITE_PERM_OF_BROKER;
        let mut out = Vec::new();
        for (addr, resp) in self
            .each_namesrv(RemotingCommand::request_with_header(code, &header))
            .await?
        {
            let h: AddWritePermOfBrokerResponseHeader = resp
                .decode_header()
                .map_err(|e| ClientError::bad_header(code, &addr, e))?;
            out.push((addr, h.add_topic_count));
        }
        Ok(out)
    }
}
