//! The console's errors: what a handler answers when a request cannot be served.

use hyper::StatusCode;

/// A request the console could not serve, with the HTTP status it is answered with.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The request is malformed: a missing or bad parameter, a bad JSON body.
    #[error("{0}")]
    BadRequest(String),
    /// The body is over the limit.
    #[error("request body over {0} bytes")]
    TooLarge(usize),
    /// The query string is over the limit.
    #[error("request URI over {0} bytes")]
    UriTooLong(usize),
    /// A write action while the console is read-only.
    #[error("the console is read-only (consoleReadOnly=true): {0} is not allowed")]
    ReadOnly(&'static str),
    /// Unknown path.
    #[error("not found: {0}")]
    NotFound(String),
    /// The method is not served on this path.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The cluster answered with an error, or did not answer.
    #[error("{0}")]
    Cluster(#[from] cometmq_client::ClientError),
    /// The request or the cluster took too long.
    #[error("timed out after {0:?}")]
    Timeout(std::time::Duration),
}

impl ConsoleError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            ConsoleError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ConsoleError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ConsoleError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ConsoleError::ReadOnly(_) => StatusCode::FORBIDDEN,
            ConsoleError::NotFound(_) => StatusCode::NOT_FOUND,
            ConsoleError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ConsoleError::Cluster(_) => StatusCode::BAD_GATEWAY,
            ConsoleError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    /// A missing or bad parameter.
    pub fn bad(what: impl Into<String>) -> Self {
        ConsoleError::BadRequest(what.into())
    }
}

/// Result of a console handler.
pub type Result<T> = std::result::Result<T, ConsoleError>;
