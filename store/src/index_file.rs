//! One IndexFile (reference §6.4): a 40-byte header, `maxHashSlotNum` 4-byte slots and
//! `maxIndexNum` 20-byte entries chained per slot, newest first.
//!
//! Concurrency: an `IndexFile` is plain data behind the index's `RwLock`: `put` needs
//! `&mut self` (the dispatcher), lookups `&self`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cometmq_remoting::message::java_string_hash;

use crate::error::{IoContext, Result, StoreError};
use crate::mmap::{Region, RegionWriter};
use cometmq_remoting::message::record::layout::{be_i32, be_i64};

/// Header size.
pub const HEADER_SIZE: usize = 40;
/// Slot size.
pub const SLOT_SIZE: usize = 4;
/// Entry size.
pub const ENTRY_SIZE: usize = 20;

/// The key hash Java stores: `abs(key.hashCode())`, with `MIN_VALUE` mapped to 0.
pub fn key_hash(key: &str) -> i32 {
    let h = java_string_hash(key).wrapping_abs();
    if h < 0 {
        0
    } else {
        h
    }
}

/// Size of an IndexFile with these counts.
pub fn file_size(slots: usize, entries: usize) -> usize {
    HEADER_SIZE + slots * SLOT_SIZE + entries * ENTRY_SIZE
}

/// The header fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexHeader {
    /// Store time of the first entry.
    pub begin_timestamp: i64,
    /// Store time of the last entry.
    pub end_timestamp: i64,
    /// CommitLog offset of the first entry.
    pub begin_phy_offset: i64,
    /// CommitLog offset of the last entry.
    pub end_phy_offset: i64,
    /// Slots in use.
    pub hash_slot_count: i32,
    /// Next entry number (starts at 1; entry 0 is unused).
    pub index_count: i32,
}

impl IndexHeader {
    fn encode(&self) -> [u8; HEADER_SIZE] {
        let mut b = [0u8; HEADER_SIZE];
        b[0..8].copy_from_slice(&self.begin_timestamp.to_be_bytes());
        b[8..16].copy_from_slice(&self.end_timestamp.to_be_bytes());
        b[16..24].copy_from_slice(&self.begin_phy_offset.to_be_bytes());
        b[24..32].copy_from_slice(&self.end_phy_offset.to_be_bytes());
        b[32..36].copy_from_slice(&self.hash_slot_count.to_be_bytes());
        b[36..40].copy_from_slice(&self.index_count.to_be_bytes());
        b
    }

    fn decode(b: &[u8]) -> Option<IndexHeader> {
        Some(IndexHeader {
            begin_timestamp: be_i64(b, 0)?,
            end_timestamp: be_i64(b, 8)?,
            begin_phy_offset: be_i64(b, 16)?,
            end_phy_offset: be_i64(b, 24)?,
            hash_slot_count: be_i32(b, 32)?,
            index_count: be_i32(b, 36)?,
        })
    }
}

/// One mapped IndexFile.
#[derive(Debug)]
pub(crate) struct IndexFile {
    path: PathBuf,
    region: Arc<Region>,
    writer: RegionWriter,
    slots: usize,
    entries: usize,
    header: IndexHeader,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl IndexFile {
    /// Opens or creates the file with these counts; a new file gets a fresh header.
    pub(crate) fn open(path: &Path, slots: usize, entries: usize) -> Result<IndexFile> {
        let existed = path.exists();
        if existed {
            let len = std::fs::metadata(path).at(path)?.len();
            if len != file_size(slots, entries) as u64 {
                return Err(StoreError::Corrupt {
                    path: path.to_path_buf(),
                    reason: format!("size {len} does not match maxHashSlotNum/maxIndexNum"),
                });
            }
        }
        let (region, writer) = Region::open(path, file_size(slots, entries)).at(path)?;
        let mut file = IndexFile {
            path: path.to_path_buf(),
            region,
            writer,
            slots,
            entries,
            header: IndexHeader::default(),
        };
        match file
            .writer
            .peek(0, HEADER_SIZE)
            .and_then(IndexHeader::decode)
        {
            Some(h) if existed && h.index_count >= 1 => file.header = h,
            _ => {
                file.header.index_count = 1;
                file.write_header()?;
            }
        }
        Ok(file)
    }

    /// The file path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The header.
    pub(crate) fn header(&self) -> IndexHeader {
        self.header
    }

    fn write_header(&mut self) -> Result<()> {
        let bytes = self.header.encode();
        self.writer.write(0, &bytes).map_err(io_err(&self.path))
    }

    /// Whether no more entries fit.
    pub(crate) fn is_full(&self) -> bool {
        self.header.index_count as usize >= self.entries
    }

    fn slot_pos(&self, hash: i32) -> usize {
        HEADER_SIZE + (hash as usize % self.slots) * SLOT_SIZE
    }

    fn entry_pos(&self, n: usize) -> usize {
        HEADER_SIZE + self.slots * SLOT_SIZE + n * ENTRY_SIZE
    }

    fn read_i32(&self, pos: usize) -> Option<i32> {
        be_i32(self.writer.peek(pos, 4)?, 0)
    }

    /// Adds `key` → `phy_offset` stored at `store_timestamp` (Java `putKey`). Returns
    /// `false` when the file is full.
    pub(crate) fn put(&mut self, key: &str, phy_offset: i64, store_timestamp: i64) -> Result<bool> {
        if self.is_full() {
            return Ok(false);
        }
        let hash = key_hash(key);
        let slot_pos = self.slot_pos(hash);
        let count = self.header.index_count;
        let mut prev = self.read_i32(slot_pos).unwrap_or(0);
        if prev <= 0 || prev > count {
            prev = 0;
        }
        let time_diff = if self.header.begin_timestamp <= 0 {
            0
        } else {
            ((store_timestamp - self.header.begin_timestamp) / 1000).clamp(0, i64::from(i32::MAX))
        };
        let mut entry = [0u8; ENTRY_SIZE];
        entry[0..4].copy_from_slice(&hash.to_be_bytes());
        entry[4..12].copy_from_slice(&phy_offset.to_be_bytes());
        entry[12..16].copy_from_slice(&(time_diff as i32).to_be_bytes());
        entry[16..20].copy_from_slice(&prev.to_be_bytes());
        let epos = self.entry_pos(count as usize);
        self.writer
            .write(epos, &entry)
            .map_err(io_err(&self.path))?;
        self.writer
            .write(slot_pos, &count.to_be_bytes())
            .map_err(io_err(&self.path))?;
        if count <= 1 {
            self.header.begin_phy_offset = phy_offset;
            self.header.begin_timestamp = store_timestamp;
        }
        if prev == 0 {
            self.header.hash_slot_count += 1;
        }
        self.header.index_count += 1;
        self.header.end_phy_offset = phy_offset;
        self.header.end_timestamp = store_timestamp;
        self.write_header()?;
        Ok(true)
    }

    /// Whether the file's time range overlaps `[begin, end]` (Java `isTimeMatched`).
    pub(crate) fn is_time_matched(&self, begin: i64, end: i64) -> bool {
        let (b, e) = (self.header.begin_timestamp, self.header.end_timestamp);
        (begin < b && end > e) || (begin >= b && begin <= e) || (end >= b && end <= e)
    }

    /// Appends to `out` the CommitLog offsets of entries for `key` stored within
    /// `[begin, end]`, newest first, until `out` holds `max` (Java `selectPhyOffset`).
    pub(crate) fn select(&self, key: &str, max: usize, begin: i64, end: i64, out: &mut Vec<i64>) {
        let hash = key_hash(key);
        let count = self.header.index_count;
        let Some(mut next) = self.read_i32(self.slot_pos(hash)) else {
            return;
        };
        if next <= 0 || next > count || count <= 1 {
            return;
        }
        let mut steps = 0;
        while out.len() < max && steps < self.entries {
            steps += 1;
            let pos = self.entry_pos(next as usize);
            let Some(e) = self.writer.peek(pos, ENTRY_SIZE) else {
                return;
            };
            let (Some(h), Some(phy), Some(diff), Some(prev)) =
                (be_i32(e, 0), be_i64(e, 4), be_i32(e, 12), be_i32(e, 16))
            else {
                return;
            };
            if diff < 0 {
                return;
            }
            let time = self.header.begin_timestamp + i64::from(diff) * 1000;
            if h == hash && time >= begin && time <= end {
                out.push(phy);
            }
            if prev <= 0 || prev > count || prev == next || time < begin {
                return;
            }
            next = prev;
        }
    }

    /// Syncs the file.
    pub(crate) fn flush(&self) -> Result<()> {
        self.region.flush(0, self.region.len()).at(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hash_matches_reference_example() {
        assert_eq!(java_string_hash("TopicTest#Key1"), -1656937772);
        assert_eq!(key_hash("TopicTest#Key1"), 1656937772);
        assert_eq!(key_hash("TopicTest#Key1") % 5_000_000, 1_937_772);
        assert_eq!(key_hash("polygenelubricants"), 0, "MIN_VALUE maps to 0");
    }

    #[test]
    fn put_select_reopen_and_layout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("20240101000000000");
        let mut f = IndexFile::open(&path, 4, 10).unwrap();
        assert!(f.put("T#a", 100, 10_000).unwrap());
        assert!(f.put("T#b", 200, 12_000).unwrap());
        assert!(f.put("T#a", 300, 15_000).unwrap());
        let mut out = Vec::new();
        f.select("T#a", 10, 0, i64::MAX, &mut out);
        assert_eq!(out, vec![300, 100]);
        out.clear();
        f.select("T#a", 10, 14_000, 20_000, &mut out);
        assert_eq!(out, vec![300]);
        drop(f);

        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 40 + 16 + 200);
        let h = IndexHeader::decode(&bytes).unwrap();
        assert_eq!((h.begin_timestamp, h.end_timestamp), (10_000, 15_000));
        assert_eq!((h.begin_phy_offset, h.end_phy_offset), (100, 300));
        assert_eq!(h.index_count, 4);
        let slot = 40 + (key_hash("T#a") as usize % 4) * 4;
        assert_eq!(be_i32(&bytes, slot), Some(3));
        let e3 = 40 + 16 + 3 * 20;
        assert_eq!(be_i64(&bytes, e3 + 4), Some(300));
        assert_eq!(be_i32(&bytes, e3 + 12), Some(5), "time diff in seconds");
        assert_eq!(be_i32(&bytes, e3 + 16), Some(1), "chained to entry 1");

        let mut f = IndexFile::open(&path, 4, 10).unwrap();
        assert_eq!(f.header().index_count, 4);
        for i in 0..6 {
            assert!(f.put("k", i, 20_000).unwrap());
        }
        assert!(f.is_full());
        assert!(!f.put("k", 9, 20_000).unwrap());
        assert!(IndexFile::open(&path, 8, 10).is_err());
    }
}
