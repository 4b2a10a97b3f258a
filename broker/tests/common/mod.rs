//! Whole-system test fixtures: a real NameServer and broker on 127.0.0.1 with ephemeral
//! ports and a temp store, plus a raw remoting client to talk to them.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod ha;
pub mod java;
pub mod process;

pub mod txn;

use std::time::Duration;

use bytes::Bytes;
use cometmq_broker::broker::Broker;
use cometmq_broker::config::{BrokerConfig, StoreConfig};
use cometmq_namesrv::NameServer;
use cometmq_remoting::body::client::{ConsumerData, HeartbeatData, SubscriptionData};
use cometmq_remoting::body::fastjson;
use cometmq_remoting::code::request;
use cometmq_remoting::header::{
    ConsumerSendMsgBackRequestHeader, PullMessageRequestHeader, SendMessageRequestHeaderV2,
};
use cometmq_remoting::message::{decode_records, MessageExt, Properties};
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::request::{offset_of, pull_header, queue_offset, send_header};

pub const T: Duration = Duration::from_secs(10);

/// A NameServer and one broker, with their temp directories.
pub struct Cluster {
    pub namesrv: Option<NameServer>,
    pub broker: Option<Broker>,
    pub namesrv_addr: String,
    pub broker_addr: String,
    pub store_dir: tempfile::TempDir,
    pub kv_dir: tempfile::TempDir,
    pub client: RemotingClient,
}

impl Cluster {
    /// Starts a NameServer and a broker; `tweak` adjusts the broker config.
    pub async fn start(tweak: impl FnOnce(&mut BrokerConfig)) -> Cluster {
        let (ns, kv_dir) = cometmq_testkit::namesrv::start().await;
        let namesrv_addr = ns.local_addr().to_string();
        let store_dir = tempfile::tempdir().unwrap();
        let mut cfg = test_config(store_dir.path(), &namesrv_addr);
        tweak(&mut cfg);
        let broker = Broker::start(cfg).await.unwrap();
        let broker_addr = broker.broker_addr().to_string();
        Cluster {
            namesrv: Some(ns),
            broker: Some(broker),
            namesrv_addr,
            broker_addr,
            store_dir,
            kv_dir,
            client: RemotingClient::new(TransportConfig::default()),
        }
    }

    /// Stops the broker cleanly and starts it again on the same store.
    pub async fn restart_broker(&mut self, tweak: impl FnOnce(&mut BrokerConfig)) {
        if let Some(b) = self.broker.take() {
            b.shutdown().await;
        }
        let mut cfg = test_config(self.store_dir.path(), &self.namesrv_addr);
        tweak(&mut cfg);
        let broker = Broker::start(cfg).await.unwrap();
        self.broker_addr = broker.broker_addr().to_string();
        self.client.close_connections(&self.broker_addr);
        self.broker = Some(broker);
    }

    pub async fn stop(mut self) {
        self.client.shutdown().await;
        if let Some(b) = self.broker.take() {
            b.shutdown().await;
        }
        if let Some(ns) = self.namesrv.take() {
            ns.shutdown().await;
        }
    }

    /// Sends a request to the broker.
    pub async fn call(&self, req: RemotingCommand) -> RemotingCommand {
        self.client.invoke(&self.broker_addr, req, T).await.unwrap()
    }

    /// Sends one message with SEND_MESSAGE_V2; returns the response.
    pub async fn send(
        &self,
        topic: &str,
        queue_id: i32,
        tags: Option<&str>,
        keys: Option<&str>,
        body: &[u8],
    ) -> RemotingCommand {
        self.send_with(topic, queue_id, tags, keys, body, |_| {})
            .await
    }

    /// Like [`Self::send`], with a chance to edit the header.
    pub async fn send_with(
        &self,
        topic: &str,
        queue_id: i32,
        tags: Option<&str>,
        keys: Option<&str>,
        body: &[u8],
        edit: impl FnOnce(&mut SendMessageRequestHeaderV2),
    ) -> RemotingCommand {
        let mut props = Properties::new();
        if let Some(t) = tags {
            props.insert("TAGS", t);
        }
        if let Some(k) = keys {
            props.insert("KEYS", k);
        }
        props.insert("UNIQ_KEY", cometmq_remoting::message::create_uniq_key());
        let mut h = SendMessageRequestHeaderV2 {
            born_timestamp: 1,
            ..send_header("PG", topic, queue_id, &props)
        };
        edit(&mut h);
        let req = RemotingCommand::request_with_header(request::SEND_MESSAGE_V2, &h)
            .with_body(Bytes::copy_from_slice(body));
        self.call(req).await
    }

    /// Sends a consumed message back for retry (CONSUMER_SEND_MSG_BACK).
    pub async fn send_back(&self, back: &ConsumerSendMsgBackRequestHeader) -> RemotingCommand {
        self.call(RemotingCommand::request_with_header(
            request::CONSUMER_SEND_MSG_BACK,
            back,
        ))
        .await
    }

    /// Registers a consumer group subscription by heartbeat on the client's connection.
    pub async fn heartbeat(&self, group: &str, topic: &str, expression: &str) -> RemotingCommand {
        let hb = HeartbeatData {
            client_id: format!("127.0.0.1@{group}"),
            consumer_data_set: vec![ConsumerData {
                group_name: group.into(),
                subscription_data_set: vec![SubscriptionData::for_tags(topic, expression, 1)],
                ..Default::default()
            }],
            ..Default::default()
        };
        let body = fastjson::to_vec(&hb, fastjson::JsonStyle::Legacy).unwrap();
        self.call(RemotingCommand::request(request::HEART_BEAT).with_body(body))
            .await
    }

    /// Pulls with an explicit subscription (SUBSCRIPTION flag); `suspend_ms` > 0 allows
    /// long polling.
    pub async fn pull(
        &self,
        group: &str,
        topic: &str,
        queue_id: i32,
        offset: i64,
        expression: &str,
        suspend_ms: i64,
    ) -> RemotingCommand {
        let mut h = pull_header(group, topic, queue_id, offset, expression);
        if suspend_ms > 0 {
            h.sys_flag |= PullMessageRequestHeader::FLAG_SUSPEND;
            h.suspend_timeout_millis = suspend_ms;
        }
        let req = RemotingCommand::request_with_header(request::PULL_MESSAGE, &h);
        self.client
            .invoke(
                &self.broker_addr,
                req,
                T + Duration::from_millis(suspend_ms as u64),
            )
            .await
            .unwrap()
    }
}

/// A broker config for tests: ephemeral port, small files, the given store and NameServer.
pub fn test_config(store: &std::path::Path, namesrv: &str) -> BrokerConfig {
    BrokerConfig {
        broker_ip1: "127.0.0.1".into(),
        listen_port: 0,
        namesrv_addr: namesrv.into(),
        store: StoreConfig {
            store_path_root_dir: store.to_path_buf(),
            mapped_file_size_commit_log: 4 * 1024 * 1024,
            mapped_file_size_consume_queue: 20 * 1000,
            max_hash_slot_num: 1000,
            max_index_num: 4000,
            ..StoreConfig::default()
        },
        ..BrokerConfig::default()
    }
}

/// The records of a pull or query body.
pub fn messages(resp: &RemotingCommand) -> Vec<MessageExt> {
    decode_records(resp.body.to_bytes())
        .map(|m| m.unwrap())
        .collect()
}

impl Cluster {
    /// Pulls (with long polling) from `from` until the queue's next offset reaches `until`,
    /// collecting the messages that pass `expression`.
    pub async fn pull_until(
        &self,
        group: &str,
        topic: &str,
        queue_id: i32,
        from: i64,
        expression: &str,
        until: i64,
    ) -> Vec<MessageExt> {
        let mut offset = from;
        let mut out = Vec::new();
        for _ in 0..1000 {
            if offset >= until {
                break;
            }
            let resp = self
                .pull(group, topic, queue_id, offset, expression, 5_000)
                .await;
            let h: cometmq_remoting::header::PullMessageResponseHeader =
                resp.decode_header().unwrap();
            if resp.code == cometmq_remoting::code::response::SUCCESS {
                out.extend(messages(&resp));
            }
            offset = h.next_begin_offset.max(offset);
        }
        out
    }
}

impl Cluster {
    /// The queue's max offset (GET_MAX_OFFSET).
    pub async fn max_offset(&self, topic: &str, queue_id: i32) -> i64 {
        let req = queue_offset(request::GET_MAX_OFFSET, topic, queue_id);
        offset_of(&self.call(req).await)
    }

    /// Waits (bounded) until the queue's max offset reaches `at_least`: appends become
    /// visible once the dispatcher has indexed them.
    pub async fn wait_max_offset(&self, topic: &str, queue_id: i32, at_least: i64) -> i64 {
        let mut seen = -1;
        for _ in 0..500 {
            seen = self.max_offset(topic, queue_id).await;
            if seen >= at_least {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        seen
    }
}

/// Polls `check` every 50 ms until it yields a value, for at most `limit` (a bound, not
/// a performance expectation); panics naming `what` when it never does.
pub async fn eventually<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out after {limit:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    cometmq_broker::state::now_ms()
}

impl Cluster {
    /// A handle on a broker that runs elsewhere (a child process): the request helpers
    /// work, nothing is started or stopped.
    pub async fn attach(broker_addr: &str) -> Cluster {
        Cluster {
            namesrv: None,
            broker: None,
            namesrv_addr: String::new(),
            broker_addr: broker_addr.to_string(),
            store_dir: tempfile::tempdir().unwrap(),
            kv_dir: tempfile::tempdir().unwrap(),
            client: RemotingClient::new(TransportConfig::default()),
        }
    }
}
