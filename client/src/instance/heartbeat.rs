//! Heartbeats (HEART_BEAT, reference §3.8) and UNREGISTER_CLIENT.

use cometmq_remoting::body::client::{HeartbeatData, ProducerData};
use cometmq_remoting::body::MASTER_ID;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::UnregisterClientRequestHeader;
use cometmq_remoting::RemotingCommand;

use super::ClientInstance;
use crate::error::{ClientError, Result};

impl ClientInstance {
    /// The heartbeat body: this client's id and every registered group.
    pub fn heartbeat_data(&self) -> HeartbeatData {
        let s = self.lock();
        let mut producer_data_set: Vec<ProducerData> = s
            .producers
            .keys()
            .map(|g| ProducerData {
                group_name: g.clone(),
            })
            .collect();
        producer_data_set.sort_by(|a, b| a.group_name.cmp(&b.group_name));
        let mut consumer_data_set: Vec<_> =
            s.consumers.values().map(|c| c.consumer_data()).collect();
        consumer_data_set.sort_by(|a, b| a.group_name.cmp(&b.group_name));
        HeartbeatData {
            client_id: self.client_id().to_owned(),
            consumer_data_set,
            producer_data_set,
            ..Default::default()
        }
    }

    /// The brokers to send heartbeats and unregistrations to: masters, plus slaves when the
    /// client has consumers (they may pull from slaves).
    fn heartbeat_targets(&self, include_slaves: bool) -> Vec<String> {
        let s = self.lock();
        let mut addrs: Vec<String> = s
            .brokers
            .values()
            .flat_map(|ids| ids.iter())
            .filter(|(id, _)| include_slaves || **id == MASTER_ID)
            .map(|(_, a)| a.clone())
            .collect();
        addrs.sort();
        addrs.dedup();
        addrs
    }

    /// Sends a heartbeat to every known broker (masters only when there is no consumer).
    /// Failures are logged; the number of brokers that accepted it is returned.
    pub async fn send_heartbeat_to_all_brokers(&self) -> usize {
        let data = self.heartbeat_data();
        if data.producer_data_set.is_empty() && data.consumer_data_set.is_empty() {
            return 0;
        }
        let body = match serde_json::to_vec(&data) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "cannot encode heartbeat");
                return 0;
            }
        };
        let targets = self.heartbeat_targets(!data.consumer_data_set.is_empty());
        let sends = targets.iter().map(|addr| {
            let body = body.clone();
            async move { (addr, self.send_heartbeat(addr, body).await) }
        });
        let mut ok = 0;
        for (addr, result) in futures::future::join_all(sends).await {
            match result {
                Ok(version) => {
                    ok += 1;
                    self.lock().broker_versions.insert(addr.clone(), version);
                }
                Err(e) => tracing::warn!(%addr, error = %e, "heartbeat failed"),
            }
        }
        ok
    }

    /// Sends one heartbeat; returns the broker's version.
    async fn send_heartbeat(&self, addr: &str, body: Vec<u8>) -> Result<i32> {
        let code = request::HEART_BEAT;
        let req = RemotingCommand::request(code).with_body(body);
        let resp = self
            .remoting
            .invoke(addr, req, self.config.request_timeout)
            .await
            .map_err(|e| ClientError::remoting(code, addr, e))?;
        if resp.code != response::SUCCESS {
            return Err(ClientError::response(code, addr, &resp));
        }
        Ok(resp.version)
    }

    /// The version a broker reported in its last heartbeat response.
    pub fn broker_version(&self, addr: &str) -> Option<i32> {
        self.lock().broker_versions.get(addr).copied()
    }

    /// Tells every broker (masters and slaves) that a group left this client.
    pub(super) async fn unregister_client(&self, producer: Option<&str>, consumer: Option<&str>) {
        let code = request::UNREGISTER_CLIENT;
        let header = UnregisterClientRequestHeader {
            client_id: self.client_id().to_owned(),
            producer_group: producer.map(str::to_owned),
            consumer_group: consumer.map(str::to_owned),
        };
        let targets = self.heartbeat_targets(true);
        let sends = targets.iter().map(|addr| {
            let req = RemotingCommand::request_with_header(code, &header);
            async move {
                match self
                    .remoting
                    .invoke(addr, req, self.config.request_timeout)
                    .await
                {
                    Ok(r) if r.code == response::SUCCESS => {}
                    Ok(r) => tracing::warn!(%addr, code = r.code, "unregister refused"),
                    Err(e) => tracing::warn!(%addr, error = %e, "unregister failed"),
                }
            }
        });
        futures::future::join_all(sends).await;
    }
}
