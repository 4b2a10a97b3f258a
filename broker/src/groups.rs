//! The broker's consumer-group table, persisted as `config/subscriptionGroup.json`.
//!
//! Concurrency: one `RwLock`, held only for in-memory work; saves write a snapshot on a
//! blocking thread.

use std::sync::Arc;

use cometmq_remoting::body::{DataVersion, SubscriptionGroupConfig, SubscriptionGroupWrapper};
use cometmq_remoting::clock::now_ms;
use parking_lot::RwLock;

use crate::config::BrokerConfig;
use crate::config_file;

/// The group table. Cheap to share behind an `Arc`.
pub struct GroupTable {
    state: RwLock<SubscriptionGroupWrapper>,
    file: Arc<config_file::ConfigFile>,
    auto_create: bool,
}

/// Groups RocketMQ's broker knows from the start.
const SYSTEM_GROUPS: &[&str] = &[
    "TOOLS_CONSUMER",
    "FILTERSRV_CONSUMER",
    "__MONITOR_CONSUMER",
    "CLIENT_INNER_PRODUCER",
    "SELF_TEST_P_GROUP",
    "SELF_TEST_C_GROUP",
    "CID_ONS-HTTP-PROXY",
    "CID_ONSAPI_PERMISSION",
    "CID_ONSAPI_OWNER",
    "CID_ONSAPI_PULL",
    "CID_RMQ_SYS_TRANS",
];

impl GroupTable {
    /// Loads `config/subscriptionGroup.json` (or its `.bak`) and adds the system groups.
    pub fn load(config: &BrokerConfig) -> std::io::Result<Arc<GroupTable>> {
        let file = config_file::ConfigFile::in_store(
            &config.store.store_path_root_dir,
            "subscriptionGroup.json",
        );
        let mut state: SubscriptionGroupWrapper =
            file.load_json()?
                .unwrap_or_else(|| SubscriptionGroupWrapper {
                    data_version: DataVersion::new(now_ms()),
                    ..Default::default()
                });
        for g in SYSTEM_GROUPS {
            state
                .subscription_group_table
                .entry(g.to_string())
                .or_insert_with(|| SubscriptionGroupConfig::new(*g));
        }
        Ok(Arc::new(GroupTable {
            state: RwLock::new(state),
            file,
            auto_create: config.auto_create_subscription_group,
        }))
    }

    /// A group's config.
    pub fn get(&self, group: &str) -> Option<SubscriptionGroupConfig> {
        self.state
            .read()
            .subscription_group_table
            .get(group)
            .cloned()
    }

    /// A group's config, created with defaults when unknown and `autoCreateSubscriptionGroup`
    /// is on. The flag says whether it was created (so the caller persists).
    pub fn get_or_auto_create(&self, group: &str) -> Option<(SubscriptionGroupConfig, bool)> {
        if let Some(g) = self.get(group) {
            return Some((g, false));
        }
        if !self.auto_create {
            return None;
        }
        let mut s = self.state.write();
        if let Some(g) = s.subscription_group_table.get(group) {
            return Some((g.clone(), false));
        }
        let g = SubscriptionGroupConfig::new(group);
        s.subscription_group_table
            .insert(group.to_string(), g.clone());
        s.data_version.bump(now_ms());
        tracing::info!(group, "auto-created subscription group");
        Some((g, true))
    }

    /// Creates or replaces a group.
    pub fn upsert(&self, config: SubscriptionGroupConfig) {
        let mut s = self.state.write();
        s.subscription_group_table
            .insert(config.group_name.clone(), config);
        s.data_version.bump(now_ms());
    }

    /// Removes a group; true if it existed.
    pub fn delete(&self, group: &str) -> bool {
        let mut s = self.state.write();
        let existed = s.subscription_group_table.remove(group).is_some();
        if existed {
            s.data_version.bump(now_ms());
        }
        existed
    }

    /// The whole table (GET_ALL_SUBSCRIPTIONGROUP_CONFIG).
    pub fn snapshot(&self) -> SubscriptionGroupWrapper {
        self.state.read().clone()
    }

    /// Replaces the whole table and its version (a slave copying its master's); false
    /// when both already matched.
    pub fn replace(&self, from_master: SubscriptionGroupWrapper) -> bool {
        let mut s = self.state.write();
        if s.subscription_group_table == from_master.subscription_group_table
            && s.data_version == from_master.data_version
        {
            return false;
        }
        *s = from_master;
        true
    }

    /// Writes `subscriptionGroup.json` (blocking).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_create_persist_and_delete() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = BrokerConfig {
            store: crate::config::StoreConfig::with_root(dir.path()),
            ..Default::default()
        };
        let t = GroupTable::load(&cfg).unwrap();
        assert!(t.get("TOOLS_CONSUMER").is_some());
        let (g, created) = t.get_or_auto_create("orders").unwrap();
        assert!(created);
        assert_eq!(g.retry_max_times, 16);
        let mut custom = SubscriptionGroupConfig::new("custom");
        custom.retry_max_times = 2;
        t.upsert(custom.clone());
        t.save().unwrap();

        cfg.auto_create_subscription_group = false;
        let again = GroupTable::load(&cfg).unwrap();
        assert_eq!(again.get("custom"), Some(custom));
        assert!(again.get("orders").is_some());
        assert!(again.get_or_auto_create("unknown").is_none());
        assert!(again.delete("custom"));
        assert!(again.get("custom").is_none());
    }
}
