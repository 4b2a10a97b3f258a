//! The tokens of RocketMQ's `SelectorParser.jj`: keywords and identifiers (ASCII, case
//! insensitive), decimal and floating-point literals, quoted strings with `''` escapes,
//! operators, and the `--` / `/* */` comments JavaCC skips. Longest match wins, and a
//! keyword wins over an identifier of the same length, as in JavaCC.

use crate::FilterError;

/// One token and the byte offset it starts at.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: Kind,
    pub at: usize,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Not,
    And,
    Or,
    Between,
    In,
    True,
    False,
    Null,
    Is,
    Contains,
    StartsWith,
    EndsWith,
    /// `DECIMAL_LITERAL`, its text without the `L` suffix.
    Decimal(String),
    /// `FLOATING_POINT_LITERAL`, its text.
    Float(String),
    /// `STRING_LITERAL`, decoded (`''` is one quote).
    Str(String),
    Id(String),
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    LParen,
    RParen,
    Comma,
    Plus,
    Minus,
    End,
}

impl Kind {
    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self {
            Kind::Decimal(s) | Kind::Float(s) => s.clone(),
            Kind::Str(s) => format!("'{s}'"),
            Kind::Id(s) => s.clone(),
            Kind::End => "<EOF>".into(),
            other => format!("{other:?}").to_ascii_uppercase(),
        }
    }
}

const KEYWORDS: &[(&str, Kind)] = &[
    ("NOT", Kind::Not),
    ("AND", Kind::And),
    ("OR", Kind::Or),
    ("BETWEEN", Kind::Between),
    ("IN", Kind::In),
    ("TRUE", Kind::True),
    ("FALSE", Kind::False),
    ("NULL", Kind::Null),
    ("IS", Kind::Is),
    ("CONTAINS", Kind::Contains),
    ("STARTSWITH", Kind::StartsWith),
    ("ENDSWITH", Kind::EndsWith),
];

/// Splits `text` into tokens, ending with [`Kind::End`].
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |at: usize, what: &str| FilterError::Lexical {
        at,
        message: what.to_string(),
    };
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0c => {
                i += 1;
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                // A line comment must end with a line break, as JavaCC's rule says.
                match b[i..].iter().position(|&c| c == b'\n' || c == b'\r') {
                    Some(n) => i += n + 1,
                    None => return Err(err(i, "unterminated line comment")),
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                match text.get(i + 2..).and_then(|rest| rest.find("*/")) {
                    Some(n) => i += n + 4,
                    None => return Err(err(i, "unterminated comment")),
                }
                continue;
            }
            b'\'' => {
                let mut s = String::new();
                let mut j = i + 1;
                loop {
                    match text.get(j..).and_then(|r| r.chars().next()) {
                        None => return Err(err(i, "unterminated string literal")),
                        Some('\'') if b.get(j + 1) == Some(&b'\'') => {
                            s.push('\'');
                            j += 2;
                        }
                        Some('\'') => {
                            j += 1;
                            break;
                        }
                        Some(ch) => {
                            s.push(ch);
                            j += ch.len_utf8();
                        }
                    }
                }
                i = j;
                Kind::Str(s)
            }
            b'0'..=b'9' | b'.' => {
                let (kind, len) = number(&b[i..]).ok_or_else(|| err(i, "bad number"))?;
                i += len;
                kind
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                let len = b[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'$')
                    .count();
                let word = &text[i..i + len];
                i += len;
                KEYWORDS
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(word))
                    .map_or_else(|| Kind::Id(word.to_string()), |(_, kind)| kind.clone())
            }
            _ => {
                let two = b.get(i..i + 2);
                let (kind, len) = match (c, two) {
                    (_, Some(b"<>")) => (Kind::Ne, 2),
                    (_, Some(b">=")) => (Kind::Ge, 2),
                    (_, Some(b"<=")) => (Kind::Le, 2),
                    (b'=', _) => (Kind::Eq, 1),
                    (b'>', _) => (Kind::Gt, 1),
                    (b'<', _) => (Kind::Lt, 1),
                    (b'(', _) => (Kind::LParen, 1),
                    (b')', _) => (Kind::RParen, 1),
                    (b',', _) => (Kind::Comma, 1),
                    (b'+', _) => (Kind::Plus, 1),
                    (b'-', _) => (Kind::Minus, 1),
                    _ => {
                        let ch = text.get(i..).and_then(|r| r.chars().next()).unwrap_or('?');
                        return Err(err(i, &format!("unexpected character {ch:?}")));
                    }
                };
                i += len;
                kind
            }
        };
        out.push(Token { kind, at: start });
    }
    out.push(Token {
        kind: Kind::End,
        at: text.len(),
    });
    Ok(out)
}

/// The longest number token at the start of `b`: a `FLOATING_POINT_LITERAL` (`5.5`, `5.`,
/// `.5`, `5E10`, `5.5e-3`) or a `DECIMAL_LITERAL` (`0`, or `[1-9][0-9]*` with an optional
/// `L`). `None` for a lone `.`.
fn number(b: &[u8]) -> Option<(Kind, usize)> {
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let exponent = |from: usize| -> usize {
        if !matches!(b.get(from), Some(b'e' | b'E')) {
            return 0;
        }
        let sign = usize::from(matches!(b.get(from + 1), Some(b'+' | b'-')));
        let n = digits(from + 1 + sign);
        if n == 0 {
            0
        } else {
            1 + sign + n
        }
    };
    let int = digits(0);
    let text = |len: usize| String::from_utf8_lossy(&b[..len]).into_owned();
    if b.get(int) == Some(&b'.') {
        let frac = digits(int + 1);
        if int == 0 && frac == 0 {
            return None;
        }
        let len = int + 1 + frac;
        let len = len + exponent(len);
        return Some((Kind::Float(text(len)), len));
    }
    let exp = exponent(int);
    if exp > 0 {
        return Some((Kind::Float(text(int + exp)), int + exp));
    }
    // DECIMAL_LITERAL: "0" alone, or no leading zero.
    let len = if b[0] == b'0' { 1 } else { int };
    if b[0] != b'0' && matches!(b.get(len), Some(b'l' | b'L')) {
        return Some((Kind::Decimal(text(len)), len + 1));
    }
    Some((Kind::Decimal(text(len)), len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Kind> {
        tokenize(s).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn tokens() {
        use Kind::*;
        assert_eq!(
            kinds("a>=1 AND b<>'x''y' or c in ('1')"),
            vec![
                Id("a".into()),
                Ge,
                Decimal("1".into()),
                And,
                Id("b".into()),
                Ne,
                Str("x'y".into()),
                Or,
                Id("c".into()),
                In,
                LParen,
                Str("1".into()),
                RParen,
                End
            ]
        );
        assert_eq!(
            kinds("5. .5 5E10 1.5e-3 10L 0"),
            vec![
                Float("5.".into()),
                Float(".5".into()),
                Float("5E10".into()),
                Float("1.5e-3".into()),
                Decimal("10".into()),
                Decimal("0".into()),
                End
            ]
        );
        assert_eq!(kinds("andy"), vec![Id("andy".into()), End]);
        assert_eq!(
            kinds("a -- note\n /* x */ b"),
            vec![Id("a".into()), Id("b".into()), End]
        );
        assert!(tokenize("'open").is_err());
        assert!(tokenize("a # b").is_err());
        assert!(tokenize("a.b").is_err());
    }
}
