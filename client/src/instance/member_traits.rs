//! What the client instance needs from the producers and consumers registered with it:
//! their heartbeat data, the topics whose routes to refresh, and answers to broker requests.

use std::collections::BTreeMap;

use async_trait::async_trait;
use cometmq_remoting::body::client::{
    ConsumeMessageDirectlyResult, ConsumerData, ConsumerRunningInfo,
};
use cometmq_remoting::body::TopicRouteData;
use cometmq_remoting::header::CheckTransactionStateRequestHeader;

use crate::message::{MessageExt, MessageQueue};

/// A consumer group registered with a [`ClientInstance`](super::ClientInstance).
#[async_trait]
pub trait ConsumerMember: Send + Sync {
    /// The consumer group.
    fn group(&self) -> String;

    /// The group's entry in heartbeats: model, consume type, subscriptions.
    fn consumer_data(&self) -> ConsumerData;

    /// The topics whose routes the instance keeps fresh for this consumer.
    fn subscribed_topics(&self) -> Vec<String>;

    /// A subscribed topic's readable queues changed (after a route refresh).
    fn subscribe_queues_changed(&self, topic: &str, queues: Vec<MessageQueue>);

    /// The broker says the group's membership changed (NOTIFY_CONSUMER_IDS_CHANGED): rebalance
    /// soon.
    fn rebalance_requested(&self);

    /// RESET_CONSUMER_CLIENT_OFFSET: move `topic`'s queues to these offsets.
    async fn reset_offset(&self, topic: &str, offsets: BTreeMap<MessageQueue, i64>);

    /// GET_CONSUMER_STATUS_FROM_CLIENT: the consumer's offsets of `topic`.
    fn consume_status(&self, topic: &str) -> BTreeMap<MessageQueue, i64>;

    /// GET_CONSUMER_RUNNING_INFO: the consumer's state.
    fn running_info(&self) -> ConsumerRunningInfo;

    /// CONSUME_MESSAGE_DIRECTLY: run the listener on `msg` now and report.
    async fn consume_directly(&self, msg: MessageExt) -> ConsumeMessageDirectlyResult;
}

/// A producer group registered with a [`ClientInstance`](super::ClientInstance).
pub trait ProducerMember: Send + Sync {
    /// The producer group.
    fn group(&self) -> String;

    /// The topics this producer has sent to, whose routes the instance keeps fresh.
    fn publish_topics(&self) -> Vec<String>;

    /// A topic's route changed (after a route refresh).
    fn route_changed(&self, topic: &str, route: &TopicRouteData);

    /// CHECK_TRANSACTION_STATE from the broker at `broker_addr` about the half message
    /// `msg`: run the transaction checker and answer with END_TRANSACTION. Producers without
    /// transactions ignore it.
    fn check_transaction_state(
        &self,
        broker_addr: &str,
        msg: MessageExt,
        header: CheckTransactionStateRequestHeader,
    );
}
