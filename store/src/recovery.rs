//! CommitLog recovery at open (Java `recoverNormally` / `recoverAbnormally`).
//!
//! - After a clean stop (no `abort` file) only the last three files are checked.
//! - After a crash, checking starts at the newest file whose first record was stored
//!   before the checkpoint's earliest flush time (minus 3 s), and every record is
//!   validated: magic, TOTALSIZE, field lengths, PHYSICALOFFSET = its position, and
//!   (with `checkCRCOnRecover`) BODYCRC. The log ends at the first invalid record; the
//!   torn tail is zeroed and later files are deleted. Records from the start file on are
//!   dispatched again (duplicates are skipped by the ConsumeQueues and the index).

use std::sync::Arc;

use cometmq_remoting::message::record::layout::{self, RecordKind};
use cometmq_remoting::message::RecordParts;
use tracing::{info, warn};

use crate::checkpoint::CheckpointValues;
use crate::consume_queue::zero_tail;
use crate::error::{IoContext, Result, StoreError};
use crate::mmap::RegionWriter;
use crate::segment::Segment;
use crate::segment_list::SegmentList;

/// The recovered CommitLog.
#[derive(Debug)]
pub(crate) struct RecoveredLog {
    /// Its files, with published positions set.
    pub(crate) segments: SegmentList,
    /// The last file and its writer.
    pub(crate) tail: Option<(Arc<Segment>, RegionWriter)>,
    /// End of the valid log.
    pub(crate) end: i64,
    /// After a crash: where re-dispatching must start.
    pub(crate) redispatch_from: Option<i64>,
}

enum Check {
    Record(usize),
    Blank,
    Invalid(String),
}

/// Checks the record at `pos` of a file starting at `base`.
fn check(writer: &RegionWriter, base: i64, pos: usize, crc: bool) -> Check {
    let size = writer.region().len();
    let Some(head) = writer.peek(pos, 8) else {
        return Check::Invalid("no room for a header".into());
    };
    let header = match layout::peek_header(head) {
        Ok(h) => h,
        Err(e) => return Check::Invalid(e.to_string()),
    };
    if header.kind == RecordKind::Blank {
        return if usize::try_from(header.total_size) == Ok(size - pos) {
            Check::Blank
        } else {
            Check::Invalid(format!("BLANK of {} bytes at {pos}", header.total_size))
        };
    }
    let total = usize::try_from(header.total_size).unwrap_or(usize::MAX);
    let Some(bytes) = writer.peek(pos, total) else {
        return Check::Invalid(format!("record of {total} bytes overruns the file"));
    };
    let rec = match RecordParts::parse(bytes) {
        Ok(r) => r,
        Err(e) => return Check::Invalid(e.to_string()),
    };
    if rec.physical_offset != base + pos as i64 {
        return Check::Invalid(format!(
            "PHYSICALOFFSET {} at {}",
            rec.physical_offset,
            base + pos as i64
        ));
    }
    if crc && rec.body_crc != Some(layout::body_crc(rec.body)) {
        return Check::Invalid("BODYCRC mismatch".into());
    }
    Check::Record(total)
}

/// First record's store time of a file, if it starts with a valid record.
fn first_store_time(writer: &RegionWriter) -> Option<i64> {
    let head = writer.peek(0, 8)?;
    let total = usize::try_from(layout::peek_header(head).ok()?.total_size).ok()?;
    RecordParts::parse(writer.peek(0, total)?)
        .ok()
        .map(|r| r.store_timestamp)
}

/// Deletes `*.tmp` files: files being made (or prepared as the next file, see
/// [`crate::prealloc`]) when the last run stopped. They never hold acknowledged data.
fn remove_temp_files(dir: &std::path::Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "tmp") {
            info!(path = %path.display(), "removing a file left half-made");
            std::fs::remove_file(&path).at(&path)?;
        }
    }
    Ok(())
}

/// Loads and recovers the CommitLog in `dir`.
pub(crate) fn recover_commit_log(
    dir: &std::path::Path,
    file_size: usize,
    crashed: bool,
    checkpoint: &CheckpointValues,
    with_index: bool,
    check_crc: bool,
) -> Result<RecoveredLog> {
    remove_temp_files(dir)?;
    crate::prealloc::remove_staged(dir).at(dir)?;
    let (segments, mut writers) = SegmentList::load(dir, file_size)?;
    let segs = segments.snapshot();
    if segs.is_empty() {
        return Ok(RecoveredLog {
            segments,
            tail: None,
            end: 0,
            redispatch_from: crashed.then_some(0),
        });
    }
    let n = segs.len();
    let start = if crashed {
        let min_ts = checkpoint.min_timestamp(with_index) - 3000;
        (0..n)
            .rev()
            .find(|&i| first_store_time(&writers[i]).is_some_and(|t| t > 0 && t <= min_ts))
            .unwrap_or(0)
    } else {
        n.saturating_sub(3)
    };
    let crc = crashed && check_crc;
    // Scan: the log ends in file `end_file` at `end_pos`.
    let (mut end_file, mut end_pos) = (start, 0usize);
    'files: for (i, writer) in writers.iter().enumerate().skip(start) {
        let mut pos = 0;
        loop {
            match check(writer, segs[i].base(), pos, crc) {
                Check::Record(len) => pos += len,
                Check::Blank => {
                    (end_file, end_pos) = (i, file_size);
                    continue 'files;
                }
                Check::Invalid(why) => {
                    if crashed || i + 1 < n {
                        info!(file = %segs[i].path().display(), pos, why, "CommitLog ends here");
                    }
                    (end_file, end_pos) = (i, pos);
                    break 'files;
                }
            }
        }
    }
    // Files past the end go (a BLANK-closed last file keeps the end at its end).
    if let Some(gone) = segs.get(end_file + 1) {
        warn!(
            from = gone.base(),
            "deleting CommitLog files past the recovered end"
        );
        segments.delete_from(gone.base())?;
        writers.truncate(end_file + 1);
    }
    let mut tail = None;
    let kept = writers.len();
    for (i, mut writer) in writers.into_iter().enumerate() {
        let seg = Arc::clone(&segs[i]);
        let io = |source| StoreError::Io {
            path: seg.path().to_path_buf(),
            source,
        };
        let valid = if i + 1 == kept { end_pos } else { file_size };
        if crashed && i + 1 == kept {
            zero_tail(&mut writer, valid).map_err(io)?;
        }
        writer.publish(valid).map_err(io)?;
        seg.mark_flushed();
        if i + 1 == kept {
            tail = Some((seg, writer));
        }
    }
    let end = segs[kept - 1].base() + end_pos as i64;
    Ok(RecoveredLog {
        segments,
        tail,
        end,
        redispatch_from: crashed.then(|| segs[start].base()),
    })
}
