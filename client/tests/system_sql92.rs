//! Whole-system tests of SQL92 filtering: a broker with `enablePropertyFilter=true`
//! delivers to push and pull consumers exactly the messages whose properties match; a
//! broker without it refuses the consumer's start with Java's error; a malformed
//! expression is refused when subscribing, and a bad one in a pull gets
//! SUBSCRIPTION_PARSE_FAILED.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cluster::{wait_until, System, LIMIT};
use cometmq_client::consumer::{
    ConsumeFromWhere, ConsumeResult, MessageSelector, PullConsumer, PushConsumer,
};
use cometmq_client::Message;
use cometmq_remoting::code::response;
use cometmq_remoting::header::PullMessageRequestHeader;
use cometmq_remoting::transport::RemotingClient;
use cometmq_remoting::RemotingCommand;

const TOPIC: &str = "SqlTopic";
const EXPR: &str = "a >= 10 AND a < 20 AND (TAGS = 'x' OR color IN ('red'))";

/// Sends 40 messages: `a` = i, tag x or y, color red every fifth; returns the ids that
/// match [`EXPR`].
async fn send_all(sys: &System) -> HashSet<String> {
    let producer = sys.producer("SqlPG");
    let mut wanted = HashSet::new();
    for i in 0..40 {
        let tag = if i % 2 == 0 { "x" } else { "y" };
        let mut b = Message::builder(TOPIC)
            .tags(tag)
            .property("a", i.to_string())
            .body(format!("m{i}"));
        if i % 5 == 0 {
            b = b.property("color", "red");
        }
        let r = producer.send(b.build()).await.unwrap();
        if (10..20).contains(&i) && (tag == "x" || i % 5 == 0) {
            wanted.insert(r.msg_id);
        }
    }
    producer.shutdown().await;
    wanted
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_and_pull_consumers_get_exactly_the_matching_messages() {
    let sys = System::start_with(|c| c.enable_property_filter = true).await;
    let wanted = send_all(&sys).await;
    assert_eq!(wanted.len(), 6);

    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let s = seen.clone();
    let push = PushConsumer::builder("SqlPushG")
        .client_config(sys.client_config("push"))
        .subscribe_sql(TOPIC, EXPR)
        .consume_from(ConsumeFromWhere::FirstOffset)
        .listener(move |msgs| {
            let mut s = s.lock().unwrap();
            s.extend(msgs.iter().map(|m| m.msg_id().into_owned()));
            ConsumeResult::Success
        })
        .build()
        .unwrap();
    push.start().await.unwrap();

    let pull = PullConsumer::builder("SqlPullG")
        .client_config(sys.client_config("pull"))
        .settings(|s| s.consume_from_where = ConsumeFromWhere::FirstOffset)
        .build()
        .unwrap();
    pull.subscribe_selector(TOPIC, MessageSelector::sql(EXPR))
        .unwrap();
    pull.start().await.unwrap();
    let mut pulled = HashSet::new();
    let n_wanted = wanted.len();
    let all = wait_until(|| {
        let n = seen.lock().unwrap().len();
        async move { n >= n_wanted }
    })
    .await;
    assert!(all, "push consumer got {:?}", seen.lock().unwrap());
    let end = tokio::time::Instant::now() + LIMIT;
    while pulled.len() < wanted.len() && tokio::time::Instant::now() < end {
        for m in pull.poll(Duration::from_millis(500)).await {
            pulled.insert(m.msg_id().into_owned());
        }
    }
    // Anything more would have come with the matching ones (same queues, lower offsets).
    let got: HashSet<String> = seen.lock().unwrap().iter().cloned().collect();
    assert_eq!(got, wanted, "push");
    assert_eq!(pulled, wanted, "pull");
    push.shutdown().await;
    pull.shutdown().await;

    // A pull naming a bad expression: SUBSCRIPTION_PARSE_FAILED, and the broker serves on.
    let client = RemotingClient::new(Default::default());
    let pull_with = |expr: &str| {
        let mut h = cometmq_testkit::request::pull_header("SqlRawG", TOPIC, 0, 0, expr);
        h.expression_type = Some("SQL92".into());
        h.sys_flag = PullMessageRequestHeader::FLAG_SUBSCRIPTION;
        RemotingCommand::request_with_header(cometmq_remoting::code::request::PULL_MESSAGE, &h)
    };
    let resp = client
        .invoke(&sys.broker_addr, pull_with("a >"), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(resp.code, response::SUBSCRIPTION_PARSE_FAILED);
    assert!(resp
        .remark
        .unwrap_or_default()
        .contains("Invalid MessageSelector"));
    let resp = client
        .invoke(&sys.broker_addr, pull_with("a = 1"), Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        [
            response::SUCCESS,
            response::PULL_RETRY_IMMEDIATELY,
            response::PULL_NOT_FOUND
        ]
        .contains(&resp.code),
        "{resp:?}"
    );
    client.shutdown().await;
    sys.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_property_filter_the_start_is_refused_and_bad_sql_never_subscribes() {
    let sys = System::start().await;
    send_all(&sys).await;
    let consumer = PushConsumer::builder("SqlOffG")
        .client_config(sys.client_config("off"))
        .subscribe_sql(TOPIC, "a > 1")
        .listener(|_| ConsumeResult::Success)
        .build()
        .unwrap();
    let err = consumer.start().await.unwrap_err().to_string();
    assert!(
        err.contains("does not support consumer to filter message by SQL92"),
        "{err}"
    );

    let bad = PushConsumer::builder("SqlBadG")
        .client_config(sys.client_config("bad"))
        .subscribe_sql(TOPIC, "a BETWEEN 10 AND 1")
        .listener(|_| ConsumeResult::Success)
        .build();
    let err = bad.unwrap_err().to_string();
    assert!(err.contains("Invalid MessageSelector"), "{err}");
    let pull = PullConsumer::builder("SqlBadPullG")
        .client_config(sys.client_config("badpull"))
        .build()
        .unwrap();
    assert!(pull
        .subscribe_selector(TOPIC, MessageSelector::sql("a = = 1"))
        .is_err());
    sys.stop().await;

    // The bloom-filter bits are not implemented: asking for them stops the start.
    let dir = tempfile::tempdir().unwrap();
    let cfg = cometmq_broker::config::BrokerConfig {
        enable_calc_filter_bit_map: true,
        listen_port: 0,
        store: cometmq_broker::config::StoreConfig {
            store_path_root_dir: dir.path().to_path_buf(),
            ..Default::default()
        },
        ..Default::default()
    };
    let err = cometmq_broker::broker::Broker::start(cfg)
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("enableCalcFilterBitMap"), "{err}");
}

/// What a raw pull of `group`'s retry topic (queue 0, from offset 0, tag `*`) returns,
/// as each message's property `a`; waits until the last message sent (`a` = "last") is
/// there.
async fn pull_retry(sys: &System, group: &str) -> Vec<String> {
    let client = RemotingClient::new(Default::default());
    let retry = format!("%RETRY%{group}");
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let found = wait_until(|| {
        let h = cometmq_testkit::request::pull_header(group, &retry, 0, 0, "*");
        let req =
            RemotingCommand::request_with_header(cometmq_remoting::code::request::PULL_MESSAGE, &h);
        let call = client.invoke(&sys.broker_addr, req, Duration::from_secs(5));
        let got = got.clone();
        async move {
            let Ok(resp) = call.await else { return false };
            if resp.code != response::SUCCESS {
                return false;
            }
            let msgs = cometmq_client::MessageExt::decode_all(resp.body.to_bytes(), "b").unwrap();
            let mut got = got.lock().unwrap();
            *got = msgs
                .iter()
                .map(|m| m.property("a").unwrap_or_default().to_string())
                .collect();
            got.last().is_some_and(|a| a == "last")
        }
    })
    .await;
    let got = got.lock().unwrap().clone();
    assert!(found, "pulled {got:?}");
    client.shutdown().await;
    got
}

/// `filterSupportRetry`: a pull of the group's retry topic filters each message by the
/// group's SQL92 subscription to its original topic (`RETRY_TOPIC`); without it, every
/// retry message passes (Java's default).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_support_retry_filters_the_retry_topic_by_the_original_subscription() {
    for support in [true, false] {
        let sys = System::start_with(|c| {
            c.enable_property_filter = true;
            c.filter_support_retry = support;
        })
        .await;
        let group = "SqlRetryG";
        // The group, and its retry topic with one queue, before anything sends to it.
        let admin = RemotingClient::new(Default::default());
        for req in [
            cometmq_testkit::request::create_group(group),
            cometmq_testkit::request::create_topic(&format!("%RETRY%{group}"), 1),
        ] {
            let resp = admin
                .invoke(&sys.broker_addr, req, Duration::from_secs(5))
                .await;
            assert_eq!(resp.unwrap().code, response::SUCCESS);
        }
        admin.shutdown().await;
        // Its heartbeat registers the SQL92 subscription.
        let consumer = PushConsumer::builder(group)
            .client_config(sys.client_config("retry"))
            .subscribe_sql(TOPIC, "a = '1' OR a = 'last'")
            .listener(|_| ConsumeResult::Success)
            .build()
            .unwrap();
        consumer.start().await.unwrap();
        let producer = sys.producer("SqlRetryPG");
        let retry_msg = |a: &str| {
            Message::builder(format!("%RETRY%{group}"))
                .property("a", a)
                .property("RETRY_TOPIC", TOPIC)
                .body(a.to_string())
                .build()
        };
        // The first send waits for the group and its retry topic to be known.
        let sent = wait_until(|| {
            let send = producer.send(retry_msg("2"));
            async move { send.await.is_ok() }
        })
        .await;
        assert!(sent);
        for a in ["1", "3", "last"] {
            producer.send(retry_msg(a)).await.unwrap();
        }
        let got = pull_retry(&sys, group).await;
        let want: &[&str] = if support {
            &["1", "last"]
        } else {
            &["2", "1", "3", "last"]
        };
        assert_eq!(got, want, "filterSupportRetry={support}");
        consumer.shutdown().await;
        producer.shutdown().await;
        sys.stop().await;
    }
}
