//! The NameServer's Prometheus metrics (`metricsExporterType=PROM`): what its registry
//! holds, read at scrape time. RocketMQ 5's NameServer exports only RPC figures; these
//! gauges are CometMQ's (`cometmq_namesrv_*`), with RocketMQ 5's common labels
//! (`node_type="namesrv"`, `node_id` = the listen address).

use std::fmt;
use std::sync::Arc;

use cometmq_remoting::metrics_http::prometheus_client::collector::Collector;
use cometmq_remoting::metrics_http::prometheus_client::encoding::DescriptorEncoder;
use cometmq_remoting::metrics_http::prometheus_client::metrics::MetricType;
use cometmq_remoting::metrics_http::prometheus_client::registry::Registry;
use cometmq_remoting::metrics_http::MetricsServer;

use crate::config::NamesrvConfig;
use crate::error::NamesrvError;
use crate::route_table::RouteTable;

/// Starts the endpoint when `metricsExporterType=PROM`; `Ok(None)` when metrics are off.
pub async fn start(
    config: &NamesrvConfig,
    node_id: String,
    routes: Arc<RouteTable>,
) -> Result<Option<MetricsServer>, NamesrvError> {
    let enabled = config
        .metrics_exporter_type
        .prometheus_enabled()
        .map_err(|e| NamesrvError::Metrics(e.to_string()))?;
    if !enabled {
        return Ok(None);
    }
    let host = if config.metrics_prom_exporter_host.is_empty() {
        config.bind_address.clone()
    } else {
        config.metrics_prom_exporter_host.clone()
    };
    let mut registry = Registry::with_labels(
        [
            ("node_type".into(), "namesrv".into()),
            ("node_id".into(), node_id.into()),
        ]
        .into_iter(),
    );
    registry.register_collector(Box::new(NamesrvCollector { routes }));
    let port = config.metrics_prom_exporter_port;
    MetricsServer::start(&host, port, Arc::new(registry))
        .await
        .map(Some)
        .map_err(|e| {
            NamesrvError::Metrics(format!(
                "cannot serve metrics on metricsPromExporterHost:metricsPromExporterPort \
                 {host}:{port}: {e}"
            ))
        })
}

struct NamesrvCollector {
    routes: Arc<RouteTable>,
}

impl fmt::Debug for NamesrvCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NamesrvCollector")
    }
}

impl Collector for NamesrvCollector {
    fn encode(&self, mut enc: DescriptorEncoder) -> fmt::Result {
        let info = self.routes.cluster_info();
        let mut m = enc.encode_descriptor(
            "cometmq_namesrv_broker",
            "1 for every broker address registered (and not expired)",
            None,
            MetricType::Gauge,
        )?;
        for b in info.broker_addr_table.values() {
            for (id, addr) in &b.broker_addrs {
                let id = id.to_string();
                let labels = [
                    ("cluster", b.cluster.as_str()),
                    ("broker_name", b.broker_name.as_str()),
                    ("broker_id", id.as_str()),
                    ("broker_addr", addr.as_str()),
                ];
                m.encode_family(&labels)?.encode_gauge(&1i64)?;
            }
        }
        let topics = self.routes.all_topics().topic_list.len() as i64;
        let mut m = enc.encode_descriptor(
            "cometmq_namesrv_topic_number",
            "Topics with a route",
            None,
            MetricType::Gauge,
        )?;
        m.encode_gauge(&topics)?;
        let mut m = enc.encode_descriptor(
            "cometmq_namesrv_cluster_number",
            "Clusters with at least one broker",
            None,
            MetricType::Gauge,
        )?;
        m.encode_gauge(&(info.cluster_addr_table.len() as i64))
    }
}
