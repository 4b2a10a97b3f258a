//! Where a consumer starts on a newly assigned queue (Java `computePullFromWhere`, reference
//! §11.1): the stored offset if there is one, else as `consume_from_where` says.

use cometmq_remoting::body::client::ConsumeFromWhere;

use super::broker_ops::{max_offset, search_offset};
use super::offset_store::{OffsetStore, ReadOffsetType};
use super::settings::{is_retry_topic, ConsumerSettings};
use crate::clock::now_ms;
use crate::error::Result;
use crate::instance::ClientInstance;
use crate::message::MessageQueue;

/// Java's default start time for [`ConsumeFromWhere::Timestamp`]: half an hour ago.
const DEFAULT_TIMESTAMP_LAG_MS: i64 = 30 * 60 * 1000;

/// What to do when the store has no offset for a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fallback {
    /// Ask the broker for the queue's max offset (retry topics: 0).
    Last,
    /// Start at 0.
    First,
    /// Search the queue by store time (retry topics: max offset).
    Timestamp(i64),
}

impl Fallback {
    /// The fallback for `settings`, resolving the default timestamp now.
    pub fn of(settings: &ConsumerSettings) -> Self {
        match settings.consume_from_where {
            ConsumeFromWhere::FirstOffset => Fallback::First,
            ConsumeFromWhere::Timestamp => Fallback::Timestamp(
                settings
                    .consume_timestamp_ms
                    .unwrap_or_else(|| now_ms() - DEFAULT_TIMESTAMP_LAG_MS),
            ),
            ConsumeFromWhere::LastOffset
            | ConsumeFromWhere::LastOffsetAndFromMinWhenBootFirst
            | ConsumeFromWhere::MinOffset
            | ConsumeFromWhere::MaxOffset => Fallback::Last,
        }
    }
}

/// The offset to start pulling `mq` from. An error (the broker could not be asked) means
/// the queue is not taken this time.
pub(crate) async fn compute_pull_from_where(
    instance: &ClientInstance,
    offsets: &dyn OffsetStore,
    settings: &ConsumerSettings,
    mq: &MessageQueue,
) -> Result<i64> {
    if let Some(o) = offsets.read(mq, ReadOffsetType::Store).await? {
        if o >= 0 {
            return Ok(o);
        }
    }
    let retry = is_retry_topic(&mq.topic);
    match Fallback::of(settings) {
        Fallback::First => Ok(0),
        Fallback::Last if retry => Ok(0),
        Fallback::Last => max_offset(instance, mq).await,
        Fallback::Timestamp(_) if retry => max_offset(instance, mq).await,
        Fallback::Timestamp(ts) => search_offset(instance, mq, ts).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallbacks() {
        let mut s = ConsumerSettings::new("G");
        assert_eq!(Fallback::of(&s), Fallback::Last);
        s.consume_from_where = ConsumeFromWhere::MaxOffset;
        assert_eq!(Fallback::of(&s), Fallback::Last);
        s.consume_from_where = ConsumeFromWhere::FirstOffset;
        assert_eq!(Fallback::of(&s), Fallback::First);
        s.consume_from_where = ConsumeFromWhere::Timestamp;
        s.consume_timestamp_ms = Some(42);
        assert_eq!(Fallback::of(&s), Fallback::Timestamp(42));
        s.consume_timestamp_ms = None;
        let Fallback::Timestamp(ts) = Fallback::of(&s) else {
            panic!("not a timestamp")
        };
        let now = now_ms();
        assert!((now - ts - DEFAULT_TIMESTAMP_LAG_MS).abs() < 60_000);
    }
}
