//! Committed consumer offsets, persisted as `config/consumerOffset.json`.
//!
//! Keys are RocketMQ's `"topic@group"`; values map queue id → next offset to consume.
//! Concurrency: one `RwLock`, held only for map work; saves write a snapshot on a blocking
//! thread, every `flushConsumerOffsetInterval` and at shutdown.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use cometmq_remoting::body::ConsumerOffsetWrapper;
use parking_lot::RwLock;

use crate::config::BrokerConfig;
use crate::config_file;

/// The offset table. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct ConsumerOffsetTable {
    state: RwLock<BTreeMap<String, BTreeMap<i32, i64>>>,
    file: Arc<config_file::ConfigFile>,
}

fn key(topic: &str, group: &str) -> String {
    format!("{topic}@{group}")
}

/// Splits `"topic@group"`; topics cannot contain `@`, groups can.
fn split_key(k: &str) -> Option<(&str, &str)> {
    k.split_once('@')
}

impl ConsumerOffsetTable {
    /// Loads `config/consumerOffset.json` (either JSON form, or its `.bak`).
    pub fn load(config: &BrokerConfig) -> std::io::Result<Arc<ConsumerOffsetTable>> {
        let file = config_file::ConfigFile::in_store(
            &config.store.store_path_root_dir,
            "consumerOffset.json",
        );
        let loaded: Option<ConsumerOffsetWrapper> = file.load_json()?;
        Ok(Arc::new(ConsumerOffsetTable {
            state: RwLock::new(loaded.map(|w| w.offset_table).unwrap_or_default()),
            file,
        }))
    }

    /// Records the next offset `group` will consume from a queue.
    pub fn commit(&self, group: &str, topic: &str, queue_id: i32, offset: i64) {
        let mut s = self.state.write();
        s.entry(key(topic, group))
            .or_default()
            .insert(queue_id, offset);
    }

    /// The committed offset, if any.
    pub fn query(&self, group: &str, topic: &str, queue_id: i32) -> Option<i64> {
        self.state
            .read()
            .get(&key(topic, group))?
            .get(&queue_id)
            .copied()
    }

    /// All committed offsets of `group` on `topic`.
    pub fn queue_offsets(&self, group: &str, topic: &str) -> BTreeMap<i32, i64> {
        self.state
            .read()
            .get(&key(topic, group))
            .cloned()
            .unwrap_or_default()
    }

    /// Groups with offsets on `topic` (QUERY_TOPIC_CONSUME_BY_WHO).
    pub fn groups_of_topic(&self, topic: &str) -> BTreeSet<String> {
        self.state
            .read()
            .keys()
            .filter_map(|k| split_key(k))
            .filter(|(t, _)| *t == topic)
            .map(|(_, g)| g.to_string())
            .collect()
    }

    /// Topics `group` has offsets on.
    pub fn topics_of_group(&self, group: &str) -> BTreeSet<String> {
        self.state
            .read()
            .keys()
            .filter_map(|k| split_key(k))
            .filter(|(_, g)| *g == group)
            .map(|(t, _)| t.to_string())
            .collect()
    }

    /// Copies `src`'s offsets on `topic` to `dest` (CLONE_GROUP_OFFSET).
    pub fn clone_group(&self, src: &str, dest: &str, topic: &str) {
        let mut s = self.state.write();
        if let Some(offsets) = s.get(&key(topic, src)).cloned() {
            s.insert(key(topic, dest), offsets);
        }
    }

    /// Forgets every offset of `group`.
    pub fn remove_group(&self, group: &str) {
        self.state
            .write()
            .retain(|k, _| split_key(k).is_none_or(|(_, g)| g != group));
    }

    /// Forgets every offset on `topic`.
    pub fn remove_topic(&self, topic: &str) {
        self.state
            .write()
            .retain(|k, _| split_key(k).is_none_or(|(t, _)| t != topic));
    }

    /// The whole table (GET_ALL_CONSUMER_OFFSET).
    pub fn snapshot(&self) -> ConsumerOffsetWrapper {
        ConsumerOffsetWrapper {
            offset_table: self.state.read().clone(),
            ..Default::default()
        }
    }

    /// Replaces the table (a slave syncing from its master).
    pub fn replace(&self, table: BTreeMap<String, BTreeMap<i32, i64>>) {
        *self.state.write() = table;
    }

    /// Writes `consumerOffset.json` (blocking).
    pub fn save(&self) -> std::io::Result<()> {
        self.file
            .save_blocking(|| config_file::encode_json(&self.snapshot()))
    }

    /// Saves through the file's one writer (coalescing a burst), logging a failure.
    pub async fn persist(self: &Arc<Self>) {
        let me = self.clone();
        let _ = self
            .file
            .save(move || config_file::encode_json(&me.snapshot()))
            .await;
    }

    /// Every committed offset as (group, topic, queue id, offset).
    pub fn all(&self) -> Vec<(String, String, i32, i64)> {
        let s = self.state.read();
        let mut out = Vec::new();
        for (k, queues) in s.iter() {
            if let Some((topic, group)) = split_key(k) {
                for (q, o) in queues {
                    out.push((group.to_string(), topic.to_string(), *q, *o));
                }
            }
        }
        out
    }
}

/// The store names the unconsumed ranges a forced deletion destroys from these.
impl cometmq_store::ConsumerProgress for ConsumerOffsetTable {
    fn committed(&self) -> Vec<(String, String, i32, i64)> {
        self.all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_query_persist_and_java_form() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = BrokerConfig {
            store: crate::config::StoreConfig::with_root(dir.path()),
            ..Default::default()
        };
        let t = ConsumerOffsetTable::load(&cfg).unwrap();
        assert_eq!(t.query("g", "T", 0), None);
        t.commit("g", "T", 0, 10);
        t.commit("g", "T", 1, 3);
        t.commit("h@x", "T", 0, 1);
        t.commit("g", "U", 0, 5);
        assert_eq!(t.query("g", "T", 1), Some(3));
        assert_eq!(
            t.groups_of_topic("T").into_iter().collect::<Vec<_>>(),
            vec!["g", "h@x"]
        );
        assert_eq!(t.topics_of_group("g").len(), 2);
        t.clone_group("g", "k", "T");
        assert_eq!(t.query("k", "T", 0), Some(10));
        t.save().unwrap();
        let text = std::fs::read_to_string(dir.path().join("config/consumerOffset.json")).unwrap();
        assert!(text.contains(r#""T@g":{0:10,1:3}"#), "{text}");

        let again = ConsumerOffsetTable::load(&cfg).unwrap();
        assert_eq!(again.query("g", "T", 0), Some(10));
        again.remove_group("g");
        assert_eq!(again.query("g", "T", 0), None);
        assert_eq!(again.query("k", "T", 0), Some(10));
        again.remove_topic("T");
        assert_eq!(again.query("k", "T", 0), None);
    }
}
