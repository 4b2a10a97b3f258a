//! Tags codes: Java's `String.hashCode` of the `TAGS` property.
//!
//! The ConsumeQueue stores, for each message, an 8-byte tags code that brokers compare
//! with the subscription's `codeSet` to filter by tag without reading the CommitLog.
//! Clients compute that set with Java's `String.hashCode`, and Java brokers wrote the
//! existing ConsumeQueue files with it, so CometMQ must reproduce it bit for bit:
//! `h = 31 * h + c` over UTF-16 code units, with `i32` wrap-around.

/// Java's `String.hashCode()` of `s`: iterates UTF-16 code units (so characters outside
/// the BMP contribute two surrogates), wrapping on overflow. `""` hashes to 0.
pub fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// The ConsumeQueue tags code of a message (Java `tagsString2tagsCode`): 0 without
/// tags, otherwise the Java hash of the tag, widened to `i64`.
pub fn tags_code(tags: Option<&str>) -> i64 {
    match tags {
        None | Some("") => 0,
        Some(t) => i64::from(java_string_hash(t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("a"), 97);
        assert_eq!(java_string_hash("TagA"), 2598919);
        assert_eq!(java_string_hash("hello"), 99162322);
        // Wraps: "polygenelubricants".hashCode() == Integer.MIN_VALUE.
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
        // Non-BMP: U+1F600 is the surrogate pair D83D DE00.
        assert_eq!(java_string_hash("\u{1F600}"), 0xD83D * 31 + 0xDE00);
        assert_eq!(tags_code(None), 0);
        assert_eq!(tags_code(Some("TagA")), 2598919);
    }
}
