//! TLS on the remoting ports, configured as Apache RocketMQ's `TlsSystemConfig` and
//! `TlsHelper` configure it (the same `tls.*` keys, the same defaults).
//!
//! - [`TlsSettings`]: the keys, from the server's config file, overlaid by
//!   `tls.config.file` as Java overlays its system properties.
//! - [`ServerTls`]: a listener's side. `permissive` tells a TLS client from a plaintext one
//!   by the first byte (0x16, a TLS handshake record), as Java's `HandshakeHandler` does;
//!   `enforcing` closes a plaintext connection; `disabled` builds nothing, so the
//!   plaintext path is the one without TLS at all.
//! - [`ClientTls`]: the connecting side (`tls.enable`), for our client and the broker's own
//!   connections.
//!
//! Certificates and keys are PEM files. Test mode (`tls.test.mode.enable`, on by default as
//! in Java) serves a self-signed certificate made at start and trusts any server.

mod accept;
mod client;
mod files;
mod server;
mod settings;
mod verify;

pub use client::ClientTls;
pub use server::ServerTls;
pub use settings::{ClientAuth, TlsServerMode, TlsSettings, TLS_REFUSED, TLS_RULES};

pub(crate) use accept::accept;

/// A TLS setting that cannot be used: names the key and says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("TLS setting {key}: {reason}")]
pub struct TlsSetupError {
    /// The `tls.*` key at fault.
    pub key: &'static str,
    /// Why, and what to do.
    pub reason: String,
}

/// Netty's `SslHandler` handshake timeout: a peer that has not finished its handshake by
/// then is dropped.
pub const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The ring provider. rustls marks it deprecated for lacking post-quantum key exchange;
/// its replacement (aws-lc-rs) needs cmake and minutes of C build on every machine, and
/// Java's TLS (the peers here) offers no post-quantum exchange either.
#[allow(deprecated)]
fn provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}
