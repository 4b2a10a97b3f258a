//! [`Console`]: the running console — a bounded HTTP/1.1 server (hyper) over the shared
//! [`State`].
//!
//! Bounds: a client that sends no complete request head within
//! [`ConsoleConfig::header_timeout`] ([`HEADER_TIMEOUT`]) is
//! disconnected; a head over [`MAX_HEAD_BYTES`] is refused by hyper (431) and one whose URI
//! is over [`crate::router::MAX_URI_BYTES`] gets 414; a body over
//! [`crate::router::MAX_BODY_BYTES`] gets 413 and one not received within
//! [`crate::router::BODY_TIMEOUT`] gets 408; at most [`MAX_CONNECTIONS`] are served at once.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use cometmq_client::admin::Admin;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::config::ConsoleConfig;
use crate::sampler::Sampler;

/// A client that sends no complete request head within this is disconnected (the default
/// of [`ConsoleConfig::header_timeout`]).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once; more wait in the accept queue.
pub const MAX_CONNECTIONS: usize = 64;
/// Largest request head hyper buffers (request line and headers).
pub const MAX_HEAD_BYTES: usize = 128 * 1024;

/// What every handler shares: the admin client, the config, the sampled series.
#[derive(Debug)]
pub struct State {
    /// The admin client every handler calls (the one `mqadmin` is built on).
    pub admin: Admin,
    /// How the console was started.
    pub config: ConsoleConfig,
    /// The rate and lag series.
    pub sampler: Arc<Sampler>,
}

/// A running console.
#[derive(Debug)]
pub struct Console {
    addr: SocketAddr,
    stop: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    state: Arc<State>,
}

impl Console {
    /// Binds `config.host:config.port` and serves the console for the cluster of
    /// `config.namesrv_addr` until [`shutdown`](Self::shutdown).
    pub async fn start(config: ConsoleConfig) -> std::io::Result<Console> {
        let listener = TcpListener::bind((config.host.as_str(), config.port)).await?;
        let addr = listener.local_addr()?;
        let admin = Admin::with_timeout(&config.namesrv_addr, config.admin_timeout)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
        if config.acl_keys().is_some() {
            tracing::warn!(
                "console: accessKey/secretKey are set but this client does not sign admin \
                 requests yet; requests go unsigned"
            );
        }
        let stop = CancellationToken::new();
        let sampler = Arc::new(Sampler::new(config.sample_interval));
        let state = Arc::new(State {
            admin,
            config,
            sampler: sampler.clone(),
        });
        let tasks = vec![
            tokio::spawn(accept_loop(listener, state.clone(), stop.clone())),
            tokio::spawn(crate::sampler::run(state.clone(), stop.clone())),
        ];
        tracing::info!(%addr, "console at http://{addr}/");
        Ok(Console {
            addr,
            stop,
            tasks,
            state,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL to open in a browser.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Stops serving, closes the open connections and the admin client.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        for t in std::mem::take(&mut self.tasks) {
            let _ = t.await;
        }
        self.state.admin.shutdown().await;
    }
}

impl Drop for Console {
    /// A console dropped without [`shutdown`](Self::shutdown) still releases its port.
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>, stop: CancellationToken) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            _ = stop.cancelled() => return,
            p = slots.clone().acquire_owned() => p,
        };
        let Ok(permit) = permit else {
            return;
        };
        let stream = tokio::select! {
            _ = stop.cancelled() => return,
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(e) => {
                    tracing::debug!(error = %e, "console: accept failed");
                    continue;
                }
            },
        };
        let state = state.clone();
        let stop = stop.clone();
        let header_timeout = state.config.header_timeout;
        tokio::spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(crate::router::handle(&state, req).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .max_buf_size(MAX_HEAD_BYTES)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = stop.cancelled() => conn.as_mut().graceful_shutdown(),
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "console: connection ended");
                    }
                    return;
                }
            }
            let _ = tokio::time::timeout(Duration::from_secs(1), conn).await;
        });
    }
}
