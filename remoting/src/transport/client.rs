//! [`RemotingClient`]: requests to many addresses over pooled connections.
//!
//! Each address has a fixed number of connection slots, used round-robin and (re)opened on
//! demand. Many requests share a connection at once; responses are matched by `opaque`.
//! Requests the server starts (e.g. NOTIFY_CONSUMER_IDS_CHANGED) go to the client's handler.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::command::RemotingCommand;
use crate::error::{RemotingError, Result};
use crate::transport::{Connection, RequestProcessor, Router, TransportConfig};

/// A client of many servers. Cheap to share behind an `Arc`.
pub struct RemotingClient {
    config: TransportConfig,
    handler: Arc<dyn RequestProcessor>,
    pools: Mutex<HashMap<String, Arc<AddrPool>>>,
    stopped: CancellationToken,
}

struct AddrPool {
    slots: Vec<tokio::sync::Mutex<Option<Connection>>>,
    next: AtomicUsize,
}

impl RemotingClient {
    /// A client whose server-initiated requests are refused as unsupported.
    pub fn new(config: TransportConfig) -> Self {
        Self::with_handler(config, Arc::new(Router::new()))
    }

    /// A client whose server-initiated requests go to `handler`.
    pub fn with_handler(config: TransportConfig, handler: Arc<dyn RequestProcessor>) -> Self {
        RemotingClient {
            config,
            handler,
            pools: Mutex::new(HashMap::new()),
            stopped: CancellationToken::new(),
        }
    }

    /// Signs `request` with the config's ACL account, if it has one.
    fn sign(&self, request: &mut RemotingCommand) {
        if let Some(credentials) = &self.config.credentials {
            credentials.sign(request);
        }
    }

    /// Sends `request` to `addr` and waits up to `timeout` (connecting included).
    pub async fn invoke(
        &self,
        addr: &str,
        mut request: RemotingCommand,
        timeout: Duration,
    ) -> Result<RemotingCommand> {
        self.sign(&mut request);
        tokio::time::timeout(timeout, async {
            let conn = self.connection(addr).await?;
            conn.invoke(request, timeout).await
        })
        .await
        .unwrap_or_else(|_| Err(timeout_err(addr, timeout)))
    }

    /// Sends a one-way `request` to `addr`.
    pub async fn invoke_oneway(&self, addr: &str, mut request: RemotingCommand) -> Result<()> {
        self.sign(&mut request);
        let conn = self.connection(addr).await?;
        conn.invoke_oneway(request).await
    }

    /// Starts `request` and returns at once; the returned task yields the response.
    pub fn invoke_async(
        self: &Arc<Self>,
        addr: &str,
        request: RemotingCommand,
        timeout: Duration,
    ) -> tokio::task::JoinHandle<Result<RemotingCommand>> {
        let client = self.clone();
        let addr = addr.to_string();
        tokio::spawn(async move { client.invoke(&addr, request, timeout).await })
    }

    /// A live connection to `addr`, opened if needed.
    pub async fn connection(&self, addr: &str) -> Result<Connection> {
        if self.stopped.is_cancelled() {
            return Err(RemotingError::Shutdown);
        }
        let pool = self.pool(addr);
        let i = pool.next.fetch_add(1, Ordering::Relaxed) % pool.slots.len();
        let Some(slot) = pool.slots.get(i) else {
            return Err(RemotingError::Shutdown);
        };
        let mut slot = slot.lock().await;
        if let Some(conn) = slot.as_ref() {
            if !conn.is_closed() {
                return Ok(conn.clone());
            }
        }
        let conn = self.connect(addr).await?;
        *slot = Some(conn.clone());
        Ok(conn)
    }

    /// Closes every connection to `addr` (e.g. after a timeout suggests it is dead).
    pub fn close_connections(&self, addr: &str) {
        let pool = self.pools.lock().remove(addr);
        if let Some(pool) = pool {
            for slot in &pool.slots {
                if let Ok(slot) = slot.try_lock() {
                    if let Some(c) = slot.as_ref() {
                        c.close();
                    }
                }
            }
        }
    }

    /// Closes all connections; later calls fail with [`RemotingError::Shutdown`].
    pub async fn shutdown(&self) {
        self.stopped.cancel();
        let pools: Vec<Arc<AddrPool>> = self.pools.lock().drain().map(|(_, p)| p).collect();
        for pool in pools {
            for slot in &pool.slots {
                if let Some(c) = slot.lock().await.take() {
                    c.shutdown(self.config.shutdown_grace).await;
                }
            }
        }
    }

    fn pool(&self, addr: &str) -> Arc<AddrPool> {
        let mut pools = self.pools.lock();
        if let Some(p) = pools.get(addr) {
            return p.clone();
        }
        let n = self.config.connections_per_addr.max(1);
        let pool = Arc::new(AddrPool {
            slots: (0..n).map(|_| tokio::sync::Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
        });
        pools.insert(addr.to_string(), pool.clone());
        pool
    }

    async fn connect(&self, addr: &str) -> Result<Connection> {
        let stream = tokio::time::timeout(self.config.connect_timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| RemotingError::Connect {
                addr: addr.to_string(),
                source: std::io::ErrorKind::TimedOut.into(),
            })?
            .map_err(|source| RemotingError::Connect {
                addr: addr.to_string(),
                source,
            })?;
        tracing::debug!(%addr, "connected");
        match &self.config.tls_client {
            None => Connection::spawn(stream, &self.config, self.handler.clone()),
            Some(tls) => {
                tls.connect(addr, stream, &self.config, self.handler.clone())
                    .await
            }
        }
    }
}

fn timeout_err(addr: &str, timeout: Duration) -> RemotingError {
    RemotingError::Timeout {
        addr: addr.to_string(),
        millis: timeout.as_millis() as u64,
    }
}
