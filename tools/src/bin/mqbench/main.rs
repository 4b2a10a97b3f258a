//! `mqbench`: the load generator CometMQ's performance figures are measured with, modelled
//! on RocketMQ's benchmark Producer and Consumer (reference §14).
//!
//! ```text
//! mqbench producer -n 127.0.0.1:9876 -t BenchmarkTest -w 32 -s 1024 -d 30
//! mqbench consumer -n 127.0.0.1:9876 -t BenchmarkTest -g bench --from first -d 30
//! mqbench all      -n 127.0.0.1:9876 -t BenchmarkTest -w 8 -q 100000
//! ```
//!
//! Once a second it prints send TPS with latency (avg / p99 / max) and failures, and
//! consume TPS with end-to-end latency; at the end, one JSON summary line per side.
//! Consumers are the client's push consumer ([`push`]), or with `--pull-loop` mqbench's own
//! long-polling pull loop ([`consumer`]), or with `--pop N` N POP consumers ([`pop`]).
//! Errors are one line on stderr: exit code 2 for bad flags, 1 for everything else
//! (unreachable NameServer, unknown topic, messages missing in `all` mode).

mod args;
mod consumer;
mod output;
mod pop;
mod producer;
mod push;
mod stats;

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::error::ErrorKind;
use clap::Parser;
use cometmq_client::admin::{route_masters, Admin};
use cometmq_client::clock::now_ms;
use cometmq_client::consumer::{ConsumeFromWhere, PushConsumer};
use cometmq_client::instance::subscribe_queues;
use cometmq_client::instance::ClientConfig;
use cometmq_client::producer::Producer;
use cometmq_client::{ClientError, MessageQueue};
use cometmq_remoting::body::MASTER_ID;
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use tokio::sync::watch;

use args::{
    AllCmd, Cli, Command, Common, ConsumeOpts, ConsumerCmd, ProducerCmd, SendOpts, StartFrom,
};
use consumer::{PullPlan, QueueStart, Target};
use output::{Reporter, Summary, View};
use push::PushPlan;
use stats::Side;

/// A stop signal: cheap to check in a loop, and awaitable.
#[derive(Clone)]
pub struct Stop(Arc<(AtomicBool, watch::Sender<bool>)>);

impl Default for Stop {
    fn default() -> Self {
        Self::new()
    }
}

impl Stop {
    pub fn new() -> Self {
        Stop(Arc::new((
            AtomicBool::new(false),
            watch::Sender::new(false),
        )))
    }

    pub fn stop(&self) {
        self.0 .0.store(true, Ordering::SeqCst);
        self.0 .1.send_replace(true);
    }

    pub fn is_stopped(&self) -> bool {
        self.0 .0.load(Ordering::Relaxed)
    }

    /// Resolves once stopped.
    pub async fn wait(&self) {
        let mut rx = self.0 .1.subscribe();
        let _ = rx.wait_for(|s| *s).await;
    }

    /// Stops after `d`.
    fn after(&self, d: Duration) {
        let me = self.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(d) => me.stop(),
                _ = me.wait() => {}
            }
        });
    }
}

/// A failure: the one-line message and the exit code.
struct Failure(String, u8);

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        Failure(describe(&e), 1)
    }
}

type Outcome = std::result::Result<(), Failure>;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_failure(&e),
    };
    let common = match &cli.command {
        Command::Producer(c) => &c.common,
        Command::Consumer(c) => &c.common,
        Command::All(c) => &c.common,
    };
    if let Err(e) = common.client_tls() {
        return fail(&e.to_string(), 2);
    }
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = common.io_threads {
        rt.worker_threads(usize::try_from(n).unwrap_or(1));
    }
    let rt = match rt.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}"), 1),
    };
    let outcome = rt.block_on(async {
        match &cli.command {
            Command::Producer(c) => run_producer(c).await,
            Command::Consumer(c) => run_consumer(c).await,
            Command::All(c) => run_all(c).await,
        }
    });
    // Held pulls and heartbeats need not finish.
    rt.shutdown_timeout(Duration::from_millis(200));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(msg, code)) => fail(&msg, code),
    }
}

/// Help and version exit 0; anything else clap refuses is a one-line error, exit 2.
fn clap_failure(e: &clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(2)
        }
        _ => {
            let text = e.to_string();
            let first: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let first = first.join(" ");
            let first = first.strip_prefix("error: ").unwrap_or(&first);
            fail(&format!("{first} (see mqbench -h)"), 2)
        }
    }
}

/// `error: …` on one line.
fn fail(msg: &str, code: u8) -> ExitCode {
    eprintln!("error: {}", stats::one_line(msg));
    ExitCode::from(code)
}

/// The error with its causes on one line.
fn describe(e: &ClientError) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// `-n`, else `$NAMESRV_ADDR`.
fn namesrv(common: &Common) -> std::result::Result<String, Failure> {
    let ns = common
        .namesrv
        .clone()
        .or_else(|| std::env::var("NAMESRV_ADDR").ok())
        .unwrap_or_default();
    if ns.split(';').all(|a| a.trim().is_empty()) {
        return Err(Failure(
            "no NameServer address: use -n host:port or set NAMESRV_ADDR".into(),
            1,
        ));
    }
    Ok(ns)
}

/// Stops on Ctrl-C; returns the flag telling whether it happened.
fn on_ctrl_c(stop: &Stop) -> Arc<AtomicBool> {
    let hit = Arc::new(AtomicBool::new(false));
    let (stop, flag) = (stop.clone(), hit.clone());
    tokio::spawn(async move {
        tokio::select! {
            r = tokio::signal::ctrl_c() => {
                if r.is_ok() {
                    flag.store(true, Ordering::SeqCst);
                    stop.stop();
                }
            }
            _ = stop.wait() => {}
        }
    });
    hit
}

/// Runs the reporter until `done`, then hands it back for the summaries.
fn spawn_reporter(views: Vec<View>, done: &Stop) -> tokio::task::JoinHandle<Reporter> {
    let done = done.clone();
    tokio::spawn(async move {
        let mut r = Reporter::new(views);
        let mut every = tokio::time::interval(Duration::from_secs(1));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        every.tick().await;
        loop {
            tokio::select! {
                _ = every.tick() => r.tick(),
                _ = done.wait() => break,
            }
        }
        r.finish();
        r
    })
}

/// The `(name, master address)` pairs and the topic's route check, as one-line errors.
async fn topic_masters(
    admin: &Admin,
    topic: &str,
) -> std::result::Result<Option<(Vec<MessageQueue>, Vec<(String, String)>)>, Failure> {
    match admin.topic_route(topic).await {
        Ok(route) => Ok(Some((
            subscribe_queues(topic, &route),
            route_masters(&route),
        ))),
        Err(ClientError::NoRoute { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn unknown_topic(topic: &str, ns: &str) -> Failure {
    Failure(
        format!(
            "topic {topic} does not exist (no route on NameServer {ns}); create it first: \
             mqadmin updateTopic -n {ns} -t {topic} -c DefaultCluster"
        ),
        1,
    )
}

/// A started producer, checked against the topic (auto-created through `TBW102` if the
/// broker allows it, as RocketMQ's benchmark relies on).
async fn start_producer(
    common: &Common,
    send: &SendOpts,
    ns: &str,
) -> std::result::Result<(Producer, Vec<MessageQueue>), Failure> {
    let producer = Producer::builder(send.producer_group.clone())
        .client_config(client_config(ns, common))
        .send_timeout(common.timeout())
        .retry_times_when_send_failed(send.retries)
        .enable_msg_trace(common.msg_trace)
        .build()?;
    producer.start()?;
    match producer.publish_queues(&common.topic).await {
        Ok(q) if !q.is_empty() => Ok((producer, q)),
        Ok(_) | Err(ClientError::NoRoute { .. }) => {
            producer.shutdown().await;
            Err(unknown_topic(&common.topic, ns))
        }
        Err(e) => {
            producer.shutdown().await;
            Err(e.into())
        }
    }
}

fn producer_plan(common: &Common, send: &SendOpts) -> Arc<producer::Plan> {
    Arc::new(producer::Plan::new(
        common.topic.clone(),
        usize::try_from(send.size).unwrap_or(1),
        send.tags,
        send.keys,
        send.batch,
        send.mode(),
        send.threads,
        send.inflight,
        common.quantity,
        send.rate,
    ))
}

fn producer_extra(common: &Common, send: &SendOpts) -> Summary {
    let mut m = Summary::default();
    m.set("topic", common.topic.as_str())
        .set("send_mode", send.mode().name())
        .set("threads", send.threads)
        .set("size", send.size)
        .set("batch", send.batch);
    if let Some(r) = send.rate {
        m.set("rate", r);
    }
    m
}

fn consumer_extra(common: &Common, consume: &ConsumeOpts, queues: usize) -> Summary {
    let mut m = Summary::default();
    m.set("topic", common.topic.as_str())
        .set("group", consume.group.as_str())
        .set("filter", consume.filter.as_str())
        .set("queues", queues)
        .set("consumer", engine(consume));
    m
}

async fn run_producer(cmd: &ProducerCmd) -> Outcome {
    let ProducerCmd { common, send } = cmd;
    send.check().map_err(|m| Failure(m, 2))?;
    let ns = namesrv(common)?;
    let admin = Admin::with_tls(&ns, common.timeout(), tls(common))?;
    let checked = topic_masters(&admin, &common.topic).await;
    admin.shutdown().await;
    checked?;
    let (producer, _) = start_producer(common, send, &ns).await?;

    let stop = Stop::new();
    let interrupted = on_ctrl_c(&stop);
    if let Some(d) = common.duration() {
        stop.after(d);
    }
    let side = Arc::new(Side::default());
    let report_done = Stop::new();
    let reporter = spawn_reporter(vec![View::new(side.clone(), "send")], &report_done);
    let ran = producer::run(&producer, producer_plan(common, send), &stop, &side).await;
    stop.stop();
    report_done.stop();
    let mut reporter = reporter
        .await
        .map_err(|e| Failure(format!("reporter failed: {e}"), 1))?;
    producer.shutdown().await;
    let Some(view) = reporter.views.first_mut() else {
        return Err(Failure("no producer view".into(), 1));
    };
    let lat = view.finish();
    let mut extra = producer_extra(common, send);
    extra.set("interrupted", interrupted.load(Ordering::SeqCst));
    output::print_summary(&output::producer_summary(&side, lat, ran, extra));
    Ok(())
}

/// Where each queue starts.
async fn queue_starts(
    admin: &Admin,
    queues: &[MessageQueue],
    addr_of: impl Fn(&str) -> Option<String>,
    from: StartFrom,
    topic_exists: bool,
    drain: bool,
) -> std::result::Result<Vec<QueueStart>, Failure> {
    let mut out = Vec::with_capacity(queues.len());
    for mq in queues {
        let addr = addr_of(&mq.broker_name).ok_or_else(|| {
            Failure(
                format!(
                    "no master address for broker {} of topic {}",
                    mq.broker_name, mq.topic
                ),
                1,
            )
        })?;
        let (offset, end) = if !topic_exists {
            (0, drain.then_some(0))
        } else {
            let max = admin.max_offset(&addr, mq).await?;
            let offset = match from {
                StartFrom::First => admin.min_offset(&addr, mq).await?,
                StartFrom::Last => max,
            };
            (offset, drain.then_some(max))
        };
        out.push(QueueStart {
            mq: mq.clone(),
            addr,
            offset,
            end,
        });
    }
    Ok(out)
}

fn pull_client(common: &Common) -> Arc<RemotingClient> {
    Arc::new(RemotingClient::new(TransportConfig {
        tls_client: tls(common),
        ..TransportConfig::default()
    }))
}

/// The client TLS of the flags (checked at start, so an error here cannot happen).
fn tls(common: &Common) -> Option<cometmq_remoting::tls::ClientTls> {
    common.client_tls().ok().flatten()
}

/// The client settings of the producer and the push consumer.
fn client_config(ns: &str, common: &Common) -> ClientConfig {
    let mut config = ClientConfig::new(ns);
    config.transport.tls_client = tls(common);
    config
}

fn pull_plan(common: &Common, consume: &ConsumeOpts) -> Arc<PullPlan> {
    Arc::new(PullPlan::new(
        consume.group.clone(),
        consume.filter.clone(),
        consume.pull_batch,
        Duration::from_millis(consume.suspend_ms),
        common.timeout(),
    ))
}

/// The push consumer's settings for `consume`.
fn push_plan(
    ns: &str,
    common: &Common,
    consume: &ConsumeOpts,
    from: ConsumeFromWhere,
    from_ms: Option<i64>,
    min_born_ms: i64,
) -> PushPlan {
    PushPlan {
        client: client_config(ns, common),
        group: consume.group.clone(),
        topic: common.topic.clone(),
        filter: consume.filter.clone(),
        from,
        from_ms,
        min_born_ms,
        pull_batch: consume.pull_batch,
        consume_batch: usize::try_from(consume.consume_batch).unwrap_or(1),
        consume_threads: usize::try_from(consume.consume_threads).unwrap_or(20),
        msg_trace: common.msg_trace,
    }
}

fn engine(consume: &ConsumeOpts) -> &'static str {
    if consume.pop > 0 {
        "pop"
    } else if consume.pull_loop {
        "pull-loop"
    } else {
        "push"
    }
}

/// The push consumer resumes from the group's committed offsets: where they exist, they
/// are where the backlog starts.
async fn resume_from_committed(admin: &Admin, group: &str, topic: &str, starts: &mut [QueueStart]) {
    let Ok(committed) = admin.group_offsets(group, topic).await else {
        return; // a new group
    };
    for q in starts {
        if let Some(&c) = committed.get(&q.mq) {
            if c > 0 {
                q.offset = c;
            }
        }
    }
}

async fn run_consumer(cmd: &ConsumerCmd) -> Outcome {
    let ConsumerCmd { common, consume } = cmd;
    let ns = namesrv(common)?;
    let admin = Admin::with_tls(&ns, common.timeout(), tls(common))?;
    let starts = async {
        let Some((queues, masters)) = topic_masters(&admin, &common.topic).await? else {
            return Err(unknown_topic(&common.topic, &ns));
        };
        let addr_of = |name: &str| {
            masters
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, a)| a.clone())
        };
        let mut starts =
            queue_starts(&admin, &queues, addr_of, consume.from, true, consume.drain).await?;
        if consume.drain && !consume.pull_loop {
            resume_from_committed(&admin, &consume.group, &common.topic, &mut starts).await;
        }
        Ok(starts)
    }
    .await;
    admin.shutdown().await;
    let starts = starts?;
    if starts.is_empty() {
        return Err(Failure(
            format!("topic {} has no readable queue", common.topic),
            1,
        ));
    }
    let n_queues = starts.len();
    let backlog: i64 = starts
        .iter()
        .map(|q| q.end.unwrap_or(0).saturating_sub(q.offset).max(0))
        .sum();

    let stop = Stop::new();
    let interrupted = on_ctrl_c(&stop);
    let side = Arc::new(Side::default());
    let target = Arc::new(Target::new(common.quantity));
    if consume.drain && consume.pull_loop {
        target.drain(starts.iter().filter(|q| q.has_backlog()).count(), &stop);
    }
    let begin = Instant::now();
    let push = if consume.pull_loop || consume.pop > 0 || stop.is_stopped() {
        None
    } else {
        // A broker may hand a new group a young queue from offset 0 even when told "last"
        // (RocketMQ does so while the queue's first message is in memory): from the end
        // therefore also means counting only messages born from now on.
        let (from, min_born) = match consume.from {
            StartFrom::First => (ConsumeFromWhere::FirstOffset, 0),
            StartFrom::Last => (ConsumeFromWhere::LastOffset, now_ms()),
        };
        let plan = push_plan(&ns, common, consume, from, None, min_born);
        let consumer = push::start(&plan, &side, &target, &stop).await?;
        if consume.drain {
            let ends: Vec<(MessageQueue, i64)> = starts
                .iter()
                .filter(|q| q.has_backlog())
                .filter_map(|q| Some((q.mq.clone(), q.end?)))
                .collect();
            let (c, stop) = (consumer.clone(), stop.clone());
            tokio::spawn(async move { push::watch_drain(&c, &ends, &stop).await });
        }
        Some(consumer)
    };
    if let Some(d) = common.duration() {
        stop.after(d);
    }
    let report_done = Stop::new();
    let reporter = spawn_reporter(vec![View::new(side.clone(), "recv")], &report_done);
    let ran = match push {
        Some(consumer) => {
            stop.wait().await;
            let ran = begin.elapsed();
            consumer.shutdown().await;
            ran
        }
        None if consume.pop > 0 => {
            let plan = Arc::new(pop::PopPlan {
                namesrv: ns.clone(),
                group: consume.group.clone(),
                topic: common.topic.clone(),
                filter: consume.filter.clone(),
                consumers: usize::try_from(consume.pop).unwrap_or(1),
                batch: consume.pull_batch.min(32),
                hold: Duration::from_millis(consume.suspend_ms),
            });
            pop::run(plan, &side, &target, &stop).await
        }
        None => {
            let client = pull_client(common);
            let plan = pull_plan(common, consume);
            let ran = consumer::run(client.clone(), starts, plan, &stop, &side, &target).await;
            client.shutdown().await;
            ran
        }
    };
    report_done.stop();
    let mut reporter = reporter
        .await
        .map_err(|e| Failure(format!("reporter failed: {e}"), 1))?;
    let Some(view) = reporter.views.first_mut() else {
        return Err(Failure("no consumer view".into(), 1));
    };
    let lat = view.finish();
    let mut extra = consumer_extra(common, consume, n_queues);
    if consume.drain {
        extra.set("backlog", backlog);
    }
    extra.set("interrupted", interrupted.load(Ordering::SeqCst));
    output::print_summary(&output::consumer_summary(&side, lat, ran, extra));
    Ok(())
}

/// The consumer side of `all`: a push consumer, or the pull loop.
enum Receiver {
    Push(PushConsumer),
    PullLoop(tokio::task::JoinHandle<Duration>, Arc<RemotingClient>),
}

async fn run_all(cmd: &AllCmd) -> Outcome {
    let AllCmd {
        common,
        send,
        consume,
        drain_timeout,
    } = cmd;
    send.check().map_err(|m| Failure(m, 2))?;
    if consume.pop > 0 {
        return Err(Failure("all: --pop is for `mqbench consumer`".into(), 2));
    }
    if consume.from == StartFrom::First || consume.drain {
        return Err(Failure(
            "all: the consumer starts where the producer starts so that counts can match; \
             drop --from first and --drain (use `mqbench consumer --from first --drain` for a \
             backlog)"
                .into(),
            2,
        ));
    }
    if !consumer::tag_set(&consume.filter).is_empty() {
        return Err(Failure(
            "all: a tag filter (-e) would make the counts differ; use it with `mqbench consumer`"
                .into(),
            2,
        ));
    }
    let ns = namesrv(common)?;
    let admin = Admin::with_tls(&ns, common.timeout(), tls(common))?;
    let route = match topic_masters(&admin, &common.topic).await {
        Ok(r) => r,
        Err(e) => {
            admin.shutdown().await;
            return Err(e);
        }
    };
    let (producer, publish) = match start_producer(common, send, &ns).await {
        Ok(p) => p,
        Err(e) => {
            admin.shutdown().await;
            return Err(e);
        }
    };
    // The queues to consume: the route's, or for a topic the first send creates, the
    // queues the producer will send to.
    let exists = route.is_some();
    let (queues, masters) = route.unwrap_or_else(|| {
        let instance = producer.instance().clone();
        let masters = publish
            .iter()
            .filter_map(|q| {
                let a = instance.find_broker_addr(&q.broker_name, MASTER_ID, true)?;
                Some((q.broker_name.clone(), a))
            })
            .collect();
        (publish.clone(), masters)
    });
    let addr_of = |name: &str| {
        masters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, a)| a.clone())
    };
    let starts = if consume.pull_loop {
        queue_starts(&admin, &queues, addr_of, StartFrom::Last, exists, false).await
    } else {
        Ok(Vec::new())
    };
    admin.shutdown().await;
    let starts = match starts {
        Ok(s) => s,
        Err(e) => {
            producer.shutdown().await;
            return Err(e);
        }
    };
    let n_queues = queues.len();

    let send_stop = Stop::new();
    let recv_stop = Stop::new();
    let interrupted = on_ctrl_c(&send_stop);
    {
        // Ctrl-C stops both sides.
        let (s, r) = (send_stop.clone(), recv_stop.clone());
        let flag = interrupted.clone();
        tokio::spawn(async move {
            s.wait().await;
            if flag.load(Ordering::SeqCst) {
                r.stop();
            }
        });
    }
    let sent_side = Arc::new(Side::default());
    let recv_side = Arc::new(Side::default());
    let target = Arc::new(Target::new(None));
    let recv_begin = Instant::now();
    let receiver = if consume.pull_loop {
        let (client, plan, stop, side, target) = (
            pull_client(common),
            pull_plan(common, consume),
            recv_stop.clone(),
            recv_side.clone(),
            target.clone(),
        );
        let c = client.clone();
        Receiver::PullLoop(
            tokio::spawn(
                async move { consumer::run(c, starts, plan, &stop, &side, &target).await },
            ),
            client,
        )
    } else {
        // Messages stored from now on, whatever the group committed before; and only those
        // born from now on are counted.
        let now = now_ms();
        let plan = push_plan(
            &ns,
            common,
            consume,
            ConsumeFromWhere::Timestamp,
            Some(now),
            now,
        );
        let consumer = match push::start(&plan, &recv_side, &target, &recv_stop).await {
            Ok(c) => c,
            Err(e) => {
                producer.shutdown().await;
                return Err(e.into());
            }
        };
        if exists {
            // Hold the queues before sending, so the first messages are not kept waiting.
            let _ = tokio::time::timeout(
                Duration::from_secs(10),
                push::until_assigned(&consumer, &plan, &recv_stop),
            )
            .await;
        } else {
            let (c, stop) = (consumer.clone(), recv_stop.clone());
            tokio::spawn(async move { push::until_assigned(&c, &plan, &stop).await });
        }
        Receiver::Push(consumer)
    };
    if let Some(d) = common.duration() {
        send_stop.after(d);
    }
    let report_done = Stop::new();
    let reporter = spawn_reporter(
        vec![
            View::new(sent_side.clone(), "send"),
            View::new(recv_side.clone(), "recv"),
        ],
        &report_done,
    );
    let plan = producer_plan(common, send);
    let sent_for = producer::run(&producer, plan, &send_stop, &sent_side).await;
    send_stop.stop();
    let sent = sent_side.ok.load(Ordering::SeqCst);
    let oneway = send.mode() == args::SendMode::Oneway;
    if !interrupted.load(Ordering::SeqCst) {
        // Oneway sends are not acknowledged: count what arrives within the timeout.
        target.expect(if oneway { u64::MAX } else { sent }, &recv_side, &recv_stop);
        recv_stop.after(Duration::from_secs_f64(*drain_timeout));
    }
    let recv_for = match receiver {
        Receiver::Push(consumer) => {
            recv_stop.wait().await;
            let ran = recv_begin.elapsed();
            consumer.shutdown().await;
            ran
        }
        Receiver::PullLoop(task, client) => {
            let ran = task.await.unwrap_or_default();
            client.shutdown().await;
            ran
        }
    };
    report_done.stop();
    let mut reporter = reporter
        .await
        .map_err(|e| Failure(format!("reporter failed: {e}"), 1))?;
    producer.shutdown().await;
    let [send_view, recv_view] = reporter.views.as_mut_slice() else {
        return Err(Failure("missing views".into(), 1));
    };
    let send_lat = send_view.finish();
    let recv_lat = recv_view.finish();
    let was_interrupted = interrupted.load(Ordering::SeqCst);
    let mut extra = producer_extra(common, send);
    extra.set("interrupted", was_interrupted);
    output::print_summary(&output::producer_summary(
        &sent_side, send_lat, sent_for, extra,
    ));
    let received = recv_side.ok.load(Ordering::SeqCst);
    let mut extra = consumer_extra(common, consume, n_queues);
    extra.set("expected", sent);
    extra.set("interrupted", was_interrupted);
    output::print_summary(&output::consumer_summary(
        &recv_side, recv_lat, recv_for, extra,
    ));
    if !was_interrupted && !oneway && received < sent {
        return Err(Failure(
            format!(
                "the consumer received {received} of the {sent} messages sent within the \
                 drain timeout ({drain_timeout} s)"
            ),
            1,
        ));
    }
    Ok(())
}
