//! Offset message ids (reference §5.7, Java `MessageDecoder.createMessageId` /
//! `decodeMessageId`).
//!
//! The broker-assigned id (`SendResult.offsetMsgId`, a stored message's `msgId`) encodes
//! where the message lives: store host address, port (`i32`) and CommitLog offset
//! (`i64`), big-endian, as uppercase hex. 16 bytes (32 hex digits) for IPv4, 28 bytes
//! (56 digits) for IPv6. VIEW_MESSAGE_BY_ID parses it back to find the broker and offset.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::MessageError;

/// Hex length of an IPv4 offset id.
pub const MSG_ID_LEN_V4: usize = 32;
/// Hex length of an IPv6 offset id.
pub const MSG_ID_LEN_V6: usize = 56;

/// A parsed offset message id (Java `MessageId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageId {
    /// The broker that stored the message.
    pub address: SocketAddr,
    /// The message's CommitLog offset on that broker.
    pub offset: i64,
}

impl std::fmt::Display for MessageId {
    /// Formats as the uppercase hex id.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&create_offset_msg_id(self.address, self.offset))
    }
}

impl std::str::FromStr for MessageId {
    type Err = MessageError;

    /// Parses the hex id (see [`parse_offset_msg_id`]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_offset_msg_id(s)
    }
}

/// The offset message id of the message at CommitLog `offset` on `store_host`.
pub fn create_offset_msg_id(store_host: SocketAddr, offset: i64) -> String {
    let mut out = String::with_capacity(MSG_ID_LEN_V6);
    write_offset_msg_id(&mut out, store_host, offset);
    out
}

/// Appends the offset message id of [`create_offset_msg_id`] to `out` (the send path writes
/// it straight into the response header).
pub fn write_offset_msg_id(out: &mut String, store_host: SocketAddr, offset: i64) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut raw = [0u8; MSG_ID_LEN_V6 / 2];
    let ip_len = match store_host.ip() {
        IpAddr::V4(ip) => {
            raw[..4].copy_from_slice(&ip.octets());
            4
        }
        IpAddr::V6(ip) => {
            raw[..16].copy_from_slice(&ip.octets());
            16
        }
    };
    raw[ip_len..ip_len + 4].copy_from_slice(&i32::from(store_host.port()).to_be_bytes());
    raw[ip_len + 4..ip_len + 12].copy_from_slice(&offset.to_be_bytes());
    for b in &raw[..ip_len + 12] {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
}

/// Parses an offset message id; hex digits may be either case.
///
/// Fails with [`MessageError::BadIdLength`] unless it has 32 or 56 digits,
/// [`MessageError::BadHex`] on a non-hex digit, [`MessageError::BadPort`] if the port is
/// outside 0..=65535.
pub fn parse_offset_msg_id(id: &str) -> Result<MessageId, MessageError> {
    let mut raw = [0u8; MSG_ID_LEN_V6 / 2];
    let ip_len = match id.len() {
        MSG_ID_LEN_V4 => 4,
        MSG_ID_LEN_V6 => 16,
        n => return Err(MessageError::BadIdLength(n)),
    };
    let raw = raw
        .get_mut(..ip_len + 12)
        .ok_or(MessageError::BadIdLength(id.len()))?;
    hex::decode_to_slice(id, raw).map_err(|_| MessageError::BadHex)?;
    let (ip_bytes, rest) = raw.split_at(ip_len);
    let (port, offset) = rest.split_at(4);
    let ip = if let Ok(v4) = <[u8; 4]>::try_from(ip_bytes) {
        IpAddr::V4(Ipv4Addr::from(v4))
    } else {
        let v6 = <[u8; 16]>::try_from(ip_bytes).map_err(|_| MessageError::BadHex)?;
        IpAddr::V6(Ipv6Addr::from(v6))
    };
    let port = <[u8; 4]>::try_from(port).map_err(|_| MessageError::BadHex)?;
    let port = i32::from_be_bytes(port);
    let port = u16::try_from(port).map_err(|_| MessageError::BadPort(port))?;
    let offset = <[u8; 8]>::try_from(offset).map_err(|_| MessageError::BadHex)?;
    Ok(MessageId {
        address: SocketAddr::new(ip, port),
        offset: i64::from_be_bytes(offset),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v6_roundtrip_and_errors() {
        let addr: SocketAddr = "[fe80::1]:10911".parse().unwrap();
        let id = create_offset_msg_id(addr, -5);
        assert_eq!(id.len(), MSG_ID_LEN_V6);
        let parsed: MessageId = id.parse().unwrap();
        assert_eq!(
            parsed,
            MessageId {
                address: addr,
                offset: -5
            }
        );
        assert_eq!(parsed.to_string(), id);
        assert!(matches!(
            parse_offset_msg_id("00"),
            Err(MessageError::BadIdLength(2))
        ));
        assert!(matches!(
            parse_offset_msg_id("0A00000100002A9F00000000000004DZ"),
            Err(MessageError::BadHex)
        ));
        assert!(matches!(
            parse_offset_msg_id("0A000001FFFFFFFF00000000000004D2"),
            Err(MessageError::BadPort(-1))
        ));
        // A multi-byte character must not panic the length/hex checks.
        assert!(parse_offset_msg_id("é0000001FFFFFFFF00000000000004D").is_err());
    }
}
