//! [`Broker`]: start-up, the two listening ports, background duties, and shutdown.

use cometmq_remoting::periodic;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::transport::{RemotingClient, RemotingServer, TransportConfig, WriteBudget};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::BrokerConfig;
use crate::processor;
use crate::state::BrokerState;
use crate::BrokerStartError;

/// A running broker.
pub struct Broker {
    /// Shared state, for tests and embedding.
    pub state: Arc<BrokerState>,
    server: RemotingServer,
    fast_server: Option<RemotingServer>,
    client: Arc<RemotingClient>,
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    write_budget: Arc<WriteBudget>,
    metrics: Option<cometmq_remoting::metrics_http::MetricsServer>,
}

impl Broker {
    /// Opens the store, binds `listenPort` (0 picks a free port) and the fast port
    /// `listenPort − 2`, registers with the NameServers, and starts background duties.
    pub async fn start(mut config: BrokerConfig) -> Result<Broker, BrokerStartError> {
        crate::replication::check_role(&mut config)?;
        config.validate()?;
        // Before anything runs: an exporter we cannot honour, or a port in use, stops here.
        let metrics_listener = crate::metrics::bind(&config).await?;
        let ip: IpAddr = if config.broker_ip1.is_empty() {
            cometmq_remoting::local_ip::local_ip_or_loopback()
        } else {
            config.broker_ip1.parse().map_err(|_| {
                crate::config::ConfigError::Invalid(cometmq_remoting::settings::SettingError {
                    key: "brokerIP1".into(),
                    value: config.broker_ip1.clone(),
                    expected: "an IP address",
                })
            })?
        };
        let bind_ip = if config.broker_ip1.is_empty() {
            IpAddr::from([0, 0, 0, 0])
        } else {
            ip
        };
        let (tls_server, tls_client) = config
            .tls
            .build()
            .map_err(crate::config::ConfigError::from)?;
        let transport = TransportConfig {
            tls_server,
            ..transport_config(&config)?
        };
        let write_budget = transport.write_budget.clone();
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(bind_ip, config.listen_port))
            .await
            .map_err(cometmq_remoting::RemotingError::Io)?;
        let port = listener
            .local_addr()
            .map_err(cometmq_remoting::RemotingError::Io)?
            .port();
        drop(listener);
        config.listen_port = port;
        let state = BrokerState::open(config.clone(), SocketAddr::new(ip, port))?;
        crate::replication::start(&state, bind_ip).await?;
        let router = crate::replication::gate(&state, processor::router(&state));
        // ACL: checked before any processor, on both client ports; nothing when off.
        let router = match &state.acl {
            Some(acl) => crate::acl::gate(acl.clone(), router),
            None => router,
        };
        let server = match RemotingServer::bind(
            SocketAddr::new(bind_ip, port),
            transport.clone(),
            router.clone(),
        )
        .await
        {
            Ok(s) => s,
            Err(e) => {
                // The HA service holds the store open: stop it so the store closes.
                crate::replication::shutdown(&state).await;
                return Err(e.into());
            }
        };
        let fast_server = match port
            .checked_sub(2)
            .filter(|p| *p > 0 && config.listen_port > 2)
        {
            Some(fast) => match RemotingServer::bind(
                SocketAddr::new(bind_ip, fast),
                transport.clone(),
                router,
            )
            .await
            {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!(port = fast, error = %e, "cannot bind the fast port (listenPort - 2)");
                    None
                }
            },
            None => None,
        };
        let client = Arc::new(RemotingClient::new(TransportConfig {
            tls_client: tls_client.clone(),
            ..TransportConfig::default()
        }));
        let stop = CancellationToken::new();
        crate::pop::ensure_revive_topic(&state).await;
        let master = crate::register::register_all(&state, &client).await;
        crate::replication::on_registered(&state, &master);
        let mut tasks = vec![
            tokio::spawn(crate::register::run(
                state.clone(),
                client.clone(),
                stop.clone(),
            )),
            tokio::spawn(save_offsets_and_unsaved_tables(state.clone(), stop.clone())),
            tokio::spawn(expire_channels(state.clone(), stop.clone())),
            tokio::spawn(crate::stats::run(state.clone(), stop.clone())),
            tokio::spawn(crate::slave_sync::run(
                state.clone(),
                client.clone(),
                stop.clone(),
            )),
        ];
        tasks.extend(crate::schedule::spawn(&state, &stop));
        if let Some(acl) = &state.acl {
            tasks.push(tokio::spawn(crate::acl::watch(acl.clone(), stop.clone())));
        }
        tasks.extend(crate::timer::spawn(&state, &stop));
        tasks.push(crate::transaction::spawn(&state, &stop));
        tasks.extend(crate::pop::revive::spawn(&state, &stop));
        let metrics = metrics_listener.and_then(|l| crate::metrics::serve(l, &state));
        tracing::info!(
            broker = %state.broker_addr,
            name = %config.broker_name,
            cluster = %config.broker_cluster_name,
            "The broker[{}, {}] boot success.",
            config.broker_name,
            state.broker_addr
        );
        Ok(Broker {
            state,
            server,
            fast_server,
            client,
            stop,
            tasks,
            write_budget,
            metrics,
        })
    }

    /// The bytes queued for writing on the client and fast ports, together, and their
    /// peaks and limit closures.
    pub fn write_buffer_stats(&self) -> cometmq_remoting::transport::WriteBufferStats {
        self.write_budget.stats()
    }

    /// The Prometheus endpoint's address, when `metricsExporterType=PROM`.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|m| m.local_addr())
    }

    /// The client port's address.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// The address registered with the NameServers (`brokerIP1:listenPort`).
    pub fn broker_addr(&self) -> &str {
        &self.state.broker_addr
    }

    /// Stops serving, unregisters, saves the tables and closes the store.
    pub async fn shutdown(self) {
        self.stop.cancel();
        if let Some(m) = self.metrics {
            m.shutdown().await;
        }
        crate::register::unregister_all(&self.state, &self.client).await;
        self.server.shutdown().await;
        if let Some(s) = &self.fast_server {
            s.shutdown().await;
        }
        for t in self.tasks {
            let _ = t.await;
        }
        self.client.shutdown().await;
        crate::replication::shutdown(&self.state).await;
        let state = self.state.clone();
        let saved = tokio::task::spawn_blocking(move || {
            for (what, r) in [
                ("consumerOffset.json", state.offsets.save()),
                ("topics.json", state.topics.save()),
                ("subscriptionGroup.json", state.groups.save()),
                ("delayOffset.json", state.schedule.save()),
            ] {
                if let Err(e) = r {
                    tracing::error!(file = what, error = %e, "cannot save at shutdown");
                }
            }
            if let Err(e) = state.timer.save() {
                tracing::error!(file = "timercheck", error = %e, "cannot save at shutdown");
            }
            if let Err(e) = state.store.shutdown() {
                tracing::error!(error = %e, "store shutdown failed");
            }
        })
        .await;
        if let Err(e) = saved {
            tracing::error!(error = %e, "shutdown task failed");
        }
        tracing::info!("broker stopped");
    }
}

/// The client ports' transport settings. The write-buffer marks are used only when both
/// are set, as Java's `NettyRemotingServer` does; a low mark above the high one is refused
/// (Netty refuses it too). Both ports share one total budget.
fn transport_config(config: &BrokerConfig) -> Result<TransportConfig, crate::config::ConfigError> {
    Ok(TransportConfig {
        idle_timeout: Duration::from_secs(config.server_channel_max_idle_time_seconds),
        // Held pulls wait as in-flight requests: allow many per connection.
        max_inflight_requests: 16 * 1024,
        write_buffer_limit_per_connection: config.write_buffer_limit_per_connection,
        write_budget: WriteBudget::new(config.write_buffer_limit_total),
        ..TransportConfig::default()
    }
    .with_water_marks(
        config.write_buffer_high_water_mark,
        config.write_buffer_low_water_mark,
    )?)
}

/// Saves consumer offsets every `flushConsumerOffsetInterval`, and the topic and group
/// tables whose last save failed (a full disk), so no change waits for the next one.
async fn save_offsets_and_unsaved_tables(state: Arc<BrokerState>, stop: CancellationToken) {
    let period = || Duration::from_millis(state.config().flush_consumer_offset_interval.max(100));
    periodic::every(stop.cancelled(), period, || async {
        state.offsets.persist().await;
        if state.topics.is_unsaved() {
            state.topics.persist().await;
        }
        if state.groups.is_unsaved() {
            state.groups.persist().await;
        }
    })
    .await;
}

/// Drops client channels silent for `channelExpiredTimeout` (two minutes), closing them
/// and telling their groups.
async fn expire_channels(state: Arc<BrokerState>, stop: CancellationToken) {
    let timeout = || Duration::from_millis(state.config().channel_expired_timeout.max(1));
    // Java scans every 10 s; a shorter timeout is scanned more often.
    let scan = || (timeout() / 2).min(Duration::from_secs(10));
    periodic::every(stop.cancelled(), scan, || {
        for conn in state.clients.expire(timeout()) {
            tracing::info!(peer = %conn.peer_addr(), "closing expired client channel");
            // Closing triggers the close watcher, which removes and notifies.
            conn.close();
        }
        std::future::ready(())
    })
    .await;
}
