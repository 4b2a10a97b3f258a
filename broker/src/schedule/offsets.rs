//! Delivery progress per level, persisted as `config/delayOffset.json`:
//! `{"offsetTable":{1:0,2:17}}` (reference §6.6), level → next ConsumeQueue offset to
//! deliver in queue level − 1. Written in the 4.x form (bare integer keys, no
//! `dataVersion`); either JSON form, and 5.x files with a `dataVersion`, are read.
//!
//! Concurrency: one `Mutex` around the map, held only for map work; saves take a
//! snapshot and write it on a blocking thread.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::config_file;

/// The `delayOffset.json` document (Java `DelayOffsetSerializeWrapper`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DelayOffsetSerializeWrapper {
    /// Delay level → next ConsumeQueue offset to deliver.
    pub offset_table: BTreeMap<i32, i64>,
}

/// The delay offset table.
#[derive(Debug)]
pub struct DelayOffsetTable {
    offsets: Mutex<BTreeMap<i32, i64>>,
    changed: AtomicBool,
    file: Arc<config_file::ConfigFile>,
}

impl DelayOffsetTable {
    /// Loads `<root>/config/delayOffset.json` (or its `.bak`); empty when absent.
    pub fn load(store_root: &str) -> std::io::Result<DelayOffsetTable> {
        let file =
            config_file::ConfigFile::in_store(std::path::Path::new(store_root), "delayOffset.json");
        let loaded: Option<DelayOffsetSerializeWrapper> = file.load_json()?;
        Ok(DelayOffsetTable {
            offsets: Mutex::new(loaded.map(|w| w.offset_table).unwrap_or_default()),
            changed: AtomicBool::new(false),
            file,
        })
    }

    /// The next offset to deliver at `level` (0 when never set).
    pub fn get(&self, level: i32) -> i64 {
        self.offsets.lock().get(&level).copied().unwrap_or(0)
    }

    /// Records the next offset to deliver at `level`.
    pub fn set(&self, level: i32, offset: i64) {
        let old = self.offsets.lock().insert(level, offset);
        if old != Some(offset) {
            self.changed.store(true, Ordering::Release);
        }
    }

    /// Replaces the whole table (a slave taking its master's GET_ALL_DELAY_OFFSET).
    pub fn replace(&self, table: BTreeMap<i32, i64>) {
        let mut offsets = self.offsets.lock();
        if *offsets != table {
            *offsets = table;
            self.changed.store(true, Ordering::Release);
        }
    }

    /// The whole table.
    pub fn snapshot(&self) -> DelayOffsetSerializeWrapper {
        DelayOffsetSerializeWrapper {
            offset_table: self.offsets.lock().clone(),
        }
    }

    /// The table as fastjson writes it: the `delayOffset.json` text, also the
    /// GET_ALL_DELAY_OFFSET body.
    pub fn encode(&self) -> String {
        use cometmq_remoting::body::{fastjson, JsonStyle};
        fastjson::to_string(&self.snapshot(), JsonStyle::Legacy)
            .unwrap_or_else(|_| r#"{"offsetTable":{}}"#.to_string())
    }

    /// Writes `delayOffset.json` (blocking).
    pub fn save(&self) -> std::io::Result<()> {
        self.changed.store(false, Ordering::Release);
        let r = self.file.save_blocking(|| Ok(self.encode().into_bytes()));
        if r.is_err() {
            self.changed.store(true, Ordering::Release);
        }
        r
    }

    /// Whether the table changed since the last save.
    pub fn is_changed(&self) -> bool {
        self.changed.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_forms_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().display().to_string();
        let t = DelayOffsetTable::load(&root).unwrap();
        assert_eq!(t.get(3), 0);
        assert!(!t.is_changed());
        t.set(1, 0);
        t.set(2, 17);
        assert!(t.is_changed());
        assert_eq!(t.encode(), r#"{"offsetTable":{1:0,2:17}}"#);
        t.save().unwrap();
        assert!(!t.is_changed());
        let again = DelayOffsetTable::load(&root).unwrap();
        assert_eq!(again.get(2), 17);

        // A 5.x file, standard JSON with a dataVersion.
        let text = r#"{"dataVersion":{"counter":3,"timestamp":1},"offsetTable":{"4":9}}"#;
        std::fs::write(dir.path().join("config/delayOffset.json"), text).unwrap();
        let five = DelayOffsetTable::load(&root).unwrap();
        assert_eq!(five.get(4), 9);
        // A slave takes its master's table.
        five.replace(BTreeMap::from([(1, 3)]));
        assert_eq!((five.get(1), five.get(4)), (3, 0));
        assert!(five.is_changed());
    }
}
