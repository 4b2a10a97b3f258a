//! [`ConsumerOffsetWrapper`]: `consumerOffset.json` and the GET_ALL_CONSUMER_OFFSET body,
//! `{"offsetTable":{"topic@group":{0:123,1:45}}}` with bare integer queue ids (§6.6).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::data_version::DataVersion;

/// Committed offsets: `"topic@group"` → queue id → next offset to consume.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumerOffsetWrapper {
    /// Version of the table (5.x).
    pub data_version: DataVersion,
    /// The offsets.
    pub offset_table: BTreeMap<String, BTreeMap<i32, i64>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::fastjson::{from_slice, to_string, JsonStyle};

    #[test]
    fn both_forms() {
        let legacy = r#"{"offsetTable":{"T@g":{0:12,1:7}},"groupTopicMap":{"x":1}}"#;
        let w: ConsumerOffsetWrapper = from_slice(legacy.as_bytes()).unwrap();
        assert_eq!(w.offset_table["T@g"][&1], 7);
        let standard = r#"{"offsetTable":{"T@g":{"0":12,"1":7}}}"#;
        assert_eq!(
            from_slice::<ConsumerOffsetWrapper>(standard.as_bytes()).unwrap(),
            w
        );
        let out = to_string(&w, JsonStyle::Legacy).unwrap();
        assert!(out.contains(r#""T@g":{0:12,1:7}"#), "{out}");
    }
}
