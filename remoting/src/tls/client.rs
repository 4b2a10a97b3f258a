//! [`ClientTls`]: the connecting side (`tls.enable`), built as Java's
//! `TlsHelper.buildSslContext(true)`.

use std::net::SocketAddr;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::verify::{AnyServer, ChainOnly};
use super::{files, provider, TlsSettings, TlsSetupError};
use crate::error::{RemotingError, Result};
use crate::transport::{Connection, RequestProcessor, TransportConfig};

/// TLS for outgoing connections.
#[derive(Clone)]
pub struct ClientTls {
    connector: TlsConnector,
}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientTls")
    }
}

impl ClientTls {
    /// Client TLS from `settings` (already overlaid with `tls.config.file`); `None` when
    /// `tls.enable` is false. In test mode, or with `tls.client.authServer=false`, any
    /// server is trusted (Java's defaults); otherwise the server's chain must lead to a
    /// certificate of `tls.client.trustCertPath` (its host name is not checked, as in
    /// Java). A client certificate is sent when both `tls.client.certPath` and
    /// `tls.client.keyPath` are set (and not in test mode).
    pub fn from_settings(settings: &TlsSettings) -> Result<Option<ClientTls>, TlsSetupError> {
        if !settings.enable {
            return Ok(None);
        }
        let provider = provider();
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsSetupError {
                key: "tls.enable",
                reason: e.to_string(),
            })?;
        let builder = if settings.test_mode_enable || !settings.client_auth_server {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyServer(provider)))
        } else {
            let roots = files::roots(
                "tls.client.trustCertPath",
                settings.client_trust_cert_path.as_deref(),
            )?;
            let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| TlsSetupError {
                    key: "tls.client.trustCertPath",
                    reason: e.to_string(),
                })?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(ChainOnly(inner)))
        };
        let with_cert = !settings.test_mode_enable
            && settings.client_cert_path.is_some()
            && settings.client_key_path.is_some();
        let config = if with_cert {
            let certs = files::certs("tls.client.certPath", settings.client_cert_path.as_deref())?;
            let key =
                files::private_key("tls.client.keyPath", settings.client_key_path.as_deref())?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| TlsSetupError {
                    key: "tls.client.keyPath",
                    reason: format!("does not match tls.client.certPath: {e}"),
                })?
        } else {
            builder.with_no_client_auth()
        };
        Ok(Some(ClientTls {
            connector: TlsConnector::from(Arc::new(config)),
        }))
    }

    /// Trusts any server and sends no certificate: `tls.enable=true` with Java's defaults
    /// (what `--tls` of the command-line tools turns on).
    pub fn trusting_any() -> Result<ClientTls, TlsSetupError> {
        let settings = TlsSettings {
            enable: true,
            ..TlsSettings::default()
        };
        Self::from_settings(&settings)?.ok_or_else(|| TlsSetupError {
            key: "tls.enable",
            reason: "not on".into(),
        })
    }

    /// The client TLS of a command-line tool's `--tls` (Java's `-Dtls.enable=true`): the
    /// `tls.client.*` keys of `config_file` (default `/etc/rocketmq/tls.properties`, as
    /// Java's `tls.config.file`) when it exists, else Java's test mode (any server
    /// trusted, no client certificate).
    pub fn from_config_file(
        config_file: Option<&std::path::Path>,
    ) -> Result<ClientTls, TlsSetupError> {
        let mut settings = TlsSettings {
            enable: true,
            ..TlsSettings::default()
        };
        if let Some(path) = config_file {
            if !path.is_file() {
                return Err(TlsSetupError {
                    key: "tls.config.file",
                    reason: format!("{} is not a readable file", path.display()),
                });
            }
            settings.config_file = path.to_path_buf();
        }
        Self::from_settings(&settings.with_config_file()?)?.ok_or_else(|| TlsSetupError {
            key: "tls.enable",
            reason: "not on".into(),
        })
    }

    /// Runs the handshake on a connected `stream` to `addr` and starts the connection.
    pub(crate) async fn connect(
        &self,
        addr: &str,
        stream: TcpStream,
        config: &TransportConfig,
        handler: Arc<dyn RequestProcessor>,
    ) -> Result<Connection> {
        let peer: SocketAddr = stream.peer_addr()?;
        let local = stream.local_addr()?;
        let _ = stream.set_nodelay(true);
        let name = server_name(addr, peer);
        let handshake = tokio::time::timeout(
            config.connect_timeout.max(super::HANDSHAKE_TIMEOUT),
            self.connector.connect(name, stream),
        )
        .await
        .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()));
        match handshake {
            Ok(tls) => Ok(Connection::spawn_stream(tls, peer, local, config, handler)),
            Err(e) => {
                tracing::warn!(%addr, error = %e, "TLS handshake with server failed");
                Err(RemotingError::Connect {
                    addr: addr.to_string(),
                    source: std::io::Error::new(e.kind(), format!("TLS handshake failed: {e}")),
                })
            }
        }
    }
}

/// The name sent in SNI: the host of `addr` when it is a DNS name, else the peer's IP.
fn server_name(addr: &str, peer: SocketAddr) -> ServerName<'static> {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match ServerName::try_from(host.to_string()) {
        Ok(name) => name,
        Err(_) => ServerName::IpAddress(peer.ip().into()),
    }
}
