//! Headers of RocketMQ 5's controller requests (`protocol/header/controller/**`,
//! `BrokerHeartbeatRequestHeader`), served by the controller crate and sent by mqadmin.

use crate::command_header;

command_header! {
    /// CONTROLLER_ALTER_SYNC_STATE_SET (1001) request; the body is a
    /// [`SyncStateSet`](crate::body::controller::SyncStateSet).
    pub struct AlterSyncStateSetRequestHeader {
        /// Broker name.
        req broker_name: String = "brokerName",
        /// The master asking.
        req master_broker_id: i64 = "masterBrokerId",
        /// The master's epoch.
        req master_epoch: i32 = "masterEpoch",
    }
}

command_header! {
    /// CONTROLLER_ALTER_SYNC_STATE_SET response.
    pub struct AlterSyncStateSetResponseHeader {
        /// The epoch of the new set.
        req new_sync_state_set_epoch: i32 = "newSyncStateSetEpoch",
    }
}

command_header! {
    /// CONTROLLER_ELECT_MASTER (1002) request (also what mqadmin electMaster sends).
    pub struct ElectMasterRequestHeader {
        /// Cluster name.
        opt cluster_name: String = "clusterName",
        /// Broker name.
        req broker_name: String = "brokerName",
        /// The broker asking (or designated); -1 or absent: the controller's own election.
        opt broker_id: i64 = "brokerId",
        /// Elect `brokerId` if it is alive (mqadmin electMaster).
        opt designate_elect: bool = "designateElect",
    }
}

command_header! {
    /// CONTROLLER_ELECT_MASTER and CONTROLLER_REGISTER_BROKER response fields.
    pub struct MasterInfoResponseHeader {
        /// Cluster name (register only).
        opt cluster_name: String = "clusterName",
        /// Broker name (register only).
        opt broker_name: String = "brokerName",
        /// The master's id.
        opt master_broker_id: i64 = "masterBrokerId",
        /// The master's address.
        opt master_address: String = "masterAddress",
        /// The master epoch.
        opt master_epoch: i32 = "masterEpoch",
        /// The SyncStateSet epoch.
        opt sync_state_set_epoch: i32 = "syncStateSetEpoch",
    }
}

command_header! {
    /// CONTROLLER_REGISTER_BROKER (1003) request.
    pub struct RegisterBrokerToControllerRequestHeader {
        /// Cluster name.
        req cluster_name: String = "clusterName",
        /// Broker name.
        req broker_name: String = "brokerName",
        /// The id the broker applied for.
        req broker_id: i64 = "brokerId",
        /// Its address now.
        req broker_address: String = "brokerAddress",
    }
}

command_header! {
    /// CONTROLLER_GET_REPLICA_INFO (1004) request.
    pub struct GetReplicaInfoRequestHeader {
        /// Broker name.
        req broker_name: String = "brokerName",
    }
}

command_header! {
    /// CONTROLLER_GET_REPLICA_INFO response.
    pub struct GetReplicaInfoResponseHeader {
        /// The master's id.
        opt master_broker_id: i64 = "masterBrokerId",
        /// The master's address.
        opt master_address: String = "masterAddress",
        /// The master epoch.
        opt master_epoch: i32 = "masterEpoch",
    }
}

command_header! {
    /// CONTROLLER_GET_METADATA_INFO (1005) response.
    pub struct GetMetaDataResponseHeader {
        /// The Raft group (`controllerDLegerGroup`).
        opt group: String = "group",
        /// The leader's id (`n0`).
        opt controller_leader_id: String = "controllerLeaderId",
        /// The leader's Raft address.
        opt controller_leader_address: String = "controllerLeaderAddress",
        /// True when the answering controller is the leader.
        req is_leader: bool = "isLeader",
        /// `n0:host:port;n1:host:port;`.
        opt peers: String = "peers",
    }
}

command_header! {
    /// BROKER_HEARTBEAT (904) request, sent by brokers to every controller.
    pub struct BrokerHeartbeatRequestHeader {
        /// Cluster name.
        req cluster_name: String = "clusterName",
        /// Broker address.
        req broker_addr: String = "brokerAddr",
        /// Broker name.
        req broker_name: String = "brokerName",
        /// Broker id (required by the controller).
        opt broker_id: i64 = "brokerId",
        /// The broker's last epoch.
        opt epoch: i32 = "epoch",
        /// Its CommitLog max offset.
        opt max_offset: i64 = "maxOffset",
        /// Its confirm offset.
        opt confirm_offset: i64 = "confirmOffset",
        /// How long it counts as alive without another heartbeat, ms.
        opt heartbeat_timeout_mills: i64 = "heartbeatTimeoutMills",
        /// Lower wins ties at elections.
        opt election_priority: i32 = "electionPriority",
    }
}

command_header! {
    /// CLEAN_BROKER_DATA (1011) request.
    pub struct CleanControllerBrokerDataRequestHeader {
        /// Cluster name.
        opt cluster_name: String = "clusterName",
        /// Broker name.
        req broker_name: String = "brokerName",
        /// `;`-separated ids; empty: the whole group.
        opt broker_controller_ids_to_clean: String = "brokerControllerIdsToClean",
        /// Also clean brokers that are alive.
        opt is_clean_living_broker: bool = "isCleanLivingBroker",
    }
}

command_header! {
    /// CONTROLLER_GET_NEXT_BROKER_ID (1012) request, and (with `nextBrokerId`) its response.
    pub struct GetNextBrokerIdHeader {
        /// Cluster name.
        req cluster_name: String = "clusterName",
        /// Broker name.
        req broker_name: String = "brokerName",
        /// The id the group hands out next (response only).
        opt next_broker_id: i64 = "nextBrokerId",
    }
}

command_header! {
    /// CONTROLLER_APPLY_BROKER_ID (1013) request.
    pub struct ApplyBrokerIdRequestHeader {
        /// Cluster name.
        req cluster_name: String = "clusterName",
        /// Broker name.
        req broker_name: String = "brokerName",
        /// The id asked for.
        req applied_broker_id: i64 = "appliedBrokerId",
        /// `addr;uuid`: the broker's address and a token naming it.
        req register_check_code: String = "registerCheckCode",
    }
}

command_header! {
    /// CONTROLLER_APPLY_BROKER_ID response.
    pub struct ClusterBrokerHeader {
        /// Cluster name.
        req cluster_name: String = "clusterName",
        /// Broker name.
        req broker_name: String = "brokerName",
    }
}
