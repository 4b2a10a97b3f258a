//! The receipt of a popped message: Java's `extraInfo` string (`ExtraInfoUtil`), the
//! space-separated `ckQueueOffset popTime invisibleTime reviveQid retry brokerName queueId
//! [queueOffset]`, and the response's `startOffsetInfo` / `msgOffsetInfo` fields.

use std::fmt::Write;

/// The prefix of retry topics.
const RETRY_PREFIX: &str = "%RETRY%";

/// The revive queue id Java gives orderly pops.
pub const ORDER_REVIVE_QUEUE: i32 = 999;

/// A parsed receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The checkpoint's start offset.
    pub ck_offset: i64,
    /// When the message was popped, ms.
    pub pop_time: i64,
    /// Its invisible time, ms.
    pub invisible_time: i64,
    /// The revive queue of its checkpoint.
    pub revive_qid: i32,
    /// `"0"` normal topic, `"1"` pop retry V1, `"2"` pop retry V2.
    pub retry: String,
    /// The broker that popped it.
    pub broker_name: String,
    /// Its queue.
    pub queue_id: i32,
}

impl Receipt {
    /// Parses an extraInfo string; the error says which part is wrong.
    pub fn parse(text: &str) -> Result<Receipt, String> {
        let parts: Vec<&str> = text.split(' ').collect();
        if parts.len() < 7 {
            return Err(format!(
                "extraInfo [{text}] has {} parts, 7 needed",
                parts.len()
            ));
        }
        fn num<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, String> {
            s.parse()
                .map_err(|_| format!("extraInfo's {what} [{s}] is not a number"))
        }
        let retry = parts[4];
        if !matches!(retry, "0" | "1" | "2") {
            return Err(format!("extraInfo's retry flag [{retry}] is not 0, 1 or 2"));
        }
        Ok(Receipt {
            ck_offset: num(parts[0], "ckQueueOffset")?,
            pop_time: num(parts[1], "popTime")?,
            invisible_time: num(parts[2], "invisibleTime")?,
            revive_qid: num(parts[3], "reviveQid")?,
            retry: retry.to_owned(),
            broker_name: parts[5].to_owned(),
            queue_id: num(parts[6], "queueId")?,
        })
    }
}

/// `ExtraInfoUtil.buildExtraInfo` with the message's queue offset.
#[allow(clippy::too_many_arguments)]
pub fn build(
    ck_offset: i64,
    pop_time: i64,
    invisible_time: i64,
    revive_qid: i32,
    topic: &str,
    broker_name: &str,
    queue_id: i32,
    queue_offset: i64,
) -> String {
    format!(
        "{ck_offset} {pop_time} {invisible_time} {revive_qid} {} {broker_name} {queue_id} {queue_offset}",
        retry_flag(topic)
    )
}

/// The retry flag of a topic: `2` for a pop retry topic V2, `1` for any other `%RETRY%`
/// topic, else `0`.
pub fn retry_flag(topic: &str) -> &'static str {
    if is_retry_v2(topic) {
        "2"
    } else if topic.starts_with(RETRY_PREFIX) {
        "1"
    } else {
        "0"
    }
}

fn is_retry_v2(topic: &str) -> bool {
    topic.starts_with(RETRY_PREFIX) && topic.contains('+')
}

/// The pop retry topic of `topic` for `group` (`KeyBuilder.buildPopRetryTopic`):
/// `%RETRY%<group>_<topic>`, or `%RETRY%<group>+<topic>` with `enableRetryTopicV2`.
pub fn pop_retry_topic(topic: &str, group: &str, v2: bool) -> String {
    let sep = if v2 { '+' } else { '_' };
    format!("{RETRY_PREFIX}{group}{sep}{topic}")
}

/// The topic a receipt's retry flag names (`ExtraInfoUtil.getRealTopic`).
pub fn real_topic(topic: &str, group: &str, retry: &str) -> String {
    match retry {
        "1" => pop_retry_topic(topic, group, false),
        "2" => pop_retry_topic(topic, group, true),
        _ => topic.to_owned(),
    }
}

/// The normal topic of a pop retry topic of `group` (`KeyBuilder.parseNormalTopic`).
pub fn normal_topic<'a>(topic: &'a str, group: &str) -> &'a str {
    let Some(rest) = topic.strip_prefix(RETRY_PREFIX) else {
        return topic;
    };
    rest.strip_prefix(group)
        .and_then(|r| r.strip_prefix('+').or_else(|| r.strip_prefix('_')))
        .unwrap_or(topic)
}

/// Appends one queue's `retry queueId startOffset` to `startOffsetInfo`.
pub fn add_start_offset(out: &mut String, topic: &str, queue_id: i32, start: i64) {
    if !out.is_empty() {
        out.push(';');
    }
    let _ = write!(out, "{} {queue_id} {start}", retry_flag(topic));
}

/// Appends one queue's `retry queueId o1,o2,…` to `msgOffsetInfo`.
pub fn add_msg_offsets(out: &mut String, topic: &str, queue_id: i32, offsets: &[i64]) {
    if !out.is_empty() {
        out.push(';');
    }
    let _ = write!(out, "{} {queue_id} ", retry_flag(topic));
    for (i, o) in offsets.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{o}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_javas_format() {
        let s = build(10, 1700, 60000, 3, "%RETRY%G_T", "broker-a", 0, 12);
        assert_eq!(s, "10 1700 60000 3 1 broker-a 0 12");
        let r = Receipt::parse(&s).unwrap();
        assert_eq!((r.ck_offset, r.revive_qid, r.queue_id), (10, 3, 0));
        assert_eq!(real_topic("T", "G", &r.retry), "%RETRY%G_T");
        assert_eq!(normal_topic("%RETRY%G_T", "G"), "T");
        assert_eq!(normal_topic("%RETRY%G+T", "G"), "T");
        assert!(Receipt::parse("1 2 3").is_err());
        assert!(Receipt::parse("a 2 3 4 0 b 0").is_err());
        assert!(Receipt::parse("1 2 3 4 9 b 0").is_err());
        let mut info = String::new();
        add_msg_offsets(&mut info, "T", 1, &[3, 4]);
        add_msg_offsets(&mut info, "%RETRY%G_T", 0, &[7]);
        assert_eq!(info, "0 1 3,4;1 0 7");
    }
}
