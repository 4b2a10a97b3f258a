//! The cases of Java's `ExpressionTest` and `ParserTest`, and the typing rules.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;

use super::*;

fn eval(expr: &str, props: &[(&str, &str)]) -> bool {
    let s = Selector::compile(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    s.matches(|name| props.iter().find(|(k, _)| *k == name).map(|(_, v)| *v))
}

fn refused(expr: &str) -> FilterError {
    match Selector::compile(expr) {
        Ok(s) => panic!("{expr} compiled to {}", s.expr),
        Err(e) => e,
    }
}

const AND: &str = "a=3 and b<>4 And c>5 AND d<=4";
const OR: &str = "a=3 or b<>4 Or c>5 OR d<=4";

#[test]
fn java_expression_test() {
    // and / or, strings read as numbers.
    assert!(eval(AND, &[("a", "3"), ("b", "5"), ("c", "6"), ("d", "1")]));
    assert!(!eval(
        AND,
        &[("a", "4"), ("b", "5"), ("c", "6"), ("d", "1")]
    ));
    assert!(eval(OR, &[("a", "3")]));
    assert!(eval(OR, &[("a", "4"), ("b", "5")]));
    assert!(eval(OR, &[("a", "4"), ("b", "4"), ("c", "6")]));
    assert!(eval(OR, &[("a", "4"), ("b", "4"), ("c", "3"), ("d", "2")]));
    assert!(!eval(
        OR,
        &[("a", "4"), ("b", "4"), ("c", "3"), ("d", "10")]
    ));
    // in / not in
    let is_in = "a in ('3', '4', '5')";
    let not_in = "a not in ('3', '4', '5')";
    for v in ["3", "4", "5"] {
        assert!(eval(is_in, &[("a", v)]));
        assert!(!eval(not_in, &[("a", v)]));
    }
    assert!(!eval(is_in, &[("a", "8")]));
    assert!(eval(not_in, &[("a", "8")]));
    assert!(!eval(not_in, &[]), "NOT IN of NULL is unknown");
    // between
    let between = "a between 2 and 10";
    let not_between = "a not between 2 and 10";
    for v in ["2", "10", "3"] {
        assert!(eval(between, &[("a", v)]), "{v}");
        assert!(!eval(not_between, &[("a", v)]), "{v}");
    }
    for v in ["1", "11"] {
        assert!(!eval(between, &[("a", v)]), "{v}");
        assert!(eval(not_between, &[("a", v)]), "{v}");
    }
    // null tests
    assert!(eval("a is null", &[("abc", "2")]));
    assert!(!eval("a is null", &[("a", "2")]));
    assert!(eval("a is not null", &[("a", "2")]));
    assert!(!eval("a is not null", &[("abc", "2")]));
    let equal = "a is not null and a='hello'";
    assert!(eval(equal, &[("a", "hello")]));
    assert!(!eval(equal, &[]));
    let null_or = "a is null OR a='hello'";
    assert!(eval(null_or, &[]));
    assert!(eval(null_or, &[("a", "hello")]));
    assert!(!eval(null_or, &[("a", "abc")]));
    // booleans
    let boolean = "a=TRUE OR b=FALSE";
    assert!(eval(boolean, &[("a", "true"), ("b", "false")]));
    assert!(!eval(boolean, &[("a", "false"), ("b", "true")]));
    // quotes
    assert!(eval(
        "TAGS is not null and TAGS='''''tag'''''",
        &[("TAGS", "''tag''")]
    ));
    // numbers
    assert!(eval("a > 3.1E10", &[("a", "3.1415E10")]));
    assert!(eval("a > 3.14", &[("a", "3.1415")]));
    assert!(!eval("a > b", &[("a", "10"), ("b", "20")]));
    assert!(eval("a > b", &[("a", "20"), ("b", "10")]));
    // testEvaluate_stringCompare: each of these is FALSE or throws (no match).
    assert!(!eval("a between up and low", &[("a", "3.14")]));
    assert!(!eval(
        "a between up and low",
        &[("a", "3.14"), ("up", "up"), ("low", "low")]
    ));
    assert!(!eval(
        "key is not null and key between 0 and 100",
        &[("key", "con")]
    ));
    assert!(!eval("a between 0 and 100", &[("a", "abc")]));
    assert!(eval("a=b", &[("a", "3.14"), ("b", "3.14")]));
    assert!(!eval("a<>b", &[("a", "3.14"), ("b", "3.14")]));
    assert!(eval("a<>b", &[("a", "3.14"), ("b", "3.141")]));
}

#[test]
fn java_parser_test() {
    for ok in [
        AND,
        "a=3  and    b<>4 And c>5 AND d<=4",
        OR,
        "a in ('3', '4', '5')",
        "(a not in ('6', '4', '5')) or (b in ('3', '4', '5'))",
        "(a between 2 and 10) AND (b not between 6 and 9)",
        "a is null",
        "a is not null",
        "a <= now",
    ] {
        assert!(Selector::compile(ok).is_ok(), "{ok}");
    }
    assert_eq!(
        Selector::compile(AND),
        Selector::compile("a=3  and    b<>4 And c>5 AND d<=4")
    );
    assert_ne!(Selector::compile(AND), Selector::compile(OR));
    refused("a and between 2 and 10");
    refused(" a between 10 and 0");
    refused("a > 100000000000000000000000");
    let huge = format!("a > 1{}.1", "1".repeat(400));
    assert!(matches!(refused(&huge), FilterError::Invalid(_)));
}

#[test]
fn java_factory_checks() {
    // Strings, booleans and NULL cannot be ordered; NULL cannot be compared by `=`.
    refused("a > 'x'");
    refused("a < TRUE");
    refused("(a = 1) > 1");
    refused("a = NULL");
    refused("NULL = a");
    refused("TRUE = 'x'");
    assert!(Selector::compile("'x' = TRUE").is_ok());
    // IN needs a property and strings.
    refused("'a' IN ('a')");
    refused("a IN (1, 2)");
    // Not boolean.
    refused("1");
    refused("'x'");
    refused("a + 1");
    refused("1 AND a = 1");
    refused("NOT 1");
    refused("");
    refused("a = ");
    refused("a = 1)");
    refused("a BETWEEN NULL AND 1");
    refused("a > 0.0");
    // Identifiers have no dots.
    refused("a.b = 1");
    assert!(matches!(refused("a # 1"), FilterError::Lexical { .. }));
    assert_eq!(
        refused("a = = 1").to_string(),
        "Invalid MessageSelector. Encountered \"EQ\" at position 4"
    );
    // Keywords are case-insensitive; the NULL literal alone is a boolean expression.
    assert!(Selector::compile("a iS nOt NuLl").is_ok());
    assert!(Selector::compile("NULL").is_ok());
    assert!(Selector::compile("TRUE").is_ok());
    assert!(Selector::compile("a").is_ok());
}

#[test]
fn typing_rules() {
    // Equality: string against a long literal reads the string as a long.
    assert!(eval("a = 10", &[("a", "10")]));
    assert!(eval("a = 10", &[("a", "+10")]));
    assert!(!eval("a = 10", &[("a", "10.0")]), "not a long: throws");
    assert!(eval("a = 10.0", &[("a", "10")]));
    assert!(eval("a = 1E1", &[("a", " 10 ")]), "Double.valueOf trims");
    assert!(eval("a = 1.5", &[("a", "1.5f")]));
    assert!(!eval("a = 1.5", &[("a", "inf")]));
    assert!(eval("a = 'x'", &[("a", "x")]));
    assert!(!eval("a = 'x'", &[]));
    assert!(!eval("a <> 'x'", &[]), "NOT of unknown is unknown");
    assert!(eval("a = b", &[]), "Java: null equals null");
    assert!(eval("a = TRUE", &[("a", "TRUE")]));
    assert!(eval("a = FALSE", &[("a", "yes")]));
    assert!(!eval("10 = TRUE", &[]));
    // Ordering.
    assert!(eval("a > -5", &[("a", "-4")]));
    assert!(eval("a >= 5L", &[("a", "5")]));
    assert!(eval("a < 2.5", &[("a", "2")]));
    assert!(eval("1 < 2", &[]));
    assert!(!eval("-a = -3", &[("a", "3")]), "negating a string is NULL");
    assert!(!eval("a > 1", &[("a", "x")]));
    assert!(!eval("a > 1", &[]));
    assert!(!eval("NOT (a > 1)", &[]));
    assert!(eval("NOT (a > 1) OR TRUE", &[]));
    assert!(!eval("NOT (a > 1) AND TRUE", &[]));
    assert!(
        !eval("a > 1 OR b = 'x'", &[("a", "x"), ("b", "x")]),
        "left throws"
    );
    assert!(
        eval("b = 'x' OR a > 1", &[("a", "x"), ("b", "x")]),
        "short cut"
    );
    // A property alone is read as a boolean, and strings are never booleans.
    assert!(!eval("a", &[("a", "true")]));
    assert!(!eval("NOT a", &[]));
    assert!(eval("NOT a", &[("a", "true")]));
    // String tests.
    assert!(eval("a CONTAINS 'bc'", &[("a", "abcd")]));
    assert!(eval("a NOT CONTAINS 'x'", &[("a", "abcd")]));
    assert!(!eval("a NOT CONTAINS 'x'", &[]));
    assert!(!eval("a CONTAINS ''", &[("a", "abcd")]));
    assert!(eval("a STARTSWITH 'ab'", &[("a", "abcd")]));
    assert!(eval("a NOT STARTSWITH 'b'", &[("a", "abcd")]));
    assert!(eval("a ENDSWITH 'cd'", &[("a", "abcd")]));
    assert!(!eval("a NOT ENDSWITH 'cd'", &[("a", "abcd")]));
    assert!(!eval("5 CONTAINS '5'", &[]));
    // Precedence: AND before OR; comments.
    assert!(eval("a = 1 OR a = 2 AND b = 3", &[("a", "1")]));
    assert!(!eval("(a = 1 OR a = 2) AND b = 3", &[("a", "1")]));
    assert!(eval("a = 1 -- note\n", &[("a", "1")]));
    assert!(eval("a /* x */ = 1", &[("a", "1")]));
}

#[test]
fn hostile_depth_and_length_are_refused_not_overflowed() {
    let deep = format!("{}a = 1{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(matches!(refused(&deep), FilterError::Invalid(_)));
    let nots = format!("{}a", "NOT ".repeat(100_000));
    assert!(matches!(refused(&nots), FilterError::Invalid(_)));
    let chain = vec!["a = 1"; 100_000].join(" AND ");
    assert!(matches!(refused(&chain), FilterError::Invalid(_)));
    // Within the limits: fine.
    let ok = format!("{}a = 1{}", "(".repeat(50), ")".repeat(50));
    assert!(eval(&ok, &[("a", "1")]));
    let long = vec!["a = 1"; 300].join(" OR ");
    assert!(eval(&long, &[("a", "1")]));
    let list: Vec<String> = (0..5000).map(|i| format!("'{i}'")).collect();
    assert!(eval(
        &format!("a IN ({})", list.join(",")),
        &[("a", "4999")]
    ));
}

proptest! {
    /// Any text: compile returns, and a compiled selector evaluates without panicking.
    #[test]
    fn any_text_is_handled(text in ".{0,40}") {
        if let Ok(s) = Selector::compile(&text) {
            let _ = s.matches(|_| Some("1"));
            let _ = s.matches(|_| None);
        }
    }

    /// Numeric comparisons agree with Rust's on longs.
    #[test]
    fn long_comparisons(a in any::<i64>(), b in any::<i64>()) {
        let v = a.to_string();
        let props = [("a", v.as_str())];
        let b_lit = if b < 0 { format!("-{}", b.unsigned_abs()) } else { b.to_string() };
        if b != i64::MIN {
            prop_assert_eq!(eval(&format!("a > {b_lit}"), &props), a > b);
            prop_assert_eq!(eval(&format!("a <= {b_lit}"), &props), a <= b);
            prop_assert_eq!(eval(&format!("a = {b_lit}"), &props), a == b);
        }
    }

    /// Selectors built from the grammar compile.
    #[test]
    fn grammar_sentences_compile(
        atoms in proptest::collection::vec(0usize..8, 1..6),
        joins in proptest::collection::vec(prop::bool::ANY, 6),
    ) {
        const ATOMS: [&str; 8] = [
            "a = 1", "b <> 'x'", "c BETWEEN 1 AND 2", "d NOT IN ('p', 'q')",
            "e IS NULL", "NOT (f > 2.5)", "g CONTAINS 'z'", "h IS NOT NULL",
        ];
        let mut text = String::new();
        for (i, a) in atoms.iter().enumerate() {
            if i > 0 {
                text.push_str(if joins[i] { " AND " } else { " OR " });
            }
            text.push_str(ATOMS[*a]);
        }
        prop_assert!(Selector::compile(&text).is_ok(), "{}", text);
    }
}
