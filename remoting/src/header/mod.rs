//! Typed custom headers (reference §3), converted to and from `extFields`.

use crate::code::response;
use crate::command::ExtFields;

/// A typed custom header.
pub trait CommandHeader: Sized {
    /// Writes the fields into `extFields` (absent optionals are not written).
    fn write_to(&self, fields: &mut ExtFields);
    /// Reads the fields; a missing required field or an unparsable value is an error naming it.
    fn read_from(fields: &ExtFields) -> Result<Self, HeaderError>;
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
}
