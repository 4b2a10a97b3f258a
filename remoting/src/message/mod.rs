//! Stored-record layout, properties, batches and message ids (reference §5).
//!
//! Everything here is a pure byte codec, byte-compatible with Apache RocketMQ's
//! `MessageDecoder`, `MessageClientIDSetter`, `MessageSysFlag` and `MessageConst`:
//! - [`record`]: the CommitLog record, which is also the wire format of pull, query and
//!   view-by-id response bodies (§5.1, §5.2, §5.8).
//! - [`batch`]: the SEND_BATCH_MESSAGE request body (§5.6).
//! - [`properties`]: the `name\u{1}value\u{2}` properties string (§5.4) and
//!   [`property`]: the well-known property keys (§5.5).
//! - [`sysflag`]: message and pull sysFlag bits (§5.3).
//! - [`msg_id`] and [`uniq_key`]: broker-assigned offset ids and client-assigned
//!   `UNIQ_KEY`s (§5.7).
//! - [`compression`]: zlib bodies, with a bound against decompression bombs.
//! - [`tags`]: Java's `String.hashCode`, the ConsumeQueue tags code.
//!
//! Decoders accept arbitrary bytes from the network or disk: they return
//! [`MessageError`] and never panic. Bodies are zero-copy [`bytes::Bytes`] slices of the
//! input buffer.

pub mod batch;
pub mod compression;
mod cursor;
pub mod msg_id;
pub mod properties;
pub mod property;
pub mod record;
pub mod sysflag;
pub mod tags;
pub mod uniq_key;

pub use batch::{
    decode_batch, encode_batch, encode_batch_message, BatchEntry, BatchIter, RawBatchEntry,
    RawBatchIter,
};
pub use compression::{zlib_compress, zlib_decompress, CompressionType};
pub use msg_id::{create_offset_msg_id, parse_offset_msg_id, write_offset_msg_id, MessageId};
pub use properties::{Properties, PropertiesView};
pub use record::{
    decode_record, decode_records, encode_record, record_len, DecodeOptions, MessageExt,
    MessageVersion, RecordIter, RecordParts,
};
pub use tags::{java_string_hash, tags_code};
pub use uniq_key::{create_uniq_key, parse_uniq_key, UniqKeyGenerator, UniqKeyInfo};

/// What can go wrong encoding or decoding a message structure.
///
/// Decoding errors carry enough context (the field and the sizes) to diagnose a garbled
/// CommitLog or a malformed peer without dumping the bytes.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    /// The input ended inside `field`: it needed `need` more bytes but only `have` were left.
    #[error("truncated {field}: need {need} bytes, have {have}")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Bytes the field needs.
        need: usize,
        /// Bytes left in the input.
        have: usize,
    },
    /// The MAGICCODE is neither v1, v2 nor the BLANK filler.
    #[error("bad magic code {0:#010x}")]
    BadMagic(i32),
    /// The record is the end-of-file BLANK filler (§5.2), not a message; `total_size` is
    /// the number of bytes left in the CommitLog file.
    #[error("end-of-file BLANK filler of {total_size} bytes")]
    Blank {
        /// The filler's TOTALSIZE.
        total_size: i32,
    },
    /// A length field is negative or out of range.
    #[error("bad length {len} for {field}")]
    BadLength {
        /// The length field.
        field: &'static str,
        /// The value read.
        len: i64,
    },
    /// TOTALSIZE disagrees with the sum of the field lengths.
    #[error("declared size {declared} but the fields take {actual} bytes")]
    SizeMismatch {
        /// The TOTALSIZE read.
        declared: i32,
        /// The bytes the fields actually occupy.
        actual: usize,
    },
    /// A host's port is outside 0..=65535.
    #[error("bad port {0}")]
    BadPort(i32),
    /// A text field is not valid UTF-8.
    #[error("{field} is not valid UTF-8")]
    Utf8 {
        /// The field.
        field: &'static str,
    },
    /// The stored BODYCRC does not match the body.
    #[error("body CRC mismatch: stored {stored}, computed {computed}")]
    BodyCrcMismatch {
        /// BODYCRC as stored.
        stored: i32,
        /// CRC computed over the body.
        computed: i32,
    },
    /// zlib (de)compression failed (corrupt or truncated stream).
    #[error("zlib error: {0}")]
    Decompress(#[source] std::io::Error),
    /// The sysFlag names a compression type CometMQ cannot decode (LZ4, ZSTD or unknown).
    #[error("unsupported compression type {0}")]
    UnsupportedCompression(i32),
    /// A value is too large for its field (encoding), or output exceeds a limit.
    #[error("{field} of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// The field or output.
        field: &'static str,
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A message id or UNIQ_KEY has the wrong number of hex digits.
    #[error("bad id length {0}")]
    BadIdLength(usize),
    /// A message id or UNIQ_KEY contains a non-hex character.
    #[error("id is not hexadecimal")]
    BadHex,
    /// A record's sysFlag says IPv4 (or IPv6) but the address given is of the other family.
    #[error("{field} address family does not match the sysFlag")]
    HostFamily {
        /// `born_host` or `store_host`.
        field: &'static str,
    },
}
