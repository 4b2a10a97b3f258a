//! The producer against in-process fixtures: one NameServer and two brokers that store what
//! they receive and can be told to fail with a response code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cometmq_client::instance::ClientConfig;
use cometmq_client::producer::{Producer, SelectByHash, SendStatus};
use cometmq_client::{ClientError, Message, MessageQueue};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{SendMessageRequestHeader, SendMessageResponseHeader};
use cometmq_remoting::message::{decode_batch, sysflag, zlib_decompress, Properties};
use cometmq_remoting::transport::{fn_processor, RemotingServer, Router, TransportConfig};
use cometmq_remoting::RemotingCommand;

#[derive(Debug, Clone)]
struct Received {
    code: i32,
    header: SendMessageRequestHeader,
    body: Vec<u8>,
}

#[derive(Default)]
struct BrokerState {
    fail_with: Option<i32>,
    received: Vec<Received>,
}

type Shared = Arc<Mutex<BrokerState>>;

async fn broker(state: Shared) -> RemotingServer {
    let send = fn_processor(move |_, req: RemotingCommand| {
        let state = state.clone();
        async move {
            let header =
                SendMessageRequestHeader::read_for_code(req.code, &req.ext_fields).unwrap();
            let mut s = state.lock().unwrap();
            let offset = s.received.len() as i64;
            s.received.push(Received {
                code: req.code,
                header: header.clone(),
                body: req.body.to_bytes().to_vec(),
            });
            if req.is_oneway() {
                return None;
            }
            let ok = SendMessageResponseHeader {
                msg_id: format!("OFFSET{offset}"),
                queue_id: header.queue_id,
                queue_offset: offset,
                transaction_id: None,
                batch_uniq_id: None,
                recall_handle: None,
                msg_region: None,
                trace_on: None,
            };
            Some(match s.fail_with {
                Some(code @ (10..=12)) => RemotingCommand::response(code, None).with_header(&ok),
                Some(code) => RemotingCommand::response(code, Some("injected".into())),
                None => RemotingCommand::success().with_header(&ok),
            })
        }
    });
    let router = Router::new()
        .route(request::SEND_MESSAGE_V2, send.clone())
        .route(request::SEND_BATCH_MESSAGE, send);
    RemotingServer::bind("127.0.0.1:0", TransportConfig::default(), Arc::new(router))
        .await
        .unwrap()
}

async fn namesrv(a: String, b: String) -> RemotingServer {
    let route = fn_processor(move |_, req: RemotingCommand| {
        let (a, b) = (a.clone(), b.clone());
        async move {
            let body = match req.ext("topic").unwrap_or_default() {
                "T" => format!(
                    r#"{{"brokerDatas":[{{"brokerAddrs":{{"0":"{a}"}},"brokerName":"broker-a","cluster":"C"}},{{"brokerAddrs":{{"0":"{b}"}},"brokerName":"broker-b","cluster":"C"}}],"queueDatas":[{{"brokerName":"broker-a","perm":6,"readQueueNums":2,"writeQueueNums":2}},{{"brokerName":"broker-b","perm":6,"readQueueNums":2,"writeQueueNums":2}}]}}"#
                ),
                "TBW102" => format!(
                    r#"{{"brokerDatas":[{{"brokerAddrs":{{0:"{a}"}},"brokerName":"broker-a","cluster":"C"}}],"queueDatas":[{{"brokerName":"broker-a","perm":7,"readQueueNums":8,"writeQueueNums":8}}]}}"#
                ),
                _ => {
                    return Some(RemotingCommand::response(
                        response::TOPIC_NOT_EXIST,
                        Some("no route".into()),
                    ))
                }
            };
            Some(RemotingCommand::success().with_body(body.into_bytes()))
        }
    });
    let router = Router::new()
        .route(request::GET_ROUTEINFO_BY_TOPIC, route)
        .route(
            request::HEART_BEAT,
            fn_processor(|_, _| async { Some(RemotingCommand::success()) }),
        )
        .route(
            request::UNREGISTER_CLIENT,
            fn_processor(|_, _| async { Some(RemotingCommand::success()) }),
        );
    RemotingServer::bind("127.0.0.1:0", TransportConfig::default(), Arc::new(router))
        .await
        .unwrap()
}

struct Cluster {
    a: Shared,
    b: Shared,
    servers: Vec<RemotingServer>,
    namesrv: String,
}

impl Cluster {
    async fn start() -> Cluster {
        let (a, b): (Shared, Shared) = (Arc::default(), Arc::default());
        let sa = broker(a.clone()).await;
        let sb = broker(b.clone()).await;
        let ns = namesrv(sa.local_addr().to_string(), sb.local_addr().to_string()).await;
        let namesrv = ns.local_addr().to_string();
        Cluster {
            a,
            b,
            servers: vec![sa, sb, ns],
            namesrv,
        }
    }

    fn producer(
        &self,
        group: &str,
        tweak: impl FnOnce(
            cometmq_client::producer::ProducerBuilder,
        ) -> cometmq_client::producer::ProducerBuilder,
    ) -> Producer {
        let cfg = ClientConfig {
            client_ip: "127.0.0.1".into(),
            instance_name: group.into(),
            ..ClientConfig::new(self.namesrv.clone())
        };
        let p = tweak(
            Producer::builder(group)
                .client_config(cfg)
                .send_timeout(Duration::from_secs(3)),
        )
        .build()
        .unwrap();
        p.start().unwrap();
        p
    }

    fn all_received(&self) -> Vec<(String, Received)> {
        let a = self.a.lock().unwrap().received.clone();
        let b = self.b.lock().unwrap().received.clone();
        a.into_iter()
            .map(|r| ("broker-a".to_owned(), r))
            .chain(b.into_iter().map(|r| ("broker-b".to_owned(), r)))
            .collect()
    }

    async fn stop(self) {
        for s in &self.servers {
            s.shutdown().await;
        }
    }
}

fn props(r: &Received) -> Properties {
    Properties::parse_str(r.header.properties.as_deref().unwrap_or(""))
}

#[tokio::test]
async fn sync_send_sets_ids_headers_and_compresses_large_bodies() {
    let c = Cluster::start().await;
    let p = c.producer("PG1", |b| b);
    let r = p
        .send(
            Message::builder("T")
                .tags("A")
                .key("k")
                .body("small")
                .build(),
        )
        .await
        .unwrap();
    assert_eq!(r.status, SendStatus::SendOk);
    assert_eq!(r.msg_id.len(), 32);
    assert!(r.offset_msg_id.starts_with("OFFSET"));
    let big = vec![b'x'; 5000];
    p.send(Message::new("T", big.clone())).await.unwrap();

    let got = c.all_received();
    assert_eq!(got.len(), 2);
    let (_, first) = &got.iter().find(|(_, r)| r.body == b"small").unwrap();
    assert_eq!(first.code, request::SEND_MESSAGE_V2);
    assert_eq!(first.header.producer_group, "PG1");
    assert_eq!(first.header.default_topic, "TBW102");
    assert_eq!(first.header.default_topic_queue_nums, 4);
    assert_eq!(first.header.sys_flag, 0);
    let fp = props(first);
    assert_eq!(fp.get("UNIQ_KEY"), Some(r.msg_id.as_str()));
    assert_eq!(fp.get("TAGS"), Some("A"));
    assert_eq!(fp.get("KEYS"), Some("k"));
    assert_eq!(fp.get("WAIT"), Some("true"));

    let (_, second) = got.iter().find(|(_, r)| r.body != b"small").unwrap();
    assert!(second.header.sys_flag & sysflag::COMPRESSED != 0);
    assert_eq!(zlib_decompress(&second.body, 1 << 20).unwrap(), big);
    p.shutdown().await;
    c.stop().await;
}

#[tokio::test]
async fn retries_move_to_another_broker() {
    let c = Cluster::start().await;
    c.a.lock().unwrap().fail_with = Some(response::SYSTEM_BUSY);
    let p = c.producer("PG2", |b| b);
    for _ in 0..10 {
        let r = p.send(Message::new("T", "x")).await.unwrap();
        assert_eq!(r.message_queue.broker_name, "broker-b");
    }
    // Without retries, some sends hit broker-a and fail with its code.
    let p0 = c.producer("PG2b", |b| b.retry_times_when_send_failed(0));
    let mut failures = 0;
    for _ in 0..10 {
        if let Err(e) = p0.send(Message::new("T", "x")).await {
            assert_eq!(e.response_code(), Some(response::SYSTEM_BUSY), "{e}");
            assert!(e.to_string().contains("SYSTEM_BUSY"), "{e}");
            failures += 1;
        }
    }
    assert!(failures > 0);
    // A code Java does not retry fails at once.
    c.a.lock().unwrap().fail_with = Some(response::MESSAGE_ILLEGAL);
    c.b.lock().unwrap().fail_with = Some(response::MESSAGE_ILLEGAL);
    let before = c.all_received().len();
    let e = p.send(Message::new("T", "x")).await.unwrap_err();
    assert_eq!(e.response_code(), Some(response::MESSAGE_ILLEGAL));
    assert_eq!(c.all_received().len(), before + 1);
    p.shutdown().await;
    p0.shutdown().await;
    c.stop().await;
}

#[tokio::test]
async fn not_stored_ok_is_returned_or_retried() {
    let c = Cluster::start().await;
    c.a.lock().unwrap().fail_with = Some(response::FLUSH_DISK_TIMEOUT);
    let p = c.producer("PG3", |b| b);
    let statuses: HashSet<SendStatus> = {
        let mut s = HashSet::new();
        for _ in 0..10 {
            s.insert(p.send(Message::new("T", "x")).await.unwrap().status);
        }
        s
    };
    assert!(statuses.contains(&SendStatus::FlushDiskTimeout));
    let retrying = c.producer("PG3b", |b| b.retry_another_broker_when_not_store_ok(true));
    for _ in 0..10 {
        let r = retrying.send(Message::new("T", "x")).await.unwrap();
        assert_eq!(
            (r.status, r.message_queue.broker_name.as_str()),
            (SendStatus::SendOk, "broker-b")
        );
    }
    p.shutdown().await;
    retrying.shutdown().await;
    c.stop().await;
}

#[tokio::test]
async fn oneway_async_batch_selector_and_queue() {
    let c = Cluster::start().await;
    let p = c.producer("PG4", |b| b);
    p.send_oneway(Message::new("T", "oneway")).await.unwrap();

    let futures: Vec<_> = (0..200)
        .map(|i| p.send_async(Message::new("T", format!("m{i}"))))
        .collect();
    let results = futures::future::join_all(futures).await;
    assert!(results
        .iter()
        .all(|r| r.as_ref().is_ok_and(|r| r.status == SendStatus::SendOk)));

    let batch = (0..3)
        .map(|i| {
            Message::builder("T")
                .tags("B")
                .body(format!("b{i}"))
                .build()
        })
        .collect();
    let r = p.send_batch(batch).await.unwrap();
    assert_eq!(r.msg_id.split(',').count(), 3);
    let got = c.all_received();
    let (_, b) = got
        .iter()
        .find(|(_, r)| r.code == request::SEND_BATCH_MESSAGE)
        .unwrap();
    assert_eq!(b.header.batch, Some(true));
    let entries: Vec<_> = decode_batch(b.body.clone().into())
        .map(|e| e.unwrap())
        .collect();
    assert_eq!(entries.len(), 3);
    let ids: Vec<&str> = entries
        .iter()
        .map(|e| e.properties.get("UNIQ_KEY").unwrap())
        .collect();
    assert_eq!(ids.join(","), r.msg_id);
    assert!(p
        .send_batch(vec![Message::new("T", "x"), Message::new("U", "y")])
        .await
        .is_err());
    assert!(p
        .send_batch(vec![Message::builder("T").body("x").delay_level(1).build()])
        .await
        .is_err());

    // Same key, same queue; Java's hash: "order-7".hashCode() % 4.
    let queues = p.publish_queues("T").await.unwrap();
    assert_eq!(queues.len(), 4);
    for _ in 0..5 {
        let r = p
            .send_with_selector(Message::new("T", "o"), &SelectByHash, "order-7")
            .await
            .unwrap();
        let want = &queues[cometmq_client::producer::java_hash_index(
            cometmq_client::JavaHashCode::java_hash_code("order-7"),
            4,
        )
        .unwrap()];
        assert_eq!(&r.message_queue, want);
    }
    let mq = MessageQueue::new("T", "broker-b", 1);
    assert_eq!(
        p.send_to_queue(Message::new("T", "q"), &mq)
            .await
            .unwrap()
            .message_queue,
        mq
    );
    p.shutdown().await;
    c.stop().await;
}

#[tokio::test]
async fn new_topics_use_the_template_route_and_errors_are_clear() {
    let c = Cluster::start().await;
    let p = c.producer("PG5", |b| b);
    let r = p.send(Message::new("NewTopic", "x")).await.unwrap();
    assert_eq!(r.message_queue.broker_name, "broker-a");
    assert!(r.message_queue.queue_id < 4);
    assert_eq!(p.publish_queues("NewTopic").await.unwrap().len(), 4);

    let e = p.send(Message::new("T", "")).await.unwrap_err();
    assert!(matches!(e, ClientError::Invalid { .. }), "{e}");
    let e = p.send(Message::new("bad topic", "x")).await.unwrap_err();
    assert!(e.to_string().contains("illegal characters"), "{e}");
    assert!(p.start().is_ok()); // idempotent
    p.shutdown().await;
    let e = p.send(Message::new("T", "x")).await.unwrap_err();
    assert!(matches!(e, ClientError::State(_)), "{e}");
    c.stop().await;
}
