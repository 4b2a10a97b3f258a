//! The batch body of SEND_BATCH_MESSAGE (reference §5.6, Java
//! `MessageDecoder.encodeMessages` / `decodeMessages`).
//!
//! Each message is `TOTALSIZE i32 | MAGICCODE i32 (0) | BODYCRC i32 (0) | FLAG i32 |
//! BODYLEN i32 | BODY | PROPLEN i16 | PROPERTIES`, concatenated. Topic, queue and
//! batch-level properties travel in the request header.

use bytes::{BufMut, Bytes, BytesMut};

use super::cursor::Cursor;
use super::properties::Properties;
use super::MessageError;

/// Fixed bytes of a batch entry: TOTALSIZE, MAGICCODE, BODYCRC, FLAG, BODYLEN, PROPLEN.
pub const ENTRY_OVERHEAD: usize = 4 + 4 + 4 + 4 + 4 + 2;

/// One message of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchEntry {
    /// User flag.
    pub flag: i32,
    /// Body; when decoded, a zero-copy slice of the batch body.
    pub body: Bytes,
    /// The message's own properties (`UNIQ_KEY`, `TAGS`, `KEYS`, ...).
    pub properties: Properties,
}

/// One message of a batch as it arrived: its properties still encoded, so a sender can
/// store them without parsing (the broker's send path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBatchEntry {
    /// User flag.
    pub flag: i32,
    /// Body, a zero-copy slice of the batch body.
    pub body: Bytes,
    /// The encoded properties string, a zero-copy slice of the batch body.
    pub properties: Bytes,
}

impl RawBatchEntry {
    /// Parses the properties: the entry as [`decode_batch`] yields it.
    pub fn parse(self) -> Result<BatchEntry, MessageError> {
        Ok(BatchEntry {
            flag: self.flag,
            body: self.body,
            properties: Properties::parse(&self.properties)?,
        })
    }
}

impl BatchEntry {
    /// Size of this entry once encoded.
    pub fn encoded_len(&self) -> usize {
        batch_entry_len(self.body.len(), self.properties.encoded_len())
    }
}

/// Size of an encoded batch entry with this body and properties length.
pub const fn batch_entry_len(body_len: usize, properties_len: usize) -> usize {
    ENTRY_OVERHEAD
        .saturating_add(body_len)
        .saturating_add(properties_len)
}

/// Appends one batch entry to `dst`; returns the bytes written.
///
/// MAGICCODE and BODYCRC are written as 0, as Java clients do. Fails if the properties
/// exceed 32767 bytes (signed length) or the entry exceeds `i32::MAX`.
pub fn encode_batch_message(
    dst: &mut BytesMut,
    flag: i32,
    body: &[u8],
    properties: &Properties,
) -> Result<usize, MessageError> {
    let props_len = properties.encoded_len();
    if props_len > i16::MAX as usize {
        return Err(MessageError::TooLarge {
            field: "properties",
            len: props_len,
            max: i16::MAX as usize,
        });
    }
    let len = batch_entry_len(body.len(), props_len);
    if len > i32::MAX as usize {
        return Err(MessageError::TooLarge {
            field: "batch entry",
            len,
            max: i32::MAX as usize,
        });
    }
    dst.reserve(len);
    dst.put_i32(len as i32);
    dst.put_i32(0);
    dst.put_i32(0);
    dst.put_i32(flag);
    dst.put_i32(body.len() as i32);
    dst.put_slice(body);
    dst.put_i16(props_len as i16);
    properties.encode_into(dst);
    Ok(len)
}

/// Encodes `entries` as a batch body.
pub fn encode_batch(entries: &[BatchEntry]) -> Result<Bytes, MessageError> {
    let total = entries
        .iter()
        .fold(0usize, |acc, e| acc.saturating_add(e.encoded_len()));
    let mut dst = BytesMut::with_capacity(total);
    for e in entries {
        encode_batch_message(&mut dst, e.flag, &e.body, &e.properties)?;
    }
    Ok(dst.freeze())
}

/// Iterates over the messages of a batch body; bodies are slices of `buf`.
///
/// A malformed entry (truncated, negative length, or TOTALSIZE that disagrees with the
/// field lengths) yields one `Err` and ends the iteration.
pub fn decode_batch(buf: Bytes) -> BatchIter {
    BatchIter {
        buf,
        pos: 0,
        done: false,
    }
}

/// Iterator returned by [`decode_batch`].
#[derive(Debug, Clone)]
pub struct BatchIter {
    buf: Bytes,
    pos: usize,
    done: bool,
}

impl BatchIter {
    /// Offset in the buffer of the next entry.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The remaining entries with their properties left encoded.
    pub fn raw(self) -> RawBatchIter {
        RawBatchIter(self)
    }

    /// Decodes the entry at `self.pos`; returns it and its length.
    fn decode_one(&self) -> Result<(RawBatchEntry, usize), MessageError> {
        let input = self.buf.get(self.pos..).unwrap_or_default();
        let mut c = Cursor::new(input);
        let total_size = c.i32("TOTALSIZE")?;
        let _magic = c.i32("MAGICCODE")?;
        let _crc = c.i32("BODYCRC")?;
        let flag = c.i32("FLAG")?;
        let body_len = c.i32("BODYLENGTH")?;
        let body_len = usize::try_from(body_len).map_err(|_| MessageError::BadLength {
            field: "BODYLENGTH",
            len: i64::from(body_len),
        })?;
        let body = c.take(body_len, "BODY")?;
        let body = self.buf.slice_ref(body);
        let props_len = c.i16("PROPERTIESLENGTH")?;
        let props_len = usize::try_from(props_len).map_err(|_| MessageError::BadLength {
            field: "PROPERTIESLENGTH",
            len: i64::from(props_len),
        })?;
        let properties = self.buf.slice_ref(c.take(props_len, "PROPERTIES")?);
        if usize::try_from(total_size).ok() != Some(c.pos()) {
            return Err(MessageError::SizeMismatch {
                declared: total_size,
                actual: c.pos(),
            });
        }
        Ok((
            RawBatchEntry {
                flag,
                body,
                properties,
            },
            c.pos(),
        ))
    }
}

impl Iterator for BatchIter {
    type Item = Result<BatchEntry, MessageError>;

    fn next(&mut self) -> Option<Self::Item> {
        let raw = self.next_raw()?;
        let entry = raw.and_then(RawBatchEntry::parse);
        if entry.is_err() {
            self.done = true;
        }
        Some(entry)
    }
}

impl std::iter::FusedIterator for BatchIter {}

/// Iterator returned by [`BatchIter::raw`]: entries with their properties unparsed.
#[derive(Debug, Clone)]
pub struct RawBatchIter(BatchIter);

impl Iterator for RawBatchIter {
    type Item = Result<RawBatchEntry, MessageError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next_raw()
    }
}

impl std::iter::FusedIterator for RawBatchIter {}

impl BatchIter {
    fn next_raw(&mut self) -> Option<Result<RawBatchEntry, MessageError>> {
        if self.done || self.pos >= self.buf.len() {
            return None;
        }
        match self.decode_one() {
            Ok((entry, len)) => {
                self.pos += len;
                Some(Ok(entry))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
