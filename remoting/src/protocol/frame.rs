//! The remoting frame (reference §1.1) and [`FrameCodec`], its tokio codec.
//!
//! ```text
//! length:i32 BE | typeAndHeaderLen:i32 BE | header | body
//! length           = 4 + headerLen + bodyLen (excludes itself)
//! typeAndHeaderLen = serializeType << 24 | headerLen & 0xFFFFFF
//! ```

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::command::{RemotingCommand, SerializeType};
use crate::error::RemotingError;
use crate::protocol::body::Body;
use crate::protocol::{binary_header, json_header};

/// Default limit on a frame's `length` word: 16 MiB, as Java's `frameMaxLength`.
pub const DEFAULT_MAX_FRAME: usize = 16 * 1024 * 1024;

/// Largest header the 24-bit header length can express.
pub const MAX_HEADER_LEN: usize = 0x00FF_FFFF;

/// Size of the length word.
const LEN_WORD: usize = 4;

/// Decodes frames into [`RemotingCommand`]s and encodes commands with JSON headers.
///
/// Decoded bodies are zero-copy slices of the read buffer. A frame whose `length` word is
/// negative, below 4 or over the limit is rejected as soon as the word arrives, before any of
/// its bytes are buffered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameCodec {
    max_frame: usize,
}

impl FrameCodec {
    /// A codec accepting frames whose `length` word is at most `max_frame`.
    pub fn new(max_frame: usize) -> Self {
        FrameCodec { max_frame }
    }

    /// The configured limit on the `length` word.
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }
}

impl Default for FrameCodec {
    fn default() -> Self {
        FrameCodec::new(DEFAULT_MAX_FRAME)
    }
}

/// Frames of the current size a connection's read buffer makes room for when it grows.
const READ_AHEAD_FRAMES: usize = 8;
/// At most this much read-ahead room (a frame larger than this gets exactly its size).
const READ_AHEAD_MAX_BYTES: usize = 1 << 20;

impl Decoder for FrameCodec {
    type Item = RemotingCommand;
    type Error = RemotingError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<RemotingCommand>, RemotingError> {
        let Some(word) = src.get(..LEN_WORD) else {
            return Ok(None);
        };
        let mut len_bytes = [0u8; LEN_WORD];
        len_bytes.copy_from_slice(word);
        let len = check_length(i32::from_be_bytes(len_bytes), self.max_frame)?;
        let total = LEN_WORD + len;
        if src.len() < total {
            if src.capacity() < total {
                // Frames split off this buffer share its allocation until they are
                // handled, so growing it copies the partial frame. Room for several more
                // frames of this size makes that copy once per several large frames
                // (batches) instead of once per frame. Bounded by max_frame + 4, checked.
                let ahead = total
                    .saturating_mul(READ_AHEAD_FRAMES)
                    .min(READ_AHEAD_MAX_BYTES)
                    .min(self.max_frame + LEN_WORD)
                    .max(total);
                src.reserve(ahead - src.len());
            }
            return Ok(None);
        }
        // The frame leaves the buffer even if its header turns out to be bad.
        let mut frame = src.split_to(total).freeze();
        frame.advance(LEN_WORD);
        decode_after_length(frame).map(Some)
    }
}

/// Validates a `length` word: not negative, at least 4 (room for the type word), at most `max`.
fn check_length(len: i32, max: usize) -> Result<usize, RemotingError> {
    let Ok(len) = usize::try_from(len) else {
        return Err(RemotingError::Malformed(format!(
            "negative frame length {len}"
        )));
    };
    if len > max {
        return Err(RemotingError::FrameTooLarge { len, max });
    }
    if len < LEN_WORD {
        return Err(RemotingError::Malformed(format!(
            "frame length {len} is too small for the header length word"
        )));
    }
    Ok(len)
}

/// Decodes a whole frame starting with its length word, which must match `buf`'s length
/// exactly. No size limit is applied: the bytes are already in memory.
pub fn decode_frame(mut buf: Bytes) -> Result<RemotingCommand, RemotingError> {
    if buf.len() < LEN_WORD {
        return Err(RemotingError::Malformed(format!(
            "frame of {} bytes has no length word",
            buf.len()
        )));
    }
    let declared = buf.get_i32();
    let len = check_length(declared, usize::MAX)?;
    if len != buf.len() {
        return Err(RemotingError::Malformed(format!(
            "frame length word says {len} bytes but {} follow it",
            buf.len()
        )));
    }
    decode_after_length(buf)
}

/// Decodes the part of a frame after the length word: type word, header, body.
///
/// The body is a zero-copy slice of `frame` ([`Body::Empty`] when there is none).
pub fn decode_after_length(mut frame: Bytes) -> Result<RemotingCommand, RemotingError> {
    if frame.len() < 4 {
        return Err(RemotingError::Malformed(format!(
            "frame of {} bytes has no header length word",
            frame.len()
        )));
    }
    let word = frame.get_u32();
    let ty = (word >> 24) as u8;
    let header_len = (word as usize) & MAX_HEADER_LEN;
    if header_len > frame.len() {
        return Err(RemotingError::Malformed(format!(
            "header length {header_len} exceeds the {} bytes left in the frame",
            frame.len()
        )));
    }
    let header = frame.split_to(header_len);
    let (mut cmd, serialize_type) = match ty {
        0 => (json_header::decode(&header)?, SerializeType::Json),
        1 => (binary_header::decode(&header)?, SerializeType::RocketMq),
        n => {
            return Err(RemotingError::Malformed(format!(
                "unknown serialize type {n}"
            )));
        }
    };
    cmd.serialize_type = serialize_type;
    cmd.body = Body::from(frame);
    Ok(cmd)
}

/// Writes the length word, the type word (JSON) and the JSON header of `cmd`, but not its
/// body: the caller writes `cmd.body.chunks()` after it (e.g. with a vectored write).
///
/// The length word counts the body (`cmd.body.len()`). Fails, leaving `dst` unchanged, when
/// the header exceeds [`MAX_HEADER_LEN`] or the frame's length does not fit an `i32`.
pub fn encode_head(cmd: &RemotingCommand, dst: &mut BytesMut) -> Result<(), RemotingError> {
    encode_head_as(cmd, SerializeType::Json, dst)
}

/// [`encode_head`] with a chosen header serialization (ROCKETMQ binary is for tests and
/// clients that want it; servers answer JSON).
pub fn encode_head_as(
    cmd: &RemotingCommand,
    serialize_type: SerializeType,
    dst: &mut BytesMut,
) -> Result<(), RemotingError> {
    let start = dst.len();
    dst.put_u64(0); // length and type words, filled in below
    let written = match serialize_type {
        SerializeType::Json => {
            json_header::encode(cmd, dst);
            Ok(())
        }
        SerializeType::RocketMq => binary_header::encode(cmd, dst),
    };
    let header_len = dst.len() - start - 8;
    let result = written.and_then(|()| frame_words(header_len, cmd.body.len(), serialize_type));
    match result {
        Ok((length, type_word)) => {
            let words = (u64::from(length) << 32) | u64::from(type_word);
            if let Some(slot) = dst.get_mut(start..start + 8) {
                slot.copy_from_slice(&words.to_be_bytes());
            }
            Ok(())
        }
        Err(e) => {
            dst.truncate(start);
            Err(e)
        }
    }
}

/// The length word and type word for a header and body of the given sizes.
fn frame_words(
    header_len: usize,
    body_len: usize,
    serialize_type: SerializeType,
) -> Result<(u32, u32), RemotingError> {
    if header_len > MAX_HEADER_LEN {
        return Err(RemotingError::Malformed(format!(
            "header of {header_len} bytes exceeds the 24-bit limit of {MAX_HEADER_LEN}"
        )));
    }
    let length = 4usize
        .checked_add(header_len)
        .and_then(|n| n.checked_add(body_len))
        .filter(|&n| n <= i32::MAX as usize)
        .ok_or_else(|| RemotingError::FrameTooLarge {
            len: 4usize.saturating_add(header_len).saturating_add(body_len),
            max: i32::MAX as usize,
        })?;
    let type_word = (u32::from(serialize_type.code()) << 24) | header_len as u32;
    Ok((length as u32, type_word))
}

impl Encoder<&RemotingCommand> for FrameCodec {
    type Error = RemotingError;

    /// Writes the head and copies the body (convenient; the transport avoids the copy by
    /// using [`encode_head`] and writing the body chunks itself).
    fn encode(&mut self, cmd: &RemotingCommand, dst: &mut BytesMut) -> Result<(), RemotingError> {
        encode_head(cmd, dst)?;
        dst.reserve(cmd.body.len());
        for chunk in cmd.body.chunks() {
            dst.extend_from_slice(chunk);
        }
        Ok(())
    }
}

impl Encoder<RemotingCommand> for FrameCodec {
    type Error = RemotingError;

    fn encode(&mut self, cmd: RemotingCommand, dst: &mut BytesMut) -> Result<(), RemotingError> {
        <Self as Encoder<&RemotingCommand>>::encode(self, &cmd, dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(ty: u8, header: &[u8], body: &[u8]) -> Vec<u8> {
        let mut v = ((4 + header.len() + body.len()) as i32)
            .to_be_bytes()
            .to_vec();
        v.extend_from_slice(&((u32::from(ty) << 24) | header.len() as u32).to_be_bytes());
        v.extend_from_slice(header);
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn waits_for_whole_frame_then_slices_body() {
        let bytes = frame(0, br#"{"code":1,"opaque":2}"#, b"body");
        let mut codec = FrameCodec::default();
        let mut buf = BytesMut::new();
        for (i, b) in bytes.iter().enumerate() {
            assert!(codec.decode(&mut buf).unwrap().is_none(), "at {i}");
            buf.put_u8(*b);
        }
        let cmd = codec.decode(&mut buf).unwrap().unwrap();
        assert_eq!((cmd.code, cmd.opaque), (1, 2));
        assert_eq!(cmd.body.to_bytes(), &b"body"[..]);
        assert!(buf.is_empty());
        assert!(codec.decode(&mut buf).unwrap().is_none());
    }

    #[test]
    fn rejects_lengths_without_buffering() {
        let mut codec = FrameCodec::new(100);
        for (len, too_large) in [
            (101, true),
            (i32::MAX, true),
            (-1, false),
            (3, false),
            (0, false),
        ] {
            let mut buf = BytesMut::from(&len.to_be_bytes()[..]);
            let err = codec.decode(&mut buf).unwrap_err();
            assert_eq!(
                matches!(err, RemotingError::FrameTooLarge { .. }),
                too_large,
                "{len}"
            );
            assert!(buf.capacity() < 64);
        }
        // Exactly at the limit is fine.
        let mut buf = BytesMut::from(&100i32.to_be_bytes()[..]);
        assert!(codec.decode(&mut buf).unwrap().is_none());
    }

    #[test]
    fn bad_header_consumes_its_frame() {
        let mut bytes = frame(5, b"{}", b"");
        bytes.extend(frame(0, br#"{"code":3,"opaque":4}"#, b""));
        let mut buf = BytesMut::from(&bytes[..]);
        let mut codec = FrameCodec::default();
        let err = codec.decode(&mut buf).unwrap_err().to_string();
        assert!(err.contains("unknown serialize type 5"), "{err}");
        assert_eq!(codec.decode(&mut buf).unwrap().unwrap().code, 3);
    }

    #[test]
    fn head_and_encoder_agree() {
        let cmd = RemotingCommand::request(5).with_body(Body::from(vec![
            Bytes::from_static(b"ab"),
            Bytes::from_static(b"c"),
        ]));
        let mut head = BytesMut::new();
        encode_head(&cmd, &mut head).unwrap();
        let mut whole = BytesMut::from(&b"prefix"[..]);
        FrameCodec::default().encode(&cmd, &mut whole).unwrap();
        assert_eq!(&whole[6..6 + head.len()], &head[..]);
        assert_eq!(&whole[6 + head.len()..], b"abc");
        let back = decode_frame(whole.freeze().slice(6..)).unwrap();
        assert_eq!(back, cmd);
    }

    #[test]
    fn encode_limits() {
        assert!(frame_words(MAX_HEADER_LEN + 1, 0, SerializeType::Json).is_err());
        assert!(frame_words(10, i32::MAX as usize, SerializeType::Json).is_err());
        let (len, ty) = frame_words(10, 5, SerializeType::RocketMq).unwrap();
        assert_eq!((len, ty), (19, 0x0100_000a));
        let mut cmd = RemotingCommand::request(1);
        cmd.remark = Some("x".repeat(MAX_HEADER_LEN));
        let mut dst = BytesMut::from(&b"keep"[..]);
        assert!(encode_head(&cmd, &mut dst).is_err());
        assert_eq!(&dst[..], b"keep");
    }

    #[test]
    fn decode_frame_checks_length_word() {
        let mut bytes = frame(0, br#"{"code":1,"opaque":2}"#, b"");
        assert!(decode_frame(Bytes::from(bytes.clone())).is_ok());
        bytes.push(0);
        assert!(decode_frame(Bytes::from(bytes)).is_err());
        assert!(decode_frame(Bytes::from_static(b"\0\0")).is_err());
        assert!(decode_after_length(Bytes::from_static(b"\0\0")).is_err());
    }
}
