//! Recursive descent over the grammar of RocketMQ's `SelectorParser.jj`, with the checks
//! Java's expression factories make while building (`ComparisonExpression.create*`,
//! `asBooleanExpression`): the same expressions are refused, with similar messages.
//!
//! ```text
//! selector   := or                                  (must be boolean)
//! or         := and (OR and)*
//! and        := equality (AND equality)*
//! equality   := comparison ( '=' comparison | '<>' comparison | IS NULL | IS NOT NULL )*
//! comparison := unary ( ('>'|'>='|'<'|'<=') unary
//!                     | [NOT] BETWEEN unary AND unary
//!                     | [NOT] IN '(' string (',' string)* ')'
//!                     | [NOT] (CONTAINS|STARTSWITH|ENDSWITH) string )*
//! unary      := '+' unary | '-' unary | NOT unary | primary
//! primary    := literal | identifier | '(' or ')'
//! ```

use crate::ast::{CmpOp, Const, Expr, StrOp};
use crate::eval::compare_values;
use crate::lexer::{tokenize, Kind, Token};
use crate::FilterError;

/// Deepest nesting of parentheses and unary operators accepted (Java's parser would run
/// out of stack somewhere; ours must not).
pub const MAX_NESTING: usize = 100;
/// Most operators in one selector: the tree is as deep as its longest operator chain, and
/// evaluating and dropping it recurse.
pub const MAX_OPERATORS: usize = 1000;

/// Parses a whole selector.
pub(crate) fn parse(text: &str) -> Result<Expr, FilterError> {
    let tokens = tokenize(text)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        nesting: 0,
        operators: 0,
    };
    let e = p.or()?;
    if p.peek() != &Kind::End {
        return Err(p.unexpected());
    }
    as_boolean(e)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    nesting: usize,
    operators: usize,
}

/// Java's `asBooleanExpression`: a boolean expression as is, a property read as a
/// boolean, anything else refused.
fn as_boolean(e: Expr) -> Result<Expr, FilterError> {
    if e.is_boolean() {
        Ok(e)
    } else if let Expr::Property(_) = e {
        Ok(Expr::BoolCast(Box::new(e)))
    } else {
        Err(FilterError::Invalid(format!(
            "Expression will not result in a boolean value: {e}"
        )))
    }
}

/// `checkLessThanOperand`: only numbers, properties and arithmetic in `<`, `>`, ….
fn check_less_than_operand(e: &Expr) -> Result<(), FilterError> {
    let ok = match e {
        Expr::Const(c) => matches!(c, Const::Long(_) | Const::Double(_)),
        e => !e.is_boolean(),
    };
    if ok {
        Ok(())
    } else {
        Err(FilterError::Invalid(format!(
            "Value '{e}' cannot be compared."
        )))
    }
}

/// `checkEqualOperand`: a NULL literal cannot be compared with `=`.
fn check_equal_operand(e: &Expr) -> Result<(), FilterError> {
    if let Expr::Const(Const::Null) = e {
        return Err(FilterError::Invalid(format!("'{e}' cannot be compared.")));
    }
    Ok(())
}

fn compare(op: CmpOp, l: Expr, r: Expr) -> Result<Expr, FilterError> {
    check_less_than_operand(&l)?;
    check_less_than_operand(&r)?;
    Ok(Expr::Compare(op, Box::new(l), Box::new(r)))
}

fn equal(l: Expr, r: Expr) -> Result<Expr, FilterError> {
    check_equal_operand(&l)?;
    check_equal_operand(&r)?;
    // `checkEqualOperandCompatability`: TRUE/FALSE on the left of another literal.
    if let (Expr::Const(lc), Expr::Const(rc)) = (&l, &r) {
        if lc.is_boolean() && !rc.is_boolean() {
            return Err(FilterError::Invalid(format!(
                "'{l}' cannot be compared with '{r}'"
            )));
        }
    }
    Ok(Expr::Equal(Box::new(l), Box::new(r)))
}

fn between(value: Expr, low: Expr, high: Expr, not: bool) -> Result<Expr, FilterError> {
    if !not {
        if let (Expr::Const(lc), Expr::Const(hc)) = (&low, &high) {
            if matches!(lc, Const::Null) || matches!(hc, Const::Null) {
                return Err(FilterError::Invalid(
                    "Illegal values of between, values can not be null!".into(),
                ));
            }
            if compare_values(&hc.value(), &lc.value()).is_ok_and(|c| c < 0) {
                return Err(FilterError::Invalid(format!(
                    "Illegal values of between, left value({low}) must less than or equal to right value({high})"
                )));
            }
        }
    }
    let and_or = |a: Expr, b: Expr| {
        if not {
            Expr::Or(Box::new(a), Box::new(b))
        } else {
            Expr::And(Box::new(a), Box::new(b))
        }
    };
    if not {
        Ok(and_or(
            compare(CmpOp::Lt, value.clone(), low)?,
            compare(CmpOp::Gt, value, high)?,
        ))
    } else {
        Ok(and_or(
            compare(CmpOp::Ge, value.clone(), low)?,
            compare(CmpOp::Le, value, high)?,
        ))
    }
}

impl Parser {
    fn peek(&self) -> &Kind {
        self.peek_at(0)
    }

    fn peek_at(&self, n: usize) -> &Kind {
        self.tokens
            .get(self.pos + n)
            .or(self.tokens.last())
            .map_or(&Kind::End, |t| &t.kind)
    }

    /// Counts one more operator node.
    fn operator(&mut self) -> Result<(), FilterError> {
        self.operators += 1;
        if self.operators > MAX_OPERATORS {
            return Err(FilterError::Invalid(format!(
                "more than {MAX_OPERATORS} operators in one selector"
            )));
        }
        Ok(())
    }

    /// Enters one level of nesting.
    fn nest(&mut self) -> Result<(), FilterError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(FilterError::Invalid(format!(
                "nested deeper than {MAX_NESTING} levels"
            )));
        }
        Ok(())
    }

    fn bump(&mut self) -> Kind {
        let k = self.peek().clone();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        k
    }

    fn unexpected(&self) -> FilterError {
        let t = self.tokens.get(self.pos);
        FilterError::Syntax {
            at: t.map_or(0, |t| t.at),
            found: t.map_or_else(|| "<EOF>".into(), |t| t.kind.describe()),
        }
    }

    fn expect(&mut self, k: Kind) -> Result<(), FilterError> {
        if self.peek() == &k {
            self.bump();
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn string(&mut self) -> Result<String, FilterError> {
        match self.peek() {
            Kind::Str(_) => match self.bump() {
                Kind::Str(s) => Ok(s),
                _ => Err(self.unexpected()),
            },
            _ => Err(self.unexpected()),
        }
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.and()?;
        while self.peek() == &Kind::Or {
            self.bump();
            self.operator()?;
            let right = self.and()?;
            left = Expr::Or(Box::new(as_boolean(left)?), Box::new(as_boolean(right)?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.equality()?;
        while self.peek() == &Kind::And {
            self.bump();
            self.operator()?;
            let right = self.equality()?;
            left = Expr::And(Box::new(as_boolean(left)?), Box::new(as_boolean(right)?));
        }
        Ok(left)
    }

    fn equality(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.comparison()?;
        loop {
            if matches!(self.peek(), Kind::Eq | Kind::Ne | Kind::Is) {
                self.operator()?;
            }
            match self.peek() {
                Kind::Eq => {
                    self.bump();
                    let right = self.comparison()?;
                    left = equal(left, right)?;
                }
                Kind::Ne => {
                    self.bump();
                    let right = self.comparison()?;
                    left = Expr::Not(Box::new(equal(left, right)?));
                }
                Kind::Is => {
                    self.bump();
                    let not = self.peek() == &Kind::Not;
                    if not {
                        self.bump();
                    }
                    self.expect(Kind::Null)?;
                    // `createIsNull` skips the operand checks of `=`.
                    let is_null = Expr::Equal(Box::new(left), Box::new(Expr::Const(Const::Null)));
                    left = if not {
                        Expr::Not(Box::new(is_null))
                    } else {
                        is_null
                    };
                }
                _ => return Ok(left),
            }
        }
    }

    fn comparison(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Kind::Gt => Some(CmpOp::Gt),
                Kind::Ge => Some(CmpOp::Ge),
                Kind::Lt => Some(CmpOp::Lt),
                Kind::Le => Some(CmpOp::Le),
                _ => None,
            };
            if let Some(op) = op {
                self.bump();
                self.operator()?;
                let right = self.unary()?;
                left = compare(op, left, right)?;
                continue;
            }
            // `NOT` here only with one of the operators after it (Java's LOOKAHEAD(2)).
            let not = self.peek() == &Kind::Not;
            let next = self.peek_at(usize::from(not)).clone();
            if matches!(
                next,
                Kind::Between | Kind::In | Kind::Contains | Kind::StartsWith | Kind::EndsWith
            ) {
                self.operator()?;
            }
            match next {
                Kind::Between => {
                    self.pos += usize::from(not) + 1;
                    let low = self.unary()?;
                    self.expect(Kind::And)?;
                    let high = self.unary()?;
                    left = between(left, low, high, not)?;
                }
                Kind::In => {
                    self.pos += usize::from(not) + 1;
                    self.expect(Kind::LParen)?;
                    let mut list = vec![self.string()?];
                    while self.peek() == &Kind::Comma {
                        self.bump();
                        list.push(self.string()?);
                    }
                    self.expect(Kind::RParen)?;
                    let Expr::Property(name) = left else {
                        return Err(FilterError::Invalid(format!(
                            "Expected a property for In expression, got: {left}"
                        )));
                    };
                    left = Expr::In { name, list, not };
                }
                Kind::Contains | Kind::StartsWith | Kind::EndsWith => {
                    self.pos += usize::from(not) + 1;
                    let op = match next {
                        Kind::Contains => StrOp::Contains,
                        Kind::StartsWith => StrOp::StartsWith,
                        _ => StrOp::EndsWith,
                    };
                    let search = self.string()?;
                    left = Expr::Str {
                        op,
                        not,
                        operand: Box::new(left),
                        search,
                    };
                }
                _ => return Ok(left),
            }
        }
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        self.nest()?;
        let e = self.unary_inner();
        self.nesting -= 1;
        e
    }

    fn unary_inner(&mut self) -> Result<Expr, FilterError> {
        match self.peek() {
            Kind::Plus => {
                self.bump();
                self.unary()
            }
            Kind::Minus => {
                self.bump();
                Ok(Expr::Negate(Box::new(self.unary()?)))
            }
            Kind::Not => {
                self.bump();
                let e = self.unary()?;
                Ok(Expr::Not(Box::new(as_boolean(e)?)))
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Expr, FilterError> {
        let at = self.tokens.get(self.pos).map_or(0, |t| t.at);
        let e = match self.peek().clone() {
            Kind::Str(s) => Expr::Const(Const::Str(s)),
            Kind::Decimal(text) => {
                // `createFromDecimal`: a long, nothing wider.
                let v = text.parse::<i64>().map_err(|_| {
                    FilterError::Invalid(format!(
                        "the number {text} at {at} is out of the range of a long"
                    ))
                })?;
                Expr::Const(Const::Long(v))
            }
            Kind::Float(text) => {
                // `createFloat` refuses what is above Double.MAX_VALUE and below
                // Double.MIN_VALUE (the smallest positive double, so 0.0 too).
                let v = text.parse::<f64>().map_err(|_| self.unexpected())?;
                if v > f64::MAX {
                    return Err(FilterError::Invalid(format!(
                        "{text} is greater than {:e}",
                        f64::MAX
                    )));
                }
                if v < f64::from_bits(1) {
                    return Err(FilterError::Invalid(format!(
                        "{text} is less than 4.9E-324"
                    )));
                }
                Expr::Const(Const::Double(v))
            }
            Kind::True => Expr::Const(Const::Bool(true)),
            Kind::False => Expr::Const(Const::Bool(false)),
            Kind::Null => Expr::Const(Const::Null),
            Kind::Id(name) => Expr::Property(name),
            Kind::LParen => {
                self.bump();
                let e = self.or()?;
                self.expect(Kind::RParen)?;
                return Ok(e);
            }
            _ => return Err(self.unexpected()),
        };
        self.bump();
        Ok(e)
    }
}
