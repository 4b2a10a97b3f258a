//! Interop: ali-ons 3.12.0 (Node.js, written outside this project) resolves topic routes from
//! our NameServer. Skipped, with a message, when `node` or `tests/node_modules/ali-ons` is
//! absent (`cd tests && npm ci` installs it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::WipeWritePermOfBrokerRequestHeader;
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::interop;
use common::{Broker, TestServer};
use serde_json::Value;

/// Bound on a Node script's run (against hangs, not a performance expectation).
const NODE_LIMIT: Duration = Duration::from_secs(60);

fn strings(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn ali_ons_resolves_a_topic_route() {
    let Some(script) = interop::script("route.js") else {
        return;
    };
    let s = TestServer::start("").await;
    Broker::master("broker-a", "127.0.0.1:40911", &[("InteropTopic", 4)])
        .register(&s.client, &s.addr)
        .await;
    Broker::slave("broker-a", 1, "127.0.0.1:40921")
        .register(&s.client, &s.addr)
        .await;
    Broker::master("broker-b", "127.0.0.1:40931", &[("InteropTopic", 2)])
        .register(&s.client, &s.addr)
        .await;
    // broker-b becomes read-only: ali-ons must publish to broker-a only, read from both.
    let wipe = RemotingCommand::request_with_header(
        request::WIPE_WRITE_PERM_OF_BROKER,
        &WipeWritePermOfBrokerRequestHeader {
            broker_name: "broker-b".into(),
        },
    );
    assert_eq!(s.call(wipe).await.code, response::SUCCESS);

    let (result, _) = interop::run_node(
        &script,
        &[&s.addr, "InteropTopic", "NoSuchTopic"],
        NODE_LIMIT,
    )
    .await;

    let route = &result["route"];
    let queue_datas = route["queueDatas"].as_array().unwrap();
    assert_eq!(queue_datas.len(), 2);
    assert_eq!(queue_datas[0]["brokerName"], "broker-a");
    assert_eq!(queue_datas[0]["writeQueueNums"], 4);
    assert_eq!(queue_datas[0]["readQueueNums"], 4);
    assert_eq!(queue_datas[1]["brokerName"], "broker-b");
    assert_eq!(queue_datas[1]["perm"], 4);
    let broker_a = &route["brokerDatas"][0];
    assert_eq!(broker_a["brokerName"], "broker-a");
    assert_eq!(broker_a["brokerAddrs"]["0"], "127.0.0.1:40911");
    assert_eq!(broker_a["brokerAddrs"]["1"], "127.0.0.1:40921");

    assert_eq!(
        strings(&result["publishQueues"]),
        ["broker-a:0", "broker-a:1", "broker-a:2", "broker-a:3"]
    );
    assert_eq!(strings(&result["subscribeQueues"]).len(), 6);
    assert_eq!(result["masterOfBrokerA"], "127.0.0.1:40911");
    assert_eq!(result["brokerAddrs"]["broker-b"]["0"], "127.0.0.1:40931");

    let missing = &result["missing"];
    assert_eq!(missing["error"], "MQClientException");
    assert_eq!(missing["code"], response::TOPIC_NOT_EXIST);
    assert!(missing["message"]
        .as_str()
        .unwrap()
        .contains("No topic route info in name server for the topic: NoSuchTopic"));
    s.shutdown().await;
}
