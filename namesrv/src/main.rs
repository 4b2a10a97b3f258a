//! `mqnamesrv`: the CometMQ NameServer, with RocketMQ's flags.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use cometmq_namesrv::{NameServer, NamesrvConfig, NamesrvError};
use cometmq_remoting::settings::Settings;

/// CometMQ NameServer: broker registry and topic routes for RocketMQ clients.
#[derive(Debug, Parser)]
#[command(name = "mqnamesrv", version)]
struct Args {
    /// Name server config properties file
    #[arg(short = 'c', long = "configFile", value_name = "FILE")]
    config_file: Option<PathBuf>,
    /// Print all config items and exit
    #[arg(short = 'p', long = "printConfigItem")]
    print_config_item: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    cometmq_remoting::process::init_logging();
    let args = Args::parse();
    let config = match load_config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("mqnamesrv: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.print_config_item {
        print!("{}", config.to_properties());
        if let Some(c) = &config.controller {
            print!("{}", c.to_properties());
        }
        return ExitCode::SUCCESS;
    }
    let server = match NameServer::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mqnamesrv: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "The Name Server boot success. serializeType=JSON, address {}",
        server.local_addr()
    );
    cometmq_remoting::process::shutdown_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    ExitCode::SUCCESS
}

fn load_config(args: &Args) -> Result<NamesrvConfig, NamesrvError> {
    let Some(path) = &args.config_file else {
        return Ok(NamesrvConfig::default());
    };
    let (config, unknown) = NamesrvConfig::from_file(path)?;
    for key in unknown {
        tracing::warn!(%key, file = %path.display(), "unknown config key ignored");
    }
    tracing::info!(file = %path.display(), "config loaded");
    Ok(config)
}
