//! The compiled form of a selector: Java's expression tree (`ComparisonExpression`,
//! `LogicExpression`, `UnaryExpression`, …) as one enum.

use std::fmt;

use crate::eval::Value;

/// A literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    /// `NULL`.
    Null,
    /// `TRUE` / `FALSE`.
    Bool(bool),
    /// A decimal literal (Java `Long`).
    Long(i64),
    /// A floating-point literal (Java `Double`).
    Double(f64),
    /// A quoted string.
    Str(String),
}

impl Const {
    /// Whether Java builds it as a `BooleanConstantExpression` (TRUE, FALSE, NULL).
    pub fn is_boolean(&self) -> bool {
        matches!(self, Const::Null | Const::Bool(_))
    }

    /// The value it evaluates to.
    pub(crate) fn value(&self) -> Value<'_> {
        match self {
            Const::Null => Value::Null,
            Const::Bool(b) => Value::Bool(*b),
            Const::Long(v) => Value::Long(*v),
            Const::Double(v) => Value::Double(*v),
            Const::Str(s) => Value::Str(s),
        }
    }
}

/// `<`, `<=`, `>`, `>=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// The string tests of 5.x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrOp {
    /// `CONTAINS`
    Contains,
    /// `STARTSWITH`
    StartsWith,
    /// `ENDSWITH`
    EndsWith,
}

/// A node of the expression tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal.
    Const(Const),
    /// A message property by name (NULL when absent).
    Property(String),
    /// Unary minus.
    Negate(Box<Expr>),
    /// Logical NOT (NULL stays NULL).
    Not(Box<Expr>),
    /// A property used where a boolean is expected (`createBooleanCast`).
    BoolCast(Box<Expr>),
    /// Three-valued AND.
    And(Box<Expr>, Box<Expr>),
    /// Three-valued OR.
    Or(Box<Expr>, Box<Expr>),
    /// `=` (and `IS NULL` against the NULL literal).
    Equal(Box<Expr>, Box<Expr>),
    /// `<`, `<=`, `>`, `>=`.
    Compare(CmpOp, Box<Expr>, Box<Expr>),
    /// `[NOT] IN ('a', 'b')` on a property.
    In {
        /// The property.
        name: String,
        /// The strings.
        list: Vec<String>,
        /// `NOT IN`.
        not: bool,
    },
    /// `[NOT] CONTAINS | STARTSWITH | ENDSWITH 'text'`.
    Str {
        /// Which test.
        op: StrOp,
        /// Negated.
        not: bool,
        /// What is tested.
        operand: Box<Expr>,
        /// The literal searched for.
        search: String,
    },
}

impl Expr {
    /// Whether Java builds it as a `BooleanExpression`.
    pub fn is_boolean(&self) -> bool {
        match self {
            Expr::Const(c) => c.is_boolean(),
            Expr::Property(_) | Expr::Negate(_) => false,
            _ => true,
        }
    }
}

impl fmt::Display for Const {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Const::Null => f.write_str("NULL"),
            Const::Bool(true) => f.write_str("TRUE"),
            Const::Bool(false) => f.write_str("FALSE"),
            Const::Long(v) => write!(f, "{v}"),
            Const::Double(v) => write!(f, "{v:?}"),
            Const::Str(s) => write!(f, "'{}'", s.replace('\'', "''")),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Const(c) => write!(f, "{c}"),
            Expr::Property(p) => f.write_str(p),
            Expr::Negate(e) => write!(f, "(- {e})"),
            Expr::Not(e) => write!(f, "NOT {e}"),
            Expr::BoolCast(e) => write!(f, "{e}"),
            Expr::And(a, b) => write!(f, "({a} AND {b})"),
            Expr::Or(a, b) => write!(f, "({a} OR {b})"),
            Expr::Equal(a, b) => write!(f, "({a} == {b})"),
            Expr::Compare(op, a, b) => {
                let s = match op {
                    CmpOp::Lt => "<",
                    CmpOp::Le => "<=",
                    CmpOp::Gt => ">",
                    CmpOp::Ge => ">=",
                };
                write!(f, "({a} {s} {b})")
            }
            Expr::In { name, list, not } => {
                let list: Vec<String> = list.iter().map(|s| format!("'{s}'")).collect();
                let not = if *not { "NOT " } else { "" };
                write!(f, "{name} {not}IN ({})", list.join(", "))
            }
            Expr::Str {
                op,
                not,
                operand,
                search,
            } => {
                let s = match op {
                    StrOp::Contains => "CONTAINS",
                    StrOp::StartsWith => "STARTSWITH",
                    StrOp::EndsWith => "ENDSWITH",
                };
                let not = if *not { "NOT " } else { "" };
                write!(f, "{operand} {not}{s} '{search}'")
            }
        }
    }
}
