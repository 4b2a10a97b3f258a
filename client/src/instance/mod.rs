//! The client instance: configuration, client id, NameServer access with failover, the
//! route cache, heartbeats, and answers to the requests brokers send to clients.
//!
//! - [`ClientConfig`]: settings and the client id (reference §11.1).
//! - [`NameServers`]: NameServer requests with failover across addresses.
//! - [`ClientInstance`]: routes, heartbeats, registered [`ProducerMember`]s and
//!   [`ConsumerMember`]s, and the broker → client request handler.
//! - [`publish_info`] / [`subscribe_queues`]: what a route means for producers and consumers.

mod client;
mod config;
mod handler;
mod heartbeat;
mod member_traits;
mod namesrv;
mod replies;
mod route;

pub use client::ClientInstance;
pub use config::{local_ip, ClientConfig, DEFAULT_INSTANCE_NAME};
pub use member_traits::{ConsumerMember, ProducerMember};
pub use namesrv::NameServers;
pub use replies::Replies;
pub use route::{
    broker_data, cap_queue_nums, merge_broker_addrs, publish_info, subscribe_queues,
    BrokerAddrTable,
};
