//! Every NameServer request code of the reference is served (none gets the generic
//! REQUEST_CODE_NOT_SUPPORTED), and the two RocketMQ 5 codes added for it:
//! REGISTER_TOPIC_IN_NAMESRV (217) and GET_BROKER_MEMBER_GROUP (901).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cometmq_remoting::body::{
    fastjson, GetBrokerMemberGroupResponseBody, JsonStyle, QueueData, TopicRouteData,
};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{GetBrokerMemberGroupRequestHeader, RegisterTopicRequestHeader};
use cometmq_remoting::RemotingCommand;
use common::{body, Broker, TestServer};

/// The reference's NameServer table (§2.1).
const NAMESRV_CODES: &[i32] = &[
    100, 101, 102, 103, 104, 105, 106, 205, 206, 216, 217, 219, 224, 304, 311, 312, 313, 318, 319,
    322, 327, 901, 904,
];

#[tokio::test]
async fn every_namesrv_code_is_served() {
    let s = TestServer::start("").await;
    for &code in NAMESRV_CODES {
        // No header: a served code answers with a header error (or succeeds), never with
        // the generic "not supported".
        let resp = s.call(RemotingCommand::request(code)).await;
        assert_ne!(
            resp.code,
            response::REQUEST_CODE_NOT_SUPPORTED,
            "{code}: {:?}",
            resp.remark
        );
    }
    s.shutdown().await;
}

#[tokio::test]
async fn register_topic_and_member_group() {
    let s = TestServer::start("").await;
    Broker::master("broker-a", "127.0.0.1:10911", &[("Existing", 4)])
        .register(&s.client, &s.addr)
        .await;
    Broker::slave("broker-a", 1, "127.0.0.1:10921")
        .register(&s.client, &s.addr)
        .await;

    let member = |name: &str| {
        RemotingCommand::request_with_header(
            request::GET_BROKER_MEMBER_GROUP,
            &GetBrokerMemberGroupRequestHeader {
                cluster_name: "DefaultCluster".into(),
                broker_name: name.into(),
            },
        )
    };
    let g: GetBrokerMemberGroupResponseBody = body(&s.call(member("broker-a")).await);
    let g = g.broker_member_group;
    assert_eq!(
        (g.cluster.as_str(), g.broker_name.as_str()),
        ("DefaultCluster", "broker-a")
    );
    assert_eq!(g.broker_addrs.len(), 2);
    assert_eq!(g.broker_addrs[&0], "127.0.0.1:10911");
    let g: GetBrokerMemberGroupResponseBody = body(&s.call(member("nobody")).await);
    assert!(g.broker_member_group.broker_addrs.is_empty());

    let register = |broker: &str| {
        let route = TopicRouteData {
            queue_datas: vec![QueueData {
                broker_name: broker.into(),
                read_queue_nums: 2,
                write_queue_nums: 2,
                perm: 6,
                ..Default::default()
            }],
            ..Default::default()
        };
        RemotingCommand::request_with_header(
            request::REGISTER_TOPIC_IN_NAMESRV,
            &RegisterTopicRequestHeader {
                topic: "Registered".into(),
            },
        )
        .with_body(fastjson::to_vec(&route, JsonStyle::Standard).unwrap())
    };
    // An unknown broker group: accepted, nothing registered (as Java).
    assert_eq!(s.call(register("broker-x")).await.code, response::SUCCESS);
    assert!(s.route("Registered").await.is_none());
    assert_eq!(s.call(register("broker-a")).await.code, response::SUCCESS);
    let route = s.route("Registered").await.expect("registered");
    assert_eq!(route.queue_datas.len(), 1);
    assert_eq!(route.queue_datas[0].write_queue_nums, 2);
    assert_eq!(route.broker_datas[0].broker_name, "broker-a");
    s.shutdown().await;
}
