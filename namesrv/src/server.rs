//! [`NameServer`]: the registry, the KV store and the expiry scan behind a remoting server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::transport::{RemotingServer, Router, TransportConfig};
use tokio::task::JoinHandle;

use crate::channels::BrokerChannels;
use crate::config::{NamesrvConfig, SharedConfig};
use crate::error::NamesrvError;
use crate::expiry;
use crate::kv_config::KvConfig;
use crate::processor::NamesrvProcessor;
use crate::route_table::RouteTable;

/// A running NameServer. Stop it with [`NameServer::shutdown`].
pub struct NameServer {
    server: RemotingServer,
    expiry: JoinHandle<()>,
    routes: Arc<RouteTable>,
    config: SharedConfig,
    metrics: Option<cometmq_remoting::metrics_http::MetricsServer>,
    controller: Option<Arc<cometmq_controller::Controller>>,
}

impl NameServer {
    /// Loads the KV config, binds `bindAddress:listenPort` (port 0 picks a free one) and
    /// starts serving.
    pub async fn start(config: NamesrvConfig) -> Result<NameServer, NamesrvError> {
        let kv = Arc::new(KvConfig::load(&config.kv_config_path)?);
        let routes = Arc::new(RouteTable::new());
        let channels = Arc::new(BrokerChannels::default());
        let idle = match config.server_channel_max_idle_time_seconds {
            0 => Duration::from_secs(365 * 24 * 3600),
            s => Duration::from_secs(s),
        };
        let (tls_server, _) = config.tls.build()?;
        let transport = TransportConfig {
            idle_timeout: idle,
            tls_server,
            ..TransportConfig::default()
        }
        .with_water_marks(
            config.write_buffer_high_water_mark,
            config.write_buffer_low_water_mark,
        )?;
        let bind = (config.bind_address.clone(), config.listen_port);
        let metrics_config = config.clone();
        let shared = SharedConfig::new(config);
        let processor = Arc::new(NamesrvProcessor::new(
            routes.clone(),
            kv,
            channels.clone(),
            shared.clone(),
        ));
        let router = Router::new().routes(NamesrvProcessor::CODES, processor);
        let server = RemotingServer::bind((bind.0.as_str(), bind.1), transport, Arc::new(router))
            .await
            .map_err(|source| NamesrvError::Bind {
                addr: format!("{}:{}", bind.0, bind.1),
                source,
            })?;
        let node_id = server.local_addr().to_string();
        let metrics = match crate::metrics::start(&metrics_config, node_id, routes.clone()).await {
            Ok(m) => m,
            Err(e) => {
                server.shutdown().await;
                return Err(e);
            }
        };
        // enableControllerInNamesrv: the controller serves on its own
        // controllerDLegerPeers address, as in Java.
        let controller = match (
            &metrics_config.enable_controller_in_namesrv,
            &metrics_config.controller,
        ) {
            (true, c) => {
                match cometmq_controller::Controller::start(c.clone().unwrap_or_default()).await {
                    Ok(c) => Some(c),
                    Err(e) => {
                        if let Some(m) = metrics {
                            m.shutdown().await;
                        }
                        server.shutdown().await;
                        return Err(e.into());
                    }
                }
            }
            (false, _) => None,
        };
        let expiry = expiry::spawn(routes.clone(), channels, shared.clone());
        tracing::info!(addr = %server.local_addr(), "NameServer started");
        Ok(NameServer {
            server,
            expiry,
            routes,
            config: shared,
            metrics,
            controller,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// The Prometheus endpoint's address, when `metricsExporterType=PROM`.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|m| m.local_addr())
    }

    /// The broker registry (a standalone broker or a test may inspect it).
    pub fn routes(&self) -> &Arc<RouteTable> {
        &self.routes
    }

    /// The live settings.
    pub fn config(&self) -> &SharedConfig {
        &self.config
    }

    /// The embedded controller, with `enableControllerInNamesrv=true`.
    pub fn controller(&self) -> Option<&Arc<cometmq_controller::Controller>> {
        self.controller.as_ref()
    }

    /// Stops the expiry scan, the controller, then the server (answering in-flight
    /// requests first).
    pub async fn shutdown(self) {
        self.expiry.abort();
        if let Some(c) = self.controller {
            c.shutdown().await;
        }
        if let Some(m) = self.metrics {
            m.shutdown().await;
        }
        self.server.shutdown().await;
        tracing::info!("NameServer stopped");
    }
}
