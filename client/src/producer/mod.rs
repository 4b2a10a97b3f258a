//! Producing: send results, queue selectors, publish info and latency fault tolerance.

mod fault;
mod publish_info;
mod selector;
mod send_result;

pub use fault::{FaultItem, LatencyFaultTolerance, LatencyTable};
pub use publish_info::TopicPublishInfo;
pub use selector::{
    java_hash_index, MessageQueueSelector, SelectByHash, SelectByMachineRoom, SelectByRandom,
};
pub use send_result::{SendResult, SendStatus, DEFAULT_REGION};
