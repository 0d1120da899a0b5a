//! WebAssembly bindings over [`keyctl_core`], for the JavaScript package built by
//! `scripts/build-wasm.sh` (`pkg/node` for Node, `pkg/web` for browsers).
//!
//! These are the raw exports: plain strings and numbers in, JSON text out, so that the
//! module needs nothing but `wasm-bindgen`. The package's `index.js` wraps them in the
//! documented camelCase API (`verifyLicense`, `requestDatetime`, `signRequest`, `mio4Sign`,
//! `validateOnline`), see `docs/library.md`. Verification outcomes are values, never
//! exceptions; only unusable arguments (keys that are not keys, a datetime that is not one)
//! throw.

use keyctl_core::keys::{PublicKey, TrustedKeys};
use keyctl_core::license::{self, Context, Verdict};
use keyctl_core::signer::{self, Scheme};
use keyctl_core::time::Timestamp;
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
    let trusted = TrustedKeys::new(PublicKey::parse_public(keys, "keys").map_err(error)?);
    let ctx = context(product, domain.as_deref(), now, leeway)?;
    Ok(verdict_json(&license::verify(token, &trusted, &ctx, None)))
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
