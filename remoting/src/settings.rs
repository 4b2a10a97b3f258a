//! Config structs keyed by RocketMQ's names, loaded from `.properties` text.
//!
//! [`settings!`](crate::settings) declares a plain struct whose fields each carry their
//! RocketMQ key and default, and implements [`Settings`] for it: set a field by key with
//! a typed parse (an invalid value is an error naming the key), list every key with its
//! current value (for `-p` and GET_BROKER_CONFIG), and load a whole properties file while
//! collecting the unknown keys so the caller can warn about them.

use std::path::PathBuf;

use crate::java_properties;

/// A value that could not be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid value {value:?} for {key}: expected {expected}")]
pub struct SettingError {
    /// The RocketMQ key.
    pub key: String,
    /// What was given.
    pub value: String,
    /// What would have been accepted.
    pub expected: &'static str,
}

/// A field type of a settings struct.
pub trait SettingValue: Sized {
    /// What the text must look like, for error messages.
    const EXPECTED: &'static str;
    /// Parses the trimmed text of a value.
    fn parse_setting(s: &str) -> Option<Self>;
    /// The text form, as `-p` prints it.
    fn render_setting(&self) -> String;
}

impl SettingValue for String {
    const EXPECTED: &'static str = "text";
    fn parse_setting(s: &str) -> Option<Self> {
        Some(s.to_string())
    }
    fn render_setting(&self) -> String {
        self.clone()
    }
}

impl SettingValue for PathBuf {
    const EXPECTED: &'static str = "a path";
    fn parse_setting(s: &str) -> Option<Self> {
        (!s.is_empty()).then(|| PathBuf::from(s))
    }
    fn render_setting(&self) -> String {
        self.display().to_string()
    }
}

impl SettingValue for bool {
    const EXPECTED: &'static str = "true or false";
    fn parse_setting(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }
    fn render_setting(&self) -> String {
        self.to_string()
    }
}

macro_rules! number_setting {
    ($($t:ty => $what:expr),*) => {$(
        impl SettingValue for $t {
            const EXPECTED: &'static str = $what;
            // `str::parse` takes one leading `+`, as Java's `parseInt`/`parseLong` do.
            fn parse_setting(s: &str) -> Option<Self> {
                s.parse().ok()
            }
            fn render_setting(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
number_setting!(i32 => "an integer", i64 => "an integer", u16 => "a port number (0-65535)",
    u32 => "a non-negative integer", u64 => "a non-negative integer",
    usize => "a non-negative integer", f64 => "a number");

/// A struct of settings keyed by RocketMQ names; implemented by [`settings!`](crate::settings).
pub trait Settings: Default {
    /// Every key, in declaration order.
    const KEYS: &'static [&'static str];

    /// Sets the field named `key` from text. `Ok(false)` when no field has that key.
    fn set(&mut self, key: &str, value: &str) -> Result<bool, SettingError>;

    /// Every `(key, value)` pair, in declaration order.
    fn entries(&self) -> Vec<(&'static str, String)>;

    /// Applies properties text over the current values; returns the unknown keys.
    fn apply_properties(&mut self, text: &str) -> Result<Vec<String>, SettingError> {
        let mut unknown = Vec::new();
        for (k, v) in java_properties::parse(text) {
            if !self.set(&k, &v)? {
                unknown.push(k);
            }
        }
        Ok(unknown)
    }

    /// The settings as properties text (`key=value` lines), as `-p` prints them.
    fn to_properties(&self) -> String {
        let entries = self.entries();
        java_properties::render(entries.iter().map(|(k, v)| (*k, v.as_str())))
    }
}

/// Parses `value` for `key`, or says why not.
pub fn parse_value<T: SettingValue>(key: &str, value: &str) -> Result<T, SettingError> {
    T::parse_setting(value.trim()).ok_or_else(|| SettingError {
        key: key.to_string(),
        value: value.to_string(),
        expected: T::EXPECTED,
    })
}

/// Declares a settings struct. Each field: `doc, name: Type = "rocketmqKey", default;`.
///
/// ```
/// cometmq_remoting::settings! {
///     /// Example settings.
///     pub struct Example {
///         /// The port.
///         listen_port: u16 = "listenPort", 9876;
///         /// Where the KV config lives.
///         kv_config_path: String = "kvConfigPath", "/tmp/kv.json".to_string();
///     }
/// }
/// use cometmq_remoting::settings::Settings;
/// let mut s = Example::default();
/// assert_eq!(s.apply_properties("listenPort=9999\nbogus=1").unwrap(), vec!["bogus"]);
/// assert_eq!(s.listen_port, 9999);
/// assert!(s.set("listenPort", "many").is_err());
/// ```
#[macro_export]
macro_rules! settings {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $key:literal, $default:expr; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name { $( $field: $default, )* }
            }
        }

        impl $crate::settings::Settings for $name {
            const KEYS: &'static [&'static str] = &[$($key),*];

            fn set(&mut self, key: &str, value: &str) -> Result<bool, $crate::settings::SettingError> {
                match key {
                    $( $key => { self.$field = $crate::settings::parse_value::<$ty>(key, value)?; Ok(true) } )*
                    _ => Ok(false),
                }
            }

            fn entries(&self) -> Vec<(&'static str, String)> {
                vec![ $( ($key, $crate::settings::SettingValue::render_setting(&self.$field)) ),* ]
            }
        }
    };
}

/// Declares a unit-only enum usable as a setting, written and read by the given names
/// (case-insensitive on input).
#[macro_export]
macro_rules! setting_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $( $(#[$vmeta])* $variant ),* }

        impl $crate::settings::SettingValue for $name {
            const EXPECTED: &'static str = concat!("one of" $(, " ", $text)*);
            fn parse_setting(s: &str) -> Option<Self> {
                $( if s.eq_ignore_ascii_case($text) { return Some($name::$variant); } )*
                None
            }
            fn render_setting(&self) -> String {
                match self { $( $name::$variant => $text.to_string() ),* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&$crate::settings::SettingValue::render_setting(self))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::setting_enum! {
        /// How the CommitLog is flushed.
        pub enum Flush { Async = "ASYNC_FLUSH", Sync = "SYNC_FLUSH" }
    }

    crate::settings! {
        /// Test settings.
        pub struct Sample {
            /// A name.
            broker_name: String = "brokerName", "broker-a".to_string();
            /// A number.
            broker_id: i64 = "brokerId", 0;
            /// A flag.
            auto_create_topic_enable: bool = "autoCreateTopicEnable", true;
            /// An enum.
            flush_disk_type: Flush = "flushDiskType", Flush::Async;
        }
    }

    #[test]
    fn load_set_and_print() {
        let mut s = Sample::default();
        let unknown = s
            .apply_properties("brokerName = b\nbrokerld=1\nflushDiskType=sync_flush\n")
            .unwrap();
        assert_eq!(unknown, vec!["brokerld".to_string()]);
        assert_eq!(s.broker_name, "b");
        assert_eq!(s.flush_disk_type, Flush::Sync);
        let text = s.to_properties();
        let mut again = Sample::default();
        assert!(again.apply_properties(&text).unwrap().is_empty());
        assert_eq!(again, s);
        assert_eq!(Sample::KEYS.len(), 4);
    }

    #[test]
    fn invalid_values_name_the_key() {
        let mut s = Sample::default();
        let e = s.apply_properties("brokerId=zero").unwrap_err();
        assert_eq!(e.key, "brokerId");
        assert!(e.to_string().contains("brokerId"));
        let e = s.set("flushDiskType", "SOMETIMES").unwrap_err();
        assert!(e.to_string().contains("ASYNC_FLUSH"), "{e}");
        let e = s.set("autoCreateTopicEnable", "yes").unwrap_err();
        assert_eq!(e.expected, "true or false");
    }
}
