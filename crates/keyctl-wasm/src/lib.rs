//! WebAssembly bindings over [`keyctl_core`], for the JavaScript package built by
//! `scripts/build-wasm.sh` (`pkg/node` for Node, `pkg/web` for browsers).
//!
//! These are the raw exports: plain strings and numbers in, JSON text out, so that the
//! module needs nothing but `wasm-bindgen`. The package's `index.js` wraps them in the
//! documented camelCase API (`verifyLicense`, `verifyMachineFile`, `verifyStatusList`,
//! `machineRequest`, `requestDatetime`, `signRequest`, `mio4Sign`, `validateOnline`), see
//! `docs/library.md`. Verification outcomes are values, never
//! exceptions; only unusable arguments (keys that are not keys, a datetime that is not one)
//! throw.

use keyctl_core::clock::ClockState;
use keyctl_core::keys::{PublicKey, TrustedKeys};
use keyctl_core::license::{self, Context, Verdict, VerdictClaims};
use keyctl_core::machine::MachineContext;
use keyctl_core::offline::{self, Checked, Evidence};
use keyctl_core::request_code::MachineRequest;
use keyctl_core::signer::{self, Scheme};
use keyctl_core::status_list::{self, StatusCheck};
use keyctl_core::time::Timestamp;
use serde_json::Value;
use wasm_bindgen::prelude::*;

/// A JavaScript `Error` with `message`.
fn error(message: impl std::fmt::Display) -> JsError {
    JsError::new(&message.to_string())
}

/// Whole seconds from a JavaScript number, refusing what is not a finite time.
fn seconds(value: f64, what: &str) -> Result<Timestamp, JsError> {
    if !value.is_finite() {
        return Err(error(format!("{what} must be a finite number")));
    }
    Ok(value.floor() as Timestamp)
}

/// The trusted keys from a JWKS JSON string or an SPKI PEM.
fn trusted_keys(keys: &str) -> Result<TrustedKeys, JsError> {
    Ok(TrustedKeys::new(
        PublicKey::parse_public(keys, "keys").map_err(error)?,
    ))
}

/// The verdict as `keyctl verify --json` prints it offline.
fn verdict_json(verdict: &Verdict) -> String {
    let mut value = verdict.to_json();
    value["revocation_checked"] = serde_json::Value::Bool(false);
    value.to_string()
}

/// The context of a check, from the JavaScript arguments.
fn context<'a>(
    product: &'a str,
    domain: Option<&'a str>,
    now: f64,
    leeway: f64,
) -> Result<Context<'a>, JsError> {
    Ok(Context {
        product,
        domain,
        machine: None,
        now: seconds(now, "now")?,
        leeway: seconds(leeway, "leeway")?,
    })
}

/// Verifies `token` with `keys` (a JWKS JSON string or an SPKI PEM) for `product` (and
/// `domain`) at `now` (Unix seconds) with `leeway` seconds. Returns the verdict's JSON.
#[wasm_bindgen(js_name = verifyLicenseJson)]
pub fn verify_license_json(
    token: &str,
    keys: &str,
    product: &str,
    domain: Option<String>,
    now: f64,
    leeway: f64,
) -> Result<String, JsError> {
    let trusted = trusted_keys(keys)?;
    let ctx = context(product, domain.as_deref(), now, leeway)?;
    Ok(verdict_json(&license::verify(token, &trusted, &ctx, None)))
}

/// The clock state a page kept, from its JSON (`null` or absent: none yet).
fn clock_state(state: Option<String>) -> Result<Option<ClockState>, JsError> {
    state
        .map(|text| ClockState::from_json(&text, "options.state").map_err(error))
        .transpose()
}

/// Runs `check` with the evidence from the JavaScript arguments: the list verified at `now`,
/// the state read from its JSON.
fn with_evidence(
    trusted: &TrustedKeys,
    now: Timestamp,
    status_list: Option<String>,
    state: Option<String>,
    check: impl FnOnce(&Evidence<'_>) -> String,
) -> Result<String, JsError> {
    let list = status_list.map(|list| status_list::verify(&list, trusted, now));
    let state = clock_state(state)?;
    Ok(check(&Evidence {
        status_list: list.as_ref(),
        clock: state.as_ref(),
    }))
}

/// An offline verdict's JSON: the verdict, `revocation_checked` (true when a status list
/// answered valid or revoked), `status_list` and `clock_state`.
fn checked_json<C: VerdictClaims>(checked: &Checked<Verdict<C>>) -> String {
    let mut json = checked.to_json();
    json["revocation_checked"] = Value::Bool(matches!(
        checked.status,
        Some(StatusCheck::Valid | StatusCheck::Revoked(_))
    ));
    json.to_string()
}

/// [`verify_license_json`] with a signed status list and a clock state (its JSON), either
/// optional: the verdict with `status_list` and `clock_state`, the state to keep.
#[wasm_bindgen(js_name = verifyLicenseOfflineJson)]
#[allow(clippy::too_many_arguments)]
pub fn verify_license_offline_json(
    token: &str,
    keys: &str,
    product: &str,
    domain: Option<String>,
    now: f64,
    leeway: f64,
    status_list: Option<String>,
    state: Option<String>,
) -> Result<String, JsError> {
    let trusted = trusted_keys(keys)?;
    let ctx = context(product, domain.as_deref(), now, leeway)?;
    with_evidence(&trusted, ctx.now, status_list, state, |evidence| {
        let checked = offline::verify_license(token, &trusted, &ctx, None, evidence);
        checked_json(&checked)
    })
}

/// Verifies a machine file for the raw hardware id `hwid` and `product` (and the request's
/// `nonce`), with an optional status list and clock state: `{valid, code, error, machine,
/// revocation_checked, status_list, clock_state}`.
#[wasm_bindgen(js_name = verifyMachineFileJson)]
#[allow(clippy::too_many_arguments)]
pub fn verify_machine_file_json(
    token: &str,
    keys: &str,
    hwid: &str,
    product: &str,
    nonce: Option<String>,
    now: f64,
    leeway: f64,
    status_list: Option<String>,
    state: Option<String>,
) -> Result<String, JsError> {
    let trusted = trusted_keys(keys)?;
    let ctx = MachineContext {
        hwid,
        product,
        nonce: nonce.as_deref(),
        now: seconds(now, "now")?,
        leeway: seconds(leeway, "leeway")?,
    };
    with_evidence(&trusted, ctx.now, status_list, state, |evidence| {
        let checked = offline::verify_machine(token, &trusted, &ctx, evidence);
        checked_json(&checked)
    })
}

/// Verifies a signed status list at `now`: `{valid, code, error, status_list}` with `code`
/// `valid` or `status_unknown` and `status_list` its claims (`sub`, `iat`, `exp`, `ttl`,
/// `bits`, and `size`, the indexes it covers) or `null`.
#[wasm_bindgen(js_name = verifyStatusListJson)]
pub fn verify_status_list_json(token: &str, keys: &str, now: f64) -> Result<String, JsError> {
    let trusted = trusted_keys(keys)?;
    let json = match status_list::verify(token, &trusted, seconds(now, "now")?) {
        Ok(list) => serde_json::json!({
            "valid": true,
            "code": "valid",
            "error": null,
            "status_list": {
                "sub": list.claims.sub,
                "iat": list.claims.iat,
                "exp": list.claims.exp,
                "ttl": list.claims.ttl,
                "bits": list.claims.status_list.bits,
                "size": list.list.capacity(),
            },
        }),
        Err(err) => serde_json::json!({
            "valid": false,
            "code": license::Outcome::StatusUnknown.code(),
            "error": err.to_string(),
            "status_list": null,
        }),
    };
    Ok(json.to_string())
}

/// The request code of air-gapped activation, with the members it holds as JSON:
/// `{code, lic, hwid, product, nonce}`, `hwid` the SHA-256 of the raw id. `license` is a
/// license id, or a license JWT whose `jti` is taken (unverified: the vendor checks it).
#[wasm_bindgen(js_name = machineRequestJson)]
pub fn machine_request_json(
    license: &str,
    hwid: &str,
    product: &str,
    nonce: &str,
) -> Result<String, JsError> {
    let license_id = if license.contains('.') {
        license::decode(license)
            .map_err(|verdict| error(format!("license: {}", verdict.reason)))?
            .claims
            .jti
    } else {
        license.to_owned()
    };
    let request = MachineRequest::with_nonce(&license_id, hwid, product, nonce).map_err(error)?;
    let mut json = serde_json::to_value(&request).expect("a request serializes");
    json["code"] = Value::String(request.encode());
    Ok(json.to_string())
}

/// The checks a product can make without keys, before it asks a server
/// ([`license::check_unverified`]): the verdict's JSON, `license` always `null`.
#[wasm_bindgen(js_name = checkClaimsJson)]
pub fn check_claims_json(
    token: &str,
    product: &str,
    domain: Option<String>,
    now: f64,
    leeway: f64,
) -> Result<String, JsError> {
    let ctx = context(product, domain.as_deref(), now, leeway)?;
    Ok(verdict_json(&license::check_unverified(token, &ctx)))
}

/// `YYYYMMDDTHHMMSSZ` for `now_ms` milliseconds since the epoch.
#[wasm_bindgen(js_name = requestDatetimeAt)]
pub fn request_datetime_at(now_ms: f64) -> Result<String, JsError> {
    let datetime = signer::format_datetime(seconds(now_ms / 1000.0, "nowMs")?);
    if datetime.is_empty() {
        return Err(error("nowMs is out of range"));
    }
    Ok(datetime)
}

/// The KEYCTL1 signature (lowercase hex) of `token` at `datetime` with `secret`.
#[wasm_bindgen(js_name = signRequest)]
pub fn sign_request(token: &str, secret: &str, datetime: &str) -> Result<String, JsError> {
    signer::sign(Scheme::Keyctl1, secret, datetime, token)
        .map(|signature| signature.signature)
        .map_err(error)
}

/// The Media-IO MIO4 signature (lowercase hex) of `token` at `datetime` with `secret`.
#[wasm_bindgen(js_name = mio4Sign)]
pub fn mio4_sign(token: &str, secret: &str, datetime: &str) -> Result<String, JsError> {
    signer::sign(Scheme::Mio4, secret, datetime, token)
        .map(|signature| signature.signature)
        .map_err(error)
}
