//! The Java `.properties` text format: RocketMQ's config files (`broker.conf`,
//! `namesrv.conf`) and the bodies of GET/UPDATE_BROKER_CONFIG and UPDATE_NAMESRV_CONFIG.
//!
//! Parsing follows `java.util.Properties.load`: `#` and `!` comments, `=`, `:` or
//! whitespace between key and value, a trailing `\` continues a line, and `\t \n \r \f
//! \uXXXX` escapes. Later keys win. Rendering escapes what `load` would misread.
//! A `\u` not followed by four hex digits is an error, as Java's
//! `IllegalArgumentException: Malformed \\uxxxx encoding.`

/// Text that `java.util.Properties.load` would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "line {line}: malformed \\uxxxx encoding `{found}` (a \\u must be followed by four hex digits)"
)]
pub struct MalformedProperties {
    /// The 1-based line where the logical line holding the escape starts.
    pub line: usize,
    /// The escape as written.
    pub found: String,
}

/// Parses properties text into `(key, value)` pairs in file order (duplicates kept; the
/// caller decides, usually "last wins").
pub fn parse(text: &str) -> Result<Vec<(String, String)>, MalformedProperties> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((index, first)) = lines.next() {
        let mut logical = String::new();
        let mut line = first.trim_start_matches([' ', '\t', '\x0c']);
        if logical.is_empty() && (line.is_empty() || line.starts_with('#') || line.starts_with('!'))
        {
            continue;
        }
        loop {
            if ends_with_continuation(line) {
                logical.push_str(&line[..line.len() - 1]);
                match lines.next() {
                    Some((_, next)) => line = next.trim_start_matches([' ', '\t', '\x0c']),
                    None => break,
                }
            } else {
                logical.push_str(line);
                break;
            }
        }
        let (key, value) = split_key_value(&logical).map_err(|found| MalformedProperties {
            line: index + 1,
            found,
        })?;
        out.push((key, value));
    }
    Ok(out)
}

/// True when the line ends in an odd number of backslashes.
fn ends_with_continuation(line: &str) -> bool {
    line.bytes().rev().take_while(|b| *b == b'\\').count() % 2 == 1
}

/// Splits a logical line; `Err` holds a malformed `\\u` escape.
fn split_key_value(line: &str) -> Result<(String, String), String> {
    let mut key_end = line.len();
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '=' | ':' | ' ' | '\t' | '\x0c' => {
                key_end = i;
                break;
            }
            _ => {}
        }
    }
    let key = unescape(&line[..key_end])?;
    let mut rest = line[key_end..].trim_start_matches([' ', '\t', '\x0c']);
    if let Some(r) = rest.strip_prefix(['=', ':']) {
        rest = r.trim_start_matches([' ', '\t', '\x0c']);
    }
    Ok((key, unescape(rest)?))
}

fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let unit = hex_unit(&mut chars)?;
                let ch = if (0xD800..0xDC00).contains(&unit) {
                    // A high surrogate: Java keeps UTF-16 units, so its pair must follow
                    // as a second escape for the text to be a character.
                    let mut rest = chars.clone();
                    let low = match (rest.next(), rest.next()) {
                        (Some('\\'), Some('u')) => hex_unit(&mut rest)?,
                        _ => return Err(format!("\\u{unit:04X} (a lone surrogate)")),
                    };
                    chars = rest;
                    char::decode_utf16([unit, low]).next().and_then(Result::ok)
                } else {
                    char::from_u32(u32::from(unit))
                };
                match ch {
                    Some(ch) => out.push(ch),
                    None => return Err(format!("\\u{unit:04X} (a lone surrogate)")),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    Ok(out)
}

/// Reads the four hex digits after `\\u`, as Java does (exactly four, no sign).
fn hex_unit(chars: &mut std::str::Chars<'_>) -> Result<u16, String> {
    let hex: String = chars.by_ref().take(4).collect();
    if hex.len() == 4 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        u16::from_str_radix(&hex, 16).map_err(|_| format!("\\u{hex}"))
    } else {
        Err(format!("\\u{hex}"))
    }
}

/// Renders pairs as `key=value` lines that [`parse`] (and Java) read back unchanged.
pub fn render<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        escape_into(&mut out, k, true);
        out.push('=');
        escape_into(&mut out, v, false);
        out.push('\n');
    }
    out
}

fn escape_into(out: &mut String, s: &str, is_key: bool) {
    for (i, c) in s.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\x0c' => out.push_str("\\f"),
            '=' | ':' if is_key => {
                out.push('\\');
                out.push(c);
            }
            '#' | '!' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            ' ' if is_key || i == 0 => out.push_str("\\ "),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_java_forms() {
        let text = "# comment\n! also comment\n\nbrokerClusterName = DefaultCluster\nbrokerName:broker-a\nbrokerId 0\n  deleteWhen=04\nmessageDelayLevel=1s 5s \\\n   10s\nkey\\ with\\ space=v\\u0041\\tx\nempty=\n";
        let p = parse(text).unwrap();
        assert_eq!(
            p,
            vec![
                ("brokerClusterName".into(), "DefaultCluster".into()),
                ("brokerName".into(), "broker-a".into()),
                ("brokerId".into(), "0".into()),
                ("deleteWhen".into(), "04".into()),
                ("messageDelayLevel".into(), "1s 5s 10s".into()),
                ("key with space".into(), "vA\tx".into()),
                ("empty".into(), "".into()),
            ]
        );
    }

    /// The cases of the NameServer's former parser. Unlike it, trailing whitespace stays in
    /// the value as in Java (`Settings` trims values when it parses them).
    #[test]
    fn namesrv_forms() {
        let text = "# comment\n! other\n\nlistenPort=9876\n  kvConfigPath : /tmp/a\\\n    b.json\n\
                    orderMessageEnable true\nempty=\nspaced = v w \nesc\\=key=\\u0041\\tB\n";
        let want = [
            ("listenPort", "9876"),
            ("kvConfigPath", "/tmp/ab.json"),
            ("orderMessageEnable", "true"),
            ("empty", ""),
            ("spaced", "v w "),
            ("esc=key", "A\tB"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        assert_eq!(parse(text).unwrap(), want);
        assert_eq!(render([("a", "1"), ("b", "")]), "a=1\nb=\n");
        assert_eq!(
            parse("trailing\\").unwrap(),
            vec![("trailing".into(), String::new())]
        );
    }

    #[test]
    fn render_round_trips() {
        let pairs = [("a=b", " lead space"), ("#k", "v\\x\n"), ("plain", "1s 5s")];
        let text = render(pairs.iter().map(|(k, v)| (*k, *v)));
        let back = parse(&text).unwrap();
        let want: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(back, want);
    }

    /// Java's `Properties.load` throws "Malformed \\uxxxx encoding." for these.
    #[test]
    fn malformed_unicode_escapes_are_refused_with_their_line() {
        for (text, line, found) in [
            ("bad=\\uZZ", 1, "\\uZZ"),
            ("# c\nok=1\nbad=x\\u12", 3, "\\u12"),
            ("a=1\nk\\u00G1=v", 2, "\\u00G1"),
            ("a=\\\n  \\u+123", 1, "\\u+123"),
            ("lone=\\uD83D", 1, "\\uD83D (a lone surrogate)"),
            ("lone=\\uDE00", 1, "\\uDE00 (a lone surrogate)"),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!((e.line, e.found.as_str()), (line, found), "{text:?}");
            assert!(e.to_string().contains("malformed \\uxxxx encoding"), "{e}");
        }
        assert_eq!(
            parse("smile=\\uD83D\\uDE00\\u00e9").unwrap(),
            vec![("smile".into(), "\u{1F600}\u{e9}".into())]
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in ["\\", "=", "\\u12", "k=\\", "\u{1F600}=\\u{zz}", "a\\\\\nb"] {
            let _ = parse(s);
        }
    }
}
