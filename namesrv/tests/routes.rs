//! Routes, listings and the topic admin calls, against a real NameServer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cometmq_remoting::body::{perm, KvTable, TopicList, TopicRouteData};
use cometmq_remoting::code::{request, response, version};
use cometmq_remoting::header::{
    AddWritePermOfBrokerRequestHeader, AddWritePermOfBrokerResponseHeader,
    DeleteTopicFromNamesrvRequestHeader, GetTopicsByClusterRequestHeader, PutKvConfigRequestHeader,
    WipeWritePermOfBrokerRequestHeader, WipeWritePermOfBrokerResponseHeader,
};
use cometmq_remoting::RemotingCommand;
use common::{body, Broker, TestServer};

async fn two_brokers(s: &TestServer) {
    Broker::master("broker-a", "10.0.0.1:10911", &[("T", 4), ("U", 2)])
        .register(&s.client, &s.addr)
        .await;
    Broker::slave("broker-a", 1, "10.0.0.2:10911")
        .register(&s.client, &s.addr)
        .await;
    let mut b = Broker::master("broker-b", "10.0.1.1:10911", &[("T", 4)]);
    b.cluster = "OtherCluster".into();
    b.register(&s.client, &s.addr).await;
}

#[tokio::test]
async fn route_json_form_follows_the_client_version() {
    let s = TestServer::start("").await;
    two_brokers(&s).await;
    // ali-ons (121) and Go (317) get fastjson's legacy form with bare broker ids.
    for v in [version::V3_4_9, version::V4_5_2] {
        let resp = s.route_raw("T", v, None).await;
        assert_eq!(resp.code, response::SUCCESS);
        let text = String::from_utf8(resp.body.to_bytes().to_vec()).unwrap();
        assert!(
            text.contains(r#""brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"}"#),
            "{text}"
        );
        assert!(
            serde_json::from_str::<serde_json::Value>(&text).is_err(),
            "not standard JSON"
        );
    }
    // 4.9.4+ clients, and anyone sending acceptStandardJsonOnly=true, get standard JSON.
    for (v, flag) in [
        (version::V4_9_4, None),
        (version::V5_3_3, Some(false)),
        (version::V3_4_9, Some(true)),
    ] {
        let resp = s.route_raw("T", v, flag).await;
        let text = String::from_utf8(resp.body.to_bytes().to_vec()).unwrap();
        assert!(
            text.contains(r#""brokerAddrs":{"0":"10.0.0.1:10911","1":"10.0.0.2:10911"}"#),
            "{text}"
        );
        let standard: TopicRouteData = serde_json::from_str(&text).unwrap();
        assert_eq!(standard.queue_datas.len(), 2);
        let names: Vec<&str> = standard
            .queue_datas
            .iter()
            .map(|q| q.broker_name.as_str())
            .collect();
        assert_eq!(names, ["broker-a", "broker-b"]);
    }
    let missing = s.route_raw("Nope", version::V3_4_9, None).await;
    assert_eq!(missing.code, response::TOPIC_NOT_EXIST);
    assert!(missing
        .remark
        .unwrap()
        .starts_with("No topic route info in name server for the topic: Nope"));
    s.shutdown().await;
}

#[tokio::test]
async fn cluster_info_is_legacy_json() {
    let s = TestServer::start("").await;
    two_brokers(&s).await;
    let resp = s
        .call(RemotingCommand::request(request::GET_BROKER_CLUSTER_INFO))
        .await;
    let text = String::from_utf8(resp.body.to_bytes().to_vec()).unwrap();
    assert!(
        text.contains(r#""brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"}"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#""clusterAddrTable":{"DefaultCluster":["broker-a"],"OtherCluster":["broker-b"]}"#
        ),
        "{text}"
    );
    s.shutdown().await;
}

#[tokio::test]
async fn topic_listings() {
    let s = TestServer::start("").await;
    two_brokers(&s).await;
    let list = |resp: RemotingCommand| -> Vec<String> {
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
        body::<TopicList>(&resp).topic_list.into_iter().collect()
    };
    let all = s
        .call(RemotingCommand::request(
            request::GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
        ))
        .await;
    assert_eq!(list(all), ["T", "U"]);
    let by_cluster = |c: &str| {
        RemotingCommand::request_with_header(
            request::GET_TOPICS_BY_CLUSTER,
            &GetTopicsByClusterRequestHeader { cluster: c.into() },
        )
    };
    assert_eq!(list(s.call(by_cluster("OtherCluster")).await), ["T"]);
    assert!(list(s.call(by_cluster("NoCluster")).await).is_empty());
    let sys = s
        .call(RemotingCommand::request(
            request::GET_SYSTEM_TOPIC_LIST_FROM_NS,
        ))
        .await;
    let sys_list: TopicList = body(&sys);
    assert_eq!(
        sys_list.topic_list.iter().collect::<Vec<_>>(),
        ["DefaultCluster", "OtherCluster", "broker-a", "broker-b"]
    );
    assert!(sys_list.broker_addr.is_some());
    for code in [
        request::GET_UNIT_TOPIC_LIST,
        request::GET_HAS_UNIT_SUB_TOPIC_LIST,
        request::GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST,
    ] {
        assert!(list(s.call(RemotingCommand::request(code)).await).is_empty());
    }
    s.shutdown().await;

    let off = TestServer::start("enableAllTopicList=false\nenableTopicList=false").await;
    let resp = off
        .call(RemotingCommand::request(
            request::GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
        ))
        .await;
    assert_eq!(
        (resp.code, resp.remark.as_deref()),
        (response::SYSTEM_ERROR, Some("disable"))
    );
    let resp = off
        .call(RemotingCommand::request(request::GET_UNIT_TOPIC_LIST))
        .await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    off.shutdown().await;
}

#[tokio::test]
async fn wipe_and_add_write_permission() {
    let s = TestServer::start("").await;
    two_brokers(&s).await;
    let wipe = RemotingCommand::request_with_header(
        request::WIPE_WRITE_PERM_OF_BROKER,
        &WipeWritePermOfBrokerRequestHeader {
            broker_name: "broker-a".into(),
        },
    );
    let resp = s.call(wipe).await;
    assert_eq!(resp.code, response::SUCCESS);
    let h: WipeWritePermOfBrokerResponseHeader = resp.decode_header().unwrap();
    assert_eq!(h.wipe_topic_count, 2);
    let route = s.route("T").await.unwrap();
    let perm_of = |r: &TopicRouteData, b: &str| {
        r.queue_datas
            .iter()
            .find(|q| q.broker_name == b)
            .unwrap()
            .perm
    };
    assert_eq!(perm_of(&route, "broker-a"), perm::READ);
    assert_eq!(perm_of(&route, "broker-b"), perm::READ | perm::WRITE);

    // The master's heartbeat with an unchanged data version does not undo it.
    Broker::master("broker-a", "10.0.0.1:10911", &[("T", 4), ("U", 2)])
        .register(&s.client, &s.addr)
        .await;
    assert_eq!(
        perm_of(&s.route("T").await.unwrap(), "broker-a"),
        perm::READ
    );

    let add = RemotingCommand::request_with_header(
        request::ADD_WRITE_PERM_OF_BROKER,
        &AddWritePermOfBrokerRequestHeader {
            broker_name: "broker-a".into(),
        },
    );
    let h: AddWritePermOfBrokerResponseHeader = s.call(add).await.decode_header().unwrap();
    assert_eq!(h.add_topic_count, 2);
    assert_eq!(
        perm_of(&s.route("U").await.unwrap(), "broker-a"),
        perm::READ | perm::WRITE
    );
    s.shutdown().await;
}

#[tokio::test]
async fn delete_topic_in_namesrv() {
    let s = TestServer::start("").await;
    two_brokers(&s).await;
    let delete = |cluster: Option<&str>| {
        RemotingCommand::request_with_header(
            request::DELETE_TOPIC_IN_NAMESRV,
            &DeleteTopicFromNamesrvRequestHeader {
                topic: "T".into(),
                cluster_name: cluster.map(Into::into),
            },
        )
    };
    assert_eq!(
        s.call(delete(Some("OtherCluster"))).await.code,
        response::SUCCESS
    );
    let route = s.route("T").await.unwrap();
    assert_eq!(route.queue_datas.len(), 1);
    assert_eq!(route.queue_datas[0].broker_name, "broker-a");
    assert_eq!(s.call(delete(None)).await.code, response::SUCCESS);
    assert!(s.route("T").await.is_none());
    assert!(s.route("U").await.is_some());
    s.shutdown().await;
}

#[tokio::test]
async fn ordered_topic_conf_comes_from_the_kv_namespace() {
    let s = TestServer::start("orderMessageEnable=true").await;
    two_brokers(&s).await;
    let put = RemotingCommand::request_with_header(
        request::PUT_KV_CONFIG,
        &PutKvConfigRequestHeader {
            namespace: "ORDER_TOPIC_CONFIG".into(),
            key: "T".into(),
            value: "broker-a:4;broker-b:4".into(),
        },
    );
    assert_eq!(s.call(put).await.code, response::SUCCESS);
    let route = s.route("T").await.unwrap();
    assert_eq!(
        route.order_topic_conf.as_deref(),
        Some("broker-a:4;broker-b:4")
    );
    assert_eq!(s.route("U").await.unwrap().order_topic_conf, None);
    // Brokers get the namespace back when they register (returnOrderTopicConfigToBroker).
    let resp = s
        .call(Broker::master("broker-a", "10.0.0.1:10911", &[("T", 4)]).request())
        .await;
    let table: KvTable = body(&resp);
    assert_eq!(
        table.table.get("T").map(String::as_str),
        Some("broker-a:4;broker-b:4")
    );
    s.shutdown().await;

    let off = TestServer::start("").await;
    two_brokers(&off).await;
    assert_eq!(off.route("T").await.unwrap().order_topic_conf, None);
    off.shutdown().await;
}
