//! Bad requests get error responses, and the server keeps serving.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::RegisterBrokerRequestHeader;
use cometmq_remoting::RemotingCommand;
use common::{Broker, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn bad_requests_get_errors_and_the_server_keeps_serving() {
    let s = TestServer::start("").await;
    Broker::master("broker-a", "10.0.0.1:10911", &[("T", 4)])
        .register(&s.client, &s.addr)
        .await;

    // Missing required header fields: SYSTEM_ERROR naming the field.
    for (code, field) in [
        (request::GET_ROUTEINFO_BY_TOPIC, "topic"),
        (request::REGISTER_BROKER, "brokerName"),
        (request::UNREGISTER_BROKER, "brokerName"),
        (request::PUT_KV_CONFIG, "namespace"),
        (request::GET_KVLIST_BY_NAMESPACE, "namespace"),
        (request::WIPE_WRITE_PERM_OF_BROKER, "brokerName"),
        (request::GET_TOPICS_BY_CLUSTER, "cluster"),
        (request::QUERY_DATA_VERSION, "brokerName"),
        (request::BROKER_HEARTBEAT, "clusterName"),
    ] {
        let resp = s.call(RemotingCommand::request(code)).await;
        assert_eq!(resp.code, response::SYSTEM_ERROR, "code {code}");
        assert!(
            resp.remark
                .as_deref()
                .unwrap_or("")
                .contains(&format!("<{field}>")),
            "{:?}",
            resp.remark
        );
    }

    // Malformed header values.
    let mut bad_id = Broker::master("broker-a", "10.0.0.1:10911", &[]).request();
    bad_id.ext_fields.insert("brokerId".into(), "master".into());
    assert_eq!(s.call(bad_id).await.code, response::SYSTEM_ERROR);

    // Garbage bodies: JSON, compressed, wrong CRC, DataVersion.
    let garbage = |compressed: bool, crc: Option<i32>| {
        let broker = Broker::master("broker-x", "10.0.0.9:10911", &[]);
        let mut cmd = broker.request().with_body(b"\x00{{garbage".to_vec());
        let mut h: RegisterBrokerRequestHeader = cmd.decode_header().unwrap();
        h.compressed = Some(compressed);
        h.body_crc32 = crc;
        cmd.ext_fields.clear();
        cmd.with_header(&h)
    };
    for (compressed, crc, remark) in [
        (false, None, "Failed to decode RegisterBrokerBody"),
        (true, Some(0), "Failed to decode RegisterBrokerBody"),
        (false, Some(12345), "crc32 not match"),
    ] {
        let resp = s.call(garbage(compressed, crc)).await;
        assert_eq!(resp.code, response::SYSTEM_ERROR);
        assert!(
            resp.remark.as_deref().unwrap_or("").starts_with(remark),
            "{:?}",
            resp.remark
        );
    }
    let mut qdv = Broker::master("broker-a", "10.0.0.1:10911", &[]).request();
    qdv.code = request::QUERY_DATA_VERSION;
    let resp = s.call(qdv.with_body(b"[1,2".to_vec())).await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    assert!(s.route("T").await.is_some());
    assert!(s.route("TopicOfBrokerX").await.is_none());

    // Unknown code: Java's answer.
    let resp = s.call(RemotingCommand::request(9999)).await;
    assert_eq!(resp.code, response::REQUEST_CODE_NOT_SUPPORTED);
    assert_eq!(
        resp.remark.as_deref(),
        Some(" request type 9999 not supported")
    );

    // A peer sending a malformed frame is disconnected; others are unaffected.
    let mut raw = tokio::net::TcpStream::connect(&s.addr).await.unwrap();
    raw.write_all(&[0, 0, 0, 8, 0, 0, 0, 200, b'x', b'x', b'x', b'x'])
        .await
        .unwrap();
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(common::TIMEOUT, raw.read(&mut buf))
        .await
        .unwrap()
        .unwrap_or(0);
    assert_eq!(n, 0, "connection closed");

    // Still serving.
    assert_eq!(
        s.route("T").await.unwrap().queue_datas[0].write_queue_nums,
        4
    );
    s.shutdown().await;
}

#[tokio::test]
async fn a_low_water_mark_above_the_high_one_stops_the_nameserver_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = cometmq_testkit::namesrv::config(dir.path());
    config.write_buffer_high_water_mark = 1000;
    config.write_buffer_low_water_mark = 2000;
    let err = match cometmq_namesrv::NameServer::start(config).await {
        Ok(_) => panic!("started with a low-water mark above the high one"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("writeBufferLowWaterMark"), "{err}");
}
