//! Three controllers in this process, on ephemeral ports with temp dirs: a leader is
//! elected, followers refuse writes as Java's do, state survives the leader's death and a
//! restart of all three from disk, two of three down means no writes, and bad input gets a
//! clear error while the controller goes on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use cometmq_controller::wire::{
    AlterSyncStateSetRequestHeader, AlterSyncStateSetResponseHeader, ApplyBrokerIdRequestHeader,
    BrokerHeartbeatRequestHeader, ElectMasterRequestHeader, GetMetaDataResponseHeader,
    GetNextBrokerIdHeader, GetReplicaInfoRequestHeader, GetReplicaInfoResponseHeader,
    MasterInfoResponseHeader, SyncStateSet,
};
use cometmq_controller::{Controller, ControllerConfig, ControllerProcessor};
use cometmq_remoting::code::{request as rq, response as rc};
use cometmq_remoting::settings::Settings;
use cometmq_remoting::transport::{RemotingClient, RemotingServer, Router, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::free_port;
use cometmq_testkit::wait::eventually;

const CALL: Duration = Duration::from_secs(10);

struct Node {
    config: ControllerConfig,
    running: Option<(Arc<Controller>, RemotingServer)>,
    addr: String,
}

impl Node {
    async fn start(&mut self) {
        let controller = Controller::start(self.config.clone()).await.unwrap();
        let router = ControllerProcessor::route(Router::new(), controller.clone());
        let server =
            RemotingServer::bind("127.0.0.1:0", TransportConfig::default(), Arc::new(router))
                .await
                .unwrap();
        self.addr = server.local_addr().to_string();
        self.running = Some((controller, server));
    }

    async fn stop(&mut self) {
        if let Some((c, s)) = self.running.take() {
            s.shutdown().await;
            c.shutdown().await;
        }
    }
}

struct Group {
    nodes: Vec<Node>,
    client: RemotingClient,
    _dirs: Vec<tempfile::TempDir>,
}

impl Group {
    async fn start() -> Group {
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

    async fn call(&self, i: usize, req: RemotingCommand) -> RemotingCommand {
        self.client
            .invoke(&self.nodes[i].addr, req, CALL)
            .await
            .unwrap()
    }

    /// The index of the controller that says it leads, once one does.
    async fn leader(&self) -> usize {
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
                if h.is_leader {
                    return Some(i);
                }
            }
            None
        })
        .await
    }

    async fn stop_all(&mut self) {
        for n in &mut self.nodes {
            n.stop().await;
        }
    }
}

fn apply_id(id: i64) -> RemotingCommand {
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

fn heartbeat(id: i64) -> RemotingCommand {
    RemotingCommand::request_with_header(
        rq::BROKER_HEARTBEAT,
        &BrokerHeartbeatRequestHeader {
            cluster_name: "C".into(),
            broker_addr: format!("127.0.0.1:{}", 10900 + id),
            broker_name: "broker-a".into(),
            broker_id: Some(id),
            epoch: Some(0),
            max_offset: Some(0),
            heartbeat_timeout_mills: Some(600_000),
            ..Default::default()
        },
    )
}

fn alter(master_epoch: i32, set: &[i64], set_epoch: i32) -> RemotingCommand {
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

fn replica_info(name: &str) -> RemotingCommand {
    RemotingCommand::request_with_header(
        rq::CONTROLLER_GET_REPLICA_INFO,
        &GetReplicaInfoRequestHeader {
            broker_name: name.into(),
        },
    )
}

/// The leader's view of broker-a: (master, master epoch, SyncStateSet, its epoch).
async fn broker_a(g: &Group, leader: usize) -> (Option<i64>, Option<i32>, SyncStateSet) {
    let r = g.call(leader, replica_info("broker-a")).await;
    assert_eq!(r.code, rc::SUCCESS, "{:?}", r.remark);
    let h: GetReplicaInfoResponseHeader = r.decode_header().unwrap();
    let set: SyncStateSet = serde_json::from_slice(&r.body.to_bytes()).unwrap();
    (h.master_broker_id, h.master_epoch, set)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_controllers_elect_replicate_fail_over_and_recover() {
    let mut g = Group::start().await;
    let leader = g.leader().await;
    let follower = (leader + 1) % 3;

    // A follower refuses writes and leader-only reads as Java's controller does.
    let r = g.call(follower, apply_id(1)).await;
    assert_eq!(r.code, rc::CONTROLLER_NOT_LEADER);
    assert_eq!(
        r.remark.as_deref(),
        Some("The controller is not in leader state")
    );
    let meta: GetMetaDataResponseHeader = g
        .call(
            follower,
            RemotingCommand::request(rq::CONTROLLER_GET_METADATA_INFO),
        )
        .await
        .decode_header()
        .unwrap();
    assert!(!meta.is_leader);
    assert_eq!(meta.controller_leader_id, Some(format!("n{leader}")));
    assert_eq!(meta.group.as_deref(), Some("group1"));

    // Two brokers get ids 1 and 2; 1 becomes master; the SyncStateSet grows to {1, 2}.
    for id in [1, 2] {
        let r = g.call(leader, apply_id(id)).await;
        assert_eq!(r.code, rc::SUCCESS, "{:?}", r.remark);
        for i in 0..3 {
            assert_eq!(g.call(i, heartbeat(id)).await.code, rc::SUCCESS);
        }
    }
    let r = g.call(leader, apply_id(2)).await; // the same broker again: its own id
    assert_eq!(r.code, rc::SUCCESS);
    let mut other = apply_id(2);
    other
        .ext_fields
        .insert("registerCheckCode".into(), "10.0.0.9:1;other".into());
    assert_eq!(
        g.call(leader, other).await.code,
        rc::CONTROLLER_BROKER_ID_INVALID
    );
    let elect = RemotingCommand::request_with_header(
        rq::CONTROLLER_ELECT_MASTER,
        &ElectMasterRequestHeader {
            cluster_name: Some("C".into()),
            broker_name: "broker-a".into(),
            broker_id: Some(1),
            designate_elect: Some(false),
        },
    );
    let r = g.call(leader, elect.clone()).await;
    assert_eq!(r.code, rc::SUCCESS, "{:?}", r.remark);
    let h: MasterInfoResponseHeader = r.decode_header().unwrap();
    assert_eq!((h.master_broker_id, h.master_epoch), (Some(1), Some(1)));
    assert_eq!(h.master_address.as_deref(), Some("127.0.0.1:10901"));
    let r = g.call(leader, elect).await;
    assert_eq!(r.code, rc::CONTROLLER_MASTER_STILL_EXIST);
    let r = g.call(leader, alter(1, &[1, 2], 1)).await;
    assert_eq!(r.code, rc::SUCCESS, "{:?}", r.remark);
    let h: AlterSyncStateSetResponseHeader = r.decode_header().unwrap();
    assert_eq!(h.new_sync_state_set_epoch, 2);

    // Bad input: a clear error each, and the controller goes on.
    assert_eq!(
        g.call(leader, alter(0, &[1], 2)).await.code,
        rc::CONTROLLER_FENCED_MASTER_EPOCH
    );
    assert_eq!(
        g.call(leader, alter(1, &[1], 1)).await.code,
        rc::CONTROLLER_FENCED_SYNC_STATE_SET_EPOCH
    );
    assert_eq!(
        g.call(leader, alter(1, &[1, 7], 2)).await.code,
        rc::CONTROLLER_INVALID_REPLICAS
    );
    assert_eq!(
        g.call(leader, replica_info("nobody")).await.code,
        rc::CONTROLLER_BROKER_METADATA_NOT_EXIST
    );
    let garbage = alter(1, &[1], 2).with_body(b"{not json".to_vec());
    let r = g.call(leader, garbage).await;
    assert_eq!(r.code, rc::CONTROLLER_INVALID_REQUEST);
    assert!(r.remark.unwrap().contains("SyncStateSet"));
    let r = g
        .call(
            leader,
            RemotingCommand::request(rq::CONTROLLER_APPLY_BROKER_ID),
        )
        .await;
    assert_ne!(r.code, rc::SUCCESS);
    assert!(r.remark.unwrap().contains("clusterName"));
    assert_eq!(broker_a(&g, leader).await.0, Some(1));

    // The leader dies: another takes over with the state.
    g.nodes[leader].stop().await;
    let second = g.leader().await;
    assert_ne!(second, leader);
    let (master, epoch, set) = broker_a(&g, second).await;
    assert_eq!((master, epoch), (Some(1), Some(1)));
    assert_eq!(set.sync_state_set, [1, 2].into());
    assert_eq!(set.sync_state_set_epoch, 2);

    // Two of three down: the last one cannot be leader, and refuses writes.
    g.nodes[second].stop().await;
    let last = (0..3).find(|i| *i != leader && *i != second).unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await; // election timeouts pass
    let r = g.call(last, apply_id(3)).await;
    assert_eq!(r.code, rc::CONTROLLER_NOT_LEADER);

    // All three down, then up again: the state comes back from disk.
    g.stop_all().await;
    for n in &mut g.nodes {
        n.start().await;
    }
    let leader = g.leader().await;
    let (master, epoch, set) = broker_a(&g, leader).await;
    assert_eq!((master, epoch), (Some(1), Some(1)));
    assert_eq!(set.sync_state_set, [1, 2].into());
    let next = RemotingCommand::request_with_header(
        rq::CONTROLLER_GET_NEXT_BROKER_ID,
        &GetNextBrokerIdHeader {
            cluster_name: "C".into(),
            broker_name: "broker-a".into(),
            next_broker_id: None,
        },
    );
    let h: GetNextBrokerIdHeader = g.call(leader, next).await.decode_header().unwrap();
    assert_eq!(h.next_broker_id, Some(3));
    g.stop_all().await;
}
