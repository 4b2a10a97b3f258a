//! The scan task that drops brokers not heard from within their timeout
//! (`scanNotActiveBrokerInterval`, `brokerExpiredMillis` or the broker's own
//! `heartbeatTimeoutMillis`).

use cometmq_remoting::periodic;
use std::sync::Arc;
use std::time::Instant;

use tokio::task::JoinHandle;

use crate::channels::BrokerChannels;
use crate::config::SharedConfig;
use crate::route_table::RouteTable;

/// Starts the scan; abort the handle to stop it. The interval is re-read every round, so
/// UPDATE_NAMESRV_CONFIG changes it at run time.
pub fn spawn(
    routes: Arc<RouteTable>,
    channels: Arc<BrokerChannels>,
    config: SharedConfig,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let period = || config.read(|c| c.scan_interval());
        periodic::every(std::future::pending::<()>(), period, || {
            for (broker, conn_id) in routes.expire(Instant::now()) {
                tracing::debug!(addr = %broker.addr, "expired broker dropped");
                if let Some(id) = conn_id {
                    channels.close(id);
                }
            }
            std::future::ready(())
        })
        .await;
    })
}
