//! Transport settings shared by server and client.

use std::time::Duration;

use crate::protocol::frame::DEFAULT_MAX_FRAME;

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
}

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
        }
    }
}
