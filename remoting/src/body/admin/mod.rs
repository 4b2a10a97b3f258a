//! Admin bodies read by `mqadmin` (reference §4.3): topic and consume statistics, and the
//! connection lists of a group.
//!
//! The same types as the broker's admin processors use (the lead reconciles the two
//! copies): maps keyed by `MessageQueue` are written in fastjson's bare-object-key form by
//! [`to_legacy_string`](crate::body::client::to_legacy_string) and read by
//! [`fastjson::from_slice`](crate::body::fastjson::from_slice).

mod connection;
mod stats;

pub use connection::{Connection, ConsumerConnection, ProducerConnection};
pub use stats::{
    ConsumeStats, OffsetWrapper, QueryConsumeTimeSpanBody, QueueTimeSpan, TopicOffset,
    TopicStatsTable,
};
