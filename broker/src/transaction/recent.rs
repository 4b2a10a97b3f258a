//! Recently committed transactions, by `UNIQ_KEY`, so one transaction is not committed
//! twice when its producer decides it and also answers a check about a re-appended copy
//! (two END_TRANSACTIONs naming different half records). Memory only: after a restart
//! the guarantee is RocketMQ's at-least-once.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Entries are pruned once the table holds this many.
const PRUNE_AT: usize = 4096;

/// The table of recent commits.
#[derive(Debug, Default)]
pub struct RecentCommits {
    commits: Mutex<HashMap<String, Instant>>,
}

impl RecentCommits {
    /// Claims the commit of transaction `uniq`; false when it was committed within
    /// `window` (the caller then writes nothing but the op record).
    pub fn claim(&self, uniq: &str, window: Duration) -> bool {
        let now = Instant::now();
        let mut commits = self.commits.lock();
        if commits.len() >= PRUNE_AT {
            commits.retain(|_, at| now.duration_since(*at) < window);
        }
        match commits.get(uniq) {
            Some(at) if now.duration_since(*at) < window => false,
            _ => {
                commits.insert(uniq.to_string(), now);
                true
            }
        }
    }

    /// Forgets a claim whose commit failed, so a retry may commit.
    pub fn release(&self, uniq: &str) {
        self.commits.lock().remove(uniq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims() {
        let r = RecentCommits::default();
        let w = Duration::from_secs(60);
        assert!(r.claim("a", w));
        assert!(!r.claim("a", w));
        assert!(r.claim("b", w));
        r.release("a");
        assert!(r.claim("a", w));
        // Outside the window a key may commit again.
        assert!(r.claim("a", Duration::ZERO));
    }
}
