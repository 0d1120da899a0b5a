//! What proves that a caller may act for a license.
//!
//! A license JWT is public (Media-IO's products put it in web pages) and its id is printed
//! inside it and in the server's log, so neither proves anything. Two things do:
//! - a request signed with the license's signer secret (KEYCTL1), fresh, dated after this
//!   server started, and never seen before; on machine routes the signature also covers the
//!   route and the body's fields, so a captured request cannot be replayed for another machine;
//! - the short key, the licensee's secret token (the older key servers' model).
//!
//! A signed request is remembered against replay only once the license has verified
//! ([`AppState::admit`]), so junk tokens cannot take room in the replay cache.

use std::sync::atomic::Ordering;

use super::{ApiError, AppState, RequestKey};
use crate::error::Error;
use crate::license::{Outcome, ShortKey, Verdict};
use crate::signer::{self, MachineRequest, Scheme, SignedRequest};
use crate::store::{LicenseRecord, RememberedRequest};
use crate::time::{rfc3339, Timestamp};

/// A signed request whose signature checked, not yet remembered.
#[derive(Debug)]
pub(super) struct Signed {
    /// Its cache key.
    key: RequestKey,
    /// Its datetime.
    datetime: Timestamp,
}

/// How a machine request says whose license it acts on.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Ownership<'a> {
    /// The short key.
    pub key: Option<&'a str>,
    /// The license JWT (a license id is refused).
    pub license: Option<&'a str>,
    /// The request datetime, with `signature`.
    pub datetime: Option<&'a str>,
    /// The KEYCTL1 signature over the license, the route and the fields.
    pub signature: Option<&'a str>,
}

const NO_PROOF: &str = "a license JWT or id names a license but does not prove that you own it: send the short key as `key`, or sign the request (`datetime` and `signature`)";
const KEY_NOT_SHORT: &str = "`key` must be the license's short key (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX); a license id or JWT does not prove that you own the license";

impl AppState {
    /// Checks a signed request up to, not including, remembering it: the datetime's form
    /// and skew and the signature (KEYCTL1, over `covers` too when given), then that it
    /// was dated after this server started and was not already accepted. Returns the
    /// license record the signature was checked with.
    pub(super) fn check_signed(
        &self,
        request: &SignedRequest<'_>,
        covers: Option<&MachineRequest<'_>>,
        now: Timestamp,
    ) -> Result<(Signed, LicenseRecord), ApiError> {
        let mut found = None;
        let mut failure = None;
        let secret_for = |id: Option<&str>| match self.store.license(id?) {
            Ok(Some(record)) => {
                let secret = record.secret.clone();
                found = Some(record);
                Some(secret)
            }
            Ok(None) => None,
            Err(err) => {
                failure = Some(err);
                None
            }
        };
        let max_skew = self.config.max_skew;
        let checked = match covers {
            Some(covers) => {
                signer::verify_machine_request(request, covers, now, max_skew, secret_for)
            }
            None => signer::verify_request(request, now, max_skew, secret_for),
        };
        if let Some(err) = failure {
            return Err(ApiError::Store(err));
        }
        checked?;
        let record = found.ok_or_else(|| {
            ApiError::Store(Error::Store("a verified request has no license".into()))
        })?;
        let datetime = match request.scheme {
            Scheme::Keyctl1 => signer::parse_datetime(request.datetime),
            Scheme::Mio4 => signer::parse_mio_datetime(request.datetime),
        }
        .unwrap_or(now);
        if datetime < self.started {
            return Err(Verdict::fail(
                Outcome::StaleRequest,
                format!(
                    "the request was signed before this server started ({}); sign it again",
                    rfc3339(self.started)
                ),
            )
            .into());
        }
        let key = RequestKey::of(&record.id, request.datetime, request.signature);
        if self.replay.seen(key, now) {
            return Err(replayed());
        }
        Ok((Signed { key, datetime }, record))
    }

    /// Remembers a checked request once its license has verified. On an embedded store, a
    /// request dated after this server's clock is also written to the store, durably, so
    /// that a restart cannot let it through again (see [`AppState::new`]). A shared store
    /// records every request, and refuses one that any replica recorded first.
    pub(super) async fn admit(&self, signed: &Signed, now: Timestamp) -> Result<(), ApiError> {
        let expires = signed.datetime + self.config.max_skew;
        match self.replay.admit(signed.key, expires, now) {
            super::Admission::Fresh => {}
            super::Admission::Replayed => return Err(replayed()),
            super::Admission::Full => return Err(ApiError::ReplayCacheFull),
            super::Admission::LicenseFull => return Err(ApiError::LicenseBusy),
        }
        let entry = RememberedRequest {
            request: signed.key.request,
            license: signed.key.license,
            expires,
        };
        // A shared store is the authority: what another replica accepted is a replay here.
        if self.store.is_shared() {
            if !self.store.remember_request(entry)? {
                return Err(replayed());
            }
            self.prune_remembered(now)?;
        } else if signed.datetime > now {
            self.store.remember_request(entry)?;
            self.prune_remembered(now)?;
            self.commit.durable().await;
        }
        Ok(())
    }

    /// Removes expired requests from the store at most once a minute, so that it holds
    /// only the live ones however long the server runs.
    fn prune_remembered(&self, now: Timestamp) -> Result<(), ApiError> {
        let last = self.pruned.load(Ordering::Relaxed);
        if now - last >= 60
            && self
                .pruned
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.store.forget_requests_before(now)?;
        }
        Ok(())
    }

    /// Finds the license a machine request acts on and checks that the caller owns it.
    /// With a signed request, the caller must [`admit`](AppState::admit) the returned
    /// [`Signed`] once the license has verified.
    pub(super) fn prove_owner(
        &self,
        ownership: &Ownership<'_>,
        covers: &MachineRequest<'_>,
        now: Timestamp,
    ) -> Result<(LicenseRecord, Option<Signed>), ApiError> {
        if let Some(field) = covers.control_character() {
            return Err(ApiError::Malformed(format!(
                "{field}: must not contain control characters"
            )));
        }
        if let Some(key) = ownership.key {
            let short = ShortKey::parse(key).ok_or(ApiError::ProofRequired(KEY_NOT_SHORT))?;
            return match self.store.license_by_short_key(&short) {
                Ok(Some(record)) => Ok((record, None)),
                Ok(None) => Err(ApiError::UnknownLicense),
                Err(err) => Err(ApiError::Store(err)),
            };
        }
        let Some(license) = ownership.license else {
            return Err(ApiError::Malformed(
                "the body needs `key` (the short key), or `license` with `datetime` and `signature`"
                    .into(),
            ));
        };
        let (datetime, signature) = match (ownership.datetime, ownership.signature) {
            (Some(datetime), Some(signature)) => (datetime, signature),
            (None, None) => return Err(ApiError::ProofRequired(NO_PROOF)),
            _ => {
                return Err(ApiError::Malformed(
                    "`datetime` and `signature` go together".into(),
                ))
            }
        };
        let request = SignedRequest {
            scheme: Scheme::Keyctl1,
            license: signer::trim_license(license),
            datetime,
            signature,
        };
        let (signed, record) = self.check_signed(&request, Some(covers), now)?;
        Ok((record, Some(signed)))
    }
}

fn replayed() -> ApiError {
    Verdict::fail(
        Outcome::ReplayedRequest,
        "this signed request was already used",
    )
    .into()
}
