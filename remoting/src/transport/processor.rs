//! Request processors: what a server (or a client, for server-initiated requests) does with
//! an incoming request, and the [`Router`] that picks one by request code.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::code::response;
use crate::command::RemotingCommand;
use crate::transport::Connection;

/// The future of [`RequestProcessor::process`]: the answer, or `None` to send nothing.
pub type ProcessFuture<'a> = Pin<Box<dyn Future<Output = Option<RemotingCommand>> + Send + 'a>>;

/// Answers requests. Returning `None` sends nothing; for one-way requests the answer is
/// dropped anyway. The transport fills in the response's `opaque` and response flag.
///
/// The future is spelled out (not `async fn`) so that a wrapper such as [`Router`] can
/// hand back the inner processor's future instead of boxing another around it.
pub trait RequestProcessor: Send + Sync + 'static {
    /// Processes one request that arrived on `conn`.
    fn process<'a>(&'a self, conn: &'a Connection, request: RemotingCommand) -> ProcessFuture<'a>;
}

/// Routes requests to processors by request code. Unknown codes get
/// `REQUEST_CODE_NOT_SUPPORTED` with Java's remark, unless a fallback is set.
#[derive(Default, Clone)]
pub struct Router {
    routes: HashMap<i32, Arc<dyn RequestProcessor>>,
    fallback: Option<Arc<dyn RequestProcessor>>,
}

impl Router {
    /// An empty router: every code is unsupported.
    pub fn new() -> Self {
        Self::default()
    }

    /// Routes `code` to `processor`, replacing an earlier route.
    pub fn route(mut self, code: i32, processor: Arc<dyn RequestProcessor>) -> Self {
        self.routes.insert(code, processor);
        self
    }

    /// Routes each of `codes` to the same processor.
    pub fn routes(mut self, codes: &[i32], processor: Arc<dyn RequestProcessor>) -> Self {
        for code in codes {
            self.routes.insert(*code, processor.clone());
        }
        self
    }

    /// Sends codes without a route to `processor` instead of refusing them.
    pub fn fallback(mut self, processor: Arc<dyn RequestProcessor>) -> Self {
        self.fallback = Some(processor);
        self
    }

    /// True when `code` has a route.
    pub fn handles(&self, code: i32) -> bool {
        self.routes.contains_key(&code)
    }
}

/// The answer to a request code nobody handles, worded as the Java server words it.
pub fn not_supported(code: i32) -> RemotingCommand {
    RemotingCommand::response(
        response::REQUEST_CODE_NOT_SUPPORTED,
        Some(format!(" request type {code} not supported")),
    )
}

/// The router hands back the chosen processor's future itself (no extra box per request).
impl RequestProcessor for Router {
    fn process<'a>(&'a self, conn: &'a Connection, request: RemotingCommand) -> ProcessFuture<'a> {
        match self.routes.get(&request.code).or(self.fallback.as_ref()) {
            Some(p) => p.process(conn, request),
            None => Box::pin(std::future::ready(Some(not_supported(request.code)))),
        }
    }
}

/// A processor made from an async closure; see [`fn_processor`].
pub struct FnProcessor<F>(F);

/// Wraps `f(connection, request)` as a processor: handy for small handlers and tests.
pub fn fn_processor<F, Fut>(f: F) -> Arc<FnProcessor<F>>
where
    F: Fn(Connection, RemotingCommand) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<RemotingCommand>> + Send + 'static,
{
    Arc::new(FnProcessor(f))
}

impl<F, Fut> RequestProcessor for FnProcessor<F>
where
    F: Fn(Connection, RemotingCommand) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<RemotingCommand>> + Send + 'static,
{
    fn process<'a>(&'a self, conn: &'a Connection, request: RemotingCommand) -> ProcessFuture<'a> {
        Box::pin((self.0)(conn.clone(), request))
    }
}
