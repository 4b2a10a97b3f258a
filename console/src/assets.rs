//! The pages and their assets, built into the binary: plain HTML, vanilla JS modules and
//! CSS under `console/assets/`, no build step.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::Response;

use crate::error::ConsoleError;

/// Pages may load scripts, styles and data only from the console itself: no inline
/// script, so a message body that slips into the DOM as markup still cannot run.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

macro_rules! assets {
    ($($path:literal => $file:literal, $mime:literal;)*) => {
        /// Every asset: URL path, content type, content.
        pub const ASSETS: &[(&str, &str, &str)] = &[
            $(($path, $mime, include_str!(concat!("../assets/", $file))),)*
        ];
    };
}

assets! {
    "/" => "index.html", "text/html; charset=utf-8";
    "/style.css" => "style.css", "text/css; charset=utf-8";
    "/app.js" => "app.js", "text/javascript; charset=utf-8";
    "/dom.js" => "dom.js", "text/javascript; charset=utf-8";
    "/chart.js" => "chart.js", "text/javascript; charset=utf-8";
    "/pages/cluster.js" => "pages/cluster.js", "text/javascript; charset=utf-8";
    "/pages/topics.js" => "pages/topics.js", "text/javascript; charset=utf-8";
    "/pages/groups.js" => "pages/groups.js", "text/javascript; charset=utf-8";
    "/pages/producers.js" => "pages/producers.js", "text/javascript; charset=utf-8";
    "/pages/messages.js" => "pages/messages.js", "text/javascript; charset=utf-8";
    "/pages/dlq.js" => "pages/dlq.js", "text/javascript; charset=utf-8";
    "/pages/traces.js" => "pages/traces.js", "text/javascript; charset=utf-8";
}

/// The asset at `path` (`/index.html` is `/`), or 404.
pub fn serve(path: &str) -> Response<Full<Bytes>> {
    let path = if path == "/index.html" { "/" } else { path };
    let Some((_, mime, text)) = ASSETS.iter().find(|(p, _, _)| *p == path) else {
        return crate::router::error(&ConsoleError::NotFound(path.to_owned()));
    };
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}
