//! The fast path of JSON header decoding: a hand-written scanner for the headers real
//! clients send, writing `extFields` keys and values straight into the fields' buffer.
//!
//! It accepts a subset of what [`super::decode`] accepts: integer fields as JSON integers,
//! `language` and `remark` as strings, `extFields` values as strings, integers, booleans or
//! `null`, other keys with scalar values. On anything else (numeric strings, fractions,
//! nested values, a missing `code`, a syntax error) it gives up with `None` and the
//! lenient serde path decides, so both paths agree on everything the fast one accepts.
//! Every header costs two allocations here (the fields' text and index), where serde_json
//! needs a scratch buffer per escaped string.

use crate::code::LanguageCode;
use crate::command::{ExtFields, RemotingCommand};
use crate::ext_fields::MAX_DECODED_FIELDS;

/// Decodes `text` if it stays within the fast subset.
pub(super) fn decode(text: &str) -> Option<RemotingCommand> {
    let mut p = Parser {
        s: text,
        b: text.as_bytes(),
        i: 0,
    };
    let mut cmd = RemotingCommand::default();
    let (mut has_code, mut has_opaque) = (false, false);
    p.expect(b'{')?;
    if !p.eat(b'}') {
        loop {
            let key = p.plain_string()?;
            p.expect(b':')?;
            match key {
                "code" => {
                    cmd.code = p.int32()?;
                    has_code = true;
                }
                "opaque" => {
                    cmd.opaque = p.int32()?;
                    has_opaque = true;
                }
                "flag" => cmd.flag = p.int32()?,
                "version" => cmd.version = p.int32()?,
                "language" => cmd.language = LanguageCode::from_name(p.plain_string()?),
                "remark" => {
                    cmd.remark = if p.eat_literal(b"null") {
                        None
                    } else {
                        let mut s = String::new();
                        p.string_into(&mut s)?;
                        Some(s)
                    }
                }
                "extFields" => cmd.ext_fields = p.ext_fields(text.len())?,
                _ => p.skip_scalar()?,
            }
            if p.eat(b',') {
                continue;
            }
            p.expect(b'}')?;
            break;
        }
    }
    p.skip_ws();
    (p.i == p.b.len() && has_code && has_opaque).then_some(cmd)
}

/// A cursor over the header text. It stops only at ASCII bytes, so every slice it takes
/// of `s` falls on character boundaries and needs no UTF-8 check.
struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_ws();
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        self.eat(c).then_some(())
    }

    fn eat_literal(&mut self, lit: &[u8]) -> bool {
        self.skip_ws();
        if self.b.get(self.i..self.i + lit.len()) == Some(lit) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    /// A string without escapes, borrowed from the input.
    fn plain_string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.i;
        loop {
            match *self.b.get(self.i)? {
                b'"' => break,
                b'\\' => return None,
                c if c < 0x20 => return None,
                _ => self.i += 1,
            }
        }
        let s = self.s.get(start..self.i)?;
        self.i += 1;
        Some(s)
    }

    /// A string (escapes decoded) appended to `out`.
    fn string_into(&mut self, out: &mut String) -> Option<()> {
        self.scan_string(Some(out))
    }

    /// Skips a string, checking it as [`Self::string_into`] does.
    fn skip_string(&mut self) -> Option<()> {
        self.scan_string(None)
    }

    /// Reads a string, appending its decoded text to `out` if given.
    fn scan_string(&mut self, mut out: Option<&mut String>) -> Option<()> {
        self.expect(b'"')?;
        loop {
            let start = self.i;
            while let Some(&c) = self.b.get(self.i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            let run = self.s.get(start..self.i)?;
            if let Some(out) = out.as_deref_mut() {
                out.push_str(run);
            }
            match *self.b.get(self.i)? {
                b'"' => {
                    self.i += 1;
                    return Some(());
                }
                b'\\' => {
                    let esc = *self.b.get(self.i + 1)?;
                    self.i += 2;
                    let c = match esc {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    };
                    if let Some(out) = out.as_deref_mut() {
                        out.push(c);
                    }
                }
                _ => return None, // a raw control character
            }
        }
    }

    /// The character of a `\uXXXX` escape (after the `u`), joining a surrogate pair.
    fn unicode_escape(&mut self) -> Option<char> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) {
            if self.b.get(self.i..self.i + 2) != Some(b"\\u") {
                return None;
            }
            self.i += 2;
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return None;
            }
            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
        } else {
            char::from_u32(hi)
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.b.get(self.i..self.i + 4)?;
        self.i += 4;
        digits
            .iter()
            .try_fold(0u32, |acc, &d| Some(acc * 16 + char::from(d).to_digit(16)?))
    }

    /// The text of a JSON integer of at most 18 digits (`-0` and anything with a fraction
    /// or exponent are left to the serde path, which normalizes them).
    fn integer_text(&mut self) -> Option<&'a str> {
        self.skip_ws();
        let start = self.i;
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        let digits = self.i;
        while let Some(b'0'..=b'9') = self.b.get(self.i) {
            self.i += 1;
        }
        let n = self.i - digits;
        let first = self.b.get(digits).copied();
        if n == 0 || n > 18 || (first == Some(b'0') && (n > 1 || digits > start)) {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = self.b.get(self.i) {
            return None;
        }
        self.s.get(start..self.i)
    }

    fn int32(&mut self) -> Option<i32> {
        self.integer_text()?.parse().ok()
    }

    /// Skips the value of a key we do not keep: a plain scalar only.
    fn skip_scalar(&mut self) -> Option<()> {
        self.skip_ws();
        match self.b.get(self.i)? {
            b'"' => self.skip_string(),
            b't' => self.eat_literal(b"true").then_some(()),
            b'f' => self.eat_literal(b"false").then_some(()),
            b'n' => self.eat_literal(b"null").then_some(()),
            _ => self.integer_text().map(|_| ()),
        }
    }

    /// The `extFields` object (or `null`).
    fn ext_fields(&mut self, text_len: usize) -> Option<ExtFields> {
        if self.eat_literal(b"null") {
            return Some(ExtFields::new());
        }
        let mut ext = ExtFields::with_text_capacity(16, text_len);
        let mut entries = 0usize;
        self.expect(b'{')?;
        if self.eat(b'}') {
            return Some(ext);
        }
        loop {
            let mut failed = false;
            let key = ext.append(|t| failed = self.string_into(t).is_none());
            if failed {
                return None;
            }
            self.expect(b':')?;
            self.skip_ws();
            let value = match self.b.get(self.i)? {
                b'"' => {
                    let span = ext.append(|t| failed = self.string_into(t).is_none());
                    Some(span)
                }
                b't' if self.eat_literal(b"true") => Some(ext.append(|t| t.push_str("true"))),
                b'f' if self.eat_literal(b"false") => Some(ext.append(|t| t.push_str("false"))),
                b'n' if self.eat_literal(b"null") => None,
                _ => {
                    let digits = self.integer_text()?;
                    Some(ext.append(|t| t.push_str(digits)))
                }
            };
            if failed {
                return None;
            }
            ext.push_spans(key, value);
            entries += 1;
            if entries > MAX_DECODED_FIELDS {
                return None; // the serde path gives the error
            }
            if self.eat(b',') {
                continue;
            }
            self.expect(b'}')?;
            return Some(ext);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(text: &str) -> Option<RemotingCommand> {
        let fast = decode(text);
        if let Some(cmd) = &fast {
            let slow = super::super::decode::decode_serde(text).expect("serde accepts it too");
            assert_eq!(cmd, &slow, "{text}");
            assert_eq!(cmd.ext_fields.iter().count(), slow.ext_fields.len());
        }
        fast
    }

    #[test]
    fn typical_headers_take_the_fast_path() {
        let cmd = both(r#"{"code":310,"extFields":{"a":"PG","b":"T","i":"TAGS\u0001x\u0002","j":3,"k":true,"z":null},"flag":0,"language":"JAVA","opaque":7,"serializeTypeCurrentRPC":"JSON","version":453}"#).unwrap();
        assert_eq!((cmd.code, cmd.opaque, cmd.version), (310, 7, 453));
        assert_eq!(cmd.ext_fields.get("i"), Some("TAGS\u{1}x\u{2}"));
        assert_eq!(cmd.ext_fields.get("j"), Some("3"));
        assert_eq!(cmd.ext_fields.get("k"), Some("true"));
        assert!(!cmd.ext_fields.contains_key("z"));
        let cmd = both(" { \"opaque\" : -1 , \"code\" : 0 , \"remark\" : \"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\" } ").unwrap();
        assert_eq!(cmd.remark.as_deref(), Some("a\"\\/\u{8}\u{c}\n\r\té😀"));
        let cmd = both(r#"{"code":1,"opaque":2,"extFields":{"k":"a","k":"b","x":"1","x":null},"remark":null,"language":"node_js"}"#).unwrap();
        assert_eq!(cmd.ext_fields.get("k"), Some("b"));
        assert_eq!(cmd.ext_fields.len(), 1);
        assert_eq!(cmd.language, LanguageCode::NodeJs);
        assert!(both(r#"{"code":1,"opaque":2,"extFields":{}}"#).is_some());
        assert!(both(r#"{"code":1,"opaque":2,"extFields":null}"#).is_some());
    }

    #[test]
    fn anything_unusual_goes_to_the_serde_path() {
        for text in [
            r#"{"code":"12","opaque":1}"#,
            r#"{"code":1.0,"opaque":1}"#,
            r#"{"code":1}"#,
            r#"{"code":1,"opaque":1,"extFields":{"f":1.5}}"#,
            r#"{"code":1,"opaque":1,"extFields":{"a":[1]}}"#,
            r#"{"code":1,"opaque":1,"x":{"y":2}}"#,
            r#"{"code":1,"opaque":1,"extFields":{"n":-0}}"#,
            r#"{"code":1,"opaque":1,"extFields":{"n":1234567890123456789}}"#,
            r#"{"code":1,"opaque":1,"extFields":{"n":012}}"#,
            r#"{"code":1,"opaque":1,"remark":"\ud800"}"#,
            r#"{"code":1,"opaque":1,"language":9}"#,
            r#"{"code":1,"opaque":1} x"#,
            r#"{"code":1,"opaque":1,}"#,
            "{\"code\":1,\"opaque\":1,\"remark\":\"a\u{1}\"}",
            r#"{"code":4294967296,"opaque":1}"#,
            r#"{"co\u0064e":1,"opaque":1}"#,
        ] {
            assert!(decode(text).is_none(), "{text}");
        }
    }

    proptest::proptest! {
        /// Whatever our encoder writes, the fast path reads, and exactly as serde does.
        #[test]
        fn encoded_headers_take_the_fast_path(
            code: i32,
            opaque: i32,
            flag: i32,
            version: i32,
            remark: Option<String>,
            ext in proptest::collection::vec((".*", ".*"), 0..12),
        ) {
            let mut cmd = RemotingCommand { code, opaque, flag, version, remark, ..Default::default() };
            cmd.ext_fields = ext.into_iter().collect();
            let mut buf = bytes::BytesMut::new();
            super::super::encode(&cmd, &mut buf);
            let text = std::str::from_utf8(&buf).unwrap();
            let fast = decode(text);
            proptest::prop_assert_eq!(fast.as_ref(), Some(&cmd));
            proptest::prop_assert_eq!(fast, super::super::decode::decode_serde(text).ok());
        }
    }
}
