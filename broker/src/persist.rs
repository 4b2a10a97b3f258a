//! Config JSON files (`topics.json`, `consumerOffset.json`, …) written the way RocketMQ
//! writes them: the new text goes to `<file>.tmp` and is fsynced, the old file becomes
//! `<file>.bak`, then the temp file is renamed over the file. Loading falls back to the
//! `.bak` copy when the file is missing or unreadable, so a crash at any point leaves a
//! readable copy.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `text` to `path` atomically, keeping the previous version as `<path>.bak`.
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

/// Saves `value` as fastjson's legacy JSON form, atomically (blocking).
pub fn save_json<T: serde::Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    use cometmq_remoting::body::{fastjson, JsonStyle};
    let text = fastjson::to_vec(value, JsonStyle::Legacy)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    write_atomic(path, &text)
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
}
