//! Command-line flags, named after RocketMQ's benchmark tools where they have one
//! (`-t` topic, `-w` threads, `-s` size, `-k` keys, `-l` tag count, `-q` quantity, `-y`
//! async, `-n` NameServer; `-g` group and `-e` filter for the consumer).

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Load generator for RocketMQ / CometMQ: sends and consumes messages and reports
/// throughput and latency once a second, then one JSON summary line per side.
#[derive(Parser, Debug)]
#[command(name = "mqbench", version, arg_required_else_help = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Send messages: TPS, send latency (avg / p99 / max) and failures.
    Producer(ProducerCmd),
    /// Consume a topic: TPS and end-to-end latency (now − born time).
    Consumer(ConsumerCmd),
    /// Send and consume in one process; checks that every sent message is received.
    All(AllCmd),
}

#[derive(Args, Debug)]
pub struct ProducerCmd {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub send: SendOpts,
}

#[derive(Args, Debug)]
pub struct ConsumerCmd {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub consume: ConsumeOpts,
}

#[derive(Args, Debug)]
pub struct AllCmd {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub send: SendOpts,
    #[command(flatten)]
    pub consume: ConsumeOpts,
    /// After the producer stops, wait at most this long for the consumer to receive every
    /// sent message.
    #[arg(long = "drain-timeout", value_name = "SECONDS", default_value_t = 30.0,
          value_parser = positive_secs)]
    pub drain_timeout: f64,
}

/// Flags of every mode.
#[derive(Args, Debug)]
pub struct Common {
    /// NameServer address(es), `host:port;host:port` (default: $NAMESRV_ADDR).
    #[arg(short = 'n', long = "namesrv", visible_alias = "namesrvAddr")]
    pub namesrv: Option<String>,
    /// Topic.
    #[arg(short = 't', long = "topic", default_value = "BenchmarkTest")]
    pub topic: String,
    /// Stop after this many seconds (default: run until -q is reached, or Ctrl-C).
    #[arg(short = 'd', long = "duration", value_name = "SECONDS", value_parser = positive_secs)]
    pub duration: Option<f64>,
    /// Stop after this many messages (producer: sent; consumer: received).
    #[arg(short = 'q', long = "quantity", value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub quantity: Option<u64>,
    /// Request timeout in milliseconds (a send, retries included; NameServer requests).
    #[arg(long = "timeout-ms", default_value_t = 3000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout_ms: u64,
    /// Runtime worker threads (default: one per core).
    #[arg(long = "io-threads", value_parser = clap::value_parser!(u64).range(1..=256))]
    pub io_threads: Option<u64>,
    /// Connect with TLS (Java's -Dtls.enable=true): the tls.client.* keys of
    /// --tls-config-file (default /etc/rocketmq/tls.properties when it exists), else any
    /// server trusted.
    #[arg(long = "tls")]
    pub tls: bool,
    /// The TLS properties file (Java's tls.config.file); implies --tls.
    #[arg(long = "tls-config-file", value_name = "PATH")]
    pub tls_config_file: Option<std::path::PathBuf>,
    /// Write message traces (the producer's Pub, the push consumer's SubBefore/SubAfter
    /// records) to RMQ_SYS_TRACE_TOPIC, as RocketMQ's `enableMsgTrace`.
    #[arg(long = "msg-trace", visible_alias = "msgTraceEnable")]
    pub msg_trace: bool,
}

impl Common {
    pub fn duration(&self) -> Option<Duration> {
        self.duration.map(Duration::from_secs_f64)
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// The client TLS of --tls / --tls-config-file, `None` without them.
    pub fn client_tls(
        &self,
    ) -> Result<Option<cometmq_remoting::tls::ClientTls>, cometmq_remoting::tls::TlsSetupError>
    {
        if !self.tls && self.tls_config_file.is_none() {
            return Ok(None);
        }
        cometmq_remoting::tls::ClientTls::from_config_file(self.tls_config_file.as_deref())
            .map(Some)
    }
}

/// How the producer sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SendMode {
    /// Each sender waits for the broker's answer before sending again.
    Sync,
    /// Sends are started without waiting; at most --inflight are outstanding.
    Async,
    /// Fire and forget: no answer, no retry (latency = time to hand to the connection).
    Oneway,
}

impl SendMode {
    pub fn name(self) -> &'static str {
        match self {
            SendMode::Sync => "sync",
            SendMode::Async => "async",
            SendMode::Oneway => "oneway",
        }
    }
}

/// `-y`: a mode name, or RocketMQ's `asyncEnable` boolean.
fn send_mode(s: &str) -> Result<SendMode, String> {
    match s.to_ascii_lowercase().as_str() {
        "sync" | "false" => Ok(SendMode::Sync),
        "async" | "true" => Ok(SendMode::Async),
        "oneway" => Ok(SendMode::Oneway),
        _ => Err(format!(
            "'{s}' is not a send mode (sync, async, oneway, true or false)"
        )),
    }
}

fn positive_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v < 1e9 => Ok(v),
        _ => Err(format!("'{s}' is not a positive number of seconds")),
    }
}

fn positive_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("'{s}' is not a positive rate")),
    }
}

/// Producer flags.
#[derive(Args, Debug)]
pub struct SendOpts {
    /// Concurrent senders (RocketMQ's threadCount).
    #[arg(short = 'w', long = "threads", visible_alias = "threadCount", default_value_t = 64,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub threads: u64,
    /// Message body size in bytes.
    #[arg(short = 's', long = "size", visible_alias = "messageSize", default_value_t = 128,
          value_parser = clap::value_parser!(u64).range(1..=4 * 1024 * 1024))]
    pub size: u64,
    /// Number of distinct tags (tag0 … tagN-1, round-robin); 0 sends no tag.
    #[arg(short = 'l', long = "tags", visible_alias = "tagCount", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=100_000))]
    pub tags: u64,
    /// Give every message a key (`mqbench-<sender>-<seq>`), which the broker indexes.
    #[arg(short = 'k', long = "keys", visible_alias = "keyEnable", num_args = 0..=1,
          default_value_t = false, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub keys: bool,
    /// Messages per request: 1 sends one by one, more uses SEND_BATCH_MESSAGE.
    #[arg(short = 'b', long = "batch", visible_alias = "batchSize", default_value_t = 1,
          value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub batch: u64,
    /// Send mode: sync, async or oneway (`true`/`false` as RocketMQ's asyncEnable).
    #[arg(short = 'y', long = "mode", value_parser = send_mode, default_value = "sync",
          conflicts_with = "oneway")]
    pub mode: SendMode,
    /// Same as `-y oneway`.
    #[arg(long = "oneway")]
    pub oneway: bool,
    /// Async mode: most sends outstanding at once.
    #[arg(long = "inflight", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub inflight: u64,
    /// Send at most this many messages per second (all senders together).
    #[arg(long = "rate", value_name = "MSGS_PER_SEC", value_parser = positive_rate)]
    pub rate: Option<f64>,
    /// Extra attempts after a failed sync send (retryTimesWhenSendFailed).
    #[arg(long = "retries", default_value_t = 2)]
    pub retries: u32,
    /// Producer group.
    #[arg(long = "producer-group", default_value = "benchmark_producer")]
    pub producer_group: String,
}

impl SendOpts {
    /// The effective send mode.
    pub fn mode(&self) -> SendMode {
        if self.oneway {
            SendMode::Oneway
        } else {
            self.mode
        }
    }

    /// A combination clap cannot express, as a message.
    pub fn check(&self) -> Result<(), String> {
        if self.batch > 1 && self.mode() == SendMode::Oneway {
            return Err("batches (-b > 1) cannot be sent one-way".into());
        }
        Ok(())
    }
}

/// Where a consumer starts in each queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StartFrom {
    /// The oldest stored message: consume the backlog.
    First,
    /// The end of the queue when the run starts: only new messages.
    Last,
}

/// Consumer flags.
#[derive(Args, Debug)]
pub struct ConsumeOpts {
    /// Consumer group.
    #[arg(short = 'g', long = "group", default_value = "benchmark_consumer")]
    pub group: String,
    /// Tag filter: `*`, `tag0`, `tag0 || tag1`.
    #[arg(short = 'e', long = "filter", default_value = "*")]
    pub filter: String,
    /// Where to start on queues the group has no committed offset for: the first stored
    /// message or the end of the queue (the push consumer resumes from committed offsets;
    /// the pull loop ignores them).
    #[arg(long = "from", value_enum, default_value_t = StartFrom::Last)]
    pub from: StartFrom,
    /// Stop once the backlog present at the start is consumed (every queue read up to the
    /// end it had then); with --from first this measures how fast a backlog drains.
    #[arg(long = "drain")]
    pub drain: bool,
    /// Use mqbench's own long-polling pull loop (one task per queue, no rebalancing, no
    /// consume service) instead of the client's push consumer: measures the broker's pull
    /// path with as little client work as possible.
    #[arg(long = "pull-loop", conflicts_with = "pop")]
    pub pull_loop: bool,
    /// POP consumption (RocketMQ 5): this many POP consumers of the group, popping
    /// `--pull-batch` messages at a time and batch-acking them (`mqbench consumer` only).
    #[arg(long = "pop", default_value_t = 0, conflicts_with = "drain",
          value_parser = clap::value_parser!(u64).range(0..=1024))]
    pub pop: u64,
    /// Push consumer: messages per listener call (consumeMessageBatchMaxSize).
    #[arg(long = "consume-batch", default_value_t = 1,
          value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub consume_batch: u64,
    /// Push consumer: listener calls running at once (consumeThreadMin).
    #[arg(long = "consume-threads", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub consume_threads: u64,
    /// Messages asked for per pull (pullBatchSize).
    #[arg(long = "pull-batch", default_value_t = 32,
          value_parser = clap::value_parser!(i32).range(1..=1024))]
    pub pull_batch: i32,
    /// Long polling: how long the broker may hold a pull that finds nothing.
    #[arg(long = "suspend-ms", default_value_t = 15_000,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub suspend_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("mqbench").chain(args.iter().copied()))
    }

    #[test]
    fn defaults_follow_rocketmq() {
        let Command::Producer(p) = parse(&["producer"]).unwrap().command else {
            panic!("not a producer");
        };
        assert_eq!(p.common.topic, "BenchmarkTest");
        assert_eq!((p.send.threads, p.send.size, p.send.batch), (64, 128, 1));
        assert_eq!(p.send.mode(), SendMode::Sync);
        assert!(!p.send.keys);
        assert_eq!(p.common.duration, None);
    }

    #[test]
    fn modes_keys_and_conflicts() {
        let p = |args: &[&str]| match parse(args).unwrap().command {
            Command::Producer(p) => p,
            _ => panic!("not a producer"),
        };
        assert_eq!(p(&["producer", "-y", "async"]).send.mode(), SendMode::Async);
        assert_eq!(p(&["producer", "-y", "true"]).send.mode(), SendMode::Async);
        assert_eq!(p(&["producer", "--oneway"]).send.mode(), SendMode::Oneway);
        assert!(p(&["producer", "-k"]).send.keys);
        assert!(!p(&["producer", "-k", "false"]).send.keys);
        assert!(p(&["producer", "-k", "true", "-l", "3"]).send.keys);
        assert!(parse(&["producer", "-y", "sometimes"]).is_err());
        assert!(parse(&["producer", "-y", "async", "--oneway"]).is_err());
        assert!(parse(&["producer", "-w", "0"]).is_err());
        assert!(parse(&["producer", "-d", "-1"]).is_err());
        assert!(parse(&["producer", "--rate", "0"]).is_err());
        assert!(p(&["producer", "-b", "4", "--oneway"])
            .send
            .check()
            .is_err());
        assert!(p(&["producer", "-b", "4"]).send.check().is_ok());
    }

    #[test]
    fn consumer_and_all() {
        let Command::All(a) = parse(&[
            "all", "-g", "G", "-e", "tag0", "-q", "10", "--from", "first",
        ])
        .unwrap()
        .command
        else {
            panic!("not all");
        };
        assert_eq!(a.consume.group, "G");
        assert_eq!(a.consume.filter, "tag0");
        assert_eq!(a.consume.from, StartFrom::First);
        assert_eq!(a.common.quantity, Some(10));
        assert!(parse(&["consumer", "-w", "3"]).is_err());
    }
}
