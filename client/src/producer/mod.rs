//! Producing: the [`Producer`], the [`TransactionProducer`], send results, queue selectors,
//! publish info and latency fault tolerance.

mod builder;
mod default_producer;
mod fault;
mod publish_info;
mod request;
mod selector;
mod send;
mod send_result;
mod trace_hook;
mod transaction;

pub use builder::{ProducerBuilder, ProducerSettings, CLIENT_INNER_PRODUCER_GROUP, DEFAULT_TOPIC};
pub use default_producer::Producer;
pub use fault::{FaultItem, LatencyFaultTolerance, LatencyTable};
pub use publish_info::TopicPublishInfo;
pub use selector::{
    java_hash_index, MessageQueueSelector, SelectByHash, SelectByMachineRoom, SelectByRandom,
};
pub use send_result::{SendResult, SendStatus, DEFAULT_REGION};
pub use transaction::{
    LocalTransactionState, TransactionChecker, TransactionProducer, TransactionProducerBuilder,
    TransactionSendResult,
};
