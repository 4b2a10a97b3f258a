//! CometMQ's command-line tools, kept out of `cometmq-client` so that an application using
//! the client library does not compile clap and the table printer:
//! - `mqadmin`: RocketMQ's admin commands and flags (`src/bin/mqadmin/`);
//! - `mqbench`: the load generator modelled on RocketMQ's benchmark (`src/bin/mqbench/`).
