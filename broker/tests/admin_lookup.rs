//! RocketMQ 5's batch creates and the lookups mqadmin and the 5.x clients send, end to end:
//! UPDATE_AND_CREATE_TOPIC_LIST, UPDATE_AND_CREATE_SUBSCRIPTIONGROUP_LIST,
//! GET_SUBSCRIPTIONGROUP_CONFIG, QUERY_SUBSCRIPTION_BY_CONSUMER, GET_BROKER_CONSUME_STATS,
//! QUERY_CONSUME_QUEUE, QUERY_CORRECTION_OFFSET, CHECK_CLIENT_CONFIG, GET_ALL_PRODUCER_INFO
//! and GET_SYSTEM_TOPIC_LIST_FROM_BROKER.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cometmq_remoting::body::client::{HeartbeatData, ProducerData, SubscriptionData};
use cometmq_remoting::body::{
    fastjson, ConsumeStatsList, CreateTopicListRequestBody, ProducerTableInfo,
    QueryConsumeQueueResponseBody, QueryCorrectionOffsetBody, QuerySubscriptionResponseBody,
    SubscriptionGroupConfig, SubscriptionGroupList, TopicConfig, TopicList,
};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    GetConsumeStatsInBrokerHeader, GetSubscriptionGroupConfigRequestHeader,
    GetTopicConfigRequestHeader, QueryConsumeQueueRequestHeader,
    QueryCorrectionOffsetRequestHeader, QuerySubscriptionByConsumerRequestHeader,
};
use cometmq_remoting::RemotingCommand;
use common::Cluster;
use serde::Serialize;

fn with_body<B: Serialize>(code: i32, body: &B) -> RemotingCommand {
    RemotingCommand::request(code)
        .with_body(fastjson::to_vec(body, fastjson::JsonStyle::Legacy).unwrap())
}

fn body<T: serde::de::DeserializeOwned>(resp: &RemotingCommand) -> T {
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    fastjson::from_slice(&resp.body.to_bytes()).unwrap()
}

fn topic(name: &str, queues: i32) -> TopicConfig {
    TopicConfig {
        topic_name: name.into(),
        read_queue_nums: queues,
        write_queue_nums: queues,
        perm: 6,
        ..Default::default()
    }
}

#[tokio::test]
async fn batch_creates_and_group_lookups() {
    let c = Cluster::start(|_| {}).await;
    // Topics: all or nothing.
    let bad = CreateTopicListRequestBody {
        topic_config_list: vec![topic("ListA", 2), topic("TBW102", 2)],
    };
    let resp = c
        .call(with_body(request::UPDATE_AND_CREATE_TOPIC_LIST, &bad))
        .await;
    assert_eq!(resp.code, response::SYSTEM_ERROR, "{:?}", resp.remark);
    let get_topic = |t: &str| {
        RemotingCommand::request_with_header(
            request::GET_TOPIC_CONFIG,
            &GetTopicConfigRequestHeader { topic: t.into() },
        )
    };
    assert_eq!(
        c.call(get_topic("ListA")).await.code,
        response::TOPIC_NOT_EXIST
    );
    let good = CreateTopicListRequestBody {
        topic_config_list: vec![topic("ListA", 2), topic("ListB", 3)],
    };
    let resp = c
        .call(with_body(request::UPDATE_AND_CREATE_TOPIC_LIST, &good))
        .await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    let b: TopicConfig = body(&c.call(get_topic("ListB")).await);
    assert_eq!(b.write_queue_nums, 3);

    // Groups, then one of them by name.
    let groups = SubscriptionGroupList {
        group_config_list: vec![
            SubscriptionGroupConfig {
                group_name: "GA".into(),
                retry_max_times: 3,
                ..Default::default()
            },
            SubscriptionGroupConfig {
                group_name: "GB".into(),
                ..Default::default()
            },
        ],
    };
    let resp = c
        .call(with_body(
            request::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP_LIST,
            &groups,
        ))
        .await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    let get_group = |g: &str| {
        RemotingCommand::request_with_header(
            request::GET_SUBSCRIPTIONGROUP_CONFIG,
            &GetSubscriptionGroupConfigRequestHeader { group: g.into() },
        )
    };
    let ga: SubscriptionGroupConfig = body(&c.call(get_group("GA")).await);
    assert_eq!(ga.retry_max_times, 3);
    let resp = c.call(get_group("nobody")).await;
    assert_eq!(resp.code, response::SUBSCRIPTION_GROUP_NOT_EXIST);

    // An online group's subscription.
    assert_eq!(
        c.heartbeat("GA", "ListA", "TagX || TagY").await.code,
        response::SUCCESS
    );
    let q = |g: &str| {
        RemotingCommand::request_with_header(
            request::QUERY_SUBSCRIPTION_BY_CONSUMER,
            &QuerySubscriptionByConsumerRequestHeader {
                group: g.into(),
                topic: "ListA".into(),
            },
        )
    };
    let s: QuerySubscriptionResponseBody = body(&c.call(q("GA")).await);
    let sub = s.subscription_data.expect("GA is online");
    assert_eq!(sub.sub_string, "TagX || TagY");
    assert_eq!((s.group.as_str(), s.topic.as_str()), ("GA", "ListA"));
    let s: QuerySubscriptionResponseBody = body(&c.call(q("GB")).await);
    assert!(s.subscription_data.is_none());

    // Filters: TAG passes, SQL92 is refused (no property filter here, as Java by default).
    let check = |expression_type: &str| {
        let mut sub = SubscriptionData::for_tags("ListA", "*", 1);
        sub.expression_type = expression_type.into();
        let body = serde_json::json!({"clientId": "c", "group": "GA", "subscriptionData": sub});
        RemotingCommand::request(request::CHECK_CLIENT_CONFIG)
            .with_body(serde_json::to_vec(&body).unwrap())
    };
    assert_eq!(c.call(check("TAG")).await.code, response::SUCCESS);
    let resp = c.call(check("SQL92")).await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    assert!(resp.remark.unwrap_or_default().contains("SQL92"));

    // Producers and system topics.
    let hb = HeartbeatData {
        client_id: "10.1.1.2@8".into(),
        producer_data_set: vec![ProducerData {
            group_name: "PG-lookup".into(),
        }],
        ..Default::default()
    };
    assert_eq!(
        c.call(with_body(request::HEART_BEAT, &hb)).await.code,
        response::SUCCESS
    );
    let p: ProducerTableInfo = body(
        &c.call(RemotingCommand::request(request::GET_ALL_PRODUCER_INFO))
            .await,
    );
    let infos = &p.data["PG-lookup"];
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0].client_id, "10.1.1.2@8");
    assert!(
        infos[0].remote_ip.starts_with("/127.0.0.1:"),
        "{}",
        infos[0].remote_ip
    );
    let t: TopicList = body(
        &c.call(RemotingCommand::request(
            request::GET_SYSTEM_TOPIC_LIST_FROM_BROKER,
        ))
        .await,
    );
    assert!(t.topic_list.contains("TBW102") && t.topic_list.contains("SCHEDULE_TOPIC_XXXX"));
    c.stop().await;
}

#[tokio::test]
async fn consume_stats_queue_view_and_correction_offsets() {
    let c = Cluster::start(|_| {}).await;
    for i in 0..3 {
        let resp = c
            .send("StatT", 0, Some("TagA"), None, format!("m{i}").as_bytes())
            .await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    }
    c.wait_max_offset("StatT", 0, 3).await;
    // Groups exist once their consumers have sent a heartbeat.
    for g in ["G1", "G2"] {
        assert_eq!(c.heartbeat(g, "StatT", "*").await.code, response::SUCCESS);
    }
    c.commit_offset("G1", "StatT", 0, 1).await;
    c.commit_offset("G2", "StatT", 0, 2).await;

    // GET_BROKER_CONSUME_STATS: G1 is 2 behind, G2 1 behind.
    let h = GetConsumeStatsInBrokerHeader { is_order: false };
    let list: ConsumeStatsList = body(
        &c.call(RemotingCommand::request_with_header(
            request::GET_BROKER_CONSUME_STATS,
            &h,
        ))
        .await,
    );
    assert_eq!(list.broker_addr, c.broker_addr);
    let g1 = list
        .consume_stats_list
        .iter()
        .find_map(|m| m.get("G1"))
        .expect("G1 listed");
    assert_eq!(g1.len(), 1);
    assert_eq!(g1[0].total_diff(), 2);
    assert!(list.total_diff >= 3, "{}", list.total_diff);
    let h = GetConsumeStatsInBrokerHeader { is_order: true };
    let ordered: ConsumeStatsList = body(
        &c.call(RemotingCommand::request_with_header(
            request::GET_BROKER_CONSUME_STATS,
            &h,
        ))
        .await,
    );
    assert_eq!(ordered.total_diff, 0, "StatT is not ordered");

    // QUERY_CONSUME_QUEUE.
    let cq = |queue_id: i32, index: i64, group: Option<&str>| {
        RemotingCommand::request_with_header(
            request::QUERY_CONSUME_QUEUE,
            &QueryConsumeQueueRequestHeader {
                topic: "StatT".into(),
                queue_id,
                index,
                count: 10,
                consumer_group: group.map(String::from),
            },
        )
    };
    let v: QueryConsumeQueueResponseBody = body(&c.call(cq(0, 1, Some("G1"))).await);
    assert_eq!((v.min_queue_index, v.max_queue_index), (0, 3));
    assert_eq!(v.queue_data.len(), 2);
    assert!(v.queue_data[0].physic_offset < v.queue_data[1].physic_offset);
    assert!(v.queue_data.iter().all(|e| e.physic_size > 0));
    assert!(v.subscription_data.is_some(), "G1 is online");
    let v: QueryConsumeQueueResponseBody = body(&c.call(cq(0, 0, Some("G9"))).await);
    assert_eq!(v.queue_data.len(), 3);
    assert_eq!(v.filter_data.as_deref(), Some("G9@StatT is not online!"));
    let resp = c.call(cq(0, 7, None)).await;
    assert_eq!(resp.code, response::SUCCESS);
    assert_eq!(
        resp.remark.as_deref(),
        Some("Index 7 of 0@StatT is not exist!")
    );
    let resp = c.call(cq(9, 0, None)).await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);

    // QUERY_CORRECTION_OFFSET: the smallest offset of the other groups; MAX where the
    // compare group is behind it.
    let corr = |compare: &str, filter: &str| {
        RemotingCommand::request_with_header(
            request::QUERY_CORRECTION_OFFSET,
            &QueryCorrectionOffsetRequestHeader {
                topic: "StatT".into(),
                compare_group: compare.into(),
                filter_groups: Some(filter.into()),
            },
        )
    };
    let b: QueryCorrectionOffsetBody = body(&c.call(corr("G2", "")).await);
    assert_eq!(b.correction_offsets[&0], 1);
    let b: QueryCorrectionOffsetBody = body(&c.call(corr("G1", "G1")).await);
    assert_eq!(
        b.correction_offsets[&0],
        i64::MAX,
        "G1 (1) is behind G2 (2)"
    );
    c.stop().await;
}
