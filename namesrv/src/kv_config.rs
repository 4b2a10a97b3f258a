//! [`KvConfig`]: namespace → key → value, persisted to `kvConfig.json`
//! (`{"configTable":{"ORDER_TOPIC_CONFIG":{"T":"broker-a:4"}}}`, reference §6.6).
//!
//! Reads take a brief std lock. Writers are serialized by an async mutex: each one changes
//! the table, snapshots it and writes the file (on the blocking pool) before the next starts,
//! so the file always ends up with the latest table. Files are replaced atomically: temp
//! file, fsync, rename, fsync of the directory.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use cometmq_remoting::body::{fastjson, JsonStyle};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};

use crate::error::NamesrvError;

/// The namespace of ordered-topic queue layouts (key: topic, value: `broker-a:4;broker-b:4`).
pub const ORDER_TOPIC_CONFIG: &str = "ORDER_TOPIC_CONFIG";

type Table = BTreeMap<String, BTreeMap<String, String>>;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct KvConfigFile {
    config_table: Table,
}

/// The KV store. Share it behind an `Arc`.
#[derive(Debug)]
pub struct KvConfig {
    path: PathBuf,
    table: RwLock<Table>,
    writer: tokio::sync::Mutex<()>,
}

impl KvConfig {
    /// Loads `path`; a missing file is an empty table, an unreadable one an error.
    pub fn load(path: &Path) -> Result<Self, NamesrvError> {
        let table = match std::fs::read(path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Table::new(),
            Ok(bytes) => {
                fastjson::from_slice::<KvConfigFile>(&bytes)
                    .map_err(|e| NamesrvError::Load {
                        path: path.to_owned(),
                        reason: e.to_string(),
                    })?
                    .config_table
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Table::new(),
            Err(e) => {
                return Err(NamesrvError::Load {
                    path: path.to_owned(),
                    reason: e.to_string(),
                })
            }
        };
        let entries: usize = table.values().map(BTreeMap::len).sum();
        tracing::info!(path = %path.display(), entries, "KV config loaded");
        Ok(KvConfig {
            path: path.to_owned(),
            table: RwLock::new(table),
            writer: tokio::sync::Mutex::new(()),
        })
    }

    /// One value.
    pub fn get(&self, namespace: &str, key: &str) -> Option<String> {
        self.table.read().get(namespace)?.get(key).cloned()
    }

    /// A whole namespace, if it exists.
    pub fn namespace(&self, namespace: &str) -> Option<BTreeMap<String, String>> {
        self.table.read().get(namespace).cloned()
    }

    /// Sets a value and persists the table.
    pub async fn put(&self, namespace: &str, key: &str, value: &str) -> Result<(), NamesrvError> {
        self.change(|t| {
            let old = t
                .entry(namespace.to_owned())
                .or_default()
                .insert(key.to_owned(), value.to_owned());
            old.as_deref() != Some(value)
        })
        .await
    }

    /// Removes a value (and its namespace once empty) and persists the table.
    pub async fn delete(&self, namespace: &str, key: &str) -> Result<(), NamesrvError> {
        self.change(|t| {
            let Some(ns) = t.get_mut(namespace) else {
                return false;
            };
            let removed = ns.remove(key).is_some();
            if ns.is_empty() {
                t.remove(namespace);
            }
            removed
        })
        .await
    }

    /// Applies `edit` (which says whether it changed anything) and writes the file.
    async fn change(&self, edit: impl FnOnce(&mut Table) -> bool) -> Result<(), NamesrvError> {
        let _writer = self.writer.lock().await;
        let json = {
            let mut table = self.table.write();
            if !edit(&mut table) {
                return Ok(());
            }
            let file = KvConfigFile {
                config_table: table.clone(),
            };
            fastjson::to_vec(&file, JsonStyle::Legacy).map_err(NamesrvError::Encode)?
        };
        let path = self.path.clone();
        let persist_err = |source| NamesrvError::Persist {
            path: self.path.clone(),
            source,
        };
        tokio::task::spawn_blocking(move || write_atomically(&path, &json))
            .await
            .map_err(|e| persist_err(std::io::Error::other(e)))?
            .map_err(persist_err)
    }
}

/// Replaces `path` with `bytes` so that a crash leaves either the old or the new file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".tmp");
    let tmp = dir.join(name);
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    // Make the rename itself durable.
    std::fs::File::open(&dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn persists_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("kvConfig.json");
        let kv = KvConfig::load(&path).unwrap();
        kv.put(ORDER_TOPIC_CONFIG, "T", "broker-a:4").await.unwrap();
        kv.put("NS", "k", "v").await.unwrap();
        kv.delete("NS", "k").await.unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            r#"{"configTable":{"ORDER_TOPIC_CONFIG":{"T":"broker-a:4"}}}"#
        );
        let again = KvConfig::load(&path).unwrap();
        assert_eq!(
            again.get(ORDER_TOPIC_CONFIG, "T").as_deref(),
            Some("broker-a:4")
        );
        assert!(again.namespace("NS").is_none());
    }

    #[test]
    fn corrupt_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kvConfig.json");
        std::fs::write(&path, "{not json").unwrap();
        let err = KvConfig::load(&path).unwrap_err();
        assert!(err.to_string().contains("kvConfig.json"), "{err}");
        std::fs::write(&path, "").unwrap();
        assert!(KvConfig::load(&path).is_ok());
    }
}
