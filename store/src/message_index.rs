//! The message index: IndexFiles in `index/`, named by creation time
//! `yyyyMMddHHmmssSSS`, mapping `topic#key` to CommitLog offsets (reference §6.4).
//!
//! Keys are `topic#UNIQ_KEY` and `topic#k` for each space-separated token of `KEYS`.
//!
//! Concurrency: the files live behind one `RwLock`; the dispatcher takes the write
//! lock per record to add keys, queries take the read lock. Lookups may return stale
//! offsets after a crash; callers check the record at each offset.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};

use parking_lot::RwLock;

use crate::error::{IoContext, Result};
use crate::index_file::IndexFile;

/// All IndexFiles, oldest first.
#[derive(Debug)]
pub(crate) struct MessageIndex {
    dir: PathBuf,
    slots: usize,
    entries: usize,
    files: RwLock<Vec<IndexFile>>,
    /// Records below this CommitLog offset are already indexed.
    indexed_upto: AtomicI64,
}

/// Formats ms since the epoch as `yyyyMMddHHmmssSSS` (UTC).
pub(crate) fn file_name(ms: i64) -> String {
    cometmq_remoting::civil_time::compact_timestamp(ms)
}

impl MessageIndex {
    /// Opens the IndexFiles of `dir`. With `redispatch_from` (abnormal recovery), records
    /// from that CommitLog offset on are indexed again, since their entries may be lost.
    pub(crate) fn load(
        dir: &Path,
        slots: usize,
        entries: usize,
        redispatch_from: Option<i64>,
    ) -> Result<MessageIndex> {
        let mut names = Vec::new();
        if dir.exists() {
            for entry in std::fs::read_dir(dir).at(dir)? {
                let name = entry.at(dir)?.file_name();
                if let Some(n) = name
                    .to_str()
                    .filter(|n| n.len() == 17 && n.bytes().all(|b| b.is_ascii_digit()))
                {
                    names.push(n.to_owned());
                }
            }
        }
        names.sort();
        let mut files = Vec::with_capacity(names.len());
        for n in names {
            files.push(IndexFile::open(&dir.join(n), slots, entries)?);
        }
        let mut upto = files
            .iter()
            .rev()
            .map(IndexFile::header)
            .find(|h| h.index_count > 1)
            .map_or(0, |h| h.end_phy_offset + 1);
        if let Some(r) = redispatch_from {
            upto = upto.min(r);
        }
        Ok(MessageIndex {
            dir: dir.to_path_buf(),
            slots,
            entries,
            files: RwLock::new(files),
            indexed_upto: AtomicI64::new(upto),
        })
    }

    /// Indexes the record at `phys` (dispatcher only): `topic#uniq_key` and each KEYS
    /// token. Records below the indexed watermark are skipped.
    pub(crate) fn build(
        &self,
        topic: &str,
        uniq_key: Option<&str>,
        keys: Option<&str>,
        phys: i64,
        store_timestamp: i64,
        now_ms: i64,
    ) -> Result<()> {
        if phys < self.indexed_upto.load(Ordering::Acquire) {
            return Ok(());
        }
        let tokens = keys
            .into_iter()
            .flat_map(|k| k.split(' '))
            .filter(|k| !k.is_empty());
        let all = uniq_key.filter(|k| !k.is_empty()).into_iter().chain(tokens);
        let mut files = self.files.write();
        let mut key = String::with_capacity(topic.len() + 40);
        for k in all {
            key.clear();
            key.push_str(topic);
            key.push('#');
            key.push_str(k);
            let put = match files.last_mut() {
                Some(f) => f.put(&key, phys, store_timestamp)?,
                None => false,
            };
            if !put {
                let mut ms = now_ms;
                while self.dir.join(file_name(ms)).exists() {
                    ms += 1;
                }
                std::fs::create_dir_all(&self.dir).at(&self.dir)?;
                let mut file =
                    IndexFile::open(&self.dir.join(file_name(ms)), self.slots, self.entries)?;
                file.put(&key, phys, store_timestamp)?;
                files.push(file);
            }
        }
        self.indexed_upto.fetch_max(phys + 1, Ordering::AcqRel);
        Ok(())
    }

    /// CommitLog offsets of records with `key` in `topic` stored within `[begin, end]`,
    /// newest first, at most `max`, without duplicates; plus the newest file's end
    /// timestamp and end offset.
    pub(crate) fn query(
        &self,
        topic: &str,
        key: &str,
        max: usize,
        begin: i64,
        end: i64,
    ) -> (Vec<i64>, i64, i64) {
        let full = format!("{topic}#{key}");
        let files = self.files.read();
        let mut out = Vec::new();
        let (mut last_ts, mut last_phy) = (0, 0);
        if let Some(h) = files.last().map(IndexFile::header) {
            last_ts = h.end_timestamp;
            last_phy = h.end_phy_offset;
        }
        for f in files.iter().rev() {
            if f.is_time_matched(begin, end) {
                f.select(&full, max.saturating_mul(2), begin, end, &mut out);
            }
            if f.header().begin_timestamp < begin || out.len() >= max.saturating_mul(2) {
                break;
            }
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|p| seen.insert(*p));
        (out, last_ts, last_phy)
    }

    /// Syncs every file.
    pub(crate) fn flush(&self) -> Result<()> {
        for f in self.files.read().iter() {
            f.flush()?;
        }
        Ok(())
    }

    /// Deletes files (never the newest) whose entries all point below `phys_min`.
    pub(crate) fn delete_below(&self, phys_min: i64) -> Result<usize> {
        let mut files = self.files.write();
        let mut n = 0;
        while files.len() > 1 && files[0].header().end_phy_offset < phys_min {
            let f = files.remove(0);
            std::fs::remove_file(f.path()).at(f.path())?;
            n += 1;
        }
        Ok(n)
    }

    /// Number of files.
    #[cfg(test)]
    pub(crate) fn file_count(&self) -> usize {
        self.files.read().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(file_name(0), "19700101000000000");
        assert_eq!(file_name(1_709_251_199_123), "20240229235959123");
    }

    #[test]
    fn build_query_roll_and_reload() {
        let dir = tempfile::tempdir().unwrap();
        let idx = MessageIndex::load(dir.path(), 8, 4, None).unwrap();
        idx.build("T", Some("U1"), Some("k1 k2"), 100, 1000, 1000)
            .unwrap();
        idx.build("T", Some("U2"), Some("k1"), 200, 2000, 2000)
            .unwrap();
        assert_eq!(idx.file_count(), 2, "4 entries per file, entry 0 unused");
        let (hits, ts, phy) = idx.query("T", "k1", 10, 0, i64::MAX);
        assert_eq!(hits, vec![200, 100]);
        assert_eq!((ts, phy), (2000, 200));
        assert_eq!(idx.query("T", "U1", 10, 0, i64::MAX).0, vec![100]);
        assert!(idx.query("Other", "k1", 10, 0, i64::MAX).0.is_empty());
        idx.build("T", Some("U1"), None, 100, 1000, 3000).unwrap();
        assert_eq!(
            idx.query("T", "U1", 10, 0, i64::MAX).0,
            vec![100],
            "already indexed"
        );
        drop(idx);

        let idx = MessageIndex::load(dir.path(), 8, 4, Some(150)).unwrap();
        idx.build("T", Some("U2"), Some("k1"), 200, 2000, 4000)
            .unwrap();
        assert_eq!(
            idx.query("T", "k1", 10, 0, i64::MAX).0,
            vec![200, 100],
            "deduplicated"
        );
        assert_eq!(idx.delete_below(250).unwrap(), 2);
        assert_eq!(idx.file_count(), 1);
    }
}
