//! One log line per request, with a request timeout. Logs the method, the path without its
//! query string (queries of the compatibility API carry license keys), the status, the
//! latency, and the license id when a handler names it: never a JWT, short key or secret.

use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use super::error_response;

/// Put in a response's extensions by handlers, so the log line can name the license.
#[derive(Clone, Debug)]
pub struct LoggedLicense(pub String);

/// Middleware: times out slow requests (408) and logs each one.
pub async fn log_requests(State(timeout): State<Duration>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().chars().take(128).collect::<String>();
    let response = match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => error_response(StatusCode::REQUEST_TIMEOUT, "timeout", "the request took too long"),
    };
    let license = response.extensions().get::<LoggedLicense>().map(|l| l.0.as_str()).unwrap_or("-");
    tracing::info!(
        "{method} {path} {} {:.3}ms license={license}",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    response
}
