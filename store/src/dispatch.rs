//! The dispatcher: reads new CommitLog records and builds the ConsumeQueues and the
//! index (Java `ReputMessageService` + `CommitLogDispatcher`s).
//!
//! Only records with transaction type NOT or COMMIT enter a ConsumeQueue (and not
//! those of a deleted topic's old incarnation, see [`crate::topic_delete`]); all but
//! ROLLBACK records are indexed. A queue's new entries are announced on its growth
//! channel after each pass, and the dispatched CommitLog offset on
//! [`Shared::dispatched`]. One dispatcher runs at a time: synchronously during open,
//! then on its own thread, which also flushes ConsumeQueues, index and checkpoint.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cometmq_remoting::message::record::layout::{self, RecordKind};
use cometmq_remoting::message::{property, sysflag, tags_code, PropertiesView, RecordParts};
use tracing::{error, warn};

use crate::config::{StoreConfig, SCHEDULE_TOPIC};
use crate::consume_queue::{ConsumeQueue, CqEntry};
use crate::error::Result;
use crate::shared::Shared;
use crate::topic_delete;

/// How long a busy dispatcher sleeps between passes instead of waiting to be woken.
const POLL: Duration = Duration::from_micros(200);

/// The ConsumeQueue tags code of a record: the Java hash of its tag, or, for a delayed
/// message waiting in [`SCHEDULE_TOPIC`], its delivery time (reference §7).
fn entry_tags_code(
    config: &StoreConfig,
    rec: &RecordParts<'_>,
    tags: Option<&str>,
    delay: Option<&str>,
) -> i64 {
    if rec.topic == SCHEDULE_TOPIC {
        let level = delay.and_then(|l| l.trim().parse::<i32>().ok());
        if let Some(t) = level.and_then(|l| config.deliver_timestamp(l, rec.store_timestamp)) {
            return t;
        }
    }
    tags_code(tags)
}

/// The dispatch cursor.
#[derive(Debug)]
pub(crate) struct Dispatcher {
    next: i64,
    last_store_timestamp: i64,
    touched: Vec<Arc<ConsumeQueue>>,
}

enum Step {
    /// A record of this length was dispatched.
    Record(usize),
    /// The file ends here; continue at the next file.
    NextFile,
    /// Nothing complete to read yet.
    Wait,
}

impl Dispatcher {
    /// A dispatcher starting at CommitLog offset `from`.
    pub(crate) fn new(from: i64) -> Self {
        Dispatcher {
            next: from,
            last_store_timestamp: 0,
            touched: Vec::new(),
        }
    }

    /// CommitLog offset of the next record to dispatch.
    pub(crate) fn next(&self) -> i64 {
        self.next
    }

    /// Dispatches every complete record published so far; returns whether it
    /// dispatched anything.
    pub(crate) fn run_once(&mut self, shared: &Shared) -> bool {
        let start = self.next;
        let file_size = shared.log.file_size() as i64;
        self.next = self.next.max(shared.log.min_offset());
        loop {
            self.delete_due_topics(shared);
            if self.next >= shared.log.max_offset() {
                break;
            }
            match self.step(shared) {
                Ok(Step::Record(len)) => self.next += len as i64,
                Ok(Step::NextFile) => self.next += file_size - self.next.rem_euclid(file_size),
                Ok(Step::Wait) => break,
                Err(e) => {
                    crate::throttled!(error, offset = self.next, error = %e, "dispatch failed; retrying later");
                    break;
                }
            }
        }
        for q in self.touched.drain(..) {
            q.notify_growth();
        }
        shared.dispatched.send_if_modified(|v| {
            let changed = *v != self.next;
            *v = self.next;
            changed
        });
        self.next != start
    }

    /// Performs the topic deletions requested when the CommitLog ended at or before
    /// `next` (see [`crate::topic_delete`]).
    fn delete_due_topics(&mut self, shared: &Shared) {
        for d in shared.deletions.due(self.next) {
            self.touched.retain(|q| q.topic() != d.topic);
            let r = topic_delete::perform(shared, &d.topic, d.upto);
            if let Err(e) = &r {
                error!(topic = %d.topic, error = %e, "deleting a topic's ConsumeQueues failed");
            }
            let _ = d.done.send(r);
        }
    }

    fn step(&mut self, shared: &Shared) -> Result<Step> {
        let Some(seg) = shared.log.segments().find(self.next) else {
            return Ok(Step::NextFile);
        };
        let pos = (self.next - seg.base()) as usize;
        let avail = seg.published().saturating_sub(pos);
        if avail < 8 {
            return Ok(if seg.is_full() {
                Step::NextFile
            } else {
                Step::Wait
            });
        }
        let Some(head) = seg.read(pos, 8) else {
            return Ok(Step::Wait);
        };
        let header = match layout::peek_header(head) {
            Ok(h) => h,
            Err(e) => {
                warn!(offset = self.next, error = %e, "bad record; skipping to the next file");
                return Ok(Step::NextFile);
            }
        };
        if header.kind == RecordKind::Blank {
            return Ok(Step::NextFile);
        }
        let total = usize::try_from(header.total_size).unwrap_or(usize::MAX);
        if total > avail {
            return Ok(if total > seg.size() - pos {
                Step::NextFile
            } else {
                Step::Wait
            });
        }
        let Some(bytes) = seg.read(pos, total) else {
            return Ok(Step::Wait);
        };
        let rec = match RecordParts::parse(bytes) {
            Ok(r) => r,
            Err(e) => {
                warn!(offset = self.next, error = %e, "bad record; skipping to the next file");
                return Ok(Step::NextFile);
            }
        };
        let tran = sysflag::transaction_value(rec.sys_flag);
        let [tags, delay, uniq_key, keys] = PropertiesView::new(rec.properties).get_many([
            property::TAGS,
            property::DELAY,
            property::UNIQ_KEY,
            property::KEYS,
        ]);
        let queued =
            tran == sysflag::TRANSACTION_NOT_TYPE || tran == sysflag::TRANSACTION_COMMIT_TYPE;
        if queued && !shared.tombstones.covers(rec.topic, self.next) {
            let q = shared.queues.get_or_create(rec.topic, rec.queue_id);
            let entry = CqEntry {
                phys_offset: self.next,
                size: rec.encoded_len() as i32,
                tags_code: entry_tags_code(&shared.config, &rec, tags, delay),
            };
            if q.put(rec.queue_offset, entry)? && !self.touched.iter().any(|t| Arc::ptr_eq(t, &q)) {
                self.touched.push(q);
            }
        }
        if tran != sysflag::TRANSACTION_ROLLBACK_TYPE {
            if let Some(index) = &shared.index {
                index.build(
                    rec.topic,
                    uniq_key,
                    keys,
                    self.next,
                    rec.store_timestamp,
                    shared.clock.now_ms(),
                )?;
            }
        }
        self.last_store_timestamp = rec.store_timestamp;
        Ok(Step::Record(total))
    }

    /// Flushes ConsumeQueues and index, then persists the checkpoint with the store
    /// time of the last record dispatched before the flush.
    pub(crate) fn flush_logics(&self, shared: &Shared) -> Result<()> {
        let ts = self.last_store_timestamp;
        for q in shared.queues.all() {
            q.flush()?;
        }
        if let Some(index) = &shared.index {
            index.flush()?;
        }
        if ts > 0 {
            let mut v = shared.checkpoint.values();
            v.logics_msg_timestamp = ts;
            v.index_msg_timestamp = ts;
        }
        shared.checkpoint.persist()
    }

    /// The thread body: dispatch on every signal (polling every [`POLL`] while appends keep
    /// coming), flush periodically, and on stop
    /// dispatch what is left and flush once more.
    pub(crate) fn run(mut self, shared: &Shared) {
        let interval = shared.config.flush_interval_consume_queue;
        let mut last_flush = Instant::now();
        loop {
            let progressed = self.run_once(shared);
            if last_flush.elapsed() >= interval {
                if let Err(e) = self.flush_logics(shared) {
                    crate::throttled!(warn, error = %e, "ConsumeQueue/index flush failed");
                }
                last_flush = Instant::now();
            }
            if shared.dispatch_signal.is_stopped() {
                self.run_once(shared);
                if let Err(e) = self.flush_logics(shared) {
                    warn!(error = %e, "final ConsumeQueue/index flush failed");
                }
                shared.deletions.clear();
                return;
            }
            if progressed {
                // Busy: poll instead of being woken by every append (Java's reput
                // service sleeps 1 ms between passes; this adds at most POLL).
                shared.dispatch_signal.poll(POLL);
            } else {
                let left = interval.saturating_sub(last_flush.elapsed());
                shared
                    .dispatch_signal
                    .wait(left.max(Duration::from_millis(1)));
            }
        }
    }
}
