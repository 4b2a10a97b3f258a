//! [`SendResult`] and [`SendStatus`]: what a broker says about a stored message.

use std::fmt;

use cometmq_remoting::code::response;
use cometmq_remoting::header::SendMessageResponseHeader;
use cometmq_remoting::RemotingCommand;

use crate::error::{ClientError, Result};
use crate::message::MessageQueue;

/// Region reported when the broker names none (Java `MixAll.DEFAULT_TRACE_REGION_ID`).
pub const DEFAULT_REGION: &str = "DefaultRegion";

/// How a message was stored. All four mean the broker has the message; the last three say a
/// durability step (flush or replication) did not complete in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SendStatus {
    /// Stored (response code 0).
    SendOk,
    /// Stored, but the synchronous flush timed out (code 10).
    FlushDiskTimeout,
    /// Stored on the master, but the slave did not confirm in time (code 12).
    FlushSlaveTimeout,
    /// Stored on the master, but no slave is available (code 11).
    SlaveNotAvailable,
}

impl SendStatus {
    /// The status for a send response code; `None` for codes that mean "not stored".
    pub fn from_code(code: i32) -> Option<Self> {
        match code {
            response::SUCCESS => Some(SendStatus::SendOk),
            response::FLUSH_DISK_TIMEOUT => Some(SendStatus::FlushDiskTimeout),
            response::FLUSH_SLAVE_TIMEOUT => Some(SendStatus::FlushSlaveTimeout),
            response::SLAVE_NOT_AVAILABLE => Some(SendStatus::SlaveNotAvailable),
            _ => None,
        }
    }

    /// RocketMQ's name (`SEND_OK`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            SendStatus::SendOk => "SEND_OK",
            SendStatus::FlushDiskTimeout => "FLUSH_DISK_TIMEOUT",
            SendStatus::FlushSlaveTimeout => "FLUSH_SLAVE_TIMEOUT",
            SendStatus::SlaveNotAvailable => "SLAVE_NOT_AVAILABLE",
        }
    }
}

impl fmt::Display for SendStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of a successful send (Java `SendResult`).
///
/// ```
/// # use cometmq_client::producer::{SendResult, SendStatus};
/// fn report(r: &SendResult) {
///     assert_eq!(r.status, SendStatus::SendOk);
///     println!("{} stored in {} at offset {}", r.msg_id, r.message_queue, r.queue_offset);
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendResult {
    /// How the message was stored.
    pub status: SendStatus,
    /// The client-assigned id (`UNIQ_KEY`); for a batch, the ids joined with commas.
    pub msg_id: String,
    /// The broker-assigned offset message id(s) (comma-joined for a batch).
    pub offset_msg_id: String,
    /// The queue the message went to.
    pub message_queue: MessageQueue,
    /// Its offset in that queue (of the first message, for a batch).
    pub queue_offset: i64,
    /// Transaction id (the `UNIQ_KEY` of a transactional half message).
    pub transaction_id: Option<String>,
    /// The broker's region (`MSG_REGION`), [`DEFAULT_REGION`] when not given.
    pub region_id: String,
    /// Whether the broker has message tracing on (`TRACE_ON`; only `"false"` turns it off).
    pub trace_on: bool,
}

impl SendResult {
    /// Reads the response to a send request `request_code` sent to `addr` for `topic` on
    /// `broker_name`, whose message(s) carry the client ids `msg_id`.
    ///
    /// Codes 0, 10, 11, 12 are stored messages; every other code is a
    /// [`ClientError::Response`].
    pub fn from_response(
        request_code: i32,
        addr: &str,
        response: &RemotingCommand,
        topic: &str,
        broker_name: &str,
        msg_id: String,
    ) -> Result<SendResult> {
        let Some(status) = SendStatus::from_code(response.code) else {
            return Err(ClientError::response(request_code, addr, response));
        };
        let header: SendMessageResponseHeader = response
            .decode_header()
            .map_err(|e| ClientError::bad_header(request_code, addr, e))?;
        let region_id = header
            .msg_region
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());
        Ok(SendResult {
            status,
            msg_id,
            offset_msg_id: header.msg_id,
            message_queue: MessageQueue::new(topic, broker_name, header.queue_id),
            queue_offset: header.queue_offset,
            transaction_id: header.transaction_id,
            region_id,
            trace_on: header.trace_on != Some(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use cometmq_remoting::code::request;
    use cometmq_remoting::header::CommandHeader;

    use super::*;

    fn header() -> SendMessageResponseHeader {
        SendMessageResponseHeader {
            msg_id: "0A0000010000".into(),
            queue_id: 3,
            queue_offset: 42,
            transaction_id: None,
            batch_uniq_id: None,
            recall_handle: None,
            msg_region: None,
            trace_on: None,
        }
    }

    #[test]
    fn stored_codes_are_results() {
        for (code, status) in [
            (0, SendStatus::SendOk),
            (10, SendStatus::FlushDiskTimeout),
            (11, SendStatus::SlaveNotAvailable),
            (12, SendStatus::FlushSlaveTimeout),
        ] {
            let resp = RemotingCommand::response(code, None).with_header(&header());
            let r = SendResult::from_response(
                request::SEND_MESSAGE_V2,
                "b:1",
                &resp,
                "T",
                "broker-a",
                "UNIQ".into(),
            )
            .unwrap();
            assert_eq!(r.status, status);
            assert_eq!(r.message_queue, MessageQueue::new("T", "broker-a", 3));
            assert_eq!(r.queue_offset, 42);
            assert_eq!(r.msg_id, "UNIQ");
            assert_eq!(r.offset_msg_id, "0A0000010000");
            assert_eq!(r.region_id, DEFAULT_REGION);
            assert!(r.trace_on);
        }
        assert_eq!(
            SendStatus::FlushSlaveTimeout.to_string(),
            "FLUSH_SLAVE_TIMEOUT"
        );
    }

    #[test]
    fn region_and_trace_flags() {
        let mut h = header();
        h.msg_region = Some("eu".into());
        h.trace_on = Some(false);
        let resp = RemotingCommand::success().with_header(&h);
        let r = SendResult::from_response(10, "b:1", &resp, "T", "b", String::new()).unwrap();
        assert_eq!(r.region_id, "eu");
        assert!(!r.trace_on);
    }

    #[test]
    fn other_codes_and_bad_headers_are_errors() {
        let resp = RemotingCommand::response(17, Some("no topic".into()));
        let e = SendResult::from_response(310, "b:1", &resp, "T", "b", String::new()).unwrap_err();
        assert_eq!(e.response_code(), Some(17));
        let mut fields = header().to_ext_fields();
        fields.remove("queueOffset");
        let mut resp = RemotingCommand::success();
        resp.ext_fields = fields;
        let e = SendResult::from_response(310, "b:1", &resp, "T", "b", String::new()).unwrap_err();
        assert!(e.to_string().contains("queueOffset"), "{e}");
    }
}
