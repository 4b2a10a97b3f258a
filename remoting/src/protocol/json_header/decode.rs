//! Lenient parsing of the JSON header with serde visitors, without building a `Value` tree.

use std::fmt;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::code::LanguageCode;
use crate::command::{ExtFields, RemotingCommand};
use crate::error::RemotingError;
use crate::ext_fields::MAX_DECODED_FIELDS;

/// Parses a JSON header into a command (body empty, serialize type JSON).
///
/// `code` and `opaque` are required; everything else defaults (0, `None`, JAVA, no ext fields).
/// Unknown keys are ignored. Invalid UTF-8, invalid JSON or a wrongly typed field is
/// [`RemotingError::Malformed`]. Headers as real clients write them take the allocation-lean
/// `fast` path; the rest go through serde.
pub fn decode(header: &[u8]) -> Result<RemotingCommand, RemotingError> {
    let text = std::str::from_utf8(header)
        .map_err(|e| RemotingError::Malformed(format!("JSON header is not valid UTF-8: {e}")))?;
    match super::fast::decode(text) {
        Some(cmd) => Ok(cmd),
        None => decode_serde(text),
    }
}

/// The lenient serde path of [`decode`] alone (what [`decode`] falls back to when the fast
/// scanner gives up). Public so that the fuzz targets can drive each path on its own.
pub fn decode_serde(text: &str) -> Result<RemotingCommand, RemotingError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let cmd = de
        .deserialize_map(HeaderVisitor(text.len()))
        .and_then(|cmd| de.end().map(|()| cmd))
        .map_err(|e| RemotingError::Malformed(format!("invalid JSON header: {e}")))?;
    Ok(cmd)
}

/// A top-level key of the header.
enum Field {
    Code,
    ExtFields,
    Flag,
    Language,
    Opaque,
    Remark,
    Version,
    Other,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FieldVisitor;
        impl Visitor<'_> for FieldVisitor {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a header key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
                Ok(match v {
                    "code" => Field::Code,
                    "extFields" => Field::ExtFields,
                    "flag" => Field::Flag,
                    "language" => Field::Language,
                    "opaque" => Field::Opaque,
                    "remark" => Field::Remark,
                    "version" => Field::Version,
                    _ => Field::Other,
                })
            }
        }
        d.deserialize_identifier(FieldVisitor)
    }
}

/// Builds a [`RemotingCommand`] straight from the header object's members.
struct HeaderVisitor(usize);

impl<'de> Visitor<'de> for HeaderVisitor {
    type Value = RemotingCommand;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON header object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RemotingCommand, A::Error> {
        let mut cmd = RemotingCommand::default();
        let (mut has_code, mut has_opaque) = (false, false);
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Code => {
                    cmd.code = map.next_value_seed(LenientI32("code"))?;
                    has_code = true;
                }
                Field::Opaque => {
                    cmd.opaque = map.next_value_seed(LenientI32("opaque"))?;
                    has_opaque = true;
                }
                Field::Flag => cmd.flag = map.next_value_seed(LenientI32("flag"))?,
                Field::Version => cmd.version = map.next_value_seed(LenientI32("version"))?,
                Field::Language => cmd.language = map.next_value_seed(LenientLanguage)?,
                Field::Remark => cmd.remark = map.next_value::<Option<String>>()?,
                Field::ExtFields => cmd.ext_fields = map.next_value_seed(ExtFieldsSeed(self.0))?,
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !has_code {
            return Err(de::Error::missing_field("code"));
        }
        if !has_opaque {
            return Err(de::Error::missing_field("opaque"));
        }
        Ok(cmd)
    }
}

/// An `i32` field that may arrive as a number or a numeric string; `null` is 0.
struct LenientI32(&'static str);

impl<'de> DeserializeSeed<'de> for LenientI32 {
    type Value = i32;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<i32, D::Error> {
        d.deserialize_any(self)
    }
}

impl Visitor<'_> for LenientI32 {
    type Value = i32;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a 32-bit integer or numeric string for `{}`", self.0)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i32, E> {
        i32::try_from(v).map_err(|_| E::custom(format!("`{}` out of range: {v}", self.0)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i32, E> {
        i32::try_from(v).map_err(|_| E::custom(format!("`{}` out of range: {v}", self.0)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i32, E> {
        if v.fract() == 0.0 && v >= f64::from(i32::MIN) && v <= f64::from(i32::MAX) {
            Ok(v as i32)
        } else {
            Err(E::custom(format!(
                "`{}` is not a 32-bit integer: {v}",
                self.0
            )))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<i32, E> {
        v.trim()
            .parse()
            .map_err(|_| E::custom(format!("`{}` is not a 32-bit integer: {v:?}", self.0)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<i32, E> {
        Ok(0)
    }
}

/// `language`: any enum spelling (via [`LanguageCode::from_name`]) or a code number; `null` is JAVA.
struct LenientLanguage;

impl<'de> DeserializeSeed<'de> for LenientLanguage {
    type Value = LanguageCode;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<LanguageCode, D::Error> {
        d.deserialize_any(self)
    }
}

impl Visitor<'_> for LenientLanguage {
    type Value = LanguageCode;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a language name or code for `language`")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<LanguageCode, E> {
        Ok(LanguageCode::from_name(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<LanguageCode, E> {
        Ok(u8::try_from(v).map_or(LanguageCode::Other, LanguageCode::from_code))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<LanguageCode, E> {
        Ok(u8::try_from(v).map_or(LanguageCode::Other, LanguageCode::from_code))
    }
    fn visit_unit<E: de::Error>(self) -> Result<LanguageCode, E> {
        Ok(LanguageCode::Java)
    }
}

/// `extFields`: an object (or `null`, meaning none) whose values are coerced to strings.
///
/// Keys and values are written straight into the fields' one text buffer, sized from the
/// header length so that decoding allocates a fixed number of times.
struct ExtFieldsSeed(usize);

impl<'de> DeserializeSeed<'de> for ExtFieldsSeed {
    type Value = ExtFields;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<ExtFields, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ExtFieldsSeed {
    type Value = ExtFields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object for `extFields`")
    }
    fn visit_unit<E: de::Error>(self) -> Result<ExtFields, E> {
        Ok(ExtFields::new())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ExtFields, A::Error> {
        let mut ext = ExtFields::with_text_capacity(16, self.0);
        let mut entries = 0usize;
        loop {
            let mut key = None;
            let more = map.next_key_seed(KeyInto {
                ext: &mut ext,
                span: &mut key,
            })?;
            if more.is_none() {
                break;
            }
            let key = key.unwrap_or_default();
            let mut value = None;
            map.next_value_seed(ValueInto {
                ext: &mut ext,
                span: &mut value,
            })?;
            // A null value means "absent" (fastjson would store null); last key wins.
            ext.push_spans(key, value);
            entries += 1;
            if entries > MAX_DECODED_FIELDS {
                return Err(de::Error::custom(format!(
                    "extFields has more than {MAX_DECODED_FIELDS} entries"
                )));
            }
        }
        Ok(ext)
    }
}

/// An `extFields` key, appended to the text buffer; its span goes to `span`.
struct KeyInto<'a> {
    ext: &'a mut ExtFields,
    span: &'a mut Option<std::ops::Range<usize>>,
}

impl<'de> DeserializeSeed<'de> for KeyInto<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyInto<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an extFields key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        *self.span = Some(self.ext.append(|t| t.push_str(v)));
        Ok(())
    }
}

/// One `extFields` value as the string Java would see, appended to the text buffer;
/// `span` stays `None` for `null`.
struct ValueInto<'a> {
    ext: &'a mut ExtFields,
    span: &'a mut Option<std::ops::Range<usize>>,
}

impl ValueInto<'_> {
    fn put(self, v: &str) {
        *self.span = Some(self.ext.append(|t| t.push_str(v)));
    }
    fn put_display(self, v: impl fmt::Display) {
        use std::fmt::Write as _;
        *self.span = Some(self.ext.append(|t| {
            let _ = write!(t, "{v}");
        }));
    }
}

impl<'de> DeserializeSeed<'de> for ValueInto<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueInto<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an extFields value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.put(v);
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.put(if v { "true" } else { "false" });
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.put_display(v);
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.put_display(v);
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.put(&java_double(v));
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let value = serde_json::Value::deserialize(SeqAccessDeserializer::new(seq))?;
        self.put(&value.to_string());
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let value = serde_json::Value::deserialize(MapAccessDeserializer::new(map))?;
        self.put(&value.to_string());
        Ok(())
    }
}

/// Formats a double as Java's `Double.toString` does: `1.5`, `2.0`, `1.0E10`, `1.0E-5`.
pub(crate) fn java_double(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_owned();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    if (1e-3..1e7).contains(&v.abs()) {
        let mut s = format!("{v}");
        if !s.contains('.') {
            s.push_str(".0");
        }
        s
    } else {
        let s = format!("{v:e}");
        match s.split_once('e') {
            Some((mantissa, exp)) if mantissa.contains('.') => format!("{mantissa}E{exp}"),
            Some((mantissa, exp)) => format!("{mantissa}.0E{exp}"),
            None => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_decode() {
        let cmd =
            decode(br#"{"code":"12","opaque":3.0,"language":"go","flag":null,"x":[1,{"y":2}]}"#)
                .unwrap();
        assert_eq!((cmd.code, cmd.opaque, cmd.flag, cmd.version), (12, 3, 0, 0));
        assert_eq!(cmd.language, LanguageCode::Go);
        assert!(cmd.ext_fields.is_empty());
        assert_eq!(cmd.remark, None);

        let cmd = decode(br#"{"code":1,"opaque":1,"language":9,"extFields":null,"remark":null}"#)
            .unwrap();
        assert_eq!(cmd.language, LanguageCode::Go);
        let cmd = decode(br#"{"code":1,"opaque":1,"language":"node_js"}"#).unwrap();
        assert_eq!(cmd.language, LanguageCode::NodeJs);
    }

    #[test]
    fn ext_values_coerced() {
        let cmd = decode(
            br#"{"code":1,"opaque":1,"extFields":{"s":"x\u00e9","i":-3,"u":18446744073709551615,"f":1.5,"t":true,"n":null,"a":[1,"2"],"o":{"k":false},"e":1e10}}"#,
        )
        .unwrap();
        let e = &cmd.ext_fields;
        assert_eq!(&e["s"], "xé");
        assert_eq!(&e["i"], "-3");
        assert_eq!(&e["u"], "18446744073709551615");
        assert_eq!(&e["f"], "1.5");
        assert_eq!(&e["t"], "true");
        assert!(!e.contains_key("n"));
        assert_eq!(&e["a"], r#"[1,"2"]"#);
        assert_eq!(&e["o"], r#"{"k":false}"#);
        assert_eq!(&e["e"], "1.0E10");
    }

    #[test]
    fn duplicate_keys_last_wins() {
        let cmd = decode(
            br#"{"code":1,"code":2,"opaque":1,"extFields":{"k":"a","k":"b","z":"1","z":null}}"#,
        )
        .unwrap();
        assert_eq!(cmd.code, 2);
        assert_eq!(&cmd.ext_fields["k"], "b");
        assert!(!cmd.ext_fields.contains_key("z"));
    }

    #[test]
    fn too_many_ext_fields_is_an_error() {
        let header = |n: usize| {
            let ext: Vec<String> = (0..n).map(|i| format!("\"k{i}\":\"v\"")).collect();
            format!(
                "{{\"code\":1,\"opaque\":1,\"extFields\":{{{}}}}}",
                ext.join(",")
            )
        };
        let ok = header(MAX_DECODED_FIELDS);
        assert_eq!(
            decode(ok.as_bytes()).unwrap().ext_fields.len(),
            MAX_DECODED_FIELDS
        );
        assert_eq!(
            decode_serde(&ok).unwrap().ext_fields.len(),
            MAX_DECODED_FIELDS
        );
        // Both paths refuse one more (the fast one hands it to serde, which says why).
        let bad = header(MAX_DECODED_FIELDS + 1);
        assert!(super::super::decode_fast(&bad).is_none());
        let Err(RemotingError::Malformed(msg)) = decode(bad.as_bytes()) else {
            panic!("accepted {} fields", MAX_DECODED_FIELDS + 1)
        };
        assert!(msg.contains("extFields has more than 128 entries"), "{msg}");
        // Repeats count: one key 129 times is refused too.
        let repeats = format!(
            "{{\"code\":1,\"opaque\":1,\"extFields\":{{{}}}}}",
            vec!["\"k\":1"; MAX_DECODED_FIELDS + 1].join(",")
        );
        assert!(decode(repeats.as_bytes()).is_err());
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            &b""[..],
            b"[]",
            b"3",
            b"{",
            br#"{"code":1}"#,
            br#"{"opaque":1}"#,
            br#"{"code":"x","opaque":1}"#,
            br#"{"code":4294967296,"opaque":1}"#,
            br#"{"code":1.5,"opaque":1}"#,
            br#"{"code":true,"opaque":1}"#,
            br#"{"code":1,"opaque":1,"remark":5}"#,
            br#"{"code":1,"opaque":1,"extFields":[]}"#,
            br#"{"code":1,"opaque":1,"language":[]}"#,
            br#"{"code":1,"opaque":1} x"#,
            b"{\"code\":1,\"opaque\":1,\"remark\":\"\xff\"}",
        ] {
            match decode(bad) {
                Err(RemotingError::Malformed(msg)) => assert!(!msg.is_empty()),
                other => panic!("{:?} gave {other:?}", String::from_utf8_lossy(bad)),
            }
        }
        let Err(RemotingError::Malformed(msg)) =
            decode(b"{\"code\":1,\"opaque\":1,\"remark\":\"\xff\"}")
        else {
            panic!()
        };
        assert!(msg.contains("UTF-8"), "{msg}");
    }

    #[test]
    fn java_doubles() {
        assert_eq!(java_double(1.5), "1.5");
        assert_eq!(java_double(2.0), "2.0");
        assert_eq!(java_double(-0.0), "-0.0");
        assert_eq!(java_double(1e7), "1.0E7");
        assert_eq!(java_double(1.25e-5), "1.25E-5");
        assert_eq!(java_double(0.001), "0.001");
        assert_eq!(java_double(123456.789), "123456.789");
    }
}
