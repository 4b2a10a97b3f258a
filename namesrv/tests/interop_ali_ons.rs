//! Interop: ali-ons 3.12.0 (Node.js, written outside this project) resolves topic routes from
//! our NameServer. Skipped, with a message, when `node` or `tests/node_modules/ali-ons` is
//! absent (`cd tests && npm ci` installs it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::WipeWritePermOfBrokerRequestHeader;
use cometmq_remoting::RemotingCommand;
use common::{Broker, TestServer};
use serde_json::Value;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The script to run, or `None` (with the reason printed) when the tools are missing.
fn interop_script(name: &str) -> Option<PathBuf> {
    let root = repo_root();
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("SKIPPED: `node` is not installed");
        return None;
    }
    if !root
        .join("tests/node_modules/ali-ons/package.json")
        .exists()
    {
        println!("SKIPPED: ali-ons is not installed (run `cd tests && npm ci`)");
        return None;
    }
    Some(root.join("tests/interop").join(name))
}

async fn run_node(script: &PathBuf, args: &[&str]) -> Value {
    let child = tokio::process::Command::new("node")
        .arg(script)
        .args(args)
        .kill_on_drop(true)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("node script timed out")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "node failed: {stderr}\n{stdout}");
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON result from node; stdout: {stdout}\nstderr: {stderr}"));
    serde_json::from_str(line).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn ali_ons_resolves_a_topic_route() {
    let Some(script) = interop_script("route.js") else {
        return;
    };
    let s = TestServer::start("").await;
    Broker::master("broker-a", "127.0.0.1:40911", &[("InteropTopic", 4)])
        .register(&s.client, &s.addr)
        .await;
    Broker::slave("broker-a", 1, "127.0.0.1:40921")
        .register(&s.client, &s.addr)
        .await;
    Broker::master("broker-b", "127.0.0.1:40931", &[("InteropTopic", 2)])
        .register(&s.client, &s.addr)
        .await;
    // broker-b becomes read-only: ali-ons must publish to broker-a only, read from both.
    let wipe = RemotingCommand::request_with_header(
        request::WIPE_WRITE_PERM_OF_BROKER,
        &WipeWritePermOfBrokerRequestHeader {
            broker_name: "broker-b".into(),
        },
    );
    assert_eq!(s.call(wipe).await.code, response::SUCCESS);

    let result = run_node(&script, &[&s.addr, "InteropTopic", "NoSuchTopic"]).await;

    let route = &result["route"];
    let queue_datas = route["queueDatas"].as_array().unwrap();
    assert_eq!(queue_datas.len(), 2);
    assert_eq!(queue_datas[0]["brokerName"], "broker-a");
    assert_eq!(queue_datas[0]["writeQueueNums"], 4);
    assert_eq!(queue_datas[0]["readQueueNums"], 4);
    assert_eq!(queue_datas[1]["brokerName"], "broker-b");
    assert_eq!(queue_datas[1]["perm"], 4);
    let broker_a = &route["brokerDatas"][0];
    assert_eq!(broker_a["brokerName"], "broker-a");
    assert_eq!(broker_a["brokerAddrs"]["0"], "127.0.0.1:40911");
    assert_eq!(broker_a["brokerAddrs"]["1"], "127.0.0.1:40921");

    assert_eq!(
        strings(&result["publishQueues"]),
        ["broker-a:0", "broker-a:1", "broker-a:2", "broker-a:3"]
    );
    assert_eq!(strings(&result["subscribeQueues"]).len(), 6);
    assert_eq!(result["masterOfBrokerA"], "127.0.0.1:40911");
    assert_eq!(result["brokerAddrs"]["broker-b"]["0"], "127.0.0.1:40931");

    let missing = &result["missing"];
    assert_eq!(missing["error"], "MQClientException");
    assert_eq!(missing["code"], response::TOPIC_NOT_EXIST);
    assert!(missing["message"]
        .as_str()
        .unwrap()
        .contains("No topic route info in name server for the topic: NoSuchTopic"));
    s.shutdown().await;
}
