//! Query strings: `a=1&b=x%20y` into name/value pairs (application/x-www-form-urlencoded).

use std::collections::HashMap;

use crate::error::{ConsoleError, Result};

/// The decoded parameters of a query string; the last value of a repeated name wins.
#[derive(Debug, Default)]
pub struct Query(HashMap<String, String>);

impl Query {
    /// Parses `raw` (without the `?`). Bad percent-encoding or non-UTF-8 is an error.
    pub fn parse(raw: &str) -> Result<Query> {
        let mut map = HashMap::new();
        for pair in raw.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            map.insert(decode(k)?, decode(v)?);
        }
        Ok(Query(map))
    }

    /// The value of `name`, if given and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The value of `name`, or a 400 naming it.
    pub fn required(&self, name: &str) -> Result<&str> {
        self.get(name)
            .ok_or_else(|| ConsoleError::bad(format!("missing parameter {name}")))
    }

    /// `name` as an integer, if given; a value that is not one is a 400 naming it.
    pub fn int(&self, name: &str) -> Result<Option<i64>> {
        self.get(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| ConsoleError::bad(format!("parameter {name}: not an integer")))
            })
            .transpose()
    }
}

/// Percent-decodes `s`, with `+` as a space.
fn decode(s: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| ConsoleError::bad("bad percent-encoding in the query"))?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ConsoleError::bad("the query is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_pairs() {
        let q = Query::parse("topic=a%20b&key=x+y&empty=&n=12&bad=z").unwrap();
        assert_eq!(q.get("topic"), Some("a b"));
        assert_eq!(q.get("key"), Some("x y"));
        assert_eq!(q.get("empty"), None);
        assert_eq!(q.int("n").unwrap(), Some(12));
        assert!(q.int("bad").is_err());
        assert!(q.required("missing").is_err());
        assert!(Query::parse("a=%zz").is_err());
        assert!(Query::parse("a=%ff").is_err());
        assert!(Query::parse("a=%4").is_err());
    }
}
