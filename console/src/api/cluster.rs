//! The cluster page: brokers, roles, versions, TPS, disk, slave lag (`clusterList`).

use serde_json::{json, Value};

use crate::error::Result;
use crate::server::State;

/// `GET /api/cluster`: every broker of every cluster, with its runtime info.
pub async fn list(state: &State) -> Result<Value> {
    let brokers = state.admin.cluster_list(None).await?;
    let rows: Vec<Value> = brokers
        .iter()
        .map(|b| {
            let rt = |k: &str| b.runtime.get(k).cloned().unwrap_or_default();
            json!({
                "cluster": b.cluster,
                "brokerName": b.broker_name,
                "brokerId": b.broker_id,
                "role": if b.broker_id == 0 { "MASTER" } else { "SLAVE" },
                "addr": b.addr,
                "version": b.version,
                "inTps": b.in_tps,
                "outTps": b.out_tps,
                "diskRatio": b.disk_ratio,
                "hours": b.hours,
                "slaveFallBehindBytes": rt("slaveFallBehindBytes"),
                "haConnectionCount": rt("haConnectionCount"),
                "commitLogMaxOffset": rt("commitLogMaxOffset"),
                "error": b.error,
            })
        })
        .collect();
    Ok(json!({ "namesrv": state.admin.namesrv_addrs(), "brokers": rows }))
}
