//! Evaluation with Java's typing rules (`ComparisonExpression.__compare` with string
//! conversion on, as `SelectorParser` builds it) and three-valued logic: a missing
//! property is NULL, a comparison with NULL is NULL (unknown), and only TRUE matches.
//! Where Java's evaluation throws (a property that is not a number compared with a
//! number, two strings compared with `<`), the whole evaluation fails and the message
//! does not match, as Java's `ExpressionMessageFilter` treats the exception.
//!
//! Values borrow from the compiled expression and from the message's properties: an
//! evaluation allocates nothing.

use std::cmp::Ordering;

use crate::ast::{CmpOp, Expr, StrOp};

/// A value during evaluation (Java's `null`, `Boolean`, `Long`, `Double`, `String`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value<'v> {
    Null,
    Bool(bool),
    Long(i64),
    Double(f64),
    Str(&'v str),
}

/// Java threw: the message does not match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EvalError;

type Eval<'v> = Result<Value<'v>, EvalError>;

/// Java's `Double.compare`: NaN equals NaN and is above everything; -0.0 < 0.0.
fn double_cmp(a: f64, b: f64) -> i32 {
    if a < b {
        -1
    } else if a > b {
        1
    } else {
        let bits = |d: f64| {
            if d.is_nan() {
                0x7ff8_0000_0000_0000_i64
            } else {
                d.to_bits() as i64
            }
        };
        sign(bits(a).cmp(&bits(b)))
    }
}

fn sign(o: Ordering) -> i32 {
    match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

/// Java's `Long.valueOf(String)`.
fn java_long(s: &str) -> Result<i64, EvalError> {
    s.parse::<i64>().map_err(|_| EvalError)
}

/// Java's `Double.valueOf(String)` for decimal text: surrounding blanks and a trailing
/// `f`/`d` allowed, `NaN` and `Infinity` spelled as Java spells them.
pub(crate) fn java_double(s: &str) -> Result<f64, EvalError> {
    let t = s.trim_matches(|c: char| c <= ' ');
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let v = match body {
        "NaN" => f64::NAN,
        "Infinity" => f64::INFINITY,
        _ => {
            let body = body.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(body);
            let decimal = !body.is_empty()
                && body
                    .bytes()
                    .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
            if !decimal {
                return Err(EvalError);
            }
            body.parse::<f64>().map_err(|_| EvalError)?
        }
    };
    Ok(if neg { -v } else { v })
}

/// Java's `Boolean.valueOf(String)`.
fn java_bool(s: &str) -> bool {
    s.eq_ignore_ascii_case("true")
}

/// Java's `Object.equals` between two values of the same kind.
fn java_equals(l: &Value<'_>, r: &Value<'_>) -> bool {
    match (l, r) {
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Long(a), Value::Long(b)) => a == b,
        (Value::Double(a), Value::Double(b)) => double_cmp(*a, *b) == 0,
        (Value::Str(a), Value::Str(b)) => a == b,
        _ => false,
    }
}

/// `ComparisonExpression.__compare(lv, rv, true)`: converts the right or left side up to
/// the other's type, then compares; -1 for kinds that do not convert.
pub(crate) fn compare_values(l: &Value<'_>, r: &Value<'_>) -> Result<i32, EvalError> {
    use Value::*;
    Ok(match (*l, *r) {
        (Bool(a), Bool(b)) => sign(a.cmp(&b)),
        (Long(a), Long(b)) => sign(a.cmp(&b)),
        (Double(a), Double(b)) => double_cmp(a, b),
        (Str(a), Str(b)) => sign(a.encode_utf16().cmp(b.encode_utf16())),
        // Java casts the Boolean to String here and throws.
        (Bool(_), Str(_)) => return Err(EvalError),
        (Long(a), Double(b)) => double_cmp(a as f64, b),
        (Long(a), Str(b)) => sign(a.cmp(&java_long(b)?)),
        (Double(a), Long(b)) => double_cmp(a, b as f64),
        (Double(a), Str(b)) => double_cmp(a, java_double(b)?),
        (Str(a), Bool(b)) => sign(java_bool(a).cmp(&b)),
        (Str(a), Long(b)) => sign(java_long(a)?.cmp(&b)),
        (Str(a), Double(b)) => double_cmp(java_double(a)?, b),
        _ => -1,
    })
}

/// A boolean operand of AND, OR, NOT: `None` for NULL; anything else is Java's
/// ClassCastException.
fn truth(v: Value<'_>) -> Result<Option<bool>, EvalError> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        _ => Err(EvalError),
    }
}

fn boolean<'v>(b: Option<bool>) -> Value<'v> {
    b.map_or(Value::Null, Value::Bool)
}

impl Expr {
    /// Evaluates against the properties `get` looks up.
    pub(crate) fn eval<'v, F>(&'v self, get: &F) -> Eval<'v>
    where
        F: Fn(&str) -> Option<&'v str>,
    {
        Ok(match self {
            Expr::Const(c) => c.value(),
            Expr::Property(name) => get(name).map_or(Value::Null, Value::Str),
            Expr::Negate(e) => match e.eval(get)? {
                Value::Long(v) => Value::Long(v.wrapping_neg()),
                Value::Double(v) => Value::Double(-v),
                _ => Value::Null,
            },
            Expr::Not(e) => boolean(truth(e.eval(get)?)?.map(|b| !b)),
            Expr::BoolCast(e) => match e.eval(get)? {
                Value::Null => Value::Null,
                Value::Bool(b) => Value::Bool(b),
                _ => Value::Bool(false),
            },
            Expr::And(a, b) => {
                let l = truth(a.eval(get)?)?;
                if l == Some(false) {
                    return Ok(Value::Bool(false));
                }
                match (l, truth(b.eval(get)?)?) {
                    (_, Some(false)) => Value::Bool(false),
                    (None, _) | (_, None) => Value::Null,
                    _ => Value::Bool(true),
                }
            }
            Expr::Or(a, b) => {
                let l = truth(a.eval(get)?)?;
                if l == Some(true) {
                    return Ok(Value::Bool(true));
                }
                match (l, truth(b.eval(get)?)?) {
                    (_, Some(true)) => Value::Bool(true),
                    (None, _) | (_, None) => Value::Null,
                    _ => Value::Bool(false),
                }
            }
            Expr::Equal(a, b) => {
                let (l, r) = (a.eval(get)?, b.eval(get)?);
                match (l, r) {
                    (Value::Null, Value::Null) => Value::Bool(true),
                    (Value::Null, _) => Value::Null,
                    (_, Value::Null) => Value::Bool(false),
                    _ if java_equals(&l, &r) => Value::Bool(true),
                    _ => Value::Bool(compare_values(&l, &r)? == 0),
                }
            }
            Expr::Compare(op, a, b) => {
                let l = a.eval(get)?;
                if l == Value::Null {
                    return Ok(Value::Null);
                }
                let r = b.eval(get)?;
                if r == Value::Null {
                    return Ok(Value::Null);
                }
                let c = match (l, r) {
                    // Strings compared by `<` must both read as numbers.
                    (Value::Str(x), Value::Str(y)) => double_cmp(java_double(x)?, java_double(y)?),
                    _ => compare_values(&l, &r)?,
                };
                Value::Bool(match op {
                    CmpOp::Lt => c < 0,
                    CmpOp::Le => c <= 0,
                    CmpOp::Gt => c > 0,
                    CmpOp::Ge => c >= 0,
                })
            }
            Expr::In { name, list, not } => match get(name) {
                None => Value::Null,
                Some(v) => Value::Bool(list.iter().any(|s| s == v) != *not),
            },
            Expr::Str {
                op,
                not,
                operand,
                search,
            } => {
                if search.is_empty() {
                    return Ok(Value::Bool(false));
                }
                match operand.eval(get)? {
                    Value::Str(s) => {
                        let hit = match op {
                            StrOp::Contains => s.contains(search.as_str()),
                            StrOp::StartsWith => s.starts_with(search.as_str()),
                            StrOp::EndsWith => s.ends_with(search.as_str()),
                        };
                        Value::Bool(hit != *not)
                    }
                    _ => Value::Bool(false),
                }
            }
        })
    }
}
