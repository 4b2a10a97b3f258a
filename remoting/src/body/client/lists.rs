//! Small list bodies of the client protocol: [`ConsumerListBody`], [`GroupList`].

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::heartbeat::nullable;

/// GET_CONSUMER_LIST_BY_GROUP (38) response: `{"consumerIdList":["ip@instance",…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumerListBody {
    /// Client ids of the group's online consumers.
    #[serde(deserialize_with = "nullable")]
    pub consumer_id_list: Vec<String>,
}

/// `{"groupList":["g",…]}` (QUERY_TOPIC_CONSUME_BY_WHO and others).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupList {
    /// The groups.
    #[serde(deserialize_with = "nullable")]
    pub group_list: BTreeSet<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_forms() {
        let b = ConsumerListBody {
            consumer_id_list: vec!["a@1".into(), "b@2".into()],
        };
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(json, r#"{"consumerIdList":["a@1","b@2"]}"#);
        assert_eq!(serde_json::from_str::<ConsumerListBody>(&json).unwrap(), b);
        let g: GroupList = serde_json::from_str(r#"{"groupList":["g2","g1"]}"#).unwrap();
        assert_eq!(g.group_list.iter().collect::<Vec<_>>(), ["g1", "g2"]);
        let g: GroupList = serde_json::from_str(r#"{"groupList":null}"#).unwrap();
        assert!(g.group_list.is_empty());
    }
}
