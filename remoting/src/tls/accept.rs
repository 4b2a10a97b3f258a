//! A listener's side of a new connection when TLS is on: Java's `HandshakeHandler`.

use std::sync::Arc;

use tokio::net::TcpStream;

use super::{ServerTls, TlsServerMode, HANDSHAKE_TIMEOUT};
use crate::transport::{Connection, RequestProcessor, TransportConfig};

/// The first byte of a TLS connection: a handshake record.
const HANDSHAKE_RECORD: u8 = 0x16;

/// Waits for the first byte of `stream` (up to the idle timeout, as a silent peer is
/// closed without TLS too): a TLS handshake record gets the handshake, anything else is
/// served as plaintext when permissive and closed when enforcing. `None` when the
/// connection is closed (every refusal is logged with the peer and why).
pub(crate) async fn accept(
    tls: &ServerTls,
    stream: TcpStream,
    config: &TransportConfig,
    handler: Arc<dyn RequestProcessor>,
) -> Option<Connection> {
    let peer = stream.peer_addr().ok()?;
    let local = stream.local_addr().ok()?;
    let mut first = [0u8; 1];
    let peeked = tokio::time::timeout(config.idle_timeout, stream.peek(&mut first)).await;
    match peeked {
        Ok(Ok(1)) => {}
        Ok(Ok(_)) | Err(_) => return None,
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "connection failed before its first byte");
            return None;
        }
    }
    if first[0] != HANDSHAKE_RECORD {
        if tls.mode == TlsServerMode::Enforcing {
            tracing::warn!(
                %peer,
                "closing connection: the client intends to establish an insecure connection \
                 while this server is running in SSL enforcing mode (tls.server.mode=enforcing)"
            );
            return None;
        }
        return match Connection::spawn(stream, config, handler) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(%peer, error = %e, "cannot set up accepted connection");
                None
            }
        };
    }
    let _ = stream.set_nodelay(true);
    let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.acceptor.accept(stream)).await;
    match handshake {
        Ok(Ok(tls_stream)) => {
            tracing::debug!(%peer, "TLS connection accepted");
            Some(Connection::spawn_stream(
                tls_stream, peer, local, config, handler,
            ))
        }
        Ok(Err(e)) => {
            tracing::warn!(%peer, error = %e, "closing connection: TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::warn!(%peer, secs = HANDSHAKE_TIMEOUT.as_secs(), "closing connection: TLS handshake timed out");
            None
        }
    }
}
