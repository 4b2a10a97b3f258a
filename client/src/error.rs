//! [`ClientError`]: what failed, and where.

use std::path::PathBuf;

use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::HeaderError;
use cometmq_remoting::message::MessageError;
use cometmq_remoting::{RemotingCommand, RemotingError};

/// Shorthand result type of the client.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// Everything the client can fail with. Each variant names the peer, topic or file involved,
/// so a log line alone tells what went wrong where.
///
/// ```
/// use cometmq_client::ClientError;
/// let e = ClientError::Response {
///     request: "SEND_MESSAGE_V2",
///     addr: "10.0.0.1:10911".into(),
///     code: 17,
///     remark: Some("topic[T] not exist".into()),
/// };
/// assert_eq!(
///     e.to_string(),
///     "SEND_MESSAGE_V2 to 10.0.0.1:10911 failed: TOPIC_NOT_EXIST (17): topic[T] not exist"
/// );
/// assert_eq!(e.response_code(), Some(17));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The request never got an answer: connect failure, timeout, closed connection.
    #[error("{request} to {addr} failed: {source}")]
    Remoting {
        /// Name of the request code.
        request: &'static str,
        /// The peer.
        addr: String,
        /// The transport error.
        #[source]
        source: RemotingError,
    },
    /// The peer answered with an error code (Java `MQBrokerException`).
    #[error("{request} to {addr} failed: {} ({code}): {}", response_name(*code), remark.as_deref().unwrap_or(""))]
    Response {
        /// Name of the request code.
        request: &'static str,
        /// The peer.
        addr: String,
        /// The response code.
        code: i32,
        /// The peer's explanation.
        remark: Option<String>,
    },
    /// The peer answered, but its custom header could not be read.
    #[error("{request} to {addr}: bad response header: {source}")]
    BadHeader {
        /// Name of the request code.
        request: &'static str,
        /// The peer.
        addr: String,
        /// What was wrong.
        #[source]
        source: HeaderError,
    },
    /// The peer answered, but its body could not be read.
    #[error("{request} to {addr}: bad response body: {reason}")]
    BadBody {
        /// Name of the request code.
        request: &'static str,
        /// The peer.
        addr: String,
        /// What was wrong.
        reason: String,
    },
    /// A received message record could not be decoded.
    #[error("bad message from {addr}: {source}")]
    BadMessage {
        /// The broker it came from.
        addr: String,
        /// What was wrong.
        #[source]
        source: MessageError,
    },
    /// No NameServer address is configured, or none of them answered.
    #[error("no NameServer available ({0})")]
    NoNameServer(String),
    /// The NameServer has no route for the topic.
    #[error("no route info for topic {topic}: {reason}")]
    NoRoute {
        /// The topic.
        topic: String,
        /// Why (the NameServer's remark, or what was missing).
        reason: String,
    },
    /// No address is known for a broker group.
    #[error("broker {broker_name} not found (topic {topic})")]
    BrokerNotFound {
        /// The broker group.
        broker_name: String,
        /// The topic whose route was consulted.
        topic: String,
    },
    /// A message or argument was refused before anything was sent.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// What was checked (`message`, `topic`, `config`, …).
        what: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// A local file (offset store) could not be read or written.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done (`reading`, `writing`, …).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A component was used in the wrong state (not started, shut down).
    #[error("{0}")]
    State(String),
    /// Every attempt of an operation failed; the last error is the source.
    #[error("{what} failed after {attempts} attempts: {last}")]
    Exhausted {
        /// The operation.
        what: String,
        /// How many attempts were made.
        attempts: u32,
        /// The last failure.
        #[source]
        last: Box<ClientError>,
    },
}

fn response_name(code: i32) -> &'static str {
    response::name(code).unwrap_or("UNKNOWN")
}

impl ClientError {
    /// The response code, for [`ClientError::Response`] (and the last error of
    /// [`ClientError::Exhausted`]).
    pub fn response_code(&self) -> Option<i32> {
        match self {
            ClientError::Response { code, .. } => Some(*code),
            ClientError::Exhausted { last, .. } => last.response_code(),
            _ => None,
        }
    }

    /// True when no answer arrived (connect failure, timeout, closed connection).
    pub fn is_remoting(&self) -> bool {
        matches!(self, ClientError::Remoting { .. })
    }

    /// A transport failure of `request` (a request code) to `addr`.
    pub fn remoting(code: i32, addr: &str, source: RemotingError) -> Self {
        ClientError::Remoting {
            request: request_name(code),
            addr: addr.to_owned(),
            source,
        }
    }

    /// An error response of `request` (a request code) from `addr`.
    pub fn response(code: i32, addr: &str, response: &RemotingCommand) -> Self {
        ClientError::Response {
            request: request_name(code),
            addr: addr.to_owned(),
            code: response.code,
            remark: response.remark.clone(),
        }
    }

    /// An unreadable response header of `request` (a request code) from `addr`.
    pub fn bad_header(code: i32, addr: &str, source: HeaderError) -> Self {
        ClientError::BadHeader {
            request: request_name(code),
            addr: addr.to_owned(),
            source,
        }
    }

    /// An unreadable response body of `request` (a request code) from `addr`.
    pub fn bad_body(code: i32, addr: &str, reason: impl ToString) -> Self {
        ClientError::BadBody {
            request: request_name(code),
            addr: addr.to_owned(),
            reason: reason.to_string(),
        }
    }

    /// A refused argument.
    pub fn invalid(what: &'static str, reason: impl Into<String>) -> Self {
        ClientError::Invalid {
            what,
            reason: reason.into(),
        }
    }
}

/// The name of a request code, for error messages.
pub fn request_name(code: i32) -> &'static str {
    request::name(code).unwrap_or("REQUEST")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_peer() {
        let e = ClientError::remoting(
            request::HEART_BEAT,
            "10.0.0.1:10911",
            RemotingError::Timeout {
                addr: "10.0.0.1:10911".into(),
                millis: 3000,
            },
        );
        assert_eq!(
            e.to_string(),
            "HEART_BEAT to 10.0.0.1:10911 failed: request to 10.0.0.1:10911 timed out after 3000 ms"
        );
        assert!(e.is_remoting());
        assert_eq!(e.response_code(), None);

        let resp = RemotingCommand::response(response::SYSTEM_BUSY, Some("busy".to_owned()));
        let e = ClientError::response(request::SEND_MESSAGE_V2, "b:1", &resp);
        assert_eq!(
            e.to_string(),
            "SEND_MESSAGE_V2 to b:1 failed: SYSTEM_BUSY (2): busy"
        );
        let e = ClientError::Exhausted {
            what: "send to topic T".into(),
            attempts: 3,
            last: Box::new(e),
        };
        assert_eq!(e.response_code(), Some(response::SYSTEM_BUSY));
        assert!(e
            .to_string()
            .starts_with("send to topic T failed after 3 attempts"));
    }

    #[test]
    fn io_errors_name_the_file() {
        let e = ClientError::Io {
            action: "writing",
            path: "/x/offsets.json".into(),
            source: std::io::ErrorKind::PermissionDenied.into(),
        };
        assert!(e.to_string().starts_with("writing /x/offsets.json: "));
    }
}
