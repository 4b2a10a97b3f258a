//! CometMQ's controller: RocketMQ 5's controller mode (RIP-44). A small Raft group
//! (openraft) keeps, per broker group, the members and their ids, the master and its
//! epoch, and the SyncStateSet and its epoch; the leader elects a new master from the
//! in-sync replicas when a master's heartbeats stop.
//!
//! - [`config`]: `ControllerConfig`'s keys (`controllerDLegerPeers`, …).
//! - [`state`]: the replicated state and the [`Event`](state::Event)s that change it.
//! - [`decide`]: Java's checks of each write, giving the answer and the event to log.
//! - [`elect`]: the election policy. [`heartbeat`]: brokers alive by their heartbeats.
//! - [`raft`]: openraft's storage over files, and its RPC over the remoting transport.
//! - [`node`]: a running controller. [`processor`]: its request codes.
//!
//! The headers and bodies are in `cometmq_remoting` (`header::controller`,
//! `body::controller`), shared with mqadmin.

pub mod config;
pub mod decide;
pub mod elect;
pub mod error;
pub mod heartbeat;
pub mod node;
pub mod processor;
pub mod raft;
pub mod state;

pub use config::ControllerConfig;
pub use error::ControllerError;
pub use node::Controller;
pub use processor::ControllerProcessor;
