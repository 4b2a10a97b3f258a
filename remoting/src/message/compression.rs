//! Message body compression (reference §5.3): zlib streams as Java's `Deflater` /
//! `InflaterInputStream` produce and read them (RFC 1950, not raw deflate), and the two
//! types 5.x clients add (`CompressionType`): LZ4 frames (`LZ4FrameOutputStream`) and
//! Zstandard streams (`ZstdOutputStream`).
//!
//! Producers compress single-message bodies of at least [`COMPRESS_OVER_BYTES`] at level
//! [`DEFAULT_LEVEL`] and set [`sysflag::COMPRESSED`]; the broker stores them as-is and
//! consumers decompress. Decompression is bounded, because a few KiB of zlib can expand
//! to gigabytes.

use std::io::{Read, Write};

use flate2::write::ZlibEncoder;
use flate2::{Compression, Decompress, FlushDecompress, Status};

use super::sysflag;
use super::MessageError;

/// Bodies of at least this many bytes are compressed by producers
/// (`compressMsgBodyOverHowmuch`).
pub const COMPRESS_OVER_BYTES: usize = 4096;
/// Producer default compression level (`compressLevel`, from
/// `rocketmq.message.compressLevel`).
pub const DEFAULT_LEVEL: u32 = 5;
/// A reasonable bound for [`zlib_decompress`] when nothing better is known: 64 MiB, well
/// above the broker's default 4 MiB maximum message size.
pub const DEFAULT_MAX_DECOMPRESSED_LEN: usize = 64 * 1024 * 1024;

/// Compression algorithm named by sysFlag bits 8–10.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompressionType {
    /// zlib: type value 0 (older clients) or 3.
    Zlib,
    /// LZ4 frame format: type value 1.
    Lz4,
    /// Zstandard: type value 2.
    Zstd,
}

impl CompressionType {
    /// The type of a compressed record's sysFlag; fails on values 4–7.
    pub fn from_sys_flag(sys_flag: i32) -> Result<Self, MessageError> {
        match sysflag::compression_type_value(sys_flag) {
            0 | 3 => Ok(CompressionType::Zlib),
            1 => Ok(CompressionType::Lz4),
            2 => Ok(CompressionType::Zstd),
            v => Err(MessageError::UnsupportedCompression(v)),
        }
    }

    /// The type value (1 LZ4, 2 ZSTD, 3 zlib).
    pub const fn value(self) -> i32 {
        match self {
            CompressionType::Lz4 => 1,
            CompressionType::Zstd => 2,
            CompressionType::Zlib => 3,
        }
    }

    /// The sysFlag bits a 5.x producer sets for this type (without
    /// [`sysflag::COMPRESSED`]).
    pub const fn sys_flag_bits(self) -> i32 {
        self.value() << 8
    }
}

impl CompressionType {
    /// Compresses `data` with this type; `level` is zlib's 0–9 or zstd's level (LZ4 has
    /// none, as in Java).
    pub fn compress(self, data: &[u8], level: u32) -> Result<Vec<u8>, MessageError> {
        match self {
            CompressionType::Zlib => zlib_compress(data, level),
            CompressionType::Lz4 => {
                let mut enc =
                    lz4_flex::frame::FrameEncoder::new(Vec::with_capacity(data.len() / 2 + 64));
                enc.write_all(data).map_err(MessageError::Decompress)?;
                enc.finish()
                    .map_err(|e| MessageError::Decompress(std::io::Error::other(e)))
            }
            CompressionType::Zstd => {
                let level = i32::try_from(level).unwrap_or(i32::MAX).min(22);
                zstd::stream::encode_all(data, level).map_err(MessageError::Decompress)
            }
        }
    }

    /// Decompresses `data` compressed with this type, failing with
    /// [`MessageError::TooLarge`] past `max_len` bytes and with
    /// [`MessageError::Decompress`] on a corrupt or truncated input.
    pub fn decompress(self, data: &[u8], max_len: usize) -> Result<Vec<u8>, MessageError> {
        match self {
            CompressionType::Zlib => zlib_decompress(data, max_len),
            CompressionType::Lz4 => read_bounded(
                lz4_flex::frame::FrameDecoder::new(data),
                data.len(),
                max_len,
            ),
            CompressionType::Zstd => {
                let dec = zstd::stream::read::Decoder::with_buffer(data)
                    .map_err(MessageError::Decompress)?;
                read_bounded(dec, data.len(), max_len)
            }
        }
    }
}

/// Reads a decoder to its end, refusing more than `max_len` bytes of output.
fn read_bounded(reader: impl Read, in_len: usize, max_len: usize) -> Result<Vec<u8>, MessageError> {
    let hard_cap = max_len.saturating_add(1);
    let mut out = Vec::with_capacity(in_len.saturating_mul(4).max(64).min(hard_cap));
    reader
        .take(u64::try_from(hard_cap).unwrap_or(u64::MAX))
        .read_to_end(&mut out)
        .map_err(MessageError::Decompress)?;
    if out.len() > max_len {
        return Err(MessageError::TooLarge {
            field: "decompressed body",
            len: out.len(),
            max: max_len,
        });
    }
    Ok(out)
}

/// Compresses `data` as a zlib stream at `level` (0–9; higher values are clamped).
pub fn zlib_compress(data: &[u8], level: u32) -> Result<Vec<u8>, MessageError> {
    let out = Vec::with_capacity(data.len() / 2 + 64);
    let mut enc = ZlibEncoder::new(out, Compression::new(level.min(9)));
    enc.write_all(data).map_err(MessageError::Decompress)?;
    enc.finish().map_err(MessageError::Decompress)
}

/// Decompresses a zlib stream, failing with [`MessageError::TooLarge`] if the output
/// would exceed `max_len` bytes, and with [`MessageError::Decompress`] if the stream is
/// corrupt or truncated. Bytes after the end of the stream are ignored, as in Java.
pub fn zlib_decompress(data: &[u8], max_len: usize) -> Result<Vec<u8>, MessageError> {
    let corrupt = |msg: &str| {
        MessageError::Decompress(std::io::Error::new(std::io::ErrorKind::InvalidData, msg))
    };
    // One byte of slack over `max_len` tells "exactly max_len" from "more".
    let hard_cap = max_len.saturating_add(1);
    let mut out = Vec::with_capacity(data.len().saturating_mul(4).max(64).min(hard_cap));
    let mut z = Decompress::new(true);
    loop {
        if out.len() == out.capacity() {
            if out.len() >= hard_cap {
                return Err(MessageError::TooLarge {
                    field: "decompressed body",
                    len: out.len(),
                    max: max_len,
                });
            }
            let grow = out.capacity().max(64).min(hard_cap - out.len());
            out.reserve_exact(grow);
        }
        let consumed = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
        let input = data.get(consumed..).unwrap_or_default();
        let (in_before, out_before) = (z.total_in(), z.total_out());
        let status = z
            .decompress_vec(input, &mut out, FlushDecompress::None)
            .map_err(|e| MessageError::Decompress(std::io::Error::other(e)))?;
        if status == Status::StreamEnd {
            break;
        }
        let progressed = z.total_in() != in_before || z.total_out() != out_before;
        if !progressed && out.len() < out.capacity() {
            return Err(corrupt("unexpected end of zlib stream"));
        }
    }
    if out.len() > max_len {
        return Err(MessageError::TooLarge {
            field: "decompressed body",
            len: out.len(),
            max: max_len,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let z = zlib_compress(&data, DEFAULT_LEVEL).unwrap();
        assert_eq!(z[0], 0x78, "zlib header, not raw deflate");
        assert!(z.len() < data.len());
        assert_eq!(zlib_decompress(&z, data.len()).unwrap(), data);
        assert_eq!(
            zlib_decompress(&zlib_compress(b"", 5).unwrap(), 0).unwrap(),
            b""
        );
    }

    #[test]
    fn bomb_guard() {
        let data = vec![0u8; 1 << 20];
        let z = zlib_compress(&data, 9).unwrap();
        assert!(z.len() < 2048);
        assert!(matches!(
            zlib_decompress(&z, (1 << 20) - 1),
            Err(MessageError::TooLarge { .. })
        ));
        assert_eq!(zlib_decompress(&z, 1 << 20).unwrap().len(), 1 << 20);
    }

    #[test]
    fn corrupt_and_truncated() {
        let z = zlib_compress(&[7u8; 5000], 5).unwrap();
        assert!(zlib_decompress(&z[..z.len() / 2], 1 << 20).is_err());
        assert!(zlib_decompress(b"not zlib at all", 1 << 20).is_err());
        assert!(zlib_decompress(b"", 1 << 20).is_err());
    }

    #[test]
    fn every_type_round_trips_and_is_bounded() {
        let data: Vec<u8> = (0..20_000u32).map(|i| (i % 97) as u8).collect();
        for ty in [
            CompressionType::Zlib,
            CompressionType::Lz4,
            CompressionType::Zstd,
        ] {
            let c = ty.compress(&data, DEFAULT_LEVEL).unwrap();
            assert!(c.len() < data.len(), "{ty:?}");
            assert_eq!(ty.decompress(&c, data.len()).unwrap(), data, "{ty:?}");
            assert!(
                matches!(
                    ty.decompress(&c, data.len() - 1),
                    Err(MessageError::TooLarge { .. })
                ),
                "{ty:?}"
            );
            assert!(
                ty.decompress(&c[..c.len() / 2], 1 << 20).is_err(),
                "{ty:?} truncated"
            );
            assert!(
                ty.decompress(b"garbage, not compressed", 1 << 20).is_err(),
                "{ty:?}"
            );
            let empty = ty.compress(b"", DEFAULT_LEVEL).unwrap();
            assert_eq!(ty.decompress(&empty, 0).unwrap(), b"", "{ty:?}");
        }
        // Magic numbers of the formats Java's compressors write.
        let lz4 = CompressionType::Lz4.compress(b"x", 0).unwrap();
        assert_eq!(lz4[..4], [0x04, 0x22, 0x4d, 0x18]);
        let zstd = CompressionType::Zstd.compress(b"x", 5).unwrap();
        assert_eq!(zstd[..4], [0x28, 0xb5, 0x2f, 0xfd]);
    }

    #[test]
    fn types() {
        assert_eq!(
            CompressionType::from_sys_flag(1).unwrap(),
            CompressionType::Zlib
        );
        assert_eq!(
            CompressionType::from_sys_flag(0x301).unwrap(),
            CompressionType::Zlib
        );
        assert_eq!(
            CompressionType::from_sys_flag(0x101).unwrap(),
            CompressionType::Lz4
        );
        assert!(CompressionType::from_sys_flag(0x401).is_err());
        assert_eq!(
            CompressionType::Zstd.sys_flag_bits(),
            sysflag::COMPRESSION_ZSTD_TYPE
        );
    }
}
