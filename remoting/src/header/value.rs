//! [`HeaderValue`]: how one `extFields` value is parsed and rendered.
//!
//! Output is exactly what Java writes (`String.valueOf`): decimal integers, `true`/`false`,
//! strings verbatim, enums by name. Input is more lenient than Java's `Integer.parseInt` /
//! `Boolean.parseBoolean`, because non-Java clients send variations:
//!
//! - integers: surrounding whitespace, a leading `+`, and a JSON-number rendering with a
//!   zero fraction (`"3.0"`, from ali-ons' raw JSON numbers) or an exponent (`"1e3"`, exact
//!   up to 2^53) are accepted; anything else, including `""` and out-of-range values, is
//!   [`HeaderError::Invalid`];
//! - booleans: `true`/`false` in any case and `1`/`0`, trimmed. Java reads every other string
//!   as `false`; we reject it as `Invalid` instead, so a garbled flag is not silently dropped;
//! - enums: names in any case, trimmed; unknown names are `Invalid`;
//! - strings: verbatim (no trimming: topics and properties are compared byte for byte).
//!
//! For an *optional* non-string field a blank value reads as absent (the binary header codec
//! and some clients send `""` for null).

use super::HeaderError;

/// A type that can appear as an `extFields` value.
pub trait HeaderValue: Sized {
    /// Parses a present value of the field with wire key `field` (named in errors).
    fn parse(field: &'static str, s: &str) -> Result<Self, HeaderError>;

    /// Appends the value to `out` as a Java peer writes it.
    fn render_to(&self, out: &mut String);

    /// The value as a Java peer writes it.
    fn render(&self) -> String {
        let mut out = String::new();
        self.render_to(&mut out);
        out
    }

    /// Parses the value of an optional field. The default treats a blank value as absent;
    /// `String` keeps it (an empty string is a value).
    fn parse_optional(field: &'static str, s: &str) -> Result<Option<Self>, HeaderError> {
        if s.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(field, s).map(Some)
        }
    }
}

fn invalid(field: &'static str, s: &str, expected: &'static str) -> HeaderError {
    HeaderError::Invalid {
        field,
        value: s.to_owned(),
        expected,
    }
}

/// Largest magnitude an `f64` holds exactly as an integer (2^53).
const F64_EXACT: f64 = 9_007_199_254_740_992.0;

/// Parses a lenient integer into `i64` (the caller narrows): trimmed, optional `+`, optional
/// all-zero fraction, or a JSON exponent form that is an exact integer.
fn parse_i64_lenient(s: &str) -> Option<i64> {
    let t = s.trim();
    // Rust's integer parser already accepts one leading '+' or '-'.
    if let Ok(v) = t.parse::<i64>() {
        return Some(v);
    }
    if let Some((int, frac)) = t.split_once('.') {
        if !frac.is_empty() && frac.bytes().all(|b| b == b'0') {
            if let Ok(v) = int.parse::<i64>() {
                return Some(v);
            }
        }
    }
    if t.bytes().any(|b| b == b'e' || b == b'E') {
        if let Ok(f) = t.parse::<f64>() {
            if f.is_finite() && f.fract() == 0.0 && f.abs() <= F64_EXACT {
                // Exact: |f| ≤ 2^53 and integral.
                return Some(f as i64);
            }
        }
    }
    None
}

impl HeaderValue for String {
    fn parse(_field: &'static str, s: &str) -> Result<Self, HeaderError> {
        Ok(s.to_owned())
    }

    fn render_to(&self, out: &mut String) {
        out.push_str(self);
    }

    fn parse_optional(_field: &'static str, s: &str) -> Result<Option<Self>, HeaderError> {
        Ok(Some(s.to_owned()))
    }
}

impl HeaderValue for i64 {
    fn parse(field: &'static str, s: &str) -> Result<Self, HeaderError> {
        parse_i64_lenient(s).ok_or_else(|| invalid(field, s, "i64"))
    }

    fn render_to(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = write!(out, "{self}");
    }
}

impl HeaderValue for i32 {
    fn parse(field: &'static str, s: &str) -> Result<Self, HeaderError> {
        parse_i64_lenient(s)
            .and_then(|v| i32::try_from(v).ok())
            .ok_or_else(|| invalid(field, s, "i32"))
    }

    fn render_to(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = write!(out, "{self}");
    }
}

impl HeaderValue for bool {
    fn parse(field: &'static str, s: &str) -> Result<Self, HeaderError> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("true") || t == "1" {
            Ok(true)
        } else if t.eq_ignore_ascii_case("false") || t == "0" {
            Ok(false)
        } else {
            Err(invalid(field, s, "bool (true|false)"))
        }
    }

    fn render_to(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

/// A topic's filter type (`TopicFilterType` in Java), sent by name in UPDATE_AND_CREATE_TOPIC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TopicFilterType {
    /// `SINGLE_TAG`: a message carries one tag (the default).
    #[default]
    SingleTag,
    /// `MULTI_TAG`: tags codes are combined; the broker sets sysFlag bit 1 on stored messages.
    MultiTag,
}

impl TopicFilterType {
    /// The Java enum name.
    pub fn name(self) -> &'static str {
        match self {
            TopicFilterType::SingleTag => "SINGLE_TAG",
            TopicFilterType::MultiTag => "MULTI_TAG",
        }
    }
}

impl HeaderValue for TopicFilterType {
    fn parse(field: &'static str, s: &str) -> Result<Self, HeaderError> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("SINGLE_TAG") {
            Ok(TopicFilterType::SingleTag)
        } else if t.eq_ignore_ascii_case("MULTI_TAG") {
            Ok(TopicFilterType::MultiTag)
        } else {
            Err(invalid(field, s, "TopicFilterType (SINGLE_TAG|MULTI_TAG)"))
        }
    }

    fn render_to(&self, out: &mut String) {
        out.push_str(self.name());
    }
}

/// Which side of a timestamp SEARCH_OFFSET_BY_TIMESTAMP resolves to (`BoundaryType`, 5.x).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BoundaryType {
    /// `LOWER`: the first message stored at or after the timestamp (default, 4.x behaviour).
    #[default]
    Lower,
    /// `UPPER`: the last message stored at or before the timestamp.
    Upper,
}

impl BoundaryType {
    /// The Java enum name, as `toString()` writes it.
    pub fn name(self) -> &'static str {
        match self {
            BoundaryType::Lower => "LOWER",
            BoundaryType::Upper => "UPPER",
        }
    }
}

impl HeaderValue for BoundaryType {
    fn parse(field: &'static str, s: &str) -> Result<Self, HeaderError> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("LOWER") {
            Ok(BoundaryType::Lower)
        } else if t.eq_ignore_ascii_case("UPPER") {
            Ok(BoundaryType::Upper)
        } else {
            Err(invalid(field, s, "BoundaryType (LOWER|UPPER)"))
        }
    }

    fn render_to(&self, out: &mut String) {
        out.push_str(self.name());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(s: &str) -> Result<i32, HeaderError> {
        i32::parse("queueId", s)
    }

    fn long(s: &str) -> Result<i64, HeaderError> {
        i64::parse("queueOffset", s)
    }

    fn boolean(s: &str) -> Result<bool, HeaderError> {
        bool::parse("unitMode", s)
    }

    #[test]
    fn integers_are_lenient() {
        assert_eq!(int("0"), Ok(0));
        assert_eq!(int(" 5"), Ok(5));
        assert_eq!(int("5 \n"), Ok(5));
        assert_eq!(int("+7"), Ok(7));
        assert_eq!(int("-1"), Ok(-1));
        assert_eq!(int("3.0"), Ok(3));
        assert_eq!(int("-2.000"), Ok(-2));
        assert_eq!(int("1e3"), Ok(1000));
        assert_eq!(int("2147483647"), Ok(i32::MAX));
        assert_eq!(int("-2147483648"), Ok(i32::MIN));
        assert_eq!(long("1700000000000.0"), Ok(1_700_000_000_000));
        assert_eq!(long("9223372036854775807"), Ok(i64::MAX));
        assert_eq!(long("1.7E12"), Ok(1_700_000_000_000));
    }

    #[test]
    fn integers_reject_garbage() {
        for bad in [
            "",
            " ",
            "abc",
            "3.5",
            "1.",
            ".0",
            "+-5",
            "--1",
            "0x10",
            "2147483648",
            "1e400",
            "NaN",
            "inf",
            "1.5e0",
            "1e300",
        ] {
            let err = int(bad).expect_err(bad);
            assert_eq!(
                err,
                HeaderError::Invalid {
                    field: "queueId",
                    value: bad.to_owned(),
                    expected: "i32"
                }
            );
        }
        assert!(long("9223372036854775808").is_err());
        assert!(long("").is_err());
    }

    #[test]
    fn rendering_is_javas() {
        assert_eq!((-5i32).render(), "-5");
        assert_eq!(1_700_000_000_000i64.render(), "1700000000000");
        assert_eq!(true.render(), "true");
        assert_eq!(false.render(), "false");
        assert_eq!(" a b ".to_owned().render(), " a b ");
        assert_eq!(TopicFilterType::MultiTag.render(), "MULTI_TAG");
        assert_eq!(BoundaryType::Upper.render(), "UPPER");
    }

    #[test]
    fn booleans() {
        for t in ["true", "TRUE", "True", " true ", "1"] {
            assert_eq!(boolean(t), Ok(true), "{t:?}");
        }
        for f in ["false", "False", "FALSE", "0", "false\n"] {
            assert_eq!(boolean(f), Ok(false), "{f:?}");
        }
        for bad in ["", "yes", "no", "2", "t", "1.0"] {
            assert!(
                matches!(
                    boolean(bad),
                    Err(HeaderError::Invalid {
                        field: "unitMode",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn enums_ignore_case() {
        assert_eq!(
            TopicFilterType::parse("f", "single_tag"),
            Ok(TopicFilterType::SingleTag)
        );
        assert_eq!(
            TopicFilterType::parse("f", "Multi_Tag"),
            Ok(TopicFilterType::MultiTag)
        );
        assert!(TopicFilterType::parse("f", "TAG").is_err());
        assert_eq!(BoundaryType::parse("b", "lower"), Ok(BoundaryType::Lower));
        assert_eq!(BoundaryType::parse("b", " Upper"), Ok(BoundaryType::Upper));
        assert!(BoundaryType::parse("b", "middle").is_err());
    }

    #[test]
    fn optional_blanks() {
        assert_eq!(i32::parse_optional("k", ""), Ok(None));
        assert_eq!(bool::parse_optional("k", "  "), Ok(None));
        assert_eq!(BoundaryType::parse_optional("k", ""), Ok(None));
        assert_eq!(String::parse_optional("k", ""), Ok(Some(String::new())));
        assert_eq!(i64::parse_optional("k", "4"), Ok(Some(4)));
        assert!(i64::parse_optional("k", "x").is_err());
    }
}
