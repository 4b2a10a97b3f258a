//! `mqconsole`: CometMQ's web console for a RocketMQ / CometMQ cluster.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use cometmq_console::{Console, ConsoleConfig};

/// CometMQ web console: cluster, topics, groups, messages, DLQ and traces in a browser.
#[derive(Debug, Parser)]
#[command(name = "mqconsole", version)]
struct Args {
    /// NameServer addresses, e.g. "192.168.0.1:9876;192.168.0.2:9876" (or NAMESRV_ADDR)
    #[arg(short = 'n', long = "namesrvAddr", value_name = "ADDRS")]
    namesrv_addr: Option<String>,
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one)
    #[arg(short = 'p', long, default_value_t = 8080)]
    port: u16,
    /// Offer no write action (create/delete topics, reset offsets, resend)
    #[arg(long)]
    read_only: bool,
    /// ACL access key for the admin requests
    #[arg(long = "accessKey")]
    access_key: Option<String>,
    /// ACL secret key for the admin requests
    #[arg(long = "secretKey")]
    secret_key: Option<String>,
    /// Seconds between samples of the rate and lag charts
    #[arg(long, default_value_t = 10)]
    sample_secs: u64,
    /// The trace topic (msgTraceTopicName)
    #[arg(long = "msgTraceTopicName", default_value = "RMQ_SYS_TRACE_TOPIC")]
    trace_topic: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    cometmq_remoting::process::init_logging();
    let args = Args::parse();
    let config = ConsoleConfig {
        namesrv_addr: args
            .namesrv_addr
            .or_else(|| std::env::var("NAMESRV_ADDR").ok())
            .unwrap_or_else(|| "127.0.0.1:9876".into()),
        host: args.host,
        port: args.port,
        read_only: args.read_only,
        access_key: args.access_key,
        secret_key: args.secret_key,
        sample_interval: Duration::from_secs(args.sample_secs.max(1)),
        trace_topic: args.trace_topic,
        ..ConsoleConfig::default()
    };
    let console = match Console::start(config).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("mqconsole: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("The console boot success. {}", console.url());
    cometmq_remoting::process::shutdown_signal().await;
    console.shutdown().await;
    ExitCode::SUCCESS
}
