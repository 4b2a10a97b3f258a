//! The remote offset store against a tiny in-process broker fixture that answers
//! QUERY_CONSUMER_OFFSET and UPDATE_CONSUMER_OFFSET from a table.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cometmq_client::consumer::offset_store::{OffsetStore, ReadOffsetType, RemoteOffsetStore};
use cometmq_client::MessageQueue;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    QueryConsumerOffsetRequestHeader, QueryConsumerOffsetResponseHeader,
    UpdateConsumerOffsetRequestHeader,
};
use cometmq_remoting::transport::{
    fn_processor, RemotingClient, RemotingServer, Router, TransportConfig,
};
use cometmq_remoting::RemotingCommand;

type Offsets = Arc<Mutex<HashMap<(String, String, i32), i64>>>;

async fn fixture(offsets: Offsets) -> RemotingServer {
    let q = offsets.clone();
    let query = fn_processor(move |_, req: RemotingCommand| {
        let q = q.clone();
        async move {
            let h: QueryConsumerOffsetRequestHeader = req.decode_header().unwrap();
            let key = (h.consumer_group, h.topic, h.queue_id);
            let found = q.lock().unwrap().get(&key).copied();
            Some(match found {
                Some(offset) => RemotingCommand::success()
                    .with_header(&QueryConsumerOffsetResponseHeader { offset }),
                None if key.2 == 99 => {
                    RemotingCommand::response(response::SYSTEM_ERROR, Some("boom".into()))
                }
                None => RemotingCommand::response(response::QUERY_NOT_FOUND, Some("no".into())),
            })
        }
    });
    let u = offsets.clone();
    let update = fn_processor(move |_, req: RemotingCommand| {
        let u = u.clone();
        async move {
            let h: UpdateConsumerOffsetRequestHeader = req.decode_header().unwrap();
            u.lock()
                .unwrap()
                .insert((h.consumer_group, h.topic, h.queue_id), h.commit_offset);
            (!req.is_oneway()).then(RemotingCommand::success)
        }
    });
    let router = Router::new()
        .route(request::QUERY_CONSUMER_OFFSET, query)
        .route(request::UPDATE_CONSUMER_OFFSET, update);
    RemotingServer::bind("127.0.0.1:0", TransportConfig::default(), Arc::new(router))
        .await
        .unwrap()
}

fn store(addr: String) -> RemoteOffsetStore {
    let client = Arc::new(RemotingClient::new(TransportConfig::default()));
    let resolver = Arc::new(move |broker: &str| (broker == "broker-a").then(|| addr.clone()));
    RemoteOffsetStore::new("G", client, resolver).with_timeout(Duration::from_secs(2))
}

async fn wait_for(offsets: &Offsets, key: (&str, &str, i32), want: i64) {
    let key = (key.0.to_owned(), key.1.to_owned(), key.2);
    let what = format!("the broker to get offset {want} for {key:?}");
    cometmq_testkit::wait::eventually(&what, || {
        let got = offsets.lock().unwrap().get(&key) == Some(&want);
        async move { got.then_some(()) }
    })
    .await;
}

#[tokio::test]
async fn reads_from_broker_and_persists_oneway() {
    let offsets: Offsets = Arc::default();
    offsets
        .lock()
        .unwrap()
        .insert(("G".into(), "T".into(), 0), 17);
    let server = fixture(offsets.clone()).await;
    let store = store(server.local_addr().to_string());
    let q0 = MessageQueue::new("T", "broker-a", 0);
    let q1 = MessageQueue::new("T", "broker-a", 1);

    assert_eq!(store.read(&q0, ReadOffsetType::Memory).await.unwrap(), None);
    assert_eq!(
        store
            .read(&q0, ReadOffsetType::MemoryThenStore)
            .await
            .unwrap(),
        Some(17)
    );
    // Now cached in memory.
    assert_eq!(
        store.read(&q0, ReadOffsetType::Memory).await.unwrap(),
        Some(17)
    );
    // Nothing stored for q1: QUERY_NOT_FOUND reads as None.
    assert_eq!(store.read(&q1, ReadOffsetType::Store).await.unwrap(), None);

    store.update(&q0, 20, true);
    store.update(&q0, 18, true); // increase-only: stays 20
    store.update(&q1, 5, false);
    store.persist_all(&[q0.clone(), q1.clone()]).await.unwrap();
    wait_for(&offsets, ("G", "T", 0), 20).await;
    wait_for(&offsets, ("G", "T", 1), 5).await;

    // Queues no longer owned are dropped from memory and not persisted.
    store.update(&q1, 6, false);
    store.persist_all(std::slice::from_ref(&q0)).await.unwrap();
    assert_eq!(store.read(&q1, ReadOffsetType::Memory).await.unwrap(), None);

    // A synchronous update.
    store.update_to_broker(&q1, 9, false).await.unwrap();
    assert_eq!(offsets.lock().unwrap()[&("G".into(), "T".into(), 1)], 9);
    assert_eq!(
        store.read(&q1, ReadOffsetType::Store).await.unwrap(),
        Some(9)
    );

    // Freezing ignores later updates until removal.
    store.update_and_freeze(&q0, 3);
    store.update(&q0, 100, false);
    store.persist(&q0).await.unwrap();
    wait_for(&offsets, ("G", "T", 0), 3).await;
    store.remove(&q0);
    assert!(store.clone_table("T").keys().all(|q| q != &q0));
    server.shutdown().await;
}

#[tokio::test]
async fn errors_name_the_broker() {
    let offsets: Offsets = Arc::default();
    let server = fixture(offsets.clone()).await;
    let addr = server.local_addr().to_string();
    let store = store(addr.clone());
    let bad = MessageQueue::new("T", "broker-a", 99);
    let e = store.read(&bad, ReadOffsetType::Store).await.unwrap_err();
    assert_eq!(e.response_code(), Some(response::SYSTEM_ERROR));
    assert!(e.to_string().contains(&addr), "{e}");

    let unknown = MessageQueue::new("T", "broker-x", 0);
    let e = store
        .read(&unknown, ReadOffsetType::Store)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("broker-x"), "{e}");
    store.update(&unknown, 1, false);
    assert!(store.persist_all(&[unknown]).await.is_err());
    server.shutdown().await;

    // The broker is gone: a transport error naming the request and the address.
    let q = MessageQueue::new("T", "broker-a", 0);
    let e = store.read(&q, ReadOffsetType::Store).await.unwrap_err();
    assert!(e.is_remoting(), "{e}");
    assert!(e.to_string().contains("QUERY_CONSUMER_OFFSET"), "{e}");
}
