//! `timerwheel`: Java's `TimerWheel`, one mapped file of `slotsTotal × 2` slots of 32
//! bytes, big-endian: slot time / precision (8), first log position (8), last log
//! position (8), unit count (4), magic bits (4). Slot `i` holds time `t` when
//! `t / precision % (slotsTotal × 2) == i`; a slot whose stored time differs is empty.

use std::path::Path;
use std::sync::Arc;

use crate::error::{IoContext, Result, StoreError};
use crate::mmap::{Region, RegionWriter};

/// Bytes of one slot (Java `Slot.SIZE`).
pub const SLOT_SIZE: usize = 32;

/// One slot of the wheel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// The slot's time (ms), or -1 when empty.
    pub time_ms: i64,
    /// Log position of the slot's first unit, or -1.
    pub first_pos: i64,
    /// Log position of the slot's last unit (the chain's head), or -1.
    pub last_pos: i64,
    /// Units in the slot.
    pub num: i32,
    /// The OR of the units' magic.
    pub magic: i32,
}

impl Slot {
    /// No unit (Java `new Slot(-1, -1, -1)`).
    pub const EMPTY: Slot = Slot {
        time_ms: -1,
        first_pos: -1,
        last_pos: -1,
        num: 0,
        magic: 0,
    };
}

/// The mapped wheel. Nothing is ever published: the owner reads and writes any slot
/// through the region's writer.
#[derive(Debug)]
pub struct TimerWheel {
    region: Arc<Region>,
    writer: RegionWriter,
    slots: i64,
    precision_ms: i64,
}

impl TimerWheel {
    /// Opens or creates the wheel file of `slots_total × 2` slots. A file of another
    /// size is corrupt (Java: "Timer wheel length … != expected").
    pub fn open(path: &Path, slots_total: i64, precision_ms: i64) -> Result<TimerWheel> {
        let slots = slots_total * 2;
        let len = usize::try_from(slots).unwrap_or(0) * SLOT_SIZE;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.len() != 0 && meta.len() != len as u64 {
                return Err(StoreError::Corrupt {
                    path: path.to_path_buf(),
                    reason: format!("timer wheel length {} != expected {len}", meta.len()),
                });
            }
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).at(dir)?;
        }
        let (region, writer) = Region::open(path, len).at(path)?;
        Ok(TimerWheel {
            region,
            writer,
            slots,
            precision_ms: precision_ms.max(1),
        })
    }

    fn index(&self, time_ms: i64) -> usize {
        usize::try_from((time_ms / self.precision_ms).rem_euclid(self.slots)).unwrap_or(0)
            * SLOT_SIZE
    }

    /// The slot of `time_ms`; [`Slot::EMPTY`] when it holds another round's time.
    pub fn slot(&self, time_ms: i64) -> Slot {
        let Some(b) = self.writer.peek(self.index(time_ms), SLOT_SIZE) else {
            return Slot::EMPTY;
        };
        let long = |i: usize| i64::from_be_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
        let int = |i: usize| i32::from_be_bytes(b[i..i + 4].try_into().unwrap_or([0; 4]));
        if long(0) != time_ms / self.precision_ms {
            return Slot::EMPTY;
        }
        // A never-written slot reads as time 0 with positions 0: only slot time 0.
        if long(0) == 0 && int(24) == 0 {
            return Slot::EMPTY;
        }
        Slot {
            time_ms: long(0) * self.precision_ms,
            first_pos: long(8),
            last_pos: long(16),
            num: int(24),
            magic: int(28),
        }
    }

    /// Writes the slot of `time_ms`.
    pub fn put(&mut self, time_ms: i64, first_pos: i64, last_pos: i64, num: i32, magic: i32) {
        let mut b = [0u8; SLOT_SIZE];
        b[0..8].copy_from_slice(&(time_ms / self.precision_ms).to_be_bytes());
        b[8..16].copy_from_slice(&first_pos.to_be_bytes());
        b[16..24].copy_from_slice(&last_pos.to_be_bytes());
        b[24..28].copy_from_slice(&num.to_be_bytes());
        b[28..32].copy_from_slice(&magic.to_be_bytes());
        let at = self.index(time_ms);
        if let Err(e) = self.writer.write(at, &b) {
            tracing::error!(error = %e, "timer wheel write failed");
        }
    }

    /// Units in the slots of one round from `from_ms` on (Java `getAllNum`).
    pub fn count_from(&self, from_ms: i64) -> i64 {
        let start = from_ms / self.precision_ms * self.precision_ms;
        (0..self.slots)
            .map(|i| self.slot(start + i * self.precision_ms).num.max(0) as i64)
            .sum()
    }

    /// The lowest first position of the slots of one round from `from_ms` on, if any
    /// holds units.
    pub fn min_first_pos(&self, from_ms: i64) -> Option<i64> {
        let start = from_ms / self.precision_ms * self.precision_ms;
        (0..self.slots)
            .map(|i| self.slot(start + i * self.precision_ms))
            .filter(|s| s.num > 0 && s.first_pos >= 0)
            .map(|s| s.first_pos)
            .min()
    }

    /// Writes the wheel to disk (blocking).
    pub fn flush(&self) -> Result<()> {
        flush_region(&self.region)
    }

    /// The mapping, to flush without holding the wheel's owner.
    pub(crate) fn region(&self) -> Arc<Region> {
        Arc::clone(&self.region)
    }
}

/// Writes a wheel mapping to disk (blocking).
pub(crate) fn flush_region(region: &Region) -> Result<()> {
    region.flush(0, region.len()).at("timerwheel")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_round_trip_and_rounds_differ() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timerwheel");
        let mut w = TimerWheel::open(&path, 10, 1000).unwrap();
        assert_eq!(w.slot(5_000), Slot::EMPTY);
        w.put(5_000, 52, 104, 2, 1);
        let s = w.slot(5_400);
        assert_eq!(
            (s.time_ms, s.first_pos, s.last_pos, s.num),
            (5_000, 52, 104, 2)
        );
        // The same index one round (20 slots) later is another time: empty.
        assert_eq!(w.slot(25_000), Slot::EMPTY);
        assert_eq!(w.count_from(0), 2);
        w.flush().unwrap();
        drop(w);
        let again = TimerWheel::open(&path, 10, 1000).unwrap();
        assert_eq!(again.slot(5_000).num, 2);
        assert!(TimerWheel::open(&path, 11, 1000).is_err());
    }
}
