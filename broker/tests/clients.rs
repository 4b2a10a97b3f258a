//! Client membership: a group's consumers are told when it changes
//! (NOTIFY_CONSUMER_IDS_CHANGED), GET_CONSUMER_LIST_BY_GROUP follows joins and leaves, and a
//! closed connection leaves its groups at once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::body::client::{
    ConsumerData, ConsumerListBody, HeartbeatData, SubscriptionData,
};
use cometmq_remoting::body::fastjson;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::transport::{fn_processor, RemotingClient, Router, TransportConfig};
use cometmq_remoting::RemotingCommand;
use common::{Cluster, T};
use tokio::sync::mpsc;

/// A consumer connection that records the notifications it receives.
fn consumer() -> (RemotingClient, mpsc::UnboundedReceiver<String>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let router = Router::new().route(
        request::NOTIFY_CONSUMER_IDS_CHANGED,
        fn_processor(move |_c, req: RemotingCommand| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(req.ext("consumerGroup").unwrap_or_default().to_string());
                None
            }
        }),
    );
    (
        RemotingClient::with_handler(TransportConfig::default(), Arc::new(router)),
        rx,
    )
}

async fn heartbeat(client: &RemotingClient, addr: &str, client_id: &str) {
    let hb = HeartbeatData {
        client_id: client_id.into(),
        consumer_data_set: vec![ConsumerData {
            group_name: "GMembers".into(),
            subscription_data_set: vec![SubscriptionData::for_tags("Members", "*", 1)],
            ..Default::default()
        }],
        ..Default::default()
    };
    let resp = client
        .invoke(addr, cometmq_testkit::request::heartbeat(&hb), T)
        .await
        .unwrap();
    assert_eq!(resp.code, response::SUCCESS);
}

async fn members(c: &Cluster) -> Vec<String> {
    let mut req = RemotingCommand::request(request::GET_CONSUMER_LIST_BY_GROUP);
    req.ext_fields
        .insert("consumerGroup".into(), "GMembers".into());
    let resp = c.call(req).await;
    if resp.code != response::SUCCESS {
        return Vec::new();
    }
    let body: ConsumerListBody = fastjson::from_slice(&resp.body.to_bytes()).unwrap();
    body.consumer_id_list
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_are_notified_of_joins_and_leaves() {
    let c = Cluster::start(|_| {}).await;
    let (a, mut a_notes) = consumer();
    let (b, mut b_notes) = consumer();
    heartbeat(&a, &c.broker_addr, "10.0.0.1@a").await;
    assert_eq!(members(&c).await, vec!["10.0.0.1@a"]);
    // A's own join is announced to the group (A).
    assert_eq!(
        tokio::time::timeout(T, a_notes.recv())
            .await
            .unwrap()
            .as_deref(),
        Some("GMembers")
    );

    heartbeat(&b, &c.broker_addr, "10.0.0.2@b").await;
    assert_eq!(members(&c).await, vec!["10.0.0.1@a", "10.0.0.2@b"]);
    assert_eq!(
        tokio::time::timeout(T, a_notes.recv())
            .await
            .unwrap()
            .as_deref(),
        Some("GMembers")
    );
    assert_eq!(
        tokio::time::timeout(T, b_notes.recv())
            .await
            .unwrap()
            .as_deref(),
        Some("GMembers")
    );

    // A refreshing its heartbeat is not a change: nobody is told.
    heartbeat(&a, &c.broker_addr, "10.0.0.1@a").await;
    assert!(
        tokio::time::timeout(Duration::from_millis(300), b_notes.recv())
            .await
            .is_err()
    );

    // B's connection closes: it leaves at once and A is told.
    b.shutdown().await;
    assert_eq!(
        tokio::time::timeout(T, a_notes.recv())
            .await
            .unwrap()
            .as_deref(),
        Some("GMembers")
    );
    assert_eq!(members(&c).await, vec!["10.0.0.1@a"]);
    a.shutdown().await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_channels_expire() {
    let c = Cluster::start(|cfg| cfg.channel_expired_timeout = 300).await;
    let (a, mut a_notes) = consumer();
    let (b, _b_notes) = consumer();
    heartbeat(&a, &c.broker_addr, "10.0.0.1@a").await;
    heartbeat(&b, &c.broker_addr, "10.0.0.2@b").await;
    assert_eq!(members(&c).await.len(), 2);
    // Forget the join notifications.
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(200), a_notes.recv()).await {
    }
    // A keeps sending heartbeats; B goes silent and is dropped, and A is told.
    let dropped = cometmq_testkit::wait::wait_until(|| async {
        heartbeat(&a, &c.broker_addr, "10.0.0.1@a").await;
        members(&c).await == vec!["10.0.0.1@a"]
    })
    .await;
    assert!(dropped, "the silent consumer was never dropped");
    let told = tokio::time::timeout(T, a_notes.recv()).await.unwrap();
    assert_eq!(told.as_deref(), Some("GMembers"));
    a.shutdown().await;
    b.shutdown().await;
    c.stop().await;
}
