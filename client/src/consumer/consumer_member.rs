//! How a consumer appears to its [`ClientInstance`](crate::instance::ClientInstance): its
//! heartbeat entry, its topics, and its answers to broker requests (reset offset, status,
//! running info, consume directly).

use std::collections::BTreeMap;
use std::sync::Weak;

use async_trait::async_trait;
use cometmq_remoting::body::client::{
    ConsumeMessageDirectlyResult, ConsumeResult as Direct, ConsumeType, ConsumerData,
    ConsumerRunningInfo, PROP_CLIENT_VERSION, PROP_CONSUMEORDERLY, PROP_CONSUMER_START_TIMESTAMP,
    PROP_CONSUME_TYPE, PROP_NAMESERVER_ADDR, PROP_THREADPOOL_CORE_SIZE,
};
use cometmq_remoting::code::version;

use super::core::{Command, ConsumerCore};
use crate::instance::ConsumerMember;
use crate::message::{MessageExt, MessageQueue};

/// Registered with the instance; holds the consumer weakly so a dropped consumer goes away.
pub(crate) struct Member {
    pub core: Weak<ConsumerCore>,
    pub group: String,
}

#[async_trait]
impl ConsumerMember for Member {
    fn group(&self) -> String {
        self.group.clone()
    }

    fn consumer_data(&self) -> ConsumerData {
        match self.core.upgrade() {
            Some(c) => c.consumer_data(),
            None => ConsumerData {
                group_name: self.group.clone(),
                ..Default::default()
            },
        }
    }

    fn subscribed_topics(&self) -> Vec<String> {
        self.core.upgrade().map(|c| c.topics()).unwrap_or_default()
    }

    fn subscribe_queues_changed(&self, topic: &str, queues: Vec<MessageQueue>) {
        if let Some(c) = self.core.upgrade() {
            if c.set_topic_queues(topic, queues) {
                c.command(Command::Rebalance);
            }
        }
    }

    fn rebalance_requested(&self) {
        if let Some(c) = self.core.upgrade() {
            c.command(Command::Rebalance);
        }
    }

    async fn reset_offset(&self, topic: &str, offsets: BTreeMap<MessageQueue, i64>) {
        if let Some(c) = self.core.upgrade() {
            let (done, wait) = tokio::sync::oneshot::channel();
            c.command(Command::ResetOffset {
                topic: topic.to_owned(),
                offsets,
                done: Some(done),
            });
            drop(c);
            let _ = wait.await;
        }
    }

    fn consume_status(&self, topic: &str) -> BTreeMap<MessageQueue, i64> {
        self.core
            .upgrade()
            .map(|c| c.offsets.clone_table(topic).into_iter().collect())
            .unwrap_or_default()
    }

    fn running_info(&self) -> ConsumerRunningInfo {
        self.core
            .upgrade()
            .map(|c| running_info(&c))
            .unwrap_or_default()
    }

    async fn consume_directly(&self, msg: MessageExt) -> ConsumeMessageDirectlyResult {
        match self.core.upgrade() {
            Some(c) => {
                let dispatch = c.dispatch.clone();
                drop(c);
                dispatch.consume_directly(msg).await
            }
            None => ConsumeMessageDirectlyResult {
                consume_result: Direct::CrThrowException,
                remark: Some("the consumer is shut down".into()),
                ..Default::default()
            },
        }
    }
}

/// The consumer's state as GET_CONSUMER_RUNNING_INFO reports it.
pub(crate) fn running_info(core: &ConsumerCore) -> ConsumerRunningInfo {
    let s = &core.settings;
    let mut info = ConsumerRunningInfo::default();
    let mut props = BTreeMap::new();
    let consume_type = match core.consume_type {
        ConsumeType::Actively => "CONSUME_ACTIVELY",
        ConsumeType::Passively => "CONSUME_PASSIVELY",
        ConsumeType::Pop => "CONSUME_POP",
    };
    for (k, v) in [
        (
            PROP_NAMESERVER_ADDR,
            core.instance.config().namesrv_addr.clone(),
        ),
        (PROP_CONSUME_TYPE, consume_type.to_owned()),
        (PROP_CONSUMEORDERLY, core.orderly.to_string()),
        (PROP_THREADPOOL_CORE_SIZE, s.consume_concurrency.to_string()),
        (PROP_CONSUMER_START_TIMESTAMP, core.start_ms.to_string()),
        (PROP_CLIENT_VERSION, version::CURRENT_DESC.to_owned()),
        ("consumerGroup", s.group.clone()),
        ("messageModel", s.message_model.as_str().to_owned()),
        ("consumeFromWhere", s.consume_from_where.as_str().to_owned()),
        ("allocateMessageQueueStrategy", s.allocate.name()),
        ("pullBatchSize", s.pull_batch_size.to_string()),
        (
            "pullThresholdForQueue",
            s.pull_threshold_for_queue.to_string(),
        ),
        (
            "pullThresholdSizeForQueue",
            (s.pull_threshold_size_for_queue / (1024 * 1024)).to_string(),
        ),
        (
            "consumeMessageBatchMaxSize",
            s.consume_batch_size.to_string(),
        ),
        ("consumeThreadMax", s.consume_concurrency.to_string()),
        ("maxReconsumeTimes", s.max_reconsume_times.to_string()),
    ] {
        props.insert(k.to_owned(), v);
    }
    info.properties = props;
    info.subscription_set = core.subscriptions();
    let mut offsets = std::collections::HashMap::new();
    for (mq, pq) in core.assigned() {
        let table = offsets
            .entry(mq.topic.clone())
            .or_insert_with(|| core.offsets.clone_table(&mq.topic));
        let offset = table.get(&mq).copied().unwrap_or(-1);
        info.mq_table.insert(mq, pq.info(offset));
    }
    info.status_table = core.stats.report();
    info
}
