//! The replicated state: per broker group (broker name) its members and their ids, the
//! master, the master epoch, the SyncStateSet and its epoch — Java's `BrokerReplicaInfo`
//! and `SyncStateInfo` of `ReplicasInfoManager`. It changes only by [`Event`]s applied
//! from the Raft log, in log order, on every controller.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// Java's `MixAll.FIRST_BROKER_CONTROLLER_ID`: the first id a broker group hands out.
pub const FIRST_BROKER_CONTROLLER_ID: i64 = 1;

/// One member of a broker group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// `ip:port` the broker registered with.
    pub addr: String,
    /// The check code it applied for its id with (`addr;uuid`).
    pub check_code: String,
}

/// A broker group's replicas and sync state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerGroup {
    /// Cluster name.
    pub cluster: String,
    /// Members by broker id.
    pub members: BTreeMap<i64, Member>,
    /// The id [`ReplicasState`] hands out next (Java's `nextAssignBrokerId`).
    pub next_id: i64,
    /// The master's broker id, if one is elected and not lost.
    pub master: Option<i64>,
    /// Raised at every election (also a failed one).
    pub master_epoch: i32,
    /// The in-sync replicas.
    pub sync_state_set: BTreeSet<i64>,
    /// Raised at every SyncStateSet change.
    pub sync_state_set_epoch: i32,
}

impl BrokerGroup {
    fn new(cluster: &str) -> Self {
        BrokerGroup {
            cluster: cluster.to_owned(),
            members: BTreeMap::new(),
            next_id: FIRST_BROKER_CONTROLLER_ID,
            master: None,
            master_epoch: 0,
            sync_state_set: BTreeSet::new(),
            sync_state_set_epoch: 0,
        }
    }

    /// The address of broker `id`.
    pub fn addr_of(&self, id: Option<i64>) -> Option<&str> {
        id.and_then(|id| self.members.get(&id))
            .map(|m| m.addr.as_str())
    }

    /// Java's `isFirstTimeForElect`: no election has happened yet.
    pub fn first_election(&self) -> bool {
        self.master_epoch == 0
    }

    fn set_sync_state_set(&mut self, set: BTreeSet<i64>) {
        self.sync_state_set = set;
        self.sync_state_set_epoch += 1;
    }
}

/// A change to the state: one Raft log entry (Java's `EventMessage` types).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// A broker got an id (the group is created by its first id).
    ApplyBrokerId {
        /// Cluster name.
        cluster: String,
        /// Broker name.
        broker_name: String,
        /// Address.
        addr: String,
        /// The id.
        broker_id: i64,
        /// `addr;uuid`.
        check_code: String,
    },
    /// A registered broker's address changed.
    UpdateBrokerAddress {
        /// Broker name.
        broker_name: String,
        /// The id.
        broker_id: i64,
        /// The new address.
        addr: String,
    },
    /// The master changed the SyncStateSet.
    AlterSyncStateSet {
        /// Broker name.
        broker_name: String,
        /// The new set.
        sync_state_set: BTreeSet<i64>,
    },
    /// An election: `Some(id)` elected (the set becomes `{id}`), `None` the master is lost.
    ElectMaster {
        /// Broker name.
        broker_name: String,
        /// The new master.
        new_master: Option<i64>,
    },
    /// Broker data removed: the whole group (empty set) or these ids.
    CleanBrokerData {
        /// Broker name.
        broker_name: String,
        /// The ids; empty means the whole group.
        broker_ids: BTreeSet<i64>,
    },
}

/// All broker groups, by broker name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicasState {
    /// Broker groups by broker name.
    pub groups: BTreeMap<String, BrokerGroup>,
}

impl ReplicasState {
    /// Applies one event, as Java's `ReplicasInfoManager.applyEvent` does. Events about
    /// unknown groups change nothing (they were checked before being logged).
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::ApplyBrokerId {
                cluster,
                broker_name,
                addr,
                broker_id,
                check_code,
            } => {
                let group = self
                    .groups
                    .entry(broker_name.clone())
                    .or_insert_with(|| BrokerGroup::new(cluster));
                if !group.members.contains_key(broker_id) {
                    group.members.insert(
                        *broker_id,
                        Member {
                            addr: addr.clone(),
                            check_code: check_code.clone(),
                        },
                    );
                    group.next_id += 1;
                }
            }
            Event::UpdateBrokerAddress {
                broker_name,
                broker_id,
                addr,
            } => {
                if let Some(m) = self
                    .groups
                    .get_mut(broker_name)
                    .and_then(|g| g.members.get_mut(broker_id))
                {
                    m.addr = addr.clone();
                }
            }
            Event::AlterSyncStateSet {
                broker_name,
                sync_state_set,
            } => {
                if let Some(g) = self.groups.get_mut(broker_name) {
                    g.set_sync_state_set(sync_state_set.clone());
                }
            }
            Event::ElectMaster {
                broker_name,
                new_master,
            } => {
                if let Some(g) = self.groups.get_mut(broker_name) {
                    g.master = *new_master;
                    g.master_epoch += 1;
                    if let Some(id) = new_master {
                        g.set_sync_state_set(BTreeSet::from([*id]));
                    }
                }
            }
            Event::CleanBrokerData {
                broker_name,
                broker_ids,
            } => {
                if broker_ids.is_empty() {
                    self.groups.remove(broker_name);
                    return;
                }
                let Some(g) = self.groups.get_mut(broker_name) else {
                    return;
                };
                for id in broker_ids {
                    g.members.remove(id);
                    g.sync_state_set.remove(id);
                }
                // Java drops the group when either table empties.
                if g.members.is_empty() || g.sync_state_set.is_empty() {
                    self.groups.remove(broker_name);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply_id(s: &mut ReplicasState, id: i64) {
        s.apply(&Event::ApplyBrokerId {
            cluster: "C".into(),
            broker_name: "b".into(),
            addr: format!("a{id}"),
            broker_id: id,
            check_code: format!("a{id};x"),
        });
    }

    #[test]
    fn ids_election_and_sync_state_set() {
        let mut s = ReplicasState::default();
        apply_id(&mut s, 1);
        apply_id(&mut s, 2);
        let g = &s.groups["b"];
        assert_eq!(g.next_id, 3);
        assert!(g.first_election());
        s.apply(&Event::ElectMaster {
            broker_name: "b".into(),
            new_master: Some(1),
        });
        s.apply(&Event::AlterSyncStateSet {
            broker_name: "b".into(),
            sync_state_set: [1, 2].into(),
        });
        let g = &s.groups["b"];
        assert_eq!(
            (g.master, g.master_epoch, g.sync_state_set_epoch),
            (Some(1), 1, 2)
        );
        s.apply(&Event::ElectMaster {
            broker_name: "b".into(),
            new_master: None,
        });
        let g = &s.groups["b"];
        assert_eq!((g.master, g.master_epoch), (None, 2));
        assert_eq!(g.sync_state_set, [1, 2].into());
        s.apply(&Event::CleanBrokerData {
            broker_name: "b".into(),
            broker_ids: [2].into(),
        });
        assert_eq!(s.groups["b"].members.len(), 1);
        s.apply(&Event::CleanBrokerData {
            broker_name: "b".into(),
            broker_ids: BTreeSet::new(),
        });
        assert!(s.groups.is_empty());
    }
}
