//! An in-process broker: its test config (127.0.0.1, an ephemeral port, small files in a
//! temp store) and its start, for a master or a slave.

use std::path::Path;

use cometmq_broker::broker::Broker;
use cometmq_broker::config::{BrokerConfig, BrokerRole, StoreConfig};

/// A master's config for tests: 127.0.0.1 on an ephemeral port, registering with
/// `namesrv`, its store in `store` with small files (4 MiB CommitLog files).
pub fn config(store: &Path, namesrv: &str) -> BrokerConfig {
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

/// Like [`config`], for the slave (`brokerId` 1) of the broker group of the same name.
pub fn slave_config(store: &Path, namesrv: &str) -> BrokerConfig {
    BrokerConfig {
        broker_role: BrokerRole::Slave,
        broker_id: 1,
        ..config(store, namesrv)
    }
}

/// Starts a broker with `config`; panics with the reason when it cannot start.
pub async fn start(config: BrokerConfig) -> Broker {
    match Broker::start(config).await {
        Ok(b) => b,
        Err(e) => panic!("the test broker did not start: {e}"),
    }
}
