//! The producer load: `-w` senders sharing one [`Producer`], each sending one message (or
//! one batch) at a time in sync and one-way modes, or starting sends without waiting (up to
//! `--inflight` outstanding) in async mode. `-q` and `--rate` are shared by all senders
//! through atomic counters, so neither needs a lock.
//!
//! Per message, the loop builds the [`Message`] (topic, shared body, tag, key) and sends
//! it; latency goes into a lock-free histogram. Nothing else is allocated.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cometmq_client::producer::Producer;
use cometmq_client::Message;
use cometmq_remoting::message::property;
use tokio::sync::Semaphore;

use crate::args::SendMode;
use crate::stats::Side;
use crate::Stop;

/// What to send, and the limits shared by all senders.
pub struct Plan {
    pub topic: String,
    /// The body every message shares (a reference count, not a copy).
    pub body: Bytes,
    /// `tag0` … `tagN-1`; empty for no tag.
    pub tags: Vec<String>,
    pub keys: bool,
    pub batch: u64,
    pub mode: SendMode,
    pub senders: u64,
    pub inflight: u64,
    /// `-q`: messages to send in all.
    pub quantity: Option<u64>,
    claimed: AtomicU64,
    pacer: Option<Pacer>,
}

impl Plan {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        topic: String,
        size: usize,
        tag_count: u64,
        keys: bool,
        batch: u64,
        mode: SendMode,
        senders: u64,
        inflight: u64,
        quantity: Option<u64>,
        rate: Option<f64>,
    ) -> Plan {
        Plan {
            topic,
            body: body(size),
            tags: (0..tag_count).map(|i| format!("tag{i}")).collect(),
            keys,
            batch,
            mode,
            senders,
            inflight,
            quantity,
            claimed: AtomicU64::new(0),
            pacer: rate.map(Pacer::new),
        }
    }

    /// Up to `want` messages this sender may send now; 0 once `-q` is used up.
    fn claim(&self, want: u64) -> u64 {
        match self.quantity {
            None => want,
            Some(q) => {
                let before = self.claimed.fetch_add(want, Relaxed);
                q.saturating_sub(before).min(want)
            }
        }
    }

    /// Message `seq` of sender `sender`.
    fn message(&self, sender: u64, seq: u64) -> Message {
        let mut m = Message::new(self.topic.clone(), self.body.clone());
        let n = self.tags.len() as u64;
        if n > 0 {
            let tag = usize::try_from((sender + seq) % n)
                .ok()
                .and_then(|i| self.tags.get(i));
            if let Some(tag) = tag {
                m.properties.insert(property::TAGS, tag.clone());
            }
        }
        if self.keys {
            m.properties
                .insert(property::KEYS, format!("mqbench-{sender}-{seq}"));
        }
        m
    }
}

/// A body of `size` printable bytes that do not compress to nothing (bodies of 4 KiB and
/// more are compressed by the producer, as in Java).
fn body(size: usize) -> Bytes {
    let mut state: u32 = 0x2545_F491;
    (0..size)
        .map(|_| {
            // xorshift32: cheap, fixed, and not all one letter.
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            b'a' + (state % 26) as u8
        })
        .collect::<Vec<u8>>()
        .into()
}

/// `--rate`: message `k` (counted over all senders) is due at `start + k / rate`.
struct Pacer {
    start: Instant,
    nanos_per_msg: f64,
    next: AtomicU64,
}

impl Pacer {
    fn new(rate: f64) -> Pacer {
        Pacer {
            start: Instant::now(),
            nanos_per_msg: 1e9 / rate,
            next: AtomicU64::new(0),
        }
    }

    /// Waits until `n` more messages may go; false if stopped meanwhile.
    async fn wait(&self, n: u64, stop: &Stop) -> bool {
        let k = self.next.fetch_add(n, Relaxed);
        let due = self.start + Duration::from_nanos((k as f64 * self.nanos_per_msg) as u64);
        if due <= Instant::now() {
            return !stop.is_stopped();
        }
        tokio::select! {
            _ = tokio::time::sleep_until(due.into()) => !stop.is_stopped(),
            _ = stop.wait() => false,
        }
    }
}

/// Runs the load until `stop` or until `-q` messages were sent; returns how long it ran
/// (up to the last answer).
pub async fn run(producer: &Producer, plan: Arc<Plan>, stop: &Stop, side: &Arc<Side>) -> Duration {
    let started = Instant::now();
    let permits = Arc::new(Semaphore::new(
        usize::try_from(plan.inflight).unwrap_or(usize::MAX >> 4),
    ));
    let mut senders = Vec::new();
    for id in 0..plan.senders {
        let (producer, plan, stop, side) =
            (producer.clone(), plan.clone(), stop.clone(), side.clone());
        let permits = permits.clone();
        senders.push(tokio::spawn(async move {
            match plan.mode {
                SendMode::Async => async_sender(id, &producer, &plan, &stop, &side, &permits).await,
                SendMode::Sync | SendMode::Oneway => {
                    sender(id, &producer, &plan, &stop, &side).await
                }
            }
        }));
    }
    for s in senders {
        if let Err(e) = s.await {
            side.fail(0, &format!("a sender task died: {e}"));
        }
    }
    if plan.mode == SendMode::Async {
        // Every outstanding send holds a permit: taking them all waits for the last answer
        // (each send has its own timeout).
        let all = u32::try_from(plan.inflight).unwrap_or(u32::MAX);
        let _ = permits.acquire_many(all).await;
    }
    started.elapsed()
}

/// Sync and one-way: send, wait, repeat.
async fn sender(id: u64, producer: &Producer, plan: &Plan, stop: &Stop, side: &Side) {
    let mut seq = 0u64;
    while !stop.is_stopped() {
        let n = plan.claim(plan.batch);
        if n == 0 {
            break;
        }
        if let Some(p) = &plan.pacer {
            if !p.wait(n, stop).await {
                break;
            }
        }
        let begin = Instant::now();
        let result = if plan.batch > 1 {
            let msgs = (0..n).map(|i| plan.message(id, seq + i)).collect();
            producer.send_batch(msgs).await.map(drop)
        } else if plan.mode == SendMode::Oneway {
            producer.send_oneway(plan.message(id, seq)).await
        } else {
            producer.send(plan.message(id, seq)).await.map(drop)
        };
        seq += n;
        match result {
            Ok(()) => {
                side.latency.record_duration(begin.elapsed());
                side.ok.fetch_add(n, Relaxed);
            }
            Err(e) => {
                side.fail(n, &e);
            }
        }
    }
}

/// Async: start a send and go on; the send's own task records its outcome and gives its
/// permit back.
async fn async_sender(
    id: u64,
    producer: &Producer,
    plan: &Plan,
    stop: &Stop,
    side: &Arc<Side>,
    permits: &Arc<Semaphore>,
) {
    let mut seq = 0u64;
    while !stop.is_stopped() {
        let n = plan.claim(plan.batch);
        if n == 0 {
            break;
        }
        if let Some(p) = &plan.pacer {
            if !p.wait(n, stop).await {
                break;
            }
        }
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = stop.wait() => break,
        };
        let (producer, side) = (producer.clone(), side.clone());
        let batch = (plan.batch > 1).then(|| {
            (0..n)
                .map(|i| plan.message(id, seq + i))
                .collect::<Vec<_>>()
        });
        let single = batch.is_none().then(|| plan.message(id, seq));
        seq += n;
        tokio::spawn(async move {
            let begin = Instant::now();
            let result = match (batch, single) {
                (Some(msgs), _) => producer.send_batch(msgs).await.map(drop),
                (None, Some(m)) => producer.send(m).await.map(drop),
                (None, None) => Ok(()),
            };
            match result {
                Ok(()) => {
                    side.latency.record_duration(begin.elapsed());
                    side.ok.fetch_add(n, Relaxed);
                }
                Err(e) => {
                    side.fail(n, &e);
                }
            }
            drop(permit);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(quantity: Option<u64>, tags: u64, keys: bool) -> Plan {
        Plan::new(
            "T".into(),
            100,
            tags,
            keys,
            1,
            SendMode::Sync,
            4,
            16,
            quantity,
            None,
        )
    }

    #[test]
    fn quantity_is_shared_and_exact() {
        let p = plan(Some(10), 0, false);
        assert_eq!(p.claim(4), 4);
        assert_eq!(p.claim(4), 4);
        assert_eq!(p.claim(4), 2);
        assert_eq!(p.claim(4), 0);
        assert_eq!(p.claim(1), 0);
        assert_eq!(plan(None, 0, false).claim(32), 32);
    }

    #[test]
    fn messages_have_tags_keys_and_the_shared_body() {
        let p = plan(None, 3, true);
        let a = p.message(1, 0);
        let b = p.message(1, 1);
        assert_eq!(a.tags(), Some("tag1"));
        assert_eq!(b.tags(), Some("tag2"));
        assert_eq!(a.keys().collect::<Vec<_>>(), ["mqbench-1-0"]);
        assert_eq!(a.body.len(), 100);
        assert_eq!(
            a.body.as_ptr(),
            b.body.as_ptr(),
            "bodies are shared, not copied"
        );
        let plain = plan(None, 0, false).message(0, 0);
        assert_eq!(plain.tags(), None);
        assert_eq!(plain.keys().count(), 0);
        assert!(body(64).iter().all(u8::is_ascii_lowercase));
    }

    #[tokio::test]
    async fn pacer_spaces_messages() {
        let stop = Stop::new();
        let p = Pacer::new(1000.0);
        let begin = Instant::now();
        for _ in 0..20 {
            assert!(p.wait(1, &stop).await);
        }
        // Message 19 is due 19 ms after the start.
        assert!(begin.elapsed() >= Duration::from_millis(18));
        stop.stop();
        let slow = Pacer::new(0.001);
        assert!(!slow.wait(1, &stop).await, "stopped: due now, but not sent");
        assert!(
            !slow.wait(1, &stop).await,
            "stopped: due in 1000 s, no waiting"
        );
    }
}
