//! A wake-up signal for a background thread: "there is work" or "stop".
//!
//! Raising it takes a mutex and wakes the thread only when the thread is asleep in
//! [`Wakeup::wait`]; while the thread is busy or polling ([`Wakeup::poll`]) a raise is two
//! atomic operations. Under load the dispatcher polls, so appends make no system calls to
//! wake it (one wake per append cost a futex call and a context switch each).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

/// Pending-work flag plus stop flag, with a condition variable to sleep on.
#[derive(Debug, Default)]
pub(crate) struct Wakeup {
    pending: AtomicBool,
    /// Set while the thread sleeps in `wait` (only then does `raise` notify).
    sleeping: AtomicBool,
    stop: AtomicBool,
    lock: Mutex<()>,
    cv: Condvar,
}

impl Wakeup {
    /// Announces work.
    pub(crate) fn raise(&self) {
        // SeqCst pairs with `wait`: either the sleeper sees `pending`, or we see `sleeping`.
        if !self.pending.swap(true, Ordering::SeqCst) && self.sleeping.load(Ordering::SeqCst) {
            let _g = self.lock.lock();
            self.cv.notify_all();
        }
    }

    /// Asks the thread to stop.
    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Release);
        let _g = self.lock.lock();
        self.cv.notify_all();
    }

    /// Whether a stop was requested.
    pub(crate) fn is_stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Sleeps until work is announced, a stop is requested, or `timeout` passes; clears
    /// and returns the pending flag.
    pub(crate) fn wait(&self, timeout: Duration) -> bool {
        let mut g = self.lock.lock();
        self.sleeping.store(true, Ordering::SeqCst);
        if !self.pending.load(Ordering::SeqCst) && !self.is_stopped() {
            self.cv.wait_for(&mut g, timeout);
        }
        self.sleeping.store(false, Ordering::SeqCst);
        self.pending.swap(false, Ordering::AcqRel)
    }

    /// Sleeps `interval` without asking to be woken (raises in the meantime cost the
    /// raiser no system call); clears and returns the pending flag. For a thread that
    /// expects more work soon.
    pub(crate) fn poll(&self, interval: Duration) -> bool {
        if !self.is_stopped() {
            std::thread::sleep(interval);
        }
        self.pending.swap(false, Ordering::AcqRel)
    }
}
