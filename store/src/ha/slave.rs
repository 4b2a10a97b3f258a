//! [`HaSlave`]: the slave side of the HA stream (Java `HAClient`).
//!
//! Concurrency contract: one task owns the connection. It reads frames, applies each
//! batch on a blocking thread ([`MessageStore::append_raw`] may create and map files),
//! then reports the new end; nothing else writes to the slave's CommitLog. The master
//! address lives in a `watch` so the broker can change it at any time (from the
//! NameServer's registration answer); the task reconnects when it changes. Status
//! fields are atomics/short mutexes readable from anywhere.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

use bytes::BytesMut;
use parking_lot::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{info, warn};

use super::protocol::{encode_report, take_frames, Frame, ProtocolError};
use super::{HaConfig, StopSignal};
use crate::error::StoreError;
use crate::MessageStore;

/// Read buffer growth step.
const READ_CHUNK: usize = 256 * 1024;

/// How long a connect attempt may take.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// What a slave's replication looks like right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaSlaveStatus {
    /// The master HA address in use, if known.
    pub master_addr: Option<String>,
    /// Whether a connection to it is open.
    pub connected: bool,
    /// The offset last reported (or being reported) to the master.
    pub reported_offset: i64,
}

#[derive(Debug, Default)]
struct Status {
    connected: AtomicBool,
    reported: AtomicI64,
}

/// The replication client of a slave. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct HaSlave {
    master: watch::Sender<Option<String>>,
    status: Arc<Status>,
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl HaSlave {
    /// Starts replicating into `store` from `master` (an HA address `host:port`), or
    /// waits for one to be set. Must be called inside a tokio runtime.
    pub fn start(store: Arc<MessageStore>, config: HaConfig, master: Option<String>) -> HaSlave {
        let master = watch::Sender::new(master.filter(|m| !m.is_empty()));
        let status = Arc::new(Status::default());
        let (stop, signal) = StopSignal::new();
        let task = tokio::spawn(run(
            store,
            config,
            master.subscribe(),
            status.clone(),
            signal,
        ));
        HaSlave {
            master,
            status,
            stop,
            task: Mutex::new(Some(task)),
        }
    }

    /// Sets the master's HA address; a change closes the current connection and
    /// connects to the new address. `None` or an empty address keeps the current one.
    pub fn set_master(&self, addr: Option<&str>) {
        let Some(addr) = addr.filter(|a| !a.is_empty()) else {
            return;
        };
        self.master.send_if_modified(|cur| {
            let changed = cur.as_deref() != Some(addr);
            if changed {
                info!(master = %addr, "HA: master address set");
                *cur = Some(addr.to_owned());
            }
            changed
        });
    }

    /// The current state.
    pub fn status(&self) -> HaSlaveStatus {
        HaSlaveStatus {
            master_addr: self.master.borrow().clone(),
            connected: self.status.connected.load(Ordering::Acquire),
            reported_offset: self.status.reported.load(Ordering::Acquire),
        }
    }

    /// Closes the connection and waits for the task to end.
    pub async fn shutdown(&self) {
        self.stop.send_replace(true);
        let task = self.task.lock().take();
        if let Some(t) = task {
            let _ = t.await;
        }
    }
}

/// Why a session ended.
#[derive(Debug, thiserror::Error)]
enum End {
    #[error("stopped")]
    Stopped,
    #[error("the master address changed")]
    MasterChanged,
    #[error("closed by the master")]
    Closed,
    #[error("housekeeping: the master was silent too long")]
    Silent,
    #[error(transparent)]
    Io(#[from] io::Error),
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    #[error("the master sent offset {got}, the slave's CommitLog ends at {want}")]
    Mismatch { got: i64, want: i64 },
    #[error("cannot append: {0}")]
    Store(#[from] StoreError),
}

async fn run(
    store: Arc<MessageStore>,
    config: HaConfig,
    mut master: watch::Receiver<Option<String>>,
    status: Arc<Status>,
    mut stop: StopSignal,
) {
    let mut failures = 0u32;
    loop {
        let addr = master.borrow_and_update().clone();
        let Some(addr) = addr else {
            tokio::select! {
                _ = stop.stopped() => return,
                r = master.changed() => if r.is_err() { return },
            }
            continue;
        };
        let connected = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&addr)).await;
        match connected {
            Ok(Ok(stream)) => {
                failures = 0;
                info!(master = %addr, "HA: connected to the master");
                status.connected.store(true, Ordering::Release);
                let end = session(stream, &store, &config, &status, &mut master, &mut stop).await;
                status.connected.store(false, Ordering::Release);
                match end {
                    End::Stopped => return,
                    End::MasterChanged => continue,
                    End::Closed | End::Silent => info!(master = %addr, "HA: {end}"),
                    e => warn!(master = %addr, error = %e, "HA: replication connection failed"),
                }
            }
            Ok(Err(e)) => {
                failures += 1;
                // Log the first failure and then every 30th, not every second.
                if failures % 30 == 1 {
                    warn!(master = %addr, error = %e, "HA: cannot connect to the master");
                }
            }
            Err(_) => {
                failures += 1;
                if failures % 30 == 1 {
                    warn!(master = %addr, "HA: connecting to the master timed out");
                }
            }
        }
        tokio::select! {
            _ = stop.stopped() => return,
            _ = tokio::time::sleep(config.reconnect_interval) => {}
            r = master.changed() => if r.is_err() { return },
        }
    }
}

/// One connection: report, then apply frames and report after each batch, with a
/// heartbeat report every `haSendHeartbeatInterval`.
async fn session(
    stream: TcpStream,
    store: &Arc<MessageStore>,
    config: &HaConfig,
    status: &Status,
    master: &mut watch::Receiver<Option<String>>,
    stop: &mut StopSignal,
) -> End {
    let _ = stream.set_nodelay(true);
    let (mut rd, mut wr) = stream.into_split();
    let mut reported = store.max_phys_offset();
    status.reported.store(reported, Ordering::Release);
    if let Err(e) = wr.write_all(&encode_report(reported)).await {
        return e.into();
    }
    let mut last_report = Instant::now();
    let mut last_read = Instant::now();
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    loop {
        if buf.capacity() - buf.len() < READ_CHUNK / 4 {
            buf.reserve(READ_CHUNK);
        }
        let report_at = last_report + config.heartbeat_interval;
        let silent_at = last_read + config.housekeeping_interval;
        tokio::select! {
            _ = stop.stopped() => return End::Stopped,
            r = master.changed() => {
                if r.is_err() {
                    return End::Stopped;
                }
                return End::MasterChanged;
            }
            _ = tokio::time::sleep_until(silent_at) => return End::Silent,
            _ = tokio::time::sleep_until(report_at) => {
                reported = store.max_phys_offset();
                status.reported.store(reported, Ordering::Release);
                if let Err(e) = wr.write_all(&encode_report(reported)).await {
                    return e.into();
                }
                last_report = Instant::now();
            }
            r = rd.read_buf(&mut buf) => {
                match r {
                    Ok(0) => return End::Closed,
                    Ok(_) => last_read = Instant::now(),
                    Err(e) => return e.into(),
                }
                let frames = match take_frames(&mut buf) {
                    Ok(f) => f,
                    Err(e) => return e.into(),
                };
                if frames.is_empty() {
                    continue;
                }
                let end = match apply(store, frames).await {
                    Ok(end) => end,
                    Err(e) => return e,
                };
                if end != reported {
                    reported = end;
                    status.reported.store(reported, Ordering::Release);
                    if let Err(e) = wr.write_all(&encode_report(reported)).await {
                        return e.into();
                    }
                    last_report = Instant::now();
                }
            }
        }
    }
}

/// Checks that the frames continue the slave's CommitLog and appends them on a blocking
/// thread. Returns the new end.
async fn apply(store: &Arc<MessageStore>, frames: Vec<Frame>) -> Result<i64, End> {
    let store = store.clone();
    let joined = tokio::task::spawn_blocking(move || {
        let mut end = store.max_phys_offset();
        for f in frames {
            // An empty slave accepts wherever the master starts (its last file).
            if end != 0 && f.phys_offset != end {
                return Err(End::Mismatch {
                    got: f.phys_offset,
                    want: end,
                });
            }
            if f.body.is_empty() {
                continue;
            }
            end = store.append_raw(f.phys_offset, &f.body)?;
        }
        Ok(end)
    })
    .await;
    joined.map_err(|e| End::Io(io::Error::other(e)))?
}
