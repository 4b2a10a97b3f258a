//! The broker's topic table, persisted as `config/topics.json`.
//!
//! Concurrency: one `RwLock` around the map and its version, held only for in-memory work
//! (never across `.await` or file I/O). Saving takes a snapshot under the lock and writes
//! it outside, on a blocking thread.

use std::sync::Arc;

use cometmq_remoting::body::{perm, DataVersion, TopicConfig, TopicConfigSerializeWrapper};
use cometmq_remoting::clock::now_ms;
use parking_lot::RwLock;

use crate::config::BrokerConfig;
use crate::config_file;
use crate::topic_names::*;

/// The topic table. Cheap to share behind an `Arc`.
pub struct TopicTable {
    state: RwLock<TopicConfigSerializeWrapper>,
    file: Arc<config_file::ConfigFile>,
}

/// What a change did, so the caller knows whether to persist and re-register.
#[derive(Debug, Clone, PartialEq)]
pub enum Upsert {
    /// The topic is new or changed.
    Changed(TopicConfig),
    /// It already had this exact config.
    Unchanged(TopicConfig),
}

impl TopicTable {
    /// Loads `config/topics.json` under the store root (or its `.bak`), then adds the
    /// system topics RocketMQ's broker creates at start.
    pub fn load(config: &BrokerConfig) -> std::io::Result<Arc<TopicTable>> {
        let file =
            config_file::ConfigFile::in_store(&config.store.store_path_root_dir, "topics.json");
        let loaded: Option<TopicConfigSerializeWrapper> = file.load_json()?;
        let mut state = loaded.unwrap_or_else(|| TopicConfigSerializeWrapper {
            data_version: DataVersion::new(now_ms()),
            ..Default::default()
        });
        for t in system_topics(config) {
            state
                .topic_config_table
                .entry(t.topic_name.clone())
                .or_insert(t);
        }
        // TBW102's permission follows autoCreateTopicEnable on every start.
        if let Some(t) = state.topic_config_table.get_mut(AUTO_CREATE_TOPIC) {
            t.perm = if config.auto_create_topic_enable {
                perm::READ | perm::WRITE | perm::INHERIT
            } else {
                perm::READ | perm::WRITE
            };
        }
        Ok(Arc::new(TopicTable {
            state: RwLock::new(state),
            file,
        }))
    }

    /// One topic's config.
    pub fn get(&self, topic: &str) -> Option<TopicConfig> {
        self.state.read().topic_config_table.get(topic).cloned()
    }

    /// `f` applied to a topic's config under the table's read lock (no clone).
    pub fn with<R>(&self, topic: &str, f: impl FnOnce(&TopicConfig) -> R) -> Option<R> {
        self.state.read().topic_config_table.get(topic).map(f)
    }

    /// All topic names.
    pub fn names(&self) -> Vec<String> {
        self.state
            .read()
            .topic_config_table
            .keys()
            .cloned()
            .collect()
    }

    /// The whole table with its version (for registration and GET_ALL_TOPIC_CONFIG).
    pub fn snapshot(&self) -> TopicConfigSerializeWrapper {
        self.state.read().clone()
    }

    /// Replaces the whole table and its version (a slave copying its master's); false
    /// when both already matched.
    pub fn replace(&self, from_master: TopicConfigSerializeWrapper) -> bool {
        let mut s = self.state.write();
        if s.topic_config_table == from_master.topic_config_table
            && s.data_version == from_master.data_version
        {
            return false;
        }
        s.topic_config_table = from_master.topic_config_table;
        s.data_version = from_master.data_version;
        true
    }

    /// The table's version.
    pub fn data_version(&self) -> DataVersion {
        self.state.read().data_version
    }

    /// Creates or replaces a topic; bumps the version when it changed.
    pub fn upsert(&self, config: TopicConfig) -> Upsert {
        let mut s = self.state.write();
        if s.topic_config_table.get(&config.topic_name) == Some(&config) {
            return Upsert::Unchanged(config);
        }
        s.topic_config_table
            .insert(config.topic_name.clone(), config.clone());
        s.data_version.bump(now_ms());
        Upsert::Changed(config)
    }

    /// Removes a topic; true if it existed.
    pub fn delete(&self, topic: &str) -> bool {
        let mut s = self.state.write();
        let existed = s.topic_config_table.remove(topic).is_some();
        if existed {
            s.data_version.bump(now_ms());
        }
        existed
    }

    /// The config of `topic`, creating it from the `template` topic when the template
    /// allows inheriting (TBW102 with auto-create on): queues =
    /// min(`client_queue_nums`, template's write queues), perm = template's without INHERIT.
    pub fn get_or_create_from_template(
        &self,
        topic: &str,
        template: &str,
        client_queue_nums: i32,
        topic_sys_flag: i32,
    ) -> Option<Upsert> {
        if let Some(t) = self.get(topic) {
            return Some(Upsert::Unchanged(t));
        }
        let tpl = self.get(template)?;
        if tpl.perm & perm::INHERIT == 0 {
            return None;
        }
        let queues = client_queue_nums.min(tpl.write_queue_nums).max(1);
        let mut cfg = TopicConfig::new(topic, queues);
        cfg.perm = tpl.perm & !perm::INHERIT;
        cfg.topic_filter_type = tpl.topic_filter_type;
        cfg.topic_sys_flag = topic_sys_flag;
        tracing::info!(topic, template, queues, "auto-created topic");
        Some(self.insert_if_absent(cfg))
    }

    /// The config of a system-managed topic (retry, DLQ, …), created with `queues` and
    /// `perm` when missing.
    pub fn get_or_create(&self, topic: &str, queues: i32, perm: i32) -> Upsert {
        if let Some(t) = self.get(topic) {
            return Upsert::Unchanged(t);
        }
        let mut cfg = TopicConfig::new(topic, queues);
        cfg.perm = perm;
        self.insert_if_absent(cfg)
    }

    fn insert_if_absent(&self, cfg: TopicConfig) -> Upsert {
        let mut s = self.state.write();
        if let Some(existing) = s.topic_config_table.get(&cfg.topic_name) {
            return Upsert::Unchanged(existing.clone());
        }
        s.topic_config_table
            .insert(cfg.topic_name.clone(), cfg.clone());
        s.data_version.bump(now_ms());
        Upsert::Changed(cfg)
    }

    /// Writes `topics.json` (blocking: call from a blocking thread).
    pub fn save(&self) -> std::io::Result<()> {
        self.file
            .save_blocking(|| config_file::encode_json(&self.snapshot()))
    }

    /// Whether the last save failed (a full disk): the periodic flush saves again.
    pub fn is_unsaved(&self) -> bool {
        self.file.is_unsaved()
    }

    /// Saves through the file's one writer (coalescing a burst), logging a failure.
    pub async fn persist(self: &Arc<Self>) {
        let me = self.clone();
        let _ = self
            .file
            .save(move || config_file::encode_json(&me.snapshot()))
            .await;
    }
}

/// The topics RocketMQ's broker creates at start.
fn system_topics(config: &BrokerConfig) -> Vec<TopicConfig> {
    let mut v = Vec::new();
    let rw = perm::READ | perm::WRITE;
    let mut with = |name: &str, queues: i32, p: i32| {
        let mut t = TopicConfig::new(name, queues);
        t.perm = p;
        v.push(t);
    };
    with(SELF_TEST_TOPIC, 1, rw);
    if config.auto_create_topic_enable {
        with(
            AUTO_CREATE_TOPIC,
            config.default_topic_queue_nums,
            rw | perm::INHERIT,
        );
    }
    with(BENCHMARK_TOPIC, 1024, rw);
    if config.cluster_topic_enable {
        with(
            &config.broker_cluster_name,
            16,
            config.broker_permission | perm::INHERIT,
        );
    }
    if config.broker_topic_enable {
        with(
            &config.broker_name,
            1,
            config.broker_permission | perm::INHERIT,
        );
    }
    with(OFFSET_MOVED_EVENT, 1, rw);
    with(SCHEDULE_TOPIC, 18, rw);
    if config.trace_topic_enable {
        with(&config.msg_trace_topic_name, 1, rw);
    }
    with(
        &format!("{}_REPLY_TOPIC", config.broker_cluster_name),
        1,
        rw,
    );
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &std::path::Path) -> BrokerConfig {
        BrokerConfig {
            store: crate::config::StoreConfig::with_root(dir),
            ..Default::default()
        }
    }

    #[test]
    fn system_topics_auto_create_and_persistence() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(dir.path());
        let table = TopicTable::load(&cfg).unwrap();
        let tbw = table.get(AUTO_CREATE_TOPIC).unwrap();
        assert_eq!((tbw.perm, tbw.write_queue_nums), (7, 8));
        assert_eq!(table.get(SCHEDULE_TOPIC).unwrap().read_queue_nums, 18);

        let v0 = table.data_version();
        let created = table
            .get_or_create_from_template("Orders", AUTO_CREATE_TOPIC, 4, 0)
            .unwrap();
        let Upsert::Changed(t) = created else {
            panic!("should be new")
        };
        assert_eq!((t.read_queue_nums, t.write_queue_nums, t.perm), (4, 4, 6));
        assert_ne!(table.data_version(), v0);
        // A second call finds it.
        assert!(matches!(
            table.get_or_create_from_template("Orders", AUTO_CREATE_TOPIC, 4, 0),
            Some(Upsert::Unchanged(_))
        ));
        // A template that does not inherit creates nothing.
        assert!(table
            .get_or_create_from_template("X", "Orders", 4, 0)
            .is_none());

        table.save().unwrap();
        let again = TopicTable::load(&cfg).unwrap();
        assert_eq!(again.get("Orders"), Some(t));
        assert_eq!(again.data_version(), table.data_version());
        assert!(again.delete("Orders"));
        assert!(again.get("Orders").is_none());
    }

    #[test]
    fn auto_create_off_leaves_tbw102_without_inherit() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(dir.path());
        let table = TopicTable::load(&cfg).unwrap();
        table.save().unwrap();
        cfg.auto_create_topic_enable = false;
        let table = TopicTable::load(&cfg).unwrap();
        assert_eq!(table.get(AUTO_CREATE_TOPIC).unwrap().perm, 6);
        assert!(table
            .get_or_create_from_template("Y", AUTO_CREATE_TOPIC, 4, 0)
            .is_none());
    }

    #[test]
    fn reads_java_written_topics_json() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        let java = r#"{"dataVersion":{"counter":3,"timestamp":1700000000000},"topicConfigTable":{"TopicTest":{"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4}}}"#;
        std::fs::write(dir.path().join("config/topics.json"), java).unwrap();
        let table = TopicTable::load(&config(dir.path())).unwrap();
        assert_eq!(table.get("TopicTest").unwrap().read_queue_nums, 4);
        assert_eq!(table.data_version().counter, 3);
    }
}
