//! `mqadmin`: inspect and change a RocketMQ / CometMQ cluster, with Apache RocketMQ's
//! command names and flags (reference §13).
//!
//! ```text
//! mqadmin updateTopic -n 127.0.0.1:9876 -t Orders -c DefaultCluster
//! NAMESRV_ADDR=127.0.0.1:9876 mqadmin consumerProgress -g OrderConsumers --json
//! ```
//!
//! Output is aligned tables like RocketMQ's, or JSON with `--json`. Errors are one line on
//! stderr with a non-zero exit code: 2 for bad flags, 1 for everything else.

mod acl;
mod clients;
mod cluster;
mod controller;
mod groups;
mod kv;
mod messages;
mod offsets;
mod output;
mod timers;
mod topics;
mod traces;

use std::process::ExitCode;
use std::time::Duration;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};
use cometmq_client::admin::Admin;
use cometmq_client::{ClientError, Result};

use output::Report;

/// Inspect and change a RocketMQ / CometMQ cluster.
#[derive(Parser, Debug)]
#[command(name = "mqadmin", version, arg_required_else_help = true)]
struct Cli {
    /// NameServer address(es), `host:port;host:port` (default: $NAMESRV_ADDR).
    #[arg(short = 'n', long = "namesrvAddr", global = true)]
    namesrv: Option<String>,
    /// Print JSON instead of tables.
    #[arg(long = "json", global = true)]
    json: bool,
    /// Request timeout in milliseconds.
    #[arg(long = "timeoutMillis", global = true, default_value_t = 5000)]
    timeout_ms: u64,
    /// Connect with TLS (Java's -Dtls.enable=true): the tls.client.* keys of
    /// --tlsConfigFile (default /etc/rocketmq/tls.properties when it exists), else any
    /// server trusted.
    #[arg(long = "tls", global = true)]
    tls: bool,
    /// The TLS properties file (Java's tls.config.file); implies --tls.
    #[arg(long = "tlsConfigFile", global = true, value_name = "PATH")]
    tls_config_file: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
#[command(rename_all = "camelCase")]
enum Command {
    UpdateTopic(topics::UpdateTopic),
    DeleteTopic(topics::DeleteTopic),
    TopicList(topics::TopicList),
    TopicRoute(topics::TopicRoute),
    TopicStatus(topics::TopicStatus),
    TopicClusterList(topics::TopicClusterList),
    UpdateOrderConf(topics::UpdateOrderConf),
    ClusterList(cluster::ClusterList),
    BrokerStatus(cluster::BrokerStatus),
    GetBrokerConfig(cluster::GetBrokerConfig),
    UpdateBrokerConfig(cluster::UpdateBrokerConfig),
    /// Make a broker read-only on every NameServer.
    WipeWritePerm(cluster::WritePerm),
    /// Make a broker writable again on every NameServer.
    AddWritePerm(cluster::WritePerm),
    UpdateSubGroup(groups::UpdateSubGroup),
    DeleteSubGroup(groups::DeleteSubGroup),
    SetConsumeMode(groups::SetConsumeMode),
    ConsumerProgress(clients::ConsumerProgress),
    /// Every topic's put rate and each consuming group's get rate and backlog (Java's statsAll).
    StatsAll(clients::StatsAll),
    ConsumerStatus(clients::ConsumerStatus),
    ConsumerConnection(clients::ConsumerConnection),
    ProducerConnection(clients::ProducerConnection),
    QueryMsgById(messages::QueryMsgById),
    QueryMsgByKey(messages::QueryMsgByKey),
    QueryMsgTraceById(traces::QueryMsgTraceById),
    QueryMsgByUniqueKey(messages::QueryMsgByUniqueKey),
    QueryMsgByOffset(messages::QueryMsgByOffset),
    PrintMsg(messages::PrintMsg),
    SendMessage(messages::SendMessage),
    ConsumeMessage(messages::ConsumeMessage),
    ResetOffsetByTime(offsets::ResetOffsetByTime),
    CloneGroupOffset(offsets::CloneGroupOffset),
    UpdateKvConfig(kv::UpdateKvConfig),
    DeleteKvConfig(kv::DeleteKvConfig),
    GetNamesrvConfig(kv::GetNamesrvConfig),
    UpdateNamesrvConfig(kv::UpdateNamesrvConfig),
    UpdateAclConfig(acl::UpdateAclConfig),
    DeleteAclConfig(acl::DeleteAclConfig),
    ClusterAclConfigVersion(acl::ClusterAclConfigVersion),
    UpdateGlobalWhiteAddr(acl::UpdateGlobalWhiteAddr),
    GetControllerMetaData(controller::GetControllerMetaData),
    GetSyncStateSet(controller::GetSyncStateSet),
    GetControllerConfig(controller::GetControllerConfig),
    UpdateControllerConfig(controller::UpdateControllerConfig),
    ElectMaster(controller::ElectMaster),
    CleanBrokerMetadata(controller::CleanBrokerMetadata),
    /// Pending timer messages per topic (CometMQ's; GET_TIMER_METRICS).
    TimerMetrics(timers::TimerMetrics),
}

impl Command {
    async fn run(&self, admin: &Admin) -> Result<Report> {
        match self {
            Command::UpdateTopic(c) => c.run(admin).await,
            Command::DeleteTopic(c) => c.run(admin).await,
            Command::TopicList(c) => c.run(admin).await,
            Command::TopicRoute(c) => c.run(admin).await,
            Command::TopicStatus(c) => c.run(admin).await,
            Command::TopicClusterList(c) => c.run(admin).await,
            Command::UpdateOrderConf(c) => c.run(admin).await,
            Command::ClusterList(c) => c.run(admin).await,
            Command::BrokerStatus(c) => c.run(admin).await,
            Command::GetBrokerConfig(c) => c.run(admin).await,
            Command::UpdateBrokerConfig(c) => c.run(admin).await,
            Command::WipeWritePerm(c) => c.run(admin, true).await,
            Command::AddWritePerm(c) => c.run(admin, false).await,
            Command::UpdateSubGroup(c) => c.run(admin).await,
            Command::DeleteSubGroup(c) => c.run(admin).await,
            Command::SetConsumeMode(c) => c.run(admin).await,
            Command::ConsumerProgress(c) => c.run(admin).await,
            Command::StatsAll(c) => c.run(admin).await,
            Command::ConsumerStatus(c) => c.run(admin).await,
            Command::ConsumerConnection(c) => c.run(admin).await,
            Command::ProducerConnection(c) => c.run(admin).await,
            Command::QueryMsgById(c) => c.run(admin).await,
            Command::QueryMsgByKey(c) => c.run(admin).await,
            Command::QueryMsgTraceById(c) => c.run(admin).await,
            Command::QueryMsgByUniqueKey(c) => c.run(admin).await,
            Command::QueryMsgByOffset(c) => c.run(admin).await,
            Command::PrintMsg(c) => c.run(admin).await,
            Command::SendMessage(c) => c.run(admin).await,
            Command::ConsumeMessage(c) => c.run(admin).await,
            Command::ResetOffsetByTime(c) => c.run(admin).await,
            Command::CloneGroupOffset(c) => c.run(admin).await,
            Command::UpdateKvConfig(c) => c.run(admin).await,
            Command::DeleteKvConfig(c) => c.run(admin).await,
            Command::GetNamesrvConfig(c) => c.run(admin).await,
            Command::UpdateNamesrvConfig(c) => c.run(admin).await,
            Command::UpdateAclConfig(c) => c.run(admin).await,
            Command::DeleteAclConfig(c) => c.run(admin).await,
            Command::ClusterAclConfigVersion(c) => c.run(admin).await,
            Command::UpdateGlobalWhiteAddr(c) => c.run(admin).await,
            Command::GetControllerMetaData(c) => c.run(admin).await,
            Command::GetSyncStateSet(c) => c.run(admin).await,
            Command::GetControllerConfig(c) => c.run(admin).await,
            Command::UpdateControllerConfig(c) => c.run(admin).await,
            Command::ElectMaster(c) => c.run(admin).await,
            Command::CleanBrokerMetadata(c) => c.run(admin).await,
            Command::TimerMetrics(c) => c.run(admin).await,
        }
    }

    /// Commands that talk to controllers only (no NameServer needed).
    fn controller_only(&self) -> bool {
        matches!(
            self,
            Command::GetControllerMetaData(_)
                | Command::GetControllerConfig(_)
                | Command::UpdateControllerConfig(_)
                | Command::ElectMaster(_)
                | Command::CleanBrokerMetadata(_)
        ) || matches!(self, Command::GetSyncStateSet(c) if c.by_broker_name())
    }

    /// `clusterList -i`: seconds between repeats.
    fn repeat(&self) -> Option<Duration> {
        match self {
            Command::ClusterList(c) => c.interval.map(|s| Duration::from_secs(s.max(1))),
            Command::GetSyncStateSet(c) => c.interval.map(|s| Duration::from_secs(s.max(1))),
            _ => None,
        }
    }
}

/// One line: `error: …` with newlines folded.
fn fail(msg: impl std::fmt::Display, code: u8) -> ExitCode {
    let msg = msg.to_string();
    eprintln!(
        "error: {}",
        msg.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    ExitCode::from(code)
}

fn print(report: &Report, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report.json).unwrap_or_default()
        );
    } else if !report.text.is_empty() {
        println!("{}", report.text);
    }
}

async fn run(cli: &Cli, admin: &Admin) -> Result<()> {
    loop {
        print(&cli.command.run(admin).await?, cli.json);
        match cli.command.repeat() {
            Some(every) => tokio::time::sleep(every).await,
            None => return Ok(()),
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(controller::java_short_flags(std::env::args())) {
        Ok(cli) => cli,
        Err(e) => {
            return match e.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = e.print();
                    ExitCode::from(
                        if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                            2
                        } else {
                            0
                        },
                    )
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
                    fail(format!("{first} (see mqadmin -h)"), 2)
                }
            };
        }
    };
    let namesrv = cli
        .namesrv
        .clone()
        .or_else(|| std::env::var("NAMESRV_ADDR").ok())
        .unwrap_or_default();
    // ACL: Java's mqadmin signs with the account of $ROCKETMQ_HOME/conf/tools.yml.
    let credentials = match std::env::var_os("ROCKETMQ_HOME").filter(|h| !h.is_empty()) {
        Some(home) => match acl::tools_credentials(std::path::Path::new(&home)) {
            Ok(c) => c,
            Err(e) => return fail(format!("cannot read the ACL account: {e}"), 1),
        },
        None => None,
    };
    let tls = if cli.tls || cli.tls_config_file.is_some() {
        match cometmq_remoting::tls::ClientTls::from_config_file(cli.tls_config_file.as_deref()) {
            Ok(t) => Some(t),
            Err(e) => return fail(e, 2),
        }
    } else {
        None
    };
    let timeout = Duration::from_millis(cli.timeout_ms.max(1));
    let admin = match Admin::connect(&namesrv, timeout, credentials, tls) {
        Ok(a) => a,
        // The controller commands name their controllers with -a.
        Err(_) if namesrv.trim().is_empty() && cli.command.controller_only() => {
            Admin::for_controllers(timeout)
        }
        Err(e) => return fail(e, 1),
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(format!("cannot start the runtime: {e}"), 1),
    };
    let outcome: Result<()> = rt.block_on(async {
        let r = run(&cli, &admin).await;
        admin.shutdown().await;
        r
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(describe(&e), 1),
    }
}

/// The error with its cause chain on one line.
fn describe(e: &ClientError) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s = s.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        source = s_source(source);
    }
    out
}

fn s_source<'a>(
    e: Option<&'a (dyn std::error::Error + 'static)>,
) -> Option<&'a (dyn std::error::Error + 'static)> {
    e.and_then(|e| e.source())
}
