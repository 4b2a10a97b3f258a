//! Issue 14 F1: a hostile body on any body-carrying request of the broker or the NameServer
//! gets an answer, and both servers go on serving. A 40-byte HEART_BEAT body of `{` used to
//! take time and memory doubling per byte.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};

use bytes::Bytes;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{QueryDataVersionRequestHeader, RegisterBrokerRequestHeader};
use cometmq_remoting::RemotingCommand;
use common::{Cluster, T};

/// The bodies of the issue: unbalanced braces and brackets, deeply nested valid JSON, an
/// object used as a key inside object keys, and the original 40 bytes.
fn hostile_bodies() -> Vec<(&'static str, Bytes)> {
    let n = 10_000;
    vec![
        ("{ x 10000", Bytes::from("{".repeat(n))),
        ("[ x 10000", Bytes::from("[".repeat(n))),
        (
            "nested valid JSON",
            Bytes::from(format!("{}{}", "{\"a\":".repeat(n), "}".repeat(n))),
        ),
        (
            "nested object keys",
            Bytes::from(format!("{}1{}", "{{".repeat(n), "}:1}".repeat(n))),
        ),
        ("{ x 40", Bytes::from("{".repeat(40))),
    ]
}

/// Body-carrying broker codes whose body is JSON: each must refuse a hostile one.
const BROKER_JSON_CODES: [i32; 4] = [
    request::HEART_BEAT,
    request::LOCK_BATCH_MQ,
    request::UNLOCK_BATCH_MQ,
    request::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
];

#[tokio::test]
async fn hostile_json_bodies_get_an_error_and_both_servers_go_on() {
    let c = Cluster::start(|_| {}).await;

    for (what, body) in hostile_bodies() {
        for code in BROKER_JSON_CODES {
            let resp = c
                .call(RemotingCommand::request(code).with_body(body.clone()))
                .await;
            assert_ne!(resp.code, response::SUCCESS, "broker code {code}, {what}");
            assert!(
                resp.remark.as_deref().is_some_and(|r| !r.is_empty()),
                "broker code {code}, {what}: the error names its cause"
            );
        }
        // UPDATE_BROKER_CONFIG's body is properties text: junk keys are answered, not applied.
        let resp = c
            .call(RemotingCommand::request(request::UPDATE_BROKER_CONFIG).with_body(body.clone()))
            .await;
        assert!(
            resp.remark.is_some() || resp.code == response::SUCCESS,
            "{what}"
        );

        let register = RegisterBrokerRequestHeader {
            broker_name: "hostile".into(),
            broker_addr: "127.0.0.1:1".into(),
            cluster_name: "HostileCluster".into(),
            ha_server_addr: "127.0.0.1:2".into(),
            broker_id: 0,
            ..Default::default()
        };
        let version = QueryDataVersionRequestHeader {
            broker_name: "hostile".into(),
            broker_addr: "127.0.0.1:1".into(),
            cluster_name: "HostileCluster".into(),
            broker_id: 0,
        };
        for req in [
            RemotingCommand::request_with_header(request::REGISTER_BROKER, &register),
            RemotingCommand::request_with_header(request::QUERY_DATA_VERSION, &version),
        ] {
            let code = req.code;
            let resp = c
                .client
                .invoke(&c.namesrv_addr, req.with_body(body.clone()), T)
                .await
                .unwrap();
            assert_ne!(
                resp.code,
                response::SUCCESS,
                "NameServer code {code}, {what}"
            );
        }
        let resp = c
            .client
            .invoke(
                &c.namesrv_addr,
                RemotingCommand::request(request::UPDATE_NAMESRV_CONFIG).with_body(body.clone()),
                T,
            )
            .await
            .unwrap();
        assert!(
            resp.remark.is_some() || resp.code == response::SUCCESS,
            "{what}"
        );
    }

    // Both servers still serve: a send, a pull, and a route lookup.
    let sent = c.send("HostileT", 0, Some("TagA"), None, b"after").await;
    assert_eq!(sent.code, response::SUCCESS);
    c.wait_max_offset("HostileT", 0, 1).await;
    let pulled = c.pull("G", "HostileT", 0, 0, "*", 0).await;
    assert_eq!(common::messages(&pulled)[0].body.as_ref(), b"after");
    let route = c
        .client
        .invoke(
            &c.namesrv_addr,
            cometmq_testkit::request::route("TBW102"),
            T,
        )
        .await
        .unwrap();
    assert_eq!(route.code, response::SUCCESS);
    c.stop().await;
}

/// A request whose JSON header is hostile closes that connection or is answered with an
/// error; the server goes on.
#[tokio::test]
async fn hostile_json_headers_do_not_stop_either_server() {
    let c = Cluster::start(|_| {}).await;
    let addrs = [c.broker_addr.clone(), c.namesrv_addr.clone()];
    for addr in &addrs {
        for (what, header) in hostile_bodies() {
            let addr = addr.clone();
            tokio::task::spawn_blocking(move || {
                let mut s = std::net::TcpStream::connect(&addr).unwrap();
                s.set_read_timeout(Some(T)).unwrap();
                let mut frame = Vec::with_capacity(header.len() + 8);
                frame.extend_from_slice(&((header.len() + 4) as u32).to_be_bytes());
                frame.extend_from_slice(&(header.len() as u32).to_be_bytes());
                frame.extend_from_slice(&header);
                s.write_all(&frame).unwrap();
                // Either an answer or the connection closed, within the read timeout.
                let mut buf = [0u8; 4];
                match s.read(&mut buf) {
                    Ok(n) => assert!(n <= buf.len()),
                    Err(e) => assert!(
                        e.kind() != std::io::ErrorKind::WouldBlock
                            && e.kind() != std::io::ErrorKind::TimedOut,
                        "{addr}, {what}: no answer and not closed"
                    ),
                }
            })
            .await
            .unwrap();
        }
    }
    let sent = c.send("HeaderT", 0, None, None, b"ok").await;
    assert!(
        sent.code == response::SUCCESS || sent.code == response::TOPIC_NOT_EXIST,
        "the broker answers: {}",
        sent.code
    );
    let route = c
        .client
        .invoke(&c.namesrv_addr, cometmq_testkit::request::route("X"), T)
        .await
        .unwrap();
    assert_eq!(route.code, response::TOPIC_NOT_EXIST);
    c.stop().await;
}
