//! The series the charts draw, sampled by the console process itself: each consumer
//! group's total lag, and the stored-message count of each topic a page looked at (a rate
//! is the difference of two samples). An hour of samples is kept.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cometmq_remoting::clock::now_ms;
use parking_lot::Mutex;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::server::State;

/// How far back the series go.
pub const WINDOW: Duration = Duration::from_secs(3600);
/// Topics sampled at most (the ones looked at most recently).
pub const MAX_TOPICS: usize = 64;
/// Groups sampled at most.
pub const MAX_GROUPS: usize = 512;

/// One sample: time (ms) and value.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Point {
    /// When, ms since the epoch.
    pub t: i64,
    /// The value then.
    pub v: i64,
}

#[derive(Debug, Default)]
struct Series {
    topics: HashMap<String, VecDeque<Point>>,
    groups: HashMap<String, VecDeque<Point>>,
    /// Topics to sample, with when a page last asked for them.
    watched: HashMap<String, Instant>,
}

/// The sampled series, shared by the sampling task and the handlers.
#[derive(Debug)]
pub struct Sampler {
    interval: Duration,
    series: Mutex<Series>,
}

impl Sampler {
    /// An empty set of series, sampled every `interval`.
    pub fn new(interval: Duration) -> Self {
        Sampler {
            interval: interval.max(Duration::from_millis(100)),
            series: Mutex::default(),
        }
    }

    /// `topic`'s stored-message count over the last hour; from now on the topic is sampled
    /// (for an hour after the last call).
    pub fn topic(&self, topic: &str) -> Vec<Point> {
        let mut s = self.series.lock();
        if s.watched.len() >= MAX_TOPICS && !s.watched.contains_key(topic) {
            if let Some(oldest) = s
                .watched
                .iter()
                .min_by_key(|(_, at)| **at)
                .map(|(t, _)| t.clone())
            {
                s.watched.remove(&oldest);
                s.topics.remove(&oldest);
            }
        }
        s.watched.insert(topic.to_owned(), Instant::now());
        s.topics
            .get(topic)
            .map(|q| q.iter().copied().collect())
            .unwrap_or_default()
    }

    /// `group`'s total lag over the last hour.
    pub fn group(&self, group: &str) -> Vec<Point> {
        self.series
            .lock()
            .groups
            .get(group)
            .map(|q| q.iter().copied().collect())
            .unwrap_or_default()
    }

    fn push(map: &mut HashMap<String, VecDeque<Point>>, key: &str, p: Point) {
        let q = map.entry(key.to_owned()).or_default();
        q.push_back(p);
        let oldest = p.t - WINDOW.as_millis() as i64;
        while q.front().is_some_and(|f| f.t < oldest) {
            q.pop_front();
        }
    }
}

/// Samples every `state.sampler`'s interval until `stop`.
pub async fn run(state: Arc<State>, stop: CancellationToken) {
    let sampler = state.sampler.clone();
    let mut tick = tokio::time::interval(sampler.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = sample(&state) => {}
        }
    }
}

async fn sample(state: &State) {
    let sampler = &state.sampler;
    let topics: Vec<String> = {
        let mut s = sampler.series.lock();
        s.watched.retain(|_, at| at.elapsed() < WINDOW);
        let Series {
            topics, watched, ..
        } = &mut *s;
        topics.retain(|t, _| watched.contains_key(t));
        watched.keys().cloned().collect()
    };
    for topic in topics {
        match state.admin.topic_status(&topic).await {
            Ok(queues) => {
                let total = queues.iter().map(|q| q.max_offset).sum();
                let p = Point {
                    t: now_ms(),
                    v: total,
                };
                Sampler::push(&mut sampler.series.lock().topics, &topic, p);
            }
            Err(e) => tracing::debug!(%topic, error = %e, "console: topic sample failed"),
        }
    }
    match state.admin.consumer_groups_summary().await {
        Ok(groups) => {
            let t = now_ms();
            let mut s = sampler.series.lock();
            s.groups
                .retain(|g, _| groups.iter().any(|x| x.group.as_str() == g.as_str()));
            for g in groups.iter().take(MAX_GROUPS) {
                let p = Point { t, v: g.diff_total };
                Sampler::push(&mut s.groups, &g.group, p);
            }
        }
        Err(e) => tracing::debug!(error = %e, "console: group sample failed"),
    }
}
