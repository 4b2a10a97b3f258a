//! `mqbroker`: the CometMQ broker, with RocketMQ's flags, plus `--standalone` for a
//! one-command local setup (a NameServer in the same process).

use std::process::ExitCode;

use clap::Parser;
use cometmq_broker::broker::Broker;
use cometmq_broker::config::BrokerConfig;
use cometmq_namesrv::{NameServer, NamesrvConfig};
use cometmq_remoting::settings::Settings;

/// CometMQ broker: stores and serves messages for RocketMQ clients.
#[derive(Debug, Parser)]
#[command(name = "mqbroker", version)]
struct Args {
    /// Broker config properties file (RocketMQ's broker.conf format)
    #[arg(short = 'c', long = "configFile", value_name = "FILE")]
    config_file: Option<String>,
    /// NameServer addresses, e.g. "192.168.0.1:9876;192.168.0.2:9876"
    #[arg(short = 'n', long = "namesrvAddr", value_name = "ADDRS")]
    namesrv_addr: Option<String>,
    /// Print all config items and exit
    #[arg(short = 'p', long = "printConfigItem")]
    print_config_item: bool,
    /// Print the important config items and exit
    #[arg(short = 'm', long = "printImportantConfig")]
    print_important_config: bool,
    /// Also run a NameServer in this process (on --namesrv-port) and register with it
    #[arg(long)]
    standalone: bool,
    /// Port of the embedded NameServer with --standalone
    #[arg(long, default_value_t = 9876)]
    namesrv_port: u16,
    /// Port of the web console with --standalone (0 picks a free one)
    #[arg(long, default_value_t = 8080)]
    console_port: u16,
    /// No web console with --standalone
    #[arg(long)]
    no_console: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    cometmq_remoting::process::init_logging();
    let args = Args::parse();
    let mut config = match &args.config_file {
        Some(path) => match BrokerConfig::load(std::path::Path::new(path)) {
            Ok((config, unknown)) => {
                for key in unknown {
                    tracing::warn!(%key, file = %path, "unknown config key ignored");
                }
                config
            }
            Err(e) => {
                eprintln!("mqbroker: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => BrokerConfig::default(),
    };
    if let Some(addrs) = &args.namesrv_addr {
        config.namesrv_addr = addrs.clone();
    }
    if args.print_config_item {
        print!("{}", config.to_properties());
        return ExitCode::SUCCESS;
    }
    if args.print_important_config {
        let entries = config.important_entries();
        print!(
            "{}",
            cometmq_remoting::java_properties::render(
                entries.iter().map(|(k, v)| (*k, v.as_str()))
            )
        );
        return ExitCode::SUCCESS;
    }
    if let Err(e) = config.validate() {
        eprintln!("mqbroker: {e}");
        return ExitCode::FAILURE;
    }
    let namesrv = if args.standalone {
        // One process, one TLS set-up: the embedded NameServer's port enforces what the
        // broker's does.
        let ns_config = NamesrvConfig {
            listen_port: args.namesrv_port,
            tls: config.tls.clone(),
            ..NamesrvConfig::default()
        };
        match NameServer::start(ns_config).await {
            Ok(ns) => {
                let addr = format!("127.0.0.1:{}", ns.local_addr().port());
                println!("The Name Server boot success. address {addr}");
                config.namesrv_addr = addr;
                Some(ns)
            }
            Err(e) => {
                eprintln!("mqbroker: cannot start the embedded NameServer: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    if config.namesrv_addrs().is_empty() {
        tracing::warn!("no NameServer address (-n, namesrvAddr or NAMESRV_ADDR): clients will not find this broker");
    }
    let broker = match Broker::start(config).await {
        Ok(b) => b,
        Err(e) => {
            eprintln!("mqbroker: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "The broker[{}, {}] boot success. serializeType=JSON and name server is {}",
        broker.state.config().broker_name,
        broker.broker_addr(),
        broker.state.config().namesrv_addr
    );
    let console = if args.standalone && !args.no_console {
        let console_config = cometmq_console::ConsoleConfig {
            namesrv_addr: broker.state.config().namesrv_addr.clone(),
            port: args.console_port,
            trace_topic: broker.state.config().msg_trace_topic_name.clone(),
            ..cometmq_console::ConsoleConfig::default()
        };
        match cometmq_console::Console::start(console_config).await {
            Ok(c) => {
                println!("The console boot success. {}", c.url());
                Some(c)
            }
            Err(e) => {
                eprintln!(
                    "mqbroker: cannot start the console on port {} ({e}); use --console-port or --no-console",
                    args.console_port
                );
                broker.shutdown().await;
                if let Some(ns) = namesrv {
                    ns.shutdown().await;
                }
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    cometmq_remoting::process::shutdown_signal().await;
    tracing::info!("shutting down");
    if let Some(c) = console {
        c.shutdown().await;
    }
    broker.shutdown().await;
    if let Some(ns) = namesrv {
        ns.shutdown().await;
    }
    ExitCode::SUCCESS
}
