//! Well-known message property keys (reference §5.5, Java `MessageConst`).
//!
//! Properties are free-form string pairs, but these names carry protocol meaning for the
//! broker (indexing, delay, transactions, retries) and for clients; using the constants
//! avoids typos that would silently break compatibility.

/// Business keys, space-separated ([`KEY_SEPARATOR`]); indexed by the broker.
pub const KEYS: &str = "KEYS";
/// Separator between several [`KEYS`].
pub const KEY_SEPARATOR: &str = " ";
/// The message tag (filtering; its Java hash is the ConsumeQueue tags code).
pub const TAGS: &str = "TAGS";
/// `true` (default) / `false`: wait for flush/replication in SYNC modes.
pub const WAIT: &str = "WAIT";
/// Delay level 1..N of a scheduled message.
pub const DELAY: &str = "DELAY";
/// Original topic of a retry message.
pub const RETRY_TOPIC: &str = "RETRY_TOPIC";
/// Original topic of a delayed or half message.
pub const REAL_TOPIC: &str = "REAL_TOPIC";
/// Original queue id of a delayed or half message.
pub const REAL_QID: &str = "REAL_QID";
/// `true` for transactional half messages.
pub const TRAN_MSG: &str = "TRAN_MSG";
/// Producer group (transaction checks).
pub const PGROUP: &str = "PGROUP";
/// Queue min offset, set by clients on pulled messages.
pub const MIN_OFFSET: &str = "MIN_OFFSET";
/// Queue max offset, set by clients on pulled messages.
pub const MAX_OFFSET: &str = "MAX_OFFSET";
/// Legacy.
pub const BUYER_ID: &str = "BUYER_ID";
/// Original msgId of a retried or dead-lettered message.
pub const ORIGIN_MESSAGE_ID: &str = "ORIGIN_MESSAGE_ID";
/// Legacy.
pub const TRANSFER_FLAG: &str = "TRANSFER_FLAG";
/// Legacy.
pub const CORRECTION_FLAG: &str = "CORRECTION_FLAG";
/// Legacy.
pub const MQ2_FLAG: &str = "MQ2_FLAG";
/// Client-side fallback retry count.
pub const RECONSUME_TIME: &str = "RECONSUME_TIME";
/// Trace region.
pub const MSG_REGION: &str = "MSG_REGION";
/// Trace switch.
pub const TRACE_ON: &str = "TRACE_ON";
/// Client-assigned unique message id (see [`super::uniq_key`]).
pub const UNIQ_KEY: &str = "UNIQ_KEY";
/// Extra unique-id information.
pub const EXTEND_UNIQ_INFO: &str = "EXTEND_UNIQ_INFO";
/// Maximum reconsume times before the message goes to the DLQ.
pub const MAX_RECONSUME_TIMES: &str = "MAX_RECONSUME_TIMES";
/// Consume start timestamp (client).
pub const CONSUME_START_TIME: &str = "CONSUME_START_TIME";
/// Number of messages in an inner batch (5.x).
pub const INNER_NUM: &str = "INNER_NUM";
/// Base queue offset of an inner batch (5.x).
pub const INNER_BASE: &str = "INNER_BASE";
/// Pop duplicate information.
pub const DUP_INFO: &str = "DUP_INFO";
/// First-check delay of a transactional message, in seconds.
pub const CHECK_IMMUNITY_TIME_IN_SECONDS: &str = "CHECK_IMMUNITY_TIME_IN_SECONDS";
/// Half-queue offset of a transactional message (4.x).
pub const TRAN_PREPARED_QUEUE_OFFSET: &str = "TRAN_PREPARED_QUEUE_OFFSET";
/// Transaction id copy on half messages.
pub const TRANSACTION_ID: &str = "__transactionId__";
/// Number of transaction checks done.
pub const TRANSACTION_CHECK_TIMES: &str = "TRANSACTION_CHECK_TIMES";
/// Request/reply: instance id.
pub const INSTANCE_ID: &str = "INSTANCE_ID";
/// Request/reply: correlation id.
pub const CORRELATION_ID: &str = "CORRELATION_ID";
/// Request/reply: client to reply to.
pub const REPLY_TO_CLIENT: &str = "REPLY_TO_CLIENT";
/// Request/reply: time to live.
pub const TTL: &str = "TTL";
/// Request/reply: arrive time.
pub const ARRIVE_TIME: &str = "ARRIVE_TIME";
/// Request/reply: push reply time.
pub const PUSH_REPLY_TIME: &str = "PUSH_REPLY_TIME";
/// Cluster name, added by the broker to every stored message.
pub const CLUSTER: &str = "CLUSTER";
/// Message type (`reply` for reply messages).
pub const MSG_TYPE: &str = "MSG_TYPE";
/// Pop checkpoint.
pub const POP_CK: &str = "POP_CK";
/// Pop checkpoint offset.
pub const POP_CK_OFFSET: &str = "POP_CK_OFFSET";
/// First pop time.
pub const FIRST_POP_TIME: &str = "1ST_POP_TIME";
/// Sharding key of ordered messages.
pub const SHARDING_KEY: &str = "__SHARDINGKEY";
/// Forward queue id.
pub const FORWARD_QUEUE_ID: &str = "PROPERTY_FORWARD_QUEUE_ID";
/// Redirect marker.
pub const REDIRECT: &str = "REDIRECT";
/// Light message queue: multi-dispatch targets.
pub const INNER_MULTI_DISPATCH: &str = "INNER_MULTI_DISPATCH";
/// Light message queue: multi-dispatch queue offsets.
pub const INNER_MULTI_QUEUE_OFFSET: &str = "INNER_MULTI_QUEUE_OFFSET";
/// Trace context.
pub const TRACE_CONTEXT: &str = "TRACE_CONTEXT";
/// Timer message: delay in seconds (5.x).
pub const TIMER_DELAY_SEC: &str = "TIMER_DELAY_SEC";
/// Timer message: delay in milliseconds (5.x).
pub const TIMER_DELAY_MS: &str = "TIMER_DELAY_MS";
/// Timer message: absolute delivery time in ms (5.x).
pub const TIMER_DELIVER_MS: &str = "TIMER_DELIVER_MS";
/// Timer message: enqueue time (5.x).
pub const TIMER_ENQUEUE_MS: &str = "TIMER_ENQUEUE_MS";
/// Timer message: dequeue time (5.x).
pub const TIMER_DEQUEUE_MS: &str = "TIMER_DEQUEUE_MS";
/// Timer message: roll times (5.x).
pub const TIMER_ROLL_TIMES: &str = "TIMER_ROLL_TIMES";
/// Timer message: out time (5.x).
pub const TIMER_OUT_MS: &str = "TIMER_OUT_MS";
/// Timer message: deleted unique key (5.x).
pub const TIMER_DEL_UNIQKEY: &str = "TIMER_DEL_UNIQKEY";
/// Timer message: delay level (5.x).
pub const TIMER_DELAY_LEVEL: &str = "TIMER_DELAY_LEVEL";
/// Legacy commercial delay: absolute delivery time.
pub const START_DELIVER_TIME: &str = "__STARTDELIVERTIME";
/// Born host copy (`ip:port`).
pub const BORN_HOST: &str = "__BORNHOST";
/// Born timestamp copy.
pub const BORN_TIMESTAMP: &str = "BORN_TIMESTAMP";
/// Record CRC32 property appended with `enabledAppendPropCRC` (reference §5.1 field 18).
pub const CRC32: &str = "__CRC32#";
/// Original topic of a dead-lettered message (5.x proxy).
pub const DLQ_ORIGIN_TOPIC: &str = "DLQ_ORIGIN_TOPIC";
/// Original message id of a dead-lettered message (5.x proxy).
pub const DLQ_ORIGIN_MESSAGE_ID: &str = "DLQ_ORIGIN_MESSAGE_ID";
/// Prefix of transient properties, which are never persisted.
pub const TRANSIENT_PREFIX: &str = "__RMQ.TRANSIENT.";

/// Whether `name` is a transient property ([`TRANSIENT_PREFIX`]), which the broker must
/// not persist.
pub fn is_transient(name: &str) -> bool {
    name.starts_with(TRANSIENT_PREFIX)
}
