//! Config structs keyed by RocketMQ's names, and the one loader of every config file.
//!
//! [`settings!`](crate::settings!) declares a plain struct whose fields each carry their
//! RocketMQ key and default, and implements [`Settings`] for it: set a field by key with
//! a typed parse (an invalid value is an error naming the key), and list every key with
//! its current value (for `-p`, GET_BROKER_CONFIG and the file UPDATE_BROKER_CONFIG
//! writes). A struct may embed another settings struct whose keys then count as its own
//! (the broker embeds the store's), so each key is declared once.
//!
//! [`KeyRules`] is how both servers read their files and runtime updates: other
//! spellings of a key, keys accepted and ignored, and keys refused because they turn on a
//! feature CometMQ lacks. Values are taken as written: no `${VAR}` expansion, as in Java.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::java_properties::{self, MalformedProperties};

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

/// An optional value: empty text is `None`.
impl<T: SettingValue> SettingValue for Option<T> {
    const EXPECTED: &'static str = T::EXPECTED;
    fn parse_setting(s: &str) -> Option<Self> {
        if s.is_empty() {
            Some(None)
        } else {
            T::parse_setting(s).map(Some)
        }
    }
    fn render_setting(&self) -> String {
        self.as_ref().map(T::render_setting).unwrap_or_default()
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

/// How a field's value is written in a config file: [`Plain`] for its own
/// [`SettingValue`] form, or a [`unit`](mod@unit) for a [`Duration`] in Java's unit for that key.
pub trait SettingCodec<T> {
    /// What the text must look like, for error messages.
    const EXPECTED: &'static str;
    /// Parses the trimmed text of a value.
    fn parse(s: &str) -> Option<T>;
    /// The text form.
    fn render(value: &T) -> String;
}

/// The field type's own text form.
pub struct Plain;

impl<T: SettingValue> SettingCodec<T> for Plain {
    const EXPECTED: &'static str = T::EXPECTED;
    fn parse(s: &str) -> Option<T> {
        T::parse_setting(s)
    }
    fn render(value: &T) -> String {
        value.render_setting()
    }
}

/// Units of [`Duration`] fields: the key's number is in this unit (`syncFlushTimeout`
/// in ms, `fileReservedTime` in hours), the field holds a `Duration`.
pub mod unit {
    use super::{Duration, SettingCodec};

    macro_rules! duration_unit {
        ($($(#[$m:meta])* $name:ident = $ms:expr, $what:literal;)*) => {$(
            $(#[$m])*
            pub struct $name;
            impl SettingCodec<Duration> for $name {
                const EXPECTED: &'static str = $what;
                fn parse(s: &str) -> Option<Duration> {
                    let n: u64 = s.parse().ok()?;
                    n.checked_mul($ms).map(Duration::from_millis)
                }
                fn render(value: &Duration) -> String {
                    (value.as_millis() / $ms).to_string()
                }
            }
        )*};
    }
    duration_unit! {
        /// Milliseconds.
        Millis = 1, "a non-negative number of milliseconds";
        /// Seconds.
        Secs = 1000, "a non-negative number of seconds";
        /// Hours.
        Hours = 3_600_000, "a non-negative number of hours";
    }
}

/// Parses `value` for `key` with codec `C`, or says why not.
pub fn parse_with<T, C: SettingCodec<T>>(key: &str, value: &str) -> Result<T, SettingError> {
    C::parse(value.trim()).ok_or_else(|| SettingError {
        key: key.to_string(),
        value: value.to_string(),
        expected: C::EXPECTED,
    })
}

/// Parses `value` for `key`, or says why not.
pub fn parse_value<T: SettingValue>(key: &str, value: &str) -> Result<T, SettingError> {
    parse_with::<T, Plain>(key, value)
}

/// A struct of settings keyed by RocketMQ names; implemented by [`settings!`](crate::settings!).
pub trait Settings: Default {
    /// Sets the field named `key` from text. `Ok(false)` when no field has that key.
    fn set(&mut self, key: &str, value: &str) -> Result<bool, SettingError>;

    /// Every `(key, value)` pair, in declaration order, embedded structs' keys after
    /// the struct's own.
    fn entries(&self) -> Vec<(&'static str, String)>;

    /// The settings as properties text (`key=value` lines), as `-p` prints them.
    fn to_properties(&self) -> String {
        let entries = self.entries();
        java_properties::render(entries.iter().map(|(k, v)| (*k, v.as_str())))
    }
}

/// Java's `NettyServerConfig` keys, which both servers accept and ignore: Netty's event
/// loops, semaphores and socket buffers have no counterpart in the tokio transport (one
/// worker thread per core, the kernel's socket defaults).
pub const NETTY_SERVER_KEYS: &[&str] = &[
    "serverWorkerThreads",
    "serverCallbackExecutorThreads",
    "serverSelectorThreads",
    "serverOnewaySemaphoreValue",
    "serverAsyncSemaphoreValue",
    "serverSocketSndBufSize",
    "serverSocketRcvBufSize",
    "serverSocketBacklog",
    "serverPooledByteBufAllocatorEnable",
    "useEpollNativeSelector",
];

/// A key of Apache RocketMQ that turns on a feature CometMQ does not have: accepted only
/// at the value that leaves the feature off, refused otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Refused {
    /// The key.
    pub key: &'static str,
    /// The one value accepted (compared case-insensitively), Java's default.
    pub allowed: &'static str,
    /// What the key would turn on, and what to do instead.
    pub feature: &'static str,
}

/// A config entry that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// The value does not parse; the message names the key.
    #[error(transparent)]
    Invalid(#[from] SettingError),
    /// The key turns on a feature CometMQ does not have.
    #[error("{key}={value} is not supported: {feature}")]
    Unsupported {
        /// The key.
        key: String,
        /// The value given.
        value: String,
        /// What is missing and what to do instead.
        feature: &'static str,
    },
}

impl ApplyError {
    /// The key at fault.
    pub fn key(&self) -> &str {
        match self {
            ApplyError::Invalid(e) => &e.key,
            ApplyError::Unsupported { key, .. } => key,
        }
    }
}

/// A config file that cannot be used. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file cannot be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        /// The path given.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not properties text Java would load.
    #[error("config file {}, {source}", path.display())]
    Malformed {
        /// The path given.
        path: PathBuf,
        /// Where and what.
        source: MalformedProperties,
    },
    /// An entry cannot be applied; the message names the key.
    #[error("config file {}: {source}", path.display())]
    Apply {
        /// The path given.
        path: PathBuf,
        /// Which key and why.
        source: ApplyError,
    },
}

/// How a server treats the keys of its config file and of runtime updates beyond its
/// struct's own: one set of rules per server, one loader for both.
#[derive(Debug, Clone, Copy)]
pub struct KeyRules {
    /// Other spellings of a key: `(alias, key)`.
    pub aliases: &'static [(&'static str, &'static str)],
    /// Lists of Java keys accepted and ignored because they have no effect on behaviour
    /// here (thread pools, Netty tuning); each is listed in docs/COMPATIBILITY.md with
    /// why.
    pub ignored: &'static [&'static [&'static str]],
    /// Java keys refused unless at their harmless value.
    pub refused: &'static [Refused],
}

impl KeyRules {
    /// No aliases, nothing ignored or refused.
    pub const NONE: KeyRules = KeyRules {
        aliases: &[],
        ignored: &[],
        refused: &[],
    };

    /// The key `key` stands for (itself unless it is an alias).
    pub fn canonical<'a>(&self, key: &'a str) -> &'a str {
        self.aliases
            .iter()
            .find(|(alias, _)| *alias == key)
            .map_or(key, |(_, k)| k)
    }

    /// True when `key` is accepted and ignored.
    pub fn is_ignored(&self, key: &str) -> bool {
        self.ignored.iter().any(|list| list.contains(&key))
    }

    /// Applies `key=value` pairs in order (the last of a key wins). All or nothing: on an
    /// error `settings` is unchanged. An ignored key is logged (INFO) as having no effect.
    /// Returns the keys nobody knows (warned about by the caller; Java ignores them
    /// silently).
    pub fn apply<S: Settings + Clone>(
        &self,
        settings: &mut S,
        pairs: &[(String, String)],
    ) -> Result<Vec<String>, ApplyError> {
        let mut next = settings.clone();
        let mut unknown = Vec::new();
        for (key, value) in pairs {
            let key = self.canonical(key);
            if let Some(r) = self.refused.iter().find(|r| r.key == key) {
                if !value.trim().eq_ignore_ascii_case(r.allowed) {
                    return Err(ApplyError::Unsupported {
                        key: key.to_string(),
                        value: value.clone(),
                        feature: r.feature,
                    });
                }
                continue;
            }
            if !next.set(key, value)? {
                if self.is_ignored(key) {
                    tracing::info!(
                        key,
                        value = value.as_str(),
                        "accepted and ignored: no effect in CometMQ (see docs/COMPATIBILITY.md)"
                    );
                } else {
                    unknown.push(key.to_string());
                }
            }
        }
        *settings = next;
        Ok(unknown)
    }

    /// Reads properties text over `settings`; see [`KeyRules::apply`].
    pub fn apply_text<S: Settings + Clone>(
        &self,
        settings: &mut S,
        text: &str,
        path: &Path,
    ) -> Result<Vec<String>, LoadError> {
        let pairs = java_properties::parse(text).map_err(|source| LoadError::Malformed {
            path: path.to_owned(),
            source,
        })?;
        self.apply(settings, &pairs)
            .map_err(|source| LoadError::Apply {
                path: path.to_owned(),
                source,
            })
    }

    /// Reads a config file over `settings` (`mqbroker -c`, `mqnamesrv -c`); returns the
    /// unknown keys. Any error names the file, and the key when one is at fault.
    pub fn load_file<S: Settings + Clone>(
        &self,
        settings: &mut S,
        path: &Path,
    ) -> Result<Vec<String>, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
            path: path.to_owned(),
            source,
        })?;
        self.apply_text(settings, &text, path)
    }
}

/// Declares a settings struct.
///
/// Each field is `doc, name: Type = "rocketmqKey", default;`, optionally with a unit
/// (`= "syncFlushTimeout" in Millis`) for a [`Duration`] field, or without a key
/// (`name: Type, default;`) for a value the program sets, not the file. After the
/// fields, `..name: Type;` embeds another settings struct whose keys are then set and
/// listed as this one's.
///
/// ```
/// cometmq_remoting::settings! {
///     /// Example settings.
///     pub struct Example {
///         /// The port.
///         listen_port: u16 = "listenPort", 9876;
///         /// How long to wait.
///         timeout: std::time::Duration = "timeoutMillis" in Millis, std::time::Duration::from_secs(3);
///         /// Not a key: set by the program.
///         started: bool, false;
///     }
/// }
/// use cometmq_remoting::settings::{KeyRules, Settings};
/// let mut s = Example::default();
/// let pairs = [("listenPort".into(), "9999".into()), ("bogus".into(), "1".into())];
/// assert_eq!(KeyRules::NONE.apply(&mut s, &pairs).unwrap(), vec!["bogus"]);
/// assert_eq!(s.listen_port, 9999);
/// assert!(s.set("timeoutMillis", "250").unwrap());
/// assert_eq!(s.timeout, std::time::Duration::from_millis(250));
/// assert!(s.set("listenPort", "many").is_err());
/// assert!(!s.set("started", "true").unwrap());
/// ```
#[macro_export]
macro_rules! settings {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty $(= $key:literal $(in $unit:ident)?)?, $default:expr; )*
            $( ..$efield:ident : $ety:ty; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
            $(
                #[doc = concat!("The keys of [`", stringify!($ety), "`], set and listed as this struct's own.")]
                pub $efield: $ety,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    $( $field: $default, )*
                    $( $efield: <$ety as Default>::default(), )*
                }
            }
        }

        impl $crate::settings::Settings for $name {
            fn set(&mut self, key: &str, value: &str) -> Result<bool, $crate::settings::SettingError> {
                match key {
                    $( $( $key => {
                        self.$field = $crate::settings::parse_with::<$ty, $crate::__setting_codec!($($unit)?)>(key, value)?;
                        return Ok(true);
                    } )? )*
                    _ => {}
                }
                $( if $crate::settings::Settings::set(&mut self.$efield, key, value)? {
                    return Ok(true);
                } )*
                Ok(false)
            }

            fn entries(&self) -> Vec<(&'static str, String)> {
                #[allow(unused_mut)]
                let mut all = vec![ $( $( ($key, <$crate::__setting_codec!($($unit)?) as $crate::settings::SettingCodec<$ty>>::render(&self.$field)), )? )* ];
                $( all.extend($crate::settings::Settings::entries(&self.$efield)); )*
                all
            }
        }
    };
}

/// The codec of a field: [`Plain`] or a [`unit`](mod@unit). Used by [`settings!`](crate::settings!).
#[doc(hidden)]
#[macro_export]
macro_rules! __setting_codec {
    () => {
        $crate::settings::Plain
    };
    ($unit:ident) => {
        $crate::settings::unit::$unit
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
        /// Embedded settings.
        pub struct Inner {
            /// A duration in hours.
            reserved: Duration = "fileReservedTime" in Hours, Duration::from_secs(72 * 3600);
            /// An optional path.
            commit_log: Option<PathBuf> = "storePathCommitLog", None;
            /// Not a key.
            host: Option<String>, None;
        }
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
            ..inner: Inner;
        }
    }

    const RULES: KeyRules = KeyRules {
        aliases: &[("brokerIdentity", "brokerId")],
        ignored: &[&["rocketmqHome"]],
        refused: &[Refused {
            key: "aclEnable",
            allowed: "false",
            feature: "ACL is not implemented",
        }],
    };

    fn pairs(text: &str) -> Vec<(String, String)> {
        java_properties::parse(text).unwrap()
    }

    #[test]
    fn load_set_and_print() {
        let mut s = Sample::default();
        let unknown = RULES
            .apply(
                &mut s,
                &pairs("brokerName = b\nbrokerld=1\nflushDiskType=sync_flush\nrocketmqHome=/x\nfileReservedTime=2\nstorePathCommitLog=/c\n"),
            )
            .unwrap();
        assert_eq!(unknown, vec!["brokerld".to_string()]);
        assert_eq!(s.broker_name, "b");
        assert_eq!(s.flush_disk_type, Flush::Sync);
        assert_eq!(s.inner.reserved, Duration::from_secs(7200));
        assert_eq!(s.inner.commit_log, Some(PathBuf::from("/c")));
        let text = s.to_properties();
        assert!(text.contains("\nfileReservedTime=2\n"), "{text}");
        let mut again = Sample::default();
        assert!(RULES.apply(&mut again, &pairs(&text)).unwrap().is_empty());
        assert_eq!(again, s);
        assert_eq!(
            Sample::default().entries().len(),
            6,
            "own keys and the embedded ones"
        );
        assert!(s.set("storePathCommitLog", "").unwrap());
        assert_eq!(s.inner.commit_log, None);
        assert!(!s.set("host", "h").unwrap(), "a keyless field is not a key");
    }

    #[test]
    fn aliases_and_refused_keys() {
        let mut s = Sample::default();
        RULES
            .apply(&mut s, &pairs("brokerIdentity=3\naclEnable=FALSE\n"))
            .unwrap();
        assert_eq!(s.broker_id, 3);
        let e = RULES
            .apply(&mut s, &pairs("brokerId=4\naclEnable=true\n"))
            .unwrap_err();
        assert_eq!(e.key(), "aclEnable");
        assert!(e.to_string().contains("ACL is not implemented"), "{e}");
        assert_eq!(s.broker_id, 3, "all or nothing");
    }

    #[test]
    fn invalid_values_name_the_key() {
        let mut s = Sample::default();
        let e = RULES.apply(&mut s, &pairs("brokerId=zero")).unwrap_err();
        assert_eq!(e.key(), "brokerId");
        assert!(e.to_string().contains("brokerId"));
        let e = s.set("flushDiskType", "SOMETIMES").unwrap_err();
        assert!(e.to_string().contains("ASYNC_FLUSH"), "{e}");
        let e = s.set("autoCreateTopicEnable", "yes").unwrap_err();
        assert_eq!(e.expected, "true or false");
        let e = s.set("fileReservedTime", "-1").unwrap_err();
        assert_eq!(e.expected, "a non-negative number of hours");
    }

    #[test]
    fn file_errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("settings-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("broker.conf");
        let mut s = Sample::default();
        std::fs::write(&path, "brokerName=x\nbrokerId=one\n").unwrap();
        let e = RULES.load_file(&mut s, &path).unwrap_err().to_string();
        assert!(e.contains("broker.conf") && e.contains("brokerId"), "{e}");
        std::fs::write(&path, "brokerName=x\nbrokerName=\\u00zz\n").unwrap();
        let e = RULES.load_file(&mut s, &path).unwrap_err().to_string();
        assert!(e.contains("broker.conf, line 2"), "{e}");
        let e = RULES
            .load_file(&mut s, &dir.join("missing.conf"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing.conf"), "{e}");
        assert_eq!(s, Sample::default());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
