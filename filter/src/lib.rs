//! RocketMQ's SQL92 message selectors (the `rocketmq-filter` module): [`Selector::compile`]
//! parses an expression as Java's `SelectorParser` does, refusing what its factories
//! refuse, and [`Selector::matches`] evaluates it on a message's properties with Java's
//! type conversions and three-valued logic.
//!
//! The language: `= <> > >= < <=`, `[NOT] BETWEEN a AND b`, `[NOT] IN ('x', …)`,
//! `IS [NOT] NULL`, `AND`, `OR`, `NOT`, parentheses, `[NOT] CONTAINS | STARTSWITH |
//! ENDSWITH 'x'` (5.x), string (`'it''s'`), long (`10`, `10L`), double (`1.5`, `.5`,
//! `1E3`) and boolean literals, unary `+`/`-`, `--` and `/* */` comments. Keywords are
//! case-insensitive; property names are `[A-Za-z_$][A-Za-z0-9_$]*`.
//!
//! Property values are strings, converted to the other side's type when compared with a
//! literal (`a > 5` reads `a` as a long, `a = TRUE` as a boolean). A missing property is
//! NULL; a comparison with NULL is unknown; only a TRUE result matches. An evaluation that
//! Java aborts with an exception (a non-numeric `a` in `a > 5`) does not match.
//!
//! ```
//! use cometmq_filter::Selector;
//! let s = Selector::compile("a BETWEEN 1 AND 10 AND TAGS IN ('x', 'y')").unwrap();
//! let props = [("a", "5"), ("TAGS", "x")];
//! let get = |name: &str| props.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
//! assert!(s.matches(get));
//! assert!(Selector::compile("a BETWEEN 10 AND 1").is_err());
//! ```

mod ast;
mod eval;
mod lexer;
mod parser;

pub use ast::{CmpOp, Const, Expr, StrOp};

/// The expression type of SQL92 subscriptions (`ExpressionType.SQL92`).
pub const SQL92: &str = "SQL92";

/// Why an expression does not compile. Displays as Java's `MQFilterException` message
/// (`Invalid MessageSelector. `) followed by the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// A character sequence that is no token.
    #[error("Invalid MessageSelector. {message} at position {at}")]
    Lexical {
        /// Byte offset.
        at: usize,
        /// What is wrong.
        message: String,
    },
    /// A token where the grammar allows none of its kind.
    #[error("Invalid MessageSelector. Encountered \"{found}\" at position {at}")]
    Syntax {
        /// Byte offset.
        at: usize,
        /// The token.
        found: String,
    },
    /// Well-formed, but refused by Java's expression factories (types, NULL, ranges).
    #[error("Invalid MessageSelector. {0}")]
    Invalid(String),
}

/// A compiled SQL92 selector. Compile once per subscription; [`Self::matches`] allocates
/// nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    /// The expression tree.
    pub expr: Expr,
}

impl Selector {
    /// Parses `text` (Java `SqlFilter.compile`).
    pub fn compile(text: &str) -> Result<Selector, FilterError> {
        parser::parse(text).map(|expr| Selector { expr })
    }

    /// Whether a message whose property `name` is `get(name)` matches: the expression
    /// evaluates to TRUE.
    pub fn matches<'v>(&'v self, get: impl Fn(&str) -> Option<&'v str>) -> bool {
        self.expr.eval(&get) == Ok(eval::Value::Bool(true))
    }
}

#[cfg(test)]
mod tests;
