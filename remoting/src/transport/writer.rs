//! The writer task of a connection: drains the outgoing queue and writes frames in batches
//! with vectored writes. Bodies larger than [`COPY_LIMIT`] are written from their own `Bytes`
//! (for a pull, views of the mapped CommitLog) and never copied.

use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::command::RemotingCommand;
use crate::protocol::frame::encode_head;

/// Bodies up to this size are copied next to their header; larger ones are written in place.
const COPY_LIMIT: usize = 4096;
/// At most this many frames are gathered into one write.
const MAX_BATCH_FRAMES: usize = 128;
/// A batch stops growing once it holds this many bytes.
const MAX_BATCH_BYTES: usize = 1 << 20;
/// `IoSlice`s passed to one `write_vectored` call.
const MAX_IOVECS: usize = 64;

/// Runs until the queue closes or `closed` fires (then drains what is queued), or a write
/// fails. Returns the peer's name for logging only.
pub(crate) async fn run<W>(
    mut socket: W,
    mut queue: mpsc::Receiver<RemotingCommand>,
    closed: CancellationToken,
    peer: String,
    on_write: impl Fn(),
) where
    W: AsyncWrite + Unpin,
{
    let mut head = BytesMut::with_capacity(64 * 1024);
    let mut segments: Vec<Bytes> = Vec::with_capacity(MAX_BATCH_FRAMES * 2);
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
        push_frame(&first, &mut head, &mut segments, &mut batch_bytes, &peer);
        let mut frames = 1;
        while frames < MAX_BATCH_FRAMES && batch_bytes < MAX_BATCH_BYTES {
            match queue.try_recv() {
                Ok(cmd) => {
                    push_frame(&cmd, &mut head, &mut segments, &mut batch_bytes, &peer);
                    frames += 1;
                }
                Err(_) => break,
            }
        }
        if !head.is_empty() {
            segments.push(head.split().freeze());
        }
        if let Err(e) = write_all_segments(&mut socket, &mut segments).await {
            tracing::debug!(%peer, error = %e, "write failed; closing connection");
            closed.cancel();
            return;
        }
        on_write();
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
