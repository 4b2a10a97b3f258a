//! `mqbench consumer --pop N`: N POP consumers ([`SimpleConsumer`]) of one group, each
//! popping batches (held by the broker up to `--suspend-ms`) and acking every batch with
//! one BATCH_ACK_MESSAGE: measures the broker's pop + checkpoint + ack path.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cometmq_client::consumer::SimpleConsumer;
use cometmq_client::instance::ClientConfig;

use crate::consumer::Target;
use crate::stats::Side;
use crate::Stop;

/// How long popped messages stay invisible: longer than any run's ack takes.
const INVISIBLE: Duration = Duration::from_secs(60);

/// What the POP consumers do.
pub struct PopPlan {
    pub namesrv: String,
    pub group: String,
    pub topic: String,
    pub filter: String,
    pub consumers: usize,
    pub batch: i32,
    pub hold: Duration,
}

fn now_us() -> u64 {
    u64::try_from(cometmq_client::clock::now_ms())
        .unwrap_or(0)
        .saturating_mul(1000)
}

/// Runs the consumers until `stop`; returns how long they ran.
pub async fn run(
    plan: Arc<PopPlan>,
    side: &Arc<Side>,
    target: &Arc<Target>,
    stop: &Stop,
) -> Duration {
    let begin = Instant::now();
    let tasks: Vec<_> = (0..plan.consumers)
        .map(|i| {
            let (plan, side, target, stop) =
                (plan.clone(), side.clone(), target.clone(), stop.clone());
            tokio::spawn(async move {
                let config = ClientConfig {
                    instance_name: format!("mqbench-pop-{i}"),
                    ..ClientConfig::new(plan.namesrv.clone())
                };
                let c = SimpleConsumer::new(config, &plan.group, &plan.topic, &plan.filter);
                consume(&c, &plan, &side, &target, &stop).await;
                c.shutdown().await;
            })
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
    begin.elapsed()
}

async fn consume(c: &SimpleConsumer, plan: &PopPlan, side: &Side, target: &Target, stop: &Stop) {
    while !stop.is_stopped() {
        let got = tokio::select! {
            r = c.receive_waiting(plan.batch, INVISIBLE, plan.hold) => r,
            _ = stop.wait() => break,
        };
        let msgs = match got {
            Ok(m) => m,
            Err(e) => {
                side.fail(1, &format!("POP_MESSAGE failed: {e}"));
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                    _ = stop.wait() => break,
                }
                continue;
            }
        };
        if msgs.is_empty() {
            continue;
        }
        if let Err(e) = c.batch_ack(&msgs).await {
            side.fail(1, &format!("BATCH_ACK_MESSAGE failed: {e}"));
        }
        let arrived = now_us();
        let counted = target.count(msgs.len() as u64, side);
        for m in msgs.iter().take(usize::try_from(counted).unwrap_or(0)) {
            let born = u64::try_from(m.message.born_timestamp)
                .unwrap_or(0)
                .saturating_mul(1000);
            side.latency.record(arrived.saturating_sub(born));
        }
        target.check(side, stop);
    }
}
