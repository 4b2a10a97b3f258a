//! The tokio transport: server, client and the connection both share.
