//! Whole-system test of request/reply: our producer's `request` against our consumer
//! answering with `create_reply_message`, through a real broker that pushes the reply
//! (PUSH_REPLY_MESSAGE_TO_CLIENT) to the requester; a reply to an unknown client is
//! refused with Java's error, and a request nobody answers ends with a clear timeout.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;

use std::time::Duration;

use cluster::System;
use cometmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use cometmq_client::message::{create_reply_message, reply_topic};
use cometmq_client::Message;
use cometmq_remoting::message::property;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_get_their_replies() {
    let sys = System::start().await;
    let replier = sys.producer("ReplyPG");
    let r = replier.clone();
    let responder = PushConsumer::builder("RequestG")
        .client_config(sys.client_config("responder"))
        .subscribe("RequestTopic", "*")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .listener_async(move |msgs| {
            let r = r.clone();
            async move {
                for m in msgs.iter() {
                    let body = format!("re:{}", String::from_utf8_lossy(&m.body));
                    let reply = create_reply_message(m, body).unwrap();
                    assert_eq!(reply.topic, reply_topic("DefaultCluster"));
                    if r.send(reply).await.is_err() {
                        return ConsumeResult::ReconsumeLater;
                    }
                }
                ConsumeResult::Success
            }
        })
        .build()
        .unwrap();
    responder.start().await.unwrap();

    let requester = sys.producer("RequestPG");
    for i in 0..5 {
        let reply = requester
            .request(
                Message::new("RequestTopic", format!("q{i}")),
                Duration::from_secs(30),
            )
            .await
            .unwrap();
        assert_eq!(&reply.body[..], format!("re:q{i}").as_bytes());
        assert_eq!(reply.topic, "DefaultCluster_REPLY_TOPIC");
        assert!(reply.property(property::CORRELATION_ID).is_some());
        assert!(reply.property(property::PUSH_REPLY_TIME).is_some());
        assert_eq!(
            reply.property(property::REPLY_TO_CLIENT),
            Some(requester.instance().client_id())
        );
    }
    assert!(requester.instance().replies.is_empty());

    // A reply for a client the broker does not know: Java's error, nothing else lost.
    let stray = Message::builder("DefaultCluster_REPLY_TOPIC")
        .body("stray")
        .property(property::MSG_TYPE, "reply")
        .property(property::REPLY_TO_CLIENT, "10.9.9.9@nobody")
        .property(property::CORRELATION_ID, "x")
        .build();
    let err = replier.send(stray).await.unwrap_err().to_string();
    assert!(
        err.contains("channel of <10.9.9.9@nobody> not found"),
        "{err}"
    );
    // The broker serves on.
    let reply = requester
        .request(
            Message::new("RequestTopic", "after"),
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert_eq!(&reply.body[..], b"re:after");

    responder.shutdown().await;
    // Nobody answers now: the request ends with the timeout error.
    let err = requester
        .request(
            Message::new("RequestTopic", "lost"),
            Duration::from_millis(300),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("wait reply message timeout"), "{err}");
    assert!(requester.instance().replies.is_empty());
    requester.shutdown().await;
    replier.shutdown().await;
    sys.stop().await;
}
