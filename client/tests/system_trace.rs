//! Message traces end to end: a producer and a push consumer with `enable_msg_trace` write
//! Pub, SubBefore and SubAfter records (Java's format) to the trace topic the broker
//! created (`traceTopicEnable`), and `Admin::query_msg_trace_by_id` reads them back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;

use std::time::Duration;

use cluster::{wait_until, System};
use cometmq_client::admin::Admin;
use cometmq_client::consumer::{ConsumeFromWhere, ConsumeResult, OrderlyResult, PushConsumer};
use cometmq_client::producer::Producer;
use cometmq_client::trace::{TraceType, TRACE_TOPIC};
use cometmq_client::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producer_and_consumer_traces_are_queryable() {
    let sys = System::start_with(|c| c.trace_topic_enable = true).await;
    let producer = Producer::builder("TracePG")
        .client_config(sys.client_config("trace-p"))
        .send_timeout(Duration::from_secs(10))
        .enable_msg_trace(true)
        .build()
        .unwrap();
    producer.start().unwrap();
    let sent = producer
        .send(
            Message::builder("TraceTopic")
                .tags("TagT")
                .key("order-7")
                .body("traced")
                .build(),
        )
        .await
        .unwrap();

    let consumer = PushConsumer::builder("TraceCG")
        .client_config(sys.client_config("trace-c"))
        .subscribe("TraceTopic", "*")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .enable_msg_trace(true)
        .listener(|_| ConsumeResult::Success)
        .build()
        .unwrap();
    consumer.start().await.unwrap();

    let admin = Admin::new(&sys.namesrv_addr).unwrap();
    let id = sent.msg_id.as_str();
    let all_three = |events: &[cometmq_client::admin::TraceEvent]| {
        [TraceType::Pub, TraceType::SubBefore, TraceType::SubAfter]
            .iter()
            .all(|t| events.iter().any(|e| e.context.trace_type == *t))
    };
    let complete = wait_until(|| {
        let admin = &admin;
        async move {
            let events = admin
                .query_msg_trace_by_id(TRACE_TOPIC, id)
                .await
                .unwrap_or_default();
            all_three(&events)
        }
    })
    .await;
    let events = admin.query_msg_trace_by_id(TRACE_TOPIC, id).await.unwrap();
    assert!(
        complete && all_three(&events),
        "trace records of {id}: {events:#?}"
    );

    let of = |t| events.iter().find(|e| e.context.trace_type == t).unwrap();
    let publ = of(TraceType::Pub);
    assert_eq!(publ.context.group_name, "TracePG");
    assert!(publ.context.success);
    let bean = &publ.context.beans[0];
    assert_eq!(bean.topic, "TraceTopic");
    assert_eq!(bean.tags, "TagT");
    assert_eq!(bean.keys, "order-7");
    assert_eq!(bean.offset_msg_id, sent.offset_msg_id);
    assert_eq!(bean.body_length, 6);
    let before = of(TraceType::SubBefore);
    let after = of(TraceType::SubAfter);
    assert_eq!(before.context.group_name, "TraceCG");
    assert_eq!(after.context.group_name, "TraceCG");
    assert_eq!(before.context.request_id, after.context.request_id);
    assert!(after.context.success);

    // The records are stored under the message's keys too (Java's transKey).
    let by_key = admin
        .query_msg_by_key(TRACE_TOPIC, "order-7", 64, 0, i64::MAX)
        .await
        .unwrap();
    assert!(!by_key.is_empty());

    // An orderly listener traces its calls too.
    let orderly = PushConsumer::builder("TraceOrderlyCG")
        .client_config(sys.client_config("trace-o"))
        .subscribe("TraceTopic", "*")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .enable_msg_trace(true)
        .listener_orderly(|_| OrderlyResult::Success)
        .build()
        .unwrap();
    orderly.start().await.unwrap();
    let orderly_traced = wait_until(|| {
        let admin = &admin;
        async move {
            admin
                .query_msg_trace_by_id(TRACE_TOPIC, id)
                .await
                .unwrap_or_default()
                .iter()
                .any(|e| {
                    e.context.trace_type == TraceType::SubAfter
                        && e.context.group_name == "TraceOrderlyCG"
                })
        }
    })
    .await;
    assert!(orderly_traced, "no SubAfter record of the orderly group");

    orderly.shutdown().await;
    consumer.shutdown().await;
    producer.shutdown().await;
    admin.shutdown().await;
    sys.stop().await;
}
