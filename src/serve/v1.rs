//! keyctl's own API: `POST /v1/validate`, `/v1/activate`, `/v1/deactivate`.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{Admission, AppState};
use crate::error::Error;
use crate::http::{error_response, Body, LoggedLicense};
use crate::license::{Claims, Outcome, Verdict};
use crate::signer::{self, Scheme, SignedRequest};
use crate::store::{Activated, LicenseRecord, Machine};
use crate::time::{self, rfc3339};

/// The HTTP status of a failed verification.
fn status_of(outcome: Outcome) -> StatusCode {
    match outcome {
        Outcome::Valid => StatusCode::OK,
        Outcome::Malformed => StatusCode::BAD_REQUEST,
        Outcome::BadSignature | Outcome::BadRequestSignature | Outcome::StaleRequest => {
            StatusCode::UNAUTHORIZED
        }
        Outcome::ReplayedRequest => StatusCode::CONFLICT,
        Outcome::Expired | Outcome::NotYetValid | Outcome::ScopeMismatch | Outcome::Revoked => {
            StatusCode::FORBIDDEN
        }
        Outcome::Error => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// `{"valid": false, "code", "error"}` with the outcome's status. An internal error is
/// logged, and the client only learns that there was one.
fn failure(verdict: &Verdict) -> Response {
    let reason = if verdict.outcome == Outcome::Error {
        tracing::error!("{}", verdict.reason);
        "internal error; see the server log"
    } else {
        verdict.reason.as_str()
    };
    let body = json!({ "valid": false, "code": verdict.outcome.code(), "error": reason });
    (status_of(verdict.outcome), Json(body)).into_response()
}

fn with_license(mut response: Response, license_id: &str) -> Response {
    response
        .extensions_mut()
        .insert(LoggedLicense(license_id.to_owned()));
    response
}

/// Parses a JSON body, or says why it is `malformed`.
fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, Verdict> {
    serde_json::from_slice(body).map_err(|err| {
        let reason = err.to_string();
        let reason = reason.split(" at line ").next().unwrap_or_default();
        Verdict::fail(
            Outcome::Malformed,
            format!("the body is not the expected JSON ({reason})"),
        )
    })
}

/// [`parse_body`] for endpoints whose errors are `{"code", "error"}`.
fn parse_machine_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, Response> {
    parse_body(body)
        .map_err(|verdict| error_response(StatusCode::BAD_REQUEST, "malformed", verdict.reason))
}

fn store_failure(err: &Error) -> Response {
    tracing::error!("{err}");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "error",
        "the store failed; see the server log",
    )
}

/// `{"used", "allowed"}`, with -1 for unlimited.
fn seats_json(used: u64, max_activations: Option<i64>) -> Value {
    json!({ "used": used, "allowed": max_activations.filter(|n| *n > 0).unwrap_or(-1) })
}

fn seats(state: &AppState, claims: &Claims) -> Value {
    let used = state.store.seats_used(&claims.jti).unwrap_or(0);
    seats_json(used, claims.max_activations)
}

#[derive(Deserialize)]
pub(super) struct ValidateBody {
    license: String,
    datetime: String,
    signature: String,
    product: String,
    domain: Option<String>,
    hwid: Option<String>,
}

/// `POST /v1/validate`: request signature, skew, replay, then the license itself.
pub(super) async fn validate(State(state): State<Arc<AppState>>, Body(body): Body) -> Response {
    let body: ValidateBody = match parse_body(&body) {
        Ok(body) => body,
        Err(verdict) => return failure(&verdict),
    };
    let now = time::now();
    let license = signer::trim_license(&body.license);
    let request = SignedRequest {
        scheme: Scheme::Keyctl1,
        license,
        datetime: &body.datetime,
        signature: &body.signature,
    };
    // verify_request reads the license id once and hands it to this lookup; keep it.
    let mut license_id = String::new();
    let checked = signer::verify_request(&request, now, state.config.max_skew, |id| {
        let id = id?;
        license_id = id.to_owned();
        Some(state.store.license(id).ok().flatten()?.secret)
    });
    if let Err(verdict) = checked {
        return failure(&verdict);
    }
    let expires = signer::parse_datetime(&body.datetime).unwrap_or(now) + state.config.max_skew;
    match state
        .replay
        .admit(&license_id, &body.datetime, &body.signature, expires, now)
    {
        Admission::Fresh => {}
        Admission::Replayed => {
            let verdict = Verdict::fail(
                Outcome::ReplayedRequest,
                "this signed request was already used",
            );
            return with_license(failure(&verdict), &license_id);
        }
        Admission::Full => {
            let response = error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "too many signed requests to check for replay; retry shortly",
            );
            return with_license(response, &license_id);
        }
    }
    let verdict = state.verify(
        license,
        &body.product,
        body.domain.as_deref(),
        body.hwid.as_deref(),
        now,
    );
    let response = match &verdict.claims {
        Some(claims) if verdict.is_valid() => Json(json!({
            "valid": true,
            "code": "valid",
            "license_id": claims.jti,
            "licensee": claims.sub,
            "products": claims.products,
            "features": claims.features,
            "expires": claims.exp.map(rfc3339),
            "activations": seats(&state, claims),
        }))
        .into_response(),
        _ => failure(&verdict),
    };
    with_license(response, &license_id)
}

#[derive(Deserialize)]
pub(super) struct MachineBody {
    license: Option<String>,
    key: Option<String>,
    product: String,
    hwid: String,
    machine: Option<String>,
    user: Option<String>,
    domain: Option<String>,
}

impl MachineBody {
    /// Parses the body and finds the license it names by `license` (JWT) or `key` (short key).
    fn parse_and_find(
        state: &AppState,
        body: &Bytes,
    ) -> Result<(MachineBody, LicenseRecord), Response> {
        let body: MachineBody = parse_machine_body(body)?;
        let reference = body
            .license
            .as_deref()
            .or(body.key.as_deref())
            .ok_or_else(|| {
                error_response(
                    StatusCode::BAD_REQUEST,
                    "malformed",
                    "the body needs `license` (JWT) or `key` (short key)",
                )
            })?;
        match state.store.find_license(reference) {
            Ok(record) => Ok((body, record)),
            Err(Error::NotFound { .. }) => Err(error_response(
                StatusCode::NOT_FOUND,
                "unknown_license",
                "no such license",
            )),
            Err(err) => Err(store_failure(&err)),
        }
    }

    /// The license's claims, when it is valid for `product` (and `domain`) now.
    fn verified(&self, state: &AppState, record: &LicenseRecord) -> Result<Claims, Response> {
        let verdict = state.verify(
            &record.jwt,
            &self.product,
            self.domain.as_deref(),
            None,
            time::now(),
        );
        match verdict.claims {
            Some(claims) if verdict.outcome == Outcome::Valid => Ok(claims),
            _ => Err(with_license(failure(&verdict), &record.id)),
        }
    }
}

/// `POST /v1/activate`: takes a seat for `hwid`, idempotently; 409 when the license is full.
pub(super) async fn activate(State(state): State<Arc<AppState>>, Body(body): Body) -> Response {
    let found = MachineBody::parse_and_find(&state, &body).and_then(|(body, record)| {
        body.verified(&state, &record)
            .map(|claims| (body, record, claims))
    });
    let (body, record, claims) = match found {
        Ok(found) => found,
        Err(response) => return response,
    };
    let machine = Machine {
        hwid: &body.hwid,
        machine: body.machine.as_deref(),
        user: body.user.as_deref(),
    };
    let response = match take_seat(&state, &claims, machine).await {
        Ok(Activated::Granted { new, used }) => Json(json!({
            "activated": true,
            "new": new,
            "license_id": claims.jti,
            "hwid": body.hwid,
            "activations": seats_json(used, claims.max_activations),
        }))
        .into_response(),
        Ok(Activated::NoSeatsLeft { used }) => error_response(
            StatusCode::CONFLICT,
            "no_activations_left",
            format!("all {used} activations of the license are in use"),
        ),
        Err(response) => response,
    };
    with_license(response, &record.id)
}

/// Takes a seat and waits until it is durable; counts the result.
pub(super) async fn take_seat(
    state: &AppState,
    claims: &Claims,
    machine: Machine<'_>,
) -> Result<Activated, Response> {
    let result = state
        .store
        .activate(&claims.jti, machine, claims.seat_limit(), time::now());
    match result {
        Ok(activated @ Activated::Granted { new, .. }) => {
            if new {
                state.commit.durable().await;
                state
                    .metrics
                    .activations_granted
                    .fetch_add(1, Ordering::Relaxed);
            }
            Ok(activated)
        }
        Ok(refused @ Activated::NoSeatsLeft { .. }) => {
            state
                .metrics
                .activations_refused
                .fetch_add(1, Ordering::Relaxed);
            Ok(refused)
        }
        Err(Error::InvalidInput { what, reason }) => Err(error_response(
            StatusCode::BAD_REQUEST,
            "malformed",
            format!("{what}: {reason}"),
        )),
        Err(err) => Err(store_failure(&err)),
    }
}

/// `POST /v1/deactivate`: frees the seat of `hwid`, whatever the license's standing (a seat
/// of an expired or revoked license may always be given back).
pub(super) async fn deactivate(State(state): State<Arc<AppState>>, Body(body): Body) -> Response {
    let (body, record) = match MachineBody::parse_and_find(&state, &body) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let response = match state.store.deactivate(&record.id, &body.hwid) {
        Ok((removed, used)) => {
            if removed {
                state.commit.durable().await;
            }
            Json(json!({
                "deactivated": removed,
                "license_id": record.id,
                "hwid": body.hwid,
                "activations": seats_json(used, record.max_activations),
            }))
            .into_response()
        }
        Err(err) => store_failure(&err),
    };
    with_license(response, &record.id)
}
