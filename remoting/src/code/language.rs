//! The sender's language (`language` header field; reference §1.2, §1.3).

use std::fmt;

/// LanguageCode in RocketMQ's order; the binary header carries the ordinal as a byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LanguageCode {
    #[default]
    Java,
    Cpp,
    Dotnet,
    Python,
    Delphi,
    Erlang,
    Ruby,
    Other,
    Http,
    Go,
    Php,
    Oms,
    Rust,
    NodeJs,
}

const ALL: [LanguageCode; 14] = [
    LanguageCode::Java,
    LanguageCode::Cpp,
    LanguageCode::Dotnet,
    LanguageCode::Python,
    LanguageCode::Delphi,
    LanguageCode::Erlang,
    LanguageCode::Ruby,
    LanguageCode::Other,
    LanguageCode::Http,
    LanguageCode::Go,
    LanguageCode::Php,
    LanguageCode::Oms,
    LanguageCode::Rust,
    LanguageCode::NodeJs,
];

impl LanguageCode {
    /// The wire name (`"JAVA"`, `"NODE_JS"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            LanguageCode::Java => "JAVA",
            LanguageCode::Cpp => "CPP",
            LanguageCode::Dotnet => "DOTNET",
            LanguageCode::Python => "PYTHON",
            LanguageCode::Delphi => "DELPHI",
            LanguageCode::Erlang => "ERLANG",
            LanguageCode::Ruby => "RUBY",
            LanguageCode::Other => "OTHER",
            LanguageCode::Http => "HTTP",
            LanguageCode::Go => "GO",
            LanguageCode::Php => "PHP",
            LanguageCode::Oms => "OMS",
            LanguageCode::Rust => "RUST",
            LanguageCode::NodeJs => "NODE_JS",
        }
    }

    /// The binary-header byte.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// From the binary-header byte; unknown bytes become `Other` (lenient input).
    pub fn from_code(code: u8) -> Self {
        ALL.get(code as usize)
            .copied()
            .unwrap_or(LanguageCode::Other)
    }

    /// From a JSON name, case-insensitively and accepting `-`/`_` variants
    /// (clients spell enums differently); unknown names become `Other`.
    pub fn from_name(name: &str) -> Self {
        // Every request carries a language: compare without allocating, the exact
        // spelling first.
        if let Some(l) = ALL.iter().copied().find(|l| l.as_str() == name) {
            return l;
        }
        fn letters(s: &str) -> impl Iterator<Item = u8> + '_ {
            s.bytes()
                .filter(|b| *b != b'_' && *b != b'-')
                .map(|b| b.to_ascii_uppercase())
        }
        ALL.iter()
            .copied()
            .find(|l| letters(l.as_str()).eq(letters(name)))
            .unwrap_or(LanguageCode::Other)
    }
}

impl fmt::Display for LanguageCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names() {
        assert_eq!(LanguageCode::Go.code(), 9);
        assert_eq!(LanguageCode::Rust.code(), 12);
        assert_eq!(LanguageCode::NodeJs.code(), 13);
        assert_eq!(LanguageCode::from_code(13), LanguageCode::NodeJs);
        assert_eq!(LanguageCode::from_code(200), LanguageCode::Other);
        assert_eq!(LanguageCode::from_name("JAVA"), LanguageCode::Java);
        assert_eq!(LanguageCode::from_name("go"), LanguageCode::Go);
        assert_eq!(LanguageCode::from_name("NodeJs"), LanguageCode::NodeJs);
        assert_eq!(LanguageCode::from_name("COBOL"), LanguageCode::Other);
    }
}
