//! The Prometheus endpoint of the server binaries (RocketMQ 5's `metricsExporterType=PROM`):
//! a small HTTP/1.1 server (hyper) that answers `GET /metrics` with the OpenMetrics text of
//! a [`Registry`] (prometheus-client). The registry's collectors read their counters at
//! scrape time, so serving costs nothing between scrapes.
//!
//! Hardening: one request per connection at a time, headers limited by hyper (a request
//! with oversized or malformed headers gets 400/431 and the connection closes), a
//! connection silent for [`HEADER_TIMEOUT`] is closed, and at most [`MAX_CONNECTIONS`]
//! are served at once (more wait in the accept queue).

/// The exposition crate, for the servers' collectors (one version for all).
pub use prometheus_client;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// A client that sends no complete request head within this is disconnected.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Scrape connections served at once.
pub const MAX_CONNECTIONS: usize = 64;
/// Content type of the OpenMetrics text format.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

crate::setting_enum! {
    /// `metricsExporterType`: where metrics go (RocketMQ 5's `MetricsExporterType`).
    pub enum MetricsExporterType {
        /// No metrics (the default).
        Disable = "DISABLE",
        /// Push over OTLP/gRPC (not supported by CometMQ: start-up fails naming it).
        OtlpGrpc = "OTLP_GRPC",
        /// Serve Prometheus text over HTTP.
        Prom = "PROM",
        /// Log the metrics (not supported by CometMQ: start-up fails naming it).
        Log = "LOG",
    }
}

/// An exporter type this build cannot honour.
#[derive(Debug, thiserror::Error)]
#[error("metricsExporterType={0} is not supported by CometMQ (supported: DISABLE, PROM)")]
pub struct UnsupportedExporter(pub MetricsExporterType);

impl MetricsExporterType {
    /// Whether the Prometheus endpoint should run; an exporter we do not implement is an
    /// error naming it.
    pub fn prometheus_enabled(self) -> Result<bool, UnsupportedExporter> {
        match self {
            MetricsExporterType::Disable => Ok(false),
            MetricsExporterType::Prom => Ok(true),
            other => Err(UnsupportedExporter(other)),
        }
    }
}

/// A running metrics endpoint.
#[derive(Debug)]
pub struct MetricsServer {
    addr: SocketAddr,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl MetricsServer {
    /// Binds `host:port` (port 0 picks a free one) and serves `registry` until
    /// [`shutdown`](Self::shutdown).
    pub async fn start(
        host: &str,
        port: u16,
        registry: Arc<Registry>,
    ) -> std::io::Result<MetricsServer> {
        let listener = TcpListener::bind((host, port)).await?;
        Self::serve(listener, registry)
    }

    /// Serves `registry` on a bound listener (a server binds early, so that a port in
    /// use fails its start before anything else runs, and serves once its state exists).
    pub fn serve(listener: TcpListener, registry: Arc<Registry>) -> std::io::Result<MetricsServer> {
        let addr = listener.local_addr()?;
        let stop = CancellationToken::new();
        let task = tokio::spawn(accept_loop(listener, registry, stop.clone()));
        tracing::info!(%addr, "Prometheus metrics at http://{addr}/metrics");
        Ok(MetricsServer { addr, stop, task })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting and closes the open connections.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        let _ = (&mut self.task).await;
    }
}

impl Drop for MetricsServer {
    /// A server dropped without [`shutdown`](Self::shutdown) (a start that failed later)
    /// still releases its port.
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn accept_loop(listener: TcpListener, registry: Arc<Registry>, stop: CancellationToken) {
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
                    tracing::debug!(error = %e, "metrics endpoint: accept failed");
                    continue;
                }
            },
        };
        let registry = registry.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(move |req| {
                let registry = registry.clone();
                async move { Ok::<_, Infallible>(answer(&req, &registry)) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = stop.cancelled() => conn.as_mut().graceful_shutdown(),
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "metrics endpoint: connection ended");
                    }
                    return;
                }
            }
            let _ = tokio::time::timeout(Duration::from_secs(1), conn).await;
        });
    }
}

fn answer(req: &Request<Incoming>, registry: &Registry) -> Response<Full<Bytes>> {
    let plain = |status: StatusCode, text: &'static str| {
        let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
        *r.status_mut() = status;
        r
    };
    if req.uri().path() != "/metrics" && req.uri().path() != "/" {
        return plain(
            StatusCode::NOT_FOUND,
            "not found; metrics are at /metrics\n",
        );
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "only GET\n");
    }
    let mut text = String::new();
    if prometheus_client::encoding::text::encode(&mut text, registry).is_err() {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "encoding failed\n");
    }
    let mut r = Response::new(Full::new(Bytes::from(text)));
    if let Ok(v) = hyper::header::HeaderValue::from_str(CONTENT_TYPE) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::SettingValue;

    #[test]
    fn exporter_types() {
        let parse = |s| MetricsExporterType::parse_setting(s);
        assert_eq!(parse("PROM"), Some(MetricsExporterType::Prom));
        assert_eq!(parse("disable"), Some(MetricsExporterType::Disable));
        assert!(matches!(
            MetricsExporterType::Prom.prometheus_enabled(),
            Ok(true)
        ));
        assert!(matches!(
            MetricsExporterType::Disable.prometheus_enabled(),
            Ok(false)
        ));
        let e = MetricsExporterType::OtlpGrpc
            .prometheus_enabled()
            .unwrap_err();
        assert!(e.to_string().contains("metricsExporterType=OTLP_GRPC"));
        assert!(MetricsExporterType::Log.prometheus_enabled().is_err());
    }
}
