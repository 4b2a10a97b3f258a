//! The message properties string (reference §5.4, Java
//! `MessageDecoder.messageProperties2String` / `string2messageProperties`).
//!
//! On the wire, properties are `name \u{1} value \u{2}` repeated, with a trailing
//! `\u{2}` after every pair, in UTF-8. [`Properties`] keeps insertion order so that what
//! we encode is deterministic (Java's `HashMap` order is not, and readers ignore it).

use std::collections::HashMap;

use bytes::BufMut;

use super::property;
use super::MessageError;

/// Separator between a property's name and value (Java `NAME_VALUE_SEPARATOR`, char 1).
pub const NAME_VALUE_SEPARATOR: u8 = 1;
/// Terminator after each property (Java `PROPERTY_SEPARATOR`, char 2).
pub const PROPERTY_SEPARATOR: u8 = 2;

/// Below this many entries duplicate names are found by pairwise comparison, which
/// needs no allocation; above it a hash map keeps parsing linear.
const SMALL: usize = 16;

/// An insertion-ordered set of message properties with unique names.
///
/// A small `Vec` beats a hash map for the ~5–15 properties a message carries. Names and
/// values must not contain `\u{1}` or `\u{2}`, and empty names or values are dropped by
/// every reader, so neither survives a round trip (Java has the same limitation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties {
    entries: Vec<(String, String)>,
}

impl Properties {
    /// An empty set.
    pub fn new() -> Self {
        Properties::default()
    }

    /// An empty set with room for `n` properties.
    pub fn with_capacity(n: usize) -> Self {
        Properties {
            entries: Vec::with_capacity(n),
        }
    }

    /// Number of properties.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no properties.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `name` is present.
    pub fn contains_key(&self, name: &str) -> bool {
        self.entries.iter().any(|(k, _)| k == name)
    }

    /// Sets `name` to `value`, keeping its position if present; returns the old value.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) -> Option<String> {
        let name = name.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| *k == name) {
            Some((_, v)) => Some(std::mem::replace(v, value)),
            None => {
                self.entries.push((name, value));
                None
            }
        }
    }

    /// Removes `name`; returns its value.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        let i = self.entries.iter().position(|(k, _)| k == name)?;
        Some(self.entries.remove(i).1)
    }

    /// Keeps only the properties for which `keep(name, value)` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &str) -> bool) {
        self.entries.retain(|(k, v)| keep(k, v));
    }

    /// Removes transient (`__RMQ.TRANSIENT.`) properties, which must never be stored.
    pub fn remove_transient(&mut self) {
        self.retain(|k, _| !property::is_transient(k));
    }

    /// The properties in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Byte length of the encoded string.
    pub fn encoded_len(&self) -> usize {
        self.entries
            .iter()
            .map(|(k, v)| k.len() + v.len() + 2)
            .sum()
    }

    /// Appends the encoded string to `dst`.
    pub fn encode_into(&self, dst: &mut impl BufMut) {
        for (k, v) in &self.entries {
            dst.put_slice(k.as_bytes());
            dst.put_u8(NAME_VALUE_SEPARATOR);
            dst.put_slice(v.as_bytes());
            dst.put_u8(PROPERTY_SEPARATOR);
        }
    }

    /// The encoded string.
    pub fn encode(&self) -> String {
        let mut s = String::with_capacity(self.encoded_len());
        for (k, v) in &self.entries {
            s.push_str(k);
            s.push(char::from(NAME_VALUE_SEPARATOR));
            s.push_str(v);
            s.push(char::from(PROPERTY_SEPARATOR));
        }
        s
    }

    /// Parses a properties string; fails if it is not UTF-8.
    ///
    /// Follows Java's parser exactly: split on `\u{2}`; an entry is kept only if its
    /// first `\u{1}` has at least one byte before it and one after it (so entries under 3
    /// bytes are skipped; the value may itself contain `\u{1}`); a repeated name keeps
    /// its first position and takes the last value.
    pub fn parse(bytes: &[u8]) -> Result<Self, MessageError> {
        let s = std::str::from_utf8(bytes).map_err(|_| MessageError::Utf8 {
            field: "properties",
        })?;
        Ok(Self::parse_str(s))
    }

    /// Parses a properties string, replacing invalid UTF-8 with U+FFFD as Java's
    /// `new String(bytes, UTF_8)` does.
    pub fn parse_lossy(bytes: &[u8]) -> Self {
        Self::parse_str(&String::from_utf8_lossy(bytes))
    }

    /// Parses an already-decoded properties string (see [`Properties::parse`]).
    pub fn parse_str(s: &str) -> Self {
        let n = s
            .bytes()
            .filter(|&b| b == PROPERTY_SEPARATOR)
            .count()
            .saturating_add(1);
        let mut props = Properties::with_capacity(n);
        for entry in s.split(char::from(PROPERTY_SEPARATOR)) {
            if let Some((k, v)) = entry.split_once(char::from(NAME_VALUE_SEPARATOR)) {
                if !k.is_empty() && !v.is_empty() {
                    props.entries.push((k.to_owned(), v.to_owned()));
                }
            }
        }
        props.dedup_last_wins();
        props
    }

    /// Merges repeated names: the first position is kept with the last value, matching
    /// `HashMap.put` in Java's parser.
    fn dedup_last_wins(&mut self) {
        let n = self.entries.len();
        if n < 2 {
            return;
        }
        // (duplicate index, index of first occurrence), in increasing duplicate order.
        let mut moves: Vec<(usize, usize)> = Vec::new();
        if n <= SMALL {
            for (i, (k, _)) in self.entries.iter().enumerate() {
                if let Some(first) = self.entries.iter().take(i).position(|(f, _)| f == k) {
                    moves.push((i, first));
                }
            }
        } else {
            let mut first: HashMap<&str, usize> = HashMap::with_capacity(n);
            for (i, (k, _)) in self.entries.iter().enumerate() {
                match first.get(k.as_str()) {
                    Some(&f) => moves.push((i, f)),
                    None => {
                        first.insert(k.as_str(), i);
                    }
                }
            }
        }
        if moves.is_empty() {
            return;
        }
        for &(dup, first) in &moves {
            let value = self
                .entries
                .get_mut(dup)
                .map(|(_, v)| std::mem::take(v))
                .unwrap_or_default();
            if let Some((_, v)) = self.entries.get_mut(first) {
                *v = value;
            }
        }
        let mut i = 0;
        let mut next_dup = moves.iter().map(|&(d, _)| d).peekable();
        self.entries.retain(|_| {
            let drop = next_dup.peek() == Some(&i);
            if drop {
                next_dup.next();
            }
            i += 1;
            !drop
        });
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Properties {
    /// Collects pairs; a repeated name takes the last value.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut props = Properties::new();
        props.extend(iter);
        props
    }
}

impl<K: Into<String>, V: Into<String>> Extend<(K, V)> for Properties {
    /// Inserts each pair (see [`Properties::insert`]).
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_follows_java() {
        let p = Properties::parse(b"A\x01B\x02\x02x\x02\x01y\x02k\x01\x02K\x01v\x01w\x02A\x01C")
            .unwrap();
        assert_eq!(
            p.iter().collect::<Vec<_>>(),
            vec![("A", "C"), ("K", "v\u{1}w")]
        );
    }

    #[test]
    fn dedup_large() {
        let mut s = String::new();
        for i in 0..40 {
            s.push_str(&format!("k{}\u{1}{}\u{2}", i % 20, i));
        }
        let p = Properties::parse(s.as_bytes()).unwrap();
        assert_eq!(p.len(), 20);
        assert_eq!(p.get("k3"), Some("23"));
        assert_eq!(p.iter().next(), Some(("k0", "20")));
    }

    #[test]
    fn insert_remove_encode() {
        let mut p: Properties = [("TAGS", "a"), ("KEYS", "k1 k2")].into_iter().collect();
        assert_eq!(p.insert("TAGS", "b"), Some("a".to_owned()));
        assert_eq!(p.encode(), "TAGS\u{1}b\u{2}KEYS\u{1}k1 k2\u{2}");
        assert_eq!(p.encoded_len(), p.encode().len());
        assert_eq!(p.remove("TAGS").as_deref(), Some("b"));
        assert!(p.parse_roundtrip());
    }

    #[test]
    fn invalid_utf8() {
        assert!(Properties::parse(b"a\x01\xff\x02").is_err());
        assert_eq!(
            Properties::parse_lossy(b"a\x01\xff\x02").get("a"),
            Some("\u{fffd}")
        );
    }

    impl Properties {
        fn parse_roundtrip(&self) -> bool {
            Properties::parse(self.encode().as_bytes()).ok().as_ref() == Some(self)
        }
    }
}
