//! What the vendor's side signs for products that check offline: machine files (for a
//! machine activated here or through the server, and for an air-gapped machine's request
//! code) and the status list. The rules are the store's and the server's: the same seats,
//! the same standing; the signing is the core's ([`keyctl_core::machine`],
//! [`keyctl_core::status_list`]).

use keyctl_core::machine::{self, Grant, HwidHash, MachineFile};
use keyctl_core::request_code::MachineRequest;
use keyctl_core::status_list;

use crate::error::{Error, Result};
use crate::license::{self, Claims, Context, LicenseState, Outcome};
use crate::store::{Activated, LicenseRecord, Machine, Store};
use crate::time::Timestamp;

/// `keyctl machine checkout`: the file of a machine of a license.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Checkout {
    /// The license: an id or a short key.
    pub license: String,
    /// The machine's hardware id, raw.
    pub hwid: String,
    /// The file's life in seconds.
    pub ttl: i64,
    /// Take the seat first (exact, idempotent) rather than require one.
    pub activate: bool,
}

/// Signs the machine file of `checkout.hwid` on its license. Without `activate` the machine
/// must hold a seat: under its hardware id (activated by the server or with `--activate`)
/// or under its hash (granted from a request code).
pub fn checkout(store: &Store, checkout: &Checkout, now: Timestamp) -> Result<MachineFile> {
    let record = store.find_license(&checkout.license)?;
    let claims = usable_claims(store, &record, None, now)?;
    let hash = HwidHash::of(&checkout.hwid).map_err(machine_error)?;
    let key = store.active_key()?;
    if checkout.activate {
        take_seat(store, &claims, &checkout.hwid, now)?;
    } else if !store.backend().is_activated(&record.id, &checkout.hwid)?
        && !store.backend().is_activated(&record.id, hash.as_str())?
    {
        return Err(Error::MachineNotActivated {
            license: record.id,
            hwid: checkout.hwid.clone(),
        });
    }
    sign(&key, &claims, &hash, checkout.ttl, None, now)
}

/// `keyctl machine grant`: reads a request code, takes the machine's seat (keyed by the
/// hardware id's hash, the only id an air-gapped machine sends; idempotent for the same
/// machine) and signs its file, echoing the request's nonce.
pub fn grant(store: &Store, code: &str, ttl: i64, now: Timestamp) -> Result<MachineFile> {
    let request =
        MachineRequest::decode(code).map_err(|err| Error::invalid("CODE", err.to_string()))?;
    // `lic` is the license id, or its short key when the machine knew only that.
    let record = store.find_license(&request.lic)?;
    let claims = usable_claims(store, &record, Some(&request.product), now)?;
    let hash = request.hwid_hash();
    let key = store.active_key()?;
    take_seat(store, &claims, hash.as_str(), now)?;
    sign(&key, &claims, &hash, ttl, Some(&request.nonce), now)
}

/// `keyctl status-list publish` and `GET /v1/status-list`: the store's list, signed by the
/// active key, living `ttl` seconds.
pub fn publish_status_list(store: &Store, now: Timestamp, ttl: i64) -> Result<String> {
    let key = store.active_key()?;
    let list = store.status_list()?;
    Ok(status_list::sign(
        &key,
        &store.status_uri()?,
        &list,
        now,
        ttl,
    )?)
}

/// Signs a machine file for a license whose claims were checked.
pub fn sign(
    key: &crate::keys::KeyPair,
    claims: &Claims,
    hash: &HwidHash,
    ttl: i64,
    nonce: Option<&str>,
    now: Timestamp,
) -> Result<MachineFile> {
    let grant = Grant {
        license: claims,
        hwid: hash,
        ttl,
        nonce,
    };
    machine::issue(key, &grant, now).map_err(machine_error)
}

/// The claims of a license the store issued, when it may be used now for `product` (any
/// of its products when `None`): in its time window and in good standing.
fn usable_claims(
    store: &Store,
    record: &LicenseRecord,
    product: Option<&str>,
    now: Timestamp,
) -> Result<Claims> {
    let claims = license::decode(&record.jwt)
        .map_err(|verdict| Error::Store(format!("license {}: {}", record.id, verdict.reason)))?
        .claims;
    let product = product
        .or_else(|| claims.products.first().map(String::as_str))
        .unwrap_or_default()
        .to_owned();
    let ctx = Context {
        product: &product,
        domain: None,
        machine: None,
        now,
        leeway: 0,
    };
    let verdict = license::check_claims(claims, &ctx, Some(store as &dyn LicenseState));
    match verdict.claims {
        Some(claims) if verdict.outcome == Outcome::Valid => Ok(claims),
        _ if verdict.outcome == Outcome::Error => Err(Error::Store(verdict.reason)),
        _ => Err(Error::LicenseRefused {
            license: record.id.clone(),
            outcome: verdict.outcome,
            reason: verdict.reason,
        }),
    }
}

/// Takes (or keeps) the seat of `hwid`, durably, under the license's exact limit.
fn take_seat(store: &Store, claims: &Claims, hwid: &str, now: Timestamp) -> Result<()> {
    let machine = Machine {
        hwid,
        machine: None,
        user: None,
    };
    let activated = store.activate(&claims.jti, machine, claims.seat_limit(), now)?;
    store.flush()?;
    match activated {
        Activated::Granted { .. } => Ok(()),
        Activated::NoSeatsLeft { used } => Err(Error::NoSeatsLeft {
            license: claims.jti.clone(),
            used,
        }),
    }
}

fn machine_error(err: machine::MachineError) -> Error {
    match err {
        machine::MachineError::LicenseExpired { license, expired } => Error::LicenseRefused {
            license,
            outcome: Outcome::Expired,
            reason: format!("expired at {expired}; a machine file cannot outlive it"),
        },
        err => {
            let text = err.to_string();
            let (what, reason) = text.split_once(": ").unwrap_or(("machine file", &text));
            Error::invalid(what, reason)
        }
    }
}
