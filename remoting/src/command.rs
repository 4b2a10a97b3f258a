//! [`RemotingCommand`]: one request or response of RocketMQ's remoting protocol (reference §1).

use std::sync::atomic::{AtomicI32, Ordering};

use crate::code::{response, version, LanguageCode};
use crate::header::{CommandHeader, HeaderError};

pub use crate::protocol::body::Body;

pub use crate::ext_fields::ExtFields;

/// Flag bit 0: this command is a response.
pub const FLAG_RESPONSE: i32 = 1;
/// Flag bit 1: this request expects no response.
pub const FLAG_ONEWAY: i32 = 2;

/// How a header is serialized: the top byte of the frame's second word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SerializeType {
    /// fastjson text (type byte 0); what CometMQ always sends.
    #[default]
    Json,
    /// RocketMQ's compact binary layout (type byte 1).
    RocketMq,
}

impl SerializeType {
    /// The type byte.
    pub fn code(self) -> u8 {
        match self {
            SerializeType::Json => 0,
            SerializeType::RocketMq => 1,
        }
    }
}

/// A request or response: the JSON/binary header fields plus an optional body.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RemotingCommand {
    /// Request code for requests, response code for responses.
    pub code: i32,
    /// The sender's language; we always send JAVA, which every peer understands.
    pub language: LanguageCode,
    /// The sender's MQVersion ordinal.
    pub version: i32,
    /// Correlation id: a response copies its request's.
    pub opaque: i32,
    /// Bit 0 response, bit 1 one-way.
    pub flag: i32,
    /// Human-readable message, mostly on errors.
    pub remark: Option<String>,
    /// The custom header.
    pub ext_fields: ExtFields,
    /// The body; empty means none.
    pub body: Body,
    /// How the header arrived (ignored when encoding: we always answer JSON).
    pub serialize_type: SerializeType,
}

static NEXT_OPAQUE: AtomicI32 = AtomicI32::new(0);

/// A fresh process-wide correlation id.
pub fn next_opaque() -> i32 {
    NEXT_OPAQUE.fetch_add(1, Ordering::Relaxed)
}

impl RemotingCommand {
    /// A new request with a fresh opaque.
    pub fn request(code: i32) -> Self {
        RemotingCommand {
            code,
            version: version::CURRENT,
            opaque: next_opaque(),
            ..Default::default()
        }
    }

    /// A new request carrying a typed custom header.
    pub fn request_with_header<H: CommandHeader>(code: i32, header: &H) -> Self {
        let mut cmd = Self::request(code);
        cmd.ext_fields
            .reserve(H::FIELDS.len(), H::FIELDS.len() * 24);
        header.write_to(&mut cmd.ext_fields);
        cmd
    }

    /// A response with `code` and optional remark; pair it with a request using [`Self::answer`].
    pub fn response(code: i32, remark: impl Into<Option<String>>) -> Self {
        RemotingCommand {
            code,
            version: version::CURRENT,
            flag: FLAG_RESPONSE,
            remark: remark.into(),
            ..Default::default()
        }
    }

    /// A SUCCESS response with no remark.
    pub fn success() -> Self {
        Self::response(response::SUCCESS, None)
    }

    /// The response a server sends when a custom header is missing or malformed.
    pub fn header_error(err: &HeaderError) -> Self {
        Self::response(err.response_code(), Some(err.to_string()))
    }

    /// Makes this command the response to the request with `opaque`.
    pub fn answer(mut self, opaque: i32) -> Self {
        self.opaque = opaque;
        self.flag |= FLAG_RESPONSE;
        self
    }

    /// Sets a typed custom header (adds its fields to `ext_fields`).
    pub fn with_header<H: CommandHeader>(mut self, header: &H) -> Self {
        self.ext_fields
            .reserve(H::FIELDS.len(), H::FIELDS.len() * 24);
        header.write_to(&mut self.ext_fields);
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: impl Into<Body>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets the remark.
    pub fn with_remark(mut self, remark: impl Into<String>) -> Self {
        self.remark = Some(remark.into());
        self
    }

    /// Parses the typed custom header from `ext_fields`.
    pub fn decode_header<H: CommandHeader>(&self) -> Result<H, HeaderError> {
        H::read_from(&self.ext_fields)
    }

    /// One ext field, if present.
    pub fn ext(&self, key: &str) -> Option<&str> {
        self.ext_fields.get(key)
    }

    /// True for responses (flag bit 0).
    pub fn is_response(&self) -> bool {
        self.flag & FLAG_RESPONSE != 0
    }

    /// True for one-way requests (flag bit 1).
    pub fn is_oneway(&self) -> bool {
        self.flag & FLAG_ONEWAY != 0
    }

    /// Marks this request one-way.
    pub fn mark_oneway(&mut self) {
        self.flag |= FLAG_ONEWAY;
    }

    /// Name of the code for logs: request code names for requests, response names for responses.
    pub fn code_name(&self) -> &'static str {
        let name = if self.is_response() {
            response::name(self.code)
        } else {
            crate::code::request::name(self.code)
        };
        name.unwrap_or("UNKNOWN")
    }
}
