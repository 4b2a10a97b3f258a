//! One ConsumeQueue: the 20-byte entries `commitLogOffset i64 | size i32 | tagsCode i64`
//! of one topic queue, in files of `mappedFileSizeConsumeQueue` bytes named by byte
//! offset (reference §6.2). Logical offset `n` lives at byte `n × 20`.
//!
//! Concurrency: any thread reads published entries; only the dispatcher (or recovery,
//! before the store is shared) appends, through the writer behind a mutex it alone
//! takes. Growth is announced on a `tokio::sync::watch` channel holding the max offset.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::error::{Result, StoreError};
use crate::mmap::RegionWriter;
use crate::segment::Segment;
use crate::segment_list::SegmentList;
use cometmq_remoting::message::record::layout::{be_i32, be_i64};

/// Bytes per entry.
pub const ENTRY_SIZE: usize = 20;

/// One ConsumeQueue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CqEntry {
    /// CommitLog offset of the record.
    pub phys_offset: i64,
    /// Record size (`i32::MAX` for a gap filler).
    pub size: i32,
    /// Tags hash code (or a delivery time for the schedule topic).
    pub tags_code: i64,
}

impl CqEntry {
    /// The gap filler Java writes where entries are missing.
    pub const FILLER: CqEntry = CqEntry {
        phys_offset: 0,
        size: i32::MAX,
        tags_code: 0,
    };

    /// The 20 bytes on disk.
    pub fn encode(&self) -> [u8; ENTRY_SIZE] {
        let mut b = [0u8; ENTRY_SIZE];
        b[..8].copy_from_slice(&self.phys_offset.to_be_bytes());
        b[8..12].copy_from_slice(&self.size.to_be_bytes());
        b[12..].copy_from_slice(&self.tags_code.to_be_bytes());
        b
    }

    /// Reads an entry from 20 bytes.
    pub fn decode(b: &[u8]) -> Option<CqEntry> {
        Some(CqEntry {
            phys_offset: be_i64(b, 0)?,
            size: be_i32(b, 8)?,
            tags_code: be_i64(b, 12)?,
        })
    }

    /// Whether this is a gap filler (no message).
    pub fn is_filler(&self) -> bool {
        self.size == i32::MAX
    }

    /// Whether this entry was ever written (all-zero bytes mean the end of the queue).
    fn is_written(&self) -> bool {
        self.size > 0 && self.phys_offset >= 0
    }
}

/// A run of consecutive published entries inside one file.
#[derive(Debug)]
pub(crate) struct EntryBlock {
    seg: Arc<Segment>,
    pos: usize,
    count: usize,
}

impl EntryBlock {
    /// Entries in the block.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Entry `i` of the block.
    pub(crate) fn get(&self, i: usize) -> Option<CqEntry> {
        if i >= self.count {
            return None;
        }
        CqEntry::decode(self.seg.read(self.pos + i * ENTRY_SIZE, ENTRY_SIZE)?)
    }
}

type Tail = Option<(Arc<Segment>, RegionWriter)>;

/// One topic queue's ConsumeQueue.
#[derive(Debug)]
pub(crate) struct ConsumeQueue {
    topic: String,
    queue_id: i32,
    segments: SegmentList,
    writer: Mutex<Tail>,
    /// Logical min offset (entries below it point to deleted CommitLog data).
    min_offset: AtomicI64,
    /// CommitLog offset just past the last entry's record.
    max_phys_end: AtomicI64,
    growth: watch::Sender<i64>,
}

fn queue_dir(root: &Path, topic: &str, queue_id: i32) -> PathBuf {
    root.join(topic).join(queue_id.to_string())
}

impl ConsumeQueue {
    fn from_parts(topic: &str, queue_id: i32, segments: SegmentList, tail: Tail) -> Self {
        let max = segments.max_offset() / ENTRY_SIZE as i64;
        let min = segments.min_offset() / ENTRY_SIZE as i64;
        ConsumeQueue {
            topic: topic.to_owned(),
            queue_id,
            segments,
            writer: Mutex::new(tail),
            min_offset: AtomicI64::new(min),
            max_phys_end: AtomicI64::new(0),
            growth: watch::Sender::new(max),
        }
    }

    /// An empty queue; its directory is created with the first entry.
    pub(crate) fn new(root: &Path, topic: &str, queue_id: i32, file_size: usize) -> Self {
        let segments = SegmentList::new(&queue_dir(root, topic, queue_id), file_size);
        ConsumeQueue::from_parts(topic, queue_id, segments, None)
    }

    /// Loads a queue's files and recovers it: entries end at the first never-written
    /// entry, and entries whose record would end past `log_end` (the recovered
    /// CommitLog end) are dropped and zeroed.
    pub(crate) fn load(
        root: &Path,
        topic: &str,
        queue_id: i32,
        file_size: usize,
        log_end: i64,
    ) -> Result<Self> {
        let dir = queue_dir(root, topic, queue_id);
        let (segments, mut writers) = SegmentList::load(&dir, file_size)?;
        let segs = segments.snapshot();
        let per_file = file_size / ENTRY_SIZE;
        let entry_at = |writers: &[RegionWriter], file: usize, i: usize| {
            writers
                .get(file)
                .and_then(|w| w.peek(i * ENTRY_SIZE, ENTRY_SIZE))
                .and_then(CqEntry::decode)
        };
        // (file index, entries valid in that file)
        let mut end = (0usize, 0usize);
        if let Some(last) = segs.len().checked_sub(1) {
            let mut n = 0;
            while n < per_file && entry_at(&writers, last, n).is_some_and(|e| e.is_written()) {
                n += 1;
            }
            end = (last, n);
            loop {
                let (file, n) = end;
                if n == 0 {
                    if file == 0 {
                        break;
                    }
                    end = (file - 1, per_file);
                    continue;
                }
                match entry_at(&writers, file, n - 1) {
                    Some(e) if e.is_filler() || e.phys_offset + i64::from(e.size) <= log_end => {
                        break
                    }
                    _ => end = (file, n - 1),
                }
            }
        }
        let (end_file, end_n) = end;
        // Drop files wholly past the end (keep an empty first file).
        let keep = if end_n == 0 && end_file > 0 {
            end_file
        } else {
            end_file + 1
        };
        if let Some(first_gone) = segs.get(keep) {
            segments.delete_from(first_gone.base())?;
        }
        writers.truncate(keep);
        let mut tail = None;
        let kept = writers.len();
        for (i, mut writer) in writers.into_iter().enumerate() {
            let seg = Arc::clone(&segs[i]);
            let valid = if i + 1 == kept {
                end_n.min(per_file) * ENTRY_SIZE
            } else {
                file_size
            };
            zero_tail(&mut writer, valid).map_err(|source| StoreError::Io {
                path: seg.path().to_path_buf(),
                source,
            })?;
            writer.publish(valid).map_err(|source| StoreError::Io {
                path: seg.path().to_path_buf(),
                source,
            })?;
            seg.mark_flushed();
            if i + 1 == kept {
                tail = Some((seg, writer));
            }
        }
        let cq = ConsumeQueue::from_parts(topic, queue_id, segments, tail);
        if let Some(last) = cq
            .max_offset()
            .checked_sub(1)
            .filter(|&l| l >= cq.min_offset())
        {
            if let Some(e) = cq.entry(last).filter(|e| !e.is_filler()) {
                cq.max_phys_end
                    .store(e.phys_offset + i64::from(e.size), Ordering::Release);
            }
        }
        Ok(cq)
    }

    /// Topic.
    pub(crate) fn topic(&self) -> &str {
        &self.topic
    }

    /// Queue id.
    pub(crate) fn queue_id(&self) -> i32 {
        self.queue_id
    }

    /// One past the last published entry.
    pub(crate) fn max_offset(&self) -> i64 {
        self.segments.max_offset() / ENTRY_SIZE as i64
    }

    /// First entry that still points to stored CommitLog data.
    pub(crate) fn min_offset(&self) -> i64 {
        let first = self.segments.min_offset() / ENTRY_SIZE as i64;
        self.min_offset.load(Ordering::Acquire).max(first)
    }

    /// CommitLog offset just past the last entry's record.
    pub(crate) fn max_phys_end(&self) -> i64 {
        self.max_phys_end.load(Ordering::Acquire)
    }

    /// Entry at logical `offset`, if published and its file still exists.
    pub(crate) fn entry(&self, offset: i64) -> Option<CqEntry> {
        self.block(offset, 1)?.get(0)
    }

    /// Up to `max` published entries from logical `offset`, within one file; `None` if
    /// the offset is unpublished or its file is gone.
    pub(crate) fn block(&self, offset: i64, max: usize) -> Option<EntryBlock> {
        let byte = offset.checked_mul(ENTRY_SIZE as i64)?;
        let seg = self.segments.find(byte)?;
        let pos = (byte - seg.base()) as usize;
        let avail = seg.published().checked_sub(pos)? / ENTRY_SIZE;
        let count = avail.min(max);
        (count > 0).then_some(EntryBlock { seg, pos, count })
    }

    /// Start offset of the file after the one holding `offset` (Java `rollNextFile`).
    pub(crate) fn roll_next_file(&self, offset: i64) -> i64 {
        let per_file = (self.segments.file_size() / ENTRY_SIZE) as i64;
        offset + per_file - offset.rem_euclid(per_file)
    }

    /// Writes the entry for logical `queue_offset` (dispatcher only). An offset already
    /// present is skipped (re-dispatch after recovery) and returns `false`; missing
    /// offsets before it are filled with gap fillers.
    pub(crate) fn put(&self, queue_offset: i64, entry: CqEntry) -> Result<bool> {
        let mut tail = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut max = self.max_offset();
        if tail.is_none() && self.segments.len() == 0 {
            max = queue_offset.max(0);
            let byte = max * ENTRY_SIZE as i64;
            let size = self.segments.file_size() as i64;
            let base = byte - byte % size;
            *tail = Some(self.segments.create(base)?);
            max = base / ENTRY_SIZE as i64;
            self.min_offset.store(max, Ordering::Release);
        }
        if queue_offset < max {
            return Ok(false);
        }
        while max < queue_offset {
            self.write_entry(&mut tail, max, CqEntry::FILLER)?;
            max += 1;
        }
        self.write_entry(&mut tail, queue_offset, entry)?;
        if !entry.is_filler() {
            self.max_phys_end
                .fetch_max(entry.phys_offset + i64::from(entry.size), Ordering::AcqRel);
        }
        Ok(true)
    }

    fn write_entry(&self, tail: &mut Tail, offset: i64, entry: CqEntry) -> Result<()> {
        let byte = offset * ENTRY_SIZE as i64;
        let needs_file = match tail {
            Some((seg, _)) => !seg.contains(byte),
            None => true,
        };
        if needs_file {
            let size = self.segments.file_size() as i64;
            *tail = Some(self.segments.create(byte - byte % size)?);
        }
        let Some((seg, writer)) = tail else {
            return Err(StoreError::Shutdown);
        };
        let pos = (byte - seg.base()) as usize;
        let io = writer
            .write(pos, &entry.encode())
            .and_then(|()| writer.publish(pos + ENTRY_SIZE));
        io.map_err(|source| StoreError::Io {
            path: seg.path().to_path_buf(),
            source,
        })
    }

    /// Announces the current max offset to growth subscribers.
    pub(crate) fn notify_growth(&self) {
        let max = self.max_offset();
        self.growth.send_if_modified(|v| {
            let changed = *v != max;
            *v = max;
            changed
        });
    }

    /// A receiver of the max offset, updated as entries are dispatched.
    pub(crate) fn subscribe(&self) -> watch::Receiver<i64> {
        self.growth.subscribe()
    }

    /// Syncs unflushed entries.
    pub(crate) fn flush(&self) -> Result<()> {
        self.segments.flush()
    }

    /// Deletes every file of the queue and its directory (its topic was deleted; the
    /// queue is out of the table). Views already handed out stay readable.
    pub(crate) fn destroy(&self) -> Result<()> {
        let mut tail = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        *tail = None;
        self.segments.delete_from(i64::MIN)?;
        let dir = self.segments.dir();
        match std::fs::remove_dir(dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::Io {
                path: dir.to_path_buf(),
                source: e,
            }),
            _ => Ok(()),
        }
    }

    /// Deletes files whose entries all point below `phys_min` (the CommitLog min
    /// offset), never the last file, and moves the logical min offset past such entries.
    pub(crate) fn delete_below(&self, phys_min: i64) -> Result<usize> {
        let entries = self.segments.file_size() / ENTRY_SIZE;
        let gone = self.segments.delete_front(usize::MAX, |seg| {
            let last = seg
                .read((entries - 1) * ENTRY_SIZE, ENTRY_SIZE)
                .and_then(CqEntry::decode);
            last.is_some_and(|e| !e.is_filler() && e.phys_offset + i64::from(e.size) <= phys_min)
        })?;
        self.correct_min_offset(phys_min);
        Ok(gone)
    }

    /// Sets the logical min offset to the first entry pointing at or above `phys_min`.
    pub(crate) fn correct_min_offset(&self, phys_min: i64) {
        let lo = self.first_at_or_above(phys_min);
        self.min_offset.fetch_max(lo, Ordering::AcqRel);
    }

    /// The first queue offset from the min offset on whose entry points at or above
    /// CommitLog offset `phys` (the max offset if none does).
    pub(crate) fn first_at_or_above(&self, phys: i64) -> i64 {
        let (mut lo, mut hi) = (self.min_offset(), self.max_offset());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.entry(mid) {
                Some(e) if !e.is_filler() && e.phys_offset < phys => lo = mid + 1,
                Some(_) => hi = mid,
                None => lo = mid + 1,
            }
        }
        lo
    }
}

/// Zeroes `[from, len)` of a mapped file where it is not already zero, so stale bytes
/// past a recovered end never look valid to a later recovery. Pages already zero are
/// not written (a sparse file stays sparse).
pub(crate) fn zero_tail(writer: &mut RegionWriter, from: usize) -> std::io::Result<()> {
    const CHUNK: usize = 4096;
    let len = writer.region().len();
    let zeros = [0u8; CHUNK];
    let mut pos = from;
    while pos < len {
        let n = (CHUNK - pos % CHUNK).min(len - pos);
        if writer
            .peek(pos, n)
            .is_some_and(|b| b.iter().any(|&x| x != 0))
        {
            writer.write(pos, &zeros[..n])?;
        }
        pos += n;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(phys: i64) -> CqEntry {
        CqEntry {
            phys_offset: phys,
            size: 100,
            tags_code: phys * 7,
        }
    }

    #[test]
    fn entry_roundtrip_and_java_bytes() {
        let b = CqEntry {
            phys_offset: 1,
            size: 2,
            tags_code: 2598919,
        }
        .encode();
        assert_eq!(
            b,
            [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0x27, 0xa8, 0x07]
        );
        assert_eq!(CqEntry::decode(&b).unwrap().tags_code, 2598919);
    }

    #[test]
    fn put_read_roll_files_and_recover() {
        let dir = tempfile::tempdir().unwrap();
        let cq = ConsumeQueue::new(dir.path(), "T", 1, 5 * ENTRY_SIZE);
        for i in 0..12 {
            assert!(cq.put(i, e(i * 100)).unwrap());
        }
        assert!(!cq.put(3, e(999)).unwrap(), "duplicates are skipped");
        assert_eq!(cq.max_offset(), 12);
        assert_eq!(cq.entry(7), Some(e(700)));
        assert_eq!(
            cq.block(3, 10).unwrap().len(),
            2,
            "blocks stop at a file end"
        );
        assert_eq!(cq.roll_next_file(7), 10);
        assert!(dir.path().join("T/1/00000000000000000100").exists());
        assert_eq!(cq.max_phys_end(), 1200);
        let mut rx = cq.subscribe();
        cq.notify_growth();
        assert!(rx.has_changed().unwrap());
        assert_eq!(*rx.borrow_and_update(), 12);
        drop(cq);

        // Recovery with a CommitLog that ends at 1000: entries for records ending past it go.
        let cq = ConsumeQueue::load(dir.path(), "T", 1, 5 * ENTRY_SIZE, 1000).unwrap();
        assert_eq!(cq.max_offset(), 10);
        assert_eq!(cq.max_phys_end(), 1000);
        assert!(!dir.path().join("T/1/00000000000000000200").exists());
        // The stale entries were zeroed: a new entry and another recovery see no ghosts.
        assert!(cq.put(10, e(1000)).unwrap());
        drop(cq);
        let cq = ConsumeQueue::load(dir.path(), "T", 1, 5 * ENTRY_SIZE, 5000).unwrap();
        assert_eq!(cq.max_offset(), 11);
    }

    #[test]
    fn gaps_are_filled_and_min_offset_corrected() {
        let dir = tempfile::tempdir().unwrap();
        let cq = ConsumeQueue::new(dir.path(), "T", 0, 4 * ENTRY_SIZE);
        cq.put(6, e(600)).unwrap();
        assert_eq!(cq.min_offset(), 4, "first file starts at the offset's file");
        assert_eq!(cq.max_offset(), 7);
        assert!(cq.entry(5).unwrap().is_filler());
        cq.put(7, e(700)).unwrap();
        cq.put(8, e(800)).unwrap();
        cq.correct_min_offset(650);
        assert_eq!(cq.min_offset(), 7);
        assert_eq!(cq.delete_below(800).unwrap(), 1);
        assert_eq!(cq.min_offset(), 8);
        assert!(cq.entry(7).is_none());
    }
}
