//! How held pulls (long polling) end: woken by the arrival of a message, found by the
//! periodic re-check, or answered when their hold ran out. A message that arrives while a
//! pull waits for it must wake that pull at once; one found by the re-check means a
//! wake-up was missed (the late retries of issue 22), so the count makes that visible to
//! tests and to operators (`cometmq_held_pulls_total`).

use std::sync::atomic::{AtomicU64, Ordering};

/// How a held pull ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldPullEnd {
    /// Woken by a message arriving in its queue.
    Arrival,
    /// Found messages at the periodic re-check, without a wake-up.
    Recheck,
    /// The hold ran out (answered with whatever a last read found).
    Timeout,
}

impl HeldPullEnd {
    /// Every outcome, with its metric label.
    pub const ALL: [(HeldPullEnd, &'static str); 3] = [
        (HeldPullEnd::Arrival, "arrival"),
        (HeldPullEnd::Recheck, "recheck"),
        (HeldPullEnd::Timeout, "timeout"),
    ];
}

/// Counts of held pulls by how they ended.
#[derive(Debug, Default)]
pub struct HeldPulls {
    counts: [AtomicU64; 3],
}

impl HeldPulls {
    /// Counts one held pull that ended this way.
    pub fn record(&self, end: HeldPullEnd) {
        self.counts[end as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Held pulls that ended this way so far.
    pub fn count(&self, end: HeldPullEnd) -> u64 {
        self.counts[end as usize].load(Ordering::Relaxed)
    }
}
