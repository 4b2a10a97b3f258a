//! Statistics and metrics end to end: messages sent and pulled through the real broker
//! show up in VIEW_BROKER_STATS_DATA (as `mqadmin statsAll` reads it) and in the Prometheus
//! endpoint of the broker (`metricsExporterType=PROM`), a lagging group shows its lag, the
//! NameServer's endpoint serves too, and malformed HTTP leaves both serving.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use cometmq_broker::broker::Broker;
use cometmq_namesrv::NameServer;
use cometmq_remoting::body::{fastjson, BrokerStatsData};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    ConsumerSendMsgBackRequestHeader, UpdateConsumerOffsetRequestHeader,
    ViewBrokerStatsDataRequestHeader,
};
use cometmq_remoting::metrics_http::MetricsExporterType;
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::request::create_topic;
use common::{test_config, Cluster};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOPIC: &str = "MetricsTopic";

/// GET `path` over a fresh connection; returns (status line, body).
async fn http_get(addr: SocketAddr, path: &str) -> (String, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).await.unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (
        head.lines().next().unwrap_or("").to_string(),
        body.to_string(),
    )
}

/// The value of the sample `name{…}` whose labels include every `labels` pair.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?;
        let (label_text, value) = match rest.strip_prefix('{') {
            Some(r) => r.split_once("} ")?,
            None => ("", rest.strip_prefix(' ')?),
        };
        let has_all = labels
            .iter()
            .all(|(k, v)| label_text.contains(&format!("{k}=\"{v}\"")));
        has_all.then(|| value.trim().parse().ok()).flatten()
    })
}

async fn view(c: &Cluster, name: &str, key: &str) -> RemotingCommand {
    let h = ViewBrokerStatsDataRequestHeader {
        stats_name: name.into(),
        stats_key: key.into(),
    };
    c.call(RemotingCommand::request_with_header(
        request::VIEW_BROKER_STATS_DATA,
        &h,
    ))
    .await
}

/// Asks until the item's minute window sums to `want` (the sampler takes a minute sample
/// every 10 s, so this waits for the next one).
async fn wait_minute_sum(c: &Cluster, name: &str, key: &str, want: i64) -> BrokerStatsData {
    let mut last = None;
    for _ in 0..300 {
        let resp = view(c, name, key).await;
        if resp.code == response::SUCCESS {
            let data: BrokerStatsData = fastjson::from_slice(&resp.body.to_bytes()).unwrap();
            if data.stats_minute.sum == want {
                return data;
            }
            last = Some(data);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{name} {key}: minute sum never reached {want}; last {last:?}");
}

async fn commit(c: &Cluster, group: &str, offset: i64) {
    let h = UpdateConsumerOffsetRequestHeader {
        consumer_group: group.into(),
        topic: TOPIC.into(),
        queue_id: 0,
        commit_offset: offset,
    };
    let resp = c
        .call(RemotingCommand::request_with_header(
            request::UPDATE_CONSUMER_OFFSET,
            &h,
        ))
        .await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
}

async fn start_with_metrics() -> (Cluster, SocketAddr, SocketAddr) {
    let kv_dir = tempfile::tempdir().unwrap();
    let ns = NameServer::start(cometmq_namesrv::NamesrvConfig {
        metrics_exporter_type: MetricsExporterType::Prom,
        metrics_prom_exporter_port: 0,
        ..cometmq_testkit::namesrv::config(kv_dir.path())
    })
    .await
    .unwrap();
    let ns_metrics = ns.metrics_addr().expect("the NameServer serves metrics");
    let namesrv_addr = ns.local_addr().to_string();
    let store_dir = tempfile::tempdir().unwrap();
    let mut cfg = test_config(store_dir.path(), &namesrv_addr);
    cfg.metrics_exporter_type = MetricsExporterType::Prom;
    cfg.metrics_prom_exporter_host = "127.0.0.1".into();
    cfg.metrics_prom_exporter_port = 0;
    let broker = Broker::start(cfg).await.unwrap();
    let broker_metrics = broker.metrics_addr().expect("the broker serves metrics");
    let c = Cluster {
        broker_addr: broker.broker_addr().to_string(),
        namesrv: Some(ns),
        broker: Some(broker),
        namesrv_addr,
        store_dir,
        kv_dir,
        client: RemotingClient::new(TransportConfig::default()),
    };
    (c, broker_metrics, ns_metrics)
}

#[tokio::test]
async fn stats_and_metrics_follow_traffic() {
    let (c, metrics, ns_metrics) = start_with_metrics().await;
    assert_eq!(c.call(create_topic(TOPIC, 1)).await.code, response::SUCCESS);
    let body = vec![b'x'; 100];
    for _ in 0..5 {
        let resp = c.send(TOPIC, 0, Some("TagA"), None, &body).await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    }
    // Pulls until all five are read (dispatch to the ConsumeQueue runs in the background).
    let msgs = c.pull_until("MG", TOPIC, 0, 0, "*", 5).await;
    assert_eq!(msgs.len(), 5);
    commit(&c, "MG", 5).await;
    // LagG consumed two of the five: three behind.
    commit(&c, "LagG", 2).await;
    // One message sent back by MG for retry: SNDBCK_PUT_NUMS of TOPIC@MG.
    let back = ConsumerSendMsgBackRequestHeader {
        offset: msgs[0].commit_log_offset,
        group: "MG".into(),
        delay_level: 0,
        origin_msg_id: Some(msgs[0].msg_id()),
        origin_topic: Some(TOPIC.into()),
        max_reconsume_times: Some(16),
        ..Default::default()
    };
    assert_eq!(c.send_back(&back).await.code, response::SUCCESS);

    // (a) VIEW_BROKER_STATS_DATA, as statsAll asks it.
    let put = wait_minute_sum(&c, "TOPIC_PUT_NUMS", TOPIC, 5).await;
    assert!(put.stats_minute.tps > 0.0, "{put:?}");
    assert_eq!(put.stats_minute.avgpt, 1.0, "one message per send request");
    wait_minute_sum(&c, "GROUP_GET_NUMS", &format!("{TOPIC}@MG"), 5).await;
    wait_minute_sum(&c, "SNDBCK_PUT_NUMS", &format!("{TOPIC}@MG"), 1).await;
    let size = view(&c, "TOPIC_PUT_SIZE", TOPIC).await;
    let size: BrokerStatsData = fastjson::from_slice(&size.body.to_bytes()).unwrap();
    assert!(size.stats_minute.sum >= 500, "{size:?}");
    let missing = view(&c, "TOPIC_PUT_NUMS", "NoSuchTopic").await;
    assert_eq!(missing.code, response::SYSTEM_ERROR);
    assert_eq!(
        missing.remark.as_deref(),
        Some("The stats <TOPIC_PUT_NUMS> <NoSuchTopic> not exist")
    );

    // (b) The Prometheus endpoint.
    let (status, text) = http_get(metrics, "/metrics").await;
    assert!(status.contains("200"), "{status}");
    let common = [
        ("cluster", "DefaultCluster"),
        ("node_type", "broker"),
        ("node_id", "broker-a"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut l = common.to_vec();
        l.extend_from_slice(extra);
        l
    };
    let topic = [("topic", TOPIC), ("is_system", "false")];
    assert_eq!(
        sample(&text, "rocketmq_messages_in_total", &with(&topic)),
        Some(5.0),
        "{text}"
    );
    let bytes_in = sample(&text, "rocketmq_throughput_in_total", &with(&topic)).unwrap();
    assert!(
        bytes_in >= 500.0,
        "bytes stored include the bodies: {bytes_in}"
    );
    assert_eq!(
        sample(&text, "rocketmq_message_size_count", &with(&topic)),
        Some(5.0)
    );
    let group = [
        ("topic", TOPIC),
        ("consumer_group", "MG"),
        ("is_retry", "false"),
    ];
    assert_eq!(
        sample(&text, "rocketmq_messages_out_total", &with(&group)),
        Some(5.0)
    );
    assert!(sample(&text, "rocketmq_throughput_out_total", &with(&group)).unwrap() > 0.0);
    let lag = [("topic", TOPIC), ("consumer_group", "LagG")];
    assert_eq!(
        sample(&text, "rocketmq_consumer_lag_messages", &with(&lag)),
        Some(3.0)
    );
    assert!(sample(&text, "rocketmq_consumer_lag_latency", &with(&lag)).unwrap() >= 0.0);
    let caught_up = [("topic", TOPIC), ("consumer_group", "MG")];
    assert_eq!(
        sample(&text, "rocketmq_consumer_lag_messages", &with(&caught_up)),
        Some(0.0)
    );
    assert_eq!(
        sample(&text, "rocketmq_broker_permission", &common),
        Some(6.0)
    );
    assert!(sample(&text, "rocketmq_topic_number", &common).unwrap() >= 1.0);
    assert!(sample(&text, "rocketmq_storage_size", &common).unwrap() > 0.0);
    assert!(sample(&text, "rocketmq_storage_flush_behind_bytes", &common).is_some());
    assert!(sample(&text, "rocketmq_storage_dispatch_behind_bytes", &common).is_some());

    // Malformed HTTP and unknown paths: an error answer, and both endpoints go on.
    let mut s = tokio::net::TcpStream::connect(metrics).await.unwrap();
    s.write_all(b"\x00\x01 NOT HTTP AT ALL\r\n\r\n")
        .await
        .unwrap();
    let mut junk = Vec::new();
    let _ = s.read_to_end(&mut junk).await;
    assert!(!String::from_utf8_lossy(&junk).contains("rocketmq_"));
    let (status, _) = http_get(metrics, &format!("/{}", "a".repeat(20_000))).await;
    assert!(!status.contains("200"), "{status}");
    let (status, _) = http_get(metrics, "/nope").await;
    assert!(status.contains("404"), "{status}");
    let resp = c.send(TOPIC, 0, None, None, b"after").await;
    assert_eq!(resp.code, response::SUCCESS);
    let (_, text) = http_get(metrics, "/metrics").await;
    assert_eq!(
        sample(&text, "rocketmq_messages_in_total", &with(&topic)),
        Some(6.0)
    );

    // The NameServer's endpoint: the registered broker.
    let (status, text) = http_get(ns_metrics, "/metrics").await;
    assert!(status.contains("200"), "{status}");
    let broker = [
        ("node_type", "namesrv"),
        ("cluster", "DefaultCluster"),
        ("broker_name", "broker-a"),
        ("broker_id", "0"),
    ];
    assert_eq!(
        sample(&text, "cometmq_namesrv_broker", &broker),
        Some(1.0),
        "{text}"
    );
    c.stop().await;
}

#[tokio::test]
async fn unsupported_exporters_stop_the_start() {
    let store_dir = tempfile::tempdir().unwrap();
    for kind in [MetricsExporterType::OtlpGrpc, MetricsExporterType::Log] {
        let mut cfg = test_config(store_dir.path(), "127.0.0.1:1");
        cfg.metrics_exporter_type = kind;
        let err = Broker::start(cfg).await.err().expect("refused");
        assert!(
            err.to_string()
                .contains(&format!("metricsExporterType={kind}")),
            "{err}"
        );
        let kv_dir = tempfile::tempdir().unwrap();
        let ns = NameServer::start(cometmq_namesrv::NamesrvConfig {
            metrics_exporter_type: kind,
            ..cometmq_testkit::namesrv::config(kv_dir.path())
        })
        .await;
        let err = ns.err().expect("refused");
        assert!(err.to_string().contains("metricsExporterType="), "{err}");
    }
}

/// A retry (CONSUMER_SEND_MSG_BACK, delay level 1) wakes the pull held on the group's retry
/// queue when the delay service delivers it: the broker counts that held pull as woken by
/// the arrival, never as found by its periodic re-check (which would mean a missed wake-up:
/// issue 22's late retries under load) nor as ended by its hold.
#[tokio::test]
async fn a_delivered_retry_wakes_the_held_pull() {
    let (c, metrics, _ns_metrics) = start_with_metrics().await;
    assert_eq!(c.call(create_topic(TOPIC, 1)).await.code, response::SUCCESS);
    let resp = c.send(TOPIC, 0, None, None, b"retry me").await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    let msgs = c.pull_until("WakeG", TOPIC, 0, 0, "*", 1).await;
    let back = ConsumerSendMsgBackRequestHeader {
        offset: msgs[0].commit_log_offset,
        group: "WakeG".into(),
        delay_level: 1,
        origin_msg_id: Some(msgs[0].msg_id()),
        origin_topic: Some(TOPIC.into()),
        max_reconsume_times: Some(16),
        ..Default::default()
    };
    assert_eq!(c.send_back(&back).await.code, response::SUCCESS);
    // Held until the retry arrives (delay level 1: a second), or for at most a minute.
    let held = c.pull("WakeG", "%RETRY%WakeG", 0, 0, "*", 60_000).await;
    assert_eq!(held.code, response::SUCCESS, "{:?}", held.remark);
    let got = common::messages(&held);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body.as_ref(), b"retry me");

    let (_, text) = http_get(metrics, "/metrics").await;
    let ended = |outcome: &'static str| {
        sample(&text, "cometmq_held_pulls_total", &[("outcome", outcome)])
            .unwrap_or_else(|| panic!("no cometmq_held_pulls_total{{outcome={outcome}}}:\n{text}"))
    };
    assert_eq!(ended("recheck"), 0.0, "a held pull missed its wake-up");
    assert_eq!(
        ended("timeout"),
        0.0,
        "a held pull ran out with the retry delivered"
    );
}
