//! A whole cluster on mutual TLS: an enforcing NameServer, an enforcing master and slave
//! that register over TLS and whose slave syncs from the master over TLS, and our
//! producer with a TLS client config; the stored message pulled back over TLS (the pull's
//! mapped-file bytes go through the TLS writer).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use cometmq_client::instance::ClientConfig;
use cometmq_client::producer::{Producer, SendStatus};
use cometmq_client::Message;
use cometmq_remoting::body::{fastjson, TopicConfigSerializeWrapper, TopicRouteData};
use cometmq_remoting::code::{request as code, response};
use cometmq_remoting::header::PullMessageResponseHeader;
use cometmq_remoting::tls::{ClientAuth, ClientTls, TlsServerMode, TlsSettings};
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::namesrv::Namesrv;
use cometmq_testkit::tls::{pki, Pki};
use cometmq_testkit::wait::eventually;
use cometmq_testkit::{broker, request};

const LIMIT: Duration = Duration::from_secs(10);

/// Both sides of every process: enforcing, a client certificate required and checked,
/// the server's chain checked by clients.
fn mutual(pki: &Pki) -> TlsSettings {
    TlsSettings {
        server_mode: TlsServerMode::Enforcing,
        enable: true,
        test_mode_enable: false,
        server_need_client_auth: ClientAuth::Require,
        server_cert_path: Some(pki.server_cert.clone()),
        server_key_path: Some(pki.server_key.clone()),
        server_auth_client: true,
        server_trust_cert_path: Some(pki.ca.clone()),
        client_cert_path: Some(pki.client_cert.clone()),
        client_key_path: Some(pki.client_key.clone()),
        client_auth_server: true,
        client_trust_cert_path: Some(pki.ca.clone()),
        config_file: pki.dir.path().join("absent.properties"),
        ..TlsSettings::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_on_mutual_tls_registers_replicates_and_serves_our_producer() {
    let pki = pki();
    let tls = mutual(&pki);
    let client_tls = ClientTls::from_settings(&tls).unwrap();
    let ns = Namesrv::start_with(|c| c.tls = tls.clone()).await;
    let master_store = tempfile::tempdir().unwrap();
    let master = broker::start(cometmq_broker::config::BrokerConfig {
        tls: tls.clone(),
        ..broker::config(master_store.path(), &ns.addr)
    })
    .await;
    let slave_store = tempfile::tempdir().unwrap();
    let slave = broker::start(cometmq_broker::config::BrokerConfig {
        tls: tls.clone(),
        ..broker::slave_config(slave_store.path(), &ns.addr)
    })
    .await;
    let master_addr = master.broker_addr().to_string();
    let slave_addr = slave.broker_addr().to_string();

    let raw = RemotingClient::new(TransportConfig {
        tls_client: client_tls.clone(),
        ..TransportConfig::default()
    });
    let create = request::create_topic("TlsTopic", 1);
    let resp = raw.invoke(&master_addr, create, LIMIT).await.unwrap();
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);

    // Both registered over TLS: the route lists the master and the slave.
    let ns_addr = ns.addr.clone();
    eventually("both brokers in the route", || async {
        let resp = raw
            .invoke(&ns_addr, request::route("TlsTopic"), LIMIT)
            .await
            .ok()?;
        let route: TopicRouteData = fastjson::from_slice(&resp.body.to_bytes()).ok()?;
        (route.broker_datas.first()?.broker_addrs.len() == 2).then_some(())
    })
    .await;

    // Our producer, with TLS in its client config.
    let mut config = ClientConfig {
        client_ip: "127.0.0.1".into(),
        instance_name: "tls-producer".into(),
        ..ClientConfig::new(ns.addr.clone())
    };
    config.transport.tls_client = client_tls.clone();
    let producer = Producer::builder("TlsProducerGroup")
        .client_config(config)
        .send_timeout(LIMIT)
        .build()
        .unwrap();
    producer.start().unwrap();
    // Bodies under the producer's 4 KiB compression threshold; four of them make a pull
    // answer large enough to be written from the mapped file, not copied.
    let bodies: Vec<Vec<u8>> = (0..4u8).map(|i| vec![b'a' + i; 3000]).collect();
    for body in &bodies {
        let sent = producer
            .send(Message::new("TlsTopic", body.clone()))
            .await
            .unwrap();
        assert_eq!(sent.status, SendStatus::SendOk);
    }

    // Pulled back over TLS.
    let header = request::pull_header("TlsGroup", "TlsTopic", 0, 0, "*");
    let pulled = eventually("the messages pulled back", || async {
        let req = RemotingCommand::request_with_header(code::PULL_MESSAGE, &header);
        let resp = raw.invoke(&master_addr, req, LIMIT).await.ok()?;
        (resp.code == response::SUCCESS && request::messages(&resp).len() == 4).then_some(resp)
    })
    .await;
    let _ = pulled.decode_header::<PullMessageResponseHeader>().unwrap();
    let got: Vec<Vec<u8>> = request::messages(&pulled)
        .iter()
        .map(|m| m.body.to_vec())
        .collect();
    assert!(got == bodies, "the bodies came back as sent");

    // The slave synced the topic from the master over TLS.
    eventually("the topic synced to the slave", || async {
        let req = RemotingCommand::request(code::GET_ALL_TOPIC_CONFIG);
        let resp = raw.invoke(&slave_addr, req, LIMIT).await.ok()?;
        let topics: TopicConfigSerializeWrapper =
            fastjson::from_slice(&resp.body.to_bytes()).ok()?;
        topics
            .topic_config_table
            .contains_key("TlsTopic")
            .then_some(())
    })
    .await;

    producer.shutdown().await;
    raw.shutdown().await;
    slave.shutdown().await;
    master.shutdown().await;
    ns.stop().await;
}
