//! Checks a producer makes before sending (Java `Validators` and `TopicValidator`), so bad
//! input fails locally with a clear error instead of a broker error code.

use cometmq_remoting::message::properties::{NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR};

use crate::error::{ClientError, Result};
use crate::message::Message;

/// Longest topic name (`TOPIC_MAX_LENGTH`).
pub const TOPIC_MAX_LEN: usize = 127;
/// Default largest body a producer sends (`maxMessageSize`, 4 MiB).
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 4 * 1024 * 1024;
/// Largest properties string (its length is an `i16` on the wire).
pub const MAX_PROPERTIES_LEN: usize = i16::MAX as usize;

/// System topics no client may send to (`TopicValidator.NOT_ALLOWED_SEND_TOPIC_SET`).
pub const NOT_ALLOWED_SEND_TOPICS: &[&str] = &[
    "SCHEDULE_TOPIC_XXXX",
    "RMQ_SYS_TRANS_HALF_TOPIC",
    "RMQ_SYS_TRANS_OP_HALF_TOPIC",
    "TRANS_CHECK_MAX_TIME_TOPIC",
    "SELF_TEST_TOPIC",
    "OFFSET_MOVED_EVENT",
];

/// Checks a topic name: non-blank, at most 127 characters of `[%|a-zA-Z0-9_-]`.
///
/// ```
/// use cometmq_client::message::validate_topic;
/// assert!(validate_topic("TopicTest").is_ok());
/// assert!(validate_topic("%RETRY%group").is_ok());
/// assert!(validate_topic("bad topic").is_err());
/// ```
pub fn validate_topic(topic: &str) -> Result<()> {
    let invalid = |reason: String| Err(ClientError::invalid("topic", reason));
    if topic.trim().is_empty() {
        return invalid("the specified topic is blank".into());
    }
    if topic.len() > TOPIC_MAX_LEN {
        return invalid(format!(
            "the specified topic is longer than {TOPIC_MAX_LEN} characters"
        ));
    }
    if !topic
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'%' | b'|' | b'_' | b'-'))
    {
        return invalid(format!(
            "the specified topic [{topic}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"
        ));
    }
    Ok(())
}

/// Checks a message before sending: topic rules, not a system topic, a non-empty body of at
/// most `max_size` bytes, and properties that can be encoded.
pub fn validate_message(msg: &Message, max_size: usize) -> Result<()> {
    validate_topic(&msg.topic)?;
    if NOT_ALLOWED_SEND_TOPICS.contains(&msg.topic.as_str()) {
        return Err(ClientError::invalid(
            "message",
            format!("sending message to topic[{}] is forbidden", msg.topic),
        ));
    }
    if msg.body.is_empty() {
        return Err(ClientError::invalid(
            "message",
            "the message body length is zero",
        ));
    }
    if msg.body.len() > max_size {
        return Err(ClientError::invalid(
            "message",
            format!(
                "the message body size {} exceeds the maximum {max_size}",
                msg.body.len()
            ),
        ));
    }
    validate_properties(msg)
}

fn validate_properties(msg: &Message) -> Result<()> {
    let bad = |s: &str| {
        s.bytes()
            .any(|b| b == NAME_VALUE_SEPARATOR || b == PROPERTY_SEPARATOR)
    };
    if let Some((k, _)) = msg.properties.iter().find(|(k, v)| bad(k) || bad(v)) {
        return Err(ClientError::invalid(
            "message",
            format!("property {k:?} contains a \\u0001 or \\u0002 separator"),
        ));
    }
    let len = msg.properties.encoded_len();
    if len > MAX_PROPERTIES_LEN {
        return Err(ClientError::invalid(
            "message",
            format!("properties of {len} bytes exceed {MAX_PROPERTIES_LEN}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics() {
        assert!(validate_topic("a-b_c|d%1").is_ok());
        assert!(validate_topic(&"t".repeat(127)).is_ok());
        assert!(validate_topic(&"t".repeat(128)).is_err());
        assert!(validate_topic("  ").is_err());
        assert!(validate_topic("").is_err());
        assert!(validate_topic("é").is_err());
        let e = validate_topic("a.b").unwrap_err();
        assert!(e.to_string().contains("illegal characters"), "{e}");
    }

    #[test]
    fn messages() {
        let ok = Message::new("T", "x");
        assert!(validate_message(&ok, 10).is_ok());
        assert!(validate_message(&Message::new("T", ""), 10).is_err());
        assert!(validate_message(&Message::new("T", "x".repeat(11)), 10).is_err());
        let sys = Message::new("SCHEDULE_TOPIC_XXXX", "x");
        assert!(validate_message(&sys, 10)
            .unwrap_err()
            .to_string()
            .contains("forbidden"));
        let bad = Message::builder("T")
            .body("x")
            .property("a\u{1}", "v")
            .build();
        assert!(validate_message(&bad, 10).is_err());
        let huge = Message::builder("T")
            .body("x")
            .property("big", "v".repeat(40_000))
            .build();
        assert!(validate_message(&huge, 10).is_err());
    }
}
