//! Machine files: a signed, offline proof that a machine is activated for a license. A
//! machine file is a compact JWT of `typ` `keyctl-machine+jwt`, signed by the store's key,
//! naming the license (`lic`), the machine by the SHA-256 of its hardware id (`hwid`, so the
//! file never leaks a MAC address), what the license covers, and a life of its own that
//! never outlasts the license (`exp` = min(`iat` + TTL, the license's `exp`)).
//!
//! This module issues and verifies them; [`crate::offline`] adds the status list and the
//! clock.

use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::jws::{self, claim_error, short, Kind};
use crate::keys::{KeyPair, TrustedKeys};
use crate::license::{
    ids, is_valid_license_id, Claims, Outcome, Verdict, VerdictClaims, MAX_JWT_LEN,
};
use crate::status_list::StatusClaim;
use crate::time::{rfc3339, Timestamp};

/// The `typ` of a machine file.
pub const MACHINE_TYP: &str = "keyctl-machine+jwt";

/// Every machine file id starts with this.
pub const MACHINE_ID_PREFIX: &str = "mch_";

/// The shortest life of a machine file: an hour.
pub const MIN_TTL: i64 = 3_600;
/// The longest life of a machine file: a year (365 days).
pub const MAX_TTL: i64 = 365 * 86_400;
/// The life of a machine file when the vendor does not say: 30 days.
pub const DEFAULT_TTL: i64 = 30 * 86_400;

/// The longest hardware id accepted, in bytes, before hashing.
pub const MAX_HWID_LEN: usize = 256;

/// The longest nonce, in characters of base64url.
pub const MAX_NONCE_LEN: usize = 32;

const MACHINE_FILE: Kind = Kind {
    noun: "machine file",
    plural: "keyctl machine files",
    typ: MACHINE_TYP,
    max_len: MAX_JWT_LEN,
};

/// Why a machine file cannot be issued.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MachineError {
    /// The TTL is under [`MIN_TTL`] or over [`MAX_TTL`].
    #[error("ttl: {ttl} s is not between 1 hour ({MIN_TTL} s) and 1 year ({MAX_TTL} s)")]
    Ttl {
        /// The TTL asked for, in seconds.
        ttl: i64,
    },
    /// The license has expired (or expires now): there is no life left to give the file.
    #[error("license {license}: expired at {expired}; a machine file cannot outlive it")]
    LicenseExpired {
        /// The license id.
        license: String,
        /// Its expiry, RFC 3339.
        expired: String,
    },
    /// The hardware id is empty, too long or has control characters; or a hash is not 64
    /// lowercase hex digits.
    #[error("hwid: {0}")]
    Hwid(String),
    /// The nonce is not 1-32 characters of base64url.
    #[error("nonce: must be 1-{MAX_NONCE_LEN} characters of A-Z a-z 0-9 _ -")]
    Nonce,
}

/// The SHA-256 of a hardware id, as 64 lowercase hex digits: what machine files and request
/// codes carry instead of the id itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HwidHash(String);

impl HwidHash {
    /// The hash of a raw hardware id (its UTF-8 bytes, as given: 1-256 bytes, no control
    /// characters).
    pub fn of(hwid: &str) -> Result<Self, MachineError> {
        if hwid.is_empty() || hwid.len() > MAX_HWID_LEN || hwid.chars().any(char::is_control) {
            return Err(MachineError::Hwid(format!(
                "a hardware id is 1-{MAX_HWID_LEN} bytes without control characters"
            )));
        }
        Ok(HwidHash(hex::encode(Sha256::digest(hwid.as_bytes()))))
    }

    /// A hash already computed: exactly 64 lowercase hex digits.
    pub fn parse(hex: &str) -> Result<Self, MachineError> {
        if hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(HwidHash(hex.to_owned()))
        } else {
            Err(MachineError::Hwid(
                "a hardware id's hash is 64 lowercase hex digits".into(),
            ))
        }
    }

    /// The 64 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `nonce` is one a request code or machine file may carry.
pub(crate) fn check_nonce(nonce: &str) -> Result<(), MachineError> {
    let ok = (1..=MAX_NONCE_LEN).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(MachineError::Nonce)
    }
}

/// The claims of a machine file. Unknown claims are ignored when reading.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineClaims {
    /// The machine file's id, `mch_…`.
    pub jti: String,
    /// The license id.
    pub lic: String,
    /// The SHA-256 of the hardware id, 64 lowercase hex digits.
    pub hwid: String,
    /// The license's products.
    pub products: Vec<String>,
    /// The license's features.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// Issued at (Unix seconds).
    pub iat: Timestamp,
    /// Not valid before (Unix seconds): the issue time, or the license's `nbf` if later.
    pub nbf: Timestamp,
    /// Expiry (Unix seconds): `iat` + TTL, or the license's expiry if sooner.
    pub exp: Timestamp,
    /// The license's own expiry, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lexp: Option<Timestamp>,
    /// The nonce of the request code the file answers, echoed so that the product can match
    /// the answer to its request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The license's `status` claim, copied, so that the file can be checked against a
    /// status list without the license.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusClaim>,
}

/// A freshly signed machine file.
#[derive(Clone, Debug)]
pub struct MachineFile {
    /// The signed claims.
    pub claims: MachineClaims,
    /// The compact JWT.
    pub jwt: String,
}

/// What a machine file is issued for: the license (already verified or read from the
/// store), the machine, how long, and the request's nonce when answering a request code.
#[derive(Clone, Copy, Debug)]
pub struct Grant<'a> {
    /// The license's claims.
    pub license: &'a Claims,
    /// The machine.
    pub hwid: &'a HwidHash,
    /// The file's life in seconds, [`MIN_TTL`] to [`MAX_TTL`].
    pub ttl: i64,
    /// The nonce to echo, from the request code.
    pub nonce: Option<&'a str>,
}

/// Signs a machine file for `grant` with `key`, issued at `now`, its id's random part from
/// the operating system's generator.
#[cfg(feature = "getrandom")]
pub fn issue(
    key: &KeyPair,
    grant: &Grant<'_>,
    now: Timestamp,
) -> Result<MachineFile, MachineError> {
    issue_with(&mut rand_core::OsRng, key, grant, now)
}

/// Signs a machine file for `grant` with `key`, issued at `now`, its id's random part from
/// `rng`.
pub fn issue_with(
    rng: &mut impl CryptoRngCore,
    key: &KeyPair,
    grant: &Grant<'_>,
    now: Timestamp,
) -> Result<MachineFile, MachineError> {
    if !(MIN_TTL..=MAX_TTL).contains(&grant.ttl) {
        return Err(MachineError::Ttl { ttl: grant.ttl });
    }
    if let Some(nonce) = grant.nonce {
        check_nonce(nonce)?;
    }
    let license = grant.license;
    let exp = license
        .exp
        .map_or(now + grant.ttl, |lexp| lexp.min(now + grant.ttl));
    let nbf = license.nbf.map_or(now, |nbf| nbf.max(now));
    if exp <= now || exp <= nbf {
        return Err(MachineError::LicenseExpired {
            license: license.jti.clone(),
            expired: rfc3339(license.exp.unwrap_or(exp)),
        });
    }
    let millis = u64::try_from(now).unwrap_or(0).saturating_mul(1000);
    // Machine files are issued one at a time: a random sequence keeps the id random.
    let sequence = rng.next_u32();
    let claims = MachineClaims {
        jti: ids::new_id(MACHINE_ID_PREFIX, rng, millis, sequence),
        lic: license.jti.clone(),
        hwid: grant.hwid.as_str().to_owned(),
        products: license.products.clone(),
        features: license.features.clone(),
        iat: now,
        nbf,
        exp,
        lexp: license.exp,
        nonce: grant.nonce.map(str::to_owned),
        status: license.status.clone(),
    };
    let jwt = jws::sign(key, MACHINE_TYP, &claims);
    Ok(MachineFile { claims, jwt })
}

/// What a machine file is checked against.
#[derive(Clone, Copy, Debug)]
pub struct MachineContext<'a> {
    /// The machine's hardware id, raw (it is hashed here).
    pub hwid: &'a str,
    /// The product asking; must be among the file's products.
    pub product: &'a str,
    /// The nonce of the request the product sent, to check the file answers it; `None`
    /// accepts any.
    pub nonce: Option<&'a str>,
    /// The current time.
    pub now: Timestamp,
    /// Tolerance for `exp` and `nbf`, in seconds.
    pub leeway: i64,
}

/// The answer of a machine file's verification: `{"valid", "code", "error", "machine"}`
/// in JSON, `machine` the verified claims or `null`.
pub type MachineVerdict = Verdict<MachineClaims>;

impl VerdictClaims for MachineClaims {
    const JSON_MEMBER: &'static str = "machine";
}

/// Reads a machine file and checks its signature: the verified claims, or the verdict
/// (`malformed`, `bad_signature`).
pub fn decode_verified(token: &str, keys: &TrustedKeys) -> Result<MachineClaims, MachineVerdict> {
    let malformed = |reason: String| MachineVerdict::fail(Outcome::Malformed, reason);
    let parts = jws::split(token.trim(), MACHINE_FILE).map_err(malformed)?;
    let claims: MachineClaims = serde_json::from_slice(&parts.payload).map_err(|err| {
        malformed(format!(
            "the claims are not a keyctl machine file ({})",
            claim_error(&err)
        ))
    })?;
    let id_ok = claims
        .jti
        .strip_prefix(MACHINE_ID_PREFIX)
        .is_some_and(|rest| !rest.is_empty() && is_valid_license_id(&claims.jti));
    if !id_ok {
        return Err(malformed("`jti` is not a machine file id (mch_…)".into()));
    }
    if !is_valid_license_id(&claims.lic) {
        return Err(malformed(
            "`lic` is not a license id (1-64 of A-Z a-z 0-9 _ -)".into(),
        ));
    }
    if HwidHash::parse(&claims.hwid).is_err() {
        return Err(malformed(
            "`hwid` is not a SHA-256 (64 lowercase hex digits)".into(),
        ));
    }
    if claims.products.is_empty() {
        return Err(malformed("`products` is empty".into()));
    }
    jws::check_signature(&parts.kid, parts.signing_input, &parts.signature, keys)
        .map_err(|reason| MachineVerdict::fail(Outcome::BadSignature, reason))?;
    Ok(claims)
}

/// Checks verified claims against the context, as [`crate::license::check_claims`] does a
/// license's: expired, not yet valid, another machine, another product, another request's
/// nonce. The verdict carries the claims.
pub fn check_claims(claims: MachineClaims, ctx: &MachineContext<'_>) -> MachineVerdict {
    let (outcome, reason) = match first_failure(&claims, ctx) {
        Ok(()) => (Outcome::Valid, String::new()),
        Err(failure) => failure,
    };
    MachineVerdict {
        outcome,
        reason,
        claims: Some(claims),
    }
}

/// The first check the claims fail, with its outcome and reason.
fn first_failure(
    claims: &MachineClaims,
    ctx: &MachineContext<'_>,
) -> Result<(), (Outcome, String)> {
    if ctx.now > claims.exp.saturating_add(ctx.leeway) {
        return Err((
            Outcome::Expired,
            format!("the machine file expired at {}", rfc3339(claims.exp)),
        ));
    }
    if ctx.now < claims.nbf.saturating_sub(ctx.leeway) {
        return Err((
            Outcome::NotYetValid,
            format!(
                "the machine file is not valid before {}",
                rfc3339(claims.nbf)
            ),
        ));
    }
    let hwid = HwidHash::of(ctx.hwid).map_err(|err| (Outcome::ScopeMismatch, err.to_string()))?;
    if hwid.as_str() != claims.hwid {
        return Err((
            Outcome::ScopeMismatch,
            "the machine file is for another machine (its hwid hash differs)".into(),
        ));
    }
    if !claims.products.iter().any(|p| p == ctx.product) {
        return Err((
            Outcome::ScopeMismatch,
            format!(
                "product `{}` is not covered (the machine file covers {})",
                short(ctx.product),
                claims.products.join(", ")
            ),
        ));
    }
    if let Some(nonce) = ctx.nonce {
        if claims.nonce.as_deref() != Some(nonce) {
            return Err((
                Outcome::ScopeMismatch,
                "the machine file answers another request (its nonce differs)".into(),
            ));
        }
    }
    Ok(())
}

/// Verifies a machine file for `ctx`: form, `typ`, signature, time window, machine,
/// product, nonce. The first failure is the answer.
pub fn verify(token: &str, keys: &TrustedKeys, ctx: &MachineContext<'_>) -> MachineVerdict {
    match decode_verified(token, keys) {
        Ok(claims) => check_claims(claims, ctx),
        Err(verdict) => verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
    use base64::Engine as _;
    use rand_core::OsRng;

    const NOW: Timestamp = 1_795_000_000;
    const DAY: i64 = 86_400;
    const HWID: &str = "00:1a:2b:3c:4d:5e";

    fn vendor() -> KeyPair {
        KeyPair::from_seed(&[8; 32])
    }

    fn trusted() -> TrustedKeys {
        TrustedKeys::new(vec![vendor().public()])
    }

    fn license(exp: Option<Timestamp>) -> Claims {
        Claims {
            iss: "Acme".into(),
            sub: "alice".into(),
            jti: "lic_machine_test".into(),
            iat: NOW - DAY,
            nbf: None,
            exp,
            products: vec!["app".into()],
            domains: vec![],
            max_activations: Some(3),
            features: vec!["pro".into()],
            meta: None,
            status: None,
        }
    }

    fn file(license: &Claims, ttl: i64) -> Result<MachineFile, MachineError> {
        let hwid = HwidHash::of(HWID).unwrap();
        let grant = Grant {
            license,
            hwid: &hwid,
            ttl,
            nonce: Some("n0nce"),
        };
        issue_with(&mut OsRng, &vendor(), &grant, NOW)
    }

    fn ctx(now: Timestamp) -> MachineContext<'static> {
        MachineContext {
            hwid: HWID,
            product: "app",
            nonce: None,
            now,
            leeway: 60,
        }
    }

    #[test]
    fn the_hwid_is_hashed_never_carried() {
        let issued = file(&license(None), DEFAULT_TTL).unwrap();
        // sha256sum of the raw id's bytes.
        assert_eq!(
            issued.claims.hwid,
            "64504fb15fd0b984adcc010c02dd2e89661659d56cb219a60e4e09cc8803ad72"
        );
        assert!(!issued.jwt.contains(&B64URL.encode(HWID)));
        assert!(issued.claims.jti.starts_with("mch_") && issued.claims.jti.len() == 30);
    }

    #[test]
    fn the_file_lives_the_ttl_or_until_the_license_ends() {
        let perpetual = file(&license(None), DEFAULT_TTL).unwrap().claims;
        assert_eq!(
            (perpetual.iat, perpetual.nbf, perpetual.exp, perpetual.lexp),
            (NOW, NOW, NOW + 30 * DAY, None)
        );
        let short = file(&license(Some(NOW + DAY)), DEFAULT_TTL).unwrap().claims;
        assert_eq!((short.exp, short.lexp), (NOW + DAY, Some(NOW + DAY)));
        assert_eq!(short.nonce.as_deref(), Some("n0nce"));
        assert_eq!(
            (short.products, short.features),
            (vec!["app".to_owned()], vec!["pro".to_owned()])
        );
    }

    #[test]
    fn ttls_outside_an_hour_to_a_year_and_expired_licenses_are_refused() {
        assert_eq!(
            file(&license(None), MIN_TTL - 1).unwrap_err(),
            MachineError::Ttl { ttl: MIN_TTL - 1 }
        );
        assert_eq!(
            file(&license(None), MAX_TTL + 1).unwrap_err().to_string(),
            "ttl: 31536001 s is not between 1 hour (3600 s) and 1 year (31536000 s)"
        );
        assert!(file(&license(None), MIN_TTL).is_ok());
        assert!(file(&license(None), MAX_TTL).is_ok());
        assert_eq!(
            file(&license(Some(NOW)), DEFAULT_TTL).unwrap_err().to_string(),
            "license lic_machine_test: expired at 2026-11-18T11:06:40Z; a machine file cannot outlive it"
        );
    }

    #[test]
    fn verification_gives_each_outcome() {
        let issued = file(&license(Some(NOW + 10 * DAY)), DEFAULT_TTL).unwrap();
        let verdict = verify(&issued.jwt, &trusted(), &ctx(NOW));
        assert!(verdict.is_valid(), "{}", verdict.reason);
        assert_eq!(verdict.to_json()["machine"]["lic"], "lic_machine_test");

        let outcome = |ctx: &MachineContext<'_>| {
            let verdict = verify(&issued.jwt, &trusted(), ctx);
            (verdict.outcome, verdict.reason)
        };
        assert_eq!(
            outcome(&ctx(NOW + 10 * DAY + 61)),
            (
                Outcome::Expired,
                "the machine file expired at 2026-11-28T11:06:40Z".into()
            )
        );
        assert_eq!(
            outcome(&MachineContext {
                hwid: "another",
                ..ctx(NOW)
            }),
            (
                Outcome::ScopeMismatch,
                "the machine file is for another machine (its hwid hash differs)".into()
            )
        );
        assert_eq!(
            outcome(&MachineContext {
                product: "web",
                ..ctx(NOW)
            }),
            (
                Outcome::ScopeMismatch,
                "product `web` is not covered (the machine file covers app)".into()
            )
        );
        assert_eq!(
            outcome(&MachineContext {
                nonce: Some("other"),
                ..ctx(NOW)
            }),
            (
                Outcome::ScopeMismatch,
                "the machine file answers another request (its nonce differs)".into()
            )
        );
        assert!(verify(
            &issued.jwt,
            &trusted(),
            &MachineContext {
                nonce: Some("n0nce"),
                ..ctx(NOW)
            }
        )
        .is_valid());
    }

    #[test]
    fn forged_edited_and_license_tokens_are_refused() {
        let issued = file(&license(None), DEFAULT_TTL).unwrap();
        let other = KeyPair::from_seed(&[9; 32]);
        let grant_hwid = HwidHash::of(HWID).unwrap();
        let by_other = issue_with(
            &mut OsRng,
            &other,
            &Grant {
                license: &license(None),
                hwid: &grant_hwid,
                ttl: DEFAULT_TTL,
                nonce: None,
            },
            NOW,
        )
        .unwrap();
        let verdict = verify(&by_other.jwt, &trusted(), &ctx(NOW));
        assert_eq!(verdict.outcome, Outcome::BadSignature);
        assert!(verdict.claims.is_none());

        let mut claims = issued.claims.clone();
        claims.exp += 365 * DAY;
        let mut parts: Vec<String> = issued.jwt.split('.').map(str::to_owned).collect();
        parts[1] = B64URL.encode(serde_json::to_vec(&claims).unwrap());
        let edited = verify(&parts.join("."), &trusted(), &ctx(NOW));
        assert_eq!(
            (edited.outcome, edited.reason),
            (
                Outcome::BadSignature,
                format!("the signature does not verify with key {}", vendor().kid())
            )
        );

        // A license is not a machine file, and a machine file is not a license.
        let lic = crate::license::issue(
            "Acme",
            &vendor(),
            &crate::license::IssueRequest {
                licensee: "alice".into(),
                products: vec!["app".into()],
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
        let as_machine = verify(&lic.jwt, &trusted(), &ctx(NOW));
        assert_eq!(
            (as_machine.outcome, as_machine.reason),
            (
                Outcome::Malformed,
                "the header's `typ` is not \"keyctl-machine+jwt\"".into()
            )
        );
        let license_ctx = crate::license::Context {
            product: "app",
            domain: None,
            machine: None,
            now: NOW,
            leeway: 60,
        };
        let as_license = crate::license::verify(&issued.jwt, &trusted(), &license_ctx, None);
        assert_eq!(
            (as_license.outcome, as_license.reason),
            (
                Outcome::Malformed,
                "the header's `typ` is not \"JWT\"".into()
            )
        );
    }

    #[test]
    fn hwid_and_nonce_inputs_are_bounded() {
        assert!(HwidHash::of("").is_err());
        assert!(HwidHash::of(&"x".repeat(MAX_HWID_LEN + 1)).is_err());
        assert!(HwidHash::of("a\nb").is_err());
        assert!(HwidHash::parse(&"A".repeat(64)).is_err());
        assert!(HwidHash::parse(&"a".repeat(64)).is_ok());
        assert_eq!(check_nonce(&"n".repeat(33)), Err(MachineError::Nonce));
        assert_eq!(check_nonce("a b"), Err(MachineError::Nonce));
    }
}
