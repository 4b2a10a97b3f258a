//! [`RemotingServer`]: accepts TCP connections and serves their requests with one processor
//! (normally a [`Router`](crate::transport::Router)). With TLS on, each accepted
//! connection first goes through [`crate::tls`]'s first-byte check and handshake.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::error::Result;
use crate::transport::{Connection, RequestProcessor, TransportConfig};

/// A listening server. Dropping it does not stop it; call [`RemotingServer::shutdown`].
pub struct RemotingServer {
    local_addr: SocketAddr,
    config: TransportConfig,
    connections: Arc<Mutex<HashMap<u64, Connection>>>,
    stop: CancellationToken,
    accept_task: Mutex<Option<JoinHandle<()>>>,
    /// Connections in their TLS first-byte check or handshake, not yet in `connections`.
    handshakes: TaskTracker,
}

impl RemotingServer {
    /// Binds `addr` (port 0 picks a free port) and starts accepting at once.
    pub async fn bind(
        addr: impl tokio::net::ToSocketAddrs,
        config: TransportConfig,
        processor: Arc<dyn RequestProcessor>,
    ) -> Result<RemotingServer> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let connections: Arc<Mutex<HashMap<u64, Connection>>> = Arc::default();
        let stop = CancellationToken::new();
        let handshakes = TaskTracker::new();
        let task = tokio::spawn(accept_loop(
            listener,
            config.clone(),
            processor,
            connections.clone(),
            stop.clone(),
            handshakes.clone(),
        ));
        tracing::info!(%local_addr, "remoting server listening");
        Ok(RemotingServer {
            local_addr,
            config,
            connections,
            stop,
            accept_task: Mutex::new(Some(task)),
            handshakes,
        })
    }

    /// The bound address (with the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The live connections, e.g. to find a client by address.
    pub fn connections(&self) -> Vec<Connection> {
        self.connections.lock().values().cloned().collect()
    }

    /// Stops accepting, lets each connection finish its in-flight requests (up to the
    /// configured grace period), then closes them all.
    pub async fn shutdown(&self) {
        self.stop.cancel();
        let task = self.accept_task.lock().take();
        if let Some(task) = task {
            let _ = task.await;
        }
        // Handshakes in progress stop at `stop`; none adds a connection after this.
        self.handshakes.close();
        self.handshakes.wait().await;
        let conns = self.connections();
        let grace = self.config.shutdown_grace;
        futures::future::join_all(conns.iter().map(|c| c.shutdown(grace))).await;
        tracing::info!(local_addr = %self.local_addr, "remoting server stopped");
    }
}

async fn accept_loop(
    listener: TcpListener,
    config: TransportConfig,
    processor: Arc<dyn RequestProcessor>,
    connections: Arc<Mutex<HashMap<u64, Connection>>>,
    stop: CancellationToken,
    handshakes: TaskTracker,
) {
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => return,
            r = listener.accept() => r,
        };
        match accepted {
            Ok((stream, _)) => match &config.tls_server {
                None => serve(stream, &config, &processor, &connections),
                Some(tls) => {
                    let (tls, config) = (tls.clone(), config.clone());
                    let (processor, connections) = (processor.clone(), connections.clone());
                    let stop = stop.clone();
                    handshakes.spawn(async move {
                        let accepted = tokio::select! {
                            _ = stop.cancelled() => None,
                            c = crate::tls::accept(&tls, stream, &config, processor) => c,
                        };
                        if let Some(conn) = accepted {
                            track(conn, &connections);
                        }
                    });
                }
            },
            Err(e) => {
                // Typically EMFILE: back off briefly instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

fn serve(
    stream: TcpStream,
    config: &TransportConfig,
    processor: &Arc<dyn RequestProcessor>,
    connections: &Arc<Mutex<HashMap<u64, Connection>>>,
) {
    let conn = match Connection::spawn(stream, config, processor.clone()) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "cannot set up accepted connection");
            return;
        }
    };
    track(conn, connections);
}

/// Keeps `conn` in the live table until it closes.
fn track(conn: Connection, connections: &Arc<Mutex<HashMap<u64, Connection>>>) {
    tracing::debug!(peer = %conn.peer_addr(), "connection accepted");
    connections.lock().insert(conn.id(), conn.clone());
    let connections = connections.clone();
    tokio::spawn(async move {
        conn.closed().await;
        connections.lock().remove(&conn.id());
    });
}
