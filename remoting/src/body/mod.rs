//! JSON bodies shared by NameServer, broker and client (reference §4), written the way
//! RocketMQ's fastjson writes them and read leniently.
//!
//! - [`fastjson`]: the writer ([`JsonStyle::Legacy`] bare integer map keys, or
//!   [`JsonStyle::Standard`]) and the lenient reader accepting both.
//! - Route data: [`TopicRouteData`], [`QueueData`], [`BrokerData`]; [`ClusterInfo`].
//! - Topic tables: [`TopicConfig`], [`TopicConfigSerializeWrapper`], [`DataVersion`],
//!   [`RegisterBrokerBody`] (JSON or zlib-compressed).
//! - Lists: [`TopicList`], [`KvTable`].
//! - Admin reads: [`TopicStatsTable`], [`ConsumeStats`], [`QueryConsumeTimeSpanBody`],
//!   [`ConsumerConnection`], [`ProducerConnection`].
//!
//! Every struct names its fields in alphabetical order, so the output matches fastjson's
//! field order; missing fields read as Java's defaults and unknown fields are ignored.
//!
//! ```
//! use cometmq_remoting::body::{fastjson, BrokerData, JsonStyle};
//! let b = BrokerData {
//!     broker_addrs: [(0, "10.0.0.1:10911".to_owned())].into(),
//!     broker_name: "broker-a".into(),
//!     cluster: "C".into(),
//!     ..Default::default()
//! };
//! let legacy = fastjson::to_string(&b, JsonStyle::Legacy).unwrap();
//! assert!(legacy.starts_with(r#"{"brokerAddrs":{0:"10.0.0.1:10911"}"#));
//! let standard = fastjson::to_string(&b, JsonStyle::Standard).unwrap();
//! assert!(standard.starts_with(r#"{"brokerAddrs":{"0":"10.0.0.1:10911"}"#));
//! assert_eq!(fastjson::from_slice::<BrokerData>(legacy.as_bytes()).unwrap(), b);
//! ```

pub mod client;
pub mod fastjson;

mod admin_lists;
mod admin_stats;
mod cluster_info;
mod connection;
mod consumer_offsets;
mod data_version;
mod lists;
pub mod pop;
mod register_broker;
mod route;
mod subscription_group;
mod topic_config;

pub use admin_lists::{
    ConsumeQueueData, ConsumeStatsList, CreateTopicListRequestBody, ProducerInfo,
    ProducerTableInfo, QueryConsumeQueueResponseBody, QueryCorrectionOffsetBody,
    QuerySubscriptionResponseBody, SubscriptionGroupList,
};
pub use admin_stats::{
    BrokerStatsData, BrokerStatsItem, ConsumeStats, OffsetWrapper, QueryConsumeTimeSpanBody,
    QueueTimeSpan, TopicOffset, TopicStatsTable,
};
pub use cluster_info::ClusterInfo;
pub use connection::{Connection, ConsumerConnection, ProducerConnection};
pub use consumer_offsets::ConsumerOffsetWrapper;
pub use data_version::DataVersion;
pub use fastjson::JsonStyle;
pub use lists::{KvTable, TopicList};
pub use register_broker::RegisterBrokerBody;
pub use route::{
    BrokerData, BrokerMemberGroup, GetBrokerMemberGroupResponseBody, QueueData, TopicRouteData,
    MASTER_ID,
};
pub use subscription_group::{SubscriptionGroupConfig, SubscriptionGroupWrapper};
pub use topic_config::{perm, topic_sys_flag, TopicConfig, TopicConfigSerializeWrapper};

/// A body that could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// Not valid JSON for the expected type.
    #[error("bad JSON body: {0}")]
    Json(#[from] serde_json::Error),
    /// Text that should be UTF-8 is not.
    #[error("body is not UTF-8")]
    NotUtf8,
    /// A binary layout (the compressed REGISTER_BROKER body) is malformed.
    #[error("bad body: {0}")]
    Invalid(String),
    /// Compression failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}
