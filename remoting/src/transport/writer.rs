//! The writer task of a connection: drains the outgoing queue and writes frames in batches
//! with vectored writes. Bodies larger than [`COPY_LIMIT`] are written from their own `Bytes`
//! (for a pull, views of the mapped CommitLog) and never copied. Frames stay counted as
//! queued ([`Queued`]) until their batch is written; an aborted connection drops its queue
//! at once instead of writing it.

use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::command::RemotingCommand;
use crate::protocol::frame::encode_head;
use crate::transport::write_buffer::Queued;

/// Bodies up to this size are copied next to their header; larger ones are written in place.
const COPY_LIMIT: usize = 4096;
/// At most this many frames are gathered into one write.
const MAX_BATCH_FRAMES: usize = 128;
/// A batch stops growing once it holds this many bytes.
const MAX_BATCH_BYTES: usize = 1 << 20;
/// `IoSlice`s passed to one `write_vectored` call.
const MAX_IOVECS: usize = 64;

/// Runs until the queue closes or `closed` fires (then drains what is queued), a write
/// fails, or `aborted` fires (then what is queued is dropped unwritten).
pub(crate) async fn run<W>(
    socket: W,
    queue: mpsc::Receiver<Queued>,
    closed: CancellationToken,
    aborted: CancellationToken,
    peer: String,
    on_write: impl Fn(),
) where
    W: AsyncWrite + Unpin,
{
    let stop = aborted.clone();
    tokio::select! {
        biased;
        _ = stop.cancelled() => {}
        _ = write_loop(socket, queue, closed, peer, on_write) => {}
    }
    // Dropping the queue (and the batch in flight) releases their bytes.
}

async fn write_loop<W>(
    mut socket: W,
    mut queue: mpsc::Receiver<Queued>,
    closed: CancellationToken,
    peer: String,
    on_write: impl Fn(),
) where
    W: AsyncWrite + Unpin,
{
    let mut head = BytesMut::with_capacity(64 * 1024);
    let mut segments: Vec<Bytes> = Vec::with_capacity(MAX_BATCH_FRAMES * 2);
    let mut batch: Vec<Queued> = Vec::with_capacity(MAX_BATCH_FRAMES);
    loop {
        let first = tokio::select! {
            biased;
            cmd = queue.recv() => cmd,
            _ = closed.cancelled() => {
                queue.close();
                queue.recv().await
            }
        };
        let Some(first) = first else { break };
        let mut batch_bytes = 0;
        push_frame(
            &first.cmd,
            &mut head,
            &mut segments,
            &mut batch_bytes,
            &peer,
        );
        batch.push(first);
        while batch.len() < MAX_BATCH_FRAMES && batch_bytes < MAX_BATCH_BYTES {
            match queue.try_recv() {
                Ok(q) => {
                    push_frame(&q.cmd, &mut head, &mut segments, &mut batch_bytes, &peer);
                    batch.push(q);
                }
                Err(_) => break,
            }
        }
        if !head.is_empty() {
            segments.push(head.split().freeze());
        }
        // A TLS session may keep the tail of a batch in its buffer: the flush writes it
        // (on a plain TCP half it does nothing).
        let written = match write_all_segments(&mut socket, &mut segments).await {
            Ok(()) => socket.flush().await,
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            tracing::debug!(%peer, error = %e, "write failed; closing connection");
            closed.cancel();
            return;
        }
        batch.clear();
        on_write();
        // A batch that grew the copy buffer past its usual size gives the memory back.
        if head.capacity() > MAX_BATCH_BYTES {
            head = BytesMut::with_capacity(64 * 1024);
        }
    }
    let _ = socket.flush().await;
    let _ = socket.shutdown().await;
}

/// Encodes one frame: its header goes into `head`; a small body follows it there, a large
/// body becomes its own segment.
fn push_frame(
    cmd: &RemotingCommand,
    head: &mut BytesMut,
    segments: &mut Vec<Bytes>,
    batch_bytes: &mut usize,
    peer: &str,
) {
    let before = head.len();
    if let Err(e) = encode_head(cmd, head) {
        head.truncate(before);
        tracing::warn!(%peer, code = cmd.code, error = %e, "cannot encode frame; dropped");
        return;
    }
    *batch_bytes += head.len() - before + cmd.body.len();
    for chunk in cmd.body.chunks() {
        if chunk.len() <= COPY_LIMIT {
            head.extend_from_slice(chunk);
        } else {
            if !head.is_empty() {
                segments.push(head.split().freeze());
            }
            segments.push(chunk.clone());
        }
    }
}

/// Writes every segment fully, with vectored writes, and empties the list.
async fn write_all_segments<W>(socket: &mut W, segments: &mut Vec<Bytes>) -> std::io::Result<()>
where
    W: AsyncWrite + Unpin,
{
    let mut start = 0;
    while start < segments.len() {
        let end = (start + MAX_IOVECS).min(segments.len());
        let slices: Vec<IoSlice<'_>> = segments[start..end]
            .iter()
            .map(|b| IoSlice::new(b))
            .collect();
        let mut written = socket.write_vectored(&slices).await?;
        drop(slices);
        if written == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        while written > 0 && start < segments.len() {
            let seg = &mut segments[start];
            if written >= seg.len() {
                written -= seg.len();
                start += 1;
            } else {
                seg.advance(written);
                written = 0;
            }
        }
        // Skip any empty segments.
        while start < segments.len() && segments[start].is_empty() {
            start += 1;
        }
    }
    segments.clear();
    Ok(())
}
