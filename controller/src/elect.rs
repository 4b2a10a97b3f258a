//! The election policy (Java's `DefaultElectPolicy`): keep the old master while it is
//! alive; else take the designated broker if alive; else the alive candidate with the
//! highest (epoch, max offset), then the lowest election priority. Candidates are the
//! SyncStateSet, and all replicas after it when `enableElectUncleanMaster` allows.

use std::collections::BTreeSet;

use crate::heartbeat::LiveBrokers;
use crate::state::BrokerGroup;

/// Picks the new master of `group` (named `broker_name`), or `None` when no candidate is
/// alive. `prefer` is a designated broker (mqadmin electMaster).
pub fn elect(
    live: &LiveBrokers,
    broker_name: &str,
    group: &BrokerGroup,
    unclean: bool,
    prefer: Option<i64>,
) -> Option<i64> {
    let all: BTreeSet<i64> = group.members.keys().copied().collect();
    try_elect(live, broker_name, group, &group.sync_state_set, prefer).or_else(|| {
        unclean
            .then(|| try_elect(live, broker_name, group, &all, prefer))
            .flatten()
    })
}

fn try_elect(
    live: &LiveBrokers,
    broker_name: &str,
    group: &BrokerGroup,
    candidates: &BTreeSet<i64>,
    prefer: Option<i64>,
) -> Option<i64> {
    let alive: Vec<(i64, crate::heartbeat::LiveInfo)> = candidates
        .iter()
        .filter_map(|id| {
            live.get(&group.cluster, broker_name, *id)
                .map(|info| (*id, info))
        })
        .collect();
    if alive.is_empty() {
        return None;
    }
    let is_alive = |id: i64| alive.iter().any(|(a, _)| *a == id);
    if let Some(old) = group.master {
        if is_alive(old) && prefer.is_none_or(|p| p == old) {
            return Some(old);
        }
    }
    if let Some(p) = prefer {
        return is_alive(p).then_some(p);
    }
    alive
        .iter()
        .max_by(|(ia, a), (ib, b)| {
            (a.epoch, a.max_offset, -a.election_priority, -ia).cmp(&(
                b.epoch,
                b.max_offset,
                -b.election_priority,
                -ib,
            ))
        })
        .map(|(id, _)| *id)
}
