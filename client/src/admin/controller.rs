//! Controller commands (RocketMQ 5 controller mode): metadata, SyncStateSets, config and
//! elections. As Java's admin does, each asks GET_METADATA_INFO of the address given and
//! sends writes and replica reads to the leader it names.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::body::controller::{BrokerReplicasInfo, ElectMasterResponseBody};
use cometmq_remoting::body::BrokerMemberGroup;
use cometmq_remoting::code::request;
use cometmq_remoting::header::controller::{
    CleanControllerBrokerDataRequestHeader, ElectMasterRequestHeader, GetMetaDataResponseHeader,
    MasterInfoResponseHeader,
};
use cometmq_remoting::java_properties;
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;

use super::{check, decode, Admin};
use crate::error::{ClientError, Result};
use crate::instance::NameServers;

impl Admin {
    /// An admin without NameServers, for the controller commands given `-a` only.
    pub fn for_controllers(timeout: Duration) -> Self {
        let client = Arc::new(RemotingClient::new(TransportConfig {
            connect_timeout: timeout.min(Duration::from_secs(3)),
            ..TransportConfig::default()
        }));
        Admin {
            namesrv: NameServers::new(Vec::new(), client.clone(), timeout),
            client,
            timeout,
        }
    }

    /// `getControllerMetaData`: the Raft group, its leader and peers, as `addr` sees them.
    pub async fn controller_metadata(&self, addr: &str) -> Result<GetMetaDataResponseHeader> {
        let code = request::CONTROLLER_GET_METADATA_INFO;
        let resp = self.call(addr, RemotingCommand::request(code)).await?;
        resp.decode_header()
            .map_err(|e| ClientError::bad_body(code, addr, e))
    }

    /// The leader's address as the first of `addrs` (`a;b;c`) names it, else that address.
    async fn controller_leader(&self, addrs: &str) -> Result<String> {
        let first = addrs
            .split(';')
            .map(str::trim)
            .find(|a| !a.is_empty())
            .unwrap_or("");
        let meta = self.controller_metadata(first).await?;
        Ok(meta
            .controller_leader_address
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| first.to_owned()))
    }

    /// `getSyncStateSet`: the replicas of each of `broker_names`.
    pub async fn sync_state_data(
        &self,
        controller: &str,
        broker_names: &[String],
    ) -> Result<BrokerReplicasInfo> {
        let leader = self.controller_leader(controller).await?;
        let code = request::CONTROLLER_GET_SYNC_STATE_DATA;
        let body = serde_json::to_vec(broker_names)
            .map_err(|e| ClientError::bad_body(code, &leader, e))?;
        let resp = self
            .call(&leader, RemotingCommand::request(code).with_body(body))
            .await?;
        if resp.body.is_empty() {
            return Ok(BrokerReplicasInfo::default());
        }
        decode(code, &leader, &resp)
    }

    /// `getControllerConfig`: one controller's settings.
    pub async fn controller_config(&self, addr: &str) -> Result<BTreeMap<String, String>> {
        let code = request::GET_CONTROLLER_CONFIG;
        let resp = self.call(addr, RemotingCommand::request(code)).await?;
        let body = resp.body.to_bytes();
        let text = std::str::from_utf8(&body)
            .map_err(|_| ClientError::bad_body(code, addr, "config is not UTF-8"))?;
        let pairs = java_properties::parse(text)
            .map_err(|e| ClientError::bad_body(code, addr, format!("config: {e}")))?;
        Ok(pairs.into_iter().collect())
    }

    /// `updateControllerConfig`: sets `key=value` on one controller.
    pub async fn update_controller_config(&self, addr: &str, key: &str, value: &str) -> Result<()> {
        let req = RemotingCommand::request(request::UPDATE_CONTROLLER_CONFIG)
            .with_body(format!("{key}={value}\n").into_bytes());
        self.call(addr, req).await.map(|_| ())
    }

    /// `electMaster`: makes `broker_id` the master of `broker_name` if it is alive.
    pub async fn elect_master(
        &self,
        controller: &str,
        cluster: &str,
        broker_name: &str,
        broker_id: i64,
    ) -> Result<(MasterInfoResponseHeader, Option<BrokerMemberGroup>)> {
        let leader = self.controller_leader(controller).await?;
        let code = request::CONTROLLER_ELECT_MASTER;
        let req = RemotingCommand::request_with_header(
            code,
            &ElectMasterRequestHeader {
                cluster_name: Some(cluster.to_owned()),
                broker_name: broker_name.to_owned(),
                broker_id: Some(broker_id),
                designate_elect: Some(true),
            },
        );
        let resp = check(code, &leader, self.raw(&leader, req).await?)?;
        let header: MasterInfoResponseHeader = resp
            .decode_header()
            .map_err(|e| ClientError::bad_body(code, &leader, e))?;
        let body: ElectMasterResponseBody = decode(code, &leader, &resp)?;
        Ok((header, body.broker_member_group))
    }

    /// `cleanBrokerMetadata`: forgets a broker group, or some of its ids (`1;2`).
    pub async fn clean_broker_metadata(
        &self,
        controller: &str,
        cluster: Option<&str>,
        broker_name: &str,
        ids: Option<&str>,
        clean_living: bool,
    ) -> Result<()> {
        let leader = self.controller_leader(controller).await?;
        let req = RemotingCommand::request_with_header(
            request::CLEAN_BROKER_DATA,
            &CleanControllerBrokerDataRequestHeader {
                cluster_name: cluster.map(str::to_owned),
                broker_name: broker_name.to_owned(),
                broker_controller_ids_to_clean: ids.map(str::to_owned),
                is_clean_living_broker: Some(clean_living),
            },
        );
        self.call(&leader, req).await.map(|_| ())
    }
}
