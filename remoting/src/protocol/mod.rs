//! The frame layout and header codecs (reference §1.1–§1.3).
//!
//! - [`frame`]: the length-prefixed frame and [`FrameCodec`], the tokio codec.
//! - [`json_header`]: the fastjson header (serializeType 0), what CometMQ always sends.
//! - [`binary_header`]: the ROCKETMQ binary header (serializeType 1), accepted on input.
//! - [`body`]: [`Body`], a command body as zero-copy chunks.

pub mod binary_header;
pub mod body;
pub mod frame;
pub mod json_header;

pub use body::Body;
pub use frame::{
    decode_after_length, decode_frame, encode_head, encode_head_as, FrameCodec, DEFAULT_MAX_FRAME,
    MAX_HEADER_LEN,
};
