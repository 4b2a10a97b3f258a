//! Transport settings shared by server and client.

use std::sync::Arc;
use std::time::Duration;

use crate::protocol::frame::DEFAULT_MAX_FRAME;
use crate::transport::write_buffer::{
    WriteBudget, DEFAULT_HIGH_WATER_MARK, DEFAULT_LOW_WATER_MARK,
};

/// Limits and timeouts of a connection. The defaults follow RocketMQ's.
#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// Largest accepted frame (`length` word), 16 MiB by default
    /// (`com.rocketmq.remoting.frameMaxLength`). A bigger frame closes the connection.
    pub max_frame: usize,
    /// A connection with no traffic either way for this long is closed (120 s, as RocketMQ).
    pub idle_timeout: Duration,
    /// Frames queued for writing per connection before senders wait (backpressure).
    pub write_queue_frames: usize,
    /// Requests from one peer processed at once before the reader stops reading.
    pub max_inflight_requests: usize,
    /// Time allowed to open a TCP connection (client side).
    pub connect_timeout: Duration,
    /// Connections the client keeps per address; requests are spread round-robin.
    pub connections_per_addr: usize,
    /// How long a graceful shutdown waits for in-flight requests.
    pub shutdown_grace: Duration,
    /// Bytes queued for writing on one connection above which it stops being read, and
    /// its requests already read wait, until it drains to `write_buffer_low_water_mark`
    /// (RocketMQ's `writeBufferHighWaterMark`; Netty's 64 KiB by default).
    pub write_buffer_high_water_mark: usize,
    /// See `write_buffer_high_water_mark` (`writeBufferLowWaterMark`; 32 KiB).
    pub write_buffer_low_water_mark: usize,
    /// Bytes queued on one connection past which it is closed and its queue dropped:
    /// a peer that never reads, after pipelining requests (16 MiB).
    pub write_buffer_limit_per_connection: usize,
    /// The total limit of queued bytes, shared by every connection made with a clone of
    /// this config (256 MiB by default; see [`WriteBudget`]).
    pub write_budget: Arc<WriteBudget>,
    /// Client side: the ACL account every request is signed with (Java's
    /// `AclClientRPCHook`); `None` sends requests unsigned.
    pub credentials: Option<crate::acl_signature::Credentials>,
    /// A listener's TLS (`tls.server.mode` permissive or enforcing); `None` serves
    /// plaintext only, with no first-byte check.
    pub tls_server: Option<crate::tls::ServerTls>,
    /// TLS for connections this side opens (`tls.enable`); `None` connects in plaintext.
    pub tls_client: Option<crate::tls::ClientTls>,
}

/// The total queued-bytes limit of [`TransportConfig::default`].
pub const DEFAULT_WRITE_BUFFER_LIMIT_TOTAL: usize = 256 * 1024 * 1024;
/// The per-connection queued-bytes limit of [`TransportConfig::default`].
pub const DEFAULT_WRITE_BUFFER_LIMIT_PER_CONNECTION: usize = 16 * 1024 * 1024;

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            max_frame: DEFAULT_MAX_FRAME,
            idle_timeout: Duration::from_secs(120),
            write_queue_frames: 1024,
            max_inflight_requests: 256,
            connect_timeout: Duration::from_secs(3),
            connections_per_addr: 1,
            shutdown_grace: Duration::from_secs(5),
            write_buffer_high_water_mark: DEFAULT_HIGH_WATER_MARK,
            write_buffer_low_water_mark: DEFAULT_LOW_WATER_MARK,
            write_buffer_limit_per_connection: DEFAULT_WRITE_BUFFER_LIMIT_PER_CONNECTION,
            write_budget: WriteBudget::new(DEFAULT_WRITE_BUFFER_LIMIT_TOTAL),
            credentials: None,
            tls_server: None,
            tls_client: None,
        }
    }
}

impl TransportConfig {
    /// Applies RocketMQ's `writeBufferHighWaterMark` / `writeBufferLowWaterMark` as Java's
    /// `NettyRemotingServer` does: only when both are positive (otherwise Netty's 64 KiB /
    /// 32 KiB stay). A low mark above the high one is refused naming the key, as Netty
    /// refuses it.
    pub fn with_water_marks(
        mut self,
        high: usize,
        low: usize,
    ) -> Result<TransportConfig, crate::settings::SettingError> {
        if high == 0 || low == 0 {
            return Ok(self);
        }
        if low > high {
            return Err(crate::settings::SettingError {
                key: "writeBufferLowWaterMark".into(),
                value: low.to_string(),
                expected: "a value not above writeBufferHighWaterMark",
            });
        }
        self.write_buffer_high_water_mark = high;
        self.write_buffer_low_water_mark = low;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn water_marks_apply_as_in_java() {
        let d = TransportConfig::default();
        assert_eq!(d.write_buffer_high_water_mark, 64 * 1024);
        assert_eq!(d.write_buffer_low_water_mark, 32 * 1024);
        // Only when both are set.
        let c = TransportConfig::default()
            .with_water_marks(1 << 20, 0)
            .unwrap();
        assert_eq!(c.write_buffer_high_water_mark, 64 * 1024);
        let c = TransportConfig::default()
            .with_water_marks(1 << 20, 1 << 19)
            .unwrap();
        assert_eq!(
            (
                c.write_buffer_high_water_mark,
                c.write_buffer_low_water_mark
            ),
            (1 << 20, 1 << 19)
        );
        let e = TransportConfig::default()
            .with_water_marks(1000, 2000)
            .unwrap_err();
        assert_eq!(e.key, "writeBufferLowWaterMark");
    }
}
