//! `mqnamesrv`: the CometMQ NameServer, with RocketMQ's flags.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use cometmq_namesrv::{NameServer, NamesrvConfig, NamesrvError};
use tracing_subscriber::EnvFilter;

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
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
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
    wait_for_signal().await;
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

/// Ctrl-C, or SIGTERM on Unix.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
