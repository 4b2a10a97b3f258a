//! `mqadmin` against a real NameServer and broker: every command, in table and `--json`
//! form, and its errors (one line, non-zero exit).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{mqadmin, mqadmin_env, Cluster, FakeClient, BROKER, CLUSTER};
use serde_json::Value;

/// Waits (bounded) until the NameServer has a route for `topic`.
async fn wait_route(c: &Cluster, topic: &str) {
    let admin = c.admin();
    for _ in 0..300 {
        if admin.topic_route(topic).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    admin.shutdown().await;
}

/// The cells of a table line: columns are at least two spaces apart.
fn cells(line: &str) -> Vec<&str> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// Whether some line of `out` has exactly the cells `expected` (a table header).
fn has_header(out: &str, expected: &[&str]) -> bool {
    out.lines().any(|l| cells(l) == expected)
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_one_line_with_a_nonzero_exit() {
    // Unreachable NameServer.
    let run = mqadmin(&["topicList", "-n", "127.0.0.1:1"]).await;
    run.fails(1, &["NameServer", "127.0.0.1:1", "unreachable"]);
    assert!(run.stdout.is_empty());
    // No NameServer at all.
    mqadmin(&["topicList"]).await.fails(1, &["NAMESRV_ADDR"]);
    // Bad flags: unknown flag, missing required flag, bad value, unknown command.
    mqadmin(&["updateTopic", "-x"]).await.fails(2, &["'-x'"]);
    mqadmin(&["topicRoute", "-n", "127.0.0.1:1"])
        .await
        .fails(2, &["--topic"]);
    mqadmin(&["updateTopic", "-n", "h:1", "-t", "T"])
        .await
        .fails(2, &["--brokerAddr", "--clusterName"]);
    mqadmin(&["updateTopic", "-t", "T", "-c", "C", "-r", "many"])
        .await
        .fails(2, &["many"]);
    mqadmin(&["resetOffsetByTime", "-g", "G", "-t", "T", "-s", "yesterday"])
        .await
        .fails(2, &["yesterday"]);
    mqadmin(&["noSuchCommand"])
        .await
        .fails(2, &["noSuchCommand"]);
    // Help exits 0.
    let help = mqadmin(&["updateTopic", "-h"]).await;
    help.ok();
    assert!(help.stdout.contains("--readQueueNums"));

    let c = Cluster::start().await;
    // Unknown topic.
    c.mqadmin(&["topicRoute", "-t", "NoSuchTopic"])
        .await
        .fails(1, &["NoSuchTopic"]);
    c.mqadmin(&["topicClusterList", "-t", "NoSuchTopic"])
        .await
        .fails(1, &["NoSuchTopic"]);
    c.mqadmin(&["consumeMessage", "-t", "NoSuchTopic"])
        .await
        .fails(1, &["NoSuchTopic"]);
    c.mqadmin(&[
        "resetOffsetByTime",
        "-g",
        "G",
        "-t",
        "NoSuchTopic",
        "-s",
        "now",
    ])
    .await
    .fails(1, &["NoSuchTopic"]);
    // Unknown cluster and broker.
    c.mqadmin(&["deleteTopic", "-t", "T", "-c", "NoSuchCluster"])
        .await
        .fails(1, &["NoSuchCluster"]);
    c.mqadmin(&["clusterList", "-c", "NoSuchCluster"])
        .await
        .fails(1, &["NoSuchCluster"]);
    // NAMESRV_ADDR instead of -n.
    let run = mqadmin_env(&["clusterList", "--json"], Some(&c.namesrv_addr)).await;
    run.ok();
    assert!(run.stdout.contains(BROKER));
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_config_namesrv_config_and_order_conf() {
    let c = Cluster::start().await;
    let admin = c.admin();

    let out = c
        .text(&["updateKvConfig", "-s", "NS", "-k", "k1", "-v", "v1"])
        .await;
    assert_eq!(
        out.trim(),
        "create or update kv config to namespace success."
    );
    assert_eq!(
        admin.get_kv_config("NS", "k1").await.unwrap().as_deref(),
        Some("v1")
    );
    let j = c
        .json(&["updateKvConfig", "-s", "NS", "-k", "k2", "-v", "v2"])
        .await;
    assert_eq!(
        (j["ok"].as_bool(), j["value"].as_str()),
        (Some(true), Some("v2"))
    );

    let out = c.text(&["deleteKvConfig", "-s", "NS", "-k", "k1"]).await;
    assert_eq!(out.trim(), "delete kv config from namespace success.");
    assert_eq!(admin.get_kv_config("NS", "k1").await.unwrap(), None);
    let j = c.json(&["deleteKvConfig", "-s", "NS", "-k", "k2"]).await;
    assert_eq!(j["ok"], true);
    assert!(admin.kv_list("NS").await.unwrap().is_empty());

    let out = c.text(&["getNamesrvConfig"]).await;
    assert!(
        out.contains(&format!("============{}============", c.namesrv_addr)),
        "{out}"
    );
    let line = out
        .lines()
        .find(|l| l.starts_with("orderMessageEnable"))
        .unwrap();
    assert!(line.ends_with("=  false"), "{line}");
    let out = c
        .text(&[
            "updateNamesrvConfig",
            "-k",
            "orderMessageEnable",
            "-v",
            "true",
        ])
        .await;
    assert!(
        out.starts_with("update name server config success!"),
        "{out}"
    );
    let j = c.json(&["getNamesrvConfig"]).await;
    assert_eq!(j[&c.namesrv_addr]["orderMessageEnable"], "true");
    let j = c
        .json(&[
            "updateNamesrvConfig",
            "-k",
            "orderMessageEnable",
            "-v",
            "false",
        ])
        .await;
    assert_eq!(j["ok"], true);
    assert_eq!(
        c.json(&["getNamesrvConfig"]).await[&c.namesrv_addr]["orderMessageEnable"],
        "false"
    );

    let out = c
        .text(&[
            "updateOrderConf",
            "-t",
            "OT",
            "-m",
            "put",
            "-v",
            "broker-a:4;broker-b:2",
        ])
        .await;
    assert_eq!(
        out.trim(),
        "update orderConf success. topic=[OT], orderConf=[broker-a:4;broker-b:2]"
    );
    let out = c.text(&["updateOrderConf", "-t", "OT", "-m", "get"]).await;
    assert_eq!(
        out.trim(),
        "get orderConf success. topic=[OT], orderConf=[broker-a:4;broker-b:2]"
    );
    let j = c.json(&["updateOrderConf", "-t", "OT", "-m", "get"]).await;
    assert_eq!(j["orderConf"], "broker-a:4;broker-b:2");
    c.mqadmin(&["updateOrderConf", "-t", "OT", "-m", "put", "-v", "broker-a"])
        .await
        .fails(1, &["broker-a"]);
    let out = c
        .text(&["updateOrderConf", "-t", "OT", "-m", "delete"])
        .await;
    assert_eq!(out.trim(), "delete orderConf success. topic=[OT]");
    assert_eq!(
        c.json(&["updateOrderConf", "-t", "OT", "-m", "get"]).await["orderConf"],
        Value::Null
    );
    c.mqadmin(&["updateOrderConf", "-t", "OT", "-m", "sideways"])
        .await
        .fails(2, &["sideways"]);

    admin.shutdown().await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_routes_topics_and_write_perm() {
    let c = Cluster::start().await;
    c.send("TopicA", 1).await;
    wait_route(&c, "TopicA").await;

    let out = c.text(&["topicList"]).await;
    assert!(out.lines().any(|l| l == "TopicA"), "{out}");
    assert!(strs(&c.json(&["topicList"]).await).contains(&"TopicA".to_owned()));
    let out = c.text(&["topicList", "-c"]).await;
    assert!(out.starts_with("#Cluster Name"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with(CLUSTER) && l.contains("TopicA")),
        "{out}"
    );
    let j = c.json(&["topicList", "-c"]).await;
    assert!(j
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["topic"] == "TopicA" && r["cluster"] == CLUSTER));

    let out = c.text(&["topicRoute", "-t", "TopicA"]).await;
    let route: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(route["queueDatas"][0]["brokerName"], BROKER);
    let out = c.text(&["topicRoute", "-t", "TopicA", "-l"]).await;
    let mut lines = out.lines();
    let header = lines.next().unwrap();
    assert_eq!(
        cells(header),
        [
            "#ClusterName",
            "#BrokerName",
            "#BrokerAddrs",
            "#ReadQueue",
            "#WriteQueue",
            "#Perm"
        ]
    );
    let row = lines.next().unwrap();
    assert!(
        row.starts_with(CLUSTER) && row.contains(&format!("0:{}", c.broker_addr)),
        "{row}"
    );
    let j = c.json(&["topicRoute", "-t", "TopicA"]).await;
    assert_eq!(j["brokerDatas"][0]["brokerName"], BROKER);

    assert_eq!(
        c.text(&["topicClusterList", "-t", "TopicA"]).await.trim(),
        CLUSTER
    );
    assert_eq!(
        strs(&c.json(&["topicClusterList", "-t", "TopicA"]).await),
        [CLUSTER]
    );

    let out = c.text(&["clusterList"]).await;
    assert_eq!(
        cells(out.lines().next().unwrap())[..4],
        ["#Cluster Name", "#Broker Name", "#BID", "#Addr"]
    );
    let row = out.lines().nth(1).unwrap();
    assert!(
        row.starts_with(CLUSTER) && row.contains(BROKER) && row.contains(&c.broker_addr),
        "{row}"
    );
    let j = c.json(&["clusterList", "-c", CLUSTER]).await;
    assert_eq!(j[0]["brokerName"], BROKER);
    assert_eq!(j[0]["addr"], c.broker_addr.as_str());
    assert_eq!(j[0]["brokerId"], 0);
    let out = c.text(&["clusterList", "-m"]).await;
    assert_eq!(
        cells(out.lines().next().unwrap())[..3],
        ["#Cluster Name", "#Broker Name", "#InTotalYest"]
    );

    let out = c.text(&["wipeWritePerm", "-b", BROKER]).await;
    let expected = format!(
        "wipe write perm of broker[{BROKER}] in name server[{}] OK, ",
        c.namesrv_addr
    );
    assert!(out.starts_with(&expected), "{out}");
    let perm = c.json(&["topicRoute", "-t", "TopicA"]).await["queueDatas"][0]["perm"]
        .as_i64()
        .unwrap();
    assert_eq!(perm & 2, 0, "write permission wiped");
    let j = c.json(&["addWritePerm", "-b", BROKER]).await;
    assert_eq!(j["ok"], true);
    assert!(
        j["topicCounts"][&c.namesrv_addr].as_i64().unwrap() >= 1,
        "{j}"
    );
    let perm = c.json(&["topicRoute", "-t", "TopicA"]).await["queueDatas"][0]["perm"]
        .as_i64()
        .unwrap();
    assert_eq!(perm & 6, 6, "write permission back");
    let j = c.json(&["wipeWritePerm", "-b", BROKER]).await;
    assert!(
        j["topicCounts"][&c.namesrv_addr].as_i64().unwrap() >= 1,
        "{j}"
    );
    let out = c.text(&["addWritePerm", "-b", BROKER]).await;
    assert!(
        out.starts_with(&format!(
            "add write perm of broker[{BROKER}] in name server["
        )),
        "{out}"
    );
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_consume_print_and_query_by_offset() {
    let c = Cluster::start().await;
    let out = c
        .text(&[
            "sendMessage",
            "-t",
            "TopicM",
            "-p",
            "first",
            "-k",
            "k-first",
            "-c",
            "TagX",
        ])
        .await;
    let mut lines = out.lines();
    assert_eq!(
        cells(lines.next().unwrap()),
        ["#Broker Name", "#QID", "#Send Result", "#MsgId"]
    );
    let row = lines.next().unwrap();
    assert!(row.starts_with(BROKER) && row.contains("SEND_OK"), "{row}");
    wait_route(&c, "TopicM").await;
    let sent = c.send("TopicM", 3).await;
    assert!(sent
        .iter()
        .all(|s| s["status"] == "SEND_OK" && s["queue"]["queueId"] == 0));
    let offsets: Vec<i64> = sent
        .iter()
        .map(|s| s["queueOffset"].as_i64().unwrap())
        .collect();
    let base = offsets[0];
    assert_eq!(offsets, [base, base + 1, base + 2]);
    assert_eq!(sent[0]["msgId"].as_str().unwrap().len(), 32);
    assert_eq!(sent[0]["offsetMsgId"].as_str().unwrap().len(), 32);

    // consumeMessage: one queue from an offset, with a count; then every queue.
    let o = base.to_string();
    let out = c
        .text(&[
            "consumeMessage",
            "-t",
            "TopicM",
            "-b",
            BROKER,
            "-i",
            "0",
            "-o",
            &o,
        ])
        .await;
    assert!(out.contains("queueId=0]"), "{out}");
    assert!(
        has_header(
            &out,
            &[
                "#Message ID",
                "#QID",
                "#Offset",
                "#Store Time",
                "#Tags",
                "#Keys",
                "#Body"
            ]
        ),
        "{out}"
    );
    for i in 0..3 {
        assert!(out.contains(&format!("body-{i}")), "{out}");
    }
    let j = c
        .json(&[
            "consumeMessage",
            "-t",
            "TopicM",
            "-b",
            BROKER,
            "-i",
            "0",
            "-o",
            &o,
            "-c",
            "2",
        ])
        .await;
    let bodies: Vec<&str> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["body-0", "body-1"]);
    assert_eq!(j[0]["msgId"], sent[0]["msgId"]);
    assert_eq!(j[1]["keys"], "key1");
    let all = c.json(&["consumeMessage", "-t", "TopicM"]).await;
    assert_eq!(all.as_array().unwrap().len(), 4, "{all}");

    // printMsg: every queue, a tag filter, no bodies.
    let out = c.text(&["printMsg", "-t", "TopicM"]).await;
    assert!(out.contains("first") && out.contains("body-2"), "{out}");
    let j = c.json(&["printMsg", "-t", "TopicM", "-s", "TagB"]).await;
    let arr = j.as_array().unwrap();
    assert_eq!(arr.len(), 1, "{j}");
    assert_eq!(
        (arr[0]["tags"].as_str(), arr[0]["body"].as_str()),
        (Some("TagB"), Some("body-1"))
    );
    let out = c.text(&["printMsg", "-t", "TopicM", "-d", "false"]).await;
    assert!(!out.contains("#Body") && !out.contains("body-1"), "{out}");
    let begin = (sent[0]["queueOffset"].as_i64().unwrap(), i64::MAX);
    let j = c
        .json(&[
            "printMsg",
            "-t",
            "TopicM",
            "-b",
            "0",
            "-e",
            &begin.1.to_string(),
        ])
        .await;
    assert_eq!(j.as_array().unwrap().len(), 4);

    // queryMsgByOffset.
    let o1 = (base + 1).to_string();
    let out = c
        .text(&[
            "queryMsgByOffset",
            "-t",
            "TopicM",
            "-b",
            BROKER,
            "-i",
            "0",
            "-o",
            &o1,
        ])
        .await;
    assert!(
        out.contains(&format!("{:<20} {}", "Queue Offset:", base + 1)),
        "{out}"
    );
    assert!(
        out.contains(&format!("{:<20} body-1", "Message Body:")),
        "{out}"
    );
    assert!(out.contains(&format!("{:<20} [key1]", "Keys:")), "{out}");
    let j = c
        .json(&[
            "queryMsgByOffset",
            "-t",
            "TopicM",
            "-b",
            BROKER,
            "-i",
            "0",
            "-o",
            &o1,
        ])
        .await;
    assert_eq!(j[0]["queueOffset"], base + 1);
    assert_eq!(j[0]["offsetMsgId"], sent[1]["offsetMsgId"]);
    c.mqadmin(&[
        "queryMsgByOffset",
        "-t",
        "TopicM",
        "-b",
        BROKER,
        "-i",
        "0",
        "-o",
        "999",
    ])
    .await
    .fails(1, &["999"]);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_delete_and_status_of_topics() {
    let c = Cluster::start().await;
    let out = c
        .text(&[
            "updateTopic",
            "-c",
            CLUSTER,
            "-t",
            "TopicU",
            "-r",
            "4",
            "-w",
            "4",
        ])
        .await;
    assert!(
        out.contains(&format!("create topic to {} success.", c.broker_addr)),
        "{out}"
    );
    assert!(
        out.contains("TopicConfig [topicName=TopicU, readQueueNums=4, writeQueueNums=4, perm=6")
    );
    wait_route(&c, "TopicU").await;
    let route = c.json(&["topicRoute", "-t", "TopicU"]).await;
    assert_eq!(route["queueDatas"][0]["writeQueueNums"], 4);
    let j = c
        .json(&[
            "updateTopic",
            "-b",
            &c.broker_addr,
            "-t",
            "TopicO",
            "-w",
            "2",
            "-r",
            "2",
            "-o",
            "true",
        ])
        .await;
    assert_eq!(
        (j["ok"].as_bool(), j["topicConfig"]["order"].as_bool()),
        (Some(true), Some(true))
    );
    let admin = c.admin();
    assert_eq!(
        admin.order_conf("TopicO").await.unwrap().as_deref(),
        Some("broker-a:2")
    );

    c.send("TopicU", 2).await;
    let out = c.text(&["topicStatus", "-t", "TopicU"]).await;
    let mut lines = out.lines();
    assert_eq!(
        cells(lines.next().unwrap()),
        [
            "#Broker Name",
            "#QID",
            "#Min Offset",
            "#Max Offset",
            "#Last Updated"
        ]
    );
    let q0 = lines.next().unwrap();
    assert!(q0.starts_with(BROKER), "{q0}");
    let cols: Vec<&str> = q0.split_whitespace().collect();
    assert_eq!(&cols[1..4], ["0", "0", "2"], "{q0}");
    let j = c
        .json(&["topicStatus", "-t", "TopicU", "-c", CLUSTER])
        .await;
    assert_eq!(j.as_array().unwrap().len(), 4);
    assert_eq!(
        (j[0]["maxOffset"].as_i64(), j[1]["maxOffset"].as_i64()),
        (Some(2), Some(0))
    );
    assert!(j[0]["lastUpdateTimestamp"].as_i64().unwrap() > 0);
    c.mqadmin(&["topicStatus", "-t", "NoSuchTopic"])
        .await
        .fails(1, &["NoSuchTopic"]);

    let out = c
        .text(&["deleteTopic", "-t", "TopicU", "-c", CLUSTER])
        .await;
    assert!(
        out.starts_with("delete topic [TopicU] from cluster [DefaultCluster] success."),
        "{out}"
    );
    c.mqadmin(&["topicRoute", "-t", "TopicU"])
        .await
        .fails(1, &["TopicU"]);
    let j = c
        .json(&["deleteTopic", "-t", "TopicO", "-c", CLUSTER])
        .await;
    assert_eq!(j["ok"], true);
    assert!(!strs(&c.json(&["topicList"]).await).contains(&"TopicO".to_owned()));
    admin.shutdown().await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_status_and_config() {
    let c = Cluster::start().await;
    let out = c.text(&["brokerStatus", "-b", &c.broker_addr]).await;
    assert!(
        out.lines().any(|l| l.starts_with("brokerVersionDesc")),
        "{out}"
    );
    let j = c.json(&["brokerStatus", "-b", &c.broker_addr]).await;
    assert!(j["putTps"].is_string(), "{j}");
    let j = c.json(&["brokerStatus", "-c", CLUSTER]).await;
    assert!(j["brokerVersionDesc"].is_string(), "{j}");

    let out = c.text(&["clusterList"]).await;
    assert!(!out.contains("unreachable"), "{out}");
    let j = c.json(&["clusterList"]).await;
    assert!(j[0]["version"].as_str().unwrap().starts_with('V'), "{j}");

    let out = c.text(&["getBrokerConfig", "-b", &c.broker_addr]).await;
    assert!(
        out.starts_with(&format!("============{}============", c.broker_addr)),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("brokerName") && l.ends_with("=  broker-a")),
        "{out}"
    );
    let out = c
        .text(&[
            "updateBrokerConfig",
            "-b",
            &c.broker_addr,
            "-k",
            "flushIntervalCommitLog",
            "-v",
            "321",
        ])
        .await;
    assert_eq!(
        out.trim(),
        format!("update broker config success, {}", c.broker_addr)
    );
    let j = c.json(&["getBrokerConfig", "-c", CLUSTER]).await;
    assert_eq!(j[&c.broker_addr]["flushIntervalCommitLog"], "321");
    let j = c
        .json(&[
            "updateBrokerConfig",
            "-c",
            CLUSTER,
            "-k",
            "flushIntervalCommitLog",
            "-v",
            "500",
        ])
        .await;
    assert_eq!(j["ok"], true);
    let admin = c.admin();
    let cfg = admin.broker_config(&c.broker_addr).await.unwrap();
    assert_eq!(cfg["flushIntervalCommitLog"], "500");
    admin.shutdown().await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscription_groups() {
    let c = Cluster::start().await;
    let admin = c.admin();
    let all = cometmq_client::admin::BrokerTarget::Cluster(CLUSTER.into());
    let out = c
        .text(&[
            "updateSubGroup",
            "-c",
            CLUSTER,
            "-g",
            "G1",
            "-r",
            "5",
            "-d",
            "false",
        ])
        .await;
    assert!(
        out.contains(&format!(
            "create subscription group to {} success.",
            c.broker_addr
        )),
        "{out}"
    );
    let g = &admin.subscription_groups(&all).await.unwrap()["G1"];
    assert_eq!((g.retry_max_times, g.consume_broadcast_enable), (5, false));
    let j = c
        .json(&[
            "updateSubGroup",
            "-b",
            &c.broker_addr,
            "-g",
            "G2",
            "-q",
            "2",
            "-o",
            "true",
        ])
        .await;
    assert_eq!(j["groupConfig"]["retryQueueNums"], 2);
    assert!(admin.subscription_groups(&all).await.unwrap()["G2"].consume_message_orderly);

    let out = c
        .text(&["deleteSubGroup", "-c", CLUSTER, "-g", "G1", "-r", "true"])
        .await;
    assert!(
        out.contains("delete subscription group [G1] from cluster [DefaultCluster] success."),
        "{out}"
    );
    let j = c
        .json(&["deleteSubGroup", "-b", &c.broker_addr, "-g", "G2"])
        .await;
    assert_eq!(j["ok"], true);
    let groups = admin.subscription_groups(&all).await.unwrap();
    assert!(!groups.contains_key("G1") && !groups.contains_key("G2"));
    admin.shutdown().await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumers_and_producers() {
    let c = Cluster::start().await;
    c.send("TopicC", 5).await;
    let fake = FakeClient::connect(&c.broker_addr, "CG", "TopicC", "PG").await;
    fake.commit(&c.broker_addr, "CG", "TopicC", 0, 2).await;
    wait_route(&c, "%RETRY%CG").await;

    let out = c.text(&["consumerProgress", "-g", "CG"]).await;
    let mut lines = out.lines();
    assert_eq!(
        cells(lines.next().unwrap()),
        [
            "#Topic",
            "#Broker Name",
            "#QID",
            "#Broker Offset",
            "#Consumer Offset",
            "#Diff",
            "#LastTime"
        ]
    );
    let q0 = lines.find(|l| l.starts_with("TopicC")).unwrap();
    let cols: Vec<&str> = q0.split_whitespace().collect();
    assert_eq!(&cols[..6], ["TopicC", BROKER, "0", "5", "2", "3"], "{q0}");
    assert!(out.contains("Consume Diff Total: 3"), "{out}");
    let j = c
        .json(&["consumerProgress", "-g", "CG", "-t", "TopicC"])
        .await;
    assert_eq!(j["diffTotal"], 3);
    let q = j["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queue"]["queueId"] == 0)
        .unwrap();
    assert_eq!(
        (
            q["brokerOffset"].as_i64(),
            q["consumerOffset"].as_i64(),
            q["diff"].as_i64()
        ),
        (Some(5), Some(2), Some(3))
    );
    let out = c
        .text(&["consumerProgress", "-g", "CG", "-s", "true"])
        .await;
    assert!(out.contains("#Client IP"), "{out}");
    let q0 = out.lines().find(|l| l.starts_with("TopicC")).unwrap();
    assert!(q0.contains("127.0.0.1"), "{q0}");
    let out = c.text(&["consumerProgress"]).await;
    assert!(
        has_header(
            &out,
            &[
                "#Group",
                "#Count",
                "#Version",
                "#Type",
                "#Model",
                "#TPS",
                "#Diff Total"
            ]
        ),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("CG ") && l.contains("PUSH") && l.contains("CLUSTERING")),
        "{out}"
    );
    let j = c.json(&["consumerProgress"]).await;
    assert!(
        j.as_array()
            .unwrap()
            .iter()
            .any(|g| g["group"] == "CG" && g["count"] == 1 && g["diffTotal"] == 3),
        "{j}"
    );
    c.mqadmin(&["consumerProgress", "-g", "NoSuchGroup"])
        .await
        .fails(1, &["NoSuchGroup"]);

    let out = c.text(&["consumerConnection", "-g", "CG"]).await;
    assert_eq!(
        cells(out.lines().next().unwrap())[..2],
        ["#Index", "#ClientId"],
        "{out}"
    );
    assert!(
        out.contains(&fake.client_id) && out.contains("Below is subscription:"),
        "{out}"
    );
    assert!(
        out.contains("CLUSTERING") && out.contains("CONSUME_PASSIVELY"),
        "{out}"
    );
    let j = c.json(&["consumerConnection", "-g", "CG"]).await;
    assert_eq!(j["connectionSet"][0]["clientId"], fake.client_id.as_str());
    assert_eq!(j["subscriptionTable"]["TopicC"]["subString"], "*");
    c.mqadmin(&["consumerConnection", "-g", "NoSuchGroup"])
        .await
        .fails(1, &["NoSuchGroup"]);

    let out = c
        .text(&["producerConnection", "-g", "PG", "-t", "TopicC"])
        .await;
    assert_eq!(
        cells(out.lines().next().unwrap())[..2],
        ["#Index", "#ClientId"],
        "{out}"
    );
    assert!(out.contains(&fake.client_id), "{out}");
    let j = c
        .json(&["producerConnection", "-g", "PG", "-t", "TopicC"])
        .await;
    assert_eq!(j["connectionSet"][0]["clientId"], fake.client_id.as_str());
    c.mqadmin(&["producerConnection", "-g", "NoSuchGroup", "-t", "TopicC"])
        .await
        .fails(1, &["NoSuchGroup"]);

    let out = c.text(&["consumerStatus", "-g", "CG"]).await;
    assert!(out.contains(&fake.client_id) && out.contains("OK"), "{out}");
    assert!(
        out.contains("Same subscription in the same group of consumer"),
        "{out}"
    );
    let j = c.json(&["consumerStatus", "-g", "CG"]).await;
    assert_eq!(
        j[0]["runningInfo"]["properties"]["PROP_CONSUME_TYPE"],
        "CONSUME_PASSIVELY"
    );
    let out = c
        .text(&["consumerStatus", "-g", "CG", "-i", &fake.client_id])
        .await;
    assert!(
        out.contains("PROP_CONSUME_TYPE:") && out.contains("TopicC"),
        "{out}"
    );
    let j = c
        .json(&["consumerStatus", "-g", "CG", "-i", &fake.client_id])
        .await;
    assert_eq!(j["subscriptionSet"][0]["topic"], "TopicC");
    fake.client.shutdown().await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_and_clone_offsets() {
    let c = Cluster::start().await;
    c.send("TopicR", 4).await;
    let fake = FakeClient::connect(&c.broker_addr, "RG", "TopicR", "PG").await;
    fake.commit(&c.broker_addr, "RG", "TopicR", 0, 4).await;
    let admin = c.admin();

    let out = c
        .text(&["resetOffsetByTime", "-g", "RG", "-t", "TopicR", "-s", "0"])
        .await;
    assert!(
        out.starts_with(
            "rollback consumer offset by specified group[RG], topic[TopicR], force[true]"
        ),
        "{out}"
    );
    assert!(
        has_header(&out, &["#brokerName", "#queueId", "#offset"]),
        "{out}"
    );
    let offsets = admin.group_offsets("RG", "TopicR").await.unwrap();
    let q0 = cometmq_client::MessageQueue::new("TopicR", BROKER, 0);
    assert_eq!(offsets[&q0], 0);
    let j = c
        .json(&[
            "resetOffsetByTime",
            "-g",
            "RG",
            "-t",
            "TopicR",
            "-s",
            "now",
            "-q",
            "0",
            "-o",
            "3",
        ])
        .await;
    let e = j["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["queue"]["queueId"] == 0)
        .unwrap();
    assert_eq!(e["offset"], 3, "{j}");
    assert_eq!(admin.group_offsets("RG", "TopicR").await.unwrap()[&q0], 3);

    let out = c
        .text(&["cloneGroupOffset", "-s", "RG", "-d", "RG2", "-t", "TopicR"])
        .await;
    assert_eq!(
        out.trim(),
        "clone group offset success. srcGroup[RG], destGroup=[RG2], topic[TopicR]"
    );
    assert_eq!(admin.group_offsets("RG2", "TopicR").await.unwrap()[&q0], 3);
    let j = c
        .json(&[
            "cloneGroupOffset",
            "-s",
            "RG",
            "-d",
            "RG3",
            "-t",
            "TopicR",
            "-o",
            "true",
        ])
        .await;
    assert_eq!(j["ok"], true);
    admin.shutdown().await;
    fake.client.shutdown().await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_messages_by_key_unique_key_and_id() {
    let c = Cluster::start().await;
    let sent = c.send("TopicQ", 3).await;
    let uniq = sent[1]["msgId"].as_str().unwrap();
    let offset_id = sent[2]["offsetMsgId"].as_str().unwrap();

    let mut found = String::new();
    for _ in 0..100 {
        found = c
            .text(&["queryMsgByKey", "-t", "TopicQ", "-k", "key1"])
            .await;
        if found.contains(uniq) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        has_header(&found, &["#Message ID", "#Offset ID", "#QID", "#Offset"]),
        "{found}"
    );
    assert!(found.contains(uniq), "{found}");
    let j = c
        .json(&["queryMsgByKey", "-t", "TopicQ", "-k", "key1", "-m", "8"])
        .await;
    assert_eq!(j.as_array().unwrap().len(), 1);
    assert_eq!(j[0]["body"], "body-1");
    let j = c
        .json(&["queryMsgByKey", "-t", "TopicQ", "-k", "nokey"])
        .await;
    assert!(j.as_array().unwrap().is_empty());

    let out = c
        .text(&["queryMsgByUniqueKey", "-i", uniq, "-t", "TopicQ"])
        .await;
    assert!(
        out.contains(&format!("{:<20} {uniq}", "Message ID:")),
        "{out}"
    );
    assert!(
        out.contains(&format!("{:<20} body-1", "Message Body:")),
        "{out}"
    );
    let j = c
        .json(&["queryMsgByUniqueKey", "-i", uniq, "-t", "TopicQ", "-a"])
        .await;
    assert_eq!(j[0]["keys"], "key1");
    c.mqadmin(&[
        "queryMsgByUniqueKey",
        "-i",
        "00000000000000000000000000000000",
        "-t",
        "TopicQ",
    ])
    .await
    .fails(1, &["00000000000000000000000000000000"]);

    let out = c
        .text(&["queryMsgById", "-i", offset_id, "-t", "TopicQ"])
        .await;
    assert!(
        out.contains(&format!("{:<20} {offset_id}", "OffsetID:")),
        "{out}"
    );
    assert!(out.contains("body-2"), "{out}");
    let ids = format!("{offset_id},{uniq}");
    let j = c.json(&["queryMsgById", "-i", &ids, "-t", "TopicQ"]).await;
    let bodies: Vec<&str> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["body-2", "body-1"]);
    c.mqadmin(&["queryMsgById", "-i", "nope", "-t", "TopicQ"])
        .await
        .fails(1, &["nope"]);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_all_shows_puts_gets_and_backlog() {
    let c = Cluster::start().await;
    c.send("TopicS", 5).await;
    let fake = FakeClient::connect(&c.broker_addr, "SG", "TopicS", "PG").await;
    fake.commit(&c.broker_addr, "SG", "TopicS", 0, 2).await;
    wait_route(&c, "%RETRY%SG").await;
    // The broker samples its statistics every 10 s: ask until the puts show.
    let mut rows = Value::Null;
    for _ in 0..300 {
        rows = c.json(&["statsAll", "-t", "TopicS"]).await;
        if rows[0]["inMsg24Hour"] == 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let row = &rows[0];
    assert_eq!(row["topic"], "TopicS", "{rows}");
    assert_eq!(row["group"], "SG", "{rows}");
    assert_eq!(row["inMsg24Hour"], 5, "{rows}");
    assert_eq!(row["accumulation"], 3, "{rows}");
    let out = c.text(&["statsAll", "-t", "TopicS"]).await;
    assert!(
        has_header(
            &out,
            &[
                "#Topic",
                "#Consumer Group",
                "#Accumulation",
                "#InTPS",
                "#OutTPS",
                "#InMsg24Hour",
                "#OutMsg24Hour"
            ]
        ),
        "{out}"
    );
    // -a leaves out topics with no traffic.
    let active = c.json(&["statsAll", "-a"]).await;
    let topics: Vec<&str> = active
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["topic"].as_str())
        .collect();
    assert_eq!(topics, ["TopicS"], "{active}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timer_metrics_show_pending_timers_per_topic() {
    let c = Cluster::start().await;
    for i in 0..3 {
        let resp = c
            .send_with(
                "TimedTopic",
                0,
                None,
                None,
                format!("t{i}").as_bytes(),
                |h| {
                    let mut props = h.properties.take().unwrap_or_default();
                    props.push_str("TIMER_DELAY_SEC\u{1}3600\u{2}");
                    h.properties = Some(props);
                },
            )
            .await;
        assert_eq!(resp.code, 0, "{:?}", resp.remark);
    }
    let last = cometmq_testkit::wait::eventually("three timers pending", || async {
        let j = c.json(&["timerMetrics", "-b", &c.broker_addr]).await;
        let b = &j[&c.broker_addr];
        (b["runtime"]["timerCongestNum"] == "3" && b["timingCount"]["TimedTopic"]["count"] == 3)
            .then_some(j)
    })
    .await;
    let b = &last[&c.broker_addr];
    assert_eq!(b["runtime"]["timerCongestNum"], "3", "{last}");
    assert_eq!(b["timingCount"]["TimedTopic"]["count"], 3, "{last}");
    let out = c.text(&["timerMetrics", "-c", CLUSTER]).await;
    assert!(
        out.lines()
            .any(|l| l.contains("TimedTopic") && l.trim_end().ends_with('3')),
        "{out}"
    );
    c.stop().await;
}
