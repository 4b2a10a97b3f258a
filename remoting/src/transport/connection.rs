//! [`Connection`]: one TCP connection (plaintext or TLS), usable from either end.
//!
//! Two tasks own the socket: the reader decodes frames, completes pending requests with
//! their responses and hands incoming requests to the processor; the writer drains a bounded
//! queue of outgoing frames. The handle is cheap to clone; processors keep clones to send
//! requests back to the peer later (e.g. CHECK_TRANSACTION_STATE).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{FutureExt, StreamExt};
use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

use crate::code::response;
use crate::command::RemotingCommand;
use crate::error::{RemotingError, Result};
use crate::protocol::frame::FrameCodec;
use crate::transport::write_buffer::{with_turn, Account, Marks, OverLimit, Queued, Reservation};
use crate::transport::{RequestProcessor, TransportConfig};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

type Pending = Mutex<HashMap<i32, oneshot::Sender<RemotingCommand>>>;

/// A handle to a live (or closed) connection. Clones share the connection.
#[derive(Clone)]
pub struct Connection {
    inner: Arc<Inner>,
}

struct Inner {
    id: u64,
    peer: SocketAddr,
    local: SocketAddr,
    peer_name: String,
    out: mpsc::Sender<Queued>,
    /// The bytes queued for writing, and their limits.
    account: Arc<Account>,
    pending: Pending,
    closed: CancellationToken,
    /// Closed for passing a write-buffer limit or idleness while stuck: the writer drops
    /// its queue instead of writing it.
    aborted: CancellationToken,
    /// Stops the reader from taking new requests (graceful shutdown).
    draining: CancellationToken,
    inflight: Arc<Semaphore>,
    max_inflight: u32,
    started: Instant,
    last_active_ms: AtomicU64,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.inner.id)
            .field("peer", &self.inner.peer)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Connection {
    /// Starts the reader and writer tasks on `stream`; requests from the peer go to `handler`.
    /// The socket's own halves: no lock between reader and writer.
    pub fn spawn(
        stream: TcpStream,
        config: &TransportConfig,
        handler: Arc<dyn RequestProcessor>,
    ) -> Result<Connection> {
        let peer = stream.peer_addr()?;
        let local = stream.local_addr()?;
        let _ = stream.set_nodelay(true);
        let (read_half, write_half) = stream.into_split();
        Ok(Self::start(
            read_half, write_half, peer, local, config, handler,
        ))
    }

    /// Like [`Connection::spawn`] on any stream (a TLS session over TCP): its halves share
    /// the stream through tokio's split.
    pub fn spawn_stream<S>(
        stream: S,
        peer: SocketAddr,
        local: SocketAddr,
        config: &TransportConfig,
        handler: Arc<dyn RequestProcessor>,
    ) -> Connection
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let (read_half, write_half) = tokio::io::split(stream);
        Self::start(read_half, write_half, peer, local, config, handler)
    }

    fn start<R, W>(
        read_half: R,
        write_half: W,
        peer: SocketAddr,
        local: SocketAddr,
        config: &TransportConfig,
        handler: Arc<dyn RequestProcessor>,
    ) -> Connection
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let (out, queue) = mpsc::channel(config.write_queue_frames.max(1));
        let high = config.write_buffer_high_water_mark.max(1);
        let marks = Marks {
            high,
            low: config.write_buffer_low_water_mark.min(high),
            limit: config.write_buffer_limit_per_connection.max(1),
        };
        let max_inflight = config
            .max_inflight_requests
            .clamp(1, Semaphore::MAX_PERMITS) as u32;
        let conn = Connection {
            inner: Arc::new(Inner {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                peer,
                local,
                peer_name: peer.to_string(),
                out,
                account: Account::new(marks, config.write_budget.clone()),
                pending: Mutex::new(HashMap::new()),
                closed: CancellationToken::new(),
                aborted: CancellationToken::new(),
                draining: CancellationToken::new(),
                inflight: Arc::new(Semaphore::new(max_inflight as usize)),
                max_inflight,
                started: Instant::now(),
                last_active_ms: AtomicU64::new(0),
            }),
        };
        let writer_conn = conn.clone();
        tokio::spawn(super::writer::run(
            write_half,
            queue,
            conn.inner.closed.clone(),
            conn.inner.aborted.clone(),
            conn.inner.peer_name.clone(),
            move || writer_conn.touch(),
        ));
        let reader_conn = conn.clone();
        let codec = FrameCodec::new(config.max_frame);
        let idle = config.idle_timeout;
        tokio::spawn(async move {
            reader_conn
                .read_loop(FramedRead::new(read_half, codec), handler, idle)
                .await;
            // A draining connection is closed by `shutdown` once its answers are queued.
            if !reader_conn.inner.draining.is_cancelled() {
                reader_conn.close();
            }
        });
        conn
    }

    /// A process-unique id, handy as a map key.
    pub fn id(&self) -> u64 {
        self.inner.id
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.inner.peer
    }

    /// Our end's address.
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local
    }

    /// True once the connection is closed (by either end, an error or idleness).
    pub fn is_closed(&self) -> bool {
        self.inner.closed.is_cancelled()
    }

    /// Resolves when the connection closes; registries use it to drop a peer at once.
    pub async fn closed(&self) {
        self.inner.closed.cancelled().await
    }

    /// Closes the connection: queued frames are still written, pending requests fail.
    pub fn close(&self) {
        self.inner.closed.cancel();
        let pending = std::mem::take(&mut *self.inner.pending.lock());
        drop(pending);
    }

    /// Closes the connection and drops its queued frames unwritten (their memory is freed
    /// at once): for a peer that does not read them.
    fn abort(&self) {
        self.inner.aborted.cancel();
        self.close();
    }

    /// Stops taking requests, waits up to `grace` for the in-flight ones to be answered,
    /// then closes; what is still unwritten another `grace` later (a peer that does not
    /// read) is dropped.
    pub async fn shutdown(&self, grace: Duration) {
        self.inner.draining.cancel();
        let all = self.inner.inflight.acquire_many(self.inner.max_inflight);
        let _ = tokio::time::timeout(grace, all).await;
        self.close();
        let inner = self.inner.clone();
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            inner.aborted.cancel();
        });
    }

    /// Sends a request and waits up to `timeout` for its response. Cancel-safe: dropping the
    /// future forgets the request.
    pub async fn invoke(
        &self,
        mut request: RemotingCommand,
        timeout: Duration,
    ) -> Result<RemotingCommand> {
        request.flag &= !crate::command::FLAG_RESPONSE;
        let opaque = request.opaque;
        let (tx, rx) = oneshot::channel();
        self.inner.pending.lock().insert(opaque, tx);
        let _forget = PendingGuard { conn: self, opaque };
        let result = tokio::time::timeout(timeout, async {
            self.enqueue(request).await?;
            rx.await
                .map_err(|_| RemotingError::ConnectionClosed(self.inner.peer_name.clone()))
        })
        .await;
        result.unwrap_or_else(|_| {
            Err(RemotingError::Timeout {
                addr: self.inner.peer_name.clone(),
                millis: timeout.as_millis() as u64,
            })
        })
    }

    /// Sends a one-way request: no response is expected. Waits only for queue space.
    pub async fn invoke_oneway(&self, mut request: RemotingCommand) -> Result<()> {
        request.mark_oneway();
        self.enqueue(request).await
    }

    /// Queues any frame (a request, or a response the caller built with the right opaque).
    pub async fn send(&self, cmd: RemotingCommand) -> Result<()> {
        self.enqueue(cmd).await
    }

    async fn enqueue(&self, cmd: RemotingCommand) -> Result<()> {
        if self.is_closed() {
            return Err(RemotingError::ConnectionClosed(
                self.inner.peer_name.clone(),
            ));
        }
        let queued = match self.inner.account.admit(cmd) {
            Ok(q) => q,
            Err(over) => {
                self.close_over_limit(over);
                return Err(RemotingError::ConnectionClosed(
                    self.inner.peer_name.clone(),
                ));
            }
        };
        tokio::select! {
            r = self.inner.out.send(queued) => r.map_err(|_| RemotingError::ConnectionClosed(self.inner.peer_name.clone())),
            _ = self.inner.closed.cancelled() => Err(RemotingError::ConnectionClosed(self.inner.peer_name.clone())),
        }
    }

    /// Closes a connection whose queue passed a limit: its peer does not read.
    fn close_over_limit(&self, over: OverLimit) {
        if self.inner.aborted.is_cancelled() {
            return;
        }
        let peer = &self.inner.peer_name;
        match over {
            OverLimit::Connection { queued, limit } => tracing::warn!(
                %peer, queued, limit,
                "closing connection: its peer does not read its responses (writeBufferLimitPerConnection)"
            ),
            OverLimit::Total { total, limit } => tracing::warn!(
                %peer, total, limit,
                "closing connection: bytes queued for all connections passed writeBufferLimitTotal"
            ),
        }
        self.inner.account.count_closed();
        self.abort();
    }

    /// Waits until the connection may be read again (see [`Account::writable`]); false
    /// when it closed meanwhile or went idle, which aborts it.
    async fn wait_writable(&self, idle: Duration) -> bool {
        if self.inner.account.open() {
            return true;
        }
        tokio::select! {
            _ = self.inner.account.writable() => true,
            _ = self.closed() => false,
            _ = self.abort_when_idle(idle) => false,
        }
    }

    /// Admits a request read from the peer (see [`Account::admit_request`]): `None` when
    /// the connection closed meanwhile (the reader closes it when idle); `Some(None)` for
    /// at once.
    async fn admission(&self) -> Option<Option<Reservation>> {
        if self.inner.account.open() {
            return Some(None);
        }
        tokio::select! {
            r = self.inner.account.admit_request() => Some(r),
            _ = self.closed() => None,
        }
    }

    /// Aborts the connection once nothing was read or written for `idle` (a peer that
    /// reads nothing for as long never will), and returns.
    async fn abort_when_idle(&self, idle: Duration) {
        while self.idle_for() < idle {
            tokio::time::sleep(idle.saturating_sub(self.idle_for())).await;
        }
        if !self.inner.aborted.is_cancelled() {
            tracing::info!(peer = %self.inner.peer_name, idle_secs = idle.as_secs(), "closing idle connection (its peer reads nothing)");
            self.abort();
        }
    }

    fn touch(&self) {
        let ms = self.inner.started.elapsed().as_millis() as u64;
        self.inner.last_active_ms.store(ms, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let last = self.inner.last_active_ms.load(Ordering::Relaxed);
        let now = self.inner.started.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(last))
    }

    async fn read_loop<R>(
        &self,
        mut frames: FramedRead<R, FrameCodec>,
        handler: Arc<dyn RequestProcessor>,
        idle: Duration,
    ) where
        R: AsyncRead + Unpin,
    {
        let peer = &self.inner.peer_name;
        loop {
            // Above the high-water mark, stop reading until the queue drains (Netty's
            // auto-read off, as RocketMQ 5.x does when a channel turns unwritable).
            if !self.wait_writable(idle).await {
                return;
            }
            let wait = idle.saturating_sub(self.idle_for());
            let next = tokio::select! {
                _ = self.inner.closed.cancelled() => return,
                _ = self.inner.draining.cancelled() => return,
                r = tokio::time::timeout(wait, frames.next()) => r,
            };
            let frame = match next {
                Err(_) => {
                    if self.idle_for() >= idle {
                        tracing::info!(%peer, idle_secs = idle.as_secs(), "closing idle connection");
                        // Nothing was written for as long: what is queued never will be.
                        self.abort();
                        return;
                    }
                    continue;
                }
                Ok(None) => {
                    tracing::debug!(%peer, "peer closed the connection");
                    return;
                }
                Ok(Some(Err(e))) => {
                    tracing::warn!(%peer, error = %e, "closing connection: bad frame");
                    return;
                }
                Ok(Some(Ok(cmd))) => cmd,
            };
            self.touch();
            if frame.is_response() {
                let waiter = self.inner.pending.lock().remove(&frame.opaque);
                match waiter {
                    Some(tx) => {
                        let _ = tx.send(frame);
                    }
                    None => {
                        tracing::debug!(%peer, opaque = frame.opaque, "response with no waiter (timed out?)")
                    }
                }
                continue;
            }
            let permit = tokio::select! {
                p = self.inner.inflight.clone().acquire_owned() => p,
                _ = self.inner.closed.cancelled() => return,
            };
            let Ok(permit) = permit else { return };
            let conn = self.clone();
            let handler = handler.clone();
            let mut serve = Box::pin(async move {
                // A request read before the queue filled waits, and is then served in turn.
                if let Some(turn) = conn.admission().await {
                    with_turn(turn, conn.serve_request(handler, frame)).await;
                }
                drop(permit);
            });
            // Most requests (a send under ASYNC_FLUSH, an offset update, a heartbeat)
            // finish without waiting: serve them right here, and spawn a task only for
            // one that has to wait (a held pull, a flush or slave wait, a check-back).
            // Saves a task spawn and a cross-thread wake-up per request.
            if futures::poll!(serve.as_mut()).is_pending() {
                tokio::spawn(serve);
            }
        }
    }

    async fn serve_request(&self, handler: Arc<dyn RequestProcessor>, request: RemotingCommand) {
        let opaque = request.opaque;
        let oneway = request.is_oneway();
        let code = request.code;
        let outcome = AssertUnwindSafe(handler.process(self, request))
            .catch_unwind()
            .await;
        let reply = match outcome {
            Ok(reply) => reply,
            Err(_) => {
                tracing::error!(peer = %self.inner.peer_name, code, "processor panicked");
                Some(RemotingCommand::response(
                    response::SYSTEM_ERROR,
                    Some(format!("internal error processing request code {code}")),
                ))
            }
        };
        if oneway {
            return;
        }
        if let Some(reply) = reply {
            let _ = self.enqueue(reply.answer(opaque)).await;
        }
    }
}

/// Removes a request's entry from the pending table when its caller stops waiting
/// (answered, timed out, or the future was dropped).
struct PendingGuard<'a> {
    conn: &'a Connection,
    opaque: i32,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.conn.inner.pending.lock().remove(&self.opaque);
    }
}
