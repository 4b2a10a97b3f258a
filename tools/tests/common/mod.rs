//! Whole-system fixtures for the admin tests: a real NameServer and broker on 127.0.0.1
//! with ephemeral ports and a temp store, the `mqadmin` binary, and a fake client that
//! heartbeats as a consumer and a producer and answers GET_CONSUMER_RUNNING_INFO.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use cometmq_broker::config::BrokerConfig;
use cometmq_client::admin::Admin;
use cometmq_remoting::body::client::{
    to_legacy_string, ConsumerData, ConsumerRunningInfo, HeartbeatData, ProducerData,
    SubscriptionData,
};
use cometmq_remoting::code::request;
use cometmq_remoting::transport::{fn_processor, RemotingClient, Router, TransportConfig};
use cometmq_remoting::RemotingCommand;
use serde_json::Value;

pub const T: Duration = Duration::from_secs(10);
pub const BROKER: &str = "broker-a";
pub const CLUSTER: &str = "DefaultCluster";

/// A NameServer and one broker in this process (`cometmq_testkit::cluster`), with the
/// admin tools' helpers.
pub struct Cluster(pub cometmq_testkit::cluster::Cluster);

impl std::ops::Deref for Cluster {
    type Target = cometmq_testkit::cluster::Cluster;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Cluster {
    pub async fn start() -> Cluster {
        Self::start_with(|_| {}).await
    }

    /// Starts the pair; `tweak` adjusts the broker's settings first.
    pub async fn start_with(tweak: impl FnOnce(&mut BrokerConfig)) -> Cluster {
        Cluster(cometmq_testkit::cluster::Cluster::start(tweak).await)
    }

    pub async fn stop(self) {
        self.0.stop().await;
    }

    /// An admin client of this cluster.
    pub fn admin(&self) -> Admin {
        Admin::new(&self.namesrv_addr).unwrap()
    }

    /// Runs `mqadmin -n <ns> args…`.
    pub async fn mqadmin(&self, args: &[&str]) -> Run {
        let mut all = vec!["-n", self.namesrv_addr.as_str()];
        all.extend_from_slice(args);
        mqadmin(&all).await
    }

    /// Runs `mqadmin -n <ns> args… --json`, asserts success, and parses stdout.
    pub async fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let run = self.mqadmin(&all).await;
        run.ok();
        serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: stdout is not JSON ({e}): {}", run.stdout))
    }

    /// Runs `mqadmin -n <ns> args…`, asserts success and returns stdout.
    pub async fn text(&self, args: &[&str]) -> String {
        let run = self.mqadmin(args).await;
        run.ok();
        run.stdout
    }

    /// Sends `n` messages to queue 0 of `topic` with `mqadmin sendMessage` (keys `key<i>`,
    /// tags alternating TagA/TagB, bodies `body-<i>`), then waits until they are dispatched.
    /// Returns the `--json` answers.
    pub async fn send(&self, topic: &str, n: usize) -> Vec<Value> {
        let mut out = Vec::new();
        for i in 0..n {
            let body = format!("body-{i}");
            let key = format!("key{i}");
            let tag = if i % 2 == 0 { "TagA" } else { "TagB" };
            out.push(
                self.json(&[
                    "sendMessage",
                    "-t",
                    topic,
                    "-p",
                    &body,
                    "-k",
                    &key,
                    "-c",
                    tag,
                    "-b",
                    BROKER,
                    "-i",
                    "0",
                ])
                .await,
            );
        }
        self.0.wait_max_offset(topic, 0, n as i64).await;
        out
    }
}

/// What a run of the binary printed.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts exit code 0.
    pub fn ok(&self) {
        assert_eq!(
            self.code, 0,
            "mqadmin failed: {}{}",
            self.stderr, self.stdout
        );
    }

    /// Asserts a failure with exit code `code` and exactly one line on stderr containing
    /// every one of `needles`; returns that line.
    pub fn fails(&self, code: i32, needles: &[&str]) -> String {
        assert_eq!(
            self.code, code,
            "stdout: {} stderr: {}",
            self.stdout, self.stderr
        );
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line expected: {:?}", self.stderr);
        assert!(lines[0].starts_with("error: "), "{}", lines[0]);
        for n in needles {
            assert!(lines[0].contains(n), "{:?} lacks {n:?}", lines[0]);
        }
        lines[0].to_owned()
    }
}

/// Runs the `mqadmin` binary with `args`, without NAMESRV_ADDR in its environment.
pub async fn mqadmin(args: &[&str]) -> Run {
    mqadmin_env(args, None).await
}

/// Runs the `mqadmin` binary with `args` and NAMESRV_ADDR set to `env` (or unset).
pub async fn mqadmin_env(args: &[&str], env: Option<&str>) -> Run {
    run(
        env!("CARGO_BIN_EXE_mqadmin"),
        args,
        env,
        Duration::from_secs(60),
    )
    .await
}

/// Runs the binary `bin` with `args` and NAMESRV_ADDR set to `env` (or unset), for at
/// most `limit` (a bound against hangs).
pub async fn run(bin: &str, args: &[&str], env: Option<&str>, limit: Duration) -> Run {
    let mut cmd = tokio::process::Command::new(bin);
    cmd.args(args).env_remove("NAMESRV_ADDR");
    if let Some(ns) = env {
        cmd.env("NAMESRV_ADDR", ns);
    }
    let out = tokio::time::timeout(limit, cmd.output())
        .await
        .unwrap_or_else(|_| panic!("{bin} timed out"))
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A client that heartbeats consumer group `group` (subscribed to `topic` with `*`) and
/// producer group `producer_group`, and answers GET_CONSUMER_RUNNING_INFO.
pub struct FakeClient {
    pub client: Arc<RemotingClient>,
    pub client_id: String,
}

impl FakeClient {
    pub async fn connect(
        broker_addr: &str,
        group: &str,
        topic: &str,
        producer_group: &str,
    ) -> FakeClient {
        let client_id = format!("127.0.0.1@fake-{group}");
        let sub_topic = topic.to_owned();
        let router = Router::new().route(
            request::GET_CONSUMER_RUNNING_INFO,
            fn_processor(move |_conn, req: RemotingCommand| {
                let topic = sub_topic.clone();
                async move {
                    let mut info = ConsumerRunningInfo::default();
                    info.properties
                        .insert("PROP_CONSUME_TYPE".into(), "CONSUME_PASSIVELY".into());
                    info.subscription_set
                        .push(SubscriptionData::for_tags(topic.clone(), "*", 1));
                    info.mq_table.insert(
                        cometmq_client::MessageQueue::new(topic, BROKER, 0),
                        Default::default(),
                    );
                    let body = to_legacy_string(&info).unwrap();
                    Some(
                        RemotingCommand::success()
                            .with_body(body.into_bytes())
                            .answer(req.opaque),
                    )
                }
            }),
        );
        let client = Arc::new(RemotingClient::with_handler(
            TransportConfig::default(),
            Arc::new(router),
        ));
        let hb = HeartbeatData {
            client_id: client_id.clone(),
            consumer_data_set: vec![ConsumerData {
                group_name: group.into(),
                subscription_data_set: vec![SubscriptionData::for_tags(topic, "*", 1)],
                ..Default::default()
            }],
            producer_data_set: vec![ProducerData {
                group_name: producer_group.into(),
            }],
            ..Default::default()
        };
        let req = cometmq_testkit::request::heartbeat(&hb);
        let resp = client.invoke(broker_addr, req, T).await.unwrap();
        assert_eq!(resp.code, 0, "heartbeat: {:?}", resp.remark);
        FakeClient { client, client_id }
    }

    /// Commits `offset` for `group` on queue `queue_id` of `topic`.
    pub async fn commit(
        &self,
        broker_addr: &str,
        group: &str,
        topic: &str,
        queue_id: i32,
        offset: i64,
    ) {
        let req = cometmq_testkit::request::commit_offset(group, topic, queue_id, offset);
        let resp = self.client.invoke(broker_addr, req, T).await.unwrap();
        assert_eq!(resp.code, 0, "commit: {:?}", resp.remark);
    }
}
