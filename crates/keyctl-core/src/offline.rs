//! Verification with offline evidence: a license or a machine file checked, beyond its
//! signature and claims, against a status list and the caller's clock state. The order is
//! the contract's: malformed, bad signature, then `clock_rollback` (a rolled-back clock
//! makes every time check meaningless), then the artefact's own checks (expired, not yet
//! valid, scope, the store's revocation), then the status list (`revoked`,
//! `status_unknown`). The first failure is the answer.
//!
//! The caller verifies a status list once ([`crate::status_list::verify`]) and passes the
//! result for as many artefacts as it likes; it loads its [`ClockState`] before and stores
//! [`Checked::clock`] after.

use serde_json::Value;

use crate::clock::{self, ClockState};
use crate::keys::TrustedKeys;
use crate::license::{self, Context, LicenseState, Outcome, Verdict, VerdictClaims};
use crate::machine::{self, MachineContext, MachineVerdict};
use crate::status_list::{StatusCheck, StatusClaim, StatusListError, VerifiedStatusList};
use crate::time::Timestamp;

/// What the caller brings beyond keys and context.
#[derive(Clone, Copy, Debug, Default)]
pub struct Evidence<'a> {
    /// A status list, as [`crate::status_list::verify`] judged it (an `Err` is a list that
    /// cannot answer: for an artefact that refers to a list, `status_unknown`).
    pub status_list: Option<&'a Result<VerifiedStatusList, StatusListError>>,
    /// The latest trusted time recorded so far; `None` on a first run.
    pub clock: Option<&'a ClockState>,
}

/// An offline verdict: the artefact's verdict, what the status list said, and the clock
/// state to store.
#[derive(Clone, Debug)]
pub struct Checked<V> {
    /// The verdict: a license's [`Verdict`] or a machine file's [`MachineVerdict`].
    pub verdict: V,
    /// What the status list said; `None` when verification stopped before it.
    pub status: Option<StatusCheck>,
    /// The state to store: the latest of the old state, `now` and every verified `iat`.
    pub clock: ClockState,
}

impl<C: VerdictClaims> Checked<Verdict<C>> {
    /// The verdict's JSON ([`Verdict::to_json`]) with `status_list` (`checked`,
    /// `not_referenced`, `not_given`, or `null` when verification stopped before the list)
    /// and `clock_state` (the state to store) added.
    pub fn to_json(&self) -> Value {
        let mut json = self.verdict.to_json();
        json["status_list"] = match &self.status {
            Some(check) => Value::String(check.code().into()),
            None => Value::Null,
        };
        json["clock_state"] = serde_json::to_value(self.clock).expect("a clock state serializes");
        json
    }
}

/// The signed times that can be trusted: the artefact's `iat` once its signature verified,
/// and a list's once the list verified.
fn verified_iats(artefact_iat: Option<Timestamp>, evidence: &Evidence<'_>) -> Vec<Timestamp> {
    let list_iat = evidence
        .status_list
        .and_then(|list| list.as_ref().ok())
        .map(|list| list.claims.iat);
    artefact_iat.into_iter().chain(list_iat).collect()
}

/// The answer when the artefact failed before its signature verified: its `iat` cannot be
/// trusted, so only `now` and a verified list move the state.
fn unverified<C>(
    verdict: Verdict<C>,
    now: Timestamp,
    evidence: &Evidence<'_>,
) -> Checked<Verdict<C>> {
    let clock = clock::advance(now, &verified_iats(None, evidence), evidence.clock);
    Checked {
        verdict,
        status: None,
        clock,
    }
}

/// The steps after the signature has verified, shared by licenses and machine files: the
/// clock, then the artefact's own checks (`own`), then the status list for the claims'
/// `status` (`status_of`).
fn after_signature<C: VerdictClaims>(
    claims: C,
    iat: Timestamp,
    now: Timestamp,
    evidence: &Evidence<'_>,
    own: impl FnOnce(C) -> Verdict<C>,
    status_of: impl Fn(&C) -> Option<&StatusClaim>,
) -> Checked<Verdict<C>> {
    let iats = verified_iats(Some(iat), evidence);
    let clock = clock::advance(now, &iats, evidence.clock);
    if let Err(reason) = clock::check(now, &iats, evidence.clock) {
        let verdict = Verdict {
            outcome: Outcome::ClockRollback,
            reason,
            claims: Some(claims),
        };
        return Checked {
            verdict,
            status: None,
            clock,
        };
    }
    let verdict = own(claims);
    if !verdict.is_valid() {
        return Checked {
            verdict,
            status: None,
            clock,
        };
    }
    let status = StatusCheck::of(
        verdict.claims.as_ref().and_then(status_of),
        evidence.status_list,
    );
    Checked {
        verdict: with_status(verdict, &status),
        status: Some(status),
        clock,
    }
}

/// The verdict of an artefact that passed its own checks, once the status list has spoken:
/// `revoked` or `status_unknown` when it says so, else the verdict as it was.
pub fn with_status<C>(verdict: Verdict<C>, status: &StatusCheck) -> Verdict<C> {
    let (outcome, reason) = match status {
        StatusCheck::Revoked(reason) => (Outcome::Revoked, reason.clone()),
        StatusCheck::Unknown(reason) => (Outcome::StatusUnknown, reason.clone()),
        StatusCheck::NotGiven | StatusCheck::NotReferenced | StatusCheck::Valid => {
            return verdict;
        }
    };
    Verdict {
        outcome,
        reason,
        claims: verdict.claims,
    }
}

/// Verifies a license as [`license::verify`] does, then against the evidence. `store` is
/// the vendor's store, as for [`license::verify`]; products pass `None`.
pub fn verify_license(
    token: &str,
    keys: &TrustedKeys,
    ctx: &Context<'_>,
    store: Option<&dyn LicenseState>,
    evidence: &Evidence<'_>,
) -> Checked<Verdict> {
    let decoded = match license::decode(token) {
        Ok(decoded) => decoded,
        Err(verdict) => return unverified(verdict, ctx.now, evidence),
    };
    if let Err(verdict) = license::check_signature(&decoded, keys) {
        return unverified(verdict, ctx.now, evidence);
    }
    let iat = decoded.claims.iat;
    after_signature(
        decoded.claims,
        iat,
        ctx.now,
        evidence,
        |claims| license::check_claims(claims, ctx, store),
        |claims| claims.status.as_ref(),
    )
}

/// Verifies a machine file as [`machine::verify`] does, then against the evidence (its
/// `status` claim is the license's, copied).
pub fn verify_machine(
    token: &str,
    keys: &TrustedKeys,
    ctx: &MachineContext<'_>,
    evidence: &Evidence<'_>,
) -> Checked<MachineVerdict> {
    let claims = match machine::decode_verified(token, keys) {
        Ok(claims) => claims,
        Err(verdict) => return unverified(verdict, ctx.now, evidence),
    };
    let iat = claims.iat;
    after_signature(
        claims,
        iat,
        ctx.now,
        evidence,
        |claims| machine::check_claims(claims, ctx),
        |claims| claims.status.as_ref(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyPair;
    use crate::license::{IssueRequest, Issuer};
    use crate::machine::{Grant, HwidHash};
    use crate::status_list::{self, Status, StatusList, StatusReference};
    use rand_core::OsRng;

    const NOW: Timestamp = 1_795_000_000;
    const HOUR: i64 = 3_600;
    const URI: &str = "/v1/status-list";

    fn vendor() -> KeyPair {
        KeyPair::from_seed(&[4; 32])
    }

    fn trusted() -> TrustedKeys {
        TrustedKeys::new(vec![vendor().public()])
    }

    /// A license issued at `iat`, at index `idx` of the list when given.
    fn license(idx: Option<u64>, iat: Timestamp) -> crate::license::IssuedLicense {
        let request = IssueRequest {
            licensee: "alice".into(),
            products: vec!["app".into()],
            status: idx.map(|idx| StatusReference {
                idx,
                uri: URI.into(),
            }),
            ..IssueRequest::default()
        };
        Issuer::with_rng("Acme", &vendor(), &mut OsRng)
            .issue_with(&mut OsRng, &request, iat, 0)
            .unwrap()
    }

    /// A list of 16 licenses, 1 revoked and 2 suspended, signed at `iat` for a day.
    fn signed_list(iat: Timestamp) -> Result<VerifiedStatusList, StatusListError> {
        let list = StatusList::build(16, [(1, Status::Revoked), (2, Status::Suspended)]).unwrap();
        let token = status_list::sign(&vendor(), URI, &list, iat, 24 * HOUR).unwrap();
        status_list::verify(&token, &trusted(), NOW)
    }

    fn ctx(now: Timestamp) -> Context<'static> {
        Context {
            product: "app",
            domain: None,
            machine: None,
            now,
            leeway: 60,
        }
    }

    fn check(
        token: &str,
        now: Timestamp,
        evidence: &Evidence<'_>,
    ) -> (Outcome, String, Option<&'static str>) {
        let checked = verify_license(token, &trusted(), &ctx(now), None, evidence);
        (
            checked.verdict.outcome,
            checked.verdict.reason,
            checked.status.map(|s| s.code()),
        )
    }

    #[test]
    fn the_status_list_decides_last() {
        let list = signed_list(NOW);
        let with_list = Evidence {
            status_list: Some(&list),
            clock: None,
        };
        let outcome = |idx| check(&license(idx, NOW).jwt, NOW, &with_list);
        assert_eq!(
            outcome(Some(0)),
            (Outcome::Valid, String::new(), Some("checked"))
        );
        assert_eq!(outcome(Some(1)).0, Outcome::Revoked);
        let suspended = outcome(Some(2));
        assert_eq!(suspended.0, Outcome::Revoked);
        assert!(suspended.1.starts_with("suspended"), "{}", suspended.1);
        assert_eq!(outcome(Some(99)).0, Outcome::StatusUnknown);
        assert_eq!(
            outcome(None),
            (Outcome::Valid, String::new(), Some("not_referenced"))
        );
        let without_list = check(&license(Some(1), NOW).jwt, NOW, &Evidence::default());
        assert_eq!(
            without_list,
            (Outcome::Valid, String::new(), Some("not_given"))
        );

        let stale = signed_list(NOW - 2 * 24 * HOUR);
        let unknown = check(
            &license(Some(0), NOW).jwt,
            NOW,
            &Evidence {
                status_list: Some(&stale),
                clock: None,
            },
        );
        assert_eq!(unknown.0, Outcome::StatusUnknown);
        assert!(unknown.1.contains("expired"), "{}", unknown.1);
    }

    #[test]
    fn an_expired_license_is_expired_whatever_the_list_says() {
        let mut issued = license(Some(1), NOW - 10 * HOUR);
        issued.claims.exp = Some(NOW - 5 * HOUR);
        let expired = crate::jws::sign(&vendor(), "JWT", &issued.claims);
        let list = signed_list(NOW);
        let evidence = Evidence {
            status_list: Some(&list),
            clock: None,
        };
        let (outcome, _, status) = check(&expired, NOW, &evidence);
        assert_eq!((outcome, status), (Outcome::Expired, None));
    }

    #[test]
    fn a_clock_behind_a_signed_time_is_a_rollback() {
        // A license from two hours ahead of the clock.
        let (outcome, reason, _) = check(
            &license(None, NOW + 2 * HOUR).jwt,
            NOW,
            &Evidence::default(),
        );
        assert_eq!(outcome, Outcome::ClockRollback);
        assert!(reason.ends_with("the clock is behind"), "{reason}");
        // A status list from two hours ahead.
        let list = signed_list(NOW + 2 * HOUR);
        let evidence = Evidence {
            status_list: Some(&list),
            clock: None,
        };
        assert_eq!(
            check(&license(None, NOW).jwt, NOW, &evidence).0,
            Outcome::ClockRollback
        );
        // A clock set back an hour after a check.
        let first = verify_license(
            &license(None, NOW).jwt,
            &trusted(),
            &ctx(NOW),
            None,
            &Evidence::default(),
        );
        assert!(first.verdict.is_valid());
        assert_eq!(first.clock, ClockState::new(NOW));
        let evidence = Evidence {
            status_list: None,
            clock: Some(&first.clock),
        };
        let back = verify_license(
            &license(None, NOW - 2 * HOUR).jwt,
            &trusted(),
            &ctx(NOW - HOUR),
            None,
            &evidence,
        );
        assert_eq!(back.verdict.outcome, Outcome::ClockRollback);
        assert_eq!(
            back.clock, first.clock,
            "a rollback never moves the state back"
        );
        let later = verify_license(
            &license(None, NOW).jwt,
            &trusted(),
            &ctx(NOW + HOUR),
            None,
            &evidence,
        );
        assert!(later.verdict.is_valid());
        assert_eq!(later.clock, ClockState::new(NOW + HOUR));
    }

    #[test]
    fn an_unverified_iat_never_moves_the_state() {
        let other = KeyPair::from_seed(&[5; 32]);
        let forged = Issuer::with_rng("Acme", &other, &mut OsRng)
            .issue_with(
                &mut OsRng,
                &IssueRequest {
                    licensee: "mallory".into(),
                    products: vec!["app".into()],
                    ..IssueRequest::default()
                },
                NOW + 1_000 * HOUR,
                0,
            )
            .unwrap();
        let checked = verify_license(
            &forged.jwt,
            &trusted(),
            &ctx(NOW),
            None,
            &Evidence::default(),
        );
        assert_eq!(checked.verdict.outcome, Outcome::BadSignature);
        assert_eq!(checked.clock, ClockState::new(NOW));
        let json = checked.to_json();
        assert_eq!(json["status_list"], Value::Null);
        assert_eq!(
            json["clock_state"],
            serde_json::json!({"version": 1, "latest_trusted": NOW})
        );
    }

    #[test]
    fn a_machine_file_carries_the_licenses_status_reference() {
        let issued = license(Some(1), NOW);
        let hwid = HwidHash::of("hw-1").unwrap();
        let grant = Grant {
            license: &issued.claims,
            hwid: &hwid,
            ttl: 24 * HOUR,
            nonce: None,
        };
        let file = machine::issue_with(&mut OsRng, &vendor(), &grant, NOW).unwrap();
        let list = signed_list(NOW);
        let machine_ctx = MachineContext {
            hwid: "hw-1",
            product: "app",
            nonce: None,
            now: NOW,
            leeway: 60,
        };
        let evidence = Evidence {
            status_list: Some(&list),
            clock: None,
        };
        let checked = verify_machine(&file.jwt, &trusted(), &machine_ctx, &evidence);
        assert_eq!(checked.verdict.outcome, Outcome::Revoked);
        let stale = ClockState::new(NOW + 2 * HOUR);
        let rolled_back = verify_machine(
            &file.jwt,
            &trusted(),
            &machine_ctx,
            &Evidence {
                status_list: None,
                clock: Some(&stale),
            },
        );
        assert_eq!(rolled_back.verdict.outcome, Outcome::ClockRollback);
        let json = rolled_back.to_json();
        assert_eq!(json["machine"]["lic"], issued.claims.jti);
    }
}
