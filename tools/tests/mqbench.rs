//! `mqbench` against a real NameServer and broker (in-process, temp store, port 0): the
//! binary runs for a few seconds and its JSON summaries must add up — every sent message
//! received, the broker's queues holding exactly what was sent, no failures. No timing
//! thresholds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cometmq_client::admin::{Admin, BrokerTarget};
use cometmq_client::instance::subscribe_queues;
use cometmq_remoting::body::TopicConfig;
use common::{Cluster, Run, CLUSTER};
use serde_json::Value;

/// Runs the `mqbench` binary with `args` (no NAMESRV_ADDR in its environment).
async fn mqbench(args: &[&str]) -> Run {
    mqbench_env(args, None).await
}

async fn mqbench_env(args: &[&str], ns_env: Option<&str>) -> Run {
    let bin = env!("CARGO_BIN_EXE_mqbench");
    common::run(bin, args, ns_env, Duration::from_secs(180)).await
}

/// The JSON summary line of `mode`.
fn summary(run: &Run, mode: &str) -> Value {
    run.stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .find(|v| v["mode"] == mode)
        .unwrap_or_else(|| panic!("no {mode} summary in {}\n{}", run.stdout, run.stderr))
}

fn u(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is not a count in {v}"))
}

/// Messages stored in `topic`: the sum of GET_MAX_OFFSET over its queues.
async fn stored(c: &Cluster, topic: &str) -> u64 {
    let admin = c.admin();
    let route = admin.topic_route(topic).await.unwrap();
    let mut total = 0;
    for mq in subscribe_queues(topic, &route) {
        total += admin.max_offset(&c.broker_addr, &mq).await.unwrap() as u64;
    }
    admin.shutdown().await;
    total
}

/// Asserts that `topic` holds exactly `expected` messages, once the broker's dispatch
/// (CommitLog → consume queues, which trails the send answer) has caught up (bounded).
async fn assert_stored(c: &Cluster, topic: &str, expected: u64) {
    let mut now = stored(c, topic).await;
    for _ in 0..250 {
        if now >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        now = stored(c, topic).await;
    }
    assert_eq!(now, expected, "messages stored in {topic}");
}

async fn create_topic(admin: &Admin, topic: &str, queues: i32) {
    admin
        .create_topic(
            &BrokerTarget::Cluster(CLUSTER.into()),
            &TopicConfig::new(topic, queues),
        )
        .await
        .unwrap();
    for _ in 0..300 {
        if admin.topic_route(topic).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no route for {topic}");
}

/// Asserts a clean `all` run and returns (producer, consumer) summaries.
fn clean_all_run(run: &Run) -> (Value, Value) {
    run.ok();
    let p = summary(run, "producer");
    let c = summary(run, "consumer");
    assert_eq!(u(&p, "failed"), 0, "{p}");
    assert_eq!(u(&c, "failed"), 0, "{c}");
    assert!(p.get("first_error").is_none(), "{p}");
    let sent = u(&p, "sent");
    assert!(sent > 0, "{p}");
    assert!(
        u(&c, "received") >= sent,
        "every sent message is received: {p} {c}"
    );
    assert_eq!(u(&c, "expected"), sent);
    for k in ["tps", "avg_ms", "p50_ms", "p99_ms", "max_ms", "duration_s"] {
        assert!(p[k].as_f64().is_some(), "{k} in {p}");
    }
    for k in [
        "tps",
        "e2e_avg_ms",
        "e2e_p99_ms",
        "e2e_max_ms",
        "duration_s",
    ] {
        assert!(c[k].as_f64().is_some(), "{k} in {c}");
    }
    assert!(p["p99_ms"].as_f64() <= p["max_ms"].as_f64(), "{p}");
    (p, c)
}

/// Runs `mqbench -n <ns>` with the whitespace-separated `args` (the mode first).
async fn bench(c: &Cluster, args: &str) -> Run {
    let mut all: Vec<&str> = args.split_whitespace().collect();
    all.splice(1..1, ["-n", c.namesrv_addr.as_str()]);
    mqbench(&all).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_mode_counts_match_for_a_few_seconds_of_sync_sends() {
    let c = Cluster::start().await;
    let admin = c.admin();
    create_topic(&admin, "BenchSync", 8).await;
    admin.shutdown().await;
    // The client's push consumer (the default).
    let run = bench(&c, "all -t BenchSync -w 8 -s 512 -l 3 -k -d 3").await;
    let (p, c_sum) = clean_all_run(&run);
    assert_eq!(p["send_mode"], "sync");
    assert_eq!(c_sum["queues"], 8);
    assert_eq!(c_sum["consumer"], "push");
    // Piped output: plain per-second lines, no terminal control codes.
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with('[') && l.contains("msg/s")),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains('\r') && !run.stdout.contains('\x1b'));
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    // The broker holds exactly what the producer says it sent.
    let first = u(&p, "sent");
    assert_stored(&c, "BenchSync", first).await;
    // Again with the same group, now with committed offsets: only the new run counts.
    let run = bench(&c, "all -t BenchSync -w 4 -q 500").await;
    let (p, _) = clean_all_run(&run);
    assert_eq!(u(&p, "sent"), 500);
    // mqbench's own pull loop.
    let run = bench(&c, "all -t BenchSync -w 4 -q 700 --pull-loop").await;
    let (_, c_sum) = clean_all_run(&run);
    assert_eq!(c_sum["consumer"], "pull-loop");
    assert_stored(&c, "BenchSync", first + 1200).await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_mode_with_batches_async_sends_and_an_auto_created_topic() {
    let c = Cluster::start().await;
    // Batches of 16, sync: the topic does not exist and is created through TBW102; the
    // push consumer picks its queues up once it exists.
    let run = bench(&c, "all -t BenchBatch -w 4 -b 16 -q 2000").await;
    let (p, _) = clean_all_run(&run);
    assert_eq!(u(&p, "sent"), 2000);
    assert_eq!(p["batch"], 16);
    assert_stored(&c, "BenchBatch", 2000).await;
    // Async sends, rate-limited, on the same topic (now with a route).
    let run = bench(
        &c,
        "all -t BenchBatch -w 2 -y async --inflight 64 --rate 2000 -q 1500",
    )
    .await;
    let (p, _) = clean_all_run(&run);
    assert_eq!(p["send_mode"], "async");
    assert_eq!(u(&p, "sent"), 1500);
    assert_stored(&c, "BenchBatch", 3500).await;
    // The pull loop on a topic that does not exist yet.
    let run = bench(&c, "all -t BenchBatch2 -w 2 -b 8 -q 800 --pull-loop").await;
    let (p, _) = clean_all_run(&run);
    assert_stored(&c, "BenchBatch2", u(&p, "sent")).await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producer_then_consumer_drains_the_backlog() {
    let c = Cluster::start().await;
    let admin = c.admin();
    create_topic(&admin, "BenchBacklog", 4).await;
    admin.shutdown().await;
    let run = bench(&c, "producer -t BenchBacklog -w 4 -s 1024 -q 3000").await;
    run.ok();
    let p = summary(&run, "producer");
    assert_eq!(u(&p, "sent"), 3000);
    assert_eq!(u(&p, "failed"), 0);
    assert_stored(&c, "BenchBacklog", 3000).await;

    // The backlog, from the first message, with NAMESRV_ADDR instead of -n.
    let run = mqbench_env(
        &[
            "consumer",
            "-t",
            "BenchBacklog",
            "-g",
            "bench_g",
            "--from",
            "first",
            "--drain",
            "-d",
            "60",
        ],
        Some(&c.namesrv_addr),
    )
    .await;
    run.ok();
    let s = summary(&run, "consumer");
    assert!(u(&s, "received") >= 3000, "{s}");
    assert_eq!(u(&s, "backlog"), 3000, "{s}");
    assert_eq!(u(&s, "failed"), 0, "{s}");
    assert_eq!(s["group"], "bench_g");
    assert!(s["e2e_p99_ms"].as_f64().is_some(), "{s}");
    // The push consumer persisted the group's offsets on shutdown.
    let admin = c.admin();
    let progress = admin
        .consumer_progress("bench_g", Some("BenchBacklog"), false)
        .await
        .unwrap();
    assert_eq!(progress.diff_total, 0, "{progress:?}");
    // Draining again: the group resumes at the end, nothing left.
    let run = bench(
        &c,
        "consumer -t BenchBacklog -g bench_g --from first --drain -d 60",
    )
    .await;
    run.ok();
    let s = summary(&run, "consumer");
    assert_eq!((u(&s, "backlog"), u(&s, "received")), (0, 0), "{s}");

    // The pull loop drains exactly the backlog and commits where it ended.
    let run = bench(
        &c,
        "consumer -t BenchBacklog -g bench_p --from first --drain --pull-loop -d 60",
    )
    .await;
    run.ok();
    let s = summary(&run, "consumer");
    assert_eq!(u(&s, "received"), 3000, "{s}");
    assert_eq!(s["consumer"], "pull-loop");
    let progress = admin
        .consumer_progress("bench_p", Some("BenchBacklog"), false)
        .await
        .unwrap();
    assert_eq!(progress.diff_total, 0, "{progress:?}");
    let committed: i64 = progress.queues.iter().map(|q| q.consumer_offset).sum();
    assert_eq!(committed, 3000);
    admin.shutdown().await;

    // -q stops after (and counts no more than) that many, with either consumer.
    for extra in ["", "--pull-loop"] {
        let run = bench(
            &c,
            &format!(
                "consumer -t BenchBacklog -g bench_q{extra} --from first -q 1000 -d 60 {extra}"
            ),
        )
        .await;
        run.ok();
        assert_eq!(u(&summary(&run, "consumer"), "received"), 1000, "{extra}");
    }
    // Consumed from the end: nothing new arrives in a short run.
    let run = bench(&c, "consumer -t BenchBacklog -g bench_last -d 1").await;
    run.ok();
    assert_eq!(u(&summary(&run, "consumer"), "received"), 0);

    // A tag filter only lets matching messages through (one sender: tags exactly
    // round-robin), and --drain still ends: offsets move past the other tags.
    let run = bench(&c, "producer -t BenchBacklog -w 1 -l 4 -q 400").await;
    run.ok();
    for extra in ["", "--pull-loop"] {
        let run = bench(
            &c,
            &format!(
                "consumer -t BenchBacklog -g bench_tag{extra} --from first -e tag1||tag2 \
                 --drain -d 60 {extra}"
            ),
        )
        .await;
        run.ok();
        let s = summary(&run, "consumer");
        assert_eq!(u(&s, "received"), 200, "{extra}: {s}");
        assert!(
            s["duration_s"].as_f64().unwrap() < 60.0,
            "{extra}: drained, not timed out: {s}"
        );
    }
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_one_line_with_a_nonzero_exit() {
    // Unreachable NameServer.
    let run = mqbench(&["producer", "-n", "127.0.0.1:1", "-d", "1"]).await;
    run.fails(1, &["127.0.0.1:1", "unreachable"]);
    assert!(run.stdout.is_empty());
    mqbench(&["consumer", "-n", "127.0.0.1:1", "-d", "1"])
        .await
        .fails(1, &["127.0.0.1:1"]);
    // No NameServer at all.
    mqbench(&["producer", "-d", "1"])
        .await
        .fails(1, &["NAMESRV_ADDR"]);
    // Bad flags.
    mqbench(&["producer", "-x"]).await.fails(2, &["'-x'"]);
    mqbench(&["producer", "-w", "zero"])
        .await
        .fails(2, &["zero"]);
    mqbench(&["producer", "-y", "maybe"])
        .await
        .fails(2, &["maybe"]);
    mqbench(&["producer", "-b", "4", "--oneway", "-n", "h:1"])
        .await
        .fails(2, &["one-way"]);
    mqbench(&["all", "-n", "h:1", "-e", "tagA"])
        .await
        .fails(2, &["filter"]);
    mqbench(&["nosuchmode"]).await.fails(2, &["nosuchmode"]);
    let help = mqbench(&["producer", "-h"]).await;
    help.ok();
    assert!(help.stdout.contains("--threads") && help.stdout.contains("--rate"));

    // Unknown topic: the consumer needs one that exists.
    let c = Cluster::start().await;
    mqbench(&[
        "consumer",
        "-n",
        &c.namesrv_addr,
        "-t",
        "NoSuchTopic",
        "-d",
        "1",
    ])
    .await
    .fails(1, &["NoSuchTopic", "does not exist"]);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producer_refuses_an_unknown_topic_without_auto_creation() {
    // A broker that does not create topics on the first send (no TBW102).
    let c = Cluster::start_with(|cfg| cfg.auto_create_topic_enable = false).await;
    for mode in ["producer", "all"] {
        mqbench(&[mode, "-n", &c.namesrv_addr, "-t", "NotCreated", "-d", "1"])
            .await
            .fails(1, &["NotCreated", "does not exist", "updateTopic"]);
    }
    c.stop().await;
}
