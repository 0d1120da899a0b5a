//! keyctl's own API: `POST /v1/validate`, `/v1/activate`, `/v1/deactivate`,
//! `/v1/machines/checkout`.
//!
//! Each handler extracts the body, calls the checks on [`AppState`] and the store, and
//! answers JSON; every failure is an [`ApiError`].

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::proof::{Ownership, Signed};
use super::{ApiError, AppState};
use crate::http::{Body, LoggedLicense};
use crate::license::{Claims, Outcome, Verdict};
use crate::offline;
use crate::signer::{self, MachineRequest, MachineRoute, Scheme, SignedRequest};
use crate::store::{Activated, LicenseRecord, Machine};
use crate::time::{self, rfc3339, Timestamp};
use keyctl_core::machine::HwidHash;

/// The answer, with the license id for the log line when one is known.
fn respond(result: Result<Value, ApiError>, license_id: Option<&str>) -> Response {
    let mut response = match result {
        Ok(body) => Json(body).into_response(),
        Err(err) => err.into_response(),
    };
    if let Some(id) = license_id {
        response
            .extensions_mut()
            .insert(LoggedLicense(id.to_owned()));
    }
    response
}

/// Parses a JSON object body, or says why it is `malformed`. Arrays are refused: serde
/// would otherwise read them positionally into the fields.
fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(ApiError::Malformed("the body must be a JSON object".into()));
    }
    serde_json::from_slice(body).map_err(|err| {
        let reason = err.to_string();
        let reason = reason.split(" at line ").next().unwrap_or_default();
        ApiError::Malformed(format!("the body is not the expected JSON ({reason})"))
    })
}

/// `{"used", "allowed"}`, with -1 for unlimited.
fn seats_json(used: u64, max_activations: Option<i64>) -> Value {
    json!({ "used": used, "allowed": max_activations.filter(|n| *n > 0).unwrap_or(-1) })
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
    let mut license_id = None;
    let result = validate_body(&state, &body, time::now(), &mut license_id).await;
    respond(result, license_id.as_deref())
}

async fn validate_body(
    state: &AppState,
    body: &Bytes,
    now: Timestamp,
    license_id: &mut Option<String>,
) -> Result<Value, ApiError> {
    // A body that is not the expected JSON is a malformed validation, with `"valid": false`
    // like every other verdict of this endpoint.
    let body: ValidateBody = parse_body(body).map_err(as_verdict)?;
    let license = signer::trim_license(&body.license);
    let request = SignedRequest {
        scheme: Scheme::Keyctl1,
        license,
        datetime: &body.datetime,
        signature: &body.signature,
    };
    let (signed, record) = state
        .check_signed(&request, None, now)
        .map_err(as_verdict)?;
    *license_id = Some(record.id.clone());
    let verdict = state.verify(
        license,
        &body.product,
        body.domain.as_deref(),
        body.hwid.as_deref(),
        now,
    );
    let claims = valid_claims(verdict)?;
    state.admit(&signed, now).await?;
    let used = state.store.seats_used(&claims.jti)?;
    Ok(json!({
        "valid": true,
        "code": "valid",
        "license_id": claims.jti,
        "licensee": claims.sub,
        "products": claims.products,
        "features": claims.features,
        "expires": claims.exp.map(rfc3339),
        "activations": seats_json(used, claims.max_activations),
    }))
}

/// Every answer of `/v1/validate` is a verdict with `"valid": false`: a malformed body and a
/// store failure too (the latter still logged in detail, and answered `store_unavailable`).
fn as_verdict(err: ApiError) -> ApiError {
    match err {
        ApiError::Malformed(reason) => Verdict::fail(Outcome::Malformed, reason).into(),
        ApiError::Store(err) => Verdict::fail(Outcome::Error, err.to_string()).into(),
        err => err,
    }
}

/// The claims of a valid verdict, or the verdict as the error.
fn valid_claims(verdict: Verdict) -> Result<Claims, ApiError> {
    match verdict.claims {
        Some(claims) if verdict.outcome == Outcome::Valid => Ok(claims),
        _ => Err(verdict.into()),
    }
}

#[derive(Deserialize)]
pub(super) struct MachineBody {
    key: Option<String>,
    license: Option<String>,
    datetime: Option<String>,
    signature: Option<String>,
    product: String,
    hwid: String,
    machine: Option<String>,
    user: Option<String>,
    domain: Option<String>,
    /// The machine file's life: seconds, or a duration such as `30d`.
    ttl: Option<Value>,
}

impl MachineBody {
    fn ownership(&self) -> Ownership<'_> {
        Ownership {
            key: self.key.as_deref(),
            license: self.license.as_deref(),
            datetime: self.datetime.as_deref(),
            signature: self.signature.as_deref(),
        }
    }

    fn covers(&self, route: MachineRoute) -> MachineRequest<'_> {
        MachineRequest {
            route,
            product: &self.product,
            hwid: &self.hwid,
            machine: self.machine.as_deref(),
            user: self.user.as_deref(),
            domain: self.domain.as_deref(),
        }
    }

    /// The machine file's life asked for, or the server's default.
    fn ttl(&self, default: i64) -> Result<i64, ApiError> {
        match &self.ttl {
            None => Ok(default),
            Some(Value::Number(n)) => n
                .as_i64()
                .ok_or_else(|| ApiError::Malformed("ttl: must be whole seconds".into())),
            Some(Value::String(text)) => {
                Ok(time::parse_duration(text, "ttl").map_err(crate::Error::from)?)
            }
            Some(_) => Err(ApiError::Malformed(
                "ttl: must be seconds or a duration such as 30d".into(),
            )),
        }
    }

    fn machine(&self) -> Machine<'_> {
        Machine {
            hwid: &self.hwid,
            machine: self.machine.as_deref(),
            user: self.user.as_deref(),
        }
    }
}

/// `POST /v1/activate`: takes a seat for `hwid`, idempotently; 409 when the license is full.
pub(super) async fn activate(State(state): State<Arc<AppState>>, Body(body): Body) -> Response {
    let mut license_id = None;
    let result = activate_body(&state, &body, time::now(), &mut license_id).await;
    respond(result, license_id.as_deref())
}

/// A machine request's body, checked, and the license its caller proved to own. A signed
/// request still has to be [admitted](AppState::admit).
fn owned(
    state: &AppState,
    body: &Bytes,
    route: MachineRoute,
    now: Timestamp,
    license_id: &mut Option<String>,
) -> Result<(MachineBody, LicenseRecord, Option<Signed>), ApiError> {
    let body: MachineBody = parse_body(body)?;
    body.machine().check()?;
    let (record, signed) = state.prove_owner(&body.ownership(), &body.covers(route), now)?;
    *license_id = Some(record.id.clone());
    Ok((body, record, signed))
}

/// [`owned`], then the license verified now for the body's product (and domain), the
/// machine file's TTL read, and a signed request admitted: what `/v1/activate` and
/// `/v1/machines/checkout` check before they act.
async fn owned_and_valid(
    state: &AppState,
    body: &Bytes,
    route: MachineRoute,
    now: Timestamp,
    license_id: &mut Option<String>,
) -> Result<(MachineBody, Claims, i64), ApiError> {
    let (body, record, signed) = owned(state, body, route, now, license_id)?;
    let verdict = state.verify(
        &record.jwt,
        &body.product,
        body.domain.as_deref(),
        None,
        now,
    );
    let claims = valid_claims(verdict)?;
    let ttl = body.ttl(state.config.machine_ttl)?;
    if let Some(signed) = &signed {
        state.admit(signed, now).await?;
    }
    Ok((body, claims, ttl))
}

async fn activate_body(
    state: &AppState,
    body: &Bytes,
    now: Timestamp,
    license_id: &mut Option<String>,
) -> Result<Value, ApiError> {
    let (body, claims, ttl) =
        owned_and_valid(state, body, MachineRoute::Activate, now, license_id).await?;
    match take_seat(state, &claims, body.machine(), now).await? {
        Activated::Granted { new, used } => Ok(json!({
            "activated": true,
            "new": new,
            "license_id": claims.jti,
            "hwid": body.hwid,
            "activations": seats_json(used, claims.max_activations),
            "machine_file": activation_file(state, &claims, &body.hwid, ttl, now)?,
        })),
        Activated::NoSeatsLeft { used } => Err(ApiError::NoSeatsLeft { used }),
    }
}

/// The machine file of a machine just activated; `null` when this server cannot sign (its
/// keys are locked): the seat is taken all the same, and `/v1/machines/checkout` on a
/// server that can sign gives the file later.
fn activation_file(
    state: &AppState,
    claims: &Claims,
    hwid: &str,
    ttl: i64,
    now: Timestamp,
) -> Result<Option<String>, ApiError> {
    match machine_file(state, claims, hwid, ttl, now) {
        Ok(jwt) => Ok(Some(jwt)),
        Err(ApiError::KeysLocked) => {
            tracing::warn!(
                "activation of license {} without a machine file: the signing keys are locked",
                claims.jti
            );
            Ok(None)
        }
        Err(err) => Err(err),
    }
}

/// Signs the machine file of `hwid` on a license whose claims verified.
fn machine_file(
    state: &AppState,
    claims: &Claims,
    hwid: &str,
    ttl: i64,
    now: Timestamp,
) -> Result<String, ApiError> {
    let hash = HwidHash::of(hwid).map_err(|err| ApiError::Malformed(err.to_string()))?;
    let key = state.store.active_key()?;
    Ok(offline::sign(&key, claims, &hash, ttl, None, now)?.jwt)
}

/// `POST /v1/machines/checkout`: a fresh machine file for a machine that holds a seat
/// (under its hardware id, or under its hash when it was granted from a request code);
/// `404 not_activated` otherwise. The same proof of ownership as `/v1/activate`.
pub(super) async fn checkout(State(state): State<Arc<AppState>>, Body(body): Body) -> Response {
    let mut license_id = None;
    let result = checkout_body(&state, &body, time::now(), &mut license_id).await;
    respond(result, license_id.as_deref())
}

async fn checkout_body(
    state: &AppState,
    body: &Bytes,
    now: Timestamp,
    license_id: &mut Option<String>,
) -> Result<Value, ApiError> {
    let (body, claims, ttl) =
        owned_and_valid(state, body, MachineRoute::Checkout, now, license_id).await?;
    let hash = HwidHash::of(&body.hwid).map_err(|err| ApiError::Malformed(err.to_string()))?;
    let backend = state.store.backend();
    if !backend.is_activated(&claims.jti, &body.hwid)?
        && !backend.is_activated(&claims.jti, hash.as_str())?
    {
        return Err(ApiError::NotActivated);
    }
    Ok(json!({
        "license_id": claims.jti,
        "hwid": body.hwid,
        "machine_file": machine_file(state, &claims, &body.hwid, ttl, now)?,
    }))
}

/// Takes a seat and waits until it is durable; counts the result. A limited license that
/// is full is `NoSeatsLeft`; an unlimited one that reached the server's cap is
/// [`ApiError::MachineCap`], so that one caller cannot grow the store without bound.
pub(super) async fn take_seat(
    state: &AppState,
    claims: &Claims,
    machine: Machine<'_>,
    now: Timestamp,
) -> Result<Activated, ApiError> {
    let cap = state.config.unlimited_cap;
    let limit = claims.seat_limit();
    let activated = state
        .store
        .activate(&claims.jti, machine, Some(limit.unwrap_or(cap)), now)?;
    let counter = match activated {
        Activated::Granted { new: false, .. } => return Ok(activated),
        Activated::Granted { new: true, .. } => {
            state.durable().await;
            &state.metrics.activations_granted
        }
        Activated::NoSeatsLeft { .. } => &state.metrics.activations_refused,
    };
    counter.fetch_add(1, Ordering::Relaxed);
    match (activated, limit) {
        (Activated::NoSeatsLeft { .. }, None) => Err(ApiError::MachineCap { cap }),
        (activated, _) => Ok(activated),
    }
}

/// `POST /v1/deactivate`: frees the seat of `hwid`, whatever the license's standing (a seat
/// of an expired or revoked license may always be given back), for its owner only.
pub(super) async fn deactivate(State(state): State<Arc<AppState>>, Body(body): Body) -> Response {
    let mut license_id = None;
    let result = deactivate_body(&state, &body, time::now(), &mut license_id).await;
    respond(result, license_id.as_deref())
}

async fn deactivate_body(
    state: &AppState,
    body: &Bytes,
    now: Timestamp,
    license_id: &mut Option<String>,
) -> Result<Value, ApiError> {
    let (body, record, signed) = owned(state, body, MachineRoute::Deactivate, now, license_id)?;
    if let Some(signed) = &signed {
        state.admit(signed, now).await?;
    }
    let (removed, used) = state.store.deactivate(&record.id, &body.hwid)?;
    if removed {
        state.durable().await;
    }
    Ok(json!({
        "deactivated": removed,
        "license_id": record.id,
        "hwid": body.hwid,
        "activations": seats_json(used, record.max_activations),
    }))
}
