//! The one periodic-task loop of the servers and the client: wait, run, repeat, until a
//! stop signal. Every background task that "does X every N ms" is written with it, so
//! stopping, and re-reading a period that config changes at run time, work the same way
//! everywhere.

use std::future::Future;
use std::time::Duration;

/// Runs `tick` after each `period()` until `stop` resolves.
///
/// `period` is called before each wait, so a period read from live config takes effect
/// on the next round. `stop` ends the wait at once; a tick in progress runs to its end
/// (a save is never cut in half), so a long tick that should end early watches the stop
/// signal itself. Any future works as the stop signal: `CancellationToken::cancelled()`,
/// a watch channel's change, or `std::future::pending()` for a task that is aborted.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use cometmq_remoting::periodic;
/// let mut ticks = 0;
/// let stop = tokio::time::sleep(Duration::from_millis(350));
/// periodic::every(stop, || Duration::from_millis(100), || {
///     ticks += 1;
///     async {}
/// })
/// .await;
/// assert_eq!(ticks, 3);
/// # }
/// ```
pub async fn every<P, T, F>(stop: impl Future, mut period: P, tick: T)
where
    P: FnMut() -> Duration,
    T: FnMut() -> F,
    F: Future<Output = ()>,
{
    after_each(stop, move || tokio::time::sleep(period()), tick).await;
}

/// Runs `tick` after each `wait()` resolves until `stop` resolves: [`every`] for a task
/// woken by something besides time (a sleep raced with a change notification).
pub async fn after_each<W, WF, T, F>(stop: impl Future, mut wait: W, mut tick: T)
where
    W: FnMut() -> WF,
    WF: Future,
    T: FnMut() -> F,
    F: Future<Output = ()>,
{
    let mut stop = std::pin::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = wait() => {}
        }
        tick().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use tokio::sync::Notify;

    #[tokio::test(start_paused = true)]
    async fn re_reads_the_period_and_stops() {
        let periods = AtomicU32::new(0);
        let mut ticks = Vec::new();
        let start = tokio::time::Instant::now();
        let stop = tokio::time::sleep(Duration::from_millis(800));
        every(
            stop,
            || {
                // 100 ms, then 200 ms, then 300 ms, …
                let n = periods.fetch_add(1, Ordering::Relaxed) + 1;
                Duration::from_millis(100 * u64::from(n))
            },
            || {
                ticks.push(start.elapsed().as_millis());
                async {}
            },
        )
        .await;
        assert_eq!(ticks, [100, 300, 600]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_tick_in_progress_finishes() {
        let mut finished = 0;
        let start = tokio::time::Instant::now();
        let stop = tokio::time::sleep(Duration::from_millis(150));
        every(
            stop,
            || Duration::from_millis(100),
            || {
                finished += 1;
                tokio::time::sleep(Duration::from_millis(500))
            },
        )
        .await;
        assert_eq!(finished, 1);
        assert_eq!(start.elapsed(), Duration::from_millis(600));
    }

    #[tokio::test(start_paused = true)]
    async fn after_each_wakes_on_its_own_signal() {
        let notify = Notify::new();
        notify.notify_one();
        let mut ticks = 0;
        let stop = tokio::time::sleep(Duration::from_millis(50));
        after_each(
            stop,
            || async {
                tokio::select! {
                    _ = notify.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
                }
            },
            || {
                ticks += 1;
                async {}
            },
        )
        .await;
        assert_eq!(ticks, 1);
    }
}
