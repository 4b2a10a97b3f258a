//! Decoding stored records (Java `MessageDecoder.decode` / `decodes`).
//!
//! Stricter than Java where Java would silently misread: TOTALSIZE must equal the sum of
//! the field lengths, and negative lengths are errors. Lenient where harmless: a v1
//! topic length is read unsigned (Java's signed byte would fail above 127).

use bytes::Bytes;

use super::layout::{body_crc, BLANK_MAGIC, MIN_RECORD_LEN};
use super::{MessageExt, MessageVersion};
use crate::message::cursor::{utf8, Cursor};
use crate::message::properties::Properties;
use crate::message::sysflag::{self, BORNHOST_V6, STOREHOST_V6};
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
pub fn decode_record(buf: &Bytes, opts: DecodeOptions) -> Result<MessageExt, MessageError> {
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
    type Item = Result<MessageExt, MessageError>;

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
) -> Result<(MessageExt, usize), MessageError> {
    let input = buf.get(start..).unwrap_or_default();
    let mut head = Cursor::new(input);
    let store_size = head.i32("TOTALSIZE")?;
    let magic = head.i32("MAGICCODE")?;
    let version = match MessageVersion::from_magic(magic) {
        Some(v) => v,
        None if magic == BLANK_MAGIC => {
            return Err(MessageError::Blank {
                total_size: store_size,
            })
        }
        None => return Err(MessageError::BadMagic(magic)),
    };
    let total = usize::try_from(store_size)
        .ok()
        .filter(|&t| t >= MIN_RECORD_LEN)
        .ok_or(MessageError::BadLength {
            field: "TOTALSIZE",
            len: i64::from(store_size),
        })?;
    let record = input.get(..total).ok_or(MessageError::Truncated {
        field: "record",
        need: total,
        have: input.len(),
    })?;

    let mut c = Cursor::new(record);
    c.take(8, "TOTALSIZE")?;
    let body_crc_stored = c.i32("BODYCRC")?;
    let queue_id = c.i32("QUEUEID")?;
    let flag = c.i32("FLAG")?;
    let queue_offset = c.i64("QUEUEOFFSET")?;
    let commit_log_offset = c.i64("PHYSICALOFFSET")?;
    let sys_flag = c.i32("SYSFLAG")?;
    let born_timestamp = c.i64("BORNTIMESTAMP")?;
    let born_host = c.host(sysflag::check(sys_flag, BORNHOST_V6), "BORNHOST")?;
    let store_timestamp = c.i64("STORETIMESTAMP")?;
    let store_host = c.host(sysflag::check(sys_flag, STOREHOST_V6), "STOREHOSTADDRESS")?;
    let reconsume_times = c.i32("RECONSUMETIMES")?;
    let prepared_transaction_offset = c.i64("PREPAREDTRANSACTIONOFFSET")?;

    let body_len = c.i32("BODYLENGTH")?;
    let body_len = usize::try_from(body_len).map_err(|_| MessageError::BadLength {
        field: "BODYLENGTH",
        len: i64::from(body_len),
    })?;
    let body = c.take(body_len, "BODY")?;
    if opts.verify_crc {
        let computed = body_crc(body);
        if computed != body_crc_stored {
            return Err(MessageError::BodyCrcMismatch {
                stored: body_crc_stored,
                computed,
            });
        }
    }
    let body = if opts.read_body {
        buf.slice_ref(body)
    } else {
        Bytes::new()
    };

    let topic_len = match version {
        MessageVersion::V1 => usize::from(c.u8("TOPICLENGTH")?),
        MessageVersion::V2 => {
            let len = c.i16("TOPICLENGTH")?;
            usize::try_from(len).map_err(|_| MessageError::BadLength {
                field: "TOPICLENGTH",
                len: i64::from(len),
            })?
        }
    };
    let topic = utf8(c.take(topic_len, "TOPIC")?, "topic")?.to_owned();

    let props_len = c.i16("PROPERTIESLENGTH")?;
    let props_len = usize::try_from(props_len).map_err(|_| MessageError::BadLength {
        field: "PROPERTIESLENGTH",
        len: i64::from(props_len),
    })?;
    let properties = Properties::parse(c.take(props_len, "PROPERTIES")?)?;

    if c.pos() != total {
        return Err(MessageError::SizeMismatch {
            declared: store_size,
            actual: c.pos(),
        });
    }
    let msg = MessageExt {
        store_size,
        version,
        body_crc: body_crc_stored,
        queue_id,
        flag,
        queue_offset,
        commit_log_offset,
        sys_flag,
        born_timestamp,
        born_host,
        store_timestamp,
        store_host,
        reconsume_times,
        prepared_transaction_offset,
        body,
        topic,
        properties,
    };
    Ok((msg, total))
}
