//! `timerlog/`: Java's `TimerLog`, mapped files named by the 20-digit offset of their
//! first byte, holding 52-byte units, big-endian: size (4, always 52), previous unit of
//! the same slot (8, -1 for the slot's first), magic (4), write time (8), delay from the
//! write time to the slot time (4), CommitLog offset (8) and size (4) of the message,
//! hash of its real topic (4), reserved (8). A unit never straddles two files: the tail
//! of a file too short for one stays zero and the next unit starts the next file.
//!
//! CometMQ keeps the timer topic's ConsumeQueue offset + 1 in the reserved field (Java
//! writes 0 and never reads it).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{IoContext, Result, StoreError};
use crate::mmap::RegionWriter;
use crate::segment::Segment;

/// Bytes of one unit (Java `TimerLog.UNIT_SIZE`).
pub const UNIT_SIZE: usize = 52;

/// One unit of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogUnit {
    /// Position of the previous unit of the slot, or -1.
    pub prev_pos: i64,
    /// Magic bits (`MAGIC_DEFAULT`, `MAGIC_ROLL`, `MAGIC_DELETE`).
    pub magic: i32,
    /// When the unit was written (ms, a slot time).
    pub write_ms: i64,
    /// Slot time − write time.
    pub delayed_ms: i32,
    /// CommitLog offset of the message in the timer topic.
    pub offset_py: i64,
    /// Its size.
    pub size_py: i32,
    /// Hash of its real topic (metrics).
    pub topic_hash: i32,
    /// CometMQ: timer topic ConsumeQueue offset + 1 (0 when written by Java).
    pub reserved: i64,
}

impl LogUnit {
    /// The slot time the unit is due at.
    pub fn delivery_ms(&self) -> i64 {
        self.write_ms + i64::from(self.delayed_ms)
    }

    fn encode(&self) -> [u8; UNIT_SIZE] {
        let mut b = [0u8; UNIT_SIZE];
        b[0..4].copy_from_slice(&(UNIT_SIZE as i32).to_be_bytes());
        b[4..12].copy_from_slice(&self.prev_pos.to_be_bytes());
        b[12..16].copy_from_slice(&self.magic.to_be_bytes());
        b[16..24].copy_from_slice(&self.write_ms.to_be_bytes());
        b[24..28].copy_from_slice(&self.delayed_ms.to_be_bytes());
        b[28..36].copy_from_slice(&self.offset_py.to_be_bytes());
        b[36..40].copy_from_slice(&self.size_py.to_be_bytes());
        b[40..44].copy_from_slice(&self.topic_hash.to_be_bytes());
        b[44..52].copy_from_slice(&self.reserved.to_be_bytes());
        b
    }

    /// Decodes a unit; `None` when the bytes are not one (size ≠ 52, no known magic,
    /// negative CommitLog offset or size).
    fn decode(b: &[u8]) -> Option<LogUnit> {
        let long = |i: usize| Some(i64::from_be_bytes(b.get(i..i + 8)?.try_into().ok()?));
        let int = |i: usize| Some(i32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?));
        if int(0)? != UNIT_SIZE as i32 {
            return None;
        }
        let unit = LogUnit {
            prev_pos: long(4)?,
            magic: int(12)?,
            write_ms: long(16)?,
            delayed_ms: int(24)?,
            offset_py: long(28)?,
            size_py: int(36)?,
            topic_hash: int(40)?,
            reserved: long(44)?,
        };
        let known = super::MAGIC_DEFAULT | super::MAGIC_ROLL | super::MAGIC_DELETE;
        let ok = unit.magic != 0
            && unit.magic & !known == 0
            && unit.offset_py >= 0
            && unit.size_py > 0
            && unit.prev_pos >= -1;
        ok.then_some(unit)
    }
}

/// The mapped log: append-only, published as it is written.
#[derive(Debug)]
pub struct TimerLog {
    dir: PathBuf,
    file_size: usize,
    files: Vec<(Arc<Segment>, RegionWriter)>,
    /// Global position of the next unit.
    end: i64,
}

impl TimerLog {
    /// Opens the files of `dir` and finds the end of the units by checking every unit
    /// from the first file's start. Anything that is not a unit before the end, or a
    /// file of another size, is [`StoreError::Corrupt`].
    pub fn open(dir: &Path, file_size: usize) -> Result<TimerLog> {
        if file_size < UNIT_SIZE {
            return Err(StoreError::Config(format!(
                "mappedFileSizeTimerLog {file_size} is smaller than one unit"
            )));
        }
        std::fs::create_dir_all(dir).at(dir)?;
        let mut bases = Vec::new();
        for entry in std::fs::read_dir(dir).at(dir)? {
            let entry = entry.at(dir)?;
            let name = entry.file_name();
            let Some(base) = name.to_str().and_then(|n| n.parse::<i64>().ok()) else {
                continue;
            };
            let len = entry.metadata().at(entry.path())?.len();
            if len != file_size as u64 {
                return Err(StoreError::Corrupt {
                    path: entry.path(),
                    reason: format!("timer log file of {len} bytes, expected {file_size}"),
                });
            }
            bases.push(base);
        }
        bases.sort_unstable();
        let mut log = TimerLog {
            dir: dir.to_path_buf(),
            file_size,
            files: Vec::new(),
            end: bases.first().copied().unwrap_or(0),
        };
        for (i, base) in bases.iter().enumerate() {
            if i > 0 && *base != bases[i - 1] + file_size as i64 {
                return Err(StoreError::Corrupt {
                    path: dir.join(crate::segment::file_name(*base)),
                    reason: "timer log files are not contiguous".into(),
                });
            }
            let (segment, writer) = Segment::open(dir, *base, file_size)?;
            log.files.push((segment, writer));
        }
        log.recover()?;
        Ok(log)
    }

    /// Walks every file's units, publishes them, and sets the end after the last.
    fn recover(&mut self) -> Result<()> {
        let count = self.files.len();
        for i in 0..count {
            let (segment, writer) = &mut self.files[i];
            let mut pos = 0usize;
            while pos + UNIT_SIZE <= self.file_size {
                let Some(b) = writer.peek(pos, UNIT_SIZE) else {
                    break;
                };
                if b[0..4] == [0; 4] {
                    break;
                }
                if LogUnit::decode(b).is_none() {
                    return Err(StoreError::Corrupt {
                        path: segment.path().to_path_buf(),
                        reason: format!("no timer log unit at file position {pos}"),
                    });
                }
                pos += UNIT_SIZE;
            }
            let last = i + 1 == count;
            if !last && pos + UNIT_SIZE <= self.file_size {
                return Err(StoreError::Corrupt {
                    path: segment.path().to_path_buf(),
                    reason: format!("units end at {pos} in a file that is not the last"),
                });
            }
            writer.publish(pos).at(segment.path())?;
            segment.mark_flushed();
            self.end = segment.base() + pos as i64;
        }
        Ok(())
    }

    /// The last unit and its position.
    pub fn last_unit(&self) -> Option<(i64, LogUnit)> {
        let pos = self.end - UNIT_SIZE as i64;
        Some((pos, self.unit_at(pos)?))
    }

    /// The unit at global position `pos`, if written and valid.
    pub fn unit_at(&self, pos: i64) -> Option<LogUnit> {
        let (segment, _) = self.files.iter().find(|(s, _)| s.contains(pos))?;
        let at = usize::try_from(pos - segment.base()).ok()?;
        LogUnit::decode(segment.read(at, UNIT_SIZE)?)
    }

    /// Appends a unit; returns its position.
    pub fn append(&mut self, unit: &LogUnit) -> Result<i64> {
        let size = self.file_size as i64;
        let mut pos = self.end;
        if pos % size + UNIT_SIZE as i64 > size {
            pos = (pos / size + 1) * size;
        }
        let base = pos / size * size;
        if self.files.last().map(|(s, _)| s.base()) != Some(base) {
            let (segment, writer) = Segment::open(&self.dir, base, self.file_size)?;
            self.files.push((segment, writer));
        }
        let Some((segment, writer)) = self.files.last_mut() else {
            return Err(StoreError::Shutdown);
        };
        let at = usize::try_from(pos - base).unwrap_or(0);
        writer.write(at, &unit.encode()).at(segment.path())?;
        writer.publish(at + UNIT_SIZE).at(segment.path())?;
        self.end = pos + UNIT_SIZE as i64;
        Ok(pos)
    }

    /// Deletes the files that end at or before `pos`, except the last one (its units
    /// are delivered). Returns how many were deleted.
    pub fn delete_files_before(&mut self, pos: i64) -> Result<usize> {
        let size = self.file_size as i64;
        let mut deleted = 0;
        while self.files.len() > 1 && self.files[0].0.base() + size <= pos {
            let (segment, _) = self.files.remove(0);
            segment.delete()?;
            deleted += 1;
        }
        Ok(deleted)
    }

    /// Global position after the last unit.
    pub fn end(&self) -> i64 {
        self.end
    }

    /// The files, to flush without holding the log's owner.
    pub(crate) fn segments(&self) -> Vec<Arc<Segment>> {
        self.files.iter().map(|(s, _)| Arc::clone(s)).collect()
    }

    /// Syncs what was written since the last flush (blocking); returns the end.
    pub fn flush(&self) -> Result<i64> {
        for (segment, _) in &self.files {
            if segment.flushed() < segment.published() {
                segment.flush()?;
            }
        }
        Ok(self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(prev: i64, n: i64) -> LogUnit {
        LogUnit {
            prev_pos: prev,
            magic: 1,
            write_ms: 1000,
            delayed_ms: 2000,
            offset_py: n * 100,
            size_py: 100,
            topic_hash: 7,
            reserved: n + 1,
        }
    }

    #[test]
    fn append_reopen_and_file_roll() {
        let dir = tempfile::tempdir().unwrap();
        // Two units and a 4-byte tail per file.
        let size = UNIT_SIZE * 2 + 4;
        let mut log = TimerLog::open(dir.path(), size).unwrap();
        let a = log.append(&unit(-1, 0)).unwrap();
        let b = log.append(&unit(a, 1)).unwrap();
        let c = log.append(&unit(b, 2)).unwrap();
        assert_eq!((a, b, c), (0, 52, size as i64));
        assert_eq!(log.unit_at(b).unwrap().prev_pos, a);
        log.flush().unwrap();
        drop(log);
        let log = TimerLog::open(dir.path(), size).unwrap();
        assert_eq!(log.end(), c + UNIT_SIZE as i64);
        assert_eq!(log.last_unit().unwrap().1.reserved, 3);
        assert_eq!(log.unit_at(c).unwrap().delivery_ms(), 3000);
    }

    #[test]
    fn delivered_files_are_deleted_and_the_rest_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let size = UNIT_SIZE * 2;
        let mut log = TimerLog::open(dir.path(), size).unwrap();
        let mut prev = -1;
        for n in 0..5 {
            prev = log.append(&unit(prev, n)).unwrap();
        }
        assert_eq!(log.delete_files_before(2 * size as i64).unwrap(), 2);
        assert_eq!(
            log.delete_files_before(i64::MAX).unwrap(),
            0,
            "the last file stays"
        );
        assert!(log.unit_at(0).is_none());
        drop(log);
        let log = TimerLog::open(dir.path(), size).unwrap();
        assert_eq!(log.end(), 5 * UNIT_SIZE as i64);
        assert_eq!(log.unit_at(4 * UNIT_SIZE as i64).unwrap().reserved, 5);
    }

    #[test]
    fn garbage_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let size = UNIT_SIZE * 4;
        let mut log = TimerLog::open(dir.path(), size).unwrap();
        log.append(&unit(-1, 0)).unwrap();
        log.flush().unwrap();
        drop(log);
        let path = dir.path().join(crate::segment::file_name(0));
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[12..16].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
        std::fs::write(&path, bytes).unwrap();
        assert!(matches!(
            TimerLog::open(dir.path(), size),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
