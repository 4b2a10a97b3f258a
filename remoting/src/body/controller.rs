//! JSON bodies of RocketMQ 5's controller requests: `SyncStateSet`,
//! `ElectMasterResponseBody`, `BrokerReplicasInfo`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::body::BrokerMemberGroup;

/// `SyncStateSet`: the ALTER request body and the REGISTER / GET_REPLICA_INFO response body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SyncStateSet {
    /// Broker ids.
    pub sync_state_set: BTreeSet<i64>,
    /// Its epoch.
    pub sync_state_set_epoch: i32,
}

/// `ElectMasterResponseBody`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ElectMasterResponseBody {
    /// The group's members (a new election only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broker_member_group: Option<BrokerMemberGroup>,
    /// The SyncStateSet.
    pub sync_state_set: BTreeSet<i64>,
}

/// `BrokerReplicasInfo.ReplicaIdentity`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplicaIdentity {
    /// Alive by the heartbeats this controller saw.
    pub alive: bool,
    /// Address.
    pub broker_address: String,
    /// Id.
    pub broker_id: i64,
    /// Broker name.
    pub broker_name: String,
}

/// `BrokerReplicasInfo.ReplicasInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplicasInfo {
    /// Members in the SyncStateSet.
    pub in_sync_replicas: Vec<ReplicaIdentity>,
    /// The master's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_address: Option<String>,
    /// The master's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_broker_id: Option<i64>,
    /// Master epoch.
    pub master_epoch: i32,
    /// Members outside the SyncStateSet.
    pub not_in_sync_replicas: Vec<ReplicaIdentity>,
    /// SyncStateSet epoch.
    pub sync_state_set_epoch: i32,
}

/// `BrokerReplicasInfo`: the CONTROLLER_GET_SYNC_STATE_DATA response body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrokerReplicasInfo {
    /// By broker name.
    pub replicas_info_table: BTreeMap<String, ReplicasInfo>,
}
