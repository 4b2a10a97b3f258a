//! [`PullResult`] and [`PullStatus`]: the answer to one PULL_MESSAGE.

use std::collections::HashSet;

use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::PullMessageResponseHeader;
use cometmq_remoting::message::property;
use cometmq_remoting::RemotingCommand;

use crate::error::{ClientError, Result};
use crate::message::{MessageExt, MessageQueue};

/// What a pull found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PullStatus {
    /// Messages were found (response code 0).
    Found,
    /// No message at or after the offset yet (code 19).
    NoNewMsg,
    /// Messages were scanned but none matched the subscription (code 20).
    NoMatchedMsg,
    /// The offset is outside the queue; continue from `next_begin_offset` (code 21).
    OffsetIllegal,
}

impl PullStatus {
    /// The status for a pull response code; `None` for error codes.
    pub fn from_code(code: i32) -> Option<Self> {
        match code {
            response::SUCCESS => Some(PullStatus::Found),
            response::PULL_NOT_FOUND => Some(PullStatus::NoNewMsg),
            response::PULL_RETRY_IMMEDIATELY => Some(PullStatus::NoMatchedMsg),
            response::PULL_OFFSET_MOVED => Some(PullStatus::OffsetIllegal),
            _ => None,
        }
    }
}

/// The answer to one pull (Java `PullResult` after `PullAPIWrapper.processPullResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullResult {
    /// What was found.
    pub status: PullStatus,
    /// The offset to pull from next.
    pub next_begin_offset: i64,
    /// The queue's smallest offset.
    pub min_offset: i64,
    /// The queue's next offset to be written.
    pub max_offset: i64,
    /// The broker id to pull from next (0 = master).
    pub suggest_which_broker_id: i64,
    /// The messages, already filtered again by tag (the broker filters by tag hash code only).
    pub messages: Vec<MessageExt>,
}

impl PullResult {
    /// Reads a PULL_MESSAGE response from `addr` for `mq`.
    ///
    /// Decodes and decompresses the records and, as Java does, keeps only messages whose tag
    /// is in `tags` (when `tags` is non-empty; an empty set means `*`), sets the
    /// `MIN_OFFSET`/`MAX_OFFSET` properties and the broker name on each message, and applies
    /// a 5.x `offsetDelta`.
    pub fn from_response(
        addr: &str,
        resp: &RemotingCommand,
        mq: &MessageQueue,
        tags: &HashSet<String>,
    ) -> Result<PullResult> {
        let code = request::PULL_MESSAGE;
        let Some(status) = PullStatus::from_code(resp.code) else {
            return Err(ClientError::response(code, addr, resp));
        };
        let header: PullMessageResponseHeader = resp
            .decode_header()
            .map_err(|e| ClientError::bad_header(code, addr, e))?;
        let mut result = PullResult {
            status,
            next_begin_offset: header.next_begin_offset,
            min_offset: header.min_offset,
            max_offset: header.max_offset,
            suggest_which_broker_id: header.suggest_which_broker_id,
            messages: Vec::new(),
        };
        if status != PullStatus::Found {
            return Ok(result);
        }
        let decoded =
            MessageExt::decode_all(resp.body.to_bytes(), &mq.broker_name).map_err(|source| {
                ClientError::BadMessage {
                    addr: addr.to_owned(),
                    source,
                }
            })?;
        let min = header.min_offset.to_string();
        let max = header.max_offset.to_string();
        result.messages = decoded
            .into_iter()
            .filter(|m| tags.is_empty() || m.tags().is_some_and(|t| tags.contains(t)))
            .map(|mut m| {
                let r = m.record_mut();
                r.properties.set(property::MIN_OFFSET, &min);
                r.properties.set(property::MAX_OFFSET, &max);
                r.queue_id = mq.queue_id;
                if let Some(delta) = header.offset_delta {
                    r.queue_offset += delta;
                }
                m
            })
            .collect();
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use bytes::BytesMut;
    use cometmq_remoting::message::{encode_record, RecordParts};

    use super::*;

    fn header(next: i64) -> PullMessageResponseHeader {
        PullMessageResponseHeader {
            suggest_which_broker_id: 0,
            next_begin_offset: next,
            min_offset: 0,
            max_offset: 10,
            offset_delta: None,
            topic_sys_flag: None,
            group_sys_flag: None,
            forbidden_type: None,
        }
    }

    fn body(tags: &[&str]) -> BytesMut {
        let host: SocketAddr = "10.0.0.1:10911".parse().unwrap();
        let mut buf = BytesMut::new();
        for (i, t) in tags.iter().enumerate() {
            let props = format!("TAGS\u{1}{t}\u{2}");
            let mut p = RecordParts::new("T", b"x", props.as_bytes(), host, host);
            p.queue_offset = i as i64;
            encode_record(&p, &mut buf).unwrap();
        }
        buf
    }

    #[test]
    fn found_filters_by_tag_and_sets_offsets() {
        let mq = MessageQueue::new("T", "broker-a", 1);
        let resp = RemotingCommand::success()
            .with_header(&header(3))
            .with_body(body(&["a", "b", "c"]).freeze());
        let tags: HashSet<String> = ["a".to_owned(), "c".to_owned()].into();
        let r = PullResult::from_response("b:1", &resp, &mq, &tags).unwrap();
        assert_eq!(r.status, PullStatus::Found);
        assert_eq!(r.next_begin_offset, 3);
        let got: Vec<_> = r.messages.iter().map(|m| m.tags().unwrap_or("")).collect();
        assert_eq!(got, ["a", "c"]);
        assert_eq!(r.messages[1].property("MAX_OFFSET"), Some("10"));
        assert_eq!(r.messages[1].queue_id, 1);
        assert_eq!(&*r.messages[1].broker_name, "broker-a");
        let all = PullResult::from_response("b:1", &resp, &mq, &HashSet::new()).unwrap();
        assert_eq!(all.messages.len(), 3);
    }

    #[test]
    fn statuses_and_errors() {
        let mq = MessageQueue::new("T", "b", 0);
        for (code, status) in [
            (19, PullStatus::NoNewMsg),
            (20, PullStatus::NoMatchedMsg),
            (21, PullStatus::OffsetIllegal),
        ] {
            let resp = RemotingCommand::response(code, None).with_header(&header(7));
            let r = PullResult::from_response("b:1", &resp, &mq, &HashSet::new()).unwrap();
            assert_eq!((r.status, r.next_begin_offset), (status, 7));
            assert!(r.messages.is_empty());
        }
        let resp = RemotingCommand::response(24, Some("subscription not exist".into()));
        let e = PullResult::from_response("b:1", &resp, &mq, &HashSet::new()).unwrap_err();
        assert_eq!(e.response_code(), Some(24));
        let resp = RemotingCommand::success()
            .with_header(&header(1))
            .with_body(&b"\x00\x00\x00\x20garbage"[..]);
        assert!(PullResult::from_response("b:1", &resp, &mq, &HashSet::new()).is_err());
    }
}
