//! The older key servers' API (`../shared/spec/compat-api.md`): `POST /api/activate` and
//! `GET /api/check`, with the same status codes and bodies, and keyctl's fixes: every
//! machine is recorded, re-activation is free, `check` needs an activated machine of a
//! valid license, seats are atomic, and bad input gets 400/404, never 500.

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
use super::AppState;
use crate::http::{Body, LoggedLicense};
use crate::store::{Activated, Machine, Product};
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

fn logged(mut response: Response, license_id: &str) -> Response {
    response
        .extensions_mut()
        .insert(LoggedLicense(license_id.to_owned()));
    response
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
    let product = match state.store.product(args.arg("app_id")) {
        Ok(Some(product)) => product,
        _ => return failure(StatusCode::NOT_FOUND, INVALID, None),
    };
    let Ok(record) = state.store.find_license(args.arg("token")) else {
        return failure(StatusCode::NOT_FOUND, INVALID, Some(&product));
    };
    let verdict = state.verify(&record.jwt, &product.id, None, None, time::now());
    let valid = verdict.is_valid();
    let Some(claims) = verdict.claims.filter(|_| valid) else {
        return logged(
            failure(StatusCode::NOT_FOUND, INVALID, Some(&product)),
            &record.id,
        );
    };
    let machine = Machine {
        hwid: args.arg("hwid"),
        machine: args.get("machine"),
        user: args.get("user"),
    };
    let response = match take_seat(&state, &claims, machine).await {
        Ok(Activated::Granted { used, .. }) => {
            let remaining = claims
                .seat_limit()
                .map_or(-1, |limit| limit.saturating_sub(used) as i64);
            let body = json!({ "result": "ok", "remainingActivations": remaining.to_string() });
            (StatusCode::CREATED, Json(body)).into_response()
        }
        Ok(Activated::NoSeatsLeft { .. }) => failure(
            StatusCode::GONE,
            "key is out of activations",
            Some(&product),
        ),
        Err(_) => failure(StatusCode::NOT_FOUND, INVALID, Some(&product)),
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
    let Ok(Some(product)) = state.store.product(args.arg("app_id")) else {
        return invalid();
    };
    let Ok(record) = state.store.find_license(args.arg("token")) else {
        return invalid();
    };
    let verdict = state.verify(
        &record.jwt,
        &product.id,
        None,
        Some(args.arg("hwid")),
        time::now(),
    );
    let response = if verdict.is_valid() {
        (StatusCode::CREATED, Json(json!({"result": "ok"}))).into_response()
    } else {
        invalid()
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
