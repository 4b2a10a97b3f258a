//! The properties string of a single send, read and completed without parsing it into a map.
//!
//! Almost every message arrives with its properties in canonical form (`name\x01value\x02`
//! per entry, as Java's `messageProperties2String` writes them) and needs only the broker's
//! `CLUSTER` (and, rarely, a `UNIQ_KEY`) appended. For such a message the stored string is
//! the client's string plus those entries, which is exactly what parsing into
//! [`Properties`](cometmq_remoting::message::Properties), inserting and re-encoding produces;
//! anything else (delay levels, transactions, a non-canonical string) takes that general path.

use cometmq_remoting::message::properties::{NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR};
use cometmq_remoting::message::property;
use cometmq_remoting::message::{PropertiesView, UniqKeyGenerator};

const NAME_VALUE: char = NAME_VALUE_SEPARATOR as char;
const ENTRY: char = PROPERTY_SEPARATOR as char;

/// A canonical properties string that needs no redirection.
#[derive(Debug, Clone, Copy)]
pub(super) struct PlainProps<'a> {
    text: &'a str,
}

impl<'a> PlainProps<'a> {
    /// `Some` when `text` is canonical ([`PropertiesView::is_canonical`]) and the message
    /// is neither delayed, transactional, nor already stamped with a cluster.
    pub(super) fn check(text: &'a str) -> Option<Self> {
        let view = PropertiesView::new(text.as_bytes());
        let redirected = [property::DELAY, property::TRAN_MSG, property::CLUSTER];
        let plain = view.is_canonical()
            && !view
                .entries()
                .any(|(name, _)| redirected.iter().any(|r| r.as_bytes() == name));
        plain.then_some(PlainProps { text })
    }

    /// The stored properties: the client's entries, then `CLUSTER`, then a generated
    /// `UNIQ_KEY` when the client sent none.
    pub(super) fn with_broker_properties(&self, cluster: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + cluster.len() + 48);
        out.push_str(self.text);
        push_entry(&mut out, property::CLUSTER, cluster);
        if PropertiesView::new(self.text.as_bytes())
            .get(property::UNIQ_KEY)
            .is_none()
        {
            push_entry(
                &mut out,
                property::UNIQ_KEY,
                &UniqKeyGenerator::global().generate(),
            );
        }
        out
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
            let out = p.with_broker_properties("DefaultCluster");
            if text.contains("UNIQ_KEY") {
                assert_eq!(out, general(text, "DefaultCluster"));
            } else {
                assert!(get(&out, property::UNIQ_KEY).is_some());
            }
            assert_eq!(get(&out, property::CLUSTER), Some("DefaultCluster"));
        }
        let out = PlainProps::check("WAIT\u{1}false\u{2}UNIQ_KEY\u{1}U\u{2}")
            .unwrap()
            .with_broker_properties("C");
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
