//! Mixed clusters with Apache RocketMQ's servers (issue 16), through CometMQ's client:
//! - a CometMQ NameServer with a Java broker and a CometMQ broker in one cluster, a topic
//!   on both: the producer spreads messages over both, a push consumer gets every one;
//! - a Java NameServer with a CometMQ broker: the same through Java's routes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cometmq_client::admin::{Admin, BrokerTarget};
use cometmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use cometmq_client::instance::ClientConfig;
use cometmq_client::producer::{Producer, SendStatus};
use cometmq_client::Message;
use cometmq_remoting::body::TopicConfig;
use common::eventually;
use common::java::{self, Server};

const TOPIC: &str = "MixedClusterT";
const MESSAGES: usize = 200;

async fn broker(java: bool, root: &Path, name: &str, namesrv: &str) -> (Server, String) {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let port = java::broker_port();
    let conf_path = dir.join("broker.conf");
    let props = java::conf(
        &dir,
        name,
        namesrv,
        port,
        &[("autoCreateTopicEnable", "false")],
    );
    java::write_conf(&conf_path, &props);
    let server = if java {
        Server::java_broker(&conf_path, &dir.join("home"), port).await
    } else {
        java::mqbroker(&conf_path, &dir.join("home"), port).await
    };
    (server, format!("127.0.0.1:{port}"))
}

fn client_config(namesrv: &str, instance: &str, root: &Path) -> ClientConfig {
    ClientConfig {
        client_ip: "127.0.0.1".into(),
        instance_name: instance.into(),
        poll_name_server_interval: Duration::from_millis(500),
        heartbeat_broker_interval: Duration::from_secs(1),
        offsets_root: root.join(format!("offsets-{instance}")),
        ..ClientConfig::new(namesrv)
    }
}

/// Creates the topic on every broker, waits for its route to list them, produces through
/// the route and consumes everything with a push consumer; checks that each broker got
/// messages and that every body arrived.
async fn produce_and_consume(namesrv: &str, brokers: &[String], root: &Path) {
    let admin = Admin::new(namesrv).unwrap();
    for addr in brokers {
        admin
            .create_topic(
                &BrokerTarget::Addr(addr.clone()),
                &TopicConfig::new(TOPIC, 4),
            )
            .await
            .unwrap_or_else(|e| panic!("create {TOPIC} on {addr}: {e}"));
    }
    eventually("the route to list every broker", || async {
        let route = admin.topic_route(TOPIC).await.ok()?;
        let addrs: BTreeSet<String> = route
            .broker_datas
            .iter()
            .flat_map(|b| b.broker_addrs.values().cloned())
            .collect();
        brokers.iter().all(|b| addrs.contains(b)).then_some(())
    })
    .await;

    let producer = Producer::builder("MixedClusterPG")
        .client_config(client_config(namesrv, "producer", root))
        .send_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    producer.start().unwrap();
    let mut sent = BTreeSet::new();
    let mut per_broker: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..MESSAGES {
        let body = format!("mixed cluster {i}");
        let r = producer
            .send(
                Message::builder(TOPIC)
                    .tags("TagA")
                    .keys([format!("mixed-{i}")])
                    .body(body.clone())
                    .build(),
            )
            .await
            .unwrap();
        assert_eq!(r.status, SendStatus::SendOk);
        *per_broker
            .entry(r.message_queue.broker_name.clone())
            .or_default() += 1;
        sent.insert(body);
    }
    assert_eq!(
        per_broker.len(),
        brokers.len(),
        "sends spread over every broker: {per_broker:?}"
    );

    let got: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let g = got.clone();
    let consumer = PushConsumer::builder("MixedClusterCG")
        .client_config(client_config(namesrv, "consumer", root))
        .subscribe(TOPIC, "TagA")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .listener(move |msgs| {
            let mut g = g.lock().unwrap();
            for m in msgs {
                assert_eq!(m.tags(), Some("TagA"));
                g.insert(String::from_utf8_lossy(&m.body).into_owned());
            }
            ConsumeResult::Success
        })
        .build()
        .unwrap();
    consumer.start().await.unwrap();
    eventually("every message consumed", || {
        let n = got.lock().unwrap().len();
        async move { (n >= MESSAGES).then_some(()) }
    })
    .await;
    assert_eq!(*got.lock().unwrap(), sent);
    consumer.shutdown().await;
    producer.shutdown().await;
    admin.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cometmq_namesrv_with_a_java_and_a_cometmq_broker() {
    if !java::available() {
        return;
    }
    let _serial = java::SERIAL.lock().await;
    let ns = cometmq_testkit::namesrv::Namesrv::start().await;
    let namesrv = ns.addr.clone();
    let root = tempfile::tempdir().unwrap();
    let (jb, jaddr) = broker(true, root.path(), "broker-java", &namesrv).await;
    let (cb, caddr) = broker(false, root.path(), "broker-comet", &namesrv).await;
    produce_and_consume(&namesrv, &[jaddr, caddr], root.path()).await;
    jb.stop().await;
    cb.stop().await;
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java_namesrv_with_a_cometmq_broker() {
    if !java::available() {
        return;
    }
    let _serial = java::SERIAL.lock().await;
    let root = tempfile::tempdir().unwrap();
    let ns_port = cometmq_testkit::free_port();
    let ns_conf = root.path().join("namesrv.properties");
    std::fs::write(&ns_conf, format!("listenPort={ns_port}\n")).unwrap();
    let ns = Server::java_namesrv(&ns_conf, &root.path().join("ns-home"), ns_port).await;
    let namesrv = format!("127.0.0.1:{ns_port}");
    let (cb, caddr) = broker(false, root.path(), "broker-comet", &namesrv).await;
    produce_and_consume(&namesrv, &[caddr], root.path()).await;
    cb.stop().await;
    ns.stop().await;
}
