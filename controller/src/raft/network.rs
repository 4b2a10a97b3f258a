//! Raft RPC between controllers over CometMQ's remoting transport: each RPC is a request
//! with a private code (outside RocketMQ's tables) and a JSON body; the answer's body is
//! the JSON of `Result<response, RaftError>`. Each controller serves them on its
//! `controllerDLegerPeers` address.

use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::code::response as rc;
use cometmq_remoting::transport::Connection;
use cometmq_remoting::transport::{ProcessFuture, RemotingClient, RequestProcessor, Router};
use cometmq_remoting::RemotingCommand;
use openraft::error::{
    InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Unreachable,
};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::BasicNode;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Raft, TypeConfig};

/// Private request code: AppendEntries.
pub const RAFT_APPEND_ENTRIES: i32 = 61001;
/// Private request code: RequestVote.
pub const RAFT_VOTE: i32 = 61002;
/// Private request code: InstallSnapshot (one chunk).
pub const RAFT_INSTALL_SNAPSHOT: i32 = 61003;

/// Makes peer clients; all share one remoting client.
#[derive(Clone)]
pub struct Network {
    client: Arc<RemotingClient>,
}

impl Network {
    /// A network over `client`.
    pub fn new(client: Arc<RemotingClient>) -> Self {
        Network { client }
    }
}

/// The RPC client of one peer.
pub struct PeerClient {
    client: Arc<RemotingClient>,
    target: u64,
    addr: String,
}

impl RaftNetworkFactory<TypeConfig> for Network {
    type Network = PeerClient;

    async fn new_client(&mut self, target: u64, node: &BasicNode) -> PeerClient {
        PeerClient {
            client: self.client.clone(),
            target,
            addr: node.addr.clone(),
        }
    }
}

impl PeerClient {
    async fn call<
        Req: Serialize,
        Resp: DeserializeOwned,
        E: std::error::Error + DeserializeOwned,
    >(
        &self,
        code: i32,
        req: &Req,
        timeout: Duration,
    ) -> Result<Resp, RPCError<u64, BasicNode, RaftError<u64, E>>> {
        let body = serde_json::to_vec(req).map_err(|e| RPCError::Network(NetworkError::new(&e)))?;
        let cmd = RemotingCommand::request(code).with_body(body);
        let answer = self
            .client
            .invoke(&self.addr, cmd, timeout)
            .await
            .map_err(|e| RPCError::Unreachable(Unreachable::new(&e)))?;
        if answer.code != rc::SUCCESS {
            let e = std::io::Error::other(format!(
                "peer {} answered {}: {}",
                self.addr,
                answer.code,
                answer.remark.unwrap_or_default()
            ));
            return Err(RPCError::Network(NetworkError::new(&e)));
        }
        let result: Result<Resp, RaftError<u64, E>> =
            serde_json::from_slice(&answer.body.to_bytes())
                .map_err(|e| RPCError::Network(NetworkError::new(&e)))?;
        result.map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
    }
}

impl RaftNetwork<TypeConfig> for PeerClient {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<u64>, RPCError<u64, BasicNode, RaftError<u64>>> {
        self.call(RAFT_APPEND_ENTRIES, &rpc, option.hard_ttl())
            .await
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<u64>,
        RPCError<u64, BasicNode, RaftError<u64, InstallSnapshotError>>,
    > {
        self.call(RAFT_INSTALL_SNAPSHOT, &rpc, option.hard_ttl())
            .await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<u64>,
        option: RPCOption,
    ) -> Result<VoteResponse<u64>, RPCError<u64, BasicNode, RaftError<u64>>> {
        self.call(RAFT_VOTE, &rpc, option.hard_ttl()).await
    }
}

/// Serves the peers' RPCs to the local Raft node.
pub struct PeerService {
    raft: Raft,
}

impl PeerService {
    /// The router of the peer listener.
    pub fn router(raft: Raft) -> Router {
        let svc: Arc<dyn RequestProcessor> = Arc::new(PeerService { raft });
        Router::new().routes(
            &[RAFT_APPEND_ENTRIES, RAFT_VOTE, RAFT_INSTALL_SNAPSHOT],
            svc,
        )
    }
}

fn answer<T: Serialize>(value: &T) -> RemotingCommand {
    match serde_json::to_vec(value) {
        Ok(b) => RemotingCommand::success().with_body(b),
        Err(e) => RemotingCommand::response(rc::SYSTEM_ERROR, Some(e.to_string())),
    }
}

fn parse<T: DeserializeOwned>(req: &RemotingCommand) -> Result<T, Box<RemotingCommand>> {
    serde_json::from_slice(&req.body.to_bytes()).map_err(|e| {
        Box::new(RemotingCommand::response(
            rc::CONTROLLER_INVALID_REQUEST,
            Some(format!("bad raft rpc body: {e}")),
        ))
    })
}

impl RequestProcessor for PeerService {
    fn process<'a>(&'a self, _conn: &'a Connection, request: RemotingCommand) -> ProcessFuture<'a> {
        Box::pin(async move {
            let out = match request.code {
                RAFT_APPEND_ENTRIES => match parse(&request) {
                    Ok(rpc) => answer(&self.raft.append_entries(rpc).await),
                    Err(e) => *e,
                },
                RAFT_VOTE => match parse(&request) {
                    Ok(rpc) => answer(&self.raft.vote(rpc).await),
                    Err(e) => *e,
                },
                RAFT_INSTALL_SNAPSHOT => match parse(&request) {
                    Ok(rpc) => answer(&self.raft.install_snapshot(rpc).await),
                    Err(e) => *e,
                },
                code => RemotingCommand::response(
                    rc::REQUEST_CODE_NOT_SUPPORTED,
                    Some(format!(" request type {code} not supported")),
                ),
            };
            Some(out)
        })
    }
}
