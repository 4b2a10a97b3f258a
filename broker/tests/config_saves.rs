//! Concurrent admin changes and their config files (issue 14 F3): thousands of topic,
//! group and offset changes at once all succeed, each file keeps one writer (no temp file
//! left behind), every change is on disk when its answer arrives, and a restart loses none.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use cometmq_remoting::body::{fastjson, SubscriptionGroupWrapper, TopicConfigSerializeWrapper};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    QueryConsumerOffsetRequestHeader, QueryConsumerOffsetResponseHeader,
};
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::request::{commit_offset, create_group, create_topic};
use common::{Cluster, T};

const TOPICS: usize = 500;
const GROUPS: usize = 300;

async fn query_offset(c: &Cluster, group: &str, topic: &str) -> i64 {
    let resp = c
        .call(RemotingCommand::request_with_header(
            request::QUERY_CONSUMER_OFFSET,
            &QueryConsumerOffsetRequestHeader {
                consumer_group: group.into(),
                topic: topic.into(),
                queue_id: 0,
                set_zero_if_not_found: Some(false),
            },
        ))
        .await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    let h: QueryConsumerOffsetResponseHeader = resp.decode_header().unwrap();
    h.offset
}

fn on_disk<T: serde::de::DeserializeOwned>(c: &Cluster, file: &str) -> T {
    let text = std::fs::read(c.store_dir.path().join("config").join(file)).unwrap();
    fastjson::from_slice(&text).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_config_changes_all_succeed_and_survive_a_restart() {
    // Offsets are also saved every 50 ms, racing the admin requests' saves.
    let mut c = Cluster::start(|b| b.flush_consumer_offset_interval = 50).await;
    let client = Arc::new(RemotingClient::new(TransportConfig {
        connections_per_addr: 8,
        ..TransportConfig::default()
    }));
    let addr = c.broker_addr.clone();
    let mut tasks = Vec::new();
    for i in 0..TOPICS {
        let (client, addr) = (client.clone(), addr.clone());
        // Create with 4 queues, then update to 8: two saves of topics.json per topic.
        tasks.push(tokio::spawn(async move {
            let topic = format!("Topic{i}");
            let mut codes = Vec::new();
            for queues in [4, 8] {
                let resp = client.invoke(&addr, create_topic(&topic, queues), T).await;
                codes.push(resp.map(|r| (r.code, r.remark)));
            }
            codes
        }));
    }
    for i in 0..GROUPS {
        let (client, addr) = (client.clone(), addr.clone());
        tasks.push(tokio::spawn(async move {
            let group = format!("Group{i}");
            let mut codes = Vec::new();
            for req in [
                create_group(&group),
                commit_offset(&group, "Topic0", 0, 100 + i as i64),
            ] {
                let resp = client.invoke(&addr, req, T).await;
                codes.push(resp.map(|r| (r.code, r.remark)));
            }
            codes
        }));
    }
    for t in tasks {
        for answer in t.await.unwrap() {
            let (code, remark) = answer.unwrap();
            assert_eq!(code, response::SUCCESS, "{remark:?}");
        }
    }

    // Each answer came after its save: the files already hold every change.
    let topics: TopicConfigSerializeWrapper = on_disk(&c, "topics.json");
    for i in 0..TOPICS {
        let t = &topics.topic_config_table[&format!("Topic{i}")];
        assert_eq!((t.read_queue_nums, t.write_queue_nums), (8, 8));
    }
    let groups: SubscriptionGroupWrapper = on_disk(&c, "subscriptionGroup.json");
    for i in 0..GROUPS {
        assert!(groups
            .subscription_group_table
            .contains_key(&format!("Group{i}")));
    }
    // One writer per file: no temp file is left behind. The periodic offset save may be
    // writing its own temp file right now; a leftover is one that never goes away.
    let leftovers = || -> Vec<String> {
        std::fs::read_dir(c.store_dir.path().join("config"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    };
    let mut left = leftovers();
    for _ in 0..200 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        left = leftovers();
    }
    assert!(left.is_empty(), "{left:?}");

    client.shutdown().await;
    c.restart_broker(|_| {}).await;
    let all: TopicConfigSerializeWrapper = fastjson::from_slice(
        &c.call(RemotingCommand::request(request::GET_ALL_TOPIC_CONFIG))
            .await
            .body
            .to_bytes(),
    )
    .unwrap();
    for i in 0..TOPICS {
        assert_eq!(
            all.topic_config_table[&format!("Topic{i}")].write_queue_nums,
            8
        );
    }
    for i in 0..GROUPS {
        assert_eq!(
            query_offset(&c, &format!("Group{i}"), "Topic0").await,
            100 + i as i64
        );
    }
    let groups: SubscriptionGroupWrapper = on_disk(&c, "subscriptionGroup.json");
    assert!(groups.subscription_group_table.contains_key("Group0"));
    c.stop().await;
}
