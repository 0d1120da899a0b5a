//! The records a store holds, as every backend reads and writes them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::keys::{KeyPair, PublicKey, KEY_LEN};
use crate::license::{IssuedLicense, ShortKey};
use crate::passphrase::SealingKey;
use crate::secret::SecretString;
use crate::time::Timestamp;

/// Lifecycle of a signing key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    /// Signs new licenses; exactly one key is active.
    Active,
    /// Verifies licenses but does not sign.
    Trusted,
    /// No longer trusted: licenses signed by it fail verification.
    Retired,
}

impl KeyStatus {
    /// The lowercase name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Trusted => "trusted",
            KeyStatus::Retired => "retired",
        }
    }
}

/// A signing key as stored: its private seed in clear (`seed`, lowercase hex) or, in a store
/// whose keys are encrypted, sealed under the passphrase (`sealed`, see [`passphrase`]).
/// `public` (base64url) lets verification work without the seed; records written before it
/// existed have only `seed`, from which it is derived.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredKey {
    /// RFC 7638 thumbprint.
    pub kid: String,
    /// Lifecycle state.
    pub status: KeyStatus,
    /// When it was added.
    pub created: Timestamp,
    /// When it was retired.
    #[serde(default)]
    pub retired: Option<Timestamp>,
    /// The public key, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<String>,
    /// The seed in clear, lowercase hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<SecretString>,
    /// The seed sealed under the store's passphrase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<String>,
}

/// A key's public description.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// RFC 7638 thumbprint.
    pub kid: String,
    /// Lifecycle state.
    pub status: KeyStatus,
    /// When it was added.
    pub created: Timestamp,
    /// When it was retired.
    pub retired: Option<Timestamp>,
}

/// A product licenses can cover.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// The product id used in licenses.
    pub id: String,
    /// Sequential number (1, 2, …), the `app_id` of the compatibility API.
    pub number: u64,
    /// Display name.
    pub name: String,
    /// Shown to users when activation fails.
    pub support_message: Option<String>,
    /// When it was added.
    pub created: Timestamp,
}

/// Whether a license may be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LicenseStatus {
    /// In good standing.
    Active,
    /// Temporarily blocked; `reinstate` lifts it.
    Suspended,
    /// Permanently withdrawn.
    Revoked,
}

impl LicenseStatus {
    /// The lowercase name used in tables, JSON and `--status`.
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseStatus::Active => "active",
            LicenseStatus::Suspended => "suspended",
            LicenseStatus::Revoked => "revoked",
        }
    }
}

/// A license as stored, with what listing needs copied out of its claims.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LicenseRecord {
    /// License id (`jti`).
    pub id: String,
    /// Canonical short key (no dashes).
    pub short_key: String,
    /// The JWT as issued.
    pub jwt: String,
    /// The request signer secret.
    pub secret: SecretString,
    /// Standing.
    pub status: LicenseStatus,
    /// Why it was revoked or suspended.
    pub reason: Option<String>,
    /// When it was issued.
    pub created: Timestamp,
    /// `sub`.
    pub licensee: String,
    /// `products`.
    pub products: Vec<String>,
    /// `exp`.
    pub expires: Option<Timestamp>,
    /// `max_activations`.
    pub max_activations: Option<i64>,
    /// The order reference of a batch row (`ref`), unique per product.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub order_ref: Option<String>,
    /// The license's index in the store's status list; absent on licenses issued before
    /// status lists (their JWT has no `status` claim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_idx: Option<u64>,
}

impl LicenseRecord {
    /// The record for a freshly issued license.
    pub fn from_issued(issued: &IssuedLicense) -> Self {
        LicenseRecord {
            id: issued.claims.jti.clone(),
            short_key: issued.short_key.as_str().to_owned(),
            jwt: issued.jwt.clone(),
            secret: SecretString::new(issued.signer_secret.as_str()),
            status: LicenseStatus::Active,
            reason: None,
            created: issued.claims.iat,
            licensee: issued.claims.sub.clone(),
            products: issued.claims.products.clone(),
            expires: issued.claims.exp,
            max_activations: issued.claims.max_activations,
            order_ref: None,
            status_idx: issued
                .claims
                .status
                .as_ref()
                .map(|status| status.status_list.idx),
        }
    }

    /// The short key as people see it.
    pub fn short_key_display(&self) -> String {
        ShortKey::parse(&self.short_key)
            .map(|k| k.display())
            .unwrap_or_else(|| self.short_key.clone())
    }
}

/// An activated machine of a license.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    /// The license.
    pub license_id: String,
    /// The machine's hardware id.
    pub hwid: String,
    /// The machine's name, as reported.
    pub machine: Option<String>,
    /// The user logged in at activation.
    pub user: Option<String>,
    /// First activation.
    pub first_seen: Timestamp,
    /// Latest (re-)activation; checks do not write, to keep them fast.
    pub last_seen: Timestamp,
}

/// Filter for [`Store::licenses`].
#[derive(Clone, Debug, Default)]
pub struct LicenseFilter {
    /// Only licenses covering this product.
    pub product: Option<String>,
    /// Only licenses in this standing.
    pub status: Option<LicenseStatus>,
}

impl LicenseFilter {
    /// Whether `record` passes the filter.
    pub fn matches(&self, record: &LicenseRecord) -> bool {
        let product_ok = self
            .product
            .as_ref()
            .is_none_or(|p| record.products.contains(p));
        product_ok && self.status.is_none_or(|s| s == record.status)
    }
}

impl Activation {
    /// This activation renewed by `again`: its `last_seen`, and the names it gives.
    pub fn renewed(&self, again: &Activation) -> Activation {
        Activation {
            last_seen: again.last_seen,
            machine: again.machine.clone().or_else(|| self.machine.clone()),
            user: again.user.clone().or_else(|| self.user.clone()),
            ..self.clone()
        }
    }
}

/// Why a license may not be used, as verification reports it; `None` when active.
pub fn revocation_text(record: &LicenseRecord) -> Option<String> {
    standing_text(record.status, record.reason.as_deref())
}

/// [`revocation_text`] from a standing and its reason, for backends that read only those.
pub(crate) fn standing_text(status: LicenseStatus, reason: Option<&str>) -> Option<String> {
    match (status, reason) {
        (LicenseStatus::Active, _) => None,
        (status, Some(reason)) => Some(format!("the license is {} ({reason})", status.as_str())),
        (status, None) => Some(format!("the license is {}", status.as_str())),
    }
}

impl std::fmt::Debug for StoredKey {
    /// The kid and status only: never the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKey")
            .field("kid", &self.kid)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl StoredKey {
    /// A new key's record, its secret sealed with `sealing` or else in clear.
    pub(crate) fn new(
        pair: &KeyPair,
        status: KeyStatus,
        now: Timestamp,
        sealing: Option<&SealingKey>,
    ) -> StoredKey {
        let mut stored = StoredKey {
            kid: pair.kid().to_owned(),
            status,
            created: now,
            retired: None,
            public: None,
            seed: None,
            sealed: None,
        };
        stored.set_secret(pair, sealing);
        stored
    }

    /// Records `pair`'s secret: sealed with `sealing`, else the seed in clear.
    pub(crate) fn set_secret(&mut self, pair: &KeyPair, sealing: Option<&SealingKey>) {
        let seed = pair.seed();
        self.public = Some(B64URL.encode(pair.public().verifying_key().as_bytes()));
        match sealing {
            Some(sealing) => {
                self.sealed = Some(sealing.seal(&seed, &self.kid));
                self.seed = None;
            }
            None => {
                self.seed = Some(SecretString::new(hex::encode(seed.as_ref())));
                self.sealed = None;
            }
        }
    }

    pub(crate) fn damaged(&self) -> Error {
        Error::Store(format!("key {} is damaged in the store", self.kid))
    }

    /// The public key, from `public` or else from the seed; its kid must be the record's.
    pub(crate) fn public_key(&self) -> Result<PublicKey> {
        let public = match (&self.public, &self.seed) {
            (Some(x), _) => B64URL
                .decode(x)
                .ok()
                .and_then(|bytes| PublicKey::from_bytes(&bytes, &self.kid).ok()),
            (None, Some(_)) => self.pair(None).ok().map(|pair| pair.public()),
            (None, None) => None,
        };
        public
            .filter(|public| public.kid() == self.kid)
            .ok_or_else(|| self.damaged())
    }

    pub(crate) fn record(&self) -> KeyRecord {
        KeyRecord {
            kid: self.kid.clone(),
            status: self.status,
            created: self.created,
            retired: self.retired,
        }
    }

    /// The key pair, from the seed in clear or unsealed with `sealing`.
    pub(crate) fn pair(&self, sealing: Option<&SealingKey>) -> Result<KeyPair> {
        let pair = match (&self.seed, &self.sealed, sealing) {
            (Some(seed), _, _) => {
                let bytes = Zeroizing::new(hex::decode(seed.expose()).unwrap_or_default());
                let seed: &[u8; KEY_LEN] =
                    bytes.as_slice().try_into().map_err(|_| self.damaged())?;
                KeyPair::from_seed(seed)
            }
            (None, Some(sealed), Some(sealing)) => {
                let seed = sealing
                    .unseal(sealed, &self.kid)
                    .ok_or_else(|| self.damaged())?;
                KeyPair::from_seed(&seed)
            }
            _ => return Err(self.damaged()),
        };
        // A seed that does not give the record's key id was not written by keyctl.
        if pair.kid() != self.kid {
            return Err(self.damaged());
        }
        Ok(pair)
    }
}
