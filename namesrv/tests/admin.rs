//! KV config and the NameServer's own settings, against a real NameServer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cometmq_remoting::body::KvTable;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    DeleteKvConfigRequestHeader, GetKvConfigRequestHeader, GetKvConfigResponseHeader,
    GetKvListByNamespaceRequestHeader, PutKvConfigRequestHeader,
};
use cometmq_remoting::RemotingCommand;
use common::{body, TestServer};

fn put(ns: &str, key: &str, value: &str) -> RemotingCommand {
    RemotingCommand::request_with_header(
        request::PUT_KV_CONFIG,
        &PutKvConfigRequestHeader {
            namespace: ns.into(),
            key: key.into(),
            value: value.into(),
        },
    )
}

fn get(ns: &str, key: &str) -> RemotingCommand {
    RemotingCommand::request_with_header(
        request::GET_KV_CONFIG,
        &GetKvConfigRequestHeader {
            namespace: ns.into(),
            key: key.into(),
        },
    )
}

fn list(ns: &str) -> RemotingCommand {
    RemotingCommand::request_with_header(
        request::GET_KVLIST_BY_NAMESPACE,
        &GetKvListByNamespaceRequestHeader {
            namespace: ns.into(),
        },
    )
}

#[tokio::test]
async fn kv_config_survives_a_restart() {
    let mut s = TestServer::start("").await;
    for (ns, k, v) in [
        ("ORDER_TOPIC_CONFIG", "T", "broker-a:4"),
        ("NS", "a", "1"),
        ("NS", "b", "2"),
    ] {
        assert_eq!(s.call(put(ns, k, v)).await.code, response::SUCCESS);
    }
    let del = RemotingCommand::request_with_header(
        request::DELETE_KV_CONFIG,
        &DeleteKvConfigRequestHeader {
            namespace: "NS".into(),
            key: "a".into(),
        },
    );
    assert_eq!(s.call(del).await.code, response::SUCCESS);

    s.restart("").await;
    let resp = s.call(get("ORDER_TOPIC_CONFIG", "T")).await;
    assert_eq!(resp.code, response::SUCCESS);
    let h: GetKvConfigResponseHeader = resp.decode_header().unwrap();
    assert_eq!(h.value.as_deref(), Some("broker-a:4"));
    let table: KvTable = body(&s.call(list("NS")).await);
    assert_eq!(
        table.table.into_iter().collect::<Vec<_>>(),
        [("b".to_owned(), "2".to_owned())]
    );

    let missing = s.call(get("NS", "a")).await;
    assert_eq!(missing.code, response::QUERY_NOT_FOUND);
    assert_eq!(
        missing.remark.as_deref(),
        Some("No config item, Namespace: NS Key: a")
    );
    assert_eq!(s.call(list("Nope")).await.code, response::QUERY_NOT_FOUND);
    let file = std::fs::read_to_string(s.dir.path().join("kvConfig.json")).unwrap();
    assert!(file.starts_with(r#"{"configTable":{"#), "{file}");
    s.shutdown().await;
}

async fn config(s: &TestServer) -> String {
    let resp = s
        .call(RemotingCommand::request(request::GET_NAMESRV_CONFIG))
        .await;
    assert_eq!(resp.code, response::SUCCESS);
    String::from_utf8(resp.body.to_bytes().to_vec()).unwrap()
}

#[tokio::test]
async fn namesrv_config_can_be_read_and_updated() {
    let s = TestServer::start("").await;
    assert!(config(&s).await.contains("orderMessageEnable=false\n"));

    let update = |text: &str| {
        RemotingCommand::request(request::UPDATE_NAMESRV_CONFIG).with_body(text.as_bytes().to_vec())
    };
    assert_eq!(
        s.call(update("orderMessageEnable=true\n")).await.code,
        response::SUCCESS
    );
    assert!(config(&s).await.contains("orderMessageEnable=true\n"));
    let persisted = std::fs::read_to_string(s.dir.path().join("namesrv.properties")).unwrap();
    assert!(persisted.contains("orderMessageEnable=true\n"));

    let refused = s.call(update("kvConfigPath=/etc/evil\n")).await;
    assert_eq!(refused.code, response::NO_PERMISSION);
    assert_eq!(
        refused.remark.as_deref(),
        Some("Can not update config in black list.")
    );
    // A key read once at start is refused by name, and nothing of the request applies.
    let refused = s
        .call(update("orderMessageEnable=false\nlistenPort=1\n"))
        .await;
    assert_eq!(refused.code, response::NO_PERMISSION);
    assert!(refused.remark.unwrap().contains("listenPort"));
    assert!(config(&s).await.contains("orderMessageEnable=true\n"));
    let invalid = s.call(update("scanNotActiveBrokerInterval=soon\n")).await;
    assert_eq!(invalid.code, response::SYSTEM_ERROR);
    assert!(invalid
        .remark
        .unwrap()
        .contains("scanNotActiveBrokerInterval"));
    assert!(config(&s)
        .await
        .contains("scanNotActiveBrokerInterval=5000\n"));
    s.shutdown().await;
}
