//! [`NamesrvError`]: everything that can go wrong, and the one place that maps each case to
//! the response code and remark Java's NameServer answers with.

use std::path::PathBuf;

use cometmq_remoting::body::BodyError;
use cometmq_remoting::code::response;
use cometmq_remoting::header::HeaderError;
use cometmq_remoting::settings::{ApplyError, LoadError, SettingError};
use cometmq_remoting::{RemotingCommand, RemotingError};

/// A NameServer error.
#[derive(Debug, thiserror::Error)]
pub enum NamesrvError {
    /// The `tls.*` settings cannot be used; the message names the key.
    #[error(transparent)]
    Tls(#[from] cometmq_remoting::tls::TlsSetupError),
    /// A custom header field is missing or malformed.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// A request body does not decode.
    #[error("Failed to decode {what}: {source}")]
    Body {
        /// What the body should have been.
        what: &'static str,
        /// Why it is not.
        source: BodyError,
    },
    /// A response body could not be encoded (should not happen).
    #[error("cannot encode response body: {0}")]
    Encode(BodyError),
    /// REGISTER_BROKER's `bodyCrc32` does not match the body.
    #[error("crc32 not match")]
    CrcMismatch,
    /// No route for the topic.
    #[error("No topic route info in name server for the topic: {0}\nSee http://rocketmq.apache.org/docs/faq/ for further details.")]
    TopicNotExist(String),
    /// GET_KV_CONFIG for an absent key.
    #[error("No config item, Namespace: {namespace} Key: {key}")]
    KvNotFound {
        /// The namespace.
        namespace: String,
        /// The key.
        key: String,
    },
    /// GET_KVLIST_BY_NAMESPACE for an absent namespace.
    #[error("No config item, Namespace: {0}")]
    KvNamespaceNotFound(String),
    /// A listing switched off in the config (`enableAllTopicList`, `enableTopicList`).
    #[error("disable")]
    Disabled,
    /// UPDATE_NAMESRV_CONFIG tried to change a key of `configBlackList`.
    #[error("Can not update config in black list.")]
    Blacklisted,
    /// UPDATE_NAMESRV_CONFIG tried to change a key read only at start.
    #[error("{0} is read once at start and cannot change while the NameServer runs: set it in the config file and restart")]
    NeedsRestart(&'static str),
    /// A config value does not parse.
    #[error("invalid value {value:?} for config key {key}: expected {expected}")]
    InvalidConfig {
        /// The properties key.
        key: String,
        /// The value given.
        value: String,
        /// What a valid value looks like.
        expected: &'static str,
    },
    /// The config file cannot be used; the message names the file (and the key).
    #[error(transparent)]
    ConfigFile(#[from] LoadError),
    /// A config key turns on a feature CometMQ does not have.
    #[error("{0}")]
    UnsupportedConfig(ApplyError),
    /// A state file cannot be read or parsed.
    #[error("cannot load {}: {reason}", path.display())]
    Load {
        /// The file.
        path: PathBuf,
        /// The cause.
        reason: String,
    },
    /// A state file cannot be written.
    #[error("cannot persist {}: {source}", path.display())]
    Persist {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The server cannot listen.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The cause.
        source: RemotingError,
    },
    /// The embedded controller (`enableControllerInNamesrv=true`) cannot start.
    #[error("controller: {0}")]
    Controller(#[from] cometmq_controller::ControllerError),
    /// The metrics settings cannot be honoured; the message names the key.
    #[error("{0}")]
    Metrics(String),
}

impl From<ApplyError> for NamesrvError {
    fn from(e: ApplyError) -> Self {
        match e {
            ApplyError::Invalid(e) => e.into(),
            other => NamesrvError::UnsupportedConfig(other),
        }
    }
}

impl From<SettingError> for NamesrvError {
    /// A config value that does not parse; the value is shown trimmed, as it was parsed.
    fn from(e: SettingError) -> Self {
        NamesrvError::InvalidConfig {
            value: e.value.trim().to_owned(),
            key: e.key,
            expected: e.expected,
        }
    }
}

impl NamesrvError {
    /// The response code Java's NameServer uses for this error.
    pub fn response_code(&self) -> i32 {
        match self {
            NamesrvError::TopicNotExist(_) => response::TOPIC_NOT_EXIST,
            NamesrvError::KvNotFound { .. } | NamesrvError::KvNamespaceNotFound(_) => {
                response::QUERY_NOT_FOUND
            }
            NamesrvError::Blacklisted | NamesrvError::NeedsRestart(_) => response::NO_PERMISSION,
            NamesrvError::Header(e) => e.response_code(),
            _ => response::SYSTEM_ERROR,
        }
    }

    /// The response to send.
    pub fn to_response(&self) -> RemotingCommand {
        RemotingCommand::response(self.response_code(), Some(self.to_string()))
    }

    /// True for outcomes that are part of normal operation (unknown topic, absent key), which
    /// are not worth a warning in the log.
    pub fn is_expected(&self) -> bool {
        matches!(
            self,
            NamesrvError::TopicNotExist(_)
                | NamesrvError::KvNotFound { .. }
                | NamesrvError::KvNamespaceNotFound(_)
        )
    }
}
