//! The HEART_BEAT (34) body (reference §3.8): [`HeartbeatData`] with its [`ProducerData`],
//! [`ConsumerData`] and [`SubscriptionData`], and the enums they carry.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::message::java_string_hash;

/// Declares a string enum written as its Java name and read case-insensitively, ignoring
/// `_` (so Go's `Clustering`/`BroadCasting` read as `CLUSTERING`/`BROADCASTING`).
macro_rules! java_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $java:literal),* $(,)? } default $default:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// The Java enum name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $java,)* }
            }

            /// Parses a name case-insensitively, ignoring underscores.
            pub fn parse(s: &str) -> Option<Self> {
                let norm = |x: &str| x.chars().filter(|c| *c != '_').flat_map(char::to_uppercase).collect::<String>();
                let s = norm(s);
                $(if s == norm($java) { return Some($name::$variant); })*
                None
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown {} {s:?}", stringify!($name))))
            }
        }
    };
}

java_enum! {
    /// How a consumer gets messages.
    ConsumeType {
        /// Pull consumer.
        Actively = "CONSUME_ACTIVELY",
        /// Push consumer (the default).
        #[default]
        Passively = "CONSUME_PASSIVELY",
        /// 5.x POP consumer.
        Pop = "CONSUME_POP",
    } default Passively
}

java_enum! {
    /// Whether a group shares messages (clustering) or every consumer gets all (broadcasting).
    MessageModel {
        /// Each message to one consumer of the group (the default).
        #[default]
        Clustering = "CLUSTERING",
        /// Each message to every consumer of the group.
        Broadcasting = "BROADCASTING",
    } default Clustering
}

java_enum! {
    /// Where a consumer without a stored offset starts.
    ConsumeFromWhere {
        /// At the end of the queue (the default).
        #[default]
        LastOffset = "CONSUME_FROM_LAST_OFFSET",
        /// Deprecated: as `LastOffset`.
        LastOffsetAndFromMinWhenBootFirst = "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST",
        /// Deprecated: as `LastOffset`.
        MinOffset = "CONSUME_FROM_MIN_OFFSET",
        /// Deprecated: as `LastOffset`.
        MaxOffset = "CONSUME_FROM_MAX_OFFSET",
        /// At the start of the queue.
        FirstOffset = "CONSUME_FROM_FIRST_OFFSET",
        /// At the first message stored at or after the consumer's timestamp.
        Timestamp = "CONSUME_FROM_TIMESTAMP",
    } default LastOffset
}

/// Reads `null` as the type's default (Go and Node clients send `null` for empty sets).
pub fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A `codeSet` whose items are JSON numbers or numeric strings (null: empty).
fn code_set<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeSet<i32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Code {
        Number(i32),
        Text(String),
    }
    let items: Option<Vec<Code>> = Option::deserialize(d)?;
    items
        .unwrap_or_default()
        .into_iter()
        .map(|c| match c {
            Code::Number(n) => Ok(n),
            Code::Text(t) => t.trim().parse().map_err(|_| {
                serde::de::Error::custom(format!("codeSet item {t:?} is not a 32-bit integer"))
            }),
        })
        .collect()
}

/// Expression type of tag subscriptions.
pub const EXPRESSION_TAG: &str = "TAG";
/// Expression type of SQL92 subscriptions.
pub const EXPRESSION_SQL92: &str = "SQL92";
/// The subscribe-all expression.
pub const SUB_ALL: &str = "*";

/// One topic subscription of a consumer group (Java `SubscriptionData`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionData {
    /// Obsolete class-filter mode.
    pub class_filter_mode: bool,
    /// Java hash codes of the tags (the broker compares them with ConsumeQueue tags codes).
    /// Read as numbers or numeric strings: the Go client writes `"codeSet":["2598919"]`,
    /// which fastjson coerces.
    #[serde(deserialize_with = "code_set")]
    pub code_set: BTreeSet<i32>,
    /// `TAG` or `SQL92`.
    #[serde(deserialize_with = "nullable")]
    pub expression_type: String,
    /// The expression as given (`*`, `a || b`, or SQL).
    #[serde(deserialize_with = "nullable")]
    pub sub_string: String,
    /// Version: the ms timestamp at which the subscription was built.
    pub sub_version: i64,
    /// The tags of a tag expression; empty for `*`.
    #[serde(deserialize_with = "nullable")]
    pub tags_set: BTreeSet<String>,
    /// The topic.
    #[serde(deserialize_with = "nullable")]
    pub topic: String,
}

impl Default for SubscriptionData {
    fn default() -> Self {
        SubscriptionData {
            class_filter_mode: false,
            code_set: BTreeSet::new(),
            expression_type: EXPRESSION_TAG.to_owned(),
            sub_string: SUB_ALL.to_owned(),
            sub_version: 0,
            tags_set: BTreeSet::new(),
            topic: String::new(),
        }
    }
}

impl SubscriptionData {
    /// A tag subscription to `topic` (Java `FilterAPI.buildSubscriptionData`): an empty
    /// expression or `*` subscribes to everything; otherwise the expression is split on `||`
    /// and each trimmed, non-empty tag is kept with its Java hash code.
    ///
    /// ```
    /// use cometmq_remoting::body::client::SubscriptionData;
    /// let s = SubscriptionData::for_tags("T", " TagA || TagB ||", 1);
    /// assert_eq!(s.tags_set.iter().collect::<Vec<_>>(), ["TagA", "TagB"]);
    /// assert!(s.code_set.contains(&2598919));
    /// assert!(SubscriptionData::for_tags("T", "*", 1).tags_set.is_empty());
    /// ```
    pub fn for_tags(topic: impl Into<String>, expression: &str, sub_version: i64) -> Self {
        let mut s = SubscriptionData {
            topic: topic.into(),
            sub_version,
            ..Default::default()
        };
        let expression = expression.trim();
        if expression.is_empty() || expression == SUB_ALL {
            return s;
        }
        s.sub_string = expression.to_owned();
        for tag in expression
            .split("||")
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            s.code_set.insert(java_string_hash(tag));
            s.tags_set.insert(tag.to_owned());
        }
        s
    }

    /// An SQL92 subscription to `topic` (Java `FilterAPI.build` with `SQL92`): the
    /// expression as given, no tags.
    pub fn for_sql(topic: impl Into<String>, expression: &str, sub_version: i64) -> Self {
        SubscriptionData {
            topic: topic.into(),
            sub_version,
            expression_type: EXPRESSION_SQL92.to_owned(),
            sub_string: expression.to_owned(),
            ..Default::default()
        }
    }

    /// Whether this is an SQL92 subscription.
    pub fn is_sql92(&self) -> bool {
        self.expression_type
            .trim()
            .eq_ignore_ascii_case(EXPRESSION_SQL92)
    }

    /// Whether this subscription takes every message (`*` or no tags).
    pub fn is_all(&self) -> bool {
        let tag_type = self.expression_type.is_empty()
            || self.expression_type.eq_ignore_ascii_case(EXPRESSION_TAG);
        tag_type && self.tags_set.is_empty()
    }

    /// Whether a message with `tag` matches (tag subscriptions only).
    pub fn matches_tag(&self, tag: Option<&str>) -> bool {
        self.is_all() || tag.is_some_and(|t| self.tags_set.contains(t))
    }
}

/// One producer group of a client.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProducerData {
    /// The producer group.
    #[serde(deserialize_with = "nullable")]
    pub group_name: String,
}

/// One consumer group of a client, with its subscriptions.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumerData {
    /// Where to start without a stored offset.
    pub consume_from_where: ConsumeFromWhere,
    /// Push, pull or pop.
    pub consume_type: ConsumeType,
    /// The consumer group.
    #[serde(deserialize_with = "nullable")]
    pub group_name: String,
    /// Clustering or broadcasting.
    pub message_model: MessageModel,
    /// The group's subscriptions (including `%RETRY%<group>` for clustering push consumers).
    #[serde(deserialize_with = "nullable")]
    pub subscription_data_set: Vec<SubscriptionData>,
    /// Unit mode (obsolete).
    pub unit_mode: bool,
}

/// The HEART_BEAT body: who this client is and which groups it belongs to.
///
/// ```
/// use cometmq_remoting::body::client::{HeartbeatData, ProducerData};
/// let hb = HeartbeatData {
///     client_id: "10.0.0.1@1234".into(),
///     producer_data_set: vec![ProducerData { group_name: "PG".into() }],
///     ..Default::default()
/// };
/// let json = serde_json::to_string(&hb).unwrap();
/// assert!(json.starts_with(r#"{"clientID":"10.0.0.1@1234","consumerDataSet":[]"#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HeartbeatData {
    /// The client id `ip@instance` (Java spells the key `clientID`).
    #[serde(rename = "clientID", deserialize_with = "nullable")]
    pub client_id: String,
    /// The client's consumer groups.
    #[serde(deserialize_with = "nullable")]
    pub consumer_data_set: Vec<ConsumerData>,
    /// 5.x heartbeat v2 fingerprint; 0 = classic heartbeat.
    pub heartbeat_fingerprint: i32,
    /// The client's producer groups.
    #[serde(deserialize_with = "nullable")]
    pub producer_data_set: Vec<ProducerData>,
    /// 5.x heartbeat v2: subscriptions omitted because unchanged.
    pub without_sub: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_set_as_the_go_client_writes_it() {
        let go = r#"{"topic":"T","subString":"Tag0 || Tag2","tagsSet":["Tag0","Tag2"],"codeSet":["2598151","-12"],"expType":"TAG","subVersion":1}"#;
        let s: SubscriptionData = serde_json::from_str(go).unwrap();
        assert_eq!(s.code_set, BTreeSet::from([2598151, -12]));
        let java = r#"{"topic":"T","codeSet":[2598151],"tagsSet":["Tag0"]}"#;
        let s: SubscriptionData = serde_json::from_str(java).unwrap();
        assert_eq!(s.code_set, BTreeSet::from([2598151]));
        let null: SubscriptionData = serde_json::from_str(r#"{"codeSet":null}"#).unwrap();
        assert!(null.code_set.is_empty());
        assert!(serde_json::from_str::<SubscriptionData>(r#"{"codeSet":["x"]}"#).is_err());
    }

    #[test]
    fn enums_parse_leniently() {
        assert_eq!(
            MessageModel::parse("BroadCasting"),
            Some(MessageModel::Broadcasting)
        );
        assert_eq!(
            MessageModel::parse("Clustering"),
            Some(MessageModel::Clustering)
        );
        assert_eq!(
            ConsumeFromWhere::parse("consume_from_timestamp"),
            Some(ConsumeFromWhere::Timestamp)
        );
        assert_eq!(ConsumeType::parse("CONSUME_POP"), Some(ConsumeType::Pop));
        assert_eq!(ConsumeType::parse("nope"), None);
        let m: MessageModel = serde_json::from_str("\"BroadCasting\"").unwrap();
        assert_eq!(m, MessageModel::Broadcasting);
        assert!(serde_json::from_str::<MessageModel>("\"x\"").is_err());
        assert_eq!(ConsumeFromWhere::default(), ConsumeFromWhere::LastOffset);
    }

    #[test]
    fn heartbeat_json_is_javas() {
        let hb = HeartbeatData {
            client_id: "c".into(),
            consumer_data_set: vec![ConsumerData {
                group_name: "CG".into(),
                subscription_data_set: vec![SubscriptionData::for_tags("T", "TagA", 7)],
                ..Default::default()
            }],
            producer_data_set: vec![ProducerData {
                group_name: "PG".into(),
            }],
            ..Default::default()
        };
        let json = serde_json::to_string(&hb).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"clientID":"c","consumerDataSet":[{"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","#,
                r#""consumeType":"CONSUME_PASSIVELY","groupName":"CG","messageModel":"CLUSTERING","#,
                r#""subscriptionDataSet":[{"classFilterMode":false,"codeSet":[2598919],"expressionType":"TAG","#,
                r#""subString":"TagA","subVersion":7,"tagsSet":["TagA"],"topic":"T"}],"unitMode":false}],"#,
                r#""heartbeatFingerprint":0,"producerDataSet":[{"groupName":"PG"}],"withoutSub":false}"#
            )
        );
        let back: HeartbeatData = serde_json::from_str(&json).unwrap();
        assert_eq!(back, hb);
        // A Go client's heartbeat.
        let go = r#"{"clientID":"g","consumerDataSet":[{"groupName":"G","consumeType":"CONSUME_PASSIVELY",
            "messageModel":"BroadCasting","consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET",
            "subscriptionDataSet":[{"topic":"T","subString":"*","tagsSet":null,"codeSet":null}]}],
            "producerDataSet":[]}"#;
        let go: HeartbeatData = serde_json::from_str(go).unwrap();
        let c = &go.consumer_data_set[0];
        assert_eq!(c.message_model, MessageModel::Broadcasting);
        assert_eq!(c.consume_from_where, ConsumeFromWhere::FirstOffset);
        assert!(c.subscription_data_set[0].tags_set.is_empty());
        assert!(c.subscription_data_set[0].is_all());
    }

    #[test]
    fn subscriptions() {
        let s = SubscriptionData::for_tags("T", "", 1);
        assert!(s.is_all() && s.matches_tag(None));
        assert_eq!(s.sub_string, "*");
        let s = SubscriptionData::for_tags("T", "a||b", 1);
        assert!(s.matches_tag(Some("a")) && s.matches_tag(Some("b")));
        assert!(!s.matches_tag(Some("c")) && !s.matches_tag(None));
        assert_eq!(s.code_set.len(), 2);
    }
}
