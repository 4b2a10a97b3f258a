//! Typed custom headers (reference §3), converted to and from `extFields`.
//!
//! Every header is declared with [`command_header!`](crate::command_header), which generates the
//! struct and its [`CommandHeader`] impl from a list of `(field, type, wire key, required?)`.
//! Values go through [`HeaderValue`]: written as Java writes them (decimal integers,
//! `true`/`false`, strings verbatim) and read leniently, because ali-ons and the Go client do
//! not always send what Java sends (see [`value`]).
//!
//! Headers are grouped by area: [`send`], [`pull`], [`query`], [`offset`], [`transaction`],
//! [`client`] (broker → client requests and client registration), [`namesrv`], [`admin`].
//! All types are re-exported here.

use crate::code::response;
use crate::command::ExtFields;

mod macros;

pub mod admin;
pub mod client;
pub mod extra_info;
pub mod namesrv;
pub mod offset;
pub mod pop;
pub mod pull;
pub mod query;
pub mod reply;
pub mod send;
pub mod transaction;
pub mod value;

pub use admin::*;
pub use client::*;
pub use namesrv::*;
pub use offset::*;
pub use pop::*;
pub use pull::*;
pub use query::*;
pub use reply::*;
pub use send::*;
pub use transaction::*;
pub use value::{BoundaryType, HeaderValue, TopicFilterType};

/// A typed custom header.
pub trait CommandHeader: Sized {
    /// The wire keys this header knows, in declaration order (empty for hand-written impls
    /// that do not list them). Used by tooling and tests; decoding does not depend on it.
    const FIELDS: &'static [HeaderField] = &[];

    /// Writes the fields into `extFields` (absent optionals are not written).
    fn write_to(&self, fields: &mut ExtFields);
    /// Reads the fields; a missing required field or an unparsable value is an error naming it.
    fn read_from(fields: &ExtFields) -> Result<Self, HeaderError>;

    /// The header as a fresh `extFields` map.
    fn to_ext_fields(&self) -> ExtFields {
        let mut fields = ExtFields::with_capacity(Self::FIELDS.len());
        self.write_to(&mut fields);
        fields
    }
}

/// One wire key of a declared header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderField {
    /// The `extFields` key, exactly as RocketMQ spells it.
    pub key: &'static str,
    /// Whether decoding fails with [`HeaderError::Missing`] when the key is absent.
    pub required: bool,
}

/// A custom header that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// A required field is absent (Java's wording).
    #[error("the custom field <{0}> is null")]
    Missing(&'static str),
    /// A field's value does not parse as its type.
    #[error("the custom field <{field}> has invalid value {value:?}: expected {expected}")]
    Invalid {
        /// The wire key.
        field: &'static str,
        /// What arrived.
        value: String,
        /// What was expected (`"i32"`, `"bool"`, …).
        expected: &'static str,
    },
}

impl HeaderError {
    /// The response code a server answers with: SYSTEM_ERROR, as the Java broker does for a
    /// header that fails to decode.
    pub fn response_code(&self) -> i32 {
        response::SYSTEM_ERROR
    }

    /// The wire key the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            HeaderError::Missing(field) => field,
            HeaderError::Invalid { field, .. } => field,
        }
    }
}

/// Reads a required field: absent → [`HeaderError::Missing`], unparsable → `Invalid`.
///
/// Public so hand-written headers and processors reading a stray extField (e.g. `MSG_REGION`)
/// share the macro's rules.
pub fn read_required<T: HeaderValue>(
    fields: &ExtFields,
    key: &'static str,
) -> Result<T, HeaderError> {
    match fields.get(key) {
        Some(raw) => T::parse(key, raw),
        None => Err(HeaderError::Missing(key)),
    }
}

/// Reads an optional field: absent → `None`; see [`HeaderValue::parse_optional`] for blanks.
pub fn read_optional<T: HeaderValue>(
    fields: &ExtFields,
    key: &'static str,
) -> Result<Option<T>, HeaderError> {
    match fields.get(key) {
        Some(raw) => T::parse_optional(key, raw),
        None => Ok(None),
    }
}

/// Writes one value under `key`, rendered as Java renders it.
pub fn write_value<T: HeaderValue>(fields: &mut ExtFields, key: &'static str, value: &T) {
    fields.insert_with(key, |out| value.render_to(out));
}

/// Writes an optional value; `None` leaves the map untouched (Java omits null fields).
pub fn write_optional<T: HeaderValue>(
    fields: &mut ExtFields,
    key: &'static str,
    value: &Option<T>,
) {
    if let Some(value) = value {
        write_value(fields, key, value);
    }
}

/// Shared helpers for the per-file header tests.
#[cfg(test)]
pub(crate) mod test_util {
    use super::{CommandHeader, HeaderError};
    use crate::command::ExtFields;
    use std::fmt::Debug;

    /// An `extFields` map from string pairs, as a Java client sends it.
    pub fn map(pairs: &[(&str, &str)]) -> ExtFields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// `pairs` decodes into `expected`, and `expected` writes exactly `pairs`; then every
    /// required key, removed in turn, yields `Missing(key)` whose message names it.
    pub fn check<H: CommandHeader + PartialEq + Debug>(pairs: &[(&str, &str)], expected: &H) {
        let fields = map(pairs);
        let decoded = H::read_from(&fields).expect("decodes");
        assert_eq!(&decoded, expected);
        assert_eq!(expected.to_ext_fields(), fields, "written map");
        for field in H::FIELDS {
            assert!(
                pairs.iter().any(|(k, _)| *k == field.key) || !field.required,
                "test map lacks required key {}",
                field.key
            );
            if !field.required {
                continue;
            }
            let mut partial = fields.clone();
            partial.remove(field.key);
            let err = H::read_from(&partial).expect_err("missing required key");
            assert_eq!(err, HeaderError::Missing(field.key));
            assert_eq!(
                err.to_string(),
                format!("the custom field <{}> is null", field.key)
            );
        }
    }

    /// Setting `key` to `value` makes decoding fail with `Invalid` naming `key`.
    pub fn check_invalid<H: CommandHeader + Debug>(
        pairs: &[(&str, &str)],
        key: &'static str,
        value: &str,
    ) {
        let mut fields = map(pairs);
        fields.insert(key.to_owned(), value.to_owned());
        match H::read_from(&fields) {
            Err(HeaderError::Invalid {
                field, value: v, ..
            }) => {
                assert_eq!(field, key);
                assert_eq!(v, value);
                let err = H::read_from(&fields).expect_err("invalid");
                assert!(err.to_string().contains(&format!("<{key}>")), "{err}");
            }
            other => panic!("expected Invalid for {key}={value:?}, got {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::map;
    use super::*;

    #[test]
    fn missing_message_is_javas() {
        assert_eq!(
            HeaderError::Missing("producerGroup").to_string(),
            "the custom field <producerGroup> is null"
        );
        assert_eq!(
            HeaderError::Missing("x").response_code(),
            response::SYSTEM_ERROR
        );
        assert_eq!(HeaderError::Missing("x").field(), "x");
    }

    #[test]
    fn helpers_read_and_write() {
        let fields = map(&[("n", " 5"), ("blank", ""), ("s", "")]);
        assert_eq!(read_required::<i32>(&fields, "n"), Ok(5));
        assert_eq!(
            read_required::<i32>(&fields, "absent"),
            Err(HeaderError::Missing("absent"))
        );
        assert_eq!(read_optional::<i32>(&fields, "absent"), Ok(None));
        assert_eq!(read_optional::<i32>(&fields, "blank"), Ok(None));
        assert_eq!(
            read_optional::<String>(&fields, "s"),
            Ok(Some(String::new()))
        );
        let mut out = ExtFields::new();
        write_optional::<i64>(&mut out, "none", &None);
        write_optional(&mut out, "some", &Some(-3i64));
        assert_eq!(out, map(&[("some", "-3")]));
    }

    #[test]
    fn rpc_fields_are_ignored() {
        let fields = map(&[
            ("topic", "T"),
            ("ns", "n"),
            ("nsd", "true"),
            ("bname", "b"),
            ("oway", "false"),
            ("lo", "true"),
        ]);
        let h = DeleteTopicRequestHeader::read_from(&fields).expect("decodes");
        assert_eq!(h.topic, "T");
    }
}
