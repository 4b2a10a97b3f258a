//! What a broker request can fail with, and the one place that turns it into a RocketMQ
//! response code and remark.

use cometmq_remoting::code::response;
use cometmq_remoting::header::HeaderError;
use cometmq_remoting::RemotingCommand;

/// A request the broker refuses or cannot serve. The text is the remark sent back.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// A custom header field is missing or malformed.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// The body is not what the request needs.
    #[error("{0}")]
    BadBody(String),
    /// Forbidden by a permission (broker, topic or group).
    #[error("{0}")]
    NoPermission(String),
    /// The topic does not exist and cannot be created.
    #[error("{0}")]
    TopicNotExist(String),
    /// A field has a value the broker cannot accept (bad topic name, queue id, …).
    #[error("{0}")]
    InvalidParameter(String),
    /// The message is malformed or too large.
    #[error("{0}")]
    MessageIllegal(String),
    /// The consumer group does not exist.
    #[error("{0}")]
    SubscriptionGroupNotExist(String),
    /// The subscription expression cannot be parsed.
    #[error("{0}")]
    SubscriptionParseFailed(String),
    /// The consumer sent no subscription for the topic.
    #[error("{0}")]
    SubscriptionNotExist(String),
    /// The consumer's subscription is older than the request's.
    #[error("{0}")]
    SubscriptionNotLatest(String),
    /// Nothing matched a query.
    #[error("{0}")]
    QueryNotFound(String),
    /// No consumer of the group is connected.
    #[error("{0}")]
    ConsumerNotOnline(String),
    /// Overloaded; try again.
    #[error("{0}")]
    SystemBusy(String),
    /// The store cannot take writes (disk full, shutting down, slave).
    #[error("{0}")]
    ServiceNotAvailable(String),
    /// Anything else.
    #[error("{0}")]
    System(String),
}

impl BrokerError {
    /// The response code for this error.
    pub fn code(&self) -> i32 {
        match self {
            BrokerError::Header(e) => e.response_code(),
            BrokerError::BadBody(_) | BrokerError::System(_) => response::SYSTEM_ERROR,
            BrokerError::NoPermission(_) => response::NO_PERMISSION,
            BrokerError::TopicNotExist(_) => response::TOPIC_NOT_EXIST,
            BrokerError::InvalidParameter(_) => response::INVALID_PARAMETER,
            BrokerError::MessageIllegal(_) => response::MESSAGE_ILLEGAL,
            BrokerError::SubscriptionGroupNotExist(_) => response::SUBSCRIPTION_GROUP_NOT_EXIST,
            BrokerError::SubscriptionParseFailed(_) => response::SUBSCRIPTION_PARSE_FAILED,
            BrokerError::SubscriptionNotExist(_) => response::SUBSCRIPTION_NOT_EXIST,
            BrokerError::SubscriptionNotLatest(_) => response::SUBSCRIPTION_NOT_LATEST,
            BrokerError::QueryNotFound(_) => response::QUERY_NOT_FOUND,
            BrokerError::ConsumerNotOnline(_) => response::CONSUMER_NOT_ONLINE,
            BrokerError::SystemBusy(_) => response::SYSTEM_BUSY,
            BrokerError::ServiceNotAvailable(_) => response::SERVICE_NOT_AVAILABLE,
        }
    }

    /// The response carrying this error.
    pub fn into_response(self) -> RemotingCommand {
        RemotingCommand::response(self.code(), Some(self.to_string()))
    }
}

/// Result of a request handler.
pub type Reply = Result<RemotingCommand, BrokerError>;
