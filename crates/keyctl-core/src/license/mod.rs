//! Licenses: the JWT claims, issuance, offline verification and short keys
//! (`docs/spec/license-format.md`).

pub(crate) mod ids;
mod issue;
mod shortkey;
mod verify;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::status_list::StatusClaim;

pub use ids::{new_license_id, SIGNER_SECRET_PREFIX};
#[cfg(feature = "getrandom")]
pub use issue::issue;
pub use issue::{check_product_id, validate, IssueRequest, IssuedLicense, Issuer};
pub use shortkey::ShortKey;
pub use verify::{
    check_claims, check_signature, check_signatures, check_unverified, decode, domain_matches,
    verify, Context, Decoded, LicenseState, Outcome, StateError, Verdict, VerdictClaims,
};

/// The largest license JWT keyctl issues or accepts, in bytes.
pub const MAX_JWT_LEN: usize = 8 * 1024;

/// The claims of a keyctl license JWT. Unknown claims are ignored when reading.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer: the vendor.
    pub iss: String,
    /// Licensee.
    pub sub: String,
    /// License id.
    pub jti: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Not valid before (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Expiry (Unix seconds); `None` is perpetual.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Products covered; never empty.
    pub products: Vec<String>,
    /// Hosts a web product may run on (`*.example.com` wildcards).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<String>,
    /// Machines that may be activated; `-1` or `None` is unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_activations: Option<i64>,
    /// Entitlements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// Free-form vendor data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
    /// Where the license's revocation status is published (a status list entry); absent
    /// on licenses issued before status lists, which stay valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusClaim>,
}

impl Claims {
    /// Seats the license allows, `None` when unlimited.
    pub fn seat_limit(&self) -> Option<u64> {
        match self.max_activations {
            Some(n) if n > 0 => Some(n as u64),
            _ => None,
        }
    }
}

/// Whether `id` is a valid license id (`jti`): 1–64 of `[A-Za-z0-9_-]`.
pub fn is_valid_license_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
