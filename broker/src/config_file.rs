//! Config JSON files (`topics.json`, `consumerOffset.json`, …) written the way RocketMQ
//! writes them: the new text goes to `<file>.tmp` and is fsynced, the old file becomes
//! `<file>.bak`, then the temp file is renamed over the file. Loading falls back to the
//! `.bak` copy when the file is missing or unreadable, so a crash at any point leaves a
//! readable copy.
//!
//! Each file has one writer, a [`ConfigFile`]: its lock is held across write, fsync and
//! rename, so no two saves ever share the temp file, and a burst of save requests is
//! coalesced into as few writes as the disk allows (every request is answered by the first
//! write that started after it).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

/// One config file and its single writer.
///
/// Save requests are numbered. A save writes a snapshot taken after it holds the file's
/// lock, so it covers every request numbered before it started; requests it covers return
/// without writing again. Async callers queue on a tokio mutex, so a burst of thousands
/// holds one blocking thread, not thousands.
#[derive(Debug)]
pub struct ConfigFile {
    path: PathBuf,
    /// The file's name, for logs.
    name: &'static str,
    /// Save requests so far.
    requested: AtomicU64,
    /// `Written::saved`, readable without waiting for a write in progress.
    saved: AtomicU64,
    /// The last write failed (`Written::failed` is set), readable without waiting.
    unsaved: AtomicBool,
    /// The async callers' queue: one of them at a time runs a blocking save.
    turn: tokio::sync::Mutex<()>,
    /// The writer's lock, held across write + fsync + rename.
    writer: Mutex<Written>,
}

/// What the writer has done so far.
#[derive(Debug, Default)]
struct Written {
    /// Every request numbered up to this one is on disk.
    saved: u64,
    /// The last failed write: the requests it covered and its error, returned to those
    /// requests without trying again (a later request tries again).
    failed: Option<(u64, std::io::ErrorKind, String)>,
}

impl ConfigFile {
    /// The broker's `name` file in `<storePathRootDir>/config/`, where Java keeps
    /// topics, groups and offsets.
    pub fn in_store(store_root: &std::path::Path, name: &'static str) -> Arc<ConfigFile> {
        ConfigFile::new(store_root.join("config").join(name), name)
    }

    /// The writer of `path`; `name` names it in logs.
    pub fn new(path: PathBuf, name: &'static str) -> Arc<ConfigFile> {
        Arc::new(ConfigFile {
            path,
            name,
            requested: AtomicU64::new(0),
            saved: AtomicU64::new(0),
            unsaved: AtomicBool::new(false),
            turn: tokio::sync::Mutex::new(()),
            writer: Mutex::new(Written::default()),
        })
    }

    /// Loads the file (either fastjson form), falling back to `.bak`.
    pub fn load_json<T: serde::de::DeserializeOwned>(&self) -> std::io::Result<Option<T>> {
        load_json(&self.path)
    }

    /// Saves the text `encode` returns, unless a write that started after this call already
    /// did (blocking: call from a blocking thread or outside the runtime).
    pub fn save_blocking(
        &self,
        encode: impl FnOnce() -> std::io::Result<Vec<u8>>,
    ) -> std::io::Result<()> {
        let mine = self.requested.fetch_add(1, Ordering::SeqCst) + 1;
        self.write_covering(mine, encode)
    }

    /// [`Self::save_blocking`] on a blocking thread, with async callers queued so that a
    /// burst of requests holds one blocking thread. A failure is logged and returned.
    pub async fn save(
        self: &Arc<Self>,
        encode: impl FnOnce() -> std::io::Result<Vec<u8>> + Send + 'static,
    ) -> std::io::Result<()> {
        let mine = self.requested.fetch_add(1, Ordering::SeqCst) + 1;
        let result = {
            let _turn = self.turn.lock().await;
            if self.saved.load(Ordering::SeqCst) >= mine {
                return Ok(());
            }
            let me = self.clone();
            tokio::task::spawn_blocking(move || me.write_covering(mine, encode))
                .await
                .unwrap_or_else(|e| Err(std::io::Error::other(e)))
        };
        if let Err(e) = &result {
            // Rate-limited: a full disk fails every periodic save.
            cometmq_store::throttled!(error, file = self.name, error = %e, "cannot save config file; retrying at the next interval");
        }
        result
    }

    /// Whether the last write failed (its changes are not on disk yet).
    pub fn is_unsaved(&self) -> bool {
        self.unsaved.load(Ordering::Acquire)
    }

    /// Writes a fresh snapshot unless request `mine` is already covered (or its covering
    /// write failed: then that error).
    fn write_covering(
        &self,
        mine: u64,
        encode: impl FnOnce() -> std::io::Result<Vec<u8>>,
    ) -> std::io::Result<()> {
        let mut written = self.writer.lock();
        if written.saved >= mine {
            return Ok(());
        }
        if let Some((through, kind, msg)) = &written.failed {
            if *through >= mine {
                return Err(std::io::Error::new(*kind, msg.clone()));
            }
        }
        // Every request numbered up to `through` happened before this snapshot.
        let through = self.requested.load(Ordering::SeqCst);
        match encode().and_then(|text| write_atomic(&self.path, &text)) {
            Ok(()) => {
                written.saved = through;
                self.saved.store(through, Ordering::SeqCst);
                written.failed = None;
                self.unsaved.store(false, Ordering::Release);
                Ok(())
            }
            Err(e) => {
                written.failed = Some((through, e.kind(), e.to_string()));
                self.unsaved.store(true, Ordering::Release);
                Err(e)
            }
        }
    }
}

/// The fastjson legacy text of `value` (what every broker config file holds).
pub fn encode_json<T: serde::Serialize>(value: &T) -> std::io::Result<Vec<u8>> {
    use cometmq_remoting::body::{fastjson, JsonStyle};
    fastjson::to_vec(value, JsonStyle::Legacy).map_err(|e| std::io::Error::other(e.to_string()))
}

/// Writes `text` to `path` atomically, keeping the previous version as `<path>.bak`.
/// Callers other than a [`ConfigFile`] must be the file's only writer.
pub fn write_atomic(path: &Path, text: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = with_suffix(path, ".tmp");
    let written = fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(text)?;
        f.sync_all()
    });
    if let Err(e) = written {
        // A full disk: leave no half-written temp file behind; the file itself is
        // untouched, and the caller saves again later.
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    if path.exists() {
        if let Err(e) = keep_backup(path, &with_suffix(path, ".bak")) {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
    }
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        // Make the rename itself durable; not every filesystem allows opening a directory.
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Makes `bak` the current version of `path`: a hard link (no space needed, never
/// partial), or a copy where links are not supported; a failed copy is removed rather
/// than left half-written.
fn keep_backup(path: &Path, bak: &Path) -> std::io::Result<()> {
    match fs::remove_file(bak) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    if fs::hard_link(path, bak).is_ok() {
        return Ok(());
    }
    fs::copy(path, bak).map(drop).inspect_err(|_| {
        let _ = fs::remove_file(bak);
    })
}

/// Reads `path`, or its `.bak` copy when `parse` rejects the file or it is missing.
/// `Ok(None)` when neither exists.
pub fn load<T, E: std::fmt::Display>(
    path: &Path,
    parse: impl Fn(&[u8]) -> Result<T, E>,
) -> std::io::Result<Option<T>> {
    let bak = with_suffix(path, ".bak");
    for candidate in [path.to_path_buf(), bak] {
        match fs::read(&candidate) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => continue,
            Ok(bytes) => match parse(&bytes) {
                Ok(v) => return Ok(Some(v)),
                Err(e) => {
                    tracing::warn!(path = %candidate.display(), error = %e, "unreadable config file")
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// Loads a fastjson-style JSON config file (either JSON form), falling back to `.bak`.
pub fn load_json<T: serde::de::DeserializeOwned>(path: &Path) -> std::io::Result<Option<T>> {
    load(path, cometmq_remoting::body::fastjson::from_slice)
}

/// Runs a blocking save on a blocking thread and logs a failure (rate-limited: a full
/// disk fails every periodic save). Returns whether the save succeeded.
pub async fn save_in_background(
    what: &'static str,
    save: impl FnOnce() -> std::io::Result<()> + Send + 'static,
) -> bool {
    match tokio::task::spawn_blocking(save).await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            cometmq_store::throttled!(error, file = what, error = %e, "cannot save config file; retrying at the next interval");
            false
        }
        Err(e) => {
            tracing::error!(file = what, error = %e, "config save task failed");
            false
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(b: &[u8]) -> Result<String, String> {
        let s = String::from_utf8(b.to_vec()).map_err(|e| e.to_string())?;
        if s.starts_with('{') {
            Ok(s)
        } else {
            Err("not json".into())
        }
    }

    #[test]
    fn writes_keep_a_backup_and_loading_falls_back_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config/topics.json");
        assert_eq!(load(&path, parse).unwrap(), None);
        write_atomic(&path, b"{1}").unwrap();
        write_atomic(&path, b"{2}").unwrap();
        assert_eq!(load(&path, parse).unwrap().as_deref(), Some("{2}"));
        // A torn main file: the backup still has the previous version.
        fs::write(&path, b"garbage").unwrap();
        assert_eq!(load(&path, parse).unwrap().as_deref(), Some("{1}"));
        fs::remove_file(&path).unwrap();
        assert_eq!(load(&path, parse).unwrap().as_deref(), Some("{1}"));
    }

    /// 2,000 concurrent saves of one file: every one succeeds, the writes never overlap
    /// (one temp file, one writer), and the burst costs at most two writes: the one
    /// running when the burst came, and one covering all the rest.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_of_saves_is_coalesced_by_the_one_writer() {
        use std::sync::atomic::AtomicUsize;
        const N: u64 = 2000;
        let dir = tempfile::tempdir().unwrap();
        let file = ConfigFile::new(dir.path().join("config/topics.json"), "topics.json");
        let writes = Arc::new(AtomicUsize::new(0));
        let writing = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..N {
            let (f, writes, writing) = (file.clone(), writes.clone(), writing.clone());
            tasks.push(tokio::spawn(async move {
                let f2 = f.clone();
                f.save(move || {
                    assert_eq!(writing.fetch_add(1, Ordering::SeqCst), 0, "two writers");
                    // The first write waits until the whole burst has asked.
                    while f2.requested.load(Ordering::SeqCst) < N {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    writes.fetch_add(1, Ordering::SeqCst);
                    writing.fetch_sub(1, Ordering::SeqCst);
                    Ok(format!("{{\"n\":{i}}}").into_bytes())
                })
                .await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert!((1..=2).contains(&writes.load(Ordering::SeqCst)));
        assert!(load(&file.path, parse).unwrap().is_some());
        assert!(!dir.path().join("config/topics.json.tmp").exists());
    }

    #[test]
    fn a_failed_write_answers_the_requests_it_covered_and_the_next_one_retries() {
        let dir = tempfile::tempdir().unwrap();
        let file = ConfigFile::new(dir.path().join("c.json"), "c.json");
        let err = file
            .save_blocking(|| Err(std::io::Error::other("disk full")))
            .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        file.save_blocking(|| Ok(b"{1}".to_vec())).unwrap();
        assert_eq!(load(&file.path, parse).unwrap().as_deref(), Some("{1}"));
    }
}
