//! Broker roles over the store's HA stream (reference §10): what SYNC_MASTER,
//! ASYNC_MASTER and SLAVE change in the broker.
//!
//! - Masters run an [`HaMaster`] on `haListenPort`; on a SYNC_MASTER, sends with `WAIT` ≠
//!   false then wait up to `syncFlushTimeout` for a slave's acknowledgement in the store's
//!   durability wait (see [`crate::append`]), answering SLAVE_NOT_AVAILABLE (no slave, or
//!   one more than `haSlaveFallbehindMax` behind) or FLUSH_SLAVE_TIMEOUT — both
//!   stored-but-flagged results.
//! - Slaves run an [`HaSlave`] towards `haMasterAddress`, or towards the HA address the
//!   NameServer reports at each registration ([`on_registered`]); they refuse sends and
//!   END_TRANSACTION before any processor runs ([`gate`]), serve pulls with Java's slave
//!   rules ([`adjust_pull_on_slave`]) and copy metadata from the master
//!   ([`crate::slave_sync`]).
//! - [`ha_runtime_info`]: the replication entries of GET_BROKER_RUNTIME_INFO.
//!
//! Concurrency: [`Replication`] lives in [`BrokerState`]; its HA service is set once at
//! start (`OnceLock`), and the master's client address is a short-held `RwLock`.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use cometmq_remoting::code::{request, response};
use cometmq_remoting::settings::SettingError;
use cometmq_remoting::transport::{Connection, ProcessFuture, RequestProcessor, Router};
use cometmq_remoting::RemotingCommand;
use cometmq_store::ha::{HaConfig, HaMaster, HaSlave};
use parking_lot::RwLock;

use crate::config::{BrokerConfig, BrokerRole, ConfigError};
use crate::register::MasterInfo;
use crate::state::BrokerState;
use crate::BrokerStartError;

/// The replication side of a broker.
#[derive(Debug, Default)]
pub struct Replication {
    master: OnceLock<HaMaster>,
    slave: OnceLock<HaSlave>,
    /// A slave's master client address, as the NameServer last reported it.
    master_addr: RwLock<Option<String>>,
}

impl Replication {
    /// The HA server, on a master.
    pub fn master(&self) -> Option<&HaMaster> {
        self.master.get()
    }

    /// The replication client, on a slave.
    pub fn slave(&self) -> Option<&HaSlave> {
        self.slave.get()
    }

    /// A slave's master client address (for metadata sync), once known.
    pub fn master_addr(&self) -> Option<String> {
        self.master_addr.read().clone()
    }
}

/// The store's HA settings from the broker's.
pub fn ha_config(c: &BrokerConfig) -> HaConfig {
    HaConfig {
        transfer_batch_size: c.ha_transfer_batch_size.max(1),
        heartbeat_interval: Duration::from_millis(c.ha_send_heartbeat_interval.max(1)),
        housekeeping_interval: Duration::from_millis(c.ha_housekeeping_interval.max(1)),
        slave_fallbehind_max: c.ha_slave_fallbehind_max,
        ..HaConfig::default()
    }
}

/// Java's start-up rule: masters are brokerId 0, slaves need an id above 0.
pub fn check_role(c: &mut BrokerConfig) -> Result<(), ConfigError> {
    match c.broker_role {
        BrokerRole::Slave if c.broker_id <= 0 => Err(ConfigError::Invalid(SettingError {
            key: "brokerId".into(),
            value: c.broker_id.to_string(),
            expected: "a brokerId > 0 for a SLAVE",
        })),
        BrokerRole::Slave => Ok(()),
        BrokerRole::SyncMaster | BrokerRole::AsyncMaster => {
            c.broker_id = cometmq_remoting::body::MASTER_ID;
            Ok(())
        }
    }
}

/// The address the HA server is reached at: `brokerIP2` (or brokerIP1) and the HA port.
pub fn ha_server_addr(state: &BrokerState) -> String {
    let cfg = state.config();
    let ip = cfg
        .broker_ip2
        .parse::<IpAddr>()
        .unwrap_or_else(|_| state.store_host.ip());
    let port = state
        .ha
        .master()
        .map_or_else(|| cfg.ha_port(), |m| m.local_addr().port());
    SocketAddr::new(ip, port).to_string()
}

/// Starts the role's HA side: a master's HA server on `haListenPort`, or a slave's
/// replication client (towards `haMasterAddress` if set; otherwise it waits for the
/// NameServer's answer).
///
/// The HA server binds where slaves are told to connect: `brokerIP2` when set, else
/// `bind_ip`, the address the broker's other listeners bind (`brokerIP1`, or all
/// interfaces when that is unset). A `brokerIP2` that is not an address of this host (a
/// NAT address) falls back to `bind_ip`.
pub async fn start(state: &Arc<BrokerState>, bind_ip: IpAddr) -> Result<(), BrokerStartError> {
    let cfg = state.config();
    if cfg.broker_role == BrokerRole::Slave {
        let fixed = Some(cfg.ha_master_address.clone()).filter(|a| !a.is_empty());
        let slave = HaSlave::start(state.store.clone(), ha_config(&cfg), fixed);
        let _ = state.ha.slave.set(slave);
    } else {
        let ip = match cfg.broker_ip2.parse::<IpAddr>() {
            Ok(ip2) if ip2 != bind_ip && !bind_ip.is_unspecified() => {
                match std::net::TcpListener::bind(SocketAddr::new(ip2, 0)) {
                    Ok(_) => ip2,
                    Err(e) => {
                        tracing::warn!(brokerIP2 = %ip2, error = %e, "brokerIP2 is not a local address; the HA service binds brokerIP1");
                        bind_ip
                    }
                }
            }
            _ => bind_ip,
        };
        let addr = SocketAddr::new(ip, cfg.ha_port());
        let master = match HaMaster::start(state.store.clone(), addr, ha_config(&cfg)).await {
            Ok(m) => m,
            // listenPort + 1 is taken and no haListenPort was asked for: any free port
            // will do, since registration reports the real one.
            Err(e) if cfg.ha_listen_port == 0 => {
                tracing::warn!(port = cfg.ha_port(), error = %e, "cannot bind listenPort + 1 for HA; using a free port");
                HaMaster::start(state.store.clone(), SocketAddr::new(ip, 0), ha_config(&cfg))
                    .await
                    .map_err(cometmq_remoting::RemotingError::Io)?
            }
            Err(e) => return Err(cometmq_remoting::RemotingError::Io(e).into()),
        };
        let _ = state.ha.master.set(master);
    }
    Ok(())
}

/// What a registration answer means for a slave: the master's client address (metadata
/// sync) and, unless `haMasterAddress` is configured, its HA address. An answer without
/// them (the master is down) keeps the last known ones.
pub fn on_registered(state: &BrokerState, info: &MasterInfo) {
    let cfg = state.config();
    if cfg.broker_role != BrokerRole::Slave {
        return;
    }
    if let Some(addr) = &info.master_addr {
        let mut cur = state.ha.master_addr.write();
        if cur.as_ref() != Some(addr) {
            tracing::info!(master = %addr, "master address from the NameServer");
            *cur = Some(addr.clone());
        }
    }
    if cfg.ha_master_address.is_empty() {
        if let Some(slave) = state.ha.slave() {
            slave.set_master(info.ha_server_addr.as_deref());
        }
    }
}

/// Wraps the router so a slave refuses writes before any processor runs: sends with
/// SERVICE_NOT_AVAILABLE (the store refuses puts on a slave), consumer send-backs with
/// SYSTEM_ERROR as Java's does, END_TRANSACTION with SLAVE_NOT_AVAILABLE.
pub fn gate(state: &Arc<BrokerState>, router: Router) -> Arc<dyn RequestProcessor> {
    Arc::new(RoleGate {
        state: state.clone(),
        router,
    })
}

struct RoleGate {
    state: Arc<BrokerState>,
    router: Router,
}

/// The gate passes the router's future on instead of boxing another around it.
impl RequestProcessor for RoleGate {
    fn process<'a>(&'a self, conn: &'a Connection, request: RemotingCommand) -> ProcessFuture<'a> {
        if self.state.config().broker_role == BrokerRole::Slave {
            if let Some(refused) = refuse_on_slave(request.code) {
                return Box::pin(std::future::ready(Some(refused)));
            }
        }
        self.router.process(conn, request)
    }
}

/// A slave's answer to a write request, if `code` is one.
pub fn refuse_on_slave(code: i32) -> Option<RemotingCommand> {
    let (code, remark) = match code {
        request::SEND_MESSAGE | request::SEND_MESSAGE_V2 | request::SEND_BATCH_MESSAGE => (
            response::SERVICE_NOT_AVAILABLE,
            "service not available now. It may be caused by one of the following reasons: \
             the broker's disk is full, messages are put to the slave, message store has been \
             shut down, etc.",
        ),
        request::CONSUMER_SEND_MSG_BACK => (response::SYSTEM_ERROR, "SERVICE_NOT_AVAILABLE"),
        request::END_TRANSACTION => (
            response::SLAVE_NOT_AVAILABLE,
            "Message store is slave mode, so end transaction is forbidden. ",
        ),
        _ => return None,
    };
    Some(RemotingCommand::response(code, Some(remark.to_string())))
}

/// Java's slave rule for pull answers: unless `offsetCheckInSlave`, a slave does not
/// correct offsets — PULL_OFFSET_MOVED becomes PULL_RETRY_IMMEDIATELY and the next
/// offset stays the requested one (the slave may just be behind its master).
pub fn adjust_pull_on_slave(
    cfg: &BrokerConfig,
    mut resp: RemotingCommand,
    requested: i64,
) -> RemotingCommand {
    if cfg.broker_role != BrokerRole::Slave || cfg.offset_check_in_slave {
        return resp;
    }
    let found_null = resp.remark.as_deref() == Some("OFFSET_FOUND_NULL");
    if resp.code == response::PULL_OFFSET_MOVED || found_null {
        if resp.code == response::PULL_OFFSET_MOVED {
            resp.code = response::PULL_RETRY_IMMEDIATELY;
        }
        resp.ext_fields
            .insert("nextBeginOffset".into(), requested.to_string());
    }
    resp
}

/// Replication entries for GET_BROKER_RUNTIME_INFO. On a master: the number of slaves,
/// the best acknowledged offset (`haPush2SlaveMaxOffset`), `slaveFallBehindBytes`, and
/// for each slave its address, acknowledged offset and lag. On a slave: the master it
/// replicates from, whether connected, and the offset last reported.
pub fn ha_runtime_info(state: &BrokerState) -> Vec<(String, String)> {
    let mut v = Vec::new();
    let mut put = |k: &str, val: String| v.push((k.to_string(), val));
    if let Some(m) = state.ha.master() {
        let slaves = m.slaves();
        put("haServerAddr", ha_server_addr(state));
        put("haConnectionCount", slaves.len().to_string());
        put("haPush2SlaveMaxOffset", m.acked_offset().to_string());
        put("slaveFallBehindBytes", m.fall_behind_bytes().to_string());
        for (i, s) in slaves.iter().enumerate() {
            put(&format!("haSlave{i}Addr"), s.addr.to_string());
            put(&format!("haSlave{i}AckOffset"), s.acked_offset.to_string());
            put(
                &format!("haSlave{i}FallBehindBytes"),
                s.behind_bytes.to_string(),
            );
        }
    }
    if let Some(s) = state.ha.slave() {
        let st = s.status();
        put("haMasterAddress", st.master_addr.unwrap_or_default());
        put("haMasterConnected", st.connected.to_string());
        put("haSlaveReportedOffset", st.reported_offset.to_string());
        put("masterAddr", state.ha.master_addr().unwrap_or_default());
    }
    v
}

/// Stops the HA service (before the store closes).
pub async fn shutdown(state: &BrokerState) {
    if let Some(m) = state.ha.master() {
        m.shutdown().await;
    }
    if let Some(s) = state.ha.slave() {
        s.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_rules() {
        let mut c = BrokerConfig {
            broker_role: BrokerRole::Slave,
            broker_id: 0,
            ..BrokerConfig::default()
        };
        assert!(check_role(&mut c)
            .unwrap_err()
            .to_string()
            .contains("brokerId"));
        c.broker_id = 2;
        assert!(check_role(&mut c).is_ok());
        c.broker_role = BrokerRole::SyncMaster;
        assert!(check_role(&mut c).is_ok());
        assert_eq!(c.broker_id, 0);
    }

    #[test]
    fn slaves_refuse_writes_only() {
        let send = refuse_on_slave(request::SEND_MESSAGE_V2);
        assert_eq!(send.map(|r| r.code), Some(response::SERVICE_NOT_AVAILABLE));
        let end = refuse_on_slave(request::END_TRANSACTION);
        assert_eq!(end.map(|r| r.code), Some(response::SLAVE_NOT_AVAILABLE));
        assert!(refuse_on_slave(request::PULL_MESSAGE).is_none());
        assert!(refuse_on_slave(request::UPDATE_CONSUMER_OFFSET).is_none());
    }

    #[test]
    fn slave_pulls_do_not_move_offsets() {
        let mut c = BrokerConfig {
            broker_role: BrokerRole::Slave,
            broker_id: 1,
            ..BrokerConfig::default()
        };
        let moved = || {
            let mut r = RemotingCommand::response(
                response::PULL_OFFSET_MOVED,
                Some("OFFSET_OVERFLOW_BADLY".into()),
            );
            r.ext_fields.insert("nextBeginOffset".into(), "3".into());
            r
        };
        let r = adjust_pull_on_slave(&c, moved(), 9);
        assert_eq!(r.code, response::PULL_RETRY_IMMEDIATELY);
        assert_eq!(r.ext_fields.get("nextBeginOffset"), Some("9"));
        c.offset_check_in_slave = true;
        assert_eq!(
            adjust_pull_on_slave(&c, moved(), 9).code,
            response::PULL_OFFSET_MOVED
        );
        c.broker_role = BrokerRole::AsyncMaster;
        c.offset_check_in_slave = false;
        assert_eq!(
            adjust_pull_on_slave(&c, moved(), 9).code,
            response::PULL_OFFSET_MOVED
        );
    }
}
