//! [`Controller`]: one member of the controllers' Raft group — the Raft node, its peer
//! listener (Raft RPC and the controller's request codes), the shared state, the heartbeat table, and the leader's scan that re-elects
//! masters whose heartbeats stopped.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::code::{request as rq, response as rc};
use cometmq_remoting::transport::{RemotingClient, RemotingServer, TransportConfig};
use cometmq_remoting::RemotingCommand;
use openraft::BasicNode;
use parking_lot::RwLock;
use tokio::sync::{Mutex, Notify};
use tokio::task::JoinHandle;

use crate::config::{ControllerConfig, Peer};
use crate::decide::{self, json_body, Decision};
use crate::error::ControllerError;
use crate::heartbeat::LiveBrokers;
use crate::processor::ControllerProcessor;
use crate::raft::log_store::LogStore;
use crate::raft::network::{Network, PeerService};
use crate::raft::state_machine::StateMachine;
use crate::raft::Raft;
use crate::state::ReplicasState;
use cometmq_remoting::body::controller::SyncStateSet;
use cometmq_remoting::header::controller::ElectMasterRequestHeader;

/// Java's remark for a request a follower refuses.
pub const NOT_LEADER_REMARK: &str = "The controller is not in leader state";

/// A running controller.
pub struct Controller {
    /// The settings (UPDATE_CONTROLLER_CONFIG changes the runtime ones).
    pub config: RwLock<ControllerConfig>,
    me: Peer,
    peers: Vec<Peer>,
    raft: Raft,
    /// The applied state, shared with the state machine.
    pub state: Arc<RwLock<ReplicasState>>,
    /// Brokers alive by their heartbeats to this controller.
    pub live: Arc<LiveBrokers>,
    writes: Mutex<()>,
    server: parking_lot::Mutex<Option<RemotingServer>>,
    client: Arc<RemotingClient>,
    stop: Arc<Notify>,
    tasks: parking_lot::Mutex<Vec<JoinHandle<()>>>,
}

impl Controller {
    /// Starts the Raft node on its `controllerDLegerPeers` address, with its log and snapshot
    /// under `controllerStorePath`, and joins (or forms) the group.
    pub async fn start(config: ControllerConfig) -> Result<Arc<Controller>, ControllerError> {
        let peers = config.peers()?;
        let me = config.self_peer()?;
        let dir = config.store_dir();
        let store_err = |e: std::io::Error| ControllerError::Store {
            path: dir.display().to_string(),
            source: e,
        };
        let log = LogStore::open(&dir).map_err(store_err)?;
        let state: Arc<RwLock<ReplicasState>> = Arc::default();
        let sm = StateMachine::open(&dir, state.clone()).map_err(store_err)?;
        let raft_config = openraft::Config {
            cluster_name: config.controller_dleger_group.clone(),
            heartbeat_interval: 200,
            election_timeout_min: 1000,
            election_timeout_max: 2000,
            ..Default::default()
        }
        .validate()
        .map_err(|e| ControllerError::Raft(e.to_string()))?;
        let client = Arc::new(RemotingClient::new(TransportConfig::default()));
        let raft = Raft::new(
            me.node_id,
            Arc::new(raft_config),
            Network::new(client.clone()),
            log,
            sm,
        )
        .await
        .map_err(|e| ControllerError::Raft(e.to_string()))?;
        let members: BTreeMap<u64, BasicNode> = peers
            .iter()
            .map(|p| (p.node_id, BasicNode::new(&p.addr)))
            .collect();
        let initialized = raft
            .is_initialized()
            .await
            .map_err(|e| ControllerError::Raft(e.to_string()))?;
        if !initialized {
            // Every member starts the group with the same membership; openraft takes the
            // first and the others' become no-ops.
            if let Err(e) = raft.initialize(members).await {
                tracing::info!(error = %e, "raft group already initialized");
            }
        }
        let controller = Arc::new(Controller {
            config: RwLock::new(config),
            me,
            peers,
            raft,
            state,
            live: Arc::default(),
            writes: Mutex::new(()),
            server: parking_lot::Mutex::new(None),
            client,
            stop: Arc::new(Notify::new()),
            tasks: parking_lot::Mutex::new(Vec::new()),
        });
        // As in Java's DLedger mode, one listener on the peer address serves both the Raft
        // RPC and the controller's request codes (brokers' `controllerAddr` lists it).
        let port = controller.me.addr.rsplit_once(':').map_or("", |(_, p)| p);
        let bind = format!("0.0.0.0:{port}");
        let router = ControllerProcessor::route(
            PeerService::router(controller.raft.clone()),
            controller.clone(),
        );
        let server =
            match RemotingServer::bind(bind.as_str(), TransportConfig::default(), Arc::new(router))
                .await
            {
                Ok(s) => s,
                Err(source) => {
                    controller.shutdown().await;
                    return Err(ControllerError::Bind { addr: bind, source });
                }
            };
        *controller.server.lock() = Some(server);
        let scan = tokio::spawn(scan_loop(controller.clone()));
        let leader_log = tokio::spawn(log_leader_changes(controller.clone()));
        controller.tasks.lock().extend([scan, leader_log]);
        tracing::info!(id = %controller.me.name, addr = %controller.me.addr, "controller started");
        Ok(controller)
    }

    /// This controller's peer (its Raft id and address).
    pub fn me(&self) -> &Peer {
        &self.me
    }

    /// The address the listener is bound to (Raft RPC and controller requests).
    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        self.server.lock().as_ref().map(RemotingServer::local_addr)
    }

    /// The current leader's peer entry, if one is known.
    pub fn leader(&self) -> Option<Peer> {
        let id = self.raft.metrics().borrow().current_leader?;
        self.peers.iter().find(|p| p.node_id == id).cloned()
    }

    /// True when this controller is the Raft leader.
    pub fn is_leader(&self) -> bool {
        self.leader().is_some_and(|p| p.node_id == self.me.node_id)
    }

    /// `n0:host:port;n1:host:port;`, as Java's GET_METADATA_INFO lists the peers.
    pub fn peers_text(&self) -> String {
        self.peers
            .iter()
            .map(|p| format!("{}:{};", p.name, p.addr))
            .collect()
    }

    /// Serves a read that only the leader answers (as Java's event scheduler does):
    /// refuses on a follower, else waits until the state includes every committed write.
    pub async fn read<T>(&self, f: impl FnOnce(&ReplicasState) -> T) -> Result<T, RemotingCommand> {
        if !self.is_leader() {
            return Err(not_leader());
        }
        if let Err(e) = self.raft.ensure_linearizable().await {
            tracing::debug!(error = %e, "read refused: not leader");
            return Err(not_leader());
        }
        Ok(f(&self.state.read()))
    }

    /// Serves a write: on the leader, decides it against the applied state (one at a time),
    /// logs its event through Raft and answers once it is applied.
    pub async fn write(&self, decide: impl FnOnce(&ReplicasState) -> Decision) -> RemotingCommand {
        if !self.is_leader() {
            return not_leader();
        }
        let _turn = self.writes.lock().await;
        if let Err(e) = self.raft.ensure_linearizable().await {
            tracing::debug!(error = %e, "write refused: not leader");
            return not_leader();
        }
        let decision = decide(&self.state.read());
        let Some(event) = decision.event else {
            return decision.response;
        };
        match self.raft.client_write(event).await {
            Ok(_) => decision.response,
            Err(e) => {
                tracing::warn!(error = %e, "controller write not committed");
                if e.forward_to_leader::<BasicNode>().is_some() {
                    not_leader()
                } else {
                    RemotingCommand::response(
                        rc::CONTROLLER_JRAFT_INTERNAL_ERROR,
                        Some(e.to_string()),
                    )
                }
            }
        }
    }

    /// Elects a master for `broker_name` on the controller's own initiative (its master's
    /// heartbeats stopped), and tells the group's live members when one is elected.
    pub async fn trigger_elect(&self, broker_name: &str) -> RemotingCommand {
        let header = ElectMasterRequestHeader {
            broker_name: broker_name.to_owned(),
            broker_id: None,
            ..Default::default()
        };
        self.elect(&header).await
    }

    /// CONTROLLER_ELECT_MASTER, then NOTIFY_BROKER_ROLE_CHANGED to the live members when
    /// `notifyBrokerRoleChanged` is on and a new master was elected.
    pub async fn elect(&self, header: &ElectMasterRequestHeader) -> RemotingCommand {
        let unclean = self.config.read().enable_elect_unclean_master;
        let response = self
            .write(|s| decide::elect_master(s, &self.live, unclean, header))
            .await;
        if response.code == rc::SUCCESS && self.config.read().notify_broker_role_changed {
            self.notify_role_changed(&header.broker_name, &response);
        }
        response
    }

    fn notify_role_changed(&self, broker_name: &str, elected: &RemotingCommand) {
        let Some(group) = self.state.read().groups.get(broker_name).cloned() else {
            return;
        };
        let mut request = RemotingCommand::request(rq::NOTIFY_BROKER_ROLE_CHANGED);
        request.ext_fields = elected.ext_fields.clone();
        let request = request.with_body(json_body(&SyncStateSet {
            sync_state_set: group.sync_state_set.clone(),
            sync_state_set_epoch: group.sync_state_set_epoch,
        }));
        for (id, member) in &group.members {
            if !self.live.is_alive(&group.cluster, broker_name, *id) {
                continue;
            }
            let client = self.client.clone();
            let addr = member.addr.clone();
            let request = request.clone();
            tokio::spawn(async move {
                if let Err(e) = client.invoke_oneway(&addr, request).await {
                    tracing::warn!(%addr, error = %e, "cannot notify broker of its role change");
                }
            });
        }
    }

    /// Snapshots the applied state now and drops the log up to it (openraft also does so
    /// by itself every 5000 entries). A controller that missed the dropped entries gets
    /// the snapshot instead. Returns the index the log now starts after.
    pub async fn compact(&self) -> Result<u64, ControllerError> {
        let raft_err = |e: openraft::error::Fatal<u64>| ControllerError::Raft(e.to_string());
        let applied = self
            .raft
            .metrics()
            .borrow()
            .last_applied
            .map_or(0, |l| l.index);
        self.raft.trigger().snapshot().await.map_err(raft_err)?;
        self.raft
            .wait(Some(Duration::from_secs(30)))
            .metrics(
                |m| m.snapshot.is_some_and(|l| l.index >= applied),
                "compact",
            )
            .await
            .ok();
        let snap = self.raft.metrics().borrow().snapshot.map_or(0, |l| l.index);
        self.raft
            .trigger()
            .purge_log(snap)
            .await
            .map_err(raft_err)?;
        Ok(snap)
    }

    /// Stops the scan, the Raft node and the peer listener.
    pub async fn shutdown(&self) {
        self.stop.notify_waiters();
        let tasks: Vec<JoinHandle<()>> = self.tasks.lock().drain(..).collect();
        for t in tasks {
            t.abort();
        }
        if let Err(e) = self.raft.shutdown().await {
            tracing::warn!(error = %e, "raft shutdown");
        }
        let server = self.server.lock().take();
        if let Some(s) = server {
            s.shutdown().await;
        }
        self.client.shutdown().await;
    }
}

/// The CONTROLLER_NOT_LEADER answer.
pub fn not_leader() -> RemotingCommand {
    RemotingCommand::response(
        rc::CONTROLLER_NOT_LEADER,
        Some(NOT_LEADER_REMARK.to_owned()),
    )
}

/// Logs (INFO) each change of the group's leader, as seen by this controller.
async fn log_leader_changes(c: Arc<Controller>) {
    let mut metrics = c.raft.metrics();
    let mut last = None;
    loop {
        let now = metrics.borrow_and_update().current_leader;
        if now != last {
            let name = c
                .peers
                .iter()
                .find(|p| Some(p.node_id) == now)
                .map_or("none", |p| p.name.as_str());
            tracing::info!(leader = name, me = %c.me.name, "controller leader changed");
            last = now;
        }
        if metrics.changed().await.is_err() {
            return;
        }
    }
}

/// Every `scanNotActiveBrokerInterval`: forget expired brokers; on the leader, elect new
/// masters for groups whose master is gone (Java's `scanNotActiveBroker` and
/// `scanInactiveMasterAndTriggerReelect`).
async fn scan_loop(c: Arc<Controller>) {
    loop {
        let every = Duration::from_millis(c.config.read().scan_not_active_broker_interval.max(100));
        tokio::select! {
            _ = c.stop.notified() => return,
            _ = tokio::time::sleep(every) => {}
        }
        for (cluster, name, id) in c.live.expire() {
            tracing::info!(%cluster, broker = %name, id, "broker heartbeat expired");
        }
        if !c.is_leader() {
            continue;
        }
        let names = decide::need_reelect(&c.state.read(), &c.live);
        for name in names {
            let r = c.trigger_elect(&name).await;
            tracing::info!(broker = %name, code = r.code, remark = ?r.remark, "re-election after master loss");
        }
    }
}
