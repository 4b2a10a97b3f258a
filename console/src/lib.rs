//! CometMQ's web console: what rocketmq-dashboard users expect (cluster, topics, consumer
//! groups, producers, messages, DLQ, traces), served by CometMQ itself.
//!
//! - [`server`]: the bounded HTTP/1.1 server (hyper) and [`Console`], the running console;
//! - [`router`]: paths to handlers, and the limits every request passes;
//! - [`api`]: the JSON handlers, one file per page; each calls the same
//!   [`Admin`](cometmq_client::admin::Admin) as `mqadmin`, so the console works against
//!   Apache RocketMQ's cluster too;
//! - [`sampler`]: the rate and lag series the charts draw, sampled by this process;
//! - [`assets`]: the pages (HTML, vanilla JS modules, CSS) built into the binary.
//!
//! Everything a page shows is set with `textContent` (message bodies are untrusted), and the
//! pages are served with a Content-Security-Policy that allows no inline script.

pub mod api;
pub mod assets;
pub mod config;
pub mod error;
pub mod query;
pub mod router;
pub mod sampler;
pub mod server;

pub use config::ConsoleConfig;
pub use error::ConsoleError;
pub use server::Console;
