//! [`DataVersion`]: the version stamp of a broker's topic (or group, offset) tables.

use serde::{Deserialize, Serialize};

/// `{"counter":N,"stateVersion":0,"timestamp":ms}`. A broker bumps it whenever its topic
/// configs change; the NameServer re-reads a master's topics only when it differs from the
/// one last registered (reference §4.3, §12). Equality compares all three fields, as Java's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DataVersion {
    /// Incremented on every change.
    pub counter: i64,
    /// 5.x controller mode's epoch-like state version; 0 otherwise.
    pub state_version: i64,
    /// Time of the last change, ms since the epoch.
    pub timestamp: i64,
}

impl DataVersion {
    /// A first version stamped `now_ms`.
    pub fn new(now_ms: i64) -> Self {
        DataVersion {
            counter: 0,
            state_version: 0,
            timestamp: now_ms,
        }
    }

    /// Records a change at `now_ms` (Java's `nextVersion()`).
    pub fn bump(&mut self, now_ms: i64) {
        self.counter += 1;
        self.timestamp = now_ms;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::fastjson::{from_slice, to_string, JsonStyle};

    #[test]
    fn json_forms() {
        let mut v = DataVersion::new(1_700_000_000_000);
        v.bump(1_700_000_000_001);
        assert_eq!(
            to_string(&v, JsonStyle::Legacy).expect("json"),
            r#"{"counter":1,"stateVersion":0,"timestamp":1700000000001}"#
        );
        // 4.x brokers send no stateVersion.
        let old: DataVersion =
            from_slice(br#"{"counter":1,"timestamp":1700000000001}"#).expect("reads");
        assert_eq!(old, v);
        assert_ne!(DataVersion { counter: 2, ..v }, v);
    }
}
