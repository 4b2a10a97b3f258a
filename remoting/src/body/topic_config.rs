//! [`TopicConfig`] and [`TopicConfigSerializeWrapper`]: a broker's topic table (reference §4.3,
//! §6.6), plus the permission and topic-flag bits.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::data_version::DataVersion;
use super::BodyError;
use crate::header::TopicFilterType;

/// Permission bits of a topic or queue set (`PermName`).
pub mod perm {
    /// Messages are ordered by priority (unused by clients).
    pub const PRIORITY: i32 = 8;
    /// Readable: consumers may pull.
    pub const READ: i32 = 4;
    /// Writable: producers may send.
    pub const WRITE: i32 = 2;
    /// A template topic new topics may inherit from (`TBW102` with auto-create on).
    pub const INHERIT: i32 = 1;

    /// True when `perm` has the READ bit.
    pub fn is_readable(perm: i32) -> bool {
        perm & READ != 0
    }

    /// True when `perm` has the WRITE bit.
    pub fn is_writeable(perm: i32) -> bool {
        perm & WRITE != 0
    }
}

/// `topicSysFlag` bits (`TopicSysFlag`).
pub mod topic_sys_flag {
    /// A unit topic.
    pub const UNIT: i32 = 1;
    /// A topic with unit subscriptions.
    pub const UNIT_SUB: i32 = 2;
}

/// One topic's configuration on a broker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicConfig {
    /// 5.x attributes (`message.type`, `queue.type`, …); empty in 4.x.
    pub attributes: BTreeMap<String, String>,
    /// An ordered topic.
    pub order: bool,
    /// [`perm`] bits; 6 (read + write) by default.
    pub perm: i32,
    /// Readable queues.
    pub read_queue_nums: i32,
    /// Tag filter type.
    #[serde(
        serialize_with = "write_filter_type",
        deserialize_with = "read_filter_type"
    )]
    pub topic_filter_type: TopicFilterType,
    /// The topic.
    pub topic_name: String,
    /// [`topic_sys_flag`] bits.
    pub topic_sys_flag: i32,
    /// Writable queues.
    pub write_queue_nums: i32,
}

impl Default for TopicConfig {
    /// Java's defaults: 16 read and 16 write queues, perm 6, SINGLE_TAG.
    fn default() -> Self {
        TopicConfig {
            attributes: BTreeMap::new(),
            order: false,
            perm: perm::READ | perm::WRITE,
            read_queue_nums: 16,
            topic_filter_type: TopicFilterType::SingleTag,
            topic_name: String::new(),
            topic_sys_flag: 0,
            write_queue_nums: 16,
        }
    }
}

impl TopicConfig {
    /// A config for `topic` with `queues` read and write queues and default permissions.
    pub fn new(topic: impl Into<String>, queues: i32) -> Self {
        TopicConfig {
            topic_name: topic.into(),
            read_queue_nums: queues,
            write_queue_nums: queues,
            ..Default::default()
        }
    }

    /// Java's `TopicConfig.encode()`, used by the compressed REGISTER_BROKER body:
    /// `name read write perm filterType attributesJson` separated by spaces. It drops
    /// `topicSysFlag` and `order`, as Java's does.
    pub fn encode_compact(&self) -> String {
        let attributes = serde_json::to_string(&self.attributes).unwrap_or_else(|_| "{}".into());
        format!(
            "{} {} {} {} {} {}",
            self.topic_name,
            self.read_queue_nums,
            self.write_queue_nums,
            self.perm,
            self.topic_filter_type.name(),
            attributes
        )
    }

    /// Parses [`Self::encode_compact`]'s form (the attributes part is optional, as in 4.x).
    pub fn decode_compact(s: &str) -> Result<Self, BodyError> {
        let bad = || BodyError::Invalid(format!("bad compact TopicConfig {s:?}"));
        let mut parts = s.splitn(6, ' ');
        let mut next = || parts.next().ok_or_else(bad);
        let topic_name = next()?.to_owned();
        let read_queue_nums = next()?.parse().map_err(|_| bad())?;
        let write_queue_nums = next()?.parse().map_err(|_| bad())?;
        let perm = next()?.parse().map_err(|_| bad())?;
        let topic_filter_type = parse_filter_type(next()?).ok_or_else(bad)?;
        let attributes = match parts.next() {
            Some(json) if !json.trim().is_empty() => super::fastjson::from_slice(json.as_bytes())?,
            _ => BTreeMap::new(),
        };
        Ok(TopicConfig {
            attributes,
            perm,
            read_queue_nums,
            topic_filter_type,
            topic_name,
            write_queue_nums,
            ..Default::default()
        })
    }
}

fn parse_filter_type(s: &str) -> Option<TopicFilterType> {
    match s.trim().to_ascii_uppercase().as_str() {
        "SINGLE_TAG" => Some(TopicFilterType::SingleTag),
        "MULTI_TAG" => Some(TopicFilterType::MultiTag),
        _ => None,
    }
}

fn write_filter_type<S: Serializer>(t: &TopicFilterType, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t.name())
}

fn read_filter_type<'de, D: Deserializer<'de>>(d: D) -> Result<TopicFilterType, D::Error> {
    let name = String::deserialize(d)?;
    parse_filter_type(&name)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown topicFilterType {name:?}")))
}

/// `{"dataVersion":…,"topicConfigTable":{"T":TopicConfig}}`: a broker's whole topic table,
/// as in `topics.json` and inside REGISTER_BROKER bodies.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicConfigSerializeWrapper {
    /// Version of the table.
    pub data_version: DataVersion,
    /// Topic name → config.
    pub topic_config_table: BTreeMap<String, TopicConfig>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::fastjson::{from_slice, to_string, JsonStyle};

    #[test]
    fn json_as_java_writes_it() {
        let mut t = TopicConfig::new("T", 8);
        t.topic_filter_type = TopicFilterType::MultiTag;
        let json = to_string(&t, JsonStyle::Legacy).expect("json");
        assert_eq!(
            json,
            r#"{"attributes":{},"order":false,"perm":6,"readQueueNums":8,"topicFilterType":"MULTI_TAG","topicName":"T","topicSysFlag":0,"writeQueueNums":8}"#
        );
        assert_eq!(
            from_slice::<TopicConfig>(json.as_bytes()).expect("reads"),
            t
        );
        // 4.x form: no attributes; missing fields take Java's defaults.
        let old: TopicConfig =
            from_slice(br#"{"topicName":"U","topicFilterType":"SINGLE_TAG","order":true}"#)
                .expect("reads");
        assert_eq!((old.read_queue_nums, old.perm, old.order), (16, 6, true));
        assert!(from_slice::<TopicConfig>(br#"{"topicFilterType":"NONE"}"#).is_err());
    }

    #[test]
    fn compact_form() {
        let mut t = TopicConfig::new("T", 4);
        t.attributes.insert("+message.type".into(), "NORMAL".into());
        let s = t.encode_compact();
        assert_eq!(s, r#"T 4 4 6 SINGLE_TAG {"+message.type":"NORMAL"}"#);
        assert_eq!(TopicConfig::decode_compact(&s).expect("decodes"), t);
        let old = TopicConfig::decode_compact("T 2 3 7 MULTI_TAG").expect("4.x form");
        assert_eq!(
            (old.read_queue_nums, old.write_queue_nums, old.perm),
            (2, 3, 7)
        );
        for bad in [
            "",
            "T",
            "T x 1 6 SINGLE_TAG",
            "T 1 1 6 NONE",
            "T 1 1 6 SINGLE_TAG {",
        ] {
            assert!(TopicConfig::decode_compact(bad).is_err(), "{bad:?}");
        }
    }
}
