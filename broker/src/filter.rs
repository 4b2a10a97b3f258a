//! SQL92 property filters for pulls (Java's `ConsumerFilterManager` and
//! `ExpressionMessageFilter`): each group's SQL92 subscription to a topic is compiled
//! once and kept until the group sends a different expression; a pull evaluates it on
//! each candidate record's properties (tags included, as the `TAGS` property), read in
//! place from the CommitLog view without allocating.
//!
//! Java also keeps per-subscription bloom filter bits in the ConsumeQueue extension
//! (`enableCalcFilterBitMap`); CometMQ does not (the broker refuses that key), so every
//! candidate record of an SQL92 pull is evaluated.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

use cometmq_filter::{FilterError, Selector};
use cometmq_remoting::body::client::SubscriptionData;
use cometmq_remoting::message::{property, PropertiesView, RecordParts};
use cometmq_store::MessageFilter;

/// A compiled expression and the text it came from.
struct Compiled {
    expression: String,
    selector: Arc<Selector>,
}

/// The compiled SQL92 subscriptions, by group and topic.
#[derive(Default)]
pub struct SqlFilters {
    by_group: Mutex<HashMap<String, HashMap<String, Compiled>>>,
}

impl std::fmt::Debug for SqlFilters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlFilters").finish_non_exhaustive()
    }
}

impl SqlFilters {
    /// The compiled form of `group`'s subscription `expression` to `topic`: the kept one
    /// when the text is unchanged, else compiled now (and kept if it compiles).
    pub fn get(
        &self,
        group: &str,
        topic: &str,
        expression: &str,
    ) -> Result<Arc<Selector>, FilterError> {
        let mut by_group = self.by_group.lock();
        if let Some(c) = by_group.get(group).and_then(|t| t.get(topic)) {
            if c.expression == expression {
                return Ok(c.selector.clone());
            }
        }
        let selector = Arc::new(Selector::compile(expression)?);
        by_group.entry(group.to_owned()).or_default().insert(
            topic.to_owned(),
            Compiled {
                expression: expression.to_owned(),
                selector: selector.clone(),
            },
        );
        Ok(selector)
    }

    /// The compiled SQL92 subscriptions of `subs` (a group's), by topic, for filtering its
    /// retry topic; expressions that do not compile are left out (no filter, as Java).
    pub fn for_retry<'a>(
        &self,
        group: &str,
        subs: impl Iterator<Item = &'a SubscriptionData>,
    ) -> Vec<(String, Arc<Selector>)> {
        subs.filter(|s| s.is_sql92())
            .filter_map(|s| {
                let selector = self.get(group, &s.topic, &s.sub_string).ok()?;
                Some((s.topic.clone(), selector))
            })
            .collect()
    }

    /// Forgets a group's filters (the group has no consumer left).
    pub fn remove_group(&self, group: &str) {
        let mut by_group = self.by_group.lock();
        by_group.remove(group);
    }
}

/// A group's compiled SQL92 selectors, by the topic each subscribes to.
pub type TopicSelectors = [(String, Arc<Selector>)];

/// The filter of one pull: the subscription's tags, or its SQL92 selector.
pub struct PullFilter<'a> {
    /// The subscription (tag codes for a tag subscription).
    pub sub: &'a SubscriptionData,
    /// The compiled selector of an SQL92 subscription.
    pub sql: Option<&'a Selector>,
    /// A retry topic's pull with `filterSupportRetry`: the group's SQL92 selectors by
    /// original topic, applied to each message by its `RETRY_TOPIC` (empty: none).
    pub retry_sql: &'a TopicSelectors,
}

impl MessageFilter for PullFilter<'_> {
    fn is_matched_by_tags_code(&self, tags_code: i64) -> bool {
        // SQL92: every entry is a candidate (no bloom bits), judged on its record.
        self.sql.is_some()
            || !self.retry_sql.is_empty()
            || self.sub.is_all()
            || self.sub.code_set.contains(&(tags_code as i32))
    }

    fn is_matched_by_commit_log(&self, record: &[u8]) -> bool {
        if self.sql.is_none() && self.retry_sql.is_empty() {
            return true;
        }
        // A record whose properties cannot be read is judged with none, as Java does.
        let properties = RecordParts::parse(record).map_or(&[][..], |r| r.properties);
        let view = PropertiesView::new(properties);
        let selector = match self.sql {
            Some(s) => s,
            None => {
                let topic = view.get(property::RETRY_TOPIC);
                match self
                    .retry_sql
                    .iter()
                    .find(|(t, _)| Some(t.as_str()) == topic)
                {
                    Some((_, s)) => s,
                    // No SQL92 subscription to the original topic: no filter.
                    None => return true,
                }
            }
        };
        selector.matches(|name| view.get(name))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::net::SocketAddr;

    use bytes::BytesMut;
    use cometmq_remoting::message::{encode_record, Properties};

    use super::*;

    fn record(props: &[(&str, &str)]) -> Vec<u8> {
        let host: SocketAddr = "127.0.0.1:10911".parse().unwrap();
        let props: Properties = props.iter().map(|(k, v)| (*k, *v)).collect();
        let encoded = props.encode();
        let parts = RecordParts::new("T", b"body", encoded.as_bytes(), host, host);
        let mut buf = BytesMut::new();
        encode_record(&parts, &mut buf).unwrap();
        buf.to_vec()
    }

    #[test]
    fn compiles_once_and_evaluates_properties_and_tags() {
        let filters = SqlFilters::default();
        let a = filters.get("G", "T", "a > 1 AND TAGS = 'x'").unwrap();
        let b = filters.get("G", "T", "a > 1 AND TAGS = 'x'").unwrap();
        assert!(Arc::ptr_eq(&a, &b), "kept, not compiled again");
        let c = filters.get("G", "T", "a > 2").unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
        assert!(filters.get("G", "T", "a >").is_err());

        let sub = SubscriptionData::for_sql("T", "a > 1 AND TAGS = 'x'", 1);
        let f = PullFilter {
            retry_sql: &[],
            sub: &sub,
            sql: Some(&a),
        };
        assert!(f.is_matched_by_tags_code(42));
        assert!(f.is_matched_by_commit_log(&record(&[("a", "2"), ("TAGS", "x")])));
        assert!(!f.is_matched_by_commit_log(&record(&[("a", "2"), ("TAGS", "y")])));
        assert!(!f.is_matched_by_commit_log(&record(&[("TAGS", "x")])));
        assert!(!f.is_matched_by_commit_log(b"garbage"));
    }

    #[test]
    fn a_retry_pull_uses_the_original_topics_selector() {
        let filters = SqlFilters::default();
        let sub_t = SubscriptionData::for_sql("T", "a = '1'", 1);
        let tags = SubscriptionData::for_tags("U", "*", 1);
        let retry = filters.for_retry("G", [&sub_t, &tags].into_iter());
        assert_eq!(retry.len(), 1);
        let all = SubscriptionData::for_tags("%RETRY%G", "*", 1);
        let f = PullFilter {
            sub: &all,
            sql: None,
            retry_sql: &retry,
        };
        assert!(f.is_matched_by_tags_code(42));
        assert!(f.is_matched_by_commit_log(&record(&[("a", "1"), ("RETRY_TOPIC", "T")])));
        assert!(!f.is_matched_by_commit_log(&record(&[("a", "2"), ("RETRY_TOPIC", "T")])));
        // Another original topic (no SQL92 subscription), or none: no filter.
        assert!(f.is_matched_by_commit_log(&record(&[("a", "2"), ("RETRY_TOPIC", "U")])));
        assert!(f.is_matched_by_commit_log(&record(&[("a", "2")])));
    }
}
