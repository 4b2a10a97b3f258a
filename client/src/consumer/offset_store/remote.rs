//! [`RemoteOffsetStore`]: clustering offsets, kept by the broker (Java
//! `RemoteBrokerOffsetStore`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    QueryConsumerOffsetRequestHeader, QueryConsumerOffsetResponseHeader,
    UpdateConsumerOffsetRequestHeader,
};
use cometmq_remoting::transport::RemotingClient;
use cometmq_remoting::RemotingCommand;

use super::queue_offsets::QueueOffsets;
use super::{OffsetStore, ReadOffsetType};
use crate::error::{ClientError, Result};
use crate::message::MessageQueue;

/// Finds the address to send a broker group's requests to: its master, or any member when
/// the master is gone. Implemented by the client instance from its route cache (refreshing
/// `topic`'s route on a miss), and by closures `Fn(broker_name) -> Option<addr>`.
#[async_trait]
pub trait BrokerResolver: Send + Sync {
    /// The address for `broker_name`, found through `topic`'s route.
    async fn broker_addr(&self, broker_name: &str, topic: &str) -> Option<String>;
}

#[async_trait]
impl<F> BrokerResolver for F
where
    F: Fn(&str) -> Option<String> + Send + Sync,
{
    async fn broker_addr(&self, broker_name: &str, _topic: &str) -> Option<String> {
        self(broker_name)
    }
}

/// Offsets of a clustering consumer group, stored at the broker owning each queue.
///
/// Reads ask the broker (QUERY_CONSUMER_OFFSET); updates stay in memory until
/// [`persist_all`](OffsetStore::persist_all) sends them one-way (UPDATE_CONSUMER_OFFSET),
/// as Java does every 5 s and at shutdown.
///
/// ```no_run
/// # async fn demo(client: std::sync::Arc<cometmq_remoting::transport::RemotingClient>) {
/// use std::sync::Arc;
/// use cometmq_client::consumer::offset_store::{OffsetStore, ReadOffsetType, RemoteOffsetStore};
/// use cometmq_client::MessageQueue;
/// let resolver = Arc::new(|_broker: &str| Some("127.0.0.1:10911".to_owned()));
/// let store = RemoteOffsetStore::new("my-group", client, resolver);
/// let mq = MessageQueue::new("TopicTest", "broker-a", 0);
/// let offset = store.read(&mq, ReadOffsetType::Store).await;
/// store.update(&mq, 42, true);
/// store.persist_all(&[mq]).await.ok();
/// # }
/// ```
pub struct RemoteOffsetStore {
    group: String,
    client: Arc<RemotingClient>,
    resolver: Arc<dyn BrokerResolver>,
    timeout: Duration,
    table: QueueOffsets,
}

impl std::fmt::Debug for RemoteOffsetStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteOffsetStore")
            .field("group", &self.group)
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl RemoteOffsetStore {
    /// A store for `group`, talking to brokers through `client`, 3 s timeout for queries.
    pub fn new(
        group: impl Into<String>,
        client: Arc<RemotingClient>,
        resolver: Arc<dyn BrokerResolver>,
    ) -> Self {
        RemoteOffsetStore {
            group: group.into(),
            client,
            resolver,
            timeout: Duration::from_secs(3),
            table: QueueOffsets::default(),
        }
    }

    /// Sets the query timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn addr(&self, mq: &MessageQueue) -> Result<String> {
        self.resolver
            .broker_addr(&mq.broker_name, &mq.topic)
            .await
            .ok_or_else(|| ClientError::BrokerNotFound {
                broker_name: mq.broker_name.clone(),
                topic: mq.topic.clone(),
            })
    }

    /// Asks the broker for `mq`'s offset: `None` when it has none (QUERY_NOT_FOUND).
    pub async fn fetch_from_broker(&self, mq: &MessageQueue) -> Result<Option<i64>> {
        let code = request::QUERY_CONSUMER_OFFSET;
        let addr = self.addr(mq).await?;
        let header = QueryConsumerOffsetRequestHeader {
            consumer_group: self.group.clone(),
            topic: mq.topic.clone(),
            queue_id: mq.queue_id,
            set_zero_if_not_found: None,
        };
        let req = RemotingCommand::request_with_header(code, &header);
        let resp = self
            .client
            .invoke(&addr, req, self.timeout)
            .await
            .map_err(|e| ClientError::remoting(code, &addr, e))?;
        match resp.code {
            response::SUCCESS => {
                let h: QueryConsumerOffsetResponseHeader = resp
                    .decode_header()
                    .map_err(|e| ClientError::bad_header(code, &addr, e))?;
                Ok(Some(h.offset))
            }
            response::QUERY_NOT_FOUND => Ok(None),
            _ => Err(ClientError::response(code, &addr, &resp)),
        }
    }

    /// Sends `mq`'s offset to its broker, one-way (as Java does) or waiting for the answer.
    pub async fn update_to_broker(
        &self,
        mq: &MessageQueue,
        offset: i64,
        oneway: bool,
    ) -> Result<()> {
        let code = request::UPDATE_CONSUMER_OFFSET;
        let addr = self.addr(mq).await?;
        let header = UpdateConsumerOffsetRequestHeader {
            consumer_group: self.group.clone(),
            topic: mq.topic.clone(),
            queue_id: mq.queue_id,
            commit_offset: offset,
        };
        let req = RemotingCommand::request_with_header(code, &header);
        if oneway {
            return self
                .client
                .invoke_oneway(&addr, req)
                .await
                .map_err(|e| ClientError::remoting(code, &addr, e));
        }
        let resp = self
            .client
            .invoke(&addr, req, self.timeout)
            .await
            .map_err(|e| ClientError::remoting(code, &addr, e))?;
        if resp.code != response::SUCCESS {
            return Err(ClientError::response(code, &addr, &resp));
        }
        Ok(())
    }
}

#[async_trait]
impl OffsetStore for RemoteOffsetStore {
    async fn load(&self) -> Result<()> {
        Ok(())
    }

    fn update(&self, mq: &MessageQueue, offset: i64, increase_only: bool) {
        self.table.update(mq, offset, increase_only);
    }

    fn update_and_freeze(&self, mq: &MessageQueue, offset: i64) {
        self.table.update_and_freeze(mq, offset);
    }

    async fn read(&self, mq: &MessageQueue, from: ReadOffsetType) -> Result<Option<i64>> {
        if from != ReadOffsetType::Store {
            if let Some(o) = self.table.get(mq) {
                return Ok(Some(o));
            }
            if from == ReadOffsetType::Memory {
                return Ok(None);
            }
        }
        let found = self.fetch_from_broker(mq).await?;
        if let Some(o) = found {
            self.table.update(mq, o, false);
        }
        Ok(found)
    }

    async fn persist_all(&self, mqs: &[MessageQueue]) -> Result<()> {
        let mut first_err = None;
        for (mq, offset) in self.table.retain_only(mqs) {
            if let Err(e) = self.update_to_broker(&mq, offset, true).await {
                tracing::warn!(group = %self.group, %mq, offset, error = %e, "persisting offset failed");
                first_err.get_or_insert(e);
            }
        }
        first_err.map_or(Ok(()), Err)
    }

    async fn persist(&self, mq: &MessageQueue) -> Result<()> {
        match self.table.get(mq) {
            Some(offset) => self.update_to_broker(mq, offset, true).await,
            None => Ok(()),
        }
    }

    /// Waits for the broker's answer (UPDATE_CONSUMER_OFFSET sent as a request).
    async fn persist_confirmed(&self, mq: &MessageQueue) -> Result<()> {
        match self.table.get(mq) {
            Some(offset) => self.update_to_broker(mq, offset, false).await,
            None => Ok(()),
        }
    }

    fn remove(&self, mq: &MessageQueue) {
        self.table.remove(mq);
    }

    fn clone_table(&self, topic: &str) -> HashMap<MessageQueue, i64> {
        self.table.of_topic(topic)
    }
}
