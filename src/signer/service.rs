//! `keyctl signer`: the signer as an HTTP service beside the product.
//!
//! - `POST /v1/sign` `{"license": J}` → `{"algorithm","license_id","datetime","signature"}`,
//!   with CORS for the origins given by `--allow-origin`; `GET /v1/sign` with `x-datetime`
//!   and `x-token` headers, for a client that chooses the datetime (within the skew).
//! - `GET /api/sign` with `x-datetime` and `x-token` → the MIO4 signature as text, with the
//!   Media-IO status codes, bodies and CORS headers.
//! - `GET /healthz`.
//!
//! The signer holds secrets, so it answers only callers the operator named: a request for
//! another `Host` (DNS rebinding) is refused, a browser request (it has an `Origin`) must
//! come from an allowed origin, and a request without `Origin` (a native product, or a
//! script) is answered only with `--allow-no-origin`.

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

use super::{
    format_datetime, license_id, parse_mio_datetime, sign, sign_machine_request, MachineRequest,
    MachineRoute, Scheme, SignerSecrets,
};
use crate::http::{self, error_response, Body, LoggedLicense};
use crate::time::Timestamp;

/// How a signer service behaves.
#[derive(Clone, Debug)]
pub struct SignerConfig {
    /// The secrets it signs with.
    pub secrets: SignerSecrets,
    /// Origins allowed to call it from a browser (`*` for any); empty allows none.
    pub allowed_origins: Vec<String>,
    /// Whether requests without an `Origin` header (native products) are answered.
    pub allow_no_origin: bool,
    /// Host names requests may be addressed to (the `Host` header without its port),
    /// lowercase: the listen address and `localhost` unless the operator says otherwise.
    pub allowed_hosts: Vec<String>,
    /// How far a Media-IO `x-datetime` may be from this signer's clock, seconds.
    pub max_skew: i64,
    /// The clock.
    pub clock: fn() -> Timestamp,
}

type Shared = Arc<SignerConfig>;

/// The signer's routes.
pub fn router(config: SignerConfig, limits: http::Limits) -> Router {
    Router::new()
        .route(
            "/v1/sign",
            post(sign_v1).get(sign_v1_headers).options(preflight_v1),
        )
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

    /// Whether the request may be answered: its `Host` is one of ours, and its `Origin` is
    /// allowed, or absent and the operator allows that.
    fn check_caller(&self, headers: &HeaderMap) -> Result<(), SignerError> {
        let host = single_header(headers, header::HOST.as_str())?
            .and_then(|h| h.to_str().ok())
            .map(host_name);
        match host {
            Some(host) if self.allowed_hosts.contains(&host) => {}
            _ => return Err(SignerError::Host),
        }
        match single_header(headers, header::ORIGIN.as_str())? {
            Some(_) if self.allowed_origin(headers).is_some() => Ok(()),
            Some(_) => Err(SignerError::Origin),
            None if self.allow_no_origin => Ok(()),
            None => Err(SignerError::NoOrigin),
        }
    }
}

/// Every way a signer request fails, mapped in one place to a status, a stable JSON code
/// (`/v1/sign`) and the plain text Media-IO's clients read (`/api/sign`).
#[derive(Clone, Debug, PartialEq, Eq)]
enum SignerError {
    /// `Host` is not one of the signer's names (403).
    Host,
    /// `Origin` is not allowed (403).
    Origin,
    /// No `Origin`, and `--allow-no-origin` was not given (403).
    NoOrigin,
    /// A header that must appear once appears more often (400).
    Duplicate(&'static str),
    /// The request is not one the signer can sign (400 JSON; 422 text on `/api/sign`,
    /// Media-IO's status for its header errors).
    Malformed(String),
    /// This signer holds no secret for the license (403), the same for every such id.
    UnknownLicense,
}

impl SignerError {
    fn status(&self) -> StatusCode {
        match self {
            SignerError::Duplicate(_) | SignerError::Malformed(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::FORBIDDEN,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            SignerError::Host => "host_not_allowed",
            SignerError::Origin => "origin_not_allowed",
            SignerError::NoOrigin => "origin_required",
            SignerError::Duplicate(_) | SignerError::Malformed(_) => "malformed",
            SignerError::UnknownLicense => "unknown_license",
        }
    }

    fn message(&self) -> String {
        match self {
            SignerError::Host => "this signer does not answer for that host name (allow it with --allow-host)".into(),
            SignerError::Origin => "this origin may not call the signer".into(),
            SignerError::NoOrigin => "requests without an Origin header are refused (start the signer with --allow-no-origin to serve native products)".into(),
            SignerError::Duplicate(name) => format!("duplicate {name} header"),
            SignerError::Malformed(reason) => reason.clone(),
            SignerError::UnknownLicense => "this signer does not sign for that license".into(),
        }
    }

    /// As text, for Media-IO's `/api/sign`.
    fn text(&self) -> Response {
        let status = match self {
            SignerError::Malformed(_) => StatusCode::UNPROCESSABLE_ENTITY,
            other => other.status(),
        };
        text(status, self.message())
    }
}

impl IntoResponse for SignerError {
    /// As JSON `{"code", "error"}`, for `/v1/sign`.
    fn into_response(self) -> Response {
        error_response(self.status(), self.code(), self.message())
    }
}

/// The one value of header `name`, `None` when absent; more than one is refused.
fn single_header<'h>(
    headers: &'h HeaderMap,
    name: &'static str,
) -> Result<Option<&'h HeaderValue>, SignerError> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(SignerError::Duplicate(name));
    }
    Ok(first)
}

/// The host name of a `Host` header: lowercase, without the port or IPv6 brackets.
fn host_name(host: &str) -> String {
    let host = host.trim();
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.to_ascii_lowercase()
}

/// The host names a signer listening on `addr` answers to by default: the address itself
/// and `localhost`.
pub fn default_hosts(addr: std::net::SocketAddr) -> Vec<String> {
    vec![addr.ip().to_string(), "localhost".into()]
}

#[derive(Deserialize)]
struct SignBody {
    license: String,
    /// A machine route to sign for (`activate`, `deactivate`), with its fields.
    #[serde(rename = "for")]
    route: Option<String>,
    product: Option<String>,
    hwid: Option<String>,
    machine: Option<String>,
    user: Option<String>,
    domain: Option<String>,
}

impl SignBody {
    /// The machine request the signature must cover, if any.
    fn machine_request(&self) -> Result<Option<MachineRequest<'_>>, &'static str> {
        let Some(route) = self.route.as_deref() else {
            return Ok(None);
        };
        let route = match route {
            "activate" => MachineRoute::Activate,
            "deactivate" => MachineRoute::Deactivate,
            "checkout" => MachineRoute::Checkout,
            _ => return Err("`for` must be \"activate\", \"deactivate\" or \"checkout\""),
        };
        let (Some(product), Some(hwid)) = (self.product.as_deref(), self.hwid.as_deref()) else {
            return Err("a machine request needs `product` and `hwid`");
        };
        Ok(Some(MachineRequest {
            route,
            product,
            hwid,
            machine: self.machine.as_deref(),
            user: self.user.as_deref(),
            domain: self.domain.as_deref(),
        }))
    }
}

async fn sign_v1(State(config): State<Shared>, headers: HeaderMap, Body(body): Body) -> Response {
    v1_answer(&config, &headers, sign_v1_body(&config, &headers, &body))
}

/// A `/v1/sign` answer, JSON, with the CORS headers of an allowed origin (errors too).
fn v1_answer(
    config: &SignerConfig,
    headers: &HeaderMap,
    result: Result<Response, SignerError>,
) -> Response {
    let mut response = result.unwrap_or_else(IntoResponse::into_response);
    if let Some(origin) = config.allowed_origin(headers) {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

fn sign_v1_body(
    config: &SignerConfig,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, SignerError> {
    config.check_caller(headers)?;
    let body: SignBody = serde_json::from_slice(body).map_err(|_| {
        SignerError::Malformed("the body must be JSON {\"license\": \"<jwt>\"}".into())
    })?;
    let request = body
        .machine_request()
        .map_err(|reason| SignerError::Malformed(reason.into()))?;
    let datetime = format_datetime((config.clock)());
    sign_keyctl1(config, &body.license, request.as_ref(), &datetime)
}

/// `GET /v1/sign`: KEYCTL1 for the client's `x-datetime` (within the skew of this clock) and
/// `x-token`, the headers of the Media-IO flow.
async fn sign_v1_headers(State(config): State<Shared>, headers: HeaderMap) -> Response {
    v1_answer(&config, &headers, sign_v1_from_headers(&config, &headers))
}

fn sign_v1_from_headers(
    config: &SignerConfig,
    headers: &HeaderMap,
) -> Result<Response, SignerError> {
    config.check_caller(headers)?;
    let (datetime, token) = datetime_and_token(config, headers, super::parse_datetime)?;
    sign_keyctl1(config, token, None, datetime)
}

/// The `x-datetime` and `x-token` headers, each present once, with a datetime `parse` reads
/// and that lies within the skew of this signer's clock: refusing others keeps the signer
/// from minting signatures for later use.
fn datetime_and_token<'h>(
    config: &SignerConfig,
    headers: &'h HeaderMap,
    parse: fn(&str) -> Option<Timestamp>,
) -> Result<(&'h str, &'h str), SignerError> {
    let malformed = |text: &str| SignerError::Malformed(text.into());
    let datetime = single_header(headers, "x-datetime")?;
    let token = single_header(headers, "x-token")?;
    let (datetime, token) = match (datetime, token) {
        (None, None) => return Err(malformed("missing x-datetime and x-token header")),
        (None, _) => return Err(malformed("missing x-datetime header")),
        (_, None) => return Err(malformed("missing x-token header")),
        (Some(d), Some(t)) => (d, t),
    };
    let (Ok(datetime), Ok(token)) = (datetime.to_str(), token.to_str()) else {
        return Err(malformed("invalid x-datetime or x-token header"));
    };
    match parse(datetime) {
        None => Err(malformed("invalid x-datetime header")),
        Some(t) if (config.clock)().abs_diff(t) > config.max_skew.unsigned_abs() => {
            Err(malformed("x-datetime is outside the signer's clock window"))
        }
        Some(_) => Ok((datetime, token)),
    }
}

/// A KEYCTL1 signature of `license` (and `request`) at `datetime`, as `/v1/sign` answers it.
fn sign_keyctl1(
    config: &SignerConfig,
    license: &str,
    request: Option<&MachineRequest<'_>>,
    datetime: &str,
) -> Result<Response, SignerError> {
    let license = super::trim_license(license);
    let id = license_id(license)
        .ok_or_else(|| SignerError::Malformed("the license is not a keyctl license JWT".into()))?;
    // The same answer for every license this signer does not serve, so ids cannot be probed.
    let secret = config
        .secrets
        .for_license(Some(&id))
        .ok_or(SignerError::UnknownLicense)?;
    let sig = match request {
        Some(request) => sign_machine_request(secret.expose(), datetime, license, request),
        None => sign(Scheme::Keyctl1, secret.expose(), datetime, license),
    }
    .map_err(|err| SignerError::Malformed(err.to_string()))?;
    let mut response = Json(json!({
        "algorithm": Scheme::Keyctl1.algorithm(),
        "license_id": id,
        "datetime": sig.datetime,
        "signature": sig.signature,
    }))
    .into_response();
    response.extensions_mut().insert(LoggedLicense(id));
    Ok(response)
}

async fn preflight_v1(State(config): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(refusal) = config.check_caller(&headers) {
        return refusal.into_response();
    }
    let Some(origin) = config.allowed_origin(&headers) else {
        return SignerError::Origin.into_response();
    };
    let mut response = StatusCode::NO_CONTENT.into_response();
    let h = response.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    allow(h, "GET, POST, OPTIONS", "content-type,x-datetime,x-token");
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

/// The Media-IO CORS headers: `*` when every origin is allowed, else the request's allowed
/// origin echoed back.
fn mio_cors(config: &SignerConfig, request: &HeaderMap, response: &mut Response) {
    let h = response.headers_mut();
    if config.allowed_origins.iter().any(|o| o == "*") {
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

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

async fn sign_mio(State(config): State<Shared>, headers: HeaderMap) -> Response {
    let mut response = match mio_signature(&config, &headers) {
        Ok(response) => response,
        Err(err) => err.text(),
    };
    mio_cors(&config, &headers, &mut response);
    response
}

fn mio_signature(config: &SignerConfig, headers: &HeaderMap) -> Result<Response, SignerError> {
    config.check_caller(headers)?;
    let (datetime, token) = datetime_and_token(config, headers, parse_mio_datetime)?;
    let id = license_id(super::trim_license(token));
    let secret = config
        .secrets
        .for_license(id.as_deref())
        .ok_or(SignerError::UnknownLicense)?;
    let sig = sign(Scheme::Mio4, secret.expose(), datetime, token)
        .map_err(|_| SignerError::Malformed("invalid x-token header".into()))?;
    let mut response = text(StatusCode::OK, sig.signature);
    if let Some(id) = id {
        response.extensions_mut().insert(LoggedLicense(id));
    }
    Ok(response)
}

async fn preflight_mio(State(config): State<Shared>, headers: HeaderMap) -> Response {
    let mut response = match config.check_caller(&headers) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(refusal) => refusal.text(),
    };
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
