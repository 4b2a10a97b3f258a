//! Broker statistics: the counters ([`families::BrokerStats`], Java's
//! `BrokerStatsManager`), their sampled windows ([`item::StatsItem`]), the throughput
//! rates of the admin reads ([`rates::Rates`]), and the one background task that samples
//! them all ([`run`]).
//!
//! - Every second: the broker's put and get totals into [`Rates`] (`putTps` …).
//! - Every ten seconds: every stats item's minute window.
//! - Every ten minutes: the hour windows; every hour: the day windows.

pub mod families;
pub mod held_pulls;
pub mod item;
pub mod rates;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

pub use families::BrokerStats;
pub use held_pulls::{HeldPullEnd, HeldPulls};
pub use item::{StatsSnapshot, Window};
pub use rates::{java_double, DailyTotals, Rates};

use crate::state::{now_ms, BrokerState};

/// Samples until `stop` (see the module doc). Each window is first sampled at start, as
/// Java's `StatsItemSet` does.
pub async fn run(state: Arc<BrokerState>, stop: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_window: [Option<Instant>; 3] = [None; 3];
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let now = Instant::now();
        let wall = now_ms();
        state.rates.sample_counters(
            now,
            wall,
            state.stats.broker_put.value(),
            state.stats.broker_get.value(),
        );
        for (i, window) in [Window::Minute, Window::Hour, Window::Day]
            .into_iter()
            .enumerate()
        {
            let period = Duration::from_millis(window.period_ms() as u64);
            // A tick late by a few ms still counts as due: a 10 s window sampled at
            // 9.99 s must not slip to 11 s.
            let due = last_window[i]
                .is_none_or(|t| now.duration_since(t) + Duration::from_millis(500) >= period);
            if due {
                last_window[i] = Some(now);
                state.stats.sample(window, wall);
            }
        }
    }
}
