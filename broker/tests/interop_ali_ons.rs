//! Interop: ali-ons 3.12.0 (a Node.js RocketMQ client written outside this project)
//! produces messages with tags and keys through our NameServer and broker, and consumes
//! them with a tag filter in clustering mode. Skipped, with a message, when `node` or
//! `tests/node_modules/ali-ons` is absent (`./scripts/test.sh` installs it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cometmq_remoting::code::response;
use cometmq_testkit::interop;
use common::Cluster;
use serde_json::Value;

/// Bound on a Node script's run (against hangs, not a performance expectation).
const NODE_LIMIT: Duration = Duration::from_secs(90);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ali_ons_produces_and_consumes_with_a_tag_filter() {
    let Some(script) = interop::script("produce_consume.js") else {
        return;
    };
    let c = Cluster::start(|_| {}).await;
    // ali-ons never auto-creates topics: create it (here by a first send, which
    // auto-creates from TBW102; the seed's tag is filtered out below).
    let seed = c.send("InteropTopic", 0, Some("Seed"), None, b"seed").await;
    assert_eq!(seed.code, response::SUCCESS);
    // Let the broker's re-registration carry the new topic to the NameServer.
    c.wait_for_route("InteropTopic").await;

    let (v, stderr) = interop::run_node(
        &script,
        &[
            c.namesrv_addr.as_str(),
            "InteropTopic",
            "10",
            "InteropGroup",
        ],
        NODE_LIMIT,
    )
    .await;

    let sent = v["sent"].as_array().unwrap();
    assert_eq!(sent.len(), 10);
    for s in sent {
        assert_eq!(s["status"], "SEND_OK", "{s}");
    }
    let mut bodies: Vec<String> = v["received"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_string())
        .collect();
    bodies.sort();
    let mut want: Vec<String> = (0..10).step_by(2).map(|i| format!("hello {i}")).collect();
    want.sort();
    assert_eq!(bodies, want, "stderr: {stderr}");
    for m in v["received"].as_array().unwrap() {
        assert_eq!(m["tags"], "TagA");
    }
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ali_ons_sends_with_delay_levels() {
    let Some(script) = interop::script("produce_delayed.js") else {
        return;
    };
    let c = Cluster::start(|cfg| cfg.message_delay_level = "1s 2s 3s".into()).await;
    let seed = c.send("InteropDelay", 0, Some("Seed"), None, b"seed").await;
    assert_eq!(seed.code, response::SUCCESS);
    c.wait_for_route("InteropDelay").await;

    let levels = ["1", "2", "3"];
    let mut args = vec![c.namesrv_addr.as_str(), "InteropDelay", "InteropDelayGroup"];
    args.extend(levels);
    let (v, stderr) = interop::run_node(&script, &args, NODE_LIMIT).await;
    for s in v["sent"].as_array().unwrap() {
        assert_eq!(s["status"], "SEND_OK", "{s}");
    }
    let received = v["received"].as_array().unwrap();
    assert_eq!(received.len(), 3, "stderr: {stderr}");
    for m in received {
        let body = m["body"].as_str().unwrap();
        let i: i64 = body.trim_start_matches("delayed ").parse().unwrap();
        let delay = (i + 1) * 1000;
        let born = m["bornTimestamp"].as_i64().unwrap();
        let stored = m["storeTimestamp"].as_i64().unwrap();
        // Delivered copies are stored no earlier than born + the level's delay.
        assert!(stored >= born + delay, "{m}");
        assert_eq!(m["delay"], Value::Null, "{m}");
        assert_eq!(m["realTopic"], "InteropDelay", "{m}");
    }
    c.stop().await;
}
