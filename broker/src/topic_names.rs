//! Topic names: RocketMQ's system topics and the validity rules (reference §1.5, §3.3).

/// The auto-create template topic.
pub const AUTO_CREATE_TOPIC: &str = "TBW102";
/// Delayed messages wait here, one queue per level.
pub const SCHEDULE_TOPIC: &str = "SCHEDULE_TOPIC_XXXX";
/// Transaction half messages.
pub const TRANS_HALF_TOPIC: &str = "RMQ_SYS_TRANS_HALF_TOPIC";
/// Transaction op records.
pub const TRANS_OP_HALF_TOPIC: &str = "RMQ_SYS_TRANS_OP_HALF_TOPIC";
/// Half messages checked too often.
pub const TRANS_CHECK_MAX_TIME_TOPIC: &str = "TRANS_CHECK_MAX_TIME_TOPIC";
/// Timer messages wait here (RocketMQ 5's `TimerMessageStore.TIMER_TOPIC`).
pub const TIMER_TOPIC: &str = "rmq_sys_wheel_timer";
/// Self-test topic.
pub const SELF_TEST_TOPIC: &str = "SELF_TEST_TOPIC";
/// Offset-moved events.
pub const OFFSET_MOVED_EVENT: &str = "OFFSET_MOVED_EVENT";
/// The benchmark tool's default topic.
pub const BENCHMARK_TOPIC: &str = "BenchmarkTest";
/// Prefix of a group's retry topic.
pub const RETRY_PREFIX: &str = "%RETRY%";
/// Prefix of a group's dead-letter topic.
pub const DLQ_PREFIX: &str = "%DLQ%";
/// Longest ordinary topic name.
pub const MAX_TOPIC_LEN: usize = 127;
/// Longest retry or DLQ topic name.
pub const MAX_SYSTEM_TOPIC_LEN: usize = 255;

/// Topics producers may not send to directly.
pub const NOT_ALLOWED_SEND: &[&str] = &[
    SCHEDULE_TOPIC,
    TRANS_HALF_TOPIC,
    TRANS_OP_HALF_TOPIC,
    TRANS_CHECK_MAX_TIME_TOPIC,
    SELF_TEST_TOPIC,
    OFFSET_MOVED_EVENT,
    TIMER_TOPIC,
];

/// `%RETRY%<group>`.
pub fn retry_topic(group: &str) -> String {
    format!("{RETRY_PREFIX}{group}")
}

/// `%DLQ%<group>`.
pub fn dlq_topic(group: &str) -> String {
    format!("{DLQ_PREFIX}{group}")
}

/// True for `%RETRY%…` topics.
pub fn is_retry(topic: &str) -> bool {
    topic.starts_with(RETRY_PREFIX)
}

/// Checks a topic name: non-empty, `[%|a-zA-Z0-9_-]` only, at most 127 characters (255
/// for retry and DLQ topics). The error text is the remark sent to the client.
pub fn validate(topic: &str) -> Result<(), String> {
    if topic.trim().is_empty() {
        return Err("The specified topic is blank.".to_string());
    }
    if let Some(bad) = topic
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '%' | '|' | '_' | '-')))
    {
        return Err(format!(
            "The specified topic[{topic}] contains illegal character {bad:?}, allowing only ^[%|a-zA-Z0-9_-]+$"
        ));
    }
    let max = if topic.starts_with(RETRY_PREFIX) || topic.starts_with(DLQ_PREFIX) {
        MAX_SYSTEM_TOPIC_LEN
    } else {
        MAX_TOPIC_LEN
    };
    if topic.len() > max {
        return Err(format!(
            "The specified topic is longer than topic max length {max}."
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        assert!(validate("TopicTest").is_ok());
        assert!(validate("%RETRY%group_1").is_ok());
        assert!(validate("a|b-c_d").is_ok());
        assert!(validate("").unwrap_err().contains("blank"));
        assert!(validate("bad topic").unwrap_err().contains("illegal"));
        assert!(validate("tópico").unwrap_err().contains("illegal"));
        assert!(validate(&"x".repeat(128)).unwrap_err().contains("127"));
        assert!(validate(&format!("%RETRY%{}", "x".repeat(200))).is_ok());
        assert_eq!(retry_topic("g"), "%RETRY%g");
        assert_eq!(dlq_topic("g"), "%DLQ%g");
    }
}
