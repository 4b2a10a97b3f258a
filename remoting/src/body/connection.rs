//! Connection list bodies (reference §4.3): [`ConsumerConnection`]
//! (GET_CONSUMER_CONNECTION_LIST) and [`ProducerConnection`] (GET_PRODUCER_CONNECTION_LIST),
//! each a set of [`Connection`]s.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::client::{nullable, ConsumeFromWhere, ConsumeType, MessageModel, SubscriptionData};
use crate::code::LanguageCode;

/// One connected client: `{"clientAddr":"ip:port","clientId":"ip@pid","language":"JAVA","version":479}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Connection {
    /// The client's address as the broker sees it.
    #[serde(deserialize_with = "nullable")]
    pub client_addr: String,
    /// The client id from its heartbeat.
    #[serde(deserialize_with = "nullable")]
    pub client_id: String,
    /// The client's language.
    #[serde(serialize_with = "write_language", deserialize_with = "read_language")]
    pub language: LanguageCode,
    /// The client's MQVersion ordinal.
    pub version: i32,
}

pub(super) fn write_language<S: Serializer>(l: &LanguageCode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(l.as_str())
}

pub(super) fn read_language<'de, D: Deserializer<'de>>(d: D) -> Result<LanguageCode, D::Error> {
    let name: Option<String> = Option::deserialize(d)?;
    Ok(name.map_or(LanguageCode::default(), |n| LanguageCode::from_name(&n)))
}

/// GET_CONSUMER_CONNECTION_LIST (203) response: a group's online consumers and the
/// subscriptions they sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumerConnection {
    /// The connected consumers.
    #[serde(deserialize_with = "nullable")]
    pub connection_set: Vec<Connection>,
    /// Where new consumers of the group start.
    pub consume_from_where: ConsumeFromWhere,
    /// Push or pull.
    pub consume_type: ConsumeType,
    /// Clustering or broadcasting.
    pub message_model: MessageModel,
    /// Topic → subscription.
    #[serde(deserialize_with = "nullable")]
    pub subscription_table: BTreeMap<String, SubscriptionData>,
}

/// GET_PRODUCER_CONNECTION_LIST (204) response: `{"connectionSet":[Connection]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProducerConnection {
    /// The connected producers.
    #[serde(deserialize_with = "nullable")]
    pub connection_set: Vec<Connection>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::fastjson::{self, JsonStyle};

    #[test]
    fn consumer_connection_java_form() {
        let java = r#"{"connectionSet":[{"clientAddr":"10.0.0.9:50122","clientId":"10.0.0.9@123","language":"JAVA","version":479}],"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING","subscriptionTable":{"T":{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1,"tagsSet":[],"topic":"T"}}}"#;
        let c: ConsumerConnection = fastjson::from_slice(java.as_bytes()).unwrap();
        assert_eq!(c.connection_set[0].language, LanguageCode::Java);
        assert_eq!(c.subscription_table["T"].sub_string, "*");
        let out = fastjson::to_string(&c, JsonStyle::Legacy).unwrap();
        let again: ConsumerConnection = fastjson::from_slice(out.as_bytes()).unwrap();
        assert_eq!(again, c);
        assert!(out.starts_with(r#"{"connectionSet":[{"clientAddr":"10.0.0.9:50122","clientId":"10.0.0.9@123","language":"JAVA","version":479}],"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET""#), "{out}");
    }

    #[test]
    fn producer_connection_tolerates_nulls() {
        let p: ProducerConnection = serde_json::from_str(
            r#"{"connectionSet":[{"clientAddr":null,"clientId":"x","language":"NODE_JS","version":1}]}"#,
        )
        .unwrap();
        assert_eq!(p.connection_set[0].language, LanguageCode::NodeJs);
        assert!(p.connection_set[0].client_addr.is_empty());
        let p: ProducerConnection = serde_json::from_str(r#"{"connectionSet":null}"#).unwrap();
        assert!(p.connection_set.is_empty());
    }
}
