//! The broker's Prometheus metrics (`metricsExporterType=PROM`), under RocketMQ 5's names
//! and labels (`BrokerMetricsConstant`, `DefaultStoreMetricsConstant`).
//!
//! Nothing here runs on the hot path: the counters are [`crate::stats::BrokerStats`]'s
//! (the one owner, shared with VIEW_BROKER_STATS_DATA), read at scrape time, and the lag,
//! connection and storage gauges are computed at scrape time from the offset table, the
//! client registry and the store. Every series carries `cluster`, `node_type="broker"`
//! and `node_id` (the broker name), as in RocketMQ 5.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use cometmq_remoting::body::client::ConsumeType;
use cometmq_remoting::metrics_http::prometheus_client;
use cometmq_remoting::metrics_http::MetricsServer;
use cometmq_store::{DiskUsage, StatvfsDiskUsage};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use tokio::net::TcpListener;

use crate::config::BrokerConfig;
use crate::state::{now_ms, BrokerState};
use crate::stats::families::SIZE_BUCKETS;
use crate::stats::HeldPullEnd;
use crate::topic_names::{is_retry, DLQ_PREFIX};

/// Binds the endpoint when `metricsExporterType=PROM` (`Ok(None)` when metrics are off);
/// an exporter type we do not implement, or an address that cannot be bound, is an error
/// naming its key.
pub async fn bind(cfg: &BrokerConfig) -> Result<Option<TcpListener>, crate::BrokerStartError> {
    let enabled = cfg
        .metrics_exporter_type
        .prometheus_enabled()
        .map_err(|e| crate::BrokerStartError::Metrics(e.to_string()))?;
    if !enabled {
        return Ok(None);
    }
    let host = if !cfg.metrics_prom_exporter_host.is_empty() {
        cfg.metrics_prom_exporter_host.as_str()
    } else if !cfg.broker_ip1.is_empty() {
        cfg.broker_ip1.as_str()
    } else {
        "0.0.0.0"
    };
    let port = cfg.metrics_prom_exporter_port;
    TcpListener::bind((host, port))
        .await
        .map(Some)
        .map_err(|e| {
            crate::BrokerStartError::Metrics(format!(
                "cannot serve metrics on metricsPromExporterHost:metricsPromExporterPort \
             {host}:{port}: {e}"
            ))
        })
}

/// Serves the broker's metrics on `listener` (from [`bind`]).
pub fn serve(listener: TcpListener, state: &Arc<BrokerState>) -> Option<MetricsServer> {
    let cfg = state.config();
    let mut registry = Registry::with_labels(
        [
            ("cluster".into(), cfg.broker_cluster_name.clone().into()),
            ("node_type".into(), "broker".into()),
            ("node_id".into(), cfg.broker_name.clone().into()),
        ]
        .into_iter(),
    );
    registry.register_collector(Box::new(BrokerCollector {
        state: state.clone(),
    }));
    match MetricsServer::serve(listener, Arc::new(registry)) {
        Ok(m) => Some(m),
        Err(e) => {
            tracing::error!(error = %e, "the metrics endpoint cannot serve");
            None
        }
    }
}

struct BrokerCollector {
    state: Arc<BrokerState>,
}

impl fmt::Debug for BrokerCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BrokerCollector")
    }
}

/// Java's `TopicValidator.isSystemTopic` and `BrokerMetricsManager.isSystemGroup`,
/// roughly: the broker's own topics and `CID_RMQ_SYS_` groups.
fn is_system(topic: &str, group: &str) -> bool {
    const SYSTEM_TOPICS: &[&str] = &[
        "TBW102",
        "SCHEDULE_TOPIC_XXXX",
        "BenchmarkTest",
        "OFFSET_MOVED_EVENT",
        "SELF_TEST_TOPIC",
        "TRANS_CHECK_MAX_TIME_TOPIC",
        "RMQ_SYS_TRACE_TOPIC",
    ];
    topic.starts_with("rmq_sys_")
        || topic.starts_with("RMQ_SYS_")
        || SYSTEM_TOPICS.contains(&topic)
        || group.to_ascii_lowercase().starts_with("cid_rmq_sys_")
}

fn topic_labels(t: &str) -> Labels<'_> {
    vec![("topic", t), ("is_system", bool_text(is_system(t, "")))]
}

fn bool_text(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

type Labels<'a> = Vec<(&'static str, &'a str)>;

fn counter(
    enc: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    rows: &[(Labels<'_>, u64)],
) -> fmt::Result {
    let mut m = enc.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (labels, v) in rows {
        m.encode_family(labels)?
            .encode_counter::<NoLabelSet, u64, u64>(v, None)?;
    }
    Ok(())
}

fn gauge(
    enc: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    rows: &[(Labels<'_>, i64)],
) -> fmt::Result {
    let mut m = enc.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, v) in rows {
        m.encode_family(labels)?.encode_gauge(v)?;
    }
    Ok(())
}

/// Lag of one (group, topic): messages behind, and how old the oldest unconsumed one is.
struct Lag {
    messages: i64,
    latency_ms: i64,
}

fn lags(state: &BrokerState) -> BTreeMap<(String, String), Lag> {
    let now = now_ms();
    let mut out: BTreeMap<(String, String), Lag> = BTreeMap::new();
    for (group, topic, queue_id, committed) in state.offsets.all() {
        let max = state.store.max_offset(&topic, queue_id);
        let behind = (max - committed).max(0);
        let latency = if behind > 0 {
            state
                .store
                .store_time_at(&topic, queue_id, committed.max(0))
                .map_or(0, |t| (now - t).max(0))
        } else {
            0
        };
        let e = out.entry((group, topic)).or_insert(Lag {
            messages: 0,
            latency_ms: 0,
        });
        e.messages += behind;
        e.latency_ms = e.latency_ms.max(latency);
    }
    out
}

impl BrokerCollector {
    fn encode_traffic(&self, enc: &mut DescriptorEncoder) -> fmt::Result {
        let stats = &self.state.stats;
        let topics = stats.topics.entries();
        let rows = |f: &dyn Fn(&crate::stats::families::TopicStats) -> u64| {
            topics
                .iter()
                .map(|(t, s)| (topic_labels(t), f(s)))
                .collect::<Vec<_>>()
        };
        counter(
            enc,
            "rocketmq_messages_in",
            "Messages stored by sends, per topic",
            &rows(&|s| s.put_nums.value()),
        )?;
        counter(
            enc,
            "rocketmq_throughput_in",
            "Bytes stored by sends, per topic",
            &rows(&|s| s.put_size.value()),
        )?;
        {
            let mut m = enc.encode_descriptor(
                "rocketmq_message_size",
                "Size of the messages sent, per topic (bytes)",
                None,
                MetricType::Histogram,
            )?;
            for (t, s) in &topics {
                let counts: Vec<u64> = s
                    .size_buckets
                    .iter()
                    .map(|b| b.load(Ordering::Relaxed))
                    .collect();
                let mut buckets: Vec<(f64, u64)> = SIZE_BUCKETS
                    .iter()
                    .zip(&counts)
                    .map(|(b, c)| (*b as f64, *c))
                    .collect();
                buckets.push((f64::MAX, counts.last().copied().unwrap_or(0)));
                let labels = topic_labels(t);
                m.encode_family(&labels)?.encode_histogram::<NoLabelSet>(
                    s.put_size.value() as f64,
                    counts.iter().sum(),
                    &buckets,
                    None,
                )?;
            }
        }
        let groups = stats.groups.entries();
        let group_rows = |f: &dyn Fn(&crate::stats::families::GroupStats) -> u64| {
            groups
                .iter()
                .filter_map(|(key, g)| {
                    let (topic, group) = key.split_once('@')?;
                    let labels: Labels<'_> = vec![
                        ("topic", topic),
                        ("consumer_group", group),
                        ("is_retry", bool_text(is_retry(topic))),
                        ("is_system", bool_text(is_system(topic, group))),
                    ];
                    Some((labels, f(g)))
                })
                .collect::<Vec<_>>()
        };
        counter(
            enc,
            "rocketmq_messages_out",
            "Messages pulled, per topic and group",
            &group_rows(&|g| g.get_nums.value()),
        )?;
        counter(
            enc,
            "rocketmq_throughput_out",
            "Bytes pulled, per topic and group",
            &group_rows(&|g| g.get_size.value()),
        )?;
        counter(
            enc,
            "rocketmq_send_to_dlq_messages",
            "Messages a group moved to its dead-letter topic, per original topic",
            &group_rows(&|g| g.dlq_nums.load(Ordering::Relaxed)),
        )
    }

    fn encode_clients(&self, enc: &mut DescriptorEncoder) -> fmt::Result {
        let clients = &self.state.clients;
        let mut producers: BTreeMap<(String, String), i64> = BTreeMap::new();
        for (_, channels) in clients.producer_table() {
            for c in channels {
                *producers
                    .entry((c.language.as_str().to_string(), c.version.to_string()))
                    .or_default() += 1;
            }
        }
        let rows: Vec<_> = producers
            .iter()
            .map(|((lang, ver), n)| {
                (
                    vec![("language", lang.as_str()), ("version", ver.as_str())],
                    *n,
                )
            })
            .collect();
        gauge(
            enc,
            "rocketmq_producer_connections",
            "Producer connections",
            &rows,
        )?;
        let mut consumers: BTreeMap<(String, String, String, String), i64> = BTreeMap::new();
        for group in clients.consumer_groups() {
            let Some(info) = clients.consumer_group(&group) else {
                continue;
            };
            // RocketMQ 5: ConsumeType's typeCN, lower case.
            let mode = match info.consume_type {
                ConsumeType::Actively => "pull",
                ConsumeType::Passively => "push",
                ConsumeType::Pop => "pop",
            }
            .to_string();
            for c in info.channels.values() {
                *consumers
                    .entry((
                        group.clone(),
                        c.language.as_str().to_string(),
                        c.version.to_string(),
                        mode.clone(),
                    ))
                    .or_default() += 1;
            }
        }
        let rows: Vec<_> = consumers
            .iter()
            .map(|((g, lang, ver, mode), n)| {
                (
                    vec![
                        ("consumer_group", g.as_str()),
                        ("language", lang.as_str()),
                        ("version", ver.as_str()),
                        ("consume_mode", mode.as_str()),
                        ("is_system", bool_text(is_system("", g))),
                    ],
                    *n,
                )
            })
            .collect();
        gauge(
            enc,
            "rocketmq_consumer_connections",
            "Consumer connections, per group",
            &rows,
        )
    }

    fn encode_lag(&self, enc: &mut DescriptorEncoder) -> fmt::Result {
        let lags = lags(&self.state);
        let rows = |f: &dyn Fn(&Lag) -> i64| {
            lags.iter()
                .map(|((group, topic), lag)| {
                    let labels: Labels<'_> = vec![
                        ("consumer_group", group.as_str()),
                        ("topic", topic.as_str()),
                        ("is_retry", bool_text(is_retry(topic))),
                        ("is_system", bool_text(is_system(topic, group))),
                    ];
                    (labels, f(lag))
                })
                .collect::<Vec<_>>()
        };
        gauge(
            enc,
            "rocketmq_consumer_lag_messages",
            "Messages stored but not yet consumed (committed), per group and topic",
            &rows(&|l| l.messages),
        )?;
        gauge(
            enc,
            "rocketmq_consumer_lag_latency",
            "Age (ms) of the oldest message not yet consumed, per group and topic",
            &rows(&|l| l.latency_ms),
        )
    }

    fn encode_broker(&self, enc: &mut DescriptorEncoder) -> fmt::Result {
        let state = &self.state;
        let cfg = state.config();
        let none: Labels<'_> = Vec::new();
        gauge(
            enc,
            "rocketmq_broker_permission",
            "Broker permission bits (read 4, write 2)",
            &[(none.clone(), i64::from(cfg.broker_permission))],
        )?;
        let topics = state.topics.names();
        let user_topics = topics
            .iter()
            .filter(|t| !is_retry(t) && !t.starts_with(DLQ_PREFIX) && !is_system(t, ""))
            .count();
        gauge(
            enc,
            "rocketmq_topic_number",
            "Topics on this broker (without retry, DLQ and system topics)",
            &[(none.clone(), user_topics as i64)],
        )?;
        let groups = state.groups.snapshot().subscription_group_table.len();
        gauge(
            enc,
            "rocketmq_consumer_group_number",
            "Subscription groups on this broker",
            &[(none.clone(), groups as i64)],
        )?;
        let store = &state.store;
        let storage: Labels<'_> = vec![("storage_type", "local"), ("storage_medium", "disk")];
        let max_phys = store.max_phys_offset();
        gauge(
            enc,
            "rocketmq_storage_size",
            "CommitLog bytes held (first to last stored byte)",
            &[(storage.clone(), (max_phys - store.min_phys_offset()).max(0))],
        )?;
        gauge(
            enc,
            "rocketmq_storage_flush_behind_bytes",
            "CommitLog bytes written but not yet flushed",
            &[(
                storage.clone(),
                (max_phys - store.flushed_phys_offset()).max(0),
            )],
        )?;
        let dispatched = *store.subscribe_dispatched().borrow();
        gauge(
            enc,
            "rocketmq_storage_dispatch_behind_bytes",
            "CommitLog bytes not yet dispatched to ConsumeQueues and the index",
            &[(storage.clone(), (max_phys - dispatched).max(0))],
        )?;
        if let Some(earliest) = store.earliest_time().filter(|t| *t > 0) {
            gauge(
                enc,
                "rocketmq_storage_message_reserve_time",
                "Age (ms) of the oldest stored message",
                &[(storage.clone(), (now_ms() - earliest).max(0))],
            )?;
        }
        let ratio = StatvfsDiskUsage.used_ratio(Path::new(&cfg.store.commit_log_dir()));
        if let Some(r) = ratio {
            let mut m = enc.encode_descriptor(
                "cometmq_storage_disk_used_ratio",
                "Used share (0..1) of the file system holding the CommitLog",
                None,
                MetricType::Gauge,
            )?;
            m.encode_family(&storage)?.encode_gauge(&r)?;
        }
        let held: Vec<(Labels<'_>, u64)> = HeldPullEnd::ALL
            .iter()
            .map(|(end, label)| {
                (
                    vec![("outcome", *label)],
                    state.stats.held_pulls.count(*end),
                )
            })
            .collect();
        counter(
            enc,
            "cometmq_held_pulls",
            "Held pulls (long polling) by how they ended: woken by an arriving message, found \
             by the periodic re-check (a missed wake-up), or at the end of their hold",
            &held,
        )?;
        if let Some(master) = state.ha.master() {
            let slaves = master.slaves();
            let addrs: Vec<String> = slaves.iter().map(|s| s.addr.to_string()).collect();
            let rows: Vec<(Labels<'_>, i64)> = slaves
                .iter()
                .zip(&addrs)
                .map(|(s, a)| (vec![("slave", a.as_str())], s.behind_bytes))
                .collect();
            gauge(
                enc,
                "cometmq_ha_slave_fall_behind_bytes",
                "CommitLog bytes a connected slave has not yet acknowledged",
                &rows,
            )?;
        }
        Ok(())
    }
}

impl Collector for BrokerCollector {
    fn encode(&self, mut enc: DescriptorEncoder) -> fmt::Result {
        self.encode_traffic(&mut enc)?;
        self.encode_clients(&mut enc)?;
        self.encode_lag(&mut enc)?;
        self.encode_broker(&mut enc)
    }
}
