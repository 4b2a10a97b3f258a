//! Remote-address patterns of plain_acl.yml (`globalWhiteRemoteAddresses` and an account's
//! `whiteRemoteAddress`), as Java's `RemoteAddressStrategyFactory` reads them:
//! blank (matches nothing), `*` (anything), one address, a comma list, `a.b.c.{1,2,3}`,
//! and ranges with `*` or `lo-hi` in a segment (`192.168.1.1-100`, `10.10.*.*`,
//! `2001:db8::1-ff:*`). IPv6 segments are hexadecimal.

use std::net::IpAddr;

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressPattern {
    /// A blank pattern: matches no address.
    Nothing,
    /// `*`, `*.*.*.*` or `*:*:*:*:*:*:*:*`.
    Any,
    /// One address or a list of them.
    Set(Vec<IpAddr>),
    /// An inclusive range per segment: 4 for IPv4, 8 for IPv6.
    Range { v6: bool, segments: Vec<(u16, u16)> },
}

impl AddressPattern {
    /// Reads `text`; an error says what is wrong with it, as Java's AclException does.
    pub fn parse(text: &str) -> Result<AddressPattern, String> {
        let text = text.trim();
        let bad = || format!("Netaddress examine Exception netaddress is {text}");
        if text.is_empty() {
            return Ok(AddressPattern::Nothing);
        }
        if matches!(text, "*" | "*.*.*.*" | "*:*:*:*:*:*:*:*") {
            return Ok(AddressPattern::Any);
        }
        if let Some(inner) = text.strip_suffix('}') {
            let (prefix, items) = inner.split_once('{').ok_or_else(bad)?;
            let ok_prefix = if prefix.contains(':') {
                prefix.ends_with(':')
            } else {
                prefix.ends_with('.') && prefix.matches('.').count() == 3
            };
            if !ok_prefix {
                return Err(bad());
            }
            let addrs = items
                .split(',')
                .map(|i| parse_ip(&format!("{prefix}{}", i.trim())).ok_or_else(bad))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(AddressPattern::Set(addrs));
        }
        if text.contains(',') {
            let addrs = text
                .split(',')
                .map(|i| parse_ip(i.trim()).ok_or_else(bad))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(AddressPattern::Set(addrs));
        }
        if text.contains('*') || text.contains('-') {
            return parse_range(text).ok_or_else(bad);
        }
        parse_ip(text)
            .map(|ip| AddressPattern::Set(vec![ip]))
            .ok_or_else(bad)
    }

    /// True when `addr` (the peer's address) matches.
    pub fn matches(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        match self {
            AddressPattern::Nothing => false,
            AddressPattern::Any => true,
            AddressPattern::Set(set) => set.contains(&addr),
            AddressPattern::Range { v6, segments } => {
                let values: Vec<u16> = match (addr, v6) {
                    (IpAddr::V4(a), false) => a.octets().iter().map(|o| u16::from(*o)).collect(),
                    (IpAddr::V6(a), true) => a.segments().to_vec(),
                    _ => return false,
                };
                values
                    .iter()
                    .zip(segments)
                    .all(|(v, (lo, hi))| lo <= v && v <= hi)
            }
        }
    }
}

fn parse_ip(text: &str) -> Option<IpAddr> {
    text.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

/// One segment: `*`, `lo-hi` or a number, in `radix`, at most `max`.
fn segment(text: &str, radix: u32, max: u16) -> Option<(u16, u16)> {
    let text = text.trim();
    let num = |t: &str| {
        u16::from_str_radix(t.trim(), radix)
            .ok()
            .filter(|n| *n <= max)
    };
    if text == "*" {
        return Some((0, max));
    }
    if let Some((lo, hi)) = text.split_once('-') {
        let (lo, hi) = (num(lo)?, num(hi)?);
        return (lo <= hi).then_some((lo, hi));
    }
    num(text).map(|n| (n, n))
}

fn parse_range(text: &str) -> Option<AddressPattern> {
    if text.contains(':') {
        // Expand a `::` into the zero groups it stands for.
        let groups: Vec<&str> = match text.split_once("::") {
            Some((left, right)) => {
                let left: Vec<&str> = left.split(':').filter(|g| !g.is_empty()).collect();
                let right: Vec<&str> = right.split(':').filter(|g| !g.is_empty()).collect();
                let zeros = 8usize.checked_sub(left.len() + right.len())?;
                left.into_iter()
                    .chain(std::iter::repeat_n("0", zeros))
                    .chain(right)
                    .collect()
            }
            None => text.split(':').collect(),
        };
        if groups.len() != 8 {
            return None;
        }
        let segments = groups
            .iter()
            .map(|g| segment(g, 16, u16::MAX))
            .collect::<Option<Vec<_>>>()?;
        return Some(AddressPattern::Range { v6: true, segments });
    }
    let parts: Vec<&str> = text.split('.').collect();
    // Java: the first octet is a plain number.
    if parts.len() != 4 || parts[0].trim().parse::<u8>().is_err() {
        return None;
    }
    let segments = parts
        .iter()
        .map(|p| segment(p, 10, 255))
        .collect::<Option<Vec<_>>>()?;
    Some(AddressPattern::Range {
        v6: false,
        segments,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn m(pattern: &str, addr: &str) -> bool {
        AddressPattern::parse(pattern).unwrap().matches(ip(addr))
    }

    #[test]
    fn java_pattern_kinds() {
        assert!(!m("", "127.0.0.1"));
        assert!(m("*", "10.1.2.3"));
        assert!(m("*.*.*.*", "::1"));
        assert!(m("127.0.0.1", "127.0.0.1"));
        assert!(!m("127.0.0.1", "127.0.0.2"));
        assert!(m("192.168.1.1-100", "192.168.1.100"));
        assert!(!m("192.168.1.1-100", "192.168.1.101"));
        assert!(m("10.10.*.*", "10.10.7.9"));
        assert!(!m("10.10.*.*", "10.11.7.9"));
        assert!(m("192.168.0.{1,2,3}", "192.168.0.2"));
        assert!(!m("192.168.0.{1,2,3}", "192.168.0.4"));
        assert!(m("10.0.0.1,10.0.0.9", "10.0.0.9"));
        assert!(m("1050::0005:0600:300c:326b", "1050:0:0:0:5:600:300c:326b"));
        assert!(m("2001:db8::1-ff:*", "2001:db8::7:1234"));
        assert!(!m("2001:db8::1-ff:*", "2001:db8::100:1"));
        assert!(m("2001:db8::{1,2}", "2001:db8::2"));
        // An IPv4 peer seen through an IPv6 socket is still itself.
        assert!(m("127.0.0.1", "::ffff:127.0.0.1"));
        assert!(!m("10.*.*.*", "::1"));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in [
            "300.1.1.1",
            "1.2.3",
            "1.2.3.5-1",
            "a.b.c.d",
            "1.2.{3,4}",
            "-1.2.3.4",
        ] {
            assert!(AddressPattern::parse(bad).is_err(), "{bad}");
        }
    }
}
