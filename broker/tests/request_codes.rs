//! Every request code that RocketMQ's clients and mqadmin send to a broker is routed:
//! it gets real behaviour, or the deliberate "not supported" answer that names the
//! feature, never the router's generic REQUEST_CODE_NOT_SUPPORTED. And LITE_PULL_MESSAGE
//! (361, RocketMQ 5's DefaultLitePullConsumer) pulls like PULL_MESSAGE.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cometmq_broker::processor::unsupported;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::request::pull_header;
use common::{messages, Cluster};

/// Codes the broker sends to clients, not the other way round.
const BROKER_TO_CLIENT: &[i32] = &[
    request::CHECK_TRANSACTION_STATE,
    request::NOTIFY_CONSUMER_IDS_CHANGED,
    request::RESET_CONSUMER_CLIENT_OFFSET,
    request::GET_CONSUMER_STATUS_FROM_CLIENT,
    request::PUSH_REPLY_MESSAGE_TO_CLIENT,
];

/// Codes only a NameServer serves (the NameServer's own test covers them).
const NAMESRV_ONLY: &[i32] = &[
    request::PUT_KV_CONFIG,
    request::GET_KV_CONFIG,
    request::DELETE_KV_CONFIG,
    request::REGISTER_BROKER,
    request::UNREGISTER_BROKER,
    request::GET_ROUTEINFO_BY_TOPIC,
    request::GET_BROKER_CLUSTER_INFO,
    request::WIPE_WRITE_PERM_OF_BROKER,
    request::GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
    request::DELETE_TOPIC_IN_NAMESRV,
    request::REGISTER_TOPIC_IN_NAMESRV,
    request::GET_KVLIST_BY_NAMESPACE,
    request::GET_TOPICS_BY_CLUSTER,
    request::GET_SYSTEM_TOPIC_LIST_FROM_NS,
    request::GET_UNIT_TOPIC_LIST,
    request::GET_HAS_UNIT_SUB_TOPIC_LIST,
    request::GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST,
    request::UPDATE_NAMESRV_CONFIG,
    request::GET_NAMESRV_CONFIG,
    request::QUERY_DATA_VERSION,
    request::ADD_WRITE_PERM_OF_BROKER,
    request::GET_BROKER_MEMBER_GROUP,
    request::BROKER_HEARTBEAT,
];

/// The reference's client → broker codes: every named code but the two lists above, plus
/// the ranges the reference gives without names (5.x AUTH_*, controller, cold data).
fn client_codes() -> Vec<(String, i32)> {
    let mut codes: Vec<(String, i32)> = request::ALL
        .iter()
        .filter(|(_, c)| !BROKER_TO_CLIENT.contains(c) && !NAMESRV_ONLY.contains(c))
        .map(|(n, c)| (n.to_string(), *c))
        .collect();
    for c in (3001..=3010).chain(1001..=1018).chain(2001..=2004) {
        codes.push((format!("code {c}"), c));
    }
    codes
}

#[tokio::test]
async fn every_client_code_is_routed_or_names_the_missing_feature() {
    let c = Cluster::start(|_| {}).await;
    let deliberate = unsupported::codes();
    let mut accidental = Vec::new();
    for (name, code) in client_codes() {
        // No header and no body: a routed handler answers (usually with a header error);
        // only an unrouted code gets the router's generic answer.
        let resp = c.call(RemotingCommand::request(code)).await;
        let remark = resp.remark.clone().unwrap_or_default();
        if resp.code == response::REQUEST_CODE_NOT_SUPPORTED {
            if !deliberate.contains(&code) {
                accidental.push(format!("{name} ({code}): {remark}"));
            } else {
                assert!(
                    remark.starts_with("CometMQ does not support")
                        || remark.contains("does not serve it either"),
                    "{name} ({code}): the refusal names no feature: {remark}"
                );
            }
        } else {
            assert!(
                !deliberate.contains(&code),
                "{name} ({code}) is listed as unsupported but answered {}",
                resp.code
            );
        }
    }
    assert!(
        accidental.is_empty(),
        "codes answered REQUEST_CODE_NOT_SUPPORTED by accident:\n{}",
        accidental.join("\n")
    );
    c.stop().await;
}

#[tokio::test]
async fn lite_pull_message_pulls_like_pull_message() {
    let c = Cluster::start(|_| {}).await;
    for i in 0..3 {
        let resp = c
            .send(
                "LiteT",
                0,
                Some("TagA"),
                Some(&format!("k{i}")),
                format!("lite-{i}").as_bytes(),
            )
            .await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    }
    c.wait_max_offset("LiteT", 0, 3).await;
    let lite = |offset| {
        RemotingCommand::request_with_header(
            request::LITE_PULL_MESSAGE,
            &pull_header("LiteG", "LiteT", 0, offset, "TagA"),
        )
    };
    let resp = c.call(lite(0)).await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    let got = messages(&resp);
    let bodies: Vec<String> = got
        .iter()
        .map(|m| String::from_utf8_lossy(&m.body).into_owned())
        .collect();
    assert_eq!(bodies, ["lite-0", "lite-1", "lite-2"]);
    assert_eq!(got[1].keys(), Some("k1"));
    // Past the end: PULL_NOT_FOUND, as for PULL_MESSAGE.
    let resp = c.call(lite(3)).await;
    assert_eq!(resp.code, response::PULL_NOT_FOUND, "{:?}", resp.remark);
    c.stop().await;
}
