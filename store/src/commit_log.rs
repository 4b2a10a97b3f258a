//! The CommitLog: every record, back to back, in fixed-size mapped files (reference
//! §5.1, §5.2, §6.1).
//!
//! Concurrency: readers use the shared [`SegmentList`] and see only published bytes.
//! All writes (local appends, replication appends, and the BLANK filler) go through the
//! [`Appender`] behind one `parking_lot::Mutex`, held only for the copy into the map (never
//! across an `.await`). The flush thread syncs segments concurrently with appends.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use cometmq_remoting::message::record::layout::{
    self, stamp_physical_offset, stamp_queue_offset, stamp_store_host, stamp_store_timestamp,
    BLANK_LEN,
};
use cometmq_remoting::message::sysflag;
use parking_lot::{Mutex, MutexGuard};

use crate::error::{Result, StoreError};
use crate::mmap::RegionWriter;
use crate::prealloc::Preallocator;
use crate::segment::Segment;
use crate::segment_list::SegmentList;
use crate::status::{Appended, PutStatus};

/// The append side: current file writer and the `topic → queueId → next offset` table.
#[derive(Debug, Default)]
pub(crate) struct Appender {
    current: Option<(Arc<Segment>, RegionWriter)>,
    queue_offsets: HashMap<String, HashMap<i32, i64>>,
    last_store_timestamp: i64,
    /// Prepares the next file in the background; without it files are created on the
    /// append path.
    prealloc: Option<Arc<Preallocator>>,
}

/// Records to append, already validated: one record, or a batch for one queue.
#[derive(Debug)]
pub(crate) struct AppendRequest<'a> {
    /// The encoded records, back to back; stamped in place.
    pub records: &'a mut [u8],
    /// Start of each record in `records`.
    pub starts: &'a [usize],
    /// Byte range of the topic inside `records`.
    pub topic: std::ops::Range<usize>,
    /// QUEUEID of every record.
    pub queue_id: i32,
    /// Transaction type bits of the records' sysFlag.
    pub tran_type: i32,
    /// STORETIMESTAMP to stamp.
    pub now_ms: i64,
    /// STOREHOSTADDRESS to stamp, if any.
    pub store_host: Option<SocketAddr>,
}

impl Appender {
    /// An appender continuing `current` (the last file's writer, its published position
    /// being the end of the log), with the queue offsets recovered from ConsumeQueues.
    pub(crate) fn new(
        current: Option<(Arc<Segment>, RegionWriter)>,
        queue_offsets: HashMap<String, HashMap<i32, i64>>,
    ) -> Self {
        Appender {
            current,
            queue_offsets,
            last_store_timestamp: 0,
            prealloc: None,
        }
    }

    /// Takes new files from `prealloc` from now on, and asks it for the file after the
    /// current one (or, for an empty log, the file at 0).
    pub(crate) fn use_preallocator(&mut self, prealloc: Arc<Preallocator>, file_size: usize) {
        let next = match &self.current {
            Some((seg, _)) => seg.base() + file_size as i64,
            None => 0,
        };
        prealloc.request(next);
        self.prealloc = Some(prealloc);
    }

    /// Forgets a topic's next queue offsets (its queues are being deleted): a queue of
    /// that name starts again at 0.
    pub(crate) fn remove_topic(&mut self, topic: &str) {
        self.queue_offsets.remove(topic);
    }

    /// Opens the file starting at `base` — the prepared one if there is one, else a new
    /// one — and asks for the file after it to be prepared.
    fn open_file(
        &mut self,
        segments: &SegmentList,
        base: i64,
    ) -> Result<(Arc<Segment>, RegionWriter)> {
        let Some(prealloc) = &self.prealloc else {
            return segments.create(base);
        };
        let made = match prealloc.take(base) {
            Some(prepared) => segments.install(base, prepared),
            None => segments.create(base),
        };
        if made.is_ok() {
            prealloc.request(base + segments.file_size() as i64);
        }
        made
    }

    /// Replaces the queue offset table (after the ConsumeQueues are rebuilt at open).
    pub(crate) fn set_queue_offsets(&mut self, table: HashMap<String, HashMap<i32, i64>>) {
        self.queue_offsets = table;
    }

    /// Store time of the last local append.
    pub(crate) fn last_store_timestamp(&self) -> i64 {
        self.last_store_timestamp
    }

    /// Makes sure the current file can take `len` bytes plus a BLANK filler; closes it
    /// with a filler and opens the next file if not. Returns the write position.
    fn make_room(&mut self, segments: &SegmentList, len: usize) -> Result<usize, PutStatus> {
        let file_size = segments.file_size();
        if len + BLANK_LEN > file_size {
            return Err(PutStatus::MessageIllegal);
        }
        if let Some((seg, writer)) = &mut self.current {
            let pos = seg.published();
            if len + BLANK_LEN <= file_size - pos {
                return Ok(pos);
            }
            let remaining = file_size - pos;
            if remaining >= BLANK_LEN {
                let mut blank = BytesMut::with_capacity(BLANK_LEN);
                layout::encode_blank(&mut blank, remaining as i32);
                writer.write(pos, &blank).map_err(|e| {
                    crate::throttled!(warn, error = %e, "writing the BLANK filler failed");
                    PutStatus::ServiceNotAvailable
                })?;
            }
            writer
                .publish(file_size)
                .map_err(|_| PutStatus::ServiceNotAvailable)?;
        }
        let base = match &self.current {
            Some((seg, _)) => seg.base() + file_size as i64,
            None => segments.max_offset(),
        };
        let created = self.open_file(segments, base).map_err(|e| {
            crate::throttled!(warn, error = %e, base, "creating a CommitLog file failed");
            PutStatus::CreateMappedFileFailed
        })?;
        self.current = Some(created);
        Ok(0)
    }

    /// Appends the request's records into one file, stamping queue offsets, physical
    /// offsets, store time and store host.
    pub(crate) fn append(
        &mut self,
        segments: &SegmentList,
        req: AppendRequest<'_>,
    ) -> Result<Appended, PutStatus> {
        let len = req.records.len();
        let pos = self.make_room(segments, len)?;
        let Some((seg, writer)) = &mut self.current else {
            return Err(PutStatus::ServiceNotAvailable);
        };
        let phys = seg.base() + pos as i64;
        let counted = matches!(
            req.tran_type,
            sysflag::TRANSACTION_NOT_TYPE | sysflag::TRANSACTION_COMMIT_TYPE
        );
        let counter = if counted {
            let topic = req
                .records
                .get(req.topic.clone())
                .and_then(|t| std::str::from_utf8(t).ok())
                .ok_or(PutStatus::MessageIllegal)?;
            if !self.queue_offsets.contains_key(topic) {
                self.queue_offsets.insert(topic.to_owned(), HashMap::new());
            }
            self.queue_offsets
                .get_mut(topic)
                .map(|q| q.entry(req.queue_id).or_insert(0))
        } else {
            None
        };
        let first_queue_offset = counter.as_deref().copied().unwrap_or(0);
        for (i, &start) in req.starts.iter().enumerate() {
            let rec = req
                .records
                .get_mut(start..)
                .ok_or(PutStatus::MessageIllegal)?;
            let qo = if counted {
                first_queue_offset + i as i64
            } else {
                0
            };
            let stamped = stamp_queue_offset(rec, qo)
                .and_then(|()| stamp_physical_offset(rec, phys + start as i64))
                .and_then(|()| stamp_store_timestamp(rec, req.now_ms))
                .and_then(|()| match req.store_host {
                    Some(host) => stamp_store_host(rec, host),
                    None => Ok(()),
                });
            stamped.map_err(|_| PutStatus::MessageIllegal)?;
        }
        writer
            .write(pos, req.records)
            .and_then(|()| writer.publish(pos + len))
            .map_err(|e| {
                crate::throttled!(warn, error = %e, "CommitLog write failed");
                PutStatus::ServiceNotAvailable
            })?;
        if let Some(c) = counter {
            *c += req.starts.len() as i64;
        }
        self.last_store_timestamp = req.now_ms;
        Ok(Appended {
            phys_offset: phys,
            wrote_bytes: len,
            queue_offset: first_queue_offset,
            msg_count: req.starts.len(),
            store_timestamp: req.now_ms,
        })
    }

    /// Appends raw CommitLog bytes (replication) at `offset`, which must be the end of
    /// the log; splits them at file boundaries. Returns the new end.
    pub(crate) fn append_raw(
        &mut self,
        segments: &SegmentList,
        offset: i64,
        mut data: &[u8],
    ) -> Result<i64> {
        let file_size = segments.file_size();
        let mut end = match &self.current {
            Some((seg, _)) => seg.end(),
            None => segments.max_offset(),
        };
        if self.current.is_none() && end == 0 && offset % file_size as i64 == 0 && offset > 0 {
            // An empty slave starting from the master's last file.
            end = offset;
        }
        if offset != end {
            return Err(StoreError::OffsetMismatch {
                offset,
                expected: end,
            });
        }
        while !data.is_empty() {
            let need_file = match &self.current {
                Some((seg, _)) => seg.is_full(),
                None => true,
            };
            if need_file {
                let base = end - end.rem_euclid(file_size as i64);
                self.current = Some(self.open_file(segments, base)?);
            }
            let Some((seg, writer)) = &mut self.current else {
                return Err(StoreError::Shutdown);
            };
            let pos = seg.published();
            let n = data.len().min(file_size - pos);
            let (chunk, rest) = data.split_at(n);
            let io = writer
                .write(pos, chunk)
                .and_then(|()| writer.publish(pos + n));
            io.map_err(|source| StoreError::Io {
                path: seg.path().to_path_buf(),
                source,
            })?;
            data = rest;
            end += n as i64;
        }
        Ok(end)
    }
}

/// The CommitLog: segments plus the appender.
#[derive(Debug)]
pub(crate) struct CommitLog {
    segments: SegmentList,
    appender: Mutex<Appender>,
    /// Offset up to which everything is on disk.
    flushed: AtomicI64,
}

impl CommitLog {
    /// A CommitLog over recovered `segments`, appending with `appender`.
    pub(crate) fn new(segments: SegmentList, appender: Appender) -> Self {
        let flushed = AtomicI64::new(segments.max_offset());
        CommitLog {
            segments,
            appender: Mutex::new(appender),
            flushed,
        }
    }

    /// The segments.
    pub(crate) fn segments(&self) -> &SegmentList {
        &self.segments
    }

    /// Locks the appender (briefly: never across an `.await`).
    pub(crate) fn appender(&self) -> MutexGuard<'_, Appender> {
        self.appender.lock()
    }

    /// Size of each file.
    pub(crate) fn file_size(&self) -> usize {
        self.segments.file_size()
    }

    /// First offset still stored.
    pub(crate) fn min_offset(&self) -> i64 {
        self.segments.min_offset()
    }

    /// Offset just past the last readable byte.
    pub(crate) fn max_offset(&self) -> i64 {
        self.segments.max_offset()
    }

    /// Offset up to which the log is on disk.
    pub(crate) fn flushed_offset(&self) -> i64 {
        self.flushed.load(Ordering::Acquire)
    }

    /// Syncs everything published; returns the flushed offset.
    pub(crate) fn flush(&self) -> Result<i64> {
        let mut upto = self.flushed_offset();
        for seg in self.segments.snapshot() {
            if seg.end() <= upto && seg.flushed() >= seg.published() {
                continue;
            }
            let flushed = seg.flush()?;
            upto = upto.max(seg.base() + flushed as i64);
        }
        self.flushed.fetch_max(upto, Ordering::AcqRel);
        Ok(self.flushed_offset())
    }

    /// A zero-copy view of `len` published bytes at `offset` (within one file).
    pub(crate) fn view(&self, offset: i64, len: usize) -> Option<Bytes> {
        let seg = self.segments.find(offset)?;
        seg.view((offset - seg.base()) as usize, len)
    }

    /// The whole record at `offset` (a message, not the BLANK filler).
    pub(crate) fn record_at(&self, offset: i64) -> Option<Bytes> {
        let seg = self.segments.find(offset)?;
        let pos = (offset - seg.base()) as usize;
        let head = seg.read(pos, 8)?;
        let header = layout::peek_header(head).ok()?;
        if header.kind == layout::RecordKind::Blank {
            return None;
        }
        seg.view(pos, usize::try_from(header.total_size).ok()?)
    }

    /// Up to `max_len` raw bytes from `offset`, stopping at the end of its file
    /// (replication); `None` past the end of the log or below its start.
    pub(crate) fn raw(&self, offset: i64, max_len: usize) -> Option<Bytes> {
        let seg = self.segments.find(offset)?;
        let pos = (offset - seg.base()) as usize;
        let len = seg.published().checked_sub(pos)?.min(max_len);
        if len == 0 {
            return None;
        }
        seg.view(pos, len)
    }

    /// STORETIMESTAMP of the record at `offset`.
    pub(crate) fn store_timestamp_at(&self, offset: i64) -> Option<i64> {
        let seg = self.segments.find(offset)?;
        let pos = (offset - seg.base()) as usize;
        let head = seg.read(pos, layout::SYSFLAG_POS + 4)?;
        let sys_flag = layout::be_i32(head, layout::SYSFLAG_POS)?;
        let ts_pos = layout::store_timestamp_pos(sys_flag);
        let ts = seg.read(pos + ts_pos, 8)?;
        layout::be_i64(ts, 0)
    }
}
