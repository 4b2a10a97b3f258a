//! Registration with every NameServer (reference §3.9, §12): at start, every
//! `registerNameServerPeriod` (clamped to 10–60 s), and at once when topics change;
//! UNREGISTER_BROKER at a clean stop.

use cometmq_remoting::periodic;
use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::body::RegisterBrokerBody;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    RegisterBrokerRequestHeader, RegisterBrokerResponseHeader, UnregisterBrokerRequestHeader,
};
use cometmq_remoting::transport::RemotingClient;
use cometmq_remoting::RemotingCommand;
use tokio_util::sync::CancellationToken;

use crate::state::BrokerState;

/// The master's addresses as the NameServer reports them to a slave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MasterInfo {
    /// The master's client address.
    pub master_addr: Option<String>,
    /// The master's HA address.
    pub ha_server_addr: Option<String>,
}

/// Registers once with every NameServer; returns what the last one that answered said.
pub async fn register_all(state: &BrokerState, client: &RemotingClient) -> MasterInfo {
    let cfg = state.config();
    let body = RegisterBrokerBody {
        filter_server_list: Vec::new(),
        topic_config_serialize_wrapper: state.topics.snapshot(),
    };
    let bytes = match body.encode(cfg.compressed_register) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "cannot encode the registration body");
            return MasterInfo::default();
        }
    };
    let crc = (crc32fast::hash(&bytes) & 0x7FFF_FFFF) as i32;
    let header = RegisterBrokerRequestHeader {
        broker_name: cfg.broker_name.clone(),
        broker_addr: state.broker_addr.clone(),
        cluster_name: cfg.broker_cluster_name.clone(),
        ha_server_addr: crate::replication::ha_server_addr(state),
        broker_id: cfg.broker_id,
        compressed: Some(cfg.compressed_register),
        body_crc32: Some(crc),
        ..Default::default()
    };
    let timeout = Duration::from_millis(cfg.register_broker_timeout_mills);
    let mut info = MasterInfo::default();
    for addr in cfg.namesrv_addrs() {
        let req = RemotingCommand::request_with_header(request::REGISTER_BROKER, &header)
            .with_body(bytes.clone());
        match client.invoke(&addr, req, timeout).await {
            Ok(resp) if resp.code == response::SUCCESS => {
                if let Ok(h) = resp.decode_header::<RegisterBrokerResponseHeader>() {
                    info = MasterInfo {
                        master_addr: h.master_addr.filter(|s| !s.is_empty()),
                        ha_server_addr: h.ha_server_addr.filter(|s| !s.is_empty()),
                    };
                }
                tracing::debug!(namesrv = %addr, "registered");
            }
            Ok(resp) => {
                tracing::warn!(namesrv = %addr, code = resp.code, remark = ?resp.remark, "registration refused")
            }
            Err(e) => tracing::warn!(namesrv = %addr, error = %e, "registration failed"),
        }
    }
    info
}

/// Unregisters from every NameServer (clean shutdown).
pub async fn unregister_all(state: &BrokerState, client: &RemotingClient) {
    let cfg = state.config();
    let header = UnregisterBrokerRequestHeader {
        broker_name: cfg.broker_name.clone(),
        broker_addr: state.broker_addr.clone(),
        cluster_name: cfg.broker_cluster_name.clone(),
        broker_id: cfg.broker_id,
    };
    for addr in cfg.namesrv_addrs() {
        let req = RemotingCommand::request_with_header(request::UNREGISTER_BROKER, &header);
        if let Err(e) = client.invoke(&addr, req, Duration::from_secs(3)).await {
            tracing::warn!(namesrv = %addr, error = %e, "unregistration failed");
        }
    }
}

/// Re-registers periodically and whenever the topic table changes, until `stop`.
pub async fn run(state: Arc<BrokerState>, client: Arc<RemotingClient>, stop: CancellationToken) {
    let period_or_change = || async {
        let period = Duration::from_millis(
            state
                .config()
                .register_name_server_period
                .clamp(10_000, 60_000),
        );
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = state.topics_changed.notified() => {}
        }
    };
    periodic::after_each(stop.cancelled(), period_or_change, || async {
        let master = register_all(&state, &client).await;
        crate::replication::on_registered(&state, &master);
    })
    .await;
}
