//! Apache RocketMQ's remoting protocol for CometMQ.
//!
//! Everything that crosses a socket lives here, and nothing here knows broker logic:
//! - [`command`]: [`RemotingCommand`], the unit of every request and response.
//! - [`protocol`]: the frame layout and the JSON / ROCKETMQ-binary header codecs.
//! - [`body`]: JSON bodies (routes, cluster info, topic configs, …) in fastjson's form.
//! - [`code`]: request, response and language code tables.
//! - [`header`]: typed custom headers, converted to and from `extFields`.
//! - [`message`]: the stored-record layout, properties, batches and message ids.
//! - [`clock`]: the one clock (ms since the epoch, injectable for tests).
//! - [`java_properties`]: the `.properties` text of config files and config bodies.
//! - [`settings`](mod@settings): config structs keyed by RocketMQ's names (`settings!`).
//! - [`periodic`]: the one "every N ms until stopped" loop of the background tasks.
//! - [`tls`]: TLS on the remoting ports, under RocketMQ's `tls.*` keys.
//! - [`transport`]: the tokio server and client with request correlation.
//! - `process` (feature `process`): log set-up and the shutdown signal of the server
//!   binaries.

pub mod acl_signature;
pub mod body;
pub mod civil_time;
pub mod clock;
pub mod code;
pub mod command;
pub mod error;
pub mod ext_fields;
pub mod header;
pub mod java_properties;
pub mod local_ip;
pub mod message;
#[cfg(feature = "process")]
pub mod metrics_http;
pub mod periodic;
#[cfg(feature = "process")]
pub mod process;
pub mod protocol;
pub mod settings;
pub mod tls;
pub mod transport;

pub use command::{ExtFields, RemotingCommand, SerializeType};
pub use error::RemotingError;
