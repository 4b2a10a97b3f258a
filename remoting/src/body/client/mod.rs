//! Bodies of the client protocol (reference §3.8, §4.3): heartbeats, consumer lists, queue
//! locks, offset resets, and [`MessageQueue`] with the fastjson form of maps keyed by it.
//!
//! Written by clients and read by brokers (and the other way round), so both sides use
//! these types.

mod heartbeat;
mod lists;
mod lock;
mod message_queue;
mod mq_map;
mod reset_offset;
mod running_info;

pub use heartbeat::{
    nullable, ConsumeFromWhere, ConsumeType, ConsumerData, HeartbeatData, MessageModel,
    ProducerData, SubscriptionData, EXPRESSION_SQL92, EXPRESSION_TAG, SUB_ALL,
};
pub use lists::{ConsumerListBody, GroupList};
pub use lock::{LockBatchRequestBody, LockBatchResponseBody};
pub use message_queue::{java_cmp, MessageQueue};
pub use mq_map::{parse_mq_key, serde_mq_map, to_legacy_string, unquote_object_keys};
pub use reset_offset::ResetOffsetBody;
pub use running_info::{
    ConsumeMessageDirectlyResult, ConsumeResult, ConsumeStatus, ConsumerRunningInfo,
    GetConsumerStatusBody, ProcessQueueInfo, PROP_CLIENT_VERSION, PROP_CONSUMEORDERLY,
    PROP_CONSUMER_START_TIMESTAMP, PROP_CONSUME_TYPE, PROP_NAMESERVER_ADDR,
    PROP_THREADPOOL_CORE_SIZE,
};
