//! The CometMQ NameServer: the address book of a RocketMQ cluster (reference §12).
//!
//! Brokers register with every NameServer every 30 s ([`route_table`]); clients ask any of them
//! for topic routes ([`processor`]). A broker not heard from within its timeout, or whose
//! connection closes, is dropped with its queues. A small KV store ([`kv_config`]) holds
//! ordered-topic layouts and other namespaced settings, persisted as JSON.
//!
//! - [`NameServer`] ([`server`]): starts everything on a [`NamesrvConfig`] ([`config`]).
//! - [`NamesrvError`] ([`error`]): every failure and its response code.

mod channels;
mod expiry;

pub mod config;
pub mod error;
pub mod kv_config;
pub mod metrics;
pub mod processor;
pub mod route_table;
pub mod server;

/// Java `.properties` text, shared with the broker (kept under its old path).
pub use cometmq_remoting::java_properties as properties;

pub use config::NamesrvConfig;
pub use error::NamesrvError;
pub use server::NameServer;
