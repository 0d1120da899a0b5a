//! One log line per request, with a request timeout and metrics. Logs the method, the path
//! without its query string (queries of the compatibility API carry license keys), the
//! status, the latency, and the license id when a handler names it: never a JWT, short key
//! or secret.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use super::{error_response, Metrics};
use crate::output::printable;

/// Put in a response's extensions by handlers, so the log line can name the license.
#[derive(Clone, Debug)]
pub struct LoggedLicense(pub String);

/// What the request middleware needs.
#[derive(Clone, Debug)]
pub struct RequestLog {
    /// A request taking longer is answered 408.
    pub timeout: Duration,
    /// Where to count requests, if anywhere.
    pub metrics: Option<Arc<Metrics>>,
}

/// Middleware: times out slow requests (408), logs each one and counts it.
pub async fn log_requests(State(log): State<RequestLog>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path: String = request.uri().path().chars().take(128).collect();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let response = match tokio::time::timeout(log.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => error_response(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "the request took too long",
        ),
    };
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    if let Some(metrics) = &log.metrics {
        metrics.observe(route.as_deref().unwrap_or("unmatched"), status, elapsed);
    }
    let license = response
        .extensions()
        .get::<LoggedLicense>()
        .map(|l| l.0.as_str())
        .unwrap_or("-");
    tracing::info!(
        "{method} {} {status} {:.3}ms license={}",
        printable(&path),
        elapsed.as_secs_f64() * 1000.0,
        printable(license)
    );
    response
}
