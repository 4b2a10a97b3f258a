//! The ROCKETMQ binary header (serializeType 1, reference §1.3).
//!
//! ```text
//! code:i16 | language:u8 | version:i16 | opaque:i32 | flag:i32 |
//! remarkLen:i32 | remark | extLen:i32 | { keyLen:i16 | key | valLen:i32 | val }*
//! ```
//! All integers big-endian. A zero-length remark, key or value is Java's `null`.
//! Every length is checked against the bytes actually present before anything is read or
//! allocated, so hostile input yields [`RemotingError::Malformed`], never a panic.

use bytes::{BufMut, BytesMut};

use crate::code::LanguageCode;
use crate::command::{ExtFields, RemotingCommand};
use crate::error::RemotingError;
use crate::ext_fields::MAX_DECODED_FIELDS;

/// Size of the fixed fields before the remark: code, language, version, opaque, flag.
pub const FIXED_LEN: usize = 2 + 1 + 2 + 4 + 4;

/// Appends the binary header of `cmd` to `dst` (no frame words, no body).
///
/// Entries are written with keys sorted for determinism. An empty remark or value is written
/// with length 0, which decodes as absent; an empty key is skipped. Fails (writing nothing)
/// when `code` or `version` does not fit in an `i16`, a key is longer than 32767 bytes, or a
/// length does not fit in an `i32`.
pub fn encode(cmd: &RemotingCommand, dst: &mut BytesMut) -> Result<(), RemotingError> {
    let code = i16::try_from(cmd.code).map_err(|_| {
        RemotingError::Malformed(format!(
            "code {} does not fit the binary header's i16",
            cmd.code
        ))
    })?;
    let version = i16::try_from(cmd.version).map_err(|_| {
        RemotingError::Malformed(format!(
            "version {} does not fit the binary header's i16",
            cmd.version
        ))
    })?;
    let remark = cmd.remark.as_deref().unwrap_or("");
    let remark_len = len_i32(remark.len(), "remark")?;

    let mut entries: Vec<(&str, &str)> = cmd
        .ext_fields
        .iter()
        .filter(|(k, _)| !k.is_empty())
        .collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut ext_len: usize = 0;
    for (k, v) in &entries {
        if i16::try_from(k.len()).is_err() {
            return Err(RemotingError::Malformed(format!(
                "ext key of {} bytes does not fit the binary header's i16 length",
                k.len()
            )));
        }
        ext_len = ext_len.saturating_add(2 + k.len() + 4 + v.len());
    }
    let ext_len_i32 = len_i32(ext_len, "extFields")?;

    dst.reserve(FIXED_LEN + 8 + remark.len() + ext_len);
    dst.put_i16(code);
    dst.put_u8(cmd.language.code());
    dst.put_i16(version);
    dst.put_i32(cmd.opaque);
    dst.put_i32(cmd.flag);
    dst.put_i32(remark_len);
    dst.put_slice(remark.as_bytes());
    dst.put_i32(ext_len_i32);
    for (k, v) in entries {
        // Both lengths were checked above (each is at most ext_len, which fits an i32).
        dst.put_i16(k.len() as i16);
        dst.put_slice(k.as_bytes());
        dst.put_i32(v.len() as i32);
        dst.put_slice(v.as_bytes());
    }
    Ok(())
}

fn len_i32(len: usize, what: &str) -> Result<i32, RemotingError> {
    i32::try_from(len)
        .map_err(|_| RemotingError::Malformed(format!("{what} of {len} bytes is too long")))
}

/// Parses a binary header into a command (body empty, serialize type ROCKETMQ).
///
/// Bytes after the ext section are ignored, as Java does.
pub fn decode(header: &[u8]) -> Result<RemotingCommand, RemotingError> {
    let mut r = Reader { buf: header };
    let code = r.i16("code")?;
    let language = LanguageCode::from_code(r.u8("language")?);
    let version = r.i16("version")?;
    let opaque = r.i32("opaque")?;
    let flag = r.i32("flag")?;

    let remark_len = r.len_i32("remark length")?;
    let remark = if remark_len == 0 {
        None
    } else {
        Some(utf8(r.take(remark_len, "remark")?, "remark")?)
    };

    let ext_len = r.len_i32("extFields length")?;
    let ext = decode_ext(r.take(ext_len, "extFields")?)?;

    Ok(RemotingCommand {
        code: i32::from(code),
        language,
        version: i32::from(version),
        opaque,
        flag,
        remark,
        ext_fields: ext,
        serialize_type: crate::command::SerializeType::RocketMq,
        ..Default::default()
    })
}

/// Parses the entries of the ext section, which must be consumed exactly.
fn decode_ext(section: &[u8]) -> Result<ExtFields, RemotingError> {
    let mut ext = ExtFields::with_text_capacity(16, section.len());
    let mut r = Reader { buf: section };
    let mut entries = 0usize;
    while !r.buf.is_empty() {
        entries += 1;
        if entries > MAX_DECODED_FIELDS {
            return Err(RemotingError::Malformed(format!(
                "binary header has more than {MAX_DECODED_FIELDS} extFields entries"
            )));
        }
        let key_len = r.i16("ext key length")?;
        let key_len = usize::try_from(key_len).map_err(|_| {
            RemotingError::Malformed(format!(
                "negative ext key length {key_len} in binary header"
            ))
        })?;
        let key = r.take(key_len, "ext key")?;
        let val_len = r.len_i32("ext value length")?;
        let val = r.take(val_len, "ext value")?;
        // Zero-length key or value is Java's null: the entry is skipped.
        if key.is_empty() {
            continue;
        }
        let key = utf8_str(key, "ext key")?;
        if val.is_empty() {
            // A later null overrides an earlier value (last wins).
            ext.remove(key);
        } else {
            ext.set(key, utf8_str(val, "ext value")?);
        }
    }
    Ok(ext)
}

fn utf8(bytes: &[u8], what: &str) -> Result<String, RemotingError> {
    utf8_str(bytes, what).map(str::to_owned)
}

fn utf8_str<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str, RemotingError> {
    std::str::from_utf8(bytes).map_err(|e| {
        RemotingError::Malformed(format!("binary header {what} is not valid UTF-8: {e}"))
    })
}

/// A bounds-checked big-endian reader over a slice.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], RemotingError> {
        if n > self.buf.len() {
            return Err(RemotingError::Malformed(format!(
                "binary header {what} needs {n} bytes but only {} remain",
                self.buf.len()
            )));
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], RemotingError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn u8(&mut self, what: &str) -> Result<u8, RemotingError> {
        Ok(self.array::<1>(what)?[0])
    }

    fn i16(&mut self, what: &str) -> Result<i16, RemotingError> {
        Ok(i16::from_be_bytes(self.array(what)?))
    }

    fn i32(&mut self, what: &str) -> Result<i32, RemotingError> {
        Ok(i32::from_be_bytes(self.array(what)?))
    }

    /// An `i32` length that must not be negative.
    fn len_i32(&mut self, what: &str) -> Result<usize, RemotingError> {
        let v = self.i32(what)?;
        usize::try_from(v)
            .map_err(|_| RemotingError::Malformed(format!("negative {what} {v} in binary header")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(out: &mut Vec<u8>, k: &[u8], v: &[u8]) {
        out.extend_from_slice(&(k.len() as i16).to_be_bytes());
        out.extend_from_slice(k);
        out.extend_from_slice(&(v.len() as i32).to_be_bytes());
        out.extend_from_slice(v);
    }

    fn header(remark: &[u8], ext: &[u8]) -> Vec<u8> {
        let mut h = vec![0, 11, 9, 1, 223, 0, 0, 0, 5, 0, 0, 0, 1];
        h.extend_from_slice(&(remark.len() as i32).to_be_bytes());
        h.extend_from_slice(remark);
        h.extend_from_slice(&(ext.len() as i32).to_be_bytes());
        h.extend_from_slice(ext);
        h
    }

    #[test]
    fn decodes_fields_nulls_and_duplicates() {
        let mut ext = Vec::new();
        entry(&mut ext, b"a", b"1");
        entry(&mut ext, b"a", b"2");
        entry(&mut ext, b"", b"x");
        entry(&mut ext, b"b", b"");
        entry(&mut ext, b"c", b"3");
        entry(&mut ext, b"c", b"");
        let cmd = decode(&header("é".as_bytes(), &ext)).unwrap();
        assert_eq!(
            (cmd.code, cmd.version, cmd.opaque, cmd.flag),
            (11, 479, 5, 1)
        );
        assert_eq!(cmd.language, LanguageCode::Go);
        assert_eq!(cmd.remark.as_deref(), Some("é"));
        assert_eq!(cmd.ext_fields.len(), 1);
        assert_eq!(&cmd.ext_fields["a"], "2");
    }

    #[test]
    fn too_many_ext_fields_is_an_error() {
        let fields = |n: usize| {
            let mut ext = Vec::new();
            for i in 0..n {
                entry(&mut ext, format!("k{}", i % 100).as_bytes(), b"v"); // repeats count
            }
            header(b"", &ext)
        };
        // 128 entries of 100 distinct keys.
        assert_eq!(
            decode(&fields(MAX_DECODED_FIELDS))
                .unwrap()
                .ext_fields
                .len(),
            100
        );
        let err = decode(&fields(MAX_DECODED_FIELDS + 1))
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than 128 extFields entries"), "{err}");
    }

    #[test]
    fn rejects_bad_lengths() {
        let good = header(b"", &[]);
        assert!(decode(&good).is_ok());
        for n in 0..good.len() {
            assert!(decode(&good[..n]).is_err(), "truncated at {n}");
        }
        // Negative remark length.
        let mut h = good.clone();
        h[13..17].copy_from_slice(&(-1i32).to_be_bytes());
        assert!(decode(&h).is_err());
        // Huge ext length with no bytes behind it.
        let mut h = good.clone();
        h[17..21].copy_from_slice(&i32::MAX.to_be_bytes());
        assert!(decode(&h).is_err());
        // Negative key length.
        let mut ext = Vec::new();
        ext.extend_from_slice(&(-2i16).to_be_bytes());
        assert!(decode(&header(b"", &ext)).is_err());
        // Entry running past the ext section (but not past the buffer).
        let mut ext = Vec::new();
        entry(&mut ext, b"k", b"vv");
        let mut h = header(b"", &ext[..ext.len() - 1]);
        h.push(b'v');
        assert!(decode(&h).is_err());
        // Invalid UTF-8 value.
        let mut ext = Vec::new();
        entry(&mut ext, b"k", b"\xff");
        assert!(decode(&header(b"", &ext)).is_err());
    }

    #[test]
    fn encode_round_trip_and_limits() {
        let mut cmd = RemotingCommand::request(11).with_remark("r");
        cmd.ext_fields.insert("k".into(), "v".into());
        cmd.serialize_type = crate::command::SerializeType::RocketMq;
        let mut b = BytesMut::new();
        encode(&cmd, &mut b).unwrap();
        assert_eq!(decode(&b).unwrap(), cmd);

        let mut b = BytesMut::new();
        assert!(encode(&RemotingCommand::request(200050), &mut b).is_err());
        let mut big = RemotingCommand::request(1);
        big.ext_fields.insert("k".repeat(40000), "v".into());
        assert!(encode(&big, &mut b).is_err());
        assert!(b.is_empty());
    }
}
