//! Small list bodies: [`TopicList`], [`KvTable`] (reference §4.3).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// `{"brokerAddr":"…","topicList":["T1","T2"]}`; `brokerAddr` only for some calls.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicList {
    /// A broker address (GET_SYSTEM_TOPIC_LIST_FROM_NS: any live master).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broker_addr: Option<String>,
    /// The topics.
    pub topic_list: BTreeSet<String>,
}

/// `{"table":{"k":"v"}}` (Java's `KVTable`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct KvTable {
    /// Key → value.
    pub table: BTreeMap<String, String>,
}
