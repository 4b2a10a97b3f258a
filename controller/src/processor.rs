//! [`ControllerProcessor`]: the controller's request codes (Java's
//! `ControllerRequestProcessor`), answered with Java's headers, bodies and response codes.
//! Writes and the replica reads go to the leader only; a follower answers
//! CONTROLLER_NOT_LEADER, and the client asks GET_METADATA_INFO of each controller to find
//! the leader, as Java's brokers and mqadmin do.

use std::sync::Arc;

use cometmq_remoting::body::fastjson;
use cometmq_remoting::code::{request as rq, response as rc};
use cometmq_remoting::java_properties;
use cometmq_remoting::settings::Settings;
use cometmq_remoting::transport::{Connection, ProcessFuture, RequestProcessor, Router};
use cometmq_remoting::RemotingCommand;

use crate::config::RULES;

/// Decodes a custom header or returns Java's answer to a bad one.
macro_rules! header {
    ($req:expr) => {
        match $req.decode_header() {
            Ok(h) => h,
            Err(e) => return RemotingCommand::header_error(&e),
        }
    };
}
use crate::decide::{self, json_body};
use crate::heartbeat::{Heartbeat, DEFAULT_HEARTBEAT_TIMEOUT};
use crate::node::Controller;
use crate::raft::files::write_atomic;
use crate::state::FIRST_BROKER_CONTROLLER_ID;
use cometmq_remoting::body::controller::{
    BrokerReplicasInfo, ReplicaIdentity, ReplicasInfo, SyncStateSet,
};
use cometmq_remoting::header::controller::{
    AlterSyncStateSetRequestHeader, ApplyBrokerIdRequestHeader, BrokerHeartbeatRequestHeader,
    CleanControllerBrokerDataRequestHeader, ElectMasterRequestHeader, GetMetaDataResponseHeader,
    GetNextBrokerIdHeader, GetReplicaInfoRequestHeader, GetReplicaInfoResponseHeader,
    RegisterBrokerToControllerRequestHeader,
};

/// The request codes a controller serves.
pub const CONTROLLER_CODES: &[i32] = &[
    rq::CONTROLLER_ALTER_SYNC_STATE_SET,
    rq::CONTROLLER_ELECT_MASTER,
    rq::CONTROLLER_REGISTER_BROKER,
    rq::CONTROLLER_GET_REPLICA_INFO,
    rq::CONTROLLER_GET_METADATA_INFO,
    rq::CONTROLLER_GET_SYNC_STATE_DATA,
    rq::BROKER_HEARTBEAT,
    rq::UPDATE_CONTROLLER_CONFIG,
    rq::GET_CONTROLLER_CONFIG,
    rq::CLEAN_BROKER_DATA,
    rq::CONTROLLER_GET_NEXT_BROKER_ID,
    rq::CONTROLLER_APPLY_BROKER_ID,
];

/// Serves [`CONTROLLER_CODES`] for one controller.
pub struct ControllerProcessor {
    controller: Arc<Controller>,
}

impl ControllerProcessor {
    /// Routes [`CONTROLLER_CODES`] to `controller` on `router` (mqcontroller's own listener, or
    /// mqnamesrv's with `enableControllerInNamesrv=true`).
    pub fn route(router: Router, controller: Arc<Controller>) -> Router {
        router.routes(
            CONTROLLER_CODES,
            Arc::new(ControllerProcessor { controller }),
        )
    }

    async fn handle(&self, req: RemotingCommand) -> RemotingCommand {
        let c = &self.controller;
        match req.code {
            rq::CONTROLLER_APPLY_BROKER_ID => {
                let h: ApplyBrokerIdRequestHeader = header!(req);
                c.write(|s| decide::apply_broker_id(s, &h)).await
            }
            rq::CONTROLLER_REGISTER_BROKER => {
                let h: RegisterBrokerToControllerRequestHeader = header!(req);
                c.write(|s| decide::register_broker(s, &c.live, &h)).await
            }
            rq::CONTROLLER_ALTER_SYNC_STATE_SET => {
                let h: AlterSyncStateSetRequestHeader = header!(req);
                let set: SyncStateSet = match fastjson::from_slice(&req.body.to_bytes()) {
                    Ok(s) => s,
                    Err(e) => return invalid(format!("bad SyncStateSet body: {e}")),
                };
                c.write(|s| decide::alter_sync_state_set(s, &c.live, &h, &set))
                    .await
            }
            rq::CONTROLLER_ELECT_MASTER => {
                let h: ElectMasterRequestHeader = header!(req);
                c.elect(&h).await
            }
            rq::CLEAN_BROKER_DATA => {
                let h: CleanControllerBrokerDataRequestHeader = header!(req);
                c.write(|s| decide::clean_broker_data(s, &c.live, &h)).await
            }
            rq::CONTROLLER_GET_NEXT_BROKER_ID => {
                let h: GetNextBrokerIdHeader = header!(req);
                let next = c
                    .read(|s| {
                        s.groups
                            .get(&h.broker_name)
                            .map_or(FIRST_BROKER_CONTROLLER_ID, |g| g.next_id)
                    })
                    .await;
                match next {
                    Ok(n) => RemotingCommand::success().with_header(&GetNextBrokerIdHeader {
                        next_broker_id: Some(n),
                        ..h
                    }),
                    Err(r) => r,
                }
            }
            rq::CONTROLLER_GET_REPLICA_INFO => {
                let h: GetReplicaInfoRequestHeader = header!(req);
                let answer = c
                    .read(|s| {
                        s.groups.get(&h.broker_name).map(|g| {
                            RemotingCommand::success()
                                .with_header(&GetReplicaInfoResponseHeader {
                                    master_broker_id: g.master,
                                    master_address: g.addr_of(g.master).map(str::to_owned),
                                    master_epoch: Some(g.master_epoch),
                                })
                                .with_body(json_body(&SyncStateSet {
                                    sync_state_set: g.sync_state_set.clone(),
                                    sync_state_set_epoch: g.sync_state_set_epoch,
                                }))
                        })
                    })
                    .await;
                match answer {
                    Ok(Some(r)) => r,
                    Ok(None) => RemotingCommand::response(
                        rc::CONTROLLER_BROKER_METADATA_NOT_EXIST,
                        Some("Broker metadata is not existed".to_owned()),
                    ),
                    Err(r) => r,
                }
            }
            rq::CONTROLLER_GET_SYNC_STATE_DATA => {
                let names: Vec<String> = if req.body.is_empty() {
                    Vec::new()
                } else {
                    match fastjson::from_slice(&req.body.to_bytes()) {
                        Ok(n) => n,
                        Err(e) => return invalid(format!("bad broker name list body: {e}")),
                    }
                };
                if names.is_empty() {
                    // Java answers `createResponseCommand(null)`: SYSTEM_ERROR with this remark.
                    return RemotingCommand::response(
                        rc::SYSTEM_ERROR,
                        Some("not set any response code".to_owned()),
                    );
                }
                match c.read(|s| sync_state_data(c, s, &names)).await {
                    Ok(body) => RemotingCommand::success().with_body(json_body(&body)),
                    Err(r) => r,
                }
            }
            rq::CONTROLLER_GET_METADATA_INFO => {
                let leader = c.leader();
                let config = c.config.read();
                RemotingCommand::success().with_header(&GetMetaDataResponseHeader {
                    group: Some(config.controller_dleger_group.clone()),
                    controller_leader_id: leader.as_ref().map(|p| p.name.clone()),
                    controller_leader_address: leader.as_ref().map(|p| p.addr.clone()),
                    is_leader: c.is_leader(),
                    peers: Some(c.peers_text()),
                })
            }
            rq::BROKER_HEARTBEAT => {
                let h: BrokerHeartbeatRequestHeader = header!(req);
                let Some(broker_id) = h.broker_id else {
                    return invalid("Heart beat with empty brokerId".to_owned());
                };
                let timeout = h
                    .heartbeat_timeout_mills
                    .and_then(|ms| u64::try_from(ms).ok())
                    .map_or(DEFAULT_HEARTBEAT_TIMEOUT, std::time::Duration::from_millis);
                c.live.beat(Heartbeat {
                    cluster: h.cluster_name,
                    broker_name: h.broker_name,
                    broker_id,
                    addr: h.broker_addr,
                    epoch: h.epoch.unwrap_or(-1),
                    max_offset: h.max_offset.unwrap_or(-1),
                    confirm_offset: h.confirm_offset.unwrap_or(-1),
                    election_priority: h.election_priority.unwrap_or(i32::MAX),
                    timeout,
                });
                RemotingCommand::success().with_remark("Heart beat success")
            }
            rq::GET_CONTROLLER_CONFIG => {
                RemotingCommand::success().with_body(c.config.read().to_properties().into_bytes())
            }
            rq::UPDATE_CONTROLLER_CONFIG => self.update_config(&req),
            code => RemotingCommand::response(
                rc::REQUEST_CODE_NOT_SUPPORTED,
                Some(format!(" request type {code} not supported")),
            ),
        }
    }

    fn update_config(&self, req: &RemotingCommand) -> RemotingCommand {
        let body = req.body.to_bytes();
        let Ok(text) = std::str::from_utf8(&body) else {
            return invalid("config body is not UTF-8 properties text".to_owned());
        };
        let pairs = match java_properties::parse(text) {
            Ok(p) => p,
            Err(e) => return invalid(format!("config body is not properties text: {e}")),
        };
        let mut config = self.controller.config.write();
        let black: Vec<&str> = config.config_black_list.split(';').map(str::trim).collect();
        if pairs.iter().any(|(k, _)| black.contains(&k.as_str())) {
            return RemotingCommand::response(
                rc::NO_PERMISSION,
                Some("Can not update config in black list.".to_owned()),
            );
        }
        let mut next = config.clone();
        if let Err(e) = RULES.apply(&mut next, &pairs) {
            return invalid(e.to_string());
        }
        *config = next;
        if let Err(e) = write_atomic(&config.config_store_path, config.to_properties().as_bytes()) {
            tracing::warn!(path = %config.config_store_path.display(), error = %e, "cannot persist the updated config");
        }
        RemotingCommand::success()
    }
}

fn sync_state_data(
    c: &Controller,
    s: &crate::state::ReplicasState,
    names: &[String],
) -> BrokerReplicasInfo {
    let mut out = BrokerReplicasInfo::default();
    for name in names {
        let Some(g) = s.groups.get(name) else {
            continue;
        };
        let mut info = ReplicasInfo {
            master_address: g.addr_of(g.master).map(str::to_owned),
            master_broker_id: g.master,
            master_epoch: g.master_epoch,
            sync_state_set_epoch: g.sync_state_set_epoch,
            ..Default::default()
        };
        for (id, m) in &g.members {
            let replica = ReplicaIdentity {
                alive: c.live.is_alive(&g.cluster, name, *id),
                broker_address: m.addr.clone(),
                broker_id: *id,
                broker_name: name.clone(),
            };
            if g.sync_state_set.contains(id) {
                info.in_sync_replicas.push(replica);
            } else {
                info.not_in_sync_replicas.push(replica);
            }
        }
        out.replicas_info_table.insert(name.clone(), info);
    }
    out
}

fn invalid(remark: String) -> RemotingCommand {
    RemotingCommand::response(rc::CONTROLLER_INVALID_REQUEST, Some(remark))
}

impl RequestProcessor for ControllerProcessor {
    fn process<'a>(&'a self, _conn: &'a Connection, request: RemotingCommand) -> ProcessFuture<'a> {
        Box::pin(async move { Some(self.handle(request).await) })
    }
}
