//! Three in-process controllers on ephemeral ports with temp dirs, and the requests the
//! tests send them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::sync::Arc;
use std::time::Duration;

use cometmq_controller::{Controller, ControllerConfig};
use cometmq_remoting::body::controller::SyncStateSet;
use cometmq_remoting::code::{request as rq, response as rc};
use cometmq_remoting::header::controller::{
    AlterSyncStateSetRequestHeader, ApplyBrokerIdRequestHeader, BrokerHeartbeatRequestHeader,
    GetMetaDataResponseHeader, GetNextBrokerIdHeader, GetReplicaInfoRequestHeader,
    GetReplicaInfoResponseHeader,
};
use cometmq_remoting::settings::Settings;
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::free_port;
use cometmq_testkit::wait::eventually;

pub const CALL: Duration = Duration::from_secs(10);

pub struct Node {
    pub config: ControllerConfig,
    pub running: Option<Arc<Controller>>,
    pub addr: String,
}

impl Node {
    pub async fn start(&mut self) {
        let controller = Controller::start(self.config.clone()).await.unwrap();
        self.addr = controller.me().addr.clone();
        self.running = Some(controller);
    }

    pub async fn stop(&mut self) {
        if let Some(c) = self.running.take() {
            c.shutdown().await;
        }
    }
}

pub struct Group {
    pub nodes: Vec<Node>,
    pub client: RemotingClient,
    _dirs: Vec<tempfile::TempDir>,
}

impl Group {
    pub async fn start() -> Group {
        let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let peers: Vec<String> = ports
            .iter()
            .enumerate()
            .map(|(i, p)| format!("n{i}-127.0.0.1:{p}"))
            .collect();
        let mut dirs = Vec::new();
        let mut nodes = Vec::new();
        for i in 0..3 {
            let dir = tempfile::tempdir().unwrap();
            let mut config = ControllerConfig::default();
            for (k, v) in [
                ("controllerDLegerGroup", "group1".to_owned()),
                ("controllerDLegerPeers", peers.join(";")),
                ("controllerDLegerSelfId", format!("n{i}")),
                (
                    "controllerStorePath",
                    dir.path().join("store").display().to_string(),
                ),
                (
                    "configStorePath",
                    dir.path()
                        .join("controller.properties")
                        .display()
                        .to_string(),
                ),
                ("scanNotActiveBrokerInterval", "200".to_owned()),
            ] {
                config.set(k, &v).unwrap();
            }
            let mut node = Node {
                config,
                running: None,
                addr: String::new(),
            };
            node.start().await;
            nodes.push(node);
            dirs.push(dir);
        }
        Group {
            nodes,
            client: RemotingClient::new(TransportConfig::default()),
            _dirs: dirs,
        }
    }

    pub async fn call(&self, i: usize, req: RemotingCommand) -> RemotingCommand {
        self.client
            .invoke(&self.nodes[i].addr, req, CALL)
            .await
            .unwrap()
    }

    /// The index of the controller that says it leads, once one does.
    pub async fn leader(&self) -> usize {
        eventually("a controller leader", || async {
            for (i, n) in self.nodes.iter().enumerate() {
                if n.running.is_none() {
                    continue;
                }
                let r = self
                    .call(
                        i,
                        RemotingCommand::request(rq::CONTROLLER_GET_METADATA_INFO),
                    )
                    .await;
                let h: GetMetaDataResponseHeader = r.decode_header().unwrap();
                // Serving a leader-only read: its first entry of the term is committed.
                if h.is_leader && self.call(i, next_broker_id()).await.code == rc::SUCCESS {
                    return Some(i);
                }
            }
            None
        })
        .await
    }

    pub async fn stop_all(&mut self) {
        for n in &mut self.nodes {
            n.stop().await;
        }
    }
}

pub fn apply_id(id: i64) -> RemotingCommand {
    RemotingCommand::request_with_header(
        rq::CONTROLLER_APPLY_BROKER_ID,
        &ApplyBrokerIdRequestHeader {
            cluster_name: "C".into(),
            broker_name: "broker-a".into(),
            applied_broker_id: id,
            register_check_code: format!("127.0.0.1:{};uuid-{id}", 10900 + id),
        },
    )
}

pub fn heartbeat(id: i64) -> RemotingCommand {
    heartbeat_for(id, 600_000)
}

/// BROKER_HEARTBEAT of broker-a's member `id`, alive for `timeout_ms`.
pub fn heartbeat_for(id: i64, timeout_ms: i64) -> RemotingCommand {
    RemotingCommand::request_with_header(
        rq::BROKER_HEARTBEAT,
        &BrokerHeartbeatRequestHeader {
            cluster_name: "C".into(),
            broker_addr: format!("127.0.0.1:{}", 10900 + id),
            broker_name: "broker-a".into(),
            broker_id: Some(id),
            epoch: Some(0),
            max_offset: Some(0),
            heartbeat_timeout_mills: Some(timeout_ms),
            ..Default::default()
        },
    )
}

pub fn alter(master_epoch: i32, set: &[i64], set_epoch: i32) -> RemotingCommand {
    RemotingCommand::request_with_header(
        rq::CONTROLLER_ALTER_SYNC_STATE_SET,
        &AlterSyncStateSetRequestHeader {
            broker_name: "broker-a".into(),
            master_broker_id: 1,
            master_epoch,
        },
    )
    .with_body(
        serde_json::to_vec(&SyncStateSet {
            sync_state_set: set.iter().copied().collect(),
            sync_state_set_epoch: set_epoch,
        })
        .unwrap(),
    )
}

pub fn replica_info(name: &str) -> RemotingCommand {
    RemotingCommand::request_with_header(
        rq::CONTROLLER_GET_REPLICA_INFO,
        &GetReplicaInfoRequestHeader {
            broker_name: name.into(),
        },
    )
}

/// The leader's view of broker-a: (master, master epoch, SyncStateSet, its epoch).
pub async fn broker_a(g: &Group, leader: usize) -> (Option<i64>, Option<i32>, SyncStateSet) {
    let r = g.call(leader, replica_info("broker-a")).await;
    assert_eq!(r.code, rc::SUCCESS, "{:?}", r.remark);
    let h: GetReplicaInfoResponseHeader = r.decode_header().unwrap();
    let set: SyncStateSet = serde_json::from_slice(&r.body.to_bytes()).unwrap();
    (h.master_broker_id, h.master_epoch, set)
}

/// CONTROLLER_GET_NEXT_BROKER_ID of broker-a.
pub fn next_broker_id() -> RemotingCommand {
    RemotingCommand::request_with_header(
        rq::CONTROLLER_GET_NEXT_BROKER_ID,
        &GetNextBrokerIdHeader {
            cluster_name: "C".into(),
            broker_name: "broker-a".into(),
            next_broker_id: None,
        },
    )
}
