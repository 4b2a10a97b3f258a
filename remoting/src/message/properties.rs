//! The message properties string (reference §5.4, Java
//! `MessageDecoder.messageProperties2String` / `string2messageProperties`).
//!
//! On the wire, properties are `name \u{1} value \u{2}` repeated, with a trailing
//! `\u{2}` after every pair, in UTF-8. [`Properties`] keeps insertion order so that what
//! we encode is deterministic (Java's `HashMap` order is not, and readers ignore it).

use std::collections::HashMap;
use std::ops::Range;

use bytes::BufMut;

use super::property;
use super::MessageError;

/// Separator between a property's name and value (Java `NAME_VALUE_SEPARATOR`, char 1).
pub const NAME_VALUE_SEPARATOR: u8 = 1;
/// Terminator after each property (Java `PROPERTY_SEPARATOR`, char 2).
pub const PROPERTY_SEPARATOR: u8 = 2;

/// Below this many entries a repeated name is found by comparing with every earlier
/// name, which needs no allocation; above it a hash map keeps parsing linear.
const SMALL: usize = 16;

/// Room a parsed set keeps for two more properties without reallocating: a consumer adds
/// `MIN_OFFSET` and `MAX_OFFSET` to every pulled message.
const PARSE_SPARE_ENTRIES: usize = 2;
/// Text room kept for those two (names, 20-digit values, separators).
const PARSE_SPARE_BYTES: usize = 64;

/// Where one property lives in the encoded text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    name: Range<usize>,
    value: Range<usize>,
}

impl Entry {
    /// The whole `name \u{1} value \u{2}` span.
    fn span(&self) -> Range<usize> {
        self.name.start..self.value.end + 1
    }

    /// Moves the entry by `delta` bytes (entries after an edit).
    fn shift(&mut self, delta: isize) {
        let by = |r: &mut Range<usize>| {
            r.start = r.start.saturating_add_signed(delta);
            r.end = r.end.saturating_add_signed(delta);
        };
        by(&mut self.name);
        by(&mut self.value);
    }
}

/// An insertion-ordered set of message properties with unique names.
///
/// Held as the encoded string itself plus the position of each name and value, so
/// parsing a record's properties takes two allocations whatever their number, and
/// encoding is a copy. A small `Vec` of positions beats a hash map for the ~5–15
/// properties a message carries. Names and values must not contain `\u{1}` or `\u{2}`,
/// and empty names or values are dropped by every reader, so neither survives a round
/// trip (Java has the same limitation).
#[derive(Clone, Default)]
pub struct Properties {
    /// The encoded properties, in entry order (always exactly what [`Self::encode`] returns).
    text: String,
    entries: Vec<Entry>,
}

impl std::fmt::Debug for Properties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl PartialEq for Properties {
    /// Same properties in the same order.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Properties {}

impl Properties {
    /// An empty set.
    pub fn new() -> Self {
        Properties::default()
    }

    /// An empty set with room for `n` properties.
    pub fn with_capacity(n: usize) -> Self {
        Properties {
            text: String::new(),
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

    fn str(&self, r: &Range<usize>) -> &str {
        self.text.get(r.clone()).unwrap_or_default()
    }

    fn position(&self, name: &str) -> Option<usize> {
        let (text, name) = (self.text.as_bytes(), name.as_bytes());
        self.entries
            .iter()
            .position(|e| e.name.len() == name.len() && text.get(e.name.clone()) == Some(name))
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        let i = self.position(name)?;
        self.entries.get(i).map(|e| self.str(&e.value))
    }

    /// Whether `name` is present.
    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// Sets `name` to `value`, keeping its position if present; returns the old value.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) -> Option<String> {
        let name = name.into();
        let value = value.into();
        match self.position(&name) {
            Some(i) => Some(self.replace_value(i, &value)),
            None => {
                self.push(&name, &value);
                None
            }
        }
    }

    /// Sets `name` to `value` like [`Self::insert`], copying the strings into the set's own
    /// text instead of taking owned ones (no allocation when the text has room, as a parsed
    /// set has for a consumer's `MIN_OFFSET` and `MAX_OFFSET`).
    pub fn set(&mut self, name: &str, value: &str) {
        match self.position(name) {
            Some(i) => {
                self.replace_value(i, value);
            }
            None => self.push(name, value),
        }
    }

    /// Appends a property not present yet.
    fn push(&mut self, name: &str, value: &str) {
        let start = self.text.len();
        self.text.reserve(name.len() + value.len() + 2);
        self.text.push_str(name);
        self.text.push(char::from(NAME_VALUE_SEPARATOR));
        self.text.push_str(value);
        self.text.push(char::from(PROPERTY_SEPARATOR));
        let name_end = start + name.len();
        let value_end = name_end + 1 + value.len();
        self.entries.push(Entry {
            name: start..name_end,
            value: name_end + 1..value_end,
        });
    }

    /// Replaces the value of entry `i`, moving the later entries; returns the old value.
    fn replace_value(&mut self, i: usize, value: &str) -> String {
        let Some(e) = self.entries.get_mut(i) else {
            return String::new();
        };
        let old_range = e.value.clone();
        let old = self
            .text
            .get(old_range.clone())
            .unwrap_or_default()
            .to_owned();
        self.text.replace_range(old_range.clone(), value);
        e.value.end = old_range.start + value.len();
        let delta = value.len() as isize - old.len() as isize;
        for later in self.entries.iter_mut().skip(i + 1) {
            later.shift(delta);
        }
        old
    }

    /// Removes `name`; returns its value.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        let i = self.position(name)?;
        Some(self.remove_at(i))
    }

    /// Removes entry `i` (which exists), moving the later entries; returns its value.
    fn remove_at(&mut self, i: usize) -> String {
        let e = self.entries.remove(i);
        let value = self.str(&e.value).to_owned();
        let span = e.span();
        let delta = -((span.end - span.start) as isize);
        self.text.replace_range(span, "");
        for later in self.entries.iter_mut().skip(i) {
            later.shift(delta);
        }
        value
    }

    /// Keeps only the properties for which `keep(name, value)` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &str) -> bool) {
        let mut i = 0;
        while let Some(e) = self.entries.get(i) {
            if keep(self.str(&e.name), self.str(&e.value)) {
                i += 1;
            } else {
                self.remove_at(i);
            }
        }
    }

    /// Removes transient (`__RMQ.TRANSIENT.`) properties, which must never be stored.
    pub fn remove_transient(&mut self) {
        self.retain(|k, _| !property::is_transient(k));
    }

    /// The properties in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .map(|e| (self.str(&e.name), self.str(&e.value)))
    }

    /// Byte length of the encoded string.
    pub fn encoded_len(&self) -> usize {
        self.text.len()
    }

    /// Appends the encoded string to `dst`.
    pub fn encode_into(&self, dst: &mut impl BufMut) {
        dst.put_slice(self.text.as_bytes());
    }

    /// The encoded string.
    pub fn encode(&self) -> String {
        self.text.clone()
    }

    /// Parses a properties string; fails if it is not UTF-8.
    ///
    /// Follows Java's parser exactly, as [`PropertiesView`] reads the grammar: split on
    /// `\u{2}`; an entry is kept only if its first `\u{1}` has at least one byte before it
    /// and one after it (so entries under 3 bytes are skipped; the value may itself
    /// contain `\u{1}`); a repeated name keeps its first position and takes the last
    /// value.
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
        let bytes = s.as_bytes();
        let n = bytes
            .iter()
            .filter(|&&b| b == PROPERTY_SEPARATOR)
            .count()
            .saturating_add(1);
        let mut props = Properties {
            text: String::with_capacity(s.len().saturating_add(PARSE_SPARE_BYTES)),
            entries: Vec::with_capacity(n.saturating_add(PARSE_SPARE_ENTRIES)),
        };
        // (name, value) of each entry Java keeps; the separators are ASCII, so every cut
        // is on a char boundary.
        let mut pairs = spans(bytes).map(|(name, value)| {
            (
                s.get(name).unwrap_or_default(),
                s.get(value).unwrap_or_default(),
            )
        });
        if n <= SMALL {
            for (k, v) in pairs {
                props.set(k, v);
            }
        } else {
            // First position of each name, last value.
            let mut order: Vec<(&str, &str)> = Vec::with_capacity(n);
            let mut first: HashMap<&str, usize> = HashMap::with_capacity(n);
            for (k, v) in pairs.by_ref() {
                match first.get(k) {
                    Some(&i) => {
                        if let Some(slot) = order.get_mut(i) {
                            slot.1 = v;
                        }
                    }
                    None => {
                        first.insert(k, order.len());
                        order.push((k, v));
                    }
                }
            }
            for (k, v) in order {
                props.push(k, v);
            }
        }
        props
    }
}

/// The name and value spans of the entries Java keeps in a properties string, in order,
/// repeats included: split on `\u{2}`; an entry counts only if its first `\u{1}` has at
/// least one byte before it and one after it (so the value may itself contain `\u{1}`).
fn spans(bytes: &[u8]) -> impl Iterator<Item = (Range<usize>, Range<usize>)> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || loop {
        let rest = bytes.get(start..).filter(|r| !r.is_empty())?;
        let len = memchr::memchr(PROPERTY_SEPARATOR, rest).unwrap_or(rest.len());
        let entry = start..start + len;
        start = entry.end + 1;
        let entry_bytes = rest.get(..len).unwrap_or_default();
        let Some(sep) = memchr::memchr(NAME_VALUE_SEPARATOR, entry_bytes) else {
            continue;
        };
        let name = entry.start..entry.start + sep;
        let value = name.end + 1..entry.end;
        if !name.is_empty() && !value.is_empty() {
            return Some((name, value));
        }
    })
}

/// A properties string read in place, without allocating: a record's PROPERTIES, a send
/// header's `properties`. The one reading of the grammar, as Java's
/// `MessageDecoder.string2messageProperties` reads it ([`Properties::parse`] uses it too):
/// split on `\u{2}`, an entry kept only if its first `\u{1}` has a byte before and after
/// it, and **when a name repeats, the last value wins** (Java fills a `HashMap`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PropertiesView<'a>(&'a [u8]);

impl<'a> PropertiesView<'a> {
    /// Views an encoded properties string.
    pub fn new(bytes: &'a [u8]) -> Self {
        PropertiesView(bytes)
    }

    /// The encoded string.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The entries Java keeps, in order, repeats included.
    pub fn entries(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        let bytes = self.0;
        spans(bytes).map(move |(n, v)| {
            (
                bytes.get(n).unwrap_or_default(),
                bytes.get(v).unwrap_or_default(),
            )
        })
    }

    /// Whether the string is exactly what [`Properties::encode`] writes for its entries:
    /// each entry a non-empty name, `\u{1}`, a non-empty value without `\u{1}`, then
    /// `\u{2}`; no name twice. Such a string parses back to itself, so it can be extended
    /// by appending entries instead of being parsed and re-encoded.
    pub fn is_canonical(&self) -> bool {
        let Some(body) = self.0.strip_suffix(&[PROPERTY_SEPARATOR]) else {
            return self.0.is_empty();
        };
        // One pass: check each entry's shape and remember its name; small sets compare
        // with the names seen so far (no allocation), large ones use a hash set.
        let mut few: [&[u8]; SMALL] = [&[]; SMALL];
        let mut many: Option<std::collections::HashSet<&[u8]>> = None;
        for (n, raw) in body.split(|&b| b == PROPERTY_SEPARATOR).enumerate() {
            let Some(sep) = memchr::memchr(NAME_VALUE_SEPARATOR, raw) else {
                return false;
            };
            let name = raw.get(..sep).unwrap_or_default();
            let value = raw.get(sep + 1..).unwrap_or_default();
            if name.is_empty()
                || value.is_empty()
                || memchr::memchr(NAME_VALUE_SEPARATOR, value).is_some()
            {
                return false;
            }
            if let Some(set) = many.as_mut() {
                if !set.insert(name) {
                    return false;
                }
            } else if n < SMALL {
                if few.get(..n).unwrap_or_default().contains(&name) {
                    return false;
                }
                if let Some(slot) = few.get_mut(n) {
                    *slot = name;
                }
            } else {
                let mut set: std::collections::HashSet<&[u8]> = few.iter().copied().collect();
                if !set.insert(name) {
                    return false;
                }
                many = Some(set);
            }
        }
        true
    }

    /// The value of `name` (the last one when repeated); `None` when absent or not UTF-8.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        let [value] = self.get_many([name]);
        value
    }

    /// The values of several names in one pass over the string (each as [`Self::get`]):
    /// the dispatcher and the send path need three or four properties of every message.
    pub fn get_many<const N: usize>(&self, names: [&str; N]) -> [Option<&'a str>; N] {
        let mut found: [Option<&'a [u8]>; N] = [None; N];
        for (name, value) in self.entries() {
            for (want, slot) in names.iter().zip(found.iter_mut()) {
                if want.as_bytes() == name {
                    *slot = Some(value);
                }
            }
        }
        found.map(|v| v.and_then(|v| std::str::from_utf8(v).ok()))
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

    /// The view reads what the parser keeps: the same entries, the last value of a
    /// repeated name.
    #[test]
    fn the_view_reads_as_the_parser_does() {
        let raw = b"TAGS\x01a\x02KEYS\x01k1 k2\x02x\x02\x01v\x02TAGS\x01b\x02E\x01\x02";
        let parsed = Properties::parse_lossy(raw);
        let view = PropertiesView::new(raw);
        for name in ["TAGS", "KEYS", "E", "x", "nope"] {
            assert_eq!(view.get(name), parsed.get(name), "{name}");
        }
        assert_eq!(
            view.get("TAGS"),
            Some("b"),
            "the last value wins, as in Java"
        );
        assert_eq!(view.entries().count(), 3);
        assert_eq!(view.as_bytes(), raw);
        assert_eq!(
            PropertiesView::new(b"A\x01\xff\x02").get("A"),
            None,
            "not UTF-8"
        );
    }

    #[test]
    fn canonical_strings_are_what_encode_writes() {
        for text in ["", "A\u{1}1\u{2}", "A\u{1}1\u{2}B\u{1}x y\u{2}"] {
            let view = PropertiesView::new(text.as_bytes());
            assert!(view.is_canonical(), "{text:?}");
            assert_eq!(Properties::parse_str(text).encode(), text);
        }
        for text in [
            "A\u{1}1",
            "A\u{1}1\u{2}A\u{1}2\u{2}",
            "A\u{1}\u{2}",
            "\u{1}a\u{2}",
            "A\u{2}",
            "A\u{1}a\u{1}b\u{2}",
            "\u{2}",
        ] {
            assert!(
                !PropertiesView::new(text.as_bytes()).is_canonical(),
                "{text:?}"
            );
        }
        // Many entries: a repeat is still found.
        let mut many: String = (0..40).map(|i| format!("k{i}\u{1}v\u{2}")).collect();
        assert!(PropertiesView::new(many.as_bytes()).is_canonical());
        many.push_str("k7\u{1}again\u{2}");
        assert!(!PropertiesView::new(many.as_bytes()).is_canonical());
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
    fn edits_keep_the_encoded_text_exact() {
        let mut p = Properties::parse(b"A\x01one\x02B\x01two\x02C\x01three").unwrap();
        assert_eq!(p.encode(), "A\u{1}one\u{2}B\u{1}two\u{2}C\u{1}three\u{2}");
        assert_eq!(p.insert("A", "1").as_deref(), Some("one"));
        assert_eq!(p.insert("B", "longer value").as_deref(), Some("two"));
        assert_eq!(p.insert("D", "4"), None);
        assert_eq!(
            p.iter().collect::<Vec<_>>(),
            [
                ("A", "1"),
                ("B", "longer value"),
                ("C", "three"),
                ("D", "4")
            ]
        );
        assert_eq!(p.remove("B").as_deref(), Some("longer value"));
        assert_eq!(p.get("C"), Some("three"));
        p.retain(|k, _| k != "A");
        assert_eq!(p.encode(), "C\u{1}three\u{2}D\u{1}4\u{2}");
        assert_eq!(p.get("D"), Some("4"));
        assert!(p.parse_roundtrip());
        let mut buf = Vec::new();
        p.encode_into(&mut buf);
        assert_eq!(buf, p.encode().as_bytes());
        let q: Properties = [("C", "three"), ("D", "4")].into_iter().collect();
        assert_eq!(p, q);
        assert_ne!(p, Properties::new());
        assert_eq!(format!("{q:?}"), r#"{"C": "three", "D": "4"}"#);
    }

    #[test]
    fn parse_matches_inserting_java_entries() {
        let cases: [&[u8]; 9] = [
            b"",
            b"A\x01B\x02",
            b"A\x01B\x02C\x01D\x02",
            b"A\x01B\x02C\x01D",
            b"A\x01B\x02A\x01C\x02",
            b"A\x01\x02B\x01C\x02",
            b"\x01x\x02B\x01C\x02",
            b"K\x01v\x01w\x02",
            b"A\x02\x02B\x01C\x02",
        ];
        for case in cases {
            let p = Properties::parse(case).unwrap();
            let mut general = Properties::new();
            for entry in case.split(|&b| b == PROPERTY_SEPARATOR) {
                let s = std::str::from_utf8(entry).unwrap();
                if let Some((k, v)) = s.split_once('\u{1}') {
                    if !k.is_empty() && !v.is_empty() {
                        general.insert(k, v);
                    }
                }
            }
            assert_eq!(p, general, "{case:?}");
            assert_eq!(p.encode(), general.encode(), "{case:?}");
        }
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
