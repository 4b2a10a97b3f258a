//! Helpers shared by the NameServer tests: a real server on 127.0.0.1:0 with its files in a
//! temp dir, a client, and broker registration.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Not every test binary uses every re-export.
#![allow(unused_imports)]

use std::time::Duration;

use cometmq_namesrv::NamesrvConfig;
use cometmq_remoting::body::{
    fastjson, JsonStyle, RegisterBrokerBody, TopicConfig, TopicRouteData,
};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    GetRouteInfoRequestHeader, RegisterBrokerRequestHeader, RegisterBrokerResponseHeader,
};
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::namesrv::Namesrv;
use tempfile::TempDir;

pub const TIMEOUT: Duration = Duration::from_secs(5);

/// A running NameServer (`cometmq_testkit::namesrv`) with a client.
pub struct TestServer {
    pub ns: Namesrv,
    pub client: RemotingClient,
}

impl std::ops::Deref for TestServer {
    type Target = Namesrv;
    fn deref(&self) -> &Namesrv {
        &self.ns
    }
}

/// Applies `extra` (`key=value` lines) to `c`.
pub fn apply(c: &mut NamesrvConfig, extra: &str) {
    let unknown = c
        .apply(&cometmq_namesrv::properties::parse(extra).expect("valid properties"))
        .expect("valid test config");
    assert!(unknown.is_empty(), "unknown keys {unknown:?}");
}

impl TestServer {
    pub async fn start(extra: &str) -> TestServer {
        TestServer {
            ns: Namesrv::start_with(|c| apply(c, extra)).await,
            client: RemotingClient::new(TransportConfig::default()),
        }
    }

    /// Stops the server and starts a new one on the same files.
    pub async fn restart(&mut self, extra: &str) {
        self.ns.restart_with(|c| apply(c, extra)).await;
    }

    pub async fn call(&self, cmd: RemotingCommand) -> RemotingCommand {
        self.client.invoke(&self.addr, cmd, TIMEOUT).await.unwrap()
    }

    /// GET_ROUTEINFO_BY_TOPIC as a current Java client (standard JSON).
    pub async fn route(&self, topic: &str) -> Option<TopicRouteData> {
        let resp = self.route_raw(topic, 479, None).await;
        match resp.code {
            response::SUCCESS => Some(fastjson::from_slice(&resp.body.to_bytes()).unwrap()),
            response::TOPIC_NOT_EXIST => None,
            c => panic!("unexpected route response {c}: {:?}", resp.remark),
        }
    }

    pub async fn route_raw(
        &self,
        topic: &str,
        version: i32,
        standard: Option<bool>,
    ) -> RemotingCommand {
        let mut cmd = RemotingCommand::request_with_header(
            request::GET_ROUTEINFO_BY_TOPIC,
            &GetRouteInfoRequestHeader {
                topic: topic.into(),
                accept_standard_json_only: standard,
            },
        );
        cmd.version = version;
        self.call(cmd).await
    }

    pub async fn shutdown(self) {
        self.client.shutdown().await;
        self.ns.stop().await;
    }
}

/// A broker as it registers.
#[derive(Clone)]
pub struct Broker {
    pub cluster: String,
    pub name: String,
    pub id: i64,
    pub addr: String,
    pub ha_addr: String,
    pub counter: i64,
    pub topics: Vec<(String, i32)>,
    pub compressed: bool,
    pub heartbeat_timeout_millis: Option<i64>,
}

impl Broker {
    pub fn master(name: &str, addr: &str, topics: &[(&str, i32)]) -> Broker {
        Broker {
            cluster: "DefaultCluster".into(),
            name: name.into(),
            id: 0,
            addr: addr.into(),
            ha_addr: ha_of(addr),
            counter: 1,
            topics: topics.iter().map(|(t, q)| ((*t).into(), *q)).collect(),
            compressed: false,
            heartbeat_timeout_millis: None,
        }
    }

    pub fn slave(name: &str, id: i64, addr: &str) -> Broker {
        Broker {
            id,
            ..Broker::master(name, addr, &[])
        }
    }

    pub fn body(&self) -> RegisterBrokerBody {
        let mut body = RegisterBrokerBody::default();
        let w = &mut body.topic_config_serialize_wrapper;
        w.data_version.counter = self.counter;
        w.data_version.timestamp = 1_700_000_000_000 + self.counter;
        for (t, q) in &self.topics {
            w.topic_config_table
                .insert(t.clone(), TopicConfig::new(t.clone(), *q));
        }
        body
    }

    pub fn request(&self) -> RemotingCommand {
        let body = self.body().encode(self.compressed).unwrap();
        let header = RegisterBrokerRequestHeader {
            broker_name: self.name.clone(),
            broker_addr: self.addr.clone(),
            cluster_name: self.cluster.clone(),
            ha_server_addr: self.ha_addr.clone(),
            broker_id: self.id,
            heartbeat_timeout_millis: self.heartbeat_timeout_millis,
            enable_acting_master: Some(false),
            compressed: Some(self.compressed),
            body_crc32: Some((crc32fast::hash(&body) & 0x7FFF_FFFF) as i32),
            zone_name: None,
        };
        RemotingCommand::request_with_header(request::REGISTER_BROKER, &header).with_body(body)
    }

    /// Registers through `client` and returns the RegisterBrokerResult.
    pub async fn register(
        &self,
        client: &RemotingClient,
        addr: &str,
    ) -> RegisterBrokerResponseHeader {
        let resp = client.invoke(addr, self.request(), TIMEOUT).await.unwrap();
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
        resp.decode_header().unwrap()
    }
}

fn ha_of(addr: &str) -> String {
    let (host, port) = addr.rsplit_once(':').unwrap();
    format!("{host}:{}", port.parse::<u32>().unwrap() + 1)
}

pub use cometmq_testkit::wait::eventually;

/// Decodes a legacy-or-standard JSON body.
pub fn body<T: serde::de::DeserializeOwned>(resp: &RemotingCommand) -> T {
    fastjson::from_slice(&resp.body.to_bytes()).unwrap()
}

pub fn legacy<T: serde::Serialize>(v: &T) -> Vec<u8> {
    fastjson::to_vec(v, JsonStyle::Legacy).unwrap()
}
