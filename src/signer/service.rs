//! `keyctl signer`: the signer as an HTTP service beside the product.
//!
//! - `POST /v1/sign` `{"license": J}` → `{"algorithm","license_id","datetime","signature"}`,
//!   with CORS for the origins given by `--allow-origin`.
//! - `GET /api/sign` with `x-datetime` and `x-token` → the MIO4 signature as text, with the
//!   Media-IO status codes, bodies and CORS headers.
//! - `GET /healthz`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::{format_datetime, license_id, parse_mio_datetime, sign, Scheme, SignerSecrets};
use crate::http::{self, error_response, Body, LoggedLicense};
use crate::time::Timestamp;

/// How a signer service behaves.
#[derive(Clone, Debug)]
pub struct SignerConfig {
    /// The secrets it signs with.
    pub secrets: SignerSecrets,
    /// Origins allowed to call it from a browser; empty means only `/api/sign`'s
    /// Media-IO default (`*`) applies, and `/v1/sign` allows none.
    pub allowed_origins: Vec<String>,
    /// How far a Media-IO `x-datetime` may be from this signer's clock, seconds.
    pub max_skew: i64,
    /// The clock.
    pub clock: fn() -> Timestamp,
}

type Shared = Arc<SignerConfig>;

/// The signer's routes.
pub fn router(config: SignerConfig, limits: http::Limits) -> Router {
    Router::new()
        .route("/v1/sign", post(sign_v1).options(preflight_v1))
        .route("/api/sign", get(sign_mio).options(preflight_mio))
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .fallback(http::not_found)
        .method_not_allowed_fallback(http::method_not_allowed)
        .with_state(Arc::new(config))
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            http::RequestLog {
                timeout: limits.request_timeout,
                metrics: None,
            },
            http::log_requests,
        ))
}

/// Serves the signer until SIGINT/SIGTERM.
pub async fn run(listener: tokio::net::TcpListener, config: SignerConfig, limits: http::Limits) {
    http::serve(
        listener,
        router(config, limits),
        limits,
        http::shutdown_signal(),
    )
    .await;
}

impl SignerConfig {
    /// The origin to echo in `Access-Control-Allow-Origin`, if the request's is allowed.
    fn allowed_origin(&self, headers: &HeaderMap) -> Option<HeaderValue> {
        let origin = headers.get(header::ORIGIN)?;
        let text = origin.to_str().ok()?;
        self.allowed_origins
            .iter()
            .any(|o| o == "*" || o == text)
            .then(|| origin.clone())
    }
}

#[derive(Deserialize)]
struct SignBody {
    license: String,
}

async fn sign_v1(State(config): State<Shared>, headers: HeaderMap, Body(body): Body) -> Response {
    let mut response = match serde_json::from_slice::<SignBody>(&body) {
        Err(_) => error_response(
            StatusCode::BAD_REQUEST,
            "malformed",
            "the body must be JSON {\"license\": \"<jwt>\"}",
        ),
        Ok(body) => sign_license(&config, &body.license),
    };
    if let Some(origin) = config.allowed_origin(&headers) {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

fn sign_license(config: &SignerConfig, license: &str) -> Response {
    let license = super::trim_license(license);
    let Some(id) = license_id(license) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "malformed",
            "the license is not a keyctl license JWT",
        );
    };
    // The same answer for every license this signer does not serve, so ids cannot be probed.
    let Some(secret) = config.secrets.for_license(Some(&id)) else {
        return error_response(
            StatusCode::FORBIDDEN,
            "unknown_license",
            "this signer does not sign for that license",
        );
    };
    let datetime = format_datetime((config.clock)());
    let mut response = match sign(Scheme::Keyctl1, secret.expose(), &datetime, license) {
        Ok(sig) => Json(json!({
            "algorithm": Scheme::Keyctl1.algorithm(),
            "license_id": id,
            "datetime": sig.datetime,
            "signature": sig.signature,
        }))
        .into_response(),
        Err(err) => error_response(StatusCode::BAD_REQUEST, "malformed", err.to_string()),
    };
    response.extensions_mut().insert(LoggedLicense(id));
    response
}

async fn preflight_v1(State(config): State<Shared>, headers: HeaderMap) -> Response {
    let Some(origin) = config.allowed_origin(&headers) else {
        return error_response(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "this origin may not call the signer",
        );
    };
    let mut response = StatusCode::NO_CONTENT.into_response();
    let h = response.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    allow(h, "POST, OPTIONS", "content-type");
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    response
}

/// `Access-Control-Allow-Methods` and `-Headers`.
fn allow(h: &mut HeaderMap, methods: &'static str, headers: &'static str) {
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(methods),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(headers),
    );
}

/// The Media-IO CORS headers: `*` by default, narrowed by `--allow-origin`.
fn mio_cors(config: &SignerConfig, request: &HeaderMap, response: &mut Response) {
    let h = response.headers_mut();
    if config.allowed_origins.is_empty() {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    } else if let Some(origin) = config.allowed_origin(request) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    allow(h, "GET", "x-token,x-datetime");
}

fn text(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn sign_mio(State(config): State<Shared>, headers: HeaderMap) -> Response {
    let mut response = mio_signature(&config, &headers);
    mio_cors(&config, &headers, &mut response);
    response
}

fn mio_signature(config: &SignerConfig, headers: &HeaderMap) -> Response {
    let datetime = headers.get("x-datetime");
    let token = headers.get("x-token");
    let (datetime, token) = match (datetime, token) {
        (None, None) => {
            return text(
                StatusCode::UNPROCESSABLE_ENTITY,
                "missing x-datetime and x-token header",
            )
        }
        (None, _) => {
            return text(
                StatusCode::UNPROCESSABLE_ENTITY,
                "missing x-datetime header",
            )
        }
        (_, None) => return text(StatusCode::UNPROCESSABLE_ENTITY, "missing x-token header"),
        (Some(d), Some(t)) => (d, t),
    };
    let (Ok(datetime), Ok(token)) = (datetime.to_str(), token.to_str()) else {
        return text(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid x-datetime or x-token header",
        );
    };
    // Refusing datetimes far from now keeps the signer from minting signatures for later use.
    match parse_mio_datetime(datetime) {
        None => {
            return text(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid x-datetime header",
            )
        }
        Some(t) if (config.clock)().abs_diff(t) > config.max_skew.unsigned_abs() => {
            return text(
                StatusCode::UNPROCESSABLE_ENTITY,
                "x-datetime is outside the signer's clock window",
            )
        }
        Some(_) => {}
    }
    let id = license_id(super::trim_license(token));
    let Some(secret) = config.secrets.for_license(id.as_deref()) else {
        return text(
            StatusCode::FORBIDDEN,
            "this signer does not sign for that license",
        );
    };
    let mut response = match sign(Scheme::Mio4, secret.expose(), datetime, token) {
        Ok(sig) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            sig.signature,
        )
            .into_response(),
        Err(_) => text(StatusCode::UNPROCESSABLE_ENTITY, "invalid x-token header"),
    };
    if let Some(id) = id {
        response.extensions_mut().insert(LoggedLicense(id));
    }
    response
}

async fn preflight_mio(State(config): State<Shared>, headers: HeaderMap) -> Response {
    let mut response = StatusCode::OK.into_response();
    mio_cors(&config, &headers, &mut response);
    response
}

/// Default bounds for the signer.
pub fn default_limits() -> http::Limits {
    http::Limits {
        request_timeout: Duration::from_secs(10),
        ..http::Limits::default()
    }
}
