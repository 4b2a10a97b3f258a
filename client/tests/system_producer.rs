//! Whole-system producer tests against a real CometMQ NameServer and broker on 127.0.0.1:
//! NameServer failover, a new topic created from TBW102, async sends under load, batches,
//! compression, and counting what the broker stored.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;

use std::collections::HashSet;
use std::time::Duration;

use cluster::System;
use cometmq_client::instance::ClientConfig;
use cometmq_client::producer::{Producer, SendStatus};
use cometmq_client::{Message, MessageQueue};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{GetMaxOffsetRequestHeader, GetMaxOffsetResponseHeader};
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;

/// Messages stored in `mq` (its max offset).
async fn stored(client: &RemotingClient, addr: &str, mq: &MessageQueue) -> i64 {
    let req = RemotingCommand::request_with_header(
        request::GET_MAX_OFFSET,
        &GetMaxOffsetRequestHeader {
            topic: mq.topic.clone(),
            queue_id: mq.queue_id,
            committed: None,
        },
    );
    let resp = client
        .invoke(addr, req, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    resp.decode_header::<GetMaxOffsetResponseHeader>()
        .unwrap()
        .offset
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producer_against_real_namesrv_and_broker() {
    let sys = System::start_with(|c| {
        c.store.mapped_file_size_commit_log = 16 * 1024 * 1024;
        c.store.mapped_file_size_consume_queue = 60 * 1000;
    })
    .await;
    // The first NameServer address is dead: every lookup must fail over to the live one.
    let cfg = ClientConfig {
        client_ip: "127.0.0.1".into(),
        instance_name: "system-producer".into(),
        ..ClientConfig::new(format!("127.0.0.1:1;{}", sys.namesrv_addr))
    };
    let producer = Producer::builder("SysProducerGroup")
        .client_config(cfg)
        .send_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    producer.start().unwrap();

    // A topic that does not exist yet: sent through the TBW102 template, auto-created.
    let first = producer
        .send(Message::builder("SysTopic").tags("A").body("first").build())
        .await
        .unwrap();
    assert_eq!(first.status, SendStatus::SendOk);

    // Async sends under load: every future completes.
    let n = 1000;
    let futures: Vec<_> = (0..n)
        .map(|i| producer.send_async(Message::new("SysTopic", format!("async-{i}"))))
        .collect();
    let results = futures::future::join_all(futures).await;
    let mut ids = HashSet::new();
    for r in &results {
        let r = r.as_ref().unwrap();
        assert_eq!(r.status, SendStatus::SendOk);
        ids.insert(r.msg_id.clone());
    }
    assert_eq!(ids.len(), n, "every message has its own UNIQ_KEY");

    // A batch and a compressed body.
    let batch: Vec<_> = (0..10)
        .map(|i| Message::new("SysTopic", format!("batch-{i}")))
        .collect();
    let r = producer.send_batch(batch).await.unwrap();
    assert_eq!(r.offset_msg_id.split(',').count(), 10);
    producer
        .send(Message::new("SysTopic", vec![b'z'; 10_000]))
        .await
        .unwrap();

    // The broker stored exactly what was sent (its consume queues are built asynchronously,
    // so wait for them to catch up).
    let client = RemotingClient::new(TransportConfig::default());
    let queues = producer.publish_queues("SysTopic").await.unwrap();
    let want = 1 + n as i64 + 10 + 1;
    let mut total = 0;
    for _ in 0..100 {
        total = 0;
        for mq in &queues {
            total += stored(&client, &sys.broker_addr, mq).await;
        }
        if total >= want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(total, want);

    producer.shutdown().await;
    client.shutdown().await;
    sys.stop().await;
}
