//! The broker's use of store-side decisions: DELETE_TOPIC_IN_BROKER deletes the topic's
//! ConsumeQueues (a re-created topic starts at offset 0, also after a restart), and a
//! pull far behind the CommitLog's end takes the on-disk transfer limits and suggests
//! the group's slow-consumer broker.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    DeleteTopicRequestHeader, PullMessageResponseHeader, SendMessageResponseHeader,
};
use cometmq_remoting::RemotingCommand;
use common::{messages, Cluster};

async fn send(c: &Cluster, topic: &str, body: &str) -> i64 {
    let resp = c.send(topic, 0, None, None, body.as_bytes()).await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    let h: SendMessageResponseHeader = resp.decode_header().unwrap();
    h.queue_offset
}

async fn bodies(c: &Cluster, topic: &str, until: i64) -> Vec<String> {
    c.pull_until("G", topic, 0, 0, "*", until)
        .await
        .iter()
        .map(|m| String::from_utf8_lossy(&m.body).into_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_topic_comes_back_empty() {
    let mut c = Cluster::start(|_| {}).await;
    for i in 0..3 {
        assert_eq!(send(&c, "Gone", &format!("old{i}")).await, i);
    }
    assert_eq!(c.wait_max_offset("Gone", 0, 3).await, 3);
    let resp = c
        .call(RemotingCommand::request_with_header(
            request::DELETE_TOPIC_IN_BROKER,
            &DeleteTopicRequestHeader {
                topic: "Gone".into(),
            },
        ))
        .await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    assert_eq!(c.max_offset("Gone", 0).await, 0);

    // Re-created (auto-created by the send): offsets from 0, no old message.
    assert_eq!(send(&c, "Gone", "new0").await, 0);
    assert_eq!(c.wait_max_offset("Gone", 0, 1).await, 1);
    assert_eq!(bodies(&c, "Gone", 1).await, ["new0"]);

    c.restart_broker(|_| {}).await;
    assert_eq!(c.max_offset("Gone", 0).await, 1);
    assert_eq!(send(&c, "Gone", "new1").await, 1);
    assert_eq!(c.wait_max_offset("Gone", 0, 2).await, 2);
    assert_eq!(bodies(&c, "Gone", 2).await, ["new0", "new1"]);
    c.stop().await;
}

/// Sends 20 messages and pulls 32 from offset 0: (messages returned, suggested broker).
async fn pull_lagging(c: &Cluster) -> (usize, i64) {
    for i in 0..20 {
        send(c, "Lag", &format!("m{i}")).await;
    }
    assert_eq!(c.wait_max_offset("Lag", 0, 20).await, 20);
    let resp = c.pull("G", "Lag", 0, 0, "*", 0).await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    let h: PullMessageResponseHeader = resp.decode_header().unwrap();
    (messages(&resp).len(), h.suggest_which_broker_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lagging_pull_takes_disk_limits_and_suggests_the_slow_broker() {
    // accessMessageInMemoryMaxRatio 0: every message behind the end is "in disk".
    let c = Cluster::start(|b| {
        b.slave_read_enable = true;
        b.store.access_message_in_memory_max_ratio = 0;
    })
    .await;
    // maxTransferCountOnMessageInDisk (8); whichBrokerWhenConsumeSlowly (1).
    assert_eq!(pull_lagging(&c).await, (8, 1));
    c.stop().await;

    // The default ratio (40 % of this machine's RAM): in memory, up to 32, broker 0.
    let c = Cluster::start(|b| b.slave_read_enable = true).await;
    assert_eq!(pull_lagging(&c).await, (20, 0));
    c.stop().await;

    // Without slaveReadEnable the master is always suggested.
    let c = Cluster::start(|b| b.store.access_message_in_memory_max_ratio = 0).await;
    assert_eq!(pull_lagging(&c).await, (8, 0));
    c.stop().await;
}
