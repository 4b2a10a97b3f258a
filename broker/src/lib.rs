//! The CometMQ broker: RocketMQ-compatible request processors over the store.
//!
//! - [`config`]: `broker.conf` settings under RocketMQ's key names.
//! - [`state`]: what the processors share; [`topics`], [`groups`], [`consumer_offsets`],
//!   [`clients`], [`locks`]: the broker's tables, each with one owner, saved through
//!   [`config_file`].
//! - [`processor`]: request handlers by area, and the router.
//! - [`stats`]: throughput rates sampled in the background for the admin reads.
//! - [`append`]: the one way a message is written (build, redirect, put, wait).
//! - [`schedule`], [`transaction`]: delay levels and transactional (half) messages.
//! - [`broker`]: start-up, the servers, registration with NameServers, shutdown.
//! - [`replication`], [`slave_sync`]: master/slave roles over the store's HA stream, and a
//!   slave's metadata sync.

pub mod append;
pub mod broker;
pub mod clients;
pub mod config;
pub mod config_file;
pub mod consumer_offsets;
pub mod error;
pub mod filter;
pub mod groups;
pub mod locks;
pub mod metrics;
pub mod pop;
pub mod processor;
pub mod register;
pub mod replication;
pub mod schedule;
pub mod slave_sync;
pub mod state;
pub mod stats;
pub mod topic_names;
pub mod topics;
pub mod transaction;

/// Why a broker could not start.
#[derive(Debug, thiserror::Error)]
pub enum BrokerStartError {
    /// The store could not open.
    #[error("cannot open the store: {0}")]
    Store(#[from] cometmq_store::StoreError),
    /// A config file could not be read or written.
    #[error("config files: {0}")]
    Io(#[from] std::io::Error),
    /// The settings are invalid.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// A port could not be bound.
    #[error("cannot listen: {0}")]
    Listen(#[from] cometmq_remoting::RemotingError),
    /// The metrics settings cannot be honoured (an exporter type we do not implement, or
    /// the endpoint's address); the message names the key.
    #[error("{0}")]
    Metrics(String),
}
