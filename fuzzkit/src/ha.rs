//! The HA stream (reference §10): master → slave transfer frames and slave → master
//! offset reports. Classic RocketMQ HA has no separate handshake: a slave's first report
//! is it, and the master starts streaming from there.

use bytes::BytesMut;
use cometmq_store::ha::protocol::{check_report, take_frames, ReportReader, REPORT_LEN};

/// How many bytes the next read delivers, from a step byte (1..=64, so frames arrive in
/// pieces as they do from a socket).
fn pieces(data: &[u8]) -> (usize, &[u8]) {
    match data.split_first() {
        Some((step, rest)) => (usize::from(*step % 64) + 1, rest),
        None => (1, data),
    }
}

/// A slave reading transfer frames: bytes arrive in pieces, whole frames are taken off
/// the buffer, and each frame must continue the log where the last one ended.
pub fn transfer(data: &[u8]) {
    let (step, stream) = pieces(data);
    let mut buf = BytesMut::new();
    let mut end: Option<i64> = None;
    let mut taken = 0usize;
    for chunk in stream.chunks(step) {
        buf.extend_from_slice(chunk);
        let Ok(frames) = take_frames(&mut buf) else {
            return;
        };
        for f in frames {
            taken += 12 + f.body.len();
            if end.is_some_and(|e| e != f.phys_offset) {
                return; // the slave closes the connection on a gap
            }
            let Ok(len) = i64::try_from(f.body.len()) else {
                panic!("a frame body larger than i64");
            };
            match f.phys_offset.checked_add(len) {
                Some(e) => end = Some(e),
                None => panic!("a frame's end overflows: {} + {len}", f.phys_offset),
            }
        }
    }
    assert!(
        taken <= stream.len(),
        "frames took more bytes than were sent"
    );
}

/// A master reading a slave's reports: the first 8 bytes are the master's log end, the
/// rest arrives in pieces; every whole report is checked against the end.
pub fn report(data: &[u8]) {
    let (step, rest) = pieces(data);
    let Some((end, stream)) = rest.split_first_chunk::<REPORT_LEN>() else {
        return;
    };
    let end = i64::from_be_bytes(*end);
    let mut reader = ReportReader::default();
    for chunk in stream.chunks(step) {
        if let Some(offset) = reader.feed(chunk) {
            if let Ok(ok) = check_report(offset, end) {
                assert!((0..=end).contains(&ok), "a report outside 0..=end passed");
            }
        }
    }
}
