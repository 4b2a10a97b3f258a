//! `config/timercheck`: Java's `TimerCheckpoint`, one 4 KiB page, big-endian longs:
//! last read (delivered-up-to) slot time, timer log flush position, timer topic
//! ConsumeQueue offset enqueued up to, the master's offset (read from the master), and
//! the data version (state version, timestamp, counter). The first 56 bytes are also
//! GET_TIMER_CHECK_POINT's body (Java `TimerCheckpoint.encode`).

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::error::{IoContext, Result};

/// Bytes of the file (Java maps one OS page).
const FILE_SIZE: usize = 4096;
/// Bytes of the encoded values.
pub const ENCODED_SIZE: usize = 56;

/// The values of the checkpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimerCheckpoint {
    /// Slots before this time are delivered.
    pub last_read_time_ms: i64,
    /// The timer log is on disk up to here.
    pub last_timer_log_flush_pos: i64,
    /// The timer topic's ConsumeQueue is enqueued up to (excluding) this offset.
    pub last_timer_queue_offset: i64,
    /// The master's enqueue offset (a slave's view; the master writes its own).
    pub master_timer_queue_offset: i64,
    /// Data version: state version.
    pub state_version: i64,
    /// Data version: timestamp.
    pub timestamp: i64,
    /// Data version: counter.
    pub counter: i64,
}

impl TimerCheckpoint {
    /// The 56-byte encoding.
    pub fn encode(&self) -> [u8; ENCODED_SIZE] {
        let mut b = [0u8; ENCODED_SIZE];
        let fields = [
            self.last_read_time_ms,
            self.last_timer_log_flush_pos,
            self.last_timer_queue_offset,
            self.master_timer_queue_offset,
            self.state_version,
            self.timestamp,
            self.counter,
        ];
        for (i, v) in fields.iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&v.to_be_bytes());
        }
        b
    }

    /// Decodes the first four longs and, when present, the data version.
    pub fn decode(b: &[u8]) -> TimerCheckpoint {
        let long = |i: usize| {
            b.get(i * 8..i * 8 + 8)
                .and_then(|s| s.try_into().ok())
                .map_or(0, i64::from_be_bytes)
        };
        TimerCheckpoint {
            last_read_time_ms: long(0),
            last_timer_log_flush_pos: long(1),
            last_timer_queue_offset: long(2),
            master_timer_queue_offset: long(3),
            state_version: long(4),
            timestamp: long(5),
            counter: long(6),
        }
    }

    /// Reads `path`; all zero when absent.
    pub fn load(path: &Path) -> Result<TimerCheckpoint> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(TimerCheckpoint::decode(&bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TimerCheckpoint::default()),
            Err(e) => Err(e).at(path),
        }
    }

    /// Writes the page in place and syncs it.
    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).at(dir)?;
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .at(path)?;
        if file.metadata().at(path)?.len() < FILE_SIZE as u64 {
            file.set_len(FILE_SIZE as u64).at(path)?;
        }
        file.write_all_at(&self.encode(), 0).at(path)?;
        file.sync_data().at(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_layout_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config/timercheck");
        assert_eq!(
            TimerCheckpoint::load(&path).unwrap(),
            TimerCheckpoint::default()
        );
        let cp = TimerCheckpoint {
            last_read_time_ms: 1_700_000_000_000,
            last_timer_log_flush_pos: 520,
            last_timer_queue_offset: 10,
            counter: 3,
            ..Default::default()
        };
        cp.save(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 4096);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[16..24], &10i64.to_be_bytes());
        assert_eq!(TimerCheckpoint::load(&path).unwrap(), cp);
    }
}
