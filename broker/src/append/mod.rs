//! The one way the broker writes a message. Every writer comes here: SEND_MESSAGE and
//! SEND_BATCH_MESSAGE, CONSUMER_SEND_MSG_BACK, END_TRANSACTION (the committed message and
//! the op record), the transaction check service's copies, and the delay service's
//! re-puts.
//!
//! The steps, in order:
//! 1. **Build** the record: from parts ([`RecordParts::new`], a producer's send) or from a
//!    stored message ([`RecordParts::from_stored`]), encoded by [`encode`].
//! 2. **Redirect** ([`Redirect`], rules in [`destination`]): a transactional send becomes a
//!    half message, a delayed message waits in its level's schedule queue.
//! 3. **Put** ([`put`]): refused on a slave, else appended by the store.
//! 4. **Wait** for what the caller asks ([`PutOptions::wait`], Java's `waitStoreMsgOK`):
//!    the fsync under SYNC_FLUSH and a slave under SYNC_MASTER, both inside the store's
//!    durability wait (`store/src/durability.rs`), the only place a write waits. Only a
//!    producer's own send waits (unless its `WAIT` property is `false`); the broker's own
//!    writes (retries, commits, op records, check copies, delay re-puts) do not, as in
//!    Java.
//!
//! [`write()`] does all four for one message; the batch send and the writers that have
//! nothing to redirect build their records with [`encode`] and call [`put`].

pub mod destination;

use bytes::BytesMut;
use cometmq_remoting::message::{encode_record, MessageError, Properties, RecordParts};
use cometmq_store::{PutOptions, PutResult, PutStatus};

use crate::config::BrokerRole;
use crate::error::BrokerError;
use crate::state::BrokerState;

/// Which redirect rules a write is subject to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirect {
    /// A producer's send: a transactional message becomes a half message (unless it is
    /// a client-side retry, `reconsume_times` > 0, with a delay level), else a delayed
    /// one goes to its schedule queue ([`destination::for_send`]).
    Send {
        /// The message's reconsume times.
        reconsume_times: i32,
    },
    /// Delay levels only: consumer send-backs and committed transactions
    /// ([`destination::for_delay`]).
    Delay,
}

/// Encodes one record into a buffer of its exact size.
pub fn encode(parts: &RecordParts<'_>) -> Result<BytesMut, MessageError> {
    let mut buf = BytesMut::with_capacity(parts.encoded_len());
    encode_record(parts, &mut buf)?;
    Ok(buf)
}

/// Writes one message: `parts` with `props` as its properties, after the `redirect`
/// rules (which may rewrite topic, queue, `props` and sysFlag); waits as `wait` asks.
/// A message that cannot be encoded is MESSAGE_ILLEGAL; a timer the redirect refuses
/// is its error.
pub async fn write(
    state: &BrokerState,
    parts: RecordParts<'_>,
    props: &mut Properties,
    redirect: Redirect,
    wait: bool,
) -> Result<PutResult, BrokerError> {
    let mut sys_flag = parts.sys_flag;
    let (topic, queue_id) = match redirect {
        Redirect::Send { reconsume_times } => {
            destination::for_send(
                state,
                parts.topic,
                parts.queue_id,
                reconsume_times,
                props,
                &mut sys_flag,
            )
            .await?
        }
        Redirect::Delay => {
            destination::for_delay(state, parts.topic, parts.queue_id, props, sys_flag)?
        }
    };
    let text = props.encode();
    let parts = RecordParts {
        topic: &topic,
        queue_id,
        sys_flag,
        properties: text.as_bytes(),
        ..parts
    };
    let buf = encode(&parts).map_err(|e| BrokerError::MessageIllegal(e.to_string()))?;
    Ok(put(state, buf, PutOptions { batch: false, wait }).await)
}

/// Appends encoded records (one, or a batch of one queue's) and waits as `opts` asks.
/// A slave stores nothing of its own: SERVICE_NOT_AVAILABLE, as Java's store answers.
pub async fn put(state: &BrokerState, records: BytesMut, opts: PutOptions) -> PutResult {
    if state.config().broker_role == BrokerRole::Slave {
        return PutResult {
            status: PutStatus::ServiceNotAvailable,
            appended: None,
        };
    }
    // The send's work is done: the append is serialised in the store, and the flush and
    // slave waits hold no place (`sendMessageThreadPoolNums`).
    crate::processor::places::leave();
    state.store.put(records, opts).await
}
