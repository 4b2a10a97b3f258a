//! What every server binary (`mqnamesrv`, `mqbroker`) does at start and stop: log to
//! stderr at the level `RUST_LOG` names (default `info`), and wait for Ctrl-C or SIGTERM.

use tracing_subscriber::EnvFilter;

/// Installs the stderr log subscriber; `RUST_LOG` sets the filter, `info` when unset or
/// invalid.
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            // openraft (the controller) logs every vote and append at INFO.
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,openraft=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
}

/// Returns on Ctrl-C or, on Unix, SIGTERM: the signals that ask a server to stop cleanly.
pub async fn shutdown_signal() {
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
