//! [`NameServers`]: requests to the NameServer cluster, failing over between addresses.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::body::{fastjson, TopicRouteData};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::GetRouteInfoRequestHeader;
use cometmq_remoting::transport::RemotingClient;
use cometmq_remoting::RemotingCommand;

use crate::error::{ClientError, Result};

/// The configured NameServers. Requests go to the current one; on a transport failure
/// (connect refused, timeout, closed connection) the next address is tried, and becomes the
/// current one if it answers. An error *response* is returned as is, without failover.
pub struct NameServers {
    addrs: Vec<String>,
    current: AtomicUsize,
    client: Arc<RemotingClient>,
    timeout: Duration,
}

impl std::fmt::Debug for NameServers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NameServers")
            .field("addrs", &self.addrs)
            .field("current", &self.current.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl NameServers {
    /// NameServers at `addrs`, reached through `client`; starts at a random address, as Java
    /// does, to spread clients over the cluster.
    pub fn new(addrs: Vec<String>, client: Arc<RemotingClient>, timeout: Duration) -> Self {
        let start = if addrs.is_empty() {
            0
        } else {
            rand::random::<usize>() % addrs.len()
        };
        NameServers {
            addrs,
            current: AtomicUsize::new(start),
            client,
            timeout,
        }
    }

    /// The addresses.
    pub fn addrs(&self) -> &[String] {
        &self.addrs
    }

    /// Sends `request` to the current NameServer, failing over to the others; returns the
    /// address that answered and its response.
    pub async fn invoke(&self, request: RemotingCommand) -> Result<(String, RemotingCommand)> {
        let n = self.addrs.len();
        if n == 0 {
            return Err(ClientError::NoNameServer("no address configured".into()));
        }
        let start = self.current.load(Ordering::Relaxed);
        let mut last = None;
        for i in 0..n {
            let idx = (start + i) % n;
            let Some(addr) = self.addrs.get(idx) else {
                continue;
            };
            match self
                .client
                .invoke(addr, request.clone(), self.timeout)
                .await
            {
                Ok(resp) => {
                    self.current.store(idx, Ordering::Relaxed);
                    return Ok((addr.clone(), resp));
                }
                Err(e) => {
                    tracing::warn!(%addr, error = %e, "NameServer unreachable, trying the next");
                    self.client.close_connections(addr);
                    last = Some(ClientError::remoting(request.code, addr, e));
                }
            }
        }
        let last = last.unwrap_or_else(|| ClientError::NoNameServer("none answered".into()));
        Err(ClientError::Exhausted {
            what: format!(
                "{} to NameServers {}",
                crate::error::request_name(request.code),
                self.addrs.join(";")
            ),
            attempts: u32::try_from(n).unwrap_or(u32::MAX),
            last: Box::new(last),
        })
    }

    /// `topic`'s route; `None` when the NameServer knows no such topic (TOPIC_NOT_EXIST).
    pub async fn topic_route(&self, topic: &str) -> Result<Option<TopicRouteData>> {
        let code = request::GET_ROUTEINFO_BY_TOPIC;
        let header = GetRouteInfoRequestHeader {
            topic: topic.to_owned(),
            accept_standard_json_only: None,
        };
        let (addr, resp) = self
            .invoke(RemotingCommand::request_with_header(code, &header))
            .await?;
        match resp.code {
            response::SUCCESS => {
                let body = resp.body.to_bytes();
                fastjson::from_slice(&body)
                    .map(Some)
                    .map_err(|e| ClientError::bad_body(code, &addr, e))
            }
            response::TOPIC_NOT_EXIST => Ok(None),
            _ => Err(ClientError::response(code, &addr, &resp)),
        }
    }
}
