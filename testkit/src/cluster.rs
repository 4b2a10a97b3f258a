//! A NameServer and one broker in this process, with their temp directories and a raw
//! remoting client for the requests of [`crate::calls`]; stopped, restarted on the same
//! store, or attached to a broker that runs elsewhere.

use cometmq_broker::broker::Broker;
use cometmq_broker::config::BrokerConfig;
use cometmq_namesrv::NameServer;
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use tempfile::TempDir;

use crate::namesrv::Namesrv;

/// A NameServer and one broker, with their temp directories.
pub struct Cluster {
    pub namesrv: Option<NameServer>,
    pub broker: Option<Broker>,
    pub namesrv_addr: String,
    pub broker_addr: String,
    pub store_dir: TempDir,
    /// The NameServer's files.
    pub kv_dir: TempDir,
    pub client: RemotingClient,
}

impl Cluster {
    /// Starts a NameServer and a broker with [`crate::broker::config`]; `tweak` adjusts
    /// the broker config first.
    pub async fn start(tweak: impl FnOnce(&mut BrokerConfig)) -> Cluster {
        let Namesrv { server, addr, dir } = Namesrv::start().await;
        let store_dir = tempfile::tempdir().expect("a temp dir for the store");
        let mut cfg = crate::broker::config(store_dir.path(), &addr);
        tweak(&mut cfg);
        let broker = crate::broker::start(cfg).await;
        Cluster {
            namesrv: server,
            broker_addr: broker.broker_addr().to_string(),
            broker: Some(broker),
            namesrv_addr: addr,
            store_dir,
            kv_dir: dir,
            client: RemotingClient::new(TransportConfig::default()),
        }
    }

    /// A handle on a broker that runs elsewhere (a child process): the requests work,
    /// nothing is started or stopped.
    pub async fn attach(broker_addr: &str) -> Cluster {
        Cluster {
            namesrv: None,
            broker: None,
            namesrv_addr: String::new(),
            broker_addr: broker_addr.to_string(),
            store_dir: tempfile::tempdir().expect("a temp dir"),
            kv_dir: tempfile::tempdir().expect("a temp dir"),
            client: RemotingClient::new(TransportConfig::default()),
        }
    }

    /// Stops the broker cleanly and starts it again on the same store; `tweak` adjusts
    /// the new broker's config.
    pub async fn restart_broker(&mut self, tweak: impl FnOnce(&mut BrokerConfig)) {
        if let Some(b) = self.broker.take() {
            b.shutdown().await;
        }
        let mut cfg = crate::broker::config(self.store_dir.path(), &self.namesrv_addr);
        tweak(&mut cfg);
        let broker = crate::broker::start(cfg).await;
        self.broker_addr = broker.broker_addr().to_string();
        self.client.close_connections(&self.broker_addr);
        self.broker = Some(broker);
    }

    /// Starts a slave (`brokerId` 1) of this cluster's broker group in this process, with
    /// a store of its own (returned with it: keep it as long as the slave runs); `tweak`
    /// adjusts its config ([`crate::broker::slave_config`]) first.
    pub async fn start_slave(&self, tweak: impl FnOnce(&mut BrokerConfig)) -> (Broker, TempDir) {
        let store = tempfile::tempdir().expect("a temp dir for the slave's store");
        let mut cfg = crate::broker::slave_config(store.path(), &self.namesrv_addr);
        tweak(&mut cfg);
        (crate::broker::start(cfg).await, store)
    }

    /// Stops the client, the broker and the NameServer, in that order.
    pub async fn stop(mut self) {
        self.client.shutdown().await;
        if let Some(b) = self.broker.take() {
            b.shutdown().await;
        }
        if let Some(ns) = self.namesrv.take() {
            ns.shutdown().await;
        }
    }
}
