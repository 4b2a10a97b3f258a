//! [`LocalFileOffsetStore`]: broadcasting offsets, kept in a local JSON file (Java
//! `LocalFileOffsetStore`).

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use cometmq_remoting::body::client::{serde_mq_map, to_legacy_string};
use cometmq_remoting::body::fastjson;
use serde::{Deserialize, Serialize};

use super::queue_offsets::QueueOffsets;
use super::{OffsetStore, ReadOffsetType};
use crate::error::{ClientError, Result};
use crate::message::MessageQueue;

/// The file's content: `{"offsetTable":{MQ:offset}}` (Java `OffsetSerializeWrapper`).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct OffsetFile {
    #[serde(with = "serde_mq_map")]
    offset_table: BTreeMap<MessageQueue, i64>,
}

/// Java's default root, `~/.rocketmq_offsets` (`rocketmq.client.localOffsetStoreDir`).
pub fn default_offsets_root() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".rocketmq_offsets")
}

/// Offsets of a broadcasting consumer, in `<root>/<clientId>/<group>/offsets.json`.
///
/// The file is written as Java writes it (fastjson, queues as bare object keys), so a Java
/// client can take it over; both that form and standard JSON are read. Writes are atomic
/// (temporary file, fsync, rename), and the previous content is kept in `offsets.json.bak`,
/// which is read if the main file is missing, empty or unreadable.
///
/// ```no_run
/// # async fn demo() -> cometmq_client::Result<()> {
/// use cometmq_client::consumer::offset_store::{default_offsets_root, LocalFileOffsetStore, OffsetStore};
/// use cometmq_client::MessageQueue;
/// let store = LocalFileOffsetStore::new(default_offsets_root(), "10.0.0.1@123", "my-group");
/// store.load().await?;
/// let mq = MessageQueue::new("TopicTest", "broker-a", 0);
/// store.update(&mq, 42, true);
/// store.persist_all(&[mq]).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct LocalFileOffsetStore {
    path: PathBuf,
    table: QueueOffsets,
}

impl LocalFileOffsetStore {
    /// A store for `group` of client `client_id` under `root`.
    pub fn new(root: impl AsRef<Path>, client_id: &str, group: &str) -> Self {
        LocalFileOffsetStore {
            path: root
                .as_ref()
                .join(client_id)
                .join(group)
                .join("offsets.json"),
            table: QueueOffsets::default(),
        }
    }

    /// The offsets file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the file (or its `.bak`); an absent file is an empty table.
    async fn read_file(&self) -> Result<BTreeMap<MessageQueue, i64>> {
        let path = self.path.clone();
        run_blocking(move || read_offsets(&path)).await
    }

    async fn write_file(&self, offsets: BTreeMap<MessageQueue, i64>) -> Result<()> {
        let path = self.path.clone();
        run_blocking(move || {
            let text = to_legacy_string(&OffsetFile {
                offset_table: offsets,
            })
            .map_err(|e| ClientError::invalid("offsets", e.to_string()))?;
            write_atomic(&path, text.as_bytes())
        })
        .await
    }
}

async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ClientError::State(format!("offset file task failed: {e}")))?
}

fn bak_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".bak");
    PathBuf::from(p)
}

fn read_offsets(path: &Path) -> Result<BTreeMap<MessageQueue, i64>> {
    match parse_file(path) {
        Ok(Some(t)) => Ok(t),
        Ok(None) => Ok(parse_file(&bak_path(path))?.unwrap_or_default()),
        Err(e) => {
            tracing::warn!(error = %e, "offsets file unreadable, trying the backup");
            parse_file(&bak_path(path))?.ok_or(e)
        }
    }
}

/// `Ok(None)` for a missing or empty file.
fn parse_file(path: &Path) -> Result<Option<BTreeMap<MessageQueue, i64>>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ClientError::Io {
                action: "reading",
                path: path.to_owned(),
                source,
            })
        }
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let file: OffsetFile = fastjson::from_slice(&bytes).map_err(|e| ClientError::Io {
        action: "parsing",
        path: path.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
    })?;
    Ok(Some(file.offset_table))
}

/// Writes `data` to `path` atomically, keeping the previous content in `path.bak`.
fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let io = |action, p: &Path| {
        let p = p.to_owned();
        move |source| ClientError::Io {
            action,
            path: p,
            source,
        }
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io("creating", dir))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    {
        let mut f = std::fs::File::create(&tmp).map_err(io("writing", &tmp))?;
        f.write_all(data).map_err(io("writing", &tmp))?;
        f.sync_all().map_err(io("syncing", &tmp))?;
    }
    if path.exists() {
        let bak = bak_path(path);
        std::fs::copy(path, &bak).map_err(io("backing up", &bak))?;
    }
    std::fs::rename(&tmp, path).map_err(io("renaming", &tmp))
}

#[async_trait]
impl OffsetStore for LocalFileOffsetStore {
    async fn load(&self) -> Result<()> {
        for (mq, offset) in self.read_file().await? {
            self.table.update(&mq, offset, false);
        }
        Ok(())
    }

    fn update(&self, mq: &MessageQueue, offset: i64, increase_only: bool) {
        self.table.update(mq, offset, increase_only);
    }

    fn update_and_freeze(&self, mq: &MessageQueue, offset: i64) {
        self.table.update_and_freeze(mq, offset);
    }

    async fn read(&self, mq: &MessageQueue, from: ReadOffsetType) -> Result<Option<i64>> {
        if from != ReadOffsetType::Store {
            if let Some(o) = self.table.get(mq) {
                return Ok(Some(o));
            }
            if from == ReadOffsetType::Memory {
                return Ok(None);
            }
        }
        let found = self.read_file().await?.get(mq).copied();
        if let Some(o) = found {
            self.table.update(mq, o, false);
        }
        Ok(found)
    }

    async fn persist_all(&self, mqs: &[MessageQueue]) -> Result<()> {
        if mqs.is_empty() {
            return Ok(());
        }
        let offsets = self.table.retain_only(mqs).into_iter().collect();
        self.write_file(offsets).await
    }

    /// Java does nothing here (everything is written by `persist_all`); this writes the file
    /// with every queue in memory.
    async fn persist(&self, _mq: &MessageQueue) -> Result<()> {
        let all = self.table.queues();
        self.persist_all(&all).await
    }

    fn remove(&self, mq: &MessageQueue) {
        self.table.remove(mq);
    }

    fn clone_table(&self, topic: &str) -> HashMap<MessageQueue, i64> {
        self.table.of_topic(topic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(i: i32) -> MessageQueue {
        MessageQueue::new("T", "broker-a", i)
    }

    #[tokio::test]
    async fn persists_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFileOffsetStore::new(dir.path(), "10.0.0.1@1", "G");
        assert_eq!(
            store.path(),
            dir.path().join("10.0.0.1@1").join("G").join("offsets.json")
        );
        store.load().await.unwrap(); // no file yet
        assert_eq!(
            store
                .read(&q(0), ReadOffsetType::MemoryThenStore)
                .await
                .unwrap(),
            None
        );
        store.update(&q(0), 10, true);
        store.update(&q(1), 20, true);
        store.update(&q(2), 30, true);
        store.persist_all(&[q(0), q(1)]).await.unwrap();
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert_eq!(
            text,
            r#"{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:10,{"brokerName":"broker-a","queueId":1,"topic":"T"}:20}}"#
        );
        // Queues not persisted were dropped from memory.
        assert_eq!(
            store.read(&q(2), ReadOffsetType::Memory).await.unwrap(),
            None
        );

        let again = LocalFileOffsetStore::new(dir.path(), "10.0.0.1@1", "G");
        again.load().await.unwrap();
        assert_eq!(
            again.read(&q(1), ReadOffsetType::Memory).await.unwrap(),
            Some(20)
        );
        assert_eq!(
            again.read(&q(0), ReadOffsetType::Store).await.unwrap(),
            Some(10)
        );
        assert_eq!(again.clone_table("T").len(), 2);

        // A second write keeps the first content as .bak.
        again.update(&q(0), 11, true);
        again.persist(&q(0)).await.unwrap();
        let bak = std::fs::read_to_string(bak_path(again.path())).unwrap();
        assert_eq!(bak, text);
        assert!(!dir.path().join("10.0.0.1@1/G/offsets.json.tmp").exists());
    }

    #[tokio::test]
    async fn reads_standard_json_and_falls_back_to_bak() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFileOffsetStore::new(dir.path(), "c", "G");
        let parent = store.path().parent().unwrap().to_owned();
        std::fs::create_dir_all(&parent).unwrap();
        let standard =
            r#"{"offsetTable":{"{\"brokerName\":\"broker-a\",\"queueId\":3,\"topic\":\"T\"}":7}}"#;
        std::fs::write(store.path(), standard).unwrap();
        assert_eq!(
            store.read(&q(3), ReadOffsetType::Store).await.unwrap(),
            Some(7)
        );

        // A corrupt main file: the backup is used.
        std::fs::write(bak_path(store.path()), standard).unwrap();
        std::fs::write(store.path(), "{garbage").unwrap();
        let fresh = LocalFileOffsetStore::new(dir.path(), "c", "G");
        fresh.load().await.unwrap();
        assert_eq!(
            fresh.read(&q(3), ReadOffsetType::Memory).await.unwrap(),
            Some(7)
        );

        // Corrupt with no backup: an error naming the file.
        std::fs::remove_file(bak_path(store.path())).unwrap();
        let e = fresh.load().await.unwrap_err();
        assert!(e.to_string().contains("offsets.json"), "{e}");

        // An empty main file: the backup, or nothing.
        std::fs::write(store.path(), "  ").unwrap();
        assert_eq!(
            fresh.read(&q(9), ReadOffsetType::Store).await.unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn reads_javas_pretty_output() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFileOffsetStore::new(dir.path(), "c", "G");
        std::fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        let java = "{\n\t\"offsetTable\":{{\n\t\t\t\"brokerName\":\"broker-a\",\n\t\t\t\"queueId\":0,\n\t\t\t\"topic\":\"T\"\n\t\t}:5,{\n\t\t\t\"brokerName\":\"broker-a\",\n\t\t\t\"queueId\":1,\n\t\t\t\"topic\":\"T\"\n\t\t}:6\n\t}\n}";
        std::fs::write(store.path(), java).unwrap();
        store.load().await.unwrap();
        assert_eq!(store.clone_table("T"), [(q(0), 5), (q(1), 6)].into());
    }
}
