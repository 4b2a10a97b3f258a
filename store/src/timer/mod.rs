//! The timer store of RocketMQ 5's timer messages (RIP-43), in Java's file layout:
//! `<root>/timerwheel` ([`wheel`]), `<root>/timerlog/` ([`log`]) and
//! `<root>/config/timercheck` ([`checkpoint`]).
//!
//! The broker (`broker/src/timer`) drives it: it reads the timer topic's ConsumeQueue,
//! [`TimerStore::append`]s one log unit per message into the slot of its delivery time,
//! walks a due slot with [`TimerStore::slot_units_since`], and saves progress with
//! [`TimerStore::flush`] + [`TimerStore::save_checkpoint`]. One owner: the broker keeps
//! the store behind one lock.

pub mod checkpoint;
pub mod log;
pub mod wheel;

use std::path::{Path, PathBuf};

pub use checkpoint::TimerCheckpoint;
pub use log::{LogUnit, TimerLog, UNIT_SIZE};
pub use wheel::{Slot, TimerWheel};

use crate::error::Result;

/// Java's `TIMER_WHEEL_TTL_DAY` × seconds of a day: the slots of one wheel round.
pub const SLOTS_TOTAL: i64 = 7 * 86_400;
/// Log unit magic: a plain timer (Java `MAGIC_DEFAULT`).
pub const MAGIC_DEFAULT: i32 = 1;
/// Log unit magic bit: the message is re-put to the timer topic, not delivered
/// (Java `MAGIC_ROLL`).
pub const MAGIC_ROLL: i32 = 1 << 1;
/// Log unit magic bit: a delete marker (Java `MAGIC_DELETE`).
pub const MAGIC_DELETE: i32 = 1 << 2;

/// Sizes of the timer store.
#[derive(Debug, Clone, Copy)]
pub struct TimerLayout {
    /// `timerPrecisionMs`: the time one slot covers.
    pub precision_ms: i64,
    /// `mappedFileSizeTimerLog`: bytes of one timer log file.
    pub log_file_size: usize,
}

/// The wheel, the log and the checkpoint.
#[derive(Debug)]
pub struct TimerStore {
    /// The slots.
    pub wheel: TimerWheel,
    /// The units.
    pub log: TimerLog,
    /// Progress as last saved.
    pub checkpoint: TimerCheckpoint,
    checkpoint_path: PathBuf,
}

/// The files of a [`TimerStore`] to write to disk.
#[derive(Debug)]
pub struct FlushHandle {
    segments: Vec<std::sync::Arc<crate::segment::Segment>>,
    wheel: std::sync::Arc<crate::mmap::Region>,
    end: i64,
}

impl FlushHandle {
    /// Syncs the log files' unflushed units and the wheel (blocking). Returns the log
    /// position flushed to (the log's end when the handle was taken).
    pub fn flush(&self) -> Result<i64> {
        for segment in &self.segments {
            if segment.flushed() < segment.published() {
                segment.flush()?;
            }
        }
        wheel::flush_region(&self.wheel)?;
        Ok(self.end)
    }
}

/// `<root>/timerwheel`.
pub fn wheel_path(root: &Path) -> PathBuf {
    root.join("timerwheel")
}

/// `<root>/timerlog`.
pub fn log_dir(root: &Path) -> PathBuf {
    root.join("timerlog")
}

/// `<root>/config/timercheck`.
pub fn checkpoint_path(root: &Path) -> PathBuf {
    root.join("config").join("timercheck")
}

impl TimerStore {
    /// Opens (creating if absent) the timer files under the store root `root`. The log
    /// is checked unit by unit: a file of the wrong size, or a unit that is not a
    /// unit, is [`crate::StoreError::Corrupt`] (the broker then rebuilds the files from
    /// the timer topic). Units written after the last checkpoint (a crash) are kept,
    /// and the last one is linked into its slot if the crash came between the two.
    pub fn open(root: &Path, layout: TimerLayout) -> Result<TimerStore> {
        let checkpoint_path = checkpoint_path(root);
        let checkpoint = TimerCheckpoint::load(&checkpoint_path)?;
        let wheel = TimerWheel::open(&wheel_path(root), SLOTS_TOTAL, layout.precision_ms)?;
        let log = TimerLog::open(&log_dir(root), layout.log_file_size)?;
        let mut store = TimerStore {
            wheel,
            log,
            checkpoint,
            checkpoint_path,
        };
        store.finish_torn_append();
        Ok(store)
    }

    /// Deletes the timer wheel and log (not the checkpoint) so that [`TimerStore::open`]
    /// starts them empty.
    pub fn remove_files(root: &Path) -> std::io::Result<()> {
        match std::fs::remove_file(wheel_path(root)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        match std::fs::remove_dir_all(log_dir(root)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Links the log's last unit into its slot when a crash came after the unit was
    /// written and before the slot was updated.
    fn finish_torn_append(&mut self) {
        let Some((pos, unit)) = self.log.last_unit() else {
            return;
        };
        let time = unit.delivery_ms();
        let slot = self.wheel.slot(time);
        if slot.last_pos == unit.prev_pos && slot.last_pos != pos {
            let first = if slot.first_pos < 0 {
                pos
            } else {
                slot.first_pos
            };
            self.wheel
                .put(time, first, pos, slot.num + 1, slot.magic | unit.magic);
        }
    }

    /// Appends a unit for a message due at slot time `slot_ms` and links it as the
    /// slot's last. `cq_offset` is the timer topic ConsumeQueue offset of the message;
    /// it is kept in the unit's reserved field so that a restart knows what the log
    /// already holds.
    #[allow(clippy::too_many_arguments)]
    pub fn append(
        &mut self,
        slot_ms: i64,
        write_ms: i64,
        magic: i32,
        offset_py: i64,
        size_py: i32,
        topic_hash: i32,
        cq_offset: i64,
    ) -> Result<()> {
        let slot = self.wheel.slot(slot_ms);
        let delayed = i32::try_from(slot_ms - write_ms).unwrap_or(i32::MAX);
        let unit = LogUnit {
            prev_pos: slot.last_pos,
            magic,
            write_ms,
            delayed_ms: delayed,
            offset_py,
            size_py,
            topic_hash,
            reserved: cq_offset + 1,
        };
        let pos = self.log.append(&unit)?;
        let first = if slot.first_pos < 0 {
            pos
        } else {
            slot.first_pos
        };
        self.wheel
            .put(slot_ms, first, pos, slot.num + 1, slot.magic | magic);
        Ok(())
    }

    /// The units of the slot of `slot_ms` appended after the unit at `seen_last` (-1:
    /// all of them), newest first, with the slot's current last position. A unit that
    /// cannot be read ends the walk, logged.
    pub fn slot_units_since(&self, slot_ms: i64, seen_last: i64) -> (i64, Vec<LogUnit>) {
        let slot = self.wheel.slot(slot_ms);
        let mut units = Vec::new();
        let mut pos = slot.last_pos;
        while pos >= 0 && pos != seen_last {
            let Some(unit) = self.log.unit_at(pos) else {
                tracing::error!(
                    pos,
                    slot_ms,
                    "timer log unit unreadable; rest of slot skipped"
                );
                break;
            };
            if unit.prev_pos >= pos {
                tracing::error!(
                    pos,
                    slot_ms,
                    "timer log chain does not go back; rest of slot skipped"
                );
                break;
            }
            pos = unit.prev_pos;
            units.push(unit);
        }
        (slot.last_pos.max(seen_last), units)
    }

    /// Deletes the timer log files holding only delivered units: those before the
    /// first unit of every slot from `read_ms` on (a scan of the wheel). Returns how
    /// many files were deleted.
    pub fn delete_delivered_files(&mut self, read_ms: i64) -> Result<usize> {
        let keep_from = self
            .wheel
            .min_first_pos(read_ms)
            .unwrap_or_else(|| self.log.end());
        self.log.delete_files_before(keep_from)
    }

    /// The CQ offset just past the last message the log holds (from the last unit's
    /// reserved field), if the log has units written by CometMQ.
    pub fn logged_queue_offset(&self) -> Option<i64> {
        let (_, unit) = self.log.last_unit()?;
        (unit.reserved > 0).then_some(unit.reserved)
    }

    /// Writes the log and the wheel to disk (blocking). Returns the log position
    /// flushed to.
    pub fn flush(&self) -> Result<i64> {
        self.flush_handle().flush()
    }

    /// What [`TimerStore::flush`] writes, taken under the owner's lock and flushed
    /// after it is released, so appends go on while the disk works.
    pub fn flush_handle(&self) -> FlushHandle {
        FlushHandle {
            segments: self.log.segments(),
            wheel: self.wheel.region(),
            end: self.log.end(),
        }
    }

    /// Saves `checkpoint` to `config/timercheck` (blocking).
    pub fn save_checkpoint(&mut self, checkpoint: TimerCheckpoint) -> Result<()> {
        checkpoint.save(&self.checkpoint_path)?;
        self.checkpoint = checkpoint;
        Ok(())
    }
}
