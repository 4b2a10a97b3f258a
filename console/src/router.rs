//! Paths to handlers, and the limits every request passes before a handler runs.
//!
//! `GET /` and the asset paths serve the embedded pages ([`crate::assets`]); `/api/…` are
//! the JSON handlers ([`crate::api`]): GET reads, POST (a JSON body) writes. Errors are
//! answered `{"error": "…"}` with the status of [`ConsoleError::status`].

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::Value;

use crate::error::ConsoleError;
use crate::query::Query;
use crate::server::State;

/// Longest request URI served; a longer one is answered 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Largest request body read; a larger one is answered 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// A body not received within this is answered 408.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// A handler that takes longer (a cluster that does not answer) is answered 504.
pub const HANDLER_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves one request.
pub async fn handle(state: &State, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let uri_len = req.uri().to_string().len();
    if uri_len > MAX_URI_BYTES {
        return error(&ConsoleError::UriTooLong(MAX_URI_BYTES));
    }
    let path = req.uri().path().to_owned();
    if !path.starts_with("/api/") {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return error(&ConsoleError::MethodNotAllowed);
        }
        return crate::assets::serve(&path);
    }
    let query = match Query::parse(req.uri().query().unwrap_or("")) {
        Ok(q) => q,
        Err(e) => return error(&e),
    };
    let method = req.method().clone();
    let body = if method == Method::POST {
        match read_body(req.into_body()).await {
            Ok(b) => b,
            Err(e) => return e,
        }
    } else {
        Value::Null
    };
    let call = crate::api::dispatch(state, &method, &path, &query, body);
    match tokio::time::timeout(HANDLER_TIMEOUT, call).await {
        Ok(Ok(v)) => json(StatusCode::OK, &v),
        Ok(Err(e)) => error(&e),
        Err(_) => error(&ConsoleError::Timeout(HANDLER_TIMEOUT)),
    }
}

/// Reads a JSON body within the size and time limits.
async fn read_body(body: Incoming) -> std::result::Result<Value, Response<Full<Bytes>>> {
    let limited = Limited::new(body, MAX_BODY_BYTES);
    let bytes = match tokio::time::timeout(BODY_TIMEOUT, limited.collect()).await {
        Err(_) => {
            let mut r = error(&ConsoleError::bad("request body not received in time"));
            *r.status_mut() = StatusCode::REQUEST_TIMEOUT;
            return Err(r);
        }
        Ok(Err(e)) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                return Err(error(&ConsoleError::TooLarge(MAX_BODY_BYTES)));
            }
            return Err(error(&ConsoleError::bad(format!("request body: {e}"))));
        }
        Ok(Ok(c)) => c.to_bytes(),
    };
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| error(&ConsoleError::bad(format!("request body is not JSON: {e}"))))
}

/// A JSON response.
pub fn json(status: StatusCode, v: &Value) -> Response<Full<Bytes>> {
    let body = serde_json::to_vec(v).unwrap_or_else(|_| b"null".to_vec());
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The JSON answer to a request that failed.
pub fn error(e: &ConsoleError) -> Response<Full<Bytes>> {
    json(e.status(), &serde_json::json!({ "error": e.to_string() }))
}
