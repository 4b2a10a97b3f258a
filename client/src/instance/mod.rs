//! The client instance: configuration, client id, NameServer access with failover, the
//! route cache, heartbeats, and answers to the requests brokers send to clients.

mod config;
mod namesrv;
mod route;

pub use config::{local_ip, ClientConfig, DEFAULT_INSTANCE_NAME};
pub use namesrv::NameServers;
pub use route::{
    broker_data, cap_queue_nums, merge_broker_addrs, publish_info, subscribe_queues,
    BrokerAddrTable,
};
