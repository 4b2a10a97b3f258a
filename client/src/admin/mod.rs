//! [`Admin`]: operating a cluster — what `mqadmin` is built on (reference §13).
//!
//! One file per area, each adding methods to [`Admin`]:
//! - [`topics`]: create, delete, list, route, status, clusters of a topic, order config;
//! - [`cluster`]: cluster list, broker runtime info and config, write permission;
//! - [`groups`]: subscription groups;
//! - [`clients`]: consume progress, consumer and producer connections, consumer status;
//! - [`messages`]: find, pull and send messages;
//! - [`read`]: read ranges of a topic (consumeMessage, printMsg);
//! - [`offsets`]: reset a group's offsets by time, clone offsets between groups;
//! - [`kv`]: the NameServer's KV store and config;
//! - [`acl`]: ACL 1.0 accounts and white lists on brokers;
//! - [`traces`]: a message's trace records (queryMsgTraceById);
//! - [`time`]: timestamps as mqadmin prints and reads them.
//!
//! Requests to the NameServer fail over between its addresses; requests that change the
//! NameServer (KV config, write permission, topic deletion) go to every address, as Java's
//! admin does. Every failure is a [`ClientError`] naming what failed and where.

pub mod acl;
pub mod clients;
pub mod cluster;
pub mod controller;
pub mod groups;
pub mod kv;
pub mod messages;
pub mod offsets;
pub mod read;
pub mod stats;
pub mod time;
pub mod topics;
pub mod traces;

use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::body::{fastjson, ClusterInfo, TopicRouteData};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use serde::de::DeserializeOwned;

use crate::error::{ClientError, Result};
use crate::instance::NameServers;

pub use clients::{ClientConsumeStatus, ConsumerProgress, GroupSummary, QueueProgress};
pub use cluster::BrokerSummary;
pub use messages::SendOutcome;
pub use offsets::{ResetOffsetEntry, ResetOffsetOutcome};
pub use read::{QueueMessages, ReadSpec};
pub use topics::{TopicGroupRow, TopicQueueStatus};
pub use traces::TraceEvent;

/// The group `mqadmin` pulls with (Java `MixAll.TOOLS_CONSUMER_GROUP`).
pub const TOOLS_CONSUMER_GROUP: &str = "TOOLS_CONSUMER";
/// The group `mqadmin` sends with.
pub const TOOLS_PRODUCER_GROUP: &str = "TOOLS_PRODUCER";
/// Prefix of a consumer group's retry topic.
pub const RETRY_GROUP_TOPIC_PREFIX: &str = "%RETRY%";
/// Prefix of a consumer group's dead-letter topic.
pub const DLQ_GROUP_TOPIC_PREFIX: &str = "%DLQ%";

/// Which brokers an admin command acts on: mqadmin's `-b addr` or `-c cluster`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokerTarget {
    /// One broker, by address (`ip:port`).
    Addr(String),
    /// Every master of a cluster.
    Cluster(String),
}

/// An admin client of a RocketMQ / CometMQ cluster, built from NameServer addresses.
///
/// Methods are grouped by area in the submodules ([`topics`], [`cluster`], [`groups`],
/// [`clients`], [`messages`], [`offsets`], [`kv`]); each is one mqadmin command and returns
/// typed results.
///
/// ```no_run
/// # async fn demo() -> cometmq_client::Result<()> {
/// use cometmq_client::admin::{Admin, BrokerTarget};
/// use cometmq_remoting::body::TopicConfig;
///
/// let admin = Admin::new("127.0.0.1:9876")?;
/// let cluster = BrokerTarget::Cluster("DefaultCluster".into());
/// admin.create_topic(&cluster, &TopicConfig::new("Orders", 8)).await?;
/// let route = admin.topic_route("Orders").await?;
/// println!("{} broker group(s)", route.broker_datas.len());
/// let sent = admin.send_message("Orders", b"hello", Some("TagA"), Some("order-1"), None).await?;
/// let found = admin.query_msg_by_key("Orders", "order-1", 64, 0, i64::MAX).await?;
/// assert!(found.iter().any(|m| m.offset_msg_id() == sent.offset_msg_id));
/// admin.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Admin {
    namesrv: NameServers,
    client: Arc<RemotingClient>,
    timeout: Duration,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin")
            .field("namesrv", &self.namesrv.addrs())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Admin {
    /// An admin client of the NameServers `namesrv_addr` (`"host:port;host:port"`), with a
    /// 5 s request timeout. Fails if no address is given.
    pub fn new(namesrv_addr: &str) -> Result<Self> {
        Self::with_timeout(namesrv_addr, Duration::from_secs(5))
    }

    /// Like [`Admin::new`], with `timeout` for every request.
    pub fn with_timeout(namesrv_addr: &str, timeout: Duration) -> Result<Self> {
        Self::connect(namesrv_addr, timeout, None, None)
    }

    /// Like [`Admin::with_timeout`], signing every request with `credentials` (ACL).
    pub fn signed(
        namesrv_addr: &str,
        timeout: Duration,
        credentials: Option<cometmq_remoting::acl_signature::Credentials>,
    ) -> Result<Self> {
        Self::connect(namesrv_addr, timeout, credentials, None)
    }

    /// Like [`Admin::with_timeout`], connecting with TLS when `tls` is given (`--tls`).
    pub fn with_tls(
        namesrv_addr: &str,
        timeout: Duration,
        tls: Option<cometmq_remoting::tls::ClientTls>,
    ) -> Result<Self> {
        Self::connect(namesrv_addr, timeout, None, tls)
    }

    /// Like [`Admin::with_timeout`], signing with `credentials` (ACL) and connecting with
    /// `tls` when given.
    pub fn connect(
        namesrv_addr: &str,
        timeout: Duration,
        credentials: Option<cometmq_remoting::acl_signature::Credentials>,
        tls: Option<cometmq_remoting::tls::ClientTls>,
    ) -> Result<Self> {
        let addrs: Vec<String> = namesrv_addr
            .split(';')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
        if addrs.is_empty() {
            return Err(ClientError::NoNameServer(
                "no address given: use -n host:port or set NAMESRV_ADDR".into(),
            ));
        }
        let transport = TransportConfig {
            connect_timeout: timeout.min(Duration::from_secs(3)),
            credentials,
            tls_client: tls,
            ..TransportConfig::default()
        };
        let client = Arc::new(RemotingClient::new(transport));
        Ok(Admin {
            namesrv: NameServers::new(addrs, client.clone(), timeout),
            client,
            timeout,
        })
    }

    /// The NameServer addresses.
    pub fn namesrv_addrs(&self) -> &[String] {
        self.namesrv.addrs()
    }

    /// Closes every connection.
    pub async fn shutdown(&self) {
        self.client.shutdown().await;
    }

    /// Sends `req` to a NameServer (with failover) and checks for SUCCESS; returns the
    /// address that answered with the response.
    pub(crate) async fn namesrv_call(
        &self,
        req: RemotingCommand,
    ) -> Result<(String, RemotingCommand)> {
        let code = req.code;
        let (addr, resp) = self.namesrv_raw(req).await?;
        Ok((addr.clone(), check(code, &addr, resp)?))
    }

    /// Sends `req` to a NameServer (with failover); any response code.
    pub(crate) async fn namesrv_raw(
        &self,
        req: RemotingCommand,
    ) -> Result<(String, RemotingCommand)> {
        self.namesrv.invoke(req).await.map_err(|e| match e {
            ClientError::Exhausted { last, .. } if last.is_remoting() => ClientError::NoNameServer(
                format!("{} unreachable: {last}", self.namesrv.addrs().join(";")),
            ),
            other => other,
        })
    }

    /// Sends `req` to every NameServer; returns each address with its checked response.
    pub(crate) async fn each_namesrv(
        &self,
        req: RemotingCommand,
    ) -> Result<Vec<(String, RemotingCommand)>> {
        let mut out = Vec::new();
        for addr in self.namesrv.addrs() {
            let mut r = req.clone();
            r.opaque = cometmq_remoting::command::next_opaque();
            let resp = self
                .raw(addr, r)
                .await
                .map_err(|e| unreachable_ns(addr, e))?;
            out.push((addr.clone(), check(req.code, addr, resp)?));
        }
        Ok(out)
    }

    /// Sends `req` to `addr` and checks for SUCCESS.
    pub(crate) async fn call(&self, addr: &str, req: RemotingCommand) -> Result<RemotingCommand> {
        let code = req.code;
        let resp = self.raw(addr, req).await?;
        check(code, addr, resp)
    }

    /// Sends `req` to `addr`; any response code.
    pub(crate) async fn raw(&self, addr: &str, req: RemotingCommand) -> Result<RemotingCommand> {
        let code = req.code;
        self.client
            .invoke(addr, req, self.timeout)
            .await
            .map_err(|e| ClientError::remoting(code, addr, e))
    }

    /// The cluster table: every broker group and its cluster (GET_BROKER_CLUSTER_INFO).
    pub async fn cluster_info(&self) -> Result<ClusterInfo> {
        let code = request::GET_BROKER_CLUSTER_INFO;
        let (addr, resp) = self.namesrv_call(RemotingCommand::request(code)).await?;
        decode(code, &addr, &resp)
    }

    /// `topic`'s route; [`ClientError::NoRoute`] when the NameServer does not know it.
    pub async fn topic_route(&self, topic: &str) -> Result<TopicRouteData> {
        match self.namesrv.topic_route(topic).await {
            Ok(Some(route)) => Ok(route),
            Ok(None) => Err(ClientError::NoRoute {
                topic: topic.to_owned(),
                reason: "topic not exist".into(),
            }),
            Err(ClientError::Exhausted { last, .. }) if last.is_remoting() => {
                Err(ClientError::NoNameServer(format!(
                    "{} unreachable: {last}",
                    self.namesrv.addrs().join(";")
                )))
            }
            Err(e) => Err(e),
        }
    }

    /// The master addresses `target` names: the address itself, or every master of the
    /// cluster ([`ClientError::Invalid`] for an unknown or empty cluster).
    pub async fn target_addrs(&self, target: &BrokerTarget) -> Result<Vec<String>> {
        match target {
            BrokerTarget::Addr(a) => Ok(vec![a.clone()]),
            BrokerTarget::Cluster(c) => Ok(self
                .cluster_masters(c)
                .await?
                .into_iter()
                .map(|(_, addr)| addr)
                .collect()),
        }
    }

    /// `(broker name, master address)` of every broker group of `cluster`.
    pub async fn cluster_masters(&self, cluster: &str) -> Result<Vec<(String, String)>> {
        let info = self.cluster_info().await?;
        let names = info.cluster_addr_table.get(cluster).ok_or_else(|| {
            ClientError::invalid("cluster", format!("cluster {cluster} not found"))
        })?;
        let masters: Vec<(String, String)> = names
            .iter()
            .filter_map(|name| {
                let bd = info.broker_addr_table.get(name)?;
                Some((name.clone(), bd.master_addr()?.to_owned()))
            })
            .collect();
        if masters.is_empty() {
            return Err(ClientError::invalid(
                "cluster",
                format!("cluster {cluster} has no live master"),
            ));
        }
        Ok(masters)
    }

    /// The master address of broker group `broker_name`.
    pub async fn broker_master_addr(&self, broker_name: &str) -> Result<String> {
        let info = self.cluster_info().await?;
        info.broker_addr_table
            .get(broker_name)
            .and_then(|bd| bd.master_addr())
            .map(str::to_owned)
            .ok_or_else(|| {
                ClientError::invalid("broker", format!("broker {broker_name} not found"))
            })
    }

    /// The broker name of the broker at `addr`.
    pub async fn broker_name_of(&self, addr: &str) -> Result<String> {
        let info = self.cluster_info().await?;
        info.broker_addr_table
            .values()
            .find(|bd| bd.broker_addrs.values().any(|a| a == addr))
            .map(|bd| bd.broker_name.clone())
            .ok_or_else(|| ClientError::invalid("broker", format!("no broker at {addr}")))
    }

    /// `(broker name, master address)` of the groups serving `topic`, or — if the topic
    /// has no route — every master of the cluster table.
    pub(crate) async fn masters_for(&self, topic: &str) -> Result<Vec<(String, String)>> {
        match self.topic_route(topic).await {
            Ok(route) => Ok(route_masters(&route)),
            Err(ClientError::NoRoute { .. }) => self.all_masters().await,
            Err(e) => Err(e),
        }
    }

    /// `(broker name, master address)` of every broker group in the cluster table.
    pub async fn all_masters(&self) -> Result<Vec<(String, String)>> {
        let info = self.cluster_info().await?;
        Ok(info
            .broker_addr_table
            .values()
            .filter_map(|bd| Some((bd.broker_name.clone(), bd.master_addr()?.to_owned())))
            .collect())
    }
}

/// `(broker name, master address)` of every broker group of `route` with a live master.
pub fn route_masters(route: &TopicRouteData) -> Vec<(String, String)> {
    route
        .broker_datas
        .iter()
        .filter_map(|bd| Some((bd.broker_name.clone(), bd.master_addr()?.to_owned())))
        .collect()
}

/// `resp` if SUCCESS, else [`ClientError::Response`].
pub(crate) fn check(code: i32, addr: &str, resp: RemotingCommand) -> Result<RemotingCommand> {
    if resp.code == response::SUCCESS {
        Ok(resp)
    } else {
        Err(ClientError::response(code, addr, &resp))
    }
}

/// The JSON body of `resp`, read leniently (fastjson's forms).
pub(crate) fn decode<T: DeserializeOwned>(
    code: i32,
    addr: &str,
    resp: &RemotingCommand,
) -> Result<T> {
    fastjson::from_slice(&resp.body.to_bytes()).map_err(|e| ClientError::bad_body(code, addr, e))
}

fn unreachable_ns(addr: &str, e: ClientError) -> ClientError {
    if e.is_remoting() {
        ClientError::NoNameServer(format!("{addr} unreachable: {e}"))
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    use cometmq_remoting::body::BrokerData;

    use super::*;

    #[test]
    fn masters_skip_groups_without_a_master() {
        let bd = |name: &str, ids: &[i64]| BrokerData {
            broker_name: name.into(),
            broker_addrs: ids.iter().map(|i| (*i, format!("{name}:{i}"))).collect(),
            ..Default::default()
        };
        let route = TopicRouteData {
            broker_datas: vec![bd("a", &[0, 1]), bd("b", &[1])],
            ..Default::default()
        };
        assert_eq!(route_masters(&route), [("a".to_owned(), "a:0".to_owned())]);
    }

    #[test]
    fn errors_name_the_request_and_peer() {
        let resp = RemotingCommand::response(response::TOPIC_NOT_EXIST, Some("no T".into()));
        let e = check(request::GET_TOPIC_STATS_INFO, "b:1", resp).unwrap_err();
        assert_eq!(
            e.to_string(),
            "GET_TOPIC_STATS_INFO to b:1 failed: TOPIC_NOT_EXIST (17): no T"
        );
        assert!(Admin::new(" ; ").is_err());
        let admin = Admin::new("a:1; b:2").unwrap();
        assert_eq!(admin.namesrv_addrs(), ["a:1", "b:2"]);
    }
}
