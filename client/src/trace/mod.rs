//! Message traces, as Java's clients write them (`enableMsgTrace`): what happened to a
//! message — sent (Pub), about to be consumed (SubBefore), consumed (SubAfter), its
//! transaction ended (EndTransaction) — stored as messages of the trace topic
//! (`RMQ_SYS_TRACE_TOPIC`), keyed by the message id and keys.
//!
//! - [`record`]: [`TraceContext`] and its text form, exactly Java's `TraceDataEncoder`
//!   (fields split by char 1, records by char 2), both ways;
//! - [`dispatcher`]: [`TraceDispatcher`], which batches records off the hot path (a bounded
//!   channel to a background task; a full channel drops the record and counts it).

pub mod dispatcher;
pub mod record;

pub use dispatcher::TraceDispatcher;
pub use record::{decode, TraceBean, TraceContext, TraceType};

/// The default trace topic (Java `TopicValidator.RMQ_SYS_TRACE_TOPIC`).
pub const TRACE_TOPIC: &str = "RMQ_SYS_TRACE_TOPIC";
/// Region of records when the broker names none (Java `MixAll.DEFAULT_TRACE_REGION_ID`).
pub const DEFAULT_REGION: &str = "DefaultRegion";
/// Separates the fields of a record (Java `TraceConstants.CONTENT_SPLITOR`).
pub const CONTENT_SPLITOR: char = '\u{1}';
/// Ends each record (Java `TraceConstants.FIELD_SPLITOR`).
pub const FIELD_SPLITOR: char = '\u{2}';
/// Prefix of the trace producer's group (Java `TraceConstants.GROUP_NAME_PREFIX`).
pub const GROUP_NAME_PREFIX: &str = "_INNER_TRACE_PRODUCER";
