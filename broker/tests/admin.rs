//! Admin requests end to end, as mqadmin sends them: topics and groups, broker config and
//! runtime info, topic and consume statistics, client connections, reset offset by time,
//! calls relayed to a consumer, and bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::body::client::{
    GroupList, HeartbeatData, MessageQueue, ProducerData, ResetOffsetBody,
};
use cometmq_remoting::body::{
    fastjson, ConsumeStats, ConsumerConnection, ConsumerOffsetWrapper, DataVersion, KvTable,
    ProducerConnection, QueryConsumeTimeSpanBody, SubscriptionGroupConfig,
    SubscriptionGroupWrapper, TopicConfig, TopicConfigSerializeWrapper, TopicList, TopicStatsTable,
};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    CloneGroupOffsetRequestHeader, ConsumeMessageDirectlyResultRequestHeader,
    DeleteSubscriptionGroupRequestHeader, DeleteTopicFromNamesrvRequestHeader,
    DeleteTopicRequestHeader, GetBrokerConfigResponseHeader, GetConsumeStatsRequestHeader,
    GetConsumerConnectionListRequestHeader, GetConsumerRunningInfoRequestHeader,
    GetProducerConnectionListRequestHeader, GetTopicConfigRequestHeader,
    GetTopicStatsInfoRequestHeader, QueryConsumeTimeSpanRequestHeader,
    QueryConsumerOffsetRequestHeader, QueryConsumerOffsetResponseHeader,
    QueryTopicConsumeByWhoRequestHeader, QueryTopicsByConsumerRequestHeader,
    ResetOffsetRequestHeader, SendMessageResponseHeader,
};
use cometmq_remoting::message::decode_records;
use cometmq_remoting::transport::{fn_processor, RemotingClient, Router, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::request::create_topic;
use common::{Cluster, T};
use tokio::sync::mpsc;

fn body<T: serde::de::DeserializeOwned>(resp: &RemotingCommand) -> T {
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    fastjson::from_slice(&resp.body.to_bytes()).unwrap()
}

fn remark(resp: &RemotingCommand) -> String {
    resp.remark.clone().unwrap_or_default()
}

async fn committed(c: &Cluster, group: &str, topic: &str, queue_id: i32) -> i64 {
    let h = QueryConsumerOffsetRequestHeader {
        consumer_group: group.into(),
        topic: topic.into(),
        queue_id,
        set_zero_if_not_found: Some(false),
    };
    let resp = c
        .call(RemotingCommand::request_with_header(
            request::QUERY_CONSUMER_OFFSET,
            &h,
        ))
        .await;
    let h: QueryConsumerOffsetResponseHeader = resp.decode_header().unwrap();
    h.offset
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_and_delete_topic() {
    let c = Cluster::start(|_| {}).await;
    let resp = c.call(create_topic("AdminTopic", 6)).await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);

    let all: TopicConfigSerializeWrapper = body(
        &c.call(RemotingCommand::request(request::GET_ALL_TOPIC_CONFIG))
            .await,
    );
    let t = &all.topic_config_table["AdminTopic"];
    assert_eq!((t.read_queue_nums, t.write_queue_nums, t.perm), (6, 6, 6));
    let one: TopicConfig = body(
        &c.call(RemotingCommand::request_with_header(
            request::GET_TOPIC_CONFIG,
            &GetTopicConfigRequestHeader {
                topic: "AdminTopic".into(),
            },
        ))
        .await,
    );
    assert_eq!(&one, t);

    // The broker re-registered: the NameServer routes the topic here.
    let r = c.wait_for_route("AdminTopic").await;
    assert_eq!(r.queue_datas[0].write_queue_nums, 6);
    assert_eq!(r.broker_datas[0].broker_addrs[&0], c.broker_addr);

    // Offsets on the topic go with it.
    c.commit_offset("G", "AdminTopic", 0, 0).await;
    let resp = c
        .call(RemotingCommand::request_with_header(
            request::DELETE_TOPIC_IN_BROKER,
            &DeleteTopicRequestHeader {
                topic: "AdminTopic".into(),
            },
        ))
        .await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    let all: TopicConfigSerializeWrapper = body(
        &c.call(RemotingCommand::request(request::GET_ALL_TOPIC_CONFIG))
            .await,
    );
    assert!(!all.topic_config_table.contains_key("AdminTopic"));
    assert!(all.data_version.counter > 0);
    let offsets: ConsumerOffsetWrapper = body(
        &c.call(RemotingCommand::request(request::GET_ALL_CONSUMER_OFFSET))
            .await,
    );
    assert!(!offsets.offset_table.contains_key("AdminTopic@G"));
    // mqadmin then deletes it from the NameServer.
    let req = RemotingCommand::request_with_header(
        request::DELETE_TOPIC_IN_NAMESRV,
        &DeleteTopicFromNamesrvRequestHeader {
            topic: "AdminTopic".into(),
            cluster_name: None,
        },
    );
    let resp = c.client.invoke(&c.namesrv_addr, req, T).await.unwrap();
    assert_eq!(resp.code, response::SUCCESS);
    assert_eq!(c.route("AdminTopic").await.code, response::TOPIC_NOT_EXIST);
    let resp = c
        .call(RemotingCommand::request_with_header(
            request::GET_TOPIC_CONFIG,
            &GetTopicConfigRequestHeader {
                topic: "AdminTopic".into(),
            },
        ))
        .await;
    assert_eq!(resp.code, response::TOPIC_NOT_EXIST);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_topic_requests_are_refused_with_a_reason() {
    let c = Cluster::start(|_| {}).await;
    for (topic, code, words) in [
        ("TBW102", response::SYSTEM_ERROR, "system topic"),
        (
            "SCHEDULE_TOPIC_XXXX",
            response::SYSTEM_ERROR,
            "system topic",
        ),
        ("DefaultCluster", response::SYSTEM_ERROR, "reserved"),
        ("bad topic", response::SYSTEM_ERROR, "illegal"),
    ] {
        let resp = c.call(create_topic(topic, 4)).await;
        assert_eq!(resp.code, code, "{topic}");
        assert!(remark(&resp).contains(words), "{topic}: {:?}", resp.remark);
    }
    let resp = c.call(create_topic("Zero", 0)).await;
    assert_eq!(resp.code, response::INVALID_PARAMETER);
    assert!(remark(&resp).contains("readQueueNums"));
    let mut req = create_topic("NoPerm", 4);
    req.ext_fields.remove("perm");
    let resp = c.call(req).await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    assert!(remark(&resp).contains("perm"));
    let mut req = create_topic("BadAttr", 4);
    req.ext_fields
        .insert("attributes".into(), "message.type".into());
    let resp = c.call(req).await;
    assert_eq!(resp.code, response::INVALID_PARAMETER);
    assert!(remark(&resp).contains("attributes"));
    let resp = c
        .call(RemotingCommand::request_with_header(
            request::DELETE_TOPIC_IN_BROKER,
            &DeleteTopicRequestHeader {
                topic: "TBW102".into(),
            },
        ))
        .await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    let resp = c
        .call(RemotingCommand::request(request::GET_TOPIC_STATS_INFO))
        .await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    assert!(remark(&resp).contains("topic"));
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscription_groups_create_list_delete() {
    let c = Cluster::start(|_| {}).await;
    let mut g = SubscriptionGroupConfig::new("AdminGroup");
    g.retry_max_times = 3;
    let req = RemotingCommand::request(request::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP)
        .with_body(fastjson::to_vec(&g, fastjson::JsonStyle::Legacy).unwrap());
    assert_eq!(c.call(req).await.code, response::SUCCESS);
    let all: SubscriptionGroupWrapper = body(
        &c.call(RemotingCommand::request(
            request::GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
        ))
        .await,
    );
    assert_eq!(
        all.subscription_group_table["AdminGroup"].retry_max_times,
        3
    );

    c.commit_offset("AdminGroup", "Orders", 0, 0).await;
    let delete = |clean: bool| {
        RemotingCommand::request_with_header(
            request::DELETE_SUBSCRIPTIONGROUP,
            &DeleteSubscriptionGroupRequestHeader {
                group_name: "AdminGroup".into(),
                clean_offset: Some(clean),
            },
        )
    };
    assert_eq!(c.call(delete(false)).await.code, response::SUCCESS);
    let all: SubscriptionGroupWrapper = body(
        &c.call(RemotingCommand::request(
            request::GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
        ))
        .await,
    );
    assert!(!all.subscription_group_table.contains_key("AdminGroup"));
    let offsets: ConsumerOffsetWrapper = body(
        &c.call(RemotingCommand::request(request::GET_ALL_CONSUMER_OFFSET))
            .await,
    );
    assert!(offsets.offset_table.contains_key("Orders@AdminGroup"));
    assert_eq!(c.call(delete(true)).await.code, response::SUCCESS);
    let offsets: ConsumerOffsetWrapper = body(
        &c.call(RemotingCommand::request(request::GET_ALL_CONSUMER_OFFSET))
            .await,
    );
    assert!(!offsets.offset_table.contains_key("Orders@AdminGroup"));

    // Bad bodies.
    for (bytes, words) in [
        (&b""[..], "missing body"),
        (&b"{not json"[..], "bad SubscriptionGroupConfig"),
        (&br#"{"groupName":"  "}"#[..], "blank"),
    ] {
        let req = RemotingCommand::request(request::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP)
            .with_body(bytes.to_vec());
        let resp = c.call(req).await;
        assert_eq!(resp.code, response::SYSTEM_ERROR);
        assert!(remark(&resp).contains(words), "{:?}", resp.remark);
    }
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_config_round_trip_and_a_bad_value_named() {
    let c = Cluster::start(|_| {}).await;
    let get = || RemotingCommand::request(request::GET_BROKER_CONFIG);
    let resp = c.call(get()).await;
    assert_eq!(resp.code, response::SUCCESS);
    let text = String::from_utf8(resp.body.to_bytes().to_vec()).unwrap();
    assert!(text.contains("brokerName=broker-a\n"), "{text}");
    assert!(text.contains("defaultTopicQueueNums=8\n"));
    let h: GetBrokerConfigResponseHeader = resp.decode_header().unwrap();
    let v0: DataVersion = fastjson::from_slice(h.version.as_bytes()).unwrap();

    let update = |text: &str| {
        RemotingCommand::request(request::UPDATE_BROKER_CONFIG).with_body(text.as_bytes().to_vec())
    };
    let resp = c.call(update("defaultQueryMaxNum=6\nnoSuchKey=1\n")).await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    assert!(remark(&resp).contains("noSuchKey"));
    let resp = c.call(get()).await;
    let text = String::from_utf8(resp.body.to_bytes().to_vec()).unwrap();
    assert!(text.contains("defaultQueryMaxNum=6\n"), "{text}");
    let h: GetBrokerConfigResponseHeader = resp.decode_header().unwrap();
    let v1: DataVersion = fastjson::from_slice(h.version.as_bytes()).unwrap();
    assert!(v1.counter > v0.counter);

    // A key read only at start is refused by name (it would not take effect).
    let resp = c.call(update("defaultTopicQueueNums=6\n")).await;
    assert_eq!(resp.code, response::NO_PERMISSION);
    assert!(
        remark(&resp).contains("defaultTopicQueueNums"),
        "{:?}",
        resp.remark
    );

    // A bad value is named and changes nothing, not even the keys before it.
    let resp = c
        .call(update("defaultQueryMaxNum=5\nflushDiskType=SOMETIMES\n"))
        .await;
    assert_eq!(resp.code, response::INVALID_PARAMETER);
    assert!(remark(&resp).contains("flushDiskType"), "{:?}", resp.remark);
    let resp = c.call(update("messageDelayLevel=1s 5x\n")).await;
    assert_eq!(resp.code, response::INVALID_PARAMETER);
    assert!(remark(&resp).contains("messageDelayLevel"));
    let resp = c.call(update("brokerConfigPath=/etc/x\n")).await;
    assert_eq!(resp.code, response::NO_PERMISSION);
    let resp = c
        .call(RemotingCommand::request(request::UPDATE_BROKER_CONFIG).with_body(vec![0xff, 0xfe]))
        .await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    let text = String::from_utf8(c.call(get()).await.body.to_bytes().to_vec()).unwrap();
    assert!(text.contains("defaultQueryMaxNum=6\n"));
    assert!(text.contains("defaultTopicQueueNums=8\n"));
    assert!(text.contains("flushDiskType=ASYNC_FLUSH\n"));

    // Retention and disk keys reach the running store, as Java's live config does.
    let store = || c.broker.as_ref().unwrap().state.store.retention_settings();
    assert!(store().clean_file_forcibly_enable);
    let resp = c
        .call(update(
            "cleanFileForciblyEnable=false\nfileReservedTime=1\n\
             rocketmq.broker.diskSpaceWarningLevelRatio=0.97\n",
        ))
        .await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    let now = store();
    assert!(!now.clean_file_forcibly_enable);
    assert_eq!(now.file_reserved_time, std::time::Duration::from_secs(3600));
    assert_eq!(now.disk_space_warning_level_ratio, 0.97);
    let resp = c
        .call(update("rocketmq.broker.diskSpaceCleanForciblyRatio=most\n"))
        .await;
    assert_eq!(resp.code, response::INVALID_PARAMETER);
    assert!(remark(&resp).contains("rocketmq.broker.diskSpaceCleanForciblyRatio"));
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_stats_consume_stats_and_runtime_info_match_what_was_sent() {
    let c = Cluster::start(|_| {}).await;
    for (queue_id, n) in [(0, 3), (1, 2)] {
        for _ in 0..n {
            let resp = c.send("Stats", queue_id, None, None, b"x").await;
            assert_eq!(resp.code, response::SUCCESS);
        }
    }
    let stats_req = |topic: &str| {
        RemotingCommand::request_with_header(
            request::GET_TOPIC_STATS_INFO,
            &GetTopicStatsInfoRequestHeader {
                topic: topic.into(),
            },
        )
    };
    // The dispatcher makes messages visible in the background: wait for all five.
    let mut stats = TopicStatsTable::default();
    for _ in 0..200 {
        stats = body(&c.call(stats_req("Stats")).await);
        if stats
            .offset_table
            .values()
            .map(|o| o.max_offset)
            .sum::<i64>()
            == 5
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        stats.offset_table.len(),
        4,
        "the auto-created topic has 4 queues"
    );
    let q0 = stats.offset_table[&MessageQueue::new("Stats", "broker-a", 0)];
    assert_eq!((q0.min_offset, q0.max_offset), (0, 3));
    assert!(q0.last_update_timestamp > 0);
    let q2 = stats.offset_table[&MessageQueue::new("Stats", "broker-a", 2)];
    assert_eq!((q2.max_offset, q2.last_update_timestamp), (0, 0));
    let resp = c.call(stats_req("NoSuchTopic")).await;
    assert_eq!(resp.code, response::TOPIC_NOT_EXIST);
    assert!(remark(&resp).contains("NoSuchTopic"));

    c.commit_offset("StatsGroup", "Stats", 0, 2).await;
    let consume = |topic: Option<&str>| {
        RemotingCommand::request_with_header(
            request::GET_CONSUME_STATS,
            &GetConsumeStatsRequestHeader {
                consumer_group: "StatsGroup".into(),
                topic: topic.map(String::from),
                topic_list: None,
            },
        )
    };
    for topic in [Some("Stats"), Some(""), None] {
        let s: ConsumeStats = body(&c.call(consume(topic)).await);
        let o0 = s.offset_table[&MessageQueue::new("Stats", "broker-a", 0)];
        assert_eq!((o0.broker_offset, o0.consumer_offset), (3, 2));
        assert!(o0.last_timestamp > 0 && o0.last_timestamp <= q0.last_update_timestamp);
        let o1 = s.offset_table[&MessageQueue::new("Stats", "broker-a", 1)];
        assert_eq!(
            (o1.broker_offset, o1.consumer_offset, o1.last_timestamp),
            (2, 0, 0)
        );
        assert_eq!(s.total_diff(), 3);
    }
    let who: GroupList = body(
        &c.call(RemotingCommand::request_with_header(
            request::QUERY_TOPIC_CONSUME_BY_WHO,
            &QueryTopicConsumeByWhoRequestHeader {
                topic: "Stats".into(),
            },
        ))
        .await,
    );
    assert!(who.group_list.contains("StatsGroup"));
    let topics: TopicList = body(
        &c.call(RemotingCommand::request_with_header(
            request::QUERY_TOPICS_BY_CONSUMER,
            &QueryTopicsByConsumerRequestHeader {
                group: "StatsGroup".into(),
            },
        ))
        .await,
    );
    assert!(topics.topic_list.contains("Stats"));
    assert_eq!(topics.broker_addr.as_deref(), Some(c.broker_addr.as_str()));

    // Time spans: queue 0 consumed up to its second message.
    let spans: QueryConsumeTimeSpanBody = body(
        &c.call(RemotingCommand::request_with_header(
            request::QUERY_CONSUME_TIME_SPAN,
            &QueryConsumeTimeSpanRequestHeader {
                topic: "Stats".into(),
                group: "StatsGroup".into(),
            },
        ))
        .await,
    );
    assert_eq!(spans.consume_time_span_set.len(), 4);
    let s0 = &spans.consume_time_span_set[0];
    assert_eq!(s0.message_queue, MessageQueue::new("Stats", "broker-a", 0));
    assert_eq!(s0.max_time_stamp, q0.last_update_timestamp);
    assert!(s0.min_time_stamp > 0 && s0.min_time_stamp <= s0.consume_time_stamp);
    assert!(s0.delay_time >= 0);

    // Cloning offsets to a new group.
    let resp = c
        .call(RemotingCommand::request_with_header(
            request::CLONE_GROUP_OFFSET,
            &CloneGroupOffsetRequestHeader {
                src_group: "StatsGroup".into(),
                dest_group: "CloneGroup".into(),
                topic: Some("Stats".into()),
                offline: Some(false),
            },
        ))
        .await;
    assert_eq!(resp.code, response::SUCCESS);
    assert_eq!(committed(&c, "CloneGroup", "Stats", 0).await, 2);

    let kv: KvTable = body(
        &c.call(RemotingCommand::request(request::GET_BROKER_RUNTIME_INFO))
            .await,
    );
    let t = &kv.table;
    assert_eq!(t["brokerVersionDesc"], "V5_3_3");
    assert_eq!(t["msgPutTotalTodayNow"], "5");
    assert_eq!(t["putTps"].split(' ').count(), 3);
    let first: f64 = t["getTransferredTps"]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(first >= 0.0);
    assert!(t["commitLogMaxOffset"].parse::<i64>().unwrap() > 0);
    assert!(t["earliestMessageTimeStamp"].parse::<i64>().unwrap() > 0);
    assert!(t["bootTimestamp"].parse::<i64>().unwrap() > 0);
    assert!(t["runtime"].starts_with("[ 0 days"));
    assert_eq!(t["brokerActive"], "true");
    let ratio: f64 = t["commitLogDiskRatio"].parse().unwrap();
    assert!((0.0..=1.0).contains(&ratio));
    for key in [
        "timerReadBehind",
        "dispatchBehindBytes",
        "sendThreadPoolQueueSize",
    ] {
        t[key].parse::<i64>().unwrap();
    }
    c.stop().await;
}

/// A consumer connection that records the requests the broker pushes to it.
fn recording_client() -> (RemotingClient, mpsc::UnboundedReceiver<RemotingCommand>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let router = Router::new()
        .route(
            request::RESET_CONSUMER_CLIENT_OFFSET,
            fn_processor(move |_conn, req| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(req);
                    None
                }
            }),
        )
        .route(
            request::CONSUME_MESSAGE_DIRECTLY,
            fn_processor(|_conn, req: RemotingCommand| async move {
                // Echo the record the broker attached, and the broker name it added.
                let broker = req.ext("brokerName").unwrap_or_default().to_string();
                Some(
                    RemotingCommand::success()
                        .with_remark(broker)
                        .with_body(req.body.to_bytes()),
                )
            }),
        )
        .route(
            request::GET_CONSUMER_RUNNING_INFO,
            fn_processor(|_conn, req: RemotingCommand| async move {
                let client = req.ext("clientId").unwrap_or_default().to_string();
                Some(
                    RemotingCommand::success()
                        .with_body(format!("{{\"running\":\"{client}\"}}").into_bytes()),
                )
            }),
        );
    (
        RemotingClient::with_handler(TransportConfig::default(), Arc::new(router)),
        rx,
    )
}

fn consumer_heartbeat(client_id: &str, group: &str, topic: &str) -> RemotingCommand {
    let hb = HeartbeatData {
        client_id: client_id.into(),
        consumer_data_set: vec![cometmq_remoting::body::client::ConsumerData {
            group_name: group.into(),
            subscription_data_set: vec![
                cometmq_remoting::body::client::SubscriptionData::for_tags(topic, "*", 1),
            ],
            ..Default::default()
        }],
        ..Default::default()
    };
    cometmq_testkit::request::heartbeat(&hb)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_reset_offset_and_relayed_calls() {
    let c = Cluster::start(|_| {}).await;
    let (consumer, mut pushed) = recording_client();
    let resp = consumer
        .invoke(
            &c.broker_addr,
            consumer_heartbeat("10.1.1.1@7", "RG", "Reset"),
            T,
        )
        .await
        .unwrap();
    assert_eq!(resp.code, response::SUCCESS);

    // Consumer connections.
    let list = |group: &str| {
        RemotingCommand::request_with_header(
            request::GET_CONSUMER_CONNECTION_LIST,
            &GetConsumerConnectionListRequestHeader {
                consumer_group: group.into(),
            },
        )
    };
    let cc: ConsumerConnection = body(&c.call(list("RG")).await);
    assert_eq!(cc.connection_set.len(), 1);
    assert_eq!(cc.connection_set[0].client_id, "10.1.1.1@7");
    assert!(cc.connection_set[0].client_addr.starts_with("127.0.0.1:"));
    assert_eq!(cc.subscription_table["Reset"].sub_string, "*");
    let resp = c.call(list("Nobody")).await;
    assert_eq!(resp.code, response::CONSUMER_NOT_ONLINE);
    assert!(remark(&resp).contains("Nobody"));

    // Producer connections.
    let hb = HeartbeatData {
        client_id: "10.1.1.2@8".into(),
        producer_data_set: vec![ProducerData {
            group_name: "PG1".into(),
        }],
        ..Default::default()
    };
    let req = cometmq_testkit::request::heartbeat(&hb);
    assert_eq!(c.call(req).await.code, response::SUCCESS);
    let plist = |group: &str| {
        RemotingCommand::request_with_header(
            request::GET_PRODUCER_CONNECTION_LIST,
            &GetProducerConnectionListRequestHeader {
                producer_group: group.into(),
            },
        )
    };
    let pc: ProducerConnection = body(&c.call(plist("PG1")).await);
    assert_eq!(pc.connection_set[0].client_id, "10.1.1.2@8");
    let resp = c.call(plist("NoPG")).await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    assert!(remark(&resp).contains("not exist"));

    // Reset by time: four messages in queue 0, all consumed.
    let mut msg_id = String::new();
    for i in 0..4 {
        let sent = c
            .send("Reset", 0, None, None, format!("m{i}").as_bytes())
            .await;
        assert_eq!(sent.code, response::SUCCESS);
        if i == 1 {
            msg_id = sent
                .decode_header::<SendMessageResponseHeader>()
                .unwrap()
                .msg_id;
        }
    }
    c.wait_max_offset("Reset", 0, 4).await;
    c.commit_offset("RG", "Reset", 0, 4).await;
    let reset = |timestamp: i64, force: bool| {
        RemotingCommand::request_with_header(
            request::INVOKE_BROKER_TO_RESET_OFFSET,
            &ResetOffsetRequestHeader {
                topic: "Reset".into(),
                group: "RG".into(),
                timestamp,
                is_force: force,
                queue_id: None,
                offset: None,
            },
        )
    };
    let q0 = MessageQueue::new("Reset", "broker-a", 0);
    let answer: ResetOffsetBody = body(&c.call(reset(0, true)).await);
    assert_eq!(answer.offset_table[&q0], 0);
    assert_eq!(committed(&c, "RG", "Reset", 0).await, 0);
    let push = tokio::time::timeout(T, pushed.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(push.ext("group"), Some("RG"));
    assert_eq!(push.ext("topic"), Some("Reset"));
    let pushed_body: ResetOffsetBody = fastjson::from_slice(&push.body.to_bytes()).unwrap();
    assert_eq!(pushed_body, answer);
    // Without force, a later offset does not replace an earlier one; with force it does.
    let answer: ResetOffsetBody = body(&c.call(reset(-1, false)).await);
    assert_eq!(answer.offset_table[&q0], 0);
    let answer: ResetOffsetBody = body(&c.call(reset(-1, true)).await);
    assert_eq!(answer.offset_table[&q0], 4);
    assert_eq!(committed(&c, "RG", "Reset", 0).await, 4);
    let mut req = reset(0, true);
    req.ext_fields.insert("topic".into(), "NoSuchTopic".into());
    assert_eq!(c.call(req).await.code, response::TOPIC_NOT_EXIST);

    // GET_CONSUMER_RUNNING_INFO is relayed to the named consumer.
    let running = |client: &str| {
        RemotingCommand::request_with_header(
            request::GET_CONSUMER_RUNNING_INFO,
            &GetConsumerRunningInfoRequestHeader {
                consumer_group: "RG".into(),
                client_id: client.into(),
                jstack_enable: Some(false),
            },
        )
    };
    let resp = c.call(running("10.1.1.1@7")).await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    assert_eq!(
        resp.body.to_bytes().as_ref(),
        br#"{"running":"10.1.1.1@7"}"#
    );
    let resp = c.call(running("10.9.9.9@1")).await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    assert_eq!(remark(&resp), "The Consumer <10.9.9.9@1> not online");

    // CONSUME_MESSAGE_DIRECTLY: the broker attaches the stored message.
    let direct = |msg_id: &str| {
        RemotingCommand::request_with_header(
            request::CONSUME_MESSAGE_DIRECTLY,
            &ConsumeMessageDirectlyResultRequestHeader {
                consumer_group: "RG".into(),
                client_id: Some("10.1.1.1@7".into()),
                msg_id: Some(msg_id.into()),
                ..Default::default()
            },
        )
    };
    let resp = c.call(direct(&msg_id)).await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    assert_eq!(remark(&resp), "broker-a");
    let records: Vec<_> = decode_records(resp.body.to_bytes())
        .map(|m| m.unwrap())
        .collect();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].body.as_ref(), b"m1");
    let resp = c.call(direct("not-an-id")).await;
    assert_eq!(resp.code, response::INVALID_PARAMETER);
    assert!(remark(&resp).contains("msgId"));
    consumer.shutdown().await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_fields_and_garbage_get_codes_and_remarks_and_the_broker_keeps_serving() {
    let c = Cluster::start(|_| {}).await;
    for (code, field) in [
        (request::GET_CONSUME_STATS, "consumerGroup"),
        (request::GET_CONSUMER_CONNECTION_LIST, "consumerGroup"),
        (request::GET_PRODUCER_CONNECTION_LIST, "producerGroup"),
        (request::DELETE_SUBSCRIPTIONGROUP, "groupName"),
        (request::DELETE_TOPIC_IN_BROKER, "topic"),
        (request::QUERY_TOPIC_CONSUME_BY_WHO, "topic"),
        (request::INVOKE_BROKER_TO_RESET_OFFSET, "topic"),
        (request::GET_CONSUMER_RUNNING_INFO, "consumerGroup"),
        (request::CLONE_GROUP_OFFSET, "srcGroup"),
        (request::QUERY_CONSUME_TIME_SPAN, "topic"),
    ] {
        let resp = c.call(RemotingCommand::request(code)).await;
        assert_eq!(resp.code, response::SYSTEM_ERROR, "code {code}");
        assert!(
            remark(&resp).contains(field),
            "code {code}: {:?}",
            resp.remark
        );
    }
    let mut req = RemotingCommand::request(request::INVOKE_BROKER_TO_RESET_OFFSET);
    for (k, v) in [
        ("topic", "T"),
        ("group", "G"),
        ("timestamp", "yesterday"),
        ("isForce", "true"),
    ] {
        req.ext_fields.insert(k.into(), v.into());
    }
    let resp = c.call(req).await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    assert!(remark(&resp).contains("timestamp"));
    // Empty broker-wide requests still answer.
    for code in [
        request::CLEAN_EXPIRED_CONSUMEQUEUE,
        request::CLEAN_UNUSED_TOPIC,
        request::TRIGGER_DELETE_FILES,
    ] {
        assert_eq!(
            c.call(RemotingCommand::request(code)).await.code,
            response::SUCCESS
        );
    }
    // Still serving.
    assert_eq!(
        c.send("Alive", 0, None, None, b"ok").await.code,
        response::SUCCESS
    );
    c.stop().await;
}
