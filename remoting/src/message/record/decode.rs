//! Decoding stored records into [`StoredRecord`] (Java `MessageDecoder.decode` /
//! `decodes`): the fields as [`RecordParts::parse`] reads them, the topic copied, the properties
//! parsed, the body a zero-copy slice.

use bytes::Bytes;

use super::layout;
use super::{RecordParts, StoredRecord};
use crate::message::properties::Properties;
use crate::message::MessageError;

/// How much of a record to decode and check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Keep the body (a zero-copy slice). When false, `body` is empty; the bytes are
    /// still bounds-checked.
    pub read_body: bool,
    /// Check BODYCRC against the body and fail with [`MessageError::BodyCrcMismatch`].
    pub verify_crc: bool,
}

impl DecodeOptions {
    /// Read the body, skip the CRC check: what clients do with pull responses.
    pub const DEFAULT: DecodeOptions = DecodeOptions {
        read_body: true,
        verify_crc: false,
    };
    /// Read the body and check its CRC: what the store does when recovering a CommitLog.
    pub const VERIFY: DecodeOptions = DecodeOptions {
        read_body: true,
        verify_crc: true,
    };
    /// Headers, topic and properties only (dispatch, index building).
    pub const SKIP_BODY: DecodeOptions = DecodeOptions {
        read_body: false,
        verify_crc: false,
    };
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions::DEFAULT
    }
}

/// Decodes the record at the start of `buf`. Bytes after the record are ignored.
///
/// The body of the result shares `buf`'s memory; only the topic and the properties are
/// allocated. Fails with [`MessageError::Blank`] on the end-of-file filler.
pub fn decode_record(buf: &Bytes, opts: DecodeOptions) -> Result<StoredRecord, MessageError> {
    decode_at(buf, 0, opts).map(|(msg, _)| msg)
}

/// Iterates over back-to-back records (a PULL / QUERY_MESSAGE response body).
///
/// Bodies are slices of `buf`. A garbled or truncated record yields one `Err` and ends
/// the iteration.
pub fn decode_records(buf: Bytes) -> RecordIter {
    RecordIter {
        buf,
        pos: 0,
        opts: DecodeOptions::DEFAULT,
        done: false,
    }
}

/// Iterator returned by [`decode_records`].
#[derive(Debug, Clone)]
pub struct RecordIter {
    buf: Bytes,
    pos: usize,
    opts: DecodeOptions,
    done: bool,
}

impl RecordIter {
    /// Uses `opts` for every record.
    pub fn with_options(mut self, opts: DecodeOptions) -> Self {
        self.opts = opts;
        self
    }

    /// Offset in the buffer of the next record (after an error: of the bad record).
    pub fn position(&self) -> usize {
        self.pos
    }
}

impl Iterator for RecordIter {
    type Item = Result<StoredRecord, MessageError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.pos >= self.buf.len() {
            return None;
        }
        match decode_at(&self.buf, self.pos, self.opts) {
            Ok((msg, len)) => {
                self.pos += len;
                Some(Ok(msg))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl std::iter::FusedIterator for RecordIter {}

/// Decodes the record at `buf[start..]`; returns it and its length.
fn decode_at(
    buf: &Bytes,
    start: usize,
    opts: DecodeOptions,
) -> Result<(StoredRecord, usize), MessageError> {
    let input = buf.get(start..).unwrap_or_default();
    let parts = RecordParts::parse(input)?;
    let body_crc = parts.body_crc.unwrap_or_default();
    if opts.verify_crc {
        let computed = layout::body_crc(parts.body);
        if computed != body_crc {
            return Err(MessageError::BodyCrcMismatch {
                stored: body_crc,
                computed,
            });
        }
    }
    let body = if opts.read_body {
        buf.slice_ref(parts.body)
    } else {
        Bytes::new()
    };
    let total = parts.encoded_len();
    let msg = StoredRecord {
        store_size: i32::try_from(total).unwrap_or(i32::MAX),
        version: parts.version(),
        body_crc,
        queue_id: parts.queue_id,
        flag: parts.flag,
        queue_offset: parts.queue_offset,
        commit_log_offset: parts.physical_offset,
        sys_flag: parts.sys_flag,
        born_timestamp: parts.born_timestamp,
        born_host: parts.born_host,
        store_timestamp: parts.store_timestamp,
        store_host: parts.store_host,
        reconsume_times: parts.reconsume_times,
        prepared_transaction_offset: parts.prepared_transaction_offset,
        body,
        topic: parts.topic.to_owned(),
        properties: Properties::parse(parts.properties)?,
    };
    Ok((msg, total))
}
