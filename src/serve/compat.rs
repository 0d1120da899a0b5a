//! The older key servers' API (`docs/spec/compat-api.md`): `POST /api/activate` and
//! `GET /api/check`, with the same status codes and bodies, and keyctl's fixes: every
//! machine is recorded, re-activation is free, `check` needs an activated machine of a
//! valid license, seats are atomic, and bad input gets 400/404, never 500.
//!
//! `token` is the short key, the licensee's secret, as it was for the older server; the
//! JWT or the license id is accepted only when the operator opts in (`--compat-token jwt`),
//! since anyone who has seen a license knows both. A store failure is `503`, never
//! disguised as an invalid token.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::v1::take_seat;
use super::{ApiError, AppState, CompatToken};
use crate::error::Error;
use crate::http::{Body, LoggedLicense};
use crate::license::ShortKey;
use crate::store::{Activated, LicenseRecord, Machine, Product};
use crate::time;

const MISSING: &str =
    "Missing required parameter in the JSON body or the post body or the query string";
const ACTIVATE_ARGS: [&str; 5] = ["token", "machine", "user", "app_id", "hwid"];
const CHECK_ARGS: [&str; 5] = ["token", "machine", "user", "hwid", "app_id"];

/// The five arguments, from the query string, a form body or a JSON body.
struct Args(HashMap<String, String>);

impl Args {
    /// Collects arguments; the body's win over the query string's. A body that claims to
    /// be JSON and is not gets the old server's 400.
    fn collect(uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Result<Self, Response> {
        let mut args: HashMap<String, String> = HashMap::new();
        if let Some(query) = uri.query() {
            args.extend(form_urlencoded(query.as_bytes()));
        }
        let content_type = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if content_type.starts_with("application/json") && !body.is_empty() {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => {
                    for (name, value) in map {
                        let text = match value {
                            Value::String(s) => s,
                            Value::Number(n) => n.to_string(),
                            Value::Bool(b) => b.to_string(),
                            _ => continue,
                        };
                        args.insert(name, text);
                    }
                }
                _ => {
                    let body = json!({"message": "Failed to decode JSON object: the body is not a JSON object"});
                    return Err((StatusCode::BAD_REQUEST, Json(body)).into_response());
                }
            }
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            args.extend(form_urlencoded(body));
        }
        Ok(Args(args))
    }

    /// Collects the arguments and requires all of `order`.
    fn required(
        uri: &Uri,
        headers: &HeaderMap,
        body: &Bytes,
        order: &[&str],
    ) -> Result<Self, Response> {
        let args = Args::collect(uri, headers, body)?;
        args.require(order)?;
        Ok(args)
    }

    /// The first of `order` that is missing (or empty), as the old server's 400.
    fn require(&self, order: &[&str]) -> Result<(), Response> {
        match order.iter().find(|name| self.get(name).is_none()) {
            Some(name) => {
                let body = json!({ "message": { *name: MISSING } });
                Err((StatusCode::BAD_REQUEST, Json(body)).into_response())
            }
            None => Ok(()),
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    fn arg(&self, name: &str) -> &str {
        self.get(name).unwrap_or_default()
    }

    /// The machine the request is about, checked; a bad field is the old server's `400`
    /// shape, naming the argument.
    fn machine(&self) -> Result<Machine<'_>, Response> {
        let machine = Machine {
            hwid: self.arg("hwid"),
            machine: self.get("machine"),
            user: self.get("user"),
        };
        match machine.check() {
            Ok(()) => Ok(machine),
            Err(Error::InvalidInput { what, reason }) => {
                let body = json!({ "message": { what: reason } });
                Err((StatusCode::BAD_REQUEST, Json(body)).into_response())
            }
            Err(err) => Err(unavailable(&err)),
        }
    }
}

/// Decodes `a=1&b=%C3%A9` pairs; invalid UTF-8 becomes U+FFFD rather than an error.
fn form_urlencoded(input: &[u8]) -> Vec<(String, String)> {
    input
        .split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut parts = pair.splitn(2, |b| *b == b'=');
            let name = percent_decode(parts.next().unwrap_or_default());
            let value = percent_decode(parts.next().unwrap_or_default());
            (name, value)
        })
        .collect()
}

fn percent_decode(input: &[u8]) -> String {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < input.len() => {
                match std::str::from_utf8(&input[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn failure(status: StatusCode, error: &str, support: Option<&Product>) -> Response {
    let support = support.and_then(|p| p.support_message.clone());
    (
        status,
        Json(json!({ "result": "failure", "error": error, "support_message": support })),
    )
        .into_response()
}

/// A store failure, logged, in the compat shape with keyctl's code: `503`.
fn unavailable(err: &Error) -> Response {
    tracing::error!("store failure: {err}");
    let body = json!({
        "result": "failure",
        "error": "the store is unavailable; retry shortly",
        "code": "store_unavailable",
    });
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}

fn logged(mut response: Response, license_id: &str) -> Response {
    response
        .extensions_mut()
        .insert(LoggedLicense(license_id.to_owned()));
    response
}

impl AppState {
    /// The product named by `app_id`, and the license of that product's request named by
    /// `token`, which must be the short key unless the operator allowed JWTs and ids.
    fn compat_lookup(
        &self,
        args: &Args,
    ) -> Result<(Option<Product>, Option<LicenseRecord>), Error> {
        let Some(product) = self.store.product(args.arg("app_id"))? else {
            return Ok((None, None));
        };
        let token = args.arg("token");
        let found = match (self.config.compat_token, ShortKey::parse(token)) {
            (_, Some(short)) => self.store.license_by_short_key(&short),
            (CompatToken::Jwt, None) => match self.store.find_license(token) {
                Ok(record) => Ok(Some(record)),
                Err(Error::NotFound { .. }) => Ok(None),
                Err(err) => Err(err),
            },
            (CompatToken::Key, None) => Ok(None),
        };
        found.map(|record| (Some(product), record))
    }
}

/// `POST /api/activate`.
pub(super) async fn activate(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
    Body(body): Body,
) -> Response {
    let args = match Args::required(&uri, &headers, &body, &ACTIVATE_ARGS) {
        Ok(args) => args,
        Err(response) => return response,
    };
    const INVALID: &str = "invalid activation token";
    let machine = match args.machine() {
        Ok(machine) => machine,
        Err(response) => return response,
    };
    let (product, record) = match state.compat_lookup(&args) {
        Ok((Some(product), Some(record))) => (product, record),
        Ok((product, _)) => return failure(StatusCode::NOT_FOUND, INVALID, product.as_ref()),
        Err(err) => return unavailable(&err),
    };
    let now = time::now();
    let verdict = state.verify(&record.jwt, &product.id, None, None, now);
    let valid = verdict.is_valid();
    let Some(claims) = verdict.claims.filter(|_| valid) else {
        let response = match verdict.outcome {
            crate::license::Outcome::Error => unavailable(&Error::Store(verdict.reason)),
            _ => failure(StatusCode::NOT_FOUND, INVALID, Some(&product)),
        };
        return logged(response, &record.id);
    };
    let response = match take_seat(&state, &claims, machine, now).await {
        Ok(Activated::Granted { used, .. }) => {
            let remaining = claims
                .seat_limit()
                .map_or(-1, |limit| limit.saturating_sub(used) as i64);
            let body = json!({ "result": "ok", "remainingActivations": remaining.to_string() });
            (StatusCode::CREATED, Json(body)).into_response()
        }
        Ok(Activated::NoSeatsLeft { .. }) | Err(ApiError::MachineCap { .. }) => failure(
            StatusCode::GONE,
            "key is out of activations",
            Some(&product),
        ),
        Err(err) => err.into_response(),
    };
    logged(response, &record.id)
}

/// `GET /api/check`.
pub(super) async fn check(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
    Body(body): Body,
) -> Response {
    let args = match Args::required(&uri, &headers, &body, &CHECK_ARGS) {
        Ok(args) => args,
        Err(response) => return response,
    };
    let invalid = || {
        (
            StatusCode::NOT_FOUND,
            Json(json!({"result": "failure", "error": "invalid key"})),
        )
            .into_response()
    };
    if let Err(response) = args.machine() {
        return response;
    }
    let (product, record) = match state.compat_lookup(&args) {
        Ok((Some(product), Some(record))) => (product, record),
        Ok(_) => return invalid(),
        Err(err) => return unavailable(&err),
    };
    let verdict = state.verify(
        &record.jwt,
        &product.id,
        None,
        Some(args.arg("hwid")),
        time::now(),
    );
    let response = match verdict.outcome {
        crate::license::Outcome::Valid => {
            (StatusCode::CREATED, Json(json!({"result": "ok"}))).into_response()
        }
        crate::license::Outcome::Error => unavailable(&Error::Store(verdict.reason)),
        _ => invalid(),
    };
    logged(response, &record.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_never_fails() {
        assert_eq!(percent_decode(b"a+b%20c"), "a b c");
        assert_eq!(percent_decode(b"%C3%A9t%C3%A9"), "été");
        assert_eq!(percent_decode(b"100%"), "100%");
        assert_eq!(percent_decode(b"%zz%4"), "%zz%4");
        assert_eq!(percent_decode(b"%FF"), "\u{FFFD}");
        let pairs = form_urlencoded(b"token=a%2Db&app_id=1&&hwid");
        assert_eq!(
            pairs,
            [
                ("token".into(), "a-b".into()),
                ("app_id".into(), "1".into()),
                ("hwid".into(), String::new())
            ]
        );
    }
}
