//! The checks of Java's `ReplicasInfoManager`: a write request against the applied state
//! gives the response and, when accepted, the [`Event`] to log. Run on the leader only,
//! one request at a time, so each decision sees every earlier one applied.

use std::collections::BTreeSet;

use cometmq_remoting::body::{fastjson, BrokerMemberGroup, JsonStyle};
use cometmq_remoting::code::response as rc;
use cometmq_remoting::RemotingCommand;
use serde::Serialize;

use crate::elect;
use crate::heartbeat::LiveBrokers;
use crate::state::{Event, ReplicasState, FIRST_BROKER_CONTROLLER_ID};
use cometmq_remoting::body::controller::{ElectMasterResponseBody, SyncStateSet};
use cometmq_remoting::header::controller::{
    AlterSyncStateSetRequestHeader, AlterSyncStateSetResponseHeader, ApplyBrokerIdRequestHeader,
    CleanControllerBrokerDataRequestHeader, ClusterBrokerHeader, ElectMasterRequestHeader,
    MasterInfoResponseHeader, RegisterBrokerToControllerRequestHeader,
};

/// A decided write: the answer, and the event to log before answering (if any).
#[derive(Debug)]
pub struct Decision {
    /// The response to send once `event` is applied.
    pub response: RemotingCommand,
    /// The change, if the request is accepted.
    pub event: Option<Event>,
}

impl Decision {
    fn refuse(code: i32, remark: String) -> Self {
        Decision {
            response: RemotingCommand::response(code, Some(remark)),
            event: None,
        }
    }
}

/// A JSON body as fastjson writes it (bare integer map keys).
pub fn json_body<T: Serialize>(value: &T) -> Vec<u8> {
    fastjson::to_vec(value, JsonStyle::Legacy).unwrap_or_default()
}

/// CONTROLLER_APPLY_BROKER_ID.
pub fn apply_broker_id(state: &ReplicasState, h: &ApplyBrokerIdRequestHeader) -> Decision {
    let addr = h.register_check_code.split(';').next().unwrap_or_default();
    let event = Event::ApplyBrokerId {
        cluster: h.cluster_name.clone(),
        broker_name: h.broker_name.clone(),
        addr: addr.to_owned(),
        broker_id: h.applied_broker_id,
        check_code: h.register_check_code.clone(),
    };
    let header = ClusterBrokerHeader {
        cluster_name: h.cluster_name.clone(),
        broker_name: h.broker_name.clone(),
    };
    let accept = match state.groups.get(&h.broker_name) {
        None => h.applied_broker_id == FIRST_BROKER_CONTROLLER_ID,
        Some(g) => g
            .members
            .get(&h.applied_broker_id)
            .is_none_or(|m| m.check_code == h.register_check_code),
    };
    if !accept {
        let remark = if state.groups.contains_key(&h.broker_name) {
            format!(
                "Fail to apply brokerId: {} in broker-set: {}",
                h.applied_broker_id, h.broker_name
            )
        } else {
            format!(
                "Broker-set: {} hasn't been registered in controller, but broker try to apply brokerId: {}",
                h.broker_name, h.applied_broker_id
            )
        };
        return Decision::refuse(rc::CONTROLLER_BROKER_ID_INVALID, remark);
    }
    Decision {
        response: RemotingCommand::success().with_header(&header),
        event: Some(event),
    }
}

/// CONTROLLER_REGISTER_BROKER.
pub fn register_broker(
    state: &ReplicasState,
    live: &LiveBrokers,
    h: &RegisterBrokerToControllerRequestHeader,
) -> Decision {
    let Some(g) = state.groups.get(&h.broker_name) else {
        return Decision::refuse(
            rc::CONTROLLER_BROKER_NEED_TO_BE_REGISTERED,
            format!(
                "Broker-set: {} hasn't been registered in controller",
                h.broker_name
            ),
        );
    };
    let Some(member) = g.members.get(&h.broker_id) else {
        return Decision::refuse(
            rc::CONTROLLER_BROKER_NEED_TO_BE_REGISTERED,
            format!(
                "BrokerId: {} hasn't been registered in broker-set: {}",
                h.broker_id, h.broker_name
            ),
        );
    };
    let mut header = MasterInfoResponseHeader {
        cluster_name: Some(h.cluster_name.clone()),
        broker_name: Some(h.broker_name.clone()),
        ..Default::default()
    };
    if let Some(master) = g.master {
        if live.is_alive(&g.cluster, &h.broker_name, master) {
            header.master_broker_id = Some(master);
            header.master_address = g.addr_of(Some(master)).map(str::to_owned);
            header.master_epoch = Some(g.master_epoch);
            header.sync_state_set_epoch = Some(g.sync_state_set_epoch);
        }
    }
    let body = json_body(&SyncStateSet {
        sync_state_set: g.sync_state_set.clone(),
        sync_state_set_epoch: g.sync_state_set_epoch,
    });
    let event = (member.addr != h.broker_address).then(|| Event::UpdateBrokerAddress {
        broker_name: h.broker_name.clone(),
        broker_id: h.broker_id,
        addr: h.broker_address.clone(),
    });
    Decision {
        response: RemotingCommand::success()
            .with_header(&header)
            .with_body(body),
        event,
    }
}

/// CONTROLLER_ALTER_SYNC_STATE_SET.
pub fn alter_sync_state_set(
    state: &ReplicasState,
    live: &LiveBrokers,
    h: &AlterSyncStateSetRequestHeader,
    new: &SyncStateSet,
) -> Decision {
    let Some(g) = state.groups.get(&h.broker_name) else {
        return Decision::refuse(
            rc::CONTROLLER_ALTER_SYNC_STATE_SET_FAILED,
            "Broker metadata is not existed".to_owned(),
        );
    };
    if g.sync_state_set == new.sync_state_set {
        return Decision::refuse(
            rc::CONTROLLER_ALTER_SYNC_STATE_SET_FAILED,
            "The newSyncStateSet is equal with oldSyncStateSet, no needed to update syncStateSet"
                .to_owned(),
        );
    }
    if g.master != Some(h.master_broker_id) {
        return Decision::refuse(
            rc::CONTROLLER_INVALID_MASTER,
            format!(
                "Rejecting alter syncStateSet request because the current leader is:{{{}}}, not {{{}}}",
                g.master.map_or("null".to_owned(), |m| m.to_string()),
                h.master_broker_id
            ),
        );
    }
    if h.master_epoch != g.master_epoch {
        return Decision::refuse(
            rc::CONTROLLER_FENCED_MASTER_EPOCH,
            format!(
                "Rejecting alter syncStateSet request because the current master epoch is:{{{}}}, not {{{}}}",
                g.master_epoch, h.master_epoch
            ),
        );
    }
    if new.sync_state_set_epoch != g.sync_state_set_epoch {
        return Decision::refuse(
            rc::CONTROLLER_FENCED_SYNC_STATE_SET_EPOCH,
            format!(
                "Rejecting alter syncStateSet request because the current syncStateSet epoch is:{{{}}}, not {{{}}}",
                g.sync_state_set_epoch, new.sync_state_set_epoch
            ),
        );
    }
    for id in &new.sync_state_set {
        if !g.members.contains_key(id) {
            return Decision::refuse(
                rc::CONTROLLER_INVALID_REPLICAS,
                format!("Rejecting alter syncStateSet request because the replicas {{{id}}} don't exist"),
            );
        }
        if !live.is_alive(&g.cluster, &h.broker_name, *id) {
            return Decision::refuse(
                rc::CONTROLLER_BROKER_NOT_ALIVE,
                format!("Rejecting alter syncStateSet request because the replicas {{{id}}} don't alive"),
            );
        }
    }
    if !new.sync_state_set.contains(&h.master_broker_id) {
        return Decision::refuse(
            rc::CONTROLLER_ALTER_SYNC_STATE_SET_FAILED,
            format!(
                "Rejecting alter syncStateSet request because the newSyncStateSet don't contains origin leader {{{}}}",
                h.master_broker_id
            ),
        );
    }
    let epoch = g.sync_state_set_epoch + 1;
    let body = json_body(&SyncStateSet {
        sync_state_set: new.sync_state_set.clone(),
        sync_state_set_epoch: epoch,
    });
    Decision {
        response: RemotingCommand::success()
            .with_header(&AlterSyncStateSetResponseHeader {
                new_sync_state_set_epoch: epoch,
            })
            .with_body(body),
        event: Some(Event::AlterSyncStateSet {
            broker_name: h.broker_name.clone(),
            sync_state_set: new.sync_state_set.clone(),
        }),
    }
}

/// CONTROLLER_ELECT_MASTER, from a broker, mqadmin, or the leader's own scan (`broker_id`
/// absent or -1).
pub fn elect_master(
    state: &ReplicasState,
    live: &LiveBrokers,
    unclean: bool,
    h: &ElectMasterRequestHeader,
) -> Decision {
    let Some(g) = state.groups.get(&h.broker_name) else {
        return Decision::refuse(
            rc::CONTROLLER_BROKER_NEED_TO_BE_REGISTERED,
            "Broker hasn't been registered".to_owned(),
        );
    };
    let broker_id = h.broker_id.filter(|id| *id != -1);
    let mut new_master = if g.first_election() { broker_id } else { None };
    if new_master.is_none() {
        let prefer = if h.designate_elect.unwrap_or(false) {
            broker_id
        } else {
            None
        };
        new_master = elect::elect(live, &h.broker_name, g, unclean, prefer);
    }
    match new_master {
        Some(m) if Some(m) == g.master => {
            let header = MasterInfoResponseHeader {
                master_broker_id: Some(m),
                master_address: g.addr_of(Some(m)).map(str::to_owned),
                master_epoch: Some(g.master_epoch),
                sync_state_set_epoch: Some(g.sync_state_set_epoch),
                ..Default::default()
            };
            let body = json_body(&ElectMasterResponseBody {
                broker_member_group: None,
                sync_state_set: g.sync_state_set.clone(),
            });
            Decision {
                response: RemotingCommand::response(
                    rc::CONTROLLER_MASTER_STILL_EXIST,
                    Some(format!(
                        "The old master {m} is still alive, not need to elect new master for broker {}",
                        h.broker_name
                    )),
                )
                .with_header(&header)
                .with_body(body),
                event: None,
            }
        }
        Some(m) => {
            let header = MasterInfoResponseHeader {
                master_broker_id: Some(m),
                master_address: g.addr_of(Some(m)).map(str::to_owned),
                master_epoch: Some(g.master_epoch + 1),
                sync_state_set_epoch: Some(g.sync_state_set_epoch + 1),
                ..Default::default()
            };
            let body = json_body(&ElectMasterResponseBody {
                broker_member_group: Some(BrokerMemberGroup {
                    broker_addrs: g
                        .members
                        .iter()
                        .map(|(id, m)| (*id, m.addr.clone()))
                        .collect(),
                    broker_name: h.broker_name.clone(),
                    cluster: g.cluster.clone(),
                }),
                sync_state_set: BTreeSet::from([m]),
            });
            Decision {
                response: RemotingCommand::success()
                    .with_header(&header)
                    .with_body(body),
                event: Some(Event::ElectMaster {
                    broker_name: h.broker_name.clone(),
                    new_master: Some(m),
                }),
            }
        }
        None if broker_id.is_none() => Decision {
            response: RemotingCommand::response(
                rc::CONTROLLER_MASTER_NOT_AVAILABLE,
                Some("Old master has down and failed to elect a new broker master".to_owned()),
            ),
            event: Some(Event::ElectMaster {
                broker_name: h.broker_name.clone(),
                new_master: None,
            }),
        },
        None => Decision::refuse(
            rc::CONTROLLER_ELECT_MASTER_FAILED,
            "Failed to elect a new master".to_owned(),
        ),
    }
}

/// CLEAN_BROKER_DATA.
pub fn clean_broker_data(
    state: &ReplicasState,
    live: &LiveBrokers,
    h: &CleanControllerBrokerDataRequestHeader,
) -> Decision {
    let ids_text = h
        .broker_controller_ids_to_clean
        .as_deref()
        .unwrap_or("")
        .trim();
    let mut ids = BTreeSet::new();
    if !h.is_clean_living_broker.unwrap_or(false) {
        let group = state.groups.get(&h.broker_name);
        if ids_text.is_empty() && group.is_some_and(|g| g.master.is_some()) {
            return Decision::refuse(
                rc::CONTROLLER_INVALID_CLEAN_BROKER_METADATA,
                format!("Broker {} is still alive, clean up failure", h.broker_name),
            );
        }
    }
    if !ids_text.is_empty() {
        for part in ids_text.split(';') {
            match part.trim().parse::<i64>() {
                Ok(id) => {
                    ids.insert(id);
                }
                Err(e) => {
                    return Decision::refuse(
                        rc::CONTROLLER_INVALID_CLEAN_BROKER_METADATA,
                        format!("Please set the option <brokerControllerIdsToClean> according to the format, exception: {e} ({part:?})"),
                    )
                }
            }
        }
        if !h.is_clean_living_broker.unwrap_or(false) {
            let cluster = h.cluster_name.as_deref().unwrap_or_default();
            if let Some(id) = ids
                .iter()
                .find(|id| live.is_alive(cluster, &h.broker_name, **id))
            {
                return Decision::refuse(
                    rc::CONTROLLER_INVALID_CLEAN_BROKER_METADATA,
                    format!(
                        "Broker [{},  {id}] is still alive, clean up failure",
                        h.broker_name
                    ),
                );
            }
        }
    }
    if !state.groups.contains_key(&h.broker_name) {
        return Decision::refuse(
            rc::CONTROLLER_INVALID_CLEAN_BROKER_METADATA,
            format!(
                "Broker {} is not existed,clean broker data failure.",
                h.broker_name
            ),
        );
    }
    Decision {
        response: RemotingCommand::success(),
        event: Some(Event::CleanBrokerData {
            broker_name: h.broker_name.clone(),
            broker_ids: ids,
        }),
    }
}

/// Groups whose master is dead while some member is alive (Java's `scanNeedReelectBrokerSets`).
pub fn need_reelect(state: &ReplicasState, live: &LiveBrokers) -> Vec<String> {
    state
        .groups
        .iter()
        .filter(|(name, g)| {
            g.master
                .is_some_and(|m| !live.is_alive(&g.cluster, name, m))
                && g.members
                    .keys()
                    .any(|id| live.is_alive(&g.cluster, name, *id))
        })
        .map(|(name, _)| name.clone())
        .collect()
}
