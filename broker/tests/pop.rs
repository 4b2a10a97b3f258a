//! POP consumption through raw requests, as RocketMQ 5 clients send them: the response
//! headers and receipts, long polling, bad input (forged and stale receipts, unknown
//! offsets, groups and invisible times), and checkpoints surviving a restart.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cometmq_remoting::body::fastjson;
use cometmq_remoting::body::pop::{BatchAck, BatchAckMessageRequestBody};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    AckMessageRequestHeader, ChangeInvisibleTimeRequestHeader, NotificationRequestHeader,
    NotificationResponseHeader, PeekMessageRequestHeader, PollingInfoRequestHeader,
    PollingInfoResponseHeader, PopMessageRequestHeader, PopMessageResponseHeader,
};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::request::{create_group, create_topic};
use common::{messages, now_ms, Cluster};

fn pop_req(group: &str, topic: &str, max: i32, invisible: i64, poll: i64) -> RemotingCommand {
    RemotingCommand::request_with_header(
        request::POP_MESSAGE,
        &PopMessageRequestHeader {
            consumer_group: group.into(),
            topic: topic.into(),
            queue_id: -1,
            max_msg_nums: max,
            invisible_time: invisible,
            poll_time: poll,
            born_time: now_ms(),
            init_mode: 0,
            exp_type: Some("TAG".into()),
            exp: Some("*".into()),
            order: Some(false),
            attempt_id: None,
        },
    )
}

fn ack_req(group: &str, topic: &str, queue_id: i32, extra: &str, offset: i64) -> RemotingCommand {
    RemotingCommand::request_with_header(
        request::ACK_MESSAGE,
        &AckMessageRequestHeader {
            consumer_group: group.into(),
            topic: topic.into(),
            queue_id,
            extra_info: extra.into(),
            offset,
        },
    )
}

/// The receipt of the `i`th message of a pop response, built as Java's client builds it.
fn receipt(resp: &RemotingCommand, queue_offset: i64) -> String {
    let h: PopMessageResponseHeader = resp.decode_header().unwrap();
    let start: i64 = h
        .start_offset_info
        .unwrap()
        .split(' ')
        .nth(2)
        .unwrap()
        .parse()
        .unwrap();
    format!(
        "{start} {} {} {} 0 broker-a 0 {queue_offset}",
        h.pop_time, h.invisible_time, h.revive_qid
    )
}

async fn setup(c: &Cluster, topic: &str, group: &str) {
    assert_eq!(c.call(create_topic(topic, 1)).await.code, response::SUCCESS);
    assert_eq!(c.call(create_group(group)).await.code, response::SUCCESS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pop_answers_javas_headers_and_acks_check_their_receipts() {
    let c = Cluster::start(|cfg| cfg.auto_create_subscription_group = false).await;
    setup(&c, "PopT", "PopG").await;
    for i in 0..3 {
        let body = format!("m{i}");
        assert_eq!(
            c.send("PopT", 0, Some("A"), None, body.as_bytes())
                .await
                .code,
            0
        );
    }
    c.wait_max_offset("PopT", 0, 3).await;
    let resp = c.call(pop_req("PopG", "PopT", 2, 60_000, 0)).await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    let h: PopMessageResponseHeader = resp.decode_header().unwrap();
    assert_eq!(h.invisible_time, 60_000);
    assert_eq!(h.start_offset_info.as_deref(), Some("0 0 0"));
    assert_eq!(h.msg_offset_info.as_deref(), Some("0 0 0,1"));
    assert_eq!(h.rest_num, 1);
    assert!((0..8).contains(&h.revive_qid));
    let msgs = messages(&resp);
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0].body.as_ref(), b"m0");
    let good = receipt(&resp, 0);
    assert_eq!(
        c.call(ack_req("PopG", "PopT", 0, &good, 0)).await.code,
        response::SUCCESS
    );

    // Forged receipts, unknown offsets and groups: clear errors, the broker keeps serving.
    let forged = c.call(ack_req("PopG", "PopT", 0, "not a receipt", 1)).await;
    assert_eq!(
        forged.code,
        response::MESSAGE_ILLEGAL,
        "{:?}",
        forged.remark
    );
    let wrong_queue = c
        .call(ack_req("PopG", "PopT", 0, "0 1 1 0 0 broker-a 5 1", 1))
        .await;
    assert_eq!(wrong_queue.code, response::MESSAGE_ILLEGAL);
    let bad_revive_queue = c
        .call(ack_req("PopG", "PopT", 0, "0 1 1 77 0 broker-a 0 1", 1))
        .await;
    assert_eq!(bad_revive_queue.code, response::MESSAGE_ILLEGAL);
    let beyond = c.call(ack_req("PopG", "PopT", 0, &good, 99)).await;
    assert_eq!(beyond.code, response::NO_MESSAGE, "{:?}", beyond.remark);
    let bad_queue = c.call(ack_req("PopG", "PopT", 7, &good, 0)).await;
    assert_eq!(bad_queue.code, response::MESSAGE_ILLEGAL);
    let no_topic = c.call(ack_req("PopG", "NoSuchTopic", 0, &good, 0)).await;
    assert_eq!(no_topic.code, response::TOPIC_NOT_EXIST);
    let no_group = c.call(ack_req("NoSuchGroup", "PopT", 0, &good, 0)).await;
    assert_eq!(no_group.code, response::SUBSCRIPTION_GROUP_NOT_EXIST);
    let pop_no_group = c.call(pop_req("NoSuchGroup", "PopT", 1, 60_000, 0)).await;
    assert_eq!(pop_no_group.code, response::SUBSCRIPTION_GROUP_NOT_EXIST);
    let negative = c.call(pop_req("PopG", "PopT", 1, -5, 0)).await;
    assert_eq!(
        negative.code,
        response::INVALID_PARAMETER,
        "{:?}",
        negative.remark
    );
    let too_many = c.call(pop_req("PopG", "PopT", 33, 60_000, 0)).await;
    assert_eq!(too_many.code, response::SYSTEM_ERROR);
    let change_negative = c
        .call(RemotingCommand::request_with_header(
            request::CHANGE_MESSAGE_INVISIBLETIME,
            &ChangeInvisibleTimeRequestHeader {
                consumer_group: "PopG".into(),
                topic: "PopT".into(),
                queue_id: 0,
                extra_info: receipt(&resp, 1),
                offset: 1,
                invisible_time: -1,
            },
        ))
        .await;
    assert_eq!(change_negative.code, response::INVALID_PARAMETER);
    let empty_batch = c
        .call(RemotingCommand::request(request::BATCH_ACK_MESSAGE))
        .await;
    assert_eq!(empty_batch.code, response::NO_MESSAGE);
    let junk_batch = c
        .call(RemotingCommand::request(request::BATCH_ACK_MESSAGE).with_body(b"{junk".to_vec()))
        .await;
    assert_ne!(junk_batch.code, response::SUCCESS);
    let bad_bits = BatchAckMessageRequestBody {
        acks: vec![BatchAck {
            bit_set: vec![0],
            consumer_group: "PopG".into(),
            revive_queue_id: 500,
            topic: "PopT".into(),
            retry: "0".into(),
            ..Default::default()
        }],
        broker_name: "broker-a".into(),
    };
    let body = fastjson::to_vec(&bad_bits, fastjson::JsonStyle::Legacy).unwrap();
    let bad_batch = c
        .call(RemotingCommand::request(request::BATCH_ACK_MESSAGE).with_body(body))
        .await;
    assert_eq!(bad_batch.code, response::MESSAGE_ILLEGAL);

    // A stale receipt (acked already) is accepted, as Java accepts it: nothing changes.
    assert_eq!(
        c.call(ack_req("PopG", "PopT", 0, &good, 0)).await.code,
        response::SUCCESS
    );
    // Still serving: the third message pops.
    let rest = c.call(pop_req("PopG", "PopT", 32, 60_000, 0)).await;
    assert_eq!(rest.code, response::SUCCESS);
    assert_eq!(messages(&rest)[0].body.as_ref(), b"m2");
    // Nothing left: POLLING_TIMEOUT at once without a poll time.
    let none = c.call(pop_req("PopG", "PopT", 32, 60_000, 0)).await;
    assert_eq!(none.code, response::POLLING_TIMEOUT);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_pop_is_answered_when_a_message_arrives() {
    let c = Cluster::start(|_| {}).await;
    setup(&c, "PopHold", "PopHoldG").await;
    let held = c.call_within(
        pop_req("PopHoldG", "PopHold", 4, 60_000, 60_000),
        Duration::from_secs(90),
    );
    let send = async {
        // Sent while the pop is held (or before: either way the pop gets it).
        tokio::time::sleep(Duration::from_millis(300)).await;
        c.send("PopHold", 0, None, None, b"late").await
    };
    let (resp, sent) = tokio::join!(held, send);
    assert_eq!(sent.code, response::SUCCESS);
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    assert_eq!(messages(&resp)[0].body.as_ref(), b"late");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_survive_a_restart() {
    let mut c = Cluster::start(|cfg| cfg.revive_queue_num = 1).await;
    setup(&c, "PopRestart", "PopRestartG").await;
    assert_eq!(c.send("PopRestart", 0, None, None, b"kept").await.code, 0);
    assert_eq!(c.send("PopRestart", 0, None, None, b"acked").await.code, 0);
    c.wait_max_offset("PopRestart", 0, 2).await;
    let resp = c
        .call(pop_req("PopRestartG", "PopRestart", 2, 2_000, 0))
        .await;
    assert_eq!(messages(&resp).len(), 2);
    let r = receipt(&resp, 1);
    assert_eq!(
        c.call(ack_req("PopRestartG", "PopRestart", 0, &r, 1))
            .await
            .code,
        0
    );
    c.restart_broker(|cfg| cfg.revive_queue_num = 1).await;
    // After the restart the un-acked message returns (from the pop retry topic), the acked
    // one does not.
    let back = common::eventually("the un-acked message back", || async {
        let resp = c
            .call(pop_req("PopRestartG", "PopRestart", 32, 60_000, 1_000))
            .await;
        (resp.code == response::SUCCESS).then(|| messages(&resp))
    })
    .await;
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].body.as_ref(), b"kept");
    assert_eq!(back[0].reconsume_times, 1);
    assert_eq!(back[0].topic, "PopRestart");
    assert!(back[0].properties.get("POP_CK").is_some());
    let again = c
        .call(pop_req("PopRestartG", "PopRestart", 32, 60_000, 1_500))
        .await;
    assert_eq!(again.code, response::POLLING_TIMEOUT);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_with_messages_in_flight_loses_none() {
    let dir = tempfile::tempdir().unwrap();
    let port = cometmq_testkit::free_port();
    let addr = format!("127.0.0.1:{port}");
    let conf = dir.path().join("broker.conf");
    let log = dir.path().join("broker.log");
    std::fs::write(
        &conf,
        format!(
            "brokerIP1=127.0.0.1\nlistenPort={port}\nstorePathRootDir={}\n\
             reviveQueueNum=2\nflushConsumerOffsetInterval=100\nmapedFileSizeCommitLog=4194304\n\
             mapedFileSizeConsumeQueue=20000\nmaxHashSlotNum=1000\nmaxIndexNum=4000\n",
            dir.path().join("store").display()
        ),
    )
    .unwrap();
    let broker = common::process::start(&conf, &log, port).await;
    let c = Cluster::attach(&addr).await;
    setup(&c, "PopKill", "PopKillG").await;
    for i in 0..10 {
        let body = format!("m{i}");
        assert_eq!(
            c.send("PopKill", 0, None, None, body.as_bytes()).await.code,
            0
        );
    }
    c.wait_max_offset("PopKill", 0, 10).await;
    let resp = c.call(pop_req("PopKillG", "PopKill", 10, 3_000, 0)).await;
    assert_eq!(messages(&resp).len(), 10);
    for offset in 0..5 {
        let r = receipt(&resp, offset);
        let ack = c.call(ack_req("PopKillG", "PopKill", 0, &r, offset)).await;
        assert_eq!(ack.code, response::SUCCESS);
    }
    // Crash once the group's offset (past the popped messages) is on disk: the un-acked
    // messages can then come back only through their checkpoints.
    let offsets = dir.path().join("store/config/consumerOffset.json");
    common::eventually("the pop's offset saved", || async {
        let text = std::fs::read_to_string(&offsets).unwrap_or_default();
        text.contains(r#""PopKill@PopKillG":{0:10}"#).then_some(())
    })
    .await;
    broker.kill9();
    c.client.close_connections(&addr);
    let broker = common::process::start(&conf, &log, port).await;
    // Every un-acked message comes back, retried; the acked ones do not.
    let got = std::sync::Mutex::new(std::collections::BTreeSet::new());
    let wanted: std::collections::BTreeSet<String> = (5..10).map(|i| format!("m{i}")).collect();
    common::eventually("the in-flight messages back", || async {
        let resp = c
            .call(pop_req("PopKillG", "PopKill", 32, 600_000, 1_000))
            .await;
        let mut got = got.lock().unwrap();
        if resp.code == response::SUCCESS {
            for m in messages(&resp) {
                assert_eq!(m.reconsume_times, 1);
                got.insert(String::from_utf8_lossy(&m.body).into_owned());
            }
        }
        assert!(got.is_subset(&wanted), "acked messages came back: {got:?}");
        (*got == wanted).then_some(())
    })
    .await;
    broker.stop().await;
    c.stop().await;
}

fn notification_req(group: &str, topic: &str, poll: i64) -> RemotingCommand {
    RemotingCommand::request_with_header(
        request::NOTIFICATION,
        &NotificationRequestHeader {
            consumer_group: group.into(),
            topic: topic.into(),
            queue_id: -1,
            poll_time: poll,
            born_time: now_ms(),
            order: Some(false),
            attempt_id: None,
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peek_notification_and_polling_info_change_nothing() {
    let c = Cluster::start(|_| {}).await;
    setup(&c, "PopPeek", "PopPeekG").await;
    let info = || async {
        let resp = c
            .call(RemotingCommand::request_with_header(
                request::POLLING_INFO,
                &PollingInfoRequestHeader {
                    consumer_group: "PopPeekG".into(),
                    topic: "PopPeek".into(),
                    queue_id: -1,
                },
            ))
            .await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
        resp.decode_header::<PollingInfoResponseHeader>()
            .unwrap()
            .polling_num
    };
    assert_eq!(info().await, 0);
    let empty = c.call(notification_req("PopPeekG", "PopPeek", 0)).await;
    assert_eq!(empty.code, response::SUCCESS);
    assert!(
        !empty
            .decode_header::<NotificationResponseHeader>()
            .unwrap()
            .has_msg
    );
    // A held notification shows in POLLING_INFO and is answered when a message arrives.
    let held = c.call_within(
        notification_req("PopPeekG", "PopPeek", 60_000),
        Duration::from_secs(90),
    );
    let arrive = async {
        common::eventually("the held notification counted", || async {
            (info().await == 1).then_some(())
        })
        .await;
        c.send("PopPeek", 0, None, None, b"peeked").await
    };
    let (resp, sent) = tokio::join!(held, arrive);
    assert_eq!(sent.code, response::SUCCESS);
    assert!(
        resp.decode_header::<NotificationResponseHeader>()
            .unwrap()
            .has_msg
    );
    assert_eq!(info().await, 0);
    let peek = || async {
        c.call(RemotingCommand::request_with_header(
            request::PEEK_MESSAGE,
            &PeekMessageRequestHeader {
                consumer_group: "PopPeekG".into(),
                topic: "PopPeek".into(),
                queue_id: -1,
                max_msg_nums: 8,
            },
        ))
        .await
    };
    for _ in 0..2 {
        let resp = peek().await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
        assert_eq!(messages(&resp)[0].body.as_ref(), b"peeked");
    }
    let popped = c.call(pop_req("PopPeekG", "PopPeek", 8, 60_000, 0)).await;
    assert_eq!(messages(&popped)[0].body.as_ref(), b"peeked");
    assert_eq!(peek().await.code, response::PULL_NOT_FOUND);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_assignment_balances_pull_groups_and_hands_pop_groups_whole_brokers() {
    use cometmq_remoting::body::client::{ConsumerData, HeartbeatData, SubscriptionData};
    use cometmq_remoting::body::pop::{
        MessageRequestMode, QueryAssignmentRequestBody, QueryAssignmentResponseBody,
        SetMessageRequestModeRequestBody,
    };
    use cometmq_remoting::transport::RemotingClient;
    let c = Cluster::start(|_| {}).await;
    assert_eq!(c.call(create_topic("PopAssign", 4)).await.code, 0);
    c.wait_for_route("PopAssign").await;
    // Two consumers of the group, each on its own connection.
    let clients: Vec<RemotingClient> = (0..2)
        .map(|_| RemotingClient::new(Default::default()))
        .collect();
    for (i, client) in clients.iter().enumerate() {
        let hb = HeartbeatData {
            client_id: format!("127.0.0.1@c{i}"),
            consumer_data_set: vec![ConsumerData {
                group_name: "PopAssignG".into(),
                subscription_data_set: vec![SubscriptionData::for_tags("PopAssign", "*", 1)],
                ..Default::default()
            }],
            ..Default::default()
        };
        let resp = client
            .invoke(
                &c.broker_addr,
                cometmq_testkit::request::heartbeat(&hb),
                common::T,
            )
            .await
            .unwrap();
        assert_eq!(resp.code, 0);
    }
    let query = |client_id: &str| {
        let body = QueryAssignmentRequestBody {
            client_id: client_id.into(),
            consumer_group: "PopAssignG".into(),
            strategy_name: "AVG".into(),
            topic: "PopAssign".into(),
            ..Default::default()
        };
        let json = fastjson::to_vec(&body, fastjson::JsonStyle::Legacy).unwrap();
        RemotingCommand::request(request::QUERY_ASSIGNMENT).with_body(json)
    };
    let assigned = |resp: RemotingCommand| {
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
        let b: QueryAssignmentResponseBody = fastjson::from_slice(&resp.body.to_bytes()).unwrap();
        let mut v: Vec<(i32, MessageRequestMode)> = b
            .message_queue_assignments
            .unwrap()
            .iter()
            .map(|a| (a.message_queue.queue_id, a.mode))
            .collect();
        v.sort_by_key(|(q, _)| *q);
        v
    };
    let pull = MessageRequestMode::Pull;
    assert_eq!(
        assigned(c.call(query("127.0.0.1@c0")).await),
        vec![(0, pull), (1, pull)]
    );
    assert_eq!(
        assigned(c.call(query("127.0.0.1@c1")).await),
        vec![(2, pull), (3, pull)]
    );
    let pop = SetMessageRequestModeRequestBody {
        consumer_group: "PopAssignG".into(),
        mode: MessageRequestMode::Pop,
        pop_share_queue_num: 0,
        topic: "PopAssign".into(),
    };
    let json = fastjson::to_vec(&pop, fastjson::JsonStyle::Legacy).unwrap();
    let set = c
        .call(RemotingCommand::request(request::SET_MESSAGE_REQUEST_MODE).with_body(json))
        .await;
    assert_eq!(set.code, response::SUCCESS);
    for id in ["127.0.0.1@c0", "127.0.0.1@c1"] {
        assert_eq!(
            assigned(c.call(query(id)).await),
            vec![(-1, MessageRequestMode::Pop)]
        );
    }
    let junk = c
        .call(RemotingCommand::request(request::QUERY_ASSIGNMENT).with_body(b"[".to_vec()))
        .await;
    assert_eq!(junk.code, response::SYSTEM_ERROR);
    for client in clients {
        client.shutdown().await;
    }
    c.stop().await;
}
