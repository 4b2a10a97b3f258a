//! Writing the JSON header straight into the output buffer, fastjson style.

use bytes::BytesMut;

use crate::command::{ExtFields, RemotingCommand};

/// Appends the JSON header of `cmd` to `dst` (no frame words, no body).
///
/// Output: `{"code":…,"extFields":{…},"flag":…,"language":"…","opaque":…,["remark":"…",]`
/// `"serializeTypeCurrentRPC":"JSON","version":…}`, with `extFields` keys sorted.
pub fn encode(cmd: &RemotingCommand, dst: &mut BytesMut) {
    dst.reserve(encoded_len_hint(cmd));
    dst.extend_from_slice(b"{\"code\":");
    put_i32(dst, cmd.code);
    dst.extend_from_slice(b",\"extFields\":{");
    put_ext_fields(dst, &cmd.ext_fields);
    dst.extend_from_slice(b"},\"flag\":");
    put_i32(dst, cmd.flag);
    dst.extend_from_slice(b",\"language\":\"");
    // Enum names are plain ASCII: no escaping needed.
    dst.extend_from_slice(cmd.language.as_str().as_bytes());
    dst.extend_from_slice(b"\",\"opaque\":");
    put_i32(dst, cmd.opaque);
    if let Some(remark) = &cmd.remark {
        dst.extend_from_slice(b",\"remark\":\"");
        put_escaped(dst, remark);
        dst.extend_from_slice(b"\"");
    }
    dst.extend_from_slice(b",\"serializeTypeCurrentRPC\":\"JSON\",\"version\":");
    put_i32(dst, cmd.version);
    dst.extend_from_slice(b"}");
}

/// A capacity estimate for the encoded header (enough unless strings need escaping).
fn encoded_len_hint(cmd: &RemotingCommand) -> usize {
    let ext: usize = cmd
        .ext_fields
        .iter()
        .map(|(k, v)| k.len() + v.len() + 6)
        .sum();
    let remark = cmd.remark.as_ref().map_or(0, |r| r.len() + 12);
    // Fixed keys and punctuation (~100) plus four integers of up to 11 digits.
    150 + ext + remark
}

/// Writes the `extFields` members (without braces), keys sorted for determinism.
fn put_ext_fields(dst: &mut BytesMut, ext: &ExtFields) {
    // Typical headers have a handful of fields: sort them on the stack.
    const STACK: usize = 16;
    if ext.len() <= STACK {
        let mut entries = [("", ""); STACK];
        for (slot, (k, v)) in entries.iter_mut().zip(ext) {
            *slot = (k, v);
        }
        put_sorted_entries(dst, entries.get_mut(..ext.len()).unwrap_or_default());
    } else {
        let mut entries: Vec<(&str, &str)> = ext.iter().collect();
        put_sorted_entries(dst, &mut entries);
    }
}

fn put_sorted_entries(dst: &mut BytesMut, entries: &mut [(&str, &str)]) {
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (i, (k, v)) in entries.iter().enumerate() {
        dst.extend_from_slice(if i == 0 { b"\"" } else { b",\"" });
        put_escaped(dst, k);
        dst.extend_from_slice(b"\":\"");
        put_escaped(dst, v);
        dst.extend_from_slice(b"\"");
    }
}

/// Writes `v` in decimal without going through `fmt`.
fn put_i32(dst: &mut BytesMut, v: i32) {
    let mut buf = [0u8; 11]; // "-2147483648"
    let mut i = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    dst.extend_from_slice(&buf[i..]);
}

/// For each byte: 0 if it is written as is, otherwise the character after the backslash
/// (`u` meaning `\u00XX`).
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = b'u';
        b += 1;
    }
    t[0x08] = b'b';
    t[0x0c] = b'f';
    t[b'\n' as usize] = b'n';
    t[b'\r' as usize] = b'r';
    t[b'\t' as usize] = b't';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Writes the inside of a JSON string (no quotes): `"` and `\` and control characters are
/// escaped, everything else (including non-ASCII) is written as raw UTF-8, as fastjson does.
fn put_escaped(dst: &mut BytesMut, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc = ESCAPE[usize::from(b)];
        if esc == 0 {
            continue;
        }
        dst.extend_from_slice(&bytes[start..i]);
        if esc == b'u' {
            dst.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]);
        } else {
            dst.extend_from_slice(&[b'\\', esc]);
        }
        start = i + 1;
    }
    dst.extend_from_slice(&bytes[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(cmd: &RemotingCommand) -> String {
        let mut b = BytesMut::new();
        encode(cmd, &mut b);
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[test]
    fn encodes_like_fastjson() {
        let mut cmd = RemotingCommand {
            code: 0,
            opaque: -5,
            version: 479,
            flag: 1,
            ..Default::default()
        };
        cmd.ext_fields.insert("queueId".into(), "3".into());
        cmd.ext_fields.insert("msgId".into(), "AB".into());
        assert_eq!(
            enc(&cmd),
            r#"{"code":0,"extFields":{"msgId":"AB","queueId":"3"},"flag":1,"language":"JAVA","opaque":-5,"serializeTypeCurrentRPC":"JSON","version":479}"#
        );
        cmd.remark = Some("a\"b\\c\n\u{1}é".into());
        assert!(enc(&cmd).contains(r#""remark":"a\"b\\c\n\u0001é","#));
    }

    #[test]
    fn integer_extremes() {
        for v in [0, 7, -1, 10, i32::MIN, i32::MAX] {
            let mut b = BytesMut::new();
            put_i32(&mut b, v);
            assert_eq!(b.as_ref(), v.to_string().as_bytes());
        }
    }

    #[test]
    fn escapes_every_control_character() {
        let s: String = (0u8..0x20)
            .map(char::from)
            .chain(['"', '\\', '/', '中'])
            .collect();
        let mut b = BytesMut::from(&b"\""[..]);
        put_escaped(&mut b, &s);
        b.extend_from_slice(b"\"");
        let back: String = serde_json::from_slice(&b).unwrap();
        assert_eq!(back, s);
    }
}
