//! The broker tests' side of running beside Apache RocketMQ: the Java processes come from
//! `cometmq_testkit::java`; here is what needs this crate's `mqbroker` binary.

pub use cometmq_testkit::java::*;

use std::path::Path;

use cometmq_remoting::transport::RemotingClient;

/// CometMQ's `mqbroker -c conf`, logging into `home`, once it listens on `port`.
pub async fn mqbroker(conf: &Path, home: &Path, port: u16) -> Server {
    std::fs::create_dir_all(home).unwrap();
    let mut cmd = super::process::mqbroker(conf);
    cmd.env("RUST_LOG", "info,cometmq_broker::transaction=debug");
    Server::spawn(cmd, home.join("mqbroker.log"), port, "mqbroker").await
}

/// Sends UPDATE_AND_CREATE_TOPIC for `topic` with `queues` queues to the broker at `addr`.
pub async fn create_topic(c: &RemotingClient, addr: &str, topic: &str, queues: i32) {
    let req = cometmq_testkit::request::create_topic(topic, queues);
    let resp = c.invoke(addr, req, super::T).await.unwrap();
    assert_eq!(resp.code, 0, "{:?}", resp.remark);
}
