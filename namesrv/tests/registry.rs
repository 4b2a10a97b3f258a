//! Broker registration, unregistration, expiry and channel close, against a real NameServer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cometmq_remoting::body::{ClusterInfo, DataVersion};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    QueryDataVersionRequestHeader, QueryDataVersionResponseHeader, UnregisterBrokerRequestHeader,
};
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use common::{body, eventually, legacy, Broker, TestServer};

async fn cluster_info(s: &TestServer) -> ClusterInfo {
    let resp = s
        .call(RemotingCommand::request(request::GET_BROKER_CLUSTER_INFO))
        .await;
    assert_eq!(resp.code, response::SUCCESS);
    body(&resp)
}

#[tokio::test]
async fn master_and_slave_show_in_route_and_cluster_info() {
    let s = TestServer::start("").await;
    let master = Broker::master(
        "broker-a",
        "10.0.0.1:10911",
        &[("TopicA", 8), ("TopicB", 4)],
    );
    let slave = Broker::slave("broker-a", 1, "10.0.0.2:10911");

    // A slave registering before its master learns nothing.
    let early = slave.register(&s.client, &s.addr).await;
    assert_eq!((early.master_addr, early.ha_server_addr), (None, None));

    let r = master.register(&s.client, &s.addr).await;
    assert_eq!(
        (r.master_addr, r.ha_server_addr),
        (None, None),
        "masters get no result"
    );
    let r = slave.register(&s.client, &s.addr).await;
    assert_eq!(r.master_addr.as_deref(), Some("10.0.0.1:10911"));
    assert_eq!(r.ha_server_addr.as_deref(), Some("10.0.0.1:10912"));

    let route = s.route("TopicA").await.expect("route");
    assert_eq!(route.queue_datas.len(), 1);
    let q = &route.queue_datas[0];
    assert_eq!(
        (
            q.broker_name.as_str(),
            q.read_queue_nums,
            q.write_queue_nums,
            q.perm
        ),
        ("broker-a", 8, 8, 6)
    );
    assert_eq!(route.broker_datas.len(), 1);
    let b = &route.broker_datas[0];
    assert_eq!(b.cluster, "DefaultCluster");
    assert_eq!(
        b.broker_addrs.get(&0).map(String::as_str),
        Some("10.0.0.1:10911")
    );
    assert_eq!(
        b.broker_addrs.get(&1).map(String::as_str),
        Some("10.0.0.2:10911")
    );
    assert!(s.route("NoSuchTopic").await.is_none());

    let info = cluster_info(&s).await;
    assert_eq!(
        info.cluster_addr_table["DefaultCluster"]
            .iter()
            .collect::<Vec<_>>(),
        ["broker-a"]
    );
    assert_eq!(info.broker_addr_table["broker-a"].broker_addrs.len(), 2);
    s.shutdown().await;
}

#[tokio::test]
async fn topics_are_reread_when_the_data_version_changes_and_compressed_bodies_work() {
    let s = TestServer::start("").await;
    let mut master = Broker::master("broker-a", "10.0.0.1:10911", &[("T", 4)]);
    master.compressed = true;
    master.register(&s.client, &s.addr).await;
    assert_eq!(
        s.route("T").await.expect("route").queue_datas[0].write_queue_nums,
        4
    );

    master.topics = vec![("T".into(), 16), ("U".into(), 2)];
    master.register(&s.client, &s.addr).await;
    assert!(
        s.route("U").await.is_none(),
        "same data version: topics not re-read"
    );

    master.counter += 1;
    master.register(&s.client, &s.addr).await;
    assert_eq!(
        s.route("T").await.expect("route").queue_datas[0].write_queue_nums,
        16
    );
    assert!(s.route("U").await.is_some());

    // QUERY_DATA_VERSION: unchanged for the registered version, changed for another one.
    for (counter, changed) in [(master.counter, false), (99, true)] {
        let version = DataVersion {
            counter,
            timestamp: 1_700_000_000_000 + master.counter,
            state_version: 0,
        };
        let cmd = RemotingCommand::request_with_header(
            request::QUERY_DATA_VERSION,
            &QueryDataVersionRequestHeader {
                broker_name: "broker-a".into(),
                broker_addr: "10.0.0.1:10911".into(),
                cluster_name: "DefaultCluster".into(),
                broker_id: 0,
            },
        )
        .with_body(legacy(&version));
        let resp = s.call(cmd).await;
        assert_eq!(resp.code, response::SUCCESS);
        let h: QueryDataVersionResponseHeader = resp.decode_header().unwrap();
        assert_eq!(h.changed, changed);
        assert_eq!(body::<DataVersion>(&resp).counter, master.counter);
    }
    s.shutdown().await;
}

#[tokio::test]
async fn broker_expires_after_the_configured_timeout() {
    let s = TestServer::start("brokerExpiredMillis=300\nscanNotActiveBrokerInterval=50").await;
    let a = Broker::master("broker-a", "10.0.0.1:10911", &[("T", 4)]);
    let mut b = Broker::master("broker-b", "10.0.0.3:10911", &[("T", 4)]);
    // b declares its own, longer timeout (5.x header), so it outlives a.
    b.heartbeat_timeout_millis = Some(60_000);
    a.register(&s.client, &s.addr).await;
    b.register(&s.client, &s.addr).await;
    assert_eq!(s.route("T").await.expect("route").broker_datas.len(), 2);

    eventually("broker-a expires", || async {
        s.route("T")
            .await
            .is_some_and(|r| r.broker_datas.len() == 1)
            .then_some(())
    })
    .await;
    let route = s.route("T").await.expect("b still serves T");
    assert_eq!(route.broker_datas[0].broker_name, "broker-b");
    assert!(!cluster_info(&s)
        .await
        .broker_addr_table
        .contains_key("broker-a"));
    s.shutdown().await;
}

#[tokio::test]
async fn heartbeats_keep_a_broker_alive() {
    let s = TestServer::start("brokerExpiredMillis=400\nscanNotActiveBrokerInterval=50").await;
    let a = Broker::master("broker-a", "10.0.0.1:10911", &[("T", 4)]);
    for _ in 0..8 {
        a.register(&s.client, &s.addr).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(s.route("T").await.is_some());
    }
    s.shutdown().await;
}

#[tokio::test]
async fn unregister_removes_the_broker_and_its_topics() {
    let s = TestServer::start("").await;
    let master = Broker::master("broker-a", "10.0.0.1:10911", &[("T", 4)]);
    let slave = Broker::slave("broker-a", 1, "10.0.0.2:10911");
    master.register(&s.client, &s.addr).await;
    slave.register(&s.client, &s.addr).await;
    let unregister = |b: &Broker| {
        RemotingCommand::request_with_header(
            request::UNREGISTER_BROKER,
            &UnregisterBrokerRequestHeader {
                broker_name: b.name.clone(),
                broker_addr: b.addr.clone(),
                cluster_name: b.cluster.clone(),
                broker_id: b.id,
            },
        )
    };
    assert_eq!(s.call(unregister(&master)).await.code, response::SUCCESS);
    let route = s.route("T").await.expect("the slave keeps the group");
    assert_eq!(
        route.broker_datas[0]
            .broker_addrs
            .keys()
            .collect::<Vec<_>>(),
        [&1]
    );
    assert_eq!(s.call(unregister(&slave)).await.code, response::SUCCESS);
    assert!(s.route("T").await.is_none());
    assert!(cluster_info(&s).await.cluster_addr_table.is_empty());
    // Unregistering again is harmless.
    assert_eq!(s.call(unregister(&slave)).await.code, response::SUCCESS);
    s.shutdown().await;
}

#[tokio::test]
async fn a_closed_channel_drops_its_broker_at_once() {
    let s = TestServer::start("").await;
    let broker_client = RemotingClient::new(TransportConfig::default());
    Broker::master("broker-a", "10.0.0.1:10911", &[("T", 4)])
        .register(&broker_client, &s.addr)
        .await;
    Broker::master("broker-b", "10.0.0.3:10911", &[("T", 4)])
        .register(&s.client, &s.addr)
        .await;
    assert_eq!(s.route("T").await.expect("route").broker_datas.len(), 2);
    broker_client.shutdown().await;
    eventually("broker-a dropped", || async {
        s.route("T")
            .await
            .is_some_and(|r| r.broker_datas.len() == 1)
            .then_some(())
    })
    .await;
    assert_eq!(
        s.route("T").await.expect("route").broker_datas[0].broker_name,
        "broker-b"
    );
    s.shutdown().await;
}

#[tokio::test]
async fn slave_promoted_on_the_same_address_replaces_its_old_id() {
    let s = TestServer::start("").await;
    Broker::master("broker-a", "10.0.0.1:10911", &[("T", 4)])
        .register(&s.client, &s.addr)
        .await;
    Broker::slave("broker-a", 1, "10.0.0.2:10911")
        .register(&s.client, &s.addr)
        .await;
    let mut promoted = Broker::master("broker-a", "10.0.0.2:10911", &[("T", 4)]);
    promoted.counter = 5;
    promoted.register(&s.client, &s.addr).await;
    let route = s.route("T").await.expect("route");
    let addrs: Vec<(&i64, &String)> = route.broker_datas[0].broker_addrs.iter().collect();
    assert_eq!(addrs, [(&0, &"10.0.0.2:10911".to_owned())]);
    s.shutdown().await;
}
