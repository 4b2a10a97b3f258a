//! Maps keyed by [`MessageQueue`], which fastjson writes with a JSON *object* as the key:
//! `{{"brokerName":"b","queueId":0,"topic":"T"}:5}` (reference §4.1).
//!
//! - [`serde_mq_map`]: a `#[serde(with = …)]` adapter for `BTreeMap<MessageQueue, V>`. It
//!   writes each key as a string holding the queue's JSON text (standard JSON) and reads keys
//!   in that form, which is also what [`fastjson::from_slice`](super::super::fastjson::from_slice)
//!   turns fastjson's bare object keys into. Keys in Java's `toString()` form
//!   (`MessageQueue [topic=T, brokerName=b, queueId=0]`) are accepted too.
//! - [`to_legacy_string`]: serializes a body the way fastjson does, with those keys bare.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::super::fastjson::{self, JsonStyle};
use super::super::BodyError;
use super::MessageQueue;

/// Parses a map key: the queue's JSON text, or Java's `toString()` form.
pub fn parse_mq_key(key: &str) -> Option<MessageQueue> {
    let key = key.trim();
    if key.starts_with('{') {
        return serde_json::from_str(key).ok();
    }
    let inner = key
        .strip_prefix("MessageQueue [")?
        .strip_suffix(']')?
        .strip_prefix("topic=")?;
    let (topic, rest) = inner.split_once(", brokerName=")?;
    let (broker, queue_id) = rest.rsplit_once(", queueId=")?;
    Some(MessageQueue::new(topic, broker, queue_id.parse().ok()?))
}

/// `#[serde(with = "serde_mq_map")]` for `BTreeMap<MessageQueue, V>`.
pub mod serde_mq_map {
    use super::*;

    /// Writes each key as a string holding the queue's JSON text.
    pub fn serialize<S, V>(map: &BTreeMap<MessageQueue, V>, s: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
        V: Serialize,
    {
        use serde::ser::{Error as _, SerializeMap};
        let mut m = s.serialize_map(Some(map.len()))?;
        for (k, v) in map {
            let key = serde_json::to_string(k).map_err(S::Error::custom)?;
            m.serialize_entry(&key, v)?;
        }
        m.end()
    }

    /// Reads keys written by [`serialize`], by fastjson (after the lenient reader quoted
    /// them) or in Java's `toString()` form.
    pub fn deserialize<'de, D, V>(d: D) -> Result<BTreeMap<MessageQueue, V>, D::Error>
    where
        D: Deserializer<'de>,
        V: Deserialize<'de>,
    {
        let raw: BTreeMap<String, V> = BTreeMap::deserialize(d)?;
        raw.into_iter()
            .map(|(k, v)| {
                parse_mq_key(&k)
                    .map(|mq| (mq, v))
                    .ok_or_else(|| D::Error::custom(format!("bad MessageQueue key {k:?}")))
            })
            .collect()
    }
}

/// Serializes `value` as fastjson does: [`JsonStyle::Legacy`], and map keys that hold a
/// JSON object (queues, via [`serde_mq_map`]) written as bare objects.
pub fn to_legacy_string<T: Serialize + ?Sized>(value: &T) -> Result<String, BodyError> {
    let text = fastjson::to_string(value, JsonStyle::Legacy)?;
    Ok(unquote_object_keys(&text))
}

/// Rewrites keys whose string value is a JSON object as that bare object:
/// `{"{\"a\":1}":2}` → `{{"a":1}:2}`. Input must be JSON as serde_json writes it.
pub fn unquote_object_keys(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    // `Some(true)`: an object expecting a key; `Some(false)`: an object expecting a value;
    // `None`: an array.
    let mut stack: Vec<Option<bool>> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' {
            let end = string_end(b, i);
            let literal = text.get(i..end).unwrap_or_default();
            match stack.last_mut() {
                Some(Some(expecting_key)) if *expecting_key => {
                    *expecting_key = false;
                    match serde_json::from_str::<String>(literal) {
                        Ok(key) if is_json_object(&key) => out.push_str(&key),
                        _ => out.push_str(literal),
                    }
                }
                _ => out.push_str(literal),
            }
            i = end;
            continue;
        }
        match c {
            b'{' => stack.push(Some(true)),
            b'[' => stack.push(None),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => {
                if let Some(Some(expecting_key)) = stack.last_mut() {
                    *expecting_key = true;
                }
            }
            _ => {}
        }
        let len = text
            .get(i..)
            .and_then(|s| s.chars().next())
            .map_or(1, char::len_utf8);
        out.push_str(text.get(i..i + len).unwrap_or_default());
        i += len;
    }
    out
}

fn is_json_object(s: &str) -> bool {
    s.starts_with('{') && serde_json::from_str::<serde_json::Value>(s).is_ok_and(|v| v.is_object())
}

/// The index just past the string literal starting at `start` (a `"`).
fn string_end(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    struct Table {
        #[serde(with = "serde_mq_map")]
        offset_table: BTreeMap<MessageQueue, i64>,
        names: Vec<String>,
    }

    fn table() -> Table {
        Table {
            offset_table: [
                (MessageQueue::new("T", "b", 0), 5),
                (MessageQueue::new("T", "b", 1), 7),
            ]
            .into(),
            names: vec!["x,{\"y\":1}".into()],
        }
    }

    #[test]
    fn legacy_writes_bare_object_keys_and_reads_back() {
        let text = to_legacy_string(&table()).unwrap();
        assert_eq!(
            text,
            r#"{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:5,{"brokerName":"b","queueId":1,"topic":"T"}:7},"names":["x,{\"y\":1}"]}"#
        );
        let back: Table = fastjson::from_slice(text.as_bytes()).unwrap();
        assert_eq!(back, table());
    }

    #[test]
    fn standard_form_reads_back() {
        let text = serde_json::to_string(&table()).unwrap();
        assert!(text.contains(r#""{\"brokerName\":\"b\",\"queueId\":0,\"topic\":\"T\"}":5"#));
        let back: Table = fastjson::from_slice(text.as_bytes()).unwrap();
        assert_eq!(back, table());
    }

    #[test]
    fn reads_pretty_fastjson_and_to_string_keys() {
        let pretty = "{\n\t\"offsetTable\":{{\n\t\t\t\"brokerName\":\"b\",\n\t\t\t\"queueId\":1,\n\t\t\t\"topic\":\"T\"\n\t\t}:7\n\t}\n}";
        let t: Table = fastjson::from_slice(pretty.as_bytes()).unwrap();
        assert_eq!(t.offset_table[&MessageQueue::new("T", "b", 1)], 7);
        let java = r#"{"offsetTable":{"MessageQueue [topic=T, brokerName=b, queueId=3]":9}}"#;
        let t: Table = fastjson::from_slice(java.as_bytes()).unwrap();
        assert_eq!(t.offset_table[&MessageQueue::new("T", "b", 3)], 9);
        assert!(fastjson::from_slice::<Table>(br#"{"offsetTable":{"junk":1}}"#).is_err());
        assert_eq!(
            parse_mq_key("MessageQueue [topic=T, brokerName=b, queueId=x]"),
            None
        );
    }

    #[test]
    fn unquote_leaves_other_strings() {
        let s = r#"{"a":"{\"b\":1}","c":[{"{\"d\":2}":3}],"e":{"f":"g"}}"#;
        assert_eq!(
            unquote_object_keys(s),
            r#"{"a":"{\"b\":1}","c":[{{"d":2}:3}],"e":{"f":"g"}}"#
        );
    }
}
