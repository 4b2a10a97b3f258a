//! A bounds-checked big-endian reader over a byte slice.
//!
//! `bytes::Buf`'s `get_*` methods panic on short input; every decoder in this module
//! reads untrusted bytes, so they go through [`Cursor`], whose reads return
//! [`MessageError::Truncated`] instead.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::MessageError;

/// A read position in a byte slice; every read is checked.
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// Starts reading at the beginning of `buf`.
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Cursor { buf, pos: 0 }
    }

    /// Bytes consumed so far.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// Takes the next `n` bytes.
    pub(crate) fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], MessageError> {
        let truncated = MessageError::Truncated {
            field,
            need: n,
            have: self.remaining(),
        };
        let end = self.pos.checked_add(n).ok_or(truncated)?;
        match self.buf.get(self.pos..end) {
            Some(s) => {
                self.pos = end;
                Ok(s)
            }
            None => Err(MessageError::Truncated {
                field,
                need: n,
                have: self.remaining(),
            }),
        }
    }

    /// Takes the next `N` bytes as an array.
    pub(crate) fn array<const N: usize>(
        &mut self,
        field: &'static str,
    ) -> Result<[u8; N], MessageError> {
        let s = self.take(N, field)?;
        <[u8; N]>::try_from(s).map_err(|_| MessageError::Truncated {
            field,
            need: N,
            have: s.len(),
        })
    }

    /// Reads an unsigned byte.
    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, MessageError> {
        Ok(self.array::<1>(field)?[0])
    }

    /// Reads a big-endian `i16`.
    pub(crate) fn i16(&mut self, field: &'static str) -> Result<i16, MessageError> {
        Ok(i16::from_be_bytes(self.array(field)?))
    }

    /// Reads a big-endian `i32`.
    pub(crate) fn i32(&mut self, field: &'static str) -> Result<i32, MessageError> {
        Ok(i32::from_be_bytes(self.array(field)?))
    }

    /// Reads a big-endian `i64`.
    pub(crate) fn i64(&mut self, field: &'static str) -> Result<i64, MessageError> {
        Ok(i64::from_be_bytes(self.array(field)?))
    }

    /// Reads a host as Java writes an `InetSocketAddress`: 4 or 16 address bytes, then the
    /// port as an `i32`.
    pub(crate) fn host(
        &mut self,
        v6: bool,
        field: &'static str,
    ) -> Result<SocketAddr, MessageError> {
        let ip = if v6 {
            IpAddr::V6(Ipv6Addr::from(self.array::<16>(field)?))
        } else {
            IpAddr::V4(Ipv4Addr::from(self.array::<4>(field)?))
        };
        let port = self.i32(field)?;
        let port = u16::try_from(port).map_err(|_| MessageError::BadPort(port))?;
        Ok(SocketAddr::new(ip, port))
    }
}

/// Reads a length-checked UTF-8 string field.
pub(crate) fn utf8<'b>(bytes: &'b [u8], field: &'static str) -> Result<&'b str, MessageError> {
    std::str::from_utf8(bytes).map_err(|_| MessageError::Utf8 { field })
}
