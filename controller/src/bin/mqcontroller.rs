//! `mqcontroller`: a CometMQ controller on its own, with RocketMQ's flags (`-c`, `-p`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use cometmq_controller::{Controller, ControllerConfig, ControllerError};
use cometmq_remoting::settings::Settings;

/// CometMQ controller: the Raft group that elects broker masters (RocketMQ 5 controller mode).
#[derive(Debug, Parser)]
#[command(name = "mqcontroller", version)]
struct Args {
    /// Controller config properties file
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
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mqcontroller: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), ControllerError> {
    let config = match &args.config_file {
        Some(path) => {
            let (config, unknown) = ControllerConfig::from_file(path)?;
            for key in unknown {
                tracing::warn!(%key, file = %path.display(), "unknown config key ignored");
            }
            config
        }
        None => ControllerConfig::default(),
    };
    if args.print_config_item {
        print!("{}", config.to_properties());
        return Ok(());
    }
    let controller = Controller::start(config).await?;
    println!(
        "The Controller boot success. id {}, address {}",
        controller.me().name,
        controller.me().addr
    );
    cometmq_remoting::process::shutdown_signal().await;
    tracing::info!("shutting down");
    controller.shutdown().await;
    Ok(())
}
