//! [`ServerTls`]: a listener's TLS, built as Java's `TlsHelper.buildSslContext(false)`.

use std::sync::Arc;

use rustls::server::WebPkiClientVerifier;
use rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

use super::verify::AnyClient;
use super::{files, provider, ClientAuth, TlsServerMode, TlsSettings, TlsSetupError};

/// What a listener does with TLS (`tls.server.mode` permissive or enforcing).
#[derive(Clone)]
pub struct ServerTls {
    /// Permissive or enforcing (never disabled: a disabled listener has no `ServerTls`).
    pub mode: TlsServerMode,
    pub(crate) acceptor: TlsAcceptor,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field("mode", &self.mode)
            .finish()
    }
}

impl ServerTls {
    /// The listener's TLS from `settings` (already overlaid with `tls.config.file`):
    /// `None` when `tls.server.mode=disabled`. A missing or unreadable file is an error
    /// naming its key.
    pub fn from_settings(settings: &TlsSettings) -> Result<Option<ServerTls>, TlsSetupError> {
        if settings.server_mode == TlsServerMode::Disabled {
            return Ok(None);
        }
        let provider = provider();
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsSetupError {
                key: "tls.server.mode",
                reason: e.to_string(),
            })?;
        let config = if settings.test_mode_enable {
            let (certs, key) = files::self_signed()?;
            builder
                .with_no_client_auth()
                .with_single_cert(certs, key)
                .map_err(|e| TlsSetupError {
                    key: "tls.test.mode.enable",
                    reason: e.to_string(),
                })?
        } else {
            let certs = files::certs("tls.server.certPath", settings.server_cert_path.as_deref())?;
            let key =
                files::private_key("tls.server.keyPath", settings.server_key_path.as_deref())?;
            let builder = match (
                settings.server_need_client_auth,
                settings.server_auth_client,
            ) {
                (ClientAuth::None, _) => builder.with_no_client_auth(),
                (need, false) => builder.with_client_cert_verifier(Arc::new(AnyClient {
                    provider: provider.clone(),
                    mandatory: need == ClientAuth::Require,
                })),
                (need, true) => {
                    let roots = files::roots(
                        "tls.server.trustCertPath",
                        settings.server_trust_cert_path.as_deref(),
                    )?;
                    let verifier =
                        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
                    let verifier = if need == ClientAuth::Optional {
                        verifier.allow_unauthenticated()
                    } else {
                        verifier
                    };
                    let verifier = verifier.build().map_err(|e| TlsSetupError {
                        key: "tls.server.trustCertPath",
                        reason: e.to_string(),
                    })?;
                    builder.with_client_cert_verifier(verifier)
                }
            };
            builder
                .with_single_cert(certs, key)
                .map_err(|e| TlsSetupError {
                    key: "tls.server.keyPath",
                    reason: format!("does not match tls.server.certPath: {e}"),
                })?
        };
        Ok(Some(ServerTls {
            mode: settings.server_mode,
            acceptor: TlsAcceptor::from(Arc::new(config)),
        }))
    }
}
