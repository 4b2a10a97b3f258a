//! JSON the way RocketMQ's fastjson writes it, and a reader lenient enough for every peer
//! (reference §4.1).
//!
//! Writing goes through serde_json with a custom [`Formatter`], so the choice between the two
//! forms follows the Rust types, exactly as fastjson's follows the Java ones:
//! - [`JsonStyle::Legacy`]: map keys of non-string type (`BTreeMap<i64, _>`, …) are written bare,
//!   `{0:"10.0.0.1:10911"}`; everything else as standard JSON. This is fastjson's default.
//! - [`JsonStyle::Standard`]: plain JSON with every key quoted, and non-ASCII characters
//!   `\u`-escaped, as Java's NameServer writes route data for clients ≥ 4.9.4
//!   (`BrowserCompatible`).
//!
//! Structs declare their fields in alphabetical order and use `BTreeMap`s, which gives
//! fastjson's sorted field and key order.
//!
//! Reading ([`from_slice`]) accepts both forms: it tries plain serde_json first and, only if
//! that fails, quotes bare keys (numbers, words, and the JSON objects fastjson writes as keys
//! of `Map<MessageQueue, _>`, which become strings holding the object's text) and tries again.

use std::io;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter};

use super::BodyError;

/// Which of the two JSON forms to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JsonStyle {
    /// fastjson's default: non-string map keys unquoted (`{0:"a"}`).
    #[default]
    Legacy,
    /// Standard JSON: keys quoted (`{"0":"a"}`), non-ASCII escaped as `\uXXXX`.
    Standard,
}

/// Serializes `value` in `style`.
pub fn to_vec<T: Serialize + ?Sized>(value: &T, style: JsonStyle) -> Result<Vec<u8>, BodyError> {
    let mut out = Vec::with_capacity(256);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, FastjsonFormatter::new(style));
    value.serialize(&mut ser)?;
    Ok(out)
}

/// Serializes `value` in `style` as a `String`.
pub fn to_string<T: Serialize + ?Sized>(value: &T, style: JsonStyle) -> Result<String, BodyError> {
    let bytes = to_vec(value, style)?;
    String::from_utf8(bytes).map_err(|_| BodyError::NotUtf8)
}

/// Parses `bytes` written in either form (see the module docs).
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyError> {
    match serde_json::from_slice(bytes) {
        Ok(v) => Ok(v),
        Err(first) => {
            let text = std::str::from_utf8(bytes).map_err(|_| BodyError::NotUtf8)?;
            let quoted = quote_bare_keys(text)?;
            if quoted == text {
                return Err(first.into());
            }
            Ok(serde_json::from_str(&quoted)?)
        }
    }
}

/// A serde_json formatter that writes non-string map keys bare ([`JsonStyle::Legacy`]) or
/// escapes non-ASCII text ([`JsonStyle::Standard`]).
///
/// serde_json writes an integer map key as `begin_string`, `write_i64`, `end_string`, and a
/// string key as `begin_string`, fragments, `end_string`. In legacy style the opening quote of
/// a key is held back until we see which of the two follows.
struct FastjsonFormatter {
    style: JsonStyle,
    in_key: bool,
    quote_pending: bool,
    bare_key: bool,
}

impl FastjsonFormatter {
    fn new(style: JsonStyle) -> Self {
        FastjsonFormatter {
            style,
            in_key: false,
            quote_pending: false,
            bare_key: false,
        }
    }

    /// Writes the held-back opening quote: the key turned out to be a string.
    fn flush_quote<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.quote_pending {
            self.quote_pending = false;
            w.write_all(b"\"")?;
        }
        Ok(())
    }

    /// A scalar is being written: if it is a held-back key, it stays bare.
    fn scalar(&mut self) {
        if self.quote_pending {
            self.quote_pending = false;
            self.bare_key = true;
        }
    }
}

macro_rules! scalar_writers {
    ($($name:ident: $ty:ty),* $(,)?) => {
        $(
            fn $name<W: ?Sized + io::Write>(&mut self, w: &mut W, v: $ty) -> io::Result<()> {
                self.scalar();
                CompactFormatter.$name(w, v)
            }
        )*
    };
}

impl Formatter for FastjsonFormatter {
    scalar_writers! {
        write_bool: bool,
        write_i8: i8, write_i16: i16, write_i32: i32, write_i64: i64, write_i128: i128,
        write_u8: u8, write_u16: u16, write_u32: u32, write_u64: u64, write_u128: u128,
        write_f32: f32, write_f64: f64,
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.in_key = true;
        CompactFormatter.begin_object_key(w, first)
    }

    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.in_key = false;
        CompactFormatter.end_object_key(w)
    }

    fn begin_string<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.in_key && self.style == JsonStyle::Legacy {
            self.quote_pending = true;
            Ok(())
        } else {
            w.write_all(b"\"")
        }
    }

    fn end_string<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.bare_key {
            self.bare_key = false;
            return Ok(());
        }
        self.flush_quote(w)?;
        w.write_all(b"\"")
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        self.flush_quote(w)?;
        if self.style == JsonStyle::Legacy || fragment.is_ascii() {
            return w.write_all(fragment.as_bytes());
        }
        for c in fragment.chars() {
            if c.is_ascii() {
                w.write_all(&[c as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        self.flush_quote(w)?;
        CompactFormatter.write_char_escape(w, escape)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Container {
    /// An object; `true` while a key (not a value) comes next.
    Object(bool),
    Array,
}

/// How deeply objects and arrays may nest in a body read leniently. Real RocketMQ bodies
/// nest at most 6 deep; serde_json itself stops at 128.
pub const MAX_DEPTH: usize = 64;

/// Rewrites fastjson's bare keys as quoted strings; quoted keys and all values are copied.
///
/// `{0:"a"}` → `{"0":"a"}`; `{{"topic":"T","queueId":0}:5}` →
/// `{"{\"topic\":\"T\",\"queueId\":0}":5}`. Malformed text is copied as is (the JSON
/// parser reports the error afterwards).
///
/// Linear in the input: one pass, plus one more over each object key, whose own keys must be
/// quoted (fastjson writes `MessageQueue` keys that way; an object key inside an object key
/// is refused). Nesting deeper than [`MAX_DEPTH`] is refused.
pub fn quote_bare_keys(text: &str) -> Result<String, BodyError> {
    repair(text, true)
}

fn repair(text: &str, allow_object_keys: bool) -> Result<String, BodyError> {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut stack: Vec<Container> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let expecting_key = matches!(stack.last(), Some(Container::Object(true)));
        let c = b[i];
        if c.is_ascii_whitespace() {
            out.push(c as char);
            i += 1;
            continue;
        }
        if expecting_key && c != b'"' && c != b'}' {
            let object_key = c == b'{' || c == b'[';
            let end = if object_key {
                if !allow_object_keys {
                    return Err(BodyError::Invalid(
                        "an object used as a map key inside another object key".into(),
                    ));
                }
                balanced_end(b, i)
            } else {
                b[i..]
                    .iter()
                    .position(|&x| x == b':')
                    .map_or(b.len(), |p| i + p)
            };
            let key = text.get(i..end).unwrap_or_default().trim();
            let key = if object_key {
                repair(key, false)?
            } else {
                key.to_owned()
            };
            out.push_str(&serde_json::Value::String(key).to_string());
            set_top(&mut stack, Container::Object(false));
            i = end;
            continue;
        }
        match c {
            b'"' => {
                let end = string_end(b, i);
                out.push_str(text.get(i..end).unwrap_or_default());
                if expecting_key {
                    set_top(&mut stack, Container::Object(false));
                }
                i = end;
                continue;
            }
            b'{' | b'[' => {
                if stack.len() >= MAX_DEPTH {
                    return Err(BodyError::Invalid(format!(
                        "JSON nested deeper than {MAX_DEPTH} levels"
                    )));
                }
                stack.push(if c == b'{' {
                    Container::Object(true)
                } else {
                    Container::Array
                });
            }
            b'}' | b']' => {
                stack.pop();
            }
            b',' => {
                if let Some(Container::Object(_)) = stack.last() {
                    set_top(&mut stack, Container::Object(true));
                }
            }
            _ => {}
        }
        // Copy one whole UTF-8 character.
        let len = text
            .get(i..)
            .and_then(|s| s.chars().next())
            .map_or(1, char::len_utf8);
        out.push_str(text.get(i..i + len).unwrap_or_default());
        i += len;
    }
    Ok(out)
}

fn set_top(stack: &mut [Container], c: Container) {
    if let Some(top) = stack.last_mut() {
        *top = c;
    }
}

/// The index just past the string literal starting at `start` (a `"`).
fn string_end(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// The index just past the object or array starting at `start`.
fn balanced_end(b: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = string_end(b, i);
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Sample {
        addrs: BTreeMap<i64, String>,
        names: BTreeMap<String, i32>,
        text: String,
    }

    fn sample() -> Sample {
        Sample {
            addrs: [(0, "10.0.0.1:10911".to_owned()), (1, "b".to_owned())].into(),
            names: [
                ("0".to_owned(), 1),
                (String::new(), 2),
                ("a\"b".to_owned(), 3),
            ]
            .into(),
            text: "héllo 😀\n".to_owned(),
        }
    }

    #[test]
    fn legacy_leaves_integer_keys_bare_only() {
        let json = to_string(&sample(), JsonStyle::Legacy).expect("serializes");
        assert_eq!(
            json,
            r#"{"addrs":{0:"10.0.0.1:10911",1:"b"},"names":{"":2,"0":1,"a\"b":3},"text":"héllo 😀\n"}"#
        );
        assert_eq!(
            from_slice::<Sample>(json.as_bytes()).expect("reads"),
            sample()
        );
    }

    #[test]
    fn standard_quotes_keys_and_escapes_non_ascii() {
        let json = to_string(&sample(), JsonStyle::Standard).expect("serializes");
        assert_eq!(
            json,
            r#"{"addrs":{"0":"10.0.0.1:10911","1":"b"},"names":{"":2,"0":1,"a\"b":3},"text":"h\u00e9llo \ud83d\ude00\n"}"#
        );
        assert_eq!(
            from_slice::<Sample>(json.as_bytes()).expect("reads"),
            sample()
        );
    }

    #[test]
    fn bare_keys_of_every_kind_are_quoted() {
        assert_eq!(
            quote_bare_keys(r#"{0:"a", -1 :"b"}"#).unwrap(),
            r#"{"0":"a", "-1":"b"}"#
        );
        assert_eq!(
            quote_bare_keys(r#"{"t@g":{0:12,1:{"x":[1,{2:3}]}}}"#).unwrap(),
            r#"{"t@g":{"0":12,"1":{"x":[1,{"2":3}]}}}"#
        );
        assert_eq!(
            quote_bare_keys(r#"{{"brokerName":"b","queueId":0}:{"x":1}}"#).unwrap(),
            r#"{"{\"brokerName\":\"b\",\"queueId\":0}":{"x":1}}"#
        );
        // Strings containing braces, colons and escaped quotes are copied untouched.
        let s = r#"{"a":"{0:1}\"x:","b":["é",{}]}"#;
        assert_eq!(quote_bare_keys(s).unwrap(), s);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [
            &b""[..],
            b"{",
            b"{0",
            b"{0:",
            b"{{{",
            b"}}]]",
            b"\"",
            b"{\"a\\",
            b"\xff\xfe",
            b"{0:\xff}",
        ] {
            assert!(from_slice::<Sample>(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn hostile_nesting_is_refused_in_linear_time() {
        // Each of these took time doubling per byte before the repair was made linear.
        let n = 10_000;
        let braces = "{".repeat(n);
        let brackets = "[".repeat(n);
        let nested_valid = format!("{}{}", "{\"a\":".repeat(n), "}".repeat(n));
        let key_objects = format!("{}1{}", "{{".repeat(n), "}:1}".repeat(n));
        for bad in [&braces, &brackets, &nested_valid, &key_objects] {
            assert!(from_slice::<Sample>(bad.as_bytes()).is_err());
            assert!(from_slice::<serde_json::Value>(bad.as_bytes()).is_err());
        }
        // A 40-byte heartbeat body of `{` was the reported one-packet outage.
        assert!(from_slice::<Sample>(&[b'{'; 40]).is_err());
        // Nesting within the limit still reads.
        let ok = format!(
            "{}1{}",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(from_slice::<serde_json::Value>(ok.as_bytes()).is_ok());
    }
}
