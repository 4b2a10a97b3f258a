//! The properties string of a single send, read and completed without parsing it into a map.
//!
//! Almost every message arrives with its properties in canonical form (`name\x01value\x02`
//! per entry, as Java's `messageProperties2String` writes them) and needs only the broker's
//! `CLUSTER` (and, rarely, a `UNIQ_KEY`) appended. For such a message the stored string is
//! the client's string plus those entries, which is exactly what parsing into
//! [`Properties`](cometmq_remoting::message::Properties), inserting and re-encoding produces;
//! anything else (delay levels, transactions, a non-canonical string) takes that general path.

use std::ops::Range;

use cometmq_remoting::message::properties::{NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR};
use cometmq_remoting::message::property;
use cometmq_remoting::message::{PropertiesView, UniqKeyGenerator};

const NAME_VALUE: char = NAME_VALUE_SEPARATOR as char;
const ENTRY: char = PROPERTY_SEPARATOR as char;

/// A canonical properties string that needs no redirection, with what the send path
/// needs from it, read in the same pass.
#[derive(Debug, Clone, Copy)]
pub(super) struct PlainProps<'a> {
    text: &'a str,
    /// The client's `UNIQ_KEY`, if it sent one.
    uniq_key: Option<&'a str>,
    /// False when the client set `WAIT` to `false` (Java's `waitStoreMsgOK`).
    pub(super) wait: bool,
}

impl<'a> PlainProps<'a> {
    /// `Some` when `text` is canonical ([`PropertiesView::is_canonical`]) and the message
    /// is neither delayed, transactional, nor already stamped with a cluster.
    pub(super) fn check(text: &'a str) -> Option<Self> {
        let view = PropertiesView::new(text.as_bytes());
        if !view.is_canonical() {
            return None;
        }
        let redirected = [
            property::DELAY,
            property::TRAN_MSG,
            property::CLUSTER,
            property::TIMER_DELIVER_MS,
            property::TIMER_DELAY_SEC,
            property::TIMER_DELAY_MS,
        ];
        let mut plain = PlainProps {
            text,
            uniq_key: None,
            wait: true,
        };
        for (name, value) in view.entries() {
            if redirected.iter().any(|r| r.as_bytes() == name) {
                return None;
            }
            if name == property::UNIQ_KEY.as_bytes() {
                plain.uniq_key = std::str::from_utf8(value).ok();
            } else if name == property::WAIT.as_bytes() {
                plain.wait = value != b"false";
            }
        }
        Some(plain)
    }

    /// Writes the stored properties into `out` (cleared first): the client's entries,
    /// then `CLUSTER`, then a generated `UNIQ_KEY` when the client sent none. Returns the
    /// `UNIQ_KEY`'s span in `out`.
    pub(super) fn write_stored(&self, cluster: &str, out: &mut String) -> Range<usize> {
        out.clear();
        out.push_str(self.text);
        push_entry(out, property::CLUSTER, cluster);
        match self.uniq_key {
            Some(key) => {
                // Canonical text: the key is a slice of it, at the same place in `out`.
                let start = key.as_ptr() as usize - self.text.as_ptr() as usize;
                start..start + key.len()
            }
            None => {
                out.push_str(property::UNIQ_KEY);
                out.push(NAME_VALUE);
                let start = out.len();
                UniqKeyGenerator::global().generate_into(out);
                let end = out.len();
                out.push(ENTRY);
                start..end
            }
        }
    }
}

fn push_entry(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push(NAME_VALUE);
    out.push_str(value);
    out.push(ENTRY);
}

#[cfg(test)]
mod tests {
    use cometmq_remoting::message::Properties;

    use super::*;

    fn get<'a>(text: &'a str, name: &str) -> Option<&'a str> {
        PropertiesView::new(text.as_bytes()).get(name)
    }

    /// The general path: parse, insert, re-encode.
    fn general(text: &str, cluster: &str) -> String {
        let mut p = Properties::parse_lossy(text.as_bytes());
        p.insert(property::CLUSTER, cluster);
        p.encode()
    }

    #[test]
    fn plain_strings_match_the_general_path() {
        for text in [
            "",
            "TAGS\u{1}a\u{2}UNIQ_KEY\u{1}K1\u{2}WAIT\u{1}true\u{2}",
            "KEYS\u{1}k1 k2\u{2}UNIQ_KEY\u{1}K2\u{2}",
        ] {
            let p = PlainProps::check(text).unwrap();
            let mut out = String::new();
            let uniq = p.write_stored("DefaultCluster", &mut out);
            assert_eq!(Some(&out[uniq]), get(&out, property::UNIQ_KEY));
            if text.contains("UNIQ_KEY") {
                assert_eq!(out, general(text, "DefaultCluster"));
            } else {
                assert!(get(&out, property::UNIQ_KEY).is_some());
            }
            assert_eq!(get(&out, property::CLUSTER), Some("DefaultCluster"));
        }
        let plain = PlainProps::check("WAIT\u{1}false\u{2}UNIQ_KEY\u{1}U\u{2}").unwrap();
        assert!(!plain.wait);
        let mut out = String::new();
        plain.write_stored("C", &mut out);
        assert_eq!(get(&out, property::WAIT), Some("false"));
        assert_eq!(get(&out, property::UNIQ_KEY), Some("U"));
    }

    #[test]
    fn anything_else_takes_the_general_path() {
        for text in [
            "TAGS\u{1}a",
            "TAGS\u{1}a\u{2}TAGS\u{1}b\u{2}",
            "TAGS\u{1}\u{2}",
            "\u{1}a\u{2}",
            "TAGS\u{2}",
            "TAGS\u{1}a\u{1}b\u{2}",
            "DELAY\u{1}3\u{2}",
            "TRAN_MSG\u{1}true\u{2}",
            "CLUSTER\u{1}x\u{2}",
            "\u{2}",
        ] {
            assert!(PlainProps::check(text).is_none(), "{text:?}");
        }
    }
}
