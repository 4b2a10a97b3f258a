//! What a forced deletion destroys: CommitLog files deleted before `fileReservedTime`
//! because the disk is nearly full (`cleanFileForciblyEnable`). Computed before the
//! files go, so that the ERROR log can name the messages lost and every consumer
//! group's unconsumed range among them, and counted in [`ForcedDeletionCounters`].

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::state::StoreState;

/// The consumer offsets the broker has committed, for naming what a forced deletion
/// destroyed. The store keeps no consumer state; the broker provides this.
pub trait ConsumerProgress: Send + Sync + fmt::Debug {
    /// Every committed offset: (group, topic, queue id, next offset to consume).
    fn committed(&self) -> Vec<(String, String, i32, i64)>;
}

/// Totals of forced deletions since the store opened.
#[derive(Debug, Default)]
pub struct ForcedDeletionCounters {
    files: AtomicU64,
    messages: AtomicU64,
}

impl ForcedDeletionCounters {
    /// (CommitLog files, messages) destroyed by forced deletions.
    pub fn totals(&self) -> (u64, u64) {
        (
            self.files.load(Ordering::Relaxed),
            self.messages.load(Ordering::Relaxed),
        )
    }

    pub(crate) fn add(&self, loss: &ForcedLoss) {
        self.files.fetch_add(loss.files as u64, Ordering::Relaxed);
        self.messages.fetch_add(loss.messages, Ordering::Relaxed);
    }
}

/// Unconsumed messages of one group on one queue that a forced deletion destroyed:
/// queue offsets `[from, to)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LostRange {
    /// Consumer group.
    pub group: String,
    /// Topic.
    pub topic: String,
    /// Queue id.
    pub queue_id: i32,
    /// First destroyed unconsumed queue offset.
    pub from: i64,
    /// One past the last destroyed queue offset.
    pub to: i64,
}

/// What one forced deletion destroyed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ForcedLoss {
    /// Unexpired CommitLog files deleted.
    pub files: usize,
    /// Their CommitLog range `[from, to)`.
    pub phys_from: i64,
    /// See `phys_from`.
    pub phys_to: i64,
    /// Messages (ConsumeQueue entries) that pointed into the range.
    pub messages: u64,
    /// Unconsumed ranges of groups with committed offsets.
    pub unconsumed: Vec<LostRange>,
    /// Whether consumer offsets were known (the broker sets them after the store's
    /// open, whose first retention pass runs without them).
    pub offsets_known: bool,
}

impl ForcedLoss {
    /// The ranges as `group@topic:queue[from,to)` items, comma-separated.
    pub fn unconsumed_text(&self) -> String {
        let mut s = String::new();
        for (i, r) in self.unconsumed.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            let _ = write!(
                s,
                "{}@{}:{}[{},{})",
                r.group, r.topic, r.queue_id, r.from, r.to
            );
        }
        if !self.offsets_known {
            s.push_str("unknown (consumer offsets not loaded yet)");
        } else if s.is_empty() {
            s.push_str("none");
        }
        s
    }
}

/// What deleting the CommitLog range `[phys_from, phys_to)` destroys.
pub(crate) fn assess(
    shared: &StoreState,
    progress: Option<&Arc<dyn ConsumerProgress>>,
    files: usize,
    phys_from: i64,
    phys_to: i64,
) -> ForcedLoss {
    let mut loss = ForcedLoss {
        files,
        phys_from,
        phys_to,
        ..ForcedLoss::default()
    };
    loss.offsets_known = progress.is_some();
    let committed = progress.map(|p| p.committed()).unwrap_or_default();
    let mut queues = shared.queues.all();
    queues.sort_by(|a, b| (a.topic(), a.queue_id()).cmp(&(b.topic(), b.queue_id())));
    for q in queues {
        let first = q.first_at_or_above(phys_from);
        let end = q.first_at_or_above(phys_to);
        if end <= first {
            continue;
        }
        loss.messages += (end - first) as u64;
        for (group, topic, queue_id, offset) in &committed {
            if topic != q.topic() || *queue_id != q.queue_id() {
                continue;
            }
            let from = (*offset).max(first);
            if from < end {
                loss.unconsumed.push(LostRange {
                    group: group.clone(),
                    topic: topic.clone(),
                    queue_id: *queue_id,
                    from,
                    to: end,
                });
            }
        }
    }
    loss
}
