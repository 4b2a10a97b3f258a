//! The inputs of issue 14 and their relatives, at sizes where a quadratic or exponential
//! decoder would never finish, through every fuzz target's decoder: each must end (with an
//! error or a value) without panicking. The fuzzer's own inputs stay under 4 KiB; these
//! are 50 KiB to 1 MiB.

#![allow(clippy::panic)]

use cometmq_fuzzkit::TARGETS;

fn hostile() -> Vec<(String, Vec<u8>)> {
    let n = 50_000;
    let mut v: Vec<(String, Vec<u8>)> = vec![
        ("{ x n".into(), "{".repeat(n).into_bytes()),
        ("[ x n".into(), "[".repeat(n).into_bytes()),
        (
            "{{ x n".into(),
            format!("{}1{}", "{{".repeat(n), "}:1}".repeat(n)).into_bytes(),
        ),
        (
            "nested valid objects".into(),
            format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n)).into_bytes(),
        ),
        (
            "nested bare keys".into(),
            format!("{}1{}", "{0:".repeat(n), "}".repeat(n)).into_bytes(),
        ),
        (
            "bare keys without colons".into(),
            "{a,".repeat(n).into_bytes(),
        ),
        (
            "unterminated string".into(),
            format!("{{\"{}", "\\\"".repeat(n)).into_bytes(),
        ),
        ("backslashes".into(), "\\".repeat(n).into_bytes()),
        ("continuation lines".into(), "a=\\\n".repeat(n).into_bytes()),
        ("unicode escapes".into(), "k=\\u".repeat(n).into_bytes()),
        (
            "property separators".into(),
            "\u{1}\u{2}".repeat(n).into_bytes(),
        ),
        (
            "one long property".into(),
            format!("a\u{1}{}", "b".repeat(n * 10)).into_bytes(),
        ),
        (
            "many equal properties".into(),
            "a\u{1}b\u{2}".repeat(n).into_bytes(),
        ),
        ("zero bytes".into(), vec![0u8; n * 10]),
        ("0xff bytes".into(), vec![0xffu8; n * 10]),
    ];
    // A JSON header with many extFields, and a body of many map entries.
    let ext: Vec<String> = (0..n).map(|i| format!("\"k{i}\":\"v\"")).collect();
    v.push((
        "many extFields".into(),
        format!(
            "{{\"code\":1,\"opaque\":1,\"extFields\":{{{}}}}}",
            ext.join(",")
        )
        .into_bytes(),
    ));
    let entries: Vec<String> = (0..n).map(|i| format!("{i}:{{\"a\":{i}}}")).collect();
    v.push((
        "many bare-key entries".into(),
        format!("{{\"offsetTable\":{{{}}}}}", entries.join(",")).into_bytes(),
    ));
    // A ROCKETMQ binary header with as many distinct extFields.
    let mut section = Vec::new();
    for i in 0..n {
        let key = format!("k{i}");
        section.extend_from_slice(&(key.len() as i16).to_be_bytes());
        section.extend_from_slice(key.as_bytes());
        section.extend_from_slice(&1i32.to_be_bytes());
        section.push(b'v');
    }
    let mut binary = vec![0, 11, 9, 1, 223, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0];
    binary.extend_from_slice(&(section.len() as i32).to_be_bytes());
    binary.extend_from_slice(&section);
    v.push(("many binary extFields".into(), binary));
    // Binary inputs whose length words claim far more than follows.
    let mut claims = Vec::new();
    for _ in 0..n / 16 {
        claims.extend_from_slice(&0x7fff_fff0i32.to_be_bytes());
        claims.extend_from_slice(&0x0100_0000i32.to_be_bytes());
        claims.extend_from_slice(&0x0400_0000i64.to_be_bytes());
    }
    v.push(("huge length words".into(), claims));
    // Every prefix of a byte pattern repeated (a step byte and small records for HA).
    v.push(("small HA frames".into(), {
        let mut s = vec![63u8];
        for i in 0..n as i64 / 12 {
            s.extend_from_slice(&i.to_be_bytes());
            s.extend_from_slice(&0i32.to_be_bytes());
        }
        s
    }));
    v
}

#[test]
fn hostile_inputs_end_in_every_decoder() {
    let inputs = hostile();
    let mut failures = Vec::new();
    for target in TARGETS {
        for (what, data) in &inputs {
            let run = target.run;
            if std::panic::catch_unwind(|| run(data)).is_err() {
                failures.push(format!("{}: {what}", target.name));
            }
        }
    }
    assert!(failures.is_empty(), "panics: {failures:#?}");
}
