//! Code tables: request codes, response codes, language codes and MQ versions (reference §1.6, §2).
//!
//! Codes are plain `i32` constants, as on the wire; each table also maps a code back to its
//! RocketMQ name for logs and error remarks.

pub mod language;
pub mod request;
pub mod response;
pub mod version;

pub use language::LanguageCode;

/// Declares a module-level table of `pub const NAME: i32 = value;` plus a `name(code)` lookup.
macro_rules! code_table {
    ($( $(#[$doc:meta])* $name:ident = $value:expr ),* $(,)?) => {
        $( $(#[$doc])* pub const $name: i32 = $value; )*

        /// The RocketMQ name of `code`, if it is in this table.
        pub fn name(code: i32) -> Option<&'static str> {
            match code {
                $( $value => Some(stringify!($name)), )*
                _ => None,
            }
        }

        /// Every `(name, code)` pair of this table, in declaration order.
        pub const ALL: &[(&str, i32)] = &[ $( (stringify!($name), $value) ),* ];
    };
}
pub(crate) use code_table;
