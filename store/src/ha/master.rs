//! [`HaMaster`]: the master side of the HA stream.
//!
//! Concurrency contract:
//! - One accept task owns the listener and a `JoinSet` of connection tasks; stopping
//!   ends the accept loop, which then aborts and awaits every connection task.
//! - A connection task drives two halves of one socket inside one `select!`: the report
//!   reader (acknowledgements, housekeeping) and the log streamer. When either ends the
//!   other is dropped and the socket closes. No locks are held across `.await`; the
//!   shared [`Tracker`] is locked only for map updates.
//! - The streamer wakes on the store's CommitLog-end channel
//!   ([`MessageStore::subscribe_log_end`]) and sends zero-copy views of the mapped
//!   CommitLog ([`MessageStore::read_raw`]). Data far behind the end may not be in the
//!   page cache: those pages are touched on a blocking thread before the write, so a
//!   catching-up slave never makes a runtime thread wait on the disk.

use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, Bytes};
use parking_lot::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use tracing::{info, warn};

use super::protocol::{check_report, encode_header, ReportReader};
use super::tracker::{ReplicaWait, SlaveInfo, Tracker};
use super::{HaConfig, StopSignal};
use crate::MessageStore;

/// Bytes gathered into one vectored write (several frames).
const MAX_WRITE: usize = 1024 * 1024;

/// A slave further behind than this reads pages that may have left the page cache: they
/// are pre-faulted on a blocking thread.
const PREFAULT_BEHIND: i64 = 64 * 1024 * 1024;

/// What the connection tasks share.
#[derive(Debug)]
struct Ctx {
    store: Arc<MessageStore>,
    config: HaConfig,
    tracker: Arc<Tracker>,
}

/// The HA server of a master: accepts slaves on `haListenPort` and streams the CommitLog
/// to each. Cheap to share behind an `Arc`; every method takes `&self`.
#[derive(Debug)]
pub struct HaMaster {
    local_addr: SocketAddr,
    ctx: Arc<Ctx>,
    stop: watch::Sender<bool>,
    accept: Mutex<Option<JoinHandle<()>>>,
}

impl HaMaster {
    /// Binds `addr` (port 0 picks one) and starts accepting slaves. Their
    /// acknowledgements are what the store's SYNC_MASTER appends wait for.
    pub async fn start(
        store: Arc<MessageStore>,
        addr: SocketAddr,
        config: HaConfig,
    ) -> io::Result<HaMaster> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let tracker = Arc::new(Tracker::default());
        store
            .shared()
            .durability
            .attach_replicas(tracker.clone(), config.slave_fallbehind_max);
        let ctx = Arc::new(Ctx {
            store,
            config,
            tracker,
        });
        let (stop, signal) = StopSignal::new();
        let task = tokio::spawn(accept_loop(listener, ctx.clone(), signal));
        info!(%local_addr, "HA service listening");
        Ok(HaMaster {
            local_addr,
            ctx,
            stop,
            accept: Mutex::new(Some(task)),
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Waits until a slave holds everything before `end` (a record's end offset), up to
    /// `timeout`. Answers [`ReplicaWait::NoSlave`] at once when no slave is connected or
    /// the best one is more than `haSlaveFallbehindMax` behind.
    pub async fn wait_replicated(&self, end: i64, timeout: Duration) -> ReplicaWait {
        let c = &self.ctx;
        c.tracker
            .wait(
                end,
                c.store.max_phys_offset(),
                c.config.slave_fallbehind_max,
                timeout,
            )
            .await
    }

    /// Whether SYNC_MASTER sends can currently be replicated (Java `isSlaveOK`).
    pub fn slave_ok(&self) -> bool {
        let c = &self.ctx;
        c.tracker
            .slave_ok(c.store.max_phys_offset(), c.config.slave_fallbehind_max)
    }

    /// The connected slaves, each with its acknowledged offset and lag.
    pub fn slaves(&self) -> Vec<SlaveInfo> {
        self.ctx.tracker.slaves(self.ctx.store.max_phys_offset())
    }

    /// The highest offset any slave has acknowledged (Java `push2SlaveMaxOffset`).
    pub fn acked_offset(&self) -> i64 {
        self.ctx.tracker.max_acked()
    }

    /// "Slave fall behind" bytes: the master's CommitLog end minus the best
    /// acknowledgement (Java `slaveFallBehindMuch`).
    pub fn fall_behind_bytes(&self) -> i64 {
        (self.ctx.store.max_phys_offset() - self.acked_offset()).max(0)
    }

    /// Stops accepting, closes every slave connection, and waits for the tasks.
    pub async fn shutdown(&self) {
        self.stop.send_replace(true);
        let task = self.accept.lock().take();
        if let Some(t) = task {
            let _ = t.await;
        }
    }
}

async fn accept_loop(listener: TcpListener, ctx: Arc<Ctx>, mut stop: StopSignal) {
    let mut conns = JoinSet::new();
    let mut next_id = 0u64;
    loop {
        tokio::select! {
            _ = stop.stopped() => break,
            r = listener.accept() => match r {
                Ok((stream, peer)) => {
                    next_id += 1;
                    conns.spawn(serve(stream, peer, next_id, ctx.clone(), stop.clone()));
                }
                Err(e) => {
                    warn!(error = %e, "HA accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.shutdown().await;
}

/// One slave connection: read reports and stream the log until either side ends.
async fn serve(stream: TcpStream, peer: SocketAddr, id: u64, ctx: Arc<Ctx>, mut stop: StopSignal) {
    info!(slave = %peer, "HA: slave connected");
    let _ = stream.set_nodelay(true);
    ctx.tracker.connected(id, peer);
    let (rd, wr) = stream.into_split();
    let (first_tx, first_rx) = watch::channel(None);
    let end = tokio::select! {
        r = read_reports(rd, &ctx, id, first_tx) => r,
        r = stream_log(wr, &ctx, first_rx) => r,
        _ = stop.stopped() => Ok("the master is stopping"),
    };
    ctx.tracker.disconnected(id);
    match end {
        Ok(why) => info!(slave = %peer, "HA: connection closed: {why}"),
        Err(e) => warn!(slave = %peer, error = %e, "HA: connection failed"),
    }
}

/// Reads the slave's 8-byte reports; closes when it is silent for
/// `haHousekeepingInterval`.
async fn read_reports(
    mut rd: OwnedReadHalf,
    ctx: &Ctx,
    id: u64,
    first: watch::Sender<Option<i64>>,
) -> io::Result<&'static str> {
    let mut reports = ReportReader::default();
    let mut buf = [0u8; 512];
    loop {
        let n =
            match tokio::time::timeout(ctx.config.housekeeping_interval, rd.read(&mut buf)).await {
                Err(_) => return Ok("housekeeping: the slave was silent too long"),
                Ok(r) => r?,
            };
        if n == 0 {
            return Ok("closed by the slave");
        }
        if let Some(offset) = reports.feed(buf.get(..n).unwrap_or_default()) {
            let offset = check_report(offset, ctx.store.max_phys_offset())
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            ctx.tracker.report(id, offset);
            first.send_if_modified(|v| {
                let was_none = v.is_none();
                if was_none {
                    *v = Some(offset);
                }
                was_none
            });
        }
    }
}

/// Streams the CommitLog from where the slave's first report says.
async fn stream_log(
    mut wr: OwnedWriteHalf,
    ctx: &Ctx,
    mut first: watch::Receiver<Option<i64>>,
) -> io::Result<&'static str> {
    let report = match first.wait_for(Option::is_some).await {
        Ok(v) => (*v).unwrap_or(0),
        Err(_) => return Ok("closed before reporting"),
    };
    let store = &ctx.store;
    let file_size = store.config().mapped_file_size_commit_log as i64;
    let mut next = if report == 0 {
        // A new slave starts at the master's last file.
        let max = store.max_phys_offset();
        max - max.rem_euclid(file_size.max(1))
    } else {
        report
    };
    info!(
        from = next,
        reported = report,
        "HA: streaming the CommitLog"
    );
    let mut log_end = store.subscribe_log_end();
    let mut last_write = Instant::now();
    let mut warned = false;
    loop {
        log_end.borrow_and_update();
        let mut out: Vec<Bytes> = Vec::new();
        let mut total = 0usize;
        let start = next;
        while total < MAX_WRITE {
            let Some(chunk) = store.read_raw(next, ctx.config.transfer_batch_size.max(1)) else {
                break;
            };
            out.push(Bytes::copy_from_slice(&encode_header(next, chunk.len())));
            next += chunk.len() as i64;
            total += chunk.len();
            out.push(chunk);
        }
        if !out.is_empty() {
            if store.max_phys_offset() - start > PREFAULT_BEHIND {
                out = prefault(out).await?;
            }
            write_all_vectored(&mut wr, out).await?;
            last_write = Instant::now();
            continue;
        }
        if !warned && next < store.min_phys_offset() {
            warn!(
                slave_offset = next,
                master_min = store.min_phys_offset(),
                "HA: the slave needs CommitLog data the master has deleted; it cannot catch up"
            );
            warned = true;
        }
        let heartbeat_at = last_write + ctx.config.heartbeat_interval;
        tokio::select! {
            r = log_end.changed() => {
                if r.is_err() {
                    return Ok("the store closed");
                }
            }
            _ = tokio::time::sleep_until(heartbeat_at) => {
                wr.write_all(&encode_header(next, 0)).await?;
                last_write = Instant::now();
            }
        }
    }
}

/// Touches one byte per page of `bufs` on a blocking thread, so the socket write that
/// follows does not fault pages in from disk on a runtime thread.
async fn prefault(bufs: Vec<Bytes>) -> io::Result<Vec<Bytes>> {
    tokio::task::spawn_blocking(move || {
        let mut sum = 0u8;
        for b in &bufs {
            for byte in b.iter().step_by(4096) {
                sum = sum.wrapping_add(*byte);
            }
        }
        std::hint::black_box(sum);
        bufs
    })
    .await
    .map_err(io::Error::other)
}

/// Writes every buffer, in order, with as few vectored writes as the socket allows.
async fn write_all_vectored(wr: &mut OwnedWriteHalf, mut bufs: Vec<Bytes>) -> io::Result<()> {
    let mut idx = 0;
    while idx < bufs.len() {
        let slices: Vec<IoSlice<'_>> = bufs
            .get(idx..)
            .unwrap_or_default()
            .iter()
            .take(64)
            .map(|b| IoSlice::new(b))
            .collect();
        let mut n = wr.write_vectored(&slices).await?;
        drop(slices);
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        while n > 0 {
            let Some(b) = bufs.get_mut(idx) else { break };
            if n >= b.len() {
                n -= b.len();
                idx += 1;
            } else {
                b.advance(n);
                n = 0;
            }
        }
        while bufs.get(idx).is_some_and(Bytes::is_empty) {
            idx += 1;
        }
    }
    Ok(())
}
