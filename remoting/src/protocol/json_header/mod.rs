//! The JSON header (serializeType 0, reference §1.2).
//!
//! Encoding writes exactly what fastjson writes for a Java `RemotingCommand`: keys in
//! alphabetical order, `remark` omitted when absent, `extFields` always present. Decoding is
//! lenient the way the Java broker is: missing optional fields, numbers or numeric strings for
//! the integer fields, any spelling of `language`, and typed `extFields` values (ali-ons sends
//! numbers and booleans) are all accepted.

mod decode;
mod encode;
mod fast;

pub use decode::{decode, decode_serde};
pub use encode::encode;

/// The fast path of [`decode`] alone: `None` when `text` leaves the subset real clients
/// write (then [`decode`] takes [`decode_serde`]). Public so that the fuzz targets can
/// drive each path on its own.
pub fn decode_fast(text: &str) -> Option<crate::command::RemotingCommand> {
    fast::decode(text)
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;
    use crate::command::RemotingCommand;

    #[test]
    fn round_trip() {
        let mut cmd = RemotingCommand::request(10).with_remark("r");
        cmd.ext_fields.insert("k".into(), "v\u{0}".into());
        let mut b = BytesMut::new();
        encode(&cmd, &mut b);
        assert_eq!(decode(&b).unwrap(), cmd);
    }
}
