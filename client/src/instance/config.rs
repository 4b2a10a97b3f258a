//! [`ClientConfig`]: what every producer, consumer and admin client shares (Java
//! `ClientConfig`), with the defaults of reference §11.1.

use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cometmq_remoting::transport::TransportConfig;

use crate::consumer::offset_store::default_offsets_root;

/// The instance name that is replaced by `<pid>#<nanos>` (Java `changeInstanceNameToPID`).
pub const DEFAULT_INSTANCE_NAME: &str = "DEFAULT";

/// Client settings. Build with struct-update syntax from [`ClientConfig::default`], or with
/// [`ClientConfig::new`] for the common case.
///
/// ```
/// use std::time::Duration;
/// use cometmq_client::instance::ClientConfig;
/// let cfg = ClientConfig {
///     instance_name: "orders".into(),
///     request_timeout: Duration::from_secs(5),
///     ..ClientConfig::new("10.0.0.1:9876;10.0.0.2:9876")
/// };
/// assert_eq!(cfg.namesrv_addrs(), ["10.0.0.1:9876", "10.0.0.2:9876"]);
/// assert!(cfg.client_id().ends_with("@orders"));
/// ```
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// NameServer addresses separated by `;` (Java `namesrvAddr`; default: env `NAMESRV_ADDR`).
    pub namesrv_addr: String,
    /// This client's IP as brokers see it in the client id (default: the address of the
    /// interface with the default route).
    pub client_ip: String,
    /// Instance name (Java `rocketmq.client.name`, default `DEFAULT`, which becomes
    /// `<pid>#<nanos>` so that each client of a process has its own id).
    pub instance_name: String,
    /// Optional unit name appended to the client id.
    pub unit_name: Option<String>,
    /// Route refresh interval (`pollNameServerInterval`, 30 s).
    pub poll_name_server_interval: Duration,
    /// Heartbeat interval (`heartbeatBrokerInterval`, 30 s).
    pub heartbeat_broker_interval: Duration,
    /// Consumer offset persist interval (`persistConsumerOffsetInterval`, 5 s).
    pub persist_consumer_offset_interval: Duration,
    /// Timeout of ordinary requests to NameServers and brokers (`mqClientApiTimeout`, 3 s).
    pub request_timeout: Duration,
    /// Root of broadcasting offset files (`~/.rocketmq_offsets`).
    pub offsets_root: PathBuf,
    /// Connection settings; `transport.tls_client` connects to NameServers and brokers
    /// with TLS (Java's `tls.enable`; see `cometmq_remoting::tls::ClientTls`).
    pub transport: TransportConfig,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            namesrv_addr: std::env::var("NAMESRV_ADDR").unwrap_or_default(),
            client_ip: local_ip().to_string(),
            instance_name: DEFAULT_INSTANCE_NAME.to_owned(),
            unit_name: None,
            poll_name_server_interval: Duration::from_secs(30),
            heartbeat_broker_interval: Duration::from_secs(30),
            persist_consumer_offset_interval: Duration::from_secs(5),
            request_timeout: Duration::from_secs(3),
            offsets_root: default_offsets_root(),
            transport: TransportConfig::default(),
        }
    }
}

impl ClientConfig {
    /// Defaults, with the NameServers `namesrv_addr` (`"host:port;host:port"`).
    pub fn new(namesrv_addr: impl Into<String>) -> Self {
        ClientConfig {
            namesrv_addr: namesrv_addr.into(),
            ..Default::default()
        }
    }

    /// The NameServer addresses, trimmed, empty entries dropped.
    pub fn namesrv_addrs(&self) -> Vec<String> {
        self.namesrv_addr
            .split(';')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The client id `ip@instance[@unit]` (Java `buildMQClientId`). Call after
    /// [`Self::resolve_instance_name`] to get the id the client will use.
    pub fn client_id(&self) -> String {
        let mut id = format!("{}@{}", self.client_ip, self.instance_name);
        if let Some(unit) = self.unit_name.as_deref().filter(|u| !u.is_empty()) {
            id.push('@');
            id.push_str(unit);
        }
        id
    }

    /// Replaces the instance name `DEFAULT` with `<pid>#<nanos>` (Java 4.9+).
    pub fn resolve_instance_name(&mut self) {
        if self.instance_name == DEFAULT_INSTANCE_NAME {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            self.instance_name = format!("{}#{}", std::process::id(), nanos);
        }
    }
}

/// The address of the interface with the default route (no packet is sent), or 127.0.0.1.
pub fn local_ip() -> IpAddr {
    let probe = || -> Option<IpAddr> {
        let sock = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
        sock.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
        let ip = sock.local_addr().ok()?.ip();
        (!ip.is_unspecified()).then_some(ip)
    };
    probe().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids() {
        let mut c = ClientConfig {
            client_ip: "10.0.0.1".into(),
            ..ClientConfig::new(" a:1 ;; b:2;")
        };
        assert_eq!(c.namesrv_addrs(), ["a:1", "b:2"]);
        assert_eq!(c.client_id(), "10.0.0.1@DEFAULT");
        c.resolve_instance_name();
        let pid = std::process::id().to_string();
        assert!(
            c.instance_name.starts_with(&format!("{pid}#")),
            "{}",
            c.instance_name
        );
        c.instance_name = "x".into();
        c.resolve_instance_name();
        c.unit_name = Some("u".into());
        assert_eq!(c.client_id(), "10.0.0.1@x@u");
        assert_eq!(c.poll_name_server_interval, Duration::from_secs(30));
        assert_eq!(c.persist_consumer_offset_interval, Duration::from_secs(5));
    }
}
