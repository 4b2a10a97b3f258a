//! The HA wire format (reference §10). Both directions are raw TCP, big-endian:
//!
//! - slave → master: an 8-byte offset, the slave's CommitLog max offset (a report). The
//!   master reads whole 8-byte units and keeps the last one.
//! - master → slave: frames of `phyOffset i64 | bodySize i32 | bodySize bytes` of raw
//!   CommitLog starting at `phyOffset`; a frame with `bodySize = 0` is a heartbeat.
//!
//! Pure functions over buffers, no I/O. Public so that the fuzz targets (`fuzz/`) can
//! drive them; the master and slave tasks are their only other users.

use bytes::{Buf, Bytes, BytesMut};

/// Length of a frame header.
pub const HEADER_LEN: usize = 12;

/// Length of a slave report.
pub const REPORT_LEN: usize = 8;

/// Largest frame body a slave accepts. Masters send at most `haTransferBatchSize`
/// (32 KiB by default); anything near this is a corrupt stream, not a big batch.
pub const MAX_FRAME_BODY: usize = 64 * 1024 * 1024;

/// One master → slave frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// CommitLog offset of the first body byte.
    pub phys_offset: i64,
    /// Raw CommitLog bytes (empty for a heartbeat).
    pub body: Bytes,
}

/// A stream that cannot be a valid HA stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// A frame header with a negative or absurd body size.
    #[error("bad HA frame body size {0}")]
    BadBodySize(i32),
    /// A negative offset.
    #[error("bad HA offset {0}")]
    BadOffset(i64),
    /// A slave reports an offset beyond the master's log end.
    #[error(
        "the slave reports offset {offset}, beyond this master's log end {end}: \
         it is not replicating this master (or its log diverged)"
    )]
    BeyondLogEnd {
        /// The offset reported.
        offset: i64,
        /// The master's CommitLog end.
        end: i64,
    },
}

/// The 12-byte header of a frame.
pub fn encode_header(phys_offset: i64, body_len: usize) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(&phys_offset.to_be_bytes());
    let len = i32::try_from(body_len).unwrap_or(i32::MAX);
    h[8..].copy_from_slice(&len.to_be_bytes());
    h
}

/// Takes every complete frame off the front of `buf` (leaving a partial one in place).
/// Bodies are zero-copy splits of the buffer.
pub fn take_frames(buf: &mut BytesMut) -> Result<Vec<Frame>, ProtocolError> {
    let mut frames = Vec::new();
    while let Some(mut head) = buf.get(..HEADER_LEN) {
        let phys_offset = head.get_i64();
        let size = head.get_i32();
        if phys_offset < 0 {
            return Err(ProtocolError::BadOffset(phys_offset));
        }
        let len = usize::try_from(size)
            .ok()
            .filter(|l| *l <= MAX_FRAME_BODY)
            .ok_or(ProtocolError::BadBodySize(size))?;
        // The frame's end must be an offset too (a slave adds the body length to it).
        if phys_offset.checked_add(i64::from(size)).is_none() {
            return Err(ProtocolError::BadOffset(phys_offset));
        }
        if buf.len() < HEADER_LEN + len {
            // Make room for the rest of this frame in one go.
            buf.reserve(HEADER_LEN + len - buf.len());
            break;
        }
        buf.advance(HEADER_LEN);
        let body = buf.split_to(len).freeze();
        frames.push(Frame { phys_offset, body });
    }
    Ok(frames)
}

/// An 8-byte report.
pub fn encode_report(offset: i64) -> [u8; REPORT_LEN] {
    offset.to_be_bytes()
}

/// Checks a slave's report against the master's log end `end`: a slave can only hold bytes
/// this master wrote, so a negative offset or one beyond `end` (a slave of another master
/// left pointing at a reused address, or a diverged log) is refused. Counting it would
/// acknowledge SYNC_MASTER sends that no slave holds.
pub fn check_report(offset: i64, end: i64) -> Result<i64, ProtocolError> {
    if offset < 0 {
        return Err(ProtocolError::BadOffset(offset));
    }
    if offset > end {
        return Err(ProtocolError::BeyondLogEnd { offset, end });
    }
    Ok(offset)
}

/// Accumulates report bytes; keeps the last whole 8-byte value.
#[derive(Debug, Default)]
pub struct ReportReader {
    partial: [u8; REPORT_LEN],
    have: usize,
}

impl ReportReader {
    /// Feeds bytes read from the slave; returns the last complete report among them, if
    /// any.
    pub fn feed(&mut self, mut data: &[u8]) -> Option<i64> {
        let mut last = None;
        while !data.is_empty() {
            let n = (REPORT_LEN - self.have).min(data.len());
            let (head, rest) = data.split_at(n);
            self.partial[self.have..self.have + n].copy_from_slice(head);
            self.have += n;
            data = rest;
            if self.have == REPORT_LEN {
                last = Some(i64::from_be_bytes(self.partial));
                self.have = 0;
            }
        }
        last
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn frames_split_across_reads() {
        let mut wire = BytesMut::new();
        wire.extend_from_slice(&encode_header(4096, 3));
        wire.extend_from_slice(b"abc");
        wire.extend_from_slice(&encode_header(4099, 0));
        wire.extend_from_slice(&encode_header(4099, 2));
        wire.extend_from_slice(b"de");
        let all = wire.freeze();
        // Feed byte by byte: frames come out whole, in order.
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for b in all.iter() {
            buf.extend_from_slice(&[*b]);
            got.extend(take_frames(&mut buf).unwrap());
        }
        assert!(buf.is_empty());
        let want = vec![
            Frame {
                phys_offset: 4096,
                body: Bytes::from_static(b"abc"),
            },
            Frame {
                phys_offset: 4099,
                body: Bytes::new(),
            },
            Frame {
                phys_offset: 4099,
                body: Bytes::from_static(b"de"),
            },
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn bad_headers_are_errors() {
        let mut buf = BytesMut::from(&encode_header(0, 0)[..8]);
        buf.extend_from_slice(&(-1i32).to_be_bytes());
        assert_eq!(take_frames(&mut buf), Err(ProtocolError::BadBodySize(-1)));
        let mut buf = BytesMut::from(&(-5i64).to_be_bytes()[..]);
        buf.extend_from_slice(&0i32.to_be_bytes());
        assert_eq!(take_frames(&mut buf), Err(ProtocolError::BadOffset(-5)));
    }

    #[test]
    fn reports_keep_the_last_whole_value() {
        let mut r = ReportReader::default();
        let mut wire = Vec::new();
        wire.extend_from_slice(&encode_report(7));
        wire.extend_from_slice(&encode_report(1 << 40));
        wire.extend_from_slice(&encode_report(99)[..3]);
        assert_eq!(r.feed(&wire[..5]), None);
        assert_eq!(r.feed(&wire[5..]), Some(1 << 40));
        assert_eq!(r.feed(&encode_report(99)[3..]), Some(99));
        assert_eq!(r.feed(&[]), None);
    }
}
