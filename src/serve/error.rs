//! `ApiError`: every way a request to keyctl's own API (`/v1/…`) can fail, mapped in one place
//! to a status and a stable JSON `code`.
//!
//! Verification failures carry `"valid": false` and the outcome's code. A store failure is
//! logged with its detail and answered `503 store_unavailable`; it is never disguised as a
//! `401` or `404`, and the client never sees the detail.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::error::Error;
use crate::license::{Outcome, Verdict};

/// A failed `/v1/…` request.
#[derive(Debug)]
pub enum ApiError {
    /// The license or the signed request did not verify.
    Verdict(Box<Verdict>),
    /// The body or a field is not what the endpoint takes (400 `malformed`).
    Malformed(String),
    /// The request names a license but does not prove that the caller owns it
    /// (401 `proof_required`).
    ProofRequired(&'static str),
    /// No license has this short key, or the exact JWT is not one the store issued
    /// (404 `unknown_license`).
    UnknownLicense,
    /// Every seat of the license is taken (409 `no_activations_left`).
    NoSeatsLeft {
        /// Seats in use.
        used: u64,
    },
    /// An unlimited license reached the server's cap on machines (409 `machine_cap`).
    MachineCap {
        /// The cap (`serve --unlimited-cap`).
        cap: u64,
    },
    /// The replay cache is full (503 `busy`).
    ReplayCacheFull,
    /// The license holds its whole share of the replay cache (429 `too_many_requests`).
    LicenseBusy,
    /// The machine has no seat on the license (404 `not_activated`).
    NotActivated,
    /// The server cannot sign: its store's keys are encrypted and it was started without
    /// the passphrase (503 `keys_locked`).
    KeysLocked,
    /// The store failed (503 `store_unavailable`); logged, never shown.
    Store(Error),
}

impl From<Verdict> for ApiError {
    fn from(verdict: Verdict) -> Self {
        ApiError::Verdict(Box::new(verdict))
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        match err {
            Error::InvalidInput { what, reason } => {
                ApiError::Malformed(format!("{what}: {reason}"))
            }
            Error::KeysLocked { .. } => ApiError::KeysLocked,
            Error::LicenseRefused {
                outcome, reason, ..
            } => Verdict::fail(outcome, reason).into(),
            err => ApiError::Store(err),
        }
    }
}

/// The HTTP status of a failed verification.
pub fn status_of(outcome: Outcome) -> StatusCode {
    match outcome {
        Outcome::Valid => StatusCode::OK,
        Outcome::Malformed => StatusCode::BAD_REQUEST,
        Outcome::BadSignature | Outcome::BadRequestSignature | Outcome::StaleRequest => {
            StatusCode::UNAUTHORIZED
        }
        Outcome::ReplayedRequest => StatusCode::CONFLICT,
        // The server answers from its store, so it never reports the last two (offline
        // checks); were one to reach it, it is a refusal like the others.
        Outcome::Expired
        | Outcome::NotYetValid
        | Outcome::ScopeMismatch
        | Outcome::Revoked
        | Outcome::StatusUnknown
        | Outcome::ClockRollback => StatusCode::FORBIDDEN,
        Outcome::Error => StatusCode::SERVICE_UNAVAILABLE,
    }
}

const STORE_UNAVAILABLE: &str = "the store is unavailable; retry shortly";

fn plain(status: StatusCode, code: &str, error: impl Into<String>) -> Response {
    (status, Json(json!({ "code": code, "error": error.into() }))).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Verdict(verdict) => {
                let (code, reason) = if verdict.outcome == Outcome::Error {
                    tracing::error!("verification failed in the store: {}", verdict.reason);
                    ("store_unavailable", STORE_UNAVAILABLE)
                } else {
                    (verdict.outcome.code(), verdict.reason.as_str())
                };
                let body = json!({ "valid": false, "code": code, "error": reason });
                (status_of(verdict.outcome), Json(body)).into_response()
            }
            ApiError::Malformed(reason) => plain(StatusCode::BAD_REQUEST, "malformed", reason),
            ApiError::ProofRequired(reason) => {
                plain(StatusCode::UNAUTHORIZED, "proof_required", reason)
            }
            ApiError::UnknownLicense => {
                plain(StatusCode::NOT_FOUND, "unknown_license", "no such license")
            }
            ApiError::NoSeatsLeft { used } => plain(
                StatusCode::CONFLICT,
                "no_activations_left",
                format!("all {used} activations of the license are in use"),
            ),
            ApiError::MachineCap { cap } => plain(
                StatusCode::CONFLICT,
                "machine_cap",
                format!(
                    "the license is unlimited, but this server allows at most {cap} machines per license; deactivate unused machines"
                ),
            ),
            ApiError::ReplayCacheFull => plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "too many signed requests to check for replay; retry shortly",
            ),
            ApiError::LicenseBusy => plain(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "this license has too many signed requests within the skew window; retry shortly",
            ),
            ApiError::NotActivated => plain(
                StatusCode::NOT_FOUND,
                "not_activated",
                "this machine is not activated on the license; activate it first (POST /v1/activate)",
            ),
            ApiError::KeysLocked => plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "keys_locked",
                "this server cannot sign: it was started without the passphrase of its signing keys",
            ),
            ApiError::Store(err) => {
                tracing::error!("store failure: {err}");
                plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store_unavailable",
                    STORE_UNAVAILABLE,
                )
            }
        }
    }
}
