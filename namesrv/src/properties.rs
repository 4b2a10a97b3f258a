//! Java `.properties` text: what `-c` files and UPDATE_NAMESRV_CONFIG bodies hold.

/// Parses `key=value` lines as `java.util.Properties.load` does, for the forms config files use:
/// `#`/`!` comments, `=`, `:` or whitespace separators, `\` line continuations and the escapes
/// `\t \n \r \f \\ \uXXXX`. Keys and values are trimmed. Later duplicates win when applied.
pub fn parse(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(first) = lines.next() {
        let mut line = first.trim_start().to_owned();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        while ends_with_continuation(&line) {
            line.pop();
            match lines.next() {
                Some(next) => line.push_str(next.trim_start()),
                None => break,
            }
        }
        let (key, value) = split_entry(&line);
        out.push((
            unescape(key).trim().to_owned(),
            unescape(value).trim().to_owned(),
        ));
    }
    out
}

/// Renders entries as `key=value` lines (the GET_NAMESRV_CONFIG body and `-p` output).
pub fn render<'a>(entries: impl IntoIterator<Item = (&'a str, String)>) -> String {
    let mut out = String::new();
    for (key, value) in entries {
        out.push_str(key);
        out.push('=');
        out.push_str(&value);
        out.push('\n');
    }
    out
}

/// An odd number of trailing backslashes continues the line.
fn ends_with_continuation(line: &str) -> bool {
    line.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// Splits at the first unescaped `=`, `:` or whitespace.
fn split_entry(line: &str) -> (&str, &str) {
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '=' || c == ':' || c.is_whitespace() {
            let rest = line[i + c.len_utf8()..].trim_start();
            let rest = if c.is_whitespace() {
                rest.strip_prefix(['=', ':']).unwrap_or(rest)
            } else {
                rest
            };
            return (&line[..i], rest);
        }
    }
    (line, "")
}

fn unescape(s: &str) -> String {
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
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => out.push_str(&hex),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_forms() {
        let text = "# comment\n! other\n\nlistenPort=9876\n  kvConfigPath : /tmp/a\\\n    b.json\n\
                    orderMessageEnable true\nempty=\nspaced = v w \nesc\\=key=\\u0041\\tB\n";
        let got = parse(text);
        let want = [
            ("listenPort", "9876"),
            ("kvConfigPath", "/tmp/ab.json"),
            ("orderMessageEnable", "true"),
            ("empty", ""),
            ("spaced", "v w"),
            ("esc=key", "A\tB"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        assert_eq!(got, want);
        assert_eq!(
            render([("a", "1".to_owned()), ("b", String::new())]),
            "a=1\nb=\n"
        );
        assert_eq!(
            parse("trailing\\"),
            vec![("trailing".into(), String::new())]
        );
        assert_eq!(parse("bad=\\uZZ"), vec![("bad".into(), "ZZ".into())]);
    }
}
