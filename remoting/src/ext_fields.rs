//! [`ExtFields`]: a command's custom header (`extFields`), string keys to string values.
//!
//! Every request and response carries one, so its cost is paid per message. A `HashMap` of
//! `String`s costs two allocations per field plus SipHash on every lookup; a send request
//! has 13 fields. Here all keys and values live in one text buffer, indexed by a small vector
//! of spans: decoding a header allocates twice whatever its size, and a lookup is a short
//! linear scan (headers have a handful of fields, where a scan beats hashing).
//!
//! Keys are unique: inserting an existing key replaces its value. Iteration follows
//! insertion order; equality ignores order, as a map's does.

use std::fmt;
use std::ops::Range;

/// The most entries a decoded header's `extFields` may hold, repeated keys and nulls
/// included. A lookup scans the fields, which is the fastest for real headers (RocketMQ's
/// largest carry about 20), but decoding a header of many thousand distinct keys would
/// then take time quadratic in its length (100,000 keys, 1.3 MB, took minutes: issue 14),
/// and one of a key repeated a million times 128 scans per entry. The header decoders
/// refuse more entries than this.
pub const MAX_DECODED_FIELDS: usize = 128;

/// One entry: the spans of its key and value in the text buffer, and the key's tag.
#[derive(Debug, Clone)]
struct Entry {
    key: Range<usize>,
    value: Range<usize>,
    tag: u64,
}

/// A key's length and first seven bytes packed into one word: keys of up to seven bytes
/// (all of SEND_MESSAGE_V2's one-letter keys) compare equal exactly when their tags do,
/// and longer keys are compared byte by byte only when their tags match.
fn tag(key: &str) -> u64 {
    let mut word = [0u8; 8];
    let n = key.len().min(7);
    word[..n].copy_from_slice(&key.as_bytes()[..n]);
    word[7] = key.len().min(255) as u8;
    u64::from_le_bytes(word)
}

/// The custom header fields of a command.
#[derive(Clone, Default)]
pub struct ExtFields {
    text: String,
    entries: Vec<Entry>,
}

impl ExtFields {
    /// An empty set of fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty set with room for `n` fields.
    pub fn with_capacity(n: usize) -> Self {
        ExtFields {
            text: String::with_capacity(n * 24),
            entries: Vec::with_capacity(n),
        }
    }

    /// An empty set with room for `n` fields whose keys and values total `text` bytes.
    pub fn with_text_capacity(n: usize, text: usize) -> Self {
        ExtFields {
            text: String::with_capacity(text),
            entries: Vec::with_capacity(n),
        }
    }

    /// Makes room for `n` more fields totalling `text` more bytes.
    pub fn reserve(&mut self, n: usize, text: usize) {
        self.entries.reserve(n);
        self.text.reserve(text);
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every field.
    pub fn clear(&mut self) {
        self.text.clear();
        self.entries.clear();
    }

    fn span(&self, r: &Range<usize>) -> &str {
        self.text.get(r.clone()).unwrap_or_default()
    }

    fn position(&self, key: &str) -> Option<usize> {
        let t = tag(key);
        self.entries
            .iter()
            .position(|e| e.tag == t && (key.len() <= 7 || self.span(&e.key) == key))
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.position(key)
            .and_then(|i| self.entries.get(i))
            .map(|e| self.span(&e.value))
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` to `value`, returning the earlier value (`HashMap::insert`'s contract, so
    /// code written against a map reads the same; [`Self::set`] takes borrowed strings).
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        let old = self.get(&key).map(str::to_owned);
        self.set(&key, &value);
        old
    }

    /// Sets `key` to `value`, replacing any earlier value.
    pub fn set(&mut self, key: &str, value: &str) {
        self.insert_with(key, |text| text.push_str(value));
    }

    /// Sets `key` to whatever `render` appends to the buffer it is given: values are
    /// written in place, without a temporary `String`.
    pub fn insert_with(&mut self, key_name: &str, render: impl FnOnce(&mut String)) {
        let start = self.text.len();
        render(&mut self.text);
        let value = start..self.text.len();
        match self.position(key_name) {
            Some(i) => {
                if let Some(e) = self.entries.get_mut(i) {
                    e.value = value;
                }
            }
            None => {
                let key_start = self.text.len();
                self.text.push_str(key_name);
                let key = key_start..self.text.len();
                self.entries.push(Entry {
                    key,
                    value,
                    tag: tag(key_name),
                });
            }
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let i = self.position(key)?;
        let e = self.entries.remove(i);
        Some(self.span(&e.value).to_owned())
    }

    /// The fields as `(key, value)` pairs, in insertion order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            fields: self,
            entries: self.entries.iter(),
        }
    }

    /// Appends raw text for [`Self::push_spans`] (the decoders write keys and values
    /// straight from the wire into the buffer).
    pub(crate) fn append(&mut self, write: impl FnOnce(&mut String)) -> Range<usize> {
        let start = self.text.len();
        write(&mut self.text);
        start..self.text.len()
    }

    /// Commits a key and value appended with [`Self::append`]: a new key is added, a
    /// repeated key takes the new value (last wins), and a `None` value removes the key
    /// (a JSON `null` means absent).
    pub(crate) fn push_spans(&mut self, key: Range<usize>, value: Option<Range<usize>>) {
        let name = self.span(&key);
        let existing = self.position(name);
        let t = tag(name);
        match (existing, value) {
            (Some(i), Some(value)) => {
                if let Some(e) = self.entries.get_mut(i) {
                    e.value = value;
                }
            }
            (Some(i), None) => {
                self.entries.remove(i);
            }
            (None, Some(value)) => self.entries.push(Entry { key, value, tag: t }),
            (None, None) => {}
        }
    }
}

impl PartialEq for ExtFields {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl Eq for ExtFields {}

impl fmt::Debug for ExtFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Iterator over [`ExtFields`] as `(key, value)` pairs.
pub struct Iter<'a> {
    fields: &'a ExtFields,
    entries: std::slice::Iter<'a, Entry>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);
    fn next(&mut self) -> Option<Self::Item> {
        let e = self.entries.next()?;
        Some((self.fields.span(&e.key), self.fields.span(&e.value)))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a ExtFields {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for ExtFields {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut fields = ExtFields::new();
        fields.extend(iter);
        fields
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Extend<(K, V)> for ExtFields {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.set(k.as_ref(), v.as_ref());
        }
    }
}

/// Only in this crate's tests: code outside them uses [`ExtFields::get`], which cannot
/// panic on a peer's missing field.
#[cfg(test)]
impl std::ops::Index<&str> for ExtFields {
    type Output = str;

    /// The value of `key`; panics when absent, as `HashMap`'s indexing does.
    #[allow(clippy::panic)]
    fn index(&self, key: &str) -> &str {
        match self.get(key) {
            Some(v) => v,
            None => panic!("no extField {key:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_get_replace_remove() {
        let mut f = ExtFields::new();
        assert!(f.is_empty());
        f.set("topic", "T");
        assert_eq!(f.insert("queueId".into(), "3".into()), None);
        f.insert_with("flag", |t| t.push('7'));
        assert_eq!(f.len(), 3);
        assert_eq!(f.get("queueId"), Some("3"));
        assert_eq!(f.insert("queueId".into(), "4".into()).as_deref(), Some("3"));
        assert_eq!((f.len(), f.get("queueId")), (3, Some("4")));
        assert_eq!(f.remove("topic").as_deref(), Some("T"));
        assert_eq!(f.remove("topic"), None);
        assert!(!f.contains_key("topic"));
        let pairs: Vec<_> = f.iter().collect();
        assert_eq!(pairs, [("queueId", "4"), ("flag", "7")]);
        f.clear();
        assert!(f.is_empty() && f.get("flag").is_none());
    }

    #[test]
    fn long_keys_sharing_a_prefix_stay_apart() {
        let mut f = ExtFields::new();
        f.set("consumerGroupA", "1");
        f.set("consumerGroupB", "2");
        f.set("consumerGroup", "3");
        assert_eq!(f.len(), 3);
        assert_eq!(
            (
                f.get("consumerGroupA"),
                f.get("consumerGroupB"),
                f.get("consumerGroup")
            ),
            (Some("1"), Some("2"), Some("3"))
        );
        assert_eq!(f.get("consumerGroupC"), None);
    }

    #[test]
    fn equality_ignores_order() {
        let a: ExtFields = [("a", "1"), ("b", "2")].into_iter().collect();
        let b: ExtFields = [("b", "2"), ("a", "1")].into_iter().collect();
        let c: ExtFields = [("b", "2"), ("a", "x")].into_iter().collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(format!("{a:?}"), r#"{"a": "1", "b": "2"}"#);
        assert_eq!(&a["b"], "2");
    }

    #[test]
    fn spans_last_wins_and_null_removes() {
        let mut f = ExtFields::new();
        for (k, v) in [
            ("k", Some("a")),
            ("k", Some("b")),
            ("z", Some("1")),
            ("z", None),
        ] {
            let key = f.append(|t| t.push_str(k));
            let value = v.map(|v| f.append(|t| t.push_str(v)));
            f.push_spans(key, value);
        }
        assert_eq!(f.len(), 1);
        assert_eq!(f.get("k"), Some("b"));
    }
}
