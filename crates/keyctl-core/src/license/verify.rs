//! Offline verification of a license against trusted keys, a clock and a context,
//! in exactly the spec's order: malformed, bad signature, expired, not yet valid,
//! scope mismatch, revoked. The first failure is the answer.

use super::{is_valid_license_id, Claims, MAX_JWT_LEN};
use crate::jws::{self, claim_error, short, Kind};
use crate::keys::TrustedKeys;
use crate::time::{rfc3339, Timestamp};

/// The result classes of verification, with the spec's JSON codes and exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// The license is good for this context.
    Valid,
    /// Verification could not be completed (the store failed).
    Error,
    /// Not a well-formed keyctl JWT.
    Malformed,
    /// Unknown `kid`, or the signature does not verify.
    BadSignature,
    /// Past `exp` plus leeway.
    Expired,
    /// Before `nbf` minus leeway.
    NotYetValid,
    /// Wrong product, domain or machine.
    ScopeMismatch,
    /// Revoked or suspended in the store.
    Revoked,
    /// The request signature is wrong or its datetime malformed.
    BadRequestSignature,
    /// The request datetime is outside the allowed skew.
    StaleRequest,
    /// The same signed request was already accepted.
    ReplayedRequest,
    /// The license carries a status reference and the status list given cannot answer for
    /// it (expired, untrusted, malformed, or not covering the index): never silently valid.
    StatusUnknown,
    /// The local clock is behind a signed time: an artefact issued in the future, or a time
    /// earlier than the latest one recorded in the caller's clock state.
    ClockRollback,
}

impl Outcome {
    /// Every outcome, in the spec's order.
    pub const ALL: [Outcome; 13] = [
        Outcome::Valid,
        Outcome::Error,
        Outcome::Malformed,
        Outcome::BadSignature,
        Outcome::Expired,
        Outcome::NotYetValid,
        Outcome::ScopeMismatch,
        Outcome::Revoked,
        Outcome::BadRequestSignature,
        Outcome::StaleRequest,
        Outcome::ReplayedRequest,
        Outcome::StatusUnknown,
        Outcome::ClockRollback,
    ];

    /// The JSON `code`.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Valid => "valid",
            Outcome::Error => "error",
            Outcome::Malformed => "malformed",
            Outcome::BadSignature => "bad_signature",
            Outcome::Expired => "expired",
            Outcome::NotYetValid => "not_yet_valid",
            Outcome::ScopeMismatch => "scope_mismatch",
            Outcome::Revoked => "revoked",
            Outcome::BadRequestSignature => "bad_request_signature",
            Outcome::StaleRequest => "stale_request",
            Outcome::ReplayedRequest => "replayed_request",
            Outcome::StatusUnknown => "status_unknown",
            Outcome::ClockRollback => "clock_rollback",
        }
    }

    /// The process exit code.
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Valid => 0,
            Outcome::Error => 1,
            Outcome::Malformed => 3,
            Outcome::BadSignature => 4,
            Outcome::Expired => 5,
            Outcome::NotYetValid => 6,
            Outcome::ScopeMismatch => 7,
            Outcome::Revoked => 8,
            Outcome::BadRequestSignature | Outcome::StaleRequest | Outcome::ReplayedRequest => 9,
            Outcome::StatusUnknown => 10,
            Outcome::ClockRollback => 11,
        }
    }
}

/// The answer of a verification: the outcome, a one-line reason, and the claims once
/// the signature has verified (never before: unverified claims are attacker-controlled).
/// `C` is what was verified: a license's [`Claims`], or a machine file's
/// [`crate::machine::MachineClaims`] ([`crate::machine::MachineVerdict`]).
#[derive(Clone, Debug)]
pub struct Verdict<C = Claims> {
    /// What was decided.
    pub outcome: Outcome,
    /// Why, for people: names the failing claim or key. Empty when valid.
    pub reason: String,
    /// The verified claims, when the signature verified.
    pub claims: Option<C>,
}

/// Claims a [`Verdict`] can carry, and the member of the verdict's JSON that holds them.
pub trait VerdictClaims: serde::Serialize {
    /// `license` or `machine`.
    const JSON_MEMBER: &'static str;
}

impl VerdictClaims for Claims {
    const JSON_MEMBER: &'static str = "license";
}

impl<C: VerdictClaims> Verdict<C> {
    /// A failure without verified claims.
    pub fn fail(outcome: Outcome, reason: impl Into<String>) -> Self {
        Verdict {
            outcome,
            reason: reason.into(),
            claims: None,
        }
    }

    /// Whether the license (or machine file) is valid.
    pub fn is_valid(&self) -> bool {
        self.outcome == Outcome::Valid
    }

    /// The verdict as `keyctl verify --json`, the JavaScript package and every other
    /// interface show it: `{"valid", "code", "error", "license"}`, with `error` `null` when
    /// valid and `license` the verified claims or `null` (`machine` for a machine file).
    pub fn to_json(&self) -> serde_json::Value {
        let mut json = serde_json::json!({
            "valid": self.is_valid(),
            "code": self.outcome.code(),
            "error": if self.is_valid() { None } else { Some(&self.reason) },
        });
        json[C::JSON_MEMBER] = serde_json::to_value(&self.claims).expect("claims serialize");
        json
    }
}

/// What a license is checked against, beyond the keys.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// The product asking; must be among `products`.
    pub product: &'a str,
    /// The host a web product runs on; `None` for native use.
    pub domain: Option<&'a str>,
    /// The machine (`hwid`) that must be activated, if any.
    pub machine: Option<&'a str>,
    /// The current time.
    pub now: Timestamp,
    /// Tolerance for `exp` and `nbf`, in seconds.
    pub leeway: i64,
}

/// Where verification learns what only the vendor's store knows.
///
/// Its failures are [`StateError`]s, which verification reports as the outcome `error`
/// with their message.
pub trait LicenseState {
    /// `Some(reason)` when the license is revoked or suspended.
    fn revocation(&self, license_id: &str) -> Result<Option<String>, StateError>;
    /// Whether `hwid` is an activated machine of the license.
    fn is_activated(&self, license_id: &str, hwid: &str) -> Result<bool, StateError>;
}

/// Why a [`LicenseState`] could not answer (the store failed): verification's `error`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StateError(pub String);

/// A JWT split and decoded, its signature not yet checked.
#[derive(Clone, Debug)]
pub struct Decoded<'a> {
    /// The header's `kid`.
    pub kid: String,
    /// The claims, unverified.
    pub claims: Claims,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'a str,
    /// The decoded 64-byte signature.
    pub signature: [u8; 64],
}

/// What a license token is, for [`jws::split`].
const LICENSE: Kind = Kind {
    noun: "license",
    plural: "keyctl licenses",
    typ: "JWT",
    max_len: MAX_JWT_LEN,
};

/// Splits and decodes a compact JWT, checking everything the `malformed` class covers.
pub fn decode(token: &str) -> Result<Decoded<'_>, Verdict> {
    let malformed = |reason: String| Verdict::fail(Outcome::Malformed, reason);
    let parts = jws::split(token, LICENSE).map_err(malformed)?;
    let claims: Claims = serde_json::from_slice(&parts.payload).map_err(|err| {
        malformed(format!(
            "the claims are not a keyctl license ({})",
            claim_error(&err)
        ))
    })?;
    if !is_valid_license_id(&claims.jti) {
        return Err(malformed(
            "`jti` is not a license id (1-64 of A-Z a-z 0-9 _ -)".into(),
        ));
    }
    if claims.products.is_empty() {
        return Err(malformed("`products` is empty".into()));
    }
    Ok(Decoded {
        kid: parts.kid,
        claims,
        signing_input: parts.signing_input,
        signature: parts.signature,
    })
}

/// Checks the signature of a decoded token against the trusted keys.
pub fn check_signature(decoded: &Decoded<'_>, keys: &TrustedKeys) -> Result<(), Verdict> {
    jws::check_signature(
        &decoded.kid,
        decoded.signing_input,
        &decoded.signature,
        keys,
    )
    .map_err(|reason| Verdict::fail(Outcome::BadSignature, reason))
}

/// Checks the signatures of many decoded tokens at once, for bulk verification: one Ed25519
/// batch verification over those whose key is trusted, and when that batch fails, each one
/// alone with [`check_signature`] to find the culprits. The answers are
/// [`check_signature`]'s. (A batch check is cofactored where `verify_strict` is not: they
/// could differ only on a signature crafted by the key's own holder, never on one a third
/// party can make.)
pub fn check_signatures(decoded: &[&Decoded<'_>], keys: &TrustedKeys) -> Vec<Result<(), Verdict>> {
    let mut results: Vec<Option<Result<(), Verdict>>> = vec![None; decoded.len()];
    let mut batch = Vec::with_capacity(decoded.len());
    for (slot, token) in decoded.iter().enumerate() {
        match keys.find(&token.kid) {
            Some(key) if !key.verifying_key().is_weak() => batch.push((slot, *key.verifying_key())),
            _ => results[slot] = Some(check_signature(token, keys)),
        }
    }
    let messages: Vec<&[u8]> = batch
        .iter()
        .map(|(slot, _)| decoded[*slot].signing_input.as_bytes())
        .collect();
    let signatures: Vec<ed25519_dalek::Signature> = batch
        .iter()
        .map(|(slot, _)| ed25519_dalek::Signature::from_bytes(&decoded[*slot].signature))
        .collect();
    let verifying: Vec<ed25519_dalek::VerifyingKey> = batch.iter().map(|(_, key)| *key).collect();
    let all_good = ed25519_dalek::verify_batch(&messages, &signatures, &verifying).is_ok();
    for (slot, _) in batch {
        results[slot] = Some(if all_good {
            Ok(())
        } else {
            check_signature(decoded[slot], keys)
        });
    }
    results
        .into_iter()
        .map(|result| result.expect("every token decided"))
        .collect()
}

/// Checks the time window, the scope and the store's state of verified claims.
pub fn check_claims(
    claims: Claims,
    ctx: &Context<'_>,
    state: Option<&dyn LicenseState>,
) -> Verdict {
    let fail = |outcome, reason: String, claims: Claims| Verdict {
        outcome,
        reason,
        claims: Some(claims),
    };
    if let Some(exp) = claims.exp {
        if ctx.now > exp.saturating_add(ctx.leeway) {
            return fail(
                Outcome::Expired,
                format!("expired at {}", rfc3339(exp)),
                claims,
            );
        }
    }
    if let Some(nbf) = claims.nbf {
        if ctx.now < nbf.saturating_sub(ctx.leeway) {
            return fail(
                Outcome::NotYetValid,
                format!("not valid before {}", rfc3339(nbf)),
                claims,
            );
        }
    }
    if !claims.products.iter().any(|p| p == ctx.product) {
        let reason = format!(
            "product `{}` is not covered (the license covers {})",
            short(ctx.product),
            claims.products.join(", ")
        );
        return fail(Outcome::ScopeMismatch, reason, claims);
    }
    match ctx.domain {
        Some(domain)
            if !claims
                .domains
                .iter()
                .any(|pattern| domain_matches(pattern, domain)) =>
        {
            let listed = if claims.domains.is_empty() {
                "none".to_owned()
            } else {
                claims.domains.join(", ")
            };
            let reason = format!(
                "domain `{}` is not among the license's domains ({listed})",
                short(domain)
            );
            return fail(Outcome::ScopeMismatch, reason, claims);
        }
        None if !claims.domains.is_empty() => {
            let reason = format!(
                "the license is for domains {} and no domain was given",
                claims.domains.join(", ")
            );
            return fail(Outcome::ScopeMismatch, reason, claims);
        }
        _ => {}
    }
    if let Some(hwid) = ctx.machine {
        let Some(state) = state else {
            return fail(
                Outcome::Error,
                "checking a machine needs the store".into(),
                claims,
            );
        };
        match state.is_activated(&claims.jti, hwid) {
            Ok(true) => {}
            Ok(false) => {
                return fail(
                    Outcome::ScopeMismatch,
                    format!("machine `{}` is not activated", short(hwid)),
                    claims,
                )
            }
            Err(err) => return fail(Outcome::Error, err.to_string(), claims),
        }
    }
    if let Some(state) = state {
        match state.revocation(&claims.jti) {
            Ok(None) => {}
            Ok(Some(reason)) => return fail(Outcome::Revoked, reason, claims),
            Err(err) => return fail(Outcome::Error, err.to_string(), claims),
        }
    }
    Verdict {
        outcome: Outcome::Valid,
        reason: String::new(),
        claims: Some(claims),
    }
}

/// The checks a product can make without the vendor's keys, before it asks a server: the
/// form, the time window, the product and the domain. The signature is not checked, so the
/// verdict never carries claims (they are unverified); only the server can say `valid`.
pub fn check_unverified(token: &str, ctx: &Context<'_>) -> Verdict {
    let mut verdict = match decode(token) {
        Ok(decoded) => check_claims(decoded.claims, ctx, None),
        Err(verdict) => verdict,
    };
    verdict.claims = None;
    verdict
}

/// Verifies `token` for `ctx`: the whole spec order in one call.
pub fn verify(
    token: &str,
    keys: &TrustedKeys,
    ctx: &Context<'_>,
    state: Option<&dyn LicenseState>,
) -> Verdict {
    let decoded = match decode(token) {
        Ok(decoded) => decoded,
        Err(verdict) => return verdict,
    };
    if let Err(verdict) = check_signature(&decoded, keys) {
        return verdict;
    }
    check_claims(decoded.claims, ctx, state)
}

/// Whether `host` is allowed by `pattern`: equal ignoring case, or for `*.example.com`
/// any subdomain at any depth, but not `example.com` itself. A trailing dot is ignored.
pub fn domain_matches(pattern: &str, host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    match pattern.strip_prefix("*.") {
        Some(base) => {
            host.len() > base.len() + 1
                && host.as_bytes()[host.len() - base.len() - 1] == b'.'
                && host[host.len() - base.len()..].eq_ignore_ascii_case(base)
        }
        None => pattern.eq_ignore_ascii_case(host),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert!(domain_matches("example.com", "EXAMPLE.com"));
        assert!(domain_matches("example.com", "example.com."));
        assert!(domain_matches("*.example.com", "a.example.com"));
        assert!(domain_matches("*.example.com", "a.b.Example.COM"));
        assert!(!domain_matches("*.example.com", "example.com"));
        assert!(!domain_matches("*.example.com", "badexample.com"));
        assert!(!domain_matches("*.example.com", ".example.com"));
        assert!(!domain_matches("example.com", "a.example.com"));
        assert!(!domain_matches("*.example.com", "é.example.cöm"));
    }

    #[test]
    fn exit_codes_follow_the_spec() {
        let codes: Vec<(&str, i32)> = Outcome::ALL
            .iter()
            .map(|o| (o.code(), o.exit_code()))
            .collect();
        assert_eq!(
            codes,
            [
                ("valid", 0),
                ("error", 1),
                ("malformed", 3),
                ("bad_signature", 4),
                ("expired", 5),
                ("not_yet_valid", 6),
                ("scope_mismatch", 7),
                ("revoked", 8),
                ("bad_request_signature", 9),
                ("stale_request", 9),
                ("replayed_request", 9),
                ("status_unknown", 10),
                ("clock_rollback", 11),
            ]
        );
    }

    #[test]
    fn garbage_is_malformed_never_a_panic() {
        let keys = TrustedKeys::default();
        let ctx = Context {
            product: "p",
            domain: None,
            machine: None,
            now: 0,
            leeway: 60,
        };
        for token in [
            "",
            ".",
            "..",
            "a.b.c",
            "a.b.c.d",
            "é.é.é",
            &"x".repeat(9000),
            "eyJhbGciOiJub25lIn0.e30.",
        ] {
            assert_eq!(
                verify(token, &keys, &ctx, None).outcome,
                Outcome::Malformed,
                "{token:.40}"
            );
        }
    }
}
