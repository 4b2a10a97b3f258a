//! Message queries end to end: QUERY_MESSAGE by key and by unique key, VIEW_MESSAGE_BY_ID
//! by the offset message id from the send response.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    QueryMessageRequestHeader, QueryMessageResponseHeader, SendMessageResponseHeader,
    ViewMessageRequestHeader,
};
use cometmq_remoting::message::{create_uniq_key, parse_offset_msg_id, Properties};
use cometmq_remoting::RemotingCommand;
use common::{messages, Cluster};

fn query(topic: &str, key: &str, max_num: i32, unique: bool) -> RemotingCommand {
    let h = QueryMessageRequestHeader {
        topic: topic.into(),
        key: key.into(),
        max_num,
        begin_timestamp: 0,
        end_timestamp: i64::MAX,
        unique_key_query: unique.then_some(true),
    };
    RemotingCommand::request_with_header(request::QUERY_MESSAGE, &h)
}

/// Queries until the index has the message (it is built in the background after the
/// send returns); at most 200 tries.
async fn query_until_found(c: &Cluster, topic: &str, key: &str, unique: bool) -> RemotingCommand {
    let mut resp = c.call(query(topic, key, 32, unique)).await;
    for _ in 0..200 {
        if resp.code == response::SUCCESS {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        resp = c.call(query(topic, key, 32, unique)).await;
    }
    resp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_by_key_and_unique_key_and_view_by_id() {
    let c = Cluster::start(|_| {}).await;
    let uniq = create_uniq_key();
    let sent = c
        .send_with("Orders", 0, Some("TagA"), None, b"order body", |h| {
            let mut p = Properties::new();
            p.insert("TAGS", "TagA");
            p.insert("KEYS", "order-42 customer-7");
            p.insert("UNIQ_KEY", uniq.clone());
            h.properties = Some(p.encode());
        })
        .await;
    assert_eq!(sent.code, response::SUCCESS, "{:?}", sent.remark);
    c.send("Orders", 1, None, Some("other"), b"noise").await;

    // By one of its KEYS.
    let resp = query_until_found(&c, "Orders", "customer-7", false).await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    let h: QueryMessageResponseHeader = resp.decode_header().unwrap();
    assert!(h.index_last_update_timestamp > 0);
    assert!(h.index_last_update_phyoffset >= 0);
    let found = messages(&resp);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].body.as_ref(), b"order body");
    assert_eq!(found[0].properties.get("UNIQ_KEY"), Some(uniq.as_str()));

    // By its UNIQ_KEY.
    let resp = query_until_found(&c, "Orders", &uniq, true).await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    assert_eq!(messages(&resp)[0].body.as_ref(), b"order body");

    // Not there: another key, another topic, a time range before it was stored.
    for req in [
        query("Orders", "order-43", 32, false),
        query("Other", "order-42", 32, false),
        {
            let mut r = query("Orders", "order-42", 32, false);
            r.ext_fields.insert("endTimestamp".into(), "1000".into());
            r
        },
    ] {
        let resp = c.call(req).await;
        assert_eq!(resp.code, response::QUERY_NOT_FOUND);
        assert!(resp.remark.unwrap().contains("can not find message"));
    }

    // By the offset message id the send returned.
    let h: SendMessageResponseHeader = sent.decode_header().unwrap();
    let id = parse_offset_msg_id(&h.msg_id).unwrap();
    let view = |offset: i64| {
        RemotingCommand::request_with_header(
            request::VIEW_MESSAGE_BY_ID,
            &ViewMessageRequestHeader {
                offset,
                topic: Some("Orders".into()),
            },
        )
    };
    let resp = c.call(view(id.offset)).await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    let got = messages(&resp);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body.as_ref(), b"order body");
    assert_eq!(got[0].commit_log_offset, id.offset);

    for bad in [-1, i64::MAX, 1 << 40] {
        let resp = c.call(view(bad)).await;
        assert_eq!(resp.code, response::SYSTEM_ERROR);
        assert!(resp.remark.unwrap().contains("can not find message"));
    }
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_query_requests_get_a_code_and_a_remark() {
    let c = Cluster::start(|_| {}).await;
    // Missing key.
    let mut req = query("Orders", "k", 32, false);
    req.ext_fields.remove("key");
    let resp = c.call(req).await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    assert!(resp.remark.unwrap().contains("key"));
    // Garbage maxNum.
    let mut req = query("Orders", "k", 32, false);
    req.ext_fields.insert("maxNum".into(), "lots".into());
    let resp = c.call(req).await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    assert!(resp.remark.unwrap().contains("maxNum"));
    // Non-positive maxNum.
    let resp = c.call(query("Orders", "k", 0, false)).await;
    assert_eq!(resp.code, response::INVALID_PARAMETER);
    assert!(resp.remark.unwrap().contains("maxNum"));
    // VIEW_MESSAGE_BY_ID without an offset.
    let resp = c
        .call(RemotingCommand::request(request::VIEW_MESSAGE_BY_ID))
        .await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    assert!(resp.remark.unwrap().contains("offset"));
    // Still serving.
    let resp = c.send("Orders", 0, None, None, b"after").await;
    assert_eq!(resp.code, response::SUCCESS);
    c.stop().await;
}
