//! [`ConsoleConfig`]: where the console listens, which cluster it shows, and its limits.

use std::time::Duration;

/// How a console is started (`mqconsole` flags, or `mqbroker --standalone`).
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// NameServer addresses of the cluster shown (`host:port;host:port`).
    pub namesrv_addr: String,
    /// Address to listen on; `127.0.0.1` by default, since the console has write actions.
    pub host: String,
    /// Port to listen on; 0 picks a free one.
    pub port: u16,
    /// Offer no write action (create/delete topic, reset offsets, resend): every write
    /// request is answered 403.
    pub read_only: bool,
    /// ACL access key the console signs its admin requests with (RocketMQ's `accessKey`).
    /// Held for the client's ACL signing; see [`ConsoleConfig::acl_keys`].
    pub access_key: Option<String>,
    /// ACL secret key (RocketMQ's `secretKey`).
    pub secret_key: Option<String>,
    /// How often the rate and lag charts are sampled.
    pub sample_interval: Duration,
    /// The trace topic the traces page reads (`msgTraceTopicName`, RMQ_SYS_TRACE_TOPIC).
    pub trace_topic: String,
    /// Timeout of each admin request to the cluster.
    pub admin_timeout: Duration,
    /// A client that sends no complete request head within this is disconnected.
    pub header_timeout: Duration,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            namesrv_addr: "127.0.0.1:9876".into(),
            host: "127.0.0.1".into(),
            port: 8080,
            read_only: false,
            access_key: None,
            secret_key: None,
            sample_interval: Duration::from_secs(10),
            trace_topic: "RMQ_SYS_TRACE_TOPIC".into(),
            admin_timeout: Duration::from_secs(5),
            header_timeout: crate::server::HEADER_TIMEOUT,
        }
    }
}

impl ConsoleConfig {
    /// The ACL keys if both are set: the hook for signing admin requests once the client
    /// signs them (until then a console with keys logs that its requests go unsigned).
    pub fn acl_keys(&self) -> Option<(&str, &str)> {
        match (&self.access_key, &self.secret_key) {
            (Some(a), Some(s)) if !a.is_empty() && !s.is_empty() => Some((a, s)),
            _ => None,
        }
    }
}
