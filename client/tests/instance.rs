//! The client instance against an in-process fixture that plays NameServer and broker:
//! route lookup with NameServer failover, heartbeats, consumer lists, unregistration, and the
//! requests a broker sends to clients.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::BytesMut;
use cometmq_client::instance::{ClientConfig, ClientInstance, ConsumerMember, ProducerMember};
use cometmq_client::{MessageExt, MessageQueue};
use cometmq_remoting::body::client::{
    ConsumeMessageDirectlyResult, ConsumeResult, ConsumerData, ConsumerListBody,
    ConsumerRunningInfo, GetConsumerStatusBody, HeartbeatData, SubscriptionData,
};
use cometmq_remoting::body::{fastjson, TopicRouteData};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    CheckTransactionStateRequestHeader, ConsumeMessageDirectlyResultRequestHeader,
    GetConsumerRunningInfoRequestHeader, GetConsumerStatusRequestHeader,
    NotifyConsumerIdsChangedRequestHeader, ResetOffsetRequestHeader, UnregisterClientRequestHeader,
};
use cometmq_remoting::message::{encode_record, RecordParts};
use cometmq_remoting::transport::{
    fn_processor, Connection, RemotingServer, Router, TransportConfig,
};
use cometmq_remoting::RemotingCommand;

#[derive(Default)]
struct Seen {
    heartbeats: Vec<HeartbeatData>,
    unregistered: Vec<UnregisterClientRequestHeader>,
    route_requests: usize,
}

/// A NameServer + broker in one server: routes every topic to itself as `broker-a`.
async fn fixture(seen: Arc<Mutex<Seen>>) -> RemotingServer {
    let addr_cell: Arc<Mutex<String>> = Arc::default();
    let cell = addr_cell.clone();
    let s = seen.clone();
    let route = fn_processor(move |_, req: RemotingCommand| {
        let addr = cell.lock().unwrap().clone();
        s.lock().unwrap().route_requests += 1;
        async move {
            let topic = req.ext("topic").unwrap_or_default().to_owned();
            if topic == "Missing" {
                return Some(RemotingCommand::response(
                    response::TOPIC_NOT_EXIST,
                    Some(format!(
                        "No topic route info in name server for the topic: {topic}"
                    )),
                ));
            }
            // Legacy fastjson form, bare broker id keys, as old NameServers write it.
            let body = format!(
                r#"{{"brokerDatas":[{{"brokerAddrs":{{0:"{addr}"}},"brokerName":"broker-a","cluster":"C"}}],"filterServerTable":{{}},"queueDatas":[{{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}}]}}"#
            );
            Some(RemotingCommand::success().with_body(body.into_bytes()))
        }
    });
    let s = seen.clone();
    let heartbeat = fn_processor(move |_, req: RemotingCommand| {
        let hb: HeartbeatData = serde_json::from_slice(&req.body.to_bytes()).unwrap();
        s.lock().unwrap().heartbeats.push(hb);
        async move { Some(RemotingCommand::success()) }
    });
    let s = seen.clone();
    let unregister = fn_processor(move |_, req: RemotingCommand| {
        s.lock()
            .unwrap()
            .unregistered
            .push(req.decode_header().unwrap());
        async move { Some(RemotingCommand::success()) }
    });
    let list = fn_processor(|_, _| async {
        let body = ConsumerListBody {
            consumer_id_list: vec!["10.0.0.2@x".into(), "10.0.0.1@y".into()],
        };
        Some(RemotingCommand::success().with_body(serde_json::to_vec(&body).unwrap()))
    });
    let router = Router::new()
        .route(request::GET_ROUTEINFO_BY_TOPIC, route)
        .route(request::HEART_BEAT, heartbeat)
        .route(request::UNREGISTER_CLIENT, unregister)
        .route(request::GET_CONSUMER_LIST_BY_GROUP, list);
    let server = RemotingServer::bind("127.0.0.1:0", TransportConfig::default(), Arc::new(router))
        .await
        .unwrap();
    *addr_cell.lock().unwrap() = server.local_addr().to_string();
    server
}

#[derive(Default)]
struct TestConsumer {
    rebalances: AtomicUsize,
    queues: Mutex<Vec<MessageQueue>>,
    resets: Mutex<Vec<(String, BTreeMap<MessageQueue, i64>)>>,
    direct: Mutex<Vec<String>>,
}

#[async_trait]
impl ConsumerMember for TestConsumer {
    fn group(&self) -> String {
        "CG".into()
    }
    fn consumer_data(&self) -> ConsumerData {
        ConsumerData {
            group_name: "CG".into(),
            subscription_data_set: vec![SubscriptionData::for_tags("T", "*", 1)],
            ..Default::default()
        }
    }
    fn subscribed_topics(&self) -> Vec<String> {
        vec!["T".into()]
    }
    fn subscribe_queues_changed(&self, _topic: &str, queues: Vec<MessageQueue>) {
        *self.queues.lock().unwrap() = queues;
    }
    fn rebalance_requested(&self) {
        self.rebalances.fetch_add(1, Ordering::SeqCst);
    }
    async fn reset_offset(&self, topic: &str, offsets: BTreeMap<MessageQueue, i64>) {
        self.resets.lock().unwrap().push((topic.into(), offsets));
    }
    fn consume_status(&self, topic: &str) -> BTreeMap<MessageQueue, i64> {
        [(MessageQueue::new(topic, "broker-a", 0), 42)].into()
    }
    fn running_info(&self) -> ConsumerRunningInfo {
        let mut info = ConsumerRunningInfo::default();
        info.properties
            .insert("PROP_CONSUME_TYPE".into(), "CONSUME_PASSIVELY".into());
        info
    }
    async fn consume_directly(&self, msg: MessageExt) -> ConsumeMessageDirectlyResult {
        self.direct
            .lock()
            .unwrap()
            .push(String::from_utf8_lossy(&msg.body).into_owned());
        ConsumeMessageDirectlyResult {
            consume_result: ConsumeResult::CrSuccess,
            ..Default::default()
        }
    }
}

#[derive(Default)]
struct TestProducer {
    routes: Mutex<Vec<String>>,
    checks: Mutex<Vec<(String, i64)>>,
}

impl ProducerMember for TestProducer {
    fn group(&self) -> String {
        "PG".into()
    }
    fn publish_topics(&self) -> Vec<String> {
        vec!["T".into()]
    }
    fn route_changed(&self, topic: &str, _route: &TopicRouteData) {
        self.routes.lock().unwrap().push(topic.into());
    }
    fn check_transaction_state(
        &self,
        _broker_addr: &str,
        msg: MessageExt,
        header: CheckTransactionStateRequestHeader,
    ) {
        let id = msg.msg_id().into_owned();
        self.checks
            .lock()
            .unwrap()
            .push((id, header.commit_log_offset));
    }
}

fn config(namesrv: String) -> ClientConfig {
    ClientConfig {
        client_ip: "127.0.0.1".into(),
        instance_name: "test".into(),
        request_timeout: Duration::from_secs(2),
        ..ClientConfig::new(namesrv)
    }
}

fn record(props: &str, body: &[u8]) -> Vec<u8> {
    let host: SocketAddr = "127.0.0.1:10911".parse().unwrap();
    let parts = RecordParts::new("T", body, props.as_bytes(), host, host);
    let mut buf = BytesMut::new();
    encode_record(&parts, &mut buf).unwrap();
    buf.to_vec()
}

/// The server-side connection of the (only) client.
async fn client_conn(server: &RemotingServer) -> Connection {
    for _ in 0..100 {
        if let Some(c) = server.connections().into_iter().next() {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("client never connected");
}

#[tokio::test]
async fn namesrv_failover_and_routes() {
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let server = fixture(seen.clone()).await;
    let live = server.local_addr().to_string();
    // A dead address on either side of the live one.
    for namesrv in [format!("127.0.0.1:1;{live}"), format!("{live};127.0.0.1:1")] {
        let instance = ClientInstance::new(config(namesrv));
        for _ in 0..3 {
            let route = instance.update_topic_route("T").await.unwrap().unwrap();
            assert_eq!(route.broker_datas[0].master_addr(), Some(live.as_str()));
        }
        assert_eq!(instance.update_topic_route("Missing").await.unwrap(), None);
        assert_eq!(
            instance.find_broker_addr("broker-a", 0, true).as_deref(),
            Some(live.as_str())
        );
        assert_eq!(instance.find_broker_addr("broker-a", 1, true), None);
        assert!(instance.find_broker_addr("broker-a", 1, false).is_some());
        instance.shutdown().await;
    }
    // Every address dead: an error naming them.
    let instance = ClientInstance::new(config("127.0.0.1:1;127.0.0.1:2".into()));
    let e = instance.update_topic_route("T").await.unwrap_err();
    assert!(e.to_string().contains("127.0.0.1:1;127.0.0.1:2"), "{e}");
    assert!(e.to_string().contains("GET_ROUTEINFO_BY_TOPIC"), "{e}");
    let e = ClientInstance::new(config(String::new()))
        .update_topic_route("T")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no NameServer"), "{e}");
    server.shutdown().await;
}

#[tokio::test]
async fn heartbeats_members_and_broker_requests() {
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let server = fixture(seen.clone()).await;
    let instance = ClientInstance::new(config(server.local_addr().to_string()));
    assert_eq!(instance.client_id(), "127.0.0.1@test");
    let consumer = Arc::new(TestConsumer::default());
    let producer = Arc::new(TestProducer::default());
    instance.register_consumer(consumer.clone()).unwrap();
    instance.register_producer(producer.clone()).unwrap();
    assert!(instance.register_producer(producer.clone()).is_err());

    instance.refresh_all_routes().await;
    assert_eq!(consumer.queues.lock().unwrap().len(), 4);
    assert_eq!(*producer.routes.lock().unwrap(), ["T"]);

    assert_eq!(instance.send_heartbeat_to_all_brokers().await, 1);
    let hb = seen.lock().unwrap().heartbeats.pop().unwrap();
    assert_eq!(hb.client_id, "127.0.0.1@test");
    assert_eq!(hb.producer_data_set[0].group_name, "PG");
    assert_eq!(hb.consumer_data_set[0].group_name, "CG");
    assert!(instance
        .broker_version(&server.local_addr().to_string())
        .is_some());

    let ids = instance.consumer_id_list("T", "CG").await.unwrap();
    assert_eq!(ids, ["10.0.0.2@x", "10.0.0.1@y"]);

    // Broker → client requests on the client's connection.
    let conn = client_conn(&server).await;
    let t = Duration::from_secs(2);
    let req = RemotingCommand::request_with_header(
        request::GET_CONSUMER_RUNNING_INFO,
        &GetConsumerRunningInfoRequestHeader {
            consumer_group: "CG".into(),
            client_id: "127.0.0.1@test".into(),
            jstack_enable: Some(false),
        },
    );
    let resp = conn.invoke(req, t).await.unwrap();
    assert_eq!(resp.code, response::SUCCESS);
    let info: ConsumerRunningInfo = fastjson::from_slice(&resp.body.to_bytes()).unwrap();
    assert_eq!(info.properties["PROP_CONSUME_TYPE"], "CONSUME_PASSIVELY");

    let req = RemotingCommand::request_with_header(
        request::GET_CONSUMER_RUNNING_INFO,
        &GetConsumerRunningInfoRequestHeader {
            consumer_group: "nope".into(),
            client_id: "x".into(),
            jstack_enable: None,
        },
    );
    let resp = conn.invoke(req, t).await.unwrap();
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    assert_eq!(
        resp.remark.as_deref(),
        Some("The Consumer Group <nope> not exist in this consumer")
    );

    let req = RemotingCommand::request_with_header(
        request::GET_CONSUMER_STATUS_FROM_CLIENT,
        &GetConsumerStatusRequestHeader {
            topic: "T".into(),
            group: "CG".into(),
            client_addr: None,
        },
    );
    let resp = conn.invoke(req, t).await.unwrap();
    let status: GetConsumerStatusBody = fastjson::from_slice(&resp.body.to_bytes()).unwrap();
    assert_eq!(
        status.message_queue_table[&MessageQueue::new("T", "broker-a", 0)],
        42
    );

    let req = RemotingCommand::request_with_header(
        request::CONSUME_MESSAGE_DIRECTLY,
        &ConsumeMessageDirectlyResultRequestHeader {
            consumer_group: "CG".into(),
            client_id: None,
            msg_id: None,
            broker_name: Some("broker-a".into()),
            topic: None,
            topic_sys_flag: None,
            group_sys_flag: None,
        },
    )
    .with_body(record("", b"direct"));
    let resp = conn.invoke(req, t).await.unwrap();
    assert_eq!(resp.code, response::SUCCESS);
    let r: ConsumeMessageDirectlyResult = serde_json::from_slice(&resp.body.to_bytes()).unwrap();
    assert_eq!(r.consume_result, ConsumeResult::CrSuccess);
    assert_eq!(*consumer.direct.lock().unwrap(), ["direct"]);

    // One-way ones.
    let mut req = RemotingCommand::request_with_header(
        request::NOTIFY_CONSUMER_IDS_CHANGED,
        &NotifyConsumerIdsChangedRequestHeader {
            consumer_group: "CG".into(),
        },
    );
    req.mark_oneway();
    conn.invoke_oneway(req).await.unwrap();
    let reset_body = r#"{"offsetTable":{{"brokerName":"broker-a","queueId":1,"topic":"T"}:7}}"#;
    let req = RemotingCommand::request_with_header(
        request::RESET_CONSUMER_CLIENT_OFFSET,
        &ResetOffsetRequestHeader {
            topic: "T".into(),
            group: "CG".into(),
            timestamp: 0,
            is_force: true,
            queue_id: None,
            offset: None,
        },
    )
    .with_body(reset_body.as_bytes().to_vec());
    conn.invoke_oneway(req).await.unwrap();
    let req = RemotingCommand::request_with_header(
        request::CHECK_TRANSACTION_STATE,
        &CheckTransactionStateRequestHeader {
            topic: Some("T".into()),
            tran_state_table_offset: 3,
            commit_log_offset: 99,
            msg_id: Some("UK".into()),
            transaction_id: Some("UK".into()),
            offset_msg_id: None,
            broker_name: None,
        },
    )
    .with_body(record(
        "PGROUP\u{1}PG\u{2}UNIQ_KEY\u{1}UK\u{2}TRAN_MSG\u{1}true\u{2}",
        b"half",
    ));
    conn.invoke_oneway(req).await.unwrap();
    for _ in 0..200 {
        let done = consumer.rebalances.load(Ordering::SeqCst) == 1
            && consumer.resets.lock().unwrap().len() == 1
            && producer.checks.lock().unwrap().len() == 1;
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(consumer.rebalances.load(Ordering::SeqCst), 1);
    let (topic, table) = consumer.resets.lock().unwrap()[0].clone();
    assert_eq!(topic, "T");
    assert_eq!(table[&MessageQueue::new("T", "broker-a", 1)], 7);
    assert_eq!(*producer.checks.lock().unwrap(), [("UK".to_owned(), 99)]);

    // Codes the client does not serve.
    let resp = conn
        .invoke(RemotingCommand::request(request::PULL_MESSAGE), t)
        .await
        .unwrap();
    assert_eq!(resp.code, response::REQUEST_CODE_NOT_SUPPORTED);

    instance.unregister_consumer("CG").await;
    let un = seen.lock().unwrap().unregistered.pop().unwrap();
    assert_eq!(un.consumer_group.as_deref(), Some("CG"));
    assert_eq!(un.client_id, "127.0.0.1@test");
    assert!(instance.consumer("CG").is_none());
    instance.shutdown().await;
    server.shutdown().await;
}

#[tokio::test]
async fn periodic_tasks_refresh_routes_and_send_heartbeats() {
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let server = fixture(seen.clone()).await;
    let cfg = ClientConfig {
        poll_name_server_interval: Duration::from_millis(100),
        heartbeat_broker_interval: Duration::from_millis(100),
        ..config(server.local_addr().to_string())
    };
    let instance = ClientInstance::new(cfg);
    instance
        .register_producer(Arc::new(TestProducer::default()))
        .unwrap();
    instance.start();
    instance.start(); // idempotent
    for _ in 0..300 {
        let (routes, hbs) = {
            let s = seen.lock().unwrap();
            (s.route_requests, s.heartbeats.len())
        };
        if routes >= 3 && hbs >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (routes, hbs) = {
        let s = seen.lock().unwrap();
        (s.route_requests, s.heartbeats.len())
    };
    assert!(routes >= 3, "route requests: {routes}");
    assert!(hbs >= 2, "heartbeats: {hbs}");
    instance.shutdown().await;
    server.shutdown().await;
}
