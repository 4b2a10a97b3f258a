//! [`TransactionProducer`]: messages that become visible only if a local transaction
//! commits (reference §9, Java `TransactionMQProducer`).
//!
//! 1. The message is sent as a *half message* (`TRAN_MSG=true`, `PGROUP`, sysFlag PREPARED):
//!    stored, but invisible to consumers.
//! 2. The local transaction runs; its outcome is sent to the broker with END_TRANSACTION
//!    (one-way): commit makes the message visible, rollback discards it, unknown leaves it
//!    to the broker's check-back.
//! 3. For a half message left unresolved, the broker asks the producer group
//!    (CHECK_TRANSACTION_STATE); the producer's *checker* answers with END_TRANSACTION,
//!    `fromTransactionCheck=true`.

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use cometmq_remoting::body::MASTER_ID;
use cometmq_remoting::code::request;
use cometmq_remoting::header::{CheckTransactionStateRequestHeader, EndTransactionRequestHeader};
use cometmq_remoting::message::{parse_offset_msg_id, property, UniqKeyGenerator};
use cometmq_remoting::RemotingCommand;

use super::{Producer, ProducerBuilder, SendResult, SendStatus};
use crate::error::{ClientError, Result};
use crate::instance::ClientInstance;
use crate::message::{Message, MessageExt};

/// The outcome of a local transaction (Java `LocalTransactionState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LocalTransactionState {
    /// Commit: the message becomes visible to consumers.
    CommitMessage,
    /// Roll back: the message is discarded.
    RollbackMessage,
    /// Not known yet: the broker will ask the checker later.
    Unknown,
}

impl LocalTransactionState {
    /// The `commitOrRollback` value of END_TRANSACTION.
    pub fn commit_or_rollback(self) -> i32 {
        match self {
            LocalTransactionState::CommitMessage => {
                EndTransactionRequestHeader::TRANSACTION_COMMIT_TYPE
            }
            LocalTransactionState::RollbackMessage => {
                EndTransactionRequestHeader::TRANSACTION_ROLLBACK_TYPE
            }
            LocalTransactionState::Unknown => EndTransactionRequestHeader::TRANSACTION_NOT_TYPE,
        }
    }
}

/// Answers the broker's check-back about a half message whose outcome it does not know
/// (Java `TransactionListener.checkLocalTransaction`).
#[async_trait]
pub trait TransactionChecker: Send + Sync + 'static {
    /// The outcome of the local transaction of `msg` (the half message, with its real topic).
    async fn check(&self, msg: &MessageExt) -> LocalTransactionState;
}

/// A blocking closure as a checker, run on tokio's blocking pool.
struct BlockingChecker<F>(Arc<F>);

#[async_trait]
impl<F> TransactionChecker for BlockingChecker<F>
where
    F: Fn(&MessageExt) -> LocalTransactionState + Send + Sync + 'static,
{
    async fn check(&self, msg: &MessageExt) -> LocalTransactionState {
        let f = self.0.clone();
        let msg = msg.clone();
        tokio::task::spawn_blocking(move || f(&msg))
            .await
            .unwrap_or(LocalTransactionState::Unknown)
    }
}

/// What [`TransactionProducer::send_in_transaction`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionSendResult {
    /// How the half message was stored.
    pub send_result: SendResult,
    /// The outcome of the local transaction, as sent to the broker.
    pub local_state: LocalTransactionState,
}

/// A producer of transactional messages. Cheap to clone; clones share the producer.
///
/// ```no_run
/// # async fn demo() -> cometmq_client::Result<()> {
/// use cometmq_client::producer::{LocalTransactionState, TransactionProducer};
/// use cometmq_client::Message;
/// let producer = TransactionProducer::builder("my-tx-group")
///     .namesrv_addr("127.0.0.1:9876")
///     .checker(|msg| {
///         // Look the order up in the database…
///         let _ = msg;
///         LocalTransactionState::CommitMessage
///     })
///     .build()?;
/// producer.start()?;
/// let order_id = 42;
/// let msg = Message::builder("Orders").key(order_id.to_string()).body("created").build();
/// let r = producer
///     .send_in_transaction(msg, |_msg, _sent| async move {
///         // Write order `order_id` in the same database transaction…
///         let _ = order_id;
///         LocalTransactionState::CommitMessage
///     })
///     .await?;
/// println!("{} {:?}", r.send_result.msg_id, r.local_state);
/// producer.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct TransactionProducer {
    producer: Producer,
}

/// Builds a [`TransactionProducer`]: a [`ProducerBuilder`] plus the check-back closure.
pub struct TransactionProducerBuilder {
    producer: ProducerBuilder,
    checker: Option<Arc<dyn TransactionChecker>>,
}

impl std::fmt::Debug for TransactionProducerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransactionProducerBuilder")
            .field("producer", &self.producer)
            .finish_non_exhaustive()
    }
}

impl TransactionProducerBuilder {
    /// NameServer addresses, `"host:port;host:port"`.
    pub fn namesrv_addr(mut self, addr: impl Into<String>) -> Self {
        self.producer = self.producer.namesrv_addr(addr);
        self
    }

    /// Any producer setting.
    pub fn producer(mut self, f: impl FnOnce(ProducerBuilder) -> ProducerBuilder) -> Self {
        self.producer = f(self.producer);
        self
    }

    /// The check-back closure, run on tokio's blocking pool (it may block).
    pub fn checker<F>(mut self, f: F) -> Self
    where
        F: Fn(&MessageExt) -> LocalTransactionState + Send + Sync + 'static,
    {
        self.checker = Some(Arc::new(BlockingChecker(Arc::new(f))));
        self
    }

    /// A check-back implementing the trait (for async checks).
    pub fn transaction_checker(mut self, c: impl TransactionChecker) -> Self {
        self.checker = Some(Arc::new(c));
        self
    }

    /// The producer (not started). A checker is required.
    pub fn build(self) -> Result<TransactionProducer> {
        let checker = self.checker.ok_or_else(|| {
            ClientError::invalid("transaction producer", "no checker: call checker(..)")
        })?;
        let producer = self.producer.build()?;
        let _ = producer.inner.checker.set(checker);
        Ok(TransactionProducer { producer })
    }
}

impl TransactionProducer {
    /// A builder for a transactional producer of `group`.
    pub fn builder(group: impl Into<String>) -> TransactionProducerBuilder {
        TransactionProducerBuilder {
            producer: Producer::builder(group),
            checker: None,
        }
    }

    /// The underlying producer, for ordinary sends.
    pub fn producer(&self) -> &Producer {
        &self.producer
    }

    /// Registers the group (so the broker can reach the checker) and starts.
    pub fn start(&self) -> Result<()> {
        self.producer.start()
    }

    /// Unregisters and stops.
    pub async fn shutdown(&self) {
        self.producer.shutdown().await;
    }

    /// Sends `msg` as a half message, runs `local` (which captures whatever it needs, like
    /// Java's `arg`) once the broker has stored it, and reports the outcome with
    /// END_TRANSACTION. If the half message was not stored cleanly (flush or slave timeout)
    /// the transaction is rolled back without running `local`. A delay level is ignored.
    pub async fn send_in_transaction<F, Fut>(
        &self,
        mut msg: Message,
        local: F,
    ) -> Result<TransactionSendResult>
    where
        F: FnOnce(Message, SendResult) -> Fut,
        Fut: Future<Output = LocalTransactionState>,
    {
        let group = self.producer.settings().group.clone();
        msg.properties.remove(property::DELAY);
        msg.properties.insert(property::TRAN_MSG, "true");
        msg.properties.insert(property::PGROUP, group.clone());
        if msg.uniq_key().is_none() {
            msg.properties
                .insert(property::UNIQ_KEY, UniqKeyGenerator::global().generate());
        }
        let sent = self.producer.send(msg.clone()).await?;
        let local_state = if sent.status == SendStatus::SendOk {
            if let Some(id) = &sent.transaction_id {
                msg.properties.insert(property::TRANSACTION_ID, id.clone());
            }
            msg.transaction_id = msg.uniq_key().map(str::to_owned);
            local(msg, sent.clone()).await
        } else {
            LocalTransactionState::RollbackMessage
        };
        if let Err(e) = end_transaction(self.producer.instance(), &group, &sent, local_state).await
        {
            tracing::warn!(%group, msg_id = %sent.msg_id, error = %e, "END_TRANSACTION failed; the broker will check back");
        }
        Ok(TransactionSendResult {
            send_result: sent,
            local_state,
        })
    }
}

/// Reports the outcome of the transaction of the half message `sent` to its broker.
async fn end_transaction(
    instance: &ClientInstance,
    group: &str,
    sent: &SendResult,
    state: LocalTransactionState,
) -> Result<()> {
    let code = request::END_TRANSACTION;
    let mq = &sent.message_queue;
    let addr = match instance.find_broker_addr(&mq.broker_name, MASTER_ID, true) {
        Some(a) => a,
        None => {
            instance.update_topic_route(&mq.topic).await?;
            instance
                .find_broker_addr(&mq.broker_name, MASTER_ID, true)
                .ok_or_else(|| ClientError::BrokerNotFound {
                    broker_name: mq.broker_name.clone(),
                    topic: mq.topic.clone(),
                })?
        }
    };
    let id = if sent.offset_msg_id.is_empty() {
        &sent.msg_id
    } else {
        &sent.offset_msg_id
    };
    let commit_log_offset = parse_offset_msg_id(id)
        .map_err(|e| ClientError::invalid("send result", format!("bad offset msgId {id}: {e}")))?
        .offset;
    let header = EndTransactionRequestHeader {
        producer_group: group.to_owned(),
        tran_state_table_offset: sent.queue_offset,
        commit_log_offset,
        commit_or_rollback: state.commit_or_rollback(),
        from_transaction_check: Some(false),
        msg_id: sent.msg_id.clone(),
        transaction_id: sent.transaction_id.clone(),
        topic: Some(mq.topic.clone()),
    };
    let req = RemotingCommand::request_with_header(code, &header);
    instance
        .remoting()
        .invoke_oneway(&addr, req)
        .await
        .map_err(|e| ClientError::remoting(code, &addr, e))
}

/// Answers a CHECK_TRANSACTION_STATE from `broker_addr`: runs `checker` on `msg` and sends
/// END_TRANSACTION (`fromTransactionCheck=true`) back, one-way.
pub(super) async fn answer_check(
    instance: Arc<ClientInstance>,
    group: String,
    checker: Arc<dyn TransactionChecker>,
    broker_addr: String,
    msg: MessageExt,
    check: CheckTransactionStateRequestHeader,
) {
    let state = checker.check(&msg).await;
    let msg_id = msg
        .uniq_key()
        .map(str::to_owned)
        .unwrap_or_else(|| msg.msg_id().into_owned());
    let header = EndTransactionRequestHeader {
        producer_group: group.clone(),
        tran_state_table_offset: check.tran_state_table_offset,
        commit_log_offset: check.commit_log_offset,
        commit_or_rollback: state.commit_or_rollback(),
        from_transaction_check: Some(true),
        msg_id,
        transaction_id: check.transaction_id.clone(),
        topic: check.topic.clone().or_else(|| Some(msg.topic.clone())),
    };
    let code = request::END_TRANSACTION;
    let req = RemotingCommand::request_with_header(code, &header);
    match instance.remoting().invoke_oneway(&broker_addr, req).await {
        Ok(()) => {
            tracing::info!(%group, %broker_addr, msg_id = %header.msg_id, ?state, "answered a transaction check");
        }
        Err(e) => {
            tracing::warn!(%group, %broker_addr, error = %e, "answering a transaction check failed");
        }
    }
}
