//! Validation of records handed to an append, before the CommitLog lock is taken.

use cometmq_remoting::message::{sysflag, MessageError, RecordParts};

use crate::status::PutStatus;

/// A validated append.
pub(crate) struct Checked {
    /// Record starts (batches only; a single record starts at 0).
    pub(crate) starts: Vec<usize>,
    /// Byte range of the topic.
    pub(crate) topic: std::ops::Range<usize>,
    /// QUEUEID of every record.
    pub(crate) queue_id: i32,
    /// Transaction type of every record.
    pub(crate) tran_type: i32,
}

/// A topic the store accepts: it becomes a directory name under `consumequeue/`.
fn valid_topic(t: &str) -> bool {
    !t.is_empty() && t != "." && t != ".." && !t.contains(['/', '\\', '\0']) && t.len() <= 255
}

/// Checks one record (or a batch of records for one queue): well-formed, body within
/// `max_body`, sane topic (it names a directory) and queue id.
pub(crate) fn check(buf: &[u8], batch: bool, max_body: usize) -> Result<Checked, PutStatus> {
    // Singles need no allocation: their only record starts at 0.
    let mut starts = Vec::new();
    let mut first: Option<(std::ops::Range<usize>, i32, i32)> = None;
    let mut pos = 0;
    while pos < buf.len() {
        let rec = RecordParts::parse(&buf[pos..]).map_err(|e| match e {
            MessageError::BadLength {
                field: "PROPERTIESLENGTH",
                ..
            } => PutStatus::PropertiesSizeExceeded,
            _ => PutStatus::MessageIllegal,
        })?;
        if rec.body.len() > max_body || rec.queue_id < 0 || !valid_topic(rec.topic) {
            return Err(PutStatus::MessageIllegal);
        }
        let tran = sysflag::transaction_value(rec.sys_flag);
        let start = rec.topic.as_ptr() as usize - buf.as_ptr() as usize;
        let topic = start..start + rec.topic.len();
        match &first {
            None => first = Some((topic, rec.queue_id, tran)),
            Some((t, q, tr)) => {
                if buf.get(t.clone()) != Some(rec.topic.as_bytes())
                    || *q != rec.queue_id
                    || *tr != tran
                {
                    return Err(PutStatus::MessageIllegal);
                }
            }
        }
        if batch {
            starts.push(pos);
        }
        pos += rec.encoded_len();
        if !batch && pos != buf.len() {
            return Err(PutStatus::MessageIllegal);
        }
    }
    let (topic, queue_id, tran_type) = first.ok_or(PutStatus::MessageIllegal)?;
    if batch && tran_type != sysflag::TRANSACTION_NOT_TYPE {
        return Err(PutStatus::MessageIllegal);
    }
    Ok(Checked {
        starts,
        topic,
        queue_id,
        tran_type,
    })
}
