//! The push consumer's requests, seen by an in-process fixture playing NameServer and
//! broker: the heartbeat's subscriptions, the pull flags, CONSUMER_SEND_MSG_BACK, and the
//! client-side fallback send to the retry topic when the broker refuses the send-back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use cometmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use cometmq_client::instance::ClientConfig;
use cometmq_remoting::body::client::{ConsumerListBody, HeartbeatData};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    ConsumerSendMsgBackRequestHeader, PullMessageRequestHeader, PullMessageResponseHeader,
    SendMessageRequestHeader, SendMessageResponseHeader, UpdateConsumerOffsetRequestHeader,
};
use cometmq_remoting::message::{encode_record, property, Properties, RecordParts};
use cometmq_remoting::transport::{fn_processor, RemotingServer, Router, TransportConfig};
use cometmq_remoting::RemotingCommand;

#[derive(Default)]
struct Seen {
    heartbeats: Vec<HeartbeatData>,
    pulls: Vec<PullMessageRequestHeader>,
    send_backs: Vec<ConsumerSendMsgBackRequestHeader>,
    sends: Vec<SendMessageRequestHeader>,
    offsets: Vec<UpdateConsumerOffsetRequestHeader>,
}

type Shared = Arc<Mutex<Seen>>;

const UNIQ: &str = "0A0000010000FAIL0001";

fn record(addr: SocketAddr) -> bytes::Bytes {
    let mut props = Properties::new();
    props.insert(property::UNIQ_KEY, UNIQ);
    props.insert(property::TAGS, "A");
    let props = props.encode();
    let mut p = RecordParts::new("T", b"fail-me", props.as_bytes(), addr, addr);
    p.physical_offset = 4242;
    let mut buf = BytesMut::new();
    encode_record(&p, &mut buf).unwrap();
    buf.freeze()
}

fn pull_header(next: i64) -> PullMessageResponseHeader {
    PullMessageResponseHeader {
        suggest_which_broker_id: 0,
        next_begin_offset: next,
        min_offset: 0,
        max_offset: 1,
        offset_delta: None,
        topic_sys_flag: None,
        group_sys_flag: None,
        forbidden_type: None,
    }
}

async fn fixture(seen: Shared) -> (RemotingServer, SocketAddr) {
    let cell: Arc<Mutex<Option<SocketAddr>>> = Arc::default();
    let c = cell.clone();
    let route = fn_processor(move |_, _| {
        let addr = c.lock().unwrap().unwrap();
        async move {
            let body = format!(
                r#"{{"brokerDatas":[{{"brokerAddrs":{{"0":"{addr}"}},"brokerName":"broker-a","cluster":"C"}}],"queueDatas":[{{"brokerName":"broker-a","perm":6,"readQueueNums":1,"writeQueueNums":1}}]}}"#
            );
            Some(RemotingCommand::success().with_body(body.into_bytes()))
        }
    });
    let s = seen.clone();
    let heartbeat = fn_processor(move |_, req: RemotingCommand| {
        let hb: HeartbeatData = serde_json::from_slice(&req.body.to_bytes()).unwrap();
        s.lock().unwrap().heartbeats.push(hb);
        async { Some(RemotingCommand::success()) }
    });
    let s = seen.clone();
    let list = fn_processor(move |_, _| {
        let ids = s
            .lock()
            .unwrap()
            .heartbeats
            .last()
            .map(|h| vec![h.client_id.clone()])
            .unwrap_or_default();
        async move {
            let body = serde_json::to_vec(&ConsumerListBody {
                consumer_id_list: ids,
            })
            .unwrap();
            Some(RemotingCommand::success().with_body(body))
        }
    });
    let not_found = fn_processor(|_, _| async {
        Some(RemotingCommand::response(response::QUERY_NOT_FOUND, None))
    });
    let (s, c) = (seen.clone(), cell.clone());
    let pull = fn_processor(move |_, req: RemotingCommand| {
        let h: PullMessageRequestHeader = req.decode_header().unwrap();
        s.lock().unwrap().pulls.push(h.clone());
        let addr = c.lock().unwrap().unwrap();
        async move {
            if h.topic == "T" && h.queue_offset == 0 {
                return Some(
                    RemotingCommand::success()
                        .with_header(&pull_header(1))
                        .with_body(record(addr)),
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            Some(
                RemotingCommand::response(response::PULL_NOT_FOUND, None)
                    .with_header(&pull_header(h.queue_offset)),
            )
        }
    });
    let s = seen.clone();
    let send_back = fn_processor(move |_, req: RemotingCommand| {
        s.lock()
            .unwrap()
            .send_backs
            .push(req.decode_header().unwrap());
        async {
            Some(RemotingCommand::response(
                response::SYSTEM_ERROR,
                Some("injected".into()),
            ))
        }
    });
    let s = seen.clone();
    let send = fn_processor(move |_, req: RemotingCommand| {
        let h = SendMessageRequestHeader::read_for_code(req.code, &req.ext_fields).unwrap();
        s.lock().unwrap().sends.push(h);
        let resp = SendMessageResponseHeader {
            msg_id: "7F00000100002A9F0000000000000000".into(),
            queue_id: 0,
            queue_offset: 0,
            transaction_id: None,
            batch_uniq_id: None,
            recall_handle: None,
            msg_region: None,
            trace_on: None,
        };
        async move { Some(RemotingCommand::success().with_header(&resp)) }
    });
    let s = seen.clone();
    let update = fn_processor(move |_, req: RemotingCommand| {
        s.lock().unwrap().offsets.push(req.decode_header().unwrap());
        async { Some(RemotingCommand::success()) }
    });
    let ok = fn_processor(|_, _| async { Some(RemotingCommand::success()) });
    let router = Router::new()
        .route(request::GET_ROUTEINFO_BY_TOPIC, route)
        .route(request::HEART_BEAT, heartbeat)
        .route(request::GET_CONSUMER_LIST_BY_GROUP, list)
        .route(request::QUERY_CONSUMER_OFFSET, not_found)
        .route(request::PULL_MESSAGE, pull)
        .route(request::CONSUMER_SEND_MSG_BACK, send_back)
        .route(request::SEND_MESSAGE_V2, send)
        .route(request::UPDATE_CONSUMER_OFFSET, update)
        .route(request::UNREGISTER_CLIENT, ok);
    let server = RemotingServer::bind("127.0.0.1:0", TransportConfig::default(), Arc::new(router))
        .await
        .unwrap();
    let addr = server.local_addr();
    *cell.lock().unwrap() = Some(addr);
    (server, addr)
}

async fn wait_for(seen: &Shared, what: impl Fn(&Seen) -> bool) -> bool {
    cometmq_testkit::wait::wait_until(|| {
        let held = what(&seen.lock().unwrap());
        async move { held }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_flags_send_back_and_fallback() {
    let seen: Shared = Arc::default();
    let (server, addr) = fixture(seen.clone()).await;
    let consumer = PushConsumer::builder("G")
        .client_config(ClientConfig {
            client_ip: "127.0.0.1".into(),
            instance_name: "wire".into(),
            persist_consumer_offset_interval: Duration::from_millis(100),
            ..ClientConfig::new(addr.to_string())
        })
        .subscribe("T", "A || B")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .listener(|msgs| {
            if msgs.iter().any(|m| m.reconsume_times == 0) {
                ConsumeResult::ReconsumeLater
            } else {
                ConsumeResult::Success
            }
        })
        .build()
        .unwrap();
    consumer.start().await.unwrap();

    // The broker refuses the send-back: the client sends a retry copy itself.
    assert!(
        wait_for(&seen, |s| !s.sends.is_empty()).await,
        "no fallback send"
    );
    // The queue's offset moves past the message, now in the retry topic.
    assert!(
        wait_for(&seen, |s| s
            .offsets
            .iter()
            .any(|o| o.topic == "T" && o.commit_offset == 1))
        .await,
        "offset 1 never committed"
    );
    // And later pulls carry it too (COMMIT_OFFSET flag).
    assert!(
        wait_for(&seen, |s| s.pulls.iter().any(|p| p.topic == "T"
            && p.has_flag(PullMessageRequestHeader::FLAG_COMMIT_OFFSET)
            && p.commit_offset == 1))
        .await
    );
    consumer.shutdown().await;
    server.shutdown().await;

    let s = seen.lock().unwrap();
    // Heartbeat: the subscription and the automatic retry subscription.
    let hb = s.heartbeats.first().unwrap();
    let data = &hb.consumer_data_set[0];
    assert_eq!(data.group_name, "G");
    assert_eq!(data.consume_type.as_str(), "CONSUME_PASSIVELY");
    let topics: Vec<_> = data
        .subscription_data_set
        .iter()
        .map(|d| d.topic.as_str())
        .collect();
    assert!(
        topics.contains(&"T") && topics.contains(&"%RETRY%G"),
        "{topics:?}"
    );
    // Pulls: long polling, no subscription in the request, batch 32, heartbeat's version.
    let first = s.pulls.iter().find(|p| p.topic == "T").unwrap();
    assert_eq!(first.queue_offset, 0);
    assert!(first.has_flag(PullMessageRequestHeader::FLAG_SUSPEND));
    assert!(!first.has_flag(PullMessageRequestHeader::FLAG_SUBSCRIPTION));
    assert!(!first.has_flag(PullMessageRequestHeader::FLAG_COMMIT_OFFSET));
    assert_eq!(first.suspend_timeout_millis, 15_000);
    assert_eq!(first.max_msg_nums, 32);
    let sub = data
        .subscription_data_set
        .iter()
        .find(|d| d.topic == "T")
        .unwrap();
    assert_eq!(first.sub_version, sub.sub_version);
    assert_eq!(
        first.subscription, None,
        "the broker filters with the heartbeat's"
    );
    // CONSUMER_SEND_MSG_BACK: the stored message's CommitLog offset, delay chosen by the
    // broker, Java's default reconsume limit.
    let back = &s.send_backs[0];
    assert_eq!(back.offset, 4242);
    assert_eq!(back.group, "G");
    assert_eq!(back.delay_level, 0);
    assert_eq!(back.origin_msg_id.as_deref(), Some(UNIQ));
    assert_eq!(back.origin_topic.as_deref(), Some("T"));
    assert_eq!(back.max_reconsume_times, Some(16));
    // The fallback copy: to %RETRY%G with the retry properties, counts in the header.
    let copy = &s.sends[0];
    assert_eq!(copy.topic, "%RETRY%G");
    assert_eq!(copy.producer_group, "CLIENT_INNER_PRODUCER");
    assert_eq!(copy.reconsume_times, Some(1));
    assert_eq!(copy.max_reconsume_times, Some(16));
    let props = Properties::parse_str(copy.properties.as_deref().unwrap());
    assert_eq!(props.get(property::RETRY_TOPIC), Some("T"));
    assert_eq!(props.get(property::DELAY), Some("3"));
    assert_eq!(props.get(property::ORIGIN_MESSAGE_ID), Some(UNIQ));
    assert_eq!(props.get(property::UNIQ_KEY), Some(UNIQ));
    assert_eq!(
        props.get(property::RECONSUME_TIME),
        None,
        "moved to the header"
    );
}
