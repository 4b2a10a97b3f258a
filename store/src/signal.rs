//! A wake-up signal for a background thread: "there is work" or "stop".
//!
//! Raising it takes a mutex only when it is not already raised, so a busy producer
//! (every append notifies the dispatcher) pays one atomic swap in the common case.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// Pending-work flag plus stop flag, with a condition variable to sleep on.
#[derive(Debug, Default)]
pub(crate) struct Signal {
    pending: AtomicBool,
    stop: AtomicBool,
    lock: Mutex<()>,
    cv: Condvar,
}

impl Signal {
    /// Announces work.
    pub(crate) fn raise(&self) {
        if !self.pending.swap(true, Ordering::AcqRel) {
            let _g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            self.cv.notify_all();
        }
    }

    /// Asks the thread to stop.
    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Release);
        let _g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.cv.notify_all();
    }

    /// Whether a stop was requested.
    pub(crate) fn is_stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Sleeps until work is announced, a stop is requested, or `timeout` passes; clears
    /// and returns the pending flag.
    pub(crate) fn wait(&self, timeout: Duration) -> bool {
        let g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if !self.pending.load(Ordering::Acquire) && !self.is_stopped() {
            let _ = self.cv.wait_timeout(g, timeout);
        }
        self.pending.swap(false, Ordering::AcqRel)
    }
}
